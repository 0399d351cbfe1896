"""Users' own torch modules as encoder, decoder and head, through the built-ins' door."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from torch import nn

from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    neg_reconstruction_error,
)
from skae._plan import plan_network
from skae.modules.bodies import BODIES, build_module

from .conftest import FAST, FAST_CLASSIFIER

TRAIN = dict(max_epochs=3, batch_size=32, random_state=0)


class Encoder(nn.Module):
    """Takes n_features and n_components from skae, width from encoder__width."""

    def __init__(self, n_features, n_components, width=8):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(n_features, width), nn.LayerNorm(width), nn.ReLU()),
            nn.Linear(width, n_components))

    def forward(self, X):
        return self.layers(X)


class Decoder(nn.Module):
    def __init__(self, n_features, n_components, width=8):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(n_components, width), nn.ReLU()),
            nn.Linear(width, n_features))

    def forward(self, code):
        return self.layers(code)


class Flat(nn.Module):
    """An encoder without ``layers``."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_features, n_components)

    def forward(self, X):
        return self.linear(X)


class FlatDecoder(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_components, n_features)

    def forward(self, code):
        return self.linear(code)


class ImageEncoder(nn.Module):
    """Reads (batch, *sample_shape) images, as skae passes them."""

    def __init__(self, sample_shape, n_components):
        super().__init__()
        channels, height, width = sample_shape
        self.conv = nn.Conv2d(channels, 4, 3, padding=1)
        self.code = nn.Linear(4 * height * width, n_components)

    def forward(self, X):
        assert X.ndim == 4
        return self.code(torch.relu(self.conv(X)).flatten(1))


class Head(nn.Module):
    def __init__(self, n_components, n_classes, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_components, hidden), nn.Tanh(),
                                 nn.Linear(hidden, n_classes))

    def forward(self, code):
        return self.net(code)


def ae(**params):
    return AutoencoderTransformer(2, encoder=Encoder, decoder=Decoder, **TRAIN, **params)


def test_classes_are_built_with_prefixed_and_inferred_arguments(blobs):
    X, _ = blobs
    model = ae(encoder__width=5, decoder__width=7).fit(X)
    assert model.encoder_.layers[0][0].out_features == 5
    assert model.decoder_.layers[0][0].out_features == 7
    assert model.transform(X).shape == (200, 2)
    assert model.reconstruct(X).shape == X.shape
    assert model.get_params()["encoder__width"] == 5


def test_prefixed_parameters_clone_set_params_and_pickle(blobs):
    X, _ = blobs
    model = ae(encoder__width=5)
    copy = clone(model)
    assert copy.get_params()["encoder__width"] == 5
    copy.set_params(encoder__width=3, decoder__width=4)
    params = copy.get_params()
    assert (params["encoder__width"], params["decoder__width"]) == (3, 4)
    assert model.get_params()["encoder__width"] == 5  # the clone's change stays its own
    assert "encoder__width=3" in repr(copy)
    copy.fit(X)
    restored = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(restored.transform(X), copy.transform(X))


def test_grid_search_over_a_module_argument_next_to_pca(blobs):
    X, _ = blobs
    grid = GridSearchCV(make_pipeline(PCA(2)), {
        "pca": [PCA(2), ae(encoder__width=16, decoder__width=16)],
    }, scoring=neg_reconstruction_error, cv=2).fit(X)
    assert len(grid.cv_results_["params"]) == 2
    search = GridSearchCV(ae(encoder__width=16, decoder__width=16),
                          {"encoder__width": [4, 16]}, cv=2).fit(X)
    assert search.best_estimator_.encoder_.layers[0][0].out_features in (4, 16)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_instances_are_copied_and_trained_from_their_weights(blobs):
    X, _ = blobs
    encoder, decoder = Encoder(10, 2), Decoder(10, 2)
    before = [p.clone() for p in encoder.parameters()]
    model = AutoencoderTransformer(2, encoder=encoder, decoder=decoder, **TRAIN).fit(X)
    assert all(torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True))
    assert model.encoder_ is not encoder
    with pytest.raises(ValueError, match="encoder__width was set, but encoder is a module "
                                         "instance"):
        AutoencoderTransformer(2, encoder=encoder, decoder=decoder, encoder__width=3,
                               **TRAIN).fit(X)


def test_a_built_in_decoder_under_a_custom_encoder_and_back(blobs):
    X, _ = blobs
    AutoencoderTransformer(2, encoder=Encoder, decoder="dense", **TRAIN).fit(X)
    AutoencoderTransformer(2, encoder="dense", decoder=Decoder, **TRAIN).fit(X)
    # A prefixed argument overrides one argument of a built-in body.
    model = AutoencoderTransformer(2, encoder__hidden_layer_sizes=(3,), **TRAIN).fit(X)
    assert model.encoder_.layers[0][0].out_features == 3
    assert model.decoder_.layers[0][0].in_features == 2


def test_images_reach_a_custom_encoder_as_images(digits01):
    X, _ = digits01
    images = X[:200].reshape(-1, 1, 8, 8)
    model = AutoencoderTransformer(4, encoder=ImageEncoder, decoder="conv",
                                   decoder__conv_channels=(4,), **TRAIN).fit(images)
    assert model.layout_.sample_shape == (1, 8, 8)
    assert model.reconstruct(images).shape == images.shape
    flat = AutoencoderTransformer(4, encoder=ImageEncoder, decoder="dense",
                                  sample_shape=(1, 8, 8), **TRAIN).fit(X[:200])
    assert flat.transform(X[:5]).shape == (5, 4)


@pytest.mark.parametrize("params, match", [
    (dict(encoder=Encoder, decoder=None), "pass its decoder too"),
    (dict(encoder=Encoder, decoder=Decoder, decoder__n_features=3),
     r"decoder returned \(3,\) values per sample, but samples have 10"),
    (dict(encoder=Encoder, decoder=Decoder, encoder__n_components=5),
     r"encoder returned codes of shape \(2, 5\) for 2 samples, but n_components=2"),
    (dict(encoder=Encoder, decoder=Decoder, encoder__depth=2),
     r"Could not build encoder=Encoder with arguments .*depth"),
    (dict(encoder=int, decoder=Decoder), "must be a built-in body name, a torch.nn.Module"),
    # A module of your own gets its <role>__<name> parameters as constructor arguments.
    (dict(encoder=Encoder, decoder=Decoder, decoder__tied_weights=True),
     r"Could not build decoder=Decoder with arguments .*'tied_weights'"),
    (dict(encoder=Flat, decoder=Decoder, pretraining="greedy"),
     "pretraining='greedy' needs the encoder's layers in order, but Flat has no 'layers'"),
    (dict(encoder=Encoder, decoder=FlatDecoder, pretraining="greedy"),
     "needs the decoder's layers"),
])
def test_module_mistakes_are_clear_errors_at_fit(blobs, params, match):
    X, _ = blobs
    params = {"n_components": 2, **TRAIN, **params}
    with pytest.raises((ValueError, TypeError), match=match):
        AutoencoderTransformer(**params).fit(X)


def test_unknown_keyword_is_refused_at_fit(blobs):
    X, y = blobs
    model = AutoencoderTransformer(hiden_layer_sizes=(3,))
    with pytest.raises(TypeError, match=r"unexpected parameters 'hiden_layer_sizes'; "
                                        "besides its own parameters it takes encoder__<name>, "
                                        "decoder__<name>"):
        model.fit(X)
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(TypeError, match=r"PretrainedAEClassifier got unexpected parameters "
                                        r"'encoder__width'.*takes head__<name>"):
        PretrainedAEClassifier(encoder__width=3).fit(X, y)


def test_greedy_pretraining_of_custom_layers(blobs):
    X, _ = blobs
    model = ae(pretraining="greedy").fit(X)
    assert {row["layer"] for row in model.net_.history} == {0, 1}
    assert model.n_iter_ == len(model.net_.history) == len(model.loss_curve_)


def test_denoising_with_a_custom_body(blobs):
    X, _ = blobs
    dae = DenoisingAutoencoder(2, encoder=Encoder, decoder=Decoder, noise="gaussian",
                               noise_level=0.1, **TRAIN).fit(X)
    assert dae.corrupt(X, random_state=0).shape == X.shape
    assert not np.allclose(dae.corrupt(X, random_state=0), X)
    np.testing.assert_array_equal(dae.corrupt(X, random_state=1), dae.corrupt(X, random_state=1))


def test_classifier_on_a_custom_encoder_with_a_custom_head(blobs):
    X, y = blobs
    y_few = np.where(np.arange(len(y)) < 60, y, -1)
    clf = PretrainedAEClassifier(ae(), head=Head, head__hidden=8,
                                 **FAST_CLASSIFIER).fit(X, y_few)
    assert clf.net_.module_.head.net[0].out_features == 8
    assert clf.score(X[60:], y[60:]) > 0.8
    frozen = PretrainedAEClassifier(ae(), freeze_encoder=True, **FAST_CLASSIFIER).fit(X, y_few)
    assert not any(p.requires_grad for p in frozen.net_.module_.encoder.parameters())
    one = PretrainedAEClassifier(ae(), freeze_encoder=1, **FAST_CLASSIFIER).fit(X, y_few)
    assert [p.requires_grad for p in one.net_.module_.encoder.parameters()] == [
        False, False, False, False, True, True]


def test_freezing_layers_of_an_encoder_without_them_is_a_clear_error(blobs):
    X, y = blobs
    flat = AutoencoderTransformer(2, encoder=Flat, decoder=FlatDecoder, **TRAIN)
    PretrainedAEClassifier(flat, freeze_encoder=True, **FAST_CLASSIFIER).fit(X, y)
    with pytest.raises(ValueError, match="freeze_encoder=1 needs the encoder's layers"):
        PretrainedAEClassifier(flat, freeze_encoder=1, **FAST_CLASSIFIER).fit(X, y)


def test_head_hidden_layer_sizes_must_be_positive(blobs):
    # Regression: (0,) built a head that output only its bias.
    X, y = blobs
    with pytest.raises(ValueError, match=r"head_hidden_layer_sizes must hold positive"):
        PretrainedAEClassifier(AutoencoderTransformer(2, **FAST),
                               head_hidden_layer_sizes=(0,), **FAST_CLASSIFIER).fit(X, y)


def test_every_built_in_body_is_one_registry_entry():
    assert set(BODIES) == {"dense", "conv", "lstm", "gru"}
    for name, body in BODIES.items():
        shape = {1: None, 2: (5, 3), 3: (1, 8, 8)}[body.rank]
        options = {"encoder__conv_channels": (4,)} if name == "conv" else {}
        settings = AutoencoderTransformer(2, encoder=name, hidden_layer_sizes=(4,),
                                          activation="relu", dropout=0.0,
                                          **options).get_params(deep=False)
        # The plan resolves the estimator's 'auto' settings before they reach a body.
        plan = plan_network(settings, 10, 15 if shape is None else int(np.prod(shape)), shape)
        assert plan.encoder.module is body.encoder, name
        encoder = build_module("encoder", plan.encoder.module, plan.encoder.kwargs,
                               plan.encoder.inferred)
        X = torch.zeros(3, *(shape or (15,)))
        assert encoder(X).shape == (3, 2), name
