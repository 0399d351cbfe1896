"""Torch modules that skae estimators build, and the protocol for modules of your own.

Pure PyTorch: nothing here imports scikit-learn.

.. rubric:: The module protocol

An estimator's ``encoder``, ``decoder`` (autoencoders) and ``head`` (classifier) may be a
``torch.nn.Module`` of your own, given as a class (built at ``fit`` with the
``encoder__<name>`` / ``decoder__<name>`` / ``head__<name>`` parameters) or as an instance
(copied, and trained from its current weights). What each must do:

- **encoder**: ``forward(X)`` takes a batch of samples as the estimator received them,
  channels first: ``(batch, n_features)`` for 2-D ``X``, ``(batch, *sample_shape)`` for
  images and sequences (n-D ``X``, or flat rows with ``image_shape`` / ``sequence_shape``).
  It returns codes of shape ``(batch, n_components)``.
- **decoder**: ``forward(code)`` takes ``(batch, n_components)`` and returns the batch's
  reconstruction, shaped like the encoder's input (or flat).
- **head**: ``forward(code)`` returns class scores (logits) ``(batch, n_classes)``.
- **optional** ``layers``: an ``nn.Sequential`` whose composition is ``forward``. Only
  ``freeze_encoder=<int>`` (freeze the leading layers) and ``pretraining='greedy'`` (which
  pairs encoder layer ``i`` with decoder layer ``-1 - i``, so the decoder's layers must
  mirror the encoder's) need it; they say so clearly when it is missing.
- Rows must not interact in evaluation mode (as batch norm and dropout do not), so that
  ``transform`` gives each row the same code whatever rows come with it.

A class's constructor gets, besides your ``<role>__<name>`` arguments, the values skae
knows when it takes parameters of these names (or ``**kwargs``) and you did not set them:
``n_features`` (width of a flat row), ``n_components`` and ``sample_shape`` (one sample's
shape, None for flat rows) for encoders and decoders; ``n_components`` and ``n_classes``
for heads. skae runs the autoencoder on two rows before training and names the module
that returned a wrong shape.
"""

from ._summary import layer_summary
from .autoencoder import Autoencoder, LinearPath, TopK
from .conv import ConvDecoder, ConvEncoder
from .dense import DenseDecoder, DenseEncoder, TiedLinear, make_activation
from .heads import EncoderClassifier, MLPHead
from .recurrent import RecurrentDecoder, RecurrentEncoder
from .variational import VAE, BernoulliLikelihood, GaussianLikelihood

__all__ = [
    "Autoencoder",
    "BernoulliLikelihood",
    "ConvDecoder",
    "ConvEncoder",
    "DenseDecoder",
    "DenseEncoder",
    "EncoderClassifier",
    "GaussianLikelihood",
    "LinearPath",
    "MLPHead",
    "RecurrentDecoder",
    "RecurrentEncoder",
    "TiedLinear",
    "TopK",
    "VAE",
    "layer_summary",
    "make_activation",
]
