"""Sparse input: an autoencoder on a bag-of-words-shaped CSR matrix, against TruncatedSVD.

Generates a CSR matrix of ``--rows`` x ``--features`` at ``--density`` (column frequencies
following Zipf's law, as words do; values are log counts), holds out 1,000 rows, and fits
each method in a fresh process, reporting its fit time, its peak resident memory and its
test reconstruction MSE (over every cell of the held-out rows, zeros included). The dense
float32 form of the matrix is reported for scale: a method that densified it would need
that much memory.

    python benchmarks/bench_sparse.py [--rows 200000] [--features 50000] [--density 0.001]
"""

import argparse
import json
import subprocess
import sys
import textwrap

import numpy as np
import scipy.sparse as sp

N_TEST = 1_000


def bag_of_words(n_rows, n_features, density, seed=0):
    """CSR rows with Zipf-distributed columns and log-count values, float32."""
    rng = np.random.default_rng(seed)
    per_row = max(1, round(density * n_features))
    weights = 1.0 / np.arange(1, n_features + 1)
    columns = rng.choice(n_features, size=(n_rows, per_row), p=weights / weights.sum())
    columns = rng.permutation(n_features)[columns]  # frequent words anywhere, not first
    values = np.log1p(rng.geometric(0.5, size=(n_rows, per_row))).astype(np.float32)
    X = sp.csr_matrix((values.ravel(), columns.ravel(),
                       np.arange(0, n_rows * per_row + 1, per_row)),
                      shape=(n_rows, n_features))
    X.sum_duplicates()
    return X


CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np, scipy.sparse as sp
    sys.path.insert(0, {here!r})
    from bench_sparse import N_TEST, bag_of_words
    from sklearn.decomposition import TruncatedSVD
    from skae import AutoencoderTransformer
    X = bag_of_words({rows}, {features}, {density})
    X_train, X_test = X[N_TEST:], X[:N_TEST]
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if {method!r} == "TruncatedSVD":
        model = TruncatedSVD({k}, random_state=0).fit(X_train)
    else:
        model = AutoencoderTransformer({k}, hidden_layer_sizes=(64,), max_epochs={epochs},
                                       early_stopping=False, random_state=0).fit(X_train)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rebuilt = model.inverse_transform(model.transform(X_test))
    mse = float(np.mean((rebuilt - X_test.toarray()) ** 2))
    print(json.dumps(dict(seconds=seconds, peak_gib=peak / 2**20,
                          above_data_gib=(peak - baseline) / 2**20, mse=mse)))
""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--n-components", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    X = bag_of_words(args.rows, args.features, args.density)
    dense_gib = args.rows * args.features * 4 / 2**30
    sparse_gib = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**30
    print(f"{args.rows:,} x {args.features:,} CSR, {X.nnz:,} non-zeros: {sparse_gib:.2f} "
          f"GiB as CSR, {dense_gib:.1f} GiB dense float32")
    del X
    here = str(__import__("pathlib").Path(__file__).resolve().parent)
    print("\n| method | fit time (s) | peak RSS (GiB) | above data and imports (GiB) | "
          "test MSE |")
    print("|---|---:|---:|---:|---:|")
    for method in ["TruncatedSVD", "AutoencoderTransformer"]:
        code = CHILD.format(here=here, rows=args.rows, features=args.features,
                            density=args.density, method=method, k=args.n_components,
                            epochs=args.epochs)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        name = (method if method == "TruncatedSVD" else
                f"AutoencoderTransformer({args.n_components}, hidden (64,), "
                f"{args.epochs} epochs)")
        print(f"| {name} | {r['seconds']:.0f} | {r['peak_gib']:.2f} | "
              f"{r['above_data_gib']:.2f} | {r['mse']:.5f} |", flush=True)


if __name__ == "__main__":
    main()
