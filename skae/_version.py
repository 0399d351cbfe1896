"""skae's version, and the warning for a model that another version saved."""

from sklearn.exceptions import InconsistentVersionWarning

__version__ = "0.1.0"


class SkaeVersionWarning(InconsistentVersionWarning):
    """A file was saved by another version of skae than the one loading it.

    skae's estimators may hold other fitted attributes in another version; :func:`load`
    checks that every loaded autoencoder still encodes and decodes, and fails with a
    clear message where it does not. Refit or re-save models with the skae that uses them.

    Parameters
    ----------
    estimator_name : str
        The class of the saved estimator.
    current_skae_version : str
        The version of skae that loads it.
    original_skae_version : str
        The version of skae that saved it.

    Examples
    --------
    >>> from skae import SkaeVersionWarning
    >>> message = str(SkaeVersionWarning(estimator_name="AutoencoderTransformer",
    ...                   current_skae_version="0.2.0", original_skae_version="0.1.0"))
    >>> message[:72]
    'Loading AutoencoderTransformer saved by skae 0.1.0 with skae 0.2.0: its '
    """

    def __init__(self, *, estimator_name, current_skae_version, original_skae_version):
        super().__init__(estimator_name=estimator_name,
                         current_sklearn_version=current_skae_version,
                         original_sklearn_version=original_skae_version)

    def __str__(self):
        current = self.current_sklearn_version
        return (f"Loading {self.estimator_name} saved by skae {self.original_sklearn_version}"
                f" with skae {current}: its fitted attributes may differ between versions, "
                f"which can break it or change its results. Refit it, or save it again, "
                f"with skae {current}.")
