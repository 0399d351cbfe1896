"""Regularisation terms on autoencoder codes. Pure torch functions of a batch.

Each returns a scalar tensor averaged over the batch, so that its weight does not depend on
the batch size.
"""

import torch


def l1_activity(code):
    """L1 activity penalty: mean over samples of the sum of absolute code values.

    Parameters
    ----------
    code : torch.Tensor of shape (n_samples, n_components)
        A batch of codes.

    Returns
    -------
    penalty : torch.Tensor (scalar)
        The penalty, differentiable with respect to ``code``.

    Examples
    --------
    >>> import torch
    >>> from skae.penalties import l1_activity
    >>> l1_activity(torch.tensor([[1.0, -2.0], [0.0, 1.0]]))
    tensor(2.)
    """
    return code.abs().sum(dim=1).mean()


def kl_sparsity(code, target, eps=1e-6):
    """KL divergence between a target activation and each code unit's mean activation.

    The classic sparse-autoencoder penalty (Ng, "Sparse autoencoder" notes): with
    ``rho_hat_j`` the mean activation of unit ``j`` over the batch, the penalty is
    ``sum_j KL(target || rho_hat_j)`` for Bernoulli distributions. Codes must lie in
    (0, 1), which is why skae uses a sigmoid code layer with this penalty.

    Parameters
    ----------
    code : torch.Tensor of shape (n_samples, n_components)
        Activations in (0, 1).
    target : float
        Desired mean activation of each unit, in (0, 1).
    eps : float, default=1e-6
        Keeps the logarithms finite.

    Returns
    -------
    penalty : torch.Tensor (scalar)
        The summed divergence, differentiable with respect to ``code``.

    Examples
    --------
    >>> import torch
    >>> from skae.penalties import kl_sparsity
    >>> float(kl_sparsity(torch.full((4, 3), 0.05), target=0.05)) < 1e-6
    True
    """
    rho_hat = code.mean(dim=0).clamp(eps, 1 - eps)
    rho = torch.as_tensor(target, dtype=code.dtype, device=code.device)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return kl.sum()


def contractive(code, X):
    """Squared Frobenius norm of the Jacobian of ``code`` with respect to ``X``, per sample.

    The contractive autoencoder's penalty (Rifai et al., 2011): it makes codes insensitive
    to small moves of the input. Computed exactly from the code of the training forward
    pass, with one backward pass per code unit, keeping the graph so that the penalty
    itself can be differentiated. Each row's gradient sums the derivatives of every code
    in the batch, which is its own Jacobian when rows do not interact (with batch norm in
    training mode, it also holds the small coupling through the batch statistics).

    Parameters
    ----------
    code : torch.Tensor of shape (n_samples, n_components)
        Codes computed from ``X``.
    X : torch.Tensor of shape (n_samples, ...)
        The input batch, with ``requires_grad=True`` when ``code`` was computed.

    Returns
    -------
    penalty : torch.Tensor (scalar)
        The penalty, differentiable with respect to the encoder's parameters.

    Examples
    --------
    >>> import torch
    >>> from skae.penalties import contractive
    >>> weight = torch.tensor([[1.0, 2.0], [0.0, 3.0]])
    >>> X = torch.ones(5, 2, requires_grad=True)
    >>> float(contractive(X @ weight.T, X))  # 1 + 4 + 0 + 9
    14.0
    """
    total = code.new_zeros(())
    for unit in range(code.shape[1]):
        (grad,) = torch.autograd.grad(code[:, unit].sum(), X, create_graph=True)
        total = total + grad.pow(2).sum()
    return total / X.shape[0]


def consistency(clean_logits, noisy_logits, threshold=0.95):
    """Consistency under corruption: the cross-entropy of the predictions on corrupted rows
    against the confident predictions on the clean rows (FixMatch's unlabeled loss).

    The class the network predicts for a clean row serves as that row's label when its
    probability reaches ``threshold``; rows below it add nothing. No gradient flows through
    the clean predictions.

    Parameters
    ----------
    clean_logits, noisy_logits : torch.Tensor of shape (n_samples, n_classes)
        Class scores of the same rows, clean and corrupted.
    threshold : float, default=0.95
        Confidence from which a clean prediction serves as a label.

    Returns
    -------
    penalty : torch.Tensor (scalar)
        Mean over all rows (zero for the rows left out).

    Examples
    --------
    >>> import torch
    >>> from skae.penalties import consistency
    >>> clean = torch.tensor([[9.0, 0.0], [0.1, 0.0]])
    >>> round(consistency(clean, torch.tensor([[0.0, 0.0], [5.0, 0.0]])).item(), 4)
    0.3466
    """
    confidence, pseudo_labels = torch.softmax(clean_logits.detach(), dim=1).max(dim=1)
    losses = torch.nn.functional.cross_entropy(noisy_logits, pseudo_labels, reduction="none")
    return (losses * (confidence >= threshold)).mean()


def gaussian_kl(mean, log_var):
    """KL divergence from the standard normal prior to diagonal Gaussians, per sample.

    ``KL(N(mean, exp(log_var)) || N(0, I)) = 0.5 * sum_j (mean_j**2 + exp(log_var_j) - 1 -
    log_var_j)``: the variational autoencoder's regulariser (Kingma and Welling, 2014), in
    nats.

    Parameters
    ----------
    mean, log_var : torch.Tensor of shape (n_samples, n_components)
        The posterior's means and log-variances.

    Returns
    -------
    kl : torch.Tensor of shape (n_samples,)
        The divergence of every sample, differentiable with respect to both.

    Examples
    --------
    >>> import torch
    >>> from skae.penalties import gaussian_kl
    >>> gaussian_kl(torch.tensor([[0.0, 2.0]]), torch.zeros(1, 2))
    tensor([2.])
    """
    return 0.5 * (mean**2 + log_var.exp() - 1 - log_var).sum(dim=1)
