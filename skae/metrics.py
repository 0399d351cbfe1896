"""Reconstruction metrics that rank any transformer with an ``inverse_transform``."""

import numpy as np
from sklearn.utils.validation import check_array


def reconstruction_error(estimator, X):
    """Mean squared error between ``X`` and ``inverse_transform(transform(X))``.

    Works for any fitted transformer with an ``inverse_transform`` (``PCA``, skae's
    autoencoders, pipelines of such steps), so different methods are compared on one scale.

    Parameters
    ----------
    estimator : fitted transformer
        Must implement ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Data in the estimator's input space.

    Returns
    -------
    error : float
        Mean over samples and features of the squared reconstruction error.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.decomposition import PCA
    >>> from skae import reconstruction_error
    >>> X, _ = load_iris(return_X_y=True)
    >>> round(reconstruction_error(PCA(n_components=2).fit(X), X), 4)
    0.0253
    """
    X_rec = estimator.inverse_transform(estimator.transform(X))
    X = check_array(X, dtype=np.float64)
    return float(np.mean((np.asarray(X_rec, dtype=np.float64) - X) ** 2))


def neg_reconstruction_error(estimator, X, y=None):
    """Scorer: minus :func:`reconstruction_error`, so that higher is better.

    Pass it as ``scoring=`` to ``GridSearchCV`` or ``cross_val_score`` to rank PCA and
    autoencoders in one grid, without labels.

    Parameters
    ----------
    estimator : fitted transformer
        Must implement ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_samples, n_features)
        Data in the estimator's input space.
    y : None
        Ignored.

    Returns
    -------
    score : float
        Minus the mean squared reconstruction error.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skae import neg_reconstruction_error
    >>> X, _ = load_iris(return_X_y=True)
    >>> grid = GridSearchCV(PCA(), {"n_components": [1, 2, 3]},
    ...                     scoring=neg_reconstruction_error).fit(X)
    >>> grid.best_params_
    {'n_components': 3}
    """
    return -reconstruction_error(estimator, X)
