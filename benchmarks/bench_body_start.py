"""Tried, not adopted: the linear path's bodies muted by a zeroed output layer.

With the linear path (``linear_path='auto'``), an autoencoder starts at PCA's solution,
its encoder and decoder bodies behind gates at 0. A gated-off body gets no gradient until
its gate opens, and none at all under Adam's weight decay, which then shrinks it to
nothing in an epoch. The variant mutes each body instead by zeroing its output layer with
the gate at 1, so that the layer learns from the first step; it is patched in here
(``Autoencoder.start_at``). Defaults, with and without ``weight_decay=1e-5``, on the
bundled digits, breast_cancer and wine (standardised, 3 splits) at codes 2, d/8, d/4,
d/2, and on mnist10k (pixels in [0, 1], 1 split) at codes 8, 32, 64. Test MSE, mean over
the splits, with PCA's.

    OMP_NUM_THREADS=1 python benchmarks/bench_body_start.py [--mnist PATH] [--only NAME ...]
"""

import argparse
import warnings

import numpy as np
import torch
from bench_auto_hidden import bundled
from mnist import MNIST, load_split
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from torch import nn

from skae import AutoencoderTransformer
from skae.modules import Autoencoder

GATED_START = Autoencoder.start_at


@torch.no_grad()
def zeroed_output_start(module, components, mean):
    """PCA's start, each body's last linear layer zeroed and its gate at 1."""
    GATED_START(module, components, mean)
    for path in (module.encoder, module.decoder):
        output = [m for m in path.body.modules() if isinstance(m, nn.Linear)][-1]
        output.weight.zero_()
        output.bias.zero_()
        path.gate.fill_(1.0)
    return module


RUNS = [("gated (default)", GATED_START, {}), ("zeroed output", zeroed_output_start, {}),
        ("gated, weight_decay=1e-5", GATED_START, {"weight_decay": 1e-5}),
        ("zeroed output, weight_decay=1e-5", zeroed_output_start, {"weight_decay": 1e-5})]


def mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def compare(name, splits, n_components):
    means = []
    for _, start, params in RUNS:
        Autoencoder.start_at = start
        means.append(np.mean([
            mse(AutoencoderTransformer(n_components, random_state=seed, **params).fit(A), B)
            for seed, (A, B) in enumerate(splits)]))
    Autoencoder.start_at = GATED_START
    pca = np.mean([mse(PCA(n_components).fit(A), B) for A, B in splits])
    cells = " | ".join(f"{m:.4f} ({m / means[0]:.2f}x)" for m in means)
    print(f"| {name} | {n_components} | {pca:.4f} | {cells} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--only", nargs="+", help="datasets to run (default: all)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print("| data | code | PCA | " + " | ".join(name for name, _, _ in RUNS) + " |")
    print("|---|---:|---:|" + "---:|" * len(RUNS))
    for name, loader in [("digits", load_digits), ("breast_cancer", load_breast_cancer),
                         ("wine", load_wine)]:
        if not args.only or name in args.only:
            splits = bundled(loader)
            d = splits[0][0].shape[1]
            for n_components in sorted({2, max(1, d // 8), d // 4, d // 2}):
                compare(name, splits, n_components)
    if not args.only or "mnist10k" in args.only:
        X_train, X_test, _, _ = load_split(args.mnist)
        for n_components in (8, 32, 64):
            compare("mnist10k", [(X_train, X_test)], n_components)


if __name__ == "__main__":
    main()
