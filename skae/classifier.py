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
)
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from torch import nn

from ._assembly import assemble_classifier, evaluating
from ._base import BaseNeuralEstimator
from ._data import SemiSupervisedBatches
from ._labels import check_known, first_classes, labeled_part, unlabeled_mask
from ._net import SemiSupervisedNet
from ._plan import Plan, plan_training
from ._pretraining import check_same_features, pretrain, spreading_codes, with_pseudo_labels
from ._run import fitted_training, rolled_back_on_error, train
from ._transformer import BaseAutoencoder
from .modules.dense import ACTIVATIONS


class PretrainedAEClassifier(ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin,
                             BaseNeuralEstimator):
    """Classifier on an autoencoder's encoder: pretrain without labels, fine-tune with.

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
    autoencoder : AutoencoderTransformer, DenoisingAutoencoder or None, default=None
        Configures step (a): cloned and fitted on all rows of ``X``, unless it is fitted
        and ``refit_autoencoder=False`` or wrapped in ``sklearn.frozen.FrozenEstimator``
        (transfer learning). None means ``DenoisingAutoencoder(32, activation='relu',
        dropout=0.0)``, seeded from ``random_state``.

    refit_autoencoder : bool, default=True
        Whether to fit a clone of an already fitted ``autoencoder`` anyway.

    pretraining : {'joint', 'greedy'} or None, default=None
        Overrides the autoencoder's own ``pretraining`` for step (a); None keeps it.

    freeze_encoder : bool or int, default=False
        Encoder parts kept fixed in fine-tuning: none, all (only the head learns), or the
        number of leading layers, for an encoder with ordered ``layers``.

    head : torch.nn.Module class or instance or None, default=None
        The head from codes to class scores. None is a softmax layer on the code, behind
        ``head_hidden_layer_sizes``; a class is built with its ``head__<name>`` parameters.

    head_hidden_layer_sizes : int or tuple of int, default=()
        Hidden layers of the built-in head between the code and the softmax.

    activation : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'identity'}, \
default='relu'
        Activation of the built-in head's hidden layers.

    dropout : float, default=0.0
        Dropout on the code and after every hidden layer of the built-in head.

    reconstruction_weight : float, default=1.0
        Weight of every row's reconstruction loss in fine-tuning: the pretrained decoder
        stays on as an auxiliary head, so the encoder keeps learning from unlabeled rows.

    consistency_weight : float, default=1.0
        Weight of the agreement of predictions on corrupted rows with the confident
        (0.95) predictions on the clean rows, as in FixMatch.

    pseudo_label_weight : float, default=1.0
        Weight of the unlabeled rows' pseudo-labels, spread from the labeled rows over a
        nearest-neighbour graph of the codes and weighted by their certainty. With all
        three weights at 0, fine-tuning is plain cross-entropy on the labeled rows.

    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer subclass, default='adam'
        The optimizer. Its other arguments are ``optimizer__<name>`` parameters (e.g.
        ``optimizer__momentum=0.9``), as in skorch.

    lr : float or 'auto', default='auto'
        Learning rate. 'auto': 1e-3 for a run of the full 'auto' step budget, larger for
        a shorter run by the square root of how many times shorter, up to 3e-3.

    weight_decay : float, default=0.0
        L2 penalty on the weights (not on biases, gates or linear paths), as
        ``MLPRegressor``'s ``alpha``.

    batch_size : int or 'auto', default='auto'
        Rows per training batch. 'auto': a tenth of the training rows, rounded to a power
        of two within 16 to 128.

    max_epochs : int or 'auto', default='auto'
        Most passes over the training rows. 'auto': about 10,000 optimizer steps, within 50
        to 200 epochs. A fit that reaches it before its loss stops improving (``tol``,
        ``n_iter_no_change``) warns with a ``ConvergenceWarning``, as ``MLPClassifier`` does.

    early_stopping : bool or 'auto', default='auto'
        Whether to hold out ``validation_fraction`` of the rows, stop when their loss
        stalls and keep the best weights, the starting ones included. 'auto': when at
        least 10 rows would be held out. Otherwise training stops when its loss stalls.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before training stops.

    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.

    callbacks : list or None, default=None
        More skorch callbacks (``LRScheduler``, ``Checkpoint``, ...) or ``(name, callback)``
        pairs, run after skae's own; their parameters are ``callbacks__<name>__<param>``.

    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights instead of starting anew.

    device : str or torch.device, default='cpu'
        Where to train and infer: 'cpu', 'cuda', 'mps', or 'auto' for a GPU when there is
        one.

    precision : {'float32', 'bfloat16'}, default='float32'
        'bfloat16' runs the forward passes under bfloat16 autocast; weights, losses and
        outputs stay float32.

    compile : bool, default=False
        Whether to compile the network with ``torch.compile``; ``compile__<name>`` sets its
        arguments.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the held-out rows, the batches and any noise. Seeded
        fits in threads train one at a time (torch's generator is one per process), so
        that each gives what it gives alone; torch's generator is left as it was.

    verbose : int, default=0
        Whether to show a progress bar and the losses of every epoch.

    **kwargs : dict
        ``head__<name>``, ``optimizer__<name>``, ``callbacks__<name>__<param>`` and
        ``compile__<name>`` parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, without the unlabeled marker -1.

    autoencoder_ : AutoencoderTransformer or DenoisingAutoencoder
        The fitted step-(a) autoencoder; fine-tuning works on a copy of its encoder.

    batch_size_, lr_, max_epochs_, early_stopping_ : int, float, int, bool
        The last fine-tuning's batch size, learning rate, epoch limit and whether it held
        out rows.

    plan_ : Plan
        What ``fit`` resolved for fine-tuning.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Fine-tuning loss of every epoch.

    validation_scores_ : list of float or None
        Minus the held-out cross-entropy of every epoch, when rows were held out.

    best_validation_score_ : float or None
        The highest of ``validation_scores_`` when the last epoch held rows out, else None.

    best_loss_ : float or None
        The lowest of ``loss_curve_`` when the last epoch held no rows out, else None.

    n_iter_ : int
        Number of fine-tuning epochs run.

    net_ : skorch.NeuralNet
        The fitted skorch net of the fine-tuned encoder and head.

    layout_ : object
        How samples arrive and how the encoder reads them: the autoencoder's.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same network without pretraining.
    sklearn.semi_supervised.SelfTrainingClassifier : Another use of unlabeled rows.
    AutoencoderTransformer : The default step-(a) model.

    Notes
    -----
    The training parameters govern fine-tuning (step c); the autoencoder's own govern
    pretraining. Semi-supervised fine-tuning (any of the three weights above 0) holds out
    no rows under 'auto' (a few labels are too precious to hold out), and its 'auto'
    epochs give about 1,250 steps within 10 to 100 epochs; every step takes
    ``batch_size`` rows of all and tops them up with ``batch_size // 8`` labeled rows.
    The user guide describes the pseudo-labels.

    ``transform`` returns the codes of the fine-tuned encoder; ``autoencoder_.transform``
    those of the pretrained one. ``score`` is the accuracy on the labeled rows: rows marked
    ``-1`` are left out, so ``GridSearchCV`` and ``cross_val_score`` can split a ``y`` that
    holds them; labels the classifier never saw in ``fit`` are refused rather than silently
    counted as errors. That holds for ``scoring=None`` only: a string scorer such as
    ``scoring='accuracy'`` compares every row's prediction with its label, so it counts
    the ``-1`` rows as errors; give instead a scorer made with ``make_scorer`` of a
    metric that drops the rows whose label is ``-1``.

    ``-1`` is never a class: a ``y`` whose ``-1`` is a class (a -1/0/1 scale) must be
    recoded first, e.g. with ``LabelEncoder``. ``fit`` warns when the ``-1`` rows are
    fewer than the labeled ones, which unlabeled rows seldom are.

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
        lr="auto",
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
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self._set_extra_params(kwargs)

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
                            input_name="y", estimator=self)
            check_consistent_length(X, y)
            labeled = ~unlabeled_mask(y)
            if not warm:
                classes = first_classes(y, labeled, classes, partial, type(self).__name__)
            else:
                classes = self.classes_
                check_known(y[labeled], classes, "in fit")
            try:
                autoencoder = self.autoencoder_ if warm else pretrain(self, X)
            except (TypeError, ValueError) as exc:  # name the estimator the user called
                raise (TypeError if isinstance(exc, TypeError) else ValueError)(
                    f"{type(self).__name__} could not pretrain its autoencoder: {exc}") from exc
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
                codes = spreading_codes(self, autoencoder, X_in, y, labeled)
                targets = with_pseudo_labels(codes, targets, len(classes),
                                             self.pseudo_label_weight)
            params = self.get_params(deep=False)
            training = plan_training(params, len(y) if semi else int(labeled.sum()),
                                     X.shape[1],
                                     semi_supervised=semi, incremental=partial)
            net = train(
                params, SemiSupervisedNet,
                lambda: assemble_classifier(autoencoder, len(classes), params, semi),
                *((X, targets) if semi else (X[labeled], targets[labeled])), plan=training,
                epochs=(1 if labeled.any() else 0) if partial else None,
                previous=self.net_ if warm else None, criterion=nn.CrossEntropyLoss,
                estimator=type(self).__name__,
                **(dict(iterator_train=SemiSupervisedBatches,
                        reconstruction_loss=autoencoder.loss,
                        reconstruction_weight=self.reconstruction_weight,
                        consistency_weight=self.consistency_weight) if semi else {}))
            return self._store(dict(
                autoencoder_=autoencoder, classes_=classes, layout_=layout,
                plan_=Plan(None, training), batch_size_=training.batch_size, lr_=training.lr,
                max_epochs_=training.max_epochs, early_stopping_=training.early_stopping,
                **fitted_training(net)))

    def _semi_supervised(self):
        """Whether fine-tuning reads every row (reconstruction, consistency or
        pseudo-label terms)."""
        return bool(self.reconstruction_weight or self.consistency_weight
                    or self.pseudo_label_weight)

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
        return super().score(*labeled_part(X, y, sample_weight, self.classes_,
                                                  type(self).__name__))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

