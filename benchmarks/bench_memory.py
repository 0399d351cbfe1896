"""Peak memory of a dense CPU fit, against the float32 size of its data.

Each fit runs in a fresh process: the interpreter and skae are loaded (and a tiny fit run,
so that torch's lazy allocations are made), the resident-memory high-water mark is read
as the baseline, then a float32 X of ``--rows`` x ``--features`` (low-rank plus noise) is
generated in place and an ``AutoencoderTransformer`` fitted on it with early stopping
(held-out rows) and a PCA start. Reported: the peak above the baseline, as a multiple of
X's size (X itself included, so 1.0x is the floor), and the fit time.

    python benchmarks/bench_memory.py [--rows 1000000] [--features 128 784]
"""

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from skae import AutoencoderTransformer
    n_rows, n_features = int(sys.argv[1]), int(sys.argv[2])
    AutoencoderTransformer(2, max_epochs=1).fit(np.ones((50, n_features), np.float32))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(0)
    W = rng.standard_normal((8, n_features), dtype=np.float32)
    X = np.empty((n_rows, n_features), np.float32)
    for i in range(0, n_rows, 10_000):
        block = X[i:i + 10_000]
        block[:] = rng.standard_normal((len(block), 8), dtype=np.float32) @ W
        block += 0.1 * rng.standard_normal(block.shape, dtype=np.float32)
    start = time.perf_counter()
    AutoencoderTransformer(8, hidden_layer_sizes=(64,), max_epochs=1, batch_size=1024,
                           early_stopping=True, random_state=0).fit(X)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"x_mib": X.nbytes / 2**20, "ratio": (peak - base) * 1024 / X.nbytes,
                      "seconds": seconds}))
""")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, nargs="+", default=[128, 784])
    args = parser.parse_args(argv)
    print("| X (rows x features) | float32 size | peak above baseline | fit (1 epoch) |")
    print("|---|---:|---:|---:|")
    for n_features in args.features:
        out = subprocess.run([sys.executable, "-c", CHILD, str(args.rows), str(n_features)],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"the fit on {args.rows:,} x {n_features} failed:\n{out.stderr}")
        result = json.loads(out.stdout.splitlines()[-1])
        print(f"| {args.rows:,} x {n_features} | {result['x_mib']:,.0f} MiB | "
              f"{result['ratio']:.2f}x | {result['seconds']:.1f} s |")


if __name__ == "__main__":
    main()
