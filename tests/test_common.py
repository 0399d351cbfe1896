"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import AutoencoderTransformer, DenoisingAutoencoder, PretrainedAEClassifier

from .conftest import FAST, FAST_CLASSIFIER

ESTIMATORS = [
    AutoencoderTransformer(**FAST),
    DenoisingAutoencoder(noise="gaussian", noise_level=0.1, **FAST),
    PretrainedAEClassifier(AutoencoderTransformer(4, **FAST), **FAST_CLASSIFIER),
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


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
