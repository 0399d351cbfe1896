"""numpydoc sees every parameter of every public estimator, in signature order."""

import inspect

import pytest

import skae
from skae._training import BaseNeuralEstimator

numpydoc_validate = pytest.importorskip("numpydoc.validate")

PUBLIC = [name for name in skae.__all__ if inspect.isclass(getattr(skae, name))]


@pytest.mark.parametrize("name", PUBLIC)
def test_parameters_are_documented_in_signature_order(name):
    # Regression: the classifier's docstring showed numpydoc two parameters (an escaped
    # line continuation in an f-string), and the denoising autoencoder's documented its
    # noise parameters elsewhere than its signature holds them.
    result = numpydoc_validate.validate(f"skae.{name}")
    errors = [(code, message) for code, message in result["errors"]
              if code in {"PR01", "PR02", "PR03", "PR08", "PR09", "PR10"}]
    assert errors == []
    signature = inspect.signature(getattr(skae, name))
    named = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    # The neural estimators' signatures hold every training parameter.
    assert len(named) > (20 if issubclass(getattr(skae, name), BaseNeuralEstimator) else 2)
