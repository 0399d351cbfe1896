"""Whole-batch iteration over tensors, so that skorch's loop never touches single rows.

skorch's default ``Dataset`` + ``DataLoader`` fetch every row separately and collate them,
which dominates the cost of training small networks on tabular data. Here the data lives in
one tensor (on the training device) and a batch is one indexing operation. Sparse data
stays a sparse matrix in host memory (:class:`SparseRows`); a batch is densified on the
device.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.model_selection import train_test_split

from ._rows import HostRows, SparseRows, placement, prefetched, to_tensor

# Inference batches: this many rows, fewer for wide rows (see inference_batch_size).
INFERENCE_BATCH_ROWS = 512
INFERENCE_BATCH_VALUES = 2**24
# Training rows are gathered (shuffled) this many values at a time: 1 MiB of float32,
# so that a block is still in the cache when its batches are used.
GATHER_BLOCK_VALUES = 2**18


class TensorDataset:
    """Input tensor ``X`` and optional target tensor ``y`` with the same first dimension.

    A subset (:meth:`subset`) shares ``X`` and ``y`` and keeps the indices of its rows:
    holding out validation rows copies no data.

    Parameters
    ----------
    X : torch.Tensor, SparseRows or HostRows
    y : torch.Tensor or None, default=None
    index : torch.Tensor or None, default=None
        The rows of ``X`` and ``y`` that make up the dataset, on ``X.device``; None for all.
    """

    def __init__(self, X, y=None, index=None):
        self.X = X
        self.y = y
        self.index = index

    def __len__(self):
        return len(self.X) if self.index is None else len(self.index)

    @property
    def labels(self):
        """The dataset's targets (its rows of ``y``), or None. Of a 2-D ``y`` (classes and
        pseudo-labels, see :class:`skae._net.SemiSupervisedNet`), its first column."""
        y = self.y if self.y is None or self.index is None else self.y[self.index]
        return y[:, 0] if y is not None and y.ndim == 2 else y

    def batch(self, rows):
        """``(X, y)`` of the dataset's ``rows`` (a slice or an index tensor)."""
        if self.index is not None:
            rows = self.index[rows]
        return _take(self.X, rows), None if self.y is None else _take(self.y, rows)

    def subset(self, indices):
        """The dataset of the rows ``indices`` (a tensor on ``X.device``), sharing data."""
        return TensorDataset(self.X, self.y, indices if self.index is None
                             else self.index[indices])


def _take(data, rows):
    """The ``rows`` (a slice or an index tensor) of ``data`` (a tensor or row store).

    Rows picked by index from a tensor are gathered with ``index_select``, several times
    faster on the CPU than advanced indexing (``data[rows]``) for the same copy.
    """
    if torch.is_tensor(data) and torch.is_tensor(rows):
        return torch.index_select(data, 0, rows)
    return data[rows]


def as_dataset(X, y=None, device="cpu", data_placement="auto"):
    """Turn arrays or tensors into a :class:`TensorDataset` on ``device`` (float32 inputs).

    A sparse ``X`` stays sparse on the host (:class:`SparseRows`), and so does ``y``:
    batches are densified on ``device``, and skorch moves their targets there. A dense
    ``X`` goes to ``device`` whole, or stays on the host (:class:`HostRows`) when
    :func:`placement` says so.
    """
    if isinstance(X, TensorDataset):
        return X
    if sp.issparse(X):
        return TensorDataset(SparseRows(X, device), None if y is None else to_tensor(y))
    if placement(X, device, data_placement) == "host":
        return TensorDataset(HostRows(X, device), None if y is None else to_tensor(y))
    X = to_tensor(X, np.float32).to(device=device, dtype=torch.float32)
    if y is not None:
        y = to_tensor(y).to(device)
    return TensorDataset(X, y)


class BatchIterator:
    """Iterable of ``(X_batch, y_batch)`` pairs cut from a :class:`TensorDataset`.

    With ``shuffle``, every pass visits the rows in a fresh order drawn from torch's RNG,
    which the estimators seed for the whole training run: runs are reproducible, and
    skorch's new iterator of every epoch still gets an order of its own. The order is an
    index permutation, so no shuffled copy of the data is made. In shuffled (training)
    passes a trailing batch of a single row is skipped: batch norm cannot train on it, and
    the row is seen in other epochs.

    Parameters
    ----------
    dataset : TensorDataset
    batch_size : int
    shuffle : bool, default=False
    """

    def __init__(self, dataset, batch_size, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def _skips_last_row(self):
        n = len(self.dataset)
        return self.shuffle and self.batch_size > 1 and n > 1 and n % self.batch_size == 1

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size) - self._skips_last_row()

    def __iter__(self):
        return prefetched(self._batches(), self.dataset.X)

    def _batches(self):
        n = len(self.dataset) - self._skips_last_row()
        if not self.shuffle and self.dataset.index is None:  # slices: views, no copies
            for start in range(0, n, self.batch_size):
                yield self.dataset.batch(slice(start, start + self.batch_size))
            return
        device = self.dataset.X.device
        order = torch.randperm(len(self.dataset)).to(device) if self.shuffle else None
        # Rows are gathered a block of batches at a time (one indexing operation instead of
        # one per batch), in at most GATHER_BLOCK_VALUES values, and the batches are views.
        width = max(math.prod(self.dataset.X.shape[1:]), 1)
        block = max(GATHER_BLOCK_VALUES // (width * self.batch_size), 1) * self.batch_size
        for block_start in range(0, n, block):
            rows = slice(block_start, min(block_start + block, n))
            X, y = self.dataset.batch(rows if order is None else order[rows])
            for start in range(0, len(X), self.batch_size):
                yield X[start:start + self.batch_size], (
                    None if y is None else y[start:start + self.batch_size])


class SemiSupervisedBatches(BatchIterator):
    """Training batches for semi-supervised learning: all rows, topped up with labeled ones.

    A pass visits every row of the dataset once in a fresh order, ``batch_size`` rows a
    step (labeled or not, their label ``-1`` when unlabeled), and adds to every step
    ``batch_size // 8`` labeled rows drawn from a cycle of fresh permutations of the labeled
    rows. With 100 labels among 10,000 rows, every step still sees labeled rows.

    Parameters
    ----------
    dataset : TensorDataset
        Rows and integer labels, ``-1`` for unlabeled rows.
    batch_size : int
    shuffle : bool, default=True
        Ignored: training passes are always shuffled.
    """

    def __init__(self, dataset, batch_size, shuffle=True):
        super().__init__(dataset, batch_size, shuffle=True)

    def _batches(self):
        device = self.dataset.X.device
        labeled = torch.nonzero(self.dataset.labels >= 0).flatten().to(device)
        n_labeled = min(len(labeled), max(1, self.batch_size // 8))
        cycle = labeled[torch.randperm(len(labeled)).to(device)]
        order = torch.randperm(len(self.dataset)).to(device)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            if n_labeled and len(cycle) < n_labeled:
                cycle = torch.cat([cycle, labeled[torch.randperm(len(labeled)).to(device)]])
            rows = torch.cat([order[start:start + self.batch_size], cycle[:n_labeled]])
            cycle = cycle[n_labeled:]
            yield self.dataset.batch(rows)


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
        labels = dataset.labels.cpu().numpy() if self.stratify else None
        indices = self._indices(len(dataset), labels)
        train, valid = (torch.as_tensor(i, device=dataset.X.device) for i in indices)
        return dataset.subset(train), dataset.subset(valid)

    def _indices(self, n_samples, labels=None):
        return train_test_split(np.arange(n_samples), test_size=self.fraction,
                                random_state=self.seed, stratify=labels)

    def held_out(self, n_samples):
        """The indices of the rows this split holds out of ``n_samples`` unstratified rows:
        the validation rows of the training it split (the split is seeded).

        Parameters
        ----------
        n_samples : int
            The number of rows the split was applied to.

        Returns
        -------
        indices : ndarray of int
            The held-out rows, as ``__call__`` chose them.

        Examples
        --------
        >>> from skae._data import TensorSplit
        >>> TensorSplit(0.25, seed=0).held_out(8)
        array([6, 2])
        """
        return self._indices(n_samples)[1]


def inference_batch_size(n_values):
    """Rows per inference batch for rows of ``n_values`` values: 512, fewer for wide rows,
    so that a batch holds at most 2**24 values (64 MiB of float32)."""
    return int(np.clip(INFERENCE_BATCH_VALUES // max(int(n_values), 1), 1,
                       INFERENCE_BATCH_ROWS))


def map_batches(function, X, batch_size=None, device="cpu"):
    """Apply a torch function to ``X`` in fixed-size batches without gradients; return numpy.

    Every batch has exactly ``batch_size`` rows (the last one is padded with zeros), so
    each row goes through the same kernels whatever rows surround it: a row's result does
    not depend on how many rows are mapped with it (BLAS picks other kernels, with other
    rounding, for other matrix shapes). ``function`` must treat rows independently, as
    networks in evaluation mode do.

    Parameters
    ----------
    function : callable
        Maps a float32 tensor batch to a tensor.
    X : array-like or sparse matrix of shape (n_samples, ...)
        A sparse matrix is densified a batch at a time.
    batch_size : int or None, default=None
        None: :func:`inference_batch_size` of the rows' width, so that the size depends
        on the data's shape alone.
    device : str or torch.device, default='cpu'

    Returns
    -------
    out : ndarray (float32 unless ``function`` returns another dtype)
    """
    X = SparseRows(X, device) if sp.issparse(X) else to_tensor(X, np.float32)
    if batch_size is None:
        batch_size = inference_batch_size(np.prod(X.shape[1:]))
    outputs = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            batch = X[start:start + batch_size].to(device)
            n_rows = len(batch)
            if n_rows < batch_size:
                batch = torch.cat([batch, batch.new_zeros(batch_size - n_rows, *batch.shape[1:])])
            outputs.append(function(batch)[:n_rows].detach().cpu())
    if not outputs:
        raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
    return torch.cat(outputs).numpy()


def _ndim(X):
    """Dimensions of arrays, tensors and nested lists; 2 for anything else (left to sklearn)."""
    if hasattr(X, "shape"):
        return len(X.shape)
    return np.ndim(X) if isinstance(X, list | tuple) else 2


class SampleLayout:
    """How samples arrive (flat rows, images, sequences) and how the network reads them.

    skae validates and batches every input as 2-D rows of floats; networks that need
    structure (convolutions, recurrent layers, a user's module for images) view each row as
    one sample of ``sample_shape``. This class turns what the user passes into such rows and
    the network's rows back into the user's layout.

    Parameters
    ----------
    rank : int or None
        Dimensions of one sample as the network reads it (1: flat rows, 2: sequences,
        3: images); None takes samples as they come (a user's module).
    shape : tuple of int or None, default=None
        One sample's shape, for samples given as flat rows.
    channels_last : bool, default=False
        Whether images come as ``(H, W, C)`` (or flat rows in that order); the network
        reads them channels first.
    shape_param : str, default='image_shape'
        The parameter that gives ``shape``, for error messages.
    expected : str, default='X'
        How the input must come, for error messages.
    estimator : str, default='The estimator'
        Name used in error messages.

    Attributes
    ----------
    sample_shape : tuple of int or None
        One sample's shape as the network reads it; None for flat rows.
    input_shape : tuple of int or None
        One sample's shape as passed to ``fit`` when it was not a flat row, else None.
    """

    def __init__(self, rank, shape=None, channels_last=False, shape_param="image_shape",
                 expected="X", estimator="The estimator"):
        self.rank = rank
        self.channels_last = channels_last
        self.shape_param = shape_param
        self.expected = expected
        self.estimator = estimator
        self.input_shape = None
        self.sample_shape = None if rank == 1 or shape is None else tuple(
            int(side) for side in shape)

    @property
    def _transposed(self):
        return self.channels_last and self.sample_shape is not None and len(
            self.sample_shape) == 3

    def _network_shape(self, shape):
        if self.channels_last and len(shape) == 3:
            height, width, channels = shape
            return (channels, height, width)
        return tuple(shape)

    def _user_shape(self):
        if self._transposed:
            channels, height, width = self.sample_shape
            return (height, width, channels)
        return self.sample_shape

    def flatten(self, X, reset):
        """Flat rows (in the user's element order) of an n-D array; 2-D input is kept.

        With ``reset``, the shape of n-D samples is learnt; otherwise it is checked.
        """
        if hasattr(X, "iloc") or _ndim(X) <= 2:
            if reset and self.rank not in (1, None) and self.sample_shape is None:
                raise ValueError(f"{self.estimator}: {self.expected}.")
            return X
        X = np.asarray(X)
        if self.rank is not None and X.ndim != self.rank + 1:
            raise ValueError(f"{self.estimator}: {self.expected}; got a {X.ndim}-D array "
                             f"of shape {X.shape}.")
        given = self._network_shape(X.shape[1:])
        if reset and self.sample_shape is None:
            self.sample_shape = given
        if given != self.sample_shape:
            what = (f"was given {self.shape_param}={self.sample_shape}" if reset
                    else f"was fitted on samples of shape {self._user_shape()}")
            raise ValueError(
                f"{self.estimator} {what}, but X holds samples of shape {X.shape[1:]}.")
        if reset:
            self.input_shape = X.shape[1:]
        return X.reshape(len(X), -1)

    def _permutation(self):
        return np.arange(int(np.prod(self.sample_shape))).reshape(
            self._user_shape()).transpose(2, 0, 1).ravel()

    def to_network(self, rows):
        """Check the width of validated rows and reorder them as the network reads them."""
        if self.sample_shape is None:
            return rows
        size = int(np.prod(self.sample_shape))
        if rows.shape[1] != size:
            raise ValueError(
                f"{self.estimator}: X has {rows.shape[1]} features, but {self.shape_param}="
                f"{self.sample_shape} needs {size} per sample (the product of its sides).")
        if self._transposed:
            rows = rows[:, self._permutation()]
        return rows

    def from_network(self, rows):
        """The network's flat rows in the layout ``fit`` received."""
        if self.sample_shape is None:
            return rows
        if self._transposed:
            rows = rows[:, np.argsort(self._permutation())]
        if self.input_shape is not None:
            return rows.reshape(len(rows), *self.input_shape)
        return rows
