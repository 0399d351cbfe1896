"""Convolutional encoder and decoder for images shaped ``(channels, height, width)``."""

from itertools import pairwise

from torch import nn

from ._checks import (
    check_activations,
    check_dropout,
    check_positive_ints,
    check_shape,
    is_positive_int,
)
from .dense import _block, make_activation


def conv_output_sizes(height, width, n_layers, kernel_size):
    """Spatial size of an image before and after each convolution of a :class:`ConvEncoder`.

    Every convolution has stride 2 and padding ``kernel_size // 2``, so a side of length ``n``
    becomes ``(n + 2 * (kernel_size // 2) - kernel_size) // 2 + 1``: half of ``n`` rounded up
    for an odd kernel, ``n // 2 + 1`` for an even one, and never less than 1. The decoder
    walks the same list backwards to rebuild every size exactly.

    Parameters
    ----------
    height, width : int
        Size of the input image.
    n_layers : int
        Number of stride-2 convolutions.
    kernel_size : int
        Side of the square convolution kernels.

    Returns
    -------
    sizes : list of tuple of int
        ``n_layers + 1`` pairs ``(height, width)``, the input's first.

    Examples
    --------
    >>> from skae.modules.conv import conv_output_sizes
    >>> conv_output_sizes(28, 28, 2, kernel_size=3)
    [(28, 28), (14, 14), (7, 7)]
    >>> conv_output_sizes(45, 37, 3, kernel_size=3)
    [(45, 37), (23, 19), (12, 10), (6, 5)]
    """
    padding = kernel_size // 2
    sizes = [(height, width)]
    for _ in range(n_layers):
        sizes.append(tuple((n + 2 * padding - kernel_size) // 2 + 1 for n in sizes[-1]))
    return sizes


def _output_padding(size_in, size_out, kernel_size):
    # A stride-2 transposed convolution with the encoder's padding yields
    # (size_in - 1) * 2 - 2 * padding + kernel_size; the encoder's rounding makes the target
    # that or one more, and the extra row or column is exactly what output_padding adds.
    return size_out - ((size_in - 1) * 2 - 2 * (kernel_size // 2) + kernel_size)


def _check_conv_args(image_shape, n_components, conv_channels, kernel_size, dropout,
                     activations):
    image_shape = check_shape("image_shape", image_shape, ("channels", "height", "width"),
                              "(1, 28, 28) for MNIST or (3, 32, 32) for colour images")
    check_positive_ints(n_components=n_components)
    if not (isinstance(conv_channels, tuple | list)
            and all(is_positive_int(width) for width in conv_channels)):
        raise ValueError(
            "conv_channels must be a tuple of positive ints, one per convolution, such as "
            f"(32, 64), or () for no convolution; got {conv_channels!r}.")
    if not is_positive_int(kernel_size):
        raise ValueError(f"kernel_size must be an int >= 1, such as 3; got {kernel_size!r}.")
    check_dropout(dropout)
    check_activations(**activations)
    return image_shape, tuple(int(c) for c in conv_channels)


class ConvEncoder(nn.Module):
    """Stride-2 convolutions then a linear layer, mapping images to ``n_components`` codes.

    Every convolution halves the height and width (rounding up, see
    :func:`conv_output_sizes`); the last feature map is flattened and projected to the code.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images.
    n_components : int
        Width of the code.
    conv_channels : tuple of int, default=(32, 64)
        Output channels of the convolutions, from the input towards the code. ``()`` leaves
        only the linear layer.
    kernel_size : int, default=3
        Side of the square kernels; the padding is ``kernel_size // 2``.
    activation : str, default='relu'
        Activation after every convolution (see :func:`~skae.modules.make_activation`).
    batch_norm : bool, default=False
        Whether to put a ``BatchNorm2d`` after every convolution.
    dropout : float, default=0.0
        Dropout probability after every convolution's activation.
    code_activation : str, default='identity'
        Activation of the code.

    Attributes
    ----------
    layers : torch.nn.Sequential
        One element per convolution (``Conv2d``, optional ``BatchNorm2d``, activation, optional
        ``Dropout``), then the code block (``Flatten``, ``Linear``, code activation).
        ``layers[:k]`` are the first ``k`` layers that a freezing schedule holds fixed.

    See Also
    --------
    ConvDecoder : The mirror image, from codes back to images.

    Examples
    --------
    >>> import torch
    >>> from skae.modules.conv import ConvEncoder
    >>> encoder = ConvEncoder((1, 28, 28), 8, conv_channels=(4, 8))
    >>> encoder(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 8])
    >>> len(encoder.layers)
    3
    """

    def __init__(self, image_shape, n_components, conv_channels=(32, 64), kernel_size=3,
                 activation="relu", batch_norm=False, dropout=0.0, code_activation="identity"):
        super().__init__()
        image_shape, conv_channels = _check_conv_args(
            image_shape, n_components, conv_channels, kernel_size, dropout,
            dict(activation=activation, code_activation=code_activation))
        n_channels, height, width = image_shape
        channels = [n_channels, *conv_channels]
        blocks = [
            _block(nn.Conv2d(c_in, c_out, kernel_size, stride=2, padding=kernel_size // 2),
                   activation, dropout, batch_norm)
            for c_in, c_out in pairwise(channels)
        ]
        last_height, last_width = conv_output_sizes(height, width, len(conv_channels),
                                                    kernel_size)[-1]
        code = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels[-1] * last_height * last_width, n_components),
            make_activation(code_activation),
        )
        self.layers = nn.Sequential(*blocks, code)

    def forward(self, X):
        return self.layers(X)


class ConvDecoder(nn.Module):
    """Mirror of :class:`ConvEncoder`, mapping codes back to images of ``image_shape``.

    A linear layer maps the code to the encoder's smallest feature map, then stride-2
    transposed convolutions double it back up. Each one's ``output_padding`` (0 or 1 per side)
    is chosen from :func:`conv_output_sizes` so that every stage has exactly the size of the
    matching encoder stage: odd sizes such as 45 x 37 come back whole.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the reconstructed images.
    n_components : int
        Width of the code.
    conv_channels : tuple of int, default=(32, 64)
        Output channels of the *encoder's* convolutions; the decoder visits them in reverse.
    kernel_size : int, default=3
        Side of the square kernels, as in the encoder.
    activation : str, default='relu'
        Activation after the linear layer and every hidden transposed convolution.
    batch_norm : bool, default=False
        Whether to put a ``BatchNorm2d`` after every hidden transposed convolution.
    dropout : float, default=0.0
        Dropout probability after every hidden transposed convolution's activation.
    output_activation : str, default='identity'
        Activation of the reconstruction ('sigmoid' for pixels in [0, 1]).

    Attributes
    ----------
    layers : torch.nn.Sequential
        The linear block (``Linear``, activation, ``Unflatten``), then one element per
        transposed convolution, the last one producing the image's channels.

    See Also
    --------
    ConvEncoder : The encoder this decoder mirrors.

    Examples
    --------
    >>> import torch
    >>> from skae.modules.conv import ConvDecoder
    >>> decoder = ConvDecoder((3, 45, 37), 8, conv_channels=(4, 8), output_activation="sigmoid")
    >>> decoder(torch.zeros(2, 8)).shape
    torch.Size([2, 3, 45, 37])
    """

    def __init__(self, image_shape, n_components, conv_channels=(32, 64), kernel_size=3,
                 activation="relu", batch_norm=False, dropout=0.0, output_activation="identity"):
        super().__init__()
        image_shape, conv_channels = _check_conv_args(
            image_shape, n_components, conv_channels, kernel_size, dropout,
            dict(activation=activation, output_activation=output_activation))
        n_channels, height, width = image_shape
        channels = [n_channels, *conv_channels]
        sizes = conv_output_sizes(height, width, len(conv_channels), kernel_size)
        smallest = (channels[-1], *sizes[-1])
        # Without convolutions the linear layer produces the image itself.
        first_activation = activation if conv_channels else output_activation
        expand = nn.Sequential(
            nn.Linear(n_components, smallest[0] * smallest[1] * smallest[2]),
            make_activation(first_activation),
            nn.Unflatten(1, smallest),
        )
        stages = list(zip(pairwise(channels), pairwise(sizes), strict=True))[::-1]
        blocks = []
        for i, ((c_out, c_in), (size_out, size_in)) in enumerate(stages):
            output_padding = tuple(_output_padding(n_in, n_out, kernel_size)
                                   for n_in, n_out in zip(size_in, size_out, strict=True))
            deconv = nn.ConvTranspose2d(c_in, c_out, kernel_size, stride=2,
                                        padding=kernel_size // 2, output_padding=output_padding)
            if i < len(stages) - 1:
                blocks.append(_block(deconv, activation, dropout, batch_norm))
            else:
                blocks.append(nn.Sequential(deconv, make_activation(output_activation)))
        self.layers = nn.Sequential(expand, *blocks)

    def forward(self, code):
        return self.layers(code)
