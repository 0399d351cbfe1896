"""Fitted estimators move between machines: loading onto a device, ONNX export.

The safe format (``save`` / ``load``) has its own tests in ``test_safe_format.py``; the
device tests here run for it and for trusted pickles (``load_pickle``) alike.
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.exceptions import DeviceWarning

import skae
from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    SkaeVersionWarning,
    export_onnx,
    load,
    load_pickle,
    save,
)

from .conftest import FAST, FAST_CLASSIFIER

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _saved(estimator):
    buffer = io.BytesIO()
    save(estimator, buffer)
    buffer.seek(0)
    return buffer


def _dumped(estimator):
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    buffer.seek(0)
    return buffer


FORMATS = {"safe": (_saved, load), "pickle": (_dumped, load_pickle)}


@pytest.fixture(params=list(FORMATS))
def roundtrip(request):
    """``(write, read)``: skae's safe format, or a trusted pickle."""
    return FORMATS[request.param]


def _as_if_fitted_on_gpu(estimator):
    """Label a CPU-fitted estimator as a CUDA one, as a GPU machine would have saved it.

    The weights stay on the CPU, which skorch's unpickling maps like GPU weights: to the
    device named in the net's state, or to the CPU when that is a GPU this machine lacks.
    """
    estimator.device = "cuda"
    estimator.net_.device = "cuda"
    return estimator


@pytest.fixture
def fitted(digits):
    X, _ = digits
    return AutoencoderTransformer(4, **FAST).fit(X), X


def test_load_names_the_device_of_the_weights_and_of_later_fits(fitted, roundtrip):
    write, read = roundtrip
    ae, X = fitted
    expected = ae.transform(X)
    loaded = read(write(_as_if_fitted_on_gpu(ae)), device="cpu")
    assert loaded.device == "cpu"
    assert loaded.net_.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.net_.module_.parameters())
    np.testing.assert_allclose(loaded.transform(X), expected)
    loaded.partial_fit(X)  # goes on training on the CPU


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is there to load onto")
def test_a_gpu_model_without_a_gpu_lands_on_the_cpu_with_a_warning(fitted, roundtrip):
    write, read = roundtrip
    ae, X = fitted
    expected = ae.transform(X)
    with pytest.warns(DeviceWarning, match="no CUDA devices"):
        loaded = read(write(_as_if_fitted_on_gpu(ae)))
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_allclose(loaded.transform(X), expected)
    # Its parameter still asks for the GPU, so refitting says what is missing.
    with pytest.raises(ValueError, match="CUDA is not available"):
        loaded.fit(X)


def test_plain_pickle_keeps_working(fitted):
    ae, X = fitted
    np.testing.assert_allclose(pickle.loads(pickle.dumps(ae)).transform(X), ae.transform(X))


def test_load_moves_estimators_nested_in_a_pipeline(digits, roundtrip):
    write, read = roundtrip
    X, y = digits
    y = np.where(np.arange(len(y)) % 5 == 0, y, -1)
    clf = PretrainedAEClassifier(AutoencoderTransformer(4, **FAST), **FAST_CLASSIFIER)
    pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    expected = pipe.predict(X)
    fitted_clf = pipe[-1]
    _as_if_fitted_on_gpu(fitted_clf)
    _as_if_fitted_on_gpu(fitted_clf.autoencoder_)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeviceWarning)  # the device is named: no fallback
        loaded = read(write(pipe), device="cpu")
    assert loaded[-1].device == loaded[-1].autoencoder_.device == "cpu"
    assert loaded[-1].autoencoder_.net_.device == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_load_onto_a_missing_gpu_says_so(fitted, roundtrip):
    write, read = roundtrip
    ae, _ = fitted
    with pytest.raises(ValueError, match="CUDA is not available on this machine"):
        read(write(ae), device="cuda")


@needs_cuda
def test_a_model_fitted_on_the_gpu_predicts_on_the_cpu(digits, roundtrip):
    write, read = roundtrip
    X, _ = digits
    ae = AutoencoderTransformer(4, **{**FAST, "device": "cuda"}).fit(X)
    loaded = read(write(ae), device="cpu")
    np.testing.assert_allclose(loaded.transform(X), ae.transform(X), atol=1e-5)
    back = read(write(loaded), device="cuda")
    assert next(back.net_.module_.parameters()).is_cuda


# -- ONNX ------------------------------------------------------------------------------


def _onnx_codes(path, X):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})[0]


@pytest.mark.parametrize("make", [
    lambda: AutoencoderTransformer(4, **FAST),
    lambda: DenoisingAutoencoder(4, noise="masking", noise_level=0.3, **FAST),
    lambda: AutoencoderTransformer(4, encoder="conv", encoder__conv_channels=(4,),
                                   sample_shape=(1, 8, 8), max_epochs=1, random_state=0),
    lambda: AutoencoderTransformer(4, encoder="lstm", max_epochs=1, random_state=0),
], ids=["dense", "denoising", "conv", "lstm"])
def test_onnx_graph_computes_transform(make, digits01, tmp_path):
    pytest.importorskip("onnxscript")
    X, _ = digits01
    estimator = make()
    if estimator.encoder == "lstm":
        X = X[:200].reshape(200, 8, 8)  # sequences of 8 steps of 8 features
    estimator.fit(X)
    X = X.reshape(len(X), -1)
    path = export_onnx(estimator, tmp_path / "encoder.onnx")
    # Another number of rows than the export's example: the batch axis is dynamic.
    np.testing.assert_allclose(_onnx_codes(path, X[:37]), estimator.transform(X[:37]),
                               atol=1e-5)


def test_onnx_export_of_the_classifier_encodes(digits, tmp_path):
    pytest.importorskip("onnxscript")
    X, y = digits
    clf = PretrainedAEClassifier(AutoencoderTransformer(4, **FAST), **FAST_CLASSIFIER).fit(X, y)
    path = export_onnx(clf, tmp_path / "encoder.onnx")
    np.testing.assert_allclose(_onnx_codes(path, X[:5]), clf.transform(X[:5]), atol=1e-5)


def test_onnx_export_refuses_what_it_cannot_export(tmp_path):
    with pytest.raises(TypeError, match="exports skae estimators, not StandardScaler"):
        export_onnx(StandardScaler().fit([[0.0], [1.0]]), tmp_path / "x.onnx")
    with pytest.raises(NotFittedError):
        export_onnx(AutoencoderTransformer(2), tmp_path / "x.onnx")


def test_onnx_export_refuses_an_opset_it_cannot_write(fitted, tmp_path):
    pytest.importorskip("onnxscript")
    ae, _ = fitted
    # Below its lowest opset the exporter falls back to its own: that must not pass silently.
    with pytest.raises(ValueError, match="cannot write opset 7: .* produced opset 18"):
        export_onnx(ae, tmp_path / "old.onnx", opset_version=7)
    assert not (tmp_path / "old.onnx").exists()
    with pytest.raises(ValueError, match="opset_version must be a positive int or None"):
        export_onnx(ae, tmp_path / "bad.onnx", opset_version="18")
    onnx = pytest.importorskip("onnx")
    path = export_onnx(ae, tmp_path / "new.onnx", opset_version=20)
    assert {o.domain: o.version for o in onnx.load(path).opset_import}[""] == 20


def test_a_pickle_says_which_skae_made_it_and_another_version_warns(blobs):
    ae = AutoencoderTransformer(2, **FAST).fit(blobs[0])
    state = ae.__getstate__()
    assert state["_skae_version"] == skae.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkaeVersionWarning)
        pickle.loads(pickle.dumps(ae))  # the same version: quiet
    state["_skae_version"] = "0.0.1"
    other = AutoencoderTransformer.__new__(AutoencoderTransformer)
    with pytest.warns(SkaeVersionWarning, match="saved by skae 0.0.1 with skae"):
        other.__setstate__(state)
    np.testing.assert_allclose(other.transform(blobs[0][:3]), ae.transform(blobs[0][:3]))
