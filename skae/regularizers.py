"""Code regularizers: what an autoencoder's ``regularizer`` parameter takes.

Each is a small object with its own parameters, as scikit-learn's Gaussian processes take
``kernel=RBF(length_scale=...)``: ``GridSearchCV`` searches them as
``regularizer__weight``. A regularizer says what it does to the network: a penalty added
to the training loss (:meth:`CodeRegularizer.penalty`), an activation of the code layer
(``code_activation``) or a module applied to every code (:meth:`CodeRegularizer.code_transform`).
"""

from numbers import Real

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

from .modules import TopK as TopKModule
from .penalties import contractive, kl_sparsity, l1_activity


class CodeRegularizer(BaseEstimator):
    """Base class of the code regularizers: no penalty, no change to the code.

    Attributes
    ----------
    code_activation : str
        Activation of the encoder's code layer that the regularizer needs.
    sparse : bool
        Whether it makes codes sparse; a PCA-initialised linear path, whose codes are
        dense, is then left out (``linear_path='auto'``).
    needs_input_grad : bool
        Whether :meth:`penalty` differentiates the code with respect to the input.
    """

    code_activation = "identity"
    sparse = False
    needs_input_grad = False

    def penalty(self, code, X):
        """The term added to a training batch's loss, or None.

        Parameters
        ----------
        code : torch.Tensor of shape (n_samples, n_components)
            The batch's codes.
        X : torch.Tensor
            The batch the codes were computed from.

        Returns
        -------
        penalty : torch.Tensor (scalar) or None
            The weighted penalty, or None for no penalty.
        """
        return None

    def code_transform(self, n_components):
        """A module applied to every code of ``n_components`` values, or None.

        Parameters
        ----------
        n_components : int
            Width of the code.

        Returns
        -------
        module : torch.nn.Module or None
            The module, or None to leave the code as it is.
        """
        return None

    _parameter_constraints: dict = {}

    def validate(self):
        """Check the parameters (as ``fit`` does), raising a clear error if one is wrong.

        Returns
        -------
        self : CodeRegularizer
            The regularizer, its parameters checked.
        """
        self._validate_params()
        return self


class L1(CodeRegularizer):
    """L1 activity penalty: ``weight`` times the mean over rows of ``sum |code|``.

    Parameters
    ----------
    weight : float, default=1e-3
        Weight of the penalty in the training loss.

    Examples
    --------
    >>> from skae import AutoencoderTransformer
    >>> from skae.regularizers import L1
    >>> AutoencoderTransformer(16, regularizer=L1(weight=1e-2)).get_params()[
    ...     "regularizer__weight"]
    0.01
    """

    sparse = True
    _parameter_constraints: dict = {"weight": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, weight=1e-3):
        self.weight = weight

    def penalty(self, code, X):
        return self.weight * l1_activity(code)


class KL(CodeRegularizer):
    """The sparse autoencoder's KL penalty on codes in (0, 1).

    Its units are pushed to be active ``target`` of the time
    (:func:`skae.penalties.kl_sparsity`). The code layer gets a sigmoid activation.

    Parameters
    ----------
    weight : float, default=1e-3
        Weight of the penalty in the training loss.
    target : float, default=0.05
        Desired mean activation of every code unit, in (0, 1).

    Examples
    --------
    >>> from skae.regularizers import KL
    >>> KL(weight=0.1, target=0.1)
    KL(target=0.1, weight=0.1)
    """

    code_activation = "sigmoid"
    sparse = True
    _parameter_constraints: dict = {"weight": [Interval(Real, 0, None, closed="left")],
                                    "target": [Interval(Real, 0, 1, closed="neither")]}

    def __init__(self, weight=1e-3, target=0.05):
        self.weight = weight
        self.target = target

    def penalty(self, code, X):
        return self.weight * kl_sparsity(code, self.target)


class TopK(CodeRegularizer):
    """K-sparse codes: every code keeps its ``k`` largest units and zeroes the others.

    Parameters
    ----------
    fraction : float, default=0.05
        Share of the code's units left active: ``k = max(1, round(fraction *
        n_components))``.

    Examples
    --------
    >>> from skae.regularizers import TopK
    >>> TopK(0.25).code_transform(8)
    TopK()
    """

    sparse = True
    _parameter_constraints: dict = {"fraction": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, fraction=0.05):
        self.fraction = fraction

    def code_transform(self, n_components):
        return TopKModule(max(1, round(self.fraction * n_components)))


class Contractive(CodeRegularizer):
    """The contractive autoencoder's penalty on the encoder's Jacobian.

    ``weight`` times the squared norm of the encoder's Jacobian
    (:func:`skae.penalties.contractive`): codes insensitive to small moves of the input.

    Parameters
    ----------
    weight : float, default=1e-3
        Weight of the penalty in the training loss.

    Examples
    --------
    >>> from skae.regularizers import Contractive
    >>> Contractive(0.01).needs_input_grad
    True
    """

    needs_input_grad = True
    _parameter_constraints: dict = {"weight": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, weight=1e-3):
        self.weight = weight

    def penalty(self, code, X):
        return self.weight * contractive(code, X)
