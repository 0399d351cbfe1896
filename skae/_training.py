"""Training parameters, input validation, device and the seeded skorch run of skae estimators.

``BaseNeuralEstimator`` is the part of the scikit-learn façade that has nothing to do with
autoencoders: the autoencoders (``_base.py``) and the classifier (``classifier.py``) both
train through it.
"""

from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.utils import noop
from torch import nn

from ._data import BatchIterator, TensorSplit, map_batches
from ._net import DivergenceGuard

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
# Fixed: every inference batch is padded to this size (see map_batches).
INFERENCE_BATCH_SIZE = 512
_MAX_SEED = np.iinfo(np.int32).max


def _resolve_device(device):
    """Map skae's ``device`` parameter to a torch device string, or say why it can't run."""
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'mps' or 'auto'."
        ) from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu', or device='auto' to take a GPU only when there is one."
        )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available on this machine; "
            "use device='cpu' or device='auto'."
        )
    return str(device)


@contextmanager
def seeded_torch(seed, device):
    """Run a block with torch's RNG (CPU and ``device``) seeded, restoring it afterwards."""
    cuda = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


class BaseNeuralEstimator(BaseEstimator):
    """Training parameters, validation and the seeded skorch run shared by skae estimators.

    Subclasses declare the parameters in ``__init__`` and call :meth:`_train`.
    """

    _parameter_constraints: dict = {
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _sample_layout(self, reset):
        """The :class:`skae._data.SampleLayout` of the input, made anew when ``reset``."""
        raise NotImplementedError

    def _validate_X(self, X, reset, y="no_validation"):
        """Validate ``X`` (and ``y`` when given) as sklearn does, naming non-numeric columns.

        Images and sequences become flat rows in the order the network reads them. Returns
        ``X`` as 2-D float32, or ``(X, y)`` when ``y`` is passed.
        """
        layout = self._sample_layout(reset)
        X = layout.flatten(X, reset)
        advice = "Encode them first, e.g. with OneHotEncoder in a ColumnTransformer."
        if isinstance(X, pd.DataFrame):
            bad = [str(c) for c, dtype in X.dtypes.items()
                   if not pd.api.types.is_numeric_dtype(dtype)]
            if bad:
                raise ValueError(f"{type(self).__name__} needs numeric input, but columns "
                                 f"{bad} are not numeric. {advice}")
        try:
            validated = validate_data(self, X, y, reset=reset, dtype=np.float32)
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(f"{type(self).__name__} needs numeric input, but X holds "
                             f"non-numeric values ({exc}). {advice}") from exc
        if isinstance(y, str) and y == "no_validation":
            return layout.to_network(validated)
        X, y = validated
        return layout.to_network(X), y

    def _make_callbacks(self):
        monitor = "valid_loss" if self.early_stopping else "train_loss"
        callbacks = [
            ("divergence_guard", DivergenceGuard()),
            # patience n + 1: MLPClassifier stops after more than n epochs without improvement.
            ("early_stopping", EarlyStopping(
                monitor=monitor, patience=self.n_iter_no_change + 1, threshold=self.tol,
                threshold_mode="abs", load_best=self.early_stopping,
                sink=print if self.verbose else noop,
            )),
        ]
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def _draw_seeds(self, n):
        """``n`` seeds for torch, drawn from ``random_state``."""
        return [int(s) for s in check_random_state(self.random_state).randint(_MAX_SEED, size=n)]

    def _make_net(self, net_class, module, seed, *, stratify=False, criterion=nn.MSELoss,
                  **net_params):
        """A ``net_class`` configured from the training parameters, not yet initialised."""
        optimizer_params = {"optimizer__weight_decay": self.weight_decay}
        if self.optimizer == "sgd":
            optimizer_params["optimizer__momentum"] = self.momentum
        split = TensorSplit(self.validation_fraction, seed=seed, stratify=stratify)
        return net_class(
            module=module,
            criterion=criterion,
            optimizer=OPTIMIZERS[self.optimizer],
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=True,
            iterator_valid=BatchIterator,
            train_split=split if self.early_stopping else None,
            callbacks=self._make_callbacks(),
            verbose=self.verbose,
            device=_resolve_device(self.device),
            **optimizer_params,
            **net_params,
        )

    def _fit_net(self, net_class, module, X, y=None, seed=None, **net_params):
        """Fit a ``net_class`` with ``module`` on ``(X, y)``; return the fitted net.

        ``module`` is a ``torch.nn.Module``, or a callable that builds one. It is built and
        trained inside a forked RNG seeded from ``seed`` (drawn from ``random_state`` when
        None), so the same seed gives the same model without touching the caller's torch RNG.
        """
        device = _resolve_device(self.device)
        if self.early_stopping and len(X) < 2:
            raise ValueError(
                f"early_stopping=True holds out validation rows, but X has {len(X)} sample; "
                "pass more samples or early_stopping=False."
            )
        seed = self._draw_seeds(1)[0] if seed is None else seed
        with seeded_torch(seed, device):
            if not isinstance(module, nn.Module):
                module = module()
            net = self._make_net(net_class, module, seed, stratify=y is not None, **net_params)
            net.fit(X, y)
        return net

    def _train(self, net_class, module, X, y=None, **net_params):
        """Fit a net as :meth:`_fit_net` does and store it with its learning curves."""
        net = self._fit_net(net_class, module, X, y, **net_params)
        return self._store_training(net, [net])

    def _store_training(self, net, trained_nets):
        """Keep ``net`` as ``net_``, with the learning curves of ``trained_nets`` in order."""
        histories = [n.history for n in trained_nets]
        self.net_ = net
        self.loss_curve_ = [loss for h in histories for loss in h[:, "train_loss"]]
        self.validation_scores_ = ([-loss for h in histories for loss in h[:, "valid_loss"]]
                                   if self.early_stopping else None)
        self.n_iter_ = sum(len(h) for h in histories)
        return self

    def _map_batches(self, function, X):
        return map_batches(function, X, INFERENCE_BATCH_SIZE, self.net_.device)
