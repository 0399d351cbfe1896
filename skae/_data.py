"""Whole-batch iteration over tensors, so that skorch's loop never touches single rows.

skorch's default ``Dataset`` + ``DataLoader`` fetch every row separately and collate them,
which dominates the cost of training small networks on tabular data. Here the data lives in
one tensor (on the training device) and a batch is one indexing operation.
"""

import numpy as np
import torch
from sklearn.model_selection import train_test_split


class TensorDataset:
    """Input tensor ``X`` and optional target tensor ``y`` with the same first dimension.

    Parameters
    ----------
    X : torch.Tensor
    y : torch.Tensor or None, default=None
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def subset(self, indices):
        return TensorDataset(self.X[indices], None if self.y is None else self.y[indices])


def to_tensor(X, dtype=None):
    """Tensor view of an array, copied only when torch can't share its memory.

    That is when it is read-only (as pandas' arrays can be) or not C-contiguous.
    """
    if torch.is_tensor(X):
        return X
    return torch.from_numpy(np.require(X, dtype=dtype, requirements=["C", "W"]))


def as_dataset(X, y=None, device="cpu"):
    """Turn arrays or tensors into a :class:`TensorDataset` on ``device`` (float32 inputs)."""
    if isinstance(X, TensorDataset):
        return X
    X = to_tensor(X, np.float32).to(device=device, dtype=torch.float32)
    if y is not None:
        y = to_tensor(y).to(device)
    return TensorDataset(X, y)


class BatchIterator:
    """Iterable of ``(X_batch, y_batch)`` pairs cut from a :class:`TensorDataset`.

    A fresh permutation is drawn from its own seeded generator at every pass when
    ``shuffle`` is true, so training is reproducible without touching torch's global RNG.
    In shuffled (training) passes a trailing batch of a single row is skipped: batch norm
    cannot train on it, and the row is seen in other epochs.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffle : bool, default=False
    seed : int or None, default=None
        Seed of the shuffling generator.
    """

    def __init__(self, dataset, batch_size, shuffle=False, seed=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator()
        if seed is not None:
            self.generator.manual_seed(seed)

    def _skips_last_row(self):
        n = len(self.dataset)
        return self.shuffle and self.batch_size > 1 and n > 1 and n % self.batch_size == 1

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size) - self._skips_last_row()

    def __iter__(self):
        X, y, n = self.dataset.X, self.dataset.y, len(self.dataset)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(X.device)
            X = X[order]
            y = None if y is None else y[order]
        for start in range(0, n - self._skips_last_row(), self.batch_size):
            stop = start + self.batch_size
            yield X[start:stop], None if y is None else y[start:stop]


class TensorSplit:
    """Hold out a random fraction of a :class:`TensorDataset` for validation.

    A ``train_split`` for skorch that slices tensors instead of wrapping the data in a
    ``torch.utils.data.Subset`` (which would bring back row-by-row access).

    Parameters
    ----------
    fraction : float
        Share of rows held out, in (0, 1).
    seed : int or None, default=None
        Seed of the permutation choosing the held-out rows.
    stratify : bool, default=False
        Hold out the same share of every class of ``y`` (classification).

    The rows are chosen by :func:`sklearn.model_selection.train_test_split`, with its rules
    and errors: at least one row is held out, and a stratified split needs every class in
    both parts.
    """

    def __init__(self, fraction, seed=None, stratify=False):
        self.fraction = fraction
        self.seed = seed
        self.stratify = stratify

    def __call__(self, dataset, y=None, **fit_params):
        labels = dataset.y.cpu().numpy() if self.stratify else None
        indices = train_test_split(np.arange(len(dataset)), test_size=self.fraction,
                                   random_state=self.seed, stratify=labels)
        train, valid = (torch.as_tensor(i, device=dataset.X.device) for i in indices)
        return dataset.subset(train), dataset.subset(valid)


def map_batches(function, X, batch_size, device):
    """Apply a torch function to ``X`` batch by batch without gradients; return numpy.

    Parameters
    ----------
    function : callable
        Maps a float32 tensor batch to a tensor.
    X : array-like of shape (n_samples, ...)
    batch_size : int
    device : str or torch.device

    Returns
    -------
    out : ndarray of dtype float32
    """
    X = to_tensor(X, np.float32)
    outputs = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            out = function(X[start:start + batch_size].to(device))
            outputs.append(out.detach().cpu())
    return torch.cat(outputs).numpy()
