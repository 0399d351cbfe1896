"""Moving fitted estimators between machines and people: a safe file format, ONNX export.

- :func:`save` writes an estimator without pickle: parameters and fitted attributes as
  JSON, torch weights for ``torch.load(weights_only=True)``, arrays as ``.npy``.
  :func:`load` reads it back onto the device you name, and never runs code from the file:
  the classes and functions it names must be skae's, skorch's, torch's or scikit-learn's
  own, or ones you pass in ``trusted=`` (your encoder class, say), as ``skops.io`` does.
- :func:`load_pickle` unpickles (``pickle``, ``joblib.dump``) onto the device you name.
  Unpickling runs code stored in the file: only for files you trust.
- :func:`export_onnx` writes the fitted encoder as an ONNX graph, which ONNX Runtime and
  other engines run without Python objects.
"""

import io
import json
import warnings
import zipfile
from contextlib import contextmanager

import joblib
import numpy as np
import torch
from skorch.exceptions import DeviceWarning
from skorch.net import NeuralNet

from . import _safe_format
from ._base import BaseNeuralEstimator
from ._net import LOAD_DEVICE
from ._onnx import export_onnx
from ._run import resolve_device
from ._transformer import BaseAutoencoder
from ._version import SkaeVersionWarning, __version__

__all__ = ["SkaeVersionWarning", "export_onnx", "load", "load_pickle", "save"]

FORMAT = "skae"
FORMAT_VERSION = 1
HEADER, TENSORS = "skae.json", "tensors.pt"


def save(estimator, file):
    """Save an estimator without pickle, in a file that :func:`load` reads safely.

    Parameters and fitted attributes go to JSON, torch tensors to a ``torch.save`` file
    that ``torch.load(weights_only=True)`` reads, arrays to ``.npy`` files, all in one zip.
    Classes and functions (a body's module class, an optimizer, a logger's sink) are
    written by their fully qualified names, so they must be importable from their module.

    Parameters
    ----------
    estimator : object
        A skae estimator, fitted or not, alone or inside a ``Pipeline``.
    file : str, path-like or binary file object
        Where to write.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer, load, save
    >>> X = load_iris().data
    >>> ae = AutoencoderTransformer(2, max_epochs=5, random_state=0).fit(X)
    >>> buffer = io.BytesIO()
    >>> save(ae, buffer)
    >>> _ = buffer.seek(0)
    >>> bool((load(buffer).transform(X) == ae.transform(X)).all())
    True
    """
    encoder = _safe_format.Encoder()
    tree = encoder.encode(estimator, type(estimator).__name__)
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "skae_version": __version__,
              "torch_version": torch.__version__, "root": tree}
    tensors = io.BytesIO()
    torch.save(encoder.tensors, tensors)
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEADER, json.dumps(header))
        archive.writestr(TENSORS, tensors.getvalue())
        for key, data in _safe_format.encode_arrays(encoder.arrays).items():
            archive.writestr(key, data)


def _not_a_skae_file(file, what):
    return ValueError(
        f"{file!r} is not a file skae.save wrote ({what}). skae.load never unpickles, "
        "because unpickling runs code stored in the file. If you trust the file and it "
        "is a pickle, load it with skae.load_pickle(file) or joblib.load(file).")


def _read(file):
    """The header, the tensors (still as bytes) and the arrays of a saved file."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise _not_a_skae_file(file, "it is not a zip archive; a pickle?") from None
    with archive:
        names = set(archive.namelist())
        if HEADER not in names or TENSORS not in names:
            raise _not_a_skae_file(file, f"it holds no {HEADER}")
        header = json.loads(archive.read(HEADER))
        arrays = {name: _safe_format.decode_array(archive.read(name))
                  for name in names if name.startswith("arrays/")}
        tensors = archive.read(TENSORS)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _not_a_skae_file(file, f"its {HEADER} is not skae's")
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{file!r} is in version {header.get('format_version')} of skae's file format, "
            f"written by skae {header.get('skae_version')}; this skae "
            f"{__version__} reads version {FORMAT_VERSION}. Load it with that skae and "
            "refit, or save it again, with this one.")
    return header, tensors, arrays


def _missing(device):
    """Whether this machine lacks a device (a GPU kind) that a file names."""
    kind = torch.device(device).type
    return (kind == "cuda" and not torch.cuda.is_available()
            or kind == "mps" and not torch.backends.mps.is_available())


def _nodes(tree, kind):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("$") == kind:
                yield node
            stack.extend(node.values())


def load(file, device=None, *, trusted=None):
    """Load what :func:`save` wrote onto ``device``, running no code from the file.

    The file's JSON names classes and functions; each must be trusted before anything
    is built: skae's, skorch's, torch's modules and optimizers, scikit-learn's
    estimators, a few functions (``print``), or the fully qualified names in
    ``trusted``. Tensors are read with ``torch.load(weights_only=True)`` and arrays with
    ``numpy.load(allow_pickle=False)``. A pickle is refused, whatever it holds.

    Parameters
    ----------
    file : str, path-like or binary file object
        What :func:`save` wrote.
    device : {'cpu', 'cuda', 'cuda:<index>', 'mps', 'auto'}, torch.device or None, \
default=None
        Where the loaded estimators keep their weights, run ``transform`` and ``predict``
        and go on training: their ``device`` parameter is set to it. None keeps the
        devices they were saved with, except that a model saved on a GPU that this machine
        lacks is loaded onto the CPU (with skorch's ``DeviceWarning``; its ``device``
        parameter then still names the GPU, so a later ``fit`` asks for one).
    trusted : list of str or None, default=None
        Fully qualified names (``"mypackage.layers.MyEncoder"``) of the classes and
        functions of your own that the file may name: the modules, optimizers or
        callbacks you passed to the estimator. Names the file holds but neither skae nor
        ``trusted`` trusts raise a ``TypeError`` that lists them.

    Returns
    -------
    estimator : object
        The saved object. skae estimators anywhere inside it (in a ``Pipeline``, a
        classifier's fitted autoencoder) are on ``device``.

    Warns
    -----
    SkaeVersionWarning
        When the file was saved by another version of skae.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer, load, save
    >>> X = load_iris().data
    >>> ae = AutoencoderTransformer(2, max_epochs=5, random_state=0).fit(X)
    >>> buffer = io.BytesIO()
    >>> save(ae, buffer)
    >>> _ = buffer.seek(0)
    >>> loaded = load(buffer, device="cpu")
    >>> loaded.device, loaded.transform(X[:2]).shape
    ('cpu', (2, 2))
    """
    # A device this machine lacks fails here, with advice, before anything is read.
    target = None if device is None else (device, resolve_device(device))
    header, tensors, arrays = _read(file)
    trusted = list(trusted or ())
    names = _safe_format.named(header["root"])
    untrusted = _safe_format.untrusted_names(names, trusted)
    if untrusted:
        raise _safe_format.UntrustedError(untrusted)
    decoder = _safe_format.Decoder({}, arrays, trusted)
    decoder.resolve(names)
    devices = {node["device"] for node in _nodes(header["root"], "tensor")}
    fell_back = target is None and any(_missing(d) for d in devices)
    location = torch.device(target[1]) if target else ("cpu" if fell_back else None)
    try:
        decoder.tensors = torch.load(io.BytesIO(tensors), map_location=location,
                                     weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError and others for what it refuses
        raise ValueError(f"The tensors of {file!r} are not plain tensors: {exc}") from exc
    saved = header.get("skae_version")
    if saved != __version__:
        warnings.warn(SkaeVersionWarning(
            estimator_name=str(header["root"].get("class", "the estimator")).rsplit(".")[-1],
            current_skae_version=__version__, original_skae_version=saved), stacklevel=2)
    estimator = decoder.decode(header["root"])
    for obj in decoder.memo.values():
        if isinstance(obj, BaseNeuralEstimator) and target is not None:
            obj.device = target[0]
        elif isinstance(obj, NeuralNet) and target is not None:
            obj.device = target[1]
        elif isinstance(obj, NeuralNet) and _missing(obj.device):
            obj.device, fell_back = "cpu", True
    if fell_back:
        warnings.warn(DeviceWarning(
            'Requested to load data to CUDA but no CUDA devices are available. Loading on '
            'device "cpu" instead.'), stacklevel=2)
    if saved != __version__:
        _check_works(decoder.memo.values(), saved)
    return estimator


def _check_works(objects, saved):
    """Encode and decode one row with every fitted autoencoder, or say which fails."""
    for obj in objects:
        if isinstance(obj, BaseAutoencoder) and "net_" in vars(obj):
            try:
                obj.transform(obj.inverse_transform(np.zeros((1, obj.n_components_))))
            except Exception as exc:
                raise ValueError(
                    f"This file was saved by skae {saved}, and its {type(obj).__name__} "
                    f"does not work with skae {__version__} ({type(exc).__name__}: {exc}). "
                    f"Refit it with skae {__version__}, or load it with skae {saved}."
                ) from exc


@contextmanager
def _loading_onto(target):
    token = LOAD_DEVICE.set(target)
    try:
        yield
    finally:
        LOAD_DEVICE.reset(token)


def load_pickle(file, device=None):
    """Unpickle an estimator (``pickle``, ``joblib.dump``), its weights onto ``device``.

    Unpickling runs code stored in the file: use it only for files you trust, and
    :func:`save` / :func:`load` for the others.

    Parameters
    ----------
    file : str, path-like or file object
        What ``joblib.dump`` or ``pickle.dump`` wrote.
    device : {'cpu', 'cuda', 'cuda:<index>', 'mps', 'auto'}, torch.device or None, \
default=None
        As for :func:`load`.

    Returns
    -------
    estimator : object
        The unpickled object, skae estimators anywhere inside it on ``device``.

    Examples
    --------
    >>> import io, joblib
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer, load_pickle
    >>> X = load_iris().data
    >>> ae = AutoencoderTransformer(2, max_epochs=5, random_state=0).fit(X)
    >>> buffer = io.BytesIO()
    >>> joblib.dump(ae, buffer)
    >>> _ = buffer.seek(0)
    >>> load_pickle(buffer, device="cpu").transform(X[:2]).shape
    (2, 2)
    """
    target = None if device is None else (device, resolve_device(device))
    with _loading_onto(target):
        return joblib.load(file)
