"""Step (a) of ``PretrainedAEClassifier``: the autoencoder whose encoder it starts from.

Only public API of the autoencoders is used here: ``clone``, ``set_params``, ``fit`` and
fitted attributes.
"""

import copy

from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder
from .autoencoder import DenoisingAutoencoder

# The configuration the classifier's figures were measured with (BENCHMARKS.md, issue 12):
# with the autoencoders' zeroed-output start it scored about 0.6 points lower on mnist10k,
# with their GELU default (stop 21) 1.9 points lower at 1,000 labels (seed 0); their
# dropout default (stop 22) was not measured in the classifier.
DEFAULT_AUTOENCODER = dict(n_components=32, body_start="gate", activation="relu", dropout=0.0)


def autoencoder_param(classifier):
    """The ``autoencoder`` parameter (unwrapped if frozen), or the default when None."""
    if isinstance(classifier.autoencoder, FrozenEstimator):
        autoencoder = classifier.autoencoder.estimator
        if not isinstance(autoencoder, BaseAutoencoder):
            raise ValueError(
                "The FrozenEstimator passed as autoencoder must wrap a fitted "
                f"AutoencoderTransformer or DenoisingAutoencoder, not "
                f"{type(autoencoder).__name__}.")
        return autoencoder
    if classifier.autoencoder is None:
        return DenoisingAutoencoder(**DEFAULT_AUTOENCODER, device=classifier.device,
                                      verbose=classifier.verbose)
    return classifier.autoencoder


def pretrain(classifier, X):
    """Step (a): the fitted autoencoder whose encoder the classifier starts from.

    ``X`` is the input as given to ``fit``: the autoencoder validates it itself.
    """
    autoencoder = autoencoder_param(classifier)
    frozen = isinstance(classifier.autoencoder, FrozenEstimator)
    if frozen and not _is_fitted(autoencoder):
        raise ValueError("The FrozenEstimator passed as autoencoder wraps an unfitted "
                         f"{type(autoencoder).__name__}; fit it before freezing it.")
    if frozen or (not classifier.refit_autoencoder and _is_fitted(autoencoder)):
        return copy.deepcopy(autoencoder)
    autoencoder = clone(autoencoder)
    if autoencoder.random_state is None:
        autoencoder.set_params(random_state=classifier._draw_seeds(1)[0])
    if classifier.pretraining is not None:
        autoencoder.set_params(pretraining=classifier.pretraining)
    return autoencoder.fit(X)


def check_same_features(autoencoder, classifier):
    """Check that the (possibly pretrained elsewhere) autoencoder read these features."""
    if autoencoder.n_features_in_ != classifier.n_features_in_:
        raise ValueError(
            f"The pretrained autoencoder was fitted on {autoencoder.n_features_in_} "
            f"features, but X has {classifier.n_features_in_}. Pass data with the same "
            "features, or set refit_autoencoder=True to pretrain on this X."
        )
    names = getattr(autoencoder, "feature_names_in_", None)
    mine = getattr(classifier, "feature_names_in_", None)
    if names is not None and mine is not None and list(names) != list(mine):
        raise ValueError(
            f"The pretrained autoencoder was fitted on features {list(names)}, but X "
            f"has {list(mine)}; reorder or rename the columns to match."
        )


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True
