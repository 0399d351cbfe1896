"""Label spreading over pixels against over a denoising autoencoder's codes, 100 labels.

The experiment behind the classifier's pseudo-labels: on mnist10k (8,000 / 2,000 split),
``LabelSpreading(kernel="knn")`` with 100 labels on the raw pixels, and on the codes of the
classifier's default ``DenoisingAutoencoder(32, activation='relu', dropout=0.0)`` fitted on all
training rows, raw or L2-normalised, for a few graph settings: test accuracy per seed.
Then, with the classifier's settings (normalised codes, k=10, alpha=0.2), the share of
unlabeled training rows labeled right by the spreading's own labels and by
:func:`skae._labels.propagated_labels`, which averages the neighbours' spread labels once
more (the classifier's pseudo-labels).

    OMP_NUM_THREADS=1 python benchmarks/bench_spreading_codes.py [--seeds 0 1] [--labels 100]
"""

import argparse
import time
import warnings

import numpy as np
from mnist import MNIST, load_split
from sklearn.model_selection import train_test_split
from sklearn.semi_supervised import LabelSpreading

from skae import DenoisingAutoencoder
from skae._labels import propagated_labels
from skae._pretraining import DEFAULT_AUTOENCODER


def unit(C):
    return C / np.linalg.norm(C, axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--labels", type=int, default=100)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    X_train, X_test, y_train, y_test = load_split(args.mnist)
    for seed in args.seeds:
        labeled, _ = train_test_split(np.arange(len(y_train)), train_size=args.labels,
                                      stratify=y_train, random_state=seed)
        y_semi = np.full_like(y_train, -1)
        y_semi[labeled] = y_train[labeled]
        unlabeled = y_semi == -1
        raw = LabelSpreading(kernel="knn").fit(X_train, y_semi).score(X_test, y_test)
        start = time.perf_counter()
        dae = DenoisingAutoencoder(**DEFAULT_AUTOENCODER, random_state=seed).fit(X_train)
        codes, test_codes = dae.transform(X_train), dae.transform(X_test)
        for k in [7, 10]:
            for alpha in [0.2, 0.5]:
                spread = LabelSpreading(kernel="knn", n_neighbors=k, alpha=alpha)
                score = spread.fit(codes, y_semi).score(test_codes, y_test)
                print(f"seed {seed} k={k} alpha={alpha} pixels {raw:.4f}  codes {score:.4f}  "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
        spread = LabelSpreading(kernel="knn", n_neighbors=10, alpha=0.2, max_iter=100)
        spread.fit(unit(codes), y_semi)
        test = spread.score(unit(test_codes), y_test)
        own = np.mean(spread.transduction_[unlabeled] == y_train[unlabeled])
        averaged = np.mean(propagated_labels(codes, y_semi, 10)[0][unlabeled]
                           == y_train[unlabeled])
        print(f"seed {seed} L2-normalised codes, k=10 alpha=0.2: test rows {test:.4f}; "
              f"unlabeled training rows labeled right: spreading's labels {own:.4f}, "
              f"averaged over the neighbours {averaged:.4f}", flush=True)


if __name__ == "__main__":
    main()
