"""Labels of semi-supervised classification: ``-1`` marks unlabeled rows."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.semi_supervised import LabelSpreading
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d


def unlabeled_mask(y):
    """Rows of ``y`` marked unlabeled: ``-1``, as in ``sklearn.semi_supervised``.

    For string labels (which cannot hold the integer -1 in a numpy string array), the
    string ``"-1"`` counts as unlabeled too.
    """
    if y.dtype.kind in "biuf":
        return y == -1
    return np.fromiter((label == -1 or label == "-1" for label in y), bool, count=len(y))


def check_known(labels, classes, where):
    """Raise a ValueError naming the labels that ``classes`` does not hold."""
    unseen = set(labels.tolist()) - set(classes.tolist())
    if unseen:
        raise ValueError(
            f"y holds labels the classifier never saw {where}: {sorted(unseen, key=str)}; "
            f"its classes are {classes.tolist()}. Drop those rows (unlabeled rows are -1) "
            "or refit with examples of those classes."
        )


# How to keep -1 as a class, for the messages that say -1 marks unlabeled rows.
RELABEL = ("If -1 is a class (e.g. of a -1/0/1 scale), recode y first, e.g. with "
           "sklearn.preprocessing.LabelEncoder, and mark unlabeled rows -1 after.")


def labeled_part(X, y, sample_weight, classes, estimator):
    """``(X, y, sample_weight)`` of the rows to score: those of ``y`` not marked ``-1``,
    whose labels must be among ``classes``."""
    y = column_or_1d(y)
    check_consistent_length(X, y)
    labeled = ~unlabeled_mask(y)
    if len(y) and not labeled.any():  # no rows at all: the estimator's validation says so
        raise ValueError(f"{estimator}.score: every row of y is -1 (unlabeled), so there "
                         "is nothing to score. Score on rows with labels.")
    check_known(y[labeled], classes, "in fit")
    if labeled.all():
        return X, y, sample_weight
    return (_safe_indexing(X, labeled), y[labeled],
            None if sample_weight is None else np.asarray(sample_weight)[labeled])


def first_classes(y, labeled, classes, partial, estimator):
    """The classes of a first fit: those of ``classes`` or of the labeled rows.

    ``-1`` marks unlabeled rows, as in ``sklearn.semi_supervised``, so it is never a
    class: ``classes`` holding it is an error, and so is a ``y`` left with a single class
    once its ``-1`` rows are set aside. A ``y`` whose ``-1`` rows are fewer than its
    labeled rows gets a warning: unlabeled rows are the many in semi-supervised data, and
    so few of them are rather a class ``-1`` that would silently vanish from ``classes_``.
    """
    if partial and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if partial:
        classes = np.unique(column_or_1d(classes))
        if unlabeled_mask(classes).any():
            raise ValueError(
                f"{estimator}: classes holds -1, which marks unlabeled rows (as in "
                f"sklearn.semi_supervised) and is never a class. {RELABEL}")
        check_known(y[labeled], classes, "in classes")
    elif not labeled.any():
        raise ValueError(
            f"All {len(y)} labels are -1 (unlabeled), but fine-tuning needs labeled "
            "rows; label some rows, or use the autoencoder alone for unsupervised codes."
        )
    else:
        check_classification_targets(y[labeled])
        classes = np.unique(y[labeled])
    n_unlabeled = len(y) - int(labeled.sum())
    if len(classes) < 2:
        aside = (f" once its {n_unlabeled} rows of -1 (unlabeled, as in "
                 f"sklearn.semi_supervised) are set aside. {RELABEL}" if n_unlabeled else ".")
        raise ValueError(
            f"{estimator} needs labeled rows of at least two classes, but y "
            f"has one class: {classes.tolist()[0]!r}{aside}")
    if not partial and 0 < n_unlabeled < len(y) - n_unlabeled:
        warnings.warn(
            f"{estimator}: {n_unlabeled} of the {len(y)} rows of y are -1, which marks "
            "unlabeled rows (as in sklearn.semi_supervised), and they are fewer than the "
            f"labeled ones: is -1 a class? classes_ is {classes.tolist()}, without it. "
            f"{RELABEL} If they are unlabeled rows, ignore this warning.",
            UserWarning, stacklevel=4)
    return classes


def unit_rows(X):
    """``X`` with every non-zero row scaled to unit L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1)


def propagated_labels(codes, targets, n_classes, n_neighbors=10, alpha=0.2):
    """Pseudo-labels of every row by label spreading over a kNN graph of ``codes``.

    The codes are L2-normalised first (neighbours by cosine similarity), as in Iscen et
    al., "Label Propagation for Deep Semi-supervised Learning" (CVPR 2019), which this
    follows with scikit-learn's :class:`~sklearn.semi_supervised.LabelSpreading`. A row's
    label distribution is then the mean of its neighbours' spread distributions: the
    rule ``LabelSpreading`` predicts new rows with, one more averaging over the graph. On
    mnist10k with 100 labels it labels 89 % of the unlabeled rows right, against 85 % for
    the spread distributions themselves (``benchmarks/bench_spreading_codes.py``).

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)
    targets : ndarray of shape (n_samples,)
        Class indices in ``range(n_classes)``, ``-1`` for unlabeled rows.
    n_classes : int
    n_neighbors, alpha : int and float
        Of the kNN graph and of the spreading (the weight of the neighbours' labels).

    Returns
    -------
    classes : ndarray of shape (n_samples,)
        The most probable class of every row.
    certainty : ndarray of shape (n_samples,)
        ``1 - entropy / log(n_classes)`` of every row's label distribution, in [0, 1].
    """
    codes = unit_rows(codes)
    n_neighbors = min(n_neighbors, len(codes) - 1)
    spreading = LabelSpreading(kernel="knn", n_neighbors=n_neighbors, alpha=alpha, max_iter=100)
    # A class absent from the labeled rows (partial_fit's classes) gets no column.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        spreading.fit(codes, targets)
    distribution = np.zeros((len(codes), n_classes))
    # Rows whose neighbours the spreading never reached get 0 / 0: uniform, below.
    with np.errstate(divide="ignore", invalid="ignore"):
        probabilities = spreading.predict_proba(codes)
    distribution[:, spreading.classes_[spreading.classes_ >= 0]] = probabilities
    distribution = np.nan_to_num(distribution)
    total = distribution.sum(axis=1, keepdims=True)
    distribution = np.where(total > 0, distribution / np.where(total > 0, total, 1),
                            1 / n_classes)
    entropy = -(distribution * np.log(np.clip(distribution, 1e-12, 1))).sum(axis=1)
    return distribution.argmax(axis=1), 1 - entropy / np.log(n_classes)
