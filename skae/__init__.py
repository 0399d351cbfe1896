"""skae: autoencoders as scikit-learn estimators, trained with PyTorch through skorch."""

from .autoencoder import AutoencoderTransformer, DenoisingAutoencoder
from .classifier import PretrainedAEClassifier
from .metrics import neg_reconstruction_error, reconstruction_error
from .variational import VariationalAutoencoder

__all__ = [
    "AutoencoderTransformer",
    "DenoisingAutoencoder",
    "PretrainedAEClassifier",
    "VariationalAutoencoder",
    "neg_reconstruction_error",
    "reconstruction_error",
]

__version__ = "0.1.0"
