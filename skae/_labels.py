"""Labels of semi-supervised classification: ``-1`` marks unlabeled rows."""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d


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


def first_classes(y, labeled, classes, partial, estimator):
    """The classes of a first fit: those of ``classes`` or of the labeled rows."""
    if partial and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if partial:
        classes = np.unique(column_or_1d(classes))
        classes = classes[~unlabeled_mask(classes)]
        check_known(y[labeled], classes, "in classes")
    elif not labeled.any():
        raise ValueError(
            f"All {len(y)} labels are -1 (unlabeled), but fine-tuning needs labeled "
            "rows; label some rows, or use the autoencoder alone for unsupervised codes."
        )
    else:
        check_classification_targets(y[labeled])
        classes = np.unique(y[labeled])
    if len(classes) < 2:
        raise ValueError(
            f"{estimator} needs labeled rows of at least two classes, but y "
            f"has one class: {classes.tolist()[0]!r}.")
    return classes
