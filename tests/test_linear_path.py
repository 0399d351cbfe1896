"""The PCA-initialised linear path: never worse than PCA, and the 'auto' defaults."""

import numpy as np
import pytest
import torch
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer, DenoisingAutoencoder
from skae._plan import TrainingPlan, auto_hidden_layer_sizes, plan_training
from skae.modules import DenseDecoder, DenseEncoder, LinearPath
from skae.regularizers import KL, L1, TopK


def _standardised(name):
    X = getattr(datasets, f"load_{name}")(return_X_y=True)[0]
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


def _body_learned(path):
    """Whether a LinearPath's body adds anything: training moved it off its muted start."""
    output = path.body.output_layer
    return path.gate.item() != 0 and output.weight.abs().sum().item() > 0


def _pca_error(X_train, X_test, n_components):
    pca = PCA(n_components).fit(X_train)
    return np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)


CASES = [(name, size) for name, d in [("iris", 4), ("wine", 13), ("breast_cancer", 30),
                                      ("diabetes", 10), ("digits", 64)]
         for size in sorted({2, max(1, d // 4), d // 2})]


@pytest.mark.parametrize("name, n_components", CASES)
def test_never_worse_than_pca_on_held_out_rows(name, n_components):
    X_train, X_test = _standardised(name)
    ae = AutoencoderTransformer(n_components, max_epochs=15, random_state=0).fit(X_train)
    assert -ae.score(X_test) <= _pca_error(X_train, X_test, n_components) * (1 + 1e-4)


def test_training_starts_at_pca_and_keeps_it_when_nothing_beats_it(digits):
    X = digits[0][:600]
    # No epoch can improve on the start by tol: the start is restored.
    ae = AutoencoderTransformer(5, tol=1e6, early_stopping=True, random_state=0).fit(X)
    # The exact solution, in float64: the start is no approximation of it.
    X64 = X.astype(np.float64)
    pca = PCA(5, svd_solver="full").fit(X64)
    np.testing.assert_allclose(ae.reconstruct(X), pca.inverse_transform(pca.transform(X64)),
                               atol=1e-4)
    assert np.allclose(np.abs(ae.transform(X)), np.abs(pca.transform(X64)), atol=1e-4)
    assert ae.n_iter_ == ae.n_iter_no_change + 1


def test_linear_path_wraps_the_body_and_learns(digits):
    X = digits[0]
    ae = AutoencoderTransformer(8, max_epochs=5, random_state=0).fit(X)
    assert isinstance(ae.encoder_, LinearPath) and isinstance(ae.decoder_, LinearPath)
    assert isinstance(ae.encoder_.body, DenseEncoder)
    assert isinstance(ae.decoder_.body, DenseDecoder)
    assert _body_learned(ae.encoder_) and _body_learned(ae.decoder_)
    assert -ae.score(X) < _pca_error(X, X, 8)


@pytest.mark.parametrize("params", [
    dict(loss="bce"), dict(decoder__output_activation="sigmoid"), dict(pretraining="greedy"),
    dict(regularizer=KL()), dict(regularizer=L1()), dict(regularizer=TopK(0.5)),
    dict(encoder=DenseEncoder, decoder=DenseDecoder),
    dict(linear_path=False),
])
def test_auto_turns_the_linear_path_off(digits01, params):
    ae = AutoencoderTransformer(4, max_epochs=1, random_state=0, **params).fit(digits01[0])
    assert not isinstance(ae.encoder_, LinearPath)


def test_linear_path_on_modules_of_your_own(digits):
    ae = AutoencoderTransformer(4, encoder=DenseEncoder, decoder=DenseDecoder,
                                linear_path=True, max_epochs=2, random_state=0)
    assert isinstance(ae.fit(digits[0]).encoder_, LinearPath)


@pytest.mark.parametrize("params, message", [
    (dict(loss="bce"), "linear reconstruction"),
    (dict(pretraining="greedy"), "pretraining='joint'"),
    (dict(regularizer=KL()), "KL regularizer squashes them"),
])
def test_linear_path_conflicts_are_clear_errors(digits01, params, message):
    ae = AutoencoderTransformer(4, linear_path=True, max_epochs=1, **params)
    with pytest.raises(ValueError, match=message):
        ae.fit(digits01[0])
    assert not hasattr(ae, "net_")


def test_denoising_autoencoder_starts_at_pca_too(digits):
    dae = DenoisingAutoencoder(8, max_epochs=3, random_state=0).fit(digits[0])
    assert isinstance(dae.encoder_, LinearPath)


def test_overcomplete_code_pads_components_with_zeros(blobs):
    X = blobs[0]
    ae = AutoencoderTransformer(12, max_epochs=2, random_state=0).fit(X)
    assert ae.transform(X).shape == (200, 12)


def test_linear_path_module_starts_as_its_linear_map():
    path = LinearPath(torch.nn.Conv2d(1, 1, 3, padding=1), 16, 16)
    X = torch.randn(2, 1, 4, 4)
    assert torch.equal(path(X), path.linear(X.flatten(1)).reshape(2, 1, 4, 4))


@pytest.mark.parametrize("body, X", [
    (DenseEncoder(6, 3, (5,), activation="gelu"), torch.randn(4, 6)),
    (DenseDecoder(6, 3, (5,), tied_to=DenseEncoder(6, 3, (5,))), torch.randn(4, 3)),
    (torch.nn.Conv2d(1, 1, 3, padding=1), torch.randn(2, 1, 4, 4)),
])
def test_linear_path_computes_linear_plus_gated_body(body, X):
    # The forward pass fuses the gate and the sum; it computes, and differentiates, the
    # documented function for any weights.
    torch.manual_seed(0)
    path = LinearPath(body, X[0].numel(), body(X)[0].numel())
    with torch.no_grad():
        path.gate.fill_(0.7)
    X = X.requires_grad_(True)

    def reference(X):
        out = path.body(X)
        return path.linear(X.flatten(1)).reshape(out.shape) + path.gate * out

    fused, plain = path(X), reference(X)
    torch.testing.assert_close(fused, plain, rtol=0, atol=1e-6)
    weights = torch.randn_like(plain)
    grads = [torch.autograd.grad((f * weights).sum(), [X, *path.parameters()])
             for f in (fused, plain)]
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_zeroed_output_start_leaves_pca():
    # breast_cancer, code 15 (d/2): bodies started behind gates at 0 never get going here
    # and early stopping restores PCA's solution; with zeroed output layers (the default
    # of untied dense bodies) they learn.
    X_train, X_test = _standardised("breast_cancer")
    pca = _pca_error(X_train, X_test, 15)
    fit = AutoencoderTransformer(15, max_epochs=30, random_state=0).fit(X_train)
    assert fit.encoder_.gate.item() != 0
    assert -fit.score(X_test) < 0.8 * pca


@pytest.mark.parametrize("params, expected", [
    (dict(), "zero_output"), (dict(encoder__tied_weights=True), "tied"),
])
def test_bodies_start_muted_untied_dense_output_layers_zeroed(digits, params, expected):
    # No epoch can improve on the start by tol: the start is restored.
    ae = AutoencoderTransformer(4, max_epochs=2, n_iter_no_change=1, tol=1e6,
                                early_stopping=True, random_state=0, **params).fit(digits[0])
    X = torch.as_tensor(digits[0][:5], dtype=torch.float32)
    for path in (ae.encoder_, ae.decoder_):
        # Either way the module starts as its linear path alone: PCA.
        inputs = X if path is ae.encoder_ else ae.encoder_(X)
        torch.testing.assert_close(path(inputs), path.linear(inputs))
    assert ae.encoder_.gate.item() == 1 and not ae.encoder_.body.output_layer.weight.any()
    # A tied decoder's output layer is the encoder's first layer: it stays gated.
    assert (ae.decoder_.gate.item() == 1) == (expected == "zero_output")


def test_zero_output_needs_an_output_layer():
    path = LinearPath(torch.nn.Conv2d(1, 1, 3, padding=1), 16, 16)
    with pytest.raises(ValueError, match="no output_layer to zero.*'gate' or 'auto'"):
        path.mute_body("zero_output")
    assert path.mute_body("auto") == "gate"


@pytest.mark.parametrize("n_features, n_components, expected", [
    (784, 32, (512, 256)), (784, 8, (512, 256)), (784, 64, (512,)), (64, 32, (64,)),
    (64, 2, (64, 32)), (64, 4, (64, 32)), (64, 5, (64,)), (4, 2, (32,)), (3000, 300, (512,)),
    (8192, 300, (512, 512)),
])
def test_auto_hidden_layer_sizes(n_features, n_components, expected):
    assert auto_hidden_layer_sizes(n_features, n_components) == expected


@pytest.mark.parametrize("n_samples, expected", [
    (5, dict(batch_size=16, max_epochs=200, early_stopping=False)),
    (150, dict(batch_size=16, max_epochs=200, early_stopping=True)),
    (8000, dict(batch_size=128, max_epochs=176, early_stopping=True)),
    (100_000, dict(batch_size=128, max_epochs=50, early_stopping=True)),
])
def test_auto_schedule(n_samples, expected):
    plan = plan_training(AutoencoderTransformer().get_params(), n_samples)
    assert (plan.batch_size, plan.max_epochs, plan.early_stopping) == tuple(expected.values())


def test_explicit_schedule_is_kept():
    params = AutoencoderTransformer(batch_size=7, max_epochs=3, early_stopping=False).get_params()
    # Three epochs of 1,429 steps are 4,287 of the 10,000-step budget: 'auto' lr scales up.
    lr = 1e-3 * (10_000 / 4_287) ** 0.5
    assert plan_training(params, 10_000) == TrainingPlan(7, lr, 3, False, "train_loss")


def test_denoiser_is_held_to_its_own_task_on_held_out_rows(digits01):
    X = digits01[0][:800]
    dae = DenoisingAutoencoder(32, noise="masking", noise_level=0.3, max_epochs=12,
                               n_iter_no_change=5, early_stopping=True, random_state=0).fit(X)
    # Judged on clean rows, masking makes it worse than its start (PCA) for many epochs and
    # early stopping would hand back PCA; judged on corrupted held-out rows it learns.
    assert _body_learned(dae.encoder_)
    assert dae.n_iter_ == 12
    scores = dae.validation_scores_
    assert scores[-1] > scores[0]
    # The held-out rows are corrupted alike at every epoch: the score is a function of the
    # weights alone, so scoring twice gives the same figure.
    net = dae.net_
    _, valid = net.get_split_datasets(X)
    batch = next(iter(net.get_iterator(valid, training=False)))
    assert net.validation_step(batch)["loss"].item() == net.validation_step(batch)["loss"].item()
