"""The 'auto' hidden layers against a one-layer variant for mild compression.

At code size 64 on mnist10k the default's two hidden layers (512, 256) stop early and end
1.16x the MSE of one layer of 256 (``bench_defaults.py``). This tries the rule "one hidden
layer, ``max(first // 2, 4 * n_components)`` wide, when ``n_features < 16 *
n_components``" against the current rule, wherever the two differ: the bundled digits,
breast_cancer and wine (standardised, 3 splits) at codes 2, d/8, d/4, d/2, and mnist10k
at code 64. Test MSE, mean over the seeds, with PCA's.

    OMP_NUM_THREADS=1 python benchmarks/bench_auto_hidden.py [--mnist PATH]
"""

import argparse
import warnings

import numpy as np
from mnist import MNIST, load_split
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer
from skae._building import auto_hidden_layer_sizes


def one_layer_when_mild(n_features, n_components):
    """The variant: one hidden layer when the code is over 1/16 of the features."""
    first = auto_hidden_layer_sizes(n_features, n_components)[0]
    if n_features >= 16 * n_components:
        return auto_hidden_layer_sizes(n_features, n_components)
    return (min(first, max(first // 2, 4 * n_components)),)


def mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def compare(name, splits, n_components):
    n_features = splits[0][0].shape[1]
    rules = {"current": auto_hidden_layer_sizes(n_features, n_components),
             "variant": one_layer_when_mild(n_features, n_components)}
    if rules["current"] == rules["variant"]:
        return
    scores = {"current": [], "variant": [], "PCA": []}
    for seed, (A, B) in enumerate(splits):
        scores["PCA"].append(mse(PCA(n_components).fit(A), B))
        for rule, hidden in rules.items():
            # ReLU, the default when BENCHMARKS.md's tables were measured (GELU since).
            model = AutoencoderTransformer(n_components, hidden_layer_sizes=hidden,
                                           activation="relu",
                                           random_state=seed)
            scores[rule].append(mse(model.fit(A), B))
    means = {rule: np.mean(values) for rule, values in scores.items()}
    print(f"| {name} | {n_components} | {rules['current']} | {means['current']:.4f} | "
          f"{rules['variant']} | {means['variant']:.4f} | "
          f"{means['variant'] / means['current']:.2f}x | {means['PCA']:.4f} |", flush=True)


def bundled(loader):
    """Three standardised 3:1 splits of a bundled dataset."""
    X = loader(return_X_y=True)[0]
    splits = []
    for seed in range(3):
        A, B = train_test_split(X, test_size=0.25, random_state=seed)
        scaler = StandardScaler().fit(A)
        splits.append((scaler.transform(A), scaler.transform(B)))
    return splits


def bundled_sets_args(doc):
    """The command line of the bundled-set comparisons (``--mnist``, ``--only``), with
    warnings silenced."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--only", nargs="+", help="datasets to run (default: all)")
    warnings.filterwarnings("ignore")
    return parser.parse_args()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print("| data | code | current 'auto' | MSE | variant | MSE | variant / current | PCA |")
    print("|---|---:|---|---:|---|---:|---:|---:|")
    for name, loader in [("digits", load_digits), ("breast_cancer", load_breast_cancer),
                         ("wine", load_wine)]:
        splits = bundled(loader)
        d = splits[0][0].shape[1]
        for n_components in sorted({2, max(1, d // 8), d // 4, d // 2}):
            compare(name, splits, n_components)
    X_train, X_test, _, _ = load_split(args.mnist)
    compare("mnist10k (1 seed)", [(X_train, X_test)], 64)


if __name__ == "__main__":
    main()
