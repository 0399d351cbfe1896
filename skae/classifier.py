"""``PretrainedAEClassifier``: unsupervised pretraining of an encoder, then a softmax head."""

import copy
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from torch import nn

from ._base import BaseAutoencoder
from ._docs import TRAINING_PARAMS
from ._net import TensorNet
from ._training import BaseNeuralEstimator
from .autoencoder import AutoencoderTransformer
from .modules import EncoderClassifier, MLPHead
from .modules.dense import ACTIVATIONS

DEFAULT_AUTOENCODER = dict(n_components=32, hidden_layer_sizes=(256,), max_epochs=50)


def unlabeled_mask(y):
    """Rows of ``y`` marked unlabeled: ``-1``, as in ``sklearn.semi_supervised``.

    For string labels (which cannot hold the integer -1 in a numpy string array), the
    string ``"-1"`` counts as unlabeled too.
    """
    if y.dtype.kind in "biuf":
        return y == -1
    return np.fromiter((label == -1 or label == "-1" for label in y), bool, count=len(y))


class PretrainedAEClassifier(ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin,
                             BaseNeuralEstimator):
    __doc__ = f"""Classifier on an autoencoder's encoder: pretrain without labels, fine-tune with.

    Training follows the three steps of unsupervised pretraining: (a) fit an autoencoder on
    every row of ``X``, labeled or not; (b) keep its encoder and put a softmax output layer
    (optionally behind hidden layers) on the code; (c) fine-tune encoder and head on the
    labeled rows with the cross-entropy loss. Rows whose label is ``-1`` are unlabeled, as in
    ``sklearn.semi_supervised``: they serve step (a) only, so a few labels go a long way
    when unlabeled rows are plentiful.

    Parameters
    ----------
    autoencoder : AutoencoderTransformer or DenoisingAutoencoder, default=None
        Configures step (a). It is cloned and fitted on all rows of ``X``, unless it is
        already fitted and ``refit_autoencoder=False``: then its encoder is reused as is
        (transfer learning from a model trained elsewhere). None means
        ``AutoencoderTransformer(n_components=32, hidden_layer_sizes=(256,),
        max_epochs=50)`` on this classifier's ``device``. When its ``random_state`` is
        None, it is seeded from this classifier's ``random_state``. Its ``architecture``
        decides the encoder and the input the classifier takes: e.g. with
        ``architecture='conv'`` it classifies images (4-D arrays or flat rows with
        ``image_shape``), with 'lstm' or 'gru' sequences.
        Wrap a fitted autoencoder in ``sklearn.frozen.FrozenEstimator`` to reuse it
        whatever ``refit_autoencoder`` says, also in clones: ``GridSearchCV`` clones its
        estimator, which would otherwise drop the fitted weights and pretrain anew.

    refit_autoencoder : bool, default=True
        Whether to fit a clone of an already fitted ``autoencoder`` anyway. An unfitted one
        is always fitted.

    pretraining : {{'joint', 'greedy'}}, default='joint'
        How step (a) trains a stacked autoencoder: 'joint' trains the whole network at
        once; 'greedy' trains one shallow autoencoder per layer on the previous layer's
        codes, then stacks them (the classic deep-network initialisation).

    freeze_encoder : bool or int, default=False
        Encoder layers kept fixed during fine-tuning: False (none), True (all: only the
        head learns) or the number of leading layers (from the input side) to freeze.

    head_hidden_layer_sizes : int or tuple of int, default=()
        Hidden layers of the head between the code and the softmax; ``()`` puts the
        softmax directly on the code.

    activation : {{'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'identity'}}, \\
default='relu'
        Activation of the head's hidden layers.

    dropout : float, default=0.0
        Dropout probability on the code and after every hidden layer of the head.

{TRAINING_PARAMS}
        These training parameters govern fine-tuning (step c); the autoencoder's own
        govern pretraining.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, without the unlabeled marker -1.

    autoencoder_ : AutoencoderTransformer or DenoisingAutoencoder
        The fitted step-(a) autoencoder. Fine-tuning works on a copy of its encoder, so it
        keeps the pretrained weights.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Fine-tuning cross-entropy of every epoch.

    validation_scores_ : list of float or None
        Minus the validation cross-entropy of every epoch with ``early_stopping=True``;
        None otherwise.

    n_iter_ : int
        Number of fine-tuning epochs run.

    net_ : skorch.NeuralNet
        The fitted skorch net of the fine-tuned encoder and head.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same network without pretraining.
    sklearn.semi_supervised.SelfTrainingClassifier : Another use of unlabeled rows.
    AutoencoderTransformer : The default step-(a) model.

    Notes
    -----
    ``transform`` returns the codes of the fine-tuned encoder; ``autoencoder_.transform``
    those of the pretrained one. ``score`` is the accuracy, and refuses labels that the
    classifier never saw in ``fit`` rather than silently counting them as errors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderTransformer, PretrainedAEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> y_few = np.full_like(y, -1)
    >>> y_few[:200] = y[:200]  # 200 labels, 1597 unlabeled rows
    >>> clf = PretrainedAEClassifier(
    ...     AutoencoderTransformer(16, hidden_layer_sizes=(64,), max_epochs=20),
    ...     lr=3e-3, random_state=0).fit(X, y_few)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> bool(clf.score(X[200:], y[200:]) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "autoencoder": [BaseAutoencoder, FrozenEstimator, None],
        "refit_autoencoder": ["boolean"],
        "pretraining": [StrOptions({"joint", "greedy"})],
        "freeze_encoder": ["boolean", Interval(Integral, 0, None, closed="left")],
        "head_hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        autoencoder=None,
        *,
        refit_autoencoder=True,
        pretraining="joint",
        freeze_encoder=False,
        head_hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.autoencoder = autoencoder
        self.refit_autoencoder = refit_autoencoder
        self.pretraining = pretraining
        self.freeze_encoder = freeze_encoder
        self.head_hidden_layer_sizes = head_hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Pretrain the autoencoder on all rows, then fine-tune on the labeled ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, labeled and unlabeled rows alike; numeric, finite.
        y : array-like of shape (n_samples,)
            Class labels (ints or strings), ``-1`` for unlabeled rows.

        Returns
        -------
        self : PretrainedAEClassifier
            The fitted classifier.
        """
        X_given = X
        X, y = self._validate_X(X, reset=True, y=y)
        labeled = ~unlabeled_mask(y)
        if not labeled.any():
            raise ValueError(
                f"All {len(y)} labels are -1 (unlabeled), but fine-tuning needs labeled "
                "rows; label some rows, or use the autoencoder alone for unsupervised codes."
            )
        check_classification_targets(y[labeled])
        self.classes_, targets = np.unique(y[labeled], return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs labeled rows of at least two classes, but y "
                f"has one class: {self.classes_.tolist()[0]!r}."
            )
        self.autoencoder_ = self._pretrain(X_given)
        return self._train(TensorNet, self._build_module, X[labeled],
                           targets.astype(np.int64), criterion=nn.CrossEntropyLoss)

    def _autoencoder(self):
        """The ``autoencoder`` parameter (unwrapped if frozen), or the default when None."""
        if isinstance(self.autoencoder, FrozenEstimator):
            autoencoder = self.autoencoder.estimator
            if not isinstance(autoencoder, BaseAutoencoder):
                raise ValueError(
                    "The FrozenEstimator passed as autoencoder must wrap a fitted "
                    f"AutoencoderTransformer or DenoisingAutoencoder, not "
                    f"{type(autoencoder).__name__}.")
            return autoencoder
        if self.autoencoder is None:
            return AutoencoderTransformer(**DEFAULT_AUTOENCODER, device=self.device,
                                          verbose=self.verbose)
        return self.autoencoder

    def _sample_layout(self, reset):
        if reset:
            self._layout = self._autoencoder()._new_layout(type(self).__name__)
        return self._layout

    def _pretrain(self, X):
        """Step (a): the fitted autoencoder whose encoder the classifier starts from.

        ``X`` is the input as given to ``fit``: the autoencoder validates it itself.
        """
        autoencoder = self._autoencoder()
        frozen = isinstance(self.autoencoder, FrozenEstimator)
        if frozen and not _is_fitted(autoencoder):
            raise ValueError("The FrozenEstimator passed as autoencoder wraps an unfitted "
                             f"{type(autoencoder).__name__}; fit it before freezing it.")
        if frozen or (not self.refit_autoencoder and _is_fitted(autoencoder)):
            self._check_prefitted(autoencoder)
            return copy.deepcopy(autoencoder)
        autoencoder = clone(autoencoder)
        if autoencoder.random_state is None:
            autoencoder.set_params(random_state=self._draw_seeds(1)[0])
        autoencoder._validate_params()
        return autoencoder._fit(X, pretraining=self.pretraining)

    def _check_prefitted(self, autoencoder):
        sample_shape = autoencoder._layout.sample_shape
        if sample_shape != self._layout.sample_shape:
            raise ValueError(
                f"The pretrained autoencoder reads samples of shape {sample_shape}, but X "
                f"holds samples of shape {self._layout.sample_shape}.")
        if autoencoder.n_features_in_ != self.n_features_in_:
            raise ValueError(
                f"The pretrained autoencoder was fitted on {autoencoder.n_features_in_} "
                f"features, but X has {self.n_features_in_}. Pass data with the same "
                "features, or set refit_autoencoder=True to pretrain on this X."
            )
        names = getattr(autoencoder, "feature_names_in_", None)
        mine = getattr(self, "feature_names_in_", None)
        if names is not None and mine is not None and list(names) != list(mine):
            raise ValueError(
                f"The pretrained autoencoder was fitted on features {list(names)}, but X "
                f"has {list(mine)}; reorder or rename the columns to match."
            )

    def _build_module(self):
        """Step (b): a copy of the pretrained encoder with a fresh head."""
        pretrained = copy.deepcopy(self.autoencoder_.net_.module_)
        n_layers = len(pretrained.encoder.layers)
        frozen = self.freeze_encoder
        n_frozen = (n_layers if frozen else 0) if isinstance(frozen, bool | np.bool_) else frozen
        hidden = self.head_hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
        head = MLPHead(self.autoencoder_.n_components, len(self.classes_), hidden,
                       activation=self.activation, dropout=self.dropout)
        return EncoderClassifier(pretrained.encoder, head, pretrained.code_transform,
                                 n_frozen=int(n_frozen), sample_shape=pretrained.sample_shape)

    @property
    def _n_features_out(self):
        return self.autoencoder_.n_components

    def _inputs(self, X):
        check_is_fitted(self)
        return self.net_.module_.eval(), self._validate_X(X, reset=False)

    def predict_log_proba(self, X):
        """Log of the class probabilities of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        module, X = self._inputs(X)
        return log_softmax(self._map_batches(module, X).astype(np.float64), axis=1)

    def predict_proba(self, X):
        """Class probabilities of every sample (the softmax of the head's output).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``; rows sum to 1.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Most probable class of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        log_proba = self.predict_log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]

    def transform(self, X):
        """Codes of the fine-tuned encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components), dtype float32
            The codes that the head classifies.
        """
        module, X = self._inputs(X)
        return self._map_batches(module.encode, X)

    def score(self, X, y, sample_weight=None):
        """Accuracy on ``(X, y)``, refusing labels the classifier never saw.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels, all from ``classes_`` (no unlabeled -1 rows).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Share of samples whose predicted label is ``y``.
        """
        check_is_fitted(self)
        known = set(self.classes_.tolist())
        unseen = {label for label in column_or_1d(y).tolist() if label not in known}
        if unseen:
            raise ValueError(
                f"y holds labels the classifier never saw in fit: {sorted(unseen, key=str)}; "
                f"it only predicts {self.classes_.tolist()}. Drop those rows (unlabeled "
                "-1 rows cannot be scored) or refit with examples of those classes."
            )
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True
