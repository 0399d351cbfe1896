"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    VariationalAutoencoder,
)

from .conftest import FAST, FAST_CLASSIFIER
from .test_custom_modules import Decoder, Encoder, Head

ESTIMATORS = [
    AutoencoderTransformer(**FAST),
    DenoisingAutoencoder(noise="gaussian", noise_level=0.1, **FAST),
    PretrainedAEClassifier(AutoencoderTransformer(4, **FAST), **FAST_CLASSIFIER),
    # Users' own modules and their prefixed parameters go through the same checks.
    AutoencoderTransformer(encoder=Encoder, decoder=Decoder, encoder__width=4,
                           decoder__width=4, **FAST),
    VariationalAutoencoder(**FAST),
    PretrainedAEClassifier(AutoencoderTransformer(4, **FAST), head=Head, head__hidden=4,
                           **FAST_CLASSIFIER),
    # A float contamination: the outlier checks expect some training rows flagged, and
    # 'auto' (Tukey's outer fence) rightly flags none of make_blobs' light-tailed rows.
    AutoencoderOutlierDetector(AutoencoderTransformer(**FAST), contamination=0.1),
]


def expected_failed_checks(estimator):
    if isinstance(estimator, PretrainedAEClassifier):
        return {
            "check_classifiers_classes": (
                "The check fits labels {-1, 1}, but -1 marks unlabeled rows "
                "(sklearn.semi_supervised's convention); sklearn exempts its own "
                "semi-supervised estimators from these labels by name."
            ),
        }
    return {}


# The test instances train for a few epochs, short of convergence by design.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
