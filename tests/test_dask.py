"""Out-of-core training through dask-ml's ``Incremental``, and fits that share the machine."""

import multiprocessing

import pytest
import torch
from skorch.callbacks import Callback

from skae import AutoencoderTransformer
from skae._parallel import machine_share, thread_share, worker_device, worker_slots

from .conftest import FAST


@pytest.fixture
def local_cluster():
    """A client on a two-worker ``LocalCluster`` whose workers are threads of this process."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def rows_per_call(estimator):
    """The rows each ``partial_fit`` call trained on, from the history's batches."""
    return [sum(batch["train_batch_size"] for batch in epoch["batches"])
            for epoch in estimator.net_.history]


def test_incremental_trains_block_by_block(blobs, local_cluster):
    da = pytest.importorskip("dask.array")
    Incremental = pytest.importorskip("dask_ml.wrappers").Incremental
    X, _ = blobs
    blocks = da.from_array(X, chunks=(50, X.shape[1]))
    model = Incremental(AutoencoderTransformer(2, **FAST), random_state=0).fit(blocks)
    fitted = model.estimator_
    # One partial_fit (one epoch) per block, each on that block's rows only.
    assert fitted.n_iter_ == model.n_iter_ == 4
    assert rows_per_call(fitted) == [50, 50, 50, 50]
    assert fitted.transform(X).shape == (200, 2)
    first_pass = list(fitted.loss_curve_)
    # partial_fit makes a second pass that continues the first.
    model.partial_fit(blocks)
    assert model.estimator_.n_iter_ == 8
    assert model.estimator_.loss_curve_[:4] == first_pass


class ThreadsInTraining(Callback):
    """Records torch's threads as training begins."""

    def __init__(self):
        self.threads = []

    def on_train_begin(self, net, **kwargs):
        self.threads.append(torch.get_num_threads())


def fit_with_threads(X, threads):
    """Fit with torch set to ``threads`` threads; torch's threads in training and after."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        record = ThreadsInTraining()
        AutoencoderTransformer(2, **{**FAST, "max_epochs": 1}, callbacks=[record]).fit(X)
        return record.threads, torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def test_fit_on_a_dask_worker_takes_its_share_of_the_threads(blobs, local_cluster):
    X, _ = blobs
    # Two single-thread workers in one process: a fit on either gets half of its 4 threads,
    # and the setting comes back afterwards.
    future = local_cluster.submit(fit_with_threads, X, 4, pure=False)
    assert future.result() == ([2], 4)


def test_fit_outside_a_worker_keeps_torchs_threads(blobs):
    X, _ = blobs
    assert fit_with_threads(X, 3) == ([3], 3)


def test_worker_slots_count_the_worker_threads_of_the_process(local_cluster):
    slots = local_cluster.gather([local_cluster.submit(worker_slots, pure=False, workers=[w])
                                  for w in local_cluster.scheduler_info()["workers"]])
    assert sorted(slots) == [(2, 0), (2, 1)]
    assert worker_slots() == (1, None)


def test_joblib_workers_have_ranks(monkeypatch):
    # joblib's loky processes number themselves as multiprocessing's do: 1, 2, ...
    class LokyProcess:
        _identity = (3,)

    monkeypatch.setattr(multiprocessing, "current_process", LokyProcess)
    assert worker_slots() == (1, 2)


@pytest.mark.parametrize("threads, fits, share", [(16, 4, 4), (8, 3, 2), (2, 4, 1), (4, 0, 4)])
def test_thread_share(threads, fits, share):
    assert thread_share(threads, fits) == share


@pytest.mark.parametrize("device, rank, n_devices, expected", [
    ("cuda", 5, 4, "cuda:1"),
    ("cuda", 0, 2, "cuda:0"),
    ("cuda", 3, 1, "cuda"),        # one GPU: nothing to choose
    ("cuda", None, 4, "cuda"),     # not a worker
    ("cuda:2", 5, 4, "cuda:2"),    # the user chose the GPU
    ("cpu", 5, 4, "cpu"),
])
def test_worker_device(device, rank, n_devices, expected):
    assert worker_device(device, rank, n_devices) == expected


def test_each_worker_takes_its_own_gpu(monkeypatch):
    import skae._parallel as parallel

    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setattr(parallel, "worker_slots", lambda: (1, 6))
    with machine_share("cuda") as device:
        assert device == "cuda:2"
    # torchrun and accelerate give each process its GPU: keep theirs.
    monkeypatch.setenv("LOCAL_RANK", "0")
    with machine_share("cuda") as device:
        assert device == "cuda"

