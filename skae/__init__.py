"""skae: autoencoders as scikit-learn estimators, trained with PyTorch through skorch."""

from .autoencoder import AutoencoderTransformer
from .classifier import PretrainedAEClassifier
from .denoising import DenoisingAutoencoder
from .metrics import neg_reconstruction_error, reconstruction_error
from .outlier import AutoencoderOutlierDetector
from .persistence import export_onnx, load
from .variational import VariationalAutoencoder

__all__ = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "DenoisingAutoencoder",
    "PretrainedAEClassifier",
    "VariationalAutoencoder",
    "export_onnx",
    "load",
    "neg_reconstruction_error",
    "reconstruction_error",
]

__version__ = "0.1.0"
