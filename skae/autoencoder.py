"""Public autoencoder transformers."""

from sklearn.base import _fit_context

from ._base import BaseAutoencoder
from ._docs import ARCHITECTURE_PARAMS, FITTED_ATTRIBUTES, TRAINING_PARAMS


class AutoencoderTransformer(BaseAutoencoder):
    __doc__ = f"""Autoencoder as a scikit-learn transformer: a neural, non-linear PCA.

    The encoder maps every sample to a code of ``n_components`` values (``transform``); the
    decoder maps codes back to the input space (``inverse_transform``). Both are trained
    together to reconstruct the training data, with PyTorch through skorch.

    Parameters
    ----------
{ARCHITECTURE_PARAMS}
{TRAINING_PARAMS}
    Attributes
    ----------
{FITTED_ATTRIBUTES}
    See Also
    --------
    sklearn.decomposition.PCA : The linear autoencoder's closed-form solution.
    sklearn.neural_network.MLPRegressor : Whose training parameters these follow.

    Notes
    -----
    Scale the input (e.g. ``StandardScaler``) as for any neural network. ``transform`` returns
    float32 arrays. ``score(X)`` is minus the mean squared reconstruction error, whatever the
    training loss. Training copies ``X`` to ``device`` once and cuts batches from it there,
    so on a GPU the training data must fit in its memory.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = make_pipeline(MinMaxScaler(), AutoencoderTransformer(
    ...     n_components=8, hidden_layer_sizes=(32,), max_epochs=5, random_state=0))
    >>> ae.fit_transform(X).shape
    (1797, 8)
    >>> ae[-1].score(ae[0].transform(X)) < 0
    True
    """

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(64,),
        activation="relu",
        output_activation="auto",
        loss="mse",
        tied_weights=False,
        dropout=0.0,
        batch_norm=False,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=64,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied_weights = tied_weights
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.contractive_weight = contractive_weight
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; numeric, without NaN or infinity.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : AutoencoderTransformer
            The fitted estimator.
        """
        return self._fit(X)
