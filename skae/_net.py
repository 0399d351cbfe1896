"""skorch nets used by skae estimators: tensor batches, reconstruction loss with penalties."""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

from ._data import as_dataset
from .penalties import contractive, kl_sparsity, l1_activity


class DivergenceGuard(Callback):
    """Stop training with a clear error as soon as a training batch's loss is not finite."""

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        loss = net.history[-1]["batches"][-1]["train_loss"]
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"The training loss became {loss} at epoch {len(net.history)}: the optimisation "
                f"diverged. Try a lower lr (it is {net.lr}), scale the input (e.g. with "
                "StandardScaler) or a smaller batch_size."
            )


class TensorNet(NeuralNet):
    """``NeuralNet`` whose data stays in whole tensors on the training device.

    Combined with :class:`skae._data.BatchIterator` as ``iterator_train`` and
    ``iterator_valid``, a batch costs one indexing operation instead of a per-row fetch and
    collate.
    """

    def get_dataset(self, X, y=None):
        return as_dataset(X, y, device=self.device)

    def _set_training(self, training=True):
        # skorch calls this before every batch, and ``Module.train`` walks the whole module
        # tree: about a tenth of a small network's step. Skip it when nothing would change.
        modules = [getattr(self, name + "_") for name in self._modules + self._criteria]
        if any(isinstance(m, torch.nn.Module) and m.training != training for m in modules):
            super()._set_training(training)


class AutoencoderNet(TensorNet):
    """Net for modules returning ``(reconstruction, code)``: reconstruction loss + penalties.

    The penalties are added to the training loss only; the validation loss (used by early
    stopping) is the plain reconstruction loss.

    Parameters
    ----------
    sparsity : {'l1', 'kl'} or None, default=None
        Activity penalty on the code ('topk' is a module, not a penalty).
    sparsity_weight : float, default=0.0
    sparsity_target : float, default=0.05
        Target mean activation of the 'kl' penalty.
    contractive_weight : float, default=0.0
        Weight of the encoder's squared Jacobian norm.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, sparsity=None, sparsity_weight=0.0, sparsity_target=0.05,
                 contractive_weight=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.contractive_weight = contractive_weight

    def train_step_single(self, batch, **fit_params):
        # The contractive penalty differentiates the code of this very forward pass with
        # respect to the input: running the encoder again would update batch-norm
        # statistics twice and draw a second dropout mask.
        if self.contractive_weight:
            X, y = batch
            batch = (X.detach().requires_grad_(True), y)
        return super().train_step_single(batch, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, code = y_pred
        target = X if y_true is None else y_true
        loss = self.criterion_(reconstruction, target.detach())
        if not training:
            return loss
        if self.sparsity == "l1":
            loss = loss + self.sparsity_weight * l1_activity(code)
        elif self.sparsity == "kl":
            loss = loss + self.sparsity_weight * kl_sparsity(code, self.sparsity_target)
        if self.contractive_weight:
            loss = loss + self.contractive_weight * contractive(code, X)
        return loss
