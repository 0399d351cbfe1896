import math

import pytest
import torch
from torch import nn

from skae.penalties import consistency, contractive, kl_sparsity, l1_activity


def test_l1_activity_known_value():
    code = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    # Row sums of |code|: 3.5 and 4.0.
    torch.testing.assert_close(l1_activity(code), torch.tensor(3.75))


def test_l1_activity_gradient_is_sign_over_batch_size():
    code = torch.tensor([[1.0, -2.0], [-0.5, 3.0]], requires_grad=True)
    l1_activity(code).backward()
    torch.testing.assert_close(code.grad, torch.sign(code.detach()) / 2)


@pytest.mark.parametrize("target", [0.05, 0.3])
def test_kl_sparsity_zero_at_target(target):
    penalty = kl_sparsity(torch.full((6, 4), target), target)
    assert penalty.shape == ()
    assert abs(float(penalty)) < 1e-6


def test_kl_sparsity_known_value():
    target, mean = 0.1, 0.4
    code = torch.tensor([[0.2, 0.4], [0.6, 0.4]])
    expected = 2 * (target * math.log(target / mean)
                    + (1 - target) * math.log((1 - target) / (1 - mean)))
    assert float(kl_sparsity(code, target)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("mean", [0.01, 0.2, 0.9])
def test_kl_sparsity_positive_away_from_target(mean):
    assert float(kl_sparsity(torch.full((5, 3), mean), 0.05)) > 1e-3


def test_kl_sparsity_finite_at_saturated_codes():
    code = torch.cat([torch.zeros(2, 2), torch.ones(2, 2)], dim=1)
    assert torch.isfinite(kl_sparsity(code, 0.05))


def test_kl_sparsity_differentiable_and_pulls_towards_target(seed):
    torch.manual_seed(seed)
    code = torch.rand(8, 3).mul(0.5).add(0.25).requires_grad_(True)
    kl_sparsity(code, 0.05).backward()
    assert code.grad is not None and torch.isfinite(code.grad).all()
    # Mean activations above the target: lowering any activation lowers the penalty.
    assert (code.grad > 0).all()


def _tanh_encoder():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh())


def _jacobian_penalty(encoder, X):
    total = 0.0
    for row in X:
        jacobian = torch.autograd.functional.jacobian(encoder, row)
        assert jacobian.shape == (2, 3)
        total = total + jacobian.pow(2).sum()
    return total / len(X)


def _contractive_of(encoder, X):
    """The penalty as the training step computes it: from the code of an input needing grad."""
    X = X.detach().requires_grad_(True)
    return contractive(encoder(X), X)


def test_contractive_equals_mean_squared_jacobian_norm(seed):
    torch.manual_seed(seed)
    encoder = _tanh_encoder()
    X = torch.randn(5, 3)
    expected = _jacobian_penalty(encoder, X)
    torch.testing.assert_close(_contractive_of(encoder, X), expected)


def test_contractive_linear_encoder_known_value():
    weight = torch.tensor([[1.0, 2.0], [0.0, 3.0]])
    X = torch.randn(4, 2, requires_grad=True)
    penalty = contractive(X @ weight.T + 1.0, X)
    torch.testing.assert_close(penalty, torch.tensor(14.0))


def test_contractive_differentiable_wrt_encoder_parameters(seed):
    torch.manual_seed(seed)
    encoder = _tanh_encoder()
    X = torch.randn(5, 3)
    _contractive_of(encoder, X).backward()
    grads = [p.grad for p in encoder.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    # The gradient matches differentiating the independently computed penalty.
    reference = _tanh_encoder()
    reference.load_state_dict(encoder.state_dict())
    params = list(reference.parameters())
    penalty = 0.0
    for row in X:
        jacobian = torch.autograd.functional.jacobian(reference, row, create_graph=True)
        penalty = penalty + jacobian.pow(2).sum()
    (penalty / len(X)).backward()
    for got, param in zip(grads, params, strict=True):
        torch.testing.assert_close(got, param.grad)


def test_contractive_does_not_touch_input_or_accumulate_gradients(seed):
    torch.manual_seed(seed)
    encoder = _tanh_encoder()
    X = torch.randn(4, 3)
    X_grad = X.detach().requires_grad_(True)
    before = X_grad.detach().clone()
    penalty = contractive(encoder(X_grad), X_grad)
    # The Jacobian is taken with torch.autograd.grad: nothing lands in .grad.
    assert X_grad.grad is None
    assert all(p.grad is None for p in encoder.parameters())
    assert not X.requires_grad and X.grad is None
    torch.testing.assert_close(X_grad.detach(), before)
    torch.testing.assert_close(penalty, _jacobian_penalty(encoder, X))


def test_consistency_uses_confident_clean_predictions_only():
    clean = torch.tensor([[10.0, 0.0], [0.0, 0.0]])
    noisy = torch.tensor([[0.0, 0.0], [0.0, 10.0]], requires_grad=True)
    penalty = consistency(clean, noisy)
    # Only the first row is confident: cross-entropy log(2), averaged over both rows.
    assert penalty.item() == pytest.approx(math.log(2) / 2)
    penalty.backward()
    assert noisy.grad[1].abs().sum() == 0
    assert consistency(clean, clean.clone(), threshold=1.0).item() == 0
