"""Data-parallel training through accelerate: one process, and two CPU processes (gloo)."""

import contextlib
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skae import AutoencoderTransformer, DenoisingAutoencoder
from skae._accelerate import accelerated
from skae._net import SemiSupervisedNet

from ._accelerate_script import fit_all

accelerate = pytest.importorskip("accelerate")

ROOT = Path(__file__).parents[1]
X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
FAST = dict(hidden_layer_sizes=(8,), batch_size=16, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def accelerator():
    return accelerate.Accelerator(cpu=True)


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, DenoisingAutoencoder])
def test_one_process_fits_as_without_accelerator(Estimator, accelerator):
    plain = Estimator(2, **FAST).fit(X)
    accelerated_fit = Estimator(2, **FAST, accelerator=accelerator).fit(X)
    np.testing.assert_array_equal(accelerated_fit.transform(X), plain.transform(X))
    assert accelerated_fit.loss_curve_ == plain.loss_curve_
    # The fitted module is unwrapped and lives where the accelerator put it.
    assert accelerated_fit.net_.device == accelerator.device.type == "cpu"
    assert type(accelerated_fit.net_.module_).__name__ == "Autoencoder"


def test_accelerator_is_a_parameter_that_clone_keeps(accelerator):
    ae = AutoencoderTransformer(2, **FAST, accelerator=accelerator).fit(X)
    assert ae.get_params()["accelerator"] is accelerator
    # clone deep-copies parameters that are not estimators, and an Accelerator copies as
    # itself (there is one per process); training leaves no prepared objects in it.
    copy = clone(ae)
    assert copy.accelerator is accelerator
    assert accelerator._models == [] and accelerator._optimizers == []
    np.testing.assert_array_equal(copy.fit(X).transform(X), ae.transform(X))


def test_fitted_model_pickles_and_continues(accelerator):
    ae = AutoencoderTransformer(2, **FAST, accelerator=accelerator, warm_start=True).fit(X)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    plain = AutoencoderTransformer(2, **FAST, warm_start=True).fit(X).fit(X)
    # The warm start carries Adam's state over as it does without the accelerator.
    np.testing.assert_array_equal(ae.fit(X).transform(X), plain.transform(X))
    assert ae.n_iter_ == 6


def test_silent_unless_verbose(accelerator):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        AutoencoderTransformer(2, **FAST, accelerator=accelerator).fit(X)
    assert out.getvalue() == ""


def test_accelerator_must_be_an_accelerator():
    with pytest.raises(InvalidParameterError, match="'accelerator' parameter"):
        AutoencoderTransformer(2, accelerator="cuda").fit(X)


def test_nets_without_a_data_parallel_version_are_refused():
    with pytest.raises(ValueError, match="accelerator is not supported for training a "
                                         "SemiSupervisedNet; pass accelerator=None"):
        accelerated(SemiSupervisedNet)


def test_two_processes_fit_the_model_of_one(tmp_path):
    # Two CPU processes (gloo), each with global batches cut in two, against one process
    # with the whole batches: the same model up to the rounding of summing in halves.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node", "2", str(ROOT / "tests" / "_accelerate_script.py"),
               str(tmp_path)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    started = len(list(tmp_path.glob("started_*")))
    if result.returncode and started < 2:
        pytest.skip(f"could not start two processes that meet here:\n{result.stderr[-2000:]}")
    assert result.returncode == 0, result.stderr[-4000:]
    parallel = np.load(tmp_path / "result.npz")
    assert parallel["num_processes"] == 2
    single = fit_all()
    for name, values in single.items():
        np.testing.assert_allclose(parallel[name], values, rtol=1e-4, atol=1e-5, err_msg=name)
    assert len(single["held_out_scores"]) == len(single["held_out_loss"]) > 0
