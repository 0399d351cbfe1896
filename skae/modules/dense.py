"""Fully connected encoder and decoder: the symmetric "sandwich" of stacked autoencoders."""

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "identity": nn.Identity,
}


def make_activation(name):
    """Return a fresh activation module from its name.

    Parameters
    ----------
    name : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'identity'}
        The activation's name.

    Returns
    -------
    module : torch.nn.Module
        A new instance, so that no two layers share one.

    Examples
    --------
    >>> from skae.modules import make_activation
    >>> make_activation("tanh")
    Tanh()
    """
    return ACTIVATIONS[name]()


def _block(layer, activation, dropout, batch_norm):
    """``layer``, then optional batch norm, the activation and optional dropout."""
    layers = [layer]
    if batch_norm:
        convolution = isinstance(layer, nn.Conv2d | nn.ConvTranspose2d)
        layers.append(nn.BatchNorm2d(layer.out_channels) if convolution
                      else nn.BatchNorm1d(layer.out_features))
    layers.append(make_activation(activation))
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class DenseEncoder(nn.Module):
    """Stack of fully connected layers mapping ``n_features`` inputs to ``n_components`` codes.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_components : int
        Width of the code.
    hidden_layer_sizes : tuple of int, default=()
        Widths of the hidden layers, from the input towards the code.
    activation : str, default='relu'
        Activation after every hidden layer (see :func:`make_activation`).
    code_activation : str, default='identity'
        Activation of the code layer.
    dropout : float, default=0.0
        Dropout probability after every hidden activation.
    batch_norm : bool, default=False
        Whether to put a ``BatchNorm1d`` after every hidden linear layer.

    Attributes
    ----------
    linears : list of torch.nn.Linear
        The linear layers in order, the last one producing the code; a tied decoder
        reuses them.
    output_layer : torch.nn.Linear
        The last of them (see :meth:`skae.modules.LinearPath.mute_body`).

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseEncoder
    >>> encoder = DenseEncoder(10, 2, hidden_layer_sizes=(6,))
    >>> encoder(torch.zeros(4, 10)).shape
    torch.Size([4, 2])
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes=(), activation="relu",
                 code_activation="identity", dropout=0.0, batch_norm=False):
        super().__init__()
        widths = [n_features, *hidden_layer_sizes]
        hidden = [
            _block(nn.Linear(n_in, n_out), activation, dropout, batch_norm)
            for n_in, n_out in pairwise(widths)
        ]
        code = nn.Sequential(nn.Linear(widths[-1], n_components), make_activation(code_activation))
        self.layers = nn.Sequential(*hidden, code)

    @property
    def linears(self):
        return [block[0] for block in self.layers]

    @property
    def output_layer(self):
        return self.layers[-1][0]

    def forward(self, X):
        return self.layers(X)


class TiedLinear(nn.Module):
    """Linear layer whose weight is the transpose of another layer's weight.

    Only the bias is a parameter of its own: a decoder made of these has about half the
    parameters of an untied one.

    Parameters
    ----------
    tied_to : torch.nn.Linear
        The encoder layer whose transposed weight this layer applies.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skae.modules import TiedLinear
    >>> encoder_layer = nn.Linear(5, 3)
    >>> TiedLinear(encoder_layer)(torch.zeros(2, 3)).shape
    torch.Size([2, 5])
    """

    def __init__(self, tied_to):
        super().__init__()
        # Kept out of the registered submodules: the weight belongs to the encoder, which
        # owns, moves and saves it; registering it here would list it twice.
        self.__dict__["tied_to"] = tied_to
        self.bias = nn.Parameter(torch.zeros(tied_to.in_features))
        self.in_features = tied_to.out_features
        self.out_features = tied_to.in_features

    def forward(self, X):
        return F.linear(X, self.tied_to.weight.t(), self.bias)


class DenseDecoder(nn.Module):
    """Mirror of :class:`DenseEncoder`, mapping codes back to ``n_features`` outputs.

    Parameters
    ----------
    n_features : int
        Width of the reconstruction.
    n_components : int
        Width of the code.
    hidden_layer_sizes : tuple of int, default=()
        Widths of the *encoder's* hidden layers; the decoder visits them in reverse.
    activation : str, default='relu'
        Activation after every hidden layer.
    output_activation : str, default='identity'
        Activation of the reconstruction ('sigmoid' for data in [0, 1]).
    dropout : float, default=0.0
        Dropout probability after every hidden activation.
    batch_norm : bool, default=False
        Whether to put a ``BatchNorm1d`` after every hidden linear layer.
    tied_to : DenseEncoder or None, default=None
        When given, every decoder layer applies the transposed weight of the matching
        encoder layer (tied weights) and only learns its bias.

    Attributes
    ----------
    output_layer : torch.nn.Linear or None
        The last linear layer (see :meth:`skae.modules.LinearPath.mute_body`); None with
        ``tied_to``, where it is the encoder's first layer transposed.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseDecoder
    >>> decoder = DenseDecoder(10, 2, hidden_layer_sizes=(6,), output_activation="sigmoid")
    >>> decoder(torch.zeros(4, 2)).shape
    torch.Size([4, 10])
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes=(), activation="relu",
                 output_activation="identity", dropout=0.0, batch_norm=False, tied_to=None):
        super().__init__()
        widths = [n_components, *reversed(hidden_layer_sizes), n_features]
        if tied_to is None:
            linears = [nn.Linear(n_in, n_out) for n_in, n_out in pairwise(widths)]
        else:
            linears = [TiedLinear(layer) for layer in reversed(tied_to.linears)]
        hidden = [_block(linear, activation, dropout, batch_norm) for linear in linears[:-1]]
        output = nn.Sequential(linears[-1], make_activation(output_activation))
        self.layers = nn.Sequential(*hidden, output)

    @property
    def output_layer(self):
        layer = self.layers[-1][0]
        return layer if isinstance(layer, nn.Linear) else None

    def forward(self, code):
        return self.layers(code)
