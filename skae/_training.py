"""Training parameters, input validation, device and the one seeded skorch run of skae.

``BaseNeuralEstimator`` is the part of the scikit-learn façade that has nothing to do with
autoencoders: the autoencoders (``_base.py``) and the classifier (``classifier.py``) both
train through it.
"""

import copy
import functools
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from skorch.callbacks import ProgressBar
from skorch.history import History
from skorch.utils import noop
from torch import nn

from ._accelerate import accelerated, broadcast_seeds, process_index
from ._data import BatchIterator, TensorSplit, map_batches
from ._net import LOAD_DEVICE, DivergenceGuard, EarlyStoppingFromStart, seeded_torch
from ._parallel import machine_share

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
_MAX_SEED = np.iinfo(np.int32).max
# early_stopping='auto' holds out rows when at least this many would be held out.
AUTO_MIN_VALIDATION_ROWS = 10
# max_epochs='auto' aims at about this many optimizer steps (within 50 to 200 epochs).
AUTO_STEPS = 10_000


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


@functools.cache
def fused_supported(optimizer_class, device_type):
    """Whether torch has a fused ``optimizer_class`` for parameters on ``device_type``.

    The fused kernel updates every parameter in one pass instead of a few per tensor:
    about 1.4x the samples per second of a 50-32-8 network on a 2-core CPU. CPUs have it
    from torch 2.4.
    """
    try:
        parameter = torch.zeros(1, device=device_type, requires_grad=True)
        optimizer = optimizer_class([parameter], fused=True)
        parameter.grad = torch.zeros_like(parameter)
        optimizer.step()
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


@contextmanager
def rolled_back_on_error(estimator):
    """Leave ``estimator``'s attributes as they were if the block raises (a failed fit)."""
    state = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(state)
        raise


def _carry_over(previous, net):
    """Continue ``previous``'s training in ``net``: its history and optimizer state.

    The optimizer's hyperparameters (``lr``, ``weight_decay``, ...) stay those of ``net``, so
    that parameters changed since the last fit apply, as in ``MLPClassifier``'s warm start.
    The history is a new list of the same epochs: training appends epochs and writes only
    to its own, so ``previous`` stays as it was, without a copy of every batch's record
    on every call (which made long ``partial_fit`` runs quadratic).
    """
    net.history = History(previous.history)
    if type(previous.optimizer_) is not type(net.optimizer_):
        return
    settings = [{k: v for k, v in group.items() if k != "params"}
                for group in net.optimizer_.param_groups]
    net.optimizer_.load_state_dict(copy.deepcopy(previous.optimizer_.state_dict()))
    for group, setting in zip(net.optimizer_.param_groups, settings, strict=True):
        group.update(setting)


class BaseNeuralEstimator(BaseEstimator):
    """Training parameters, validation and the one seeded training run of skae estimators.

    Subclasses declare the parameters in ``__init__`` (ending with
    ``self._set_module_params(kwargs)`` when they take ``<module>__<name>`` parameters for
    the modules named in ``_module_params``) and train through :meth:`_train_net`.
    """

    _module_params = ()

    _parameter_constraints: dict = {
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "data_placement": [StrOptions({"auto", "device", "host"})],
        "precision": [StrOptions({"float32", "bfloat16"})],
        "compile": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __setstate__(self, state):
        # skae.load sets the device parameter to where the nets' weights were mapped.
        target = LOAD_DEVICE.get()
        if target is not None and "device" in state:
            state["device"] = target[0]
        super().__setstate__(state)

    # -- <module>__<name> parameters, as skorch's module__<name> --------------------------
    # They arrive through ``**kwargs`` and live in one private dict, so that ``__init__``
    # sets no attribute beyond its named parameters; anything else that arrived there is
    # refused when the parameters are validated (``fit``), not in ``__init__``.

    def _is_module_param(self, name):
        prefix, sep, rest = name.partition("__")
        return bool(sep and rest) and prefix in (*self._module_params, "compile")

    def _set_module_params(self, kwargs):
        """Store the ``**kwargs`` of ``__init__`` as they are."""
        self._extra_params = dict(kwargs)

    def _validate_params(self):
        super()._validate_params()
        unknown = [name for name in self._extra_params if not self._is_module_param(name)]
        if unknown:
            prefixes = " and ".join(f"{p}__<name>" for p in (*self._module_params, "compile"))
            raise TypeError(
                f"{type(self).__name__} got unexpected parameters {unknown}; besides its own "
                f"parameters it takes {prefixes or 'no others'}.")

    def get_params(self, deep=True):
        """Get the parameters, ``<module>__<name>`` arguments of the modules included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._extra_params}

    def set_params(self, **params):
        """Set parameters, ``<module>__<name>`` arguments of the modules included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        extra = {k: v for k, v in params.items()
                 if self._is_module_param(k) or k in self._extra_params}
        self._extra_params = {**self._extra_params, **extra}
        return super().set_params(**{k: v for k, v in params.items() if k not in extra})

    def _module_kwargs(self, role):
        """The ``<role>__<name>`` parameters, as keyword arguments of the module."""
        prefix = role + "__"
        return {k[len(prefix):]: v for k, v in self._extra_params.items()
                if k.startswith(prefix)}

    # -- input ---------------------------------------------------------------------------

    def _validate_X(self, X, reset, layout, y="no_validation", learn_layout=None):
        """Validate ``X`` (and ``y`` when given) as sklearn does, naming non-numeric columns.

        Images and sequences become flat rows in the order the network reads them, through
        ``layout`` (a :class:`skae._data.SampleLayout`, which learns the sample shape when
        ``learn_layout``, by default when ``reset``). Returns ``X`` as 2-D float32, or
        ``(X, y)`` when ``y`` is passed.
        """
        X = layout.flatten(X, reset if learn_layout is None else learn_layout)
        advice = "Encode them first, e.g. with OneHotEncoder in a ColumnTransformer."
        if isinstance(X, pd.DataFrame):
            bad = [str(c) for c, dtype in X.dtypes.items()
                   if not pd.api.types.is_numeric_dtype(dtype)]
            if bad:
                raise ValueError(f"{type(self).__name__} needs numeric input, but columns "
                                 f"{bad} are not numeric. {advice}")
        try:
            # Sparse input stays sparse: CSR, whose rows batches slice.
            validated = validate_data(self, X, y, reset=reset, dtype=np.float32,
                                      accept_sparse="csr")
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(f"{type(self).__name__} needs numeric input, but X holds "
                             f"non-numeric values ({exc}). {advice}") from exc
        if isinstance(y, str) and y == "no_validation":
            return layout.to_network(validated)
        X, y = validated
        return layout.to_network(X), y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # rows stay sparse, densified a batch at a time
        return tags

    def _continues(self, partial):
        """Whether this fit continues the fitted model (``partial_fit`` or ``warm_start``)."""
        return hasattr(self, "net_") and (partial or self.warm_start)

    # -- the training run ----------------------------------------------------------------

    def _schedule(self, n_samples):
        """``batch_size``, ``max_epochs`` and ``early_stopping``, 'auto' resolved for
        ``n_samples`` training rows (see the parameters' documentation)."""
        early_stopping = self.early_stopping
        if early_stopping == "auto":
            early_stopping = self._auto_early_stopping(n_samples)
        n_train = n_samples * (1 - self.validation_fraction) if early_stopping else n_samples
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = int(np.clip(2 ** round(np.log2(max(n_train, 1) / 64)), 16, 256))
        max_epochs = self.max_epochs
        if max_epochs == "auto":
            max_epochs = self._auto_max_epochs(max(1, -(-int(n_train) // batch_size)))
        return dict(batch_size=batch_size, max_epochs=max_epochs,
                    early_stopping=bool(early_stopping))

    def _auto_early_stopping(self, n_samples):
        return n_samples * self.validation_fraction >= AUTO_MIN_VALIDATION_ROWS

    def _auto_max_epochs(self, steps_per_epoch):
        return int(np.clip(-(-AUTO_STEPS // steps_per_epoch), 50, 200))

    def _stops_on_training_loss(self):
        """Whether training without held-out rows stops when the training loss stalls."""
        return True

    def _make_callbacks(self, incremental, early_stopping):
        """skae's callbacks, then the user's, used as given (as skorch does)."""
        callbacks = [("divergence_guard", DivergenceGuard())]
        if not incremental and (early_stopping or self._stops_on_training_loss()):
            # patience n + 1: MLPClassifier stops after more than n epochs without improvement.
            callbacks.append(("early_stopping", EarlyStoppingFromStart(
                monitor="valid_loss" if early_stopping else "train_loss",
                patience=self.n_iter_no_change + 1, threshold=self.tol, threshold_mode="abs",
                load_best=early_stopping, sink=print if self.verbose else noop,
            )))
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks + list(self.callbacks or [])

    def _draw_seeds(self, n):
        """``n`` seeds for torch, drawn from ``random_state`` (by the main process, when
        several train together)."""
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=n)
        return broadcast_seeds(self._accelerator(), [int(s) for s in seeds])

    def _accelerator(self):
        """The ``accelerate.Accelerator`` to train with, or None (also for estimators
        without an ``accelerator`` parameter)."""
        return getattr(self, "accelerator", None)

    def _training_device(self):
        """Where to train: the accelerator's device, else the ``device`` parameter's."""
        accelerator = self._accelerator()
        if accelerator is not None:
            return str(accelerator.device)
        return _resolve_device(self.device)

    def _make_net(self, net_class, module, seed, schedule, device, *, incremental=False,
                  stratify=False, criterion=nn.MSELoss, **net_params):
        """A ``net_class`` configured from the training parameters, not yet initialised.

        ``schedule`` is :meth:`_schedule`'s; ``device`` the resolved device. An
        ``incremental`` net (``partial_fit``) neither holds out rows nor stops early.
        """
        if (self.precision == "bfloat16" and torch.device(device).type == "cuda"
                and not torch.cuda.is_bf16_supported()):
            raise ValueError(f"precision='bfloat16' needs a GPU with bfloat16 support, which "
                             f"{device} lacks; use precision='float32'.")
        optimizer_params = {"optimizer__weight_decay": self.weight_decay}
        if self.optimizer == "sgd":
            optimizer_params["optimizer__momentum"] = self.momentum
        elif fused_supported(OPTIMIZERS[self.optimizer], torch.device(device).type):
            optimizer_params["optimizer__fused"] = True
        held_out = schedule["early_stopping"] and not incremental
        # net_params may replace the training iterator (semi-supervised batches).
        net_params = {"iterator_train": BatchIterator, "iterator_train__shuffle": True,
                      **net_params}
        accelerator = self._accelerator()
        if accelerator is not None:
            # The accelerator places the module and the data itself.
            net_class, device = accelerated(net_class), None
            net_params["accelerator"] = accelerator
        return net_class(
            module=module,
            criterion=criterion,
            optimizer=OPTIMIZERS[self.optimizer],
            lr=self.lr,
            max_epochs=schedule["max_epochs"],
            batch_size=schedule["batch_size"],
            iterator_valid=BatchIterator,
            train_split=(TensorSplit(self.validation_fraction, seed=seed, stratify=stratify)
                         if held_out else None),
            callbacks=self._make_callbacks(incremental, schedule["early_stopping"]),
            verbose=self.verbose,
            device=device,
            data_placement=self.data_placement,
            precision=self.precision,
            compile=self.compile,
            **{"compile__" + k: v for k, v in self._module_kwargs("compile").items()},
            **net_params,
            **optimizer_params,
        )

    def _train_net(self, net_class, module, X, y=None, *, epochs=None, previous=None,
                   seed=None, **net_params):
        """The one training run of every skae estimator: seed, build, train; return the net.

        Parameters
        ----------
        net_class : type
            The skorch net to make.
        module : torch.nn.Module or callable or None
            The module, or a callable that builds it (inside the seeded block, so that the
            seed decides the initial weights). Ignored when ``previous`` is given.
        X, y : array-like
            Validated training data.
        epochs : int or None, default=None
            None trains for ``max_epochs`` epochs with the stopping rule; an int trains that
            many epochs and no more, without held-out rows (``partial_fit``); 0 only builds.
        previous : skorch.NeuralNet or None, default=None
            A fitted net to continue: a copy of its module, its history and its optimizer
            state carry over (so a failed run leaves it untouched).
        seed : int or None, default=None
            Seed of torch's RNG for the run; drawn from ``random_state`` (and the number of
            epochs already run, so that continued runs draw afresh) when None.
        **net_params
            More parameters of the net (criterion, penalties).

        In a parallel worker (a Dask worker, a joblib process) the run takes its share of
        the machine: see :func:`skae._parallel.machine_share`.
        """
        incremental = epochs is not None
        n_samples = X.shape[0]
        schedule = self._schedule(n_samples)
        if schedule["early_stopping"] and not incremental and n_samples < 2:
            raise ValueError(
                f"early_stopping=True holds out validation rows, but X has {n_samples} sample; "
                "pass more samples or early_stopping=False."
            )
        if seed is None:
            done = 0 if previous is None else len(previous.history)
            seed = (self._draw_seeds(1)[0] + done) % _MAX_SEED
        # Every process draws its own noise and dropout; the order of rows and the held-out
        # rows come from ``seed`` alone, and the starting weights from the main process.
        with machine_share(self._training_device()) as device, \
                seeded_torch(seed + process_index(self._accelerator()), device):
            if previous is not None:
                module = copy.deepcopy(previous.module_)
            elif not isinstance(module, nn.Module):
                module = module()
            net = self._make_net(net_class, module, seed, schedule, device,
                                 incremental=incremental, stratify=y is not None,
                                 **net_params).initialize()
            if previous is not None:
                _carry_over(previous, net)
            if epochs != 0:
                net.partial_fit(X, y, epochs=epochs)
        return net

    def _store_training(self, net):
        """Keep ``net`` as ``net_``, with the learning curves of its whole history.

        Its module is left in evaluation mode (skorch switches it back for each training
        step), so that its parts called directly (``encoder_``, ``decoder_``) compute what
        ``transform`` does: no dropout, batch norm from its running statistics.
        """
        net.module_.eval()
        self.net_ = net
        self.loss_curve_ = list(net.history[:, "train_loss"]) if len(net.history) else []
        scores = [-row["valid_loss"] for row in net.history if "valid_loss" in row]
        self.validation_scores_ = scores or None
        self.n_iter_ = len(net.history)
        return self

    def _map_batches(self, function, X):
        return map_batches(function, X, device=self.net_.device)
