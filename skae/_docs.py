"""Parameter and attribute descriptions shared by the docstrings of skae's estimators."""

import re


def without(block, *names):
    """``block`` (parameter descriptions) without the entries of ``names``."""
    entries = re.split(r"\n(?=    \S)", block.rstrip("\n"))
    kept = [e.rstrip("\n") for e in entries if e.split(" :")[0].strip() not in names]
    return "\n\n".join(kept) + "\n"


def with_entry(block, entry):
    """``block`` (parameter descriptions) with ``entry`` in place of the one of its name."""
    name = entry.split(" :")[0].strip()
    entries = re.split(r"\n(?=    \S)", block.rstrip("\n"))
    kept = [entry.rstrip("\n") if e.split(" :")[0].strip() == name else e.rstrip("\n")
            for e in entries]
    return "\n\n".join(kept) + "\n"


ARCHITECTURE_PARAMS = """\
    n_components : int or None, default=2
        Size of the code. May exceed ``n_features`` (an overcomplete code), usually with a
        sparsity penalty so that the network cannot simply copy its input. None, with
        ``encoder='conv'``, drops the dense code layer: the code is the last convolution's
        feature map (a fully convolutional, spatial code), whose shape ``conv_channels``
        sets (see there); ``transform`` returns it flattened, channels first, and
        ``n_components_`` and ``code_shape_`` give its size. The other bodies and modules
        of your own end in a vector and need an int. A feature map has no linear path
        (see ``linear_path``).

    encoder : {'dense', 'conv', 'lstm', 'gru'}, torch.nn.Module class or instance, \
default='dense'
        The encoder: a built-in body, or a module of your own (see "The module protocol" in
        :mod:`skae.modules`). 'dense': fully connected layers (``hidden_layer_sizes``), for
        tabular data and small images. 'conv': strided convolutions (``conv_channels``,
        ``kernel_size``) then a dense code, for images of any size, grey or colour.
        'lstm' / 'gru': a recurrent network whose final state is projected to the code, for
        sequences. A class is built with the ``encoder__<name>`` parameters (as skorch's
        ``module__<name>``), plus ``n_features``, ``n_components`` and ``sample_shape``
        where its constructor takes them and you did not set them; an instance is copied
        and trained from its current weights. With a built-in name, ``encoder__<name>``
        overrides one argument of the built-in class.

    decoder : {'dense', 'conv', 'lstm', 'gru'}, torch.nn.Module class or instance or \
None, default=None
        The decoder, given as ``encoder`` is (``decoder__<name>`` parameters). None mirrors
        a built-in encoder with the same body; a module of your own as ``encoder`` needs
        one.

    pretraining : {'joint', 'greedy'}, default='joint'
        'joint' trains the whole network at once; 'greedy' first trains one shallow
        autoencoder per layer on the previous layer's codes, then stacks them into the
        network (the classic deep-network initialisation; it needs encoder and decoder with
        mirrored ``layers``, as the dense and conv bodies have).

    linear_path : bool or 'auto', default='auto'
        Whether a linear map runs beside the encoder and another beside the decoder, both
        set at ``fit`` to PCA's solution on ``X``, while the encoder's and decoder's own
        outputs start muted (``body_start``) and are added in as they learn. Training so
        starts exactly where PCA ends, and the network learns what PCA misses. With early
        stopping, the starting point is the first validation score to beat, so the fitted
        model reconstructs the held-out rows at least as well as ``PCA(n_components)``.
        'auto' turns it on for the built-in bodies trained jointly with a linear
        reconstruction (``output_activation`` 'identity', e.g. ``loss='mse'``) and no
        sparsity; True also adds it to modules of your own. ``encoder_`` and
        ``decoder_`` are then :class:`skae.modules.LinearPath` modules wrapping the body.
        A feature-map code (``n_components=None``) has no linear path ('auto' leaves it
        out, True is an error): PCA's components mix every position of the image, while
        each value of a feature map belongs to one.

    body_start : {'auto', 'gate', 'zero_output'}, default='auto'
        How the encoder's and decoder's bodies start muted beside the linear path (see
        :meth:`skae.modules.LinearPath.mute_body`). 'gate': behind their gate at 0. Such a
        body gets no gradient until the gate opens, and on some data it never opens: the
        fit ends at PCA. 'zero_output': their output layer zeroed and the gate at 1, so
        that layer learns from the first step (and weight decay cannot shrink a body that
        gets no other gradient). 'auto': 'zero_output' where the body has an untied output
        layer (the dense bodies without ``tied_weights``), 'gate' for the others. Either
        way training starts at PCA's solution. Ignored without a linear path.

    hidden_layer_sizes : int, tuple of int or 'auto', default='auto'
        Widths of the encoder's hidden layers, from the input towards the code. The decoder
        mirrors them (the symmetric "sandwich" of a stacked autoencoder). ``()`` gives a
        single-layer encoder and decoder. 'auto' starts with the power of two at or above
        ``n_features`` (between 32 and 512). A code of at most a 16th of the features
        adds a second layer, half as wide but at least twice ``n_components``: (512, 256)
        for 784 pixels and codes up to 49, (64, 32) for 64 features and codes up to 4. A
        wider code compresses less and gets the first layer alone: (512,) for 784 pixels
        and a code of 64. Used by the dense body.

    conv_channels : tuple of int, default=(32, 64)
        Output channels of the encoder's convolutions (the conv body); each halves
        the height and width, rounding up (28 x 28 images become 14 x 14, 7 x 7, 4 x 4,
        2 x 2, then 1 x 1). The decoder mirrors them. With ``n_components=None`` they
        choose the code: the number of convolutions sets its height and width, the last
        one's channels its depth; e.g. for 28 x 28 images (16, 8) gives an 8 x 7 x 7
        code, (8, 8, 8, 16) a 16 x 2 x 2 code. The last convolution then has the code's
        activation (none, or the sigmoid of ``sparsity='kl'``), so a single convolution
        is a linear encoder. For images the defaults so give,
        with ``encoder='conv'``: two 3x3 stride-2 convolutions of 32 and 64 channels, a
        dense code layer, the mirrored transposed convolutions, the PCA-initialised linear
        path beside them, and the 'auto' batch size, epochs and early stopping. The
        default ``encoder='dense'`` reads images only as flat rows (``X.reshape(len(X),
        -1)``), with 'auto' hidden layers.

    kernel_size : int, default=3
        Side of the square convolution kernels (the conv body).

    image_shape : tuple of int or None, default=None
        ``(channels, height, width)`` of images given as flat rows (the conv body, or an
        encoder of your own), so that they flow through Pipelines that expect 2-D data.
        Not needed for 4-D input ``(n_samples, channels, height, width)``, whose shape is
        read from ``X``.

    channels_last : bool, default=False
        Whether images come as ``(n_samples, height, width, channels)`` (or flat rows in
        that order) instead of channels first; the network reads them channels first.

    sequence_shape : tuple of int or None, default=None
        ``(timesteps, features)`` of sequences given as flat rows (the 'lstm' and
        'gru' bodies, or an encoder of your own). Not needed for 3-D input
        ``(n_samples, timesteps, features)``.

    rnn_hidden_size : int, default=64
        Hidden state size of the recurrent layers.

    rnn_num_layers : int, default=1
        Number of stacked recurrent layers (``dropout`` applies between them).

    bidirectional : bool, default=False
        Whether the recurrent encoder and decoder read sequences in both directions.

    activation : {'auto', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', \
'identity'}, default='auto'
        Activation of every hidden (dense or convolutional) layer of the built-in bodies.
        'auto': 'gelu' for the dense bodies (smooth; on mnist10k and scikit-learn's
        bundled sets it reconstructed and denoised as well as 'relu' or better, see
        BENCHMARKS.md), 'relu' for the convolutional ones. With 'identity', no hidden
        layers and ``loss='mse'`` the autoencoder learns PCA's subspace.

    output_activation : {'auto', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', \
'identity'}, default='auto'
        Activation of the reconstruction. 'auto' means 'sigmoid' with ``loss='bce'`` and
        'identity' otherwise.

    loss : {'mse', 'bce'}, default='mse'
        Reconstruction loss: mean squared error, or binary cross-entropy for data in [0, 1]
        (e.g. pixel intensities scaled by 1/255).

    tied_weights : bool, default=False
        Whether each decoder layer uses the transposed weight of its encoder layer (only its
        bias is learnt), halving the number of weights. Dense body only.

    dropout : float or 'auto', default='auto'
        Dropout probability after every hidden activation (between stacked recurrent
        layers for 'lstm' and 'gru'). 'auto' means 0.05 for a dense body with more than
        16 weights (encoder and decoder) per row of ``X``, a network that can memorise its
        rows, and 0 otherwise and for the other bodies. On 8,000 MNIST digits (110 to
        135 weights per row) dropout reconstructs held-out rows 2 % to 11 % better; with
        under 10 it is level on scikit-learn's bundled sets and worse on larger tabular
        data (``benchmarks/bench_auto_dropout.py``).

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

MODULE_KWARGS = """\
    **kwargs : dict
        ``encoder__<name>`` and ``decoder__<name>`` arguments of the encoder and decoder
        classes, as skorch's ``module__<name>``: stored as parameters, so that
        ``set_params`` and ``GridSearchCV`` reach them.
"""

CLASSIFIER_PARAMS = """\
    autoencoder : AutoencoderTransformer or DenoisingAutoencoder, default=None
        Configures step (a). It is cloned and fitted on all rows of ``X``, unless it is
        already fitted and ``refit_autoencoder=False``: then its encoder is reused as is
        (transfer learning from a model trained elsewhere). None means
        ``DenoisingAutoencoder(n_components=32, body_start='gate', activation='relu',
        dropout=0.0)`` on this classifier's ``device``: masking noise and the 'auto'
        sizes and schedule, its bodies started behind closed gates and with ReLU (on
        mnist10k both classified better than the autoencoders' defaults, zeroed output
        layers and GELU) and without dropout, the configuration the classifier was
        measured with. When its ``random_state`` is
        None, it is seeded from this classifier's ``random_state``. Its ``encoder`` decides
        the input the classifier takes: e.g. with ``encoder='conv'`` it classifies images
        (4-D arrays or flat rows with ``image_shape``), with 'lstm' or 'gru' sequences.
        Wrap a fitted autoencoder in ``sklearn.frozen.FrozenEstimator`` to reuse it
        whatever ``refit_autoencoder`` says, also in clones: ``GridSearchCV`` clones its
        estimator, which would otherwise drop the fitted weights and pretrain anew.

    refit_autoencoder : bool, default=True
        Whether to fit a clone of an already fitted ``autoencoder`` anyway. An unfitted one
        is always fitted.

    pretraining : {'joint', 'greedy'} or None, default=None
        Overrides the autoencoder's own ``pretraining`` for step (a); None keeps it.

    freeze_encoder : bool or int, default=False
        Encoder parts kept fixed during fine-tuning: False (none), True (all: only the
        head learns) or the number of leading layers (from the input side) to freeze,
        which needs an encoder with ordered ``layers`` (the built-in ones have them).

    head : torch.nn.Module class or instance or None, default=None
        The head from codes to class scores (logits). None is a softmax layer on the code,
        behind ``head_hidden_layer_sizes``. A class is built with the ``head__<name>``
        parameters, plus ``n_components`` and ``n_classes`` where its constructor takes
        them; an instance is copied.

    head_hidden_layer_sizes : int or tuple of int, default=()
        Hidden layers of the built-in head between the code and the softmax; ``()`` puts
        the softmax directly on the code.

    activation : {'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', 'identity'}, \
default='relu'
        Activation of the built-in head's hidden layers.

    dropout : float, default=0.0
        Dropout probability on the code and after every hidden layer of the built-in head.

    reconstruction_weight : float, default=1.0
        Weight of the reconstruction loss of every row, labeled or not, during fine-tuning
        (step c): the pretrained decoder stays on as an auxiliary head, so the encoder
        keeps learning from the unlabeled rows. The loss is the autoencoder's, on its
        corrupted input for a denoising autoencoder.

    consistency_weight : float, default=1.0
        Weight of the consistency term of every row during fine-tuning: the predictions on
        the rows corrupted as the denoising autoencoder corrupts them must agree with the
        confident (probability 0.95 or more) predictions on the clean rows, as in
        FixMatch. Without a denoising autoencoder the two coincide and the term
        only sharpens confident predictions (pseudo-labelling).

    pseudo_label_weight : float, default=1.0
        Weight of the unlabeled rows' pseudo-labels during fine-tuning. Before step (c),
        the labels are spread from the labeled rows to all others over a 10-nearest-
        neighbour graph of the codes (:class:`~sklearn.semi_supervised.LabelSpreading`, as
        in Iscen et al., "Label Propagation for Deep Semi-supervised Learning", CVPR
        2019), and a row's label distribution is the mean of its neighbours' spread ones
        (the rule ``LabelSpreading`` predicts new rows with). The codes are the pretrained
        encoder's beside those of a copy of it fine-tuned plainly on the labeled rows
        alone (a quick fit with the classifier's training settings, its whole encoder
        trainable and without its ``callbacks``), each L2-normalised: the first carry the
        structure of all rows, the second what the labels say matters. Each unlabeled row
        then adds its pseudo-label's cross-entropy, weighted by this times the label's
        certainty (1 minus its distribution's entropy over ``log(n_classes)``).
        ``partial_fit`` draws no pseudo-labels.
        With all three weights at 0, fine-tuning is plain: cross-entropy on the labeled rows
        alone. Otherwise every step takes ``batch_size`` rows of all and tops them up with
        ``batch_size // 8`` labeled rows, and an epoch is one pass over all rows.
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
        The torch optimiser. Adam and AdamW run torch's fused implementation (one kernel
        for all parameters) where the device has it: CUDA, and CPUs from torch 2.4.

    lr : float, default=1e-3
        Learning rate.

    momentum : float, default=0.9
        Momentum of 'sgd'; ignored by the other optimisers.

    weight_decay : float, default=0.0
        L2 penalty on the weights, applied by the optimiser; biases, normalisation
        parameters and the linear path (which starts at PCA) are not decayed. With
        'adam' and bodies started behind a closed gate (``body_start='gate'``), use it
        with care: the decay is then their only gradient, which Adam scales to full
        steps; they shrink to zero and the fit ends at PCA (on mnist10k already at
        1e-5). 'adamw' decouples the decay from the gradient and has no such effect.

    batch_size : int or 'auto', default='auto'
        Rows per mini-batch. 'auto': the power of two nearest a 64th of the training rows,
        between 16 and 256 (128 for 8,000 rows).

    max_epochs : int or 'auto', default='auto'
        Maximum number of passes over the training data. 'auto': about 10,000 optimiser
        steps at that batch size, between 50 and 200 epochs.

    early_stopping : bool or 'auto', default='auto'
        Whether to hold out ``validation_fraction`` of the rows and stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs, then restore the best
        weights (the starting weights included). When False, training stops when the
        training loss has not improved by ``tol`` for ``n_iter_no_change`` epochs (as in
        ``MLPClassifier``). 'auto' holds out rows when at least 10 would be held out.

    validation_fraction : float, default=0.1
        Share of rows held out for early stopping.

    n_iter_no_change : int, default=10
        Patience of the stopping rule, in epochs.

    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as an improvement.

    callbacks : list or None, default=None
        The skorch callbacks (``LRScheduler``, ``GradientNormClipping``, ``Checkpoint``,
        ``LoadInitState``, ``TensorBoard``, ...) or ``(name, callback)`` pairs, run after
        skae's own (divergence guard, stopping rule, progress bar). They are used as given,
        as skorch does, so they keep their state (a writer, a checkpoint's files);
        ``net_.callbacks_`` lists every callback of the fitted net.

    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights (for ``max_epochs`` more epochs)
        instead of starting anew, as in ``MLPClassifier``; ``n_iter_`` and
        ``loss_curve_`` grow. ``partial_fit`` always continues.

    device : str or torch.device, default='cpu'
        Where to train and infer: 'cpu', 'cuda' (or 'cuda:1', ...), 'mps', or 'auto' (CUDA,
        then MPS, when available, else the CPU).

    data_placement : {'auto', 'device', 'host'}, default='auto'
        Where dense training data lives. 'device' copies it to ``device`` whole, once;
        'host' keeps it in host memory (pinned, on CUDA) and copies each batch
        asynchronously, one batch ahead on a side stream, so that copies overlap the
        computation: for data larger than the GPU. 'auto' keeps it on a GPU when it takes
        at most half of the GPU's free memory, else on the host. On the CPU both are one:
        the data is used where it is, without a copy when ``X`` is C-contiguous float32.
        Sparse data always stays on the host.

    precision : {'float32', 'bfloat16'}, default='float32'
        'bfloat16' runs the training and validation forward passes under torch's
        bfloat16 autocast (on GPUs that support it: Ampere and later; on CPUs through
        torch's CPU autocast, fast only on CPUs with bfloat16 instructions); weights,
        optimiser, losses and ``transform`` / ``predict`` stay float32.

    compile : bool, default=False
        Whether to compile the network with ``torch.compile`` (skorch's ``compile``;
        ``compile__mode='reduce-overhead'`` and other ``torch.compile`` arguments go
        through the estimator's ``compile__<name>`` parameters). The first epoch pays the
        compilation.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split. An int
        gives the same model on every fit (on the CPU). torch's global RNG is left untouched.

    verbose : int, default=0
        0 trains silently; 1 or more shows a progress bar per epoch and a table of the
        losses of every epoch.
"""

ACCELERATOR_PARAM = """\
    accelerator : accelerate.Accelerator or None, default=None
        Trains one model data-parallel on every process that ``accelerate launch`` (or
        ``torchrun``) started: all GPUs of a node, or of several nodes. Each process calls
        ``fit`` on the same ``X``; each global batch of ``batch_size`` rows is cut into
        one slice per process and the gradients are averaged, so the model does not depend
        on the number of processes. The accelerator places the model and data
        (``device`` is then ignored) and sets mixed precision and gradient accumulation.
        Needs ``pip install skae[accelerate]``; see "Several GPUs or processes" in the user
        guide. ``clone`` keeps the same accelerator (accelerate's copies as itself).
"""

FITTED_ATTRIBUTES = """\
    n_components_ : int
        Number of values in a code: the columns of ``transform``. ``n_components``, or for
        a feature-map code the product of ``code_shape_``.

    code_shape_ : tuple of int
        Shape of one code: ``(n_components,)``, or ``(channels, height, width)`` of the
        last feature map for ``n_components=None``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Training loss (with penalties) of every epoch.

    validation_scores_ : list of float or None
        Minus the validation reconstruction loss of every epoch when rows were held out
        (early stopping); None otherwise. A denoising autoencoder is scored on its
        training task: rebuilding the held-out rows from copies corrupted the same way at
        every epoch.

    n_iter_ : int
        Number of epochs run, over every call of ``fit`` (with ``warm_start``) and
        ``partial_fit``.

    net_ : skorch.NeuralNet
        The fitted skorch net; its ``history`` holds every epoch's losses and timings
        (with greedy pretraining, every layer's epochs in order, each marked with its
        ``layer``).

    layout_ : object
        How samples arrive and how the network reads them; ``layout_.sample_shape`` is
        one sample's shape as the encoder reads it (None for flat rows).

    encoder_ : torch.nn.Module
        The fitted encoder.

    decoder_ : torch.nn.Module
        The fitted decoder.
"""

CLASSIFIER_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,)
        The class labels, without the unlabeled marker -1.

    autoencoder_ : AutoencoderTransformer or DenoisingAutoencoder
        The fitted step-(a) autoencoder. Fine-tuning works on a copy of its encoder, so it
        keeps the pretrained weights.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when ``X`` had string column names.

    loss_curve_ : list of float
        Fine-tuning cross-entropy of every epoch.

    validation_scores_ : list of float or None
        Minus the validation cross-entropy of every epoch when rows were held out (early
        stopping); None otherwise.

    n_iter_ : int
        Number of fine-tuning epochs run.

    net_ : skorch.NeuralNet
        The fitted skorch net of the fine-tuned encoder and head.

    layout_ : object
        How samples arrive and how the encoder reads them: the pretrained autoencoder's,
        which ``X`` must follow.
"""
