"""The default autoencoder against PCA on scikit-learn's bundled sets: test MSE and fit time.

``AutoencoderTransformer(code)``, every other parameter at its default, and ``PCA(code)`` on
the bundled digits, breast_cancer, wine and diabetes (standardised, 3 splits) at the codes
2, d/8, d/4 and d/2. Prints the mean test MSE of each over the splits, their ratio and
the autoencoder's mean fit time and epochs.

    OMP_NUM_THREADS=1 python benchmarks/bench_bundled_defaults.py [--only digits ...]
"""

import time

import numpy as np
from bench_auto_hidden import bundled_sets_args, bundled_tasks, mse
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer


def main():
    args = bundled_sets_args(__doc__)
    print("| data | code | PCA | default | default / PCA | fit time (s) | epochs | batch, lr |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    ratios = []
    for name, splits, code in bundled_tasks(args.only):
        pca, default, seconds, epochs = [], [], [], []
        for seed, (X_train, X_test) in enumerate(splits):
            pca.append(mse(PCA(code).fit(X_train), X_test))
            start = time.perf_counter()
            model = AutoencoderTransformer(code, random_state=seed).fit(X_train)
            seconds.append(time.perf_counter() - start)
            default.append(mse(model, X_test))
            epochs.append(model.n_iter_)
        ratio = np.mean(default) / np.mean(pca)
        ratios.append(ratio)
        print(f"| {name} | {code} | {np.mean(pca):.5f} | {np.mean(default):.5f} | "
              f"{ratio:.2f}x | {np.mean(seconds):.1f} | {np.mean(epochs):.0f} | "
              f"{model.batch_size_}, {model.lr_:.2g} |", flush=True)
    print(f"default / PCA: {min(ratios):.2f}x to {max(ratios):.2f}x "
          f"(geometric mean {np.exp(np.mean(np.log(ratios))):.2f}x)")


if __name__ == "__main__":
    main()
