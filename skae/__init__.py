"""skae: autoencoders as scikit-learn estimators, trained with PyTorch through skorch."""

from ._version import __version__ as __version__
from .autoencoder import AutoencoderTransformer
from .classifier import PretrainedAEClassifier
from .denoising import DenoisingAutoencoder
from .metrics import neg_reconstruction_error, reconstruction_error
from .outlier import AutoencoderOutlierDetector
from .persistence import SkaeVersionWarning, export_onnx, load, load_pickle, save
from .variational import VariationalAutoencoder

__all__ = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "DenoisingAutoencoder",
    "PretrainedAEClassifier",
    "SkaeVersionWarning",
    "VariationalAutoencoder",
    "export_onnx",
    "load",
    "load_pickle",
    "neg_reconstruction_error",
    "reconstruction_error",
    "save",
]

