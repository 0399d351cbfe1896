import subprocess
import sys

import numpy as np
import pytest
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from torch import nn

from skae._data import BatchIterator, TensorDataset, TensorSplit
from skae._net import AutoencoderNet, DivergenceGuard, EarlyStoppingFromStart, TensorNet
from skae._skorch import listens, partial_fit_interruptible, stopped_early
from skae.modules import Autoencoder, DenseDecoder, DenseEncoder
from skae.penalties import contractive, kl_sparsity, l1_activity
from skae.regularizers import KL, L1, Contractive


def _module(n_features=4, n_components=2, code_activation="identity"):
    return Autoencoder(
        DenseEncoder(n_features, n_components, hidden_layer_sizes=(3,), activation="tanh",
                     code_activation=code_activation),
        DenseDecoder(n_features, n_components, hidden_layer_sizes=(3,), activation="tanh"),
    )


def _net(net_class=AutoencoderNet, module=None, **params):
    params = {
        "criterion": nn.MSELoss,
        "optimizer": torch.optim.SGD,
        "lr": 0.01,
        "max_epochs": 2,
        "batch_size": 8,
        "iterator_train": BatchIterator,
        "iterator_train__shuffle": True,
        "iterator_valid": BatchIterator,
        "train_split": None,
        "verbose": 0,
        **params,
    }
    return net_class(module=_module() if module is None else module, **params)


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)


def test_autoencoder_net_fits_with_tensor_batches(X, seed):
    torch.manual_seed(seed)
    net = _net(callbacks=[DivergenceGuard()]).fit(X, None)
    losses = net.history[:, "train_loss"]
    assert len(losses) == 2 and all(np.isfinite(losses))
    # 20 rows, batches of 8: the trailing 4 rows form a third batch.
    assert len(net.history[-1]["batches"]) == 3


def test_divergence_guard_names_epoch_and_lr(X, seed):
    torch.manual_seed(seed)
    net = _net(lr=1e3, max_epochs=5, callbacks=[DivergenceGuard()])
    with pytest.raises(FloatingPointError,
                       match=r"became (nan|inf) at epoch \d+: .*lower lr \(it is 1000\.0\)",
                       ) as excinfo:
        net.fit(X * 1e6, None)
    # The epoch named is the one being trained when the loss stopped being finite.
    assert f"at epoch {len(net.history)}:" in str(excinfo.value)
    assert len(net.history) < 5


def test_divergence_guard_ignores_validation_batches():
    class Net:
        history = [{"batches": [{"train_loss": 1.5}, {"valid_loss": float("nan")}]}]
        lr = 0.1
        module_ = torch.nn.Linear(2, 2)

    DivergenceGuard().on_epoch_end(Net())


def test_divergence_guard_passes_finite_loss_and_stops_at_infinite():
    class Net:
        history = [{"batches": [{"train_loss": 1.5}, {"train_loss": 2.0}]}]
        lr = 0.1
        module_ = torch.nn.Linear(2, 2)

    DivergenceGuard().on_epoch_end(Net())
    Net.history[0]["batches"].append({"train_loss": float("inf")})
    with pytest.raises(FloatingPointError, match="Model: the training loss became inf at "
                                                 "epoch 1"):
        DivergenceGuard("Model").on_epoch_end(Net())


@pytest.mark.parametrize("value, name", [(float("inf"), "inf"), (float("nan"), "nan")])
def test_divergence_guard_stops_at_weights_a_last_step_made_non_finite(value, name):
    # Every loss of the epoch, computed before its step, was finite.
    class Net:
        history = [{"batches": [{"train_loss": 1.5}]}]
        lr = 0.1
        module_ = torch.nn.BatchNorm1d(2)

    DivergenceGuard().on_epoch_end(Net())
    with torch.no_grad():
        Net.module_.running_var[0] = value  # a buffer counts as a weight
    with pytest.raises(FloatingPointError, match=f"the weights became {name} at epoch 1"):
        DivergenceGuard().on_epoch_end(Net())


class BatchCounter(Callback):
    def initialize(self):
        self.batches = []
        return self

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        self.batches.append((training, len(batch[0])))


def test_epochs_without_batch_listeners_record_what_skorch_records(X):
    # Nobody listens to batch events: the losses are read once per epoch, but the
    # history and the weights are those of skorch's loop, which a listener brings back.
    def fitted(callbacks):
        torch.manual_seed(0)
        return _net(train_split=TensorSplit(0.25, seed=0), callbacks=callbacks).fit(X, None)

    quiet, counted = fitted([]), fitted([("counter", BatchCounter())])
    assert not listens(quiet) and listens(counted)
    # 15 training rows in batches of 8, 5 held-out rows in one, for 2 epochs.
    assert dict(counted.callbacks_)["counter"].batches == [(True, 8), (True, 7), (False, 5)] * 2
    for epoch_quiet, epoch_counted in zip(quiet.history, counted.history, strict=True):
        for key in "train_loss", "valid_loss", "train_batch_count", "valid_batch_count":
            assert epoch_quiet[key] == pytest.approx(epoch_counted[key])
        assert [sorted(b) for b in epoch_quiet["batches"]] == [
            sorted(b) for b in epoch_counted["batches"]]
        for batch_quiet, batch_counted in zip(epoch_quiet["batches"], epoch_counted["batches"],
                                              strict=True):
            assert batch_quiet == pytest.approx(batch_counted)
    for a, b in zip(quiet.module_.parameters(), counted.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_custom_train_step_is_kept(X):
    class Net(AutoencoderNet):
        def train_step(self, batch, **fit_params):
            self.steps = getattr(self, "steps", 0) + 1
            return super().train_step(batch, **fit_params)

    net = _net(Net).fit(X, None)
    assert net.steps == 6  # 3 batches in each of 2 epochs


@pytest.mark.parametrize("regularizer, penalty", [
    (L1(0.5), l1_activity),
    (KL(0.5, target=0.1), lambda code: kl_sparsity(code, 0.1)),
])
def test_get_loss_adds_sparsity_only_in_training(regularizer, penalty, X, seed):
    torch.manual_seed(seed)
    net = _net(module=_module(code_activation=regularizer.code_activation),
               regularizer=regularizer).initialize()
    Xt = torch.as_tensor(X)
    y_pred = net.module_(Xt)
    reconstruction, code = y_pred
    plain = net.criterion_(reconstruction, Xt)
    torch.testing.assert_close(net.get_loss(y_pred, None, X=Xt, training=False), plain)
    torch.testing.assert_close(net.get_loss(y_pred, None, X=Xt, training=True),
                               plain + 0.5 * penalty(code))
    assert penalty(code).item() > 0


def test_get_loss_adds_contractive_only_in_training(X, seed):
    torch.manual_seed(seed)
    net = _net(regularizer=Contractive(0.3)).initialize()
    # As in train_step_single: the code is computed from an input that needs its gradient.
    Xt = torch.as_tensor(X).requires_grad_(True)
    y_pred = net.module_(Xt)
    plain = net.criterion_(y_pred[0], Xt)
    torch.testing.assert_close(net.get_loss(y_pred, None, X=Xt, training=False), plain)
    # The penalty is the encoder's Jacobian, computed here from a separate encoder pass.
    X_ref = torch.as_tensor(X).requires_grad_(True)
    expected = plain + 0.3 * contractive(net.module_.encoder(X_ref), X_ref)
    torch.testing.assert_close(net.get_loss(y_pred, None, X=Xt, training=True), expected)


def test_contractive_train_step_runs_the_encoder_once_per_batch(X, seed):
    torch.manual_seed(seed)
    net = _net(regularizer=Contractive(0.3)).initialize()
    Xt = torch.as_tensor(X[:8])
    X_ref = Xt.clone().requires_grad_(True)
    reconstruction, code = net.module_(X_ref)
    expected = net.criterion_(reconstruction, Xt) + 0.3 * contractive(code, X_ref)
    calls = []
    net.module_.encoder.register_forward_hook(lambda *args: calls.append(1))
    step = net.train_step((Xt, None))
    assert len(calls) == 1
    torch.testing.assert_close(step["loss"].detach(), expected.detach())
    # The caller's batch is left as it was: the step marks a detached view as needing grad.
    assert not Xt.requires_grad and Xt.grad is None


def test_get_loss_without_penalties_is_the_criterion(X, seed):
    torch.manual_seed(seed)
    net = _net().initialize()
    Xt = torch.as_tensor(X)
    y_pred = net.module_(Xt)
    plain = net.criterion_(y_pred[0], Xt)
    torch.testing.assert_close(net.get_loss(y_pred, None, X=Xt, training=True), plain)


def test_get_loss_uses_target_when_given(X, seed):
    # Denoising: the target is the clean input, not the batch the module saw.
    torch.manual_seed(seed)
    net = _net(regularizer=L1(1.0)).initialize()
    Xt = torch.as_tensor(X)
    target = torch.zeros_like(Xt)
    y_pred = net.module_(Xt)
    torch.testing.assert_close(net.get_loss(y_pred, target, X=Xt, training=False),
                               net.criterion_(y_pred[0], target))


def test_tensor_net_get_dataset_is_a_tensor_dataset(X):
    net = _net(TensorNet).initialize()
    dataset = net.get_dataset(X)
    assert isinstance(dataset, TensorDataset)
    assert dataset.X.dtype == torch.float32 and dataset.y is None


def test_set_training_still_switches_modes(X, seed):
    torch.manual_seed(seed)
    net = _net().initialize()
    batch = (torch.as_tensor(X[:8]), None)
    net.module_.eval()
    net.criterion_.eval()
    net.train_step(batch)
    assert net.module_.training and net.criterion_.training
    assert all(m.training for m in net.module_.modules())
    net.evaluation_step(batch)
    assert not net.module_.training and not net.criterion_.training
    assert not any(m.training for m in net.module_.modules())
    # Only the module out of step: still switched.
    net.module_.train()
    net.evaluation_step(batch)
    assert not net.module_.training


def test_steps_switch_modes_only_when_they_change(X, seed):
    torch.manual_seed(seed)
    net = _net().initialize()
    batch = (torch.as_tensor(X[:8]), None)
    net.module_.train()
    calls = []
    original = net.module_.train
    net.module_.train = lambda mode=True: calls.append(mode) or original(mode)
    net.train_step(batch)
    net.train_step(batch)
    assert calls == []
    net.validation_step(batch)
    net.validation_step(batch)
    assert calls == [False]
    net.train_step(batch)
    assert calls == [False, True]


def test_import_loads_neither_accelerate_nor_skorch_hf():
    # accelerate is imported only when an accelerator is used.
    code = ("import skae, sys; "
            "assert 'accelerate' not in sys.modules and 'skorch.hf' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grad_listeners_see_every_step_with_the_gradients(X, seed):
    class GradNorms(Callback):
        def initialize(self):
            self.norms = []
            return self

        def on_grad_computed(self, net, named_parameters, **kwargs):
            grads = [p.grad for _, p in named_parameters if p.grad is not None]
            self.norms.append(float(torch.stack([g.norm() for g in grads]).norm()))

    torch.manual_seed(seed)
    net = _net(callbacks=[("norms", GradNorms())]).fit(X, None)
    norms = dict(net.callbacks_)["norms"].norms
    assert len(norms) == 6 and all(n > 0 for n in norms)  # 3 batches in each of 2 epochs


def test_quiet_steps_train_as_skorch_steps_do(X):
    # skae's train_step and its epochs without batch events give skorch's own weights.
    def fitted(net_class):
        torch.manual_seed(0)
        return _net(net_class, train_split=TensorSplit(0.25, seed=0),
                    optimizer=torch.optim.Adam).fit(X, None)

    class SkorchSteps(AutoencoderNet):
        train_step = NeuralNet.train_step
        run_single_epoch = NeuralNet.run_single_epoch

    ours, skorchs = fitted(AutoencoderNet), fitted(SkorchSteps)
    for key in "train_loss", "valid_loss":
        assert ours.history[:, key] == pytest.approx(skorchs.history[:, key])
    for a, b in zip(ours.module_.parameters(), skorchs.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("mode", ["abs", "rel"])
def test_early_stopping_starts_from_skorchs_threshold_of_the_first_score(X, mode):
    # EarlyStoppingFromStart sets the state skorch's EarlyStopping keeps between epochs.
    torch.manual_seed(0)
    stopping = EarlyStoppingFromStart(threshold=0.1, threshold_mode=mode, load_best=True)
    net = _net(train_split=TensorSplit(0.25, seed=0), callbacks=[("stop", stopping)])
    net.initialize()
    start = net.validation_step(next(iter(net.get_iterator(
        net.get_split_datasets(X)[1]))))["loss"].item()
    stopping.on_train_begin(net, X=X)
    assert stopping.dynamic_threshold_ == pytest.approx(stopping._calc_new_threshold(start))
    assert stopping.best_epoch_ == 0 and stopping.best_model_weights_ is not None


def test_interruptible_partial_fit_trains_as_skorchs_and_passes_ctrl_c_on(X):
    def fitted(fit, callbacks=()):
        torch.manual_seed(0)
        net = _net(max_epochs=6, callbacks=list(callbacks)).initialize()
        fit(net)
        return net

    ours = fitted(lambda net: partial_fit_interruptible(net, X, None, epochs=3))
    skorchs = fitted(lambda net: net.partial_fit(X, None, epochs=3))
    assert ours.history[:, "train_loss"] == pytest.approx(skorchs.history[:, "train_loss"])
    for a, b in zip(ours.module_.parameters(), skorchs.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    # skorch's EarlyStopping ends training with a KeyboardInterrupt: quietly, as in skorch.
    stopping = [EarlyStopping("train_loss", patience=1, threshold=1e9)]
    stopped = fitted(lambda net: partial_fit_interruptible(net, X, None), stopping)
    assert stopped_early(stopped) and len(stopped.history) == 2

    class CtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fitted(lambda net: partial_fit_interruptible(net, X, None), [CtrlC()])
    assert not stopped_early(fitted(lambda net: net.partial_fit(X, None), [CtrlC()]))
