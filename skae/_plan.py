"""Every 'auto' rule of skae, pure: (parameters, data shape) in, a frozen plan out.

An estimator resolves its parameters here before it builds anything: :func:`plan_network`
gives the network's :class:`NetworkPlan` (layer sizes, activation, dropout, bodies and their
constructor arguments, linear path) and :func:`plan_training` the :class:`TrainingPlan`
(batch size, epochs, stopping rule). :mod:`skae._assembly` builds the module from the
first, :mod:`skae._run` trains it with the second, and the estimator keeps both as fitted
attributes, so that what 'auto' chose can be read after ``fit``.
"""

import inspect
import itertools
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .modules.bodies import BODIES, code_shape

# hidden_layer_sizes='auto': the first layer's width lies in this range.
AUTO_FIRST_LAYER = (32, 512)
# dropout='auto' of the dense bodies: this dropout for networks with more weights than
# DROPOUT_WEIGHTS_PER_ROW times their training rows, none otherwise.
AUTO_DENSE_DROPOUT = 0.05
DROPOUT_WEIGHTS_PER_ROW = 16
# early_stopping='auto' holds out rows when at least this many would be held out.
AUTO_MIN_VALIDATION_ROWS = 10
# max_epochs='auto' aims at about this many optimizer steps, within these epochs.
AUTO_STEPS, AUTO_EPOCHS = 10_000, (50, 200)
# The same for semi-supervised fine-tuning, which holds out no rows.
AUTO_SEMI_SUPERVISED_STEPS, AUTO_SEMI_SUPERVISED_EPOCHS = 1_250, (10, 100)
# batch_size='auto': a tenth of the training rows (about ten steps an epoch), rounded to a
# power of two, in this range.
AUTO_BATCH_SIZE = (16, 128)
# ... and at most this many values a batch, so that a batch of very wide (sparse) rows,
# densified, stays small (2**24 float32 values: 64 MiB).
AUTO_BATCH_VALUES = 2**24
# lr='auto': the first rate for runs of the full step budget (AUTO_STEPS), scaled up by the
# square root of how many times fewer steps a run has, to at most the second.
AUTO_LR = (1e-3, 3e-3)


@dataclass(frozen=True)
class Part:
    """One encoder or decoder to build: a module class (or instance) and its arguments.

    ``kwargs`` are passed as given; ``inferred`` only where the constructor takes them
    (see :func:`skae.modules.bodies.build_module`).
    """

    module: object
    kwargs: dict
    inferred: dict


@dataclass(frozen=True)
class NetworkPlan:
    """The network an autoencoder builds, every 'auto' resolved.

    ``hidden_layer_sizes``, ``activation`` and ``dropout`` are the encoder's (None where its
    body has no such setting, e.g. a module of your own).
    """

    encoder: Part
    decoder: Part
    sample_shape: tuple | None
    code_shape: tuple
    hidden_layer_sizes: tuple | None
    activation: str | None
    dropout: float | None
    linear_path: bool
    tied_weights: bool


@dataclass(frozen=True)
class TrainingPlan:
    """How the network is trained: batches, learning rate, epochs and when to stop.

    ``monitor`` is the loss early stopping watches ('valid_loss' on held-out rows,
    'train_loss'), or None to train for ``max_epochs``.
    """

    batch_size: int
    lr: float
    max_epochs: int
    early_stopping: bool
    monitor: str | None


@dataclass(frozen=True)
class Plan:
    """What ``fit`` resolved: the network (None for a classifier, whose network is its
    autoencoder's encoder and a head) and its training."""

    network: NetworkPlan | None
    training: TrainingPlan


def positive_ints(name, value):
    """``value`` (an int or a sequence of ints) as a tuple of positive ints, or a ValueError."""
    sizes = (value,) if isinstance(value, Integral) else tuple(value)
    if any(not isinstance(s, Integral) or isinstance(s, bool) or s < 1 for s in sizes):
        raise ValueError(f"{name} must hold positive integers, got {value!r}.")
    return sizes


def auto_hidden_layer_sizes(n_features, n_components):
    """``hidden_layer_sizes='auto'``: the first layer is the power of two at or above
    ``n_features`` (within 32 to 512). A code of at most a 16th of the features gets a
    second layer, half as wide but at least twice ``n_components`` (and no wider than the
    first); a wider code, which compresses less, gets the first layer alone.

    Examples
    --------
    >>> from skae._plan import auto_hidden_layer_sizes
    >>> auto_hidden_layer_sizes(784, 32), auto_hidden_layer_sizes(784, 64)
    ((512, 256), (512,))
    """
    first = int(np.clip(2 ** np.ceil(np.log2(n_features)), *AUTO_FIRST_LAYER))
    if n_features < 16 * n_components:
        return (first,)
    return first, min(first, max(first // 2, 2 * n_components))


def auto_dense_dropout(n_samples, layer_sizes, tied_weights=False):
    """``dropout='auto'`` of the dense bodies: 0.05 for a network with more than 16
    weights per training row, which can memorise its rows, and none otherwise.

    ``layer_sizes`` are the encoder's widths, input to code; the decoder mirrors them (and
    shares the encoder's weights with tied weights). With few weights per row there is
    little to regularise, and dropout only adds noise to the gradient.

    Examples
    --------
    >>> from skae._plan import auto_dense_dropout
    >>> auto_dense_dropout(8_000, (784, 512, 256, 32)), auto_dense_dropout(20_000, (50, 64, 4))
    (0.05, 0.0)
    """
    weights = sum(a * b for a, b in itertools.pairwise(layer_sizes))
    weights *= 1 if tied_weights else 2
    return AUTO_DENSE_DROPOUT if weights > DROPOUT_WEIGHTS_PER_ROW * n_samples else 0.0


def output_activation(loss, decoder_kwargs):
    """The reconstruction's activation: 'sigmoid' for ``loss='bce'`` (which needs values in
    [0, 1]), 'identity' otherwise, unless ``decoder__output_activation`` sets it."""
    activation = decoder_kwargs.get("output_activation",
                                    "sigmoid" if loss == "bce" else "identity")
    if loss == "bce" and activation != "sigmoid":
        raise ValueError(
            f"loss='bce' needs reconstructions in [0, 1], but decoder__output_activation="
            f"{activation!r}; use 'sigmoid' or leave it unset.")
    return activation


def body_options(params, decoder):
    """The ``encoder__<name>`` and ``decoder__<name>`` parameters, each side's own.

    When the decoder mirrors a built-in encoder (``decoder=None``), the encoder's options
    reach the decoder too wherever its body takes them; ``decoder__<name>`` has the last
    word. Options that a built-in body does not know are refused, naming those it does.
    """
    sides = {role: {k[len(role) + 2:]: v for k, v in params.items()
                    if k.startswith(role + "__")} for role in ("encoder", "decoder")}
    for role, spec in (("encoder", params["encoder"]), ("decoder", decoder)):
        if isinstance(spec, str):
            _check_options(role, spec, sides[role])
    if params["decoder"] is None and isinstance(decoder, str):
        accepted = _accepted(decoder, "decoder")
        mirrored = {k: v for k, v in sides["encoder"].items() if k in accepted}
        sides["decoder"] = {**mirrored, **sides["decoder"]}
    return sides["encoder"], sides["decoder"]


def _accepted(body_name, role):
    """Names a built-in body's ``role`` takes: its options and its constructor's arguments."""
    body = BODIES[body_name]
    constructor = inspect.signature(getattr(body, role)).parameters
    return set(body.options) | set(constructor) - {"self", "tied_to"}


def _check_options(role, body_name, options):
    unknown = sorted(set(options) - _accepted(body_name, role))
    if unknown:
        raise ValueError(
            f"{role}={body_name!r} has no option {unknown[0]!r}; its options are "
            f"{sorted(_accepted(body_name, role) - {'n_features', 'n_components'})}. "
            f"Set them as {role}__<name>.")


def plan_network(params, n_samples, n_features, sample_shape, *, encoder_outputs=1):
    """Resolve an autoencoder's network from its parameters and the training data's shape.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``, prefixed ones included).
    n_samples, n_features : int
        Training rows, and the width of a flat row.
    sample_shape : tuple of int or None
        One sample's shape as the network reads it; None for flat rows.
    encoder_outputs : int, default=1
        Values the encoder returns per code unit (2 for a Gaussian code: mean and
        log-variance).

    Returns
    -------
    plan : NetworkPlan
    """
    encoder, decoder = params["encoder"], params["decoder"]
    if decoder is None:
        if not isinstance(encoder, str):
            raise ValueError("encoder is a module of your own, so skae cannot mirror it: pass "
                             "its decoder too (a module, or a built-in name such as 'dense').")
        decoder = encoder
    enc_options, dec_options = body_options(params, decoder)
    # Options that skae reads itself, whichever side they were set on.
    tied = any([options.pop("tied_weights", False)
                for spec, options in ((encoder, enc_options), (decoder, dec_options))
                if isinstance(spec, str)])
    if tied and not (encoder == decoder == "dense"):
        raise ValueError("tied weights need the dense encoder and decoder (encoder='dense', "
                         "decoder=None or 'dense').")
    for options in (enc_options, dec_options):
        options.pop("channels_last", None)  # the sample layout reads it
    regularizer = params.get("regularizer")
    code_activation = getattr(regularizer, "code_activation", "identity")
    n_components = params["n_components"]
    shape = code_shape(encoder, n_components, enc_options, sample_shape)
    width = int(np.prod(shape))
    hidden = None
    if "hidden_layer_sizes" in (*_family(encoder), *_family(decoder)):
        hidden = (auto_hidden_layer_sizes(n_features, width)
                  if _is_auto(params["hidden_layer_sizes"])
                  else positive_ints("hidden_layer_sizes", params["hidden_layer_sizes"]))
    reconstruction = output_activation(params["loss"], dec_options)
    linear_path = _linear_path(params, encoder, decoder, reconstruction, code_activation,
                               regularizer)

    def part(role, spec, options, code_width, extra):
        inferred = dict(n_features=n_features, n_components=code_width,
                        sample_shape=sample_shape)
        if not isinstance(spec, str):
            return Part(spec, dict(options), inferred)
        body = BODIES[spec]
        family = _family_values(params, spec, hidden, dropout=auto_dense_dropout(
            n_samples, (n_features, *(hidden or ()), width), tied))
        first = ({"n_features": n_features} if body.shape_arg is None
                 else {body.shape_arg: sample_shape})
        own = {k: v for k, v in body.options.items() if k not in body.read_by_skae}
        kwargs = {**first, "n_components": code_width, **own, **family, **body.fixed,
                  **extra, **options}
        return Part(getattr(body, role), kwargs, {})

    mirrors = isinstance(decoder, str) and BODIES[decoder].feature_map is not None
    enc_part = part(
        "encoder", encoder, enc_options,
        None if n_components is None else encoder_outputs * width,
        {"code_activation": code_activation})
    dec_part = part(
        "decoder", decoder, dec_options,
        None if n_components is None and mirrors else width,
        {"output_activation": reconstruction})
    built = enc_part.kwargs if isinstance(encoder, str) else {}
    return NetworkPlan(enc_part, dec_part, sample_shape, tuple(shape),
                       built.get("hidden_layer_sizes"), built.get("activation"),
                       built.get("dropout"), linear_path, tied)


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def _family(body_name):
    """The family parameters (layer sizes, activation, dropout) a body's constructors take."""
    if not isinstance(body_name, str):
        return ()
    body = BODIES[body_name]
    taken = set(inspect.signature(body.encoder).parameters)
    return tuple(n for n in ("hidden_layer_sizes", "activation", "dropout") if n in taken)


def _family_values(params, body_name, hidden, dropout):
    """The family parameters a built-in body takes, 'auto' resolved: the resolved
    ``hidden`` layers; GELU and the 'auto' ``dropout`` for the dense body, ReLU and no
    dropout for the others."""
    dense = body_name == "dense"
    auto = dict(activation="gelu" if dense else "relu", dropout=dropout if dense else 0.0)
    values = {name: auto[name] if _is_auto(params[name]) else params[name] for name in auto}
    values["hidden_layer_sizes"] = hidden
    return {name: values[name] for name in _family(body_name)}


def _linear_path(params, encoder, decoder, reconstruction, code_activation, regularizer):
    """Whether a PCA-initialised linear path runs beside the encoder and the decoder
    (never for an estimator without a ``linear_path`` parameter)."""
    setting = params.get("linear_path", False)
    conflicts = {
        "a linear reconstruction (loss='mse' and no decoder__output_activation)":
            reconstruction != "identity",
        "pretraining='joint' (greedy pretraining trains the layers apart from it)":
            params.get("pretraining", "joint") != "joint",
        "codes without an activation (the KL regularizer squashes them into (0, 1))":
            code_activation != "identity",
        "an int n_components (n_components=None makes the code a feature map, each "
        "value tied to one image position, which PCA's components are not)":
            params["n_components"] is None,
    }
    if _is_auto(setting):
        built_in = isinstance(encoder, str) and isinstance(decoder, str)
        sparse = getattr(regularizer, "sparse", False)
        return built_in and not sparse and not any(conflicts.values())
    for needed, conflict in conflicts.items():
        if setting and conflict:
            raise ValueError(f"linear_path=True needs {needed}; set linear_path=False or "
                             "'auto'.")
    return bool(setting)


def plan_training(params, n_samples, n_features=1, *, semi_supervised=False,
                  incremental=False):
    """Resolve ``batch_size``, ``lr``, ``max_epochs`` and ``early_stopping`` for a fit.

    'auto' early stopping holds out ``validation_fraction`` of the rows when that is at least
    10 rows (never for semi-supervised fine-tuning: its few labels are too precious to hold
    out, and too few to steer early stopping). 'auto' batches are a tenth of the training
    rows, rounded to a power of two within 16 to 128: about ten optimizer steps an epoch on
    small sets, where a step's fixed cost outweighs its arithmetic. Rows of more than
    2**17 features (a million-column sparse matrix) take smaller batches, a power of two
    of at most 2**24 values, because each batch is trained on densified.
    'auto' epochs give about 10,000 optimizer steps within 50 to 200 epochs (1,250 steps
    within 10 to 100 for semi-supervised fine-tuning). The 'auto' learning rate is 1e-3
    for a run of that many steps and larger for a shorter one, by the square root of how
    many times shorter (up to 3e-3): Adam's square-root scaling rule, with the steps a
    run takes in place of the noise its batches average out. Without held-out rows,
    training stops when the training loss stalls, except in semi-supervised fine-tuning
    (its loss grows as more rows pass the consistency threshold) and in ``partial_fit``
    (``incremental``), which runs one epoch and never stops early.

    Examples
    --------
    >>> from skae._plan import plan_training
    >>> plan = plan_training(dict(early_stopping="auto", validation_fraction=0.1, lr="auto",
    ...                           batch_size="auto", max_epochs="auto"), 1437)
    >>> plan.batch_size, round(plan.lr, 5), plan.max_epochs, plan.monitor
    (128, 0.00213, 200, 'valid_loss')
    """
    early_stopping = params["early_stopping"]
    if _is_auto(early_stopping):
        early_stopping = (not semi_supervised and n_samples * params["validation_fraction"]
                          >= AUTO_MIN_VALIDATION_ROWS)
    early_stopping = bool(early_stopping) and not incremental
    n_train = n_samples * (1 - params["validation_fraction"]) if early_stopping else n_samples
    batch_size = params["batch_size"]
    if _is_auto(batch_size):
        batch_size = int(np.clip(2 ** round(np.log2(max(n_train, 1) / 10)), *AUTO_BATCH_SIZE))
        batch_size = min(batch_size, 2 ** max(0, int(np.log2(AUTO_BATCH_VALUES / n_features))))
    steps, epochs = ((AUTO_SEMI_SUPERVISED_STEPS, AUTO_SEMI_SUPERVISED_EPOCHS)
                     if semi_supervised else (AUTO_STEPS, AUTO_EPOCHS))
    per_epoch = max(1, -(-int(n_train) // batch_size))
    max_epochs = params["max_epochs"]
    if _is_auto(max_epochs):
        max_epochs = int(np.clip(-(-steps // per_epoch), *epochs))
    lr = params["lr"]
    if _is_auto(lr):
        lr = float(np.clip(AUTO_LR[0] * np.sqrt(steps / (max_epochs * per_epoch)), *AUTO_LR))
    monitor = None
    if early_stopping:
        monitor = "valid_loss"
    elif not semi_supervised and not incremental:
        monitor = "train_loss"
    return TrainingPlan(int(batch_size), float(lr), int(max_epochs), early_stopping, monitor)
