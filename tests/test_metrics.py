import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import neg_reconstruction_error, reconstruction_error


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(60, 2))
    return latent @ rng.normal(size=(2, 6)) + 0.3 * rng.normal(size=(60, 6))


@pytest.mark.parametrize("n_components", [1, 2, 4])
def test_reconstruction_error_matches_manual_pca(n_components, X):
    pca = PCA(n_components=n_components).fit(X)
    codes = (X - pca.mean_) @ pca.components_.T
    manual = np.mean((codes @ pca.components_ + pca.mean_ - X) ** 2)
    error = reconstruction_error(pca, X)
    assert isinstance(error, float)
    assert error == pytest.approx(manual, rel=1e-10)


def test_reconstruction_error_zero_for_full_rank_pca(X):
    assert reconstruction_error(PCA().fit(X), X) == pytest.approx(0.0, abs=1e-20)


def test_reconstruction_error_accepts_lists_and_pipelines(X):
    model = make_pipeline(StandardScaler(), PCA(n_components=2)).fit(X)
    manual = np.mean((model.inverse_transform(model.transform(X)) - X) ** 2)
    assert reconstruction_error(model, X.tolist()) == pytest.approx(manual)


def test_reconstruction_error_requires_fitted_transformer(X):
    with pytest.raises(NotFittedError, match="PCA instance is not fitted yet"):
        reconstruction_error(PCA(), X)


def test_neg_reconstruction_error_is_negative(X):
    pca = PCA(n_components=2).fit(X)
    assert neg_reconstruction_error(pca, X) == -reconstruction_error(pca, X)
    assert neg_reconstruction_error(pca, X, y=np.zeros(len(X))) < 0


def test_neg_reconstruction_error_as_cross_val_scoring(X):
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(PCA(n_components=2), X, cv=cv, scoring=neg_reconstruction_error)
    expected = [
        -reconstruction_error(PCA(n_components=2).fit(X[train]), X[test])
        for train, test in cv.split(X)
    ]
    np.testing.assert_allclose(scores, expected)
    assert (scores < 0).all()


def test_neg_reconstruction_error_ranks_more_components_higher(X):
    cv = KFold(3, shuffle=True, random_state=0)
    means = [
        cross_val_score(PCA(n_components=k), X, cv=cv, scoring=neg_reconstruction_error).mean()
        for k in (1, 2, 3)
    ]
    assert means[0] < means[1] < means[2]
