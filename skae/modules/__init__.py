"""Torch modules that skae estimators build. Pure PyTorch: nothing here imports scikit-learn."""

from .autoencoder import Autoencoder, TopK
from .conv import ConvDecoder, ConvEncoder
from .dense import DenseDecoder, DenseEncoder, TiedLinear, make_activation
from .heads import EncoderClassifier, MLPHead
from .recurrent import RecurrentDecoder, RecurrentEncoder

__all__ = [
    "Autoencoder",
    "ConvDecoder",
    "ConvEncoder",
    "DenseDecoder",
    "DenseEncoder",
    "EncoderClassifier",
    "MLPHead",
    "RecurrentDecoder",
    "RecurrentEncoder",
    "TiedLinear",
    "TopK",
    "make_activation",
]
