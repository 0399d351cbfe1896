"""Torch modules that skae estimators build. Pure PyTorch: nothing here imports scikit-learn."""

from .autoencoder import Autoencoder, TopK
from .dense import DenseDecoder, DenseEncoder, TiedLinear, make_activation
from .heads import EncoderClassifier, MLPHead

__all__ = [
    "Autoencoder",
    "DenseDecoder",
    "DenseEncoder",
    "EncoderClassifier",
    "MLPHead",
    "TiedLinear",
    "TopK",
    "make_activation",
]
