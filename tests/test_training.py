"""The one training path: skorch callbacks, warm starts, partial_fit, rollback, stopping."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.neural_network import MLPRegressor
from skorch.callbacks import (
    Callback,
    Checkpoint,
    GradientNormClipping,
    LoadInitState,
    LRScheduler,
)
from torch.optim.lr_scheduler import StepLR

from skae import AutoencoderTransformer, DenoisingAutoencoder, PretrainedAEClassifier, _data
from skae._rows import HostRows, placement
from skae._run import fused_supported
from skae.regularizers import Contractive

from .conftest import FAST, FAST_CLASSIFIER


class RecordLR(Callback):
    """Records the optimizer's learning rate at every epoch's end."""

    def initialize(self):
        self.lrs = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.lrs.append(net.optimizer_.param_groups[0]["lr"])


class Interrupt(Callback):
    """Stops a fit with an error after ``epochs`` epochs, as a crash would."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epochs:
            raise RuntimeError("interrupted")


def test_lr_scheduler_and_named_callbacks_run_after_skaes(blobs):
    X, _ = blobs
    callbacks = [LRScheduler(StepLR, step_size=1, gamma=0.5), ("lr_log", RecordLR())]
    model = AutoencoderTransformer(2, **{**FAST, "max_epochs": 3},
                                   callbacks=callbacks).fit(X)
    names = [name for name, _ in model.net_.callbacks_]
    assert names.index("divergence_guard") < names.index("lr_log")
    assert dict(model.net_.callbacks_)["lr_log"].lrs == pytest.approx([5e-4, 2.5e-4, 1.25e-4])
    assert dict(model.net_.callbacks_)["lr_log"] is callbacks[1][1]  # used as given


def test_gradient_norm_clipping(blobs):
    X, _ = blobs
    model = AutoencoderTransformer(2, **FAST, callbacks=[GradientNormClipping(0.01)]).fit(X)
    assert np.isfinite(model.loss_curve_).all()
    free = AutoencoderTransformer(2, **FAST).fit(X)
    assert model.loss_curve_ != free.loss_curve_


def test_checkpoint_and_load_init_state_resume_an_interrupted_fit(blobs, tmp_path):
    X, _ = blobs
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor=None)
    params = dict(FAST, max_epochs=4)
    crashed = AutoencoderTransformer(2, **params, callbacks=[checkpoint, Interrupt(2)])
    with pytest.raises(RuntimeError, match="interrupted"):
        crashed.fit(X)
    assert not hasattr(crashed, "net_")  # the failed fit left nothing behind
    resumed = AutoencoderTransformer(
        2, **params, callbacks=[checkpoint, LoadInitState(checkpoint)]).fit(X)
    # The resumed run starts from the checkpoint's history (2 epochs) and runs 4 more.
    assert resumed.n_iter_ == 6
    # It went on from the checkpoint's weights, not from fresh ones.
    whole = AutoencoderTransformer(2, **params).fit(X)
    gap = abs(resumed.loss_curve_[2] - whole.loss_curve_[2])
    assert gap < abs(resumed.loss_curve_[2] - whole.loss_curve_[0])


def test_tensorboard_logger(blobs, tmp_path):
    pytest.importorskip("tensorboard")
    from skorch.callbacks import TensorBoard
    from torch.utils.tensorboard import SummaryWriter

    X, _ = blobs
    writer = SummaryWriter(log_dir=str(tmp_path))
    AutoencoderTransformer(2, **FAST, callbacks=[TensorBoard(writer)]).fit(X)
    writer.close()
    assert any(path.name.startswith("events.out.tfevents") for path in tmp_path.iterdir())


def test_partial_fit_runs_one_epoch_per_call_from_the_current_weights(blobs):
    X, _ = blobs
    model = AutoencoderTransformer(2, **{**FAST, "early_stopping": True})
    for calls in range(1, 4):
        model.partial_fit(X)
        assert model.n_iter_ == len(model.loss_curve_) == calls
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.validation_scores_ is None  # no held-out rows in partial_fit
    with pytest.raises(ValueError, match="X has 3 features, but AutoencoderTransformer is "
                                         "expecting 10"):
        model.partial_fit(X[:, :3])
    assert model.n_iter_ == 3


def test_warm_start_continues_and_grows_the_curves(blobs):
    X, _ = blobs
    model = AutoencoderTransformer(2, **FAST, warm_start=True).fit(X)
    first = list(model.loss_curve_)
    model.set_params(max_epochs=2).fit(X)
    assert model.n_iter_ == 5 and model.loss_curve_[:3] == first
    assert model.loss_curve_[3] < first[0]
    cold = clone(model).set_params(warm_start=False, max_epochs=3).fit(X)
    assert cold.n_iter_ == 3


def test_partial_fit_is_reproducible(blobs):
    X, _ = blobs
    a = DenoisingAutoencoder(2, **FAST).partial_fit(X).partial_fit(X)
    b = DenoisingAutoencoder(2, **FAST).partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_classifier_partial_fit_needs_classes_first(blobs):
    X, y = blobs
    clf = PretrainedAEClassifier(AutoencoderTransformer(2, **FAST), **FAST_CLASSIFIER)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"never saw in classes: \[2\]"):
        clf.partial_fit(X, y, classes=[0, 1])
    unlabeled = np.full_like(y, -1)
    clf.partial_fit(X[:100], unlabeled[:100], classes=[0, 1, 2])
    assert clf.n_iter_ == 0 and clf.classes_.tolist() == [0, 1, 2]
    for _ in range(15):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 15
    assert clf.score(X, y) > 0.8


def test_classifier_warm_start_skips_pretraining(blobs):
    X, y = blobs
    clf = PretrainedAEClassifier(AutoencoderTransformer(2, **FAST), warm_start=True,
                                 **FAST_CLASSIFIER).fit(X, y)
    pretrained = clf.autoencoder_
    clf.set_params(max_epochs=2).fit(X, y)
    assert clf.autoencoder_ is pretrained and clf.n_iter_ == 22
    with pytest.raises(ValueError, match=r"never saw in fit: \[7\]"):
        clf.fit(X, np.where(y == 2, 7, y))


def test_failed_refit_leaves_a_fitted_conv_estimator_usable(digits01):
    # Regression: the layout was overwritten before validation failed.
    X, _ = digits01
    images = X[:64].reshape(-1, 1, 8, 8)
    model = AutoencoderTransformer(2, encoder="conv", encoder__conv_channels=(2,),
                                   **FAST).fit(images)
    codes = model.transform(images)
    bad = np.full((10, 1, 4, 4), np.nan, dtype=np.float32)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad)
    np.testing.assert_array_equal(model.transform(images), codes)
    assert model.layout_.sample_shape == (1, 8, 8)
    with pytest.raises(ValueError):
        model.partial_fit(np.full_like(images, np.nan))
    np.testing.assert_array_equal(model.transform(images), codes)


def test_a_diverging_partial_fit_leaves_the_weights_as_they_were(blobs):
    X, _ = blobs
    model = AutoencoderTransformer(2, **FAST).fit(X)
    codes = model.transform(X)
    with pytest.raises(FloatingPointError, match="diverged"):
        model.set_params(lr=1e12, optimizer="sgd").partial_fit(X * 1e6)
    np.testing.assert_array_equal(model.transform(X), codes)
    assert model.n_iter_ == 3


class CountingEncoder(torch.nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(n_features, 8),
                                          torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                          torch.nn.Dropout(0.5), torch.nn.Linear(8, n_components))
        self.calls = 0

    def forward(self, X):
        self.calls += 1
        return self.layers(X)


def test_contractive_penalty_runs_the_encoder_once_per_batch(blobs):
    # Regression: batch norm statistics were updated twice, a second dropout mask drawn.
    X, _ = blobs
    model = AutoencoderTransformer(2, encoder=CountingEncoder, decoder="dense",
                                   regularizer=Contractive(0.1), **FAST).fit(X)
    n_batches = -(-len(X) // FAST["batch_size"])
    # Two rows checked before training, then one call per training batch.
    assert model.encoder_.calls == 1 + FAST["max_epochs"] * n_batches
    assert model.encoder_.layers[1].num_batches_tracked == FAST["max_epochs"] * n_batches


def test_greedy_leaves_consistent_modes_and_a_full_history(blobs):
    # Regression: the top module said "training" while its children were in eval, and
    # net_.history was empty.
    X, _ = blobs
    model = AutoencoderTransformer(2, hidden_layer_sizes=(6,), dropout=0.2,
                                   pretraining="greedy", max_epochs=2, random_state=0).fit(X)
    module = model.net_.module_
    assert {m.training for m in module.modules()} == {module.training}
    assert len(model.net_.history) == model.n_iter_ == 4
    assert [row["layer"] for row in model.net_.history] == [0, 0, 1, 1]
    model.transform(X)
    assert {m.training for m in module.modules()} == {module.training}
    model.net_.partial_fit(X)  # skorch's own continuation trains in training mode
    assert module.training


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_stopping_rule_matches_mlp(blobs, n_iter_no_change):
    # Regression: skae stopped one epoch earlier than MLPRegressor, whose rule it claims.
    X, _ = blobs
    params = dict(n_iter_no_change=n_iter_no_change, tol=1e6, max_iter=50)
    mlp = MLPRegressor(hidden_layer_sizes=(4,), random_state=0, **params).fit(X, X)
    model = AutoencoderTransformer(2, **{**FAST, "max_epochs": 50}, tol=1e6,
                                   n_iter_no_change=n_iter_no_change).fit(X)
    assert model.n_iter_ == mlp.n_iter_ == n_iter_no_change + 2


def test_epochs_are_shuffled_afresh(blobs):
    # Regression: skorch makes a new iterator every epoch, and each one drew the same order.
    X, _ = blobs
    orders = []

    class Record(Callback):
        def on_epoch_begin(self, net, **kwargs):
            self.first = True

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training and self.first:
                orders.append(batch[0][0].clone())
                self.first = False

    AutoencoderTransformer(2, **FAST, callbacks=[Record()]).fit(X)
    assert len(orders) == 3
    assert not torch.equal(orders[0], orders[1])


def test_adam_runs_fused_where_torch_has_it(blobs):
    X = blobs[0]
    cpu_has_it = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)
    assert fused_supported(torch.optim.Adam, "cpu") == cpu_has_it
    for optimizer in ("adam", "adamw"):
        ae = AutoencoderTransformer(2, optimizer=optimizer, **FAST).fit(X)
        assert ae.net_.optimizer_.defaults["fused"] is (True if cpu_has_it else None)
    ae = AutoencoderTransformer(2, optimizer="sgd", **FAST).fit(X)
    assert not ae.net_.optimizer_.defaults.get("fused")


def test_weight_decay_falls_on_the_weights_only(digits):
    # Biases, the gates and the linear paths (which start at PCA) are not decayed.
    ae = AutoencoderTransformer(4, weight_decay=1e-3, max_epochs=2, random_state=0)
    ae.fit(digits[0])
    decay = {id(p): group["weight_decay"] for group in ae.net_.optimizer_.param_groups
             for p in group["params"]}
    names = dict(ae.net_.module_.named_parameters())
    spared = {n for n, p in names.items() if decay[id(p)] == 0}
    assert spared == {n for n, p in names.items() if p.ndim < 2 or ".linear." in n}
    assert "encoder.linear.weight" in spared and "decoder.gate" in spared
    assert all(decay[id(p)] == 1e-3 for n, p in names.items() if n not in spared)
    plain = AutoencoderTransformer(4, max_epochs=2, random_state=0).fit(digits[0])
    assert len(plain.net_.optimizer_.param_groups) == 1


# -- data placement, precision, compile ------------------------------------------------


def on_the_host(X, device, data_placement="auto"):
    """``placement`` deciding 'host' for every X: the estimators always place by 'auto'."""
    return "host"


def test_host_placement_trains_the_same_model(digits, monkeypatch):
    X, _ = digits
    on_device = AutoencoderTransformer(4, **FAST).fit(X)
    with monkeypatch.context() as patch:
        patch.setattr(_data, "placement", on_the_host)
        on_host = AutoencoderTransformer(4, **FAST).fit(X)
        assert isinstance(on_host.net_.get_dataset(X).X, HostRows)
    assert not isinstance(on_device.net_.get_dataset(X).X, HostRows)
    np.testing.assert_allclose(on_host.transform(X), on_device.transform(X), rtol=1e-5)


def test_host_rows_give_rows_by_slice_and_index():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    rows = HostRows(X)
    np.testing.assert_array_equal(rows[1:3].numpy(), X[1:3])
    np.testing.assert_array_equal(rows[torch.tensor([5, 0])].numpy(), X[[5, 0]])


@pytest.mark.parametrize(("free", "expected"), [(10 * 2**30, "device"), (2**18, "host")])
def test_auto_placement_keeps_on_the_gpu_what_fits_in_half_its_free_memory(
        monkeypatch, free, expected):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free, 2 * free))
    X = np.zeros((1000, 100), np.float32)  # 400 kB
    assert placement(X, "cuda") == expected
    assert placement(X, "cuda", "device") == "device"
    assert placement(X, "cpu") == "device"  # one memory: nothing to choose


def test_bfloat16_autocasts_training_not_the_fitted_model(digits):
    X, _ = digits
    dtypes = set()

    class Recording(torch.nn.Linear):
        def forward(self, x):
            out = super().forward(x)
            dtypes.add(out.dtype)
            return out

    class Encoder(torch.nn.Module):
        def __init__(self, n_features, n_components):
            super().__init__()
            self.linear = Recording(n_features, n_components)

        def forward(self, x):
            return self.linear(x)

    params = {**FAST, "hidden_layer_sizes": ()}
    ae = AutoencoderTransformer(4, encoder=Encoder, decoder="dense", precision="bfloat16",
                                 **params).fit(X)
    assert torch.bfloat16 in dtypes
    assert np.all(np.isfinite(ae.loss_curve_))
    dtypes.clear()
    assert ae.transform(X).dtype == np.float32 and dtypes == {torch.float32}


def test_compile_goes_through_skorch_with_its_arguments(digits):
    X, _ = digits
    # The eager backend checks the plumbing without paying for inductor's compilation.
    ae = AutoencoderTransformer(4, compile=True, compile__backend="eager", **FAST).fit(X)
    assert isinstance(ae.net_.module_, torch._dynamo.eval_frame.OptimizedModule)
    assert ae.transform(X).shape == (len(X), 4)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(ae)).transform(X), ae.transform(X))
    with pytest.raises(TypeError, match=r"AutoencoderTransformer got unexpected parameters "
                                        r"'compiler__mode'"):
        AutoencoderTransformer(4, compiler__mode="max-autotune", **FAST).fit(X)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_host_rows_reach_the_gpu_through_the_side_stream(digits, monkeypatch):
    X, _ = digits
    on_gpu = AutoencoderTransformer(4, device="cuda", **FAST).fit(X)
    monkeypatch.setattr(_data, "placement", on_the_host)
    from_host = AutoencoderTransformer(4, device="cuda", **FAST).fit(X)
    assert isinstance(from_host.net_.get_dataset(X).X, HostRows)
    np.testing.assert_allclose(from_host.transform(X), on_gpu.transform(X), atol=1e-5)


def test_partial_fit_extends_the_history_without_copying_or_touching_it(digits):
    X, _ = digits
    ae = AutoencoderTransformer(4, **FAST).partial_fit(X)
    first = ae.net_.history
    ae.partial_fit(X)
    assert len(first) == 1 and len(ae.net_.history) == 2  # the old net's list is as it was
    assert ae.net_.history[0] is first[0]  # epochs are shared, not copied on every call
