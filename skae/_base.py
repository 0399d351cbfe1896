"""The scikit-learn façade that every skae estimator shares.

``BaseNeuralEstimator`` owns the training parameters, input validation, the device and the
seeded skorch training run. ``BaseAutoencoder`` adds the autoencoder's architecture and the
transformer API (``transform``, ``inverse_transform``, ``score``, ``score_samples``).
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.utils import noop
from torch import nn

from ._data import BatchIterator, TensorSplit, map_batches
from ._net import AutoencoderNet, DivergenceGuard
from .modules import Autoencoder, DenseDecoder, DenseEncoder, TopK
from .modules.dense import ACTIVATIONS

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
LOSSES = {"mse": nn.MSELoss, "bce": nn.BCELoss}
INFERENCE_BATCH_SIZE = 4096


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

    def _validate_X(self, X, reset):
        """Validate ``X`` as sklearn does, naming non-numeric columns and how to encode them."""
        advice = "Encode them first, e.g. with OneHotEncoder in a ColumnTransformer."
        if isinstance(X, pd.DataFrame):
            bad = [str(c) for c, dtype in X.dtypes.items()
                   if not pd.api.types.is_numeric_dtype(dtype)]
            if bad:
                raise ValueError(f"{type(self).__name__} needs numeric input, but columns "
                                 f"{bad} are not numeric. {advice}")
        try:
            return validate_data(self, X, reset=reset, dtype=np.float32)
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(f"{type(self).__name__} needs numeric input, but X holds "
                             f"non-numeric values ({exc}). {advice}") from exc

    def _make_callbacks(self):
        monitor = "valid_loss" if self.early_stopping else "train_loss"
        callbacks = [
            ("divergence_guard", DivergenceGuard()),
            ("early_stopping", EarlyStopping(
                monitor=monitor, patience=self.n_iter_no_change, threshold=self.tol,
                threshold_mode="abs", load_best=self.early_stopping,
                sink=print if self.verbose else noop,
            )),
        ]
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def _train(self, net_class, build_module, X, y=None, criterion=nn.MSELoss, **net_params):
        """Build the module and fit a ``net_class`` on ``(X, y)``; store the fitted state.

        The module is built and trained inside a forked RNG seeded from ``random_state``, so
        the same seed gives the same model without touching the caller's torch RNG.
        """
        device = _resolve_device(self.device)
        if self.early_stopping and len(X) < 2:
            raise ValueError(
                f"early_stopping=True holds out validation rows, but X has {len(X)} sample; "
                "pass more samples or early_stopping=False."
            )
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        optimizer_params = {"optimizer__weight_decay": self.weight_decay}
        if self.optimizer == "sgd":
            optimizer_params["optimizer__momentum"] = self.momentum
        split = TensorSplit(self.validation_fraction, seed=seed, stratify=y is not None)
        cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            net = net_class(
                module=build_module(),
                criterion=criterion,
                optimizer=OPTIMIZERS[self.optimizer],
                lr=self.lr,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                iterator_train=BatchIterator,
                iterator_train__shuffle=True,
                iterator_train__seed=seed,
                iterator_valid=BatchIterator,
                train_split=split if self.early_stopping else None,
                callbacks=self._make_callbacks(),
                verbose=self.verbose,
                device=device,
                **optimizer_params,
                **net_params,
            )
            net.fit(X, y)
        self.net_ = net
        self.loss_curve_ = list(net.history[:, "train_loss"])
        self.validation_scores_ = ([-loss for loss in net.history[:, "valid_loss"]]
                                   if self.early_stopping else None)
        self.n_iter_ = len(net.history)
        return self

    def _map_batches(self, function, X):
        return map_batches(function, X, INFERENCE_BATCH_SIZE, self.net_.device)


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralEstimator):
    """Autoencoder architecture parameters and the transformer API.

    Subclasses only declare ``__init__`` (and may add a corruption of the input).
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions({"auto", *ACTIVATIONS})],
        "loss": [StrOptions(set(LOSSES))],
        "tied_weights": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "sparsity": [StrOptions({"l1", "kl", "topk"}), None],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
    }

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if any(not isinstance(s, Integral) or s < 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
            )
        return sizes

    def _output_activation(self):
        if self.output_activation == "auto":
            return "sigmoid" if self.loss == "bce" else "identity"
        if self.loss == "bce" and self.output_activation != "sigmoid":
            raise ValueError(
                "loss='bce' needs reconstructions in [0, 1], but output_activation="
                f"{self.output_activation!r}; use output_activation='sigmoid' or 'auto'."
            )
        return self.output_activation

    def _check_bce_range(self, X):
        if self.loss == "bce" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                f"loss='bce' needs X in [0, 1], but X spans [{X.min():.3g}, {X.max():.3g}]. "
                "Scale it first (e.g. MinMaxScaler) or use loss='mse'."
            )

    def _build_corruption(self, X):
        """The input corruption applied in training; none for a plain autoencoder."""
        return None

    def _build_module(self, X):
        n_features = X.shape[1]
        hidden = self._hidden_layer_sizes()
        shared = dict(activation=self.activation, dropout=self.dropout,
                      batch_norm=self.batch_norm)
        code_activation = "sigmoid" if self.sparsity == "kl" else "identity"
        encoder = DenseEncoder(n_features, self.n_components, hidden,
                               code_activation=code_activation, **shared)
        decoder = DenseDecoder(n_features, self.n_components, hidden,
                               output_activation=self._output_activation(),
                               tied_to=encoder if self.tied_weights else None, **shared)
        topk = None
        if self.sparsity == "topk":
            topk = TopK(max(1, round(self.sparsity_target * self.n_components)))
        return Autoencoder(encoder, decoder, corruption=self._build_corruption(X),
                           code_transform=topk)

    def _fit(self, X):
        X = self._validate_X(X, reset=True)
        self._output_activation()
        self._check_bce_range(X)
        penalty = self.sparsity if self.sparsity in ("l1", "kl") else None
        return self._train(
            AutoencoderNet, lambda: self._build_module(X), X,
            criterion=LOSSES[self.loss],
            sparsity=penalty,
            sparsity_weight=self.sparsity_weight,
            sparsity_target=self.sparsity_target,
            contractive_weight=self.contractive_weight,
        )

    @property
    def encoder_(self):
        """The fitted encoder (a ``torch.nn.Module``), usable on its own."""
        check_is_fitted(self)
        return self.net_.module_.encoder

    @property
    def decoder_(self):
        """The fitted decoder (a ``torch.nn.Module``), usable on its own."""
        check_is_fitted(self)
        return self.net_.module_.decoder

    @property
    def _n_features_out(self):
        return self.n_components

    def _module(self):
        check_is_fitted(self)
        return self.net_.module_.eval()

    def transform(self, X):
        """Encode ``X``: the code of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components), dtype float32
            The codes.
        """
        module = self._module()
        return self._map_batches(module.encode, self._validate_X(X, reset=False))

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_), dtype float32
            The decoder's reconstruction in the input space.
        """
        module = self._module()
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects codes with n_components={self.n_components}."
            )
        return self._map_batches(module.decode, X)

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass (``inverse_transform(transform(X))``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            The reconstruction of every sample.
        """
        return self._reconstruct(self._validate_X(X, reset=False))

    def _reconstruct(self, X):
        module = self._module()
        return self._map_batches(lambda batch: module.decode(module.encode(batch)), X)

    def score_samples(self, X):
        """Return minus the mean squared reconstruction error of every sample.

        Higher is better, as for :meth:`score`; low values flag anomalies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean over features of the squared error, per sample.
        """
        X = self._validate_X(X, reset=False)
        return -np.mean((self._reconstruct(X) - X) ** 2, axis=1, dtype=np.float64)

    def score(self, X, y=None):
        """Return minus the mean squared reconstruction error over ``X`` (higher is better).

        This lets ``GridSearchCV`` rank autoencoders without labels, as it does with
        ``PCA.score``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the mean over samples and features of the squared error.
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
