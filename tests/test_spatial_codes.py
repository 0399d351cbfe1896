"""Fully convolutional codes: ``n_components=None`` makes the last feature map the code."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from skae import AutoencoderTransformer, DenoisingAutoencoder, PretrainedAEClassifier
from skae.modules import ConvDecoder, ConvEncoder, LinearPath
from skae.modules.bodies import BODIES
from skae.modules.conv import conv_code_shape
from skae.regularizers import TopK

from .conftest import FAST_CLASSIFIER
from .test_custom_modules import Decoder, Encoder

# On 8 x 8 digits two convolutions give a code of 3 channels of 2 x 2.
SPATIAL = dict(n_components=None, encoder="conv", sample_shape=(1, 8, 8),
               encoder__conv_channels=(4, 3), max_epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def small_digits(digits01):
    X, y = digits01
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(small_digits):
    return AutoencoderTransformer(**SPATIAL).fit(small_digits[0])


# -- the modules ----------------------------------------------------------------------------

@pytest.mark.parametrize(("conv_channels", "side"), [
    ((4,), 14), ((4, 4), 7), ((4, 4, 4), 4), ((4, 4, 4, 4), 2), ((4, 4, 4, 4, 4), 1)])
def test_the_course_code_sizes_on_28x28(conv_channels, side, seed):
    torch.manual_seed(seed)
    shape = conv_code_shape((1, 28, 28), conv_channels, kernel_size=3)
    assert shape == (4, side, side)
    encoder = ConvEncoder((1, 28, 28), None, conv_channels=conv_channels)
    decoder = ConvDecoder((1, 28, 28), None, conv_channels=conv_channels,
                          output_activation="sigmoid")
    code = encoder(torch.randn(2, 1, 28, 28))
    assert code.shape == (2, 4 * side * side)
    assert decoder(code).shape == (2, 1, 28, 28)
    # Greedy pretraining pairs encoder layer i with decoder layer -1 - i.
    assert len(encoder.layers) == len(decoder.layers) == len(conv_channels)


def test_spatial_code_is_the_flattened_last_feature_map(seed):
    torch.manual_seed(seed)
    encoder = ConvEncoder((3, 9, 7), None, conv_channels=(4, 5), batch_norm=True,
                          code_activation="sigmoid").eval()
    X = torch.randn(2, 3, 9, 7)
    feature_map = encoder.layers[-1][:2](encoder.layers[0](X))
    assert feature_map.shape == (2, 5, 3, 2)
    torch.testing.assert_close(encoder(X), feature_map.flatten(1))
    assert feature_map.min() > 0  # the code's activation, not the hidden one
    assert [type(m) for m in encoder.layers[-1]] == [nn.Conv2d, nn.Sigmoid, nn.Flatten]
    decoder = ConvDecoder((3, 9, 7), None, conv_channels=(4, 5))
    assert [type(m) for m in decoder.layers[0]][:2] == [nn.Unflatten, nn.ConvTranspose2d]
    assert not any(isinstance(m, nn.Linear) for m in [*encoder.modules(), *decoder.modules()])
    assert decoder(encoder(X)).shape == X.shape


@pytest.mark.parametrize("module_class", [ConvEncoder, ConvDecoder])
def test_spatial_code_needs_a_convolution(module_class):
    with pytest.raises(ValueError, match=r"conv_channels=\(\) has no convolution"):
        module_class((1, 8, 8), None, conv_channels=())


def test_only_the_conv_body_has_a_feature_map():
    assert [name for name, body in BODIES.items() if body.feature_map] == ["conv"]


# -- the estimators -------------------------------------------------------------------------

def test_transform_returns_the_flattened_feature_map(fitted, small_digits):
    X = small_digits[0]
    assert fitted.code_shape_ == (3, 2, 2)
    assert fitted.n_components_ == 12
    codes = fitted.transform(X)
    assert codes.shape == (300, 12) and codes.dtype == np.float32
    assert not isinstance(fitted.encoder_, LinearPath)  # 'auto' leaves the linear path out
    with torch.no_grad():
        maps = fitted.encoder_(torch.as_tensor(X[:5]).reshape(5, 1, 8, 8))
    np.testing.assert_allclose(codes[:5], maps.numpy(), rtol=1e-5, atol=1e-6)


def test_inverse_transform_round_trip(fitted, small_digits):
    X = small_digits[0]
    codes = fitted.transform(X)
    np.testing.assert_allclose(fitted.inverse_transform(codes), fitted.reconstruct(X),
                               rtol=1e-5, atol=1e-6)
    assert fitted.inverse_transform(codes).shape == X.shape
    with pytest.raises(ValueError, match=r"expects codes of n_components_=12 values "
                                         r"\(code_shape_=\(3, 2, 2\)\)"):
        fitted.inverse_transform(codes[:, :4])


def test_feature_names_give_channel_and_position(fitted, small_digits):
    names = fitted.get_feature_names_out()
    assert len(names) == 12
    assert list(names[:5]) == ["autoencodertransformer_c0_y0_x0",
                               "autoencodertransformer_c0_y0_x1",
                               "autoencodertransformer_c0_y1_x0",
                               "autoencodertransformer_c0_y1_x1",
                               "autoencodertransformer_c1_y0_x0"]
    assert names[-1] == "autoencodertransformer_c2_y1_x1"
    frame = clone(fitted).set_output(transform="pandas").fit(small_digits[0]).transform(
        small_digits[0][:3])
    assert list(frame.columns) == list(names)
    with pytest.raises(NotFittedError):
        AutoencoderTransformer(**SPATIAL).get_feature_names_out()


def test_flat_codes_keep_their_names(small_digits):
    ae = AutoencoderTransformer(**{**SPATIAL, "n_components": 3}).fit(small_digits[0])
    assert ae.code_shape_ == (3,) and ae.n_components_ == 3
    assert list(ae.get_feature_names_out()) == [f"autoencodertransformer{i}" for i in range(3)]


def test_pickle_round_trip(fitted, small_digits):
    X = small_digits[0]
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.code_shape_ == fitted.code_shape_
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))


def test_in_a_pipeline_with_a_grid_over_code_size(small_digits):
    X, y = small_digits
    pipe = make_pipeline(MinMaxScaler(), AutoencoderTransformer(**SPATIAL),
                         LogisticRegression(max_iter=200))
    assert pipe.fit(X, y).score(X, y) > 0.3
    # Unsupervised: GridSearchCV ranks code sizes by the autoencoder's score.
    grid = GridSearchCV(AutoencoderTransformer(**SPATIAL),
                        {"encoder__conv_channels": [(4,), (4, 3)]}, cv=2).fit(X)
    assert grid.best_estimator_.code_shape_ in {(4, 4, 4), (3, 2, 2)}


def test_images_as_4d_and_channels_last():
    X = np.random.default_rng(0).random((40, 9, 7, 3), dtype=np.float32)
    ae = AutoencoderTransformer(**{**SPATIAL, "sample_shape": None},
                                encoder__channels_last=True).fit(X)
    assert ae.code_shape_ == (3, 3, 2)
    assert ae.transform(X).shape == (40, 18)
    assert ae.inverse_transform(ae.transform(X)).shape == X.shape


def test_denoising_greedy_and_topk(small_digits):
    X = small_digits[0]
    dae = DenoisingAutoencoder(**SPATIAL, noise="gaussian", noise_level=0.1).fit(X)
    assert dae.transform(X).shape == (300, 12)
    assert dae.denoise(X).shape == X.shape
    greedy = AutoencoderTransformer(**SPATIAL, pretraining="greedy").fit(X)
    assert {row["layer"] for row in greedy.net_.history} == {0, 1}
    assert greedy.transform(X).shape == (300, 12)
    topk = AutoencoderTransformer(**SPATIAL, regularizer=TopK(0.25)).fit(X)
    assert ((topk.transform(X) != 0).sum(axis=1) <= 3).all()  # 0.25 of 12 values


def test_other_decoders_read_the_flattened_map(small_digits):
    X = small_digits[0]
    ae = AutoencoderTransformer(**SPATIAL, decoder="dense", hidden_layer_sizes=(16,)).fit(X)
    assert ae.decoder_.layers[0][0].in_features == 12
    ae = AutoencoderTransformer(**SPATIAL, decoder=Decoder, decoder__width=8).fit(X)
    assert ae.reconstruct(X).shape == X.shape


def test_classifier_on_a_spatial_code(small_digits):
    X, y = small_digits
    clf = PretrainedAEClassifier(AutoencoderTransformer(**SPATIAL),
                                 **{**FAST_CLASSIFIER, "max_epochs": 2}).fit(X, y)
    assert clf.transform(X).shape == (300, 12)
    assert clf.predict(X).shape == (300,)


@pytest.mark.parametrize(("params", "message"), [
    (dict(encoder="dense", sample_shape=None),
     r"n_components=None makes the code the encoder's last feature map \(no dense "
     r"bottleneck\), which only encoder='conv' has; encoder='dense' ends in a vector"),
    (dict(encoder="lstm", sample_shape=(8, 8)),
     "encoder='lstm' ends in a vector. Pass an int n_components"),
    (dict(encoder=Encoder, decoder=Decoder, sample_shape=None),
     "an encoder of your own sets its code's width itself"),
    (dict(linear_path=True),
     r"linear_path=True needs an int n_components \(n_components=None makes the code a "
     "feature map"),
    (dict(encoder__conv_channels=()), r"conv_channels=\(\) has no convolution"),
])
def test_errors(small_digits, params, message):
    base = dict(SPATIAL)
    if "encoder" in params:  # the conv body's options are not the other encoders'
        del base["encoder__conv_channels"]
    ae = AutoencoderTransformer(**{**base, **params})
    with pytest.raises(ValueError, match=message):
        ae.fit(small_digits[0])
    assert not hasattr(ae, "n_components_")  # a failed fit leaves no fitted state
