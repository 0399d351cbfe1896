"""The scikit-learn façade every skae estimator shares.

``BaseNeuralEstimator`` holds what has nothing to do with autoencoders: the training
parameters and their constraints, the prefixed parameters (``encoder__<name>``,
``optimizer__<name>``, ``callbacks__<name>__<param>``, ... as in skorch), input
validation, tags, and the batched inference over fitted networks. The autoencoders
(:mod:`skae._transformer`) and the classifier build on it.
"""

import re
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from skorch.callbacks import Callback
from torch import optim

from ._data import map_batches
from ._net import LOAD_DEVICE
from ._rows import check_scale
from ._run import OPTIMIZERS
from ._version import SkaeVersionWarning, __version__

# Parameters of other libraries (or of earlier skae releases), and what skae calls them.
DID_YOU_MEAN = {
    "max_iter": "max_epochs", "epochs": "max_epochs", "n_epochs": "max_epochs",
    "learning_rate_init": "lr", "learning_rate": "lr", "alpha": "weight_decay",
    "latent_dim": "n_components", "momentum": "optimizer__momentum",
    "image_shape": "sample_shape", "sequence_shape": "sample_shape",
    "conv_channels": "encoder__conv_channels", "kernel_size": "encoder__kernel_size",
    "channels_last": "encoder__channels_last", "rnn_hidden_size": "encoder__rnn_hidden_size",
    "rnn_num_layers": "encoder__rnn_num_layers", "bidirectional": "encoder__bidirectional",
    "batch_norm": "encoder__batch_norm", "tied_weights": "encoder__tied_weights",
    "output_activation": "decoder__output_activation",
    "sparsity": "regularizer=L1() / KL() / TopK() (skae.regularizers)",
    "sparsity_weight": "regularizer__weight", "sparsity_target": "regularizer__target",
    "contractive_weight": "regularizer=Contractive(weight) (skae.regularizers)",
}


class BaseNeuralEstimator(BaseEstimator):
    """Training parameters, prefixed parameters, validation and inference of skae estimators.

    Subclasses declare the parameters in ``__init__``, ending with
    ``self._set_extra_params(kwargs)``; ``<prefix>__<name>`` parameters are taken for the
    modules named in ``_module_params`` and for skorch's ``optimizer``, ``callbacks`` and
    ``compile``.
    """

    _module_params = ()

    _parameter_constraints: dict = {
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
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
        "precision": [StrOptions({"float32", "bfloat16"})],
        "compile": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __getstate__(self):
        # As scikit-learn stamps its version: a pickle says which skae made it.
        return {**super().__getstate__(), "_skae_version": __version__}

    def __setstate__(self, state):
        saved = state.pop("_skae_version", "an unknown version (before 0.2.0)")
        if saved != __version__:
            warnings.warn(SkaeVersionWarning(
                estimator_name=type(self).__name__, current_skae_version=__version__,
                original_skae_version=saved), stacklevel=2)
        # skae.load sets the device parameter to where the nets' weights were mapped.
        target = LOAD_DEVICE.get()
        if target is not None and "device" in state:
            state["device"] = target[0]
        super().__setstate__(state)

    # -- <prefix>__<name> parameters, as skorch's module__<name> --------------------------
    # They arrive through ``**kwargs`` and live in one private dict, so that ``__init__``
    # sets no attribute beyond its named parameters; anything else that arrived there is
    # refused when the parameters are validated (``fit``), not in ``__init__``.

    @property
    def _prefixes(self):
        return (*self._module_params, "optimizer", "callbacks", "compile")

    def _is_prefixed(self, name):
        prefix, sep, rest = name.partition("__")
        return bool(sep and rest) and prefix in self._prefixes

    def _set_extra_params(self, kwargs):
        """Store the ``**kwargs`` of ``__init__`` as they are."""
        self._extra_params = dict(kwargs)

    def _unknown(self, names, error=TypeError):
        """An error naming the parameters this estimator does not take, with hints."""
        taken = {*self._get_param_names(), *self._prefixes}
        hints = [f"{name!r} (did you mean {DID_YOU_MEAN[name]}?)"
                 if re.split(r"__|=| ", DID_YOU_MEAN.get(name, ""))[0] in taken
                 else repr(name) for name in names]
        prefixes = ", ".join(f"{p}__<name>" for p in self._prefixes).replace(
            "callbacks__<name>", "callbacks__<name>__<param>")
        return error(
            f"{type(self).__name__} got unexpected parameters {', '.join(hints)}; besides "
            f"its own parameters it takes {prefixes}.")

    def _validate_params(self):
        super()._validate_params()
        unknown = [name for name in self._extra_params if not self._is_prefixed(name)]
        if unknown:
            raise self._unknown(unknown)
        optimizer = self.optimizer
        if isinstance(optimizer, type) and not issubclass(optimizer, optim.Optimizer):
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or a "
                             f"torch.optim.Optimizer subclass; got {optimizer!r}.")
        regularizer = getattr(self, "regularizer", None)
        if regularizer is not None:
            regularizer.validate()
        for i, item in enumerate(self.callbacks or []):
            # As skorch takes them: a callback (or its class), or a (name, callback) pair.
            named = isinstance(item, tuple | list) and len(item) == 2 and isinstance(
                item[0], str)
            callback = item[1] if named else item
            if not isinstance(callback, Callback) and not (
                    isinstance(callback, type) and issubclass(callback, Callback)):
                raise TypeError(
                    f"{type(self).__name__}: callbacks must hold skorch callbacks or (name, "
                    f"callback) pairs, but callbacks[{i}] is {item!r}; e.g. "
                    "callbacks=[('lr', LRScheduler(...))].")

    def get_params(self, deep=True):
        """Get the parameters, ``<prefix>__<name>`` ones included.

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
        """Set parameters, ``<prefix>__<name>`` ones included.

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
                 if self._is_prefixed(k) or k in self._extra_params}
        unknown = [k for k in params if k not in extra and "__" not in k
                   and k not in self._get_param_names()]
        if unknown:
            raise self._unknown(unknown, ValueError)
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
            # Training needs two rows, as PCA does: one row spans no direction to learn.
            validated = validate_data(self, X, y, reset=reset, dtype=np.float32,
                                      accept_sparse="csr", ensure_min_samples=1 + reset)
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(f"{type(self).__name__} needs numeric input, but X holds "
                             f"non-numeric values ({exc}). {advice}") from exc
        no_y = isinstance(y, str) and y == "no_validation"
        X, y = (validated, None) if no_y else validated
        check_scale(X, type(self).__name__, training=reset)
        return layout.to_network(X) if no_y else (layout.to_network(X), y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # rows stay sparse, densified a batch at a time
        return tags

    def _continues(self, partial):
        """Whether this fit continues the fitted model (``partial_fit`` or ``warm_start``)."""
        return hasattr(self, "net_") and (partial or self.warm_start)

    def _store(self, fitted):
        """Set the fitted attributes of ``fitted`` (a dict), all at once, at the end of fit."""
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _map_batches(self, function, X):
        return map_batches(function, X, device=self.net_.device)
