"""The module every skae autoencoder trains: optional corruption, encoder, code, decoder."""

import torch
from torch import nn


class TopK(nn.Module):
    """Keep the ``k`` largest units of each code and zero the others (k-sparse codes).

    Parameters
    ----------
    k : int
        Number of units left active per sample.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import TopK
    >>> TopK(1)(torch.tensor([[0.1, 0.7, 0.3]]))
    tensor([[0.0000, 0.7000, 0.0000]])
    """

    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, code):
        if self.k >= code.shape[1]:
            return code
        threshold = code.topk(self.k, dim=1).values[:, -1:]
        return code * (code >= threshold)


class LinearPath(nn.Module):
    """A body beside a linear map of its flattened input: ``linear(X) + gate * body(X)``.

    The body starts muted, so the module starts as its linear path alone and the body
    learns what the linear map misses (a residual branch that starts switched off). An
    autoencoder whose encoder and decoder are both wrapped so, with the linear paths set
    to PCA's solution (:meth:`Autoencoder.start_at`), starts training where PCA ends.
    :meth:`mute_body` chooses how the body is muted.

    Parameters
    ----------
    body : torch.nn.Module
        The non-linear encoder or decoder.
    in_features : int
        Width of the flattened input.
    out_features : int
        Width of the flattened output; the linear path's output takes the body's shape.

    Attributes
    ----------
    gate : torch.nn.Parameter
        The learned scalar weight of the body's output; 0 at first (1 once
        :meth:`mute_body` has zeroed the body's output layer instead).
    layers : torch.nn.Sequential
        The body's ``layers`` (for ``freeze_encoder=<int>``); the linear path and the
        gate stay trainable.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseEncoder, LinearPath
    >>> encoder = LinearPath(DenseEncoder(6, 2, (4,)), 6, 2)
    >>> X = torch.randn(3, 6)
    >>> torch.equal(encoder(X), encoder.linear(X))
    True
    >>> encoder.mute_body("zero_output")
    'zero_output'
    >>> torch.equal(encoder(X), encoder.linear(X)), encoder.gate.item()
    (True, 1.0)
    """

    def __init__(self, body, in_features, out_features):
        super().__init__()
        self.body = body
        self.linear = nn.Linear(in_features, out_features)
        self.gate = nn.Parameter(torch.zeros(()))

    @property
    def layers(self):
        return getattr(self.body, "layers", None)

    @torch.no_grad()
    def mute_body(self, how="auto"):
        """Make the body add nothing to the output, for now.

        Parameters
        ----------
        how : {'auto', 'gate', 'zero_output'}, default='auto'
            'gate': the gate at 0, the body's weights as they are. Until the gate opens
            the body gets no gradient, and the gate's own gradient is the loss's
            correlation with the body's random output, which can be near 0 (the module
            may then never leave its linear path). 'zero_output': the body's
            ``output_layer`` zeroed and the gate at 1; that layer learns from the first
            step, and the layers before it once it has. 'auto': 'zero_output' when the
            body has an ``output_layer`` (the dense bodies, unless tied), else 'gate'.

        Returns
        -------
        how : {'gate', 'zero_output'}
            What was done.
        """
        output = getattr(self.body, "output_layer", None)
        if how == "auto":
            how = "gate" if output is None else "zero_output"
        if how == "gate":
            self.gate.zero_()
            return how
        if output is None:
            raise ValueError(
                f"{type(self.body).__name__} has no output_layer to zero (the dense bodies "
                "have one unless tied): mute it with 'gate' or 'auto' instead.")
        output.weight.zero_()
        if output.bias is not None:
            output.bias.zero_()
        self.gate.fill_(1.0)
        return how

    def forward(self, X):
        out = self.body(X)
        path = self.linear(X.flatten(1))
        if path.shape != out.shape:  # a body whose output is not flat rows
            path = path.reshape(out.shape)
        # One fused multiply-add, and no view for flat rows: on a small network every
        # operation (and its autograd node) costs about as much as the arithmetic.
        return torch.addcmul(path, self.gate, out)


class Autoencoder(nn.Module):
    """Encoder and decoder, with an optional corruption applied to the input in training only.

    ``forward`` returns ``(reconstruction, code)`` so that the training loss can add
    penalties on the code (skorch's "multiple return values" pattern).

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps an input batch to codes.
    decoder : torch.nn.Module
        Maps codes back to the input's shape.
    corruption : torch.nn.Module or None, default=None
        Applied to the input before encoding, in training mode only (denoising).
    code_transform : torch.nn.Module or None, default=None
        Applied to the code before decoding and in ``encode`` (e.g. :class:`TopK`).
    sample_shape : tuple of int or None, default=None
        When given, inputs come as flat rows that the encoder reads as samples of this
        shape (e.g. ``(channels, height, width)``), and reconstructions are flattened back.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import Autoencoder, DenseDecoder, DenseEncoder
    >>> model = Autoencoder(DenseEncoder(6, 2), DenseDecoder(6, 2))
    >>> reconstruction, code = model(torch.zeros(3, 6))
    >>> reconstruction.shape, code.shape
    (torch.Size([3, 6]), torch.Size([3, 2]))
    """

    def __init__(self, encoder, decoder, corruption=None, code_transform=None,
                 sample_shape=None):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.corruption = corruption
        self.code_transform = code_transform
        self.sample_shape = None if sample_shape is None else tuple(sample_shape)

    def unflatten(self, X):
        """View flat rows as samples of ``sample_shape`` (a no-op without one).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.

        Returns
        -------
        samples : torch.Tensor
            The same values, shaped ``(n_samples, *sample_shape)`` as the encoder reads
            them.
        """
        return X if self.sample_shape is None else X.reshape(X.shape[0], *self.sample_shape)

    def encode(self, X):
        code = self.encoder(self.unflatten(X))
        return code if self.code_transform is None else self.code_transform(code)

    def decode(self, code):
        X = self.decoder(code)
        return X if self.sample_shape is None else X.reshape(X.shape[0], -1)

    def reconstruct(self, X):
        """Encode and decode ``X`` without corruption: the reconstruction alone.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.

        Returns
        -------
        reconstruction : torch.Tensor of shape (n_samples, n_features)
            The decoder's output, flattened.
        """
        return self.decode(self.encode(X))

    @torch.no_grad()
    def start_at(self, components, mean):
        """Set the linear paths to the linear autoencoder of ``components`` and ``mean``.

        With PCA's components and mean, and :class:`LinearPath` gates at 0, the module
        computes PCA's ``transform`` and ``inverse_transform`` exactly.

        Parameters
        ----------
        components : torch.Tensor of shape (n_components, n_features)
            Orthonormal rows (PCA's ``components_``); missing rows are zero.
        mean : torch.Tensor of shape (n_features,)
            The training data's mean.

        Returns
        -------
        self : Autoencoder
            This module.
        """
        encoder, decoder = self.encoder.linear, self.decoder.linear
        encoder.weight.copy_(components)
        encoder.bias.copy_(-components @ mean)
        decoder.weight.copy_(components.T)
        decoder.bias.copy_(mean)
        return self

    def forward(self, X):
        if self.training and self.corruption is not None:
            X = self.corruption(X)
        code = self.encode(X)
        return self.decode(code), code
