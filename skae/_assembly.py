"""Plan and data in, ``nn.Module`` out: the one place where skae's networks are put together.

:func:`assemble` builds the encoder and decoder of a :class:`skae._plan.NetworkPlan` (the
built-in bodies and modules of your own alike), wraps them in their linear paths started at
PCA's solution, puts them in the module that trains them, and runs that module on two rows
so that a part returning a wrong shape is named before training starts.
"""

import copy
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils.sparsefuncs import mean_variance_axis

from ._plan import positive_ints
from ._rows import dense, to_tensor
from .modules import VAE, Autoencoder, EncoderClassifier, LinearPath, MLPHead
from .modules.bodies import build_module, check_autoencoder, layers_of

# Above this many values, pca_start makes no float64 copy of X (it would be 128 MiB).
PCA_START_VALUES = 2**24


def assemble(plan, X, *, corruption=None, code_transform=None, likelihood=None):
    """The module to train on the validated rows ``X``, as ``plan`` describes it.

    Call it inside the run's seeded block: the seed decides the initial weights (and the
    PCA start's random draws, for wide data).

    Parameters
    ----------
    plan : skae._plan.NetworkPlan
        The resolved network.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated training rows, as the network reads them.
    corruption : torch.nn.Module or None, default=None
        The input corruption of a denoising autoencoder.
    code_transform : torch.nn.Module or None, default=None
        Applied to every code (e.g. :class:`skae.modules.TopK`).
    likelihood : torch.nn.Module or None, default=None
        Given, the module is a :class:`skae.modules.VAE` with this likelihood; otherwise an
        :class:`skae.modules.Autoencoder`.

    Returns
    -------
    module : torch.nn.Module
    """
    n_features = X.shape[1]
    width = int(np.prod(plan.code_shape))
    encoder = build_module("encoder", plan.encoder.module, plan.encoder.kwargs,
                           plan.encoder.inferred)
    tied = {"tied_to": encoder} if plan.tied_weights else {}
    decoder = build_module("decoder", plan.decoder.module, {**plan.decoder.kwargs, **tied},
                           plan.decoder.inferred)
    if plan.linear_path:
        encoder = LinearPath(encoder, n_features, width)
        decoder = LinearPath(decoder, width, n_features)
    if likelihood is not None:
        module = VAE(encoder, decoder, likelihood, n_components=width,
                     sample_shape=plan.sample_shape)
    else:
        module = Autoencoder(encoder, decoder, corruption=corruption,
                             code_transform=code_transform, sample_shape=plan.sample_shape)
    if plan.linear_path:
        module.start_at(*pca_start(X, width, int(torch.randint(2**31 - 1, ()))))
        for path in (module.encoder, module.decoder):
            path.mute_body()
    with evaluating(module):
        check_autoencoder(module, to_tensor(dense(X[:2]), np.float32), width)
    return module


def assemble_classifier(autoencoder, n_classes, params, semi_supervised):
    """A classifier's module: a copy of the fitted ``autoencoder``'s encoder with a fresh
    head (and, for semi-supervised fine-tuning, copies of its decoder and corruption).

    Parameters
    ----------
    autoencoder : BaseAutoencoder
        The fitted, pretrained autoencoder (read through its public fitted attributes).
    n_classes : int
    params : dict
        The classifier's parameters (``head``, ``head__<name>``, ``freeze_encoder``, ...).
    semi_supervised : bool
        Whether fine-tuning reads every row (and so keeps the decoder).
    """
    known = dict(n_components=autoencoder.n_components_, n_classes=n_classes)
    if params["head"] is None:
        head = MLPHead(**known, hidden_layer_sizes=positive_ints(
            "head_hidden_layer_sizes", params["head_hidden_layer_sizes"]),
            activation=params["activation"], dropout=params["dropout"])
    else:
        head = build_module("head", params["head"], {
            k[len("head__"):]: v for k, v in params.items() if k.startswith("head__")}, known)
    freeze = params["freeze_encoder"]
    freeze = bool(freeze) if isinstance(freeze, bool | np.bool_) else int(freeze)
    return EncoderClassifier(
        copy.deepcopy(autoencoder.encoder_), head,
        copy.deepcopy(getattr(autoencoder.net_.module_, "code_transform", None)),
        freeze=freeze, sample_shape=autoencoder.layout_.sample_shape,
        decoder=copy.deepcopy(autoencoder.decoder_) if semi_supervised else None,
        corruption=copy.deepcopy(autoencoder.corruption_) if semi_supervised else None)


def greedy_pairs(module):
    """The (encoder layer, decoder layer) pairs that greedy pretraining trains one by one:
    encoder layer ``i`` with decoder layer ``-1 - i``."""
    encoder = layers_of(module.encoder, "encoder", "pretraining='greedy'")
    decoder = layers_of(module.decoder, "decoder", "pretraining='greedy'")
    if len(decoder) != len(encoder):
        raise ValueError(
            f"pretraining='greedy' pairs encoder and decoder layers, but the encoder has "
            f"{len(encoder)} and the decoder {len(decoder)}; use pretraining='joint'.")
    return list(zip(encoder, reversed(decoder), strict=True))


def pca_start(X, n_components, random_state):
    """PCA's ``components_`` (zero rows beyond the data's rank) and ``mean_`` for ``X``,
    as float32 tensors: where an autoencoder's linear paths start.

    With at most 1,000 features, PCA diagonalises its covariance
    (``svd_solver="covariance_eigh"``: exact, and no copy of ``X``). A dense ``X`` of more
    than ``PCA_START_VALUES`` values gets no float64 copy, which would double its memory:
    with more features, PCA runs on that many values' worth of rows drawn at random.
    Rows that are all alike have no direction to start at: the components are then zero.
    """
    n_samples, n_features = X.shape
    components = np.zeros((n_components, n_features))
    n_kept = min(n_components, n_samples, n_features) if n_samples > 1 else 0
    if sp.issparse(X) and n_kept and not mean_variance_axis(X, axis=0)[1].any():
        n_kept = 0  # ARPACK cannot start on rows whose centred values are all zero
    # With few features, the exact covariance solver: sklearn's 'auto' would pick the
    # randomized one for a few components, off PCA's solution by 1e-5 and seed-dependent.
    solver = "covariance_eigh" if n_features <= 1000 else "auto"
    if sp.issparse(X) and n_kept == min(X.shape):
        X = X.toarray()  # ARPACK needs fewer components than both sides: a small X
    if sp.issparse(X):
        solver = "arpack"  # it centres implicitly: the data stay sparse
    elif X.size <= PCA_START_VALUES:
        X = np.asarray(X, dtype=np.float64)
    elif n_features > 1000:
        rows = check_random_state(random_state).choice(
            n_samples, max(PCA_START_VALUES // n_features, n_kept), replace=False)
        X = np.asarray(X[np.sort(rows)], dtype=np.float64)
    mean = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
    if n_kept:
        pca = PCA(n_kept, svd_solver=solver, random_state=random_state)
        components[:n_kept] = pca.fit(X).components_
    return (torch.as_tensor(components, dtype=torch.float32),
            torch.as_tensor(mean, dtype=torch.float32))


@contextmanager
def evaluating(module, training=False):
    """Run a block with ``module`` in evaluation (or ``training``) mode, then restore the
    mode every submodule had."""
    modes = [(m, m.training) for m in module.modules()]
    module.train(training)
    try:
        yield module
    finally:
        for m, training in modes:
            m.training = training
