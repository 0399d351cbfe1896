"""The built-in bodies (dense, conv, lstm, gru) as one table, and how any body is built.

A *body* is an encoder class and the decoder class that mirrors it, plus what the estimators
need to know to feed them (how many dimensions one sample has as the network reads it, how to
say what input the body takes) and the body's own options with their defaults, which users
set as ``encoder__<name>``. Adding a body is adding one :class:`Body` to :data:`BODIES`.

Any ``torch.nn.Module`` class can serve as an encoder, decoder or head: :func:`build_module`
makes it from the user's keyword arguments, and fills in the constructor arguments that skae
knows and the user did not set (``n_features``, ``n_components``, ``sample_shape``, ...).
"""

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .conv import ConvDecoder, ConvEncoder, conv_code_shape
from .dense import DenseDecoder, DenseEncoder
from .recurrent import RecurrentDecoder, RecurrentEncoder


@dataclass(frozen=True)
class Body:
    """A built-in encoder and decoder, the input they read and the options they own.

    Parameters
    ----------
    encoder, decoder : type
        ``torch.nn.Module`` classes. Both take the sample's shape (``shape_arg``, or
        ``n_features`` for flat rows) and ``n_components`` first.
    rank : int
        Dimensions of one sample as the network reads it: 1 for flat rows, 2 for
        ``(timesteps, features)``, 3 for ``(channels, height, width)``.
    shape_arg : str or None
        The constructors' argument giving one sample's shape; None for flat-row bodies.
    expected : str
        How ``X`` must come, completing "``encoder='<name>'`` takes ...".
    options : dict
        The body's own options and their defaults, set by users as ``encoder__<name>``
        (reaching the mirrored decoder too) or ``decoder__<name>``. They are passed to
        both constructors, except those in ``read_by_skae``.
    read_by_skae : tuple of str
        Options that skae itself reads instead of the constructors: ``tied_weights`` (the
        decoder reuses the encoder's transposed weights) and ``channels_last`` (images
        come as ``(height, width, channels)``).
    fixed : dict
        Constructor arguments that the body itself sets (e.g. the recurrent cell).
    feature_map : callable or None
        For bodies whose code can be the encoder's last feature map (``n_components=None``,
        which the encoder and decoder classes then take): a function of constructor
        arguments returning that code's ``(channels, height, width)``. None for bodies whose
        code is always a vector of ``n_components``.

    Examples
    --------
    >>> from skae.modules.bodies import BODIES
    >>> BODIES["conv"].rank, BODIES["conv"].options["conv_channels"]
    (3, (32, 64))
    >>> BODIES["conv"].feature_map((1, 28, 28), conv_channels=(4, 8), kernel_size=3)
    (8, 7, 7)
    >>> BODIES["dense"].feature_map is None
    True
    """

    encoder: type
    decoder: type
    rank: int
    shape_arg: str | None
    expected: str
    options: dict = field(default_factory=dict)
    read_by_skae: tuple = ()
    fixed: dict = field(default_factory=dict)
    feature_map: Callable | None = None

    def code_shape(self, options, sample_shape):
        """The shape of the code that is the encoder's last feature map, for the body's
        ``options``; None when this body has no such code."""
        if self.feature_map is None:
            return None
        kwargs = {**self.options, **options, self.shape_arg: sample_shape}
        parameters = inspect.signature(self.feature_map).parameters
        return tuple(self.feature_map(**{k: v for k, v in kwargs.items() if k in parameters}))


_RECURRENT = dict(
    rank=2, shape_arg="sequence_shape",
    expected="sequences as a 3-D array (n_samples, timesteps, features) or as flat rows with "
             "sample_shape=(timesteps, features)",
    options={"rnn_hidden_size": 64, "rnn_num_layers": 1, "bidirectional": False},
)

BODIES = {
    "dense": Body(
        DenseEncoder, DenseDecoder, rank=1, shape_arg=None,
        expected="2-D X (n_samples, n_features); flatten images with X.reshape(len(X), -1) "
                 "or use encoder='conv'",
        options={"batch_norm": False, "tied_weights": False}, read_by_skae=("tied_weights",)),
    "conv": Body(
        ConvEncoder, ConvDecoder, rank=3, shape_arg="image_shape",
        expected="images as a 4-D array (n_samples, channels, height, width), or "
                 "(n_samples, height, width, channels) with encoder__channels_last=True, or "
                 "as flat rows with sample_shape=(channels, height, width)",
        options={"conv_channels": (32, 64), "kernel_size": 3, "batch_norm": False,
                 "channels_last": False},
        read_by_skae=("channels_last",), feature_map=conv_code_shape),
    "lstm": Body(RecurrentEncoder, RecurrentDecoder, fixed={"cell": "lstm"}, **_RECURRENT),
    "gru": Body(RecurrentEncoder, RecurrentDecoder, fixed={"cell": "gru"}, **_RECURRENT),
}


def build_module(role, spec, kwargs, inferred):
    """Build an encoder, decoder or head from a class or instance and keyword arguments.

    Parameters
    ----------
    role : str
        'encoder', 'decoder' or 'head': the parameter's name, used in error messages.
    spec : type or torch.nn.Module
        A ``torch.nn.Module`` class, built with ``kwargs``; or an instance, deep-copied so
        that training leaves the caller's module untouched.
    kwargs : dict
        Keyword arguments the user set (the ``<role>__<name>`` parameters).
    inferred : dict
        Values skae knows (e.g. ``n_features``, ``n_components``): passed to a class whose
        constructor takes a parameter of that name (or ``**kwargs``), unless ``kwargs``
        sets it.

    Returns
    -------
    module : torch.nn.Module
        A new module.

    Examples
    --------
    >>> from torch import nn
    >>> from skae.modules.bodies import build_module
    >>> class Encoder(nn.Module):
    ...     def __init__(self, n_features, n_components, width=8):
    ...         super().__init__()
    ...         self.layers = nn.Sequential(nn.Linear(n_features, width), nn.ReLU(),
    ...                                     nn.Linear(width, n_components))
    ...     def forward(self, X):
    ...         return self.layers(X)
    >>> build_module("encoder", Encoder, {"width": 4}, {"n_features": 6, "n_components": 2})
    Encoder(
      (layers): Sequential(
        (0): Linear(in_features=6, out_features=4, bias=True)
        (1): ReLU()
        (2): Linear(in_features=4, out_features=2, bias=True)
      )
    )
    """
    if isinstance(spec, nn.Module):
        if kwargs:
            raise ValueError(
                f"{role}__{next(iter(kwargs))} was set, but {role} is a module instance, "
                f"which is used as it is; pass its class as {role} to build it with "
                f"{role}__* arguments.")
        return copy.deepcopy(spec)
    if not (isinstance(spec, type) and issubclass(spec, nn.Module)):
        raise TypeError(
            f"{role} must be a built-in body name, a torch.nn.Module subclass or a "
            f"torch.nn.Module instance; got {spec!r}.")
    parameters = inspect.signature(spec).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    filled = {name: value for name, value in inferred.items()
              if (takes_any or name in parameters) and name not in kwargs}
    try:
        return spec(**filled, **kwargs)
    except TypeError as exc:
        raise TypeError(
            f"Could not build {role}={spec.__name__} with arguments "
            f"{sorted({**filled, **kwargs})}: {exc}. Set its arguments as {role}__<name> "
            f"parameters; skae fills in {sorted(inferred)} where the constructor takes them."
        ) from exc


def code_shape(encoder, n_components, options, sample_shape):
    """The shape of one code: ``(n_components,)``, or for ``n_components=None`` the shape
    of the encoder's last feature map, which only some bodies have.

    Parameters
    ----------
    encoder : str, type or torch.nn.Module
        A built-in body's name, or the user's module.
    n_components : int or None
        The code's width; None for the encoder's last feature map.
    options : dict
        The body's options as the user set them (its defaults fill in the rest).
    sample_shape : tuple of int or None
        One sample's shape as the encoder reads it; None for flat rows.

    Returns
    -------
    code_shape : tuple of int
        ``(n_components,)``, or ``(channels, height, width)``.

    Examples
    --------
    >>> from skae.modules.bodies import code_shape
    >>> code_shape("conv", None, {"conv_channels": (4, 8)}, (1, 28, 28))
    (8, 7, 7)
    >>> code_shape("dense", None, {}, None)
    Traceback (most recent call last):
    ...
    ValueError: n_components=None makes the code the encoder's last feature map (no dense \
bottleneck), which only encoder='conv' has; encoder='dense' ends in a vector. Pass an int \
n_components, such as 2.
    """
    if n_components is not None:
        return (n_components,)
    body = BODIES[encoder] if isinstance(encoder, str) else None
    shape = body.code_shape(options, sample_shape) if body else None
    if shape is None:
        spatial = " or ".join(repr(name) for name, other in BODIES.items() if other.feature_map)
        has = (f"encoder={encoder!r} ends in a vector" if body
               else "an encoder of your own sets its code's width itself")
        raise ValueError(
            "n_components=None makes the code the encoder's last feature map (no dense "
            f"bottleneck), which only encoder={spatial} has; {has}. Pass an int "
            "n_components, such as 2.")
    return shape


def layers_of(module, role, purpose):
    """The ordered ``layers`` of a module, or a ValueError saying why ``purpose`` needs them.

    Parameters
    ----------
    module : torch.nn.Module
        An encoder or decoder.
    role : str
        'encoder' or 'decoder', for the message.
    purpose : str
        What needs the layers, for the message (e.g. "freeze_encoder=2").

    Returns
    -------
    layers : torch.nn.Sequential
        The module's ``layers``.

    Examples
    --------
    >>> from skae.modules import DenseEncoder
    >>> from skae.modules.bodies import layers_of
    >>> len(layers_of(DenseEncoder(6, 2, (4,)), "encoder", "freezing"))
    2
    """
    layers = getattr(module, "layers", None)
    if not isinstance(layers, nn.Sequential):
        raise ValueError(
            f"{purpose} needs the {role}'s layers in order, but {type(module).__name__} has "
            f"no 'layers' attribute holding a torch.nn.Sequential. Give it one (its forward "
            f"then returns self.layers(X)), or do without {purpose}.")
    return layers


def check_autoencoder(module, rows, n_components):
    """Run an autoencoder on a few rows and say clearly which part returned a wrong shape.

    Parameters
    ----------
    module : Autoencoder
        The autoencoder, in the mode to check it in (evaluation, usually).
    rows : torch.Tensor of shape (n_rows, n_features)
        A few flat rows of the training data.
    n_components : int
        The code width the encoder must return.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import Autoencoder, DenseDecoder, DenseEncoder
    >>> from skae.modules.bodies import check_autoencoder
    >>> check_autoencoder(Autoencoder(DenseEncoder(6, 2), DenseDecoder(5, 2)),
    ...                   torch.zeros(2, 6), 2)
    Traceback (most recent call last):
    ...
    ValueError: The decoder returned (5,) values per sample, but samples have 6: it must \
rebuild the encoder's input.
    """
    with torch.no_grad():
        code = _run_part("encoder", module.encode, rows, "read samples as X holds them")
        if tuple(code.shape) != (len(rows), n_components):
            raise ValueError(
                f"The encoder returned codes of shape {tuple(code.shape)} for {len(rows)} "
                f"samples, but n_components={n_components}: it must return (n_samples, "
                "n_components).")
        reconstruction = _run_part("decoder", module.decode, code,
                                   f"read codes of n_components={n_components}")
    if reconstruction.shape != rows.shape:
        raise ValueError(
            f"The decoder returned {tuple(reconstruction.shape[1:])} values per sample, but "
            f"samples have {rows.shape[1]}: it must rebuild the encoder's input.")


def _run_part(role, function, batch, must):
    try:
        return function(batch)
    except RuntimeError as exc:
        raise ValueError(f"The {role} failed on a batch of two samples: {exc}. It must {must} "
                         "(see the module protocol in skae.modules).") from exc
