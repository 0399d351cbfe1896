"""Out-of-core: an autoencoder trained block by block on a lazy Dask array, never materialised.

Builds a Dask array of ``--rows`` x ``--features`` float32 (10 million x 50 = 2 GB by
default) whose blocks are generated on demand from seeded generators: points of a
``--latent``-dimensional curved manifold (``tanh(z A) B``) plus a little noise. dask-ml's
``Incremental`` trains ``AutoencoderTransformer(n_components=--latent)`` on it with one
``partial_fit`` (one epoch) per block, on a ``LocalCluster`` of ``--workers`` single-thread
worker processes. Reports the wall time (and the time to merely generate the blocks), the
peak resident memory of the worker processes (overall, and sampled in each quarter of the fit:
flat if blocks are released as training moves on) and of this client process (which runs
the scheduler), and the reconstruction MSE on ``--test-rows`` fresh rows of the same
distribution, against PCA fitted on a ``--sample-rows`` sample.

    python benchmarks/bench_out_of_core.py [--rows 10000000] [--block-rows 250000]
"""

import argparse
import json
import resource
import time

import dask.array as da
import numpy as np
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer


def manifold(n_features, n_latent, seed):
    """The fixed maps ``A`` (latent to 4 x latent) and ``B`` (to the features) of the data."""
    rng = np.random.default_rng([seed, 0])
    return (rng.standard_normal((n_latent, 4 * n_latent), dtype=np.float32),
            rng.standard_normal((4 * n_latent, n_features), dtype=np.float32)
            / np.float32(np.sqrt(4 * n_latent)))


def block(n_rows, n_features, n_latent, seed, index):
    """Block ``index`` of the data: ``n_rows`` rows from their own seeded generator."""
    A, B = manifold(n_features, n_latent, seed)
    rng = np.random.default_rng([seed, 1, index])
    X = np.tanh(rng.standard_normal((n_rows, n_latent), dtype=np.float32) @ A) @ B
    X += np.float32(0.05) * rng.standard_normal((n_rows, n_features), dtype=np.float32)
    return X


def lazy_array(n_rows, block_rows, n_features, n_latent, seed, first_block=0):
    """A Dask array of ``n_rows`` rows whose blocks are made only when a task needs them."""
    chunks = (block_rows,) * (n_rows // block_rows) + ((n_rows % block_rows,)
                                                       if n_rows % block_rows else ())

    def make(block_id=None):
        return block(chunks[block_id[0]], n_features, n_latent, seed,
                     first_block + block_id[0])

    return da.map_blocks(make, chunks=(chunks, (n_features,)), dtype=np.float32,
                         meta=np.empty((0, n_features), dtype=np.float32))


def peak_rss_mib():
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_skae():
    import skae  # noqa: F401

    return peak_rss_mib()


def start_sampling(dask_worker, every=0.2):
    """Sample the worker process's resident memory every ``every`` seconds, in a thread."""
    import threading

    import psutil

    process, samples, stop = psutil.Process(), [], threading.Event()

    def sample():
        while not stop.wait(every):
            samples.append(process.memory_info().rss / 2**20)

    dask_worker.rss_sampling = samples, stop
    threading.Thread(target=sample, daemon=True).start()


def stop_sampling(dask_worker):
    samples, stop = dask_worker.rss_sampling
    stop.set()
    return samples


def quarters(samples):
    """The peak of each quarter of ``samples`` (in time order)."""
    n = len(samples)
    return [round(max(samples[i * n // 4:(i + 1) * n // 4] or [0])) for i in range(4)]


def mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--block-rows", type=int, default=250_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--latent", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sample-rows", type=int, default=200_000)
    parser.add_argument("--test-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shape = (args.features, args.latent, args.seed)
    X = lazy_array(args.rows, args.block_rows, *shape)
    print(f"X: {X.shape[0]:,} x {X.shape[1]} float32 = {X.nbytes / 2**30:.2f} GiB in "
          f"{X.numblocks[0]} blocks of {args.block_rows:,} rows "
          f"({args.block_rows * args.features * 4 / 2**20:.0f} MiB)")
    # No memory limit: a worker that held more than a few blocks would show it in its
    # resident memory rather than spill them to disk.
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=0,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        baseline = client.run(import_skae)
        start = time.perf_counter()
        X.sum().compute()
        generate_seconds = time.perf_counter() - start
        generate_peak = client.run(peak_rss_mib)
        client.run(start_sampling)
        start = time.perf_counter()
        model = Incremental(AutoencoderTransformer(args.latent, random_state=args.seed),
                            random_state=args.seed).fit(X)
        fit_seconds = time.perf_counter() - start
        workers_peak = client.run(peak_rss_mib)
        samples = client.run(stop_sampling)
        client_peak = peak_rss_mib()
    autoencoder = model.estimator_
    test = block(args.test_rows, *shape, index=10**9 + 1)  # rows of no training block
    sample = lazy_array(args.sample_rows, args.sample_rows, *shape,
                        first_block=10**9).compute()
    pca = PCA(args.latent, random_state=args.seed).fit(sample)
    results = dict(
        rows=args.rows, features=args.features, gib=X.nbytes / 2**30,
        blocks=X.numblocks[0], block_rows=args.block_rows, workers=args.workers,
        generate_seconds=generate_seconds, fit_seconds=fit_seconds,
        rows_per_second=args.rows / fit_seconds, n_iter=autoencoder.n_iter_,
        worker_baseline_mib=max(baseline.values()),
        worker_peak_generating_mib=max(generate_peak.values()),
        worker_peak_mib=max(workers_peak.values()),
        worker_rss_peak_by_quarter_of_fit_mib=[max(q) for q in zip(
            *(quarters(v) for v in samples.values()), strict=True)],
        client_peak_mib=client_peak,
        autoencoder_mse=mse(autoencoder, test), pca_mse=mse(pca, test),
        mean_variance=float(test.var(axis=0).mean()),
    )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
