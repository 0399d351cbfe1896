"""The dense bodies' hidden activation: 'relu' against 'elu' and 'gelu' (the 'auto' default).

Defaults otherwise (zeroed-output start beside the PCA-initialised linear path, 'auto'
sizes and schedule). On the bundled digits, breast_cancer, wine and diabetes
(standardised, 3 splits) at codes 2, d/8, d/4, d/2: test MSE, mean over the splits, with
PCA's. On mnist10k (pixels in [0, 1], the fixed split, seed 0): reconstruction at codes
8, 32 and 64, and ``DenoisingAutoencoder(32)`` with Gaussian and masking noise 0.3, scored
as in ``bench_defaults.py``. Ratios are to 'relu'.

    OMP_NUM_THREADS=1 python benchmarks/bench_activation.py [--mnist PATH] [--only NAME ...]
"""

import numpy as np
from bench_auto_hidden import bundled_sets_args, bundled_tasks, mse
from bench_defaults import TASKS, make, score
from bench_denoising import NOISES
from mnist import load_split
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

ACTIVATIONS = ("relu", "elu", "gelu")


def row(name, code, pca, errors):
    cells = " | ".join(f"{e:.5f} ({e / errors[0]:.2f}x)" for e in errors)
    print(f"| {name} | {code} | {pca:.5f} | {cells} |", flush=True)


def compare(param, values, doc):
    """Print the table of the module's docstring for ``param`` at ``values`` (ratios to
    the first), every other parameter at its default."""
    args = bundled_sets_args(doc)
    print(f"| data | code or task | PCA | {param}=" + " | ".join(map(str, values)) + " |")
    print("|---|---|---:|" + "---:|" * len(values))
    for name, splits, k in bundled_tasks(args.only):
        pca = np.mean([mse(PCA(k).fit(A), B) for A, B in splits])
        row(name, k, pca, [np.mean([
            mse(AutoencoderTransformer(k, **{param: v}, random_state=seed).fit(A), B)
            for seed, (A, B) in enumerate(splits)]) for v in values])
    if not args.only or "mnist10k" in args.only:
        X_train, X_test, _, _ = load_split(args.mnist)
        for task, (k, noise) in TASKS.items():
            X_noisy = None if noise is None else NOISES[noise](X_test, np.random.default_rng(0))
            pca = score(task, PCA(k, random_state=0).fit(X_train), X_test, X_noisy)
            row("mnist10k", task, pca, [
                score(task, make(task, 0, **{param: v}).fit(X_train), X_test, X_noisy)
                for v in values])


def main():
    compare("activation", ACTIVATIONS, __doc__)


if __name__ == "__main__":
    main()
