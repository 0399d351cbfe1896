"""Reconstruction metrics that rank any transformer with an ``inverse_transform``.

``PCA.score`` is a log-likelihood in nats per sample; the deterministic autoencoders'
``score`` is minus a mean squared error. A grid over both ranks them by
:func:`neg_reconstruction_error`, which measures every model the same way.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array


class ScoreScaleWarning(UserWarning):
    """An estimator's ``score`` is on a scale that other estimators' scores are not.

    The plain and denoising autoencoders warn with it from ``score`` (minus a mean squared
    error), which ``GridSearchCV`` with default scoring would rank against ``PCA.score``
    (a log-likelihood). Pass ``scoring=neg_reconstruction_error`` instead.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer
    >>> from skae.metrics import ScoreScaleWarning
    >>> X = load_iris().data
    >>> ae = AutoencoderTransformer(2, max_epochs=2, random_state=0).fit(X)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = ae.score(X)
    >>> caught[0].category is ScoreScaleWarning
    True
    """


def reconstruction_error(estimator, X):
    """Mean squared error between ``X`` and ``inverse_transform(transform(X))``.

    Works for any fitted transformer with an ``inverse_transform`` (``PCA``, skae's
    autoencoders, pipelines of such steps), so different methods are compared on one scale.

    Parameters
    ----------
    estimator : fitted transformer
        Must implement ``transform`` and ``inverse_transform``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or (n_samples, ...)
        Data in the estimator's input space (images and sequences in the shape the
        estimator takes them).

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
    X_rec = np.asarray(estimator.inverse_transform(estimator.transform(X)), dtype=np.float64)
    # Images and sequences come back in the shape they went in; compare them as flat rows.
    X = check_array(X, dtype=np.float64, accept_sparse="csr", allow_nd=True)
    X = X.toarray() if sp.issparse(X) else X
    return float(np.mean((X_rec.reshape(len(X_rec), -1) - X.reshape(len(X), -1)) ** 2))


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
