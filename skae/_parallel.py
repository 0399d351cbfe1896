"""How one fit shares the machine with the other fits of a parallel run.

A grid search with ``n_jobs > 1``, Dask workers and ``dask_ml``'s ``Incremental`` run several
fits at once on one machine. Each fit should use its share of the cores, not all of them, and,
when several GPUs are visible, a GPU of its own. :func:`machine_share` decides both around
every training run (``BaseNeuralEstimator._train_net``).

Threads. joblib's default (loky) backend and Dask's nanny already start their worker
processes with ``OMP_NUM_THREADS`` set to the process's share of the cores; what is left is
the threads *within* one process that fit at the same time: the threads of a Dask worker, or
every worker of a ``LocalCluster(processes=False)``, which live in the client's process. A fit
on a Dask worker limits torch to ``torch.get_num_threads() // n`` threads (at least 1), ``n``
being the number of worker threads in its process, and restores the previous setting when it
ends. With torch's OpenMP backend (the Linux and macOS wheels) the setting belongs to the
calling thread, so concurrent fits in one process do not undo one another's.
"""

import multiprocessing
import os
import sys
import zlib
from contextlib import contextmanager

import torch


def thread_share(n_threads, n_concurrent):
    """Torch threads for each of ``n_concurrent`` fits that share ``n_threads``: at least 1.

    Parameters
    ----------
    n_threads : int
        The threads the process may use (``torch.get_num_threads()`` before the fit).
    n_concurrent : int
        The fits that may run at the same time in the process.

    Returns
    -------
    share : int
        ``n_threads // n_concurrent``, and at least 1.

    Examples
    --------
    >>> from skae._parallel import thread_share
    >>> thread_share(16, 4), thread_share(2, 4)
    (4, 1)
    """
    return max(1, n_threads // max(1, n_concurrent))


def worker_device(device, rank, n_devices):
    """The device of the parallel worker of rank ``rank``: its own GPU for a bare ``'cuda'``.

    Parameters
    ----------
    device : str
        The resolved device of the estimator (``'cpu'``, ``'cuda'``, ``'cuda:1'``, ...).
    rank : int or None
        The worker's rank on its machine; None outside a parallel worker.
    n_devices : int
        The number of CUDA devices visible to the worker.

    Returns
    -------
    device : str
        ``'cuda:<rank % n_devices>'`` for ``'cuda'`` without an index in a worker that sees
        several GPUs; ``device`` unchanged otherwise.

    Examples
    --------
    >>> from skae._parallel import worker_device
    >>> worker_device("cuda", 5, 4), worker_device("cuda:0", 5, 4), worker_device("cpu", 5, 4)
    ('cuda:1', 'cuda:0', 'cpu')
    """
    if device != "cuda" or rank is None or n_devices < 2:
        return device
    return f"cuda:{rank % n_devices}"


def _dask_worker():
    """The Dask worker running this task, or None (Dask need not even be installed)."""
    if "distributed" not in sys.modules:
        return None
    from distributed import get_worker

    try:
        return get_worker()
    except ValueError:
        return None


def _rank(name):
    """A worker's rank from its name: the name itself when it is a number (``LocalCluster``
    names its workers 0, 1, ...), else a stable hash of it."""
    try:
        return int(name)
    except (TypeError, ValueError):
        return zlib.crc32(str(name).encode())


def worker_slots():
    """How many fits may run at once in this process, and this worker's rank.

    Returns
    -------
    n_concurrent : int
        The threads of the Dask workers living in this process; 1 elsewhere.
    rank : int or None
        The rank of the Dask worker, or of the joblib (loky) or multiprocessing worker process;
        None in a process that is not a parallel worker.
    """
    worker = _dask_worker()
    if worker is not None:
        workers = [w for w in list(type(worker)._instances)
                   if w is worker or getattr(w.status, "name", "") == "running"]
        return sum(w.state.nthreads for w in workers), _rank(worker.name)
    identity = multiprocessing.current_process()._identity
    return 1, (identity[0] - 1 if identity else None)


def _own_gpus():
    """Whether a launcher already gave this process its GPU: dask-cuda rotates
    ``CUDA_VISIBLE_DEVICES`` so that every worker's ``cuda:0`` differs; torchrun and
    accelerate set ``LOCAL_RANK``."""
    return "dask_cuda" in sys.modules or "LOCAL_RANK" in os.environ


@contextmanager
def machine_share(device):
    """Run a fit as its share of the machine: torch's threads and, on CUDA, the GPU.

    Outside a parallel worker nothing changes. In a Dask worker, torch's intra-op threads
    are limited to this fit's share of the threads of its process (:func:`thread_share`)
    and restored afterwards. In a Dask, joblib or multiprocessing worker that sees several
    CUDA devices, ``device='cuda'`` becomes the worker's own GPU (:func:`worker_device`),
    unless dask-cuda, torchrun or accelerate assigned GPUs already.

    Parameters
    ----------
    device : str
        The resolved device of the estimator.

    Yields
    ------
    device : str
        The device this fit trains on.

    Examples
    --------
    >>> from skae._parallel import machine_share
    >>> with machine_share("cpu") as device:  # not in a worker: nothing changes
    ...     device
    'cpu'
    """
    n_concurrent, rank = worker_slots()
    if device == "cuda" and not _own_gpus():
        device = worker_device(device, rank, torch.cuda.device_count())
    before = torch.get_num_threads()
    share = thread_share(before, n_concurrent)
    if share != before:
        torch.set_num_threads(share)
    try:
        yield device
    finally:
        if share != before:
            torch.set_num_threads(before)
