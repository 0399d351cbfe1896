"""ONNX export of a fitted estimator's ``transform`` (:func:`skae.export_onnx`)."""

import numbers
import os
import warnings

import torch
from sklearn.utils.validation import check_is_fitted

from ._assembly import evaluating
from ._base import BaseNeuralEstimator


class _Transform(torch.nn.Module):
    """The encoder's ``encode`` as a module's ``forward``, for the exporter."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, X):
        return self.module.encode(X)


def export_onnx(estimator, path, *, opset_version=None):
    """Write what a fitted estimator's ``transform`` computes as an ONNX graph.

    The graph takes a float32 batch ``X`` of any number of rows, shaped as the network
    reads them: ``(n_samples, n_features_in_)`` flat rows, images channel-first
    (``(channels, height, width)`` flattened; transpose channel-last images first) and
    sequences ``(steps, features)`` flattened. It returns the codes, ``code``, of shape
    ``(n_samples, n_components)``: those of ``transform`` up to float rounding.
    The export goes through ``torch.onnx.export`` (its ``torch.export`` route, which
    needs the ``onnx`` and ``onnxscript`` packages: ``pip install "skae[onnx]"``).

    Parameters
    ----------
    estimator : AutoencoderTransformer, DenoisingAutoencoder or PretrainedAEClassifier
        A fitted skae estimator (any estimator with a skae network behind ``transform``).
    path : str or path-like
        The ``.onnx`` file to write.
    opset_version : int or None, default=None
        ONNX opset of the graph; None takes the exporter's default. An opset the exporter
        cannot produce for this network raises a ValueError, and nothing is written.

    Returns
    -------
    path : str
        The path written.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer, export_onnx
    >>> X = load_iris().data.astype(np.float32)
    >>> ae = AutoencoderTransformer(2, max_epochs=5, random_state=0).fit(X)
    >>> path = export_onnx(ae, os.path.join(tempfile.mkdtemp(), "encoder.onnx"))
    >>> session = onnxruntime.InferenceSession(path)
    >>> codes = session.run(None, {"X": X})[0]
    >>> np.allclose(codes, ae.transform(X), atol=1e-5)
    True
    """
    if not isinstance(estimator, BaseNeuralEstimator):
        raise TypeError(
            f"export_onnx exports skae estimators, not {type(estimator).__name__}; for other "
            "scikit-learn estimators use skl2onnx."
        )
    check_is_fitted(estimator)
    if opset_version is not None and (
            not isinstance(opset_version, numbers.Integral) or opset_version < 1):
        raise ValueError(f"opset_version must be a positive int or None, got {opset_version!r}.")
    path = os.fspath(path)
    network = estimator.net_.module_
    example = torch.zeros(2, estimator.n_features_in_, device=estimator.net_.device)
    try:
        with evaluating(network), warnings.catch_warnings():
            # The exporter warns about torch's own internals (deprecations inside torch,
            # recurrent layers' weight caching), nothing a user could act on.
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", message=".*were assigned during export")
            program = torch.onnx.export(
                _Transform(network).eval(), (example,), input_names=["X"],
                output_names=["code"], dynamic_shapes=({0: torch.export.Dim("n_samples")},),
                opset_version=opset_version, dynamo=True, verbose=False,
            )
    except ImportError as exc:
        raise ImportError(
            f"export_onnx needs the onnx and onnxscript packages ({exc}); install them with "
            'pip install "skae[onnx]".'
        ) from exc
    # Below its lowest opset the exporter converts the graph down and, where it cannot,
    # keeps its own opset: check what the graph holds before writing it.
    written = program.model.opset_imports.get("")
    if opset_version is not None and written != opset_version:
        raise ValueError(
            f"export_onnx cannot write opset {opset_version}: torch's exporter produced "
            f"opset {written} for this network. Pass opset_version={written} (or None), or "
            "convert the graph with onnx.version_converter yourself."
        )
    program.save(path)
    return path

