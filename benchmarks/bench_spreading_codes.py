"""Label spreading over pixels against over a denoising autoencoder's codes, 100 labels.

The experiment behind the classifier's pseudo-labels: on mnist10k (8,000 / 2,000 split),
``LabelSpreading(kernel="knn")`` with 100 labels on the raw pixels, and on the codes of a
``DenoisingAutoencoder(32)`` fitted on all training rows, raw or L2-normalised, for a few
graph settings. Test accuracy per seed.

    OMP_NUM_THREADS=1 python benchmarks/bench_spreading_codes.py [--seeds 0 1]
"""

import argparse
import time
import warnings

import numpy as np
from mnist import MNIST, load_split
from sklearn.model_selection import train_test_split
from sklearn.semi_supervised import LabelSpreading

from skae import DenoisingAutoencoder


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    X_train, X_test, y_train, y_test = load_split(args.mnist)
    for seed in args.seeds:
        labeled, _ = train_test_split(np.arange(len(y_train)), train_size=100,
                                      stratify=y_train, random_state=seed)
        y_semi = np.full_like(y_train, -1)
        y_semi[labeled] = y_train[labeled]
        raw = LabelSpreading(kernel="knn").fit(X_train, y_semi).score(X_test, y_test)
        start = time.perf_counter()
        dae = DenoisingAutoencoder(32, random_state=seed).fit(X_train)
        codes, test_codes = dae.transform(X_train), dae.transform(X_test)
        for k in [7, 10]:
            for alpha in [0.2, 0.5]:
                spread = LabelSpreading(kernel="knn", n_neighbors=k, alpha=alpha)
                score = spread.fit(codes, y_semi).score(test_codes, y_test)
                print(f"seed {seed} k={k} alpha={alpha} pixels {raw:.4f}  codes {score:.4f}  "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)

        def unit(C):
            return C / np.linalg.norm(C, axis=1, keepdims=True)

        score = LabelSpreading(kernel="knn").fit(unit(codes), y_semi).score(
            unit(test_codes), y_test)
        print(f"seed {seed} k=7 alpha=0.2 L2-normalised codes {score:.4f}", flush=True)


if __name__ == "__main__":
    main()
