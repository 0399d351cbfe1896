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

from ._base import BaseAutoencoder
from ._building import evaluating
from ._docs import (
    ARCHITECTURE_PARAMS,
    FITTED_ATTRIBUTES,
    MODULE_KWARGS,
    TRAINING_PARAMS,
    with_entry,
    without,
)
from ._net import VariationalNet
from .modules import VAE, BernoulliLikelihood, GaussianLikelihood

# The seed of the standard normal draws that score_samples shares among all rows.
SCORE_SEED = 0

# AutoencoderTransformer's parameters that act on a deterministic code.
_NOT_OFFERED = ("pretraining", "linear_path", "body_start", "tied_weights", "sparsity",
                "sparsity_weight", "sparsity_target", "contractive_weight")
_ARCHITECTURE = with_entry(without(ARCHITECTURE_PARAMS, "n_components", "loss", *_NOT_OFFERED),
                           """\
    activation : {'auto', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'elu', 'gelu', \
'identity'}, default='relu'
        Activation of every hidden (dense or convolutional) layer of the built-in bodies.
        'auto' picks as :class:`AutoencoderTransformer` does ('gelu' for the dense bodies,
        'relu' for the convolutional ones); the default stays 'relu', with which this
        estimator was measured.
""")
_ARCHITECTURE = with_entry(_ARCHITECTURE, """\
    dropout : float or 'auto', default=0.0
        Dropout probability after every hidden activation (between stacked recurrent
        layers for 'lstm' and 'gru'). 'auto' picks as :class:`AutoencoderTransformer`
        does (0.05 for a dense body with more than 16 weights per row of ``X``, 0
        otherwise); the default stays 0, with which this estimator was measured.
""")

_VARIATIONAL_PARAMS = """\
    loss : {'mse', 'bce'}, default='mse'
        The likelihood of the data given a code, ``p(x | z)``. 'mse': independent
        Gaussians around the decoder's output, with the variance of ``variance``: a
        density over real values, in the units of :meth:`sklearn.decomposition.PCA.score`
        and :meth:`sklearn.mixture.GaussianMixture.score`. 'bce': independent Bernoulli
        variables whose means are the decoder's (sigmoid) outputs, for data in [0, 1]: the
        probability of binary data; for grey levels, the usual binary cross-entropy
        objective, which is not a density and does not compare with Gaussian models.

    beta : float, default=1.0
        Weight of the KL divergence from the prior in the training loss (a beta-VAE,
        Higgins et al., 2017): above 1 it trades reconstruction for codes closer to the
        prior (smoother, often more disentangled), below 1 the reverse. ``score`` always
        reports the true bound (``beta=1``).

    variance : {'code', 'feature', 'shared'} or float, default='code'
        The Gaussian likelihood's variance ('mse'). 'code': the log-variance of every
        feature is a learned value plus a learned linear function of the code, so that
        the noise depends on what is drawn (a pixel is background for one digit, stroke
        for another); 'feature': one learned variance per feature; 'shared': one for all
        features (probabilistic PCA's noise model); a float fixes it (in the units of
        ``X`` squared). Ignored with 'bce'.

    min_variance : float, default=1e-3
        Lower bound of a learned variance, as a share of the mean variance of the
        training features (of 1 when they are all constant). Without one, the variance of
        a feature the decoder rebuilds exactly (a pixel that is always 0) would shrink to
        zero and its density grow without bound, so that a single held-out row that
        departs from it would score minus infinity.

    n_importance_samples : int, default=1
        Codes drawn per row by :meth:`score_samples`: 1 gives the evidence lower bound
        (ELBO); more give the importance-weighted bound (Burda et al., 2016), closer to
        the log-likelihood, at as many decoder passes.
"""


class VariationalAutoencoder(BaseAutoencoder):
    __doc__ = f"""Variational autoencoder: a generative model of the data with a Gaussian code.

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
        Size of the code.

{_ARCHITECTURE}
{_VARIATIONAL_PARAMS}
{TRAINING_PARAMS}
{MODULE_KWARGS}
    Attributes
    ----------
{FITTED_ATTRIBUTES}
    noise_variance_ : ndarray of shape (``n_features_in_``,) or None
        The Gaussian likelihood's variance of every feature (the same value for all with
        ``variance='shared'``; at the prior's mean code, zero, with 'code'), in the layout
        of one sample as ``fit`` received it; None with ``loss='bce'``.

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
    code (``linear_path``, ``pretraining='greedy'``, ``tied_weights``, sparsity and
    contractive penalties) are not offered. The loss in ``loss_curve_`` and
    ``validation_scores_`` is minus the beta-weighted ELBO, in nats per sample, for one
    code drawn per row (held-out rows get the same draws at every epoch).

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

    # The plain autoencoder's features that act on a deterministic code are not offered;
    # the shared code reads them, so they are fixed here instead of being parameters.
    pretraining = "joint"
    linear_path = False
    body_start = "gate"
    tied_weights = False
    sparsity = None
    sparsity_weight = 0.0
    sparsity_target = 0.05
    contractive_weight = 0.0
    _parameter_constraints: dict = {
        **{name: constraint for name, constraint in BaseAutoencoder._parameter_constraints.items()
           if name not in _NOT_OFFERED},
        # A Gaussian code has a width: no feature-map codes (n_components=None).
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "variance": [StrOptions({"code", "feature", "shared"}),
                     Interval(Real, 0, None, closed="neither")],
        "min_variance": [Interval(Real, 0, None, closed="neither")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
    }

    _net_class = VariationalNet

    def __init__(
        self,
        n_components=2,
        *,
        encoder="dense",
        decoder=None,
        hidden_layer_sizes="auto",
        conv_channels=(32, 64),
        kernel_size=3,
        image_shape=None,
        channels_last=False,
        sequence_shape=None,
        rnn_hidden_size=64,
        rnn_num_layers=1,
        bidirectional=False,
        activation="relu",
        output_activation="auto",
        dropout=0.0,
        batch_norm=False,
        loss="mse",
        beta=1.0,
        variance="code",
        min_variance=1e-3,
        n_importance_samples=1,
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
        **kwargs,
    ):
        self.n_components = n_components
        self.encoder = encoder
        self.decoder = decoder
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
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.loss = loss
        self.beta = beta
        self.variance = variance
        self.min_variance = min_variance
        self.n_importance_samples = n_importance_samples
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
        self._set_module_params(kwargs)

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

    # -- hooks of BaseAutoencoder ----------------------------------------------------------

    def _code_width(self, role, n_components):
        return 2 * n_components if role == "encoder" else n_components

    def _make_autoencoder(self, X, encoder, decoder, corruption=None, code_transform=None,
                          sample_shape=None):
        if self.loss == "bce":
            likelihood = BernoulliLikelihood()
        else:
            variances = _feature_variances(X)
            scale = variances.mean() or 1.0
            # Each variance starts at its feature's variance: that of a decoder which
            # rebuilds nothing but the mean, and the floor for a constant feature.
            likelihood = GaussianLikelihood(
                X.shape[1], self.variance, initial_variance=torch.as_tensor(variances),
                min_variance=self.min_variance * scale, n_components=self.n_components)
        return VAE(encoder, decoder, likelihood, n_components=self.n_components,
                   sample_shape=sample_shape)

    def _net_params(self):
        return dict(beta=self.beta)

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
