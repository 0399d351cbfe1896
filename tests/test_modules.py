import pytest
import torch
from torch import nn

from skae.modules import (
    Autoencoder,
    DenseDecoder,
    DenseEncoder,
    TiedLinear,
    TopK,
    make_activation,
)
from skae.modules.dense import ACTIVATIONS


class AddConstant(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, X):
        return X + self.value


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, X):
        return X * self.factor


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("hidden_layer_sizes", [(), (6,), (8, 5), (7, 4, 3)])
def test_dense_encoder_decoder_shapes(hidden_layer_sizes, seed):
    torch.manual_seed(seed)
    encoder = DenseEncoder(10, 2, hidden_layer_sizes=hidden_layer_sizes)
    decoder = DenseDecoder(10, 2, hidden_layer_sizes=hidden_layer_sizes)
    code = encoder(torch.randn(4, 10))
    assert code.shape == (4, 2)
    assert decoder(code).shape == (4, 10)
    assert len(encoder.linears) == len(hidden_layer_sizes) + 1
    widths = [layer.out_features for layer in encoder.linears]
    assert widths == [*hidden_layer_sizes, 2]


def test_dense_encoder_defaults_have_no_batch_norm_or_dropout():
    encoder = DenseEncoder(10, 2, hidden_layer_sizes=(6, 4))
    decoder = DenseDecoder(10, 2, hidden_layer_sizes=(6, 4))
    for module in (encoder, decoder):
        kinds = {type(m) for m in module.modules()}
        assert nn.BatchNorm1d not in kinds and nn.Dropout not in kinds


@pytest.mark.parametrize("module_class", [DenseEncoder, DenseDecoder])
def test_batch_norm_and_dropout_on_every_hidden_layer(module_class):
    module = module_class(10, 2, hidden_layer_sizes=(6, 4), dropout=0.3, batch_norm=True)
    batch_norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm1d)]
    dropouts = [m for m in module.modules() if isinstance(m, nn.Dropout)]
    assert len(batch_norms) == len(dropouts) == 2
    assert all(d.p == 0.3 for d in dropouts)
    # The code (encoder) and the reconstruction (decoder) layers are left plain.
    last = module.layers[-1]
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.Dropout)) for m in last)
    expected = [6, 4] if module_class is DenseEncoder else [4, 6]
    assert [bn.num_features for bn in batch_norms] == expected


def test_hidden_block_order_linear_batch_norm_activation_dropout():
    encoder = DenseEncoder(10, 2, hidden_layer_sizes=(6,), activation="tanh", dropout=0.1,
                           batch_norm=True)
    block = encoder.layers[0]
    assert [type(m) for m in block] == [nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Dropout]


def test_code_activation_applied(seed):
    torch.manual_seed(seed)
    encoder = DenseEncoder(5, 3, hidden_layer_sizes=(4,), code_activation="sigmoid")
    X = torch.randn(6, 5)
    hidden = encoder.layers[0](X)
    expected = torch.sigmoid(encoder.linears[-1](hidden))
    torch.testing.assert_close(encoder(X), expected)
    assert isinstance(encoder.layers[-1][1], nn.Sigmoid)


def test_output_activation_applied(seed):
    torch.manual_seed(seed)
    decoder = DenseDecoder(5, 3, output_activation="sigmoid")
    out = decoder(10 * torch.randn(6, 3))
    assert ((out > 0) & (out < 1)).all()


def test_tied_linear_applies_transposed_weight(seed):
    torch.manual_seed(seed)
    layer = nn.Linear(5, 3)
    tied = TiedLinear(layer)
    assert (tied.in_features, tied.out_features) == (3, 5)
    code = torch.randn(4, 3)
    torch.testing.assert_close(tied(code), code @ layer.weight + tied.bias)


def test_tied_linear_gradient_flows_into_tied_weight(seed):
    torch.manual_seed(seed)
    layer = nn.Linear(5, 3)
    tied = TiedLinear(layer)
    tied(torch.randn(4, 3)).pow(2).sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    assert tied.bias.grad is not None
    # The encoder bias does not take part in the decoding.
    assert layer.bias.grad is None


def test_tied_linear_follows_updates_of_the_encoder_weight():
    layer = nn.Linear(2, 2)
    tied = TiedLinear(layer)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    out = tied(torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0]]))


def test_tied_decoder_reuses_encoder_weights(seed):
    torch.manual_seed(seed)
    encoder = DenseEncoder(10, 3, hidden_layer_sizes=(6,))
    decoder = DenseDecoder(10, 3, hidden_layer_sizes=(6,), tied_to=encoder)
    tied = [block[0] for block in decoder.layers]
    assert all(isinstance(layer, TiedLinear) for layer in tied)
    assert [t.tied_to for t in tied] == list(reversed(encoder.linears))
    assert decoder(encoder(torch.randn(4, 10))).shape == (4, 10)


def test_tied_autoencoder_parameter_count():
    encoder = DenseEncoder(10, 3, hidden_layer_sizes=(6,))
    untied = DenseDecoder(10, 3, hidden_layer_sizes=(6,))
    tied = DenseDecoder(10, 3, hidden_layer_sizes=(6,), tied_to=encoder)
    n_encoder = _n_params(encoder)
    assert n_encoder == 10 * 6 + 6 + 6 * 3 + 3
    assert _n_params(untied) == 3 * 6 + 6 + 6 * 10 + 10
    # Shared weights count once in the whole model: the tied decoder adds its biases only.
    assert _n_params(Autoencoder(encoder, tied)) == n_encoder + 6 + 10


def test_tied_gradient_reaches_encoder_weight_through_autoencoder(seed):
    torch.manual_seed(seed)
    encoder = DenseEncoder(5, 2)
    model = Autoencoder(encoder, DenseDecoder(5, 2, tied_to=encoder))
    reconstruction, _ = model(torch.randn(4, 5))
    reconstruction.sum().backward()
    # The weight receives gradient from both the encoding and the decoding paths.
    weight = encoder.linears[0].weight
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def test_tied_decoder_owns_only_biases():
    encoder = DenseEncoder(10, 3, hidden_layer_sizes=(6,))
    decoder = DenseDecoder(10, 3, hidden_layer_sizes=(6,), tied_to=encoder)
    assert [name for name, _ in decoder.named_parameters()] == [
        "layers.0.0.bias", "layers.1.0.bias"]
    assert _n_params(decoder) == 6 + 10


def test_topk_keeps_exactly_k_largest_per_row(seed):
    torch.manual_seed(seed)
    code = torch.randn(8, 6)
    out = TopK(2)(code)
    kept = out != 0
    assert (kept.sum(dim=1) == 2).all()
    expected = code.topk(2, dim=1).indices.sort(dim=1).values
    assert torch.equal(kept.nonzero()[:, 1].reshape(8, 2), expected)
    torch.testing.assert_close(out[kept], code[kept])


def test_topk_gradient_only_through_kept_units(seed):
    torch.manual_seed(seed)
    code = torch.randn(5, 6, requires_grad=True)
    out = TopK(3)(code)
    out.sum().backward()
    torch.testing.assert_close(code.grad, (out != 0).float())


@pytest.mark.parametrize("k", [4, 10])
def test_topk_with_k_at_least_width_is_identity(k, seed):
    torch.manual_seed(seed)
    code = torch.randn(3, 4)
    assert TopK(k)(code) is code


def test_autoencoder_corruption_only_in_training_mode(seed):
    torch.manual_seed(seed)
    model = Autoencoder(nn.Identity(), nn.Identity(), corruption=AddConstant(5.0))
    X = torch.randn(3, 4)
    model.train()
    reconstruction, code = model(X)
    torch.testing.assert_close(code, X + 5.0)
    torch.testing.assert_close(reconstruction, X + 5.0)
    model.eval()
    reconstruction, code = model(X)
    torch.testing.assert_close(code, X)
    torch.testing.assert_close(reconstruction, X)
    # ``encode`` never corrupts, whatever the mode.
    model.train()
    torch.testing.assert_close(model.encode(X), X)


def test_autoencoder_code_transform_in_encode_and_forward(seed):
    torch.manual_seed(seed)
    model = Autoencoder(nn.Identity(), AddConstant(1.0), code_transform=Scale(3.0))
    X = torch.randn(3, 4)
    torch.testing.assert_close(model.encode(X), 3 * X)
    for mode in (True, False):
        model.train(mode)
        reconstruction, code = model(X)
        torch.testing.assert_close(code, 3 * X)
        torch.testing.assert_close(reconstruction, 3 * X + 1)


def test_autoencoder_with_topk_gives_sparse_codes(seed):
    torch.manual_seed(seed)
    model = Autoencoder(DenseEncoder(6, 4), DenseDecoder(6, 4), code_transform=TopK(1))
    _, code = model(torch.randn(5, 6))
    assert ((code != 0).sum(dim=1) == 1).all()
    assert ((model.encode(torch.randn(5, 6)) != 0).sum(dim=1) == 1).all()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_make_activation_returns_fresh_instances(name):
    first, second = make_activation(name), make_activation(name)
    assert type(first) is ACTIVATIONS[name]
    assert isinstance(first, nn.Module)
    assert first is not second


def test_make_activation_unknown_name():
    with pytest.raises(KeyError, match="swish"):
        make_activation("swish")
