"""AutoencoderOutlierDetector: scikit-learn's outlier-detector contract around an autoencoder."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    VariationalAutoencoder,
)
from skae.outlier import default_n_components

from .conftest import FAST


def fast_detector(n_components=2, **params):
    return AutoencoderOutlierDetector(AutoencoderTransformer(n_components, **FAST), **params)


@pytest.fixture
def plane():
    """300 normal rows near a 2-D plane in 8-D, and 20 rows off it."""
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 8))
    normal = rng.normal(size=(300, 2)) @ basis + 0.05 * rng.normal(size=(300, 8))
    outliers = rng.normal(size=(20, 2)) @ basis + 2.0 * rng.normal(size=(20, 8))
    return normal.astype(np.float32), outliers.astype(np.float32)


def test_outlier_contract(plane):
    X, _ = plane
    detector = fast_detector().fit(X)
    scores = detector.score_samples(X)
    assert scores.dtype == np.float64 and scores.shape == (300,)
    np.testing.assert_allclose(scores, detector.autoencoder_.score_samples(X))
    np.testing.assert_allclose(detector.decision_function(X), scores - detector.offset_)
    labels = detector.predict(X)
    np.testing.assert_array_equal(labels, np.where(scores < detector.offset_, -1, 1))
    np.testing.assert_array_equal(clone(detector).fit_predict(X), labels)
    assert detector.n_features_in_ == 8 and not hasattr(detector, "feature_names_in_")


def test_flags_rows_off_the_normal_data(plane):
    X, outliers = plane
    pipe = make_pipeline(StandardScaler(), AutoencoderOutlierDetector(
        AutoencoderTransformer(2, hidden_layer_sizes=(16,), max_epochs=30, random_state=0)))
    pipe.fit(X)
    X_test = np.vstack([X[:100], outliers])
    is_outlier = np.r_[np.zeros(100), np.ones(20)]
    assert roc_auc_score(is_outlier, -pipe.score_samples(X_test)) > 0.95
    assert np.mean(pipe.predict(outliers) == -1) > 0.9
    assert np.mean(pipe.predict(X[:100]) == 1) > 0.9


def test_float_contamination_flags_that_share_of_training_rows(plane):
    X, _ = plane
    detector = fast_detector(contamination=0.1).fit(X)
    assert np.sum(detector.predict(X) == -1) == 30
    assert detector.offset_ == pytest.approx(np.percentile(detector.score_samples(X), 10))


def test_auto_contamination_is_tukeys_outer_fence(plane):
    X, _ = plane
    detector = fast_detector().fit(X)
    q1, q3 = np.percentile(detector.score_samples(X), [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 3 * (q3 - q1))


def test_auto_fence_is_set_on_the_rows_held_out_of_training(plane):
    X, _ = plane
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(2, **{**FAST, "early_stopping": True})).fit(X)
    _, valid = detector.autoencoder_.net_.get_split_datasets(X)  # the training's own split
    held_out = detector.score_samples(X)[valid.index.cpu().numpy()]
    assert held_out.shape == (30,)
    q1, q3 = np.percentile(held_out, [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 3 * (q3 - q1))


def test_random_state_seeds_a_clone_and_respects_the_autoencoders_own():
    X = np.random.default_rng(0).normal(size=(60, 5))
    unseeded = AutoencoderTransformer(2, **{**FAST, "random_state": None})
    first = AutoencoderOutlierDetector(unseeded, random_state=3).fit(X)
    again = AutoencoderOutlierDetector(unseeded, random_state=3).fit(X)
    np.testing.assert_array_equal(first.score_samples(X), again.score_samples(X))
    assert unseeded.random_state is None  # the parameter is not touched
    assert first.autoencoder_.random_state is not None
    own = fast_detector(random_state=3).fit(X)
    assert own.autoencoder_.random_state == FAST["random_state"]


def test_default_autoencoder_has_a_quarter_of_the_features_as_code():
    assert [default_n_components(n) for n in (1, 7, 30, 64, 784)] == [1, 1, 7, 16, 16]
    X = np.random.default_rng(0).normal(size=(40, 12))
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    assert type(detector.autoencoder_) is AutoencoderTransformer
    assert detector.autoencoder_.n_components == 3
    assert detector.autoencoder is None


def test_feature_errors_name_the_feature_that_went_wrong(plane):
    X, _ = plane
    detector = AutoencoderOutlierDetector(AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), max_epochs=30, random_state=0)).fit(X)
    errors = detector.feature_errors(X[:5])
    assert errors.shape == (5, 8)
    np.testing.assert_allclose(errors.mean(axis=1), -detector.score_samples(X[:5]), rtol=1e-4)
    broken = X[:5].copy()
    broken[:, 6] += 10
    assert (detector.feature_errors(broken).argmax(axis=1) == 6).all()


def test_feature_names_and_dataframes(plane):
    X, _ = plane
    columns = [f"f{i}" for i in range(8)]
    frame = pd.DataFrame(X, columns=columns)
    detector = fast_detector().fit(frame)
    assert list(detector.feature_names_in_) == columns
    assert isinstance(detector.feature_errors(frame.iloc[:3]), np.ndarray)
    with pytest.raises(ValueError, match="feature names should match"):
        detector.predict(frame.rename(columns={"f0": "other"}))
    # A refit without names forgets the old ones.
    assert not hasattr(detector.fit(X), "feature_names_in_")


def test_wrong_number_of_features(plane):
    X, _ = plane
    detector = fast_detector().fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 8"):
        detector.predict(X[:, :3])


def test_sparse_input_scores_as_dense(plane):
    X, _ = plane
    X = np.where(np.abs(X) < 0.5, 0, X)
    dense = fast_detector().fit(X)
    sparse = fast_detector().fit(sp.csr_matrix(X))
    # Sparse rows start the linear path at ARPACK's PCA, dense rows at LAPACK's; the bodies
    # learn from the first step, so the small difference grows a little in training.
    np.testing.assert_allclose(sparse.score_samples(sp.csr_matrix(X)), dense.score_samples(X),
                               rtol=1e-2, atol=1e-4)
    np.testing.assert_allclose(sparse.feature_errors(sp.csr_matrix(X[:4])),
                               dense.feature_errors(X[:4]), rtol=1e-2, atol=1e-3)


def test_other_autoencoders_and_images(digits01):
    X = digits01[0][:200]
    denoising = AutoencoderOutlierDetector(DenoisingAutoencoder(4, **FAST)).fit(X)
    assert denoising.predict(X).shape == (200,)
    images = X.reshape(-1, 1, 8, 8)
    conv = AutoencoderOutlierDetector(AutoencoderTransformer(
        4, encoder="conv", encoder__conv_channels=(4,), **FAST)).fit(images)
    assert conv.feature_errors(images[:3]).shape == (3, 1, 8, 8)
    assert conv.score_samples(images).shape == (200,)


class PCAReconstruction(BaseEstimator):
    """Not a skae class: PCA with the three methods the detector needs."""

    def __init__(self, n_components=2):
        self.n_components = n_components

    def fit(self, X, y=None):
        self.pca_ = PCA(self.n_components).fit(X)
        self.n_features_in_ = self.pca_.n_features_in_
        return self

    def reconstruct(self, X):
        return self.pca_.inverse_transform(self.pca_.transform(X))

    def score_samples(self, X):
        return -np.mean((self.reconstruct(X) - X) ** 2, axis=1)


def test_any_estimator_with_fit_score_samples_and_reconstruct(plane):
    X, outliers = plane
    detector = AutoencoderOutlierDetector(PCAReconstruction(2), contamination=0.05).fit(X)
    assert (detector.predict(outliers) == -1).all()


def test_frozen_autoencoder_is_used_as_fitted(plane):
    X, _ = plane
    autoencoder = AutoencoderTransformer(2, **{**FAST, "early_stopping": True}).fit(X)
    detector = AutoencoderOutlierDetector(FrozenEstimator(autoencoder)).fit(X[:50])
    np.testing.assert_array_equal(detector.score_samples(X), autoencoder.score_samples(X))
    # Its held-out rows were drawn from other rows: the fence is on all 50.
    q1, q3 = np.percentile(autoencoder.score_samples(X[:50]), [25, 75])
    assert detector.offset_ == pytest.approx(q1 - 3 * (q3 - q1))


def test_pickle_round_trip(plane):
    X, _ = plane
    detector = fast_detector().fit(X)
    restored = pickle.loads(pickle.dumps(detector))
    np.testing.assert_array_equal(restored.decision_function(X), detector.decision_function(X))


@pytest.mark.parametrize("contamination", [0.0, 0.6, -0.1, "high"])
def test_contamination_out_of_range(contamination, plane):
    with pytest.raises(InvalidParameterError, match="'contamination' parameter .* must be"):
        fast_detector(contamination=contamination).fit(plane[0])


def test_autoencoder_class_instead_of_instance(plane):
    detector = AutoencoderOutlierDetector(AutoencoderTransformer)
    with pytest.raises(TypeError, match=r"e.g. AutoencoderTransformer\(\), not the class"):
        detector.fit(plane[0])


@pytest.mark.parametrize("autoencoder", [PCA(2), "dense"])
def test_wrapped_estimator_must_be_an_autoencoder(autoencoder, plane):
    detector = AutoencoderOutlierDetector(autoencoder)
    with pytest.raises(InvalidParameterError,
                       match="'autoencoder' parameter .* implementing 'fit', 'score_samples'"):
        detector.fit(plane[0])
    assert not hasattr(detector, "autoencoder_")


def test_unfitted_detector_says_so(plane):
    detector = fast_detector()
    for method in (detector.predict, detector.score_samples, detector.feature_errors):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(plane[0])


def test_a_variational_autoencoder_scores_by_its_likelihood(plane):
    X, outliers = plane
    vae = VariationalAutoencoder(2, hidden_layer_sizes=(16,), max_epochs=30, random_state=0)
    detector = AutoencoderOutlierDetector(vae).fit(X)
    # Its scores are the VAE's log-likelihood bound, in nats per row.
    np.testing.assert_allclose(detector.score_samples(X[:5]),
                               detector.autoencoder_.score_samples(X[:5]))
    X_test = np.vstack([X[:100], outliers])
    is_outlier = np.r_[np.zeros(100), np.ones(20)]
    assert roc_auc_score(is_outlier, -detector.score_samples(X_test)) > 0.95
    assert detector.feature_errors(outliers).shape == (20, 8)
