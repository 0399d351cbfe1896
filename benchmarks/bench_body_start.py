"""How the linear path's bodies start muted: ``body_start='zero_output'`` against 'gate'.

With the linear path (``linear_path='auto'``), an autoencoder starts at PCA's solution
with its encoder and decoder bodies muted. 'gate' (the only start before stop 21) puts
each body behind a gate at 0: it gets no gradient until the gate opens, and none at all
but the decay's under Adam's weight decay, which then shrinks it to nothing in an epoch.
'zero_output' (the default for dense bodies since) zeroes each body's output layer with
the gate at 1, so that layer learns from the first step. Both, with and without
``weight_decay=1e-5``, on the bundled digits, breast_cancer and wine (standardised, 3
splits) at codes 2, d/8, d/4, d/2, and on mnist10k (pixels in [0, 1], 1 split) at codes
8, 32, 64. Test MSE, mean over the splits, with PCA's, and the ratio to 'gate'.

    OMP_NUM_THREADS=1 python benchmarks/bench_body_start.py [--mnist PATH] [--only NAME ...]
"""

import numpy as np
from bench_auto_hidden import bundled_sets_args, bundled_tasks, mse
from mnist import load_split
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

RUNS = [("gate", {"body_start": "gate"}), ("zero_output (default)", {}),
        ("gate, weight_decay=1e-5", {"body_start": "gate", "weight_decay": 1e-5}),
        ("zero_output, weight_decay=1e-5", {"weight_decay": 1e-5})]


def compare(name, splits, n_components):
    means = []
    for _, params in RUNS:
        means.append(np.mean([
            # ReLU, the default when BENCHMARKS.md's table was measured (GELU since).
            mse(AutoencoderTransformer(n_components, activation="relu", random_state=seed,
                                       **params).fit(A), B)
            for seed, (A, B) in enumerate(splits)]))
    pca = np.mean([mse(PCA(n_components).fit(A), B) for A, B in splits])
    cells = " | ".join(f"{m:.4f} ({m / means[0]:.2f}x)" for m in means)
    print(f"| {name} | {n_components} | {pca:.4f} | {cells} |", flush=True)


def main():
    args = bundled_sets_args(__doc__)
    print("| data | code | PCA | " + " | ".join(name for name, _ in RUNS) + " |")
    print("|---|---:|---:|" + "---:|" * len(RUNS))
    for name, splits, n_components in bundled_tasks(
            args.only or ["digits", "breast_cancer", "wine"]):
        compare(name, splits, n_components)
    if not args.only or "mnist10k" in args.only:
        X_train, X_test, _, _ = load_split(args.mnist)
        for n_components in (8, 32, 64):
            compare("mnist10k", [(X_train, X_test)], n_components)


if __name__ == "__main__":
    main()
