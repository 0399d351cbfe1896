"""scikit-learn's gallery pipeline with the default autoencoder in PCA's place: time and accuracy.

The pipeline of scikit-learn's ``examples/compose/plot_digits_pipe.py``: ``StandardScaler``,
a reducer, ``LogisticRegression(max_iter=10000, tol=0.1)`` on ``load_digits``; a grid of 5
code sizes x 4 values of ``C``, 5-fold, ``n_jobs=2``. The same search runs once with
``PCA()`` and once with ``AutoencoderTransformer()`` (every parameter at its default) as the
reducer, each in a fresh Python process as a user runs it (its time includes starting the
workers and their imports), and prints each search's wall time, best cross-validated accuracy
and best code size, and the autoencoder's time as a multiple of PCA's.

    python benchmarks/bench_gallery_pipeline.py [--seeds 0 1 2] [--n-jobs 2]
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer

PARAM_GRID = {"reduce__n_components": [5, 15, 30, 45, 60], "logistic__C": np.logspace(-4, 4, 4)}


def search(reducer, X, y, n_jobs):
    pipe = Pipeline([("scaler", StandardScaler()), ("reduce", reducer),
                     ("logistic", LogisticRegression(max_iter=10000, tol=0.1))])
    start = time.perf_counter()
    grid = GridSearchCV(pipe, PARAM_GRID, n_jobs=n_jobs).fit(X, y)
    return time.perf_counter() - start, grid


def run_alone(reducer, seed, n_jobs):
    """``search`` in a fresh process: (seconds, best accuracy, best code size)."""
    code = (f"import json, bench_gallery_pipeline as b; print(json.dumps(b.timed("
            f"{reducer!r}, {seed}, {n_jobs})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def timed(reducer, seed, n_jobs):
    X, y = load_digits(return_X_y=True)
    model = (PCA(random_state=seed) if reducer == "PCA"
             else AutoencoderTransformer(random_state=seed))
    seconds, grid = search(model, X, y, n_jobs)
    return seconds, grid.best_score_, int(grid.best_params_["reduce__n_components"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"{'seed':>4} {'reducer':>8} {'time s':>7} {'accuracy':>8} {'code':>4} {'x PCA':>6}")
    ratios, gains = [], []
    for seed in args.seeds:
        pca = run_alone("PCA", seed, args.n_jobs)
        ae = run_alone("AE", seed, args.n_jobs)
        ratios.append(ae[0] / pca[0])
        gains.append(ae[1] - pca[1])
        for name, (seconds, accuracy, code) in [("PCA", pca), ("AE", ae)]:
            print(f"{seed:>4} {name:>8} {seconds:7.1f} {accuracy:8.4f} {code:>4} "
                  f"{seconds / pca[0]:6.1f}", flush=True)
    print(f"AE time / PCA time: mean {np.mean(ratios):.1f}x "
          f"({min(ratios):.1f}x to {max(ratios):.1f}x); "
          f"accuracy AE - PCA: mean {np.mean(gains):+.4f} "
          f"({min(gains):+.4f} to {max(gains):+.4f})")


if __name__ == "__main__":
    main()
