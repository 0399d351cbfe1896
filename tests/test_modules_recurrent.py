import math

import pytest
import torch
from torch import nn

from skae.modules.recurrent import FinalHiddenState, RecurrentDecoder, RecurrentEncoder


def _sines(n_samples=16, n_steps=12):
    phase = 2 * math.pi * torch.rand(n_samples, 1)
    return torch.sin(0.5 * torch.arange(n_steps) + phase).unsqueeze(-1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("rnn_num_layers", [1, 3])
def test_encoder_decoder_shapes(cell, bidirectional, rnn_num_layers, seed):
    torch.manual_seed(seed)
    kwargs = dict(cell=cell, rnn_hidden_size=5, rnn_num_layers=rnn_num_layers,
                  bidirectional=bidirectional)
    encoder = RecurrentEncoder((7, 3), 4, **kwargs)
    decoder = RecurrentDecoder((7, 3), 4, **kwargs)
    code = encoder(torch.randn(2, 7, 3))
    assert code.shape == (2, 4)
    assert decoder(code).shape == (2, 7, 3)
    assert isinstance(decoder.rnn, nn.LSTM if cell == "lstm" else nn.GRU)
    assert encoder.layers[1][0].in_features == 5 * (2 if bidirectional else 1)


@pytest.mark.parametrize("sequence_shape", [(1, 1), (20, 2)])
def test_single_step_and_longer_sequences(sequence_shape, seed):
    torch.manual_seed(seed)
    encoder = RecurrentEncoder(sequence_shape, 2, rnn_hidden_size=4)
    decoder = RecurrentDecoder(sequence_shape, 2, rnn_hidden_size=4)
    assert decoder(encoder(torch.randn(3, *sequence_shape))).shape == (3, *sequence_shape)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_final_hidden_state_is_last_layer_in_both_directions(cell, seed):
    torch.manual_seed(seed)
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](3, 4, num_layers=2, batch_first=True,
                                                bidirectional=True)
    X = torch.randn(2, 6, 3)
    out, _ = rnn(X)
    # Forward direction ends at the last step, backward direction at the first.
    expected = torch.cat([out[:, -1, :4], out[:, 0, 4:]], dim=1)
    torch.testing.assert_close(FinalHiddenState(rnn)(X), expected)


def test_layers_contract():
    encoder = RecurrentEncoder((5, 2), 3, rnn_num_layers=2, code_activation="tanh")
    assert isinstance(encoder.layers, nn.Sequential) and len(encoder.layers) == 2
    assert isinstance(encoder.layers[0], FinalHiddenState)
    assert [type(m) for m in encoder.layers[1]] == [nn.Linear, nn.Tanh]


def test_dropout_between_stacked_layers_only():
    assert RecurrentEncoder((5, 2), 3, rnn_num_layers=2, dropout=0.3).layers[0].rnn.dropout == 0.3
    assert RecurrentDecoder((5, 2), 3, rnn_num_layers=2, dropout=0.3).rnn.dropout == 0.3
    # A single layer has no layer to drop out between; torch would warn about it.
    assert RecurrentEncoder((5, 2), 3, dropout=0.3).layers[0].rnn.dropout == 0.0
    assert RecurrentEncoder((5, 2), 3, rnn_num_layers=2).layers[0].rnn.dropout == 0.0


def test_code_and_output_activations(seed):
    torch.manual_seed(seed)
    encoder = RecurrentEncoder((4, 2), 3, rnn_hidden_size=4, code_activation="sigmoid")
    decoder = RecurrentDecoder((4, 2), 3, rnn_hidden_size=4, output_activation="sigmoid")
    code = encoder(10 * torch.randn(5, 4, 2))
    out = decoder(10 * torch.randn(5, 3))
    assert ((code > 0) & (code < 1)).all() and ((out > 0) & (out < 1)).all()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_decoder_code_sets_initial_state_and_inputs(cell, seed):
    torch.manual_seed(seed)
    decoder = RecurrentDecoder((6, 2), 3, cell=cell, rnn_hidden_size=4)
    n_states = 2 if cell == "lstm" else 1
    assert decoder.initial_state[0].out_features == n_states * 4
    code = torch.randn(2, 3, requires_grad=True)
    decoder(code).sum().backward()
    assert decoder.initial_state[0].weight.grad.abs().sum() > 0
    assert decoder.rnn.weight_ih_l0.grad.abs().sum() > 0


def test_freezing_first_layer_keeps_it_fixed(seed):
    torch.manual_seed(seed)
    encoder = RecurrentEncoder((5, 2), 3, cell="gru", rnn_hidden_size=4)
    for param in encoder.layers[:1].parameters():
        param.requires_grad_(False)
    frozen = [p.clone() for p in encoder.layers[:1].parameters()]
    trained = [p.clone() for p in encoder.layers[1:].parameters()]
    optimizer = torch.optim.Adam(encoder.parameters(), lr=0.1)
    encoder(torch.randn(4, 5, 2)).pow(2).sum().backward()
    optimizer.step()
    for before, after in zip(frozen, encoder.layers[:1].parameters(), strict=True):
        assert torch.equal(before, after)
    for before, after in zip(trained, encoder.layers[1:].parameters(), strict=True):
        assert not torch.equal(before, after)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_training_reduces_reconstruction_error(cell, seed):
    torch.manual_seed(seed)
    X = _sines()
    model = nn.Sequential(RecurrentEncoder((12, 1), 2, cell=cell, rnn_hidden_size=16),
                          RecurrentDecoder((12, 1), 2, cell=cell, rnn_hidden_size=16))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    initial = nn.functional.mse_loss(model(X), X).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), X)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5 * initial


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(sequence_shape=(12,)), r"sequence_shape must be a tuple of 2 positive ints"),
    (dict(sequence_shape=(0, 3)), r"\(time steps, features\).*got \(0, 3\)"),
    (dict(n_components=-1), r"n_components must be a positive int; got -1"),
    (dict(rnn_hidden_size=0), r"rnn_hidden_size must be a positive int; got 0"),
    (dict(rnn_num_layers=True), r"rnn_num_layers must be a positive int; got True"),
    (dict(cell="rnn"), r"cell must be one of \['gru', 'lstm'\]; got 'rnn'"),
    (dict(dropout=-0.1), r"dropout must be a probability in \[0, 1\); got -0.1"),
])
@pytest.mark.parametrize("module_class", [RecurrentEncoder, RecurrentDecoder])
def test_invalid_arguments(module_class, kwargs, match):
    params = {"sequence_shape": (5, 2), "n_components": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        module_class(**params)


def test_invalid_code_and_output_activation():
    with pytest.raises(ValueError, match="code_activation must be one of"):
        RecurrentEncoder((5, 2), 2, code_activation="softmax")
    with pytest.raises(ValueError, match="output_activation must be one of"):
        RecurrentDecoder((5, 2), 2, output_activation="softmax")
