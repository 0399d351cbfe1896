"""Held-out log-likelihood of digits: VariationalAutoencoder against PCA and GaussianMixture.

Every model is fitted on the mnist10k training rows (8,000) and scored on the test rows
(2,000), pixels scaled to [0, 1] for all: ``score`` is the mean log-likelihood (a lower
bound for the VAE) of a test row, in nats, under a density over 784 real values. The VAE
is the default ``VariationalAutoencoder(n)`` (Gaussian likelihood whose log-variance per
pixel is learned as a value plus a linear function of the code, ``variance='code'``); its
bound is the ELBO (``n_importance_samples=1``, the default) and the importance-weighted
bound with 100 draws. ``variance='feature'`` (one variance per pixel, whatever the code)
shows what the code-dependent variance brings. ``PCA(n).score`` is probabilistic PCA's exact
log-likelihood; ``GaussianMixture(n, covariance_type='diag')`` has ``n`` components, once
with its default ``reg_covar=1e-6`` and once with the VAE's variance floor (``1e-3`` of the
mean pixel variance). Also saves a PNG grid of samples of the VAE with the largest code
and a 2-D latent traversal of the VAE with ``n=2``.

    python bench_vae.py [--sizes 2 16] [--seeds 0 1] [--max-epochs N] [--mnist PATH]

``--max-epochs`` caps the VAE's training (default: its own 'auto' schedule, about 10,000
steps), for a machine too busy to run the full schedule.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from mnist import MNIST, load_split, save_grid
from scipy.stats import norm
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

from skae import VariationalAutoencoder

RESULTS = Path(__file__).resolve().parent / "results"
N_IMPORTANCE = 100


def timed(model, X):
    start = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - start


def vae_of(n, seed, max_epochs, **params):
    vae = VariationalAutoencoder(n, random_state=seed, **params)
    return vae if max_epochs is None else vae.set_params(max_epochs=max_epochs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 16])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--mnist", default=MNIST)
    args = parser.parse_args()
    X_train, X_test, _, _ = load_split(args.mnist)
    floor = 1e-3 * X_train.var(axis=0).mean()
    rows, vaes = [], {}
    for n in args.sizes:
        pca, seconds = timed(PCA(n), X_train)
        rows.append((n, "PCA", None, pca.score(X_test), pca.score(X_train), seconds))
        for seed in args.seeds:
            for label, reg in (("GaussianMixture diag", 1e-6),
                               ("GaussianMixture diag, VAE's floor", floor)):
                gmm, seconds = timed(GaussianMixture(n, covariance_type="diag", reg_covar=reg,
                                                     random_state=seed), X_train)
                rows.append((n, label, seed, gmm.score(X_test), gmm.score(X_train), seconds))
            vae, seconds = timed(vae_of(n, seed, args.max_epochs), X_train)
            vaes[n, seed] = vae
            rows.append((n, "VAE, ELBO", seed, vae.score(X_test), vae.score(X_train), seconds))
            vae.set_params(n_importance_samples=N_IMPORTANCE)
            rows.append((n, f"VAE, IW bound K={N_IMPORTANCE}", seed, vae.score(X_test),
                         np.nan, seconds))
            vae.set_params(n_importance_samples=1)
            print(f"n={n} seed={seed}: VAE {vae.n_iter_} epochs, {seconds:.0f} s", flush=True)
            per_pixel, seconds = timed(vae_of(n, seed, args.max_epochs, variance="feature"),
                                       X_train)
            rows.append((n, "VAE variance='feature', ELBO", seed, per_pixel.score(X_test),
                         per_pixel.score(X_train), seconds))

    print("\n| n | model | seed | test nats/sample | train nats/sample | fit s |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, label, seed, test, train, seconds in rows:
        print(f"| {n} | {label} | {'-' if seed is None else seed} | {test:.1f} | {train:.1f} "
              f"| {seconds:.1f} |")
    print("\nMean and spread (min to max) over seeds, test nats/sample:\n")
    print("| n | model | mean | min | max | minus PCA's |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        pca_score = next(test for m, label, _, test, *_ in rows if m == n and label == "PCA")
        for label in dict.fromkeys(label for m, label, *_ in rows if m == n):
            tests = [test for m, lab, _, test, *_ in rows if m == n and lab == label]
            print(f"| {n} | {label} | {np.mean(tests):.1f} | {min(tests):.1f} | "
                  f"{max(tests):.1f} | {np.mean(tests) - pca_score:+.1f} |")

    largest = vaes[max(args.sizes), args.seeds[0]]
    _, codes = largest.sample(50, random_state=0)
    means = largest.inverse_transform(codes)
    save_grid(RESULTS / "vae_samples.png",
              {f"n={max(args.sizes)}, {i + 1}": means[10 * i:10 * i + 10] for i in range(5)})
    if 2 in args.sizes:
        grid = norm.ppf(np.linspace(0.05, 0.95, 10)).astype(np.float32)
        traversal = vaes[2, args.seeds[0]]
        save_grid(RESULTS / "vae_traversal_2d.png", {
            f"z2={z2:+.2f}": traversal.inverse_transform(
                np.column_stack([grid, np.full_like(grid, z2)]))
            for z2 in grid[::-1]})


if __name__ == "__main__":
    main()
