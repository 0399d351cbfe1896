"""Recurrent (LSTM or GRU) encoder and decoder for sequences shaped ``(time steps, features)``."""


from torch import nn

from ._checks import check_activations, check_dropout, check_positive_ints, check_shape
from .dense import make_activation

RNNS = {"lstm": nn.LSTM, "gru": nn.GRU}


def _check_recurrent_args(sequence_shape, n_components, cell, rnn_hidden_size, rnn_num_layers,
                          dropout, activations):
    sequence_shape = check_shape("sequence_shape", sequence_shape, ("time steps", "features"),
                                 "(50, 3) for 50 steps of 3 features")
    check_positive_ints(n_components=n_components, rnn_hidden_size=rnn_hidden_size,
                        rnn_num_layers=rnn_num_layers)
    if cell not in RNNS:
        raise ValueError(f"cell must be one of {sorted(RNNS)}; got {cell!r}.")
    check_dropout(dropout)
    check_activations(**activations)
    return sequence_shape


def _make_rnn(cell, input_size, hidden_size, num_layers, bidirectional, dropout):
    # torch only applies dropout between stacked layers and warns when there are none.
    return RNNS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                      bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)


class FinalHiddenState(nn.Module):
    """Run a recurrent network and return the final hidden state of its last layer.

    Wrapping ``nn.LSTM`` or ``nn.GRU`` this way makes it one element of an ``nn.Sequential``:
    it maps ``(n, T, F)`` to ``(n, hidden_size * n_directions)``, the forward and backward
    directions concatenated when the network is bidirectional.

    Parameters
    ----------
    rnn : torch.nn.LSTM or torch.nn.GRU
        A network built with ``batch_first=True``.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skae.modules.recurrent import FinalHiddenState
    >>> rnn = nn.GRU(3, 5, num_layers=2, batch_first=True, bidirectional=True)
    >>> FinalHiddenState(rnn)(torch.zeros(4, 7, 3)).shape
    torch.Size([4, 10])
    """

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, X):
        _, state = self.rnn(X)
        hidden = state[0] if isinstance(self.rnn, nn.LSTM) else state
        # hidden is (num_layers * n_directions, n, hidden_size), the last layer's directions last.
        n_directions = 2 if self.rnn.bidirectional else 1
        return hidden[-n_directions:].transpose(0, 1).reshape(X.shape[0], -1)


class RecurrentEncoder(nn.Module):
    """Recurrent network whose final hidden state is projected to ``n_components`` codes.

    Parameters
    ----------
    sequence_shape : tuple of int
        ``(T, F)``: time steps and features of the input sequences, shaped ``(n, T, F)``.
    n_components : int
        Width of the code.
    cell : {'lstm', 'gru'}, default='lstm'
        Kind of recurrent network.
    rnn_hidden_size : int, default=64
        Width of the hidden state of each layer and direction.
    rnn_num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether to also read the sequences backwards; the code then sees both final states.
    dropout : float, default=0.0
        Dropout probability between stacked recurrent layers (torch's own ``dropout``); it
        has no effect when ``rnn_num_layers=1``.
    code_activation : str, default='identity'
        Activation of the code (see :func:`~skae.modules.make_activation`).

    Attributes
    ----------
    layers : torch.nn.Sequential
        Two elements: the whole recurrent network, as a :class:`FinalHiddenState`, then the
        code block (``Linear``, code activation). ``layers[:1]`` is what a freezing schedule
        holds fixed to keep the recurrent features and retrain the projection.

    See Also
    --------
    RecurrentDecoder : From codes back to sequences.

    Examples
    --------
    >>> import torch
    >>> from skae.modules.recurrent import RecurrentEncoder
    >>> encoder = RecurrentEncoder((12, 3), 4, cell="gru", rnn_hidden_size=8)
    >>> encoder(torch.zeros(2, 12, 3)).shape
    torch.Size([2, 4])
    """

    def __init__(self, sequence_shape, n_components, cell="lstm", rnn_hidden_size=64,
                 rnn_num_layers=1, bidirectional=False, dropout=0.0, code_activation="identity"):
        super().__init__()
        _, n_features = _check_recurrent_args(
            sequence_shape, n_components, cell, rnn_hidden_size, rnn_num_layers, dropout,
            {"code_activation": code_activation})
        rnn = _make_rnn(cell, n_features, rnn_hidden_size, rnn_num_layers, bidirectional, dropout)
        n_directions = 2 if bidirectional else 1
        code = nn.Sequential(nn.Linear(n_directions * rnn_hidden_size, n_components),
                             make_activation(code_activation))
        self.layers = nn.Sequential(FinalHiddenState(rnn), code)

    def forward(self, X):
        return self.layers(X)


class RecurrentDecoder(nn.Module):
    """Recurrent network rebuilding ``(n, T, F)`` sequences from ``(n, n_components)`` codes.

    The code reaches the network twice: a linear layer (with ``tanh``) maps it to the initial
    hidden state of every layer and direction (and to the initial cell state for an LSTM), and
    the code itself is the input at every one of the ``T`` steps. The initial state gives the
    network a starting point that depends on the code; the repeated input keeps the code in
    view at every step, so the network need not carry it through its memory alone. A linear
    layer then maps each step's hidden state (both directions when bidirectional) to the ``F``
    features.

    Parameters
    ----------
    sequence_shape : tuple of int
        ``(T, F)``: time steps and features of the reconstructed sequences.
    n_components : int
        Width of the code.
    cell : {'lstm', 'gru'}, default='lstm'
        Kind of recurrent network.
    rnn_hidden_size : int, default=64
        Width of the hidden state of each layer and direction.
    rnn_num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether the network also runs backwards in time.
    dropout : float, default=0.0
        Dropout probability between stacked recurrent layers; no effect with one layer.
    output_activation : str, default='identity'
        Activation of the reconstruction ('sigmoid' for values in [0, 1]).

    Attributes
    ----------
    initial_state : torch.nn.Sequential
        ``Linear`` and ``Tanh`` producing the initial states from the code.
    rnn : torch.nn.LSTM or torch.nn.GRU
        The recurrent network, fed the code at every step.
    output : torch.nn.Sequential
        ``Linear`` and output activation, applied to every step's hidden state.

    See Also
    --------
    RecurrentEncoder : The matching encoder.

    Examples
    --------
    >>> import torch
    >>> from skae.modules.recurrent import RecurrentDecoder
    >>> decoder = RecurrentDecoder((12, 3), 4, rnn_hidden_size=8, bidirectional=True)
    >>> decoder(torch.zeros(2, 4)).shape
    torch.Size([2, 12, 3])
    """

    def __init__(self, sequence_shape, n_components, cell="lstm", rnn_hidden_size=64,
                 rnn_num_layers=1, bidirectional=False, dropout=0.0,
                 output_activation="identity"):
        super().__init__()
        self.n_steps, n_features = _check_recurrent_args(
            sequence_shape, n_components, cell, rnn_hidden_size, rnn_num_layers, dropout,
            {"output_activation": output_activation})
        n_directions = 2 if bidirectional else 1
        self._n_states = 2 if cell == "lstm" else 1
        self._state_shape = (rnn_num_layers * n_directions, rnn_hidden_size)
        self.initial_state = nn.Sequential(
            nn.Linear(n_components, self._n_states * rnn_num_layers * n_directions
                      * rnn_hidden_size),
            nn.Tanh(),
        )
        self.rnn = _make_rnn(cell, n_components, rnn_hidden_size, rnn_num_layers,
                             bidirectional, dropout)
        self.output = nn.Sequential(nn.Linear(n_directions * rnn_hidden_size, n_features),
                                    make_activation(output_activation))

    def forward(self, code):
        n_samples = code.shape[0]
        # torch wants states shaped (num_layers * n_directions, n, hidden_size), contiguous.
        states = (self.initial_state(code)
                  .reshape(n_samples, self._n_states, *self._state_shape)
                  .permute(1, 2, 0, 3)
                  .contiguous())
        initial = (states[0], states[1]) if self._n_states == 2 else states[0]
        inputs = code.unsqueeze(1).expand(-1, self.n_steps, -1).contiguous()
        hidden, _ = self.rnn(inputs, initial)
        return self.output(hidden)
