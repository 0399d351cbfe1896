"""Argument checks shared by the modules, with messages that say what to pass."""

from numbers import Integral, Real

from .dense import ACTIVATIONS


def is_positive_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def check_shape(name, shape, sides, example):
    """Return ``shape`` as a tuple of ``len(sides)`` positive ints, or raise a ValueError."""
    if not (isinstance(shape, tuple | list) and len(shape) == len(sides)
            and all(is_positive_int(side) for side in shape)):
        raise ValueError(f"{name} must be a tuple of {len(sides)} positive ints "
                         f"({', '.join(sides)}), such as {example}; got {shape!r}.")
    return tuple(int(side) for side in shape)


def check_positive_ints(**values):
    for name, value in values.items():
        if not is_positive_int(value):
            raise ValueError(f"{name} must be a positive int; got {value!r}.")


def check_dropout(dropout):
    if not (isinstance(dropout, Real) and 0 <= dropout < 1):
        raise ValueError(f"dropout must be a probability in [0, 1); got {dropout!r}.")


def check_activations(**activations):
    for name, activation in activations.items():
        if activation not in ACTIVATIONS:
            raise ValueError(f"{name} must be one of {sorted(ACTIVATIONS)}; got {activation!r}.")
