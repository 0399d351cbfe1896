"""VariationalAutoencoder: codes, samples, the log-likelihood bound and its units."""

import pickle

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from skae import VariationalAutoencoder

from .conftest import FAST


@pytest.fixture(scope="module")
def fitted(request):
    """A small VAE on the [0, 1] digits (fitted once for the tests that only read it)."""
    X = request.getfixturevalue("digits01")[0][:500]
    return VariationalAutoencoder(4, hidden_layer_sizes=(32,), max_epochs=20, batch_size=64,
                                  random_state=0).fit(X), X


def test_fitted_attributes_and_shapes(fitted):
    vae, X = fitted
    assert vae.n_features_in_ == 64 and vae.n_iter_ == len(vae.loss_curve_) > 0
    # The encoder returns the posterior's means and log-variances side by side.
    assert vae.encoder_(torch.as_tensor(X[:3])).shape == (3, 8)
    np.testing.assert_allclose(vae.transform(X[:3]), vae.encoder_(torch.as_tensor(
        X[:3])).detach().numpy()[:, :4], rtol=1e-5, atol=1e-6)
    assert vae.transform(X).dtype == np.float32
    assert vae.inverse_transform(vae.transform(X[:5])).shape == (5, 64)
    assert vae.reconstruct(X[:5]).shape == (5, 64)
    assert vae.noise_variance_.shape == (64,) and np.all(vae.noise_variance_ > 0)
    assert list(vae.get_feature_names_out()) == [f"variationalautoencoder{i}" for i in range(4)]


def test_sample_shape_and_reproducibility(fitted):
    vae, _ = fitted
    X1, codes1 = vae.sample(7, random_state=0)
    X2, codes2 = vae.sample(7, random_state=0)
    X3, _ = vae.sample(7, random_state=1)
    assert X1.shape == (7, 64) and codes1.shape == (7, 4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(codes1, codes2)
    assert not np.allclose(X1, X3)
    # The samples scatter around the decoded means by the learned noise.
    residuals = X1 - vae.inverse_transform(codes1)
    assert 0 < residuals.std() < 1


def test_score_samples_rank_training_like_rows_above_noise(fitted):
    vae, X = fitted
    noise = np.random.default_rng(0).random(X.shape).astype(np.float32)
    scores, noise_scores = vae.score_samples(X), vae.score_samples(noise)
    assert scores.shape == (len(X),) and np.all(np.isfinite(scores))
    assert np.median(scores) > np.max(noise_scores)
    assert vae.score(X) == pytest.approx(scores.mean())
    # Deterministic, and each row's bound is that of the row alone.
    np.testing.assert_allclose(vae.score_samples(X[:10]), scores[:10], rtol=1e-6)


def test_importance_weighted_bound_is_tighter(fitted):
    vae, X = fitted
    elbo = vae.score(X)
    tighter = vae.set_params(n_importance_samples=20).score(X)
    vae.set_params(n_importance_samples=1)
    assert elbo < tighter


def test_score_is_a_log_likelihood_in_pca_units():
    # Data from probabilistic PCA's own model: a 2-D Gaussian code, a linear map to 10
    # features and isotropic noise, so the true log-likelihood is known. A linear VAE with
    # a shared variance is that model; its bound must sit just below PCA's exact score
    # (nats per sample, summed over features), not in other units.
    rng = np.random.default_rng(0)
    W, mean = rng.normal(size=(10, 2)) * 2, rng.normal(size=10)
    X = rng.normal(size=(800, 2)) @ W.T + mean + 0.5 * rng.normal(size=(800, 10))
    X_train, X_test = X[:600].astype(np.float32), X[600:].astype(np.float32)
    true = multivariate_normal(mean, W @ W.T + 0.25 * np.eye(10)).logpdf(X_test).mean()
    search = GridSearchCV(Pipeline([("model", PCA())]), [
        {"model": [PCA(2)]},
        {"model": [VariationalAutoencoder(2, hidden_layer_sizes=(), activation="identity",
                                          variance="shared", n_importance_samples=50,
                                          lr=2e-2, max_epochs=30, batch_size=64,
                                          early_stopping=False, random_state=0)]},
    ], cv=2, refit=False).fit(X_train)
    pca_cv, vae_cv = search.cv_results_["mean_test_score"]
    assert search.best_score_ == max(pca_cv, vae_cv)
    assert abs(vae_cv - pca_cv) < 1.0
    vae = search.cv_results_["params"][1]["model"].fit(X_train)
    pca_score = PCA(2).fit(X_train).score(X_test)
    assert pca_score - 1.0 < vae.score(X_test) < true + 0.5
    assert abs(pca_score - true) < 0.5


def test_beta_trades_reconstruction_for_codes_near_the_prior(digits01):
    X = digits01[0][:400]
    params = dict(hidden_layer_sizes=(32,), max_epochs=15, batch_size=64,
                  early_stopping=False, random_state=0)
    loose = VariationalAutoencoder(4, beta=0.1, **params).fit(X)
    tight = VariationalAutoencoder(4, beta=10.0, **params).fit(X)
    error = [np.mean((model.reconstruct(X) - X) ** 2) for model in (loose, tight)]
    spread = [np.mean(model.transform(X) ** 2) for model in (loose, tight)]
    assert error[1] > error[0]
    assert spread[1] < spread[0]


def test_bernoulli_likelihood_for_binary_data(digits01):
    X = (digits01[0][:300] > 0.5).astype(np.float32)
    vae = VariationalAutoencoder(2, loss="bce", **FAST).fit(X)
    assert vae.noise_variance_ is None
    samples, _ = vae.sample(20, random_state=0)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    scores = vae.score_samples(X)
    # A probability of 64 binary values: below 0, above 64 coin flips' worst case.
    assert np.all(scores < 0) and np.all(np.isfinite(scores))


def test_conv_body_keeps_the_image_layout(digits01):
    images = digits01[0][:200].reshape(-1, 1, 8, 8)
    vae = VariationalAutoencoder(3, encoder="conv", encoder__conv_channels=(4,), **FAST).fit(images)
    assert vae.transform(images).shape == (200, 3)
    samples, _ = vae.sample(5, random_state=0)
    assert samples.shape == (5, 1, 8, 8)
    assert vae.noise_variance_.shape == (1, 8, 8)
    assert np.all(np.isfinite(vae.score_samples(images)))


class MeanAndLogVarEncoder(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_features, n_components)

    def forward(self, X):
        return self.linear(X)


def test_own_encoder_gets_twice_the_code_width(blobs):
    X = blobs[0]
    vae = VariationalAutoencoder(2, encoder=MeanAndLogVarEncoder, decoder="dense",
                                 **FAST).fit(X)
    assert vae.encoder_.linear.out_features == 4
    assert vae.transform(X).shape == (200, 2)


def test_own_encoder_of_the_wrong_width_is_named(blobs):
    vae = VariationalAutoencoder(2, encoder=MeanAndLogVarEncoder,
                                 encoder__n_components=2, decoder="dense", **FAST)
    with pytest.raises(ValueError, match=r"must return 2 \* n_components = 4 values"):
        vae.fit(blobs[0])


def test_bad_parameters_raise_clear_errors(fitted, blobs):
    X = blobs[0]
    with pytest.raises(InvalidParameterError, match="'n_importance_samples' parameter"):
        VariationalAutoencoder(n_importance_samples=0, **FAST).fit(X)
    with pytest.raises(InvalidParameterError, match="'variance' parameter"):
        VariationalAutoencoder(variance="diagonal", **FAST).fit(X)
    with pytest.raises(InvalidParameterError, match="'beta' parameter"):
        VariationalAutoencoder(beta=-1, **FAST).fit(X)
    with pytest.raises(TypeError, match=r"VariationalAutoencoder got unexpected parameters "
                                        r"'sparsity'"):
        VariationalAutoencoder(sparsity="l1", **FAST).fit(X)
    with pytest.raises(ValueError, match="loss='bce' needs X in"):
        VariationalAutoencoder(loss="bce", **FAST).fit(X)
    vae, digits = fitted
    with pytest.raises(ValueError, match="n_samples >= 1"):
        vae.sample(0)
    vae.set_params(n_importance_samples=0)
    try:
        with pytest.raises(InvalidParameterError, match="'n_importance_samples' parameter"):
            vae.score_samples(digits)
    finally:
        vae.set_params(n_importance_samples=1)


def test_pickle_round_trip(fitted):
    vae, X = fitted
    copy = pickle.loads(pickle.dumps(vae))
    np.testing.assert_array_equal(copy.transform(X), vae.transform(X))
    np.testing.assert_array_equal(copy.score_samples(X), vae.score_samples(X))
    np.testing.assert_array_equal(copy.sample(3, random_state=0)[0],
                                  vae.sample(3, random_state=0)[0])


def test_variance_options(blobs):
    X = blobs[0]
    shared = VariationalAutoencoder(2, variance="shared", **FAST).fit(X)
    assert np.ptp(shared.noise_variance_) == 0
    fixed = VariationalAutoencoder(2, variance=0.5, **FAST).fit(X)
    np.testing.assert_allclose(fixed.noise_variance_, 0.5)
    per_feature = VariationalAutoencoder(2, variance="feature", **FAST).fit(X)
    assert len(set(per_feature.noise_variance_)) == 10
    # The default's variance depends on the code: samples from far codes spread otherwise.
    by_code = VariationalAutoencoder(2, **FAST).fit(X).net_.module_.likelihood
    codes = torch.tensor([[0.0, 0.0], [3.0, -3.0]])
    variance = by_code.variance_at(codes).detach().numpy()
    assert not np.allclose(variance[0], variance[1])
    # The floor holds a constant feature's variance above zero: its density stays bounded.
    X_constant = np.column_stack([X, np.zeros(len(X), dtype=np.float32)])
    vae = VariationalAutoencoder(2, min_variance=0.1, **FAST).fit(X_constant)
    assert vae.noise_variance_[-1] >= 0.1 * X_constant.var(axis=0).mean() * (1 - 1e-6)


def test_partial_fit_continues_training(blobs):
    vae = VariationalAutoencoder(2, **FAST).partial_fit(blobs[0]).partial_fit(blobs[0])
    assert vae.n_iter_ == 2 and np.all(np.isfinite(vae.score_samples(blobs[0])))


def test_code_variance_needs_the_code_width():
    from skae.modules import GaussianLikelihood

    with pytest.raises(ValueError, match="variance='code' reads the code"):
        GaussianLikelihood(3, variance="code")


def test_a_gaussian_code_needs_a_width():
    X = np.random.default_rng(0).random((20, 64)).astype(np.float32)
    with pytest.raises(ValueError, match="'n_components' parameter of VariationalAutoencoder"):
        VariationalAutoencoder(None, encoder="conv", sample_shape=(1, 8, 8)).fit(X)
