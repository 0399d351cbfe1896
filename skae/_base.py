"""The scikit-learn façade that every skae autoencoder shares.

``BaseAutoencoder`` adds to :class:`skae._training.BaseNeuralEstimator` the autoencoder's
bodies (built-in or the user's own modules), its training (joint, or greedy layer by layer;
whole or incremental) and the transformer API (``transform``, ``inverse_transform``,
``score``, ``score_samples``).
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_array, check_is_fitted
from skorch.history import History
from torch import nn

from ._building import (
    auto_dense_dropout,
    auto_hidden_layer_sizes,
    code_transform,
    evaluating,
    pca_start,
    positive_ints,
)
from ._data import SampleLayout, map_batches
from ._net import AutoencoderNet
from ._rows import dense, to_tensor
from ._training import BaseNeuralEstimator, rolled_back_on_error
from .modules import Autoencoder, LinearPath
from .modules.bodies import BODIES, build_module, check_autoencoder, code_shape, layers_of
from .modules.dense import ACTIVATIONS

LOSSES = {"mse": nn.MSELoss, "bce": nn.BCELoss}
MODULE = [StrOptions(set(BODIES)), nn.Module, type]
class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralEstimator):
    """Autoencoder bodies, training and the transformer API.

    Subclasses declare ``__init__`` and ``fit`` (and may add a corruption of the input).
    """

    _module_params = ("encoder", "decoder")
    # The skorch net that trains the module (see _net_params).
    _net_class = AutoencoderNet

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "encoder": MODULE,
        "decoder": [*MODULE, None],
        "pretraining": [StrOptions({"joint", "greedy"})],
        "linear_path": ["boolean", StrOptions({"auto"})],
        "body_start": [StrOptions({"auto", "gate", "zero_output"})],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left"),
                               StrOptions({"auto"})],
        "activation": [StrOptions({"auto", *ACTIVATIONS})],
        "output_activation": [StrOptions({"auto", *ACTIVATIONS})],
        "loss": [StrOptions(set(LOSSES))],
        "tied_weights": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "batch_norm": ["boolean"],
        "sparsity": [StrOptions({"l1", "kl", "topk"}), None],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
        "image_shape": ["array-like", None],
        "channels_last": ["boolean"],
        "conv_channels": ["array-like"],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "sequence_shape": ["array-like", None],
        "rnn_hidden_size": [Interval(Integral, 1, None, closed="left")],
        "rnn_num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "accelerator": [None, HasMethods(["prepare", "backward"])],
    }

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

    def _new_layout(self):
        """An unfitted :class:`SampleLayout` for the encoder this estimator builds."""
        name = type(self).__name__
        if isinstance(self.encoder, str):
            body = BODIES[self.encoder]
            shape = getattr(self, body.shape_param) if body.shape_param else None
            return SampleLayout(body.rank, shape, self.channels_last, body.shape_param,
                                f"encoder={self.encoder!r} takes {body.expected}", name)
        if self.image_shape is not None and self.sequence_shape is not None:
            raise ValueError("Pass image_shape or sequence_shape, not both: they give the "
                             "shape of one sample of flat rows.")
        param = "image_shape" if self.sequence_shape is None else "sequence_shape"
        return SampleLayout(None, getattr(self, param), self.channels_last, param,
                            "X", name)

    def _linear_path(self):
        """Whether the encoder and decoder get a linear path that starts at PCA."""
        built_in = isinstance(self.encoder, str) and (
            self.decoder is None or isinstance(self.decoder, str))
        conflicts = {
            "a linear reconstruction (output_activation='identity' or 'auto' with loss="
            "'mse')": self._output_activation() != "identity",
            "pretraining='joint' (greedy pretraining trains the layers apart from it)":
                self.pretraining != "joint",
            "codes without an activation (sparsity='kl' squashes them into (0, 1))":
                self.sparsity == "kl",
            "an int n_components (n_components=None makes the code a feature map, each "
            "value tied to one image position, which PCA's components are not)":
                self.n_components is None,
        }
        if self.linear_path == "auto":
            return built_in and not any(conflicts.values()) and self.sparsity is None
        for needed, conflict in conflicts.items():
            if self.linear_path and conflict:
                raise ValueError(f"linear_path=True needs {needed}; set linear_path=False "
                                 "or 'auto'.")
        return bool(self.linear_path)

    def _hidden_layer_sizes(self, n_features, width):
        if isinstance(self.hidden_layer_sizes, str) and self.hidden_layer_sizes == "auto":
            return auto_hidden_layer_sizes(n_features, width)
        return positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)

    def _auto_body_settings(self, body, n_samples, layer_sizes):
        """``activation`` and ``dropout``, 'auto' resolved for the built-in ``body`` trained
        on ``n_samples`` rows, its layers ``layer_sizes`` wide (input to code): GELU and
        :func:`auto_dense_dropout` for the dense bodies, ReLU and no dropout for the others."""
        dense = body == "dense"
        auto = dict(activation="gelu" if dense else "relu",
                    dropout=auto_dense_dropout(n_samples, layer_sizes, self.tied_weights)
                    if dense else 0.0)
        return {name: auto[name] if getattr(self, name) == "auto" else getattr(self, name)
                for name in auto}

    def _code_shape(self, n_features, sample_shape):
        """The shape of one code (see :func:`skae.modules.bodies.code_shape`)."""
        settings = dict(self.get_params(deep=False), conv_channels=tuple(self.conv_channels))
        return code_shape(self.encoder, self.n_components, settings, sample_shape, n_features)

    def _build_body(self, role, spec, n_samples, n_features, sample_shape, code, built_in):
        """The encoder or decoder: a built-in body by name, or the user's module.

        ``code`` is ``(n_components, width)``: the constructors' ``n_components`` (None for
        a feature map) and the code's width, which sizes 'auto' hidden layers. The body
        trains on ``n_samples`` rows (the 'auto' dropout depends on them).
        """
        kwargs = self._module_kwargs(role)
        n_components, width = code
        if isinstance(spec, str):
            body = BODIES[spec]
            hidden = self._hidden_layer_sizes(n_features, width)
            settings = dict(self.get_params(deep=False), hidden_layer_sizes=hidden,
                            conv_channels=tuple(self.conv_channels),
                            **self._auto_body_settings(spec, n_samples,
                                                       (n_features, *hidden, width)))
            known = {**body.kwargs(settings, sample_shape, n_features),
                     "n_components": self._code_width(role, n_components), **built_in}
            return build_module(role, getattr(body, role), kwargs, known)
        return build_module(role, spec, kwargs, dict(
            n_features=n_features, n_components=self._code_width(role, n_components),
            sample_shape=sample_shape))

    def _code_width(self, role, n_components):
        """Hook: the ``n_components`` the encoder's or decoder's constructor gets, from the
        code's (a variational encoder returns a mean and a log-variance per code unit)."""
        return n_components

    def _make_autoencoder(self, X, encoder, decoder, **parts):
        """Hook: the module holding the built encoder and decoder, for the rows ``X``."""
        return Autoencoder(encoder, decoder, **parts)

    def _net_params(self):
        """Hook: the parameters of ``_net_class`` (criterion, penalties)."""
        return dict(criterion=LOSSES[self.loss], **self._penalties())

    def _build_module(self, X, layout, code_shape):
        """The :class:`Autoencoder` to train on the validated rows ``X``, checked on two
        rows, for codes of ``code_shape``."""
        (n_samples, n_features), shape = X.shape[:2], layout.sample_shape
        width = int(np.prod(code_shape))
        decoder = self.encoder if self.decoder is None else self.decoder
        if not isinstance(decoder, str) and self.decoder is None:
            raise ValueError("encoder is a module of your own, so skae cannot mirror it: pass "
                             "its decoder too (a module, or a built-in name such as 'dense').")
        if self.tied_weights and not (self.encoder == decoder == "dense"):
            raise ValueError("tied_weights=True needs the dense encoder and decoder "
                             "(encoder='dense', decoder=None or 'dense').")
        encoder = self._build_body("encoder", self.encoder, n_samples, n_features, shape,
                                   (self.n_components, width), {
            "code_activation": "sigmoid" if self.sparsity == "kl" else "identity"})
        # A decoder that mirrors a feature map takes it as such; any other reads the
        # flattened feature map as a code of its width.
        mirrors = isinstance(decoder, str) and BODIES[decoder].feature_map is not None
        decoder = self._build_body(
            "decoder", decoder, n_samples, n_features, shape,
            (None if self.n_components is None and mirrors else width, width), {
                "output_activation": self._output_activation(),
                "tied_to": encoder if self.tied_weights else None})
        linear_path = self._linear_path()
        if linear_path:
            encoder = LinearPath(encoder, n_features, width)
            decoder = LinearPath(decoder, width, n_features)
        module = self._make_autoencoder(
            X, encoder, decoder, corruption=self._build_corruption(X),
            code_transform=code_transform(self.sparsity, self.sparsity_target, width),
            sample_shape=shape)
        if linear_path:
            module.start_at(*pca_start(X, width, int(torch.randint(2**31 - 1, ()))))
            for path in (module.encoder, module.decoder):
                path.mute_body(self.body_start)
        with evaluating(module):
            check_autoencoder(module, to_tensor(dense(X[:2]), np.float32), width)
        return module

    def _penalties(self, code_layer=True):
        """The net's penalty parameters; none on layers other than the code layer."""
        sparsity = self.sparsity if code_layer and self.sparsity in ("l1", "kl") else None
        return dict(sparsity=sparsity, sparsity_weight=self.sparsity_weight,
                    sparsity_target=self.sparsity_target,
                    contractive_weight=self.contractive_weight if code_layer else 0.0)

    def _fit(self, X, partial=False):
        """Validate ``X`` and train on it: from scratch, or on from the fitted model."""
        with rolled_back_on_error(self):
            warm = self._continues(partial)
            layout = self.layout_ if warm else self._new_layout()
            X = self._validate_X(X, reset=not warm, layout=layout)
            self._check_bce_range(X)
            epochs = 1 if partial else None
            net_params = self._net_params()
            if warm:
                code_shape = self.code_shape_
                net = self._train_net(self._net_class, None, X, epochs=epochs,
                                      previous=self.net_, **net_params)
            else:
                code_shape = self._code_shape(X.shape[1], layout.sample_shape)
                if self.pretraining == "greedy":
                    net = self._fit_greedy(X, layout, code_shape, epochs)
                else:
                    net = self._train_net(
                        self._net_class, lambda: self._build_module(X, layout, code_shape),
                        X, epochs=epochs, **net_params)
            self.layout_ = layout
            self.code_shape_ = code_shape
            self.n_components_ = int(np.prod(code_shape))
            return self._store_training(net)

    def _fit_greedy(self, X, layout, code_shape, epochs):
        """Greedy layer-wise training of the stacked autoencoder, then stacking.

        Encoder layer ``i`` and its mirror decoder layer form a shallow autoencoder, trained
        (with this estimator's training parameters and corruption) to rebuild the codes of
        layer ``i - 1`` (``X`` for the first). The layers are trained in place, so the stack
        is the full network with every layer pretrained; its history holds every layer's
        epochs in order. Penalties apply to the code layer.
        """
        seed = self._draw_seeds(1)[0]
        module = self._train_net(AutoencoderNet,
                                 lambda: self._build_module(X, layout, code_shape), X,
                                 epochs=0, seed=seed).module_
        encoder_layers = layers_of(module.encoder, "encoder", "pretraining='greedy'")
        decoder_layers = layers_of(module.decoder, "decoder", "pretraining='greedy'")
        n_layers = len(encoder_layers)
        if len(decoder_layers) != n_layers:
            raise ValueError(
                f"pretraining='greedy' pairs encoder and decoder layers, but the encoder has "
                f"{n_layers} and the decoder {len(decoder_layers)}; use pretraining='joint'.")
        inputs, history = X, History()
        for i in range(n_layers):
            code_layer = i == n_layers - 1
            shallow = Autoencoder(
                encoder_layers[i], decoder_layers[n_layers - 1 - i],
                corruption=self._build_corruption(inputs) if i else module.corruption,
                code_transform=module.code_transform if code_layer else None,
                sample_shape=None if i else module.sample_shape,
            )
            criterion = LOSSES[self.loss] if i == 0 else nn.MSELoss
            net = self._train_net(AutoencoderNet, shallow, inputs, epochs=epochs,
                                  seed=seed + 1 + i, criterion=criterion,
                                  **self._penalties(code_layer))
            history.extend(dict(row, epoch=len(history) + j + 1, layer=i)
                           for j, row in enumerate(net.history))
            with evaluating(shallow):
                inputs = map_batches(shallow.encode, inputs, device=net.device)
        # The shallow nets trained the stack's own layers in place, and left them in the
        # mode of their last step; give them the stack's.
        module.train(module.training)
        net = self._train_net(AutoencoderNet, module, X, epochs=0, seed=seed,
                              criterion=LOSSES[self.loss], **self._penalties())
        net.history = history
        return net

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X``, starting from the current weights.

        The first call builds the network (greedy pretraining then trains each layer for
        one epoch); every call runs one epoch over ``X``, without held-out rows or early
        stopping, as ``MLPClassifier.partial_fit`` does. ``n_iter_`` and ``loss_curve_``
        grow by one epoch per call. Feed it, one batch after another, data that does not fit
        in memory.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; numeric, without NaN or infinity.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one epoch more.
        """
        return self._fit(X, partial=True)

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
    def corruption_(self):
        """The corruption applied to inputs in training (a ``torch.nn.Module``), or None."""
        check_is_fitted(self)
        return self.net_.module_.corruption

    @property
    def _n_features_out(self):
        return self.n_components_

    def get_feature_names_out(self, input_features=None):
        """Get the names of the code's features (``set_output``'s column names).

        ``<classname>0``, ``<classname>1``, ... for a code of ``n_components`` values, as for
        ``PCA``; for a feature map (``n_components=None``), ``<classname>_c<channel>_y<row>
        _x<column>``, in the order of :meth:`transform`'s columns (channels first).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`.
        """
        check_is_fitted(self)
        if len(self.code_shape_) == 1:
            return super().get_feature_names_out(input_features)
        _check_feature_names_in(self, input_features, generate_names=False)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}_c{c}_y{y}_x{x}"
                           for c, y, x in np.ndindex(*self.code_shape_)], dtype=object)

    def _inference(self, method, X):
        """Map validated rows through a method of the fitted module in evaluation mode."""
        module = self.net_.module_
        with evaluating(module):
            return self._map_batches(getattr(module, method), X)

    def transform(self, X):
        """Encode ``X``: the code of every sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, ``n_components_``), dtype float32
            The codes; a feature map (``n_components=None``) comes flattened, channels
            first.
        """
        check_is_fitted(self)
        return self._inference("encode", self._validate_X(X, reset=False, layout=self.layout_))

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, ``n_components_``)
            Codes, as returned by :meth:`transform` (a feature map flattened).

        Returns
        -------
        X_original : ndarray of shape (n_samples, ``n_features_in_``), dtype float32
            The decoder's reconstruction in the input space, in the layout ``fit`` received
            (e.g. ``(n_samples, channels, height, width)`` for 4-D images).
        """
        check_is_fitted(self)
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects codes of n_components_={self.n_components_} values (code_shape_="
                f"{self.code_shape_}), as transform returns them."
            )
        return self.layout_.from_network(self._inference("decode", X))

    def reconstruct(self, X):
        """Encode and decode ``X`` in one pass (``inverse_transform(transform(X))``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features), dtype float32
            The reconstruction of every sample, in the layout ``fit`` received.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, layout=self.layout_)
        return self.layout_.from_network(self._inference("reconstruct", X))

    def score_samples(self, X):
        """Return minus the mean squared reconstruction error of every sample.

        Higher is better, as for :meth:`score`; low values flag anomalies.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean over features of the squared error, per sample.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, layout=self.layout_)
        module = self.net_.module_

        def squared_errors(rows):
            return ((module.reconstruct(rows) - rows).double() ** 2).mean(dim=1)

        with evaluating(module):
            return -self._map_batches(squared_errors, X)

    def score(self, X, y=None):
        """Return minus the mean squared reconstruction error over ``X`` (higher is better).

        This lets ``GridSearchCV`` rank autoencoders without labels, as it does with
        ``PCA.score``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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

