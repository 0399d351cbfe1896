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


def conv_code_shape(image_shape, conv_channels, kernel_size):
    """Shape of the last feature map of a :class:`ConvEncoder`: its code when
    ``n_components=None``.

    The code is then ``(conv_channels[-1], height, width)``, with the height and width of
    the last of :func:`conv_output_sizes`: each convolution halves the sides, rounding up,
    so 28 x 28 images give 14 x 14 after one convolution, 7 x 7 after two, then 4 x 4,
    2 x 2 and 1 x 1.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images.
    conv_channels : tuple of int
        Output channels of the convolutions; at least one.
    kernel_size : int
        Side of the square convolution kernels.

    Returns
    -------
    code_shape : tuple of int
        ``(channels, height, width)`` of the code.

    Examples
    --------
    >>> from skae.modules.conv import conv_code_shape
    >>> conv_code_shape((1, 28, 28), (16, 8), kernel_size=3)
    (8, 7, 7)
    >>> conv_code_shape((1, 28, 28), (8, 8, 8, 8, 16), kernel_size=3)
    (16, 1, 1)
    """
    image_shape, conv_channels = _check_conv_args(image_shape, None, conv_channels,
                                                  kernel_size, 0.0, {})
    height, width = conv_output_sizes(*image_shape[1:], len(conv_channels), kernel_size)[-1]
    return conv_channels[-1], height, width


def _output_padding(size_in, size_out, kernel_size):
    # A stride-2 transposed convolution with the encoder's padding yields
    # (size_in - 1) * 2 - 2 * padding + kernel_size; the encoder's rounding makes the target
    # that or one more, and the extra row or column is exactly what output_padding adds.
    return size_out - ((size_in - 1) * 2 - 2 * (kernel_size // 2) + kernel_size)


def _check_conv_args(image_shape, n_components, conv_channels, kernel_size, dropout,
                     activations):
    image_shape = check_shape("image_shape", image_shape, ("channels", "height", "width"),
                              "(1, 28, 28) for MNIST or (3, 32, 32) for colour images")
    if n_components is not None:
        check_positive_ints(n_components=n_components)
    if not (isinstance(conv_channels, tuple | list)
            and all(is_positive_int(width) for width in conv_channels)):
        raise ValueError(
            "conv_channels must be a tuple of positive ints, one per convolution, such as "
            f"(32, 64), or () for no convolution; got {conv_channels!r}.")
    if n_components is None and not conv_channels:
        raise ValueError(
            "n_components=None makes the last convolution's feature map the code, but "
            "conv_channels=() has no convolution; give at least one, such as "
            "conv_channels=(32, 64), or an int n_components.")
    if not is_positive_int(kernel_size):
        raise ValueError(f"kernel_size must be an int >= 1, such as 3; got {kernel_size!r}.")
    check_dropout(dropout)
    check_activations(**activations)
    return image_shape, tuple(int(c) for c in conv_channels)


class ConvEncoder(nn.Module):
    """Stride-2 convolutions then a linear layer, mapping images to ``n_components`` codes.

    Every convolution halves the height and width (rounding up, see
    :func:`conv_output_sizes`); the last feature map is flattened and projected to the code.
    With ``n_components=None`` there is no linear layer: the last convolution's feature map,
    flattened channels first, is the code (a fully convolutional, spatial code of
    :func:`conv_code_shape`).

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the input images.
    n_components : int or None
        Width of the code; None for the last feature map itself.
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
        Activation of the code (with ``n_components=None``, of the last convolution, in
        place of ``activation``).

    Attributes
    ----------
    layers : torch.nn.Sequential
        One element per convolution (``Conv2d``, optional ``BatchNorm2d``, activation, optional
        ``Dropout``), then the code block (``Flatten``, ``Linear``, code activation).
        ``layers[:k]`` are the first ``k`` layers that a freezing schedule holds fixed.
        With ``n_components=None`` the last convolution is the code block (``Conv2d``,
        code activation, ``Flatten``).

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
    >>> spatial = ConvEncoder((1, 28, 28), None, conv_channels=(4, 8))
    >>> spatial(torch.zeros(2, 1, 28, 28)).shape  # 8 channels of 7 x 7, flattened
    torch.Size([2, 392])
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
        if n_components is None:
            code = nn.Sequential(*blocks.pop()[:1], make_activation(code_activation),
                                 nn.Flatten())
            self.layers = nn.Sequential(*blocks, code)
            return
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
    matching encoder stage: odd sizes such as 45 x 37 come back whole. With
    ``n_components=None`` the code is that smallest feature map, flattened: it is unflattened
    and goes straight into the transposed convolutions.

    Parameters
    ----------
    image_shape : tuple of int
        ``(channels, height, width)`` of the reconstructed images.
    n_components : int or None
        Width of the code; None for the encoder's last feature map itself.
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
        transposed convolution, the last one producing the image's channels. With
        ``n_components=None`` there is no linear block; the first transposed convolution's
        element starts with the ``Unflatten``.

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
    >>> ConvDecoder((1, 28, 28), None, conv_channels=(4, 8))(torch.zeros(2, 392)).shape
    torch.Size([2, 1, 28, 28])
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
        if n_components is None:
            blocks[0] = nn.Sequential(nn.Unflatten(1, smallest), *blocks[0])
            self.layers = nn.Sequential(*blocks)
            return
        # Without convolutions the linear layer produces the image itself.
        first_activation = activation if conv_channels else output_activation
        expand = nn.Sequential(
            nn.Linear(n_components, smallest[0] * smallest[1] * smallest[2]),
            make_activation(first_activation),
            nn.Unflatten(1, smallest),
        )
        self.layers = nn.Sequential(expand, *blocks)

    def forward(self, code):
        return self.layers(code)
