"""``AutoencoderTransformer``: the autoencoder as a scikit-learn transformer."""

from sklearn.base import _fit_context

from ._transformer import BaseAutoencoder


class AutoencoderTransformer(BaseAutoencoder):
    """Autoencoder as a scikit-learn transformer: a neural, non-linear PCA.

    The encoder maps every sample to a code of ``n_components`` values (``transform``); the
    decoder maps codes back to the input space (``inverse_transform``). Both are trained
    together to reconstruct the training data, with PyTorch through skorch. By default the
    network starts at PCA's solution and keeps its best held-out weights, so it does not
    reconstruct held-out rows worse than ``PCA(n_components)``.

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
    sklearn.decomposition.PCA : The linear autoencoder's closed-form solution.
    sklearn.neural_network.MLPRegressor : Whose training parameters these follow.
    DenoisingAutoencoder : The same network trained to undo a corruption.

    Notes
    -----
    Scale the input (e.g. ``StandardScaler``) as for any neural network. ``transform``
    returns float32 arrays. ``score(X)`` is minus the mean squared reconstruction error,
    whatever the training loss. The user guide explains every 'auto' rule.

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
    >>> ae[-1].batch_size_, round(ae[-1].lr_, 4), ae[-1].early_stopping_
    (128, 0.003, True)

    Images, as 4-D arrays or as flat rows with ``sample_shape``, go through convolutions,
    whose options are the encoder's:

    >>> conv = AutoencoderTransformer(8, encoder="conv", sample_shape=(1, 8, 8),
    ...                               encoder__conv_channels=(8, 16), max_epochs=2,
    ...                               random_state=0)
    >>> conv.fit(X / 16).transform(X / 16).shape
    (1797, 8)
    >>> conv.reconstruct(X.reshape(-1, 1, 8, 8) / 16).shape
    (1797, 64)

    Without a dense code layer (``n_components=None``) the code is the last feature map,
    here 4 channels of 2 x 2, flattened:

    >>> spatial = AutoencoderTransformer(None, encoder="conv", sample_shape=(1, 8, 8),
    ...                                  encoder__conv_channels=(8, 4), max_epochs=2,
    ...                                  random_state=0)
    >>> spatial.fit(X / 16).code_shape_, spatial.transform(X / 16).shape
    ((4, 2, 2), (1797, 16))

    Sequences ``(n_samples, timesteps, features)`` go through recurrent layers:

    >>> import numpy as np
    >>> waves = np.sin(np.linspace(0, 6, 20) + np.arange(50)[:, None])[:, :, None]
    >>> lstm = AutoencoderTransformer(2, encoder="lstm", encoder__rnn_hidden_size=16,
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
        sample_shape=None,
        hidden_layer_sizes="auto",
        activation="auto",
        dropout="auto",
        loss="mse",
        regularizer=None,
        pretraining="joint",
        linear_path="auto",
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
        self.n_components = n_components
        self.encoder = encoder
        self.decoder = decoder
        self.sample_shape = sample_shape
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.loss = loss
        self.regularizer = regularizer
        self.pretraining = pretraining
        self.linear_path = linear_path
        self.optimizer = optimizer
        self.lr = lr
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
        self.precision = precision
        self.compile = compile
        self.random_state = random_state
        self.verbose = verbose
        self.accelerator = accelerator
        self._set_extra_params(kwargs)

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
