"""What every skae autoencoder shares: the fit skeleton and the transformer API.

``fit`` runs validate -> resolve (:mod:`skae._plan`) -> assemble (:mod:`skae._assembly`)
-> run (:mod:`skae._run`) -> store. An estimator states what differs in one place, its
:meth:`BaseAutoencoder._objective`: the skorch net that trains the module, the net's
parameters, and the parts the module gets besides its encoder and decoder (a corruption,
a code transform, a likelihood).
"""

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_array, check_is_fitted
from torch import nn

from ._assembly import assemble, evaluating
from ._base import BaseNeuralEstimator
from ._data import SampleLayout
from ._net import AutoencoderNet
from ._plan import Plan, plan_network, plan_training
from ._run import fitted_training, rolled_back_on_error, train, train_greedy
from .metrics import ScoreScaleWarning
from .modules.bodies import BODIES
from .modules.dense import ACTIVATIONS
from .regularizers import CodeRegularizer

LOSSES = {"mse": nn.MSELoss, "bce": nn.BCELoss}
MODULE = [StrOptions(set(BODIES)), nn.Module, type]


@dataclass(frozen=True)
class Objective:
    """What an autoencoder trains: the net, its parameters and the module's extra parts
    (keyword arguments of :func:`skae._assembly.assemble`)."""

    net_class: type
    net_params: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralEstimator):
    """The fit skeleton and the transformer API of the autoencoders.

    Subclasses declare ``__init__`` and ``fit``, and state their :meth:`_objective`.
    """

    _module_params = ("encoder", "decoder")

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "encoder": MODULE,
        "decoder": [*MODULE, None],
        "sample_shape": ["array-like", None],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left"),
                               StrOptions({"auto"})],
        "activation": [StrOptions({"auto", *ACTIVATIONS})],
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "loss": [StrOptions(set(LOSSES))],
        "regularizer": [CodeRegularizer, None],
        "pretraining": [StrOptions({"joint", "greedy"})],
        "linear_path": ["boolean", StrOptions({"auto"})],
        "accelerator": [None, HasMethods(["prepare", "backward"])],
    }

    # Values the encoder returns per code unit (a Gaussian code: a mean and a log-variance).
    _encoder_outputs = 1

    def _objective(self, params, X, network):
        """The net, its parameters and the module's parts, for the validated rows ``X`` and
        the planned ``network``."""
        regularizer = params["regularizer"]
        width = int(np.prod(network.code_shape))
        return Objective(
            AutoencoderNet, dict(criterion=LOSSES[params["loss"]], regularizer=regularizer),
            dict(code_transform=regularizer.code_transform(width) if regularizer else None))

    def _new_layout(self, params):
        """An unfitted :class:`SampleLayout` for the encoder this estimator builds."""
        name, encoder = type(self).__name__, params["encoder"]
        channels_last = bool(params.get("encoder__channels_last", False))
        if isinstance(encoder, str):
            body = BODIES[encoder]
            return SampleLayout(body.rank, params["sample_shape"], channels_last,
                                "sample_shape", f"encoder={encoder!r} takes {body.expected}",
                                name)
        return SampleLayout(None, params["sample_shape"], channels_last, "sample_shape", "X",
                            name)

    def _fit(self, X, partial=False):
        """Validate ``X`` and train on it: from scratch, or on from the fitted model."""
        with rolled_back_on_error(self):
            params = self.get_params(deep=False)
            warm = self._continues(partial)
            layout = self.layout_ if warm else self._new_layout(params)
            X = self._validate_X(X, reset=not warm, layout=layout)
            if params["loss"] == "bce" and X.shape[0] and (X.min() < 0 or X.max() > 1):
                raise ValueError(
                    f"loss='bce' needs X in [0, 1], but X spans [{X.min():.3g}, "
                    f"{X.max():.3g}]. Scale it first (e.g. MinMaxScaler) or use loss='mse'.")
            training = plan_training(params, *X.shape, incremental=partial)
            network = self.plan_.network if warm else plan_network(
                params, X.shape[0], X.shape[1], layout.sample_shape,
                encoder_outputs=self._encoder_outputs)
            objective = self._objective(params, X, network)
            run = dict(plan=training, epochs=1 if partial else None,
                       estimator=type(self).__name__)
            if warm:
                net = train(params, objective.net_class, None, X, previous=self.net_, **run,
                            **objective.net_params)
            elif params.get("pretraining") == "greedy":
                net_params = dict(objective.net_params)
                net = train_greedy(
                    params, objective.net_class, lambda: assemble(network, X, **objective.parts),
                    X, criterion=net_params.pop("criterion"), penalties=net_params,
                    corruption=lambda rows: self._objective(params, rows, network).parts.get(
                        "corruption"), **run)
            else:
                net = train(params, objective.net_class,
                            lambda: assemble(network, X, **objective.parts), X, **run,
                            **objective.net_params)
            return self._store(dict(
                layout_=layout, plan_=Plan(network, training), code_shape_=network.code_shape,
                n_components_=int(np.prod(network.code_shape)),
                hidden_layer_sizes_=network.hidden_layer_sizes, activation_=network.activation,
                dropout_=network.dropout, linear_path_=network.linear_path,
                batch_size_=training.batch_size, lr_=training.lr,
                max_epochs_=training.max_epochs, early_stopping_=training.early_stopping,
                **fitted_training(net)))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X``, starting from the current weights.

        The first call builds the network (greedy pretraining then trains each layer for
        one epoch); every call runs one epoch over ``X``, without held-out rows or early
        stopping, as ``MLPClassifier.partial_fit`` does. ``n_iter_`` and ``loss_curve_``
        grow by one epoch per call.

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
        return getattr(self.net_.module_, "corruption", None)

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
        X = check_array(X, dtype=np.float32, estimator=self)
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

        This ranks autoencoders against each other in ``GridSearchCV`` without labels. It
        is not a log-likelihood, so it does not rank against ``PCA.score`` (nats per
        sample), and every call warns with :class:`~skae.metrics.ScoreScaleWarning`: to
        compare autoencoders and PCA, pass ``scoring=skae.neg_reconstruction_error``,
        which puts both on one scale and does not warn.

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
        warnings.warn(ScoreScaleWarning(
            f"{type(self).__name__}.score is minus the mean squared reconstruction error, "
            "not a log-likelihood in nats as PCA.score, so the two do not rank on one scale "
            "(e.g. in one GridSearchCV). Pass scoring=skae.neg_reconstruction_error to rank "
            "autoencoders and PCA by their reconstruction error without this warning."),
            stacklevel=2)
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
