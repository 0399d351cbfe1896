"""A grid over PCA and skae's estimators ranks them on one scale, or says it cannot."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    VariationalAutoencoder,
    neg_reconstruction_error,
    reconstruction_error,
)
from skae.metrics import ScoreScaleWarning


@pytest.fixture(scope="module")
def digits16():
    return load_digits().data[:600] / 16


def _grid(autoencoder, scoring=None):
    """The grid users write first: one pipeline step that is either PCA or an autoencoder."""
    return GridSearchCV(Pipeline([("reduce", PCA())]),
                        [{"reduce": [PCA(8)]}, {"reduce": [autoencoder]}], cv=2,
                        scoring=scoring)


def test_default_scoring_does_not_rank_pca_and_an_autoencoder_silently(digits16):
    # PCA.score is a log-likelihood (about 9 nats here), the autoencoder's minus an MSE
    # (about -0.02): ranked as they are, PCA wins whatever either reconstructs.
    grid = _grid(AutoencoderTransformer(8, max_epochs=20, random_state=0))
    with pytest.warns(ScoreScaleWarning, match="scoring=skae.neg_reconstruction_error"):
        grid.fit(digits16)


def test_reconstruction_scoring_ranks_pca_and_an_autoencoder_on_one_scale(digits16):
    grid = _grid(AutoencoderTransformer(8, max_epochs=20, random_state=0),
                 scoring=neg_reconstruction_error)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScoreScaleWarning)
        grid.fit(digits16)
    scores = grid.cv_results_["mean_test_score"]
    pca, ae = (PCA(8).fit(digits16[:300]), grid.best_estimator_["reduce"])
    assert isinstance(ae, AutoencoderTransformer)  # started at PCA, it reconstructs better
    assert scores[1] > scores[0]
    assert -scores[0] == pytest.approx(
        np.mean([reconstruction_error(pca, digits16[300:]),
                 reconstruction_error(PCA(8).fit(digits16[300:]), digits16[:300])]))


def test_the_denoising_autoencoder_warns_as_well(digits16):
    dae = DenoisingAutoencoder(4, max_epochs=1, random_state=0).fit(digits16)
    with pytest.warns(ScoreScaleWarning, match="DenoisingAutoencoder.score is minus"):
        assert dae.score(digits16) < 0


def test_the_variational_autoencoder_scores_in_pca_units_without_warning(digits16):
    grid = _grid(VariationalAutoencoder(8, max_epochs=2, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScoreScaleWarning)
        grid.fit(digits16)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_reconstruction_error_compares_images_as_flat_rows(digits16):
    images = digits16[:200].reshape(200, 1, 8, 8)
    ae = AutoencoderTransformer(4, encoder="conv", encoder__conv_channels=(2,), max_epochs=1,
                                random_state=0).fit(images)
    flat = np.mean((ae.reconstruct(images).reshape(200, -1) - digits16[:200]) ** 2)
    assert reconstruction_error(ae, images) == pytest.approx(flat, rel=1e-5)
