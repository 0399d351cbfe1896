"""skae.save / skae.load: every estimator round-trips, and loading runs no code from the file."""

import io
import json
import pickle
import textwrap
import zipfile

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import InconsistentVersionWarning
from skorch.callbacks import GradientNormClipping, LRScheduler

import skae.persistence
from skae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    SkaeVersionWarning,
    VariationalAutoencoder,
    load,
    save,
)
from skae.noise import MaskingNoise
from skae.regularizers import L1

from .conftest import FAST, FAST_CLASSIFIER


def _saved(estimator):
    buffer = io.BytesIO()
    save(estimator, buffer)
    buffer.seek(0)
    return buffer


ESTIMATORS = {
    "plain": lambda: AutoencoderTransformer(4, regularizer=L1(1e-4), **FAST),
    "denoising": lambda: DenoisingAutoencoder(4, noise="masking", noise_level=0.3, **FAST),
    "variational": lambda: VariationalAutoencoder(4, **FAST),
    "outlier": lambda: AutoencoderOutlierDetector(AutoencoderTransformer(4, **FAST),
                                                  random_state=0),
    "classifier": lambda: PretrainedAEClassifier(AutoencoderTransformer(4, **FAST),
                                                 **FAST_CLASSIFIER),
    "callbacks": lambda: AutoencoderTransformer(
        4, callbacks=[GradientNormClipping(1.0), LRScheduler(policy=torch.optim.lr_scheduler.StepLR,
                                                             step_size=2)], **FAST),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_round_trips_and_trains_on(name, digits):
    X, y = digits
    estimator = ESTIMATORS[name]().fit(X, y)
    loaded = load(_saved(estimator))
    assert type(loaded) is type(estimator)
    assert loaded.get_params().keys() == estimator.get_params().keys()
    method = "predict" if hasattr(estimator, "predict") else "transform"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(estimator, method)(X))
    ae = getattr(loaded, "autoencoder_", loaded)
    if name == "denoising":  # the corruption module, a noise object, comes back as well
        assert isinstance(ae.corruption_, MaskingNoise)
    # Shared objects stay shared: the optimizer steps the module's own parameters.
    assert ae.encoder_ is ae.net_.module_.encoder
    params = {id(p) for p in ae.net_.module_.parameters()}
    assert {id(p) for g in ae.net_.optimizer_.param_groups for p in g["params"]} <= params
    loaded.fit(X, y)  # trains on, as the original would


def test_an_unfitted_estimator_round_trips_its_parameters():
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(5,), encoder__tied_weights=True)
    loaded = load(_saved(ae))
    assert loaded.get_params() == ae.get_params()
    assert not hasattr(loaded, "net_")


def test_warm_start_goes_on_from_the_saved_optimizer_state(digits):
    X, _ = digits
    ae = AutoencoderTransformer(4, **FAST).fit(X)
    loaded = load(_saved(ae))
    ae.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_allclose(loaded.transform(X), ae.transform(X), atol=1e-6)
    assert loaded.n_iter_ == ae.n_iter_


# -- what load refuses ---------------------------------------------------------------------


class _WritesMarker:
    """Unpickling this writes a file: what a malicious pickle would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("dump", [pickle.dump, joblib.dump])
def test_load_never_unpickles(dump, tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "model.pkl"
    with open(path, "wb") as f:
        dump(_WritesMarker(marker), f)
    with pytest.raises(ValueError, match="not a file skae.save wrote .*never unpickles"):
        load(path)
    assert not marker.exists()


def _crafted(tmp_path, root, tensors=None):
    """A zip laid out as skae.save lays it out, holding what an attacker chose."""
    if tensors is None:
        buffer = io.BytesIO()
        torch.save({}, buffer)
        tensors = buffer.getvalue()
    path = tmp_path / "crafted.skae"
    header = {"format": "skae", "format_version": 1,
              "skae_version": skae.__version__, "root": root}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("skae.json", json.dumps(header))
        archive.writestr("tensors.pt", tensors)
    return path


def test_load_refuses_names_it_does_not_trust_before_building_anything(tmp_path):
    root = {"$": "partial", "id": 0, "func": {"$": "name", "id": 1, "name": "posix.system"},
            "args": ["touch marker"], "keywords": {"$": "dict", "id": 2, "class": None,
                                                   "items": []}}
    with pytest.raises(TypeError, match=r"does not trust: \['posix.system'\].*trusted="):
        load(_crafted(tmp_path, root))
    # A trusted prefix does not make a function trusted, nor an alias of another name.
    for name in ["skae.workbench.cli.main", "skae.autoencoder.np.load", "skae.__main__.x"]:
        with pytest.raises((TypeError, ValueError), match="does not trust|does not have"):
            load(_crafted(tmp_path, {"$": "name", "id": 0, "name": name}))


def test_load_reads_tensors_without_unpickling_them(tmp_path):
    marker = tmp_path / "marker"
    buffer = io.BytesIO()
    torch.save({"t0": _WritesMarker(marker)}, buffer)  # a pickle inside torch's zip
    root = {"$": "tensor", "id": 0, "key": "t0", "parameter": False, "requires_grad": False,
            "device": "cpu"}
    with pytest.raises(ValueError, match="are not plain tensors"):
        load(_crafted(tmp_path, root, tensors=buffer.getvalue()))
    assert not marker.exists()


ENCODER = '''
import torch


class TinyEncoder(torch.nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_components)

    def forward(self, X):
        return self.linear(X)
'''


def test_a_users_own_module_loads_only_when_trusted(digits, tmp_path, monkeypatch):
    (tmp_path / "user_layers.py").write_text(textwrap.dedent(ENCODER))
    monkeypatch.syspath_prepend(str(tmp_path))
    from user_layers import TinyEncoder

    X, _ = digits
    ae = AutoencoderTransformer(4, encoder=TinyEncoder, decoder="dense", **FAST).fit(X)
    buffer = _saved(ae)
    with pytest.raises(TypeError, match=r"\['user_layers.TinyEncoder'\]. .* If you trust"):
        load(buffer)
    buffer.seek(0)
    loaded = load(buffer, trusted=["user_layers.TinyEncoder"])
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))


def test_save_says_what_it_cannot_name(digits):
    X, _ = digits
    ae = AutoencoderTransformer(4, **FAST).fit(X)
    ae.net_.callbacks_[0][1].hook = lambda: None
    where = r"AutoencoderTransformer.net_.callbacks_\[0\]\[1\].hook"
    with pytest.raises(TypeError, match=rf"cannot save {where} .*<lambda>"):
        save(ae, io.BytesIO())


# -- versions ------------------------------------------------------------------------------


def test_a_file_of_another_skae_warns_as_scikit_learn_does(digits, monkeypatch):
    X, _ = digits
    buffer = _saved(AutoencoderTransformer(4, **FAST).fit(X))
    monkeypatch.setattr(skae.persistence, "__version__", "99.0")
    with pytest.warns(SkaeVersionWarning, match="saved by skae 0.1.0 with skae 99.0"):
        load(buffer)
    assert issubclass(SkaeVersionWarning, InconsistentVersionWarning)


def test_a_file_that_does_not_fit_this_skae_fails_at_load(digits, tmp_path, monkeypatch):
    X, _ = digits
    path = tmp_path / "ae.skae"
    save(AutoencoderTransformer(4, **FAST).fit(X), path)
    # As another version might have stored it: without the fitted layout_.
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(members["skae.json"])
    items = header["root"]["state"]["items"]
    header["root"]["state"]["items"] = [kv for kv in items if kv[0] != "layout_"]
    header["skae_version"] = "0.0.1"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, "skae.json": json.dumps(header)}.items():
            archive.writestr(name, data)
    with pytest.warns(SkaeVersionWarning), pytest.raises(
            ValueError, match="saved by skae 0.0.1, and its AutoencoderTransformer does not "
                              "work with skae 0.1.0 .*layout_"):
        load(path)
    header["format_version"] = 2
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, "skae.json": json.dumps(header)}.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="version 2 of skae's file format"):
        load(path)
