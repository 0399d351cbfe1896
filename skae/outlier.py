"""``AutoencoderOutlierDetector``: an autoencoder's score as a scikit-learn outlier detector.

The detector meets the autoencoder it wraps through public API only (``clone``,
``set_params``, ``fit``, ``score_samples``, ``reconstruct`` and fitted attributes), so any
skae autoencoder, or an estimator of your own with those methods, can sit inside it.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_features, check_is_fitted

from ._data import TensorSplit
from .autoencoder import AutoencoderTransformer

# 'auto' flags scores below Q1 - WHISKER * IQR of the held-out rows' scores: Tukey's fence
# for "far out" values. The inner fence (1.5) flags too many new normal rows of a network
# that fits its training rows closely (benchmarks/bench_outliers.py).
WHISKER = 3.0


def default_n_components(n_features):
    """The default autoencoder's code size: a quarter of the features, 1 to 16."""
    return int(np.clip(n_features // 4, 1, 16))


def held_out_scores(autoencoder, scores):
    """The scores of the rows ``autoencoder`` held out for early stopping (it did not train
    on them), picked from ``scores``, one per training row; all of ``scores`` when it held
    none out or was fitted elsewhere (a ``FrozenEstimator``)."""
    if isinstance(autoencoder, FrozenEstimator):
        return scores
    split = getattr(getattr(autoencoder, "net_", None), "train_split", None)
    if not isinstance(split, TensorSplit) or split.stratify:
        return scores
    return scores[split.held_out(len(scores))]


class AutoencoderOutlierDetector(OutlierMixin, BaseEstimator):
    """Outlier detection with an autoencoder: rows it reconstructs badly are anomalies.

    The autoencoder is trained on (mostly) normal rows; a row's anomaly score is its
    ``score_samples``, minus its mean squared reconstruction error for the plain and
    denoising autoencoders (a log-likelihood bound for a variational one). The detector
    follows scikit-learn's outlier-detector contract, as
    :class:`~sklearn.ensemble.IsolationForest` does: ``score_samples`` is higher for normal
    rows, ``decision_function`` is ``score_samples - offset_`` (negative for outliers) and
    ``predict`` returns +1 for inliers and -1 for outliers. :meth:`feature_errors` tells
    which features made a row anomalous.

    Parameters
    ----------
    autoencoder : estimator, default=None
        The autoencoder to train: any skae autoencoder (e.g. an
        :class:`AutoencoderTransformer` or a :class:`DenoisingAutoencoder` with the body and
        training parameters of your choice), or any estimator with ``fit``,
        ``score_samples`` and ``reconstruct``. It is cloned before fitting; a
        ``FrozenEstimator`` around a fitted one is used as it is. None trains an
        ``AutoencoderTransformer`` with its default parameters and a code of a quarter of
        the features (at least 1, at most 16).
    contamination : 'auto' or float, default='auto'
        The expected share of outliers among the training rows, which sets ``offset_``.
        A float in (0, 0.5] puts the threshold at that quantile of the training scores, as
        in ``IsolationForest``. 'auto' uses Tukey's outer fence: rows scoring below
        ``Q1 - 3 * IQR`` (far out on a box plot) are outliers, whatever the units of the
        score. The quartiles are those of the rows the autoencoder held out for early
        stopping, which it did not train on and so scores as it will score new normal
        rows; of all the training rows when it held none out.
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder's training when its own ``random_state`` is None (a seed is
        drawn from this one for its clone; the parameter itself is left as it is). Pass an
        int for reproducible results.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.
    offset_ : float
        The threshold on ``score_samples``: ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of features seen during ``fit`` (the autoencoder's).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during ``fit``, when they all are strings.

    See Also
    --------
    AutoencoderTransformer : The default autoencoder.
    sklearn.ensemble.IsolationForest : Isolates outliers with random trees.
    sklearn.neighbors.LocalOutlierFactor : Local density, with ``novelty=True`` for new rows.
    sklearn.svm.OneClassSVM : A boundary around the normal rows.

    Notes
    -----
    Scale the input first (``StandardScaler`` or ``MinMaxScaler``), in a Pipeline: the
    reconstruction error weighs every feature in its own units. An autoencoder
    reconstructs the rows it was trained on better than new ones, so a float contamination
    flags a larger share of new normal rows than of training rows; 'auto' sets its fence
    on held-out rows for that reason.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skae import AutoencoderOutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)) @ rng.normal(size=(2, 8))  # a plane in 8-D
    >>> detector = make_pipeline(StandardScaler(), AutoencoderOutlierDetector(
    ...     contamination=0.02, random_state=0)).fit(X)
    >>> off_plane = X[:3] + 3 * rng.normal(size=(3, 8))
    >>> detector.predict(np.vstack([X[:3], off_plane]))
    array([ 1,  1,  1, -1, -1, -1])
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "score_samples", "reconstruct"]), None],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "random_state": ["random_state"],
    }

    def __init__(self, autoencoder=None, *, contamination="auto", random_state=None):
        self.autoencoder = autoencoder
        self.contamination = contamination
        self.random_state = random_state

    def _new_autoencoder(self, X):
        """An unfitted clone of ``autoencoder`` (or the default) seeded from random_state."""
        if self.autoencoder is None:
            try:
                n_features = _num_features(X)
            except TypeError:
                n_features = 1  # not a table: the autoencoder's validation says why
            autoencoder = AutoencoderTransformer(default_n_components(n_features))
        elif isinstance(self.autoencoder, type):
            name = self.autoencoder.__name__
            raise TypeError(f"autoencoder must be an estimator, e.g. {name}(), not the "
                            f"class {name}.")
        else:
            autoencoder = clone(self.autoencoder)
        params = autoencoder.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            autoencoder.set_params(random_state=int(seed))
        return autoencoder

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Train the autoencoder on ``X`` and set the threshold from its scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, mostly normal; in any form the autoencoder takes (e.g. images).
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : AutoencoderOutlierDetector
            The fitted detector.
        """
        autoencoder = self._new_autoencoder(X).fit(X, y)
        scores = np.asarray(autoencoder.score_samples(X), dtype=np.float64)
        if not np.isfinite(scores).all():
            # A nan threshold would flag no row at all, silently.
            raise ValueError(
                f"{type(self).__name__}: the fitted {type(autoencoder).__name__} scores "
                f"{np.sum(~np.isfinite(scores))} of the {len(scores)} training rows as "
                "nan or infinite, so no threshold can be set. Its training diverged, or X "
                "holds values too large for float32: scale X, or lower the autoencoder's lr.")
        if self.contamination == "auto":
            q1, q3 = np.percentile(held_out_scores(autoencoder, scores), [25, 75])
            offset = q1 - WHISKER * (q3 - q1)
        else:
            offset = np.percentile(scores, 100.0 * self.contamination)
        self.autoencoder_ = autoencoder
        self.offset_ = float(offset)
        self.n_features_in_ = autoencoder.n_features_in_
        vars(self).pop("feature_names_in_", None)  # a previous fit's
        if hasattr(autoencoder, "feature_names_in_"):
            self.feature_names_in_ = autoencoder.feature_names_in_
        return self

    def score_samples(self, X):
        """The autoencoder's score of every row: the lower, the more abnormal.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``autoencoder_.score_samples(X)``: minus the mean squared reconstruction error
            of every row for the plain and denoising autoencoders.
        """
        check_is_fitted(self)
        return np.asarray(self.autoencoder_.score_samples(X), dtype=np.float64)

    def decision_function(self, X):
        """Shifted scores: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Whether every row is an inlier (+1) or an outlier (-1).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, -1 elsewhere.
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def feature_errors(self, X):
        """The squared reconstruction error of every feature of every row.

        The columns with the largest errors are those the autoencoder found least like
        the normal rows: they explain why a row scores low. For the plain and denoising
        autoencoders, each row's mean is minus its ``score_samples``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the features seen in ``fit``.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            ``(X - autoencoder_.reconstruct(X)) ** 2``, in the layout ``fit`` received
            (e.g. ``(n_samples, channels, height, width)`` for 4-D images). An ndarray
            whatever ``X`` is, as ``predict`` returns: wrap it in a DataFrame with
            ``columns=feature_names_in_`` to see the columns by name.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import AutoencoderOutlierDetector
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 6))
        >>> detector = AutoencoderOutlierDetector(random_state=0).fit(X)
        >>> row = X[:1].copy()
        >>> row[0, 4] += 5  # feature 4 goes wrong
        >>> int(np.argmax(detector.feature_errors(row)[0]))
        4
        """
        check_is_fitted(self)
        reconstruction = self.autoencoder_.reconstruct(X)
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float32)
        X = X.astype(np.float32, copy=False).reshape(reconstruction.shape)
        return (X - reconstruction) ** 2

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        autoencoder = self.autoencoder if self.autoencoder is not None else (
            AutoencoderTransformer())
        if hasattr(autoencoder, "__sklearn_tags__"):
            inner = get_tags(autoencoder)
            tags.input_tags.sparse = inner.input_tags.sparse
            tags.input_tags.allow_nan = inner.input_tags.allow_nan
            tags.non_deterministic = inner.non_deterministic
        return tags
