"""Sparse input: rows stay sparse in memory and are densified a batch at a time."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skae import AutoencoderTransformer, DenoisingAutoencoder, PretrainedAEClassifier
from skae._data import BatchIterator, TensorSplit, as_dataset
from skae._rows import SparseRows

from .conftest import FAST, FAST_CLASSIFIER


def _sparse_digits(digits01):
    X, y = digits01
    return sp.csr_matrix(X), X, y


def test_sparse_rows_densify_batches_on_the_device():
    X = sp.random(50, 7, density=0.2, format="csr", random_state=0, dtype=np.float32)
    dataset = as_dataset(X, np.arange(50))
    assert isinstance(dataset.X, SparseRows)
    rows = torch.tensor([3, 0, 49])
    np.testing.assert_array_equal(dataset.X[rows].numpy(), X[[3, 0, 49]].toarray())
    np.testing.assert_array_equal(dataset.X[10:20].numpy(), X[10:20].toarray())
    batches = list(BatchIterator(dataset, batch_size=16, shuffle=True))
    assert sorted(np.concatenate([b[1].numpy() for b in batches])) == list(range(50))
    train, valid = TensorSplit(0.2, seed=0)(dataset)
    assert isinstance(train.X, SparseRows) and isinstance(valid.X, SparseRows)
    assert len(train) + len(valid) == 50


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, DenoisingAutoencoder])
def test_autoencoders_take_sparse_input_as_its_dense_twin(Estimator, digits01):
    X_sparse, X, _ = _sparse_digits(digits01)
    model = Estimator(4, **FAST).fit(X_sparse)
    # Once fitted, sparse and dense copies of the same rows give the same results.
    np.testing.assert_allclose(model.transform(X_sparse), model.transform(X), atol=1e-6)
    np.testing.assert_allclose(model.score_samples(X_sparse), model.score_samples(X),
                               rtol=1e-5)
    assert model.reconstruct(sp.csc_matrix(X)).shape == X.shape
    # It learnt: better than rebuilding every row as the mean row.
    assert -model.score(X_sparse) < np.mean((X - X.mean(axis=0)) ** 2)


def test_sparse_fit_starts_at_sparse_pca(digits01):
    X_sparse, X, _ = _sparse_digits(digits01)
    ae = AutoencoderTransformer(5, tol=1e6, early_stopping=True, random_state=0).fit(X_sparse)
    dense = AutoencoderTransformer(5, tol=1e6, early_stopping=True, random_state=0).fit(X)
    # Both keep their PCA start (ARPACK on the sparse rows, the full SVD on dense ones).
    np.testing.assert_allclose(ae.reconstruct(X), dense.reconstruct(X), atol=2e-3)


def test_classifier_takes_sparse_input(digits01):
    X_sparse, X, y = _sparse_digits(digits01)
    y_few = np.where(np.arange(len(y)) < 300, y, -1)
    clf = PretrainedAEClassifier(AutoencoderTransformer(16, **FAST), **FAST_CLASSIFIER)
    clf.fit(X_sparse, y_few)
    np.testing.assert_allclose(clf.predict_proba(X_sparse), clf.predict_proba(X), atol=1e-6)
    assert clf.score(X_sparse[300:], y[300:]) > 0.5
    assert clf.score(X_sparse, y_few) == clf.score(X[:300], y[:300])


def test_one_hot_pipeline_stays_sparse():
    rng = np.random.default_rng(0)
    categories = rng.integers(0, 30, size=(400, 3)).astype(str)
    y = (categories[:, 0].astype(int) % 2)
    pipe = make_pipeline(OneHotEncoder(), AutoencoderTransformer(4, **FAST),
                         LogisticRegression())
    pipe.fit(categories, y)
    assert pipe.score(categories, y) > 0.5


def test_memory_grows_with_non_zeros_not_rows_times_columns():
    # Dense, X would take 4 GB; a fit that densified it would exceed the bound.
    script = textwrap.dedent("""
        import resource, numpy as np, scipy.sparse as sp
        from skae import AutoencoderTransformer
        n, d = 1000, 1_000_000
        rng = np.random.default_rng(0)
        X = sp.csr_matrix((rng.random(5 * n, dtype=np.float32),
                           rng.integers(0, d, 5 * n), np.arange(0, 5 * n + 1, 5)), (n, d))
        ae = AutoencoderTransformer(2, hidden_layer_sizes=(4,), max_epochs=1,
                                    early_stopping=False, random_state=0).fit(X)
        assert ae.transform(X[:10]).shape == (10, 2)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    peak_gib = int(out.stdout.split()[-1]) / 2**20
    assert peak_gib < 2.0, f"peak RSS {peak_gib:.2f} GiB"


def _with_duplicates(X):
    """``X`` as a CSR matrix whose every non-zero is stored as two entries summing to it,
    the second in front of the first (duplicates and unsorted indices)."""
    coo = sp.coo_matrix(X)
    rows = np.concatenate([coo.row, coo.row])
    columns = np.concatenate([coo.col, coo.col])
    data = np.concatenate([0.25 * coo.data, 0.75 * coo.data])
    order = np.lexsort((-np.arange(len(rows)), rows))  # row by row, duplicate pairs reversed
    counts = np.bincount(rows, minlength=X.shape[0])
    return sp.csr_matrix((data[order], columns[order], np.r_[0, np.cumsum(counts)]),
                         shape=X.shape)


def test_duplicate_entries_sum_as_scipy_defines():
    X = sp.random(20, 6, density=0.4, format="csr", random_state=0, dtype=np.float32)
    duplicated = _with_duplicates(X.toarray())
    assert duplicated.nnz == 2 * X.nnz and not duplicated.has_canonical_format
    np.testing.assert_allclose(SparseRows(duplicated)[:].numpy(), X.toarray(), rtol=1e-6)
    np.testing.assert_allclose(SparseRows(duplicated)[torch.tensor([5, 1])].numpy(),
                               X[[5, 1]].toarray(), rtol=1e-6)
    # The user's matrix keeps its entries as they were.
    assert duplicated.nnz == 2 * X.nnz and not duplicated.has_canonical_format


def test_autoencoders_read_duplicate_entries_as_their_sum(digits01):
    _, X, _ = _sparse_digits(digits01)
    X = X[:300]
    model = AutoencoderTransformer(4, **FAST).fit(_with_duplicates(X))
    twin = AutoencoderTransformer(4, **FAST).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(model.transform(_with_duplicates(X)), model.transform(X),
                               atol=1e-5)
    # Fitted on the duplicates, the model is the one fitted on their sums (up to the
    # rounding of the sums and ARPACK's start).
    np.testing.assert_allclose(model.transform(X), twin.transform(X), atol=1e-2)


@pytest.mark.parametrize("rows", [np.zeros((30, 5)), np.tile([0.1, 0, 0.7, 0, 3], (30, 1))],
                         ids=["all zero", "all alike"])
def test_sparse_rows_without_variance_start_at_zero_components(rows):
    X = sp.csr_matrix(rows.astype(np.float32))
    ae = AutoencoderTransformer(2, **FAST).fit(X)
    assert ae.linear_path_
    codes = ae.transform(X)
    assert np.isfinite(codes).all()
    np.testing.assert_array_equal(codes, np.broadcast_to(codes[0], codes.shape))
