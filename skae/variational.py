"""The variational autoencoder: a generative model with a scikit-learn density API."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.sparsefuncs import mean_variance_axis
from sklearn.utils.validation import check_is_fitted

from ._assembly import evaluating
from ._net import VariationalNet
from ._transformer import BaseAutoencoder, Objective
from .modules import BernoulliLikelihood, GaussianLikelihood

# The seed of the standard normal draws that score_samples shares among all rows.
SCORE_SEED = 0


class VariationalAutoencoder(BaseAutoencoder):
    """Variational autoencoder: a generative model of the data with a Gaussian code.

    The encoder maps every sample to a Gaussian posterior over a code of ``n_components``
    values; the decoder maps codes to a distribution over the data (see ``loss``). Both are
    trained together to maximise the evidence lower bound (ELBO) of the training rows,
    ``E_q[log p(x | z)] - beta * KL(q(z | x) || N(0, I))`` (Kingma and Welling, 2014),
    with PyTorch through skorch. It takes the bodies (dense, conv, recurrent, modules of
    your own) and the training parameters of :class:`AutoencoderTransformer`.

    ``transform`` returns the posterior means; ``inverse_transform`` decodes codes to the
    likelihood's means; ``sample`` draws new data from the model; ``score_samples`` is a
    lower bound of every row's log-likelihood, in nats, and ``score`` its mean, so that
    ``GridSearchCV`` can rank it against ``PCA`` and ``GaussianMixture``.

    Parameters
    ----------
    n_components : int, default=2
        Size of the Gaussian code.

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
        The likelihood ``p(x | z)``: 'mse' Gaussians around the decoder's output (a
        density, in the units of ``PCA.score``); 'bce' Bernoulli variables, for data in
        [0, 1].

    beta : float, default=1.0
        Weight of the KL term in the training loss (a beta-VAE); ``score`` always reports
        the true bound.

    variance : {'code', 'feature', 'shared'} or float, default='code'
        The Gaussian likelihood's variance: learned as a function of the code, per
        feature, shared by all features, or fixed (in the units of ``X`` squared).

    min_variance : float, default=1e-3
        Floor of a learned variance, as a share of the training features' mean variance,
        so that a feature rebuilt exactly cannot make held-out densities infinite.

    n_importance_samples : int, default=1
        Codes drawn per row by :meth:`score_samples`: 1 gives the ELBO, more the tighter
        importance-weighted bound, at as many decoder passes.

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

    noise_variance_ : ndarray of shape (``n_features_in_``,) or None
        The Gaussian likelihood's variance of every feature (at the prior's mean code with
        ``variance='code'``), in the layout of one sample; None with ``loss='bce'``.

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder with the same bodies.
    sklearn.decomposition.PCA : Probabilistic PCA, the linear Gaussian model (``score``).
    sklearn.mixture.GaussianMixture : Another density with ``sample`` and ``score``.

    Notes
    -----
    An encoder of your own gets ``n_components=2 * n_components`` (where its constructor
    takes ``n_components``) and returns the posterior means, then the log-variances,
    side by side: ``(batch, 2 * n_components)``; the decoder reads codes of
    ``n_components``. The features of the plain autoencoder that act on a deterministic
    code (linear paths, greedy pretraining, tied weights, code regularizers) are not
    offered. The loss in ``loss_curve_`` and ``validation_scores_`` is minus the
    beta-weighted ELBO, in nats per sample, for one code drawn per row (held-out rows get
    the same draws at every epoch).

    ``score_samples`` shares its ``n_importance_samples`` standard normal draws (from a
    fixed seed) among all rows: scores are deterministic, and a row's score does not depend
    on the rows beside it. Like ``PCA.score``, scores are densities of ``X`` as given:
    scaling ``X`` by ``c`` shifts them by ``-n_features * log(c)``, so compare models on
    the same scaling.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae import VariationalAutoencoder
    >>> X = load_digits().data / 16
    >>> vae = VariationalAutoencoder(8, hidden_layer_sizes=(64,), max_epochs=20,
    ...                              random_state=0).fit(X)
    >>> vae.transform(X).shape
    (1797, 8)
    >>> new, codes = vae.sample(5, random_state=0)
    >>> new.shape, codes.shape
    ((5, 64), (5, 8))
    >>> bool(vae.score(X) > PCA(8).fit(X).score(X))  # nats per sample, both
    True
    """

    _parameter_constraints: dict = {
        **{name: constraint for name, constraint in BaseAutoencoder._parameter_constraints.items()
           if name not in ("regularizer", "pretraining", "linear_path", "accelerator")},
        # A Gaussian code has a width: no feature-map codes (n_components=None).
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "variance": [StrOptions({"code", "feature", "shared"}),
                     Interval(Real, 0, None, closed="neither")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
    }

    # The encoder returns a mean and a log-variance per code unit.
    _encoder_outputs = 2

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
        beta=1.0,
        variance="code",
        min_variance=1e-3,
        n_importance_samples=1,
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
        self.beta = beta
        self.variance = variance
        self.min_variance = min_variance
        self.n_importance_samples = n_importance_samples
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
        self._set_extra_params(kwargs)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the variational autoencoder on ``X`` (maximise the ELBO of its rows).

        With ``warm_start=True`` and a fitted model, training continues from its weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; numeric, without NaN or infinity; in [0, 1] with
            ``loss='bce'``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)

    def _objective(self, params, X, network):
        if params["loss"] == "bce":
            likelihood = BernoulliLikelihood()
        else:
            variances = _feature_variances(X)
            scale = variances.mean() or 1.0
            # Each variance starts at its feature's variance: that of a decoder which
            # rebuilds nothing but the mean, and the floor for a constant feature.
            likelihood = GaussianLikelihood(
                X.shape[1], params["variance"], initial_variance=torch.as_tensor(variances),
                min_variance=params["min_variance"] * scale,
                n_components=params["n_components"])
        return Objective(VariationalNet, dict(beta=params["beta"]),
                         dict(likelihood=likelihood))

    # -- the density ----------------------------------------------------------------------

    @property
    def noise_variance_(self):
        check_is_fitted(self)
        likelihood = self.net_.module_.likelihood
        if not isinstance(likelihood, GaussianLikelihood):
            return None
        with torch.no_grad():
            prior_mean = torch.zeros(1, self.n_components, device=self.net_.device)
            variance = likelihood.variance_at(prior_mean).cpu().double().numpy().ravel()
        variance = np.broadcast_to(variance, (self.n_features_in_,))[None]
        return np.array(self.layout_.from_network(variance)[0])

    def score_samples(self, X):
        """Return a lower bound of the log-likelihood of every sample, in nats.

        The ELBO with ``n_importance_samples=1``, the importance-weighted bound with more;
        under the likelihood that ``loss`` chooses. Higher is better; low values flag rows
        unlike the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            The bound of every sample, summed over its features.
        """
        check_is_fitted(self)
        self._validate_params()
        X = self._validate_X(X, reset=False, layout=self.layout_)
        module = self.net_.module_
        generator = torch.Generator().manual_seed(SCORE_SEED)
        eps = torch.randn(self.n_importance_samples, self.n_components, generator=generator)
        eps = eps.to(self.net_.device)
        with evaluating(module):
            return self._map_batches(lambda rows: module.log_likelihood_bound(rows, eps), X)

    def score(self, X, y=None):
        """Return the mean of :meth:`score_samples` over ``X``, in nats per sample.

        In the units of ``PCA.score`` and ``GaussianMixture.score`` (with the Gaussian
        likelihood and ``X`` scaled alike), so that ``GridSearchCV`` can rank them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the features seen in ``fit``.
        y : None
            Ignored.

        Returns
        -------
        score : float
            The mean log-likelihood bound.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw new samples from the fitted model, as ``GaussianMixture.sample`` does.

        Codes are drawn from the prior ``N(0, I)``, decoded, and samples drawn from the
        likelihood around the decoded means (with its Gaussian noise for ``loss='mse'``,
        as 0 or 1 for 'bce'). ``inverse_transform(codes)`` gives the noise-free means,
        usually what one shows of images.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; None uses numpy's global RNG.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features), dtype float32
            The samples, in the layout ``fit`` received.
        codes : ndarray of shape (n_samples, n_components), dtype float32
            The codes they were drawn from (where ``GaussianMixture.sample`` returns
            component labels).
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"sample needs n_samples >= 1 (an int), got {n_samples!r}.")
        rng = check_random_state(random_state)
        codes = rng.standard_normal((n_samples, self.n_components)).astype(np.float32)
        likelihood, device = self.net_.module_.likelihood, self.net_.device
        means = self._inference("decode", codes)
        gaussian = isinstance(likelihood, GaussianLikelihood)
        noise = (rng.standard_normal if gaussian else rng.random)(means.shape)
        with torch.no_grad():
            X = likelihood.sample(torch.as_tensor(means, device=device),
                                  torch.as_tensor(noise, dtype=torch.float32, device=device),
                                  torch.as_tensor(codes, device=device))
        return self.layout_.from_network(X.cpu().numpy()), codes


def _feature_variances(X):
    """The variance of every feature of ``X`` (dense or sparse rows)."""
    if sp.issparse(X):
        return np.asarray(mean_variance_axis(X, axis=0)[1], dtype=np.float64)
    return np.var(X, axis=0, dtype=np.float64)
