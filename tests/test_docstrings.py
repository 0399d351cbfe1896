"""numpydoc sees every parameter of every public estimator, in signature order, and the
estimators describe the parameters they share in the same words."""

import inspect

import pytest

import skae
from skae import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    VariationalAutoencoder,
)
from skae._base import BaseNeuralEstimator

numpydoc_validate = pytest.importorskip("numpydoc.validate")

PUBLIC = [name for name in skae.__all__ if inspect.isclass(getattr(skae, name))]

# The training parameters every neural estimator shares, and the architecture parameters
# the three autoencoders share.
TRAINING = ["optimizer", "lr", "weight_decay", "batch_size", "max_epochs", "early_stopping",
            "validation_fraction", "n_iter_no_change", "tol", "callbacks", "warm_start",
            "device", "precision", "compile", "random_state", "verbose"]
ARCHITECTURE = ["encoder", "decoder", "sample_shape", "hidden_layer_sizes", "activation",
                "dropout"]
AUTOENCODERS = [AutoencoderTransformer, DenoisingAutoencoder, VariationalAutoencoder]


def _named_parameters(estimator):
    signature = inspect.signature(estimator)
    return [p.name for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]


@pytest.mark.parametrize("name", PUBLIC)
def test_parameters_are_documented_in_signature_order(name):
    # Regression: the classifier's docstring showed numpydoc two parameters (an escaped
    # line continuation in an f-string), and the denoising autoencoder's documented its
    # noise parameters elsewhere than its signature holds them.
    result = numpydoc_validate.validate(f"skae.{name}")
    errors = [(code, message) for code, message in result["errors"]
              if code in {"PR01", "PR02", "PR03", "PR08", "PR09", "PR10"}]
    assert errors == []
    estimator = getattr(skae, name)
    named = _named_parameters(estimator)
    # Few enough parameters to read: options of the bodies and the regularizers live in
    # them (encoder__<name>, regularizer=...), not in the estimators' signatures.
    assert len(named) <= 32
    if estimator is AutoencoderTransformer:
        assert len(named) <= 28
    # The neural estimators' signatures hold every training parameter.
    if issubclass(estimator, BaseNeuralEstimator):
        assert set(TRAINING) <= set(named)


def _documented(estimator):
    from numpydoc.docscrape import NumpyDocString

    return {p.name.split(":")[0].strip()
            for p in NumpyDocString(inspect.getdoc(estimator))["Parameters"]}


@pytest.mark.parametrize("estimators, params", [
    ([*AUTOENCODERS, PretrainedAEClassifier], TRAINING),
    (AUTOENCODERS, ARCHITECTURE),
], ids=["training", "architecture"])
def test_shared_parameters_are_described_alike(estimators, params):
    assert_docstring_consistency = pytest.importorskip(
        "sklearn.utils._testing").assert_docstring_consistency
    # assert_docstring_consistency skips entries some object lacks: none may lack one.
    for estimator in estimators:
        missing = set(params) - _documented(estimator)
        assert not missing, f"{estimator.__name__} does not document {sorted(missing)}"
    assert_docstring_consistency(estimators, include_params=params)
