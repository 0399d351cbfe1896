"""Pieces the autoencoders build from: 'auto' layer sizes, the PCA start, code modules.

Functions without estimator state, shared by :mod:`skae._base` and :mod:`skae.classifier`.
"""

import itertools
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state

from .modules import TopK

# Above this many values, pca_start makes no float64 copy of X (it would be 128 MiB).
PCA_START_VALUES = 2**24
# dropout='auto' of the dense bodies: this dropout for networks with more weights than
# DROPOUT_WEIGHTS_PER_ROW times their training rows, none otherwise (auto_dense_dropout).
AUTO_DENSE_DROPOUT = 0.05
DROPOUT_WEIGHTS_PER_ROW = 16


def positive_ints(name, value):
    """``value`` (an int or a sequence of ints) as a tuple of positive ints, or a ValueError."""
    sizes = (value,) if isinstance(value, Integral) else tuple(value)
    if any(not isinstance(s, Integral) or isinstance(s, bool) or s < 1 for s in sizes):
        raise ValueError(f"{name} must hold positive integers, got {value!r}.")
    return sizes


def auto_hidden_layer_sizes(n_features, n_components):
    """``hidden_layer_sizes='auto'``: the first layer is the power of two at or above
    ``n_features`` (within 32 to 512). A code of at most a 16th of the features gets a
    second layer, half as wide but at least twice ``n_components`` (and no wider than the
    first); a wider code, which compresses less, gets the first layer alone."""
    first = int(np.clip(2 ** np.ceil(np.log2(n_features)), 32, 512))
    if n_features < 16 * n_components:
        return (first,)
    return first, min(first, max(first // 2, 2 * n_components))


def auto_dense_dropout(n_samples, layer_sizes, tied_weights=False):
    """``dropout='auto'`` of the dense bodies: 0.05 for a network with more than 16
    weights per training row, which can memorise its rows, and none otherwise.

    ``layer_sizes`` are the encoder's widths, input to code; the decoder mirrors them (and
    shares the encoder's weights with ``tied_weights``). Dropout regularises: on mnist10k
    (110 to 135 weights per row) it reconstructs held-out rows 2 % to 11 % better. With
    fewer weights per row there is little to regularise: on scikit-learn's bundled sets
    (2 to 9) it is level overall, and on larger tabular data (under 4) it reconstructs
    1.4x to 1.6x worse (``benchmarks/bench_auto_dropout.py``).

    Examples
    --------
    >>> from skae._building import auto_dense_dropout
    >>> auto_dense_dropout(8_000, (784, 512, 256, 32)), auto_dense_dropout(20_000, (50, 64, 4))
    (0.05, 0.0)
    """
    weights = sum(a * b for a, b in itertools.pairwise(layer_sizes))
    weights *= 1 if tied_weights else 2
    return AUTO_DENSE_DROPOUT if weights > DROPOUT_WEIGHTS_PER_ROW * n_samples else 0.0


def pca_start(X, n_components, random_state):
    """PCA's ``components_`` (zero rows beyond the data's rank) and ``mean_`` for ``X``,
    as float32 tensors: where an autoencoder's linear paths start.

    With at most 1,000 features, PCA diagonalises its covariance
    (``svd_solver="covariance_eigh"``: exact, and no copy of ``X``). A dense ``X`` of more
    than ``PCA_START_VALUES`` values gets no float64 copy, which would double its memory:
    with more features, PCA runs on that many values' worth of rows drawn at random.
    """
    n_samples, n_features = X.shape
    components = np.zeros((n_components, n_features))
    n_kept = min(n_components, n_samples, n_features) if n_samples > 1 else 0
    # With few features, the exact covariance solver: sklearn's 'auto' would pick the
    # randomized one for a few components, off PCA's solution by 1e-5 and seed-dependent.
    solver = "covariance_eigh" if n_features <= 1000 else "auto"
    if sp.issparse(X) and n_kept == min(X.shape):
        X = X.toarray()  # ARPACK needs fewer components than both sides: a small X
    if sp.issparse(X):
        solver = "arpack"  # it centres implicitly: the data stay sparse
    elif X.size <= PCA_START_VALUES:
        X = np.asarray(X, dtype=np.float64)
    elif n_features > 1000:
        rows = check_random_state(random_state).choice(
            n_samples, max(PCA_START_VALUES // n_features, n_kept), replace=False)
        X = np.asarray(X[np.sort(rows)], dtype=np.float64)
    mean = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
    if n_kept:
        pca = PCA(n_kept, svd_solver=solver, random_state=random_state)
        components[:n_kept] = pca.fit(X).components_
    return (torch.as_tensor(components, dtype=torch.float32),
            torch.as_tensor(mean, dtype=torch.float32))


def code_transform(sparsity, sparsity_target, n_components):
    """The module applied to codes: :class:`TopK` for ``sparsity='topk'``, else None."""
    if sparsity != "topk":
        return None
    return TopK(max(1, round(sparsity_target * n_components)))


@contextmanager
def evaluating(module, training=False):
    """Run a block with ``module`` in evaluation (or ``training``) mode, then restore the
    mode every submodule had."""
    modes = [(m, m.training) for m in module.modules()]
    module.train(training)
    try:
        yield module
    finally:
        for m, training in modes:
            m.training = training
