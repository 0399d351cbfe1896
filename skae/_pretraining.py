"""What ``PretrainedAEClassifier`` prepares before fine-tuning: the pretrained autoencoder
whose encoder it starts from (step a), and the pseudo-labels of its unlabeled rows.

Only public API of the estimators is used here: ``clone``, ``set_params``, ``fit`` and
fitted attributes.
"""

import copy

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from ._labels import propagated_labels, unit_rows
from ._run import draw_seeds
from ._transformer import BaseAutoencoder
from .denoising import DenoisingAutoencoder

# The family's defaults, but ReLU and no dropout: codes pretrained to be classified
# fine-tune to better accuracy with them than with GELU and dropout (BENCHMARKS.md).
DEFAULT_AUTOENCODER = dict(n_components=32, activation="relu", dropout=0.0)


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
        autoencoder.set_params(random_state=draw_seeds(classifier.get_params(deep=False), 1)[0])
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


def spreading_codes(classifier, autoencoder, X, y, labeled):
    """The codes the pseudo-labels spread over: those of the pretrained encoder beside
    those of an encoder fine-tuned plainly on the labeled rows alone, each set
    L2-normalised (so that a pair's cosine similarity is the mean of its two)."""
    plain = clone(classifier).set_params(
        autoencoder=FrozenEstimator(autoencoder), reconstruction_weight=0.0,
        consistency_weight=0.0, pseudo_label_weight=0.0, freeze_encoder=False,
        callbacks=None, warm_start=False)
    rows = np.flatnonzero(labeled)
    plain.fit(_safe_indexing(X, rows), y[rows])
    return np.hstack([unit_rows(autoencoder.transform(X)), unit_rows(plain.transform(X))])


def with_pseudo_labels(codes, targets, n_classes, weight):
    """``targets`` with two more columns: every unlabeled row's pseudo-label from label
    spreading over ``codes``, and its weight (``weight`` times the label's certainty)."""
    pseudo, certainty = propagated_labels(codes, targets, n_classes)
    weights = np.where(targets < 0, weight * certainty, 0.0)
    return np.column_stack([targets, pseudo, weights]).astype(np.float32)
