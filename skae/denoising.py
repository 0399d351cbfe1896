"""``DenoisingAutoencoder``: the autoencoder trained to rebuild clean input from noise."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._assembly import evaluating
from ._net import seeded_torch
from ._transformer import Objective
from .autoencoder import AutoencoderTransformer
from .noise import NOISES


class DenoisingAutoencoder(AutoencoderTransformer):
    """Denoising autoencoder: trained to rebuild clean input from a corrupted copy.

    Every training batch is corrupted afresh (Gaussian, masking or salt-and-pepper noise)
    before it is encoded, and the loss compares the reconstruction with the clean batch
    (Vincent et al., 2008). Codes learnt this way are robust to the noise, and
    :meth:`denoise` cleans noisy samples. Noise is only ever added in training:
    ``transform``, ``inverse_transform``, ``denoise`` and ``score`` see the data as given.

    Parameters
    ----------
    n_components : int or None, default=2
        Size of the code; it may exceed the number of features (an overcomplete code,
        usually with a sparse ``regularizer``). None, with ``encoder='conv'``, makes the
        code the last convolution's feature map, of shape ``code_shape_``.

    encoder : {'dense', 'conv', 'lstm', 'gru'} or torch.nn.Module class or instance, \
default='dense'
        A built-in body, or a module of your own (see :mod:`skae.modules`). A body's
        options are set as ``encoder__<name>`` (e.g. ``encoder__conv_channels=(16, 32)``)
        and reach a mirrored decoder too; a class is built with its ``encoder__<name>``.

    decoder : {'dense', 'conv', 'lstm', 'gru'} or torch.nn.Module class or instance or \
None, default=None
        The decoder, given as ``encoder`` is, with ``decoder__<name>`` options. None
        mirrors a built-in encoder; a module of your own as ``encoder`` needs one.

    sample_shape : tuple of int or None, default=None
        Shape of one sample given as a flat row: ``(channels, height, width)`` for images,
        ``(timesteps, features)`` for sequences. Not needed for n-D ``X``.

    hidden_layer_sizes : int, tuple of int or 'auto', default='auto'
        Widths of the dense encoder's hidden layers, input towards code; the decoder
        mirrors them. 'auto': the power of two at or above ``n_features`` (32 to 512),
        then one half as wide (at least twice the code) for codes under a 16th of it.

    activation : {'auto', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', \
'identity'}, default='auto'
        Activation of the hidden layers. 'auto': 'gelu' for the dense body, 'relu' for the
        others.

    dropout : float or 'auto', default='auto'
        Dropout after every hidden activation. 'auto': 0.05 for a dense body with more
        than 16 weights per training row, none otherwise.

    loss : {'mse', 'bce'}, default='mse'
        Reconstruction loss: squared error, or binary cross-entropy for data in [0, 1],
        whose reconstructions then go through a sigmoid.

    regularizer : CodeRegularizer or None, default=None
        A penalty or constraint on the code, from :mod:`skae.regularizers`: ``L1``, ``KL``
        or ``TopK`` for sparse codes, ``Contractive`` for codes robust to small moves of
        the input. Searched as ``regularizer__weight``.

    pretraining : {'joint', 'greedy'}, default='joint'
        'joint' trains the whole network at once; 'greedy' first trains one shallow
        autoencoder per layer on the previous layer's codes, then the stack.

    linear_path : bool or 'auto', default='auto'
        Whether linear maps set to PCA's solution run beside the encoder and the decoder,
        so that training starts where PCA ends. 'auto': for built-in bodies trained jointly
        with a linear reconstruction and no sparse regularizer.

    noise : {'gaussian', 'masking', 'salt_and_pepper'}, default='masking'
        Corruption of the training input: Gaussian noise, values set to 0, or values set
        to their column's minimum or maximum in the training data.

    noise_level : float, default=0.2
        Standard deviation of 'gaussian' noise (in the units of ``X``), or the probability
        with which 'masking' and 'salt_and_pepper' corrupt each value.

    clip : bool, default=False
        Whether corrupted values are clipped into each column's training range.

    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer subclass, default='adam'
        The optimizer. Its other arguments are ``optimizer__<name>`` parameters (e.g.
        ``optimizer__momentum=0.9``), as in skorch.

    lr : float or 'auto', default='auto'
        Learning rate. 'auto': 1e-3 for a run of the full 'auto' step budget, larger for
        a shorter run by the square root of how many times shorter, up to 3e-3.

    weight_decay : float, default=0.0
        L2 penalty on the weights (not on biases, gates or linear paths), as
        ``MLPRegressor``'s ``alpha``.

    batch_size : int or 'auto', default='auto'
        Rows per training batch. 'auto': a tenth of the training rows, rounded to a power
        of two within 16 to 128.

    max_epochs : int or 'auto', default='auto'
        Most passes over the training rows. 'auto': about 10,000 optimizer steps, within 50
        to 200 epochs. A fit that reaches it before its loss stops improving (``tol``,
        ``n_iter_no_change``) warns with a ``ConvergenceWarning``, as ``MLPClassifier`` does.

    early_stopping : bool or 'auto', default='auto'
        Whether to hold out ``validation_fraction`` of the rows, stop when their loss
        stalls and keep the best weights, the starting ones included. 'auto': when at
        least 10 rows would be held out. Otherwise training stops when its loss stalls.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before training stops.

    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.

    callbacks : list or None, default=None
        More skorch callbacks (``LRScheduler``, ``Checkpoint``, ...) or ``(name, callback)``
        pairs, run after skae's own; their parameters are ``callbacks__<name>__<param>``.

    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights instead of starting anew.

    device : str or torch.device, default='cpu'
        Where to train and infer: 'cpu', 'cuda', 'mps', or 'auto' for a GPU when there is
        one.

    precision : {'float32', 'bfloat16'}, default='float32'
        'bfloat16' runs the forward passes under bfloat16 autocast; weights, losses and
        outputs stay float32.

    compile : bool, default=False
        Whether to compile the network with ``torch.compile``; ``compile__<name>`` sets its
        arguments.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the held-out rows, the batches and any noise. Seeded
        fits in threads train one at a time (torch's generator is one per process), so
        that each gives what it gives alone; torch's generator is left as it was.

    verbose : int, default=0
        Whether to show a progress bar and the losses of every epoch.

    accelerator : accelerate.Accelerator or None, default=None
        Trains data-parallel on every process that ``accelerate launch`` started; it then
        places the model and data instead of ``device``. See the user guide.

    **kwargs : dict
        ``encoder__<name>``, ``decoder__<name>``, ``optimizer__<name>``,
        ``callbacks__<name>__<param>`` and ``compile__<name>`` parameters.

    Attributes
    ----------
    n_components_ : int
        Number of values in a code: the columns of ``transform``.

    code_shape_ : tuple of int
        Shape of one code: ``(n_components,)``, or that of the last feature map.

    hidden_layer_sizes_, activation_, dropout_ : tuple of int, str, float or None
        The encoder's hidden layers, their activation and dropout, 'auto' resolved; None
        for a body without such a setting.

    linear_path_ : bool
        Whether the network has linear paths started at PCA.

    batch_size_, lr_, max_epochs_, early_stopping_ : int, float, int, bool
        The last fit's batch size, learning rate, epoch limit and whether it held out rows.

    plan_ : Plan
        Everything ``fit`` resolved, the bodies' constructor arguments included.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Training loss of every epoch.

    validation_scores_ : list of float or None
        Minus the held-out loss of every epoch, when rows were held out.

    best_validation_score_ : float or None
        The highest of ``validation_scores_`` when the last epoch held rows out, else None.

    best_loss_ : float or None
        The lowest of ``loss_curve_`` when the last epoch held no rows out, else None.

    n_iter_ : int
        Number of epochs run, over every ``fit`` with ``warm_start`` and ``partial_fit``.

    net_ : skorch.NeuralNet
        The fitted skorch net; its ``history`` holds every epoch's losses and timings.

    layout_ : object
        How samples arrive and how the network reads them.

    encoder_ : torch.nn.Module
        The fitted encoder.

    decoder_ : torch.nn.Module
        The fitted decoder.

    See Also
    --------
    AutoencoderTransformer : The same network trained on clean input.
    sklearn.decomposition.KernelPCA : Denoises with ``fit_inverse_transform=True``.

    Notes
    -----
    The corruption is drawn from torch's random number generator inside the seeded
    training run, so the same ``random_state`` gives the same corruption sequence and the
    same model. Held-out rows are scored on the training task: rebuilding them from copies
    corrupted alike at every epoch. ``score(X)`` is minus the mean squared error of
    rebuilding ``X`` from itself, without noise.

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
        sample_shape=None,
        hidden_layer_sizes="auto",
        activation="auto",
        dropout="auto",
        loss="mse",
        regularizer=None,
        pretraining="joint",
        linear_path="auto",
        noise="masking",
        noise_level=0.2,
        clip=False,
        optimizer="adam",
        lr="auto",
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
        precision="float32",
        compile=False,
        random_state=None,
        verbose=0,
        accelerator=None,
        **kwargs,
    ):
        super().__init__(
            n_components, encoder=encoder, decoder=decoder, sample_shape=sample_shape,
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, dropout=dropout,
            loss=loss, regularizer=regularizer, pretraining=pretraining,
            linear_path=linear_path, optimizer=optimizer, lr=lr, weight_decay=weight_decay,
            batch_size=batch_size, max_epochs=max_epochs, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, callbacks=callbacks, warm_start=warm_start, device=device,
            precision=precision, compile=compile, random_state=random_state,
            verbose=verbose, accelerator=accelerator, **kwargs)
        self.noise = noise
        self.noise_level = noise_level
        self.clip = clip

    def _objective(self, params, X, network):
        if params["noise"] != "gaussian" and params["noise_level"] > 1:
            raise ValueError(
                f"noise_level is the probability of corrupting a value with "
                f"noise={params['noise']!r}, so it must lie in [0, 1]; got "
                f"{params['noise_level']}.")
        low, high = X.min(axis=0), X.max(axis=0)
        if sp.issparse(low):
            low, high = low.toarray().ravel(), high.toarray().ravel()
        corruption = NOISES[params["noise"]](
            params["noise_level"], low=torch.as_tensor(low, dtype=torch.float32),
            high=torch.as_tensor(high, dtype=torch.float32), clip=params["clip"])
        objective = super()._objective(params, X, network)
        return Objective(objective.net_class, objective.net_params,
                         {**objective.parts, "corruption": corruption})

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
