"""The 'auto' hidden layers: one layer for wide codes, against two layers everywhere.

Since stop 23, ``hidden_layer_sizes='auto'`` gives a code wider than a 16th of the
features the first layer alone (``(first,)``); narrower codes keep two layers, as every
code did before. This compares the two rules wherever they differ, every other
parameter at its default: the bundled digits, breast_cancer, wine and diabetes
(standardised, 3 splits) at codes 2, d/8, d/4, d/2, and mnist10k at code 64 (seed 0; the
fixed split of ``bench_defaults.py``). Test MSE, mean over the seeds, with PCA's.

    OMP_NUM_THREADS=1 python benchmarks/bench_auto_hidden.py [--mnist PATH] [--only NAME ...]
"""

import argparse
import warnings

import numpy as np
from mnist import MNIST, load_split
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer
from skae._plan import auto_hidden_layer_sizes


def two_layers(n_features, n_components):
    """The rule before stop 23: two hidden layers for every code size, the first as
    'auto' picks it (which the code size does not change), the second half as wide but
    at least twice ``n_components`` (and no wider than the first)."""
    first = auto_hidden_layer_sizes(n_features, n_components)[0]
    return first, min(first, max(first // 2, 2 * n_components))


def mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def compare(name, splits, n_components):
    n_features = splits[0][0].shape[1]
    rules = {"two": two_layers(n_features, n_components),
             "auto": auto_hidden_layer_sizes(n_features, n_components)}
    if rules["two"] == rules["auto"]:
        return
    scores = {rule: [] for rule in [*rules, "PCA"]}
    for seed, (A, B) in enumerate(splits):
        scores["PCA"].append(mse(PCA(n_components).fit(A), B))
        for rule, hidden in rules.items():
            model = AutoencoderTransformer(n_components, hidden_layer_sizes=hidden,
                                           random_state=seed)
            scores[rule].append(mse(model.fit(A), B))
    two, auto, pca = (np.mean(scores[rule]) for rule in scores)
    print(f"| {name} | {n_components} | {rules['two']} | {two:.5f} | {rules['auto']} | "
          f"{auto:.5f} | {auto / two:.2f}x | {pca:.5f} |", flush=True)


def bundled(loader):
    """Three standardised 3:1 splits of a bundled dataset."""
    X = loader(return_X_y=True)[0]
    splits = []
    for seed in range(3):
        A, B = train_test_split(X, test_size=0.25, random_state=seed)
        scaler = StandardScaler().fit(A)
        splits.append((scaler.transform(A), scaler.transform(B)))
    return splits


BUNDLED = [("digits", load_digits), ("breast_cancer", load_breast_cancer), ("wine", load_wine),
           ("diabetes", load_diabetes)]


def bundled_tasks(only=None):
    """``(name, splits, code)`` for each bundled set (of ``only``, when given) at the codes
    2, d/8, d/4 and d/2, ``splits`` being :func:`bundled`'s."""
    for name, loader in BUNDLED:
        if only and name not in only:
            continue
        splits = bundled(loader)
        d = splits[0][0].shape[1]
        for code in sorted({2, max(1, d // 8), d // 4, d // 2}):
            yield name, splits, code


def bundled_sets_args(doc):
    """The command line of the bundled-set comparisons (``--mnist``, ``--only``), with
    warnings silenced."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--only", nargs="+", help="datasets to run (default: all)")
    warnings.filterwarnings("ignore")
    return parser.parse_args()


def main():
    args = bundled_sets_args(__doc__)
    print("| data | code | two layers | MSE | 'auto' | MSE | 'auto' / two layers | PCA |")
    print("|---|---:|---|---:|---|---:|---:|---:|")
    for name, splits, n_components in bundled_tasks(args.only):
        compare(name, splits, n_components)
    if not args.only or "mnist10k" in args.only:
        X_train, X_test, _, _ = load_split(args.mnist)
        compare("mnist10k (seed 0)", [(X_train, X_test)], 64)


if __name__ == "__main__":
    main()
