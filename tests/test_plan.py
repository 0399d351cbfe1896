"""What ``fit`` resolves (``plan_`` and the fitted ``*_`` attributes) and the prefixed
parameters (``encoder__``, ``decoder__``, ``optimizer__``, ``callbacks__``)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import LRScheduler

from skae import AutoencoderTransformer, PretrainedAEClassifier
from skae._plan import Plan, TrainingPlan, plan_training
from skae.regularizers import L1, TopK

from .conftest import FAST


def images(shape, n=40, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def test_fitted_attributes_resolve_every_auto(blobs):
    X, _ = blobs  # 200 rows, 10 features
    ae = AutoencoderTransformer(3, max_epochs=2, random_state=0).fit(X)
    # 'auto' layers: the power of two at or above 10 features, at least 32; a code of 3 is
    # more than a 16th of 10 features, so one layer.
    assert ae.hidden_layer_sizes_ == (32,)
    # 20 held-out rows: early stopping; 180 training rows / 10 rounds to 16, within 16-128;
    # two epochs of 12 steps are far below 10,000 steps: the largest 'auto' rate.
    assert ae.early_stopping_ is True
    assert ae.batch_size_ == 16 and ae.lr_ == 3e-3
    assert ae.max_epochs_ == 2
    assert ae.activation_ == "gelu"
    # 2 * (10 * 32 + 32 * 3) = 832 weights, under 16 per row: no dropout.
    assert ae.dropout_ == 0.0
    assert ae.linear_path_ is True
    assert isinstance(ae.plan_, Plan)
    assert ae.plan_.training == TrainingPlan(16, 3e-3, 2, True, "valid_loss")
    assert ae.plan_.training == plan_training(ae.get_params(deep=False), 200)
    network = ae.plan_.network
    assert network.hidden_layer_sizes == (32,) and network.code_shape == (3,)
    assert network.encoder.kwargs["hidden_layer_sizes"] == (32,)
    assert network.encoder.kwargs["activation"] == "gelu"
    assert network.linear_path is True and network.tied_weights is False
    # The parameters themselves stay as given.
    assert ae.hidden_layer_sizes == "auto" and ae.batch_size == "auto"
    assert ae.activation == "auto" and ae.dropout == "auto" and ae.linear_path == "auto"


@pytest.mark.parametrize("n_samples, batch_size, epochs, lr", [
    (100, 16, 200, 1e-3 * (10_000 / 1_200) ** 0.5),  # 6 steps an epoch
    (1_437, 128, 200, 1e-3 * (10_000 / 2_200) ** 0.5),
    (12_000, 128, 118, 1e-3),  # the full budget
])
def test_auto_lr_grows_as_the_run_shortens(n_samples, batch_size, epochs, lr):
    params = dict(early_stopping=True, validation_fraction=0.1, lr="auto",
                  batch_size="auto", max_epochs="auto")
    plan = plan_training(params, n_samples)
    assert (plan.batch_size, plan.max_epochs) == (batch_size, epochs)
    assert plan.lr == pytest.approx(lr)
    # A learning rate of the user's own stays as given.
    assert plan_training({**params, "lr": 0.01}, n_samples).lr == 0.01


def test_fitted_attributes_of_explicit_settings(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(3, activation="tanh", dropout=0.1, regularizer=L1(0.01),
                                encoder__tied_weights=True, **FAST).fit(X)
    assert ae.hidden_layer_sizes_ == (8,)
    assert ae.batch_size_ == 32 and ae.max_epochs_ == 3 and ae.early_stopping_ is False
    assert ae.activation_ == "tanh" and ae.dropout_ == 0.1
    assert ae.linear_path_ is False  # 'auto' is off with a sparse regularizer
    assert ae.plan_.network.tied_weights is True
    assert ae.plan_.training.monitor == "train_loss"


def test_fitted_attributes_of_a_conv_body():
    X = images((1, 8, 8))
    ae = AutoencoderTransformer(4, encoder="conv", encoder__conv_channels=(4,),
                                max_epochs=1, random_state=0).fit(X)
    assert ae.hidden_layer_sizes_ is None
    assert ae.activation_ == "relu" and ae.dropout_ == 0.0


def test_encoder_options_reach_the_mirrored_decoder():
    X = images((1, 8, 8))
    ae = AutoencoderTransformer(4, encoder="conv", encoder__conv_channels=(4, 3),
                                max_epochs=1, random_state=0).fit(X)
    assert ae.plan_.network.encoder.kwargs["conv_channels"] == (4, 3)
    assert ae.plan_.network.decoder.kwargs["conv_channels"] == (4, 3)
    assert ae.get_params()["encoder__conv_channels"] == (4, 3)


def test_decoder_options_override_the_decoder_only():
    X = images((1, 8, 8))
    # Two convolutions: the decoder's first transposed convolution gets a batch norm.
    ae = AutoencoderTransformer(4, encoder="conv", encoder__conv_channels=(4, 3),
                                decoder__batch_norm=True, max_epochs=1,
                                random_state=0).fit(X)
    assert ae.plan_.network.encoder.kwargs["batch_norm"] is False
    assert ae.plan_.network.decoder.kwargs["batch_norm"] is True
    assert ae.plan_.network.decoder.kwargs["conv_channels"] == (4, 3)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in ae.encoder_.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in ae.decoder_.modules())


def test_decoder_output_activation_overrides_the_default(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(3, decoder__output_activation="tanh", **FAST).fit(X)
    assert ae.plan_.network.decoder.kwargs["output_activation"] == "tanh"
    assert "output_activation" not in ae.plan_.network.encoder.kwargs
    assert ae.linear_path_ is False  # 'auto' needs a linear reconstruction
    assert np.abs(ae.reconstruct(X)).max() <= 1


def test_unknown_body_option_names_the_known_ones(blobs):
    with pytest.raises(ValueError, match=r"encoder='dense' has no option 'conv_channels'; "
                                         r"its options are \[.*'batch_norm'.*\]"):
        AutoencoderTransformer(encoder__conv_channels=(4,), **FAST).fit(blobs[0])
    with pytest.raises(ValueError, match=r"decoder='dense' has no option 'kernel_size'"):
        AutoencoderTransformer(decoder__kernel_size=3, **FAST).fit(blobs[0])


@pytest.mark.parametrize("name, value, hint", [
    ("max_iter", 5, "max_epochs"),
    ("alpha", 1e-4, "weight_decay"),
    ("image_shape", (1, 8, 8), "sample_shape"),
])
def test_parameters_of_other_libraries_get_a_hint(blobs, name, value, hint):
    message = (rf"AutoencoderTransformer got unexpected parameters '{name}' "
               rf"\(did you mean {hint}\?\)")
    ae = AutoencoderTransformer(**{name: value}, **FAST)
    with pytest.raises(TypeError, match=message):
        ae.fit(blobs[0])
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(**FAST).set_params(**{name: value})


def test_optimizer_class_and_its_prefixed_arguments(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(2, optimizer=torch.optim.SGD, optimizer__momentum=0.5,
                                **{**FAST, "lr": 1e-2}).fit(X)
    assert isinstance(ae.net_.optimizer_, torch.optim.SGD)
    assert ae.net_.optimizer_.param_groups[0]["momentum"] == 0.5
    assert ae.get_params()["optimizer__momentum"] == 0.5


def test_set_params_reaches_a_named_callback(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(
        2, callbacks=[("lr", LRScheduler(policy="StepLR", step_size=1))], **FAST)
    ae.set_params(callbacks__lr__step_size=3)
    assert ae.get_params()["callbacks__lr__step_size"] == 3
    ae.fit(X)
    callback = dict(ae.net_.callbacks_)["lr"]
    assert isinstance(callback, LRScheduler)
    assert callback.step_size == 3
    assert callback.lr_scheduler_.step_size == 3


def test_grid_search_over_the_regularizer_weight(blobs):
    X, _ = blobs
    grid = GridSearchCV(AutoencoderTransformer(8, regularizer=L1(), **FAST),
                        {"regularizer__weight": [1e-3, 10.0]}, cv=2).fit(X)
    assert grid.best_params_["regularizer__weight"] in {1e-3, 10.0}
    assert grid.best_estimator_.regularizer.weight == grid.best_params_["regularizer__weight"]


def test_grid_search_over_body_options():
    X = images((1, 8, 8), n=60).reshape(60, -1)
    grid = GridSearchCV(
        AutoencoderTransformer(4, encoder="conv", sample_shape=(1, 8, 8), max_epochs=1,
                               random_state=0),
        {"encoder__conv_channels": [(4,), (4, 3)]}, cv=2).fit(X)
    assert grid.best_params_["encoder__conv_channels"] in {(4,), (4, 3)}
    assert (grid.best_estimator_.plan_.network.decoder.kwargs["conv_channels"]
            == grid.best_params_["encoder__conv_channels"])


def test_clone_and_pickle_keep_prefixed_parameters_and_the_regularizer(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(4, regularizer=TopK(0.5), encoder__batch_norm=True,
                                decoder__output_activation="tanh", **FAST)
    copy = clone(ae)
    assert copy.get_params()["encoder__batch_norm"] is True
    assert copy.get_params()["decoder__output_activation"] == "tanh"
    assert isinstance(copy.regularizer, TopK) and copy.regularizer is not ae.regularizer
    assert copy.regularizer.fraction == 0.5
    ae.fit(X)
    loaded = pickle.loads(pickle.dumps(ae))
    assert loaded.get_params()["encoder__batch_norm"] is True
    assert loaded.get_params()["decoder__output_activation"] == "tanh"
    assert loaded.regularizer.get_params() == {"fraction": 0.5}
    assert loaded.plan_ == ae.plan_
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    refit = clone(loaded).fit(X)
    np.testing.assert_allclose(refit.transform(X), ae.transform(X), rtol=1e-5, atol=1e-6)


def test_classifier_fitted_attributes(blobs):
    X, y = blobs
    clf = PretrainedAEClassifier(AutoencoderTransformer(2, **FAST), max_epochs=2,
                                 batch_size=64, random_state=0).fit(X, y)
    assert clf.plan_.network is None  # its network is its autoencoder's encoder and a head
    assert clf.plan_.training.batch_size == clf.batch_size_ == 64
    assert clf.plan_.training.max_epochs == clf.max_epochs_ == 2
    assert clf.plan_.training.early_stopping == clf.early_stopping_
    assert isinstance(clf.early_stopping_, bool)
