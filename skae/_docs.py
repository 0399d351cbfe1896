"""Parameter and attribute descriptions shared by the docstrings of skae's estimators."""

ARCHITECTURE_PARAMS = """\
    n_components : int, default=2
        Size of the code. May exceed ``n_features`` (an overcomplete code), usually with a
        sparsity penalty so that the network cannot simply copy its input.

    hidden_layer_sizes : int or tuple of int, default=(64,)
        Widths of the encoder's hidden layers, from the input towards the code. The decoder
        mirrors them (the symmetric "sandwich" of a stacked autoencoder). ``()`` gives a
        single-layer encoder and decoder. Used by architecture='dense'.

    architecture : {'dense', 'conv', 'lstm', 'gru'}, default='dense'
        The network's body. 'dense': fully connected layers (``hidden_layer_sizes``), for
        tabular data and small images. 'conv': strided convolutions (``conv_channels``,
        ``kernel_size``) then a dense code, mirrored by transposed convolutions, for images
        of any size, grey or colour. 'lstm' / 'gru': a recurrent encoder whose final state
        is projected to the code and a recurrent decoder that rebuilds the sequence.

    conv_channels : tuple of int, default=(32, 64)
        Output channels of the encoder's convolutions (architecture='conv'); each halves
        the height and width. The decoder mirrors them.

    kernel_size : int, default=3
        Side of the square convolution kernels (architecture='conv').

    image_shape : tuple of int or None, default=None
        ``(channels, height, width)`` of images given as flat rows (architecture='conv'),
        so that they flow through Pipelines that expect 2-D data. Not needed for 4-D input
        ``(n_samples, channels, height, width)``, whose shape is read from ``X``.

    channels_last : bool, default=False
        Whether images come as ``(n_samples, height, width, channels)`` (or flat rows in
        that order) instead of channels first (architecture='conv').

    sequence_shape : tuple of int or None, default=None
        ``(timesteps, features)`` of sequences given as flat rows (architecture='lstm' or
        'gru'). Not needed for 3-D input ``(n_samples, timesteps, features)``.

    rnn_hidden_size : int, default=64
        Hidden state size of the recurrent layers.

    rnn_num_layers : int, default=1
        Number of stacked recurrent layers (``dropout`` applies between them).

    bidirectional : bool, default=False
        Whether the recurrent encoder and decoder read sequences in both directions.

    activation : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'identity'}, \
default='relu'
        Activation of every hidden (dense or convolutional) layer. With 'identity', no
        hidden layers and ``loss='mse'`` the autoencoder learns PCA's subspace.

    output_activation : {'auto', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', \
'identity'}, default='auto'
        Activation of the reconstruction. 'auto' means 'sigmoid' with ``loss='bce'`` and
        'identity' otherwise.

    loss : {'mse', 'bce'}, default='mse'
        Reconstruction loss: mean squared error, or binary cross-entropy for data in [0, 1]
        (e.g. pixel intensities scaled by 1/255).

    tied_weights : bool, default=False
        Whether each decoder layer uses the transposed weight of its encoder layer (only its
        bias is learnt), halving the number of weights. Dense architecture only.

    dropout : float, default=0.0
        Dropout probability after every hidden activation (between stacked recurrent
        layers for 'lstm' and 'gru').

    batch_norm : bool, default=False
        Whether to put batch normalisation after every hidden linear or convolutional
        layer.

    sparsity : {'l1', 'kl', 'topk'} or None, default=None
        Sparsity of the code. 'l1' adds ``sparsity_weight`` times the mean L1 norm of the
        codes to the loss; 'kl' uses a sigmoid code layer and adds ``sparsity_weight`` times
        the KL divergence between ``sparsity_target`` and each unit's mean activation; 'topk'
        keeps the ``max(1, round(sparsity_target * n_components))`` largest units of every
        code and zeroes the others (a k-sparse autoencoder, in ``transform`` too).

    sparsity_weight : float, default=1e-3
        Weight of the 'l1' or 'kl' penalty.

    sparsity_target : float, default=0.05
        Target mean activation for 'kl'; share of active code units for 'topk'.

    contractive_weight : float, default=0.0
        Weight of the contractive penalty: the squared Frobenius norm of the encoder's
        Jacobian with respect to its input, which makes codes robust to small input changes.
        It costs one extra backward pass per code unit.
"""

NOISE_PARAMS = """\
    noise : {'gaussian', 'masking', 'salt_and_pepper'}, default='masking'
        Corruption of the training input: 'gaussian' adds Gaussian noise of standard
        deviation ``noise_level``; 'masking' sets each value to 0 with probability
        ``noise_level``; 'salt_and_pepper' sets each value, with probability
        ``noise_level``, to its column's minimum or maximum in the training data.

    noise_level : float, default=0.2
        Standard deviation of 'gaussian' noise (in the units of ``X``), or the probability
        with which 'masking' and 'salt_and_pepper' corrupt each value.

    clip : bool, default=False
        Whether to clip corrupted values into each column's range in the training data
        (e.g. pixel intensities stay in [0, 1] under Gaussian noise).
"""

TRAINING_PARAMS = """\
    optimizer : {'adam', 'adamw', 'sgd'}, default='adam'
        The torch optimiser.

    lr : float, default=1e-3
        Learning rate.

    momentum : float, default=0.9
        Momentum of 'sgd'; ignored by the other optimisers.

    weight_decay : float, default=0.0
        L2 penalty on the weights, applied by the optimiser.

    batch_size : int, default=64
        Rows per mini-batch.

    max_epochs : int, default=100
        Maximum number of passes over the training data.

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the rows and stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs, then restore the best
        weights. When False, training stops when the training loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs (as in ``MLPClassifier``).

    validation_fraction : float, default=0.1
        Share of rows held out for early stopping.

    n_iter_no_change : int, default=10
        Patience of the stopping rule, in epochs.

    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.

    device : str or torch.device, default='cpu'
        Where to train and infer: 'cpu', 'cuda' (or 'cuda:1', ...), 'mps', or 'auto' (CUDA,
        then MPS, when available, else the CPU).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split. An int
        gives the same model on every fit (on the CPU). torch's global RNG is left untouched.

    verbose : int, default=0
        0 trains silently; 1 or more shows a progress bar per epoch and a table of the
        losses of every epoch.
"""

FITTED_ATTRIBUTES = """\
    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Training loss (with penalties) of every epoch.

    validation_scores_ : list of float or None
        Minus the validation reconstruction loss of every epoch with
        ``early_stopping=True``; None otherwise.

    n_iter_ : int
        Number of epochs run.

    net_ : skorch.NeuralNet
        The fitted skorch net; its ``history`` holds every epoch's losses and timings.

    encoder_ : torch.nn.Module
        The fitted encoder.

    decoder_ : torch.nn.Module
        The fitted decoder.
"""
