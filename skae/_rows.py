"""Where training rows live: sparse or dense on the host, batches sent to the device.

:class:`SparseRows` keeps a sparse matrix sparse and densifies a batch at a time on the
device; :class:`HostRows` keeps dense rows in (pinned) host memory for data larger than the
device, and :func:`prefetched` copies its batches one ahead on a side stream.
"""

import numpy as np
import scipy.sparse as sp
import torch


class SparseRows:
    """Rows of a sparse matrix kept sparse in host memory, densified a batch at a time.

    Indexing with a slice or with row indices returns the dense float32 rows on
    ``device``: only the batch's non-zeros are copied there, and densified on arrival.
    Memory so grows with the number of non-zeros, not with rows x columns. Entries stored
    more than once for one position add up, as scipy defines them.

    Parameters
    ----------
    X : scipy.sparse matrix or array of shape (n_samples, n_features)
    device : str or torch.device, default='cpu'
        Where batches are densified.

    Attributes
    ----------
    device : torch.device
        Where the rows live (the host), so that row indices are drawn there.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from skae._rows import SparseRows
    >>> rows = SparseRows(sp.eye(4, format="csr"))
    >>> rows[1:3]
    tensor([[0., 1., 0., 0.],
            [0., 0., 1., 0.]])
    """

    device = torch.device("cpu")

    def __init__(self, X, device="cpu"):
        X = sp.csr_matrix(X, dtype=np.float32)
        if not X.has_canonical_format:
            # A batch is densified by writing every stored entry at its position, so that
            # of duplicates the last would win: they are summed first, on a copy (the
            # matrix may share its arrays with the caller's).
            X = X.copy()
            X.sum_duplicates()
        self.X = X
        self.target = torch.device(device)

    def __len__(self):
        return self.X.shape[0]

    @property
    def shape(self):
        return self.X.shape

    def _rows(self, indices):
        if torch.is_tensor(indices):
            indices = indices.cpu().numpy()
        return self.X[indices]

    def __getitem__(self, indices):
        block = self._rows(indices)
        n_rows, n_features = block.shape
        counts = torch.from_numpy(np.diff(block.indptr)).to(self.target)
        rows = torch.repeat_interleave(torch.arange(n_rows, device=self.target), counts)
        columns = torch.from_numpy(block.indices.astype(np.int64)).to(self.target)
        batch = torch.zeros(n_rows, n_features, device=self.target)
        batch[rows, columns] = torch.from_numpy(block.data).to(self.target)
        return batch


class HostRows:
    """Rows of a dense array kept in host memory, a batch at a time copied to ``device``.

    For data too large for the device. On CUDA the rows are pinned, so that
    :class:`BatchIterator` can copy the next batch asynchronously, on a side stream, while
    the device computes on the current one.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n_samples, n_features)
    device : str or torch.device, default='cpu'
        Where batches are used.

    Attributes
    ----------
    device : torch.device
        Where the rows live (the host), so that row indices are drawn there.
    target : torch.device
        Where batches go.

    Examples
    --------
    >>> import numpy as np
    >>> from skae._rows import HostRows
    >>> HostRows(np.arange(6.0).reshape(3, 2))[[2, 0]]
    tensor([[4., 5.],
            [0., 1.]])
    """

    device = torch.device("cpu")

    def __init__(self, X, device="cpu"):
        self.target = torch.device(device)
        X = to_tensor(X, np.float32).to(device="cpu", dtype=torch.float32)
        self.X = X.pin_memory() if self.target.type == "cuda" else X

    def __len__(self):
        return len(self.X)

    @property
    def shape(self):
        return self.X.shape

    def __getitem__(self, rows):
        """The rows on the host, pinned on CUDA (the iterator copies them to the device)."""
        if isinstance(rows, slice):
            return self.X[rows]
        rows = torch.as_tensor(rows, device="cpu")
        pinned = self.target.type == "cuda"
        out = torch.empty((len(rows), *self.X.shape[1:]), pin_memory=pinned)
        return torch.index_select(self.X, 0, rows, out=out)


def placement(X, device, data_placement="auto"):
    """Where a dense ``X`` lives in training: ``'device'`` or ``'host'``.

    ``'auto'`` keeps it on the device when it takes at most half of the device's free
    memory, on the host (:class:`HostRows`) otherwise. On the CPU, host and device are one.
    """
    if data_placement != "auto":
        return data_placement
    device = torch.device(device)
    if device.type != "cuda":
        return "device"
    free, _ = torch.cuda.mem_get_info(device)
    n_bytes = 4 * int(np.prod(X.shape))  # float32
    return "device" if n_bytes <= free // 2 else "host"


def to_tensor(X, dtype=None):
    """Tensor view of an array, copied only when torch can't share its memory.

    That is when it is read-only (as pandas' arrays can be) or not C-contiguous.
    """
    if torch.is_tensor(X):
        return X
    return torch.from_numpy(np.require(X, dtype=dtype, requirements=["C", "W"]))


# The loss squares the values: beyond these magnitudes the squares leave float32, and
# training sees infinities (above) or zeros (below) instead of the data.
LARGEST_MAGNITUDE = float(np.sqrt(np.finfo(np.float32).max))
SMALLEST_MAGNITUDE = float(np.sqrt(np.finfo(np.float32).smallest_normal))


def check_scale(X, estimator, training=True):
    """Raise a ValueError naming ``estimator`` when the largest magnitude in ``X`` (dense or
    sparse rows) is one whose square overflows float32, or, for rows to train on,
    underflows it (unless all zero): the loss and the scores square the values.

    Examples
    --------
    >>> import numpy as np
    >>> from skae._rows import check_scale
    >>> check_scale(np.ones((2, 2), dtype=np.float32), "AutoencoderTransformer")
    >>> check_scale(np.full((2, 2), 1e30, dtype=np.float32), "AutoencoderTransformer")
    Traceback (most recent call last):
    ...
    ValueError: AutoencoderTransformer cannot take X: its values reach 1e+30 in ...
    """
    values = X.data if sp.issparse(X) else X
    # max and min, not abs: no copy of X
    largest = max(abs(float(values.max())), abs(float(values.min()))) if values.size else 0.0
    if largest > LARGEST_MAGNITUDE or training and 0 < largest < SMALLEST_MAGNITUDE:
        bound = (f"values must lie within {LARGEST_MAGNITUDE:.2g} and, unless all zero, "
                 f"reach {SMALLEST_MAGNITUDE:.2g}" if training
                 else f"values must lie within {LARGEST_MAGNITUDE:.2g}")
        raise ValueError(
            f"{estimator} cannot take X: its values reach {largest:.3g} in magnitude, and "
            f"their squares {'overflow' if largest > 1 else 'underflow'} float32 ({bound})."
            " Scale X first, e.g. with StandardScaler, as for fit.")


def dense(X):
    """``X`` itself, or its dense array when it is a sparse matrix."""
    return X.toarray() if sp.issparse(X) else X


def prefetched(batches, X):
    """``batches`` as they are, or, from :class:`HostRows` bound for a GPU, copied there
    one batch ahead on a side stream, so that copies overlap the computation."""
    if not (isinstance(X, HostRows) and X.target.type == "cuda"):
        yield from batches
        return
    stream = torch.cuda.Stream(X.target)

    def send(batch):
        with torch.cuda.stream(stream):
            moved = tuple(None if t is None else t.to(X.target, non_blocking=True)
                          for t in batch)
            done = torch.cuda.Event()
            done.record(stream)
        return moved, done

    def receive(moved, done):
        current = torch.cuda.current_stream(X.target)
        current.wait_event(done)
        for t in moved:
            if t is not None:
                t.record_stream(current)  # the side stream's memory is in use here
        return moved

    pending = None
    for batch in batches:
        sent = send(batch)
        if pending is not None:
            yield receive(*pending)
        pending = sent
    if pending is not None:
        yield receive(*pending)
