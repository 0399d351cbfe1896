"""dropout='auto' by weights per row, against stop 22's constant 0.05 in every dense body.

Since stop 24, ``dropout='auto'`` gives the dense bodies 0.05 only when the network has
more than 16 weights per training row (``skae._plan.auto_dense_dropout``), and none
otherwise. This compares it with the constant 0.05 and with no dropout, every other
parameter at its default, on:

- the bundled digits, breast_cancer, wine and diabetes (standardised, 3 splits) at codes
  2, d/8, d/4, d/2, as in ``bench_dropout.py``;
- rows of ``bench_out_of_core.py``'s data: a 4-dimensional curved manifold in 50 features
  with noise of standard deviation 0.05 (test MSE floor 0.0025), code 4, at 2,000, 20,000
  and 200,000 training rows (20,000 test rows; one generator per seed);
- mnist10k: the dropout 'auto' resolves to at the five tasks of ``bench_defaults.py``
  (8,000 training rows). Where it is 0.05, the models are stop 22's and their figures
  stand in BENCHMARKS.md.

Test MSE (mean over the splits or seeds); the 'auto' column names the dropout it chose.

    OMP_NUM_THREADS=1 python benchmarks/bench_auto_dropout.py [--only NAME ...] [--rows N ...]
"""

import argparse
import warnings

import numpy as np
from bench_auto_hidden import bundled_tasks, mse
from bench_defaults import TASKS
from bench_out_of_core import block
from mnist import MNIST, load_split
from sklearn.decomposition import PCA
from torch import nn

from skae import AutoencoderTransformer
from skae._plan import auto_dense_dropout, auto_hidden_layer_sizes

VALUES = (0.0, 0.05, "auto")


def chosen_dropout(model):
    """The dropout of a fitted model's dense bodies (0 without dropout layers)."""
    return max((m.p for m in model.net_.module_.modules() if isinstance(m, nn.Dropout)),
               default=0.0)


def compare(name, code, splits, seeds):
    """One row: PCA's and the three settings' test MSE on ``splits`` ((train, test) pairs)."""
    pca = np.mean([mse(PCA(code).fit(A), B) for A, B in splits])
    errors, chosen = [], set()
    for value in VALUES:
        models = [AutoencoderTransformer(code, dropout=value, random_state=seed).fit(A)
                  for seed, (A, _) in zip(seeds, splits, strict=True)]
        errors.append(np.mean([mse(m, B) for m, (_, B) in zip(models, splits, strict=True)]))
        if value == "auto":
            chosen = {chosen_dropout(m) for m in models}
    cells = " | ".join(f"{e:.5f} ({e / errors[1]:.2f}x)" for e in errors)
    print(f"| {name} | {code} | {'/'.join(map(str, sorted(chosen)))} | {pca:.5f} | {cells} |",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--only", nargs="+", help="datasets to run (default: all): "
                        "digits, breast_cancer, wine, diabetes, manifold, mnist10k")
    parser.add_argument("--rows", nargs="+", type=int, default=[2_000, 20_000, 200_000],
                        help="training rows of the manifold data")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print("| data | code | 'auto' chose | PCA | none | 0.05 (stop 22) | 'auto' |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, splits, k in bundled_tasks(args.only):
        compare(name, k, splits, range(len(splits)))
    if not args.only or "manifold" in args.only:
        for n_rows in args.rows:
            seeds = (0, 1)
            splits = [(block(n_rows, 50, 4, s, 0), block(20_000, 50, 4, s, 10**6))
                      for s in seeds]
            compare(f"manifold, {n_rows:,} rows", 4, splits, seeds)
    if not args.only or "mnist10k" in args.only:
        X_train = load_split(args.mnist)[0]
        n_rows, n_features = X_train.shape
        for task, (k, _) in TASKS.items():
            sizes = (n_features, *auto_hidden_layer_sizes(n_features, k), k)
            print(f"mnist10k, {task}: layers {sizes}, 'auto' dropout on {n_rows:,} rows: "
                  f"{auto_dense_dropout(n_rows, sizes)}", flush=True)


if __name__ == "__main__":
    main()
