import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skae import AutoencoderTransformer, DenoisingAutoencoder, reconstruction_error
from skae.noise import GaussianNoise, MaskingNoise, SaltAndPepperNoise

from .conftest import FAST


@pytest.mark.parametrize(("noise", "module"), [
    ("gaussian", GaussianNoise),
    ("masking", MaskingNoise),
    ("salt_and_pepper", SaltAndPepperNoise),
])
def test_every_noise_trains_with_its_corruption(digits01, noise, module):
    X, _ = digits01
    dae = DenoisingAutoencoder(4, noise=noise, noise_level=0.2, clip=True, **FAST).fit(X)
    corruption = dae.net_.module_.corruption
    assert isinstance(corruption, module) and corruption.clip
    np.testing.assert_array_equal(corruption.low.numpy(), X.min(axis=0))
    np.testing.assert_array_equal(corruption.high.numpy(), X.max(axis=0))
    assert dae.loss_curve_[-1] < dae.loss_curve_[0]


def test_is_an_autoencoder_transformer_with_noise_params():
    dae = DenoisingAutoencoder(3, noise="gaussian", noise_level=0.5, clip=True)
    assert isinstance(dae, AutoencoderTransformer)
    params = dae.get_params()
    assert params["noise"] == "gaussian" and params["noise_level"] == 0.5 and params["clip"]
    assert set(AutoencoderTransformer().get_params()) < set(params)


def test_transform_and_inverse_never_add_noise(digits01):
    X, _ = digits01
    dae = DenoisingAutoencoder(4, noise="gaussian", noise_level=1.0, **FAST).fit(X)
    np.testing.assert_array_equal(dae.transform(X), dae.transform(X))
    codes = dae.transform(X)
    np.testing.assert_array_equal(dae.inverse_transform(codes), dae.inverse_transform(codes))
    np.testing.assert_array_equal(dae.denoise(X), dae.reconstruct(X))
    module = dae.net_.module_
    with torch.no_grad():
        clean = module.decode(module.encode(torch.as_tensor(X))).numpy()
    np.testing.assert_allclose(dae.denoise(X), clean, rtol=1e-5, atol=1e-6)


def test_score_measures_clean_reconstruction(digits01):
    X, _ = digits01
    dae = DenoisingAutoencoder(4, noise="masking", noise_level=0.5, **FAST).fit(X)
    expected = -np.mean((dae.reconstruct(X) - X) ** 2, axis=1)
    np.testing.assert_allclose(dae.score_samples(X), expected, rtol=1e-5)
    assert dae.score(X) == pytest.approx(-reconstruction_error(dae, X), rel=1e-5)


def test_denoises_better_than_the_noisy_input(digits01):
    X, _ = digits01
    # 50 epochs: at 30 the error sits on the bound for every seed (ratio 0.50 +- 0.01); at 50
    # it is 0.45-0.46 of the noisy input's error across seeds 0-4.
    dae = DenoisingAutoencoder(16, noise="gaussian", noise_level=0.3, clip=True,
                               hidden_layer_sizes=(64,), max_epochs=50, batch_size=64,
                               early_stopping=False, random_state=0).fit(X)
    rng = np.random.default_rng(0)
    noisy = np.clip(X + rng.normal(scale=0.3, size=X.shape), 0, 1).astype(np.float32)
    assert np.mean((dae.denoise(noisy) - X) ** 2) < 0.5 * np.mean((noisy - X) ** 2)


def test_denoising_beats_a_plain_autoencoder_on_masked_input(digits01):
    X, _ = digits01
    params = dict(n_components=16, hidden_layer_sizes=(64,), max_epochs=30, random_state=0)
    dae = DenoisingAutoencoder(noise="masking", noise_level=0.4, **params).fit(X)
    plain = AutoencoderTransformer(**params).fit(X)
    mask = np.random.default_rng(0).random(X.shape) >= 0.4
    masked = X * mask
    error = lambda model: np.mean((model.reconstruct(masked) - X) ** 2)  # noqa: E731
    assert error(dae) < error(plain)


def test_same_random_state_same_corruption_and_model(digits01):
    X, _ = digits01
    params = dict(noise="salt_and_pepper", noise_level=0.3, **FAST)
    first = DenoisingAutoencoder(4, **params).fit(X)
    second = DenoisingAutoencoder(4, **params).fit(X)
    other = DenoisingAutoencoder(4, **{**params, "random_state": 1}).fit(X)
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    assert first.loss_curve_ == second.loss_curve_
    assert not np.allclose(first.transform(X), other.transform(X))


def test_noise_changes_training(digits01):
    X, _ = digits01
    noisy = DenoisingAutoencoder(4, noise="masking", noise_level=0.5, **FAST).fit(X)
    silent = DenoisingAutoencoder(4, noise="masking", noise_level=0.0, **FAST).fit(X)
    plain = AutoencoderTransformer(4, **FAST).fit(X)
    np.testing.assert_allclose(silent.transform(X), plain.transform(X), rtol=1e-5, atol=1e-6)
    assert not np.allclose(noisy.transform(X), plain.transform(X))


@pytest.mark.parametrize("noise", ["masking", "salt_and_pepper"])
def test_probability_above_one_is_a_clear_error(digits01, noise):
    with pytest.raises(ValueError, match=rf"noise_level is the probability .*{noise}.*\[0, 1\]"):
        DenoisingAutoencoder(noise=noise, noise_level=1.5, **FAST).fit(digits01[0])


def test_gaussian_level_may_exceed_one(digits01):
    DenoisingAutoencoder(noise="gaussian", noise_level=1.5, **FAST).fit(digits01[0])


def test_unknown_noise_is_rejected(digits01):
    with pytest.raises(ValueError, match="The 'noise' parameter"):
        DenoisingAutoencoder(noise="speckle", **FAST).fit(digits01[0])


def test_pipeline_grid_clone_and_pickle(digits):
    X, _ = digits
    X = X[:300]
    pipe = make_pipeline(MinMaxScaler(), DenoisingAutoencoder(2, **FAST))
    grid = GridSearchCV(pipe, {"denoisingautoencoder__noise": ["gaussian", "masking"]},
                        cv=2).fit(X)
    best = grid.best_estimator_[-1]
    assert best.noise in {"gaussian", "masking"}
    assert clone(best).get_params() == best.get_params()
    loaded = pickle.loads(pickle.dumps(grid.best_estimator_))
    np.testing.assert_array_equal(loaded.transform(X), grid.best_estimator_.transform(X))
    assert list(best.get_feature_names_out()) == ["denoisingautoencoder0",
                                                  "denoisingautoencoder1"]
