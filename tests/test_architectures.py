"""Convolutional and recurrent bodies through the estimators' public API."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    reconstruction_error,
)
from skae.modules import ConvEncoder, RecurrentEncoder

CONV = dict(encoder="conv", encoder__conv_channels=(4, 8), max_epochs=2, batch_size=32,
            random_state=0)
RNN = dict(encoder__rnn_hidden_size=8, max_epochs=2, batch_size=32, random_state=0)


def images(shape, n=40, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def sines(n=300, timesteps=24, seed=0):
    """Sine waves of random phase; three classes of frequency (1, 2 or 3 cycles, +-0.2)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    frequency = np.array([1.0, 2.0, 3.0])[labels] + rng.uniform(-0.2, 0.2, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    t = np.linspace(0, 1, timesteps)
    X = np.sin(2 * np.pi * frequency[:, None] * t + phase[:, None])
    return X[:, :, None].astype(np.float32), labels


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (1, 8, 8), (3, 45, 37)])
def test_conv_rebuilds_any_image_shape(shape):
    X = images(shape)
    ae = AutoencoderTransformer(5, **CONV).fit(X)
    assert isinstance(ae.encoder_.body, ConvEncoder)  # beside the linear path
    assert ae.transform(X).shape == (40, 5)
    assert ae.reconstruct(X).shape == X.shape
    assert ae.inverse_transform(ae.transform(X)).shape == X.shape
    assert ae.n_features_in_ == int(np.prod(shape))


def test_flat_rows_with_sample_shape_flow_through_a_pipeline(digits01):
    X, _ = digits01
    pipe = make_pipeline(MinMaxScaler(), AutoencoderTransformer(
        4, sample_shape=(1, 8, 8), **CONV)).fit(X)
    assert pipe.transform(X).shape == (1797, 4)
    ae = pipe[-1]
    assert ae.inverse_transform(pipe.transform(X)).shape == (1797, 64)
    np.testing.assert_allclose(ae.transform(X.reshape(-1, 1, 8, 8)), ae.transform(X),
                               rtol=1e-6)


def test_channels_last_matches_channels_first():
    X = images((3, 9, 7))
    first = AutoencoderTransformer(4, **CONV).fit(X)
    last = AutoencoderTransformer(4, encoder__channels_last=True, **CONV)
    X_last = X.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(last.fit(X_last).transform(X_last), first.transform(X),
                               rtol=1e-5, atol=1e-6)
    assert last.reconstruct(X_last).shape == (40, 9, 7, 3)
    np.testing.assert_allclose(last.reconstruct(X_last),
                               first.reconstruct(X).transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)
    flat = AutoencoderTransformer(4, encoder__channels_last=True, sample_shape=(3, 9, 7),
                                  **CONV)
    flat.fit(X_last.reshape(40, -1))
    np.testing.assert_allclose(flat.transform(X_last.reshape(40, -1)), first.transform(X),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(flat.reconstruct(X_last.reshape(40, -1)),
                               last.reconstruct(X_last).reshape(40, -1), rtol=1e-5, atol=1e-6)


def test_colour_images_train():
    rng = np.random.default_rng(0)
    # Smooth colour blobs: a random colour times a Gaussian bump at a random place.
    yy, xx = np.mgrid[:32, :32]
    centres = rng.uniform(8, 24, size=(200, 2))
    bumps = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 40)
    X = (rng.random((200, 3, 1, 1)) * bumps[:, None]).astype(np.float32)
    ae = AutoencoderTransformer(8, loss="bce", **{**CONV, "max_epochs": 15, "lr": 3e-3}).fit(X)
    assert ae.loss_curve_[-1] < 0.8 * ae.loss_curve_[0]
    assert ae.reconstruct(X).shape == (200, 3, 32, 32)


@pytest.mark.parametrize(("kwargs", "X", "message"), [
    (dict(), images((1, 8, 8)).reshape(40, -1),
     r"encoder='conv' takes images as a 4-D array .* or as flat rows with sample_shape"),
    (dict(sample_shape=(1, 8, 8)), images((1, 7, 7)).reshape(40, -1),
     r"X has 49 features, but sample_shape=\(1, 8, 8\) needs 64 per sample"),
    (dict(), images((8, 8)), r"got a 3-D array of shape \(40, 8, 8\)"),
    (dict(sample_shape=(1, 8, 8)), images((1, 9, 8)),
     r"was given sample_shape=\(1, 8, 8\), but X holds samples of shape \(1, 9, 8\)"),
    (dict(encoder__tied_weights=True), images((1, 8, 8)),
     r"encoder='conv' has no option 'tied_weights'; its options are \[.*'conv_channels'"),
    (dict(decoder="dense", decoder__tied_weights=True), images((1, 8, 8)),
     r"tied weights need the dense encoder and decoder \(encoder='dense'"),
])
def test_conv_shape_errors(kwargs, X, message):
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(**CONV, **kwargs).fit(X)


def test_transform_checks_the_sample_shape():
    ae = AutoencoderTransformer(**CONV).fit(images((1, 8, 8)))
    with pytest.raises(ValueError, match=r"was fitted on samples of shape \(1, 8, 8\)"):
        ae.transform(images((1, 8, 9)))
    with pytest.raises(ValueError, match="X has 72 features, but AutoencoderTransformer is "
                                         "expecting 64"):
        ae.transform(images((1, 8, 9)).reshape(40, -1))


def test_dense_rejects_images_with_advice():
    with pytest.raises(ValueError, match=r"encoder='dense' takes 2-D X.*reshape"):
        AutoencoderTransformer(max_epochs=1).fit(images((1, 8, 8)))


@pytest.mark.parametrize("noise", ["gaussian", "masking", "salt_and_pepper"])
def test_denoising_on_images(noise):
    X = images((1, 12, 12))
    dae = DenoisingAutoencoder(4, noise=noise, noise_level=0.3, clip=True, **CONV).fit(X)
    assert dae.net_.module_.corruption.low.shape == (144,)
    assert dae.denoise(X).shape == X.shape


def test_classifier_with_a_conv_encoder(digits01):
    X, y = digits01
    X = X.reshape(-1, 1, 8, 8)
    y_few = np.where(np.arange(len(y)) < 300, y, -1)
    autoencoder = AutoencoderTransformer(16, **{**CONV, "max_epochs": 5})
    clf = PretrainedAEClassifier(autoencoder, freeze_encoder=1, lr=1e-2, max_epochs=20,
                                 random_state=0).fit(X, y_few)
    assert clf.score(X[300:], y[300:]) > 0.6
    assert clf.transform(X).shape == (1797, 16)
    frozen = clf.net_.module_.encoder.layers[0][0].weight
    np.testing.assert_array_equal(frozen.detach().numpy(),
                                  clf.autoencoder_.encoder_.layers[0][0].weight.detach().numpy())
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_greedy_pretraining_of_a_conv_stack():
    X = images((1, 12, 12))
    ae = AutoencoderTransformer(4, pretraining="greedy", **CONV).fit(X)
    assert ae.n_iter_ == 3 * CONV["max_epochs"]  # two convolutions and the code layer
    assert ae.reconstruct(X).shape == X.shape


@pytest.mark.parametrize("encoder", ["lstm", "gru"])
def test_recurrent_sequences_in_and_out(encoder):
    X, _ = sines(60, timesteps=10)
    X = np.concatenate([X, -X], axis=2)
    ae = AutoencoderTransformer(3, encoder=encoder, encoder__bidirectional=True,
                                encoder__rnn_num_layers=2, dropout=0.1, **RNN).fit(X)
    assert isinstance(ae.encoder_.body, RecurrentEncoder)
    assert ae.transform(X).shape == (60, 3)
    assert ae.reconstruct(X).shape == (60, 10, 2)
    flat = AutoencoderTransformer(3, encoder=encoder, sample_shape=(10, 2), **RNN)
    assert flat.fit(X.reshape(60, -1)).reconstruct(X.reshape(60, -1)).shape == (60, 20)


def test_recurrent_codes_separate_frequencies_and_beat_pca():
    X, labels = sines()
    ae = AutoencoderTransformer(4, encoder="gru", encoder__rnn_hidden_size=32, lr=1e-2,
                                max_epochs=60, batch_size=32, early_stopping=False,
                                linear_path=False, random_state=0).fit(X)
    codes = StandardScaler().fit_transform(ae.transform(X))
    ari = adjusted_rand_score(labels, KMeans(3, n_init=10, random_state=0).fit_predict(codes))
    assert ari > 0.4  # chance is 0
    flat = X.reshape(len(X), -1)
    pca = PCA(4).fit(flat)
    pca_ari = adjusted_rand_score(
        labels, KMeans(3, n_init=10, random_state=0).fit_predict(pca.transform(flat)))
    assert ari > pca_ari + 0.3
    assert np.mean((ae.reconstruct(X) - X) ** 2) < 0.7 * reconstruction_error(pca, flat)


def test_recurrent_shape_errors():
    X, _ = sines(20, timesteps=10)
    with pytest.raises(ValueError, match=r"encoder='lstm' takes sequences as a 3-D"):
        AutoencoderTransformer(encoder="lstm", **RNN).fit(X.reshape(20, -1))
    with pytest.raises(ValueError, match=r"sample_shape=\(5, 3\) needs 15 per sample"):
        AutoencoderTransformer(encoder="gru", sample_shape=(5, 3),
                               **RNN).fit(X.reshape(20, -1))
    with pytest.raises(ValueError, match=r"pretraining='greedy' needs the \w+'s layers in order"):
        AutoencoderTransformer(encoder="gru", pretraining="greedy", **RNN).fit(X)


def test_grid_over_encoders(digits01):
    X, _ = digits01
    grid = GridSearchCV(
        AutoencoderTransformer(4, sample_shape=(1, 8, 8), max_epochs=2, random_state=0),
        {"encoder": ["dense", "conv"]}, cv=2).fit(X[:400])
    assert grid.best_params_["encoder"] in {"dense", "conv"}


def test_classifier_on_channels_last_images_and_prefit_shape_check():
    X = images((6, 6, 2), n=60)
    y = np.arange(60) % 2
    autoencoder = AutoencoderTransformer(3, encoder__channels_last=True, **CONV)
    clf = PretrainedAEClassifier(autoencoder, max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (60,)
    assert clf.transform(X.reshape(60, -1)).shape == (60, 3)
    other = AutoencoderTransformer(3, **CONV).fit(images((2, 6, 6), n=60))
    with pytest.raises(ValueError, match=r"The pretrained autoencoder was fitted on samples "
                                         r"of shape \(2, 6, 6\), but X holds samples of "
                                         r"shape \(6, 6, 2\)"):
        PretrainedAEClassifier(other, refit_autoencoder=False, max_epochs=1).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_conv_denoising_and_classifier_on_cuda(digits01):
    X, y = digits01
    X = X.reshape(-1, 1, 8, 8)
    dae = DenoisingAutoencoder(8, noise="salt_and_pepper", device="cuda", **CONV).fit(X)
    assert next(dae.encoder_.parameters()).is_cuda
    assert dae.denoise(X).shape == X.shape
    clf = PretrainedAEClassifier(dae, pretraining="greedy", freeze_encoder=1, device="cuda",
                                 max_epochs=3, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (1797, 10)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5)


@pytest.mark.parametrize("params, expected, absent", [
    (dict(max_epochs=1, random_state=0), torch.nn.GELU, torch.nn.ReLU),
    (dict(sample_shape=(1, 8, 8), **CONV), torch.nn.ReLU, torch.nn.GELU),
    (dict(activation="relu", max_epochs=1, random_state=0), torch.nn.ReLU, torch.nn.GELU),
])
def test_auto_activation_is_gelu_for_dense_bodies_and_relu_for_conv(params, expected, absent):
    X = images((1, 8, 8)).reshape(40, -1)
    ae = AutoencoderTransformer(4, **params).fit(X)
    kinds = {type(m) for m in ae.net_.module_.modules()}
    assert expected in kinds and absent not in kinds
    assert ae.activation == params.get("activation", "auto")


@pytest.mark.parametrize("params, expected", [
    # (64, 32) hidden: 12,544 weights for 40 rows; (4,): 544, under 16 per row.
    (dict(max_epochs=1, random_state=0), 0.05),
    (dict(hidden_layer_sizes=(4,), max_epochs=1, random_state=0), None),
    (dict(hidden_layer_sizes=(5,), max_epochs=1, random_state=0), 0.05),
    (dict(hidden_layer_sizes=(5,), encoder__tied_weights=True, max_epochs=1, random_state=0), None),
    (dict(sample_shape=(1, 8, 8), **CONV), None),
    (dict(dropout=0.2, max_epochs=1, random_state=0), 0.2),
    (dict(dropout=0.0, max_epochs=1, random_state=0), None),
])
def test_auto_dropout_is_small_for_dense_bodies_with_many_weights_per_row(params, expected):
    X = images((1, 8, 8)).reshape(40, -1)
    ae = AutoencoderTransformer(4, **params).fit(X)
    rates = {m.p for m in ae.net_.module_.modules() if isinstance(m, torch.nn.Dropout)}
    assert rates == (set() if expected is None else {expected})
    assert ae.dropout == params.get("dropout", "auto")
