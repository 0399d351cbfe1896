"""skorch nets used by skae estimators: tensor batches, reconstruction loss with penalties."""

import contextvars
import math
import threading
from contextlib import contextmanager
from copy import deepcopy

import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import get_len, unpack_data
from skorch.utils import TeeGenerator

from ._data import as_dataset
from ._skorch import EpochLossReads, best_so_far, listens
from .modules import LinearPath
from .penalties import consistency

RECONSTRUCTION_LOSSES = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}

# Seed of the corruption of held-out rows (of the codes drawn for them, in a variational
# autoencoder): the same draws at every epoch.
VALIDATION_CORRUPTION_SEED = 0

# ``(device parameter, torch device)`` that :func:`skae.load` unpickles estimators onto.
LOAD_DEVICE = contextvars.ContextVar("skae_load_device", default=None)


# torch's default generator is one per process, and so is ``fork_rng``'s saved state:
# two seeded blocks in threads would draw from each other's stream, and the one that ends
# last would leave its stream behind. Every seeded block holds this lock, so that such
# blocks run one at a time (re-entrant: a validation step seeds inside a training run).
TORCH_RNG_LOCK = threading.RLock()


@contextmanager
def seeded_torch(seed, device):
    """Run a block with torch's RNG (CPU and ``device``) seeded, restoring it afterwards.

    The block holds :data:`TORCH_RNG_LOCK`: seeded blocks in other threads wait for it,
    so that the block draws exactly what it draws alone, and the caller's generator is
    left as it was.
    """
    cuda = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with TORCH_RNG_LOCK, torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


def _finite_state(module):
    """Whether every parameter and floating-point buffer of ``module`` is finite (one
    host synchronisation)."""
    tensors = [t for t in (*module.parameters(), *module.buffers())
               if t.is_floating_point() and t.numel()]
    if not tensors:
        return True
    return bool(torch.stack([torch.isfinite(t).all() for t in tensors]).all())


class DivergenceGuard(Callback):
    """Stop training with a clear error at the end of an epoch whose training loss was not
    finite on some batch, or after which the weights are not finite.

    The losses are those computed before each optimiser step; the weights are checked
    too, because the step of an epoch's last batch (a one-batch epoch's only step) can
    send them to infinity with every loss of the epoch finite.

    Parameters
    ----------
    estimator : str, default='The network'
        Who trains: the error message starts with it.
    """

    def __init__(self, estimator="The network"):
        self.estimator = estimator

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        for batch in net.history[-1]["batches"]:
            loss = batch.get("train_loss", 0.0)
            if not math.isfinite(loss):
                self._diverged(net, f"training loss became {loss}", epoch)
        if not _finite_state(net.module_):
            values = torch.cat([t.detach().flatten().float().cpu() for t in
                                (*net.module_.parameters(), *net.module_.buffers())
                                if t.is_floating_point()])
            value = "nan" if torch.isnan(values).any() else "inf"
            self._diverged(net, f"weights became {value}", epoch)

    def _diverged(self, net, what, epoch):
        raise FloatingPointError(
            f"{self.estimator}: the {what} at epoch {epoch}: the optimisation diverged. "
            f"Try a lower lr (it is {net.lr}), scale the input (e.g. with StandardScaler) "
            "or a smaller batch_size."
        )


class EarlyStoppingFromStart(EarlyStopping):
    """skorch's ``EarlyStopping`` that counts the weights training starts from as epoch 0.

    With ``load_best``, the validation loss of the starting weights is the first score to
    beat: a run that never beats it by ``threshold`` ends with the weights it started
    from. An autoencoder that starts at PCA's solution so ends no worse than PCA on the
    held-out rows, and a warm start never ends worse than it began.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if not self.load_best or self.monitor != "valid_loss":
            return
        _, dataset_valid = net.get_split_datasets(X, y)
        if dataset_valid is None:
            return
        total, count = 0.0, 0
        for batch in net.get_iterator(dataset_valid, training=False):
            n_rows = get_len(batch[0])
            total += net.validation_step(batch)["loss"].item() * n_rows
            count += n_rows
        best_so_far(self, total / count, deepcopy(net.module_.state_dict()), epoch=0)


def _as_float32(out):
    """A forward pass's output (a tensor or a tuple of them) in float32."""
    if isinstance(out, tuple):
        return tuple(_as_float32(o) for o in out)
    return out.float() if torch.is_tensor(out) and out.is_floating_point() else out


class TensorNet(EpochLossReads, NeuralNet):
    """``NeuralNet`` whose data stays in whole tensors on the training device.

    Combined with :class:`skae._data.BatchIterator` as ``iterator_train`` and
    ``iterator_valid``, a batch costs one indexing operation instead of a per-row fetch and
    collate. Unless the net or a callback listens to batch events, an epoch reads its
    losses once, at its end, instead of after every batch (a host synchronisation each
    on a GPU; see :class:`skae._skorch.EpochLossReads`); the history's records are the
    same.

    Parameters
    ----------
    data_placement : {'auto', 'device', 'host'}, default='auto'
        Where dense training data lives (:func:`skae._rows.placement`).
    precision : {'float32', 'bfloat16'}, default='float32'
        'bfloat16' runs the forward passes of training and validation under bfloat16
        autocast; their outputs come back as float32, for the loss.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, data_placement="auto", precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.data_placement = data_placement
        self.precision = precision

    def get_dataset(self, X, y=None):
        return as_dataset(X, y, device=self.device, data_placement=self.data_placement)

    def get_params_for_optimizer(self, prefix, named_parameters):
        """skorch's optimizer arguments, with weight decay on the weights only.

        Biases, normalisation parameters, gates (every parameter of fewer than two
        dimensions) and the linear paths' maps, which start at PCA's solution, are not
        decayed: they go to a group of their own with ``weight_decay=0``, as the
        intercepts of scikit-learn's ``MLPRegressor`` escape its ``alpha``.
        """
        named_parameters = list(named_parameters)
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if not kwargs.get("weight_decay"):
            return args, kwargs
        kept = {id(p) for _, p in named_parameters if p.ndim < 2}
        kept |= {id(p) for m in self.module_.modules() if isinstance(m, LinearPath)
                 for p in m.linear.parameters()}
        groups = []
        for group in args[0]:
            decayed = [p for p in group["params"] if id(p) not in kept]
            spared = [p for p in group["params"] if id(p) in kept]
            groups += [{**group, "params": decayed}] if decayed else []
            groups += [{**group, "params": spared, "weight_decay": 0.0}] if spared else []
        return (groups, *args[1:]), kwargs

    def infer(self, x, **fit_params):
        if self.precision == "float32":
            return super().infer(x, **fit_params)
        with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16):
            out = super().infer(x, **fit_params)
        return _as_float32(out)

    def __setstate__(self, state):
        # skorch maps the weights to ``state["device"]`` (the CPU when it names a missing
        # GPU); skae.load names the device instead.
        target = LOAD_DEVICE.get()
        if target is not None:
            state["device"] = target[1]
        super().__setstate__(state)

    def _training_batch(self, batch):
        """The training ``batch`` as the module gets it (a hook for the nets below)."""
        return batch

    def _set_mode(self, training):
        """Put the module and criterion in training or evaluation mode.

        ``Module.train`` walks the whole module tree, about a tenth of a small network's
        step: it runs only when the mode changes, not before every batch as skorch does.
        """
        for module in (self.module_, self.criterion_):
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def train_step(self, batch, **fit_params):
        # skorch's step without the optimizer closure (skae's optimizers take none) and
        # without the ``on_grad_computed`` event when nobody listens to it.
        self.optimizer_.zero_grad()
        step = self.train_step_single(batch, **fit_params)
        if listens(self, ["on_grad_computed"]):
            self.notify("on_grad_computed", batch=batch, training=True,
                        named_parameters=TeeGenerator(self.get_all_learnable_params()))
        self.optimizer_.step()
        return step

    def train_step_single(self, batch, **fit_params):
        self._set_mode(True)
        Xi, yi = unpack_data(self._training_batch(batch))
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_mode(False)
        Xi, yi = unpack_data(batch)
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}


class AutoencoderNet(TensorNet):
    """Net for modules returning ``(reconstruction, code)``: reconstruction loss + penalty.

    The regularizer's penalty is added to the training loss only; the validation loss (used
    by early stopping) is the plain reconstruction loss. For a module with a ``corruption``
    (a denoising autoencoder) it is that of the training objective, rebuilding the clean
    held-out rows from corrupted copies, corrupted alike at every epoch: scored on clean
    rows instead, a denoiser looks worse than where it started (PCA) for many epochs, and
    early stopping would keep the start.

    Parameters
    ----------
    regularizer : skae.regularizers.CodeRegularizer or None, default=None
        Adds its ``penalty(code, X)`` to the training loss.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, regularizer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.regularizer = regularizer

    def _training_batch(self, batch):
        # A penalty on the Jacobian differentiates the code of this very forward pass with
        # respect to the input: running the encoder again would update batch-norm
        # statistics twice and draw a second dropout mask.
        if getattr(self.regularizer, "needs_input_grad", False):
            X, y = batch
            batch = (X.detach().requires_grad_(True), y)
        return batch

    def validation_step(self, batch, **fit_params):
        corruption = getattr(self.module_, "corruption", None)
        if corruption is None:
            return super().validation_step(batch, **fit_params)
        X, y = batch
        mode = corruption.training
        try:
            with seeded_torch(VALIDATION_CORRUPTION_SEED, self.device), torch.no_grad():
                corrupted = corruption.train(True)(X)
        finally:
            corruption.train(mode)
        return super().validation_step((corrupted, X if y is None else y), **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, code = y_pred
        target = X if y_true is None else y_true
        loss = self.criterion_(reconstruction, target.detach())
        penalty = self.regularizer.penalty(code, X) if training and self.regularizer else None
        return loss if penalty is None else loss + penalty


class VariationalNet(TensorNet):
    """Net for :class:`skae.modules.VAE`: minus the (beta-weighted) ELBO, in nats per sample.

    The module returns ``(reconstruction, mean, log_var, code)`` for a code drawn from the
    posterior; the loss is ``-(log p(X | code) - beta * KL(q || prior))`` averaged over the
    batch, in training and validation alike. Held-out rows are scored with the same draws
    at every epoch (a fixed seed), so that early stopping compares epochs, not draws.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of the KL term.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, beta=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.beta = beta

    def validation_step(self, batch, **fit_params):
        with seeded_torch(VALIDATION_CORRUPTION_SEED, self.device):
            return super().validation_step(batch, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, mean, log_var, code = y_pred
        return -self.module_.elbo(X, reconstruction, mean, log_var, code,
                                  beta=self.beta).mean()


class SemiSupervisedNet(TensorNet):
    """Net for classifiers: cross-entropy on the labeled rows, and in training the
    reconstruction and consistency terms of every row.

    Targets are class indices, ``-1`` for unlabeled rows. In training mode a module that
    keeps its decoder returns ``(logits, reconstruction, noisy_logits)`` (see
    :class:`skae.modules.EncoderClassifier`), and the training loss is::

        cross_entropy(labeled rows)
        + reconstruction_weight * reconstruction_loss(reconstruction, X)
        + consistency_weight * consistency(logits, noisy_logits)
        + sum(weight * cross_entropy(pseudo-labeled rows)) / rows in the batch

    Otherwise the module returns logits and the loss is the labeled rows' cross-entropy
    (the validation loss always is). Targets with pseudo-labels are a float tensor of
    three columns: the class (``-1`` unlabeled), the pseudo-label and its weight.

    Parameters
    ----------
    reconstruction_loss : {'mse', 'bce'}, default='mse'
        Loss between the reconstruction and the clean rows (the autoencoder's).
    reconstruction_weight, consistency_weight : float, default=0.0
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, reconstruction_loss="mse", reconstruction_weight=0.0,
                 consistency_weight=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.reconstruction_loss = reconstruction_loss
        self.reconstruction_weight = reconstruction_weight
        self.consistency_weight = consistency_weight

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits, *extra = y_pred if isinstance(y_pred, tuple) else (y_pred,)
        pseudo = None
        if y_true.ndim == 2:  # columns: class (-1: none), pseudo-label, its weight
            y_true, pseudo, weight = y_true[:, 0].long(), y_true[:, 1].long(), y_true[:, 2]
        labeled = y_true >= 0
        # Mean over the labeled rows; a batch without any adds nothing (but keeps the graph).
        loss = (self.criterion_(logits[labeled], y_true[labeled]) if labeled.any()
                else logits.sum() * 0.0)
        if training and extra:
            reconstruction, noisy_logits = extra
            if self.reconstruction_weight:
                loss = loss + self.reconstruction_weight * RECONSTRUCTION_LOSSES[
                    self.reconstruction_loss](reconstruction, X)
            if self.consistency_weight:
                loss = loss + self.consistency_weight * consistency(logits, noisy_logits)
        if training and pseudo is not None:
            rows = ~labeled & (weight > 0)
            if rows.any():
                terms = F.cross_entropy(logits[rows], pseudo[rows], reduction="none")
                loss = loss + (weight[rows] * terms).sum() / len(logits)
        return loss
