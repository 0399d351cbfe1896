"""The data ``skae compare`` works on: a bundled sklearn dataset or a user's file.

Every problem with the user's input raises :class:`InputError`, whose message alone (no
traceback) is what the command prints before exiting with status 2.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.utils.multiclass import type_of_target

BUNDLED = {
    "digits": (datasets.load_digits, (1, 8, 8)),
    "iris": (datasets.load_iris, None),
    "wine": (datasets.load_wine, None),
    "breast_cancer": (datasets.load_breast_cancer, None),
}
# A text column with more distinct values than this is an identifier or free text, not a
# category: one-hot encoding it would swamp the other features.
MAX_CATEGORIES = 50


class InputError(ValueError):
    """Input the command cannot work with; the message says what and how to fix it."""


def unlabeled_mask(y):
    """Rows of ``y`` marked unlabeled: ``-1``, as in ``sklearn.semi_supervised`` and
    :class:`~skae.PretrainedAEClassifier` (``"-1"`` too among string labels)."""
    if y.dtype.kind in "biuf":
        return y == -1
    return np.fromiter((label == -1 or label == "-1" for label in y), bool, count=len(y))


@dataclass
class Dataset:
    """Numeric features, optional class labels and, for images, the shape of one image.

    ``y`` holds ``-1`` for unlabeled rows, as in ``sklearn.semi_supervised``; it is None when
    the data has no labels at all.
    """

    name: str
    X: np.ndarray
    y: np.ndarray | None
    feature_names: list
    image_shape: tuple | None = None
    notes: tuple = ()

    @property
    def n_classes(self):
        return 0 if self.y is None else len(np.unique(self.y[~unlabeled_mask(self.y)]))

    def describe(self):
        labels = "no labels" if self.y is None else f"{self.n_classes} classes"
        image = "" if self.image_shape is None else (
            ", images " + "x".join(map(str, self.image_shape)))
        return (f"{self.name}: {self.X.shape[0]} samples, {self.X.shape[1]} features, "
                f"{labels}{image}")


def parse_image_shape(text):
    """``"C,H,W"`` or ``"H,W"`` (grey) as a tuple ``(C, H, W)`` of positive ints."""
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise InputError(f"--image-shape {text!r} is not C,H,W or H,W with positive integers, "
                         "e.g. 1,28,28 for grey or 3,32,32 for colour images.")
    return shape if len(shape) == 3 else (1, *shape)


def load_dataset(name=None, path=None, target=None, image_shape=None):
    """The bundled dataset ``name``, or the file at ``path``, checked for the workbench."""
    if path is None:
        loader, bundled_shape = BUNDLED[name]
        bunch = loader()
        dataset = Dataset(name, bunch.data.astype(np.float64), bunch.target,
                          [str(f) for f in bunch.get("feature_names", [])]
                          or [f"x{i}" for i in range(bunch.data.shape[1])],
                          bundled_shape)
    else:
        dataset = _load_file(Path(path), target)
    if image_shape is not None:
        dataset.image_shape = image_shape
    return _checked(dataset)


def _load_file(path, target):
    if not path.is_file():
        raise InputError(f"cannot read {path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _load_npz(path, target)
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"cannot read {path}: unknown file type {suffix or '(none)'!r}; "
                         "use .csv, .parquet or .npz.")
    try:
        frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    except ImportError as exc:
        raise InputError(f"reading {path} needs a parquet engine ({exc}); "
                         "pip install 'skae[parquet]'.") from exc
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read {path}: {_one_line(exc)}") from exc
    y = None
    if target is not None:
        if target not in frame.columns:
            columns = ", ".join(map(str, frame.columns[:20]))
            raise InputError(f"--target {target!r} is not a column of {path}; its columns "
                             f"are: {columns}.")
        y = frame.pop(target)
        if y.isna().any():
            raise InputError(
                f"--target column {target!r} has {int(y.isna().sum())} missing labels; mark "
                "unlabeled rows with -1 or drop them.")
        y = y.to_numpy()
    X, notes = _numeric_features(frame, path)
    return Dataset(path.name, X.to_numpy(), y, [str(c) for c in X.columns], notes=notes)


def _load_npz(path, target):
    label_key = target or "y"
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if "X" not in arrays:
                raise InputError(f"{path} has no array named 'X' (it has: "
                                 f"{', '.join(arrays.files) or 'none'}); save the features "
                                 "as X and the optional labels as y.")
            if target is not None and label_key not in arrays:
                raise InputError(f"--target {target!r} is not an array of {path}; it has: "
                                 f"{', '.join(arrays.files)}.")
            X = arrays["X"]
            y = arrays[label_key] if label_key in arrays else None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"cannot read {path}: {_one_line(exc)}") from exc
    if X.ndim > 2:
        # Images stored as (n, C, H, W) or (n, H, W): rows are flattened, the shape kept.
        image_shape = X.shape[1:] if X.ndim == 4 else (1, *X.shape[1:])
        X = X.reshape(len(X), -1)
    else:
        image_shape = None
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number):
        raise InputError(f"X in {path} must be a numeric array of rows, got dtype {X.dtype} "
                         f"and shape {X.shape}.")
    return Dataset(path.name, X.astype(np.float64), y,
                   [f"x{i}" for i in range(X.shape[1])], image_shape)


def _numeric_features(frame, path):
    """Frame of numeric features: booleans as 0/1, few-valued text columns one-hot encoded."""
    notes = []
    bools = frame.select_dtypes(include="bool").columns
    frame = frame.astype({column: np.int8 for column in bools})
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    for column in text:
        n_values = frame[column].nunique()
        if n_values > MAX_CATEGORIES:
            raise InputError(
                f"column {column!r} of {path} is not numeric and has {n_values} distinct "
                f"values, too many to one-hot encode (at most {MAX_CATEGORIES}); drop it or "
                "encode it as numbers first.")
    if text:
        frame = pd.get_dummies(frame, columns=text, dtype=np.float64)
        notes.append(f"one-hot encoded the non-numeric columns {', '.join(map(str, text))}")
    return frame.astype(np.float64), tuple(notes)


def _checked(dataset):
    X, y = dataset.X, dataset.y
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"{dataset.name} has no data ({X.shape[0]} rows, {X.shape[1]} "
                         "feature columns).")
    bad = ~np.isfinite(X)
    if bad.any():
        columns = [dataset.feature_names[j] for j in np.flatnonzero(bad.any(axis=0))[:5]]
        raise InputError(
            f"{dataset.name} has {int(bad.sum())} missing or infinite values (in columns "
            f"{', '.join(columns)}); impute or drop them first, e.g. with SimpleImputer.")
    if y is not None:
        if len(y) != len(X):
            raise InputError(f"{dataset.name} has {len(X)} rows of features but {len(y)} "
                             "labels.")
        if type_of_target(y[~unlabeled_mask(y)]) == "continuous":
            raise InputError(f"the labels of {dataset.name} are continuous values; skae "
                             "compare needs class labels (or none).")
    if dataset.image_shape is not None:
        needed = int(np.prod(dataset.image_shape))
        if needed != X.shape[1]:
            shape = ",".join(map(str, dataset.image_shape))
            raise InputError(f"--image-shape {shape} needs {needed} features per row, but "
                             f"{dataset.name} has {X.shape[1]}.")
    return dataset


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__
