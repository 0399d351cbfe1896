"""Prediction heads on top of a pretrained encoder."""

from itertools import pairwise

from torch import nn

from .bodies import layers_of
from .dense import _block


class MLPHead(nn.Module):
    """Fully connected head mapping codes to class scores (logits).

    Parameters
    ----------
    n_components : int
        Width of the code it reads.
    n_classes : int
        Number of classes.
    hidden_layer_sizes : tuple of int, default=()
        Widths of the hidden layers; ``()`` is a single linear layer (softmax regression on
        the code).
    activation : str, default='relu'
        Activation after every hidden layer (see :func:`skae.modules.make_activation`).
    dropout : float, default=0.0
        Dropout probability on the code and after every hidden activation.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import MLPHead
    >>> MLPHead(8, 3, hidden_layer_sizes=(16,))(torch.zeros(4, 8)).shape
    torch.Size([4, 3])
    """

    def __init__(self, n_components, n_classes, hidden_layer_sizes=(), activation="relu",
                 dropout=0.0):
        super().__init__()
        widths = [n_components, *hidden_layer_sizes]
        layers = [nn.Dropout(dropout)] if dropout else []
        layers += [_block(nn.Linear(n_in, n_out), activation, dropout, batch_norm=False)
                   for n_in, n_out in pairwise(widths)]
        layers.append(nn.Linear(widths[-1], n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, code):
        return self.layers(code)


class EncoderClassifier(nn.Module):
    """An encoder, all or some of it frozen, followed by a head.

    Frozen layers neither learn (their parameters do not require gradients) nor change in
    training mode: they stay in evaluation mode, so batch-norm statistics and dropout are
    those of the pretrained encoder.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps inputs to codes.
    head : torch.nn.Module
        Maps codes to logits.
    code_transform : torch.nn.Module or None, default=None
        Applied to the encoder's output before the head (e.g. :class:`TopK`).
    freeze : bool or int, default=False
        False: the whole encoder learns; True: none of it does; an int: the number of
        leading layers of the encoder's ``layers`` (a ``torch.nn.Sequential``) to freeze.
    sample_shape : tuple of int or None, default=None
        When given, inputs come as flat rows that the encoder reads as samples of this
        shape, as in :class:`Autoencoder`.
    decoder : torch.nn.Module or None, default=None
        The autoencoder's decoder, kept as an auxiliary head for semi-supervised training.
        With one, ``forward`` in training mode returns ``(logits, reconstruction,
        noisy_logits)``: the logits of the clean rows, the decoder's reconstruction (flat)
        of the corrupted rows' codes and the logits of the corrupted rows; in evaluation
        mode, and without a decoder, it returns the logits alone.
    corruption : torch.nn.Module or None, default=None
        The corruption of the input used in training mode with a decoder (the denoising
        autoencoder's); without one the "corrupted" rows are the clean rows.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseEncoder, EncoderClassifier, MLPHead
    >>> model = EncoderClassifier(DenseEncoder(6, 2, (4,)), MLPHead(2, 3), freeze=1)
    >>> model(torch.zeros(5, 6)).shape
    torch.Size([5, 3])
    >>> [p.requires_grad for p in model.encoder.parameters()]
    [False, False, True, True]

    With a decoder, training-mode outputs serve semi-supervised losses:

    >>> from skae.modules import DenseDecoder
    >>> model = EncoderClassifier(DenseEncoder(6, 2), MLPHead(2, 3), decoder=DenseDecoder(6, 2))
    >>> [out.shape[1] for out in model.train()(torch.zeros(5, 6))]
    [3, 6, 3]
    """

    def __init__(self, encoder, head, code_transform=None, freeze=False, sample_shape=None,
                 decoder=None, corruption=None):
        super().__init__()
        self.encoder = encoder
        self.head = head
        self.decoder = decoder
        self.corruption = corruption
        self.code_transform = code_transform
        self.freeze = freeze
        self.sample_shape = None if sample_shape is None else tuple(sample_shape)
        for parameter in self._frozen().parameters():
            parameter.requires_grad_(False)
        self.train(self.training)

    def _frozen(self):
        if isinstance(self.freeze, bool):
            return self.encoder if self.freeze else nn.Sequential()
        layers = layers_of(self.encoder, "encoder", f"freeze_encoder={self.freeze}")
        if not 0 <= self.freeze <= len(layers):
            raise ValueError(
                f"Cannot freeze {self.freeze} layers of an encoder with {len(layers)} "
                f"layers; pass a number from 0 to {len(layers)}, or True to freeze them all.")
        return layers[:self.freeze]

    def train(self, mode=True):
        super().train(mode)
        self._frozen().eval()
        return self

    def encode(self, X):
        if self.sample_shape is not None:
            X = X.reshape(len(X), *self.sample_shape)
        code = self.encoder(X)
        return code if self.code_transform is None else self.code_transform(code)

    def forward(self, X):
        logits = self.head(self.encode(X))
        if not self.training or self.decoder is None:
            return logits
        noisy = X if self.corruption is None else self.corruption(X)
        code = self.encode(noisy)
        return logits, self.decoder(code).reshape(len(X), -1), self.head(code)
