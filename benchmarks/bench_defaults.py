"""Default settings against a small grid and PCA: reconstruction and denoising on mnist10k.

For every task, the estimator with its defaults (``'auto'`` hidden layers, batch size,
epochs and early stopping, PCA-initialised linear path) is compared with the best of a small
grid (hidden layers (256,), (512, 256), or (512, 256) with lr 3e-3; batch size 128, at
most 100 epochs with early stopping), chosen on the test score after the fact (an upper
bound on what a grid search finds), and with PCA at the same code size. Reconstruction: test MSE of
``AutoencoderTransformer(k)`` for k = 8, 32, 64. Denoising: ``DenoisingAutoencoder(32,
noise=..., noise_level=0.3)`` trained on clean training rows, scored by the MSE against the
clean test rows of its reconstruction of corrupted ones (outputs clipped to [0, 1]).

    python benchmarks/bench_defaults.py [--mnist PATH] [--seeds 0] [--tasks recon8 ...]
"""

import argparse
import time

import numpy as np
from bench_denoising import NOISES, denoise, mse
from mnist import MNIST, load_split
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, DenoisingAutoencoder

GRID = [dict(hidden_layer_sizes=hidden, lr=lr, batch_size=128, max_epochs=100,
             early_stopping=True)
        for hidden, lr in [((256,), 1e-3), ((512, 256), 1e-3), ((512, 256), 3e-3)]]
TASKS = {
    "recon8": (8, None), "recon32": (32, None), "recon64": (64, None),
    "gaussian0.3": (32, "gaussian"), "masking0.3": (32, "masking"),
}


def make(task, seed, **params):
    n_components, noise = TASKS[task]
    if noise is None:
        return AutoencoderTransformer(n_components, random_state=seed, **params)
    return DenoisingAutoencoder(n_components, noise=noise, noise_level=0.3,
                                random_state=seed, **params)


def score(task, model, X_test, X_test_noisy):
    if TASKS[task][1] is None:
        return mse(model.inverse_transform(model.transform(X_test)), X_test)
    return mse(denoise(model, X_test_noisy), X_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    args = parser.parse_args()
    X_train, X_test, _, _ = load_split(args.mnist)
    rows = []
    for task in args.tasks:
        noise = TASKS[task][1]
        X_test_noisy = None if noise is None else NOISES[noise](
            X_test, np.random.default_rng(0))
        pca = PCA(TASKS[task][0], random_state=0).fit(X_train)
        pca_error = score(task, pca, X_test, X_test_noisy)
        for seed in args.seeds:
            runs = {}
            for name, params in [("default", {}), *((str(p), p) for p in GRID)]:
                start = time.perf_counter()
                model = make(task, seed, **params).fit(X_train)
                runs[name] = (score(task, model, X_test, X_test_noisy),
                              time.perf_counter() - start, model.n_iter_)
                print(f"{task} seed={seed} {name}: MSE {runs[name][0]:.5f} "
                      f"({runs[name][1]:.0f} s, {runs[name][2]} epochs)", flush=True)
            best = min((n for n in runs if n != "default"), key=lambda n: runs[n][0])
            rows.append((task, seed, pca_error, runs["default"], best, runs[best]))
    print("\n| task | seed | default MSE | best grid MSE (config) | default / best | "
          "PCA MSE | default / PCA | default time / best's time |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for task, seed, pca_error, default, best, tuned in rows:
        print(f"| {task} | {seed} | {default[0]:.5f} | {tuned[0]:.5f} ({best}) | "
              f"{default[0] / tuned[0]:.2f}x | {pca_error:.5f} | {default[0] / pca_error:.2f}x "
              f"| {default[1]:.0f} s / {tuned[1]:.0f} s = {default[1] / tuned[1]:.1f}x |")


if __name__ == "__main__":
    main()
