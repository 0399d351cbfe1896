"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import AutoencoderTransformer

from .conftest import FAST

ESTIMATORS = [AutoencoderTransformer(**FAST)]


def expected_failed_checks(estimator):
    return {
        "check_methods_subset_invariance": (
            "float32 matrix products differ by about one ulp (1e-7 relative) between batch "
            "sizes, and the check's tolerance is 1e-7."
        ),
    }


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
