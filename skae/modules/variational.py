"""The variational autoencoder's module: a Gaussian code, and the likelihoods of the data.

Pure torch. :class:`VAE` is an :class:`Autoencoder` whose encoder returns the mean and the
log-variance of a Gaussian posterior over the code; :class:`GaussianLikelihood` and
:class:`BernoulliLikelihood` give the decoder's distribution over the data. Everything is in
nats, summed over the features of a sample.
"""

import math

import torch
from torch import nn

from ..penalties import gaussian_kl
from .autoencoder import Autoencoder

LOG_2PI = math.log(2 * math.pi)
# The posterior log-variances lie in this range (see VariationalModule.posterior).
LOG_VAR_RANGE = (-30.0, 20.0)


class GaussianLikelihood(nn.Module):
    """Independent Gaussians around the decoder's output, with a learned or fixed variance.

    ``log p(x | z) = sum_j log N(x_j; mean_j(z), variance_j)``. A learned variance is
    ``min_variance + exp(raw)`` (``min_variance + exp(raw + linear(z))`` with 'code'):
    bounded below, so that it cannot shrink to zero on a
    feature the decoder reproduces exactly (a constant pixel), where the density, and the
    log-likelihood, would grow without bound.

    Parameters
    ----------
    n_features : int
        Width of a flat sample.
    variance : {'feature', 'shared', 'code'} or float, default='feature'
        'feature' learns one variance per feature; 'shared' one for all (probabilistic
        PCA's noise model); 'code' one per feature plus a linear function of the code in
        log space; a float fixes it.
    initial_variance : float or torch.Tensor of shape (n_features,), default=1.0
        Where a learned variance starts (with 'shared', the mean of a tensor).
    min_variance : float, default=0.0
        Lower bound of a learned variance.
    n_components : int or None, default=None
        Width of the code; needed with 'code'.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import GaussianLikelihood
    >>> likelihood = GaussianLikelihood(2, variance=1.0)
    >>> round(likelihood.log_prob(torch.zeros(1, 2), torch.zeros(1, 2)).item(), 4)
    -1.8379
    """

    def __init__(self, n_features, variance="feature", initial_variance=1.0, min_variance=0.0,
                 n_components=None):
        super().__init__()
        self.by_code = variance == "code"
        if self.by_code and n_components is None:
            raise ValueError("variance='code' reads the code: pass its width, n_components.")
        if self.by_code:
            # Starts at zero: the variance starts as 'feature' does, then learns to vary.
            self.code_scale = nn.Linear(n_components, n_features)
            nn.init.zeros_(self.code_scale.weight)
            nn.init.zeros_(self.code_scale.bias)
        self.fixed = not isinstance(variance, str)
        self.min_variance = float(min_variance)
        if self.fixed:
            self.register_buffer("raw", torch.tensor(math.log(float(variance))))
        else:
            start = torch.as_tensor(initial_variance, dtype=torch.float32).expand(n_features)
            if variance == "shared":
                start = start.mean(dim=0, keepdim=True)
            # A variance that starts at its floor starts just above it: raw is its log.
            self.raw = nn.Parameter((start - self.min_variance).clamp(min=1e-3 * self.min_variance
                                                                      or 1e-12).log())

    @property
    def variance(self):
        """The variance of every feature (broadcasts against a batch)."""
        if self.fixed:
            return self.raw.exp()
        return self.min_variance + self.raw.exp()

    def variance_at(self, code):
        """The variance of every feature for every code (constant unless 'code').

        Parameters
        ----------
        code : torch.Tensor of shape (n_samples, n_components)
            Codes.

        Returns
        -------
        variance : torch.Tensor of shape (n_samples, n_features) or (n_features,)
            Broadcasts against the batch.
        """
        if not self.by_code:
            return self.variance
        # A code far from the training codes must not overflow float32 (at e**88).
        return self.min_variance + (self.raw + self.code_scale(code)).clamp(max=80.0).exp()

    def log_prob(self, X, mean, code=None):
        """Log-probability of every row of ``X`` under the likelihood with these means.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.
        mean : torch.Tensor of shape (n_samples, n_features)
            The decoder's output for them.
        code : torch.Tensor of shape (n_samples, n_components) or None, default=None
            The codes decoded (only ``variance='code'`` reads them).

        Returns
        -------
        log_prob : torch.Tensor of shape (n_samples,)
            Summed over the features, in nats.
        """
        variance = self.variance_at(code).expand_as(mean)
        return -0.5 * (LOG_2PI + variance.log() + (X - mean) ** 2 / variance).sum(dim=1)

    def sample(self, mean, noise, code=None):
        """Draw from the likelihood: ``mean`` plus the scaled standard normal ``noise``.

        Parameters
        ----------
        mean : torch.Tensor of shape (n_samples, n_features)
            The decoder's output.
        noise : torch.Tensor of shape (n_samples, n_features)
            Standard normal draws.
        code : torch.Tensor of shape (n_samples, n_components) or None, default=None
            The codes decoded (only ``variance='code'`` reads them).

        Returns
        -------
        samples : torch.Tensor of shape (n_samples, n_features)
            Real-valued draws.
        """
        return mean + self.variance_at(code).sqrt() * noise


class BernoulliLikelihood(nn.Module):
    """Independent Bernoulli variables with the decoder's outputs (in [0, 1]) as means.

    ``log p(x | z) = sum_j x_j log p_j + (1 - x_j) log(1 - p_j)``: the probability of
    binary data; for grey levels in [0, 1], the usual binary cross-entropy objective,
    which is not a density over continuous values.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import BernoulliLikelihood
    >>> likelihood = BernoulliLikelihood()
    >>> round(likelihood.log_prob(torch.ones(1, 2), torch.full((1, 2), 0.5)).item(), 4)
    -1.3863
    """

    def __init__(self):
        super().__init__()

    def log_prob(self, X, mean, code=None):
        """Log-probability of every row of ``X`` under the likelihood with these means.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.
        mean : torch.Tensor of shape (n_samples, n_features)
            The decoder's output for them.
        code : object, default=None
            Ignored.

        Returns
        -------
        log_prob : torch.Tensor of shape (n_samples,)
            Summed over the features, in nats.
        """
        return -nn.functional.binary_cross_entropy(mean, X, reduction="none").sum(dim=1)

    def sample(self, mean, noise, code=None):
        """Draw binary samples: 1 where the uniform ``noise`` falls below ``mean``.

        Parameters
        ----------
        mean : torch.Tensor of shape (n_samples, n_features)
            The decoder's output, in [0, 1].
        noise : torch.Tensor of shape (n_samples, n_features)
            Uniform draws in [0, 1).
        code : object, default=None
            Ignored.

        Returns
        -------
        samples : torch.Tensor of shape (n_samples, n_features)
            Zeros and ones.
        """
        return (noise < mean).to(mean.dtype)


class VAE(Autoencoder):
    """Variational autoencoder: a Gaussian posterior over the code, a prior N(0, I).

    The encoder returns ``2 * n_components`` values per sample, the posterior means then
    the log-variances. ``encode`` gives the means; ``forward`` draws a code by the
    reparameterisation ``mean + exp(log_var / 2) * eps`` and returns ``(reconstruction,
    mean, log_var, code)``, from which :meth:`elbo` is computed.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps a batch to ``(batch, 2 * n_components)``.
    decoder : torch.nn.Module
        Maps codes of ``n_components`` to the likelihood's means.
    likelihood : GaussianLikelihood or BernoulliLikelihood
        The decoder's distribution over the data.
    n_components : int or None, default=None
        Width of the code, checked against the encoder's output; None accepts any even
        width.
    sample_shape : tuple of int or None, default=None
        As for :class:`Autoencoder`.

    Examples
    --------
    >>> import torch
    >>> from skae.modules import DenseDecoder, DenseEncoder, GaussianLikelihood, VAE
    >>> vae = VAE(DenseEncoder(6, 4), DenseDecoder(6, 2), GaussianLikelihood(6))
    >>> vae.encode(torch.zeros(3, 6)).shape
    torch.Size([3, 2])
    >>> vae.log_likelihood_bound(torch.zeros(3, 6), torch.randn(5, 2)).shape
    torch.Size([3])
    """

    def __init__(self, encoder, decoder, likelihood, n_components=None, sample_shape=None):
        super().__init__(encoder, decoder, sample_shape=sample_shape)
        self.likelihood = likelihood
        self.n_components = n_components

    def posterior(self, X):
        """The Gaussian posterior over the code of every row.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.

        Returns
        -------
        mean, log_var : torch.Tensor of shape (n_samples, n_components)
            The posterior's means and log-variances, the latter within ``LOG_VAR_RANGE``.
        """
        out = self.encoder(self.unflatten(X))
        width = None if self.n_components is None else 2 * self.n_components
        if out.ndim != 2 or out.shape[1] % 2 or width not in (None, out.shape[1]):
            raise ValueError(
                f"The encoder of a variational autoencoder must return 2 * n_components"
                f"{'' if width is None else f' = {width}'} values per sample (the posterior "
                f"means, then the log-variances), but it returned shape {tuple(out.shape)}.")
        mean, log_var = out.chunk(2, dim=1)
        # Rows far from the training data can ask for variances that overflow float32 once
        # exponentiated; e**-30 to e**20 holds every variance a scaled feature needs.
        return mean, log_var.clamp(LOG_VAR_RANGE[0], LOG_VAR_RANGE[1])

    def encode(self, X):
        return self.posterior(X)[0]

    def forward(self, X):
        mean, log_var = self.posterior(X)
        code = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        return self.decode(code), mean, log_var, code

    def elbo(self, X, reconstruction, mean, log_var, code, beta=1.0):
        """``log p(X | code) - beta * KL(q(code | X) || N(0, I))`` of every row.

        With ``beta=1``, an unbiased estimate of the evidence lower bound of ``log p(X)``
        from the one code drawn to decode ``reconstruction``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.
        reconstruction : torch.Tensor of shape (n_samples, n_features)
            The decoder's output for a code drawn from the posterior.
        mean, log_var : torch.Tensor of shape (n_samples, n_components)
            The posterior's means and log-variances.
        code : torch.Tensor of shape (n_samples, n_components)
            The code drawn from the posterior and decoded.
        beta : float, default=1.0
            Weight of the KL term.

        Returns
        -------
        elbo : torch.Tensor of shape (n_samples,)
            In nats.
        """
        return (self.likelihood.log_prob(X, reconstruction, code)
                - beta * gaussian_kl(mean, log_var))

    def log_likelihood_bound(self, X, eps):
        """A lower bound of ``log p(X)`` of every row from the standard normal draws ``eps``.

        One draw (``eps`` of shape ``(1, n_components)``) gives the evidence lower bound
        (ELBO) with the KL term in closed form; ``K`` draws give the importance-weighted
        bound ``log (1/K) sum_k p(X, z_k) / q(z_k | X)`` (Burda et al., 2016), tighter as
        ``K`` grows. Row ``i`` uses ``z_k = mean_i + std_i * eps_k``: the same draws for
        every row, so that a row's bound does not depend on the rows beside it.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Flat rows.
        eps : torch.Tensor of shape (K, n_components)
            Standard normal draws.

        Returns
        -------
        bound : torch.Tensor of shape (n_samples,), dtype float64
            In nats.
        """
        mean, log_var = self.posterior(X)
        std = (0.5 * log_var).exp()
        if len(eps) == 1:
            code = mean + std * eps[0]
            return self.elbo(X, self.decode(code), mean, log_var, code).double()
        log_weights = []
        for e in eps:
            code = mean + std * e
            log_prior = -0.5 * (LOG_2PI + code**2).sum(dim=1)
            log_posterior = -0.5 * (LOG_2PI + log_var + e**2).sum(dim=1)
            log_joint = self.likelihood.log_prob(X, self.decode(code), code) + log_prior
            log_weights.append((log_joint - log_posterior).double())
        return torch.logsumexp(torch.stack(log_weights), dim=0) - math.log(len(eps))
