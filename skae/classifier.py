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
from sklearn.frozen import FrozenEstimator
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from torch import nn

from ._base import BaseAutoencoder
from ._building import code_transform, evaluating, positive_ints
from ._data import SemiSupervisedBatches
from ._docs import CLASSIFIER_ATTRIBUTES, CLASSIFIER_PARAMS, TRAINING_PARAMS
from ._labels import (
    check_known,
    first_classes,
    propagated_labels,
    unit_rows,
    unlabeled_mask,
)
from ._net import SemiSupervisedNet
from ._pretraining import check_same_features, pretrain
from ._training import BaseNeuralEstimator, rolled_back_on_error
from .modules import EncoderClassifier, MLPHead
from .modules.bodies import build_module
from .modules.dense import ACTIVATIONS

# max_epochs='auto' of semi-supervised fine-tuning: about this many steps (10 to 100 epochs).
AUTO_SEMI_SUPERVISED_STEPS = 1_250


class PretrainedAEClassifier(ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin,
                             BaseNeuralEstimator):
    __doc__ = f"""Classifier on an autoencoder's encoder: pretrain without labels, fine-tune with.

    Training follows the three steps of unsupervised pretraining: (a) fit an autoencoder on
    every row of ``X``, labeled or not; (b) keep its encoder and put a softmax output layer
    (optionally behind hidden layers, or a head module of your own) on the code; (c)
    fine-tune encoder and head. Rows whose label is ``-1`` are unlabeled, as in
    ``sklearn.semi_supervised``. By default step (c) keeps learning from them: the loss is
    the labeled rows' cross-entropy plus the reconstruction loss of every row (the decoder
    stays on as an auxiliary head, ``reconstruction_weight``) plus the agreement of the
    predictions on corrupted rows with the confident predictions on clean ones
    (``consistency_weight``) plus the cross-entropy of the unlabeled rows' pseudo-labels,
    spread from the labeled rows over a nearest-neighbour graph of the codes (those of the
    pretrained encoder beside those of a copy fine-tuned on the labeled rows alone) and
    weighted by their certainty (``pseudo_label_weight``). With all three weights at 0,
    step (c) is plain fine-tuning on the labeled rows with the cross-entropy loss.

    Parameters
    ----------
{CLASSIFIER_PARAMS}
{TRAINING_PARAMS}
        These training parameters govern fine-tuning (step c); the autoencoder's own
        govern pretraining. In semi-supervised fine-tuning (either weight above 0),
        'auto' means about 1,250 steps (10 to 100 epochs; 20 for 8,000 rows at batch
        128) and no held-out rows: a few labels are too precious to hold out, and too few
        to steer early stopping.

    **kwargs : dict
        ``head__<name>`` arguments of a ``head`` class, as skorch's ``module__<name>``.

    Attributes
    ----------
{CLASSIFIER_ATTRIBUTES}
    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same network without pretraining.
    sklearn.semi_supervised.SelfTrainingClassifier : Another use of unlabeled rows.
    AutoencoderTransformer : The default step-(a) model.

    Notes
    -----
    ``transform`` returns the codes of the fine-tuned encoder; ``autoencoder_.transform``
    those of the pretrained one. ``score`` is the accuracy on the labeled rows: rows marked
    ``-1`` are left out, so ``GridSearchCV`` and ``cross_val_score`` can split a ``y`` that
    holds them; labels the classifier never saw in ``fit`` are refused rather than silently
    counted as errors.

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

    _module_params = ("head",)

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "autoencoder": [BaseAutoencoder, FrozenEstimator, None],
        "refit_autoencoder": ["boolean"],
        "pretraining": [StrOptions({"joint", "greedy"}), None],
        "freeze_encoder": ["boolean", Interval(Integral, 0, None, closed="left")],
        "head": [nn.Module, type, None],
        "head_hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "consistency_weight": [Interval(Real, 0, None, closed="left")],
        "pseudo_label_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        autoencoder=None,
        *,
        refit_autoencoder=True,
        pretraining=None,
        freeze_encoder=False,
        head=None,
        head_hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        reconstruction_weight=1.0,
        consistency_weight=1.0,
        pseudo_label_weight=1.0,
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size="auto",
        max_epochs="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        callbacks=None,
        warm_start=False,
        device="cpu",
        data_placement="auto",
        precision="float32",
        compile=False,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.autoencoder = autoencoder
        self.refit_autoencoder = refit_autoencoder
        self.pretraining = pretraining
        self.freeze_encoder = freeze_encoder
        self.head = head
        self.head_hidden_layer_sizes = head_hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.reconstruction_weight = reconstruction_weight
        self.consistency_weight = consistency_weight
        self.pseudo_label_weight = pseudo_label_weight
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
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.data_placement = data_placement
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self._set_module_params(kwargs)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Pretrain the autoencoder on all rows, then fine-tune on the labeled ones.

        With ``warm_start=True`` and a fitted classifier, skip pretraining and fine-tune
        the current network for ``max_epochs`` more epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, labeled and unlabeled rows alike; numeric, finite.
        y : array-like of shape (n_samples,)
            Class labels (ints or strings), ``-1`` for unlabeled rows.

        Returns
        -------
        self : PretrainedAEClassifier
            The fitted classifier.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y, classes=None):
        """Fine-tune for one epoch on the labeled rows of ``(X, y)``.

        As in ``MLPClassifier.partial_fit``: the first call needs every class in
        ``classes``; it also pretrains the autoencoder (step a) on all rows of this ``X``.
        Each call then runs one fine-tuning epoch on its labeled rows, from the current
        weights, without held-out rows or early stopping (a call without labeled rows
        only prepares the network). ``n_iter_`` and ``loss_curve_`` grow by one per call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, labeled and unlabeled rows alike.
        y : array-like of shape (n_samples,)
            Class labels from ``classes``, ``-1`` for unlabeled rows.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem; required on the first call, ignored afterwards.

        Returns
        -------
        self : PretrainedAEClassifier
            The classifier, trained one epoch more.
        """
        return self._fit(X, y, classes=classes, partial=True)

    def _fit(self, X, y, classes=None, partial=False):
        X_in = X
        with rolled_back_on_error(self):
            warm = self._continues(partial)
            y = check_array(column_or_1d(y, warn=True), ensure_2d=False, dtype=None,
                            input_name="y")
            check_consistent_length(X, y)
            labeled = ~unlabeled_mask(y)
            if not warm:
                classes = first_classes(y, labeled, classes, partial, type(self).__name__)
            else:
                classes = self.classes_
                check_known(y[labeled], classes, "in fit")
            autoencoder = self.autoencoder_ if warm else pretrain(self, X)
            # X must come as the autoencoder read its samples (it may have been fitted on
            # other data: transfer learning).
            layout = copy.copy(autoencoder.layout_)
            layout.estimator = "The pretrained autoencoder"
            X, y = self._validate_X(X, reset=not warm, layout=layout, y=y, learn_layout=False)
            layout.estimator = type(self).__name__
            check_same_features(autoencoder, self)
            targets = np.full(len(y), -1, dtype=np.int64)
            targets[labeled] = np.searchsorted(classes, y[labeled])
            semi = self._semi_supervised()
            if semi and self.pseudo_label_weight and not partial and not labeled.all():
                codes = self._spreading_codes(autoencoder, X_in, y, labeled)
                targets = self._with_pseudo_labels(codes, targets, len(classes))
            net = self._train_net(
                SemiSupervisedNet, lambda: self._build_module(autoencoder, len(classes)),
                *((X, targets) if semi else (X[labeled], targets[labeled])),
                epochs=(1 if labeled.any() else 0) if partial else None,
                previous=self.net_ if warm else None, criterion=nn.CrossEntropyLoss,
                **(dict(iterator_train=SemiSupervisedBatches,
                        reconstruction_loss=autoencoder.loss,
                        reconstruction_weight=self.reconstruction_weight,
                        consistency_weight=self.consistency_weight) if semi else {}))
            self.autoencoder_, self.classes_, self.layout_ = autoencoder, classes, layout
            return self._store_training(net)

    def _auto_early_stopping(self, n_samples):
        # Semi-supervised fine-tuning holds out no rows: the few labels are too precious,
        # and too few to steer early stopping.
        return not self._semi_supervised() and super()._auto_early_stopping(n_samples)

    def _auto_max_epochs(self, steps_per_epoch):
        if not self._semi_supervised():
            return super()._auto_max_epochs(steps_per_epoch)
        return int(np.clip(-(-AUTO_SEMI_SUPERVISED_STEPS // steps_per_epoch), 10, 100))

    def _stops_on_training_loss(self):
        # Its training loss grows as more rows pass the consistency threshold.
        return not self._semi_supervised()

    def _semi_supervised(self):
        """Whether fine-tuning reads every row (reconstruction, consistency or
        pseudo-label terms)."""
        return bool(self.reconstruction_weight or self.consistency_weight
                    or self.pseudo_label_weight)

    def _spreading_codes(self, autoencoder, X, y, labeled):
        """The codes the pseudo-labels spread over: those of the pretrained encoder beside
        those of an encoder fine-tuned plainly on the labeled rows alone, each set
        L2-normalised (so that a pair's cosine similarity is the mean of its two)."""
        plain = clone(self).set_params(
            autoencoder=FrozenEstimator(autoencoder), reconstruction_weight=0.0,
            consistency_weight=0.0, pseudo_label_weight=0.0, freeze_encoder=False,
            callbacks=None, warm_start=False)
        rows = np.flatnonzero(labeled)
        plain.fit(_safe_indexing(X, rows), y[rows])
        return np.hstack([unit_rows(autoencoder.transform(X)), unit_rows(plain.transform(X))])

    def _with_pseudo_labels(self, codes, targets, n_classes):
        """``targets`` with two more columns: every unlabeled row's pseudo-label from label
        spreading over ``codes``, and its weight (``pseudo_label_weight`` times the
        label's certainty)."""
        pseudo, certainty = propagated_labels(codes, targets, n_classes)
        weight = np.where(targets < 0, self.pseudo_label_weight * certainty, 0.0)
        return np.column_stack([targets, pseudo, weight]).astype(np.float32)

    def _build_module(self, autoencoder, n_classes):
        """Step (b): a copy of the pretrained encoder with a fresh head (and, for
        semi-supervised fine-tuning, a copy of its decoder and its corruption)."""
        encoder = copy.deepcopy(autoencoder.encoder_)
        semi = self._semi_supervised()
        known = dict(n_components=autoencoder.n_components_, n_classes=n_classes)
        if self.head is None:
            head = MLPHead(**known, hidden_layer_sizes=positive_ints(
                "head_hidden_layer_sizes", self.head_hidden_layer_sizes),
                activation=self.activation, dropout=self.dropout)
        else:
            head = build_module("head", self.head, self._module_kwargs("head"), known)
        freeze = self.freeze_encoder
        freeze = bool(freeze) if isinstance(freeze, bool | np.bool_) else int(freeze)
        return EncoderClassifier(
            encoder, head, code_transform(autoencoder.sparsity, autoencoder.sparsity_target,
                                          autoencoder.n_components_),
            freeze=freeze, sample_shape=autoencoder.layout_.sample_shape,
            decoder=copy.deepcopy(autoencoder.decoder_) if semi else None,
            corruption=copy.deepcopy(autoencoder.corruption_) if semi else None)

    @property
    def _n_features_out(self):
        return self.autoencoder_.n_components_

    def _inputs(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False, layout=self.layout_)

    def _map(self, method, X):
        X = self._inputs(X)
        with evaluating(self.net_.module_) as module:
            return self._map_batches(getattr(module, method), X)

    def predict_log_proba(self, X):
        """Log of the class probabilities of every sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return log_softmax(self._map("forward", X).astype(np.float64), axis=1)

    def predict_proba(self, X):
        """Class probabilities of every sample (the softmax of the head's output).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        log_proba = self.predict_log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]

    def transform(self, X):
        """Encode ``X`` with the fine-tuned encoder.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components), dtype float32
            The codes that the head classifies.
        """
        return self._map("encode", X)

    def score(self, X, y, sample_weight=None):
        """Accuracy on the labeled rows of ``(X, y)``, refusing labels never seen in ``fit``.

        Rows marked ``-1`` (unlabeled) are left out, so that model selection on a ``y``
        that holds them scores every fold on its labeled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels from ``classes_``, or ``-1`` for rows to leave out.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Share of labeled samples whose predicted label is ``y``.
        """
        check_is_fitted(self)
        y = column_or_1d(y)
        check_consistent_length(X, y)
        labeled = ~unlabeled_mask(y)
        if not labeled.any():
            raise ValueError("Every row of y is -1 (unlabeled): there is nothing to score. "
                             "Score on rows with labels.")
        check_known(y[labeled], self.classes_, "in fit")
        if not labeled.all():
            X = _safe_indexing(X, labeled)
            y = y[labeled]
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[labeled]
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

