"""Input corruptions for denoising autoencoders. Pure torch modules, active in training only.

Each draws fresh noise from torch's random number generator at every call, so every
training batch is corrupted anew; in evaluation mode they return their input unchanged, so
that ``transform`` and ``inverse_transform`` never see noise. ``low`` and ``high`` are the
per-feature minimum and maximum of the training data (any shape that broadcasts against a
batch, such as one sample's shape): salt-and-pepper noise writes them, and ``clip=True``
keeps every corrupted value between them.
"""

import torch
from torch import nn


class Corruption(nn.Module):
    """Base of the corruptions: training-mode gating and optional clipping to a range.

    Parameters
    ----------
    level : float
        Strength of the noise; its meaning depends on the subclass.
    low, high : torch.Tensor or None, default=None
        Per-feature range of the training data.
    clip : bool, default=False
        Whether to clip corrupted values into ``[low, high]``.
    """

    def __init__(self, level, low=None, high=None, clip=False):
        super().__init__()
        if clip and (low is None or high is None):
            raise ValueError("clip=True needs the data's range: pass low and high.")
        self.level = level
        self.clip = clip
        self.register_buffer("low", None if low is None else torch.as_tensor(low))
        self.register_buffer("high", None if high is None else torch.as_tensor(high))

    def corrupt(self, X):
        raise NotImplementedError

    def forward(self, X):
        if not self.training or self.level == 0:
            return X
        X = self.corrupt(X)
        if self.clip:
            X = torch.maximum(torch.minimum(X, self.high), self.low)
        return X

    def extra_repr(self):
        return f"level={self.level}, clip={self.clip}"


class GaussianNoise(Corruption):
    """Add Gaussian noise of standard deviation ``level`` to every value.

    Parameters
    ----------
    level : float
        Standard deviation of the noise, in the units of the data.
    low, high : torch.Tensor or None, default=None
        Per-feature range of the training data (needed to clip).
    clip : bool, default=False
        Whether to clip corrupted values into ``[low, high]``.

    Examples
    --------
    >>> import torch
    >>> from skae.noise import GaussianNoise
    >>> _ = torch.manual_seed(0)
    >>> noise = GaussianNoise(0.5, low=torch.zeros(3), high=torch.ones(3), clip=True)
    >>> noisy = noise(torch.full((1000, 3), 0.5))
    >>> bool(noisy.min() >= 0 and noisy.max() <= 1), round(float(noisy.std()), 1)
    (True, 0.4)
    >>> noise.eval()(torch.zeros(2, 3))  # evaluation mode: no noise
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    """

    def corrupt(self, X):
        return X + self.level * torch.randn_like(X)


class MaskingNoise(Corruption):
    """Set every value to 0 with probability ``level`` (the masking noise of Vincent et al.).

    Parameters
    ----------
    level : float
        Probability of masking each value.
    low, high : torch.Tensor or None, default=None
        Per-feature range of the training data (needed to clip).
    clip : bool, default=False
        Whether to clip corrupted values into ``[low, high]``.

    Examples
    --------
    >>> import torch
    >>> from skae.noise import MaskingNoise
    >>> _ = torch.manual_seed(0)
    >>> noisy = MaskingNoise(0.3)(torch.ones(1000, 10))
    >>> round(float((noisy == 0).float().mean()), 1)
    0.3
    """

    def corrupt(self, X):
        keep = torch.rand_like(X) >= self.level
        return X * keep


class SaltAndPepperNoise(Corruption):
    """Set every value, with probability ``level``, to its feature's minimum or maximum.

    Minimum ("pepper") and maximum ("salt") are equally likely.

    Parameters
    ----------
    level : float
        Probability of corrupting each value.
    low, high : torch.Tensor
        Per-feature range of the training data: the pepper and the salt.
    clip : bool, default=False
        Whether to clip corrupted values into ``[low, high]``.

    Examples
    --------
    >>> import torch
    >>> from skae.noise import SaltAndPepperNoise
    >>> _ = torch.manual_seed(0)
    >>> noise = SaltAndPepperNoise(0.2, low=torch.zeros(4), high=torch.ones(4))
    >>> noisy = noise(torch.full((1000, 4), 0.5))
    >>> round(float((noisy == 0).float().mean()), 1), round(float((noisy == 1).float().mean()), 1)
    (0.1, 0.1)
    """

    def __init__(self, level, low, high, clip=False):
        super().__init__(level, low, high, clip)

    def corrupt(self, X):
        hit = torch.rand_like(X) < self.level
        salt = torch.rand_like(X) < 0.5
        extreme = torch.where(salt, self.high.expand_as(X), self.low.expand_as(X))
        return torch.where(hit, extreme, X)


NOISES = {
    "gaussian": GaussianNoise,
    "masking": MaskingNoise,
    "salt_and_pepper": SaltAndPepperNoise,
}
