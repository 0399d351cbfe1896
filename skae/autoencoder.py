"""Public autoencoder transformers: the plain autoencoder and the denoising one."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder
from ._building import evaluating
from ._docs import (
    ACCELERATOR_PARAM,
    ARCHITECTURE_PARAMS,
    FITTED_ATTRIBUTES,
    MODULE_KWARGS,
    NOISE_PARAMS,
    TRAINING_PARAMS,
)
from ._training import seeded_torch
from .noise import NOISES


class AutoencoderTransformer(BaseAutoencoder):
    __doc__ = f"""Autoencoder as a scikit-learn transformer: a neural, non-linear PCA.

    The encoder maps every sample to a code of ``n_components`` values (``transform``); the
    decoder maps codes back to the input space (``inverse_transform``). Both are trained
    together to reconstruct the training data, with PyTorch through skorch.

    Parameters
    ----------
{ARCHITECTURE_PARAMS}
{TRAINING_PARAMS}
{ACCELERATOR_PARAM}
{MODULE_KWARGS}
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

    Images, as 4-D arrays or as flat rows with ``image_shape``, go through convolutions:

    >>> conv = AutoencoderTransformer(8, encoder="conv", image_shape=(1, 8, 8),
    ...                               conv_channels=(8, 16), max_epochs=2, random_state=0)
    >>> conv.fit(X / 16).transform(X / 16).shape
    (1797, 8)
    >>> conv.reconstruct(X.reshape(-1, 1, 8, 8) / 16).shape
    (1797, 64)

    Without a dense code layer (``n_components=None``) the code is the last feature map,
    here 4 channels of 2 x 2, flattened:

    >>> spatial = AutoencoderTransformer(None, encoder="conv", image_shape=(1, 8, 8),
    ...                                  conv_channels=(8, 4), max_epochs=2, random_state=0)
    >>> spatial.fit(X / 16).code_shape_, spatial.transform(X / 16).shape
    ((4, 2, 2), (1797, 16))
    >>> list(spatial.get_feature_names_out()[:2])
    ['autoencodertransformer_c0_y0_x0', 'autoencodertransformer_c0_y0_x1']

    Sequences ``(n_samples, timesteps, features)`` go through recurrent layers:

    >>> import numpy as np
    >>> waves = np.sin(np.linspace(0, 6, 20) + np.arange(50)[:, None])[:, :, None]
    >>> lstm = AutoencoderTransformer(2, encoder="lstm", rnn_hidden_size=16,
    ...                               max_epochs=2, random_state=0).fit(waves)
    >>> lstm.transform(waves).shape, lstm.reconstruct(waves).shape
    ((50, 2), (50, 20, 1))
    """

    def __init__(
        self,
        n_components=2,
        *,
        encoder="dense",
        decoder=None,
        pretraining="joint",
        linear_path="auto",
        body_start="auto",
        hidden_layer_sizes="auto",
        conv_channels=(32, 64),
        kernel_size=3,
        image_shape=None,
        channels_last=False,
        sequence_shape=None,
        rnn_hidden_size=64,
        rnn_num_layers=1,
        bidirectional=False,
        activation="auto",
        output_activation="auto",
        loss="mse",
        tied_weights=False,
        dropout="auto",
        batch_norm=False,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size="auto",
        max_epochs="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        callbacks=None,
        warm_start=False,
        device="cpu",
        data_placement="auto",
        precision="float32",
        compile=False,
        random_state=None,
        verbose=0,
        accelerator=None,
        **kwargs,
    ):
        self.n_components = n_components
        self.encoder = encoder
        self.decoder = decoder
        self.pretraining = pretraining
        self.linear_path = linear_path
        self.body_start = body_start
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_channels = conv_channels
        self.kernel_size = kernel_size
        self.image_shape = image_shape
        self.channels_last = channels_last
        self.sequence_shape = sequence_shape
        self.rnn_hidden_size = rnn_hidden_size
        self.rnn_num_layers = rnn_num_layers
        self.bidirectional = bidirectional
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
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.data_placement = data_placement
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self.accelerator = accelerator
        self._set_module_params(kwargs)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        With ``warm_start=True`` and a fitted model, training continues from its weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; numeric, without NaN or infinity.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)


class DenoisingAutoencoder(AutoencoderTransformer):
    __doc__ = f"""Denoising autoencoder: trained to rebuild clean input from a corrupted copy.

    Every training batch is corrupted afresh (Gaussian, masking or salt-and-pepper noise)
    before it is encoded, and the loss compares the reconstruction with the clean batch
    (Vincent et al., 2008). Codes learnt this way are robust to the noise, and
    :meth:`denoise` cleans noisy samples. Noise is only ever added in training:
    ``transform``, ``inverse_transform``, ``denoise`` and ``score`` see the data as given.

    Parameters
    ----------
{ARCHITECTURE_PARAMS}
{NOISE_PARAMS}
{TRAINING_PARAMS}
{ACCELERATOR_PARAM}
{MODULE_KWARGS}
    Attributes
    ----------
{FITTED_ATTRIBUTES}
    See Also
    --------
    AutoencoderTransformer : The same network trained on clean input.
    sklearn.decomposition.KernelPCA : Denoises with ``fit_inverse_transform=True``.

    Notes
    -----
    The corruption is drawn from torch's random number generator inside the seeded
    training run, so the same ``random_state`` gives the same corruption sequence and the
    same model. ``score(X)`` is minus the mean squared error of rebuilding ``X`` from
    itself, without noise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder
    >>> X = load_digits().data / 16
    >>> dae = DenoisingAutoencoder(16, hidden_layer_sizes=(64,), noise="gaussian",
    ...                            noise_level=0.2, clip=True, max_epochs=20,
    ...                            random_state=0).fit(X)
    >>> rng = np.random.default_rng(0)
    >>> noisy = np.clip(X + rng.normal(scale=0.2, size=X.shape), 0, 1)
    >>> bool(np.mean((dae.denoise(noisy) - X) ** 2) < np.mean((noisy - X) ** 2))
    True
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        "noise": [StrOptions(set(NOISES))],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "clip": ["boolean"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        encoder="dense",
        decoder=None,
        pretraining="joint",
        linear_path="auto",
        body_start="auto",
        hidden_layer_sizes="auto",
        conv_channels=(32, 64),
        kernel_size=3,
        image_shape=None,
        channels_last=False,
        sequence_shape=None,
        rnn_hidden_size=64,
        rnn_num_layers=1,
        bidirectional=False,
        activation="auto",
        output_activation="auto",
        loss="mse",
        tied_weights=False,
        dropout="auto",
        batch_norm=False,
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        noise="masking",
        noise_level=0.2,
        clip=False,
        optimizer="adam",
        lr=1e-3,
        momentum=0.9,
        weight_decay=0.0,
        batch_size="auto",
        max_epochs="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        callbacks=None,
        warm_start=False,
        device="cpu",
        data_placement="auto",
        precision="float32",
        compile=False,
        random_state=None,
        verbose=0,
        accelerator=None,
        **kwargs,
    ):
        super().__init__(
            n_components,
            encoder=encoder,
            decoder=decoder,
            pretraining=pretraining,
            linear_path=linear_path,
            body_start=body_start,
            hidden_layer_sizes=hidden_layer_sizes,
            conv_channels=conv_channels,
            kernel_size=kernel_size,
            image_shape=image_shape,
            channels_last=channels_last,
            sequence_shape=sequence_shape,
            rnn_hidden_size=rnn_hidden_size,
            rnn_num_layers=rnn_num_layers,
            bidirectional=bidirectional,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            tied_weights=tied_weights,
            dropout=dropout,
            batch_norm=batch_norm,
            sparsity=sparsity,
            sparsity_weight=sparsity_weight,
            sparsity_target=sparsity_target,
            contractive_weight=contractive_weight,
            optimizer=optimizer,
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            callbacks=callbacks,
            warm_start=warm_start,
            device=device,
            data_placement=data_placement,
            precision=precision,
            compile=compile,
            random_state=random_state,
            verbose=verbose,
            accelerator=accelerator,
            **kwargs,
        )
        self.noise = noise
        self.noise_level = noise_level
        self.clip = clip

    def _build_corruption(self, X):
        if self.noise != "gaussian" and self.noise_level > 1:
            raise ValueError(
                f"noise_level is the probability of corrupting a value with "
                f"noise={self.noise!r}, so it must lie in [0, 1]; got {self.noise_level}."
            )
        low, high = X.min(axis=0), X.max(axis=0)
        if sp.issparse(low):
            low, high = low.toarray().ravel(), high.toarray().ravel()
        low = torch.as_tensor(low, dtype=torch.float32)
        high = torch.as_tensor(high, dtype=torch.float32)
        return NOISES[self.noise](self.noise_level, low=low, high=high, clip=self.clip)

    def corrupt(self, X, random_state=None):
        """Corrupt ``X`` with the noise the network was trained on.

        Useful to see what the network learnt to undo, or to make noisy test data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Clean samples with the features seen in ``fit``.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise; None draws a seed from numpy's global RNG.

        Returns
        -------
        X_noisy : ndarray of shape (n_samples, n_features), dtype float32
            The corrupted samples, in the layout ``fit`` received.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, layout=self.layout_)
        corruption = self.net_.module_.corruption
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        # A corruption only corrupts in training mode.
        with seeded_torch(seed, self.net_.device), evaluating(corruption, training=True):
            noisy = self._map_batches(corruption, X)
        return self.layout_.from_network(noisy)

    def denoise(self, X):
        """Return the clean reconstruction of (already noisy) samples.

        No noise is added: the network maps ``X`` to the clean data it learnt to rebuild.
        The same as :meth:`reconstruct`, named for what a denoising autoencoder is for.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Noisy samples with the features seen in ``fit``.

        Returns
        -------
        X_clean : ndarray of shape (n_samples, n_features), dtype float32
            The denoised samples.
        """
        return self.reconstruct(X)
