import pytest
import torch
from torch import nn

from skae.modules.conv import ConvDecoder, ConvEncoder, conv_output_sizes

IMAGE_SHAPES = [(1, 28, 28), (3, 32, 32), (1, 8, 8), (3, 45, 37), (1, 1, 1), (2, 5, 3)]
ARCHITECTURES = [((), 3), ((4,), 3), ((4, 6), 3), ((3, 4, 5), 5), ((4, 6), 4), ((2,), 1)]


def _kinds(module):
    return [type(m) for m in module.modules()]


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES)
@pytest.mark.parametrize(("conv_channels", "kernel_size"), ARCHITECTURES)
def test_encoder_decoder_shapes(image_shape, conv_channels, kernel_size, seed):
    torch.manual_seed(seed)
    kwargs = dict(conv_channels=conv_channels, kernel_size=kernel_size)
    encoder = ConvEncoder(image_shape, 3, **kwargs)
    decoder = ConvDecoder(image_shape, 3, **kwargs)
    code = encoder(torch.randn(2, *image_shape))
    assert code.shape == (2, 3)
    assert decoder(code).shape == (2, *image_shape)


@pytest.mark.parametrize("image_shape", IMAGE_SHAPES)
def test_every_decoder_stage_matches_the_encoder_stage(image_shape, seed):
    torch.manual_seed(seed)
    encoder = ConvEncoder(image_shape, 2, conv_channels=(3, 4, 5))
    decoder = ConvDecoder(image_shape, 2, conv_channels=(3, 4, 5))
    X = torch.randn(2, *image_shape)
    encoder_sizes = []
    for block in encoder.layers[:-1]:
        X = block(X)
        encoder_sizes.append(tuple(X.shape[1:]))
    decoder_sizes = []
    X = encoder.layers[-1](X)
    for block in decoder.layers[:-1]:
        X = block(X)
        decoder_sizes.append(tuple(X.shape[1:]))
    assert decoder_sizes == encoder_sizes[::-1]
    heights_widths = conv_output_sizes(*image_shape[1:], 3, kernel_size=3)[1:]
    assert [size[1:] for size in encoder_sizes] == heights_widths


def test_conv_output_sizes_halve_rounding_up_and_never_reach_zero():
    assert conv_output_sizes(45, 37, 3, kernel_size=3) == [(45, 37), (23, 19), (12, 10), (6, 5)]
    assert conv_output_sizes(1, 2, 4, kernel_size=5) == [(1, 2), (1, 1), (1, 1), (1, 1), (1, 1)]
    assert conv_output_sizes(8, 8, 0, kernel_size=3) == [(8, 8)]


def test_layers_contract():
    encoder = ConvEncoder((1, 8, 8), 2, conv_channels=(3, 4))
    decoder = ConvDecoder((1, 8, 8), 2, conv_channels=(3, 4))
    assert isinstance(encoder.layers, nn.Sequential)
    assert len(encoder.layers) == len(decoder.layers) == 3
    assert [type(m) for m in encoder.layers[0]] == [nn.Conv2d, nn.ReLU]
    assert [type(m) for m in encoder.layers[-1]] == [nn.Flatten, nn.Linear, nn.Identity]
    assert [type(m) for m in decoder.layers[0]] == [nn.Linear, nn.ReLU, nn.Unflatten]
    assert [type(m) for m in decoder.layers[-1]] == [nn.ConvTranspose2d, nn.Identity]
    empty = ConvEncoder((1, 8, 8), 2, conv_channels=())
    assert len(empty.layers) == 1
    assert [type(m) for m in ConvDecoder((1, 8, 8), 2, conv_channels=(),
                                         output_activation="sigmoid").layers[0]] == [
        nn.Linear, nn.Sigmoid, nn.Unflatten]


def test_defaults_have_no_batch_norm_or_dropout():
    for module in (ConvEncoder((1, 8, 8), 2), ConvDecoder((1, 8, 8), 2)):
        kinds = _kinds(module)
        assert nn.BatchNorm2d not in kinds and nn.Dropout not in kinds


@pytest.mark.parametrize("module_class", [ConvEncoder, ConvDecoder])
def test_batch_norm_and_dropout_on_every_hidden_layer(module_class):
    module = module_class((1, 8, 8), 2, conv_channels=(3, 4, 5), batch_norm=True, dropout=0.2,
                          activation="tanh")
    batch_norms = [m for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
    dropouts = [m for m in module.modules() if isinstance(m, nn.Dropout)]
    if module_class is ConvEncoder:
        assert [bn.num_features for bn in batch_norms] == [3, 4, 5]
        assert [type(m) for m in module.layers[0]] == [nn.Conv2d, nn.BatchNorm2d, nn.Tanh,
                                                       nn.Dropout]
    else:
        # The reconstruction layer is left plain.
        assert [bn.num_features for bn in batch_norms] == [4, 3]
        assert [type(m) for m in module.layers[-1]] == [nn.ConvTranspose2d, nn.Identity]
    assert len(dropouts) == len(batch_norms)
    assert all(d.p == 0.2 for d in dropouts)


def test_code_and_output_activations(seed):
    torch.manual_seed(seed)
    encoder = ConvEncoder((1, 5, 5), 3, conv_channels=(2,), code_activation="sigmoid")
    decoder = ConvDecoder((1, 5, 5), 3, conv_channels=(2,), output_activation="sigmoid")
    code = encoder(10 * torch.randn(4, 1, 5, 5))
    out = decoder(10 * torch.randn(4, 3))
    assert ((code > 0) & (code < 1)).all() and ((out > 0) & (out < 1)).all()


def test_freezing_first_layer_keeps_it_fixed(seed):
    torch.manual_seed(seed)
    encoder = ConvEncoder((1, 8, 8), 2, conv_channels=(3, 4))
    for param in encoder.layers[:1].parameters():
        param.requires_grad_(False)
    frozen = [p.clone() for p in encoder.layers[:1].parameters()]
    trained = [p.clone() for p in encoder.layers[1:].parameters()]
    optimizer = torch.optim.Adam(encoder.parameters(), lr=0.1)
    encoder(torch.randn(4, 1, 8, 8)).pow(2).sum().backward()
    optimizer.step()
    for before, after in zip(frozen, encoder.layers[:1].parameters(), strict=True):
        assert torch.equal(before, after)
    for before, after in zip(trained, encoder.layers[1:].parameters(), strict=True):
        assert not torch.equal(before, after)


def test_training_reduces_reconstruction_error(seed):
    torch.manual_seed(seed)
    # Mixtures of four random patterns, in [0, 1].
    X = (torch.rand(16, 4) @ torch.rand(4, 2 * 9 * 7)).reshape(16, 2, 9, 7) / 4
    encoder = ConvEncoder((2, 9, 7), 4, conv_channels=(4, 8))
    decoder = ConvDecoder((2, 9, 7), 4, conv_channels=(4, 8), output_activation="sigmoid")
    model = nn.Sequential(encoder, decoder)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    initial = nn.functional.mse_loss(model(X), X).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), X)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5 * initial


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(image_shape=(28, 28)), r"image_shape must be a tuple of 3 positive ints"),
    (dict(image_shape=(1, 0, 28)), r"image_shape .* got \(1, 0, 28\)"),
    (dict(image_shape=784), r"such as \(1, 28, 28\)"),
    (dict(n_components=0), r"n_components must be a positive int; got 0"),
    (dict(conv_channels=32), r"conv_channels must be a tuple of positive ints.*got 32"),
    (dict(conv_channels=(32, -1)), r"conv_channels .* or \(\) for no convolution"),
    (dict(kernel_size=0), r"kernel_size must be an int >= 1, such as 3; got 0"),
    (dict(kernel_size=2.5), r"kernel_size must be an int >= 1"),
    (dict(dropout=1.0), r"dropout must be a probability in \[0, 1\); got 1.0"),
    (dict(activation="swish"), r"activation must be one of \['elu', .*got 'swish'"),
])
@pytest.mark.parametrize("module_class", [ConvEncoder, ConvDecoder])
def test_invalid_arguments(module_class, kwargs, match):
    params = {"image_shape": (1, 8, 8), "n_components": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        module_class(**params)


def test_invalid_code_and_output_activation():
    with pytest.raises(ValueError, match="code_activation must be one of"):
        ConvEncoder((1, 8, 8), 2, code_activation="softmax")
    with pytest.raises(ValueError, match="output_activation must be one of"):
        ConvDecoder((1, 8, 8), 2, output_activation="softmax")
