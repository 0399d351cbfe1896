"""The scikit-learn façade that every skae autoencoder shares.

``BaseAutoencoder`` adds to :class:`skae._training.BaseNeuralEstimator` the autoencoder's
architecture, its training (joint, or greedy layer by layer) and the transformer API
(``transform``, ``inverse_transform``, ``score``, ``score_samples``).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted
from torch import nn

from ._data import SampleLayout, map_batches
from ._net import AutoencoderNet
from ._training import INFERENCE_BATCH_SIZE, BaseNeuralEstimator, _resolve_device, seeded_torch
from .modules import (
    Autoencoder,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    RecurrentDecoder,
    RecurrentEncoder,
    TopK,
)
from .modules.dense import ACTIVATIONS

LOSSES = {"mse": nn.MSELoss, "bce": nn.BCELoss}


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
        "architecture": [StrOptions({"dense", "conv", "lstm", "gru"})],
        "image_shape": ["array-like", None],
        "channels_last": ["boolean"],
        "conv_channels": ["array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "sequence_shape": ["array-like", None],
        "rnn_hidden_size": [Interval(Integral, 1, None, closed="left")],
        "rnn_num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
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

    def _new_layout(self, estimator):
        """A :class:`SampleLayout` from the shape parameters; ``estimator`` names errors."""
        return SampleLayout(self.architecture, self.image_shape, self.sequence_shape,
                            self.channels_last, estimator=estimator)

    def _sample_layout(self, reset):
        if reset:
            self._layout = self._new_layout(type(self).__name__)
        return self._layout

    def _bodies(self, n_features):
        """The encoder and decoder of ``architecture``."""
        shape = self._layout.sample_shape
        code_activation = "sigmoid" if self.sparsity == "kl" else "identity"
        output_activation = self._output_activation()
        if self.architecture == "dense":
            hidden = self._hidden_layer_sizes()
            shared = dict(activation=self.activation, dropout=self.dropout,
                          batch_norm=self.batch_norm)
            encoder = DenseEncoder(n_features, self.n_components, hidden,
                                   code_activation=code_activation, **shared)
            decoder = DenseDecoder(n_features, self.n_components, hidden,
                                   output_activation=output_activation,
                                   tied_to=encoder if self.tied_weights else None, **shared)
            return encoder, decoder
        if self.tied_weights:
            raise ValueError("tied_weights=True is only available with architecture='dense'.")
        if self.architecture == "conv":
            shared = dict(conv_channels=tuple(self.conv_channels), kernel_size=self.kernel_size,
                          activation=self.activation, batch_norm=self.batch_norm,
                          dropout=self.dropout)
            return (ConvEncoder(shape, self.n_components, code_activation=code_activation,
                                **shared),
                    ConvDecoder(shape, self.n_components, output_activation=output_activation,
                                **shared))
        shared = dict(cell=self.architecture, rnn_hidden_size=self.rnn_hidden_size,
                      rnn_num_layers=self.rnn_num_layers, bidirectional=self.bidirectional,
                      dropout=self.dropout)
        return (RecurrentEncoder(shape, self.n_components, code_activation=code_activation,
                                 **shared),
                RecurrentDecoder(shape, self.n_components, output_activation=output_activation,
                                 **shared))

    def _build_module(self, X):
        encoder, decoder = self._bodies(X.shape[1])
        topk = None
        if self.sparsity == "topk":
            topk = TopK(max(1, round(self.sparsity_target * self.n_components)))
        return Autoencoder(encoder, decoder, corruption=self._build_corruption(X),
                           code_transform=topk, sample_shape=self._layout.sample_shape)

    def _penalties(self, code_layer=True):
        """The net's penalty parameters; none on layers other than the code layer."""
        sparsity = self.sparsity if code_layer and self.sparsity in ("l1", "kl") else None
        return dict(sparsity=sparsity, sparsity_weight=self.sparsity_weight,
                    sparsity_target=self.sparsity_target,
                    contractive_weight=self.contractive_weight if code_layer else 0.0)

    def _fit(self, X, pretraining="joint"):
        """Validate ``X`` and train on it, the whole network at once or layer by layer."""
        X = self._validate_X(X, reset=True)
        self._output_activation()
        self._check_bce_range(X)
        if pretraining == "greedy":
            return self._fit_greedy(X)
        return self._train(AutoencoderNet, lambda: self._build_module(X), X,
                           criterion=LOSSES[self.loss], **self._penalties())

    def _fit_greedy(self, X):
        """Greedy layer-wise training of the stacked autoencoder, then stacking.

        Encoder layer ``i`` and its mirror decoder layer form a shallow autoencoder, trained
        (with this estimator's training parameters and corruption) to rebuild the codes of
        layer ``i - 1`` (``X`` for the first). The layers are trained in place, so the stack
        is the full network with every layer pretrained. Penalties apply to the code layer.
        """
        if self.architecture not in ("dense", "conv"):
            raise ValueError(
                f"Greedy layer-wise pretraining needs a stack of layers that mirror each "
                f"other, which architecture={self.architecture!r} does not have; use "
                "pretraining='joint'.")
        device = _resolve_device(self.device)
        module_seed = self._draw_seeds(1)[0]
        with seeded_torch(module_seed, device):
            module = self._build_module(X)
        encoder_layers, decoder_layers = module.encoder.layers, module.decoder.layers
        n_layers = len(encoder_layers)
        layer_seeds = [module_seed + 1 + i for i in range(n_layers)]
        inputs, nets = X, []
        for i, seed in enumerate(layer_seeds):
            code_layer = i == n_layers - 1
            shallow = Autoencoder(
                encoder_layers[i], decoder_layers[n_layers - 1 - i],
                corruption=self._build_corruption(inputs) if i else module.corruption,
                code_transform=module.code_transform if code_layer else None,
                sample_shape=None if i else module.sample_shape,
            )
            criterion = LOSSES[self.loss] if i == 0 else nn.MSELoss
            nets.append(self._fit_net(AutoencoderNet, shallow, inputs, seed=seed,
                                      criterion=criterion, **self._penalties(code_layer)))
            inputs = map_batches(shallow.eval().encode, inputs, INFERENCE_BATCH_SIZE, device)
        net = self._make_net(AutoencoderNet, module, module_seed, criterion=LOSSES[self.loss],
                             **self._penalties())
        return self._store_training(net.initialize(), nets)

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
        X_original : ndarray of shape (n_samples, ``n_features_in_``), dtype float32
            The decoder's reconstruction in the input space, in the layout ``fit`` received
            (e.g. ``(n_samples, channels, height, width)`` for 4-D images).
        """
        module = self._module()
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects codes with n_components={self.n_components}."
            )
        return self._layout.from_network(self._map_batches(module.decode, X))

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass (``inverse_transform(transform(X))``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            The reconstruction of every sample, in the layout ``fit`` received.
        """
        return self._layout.from_network(self._reconstruct(self._validate_X(X, reset=False)))

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
