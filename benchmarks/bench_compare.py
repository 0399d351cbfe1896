"""Wall time of ``skae compare`` run serially, with ``--n-jobs`` and on a local Dask cluster.

Runs the command three times on the same data and settings, checks that every figure of the
table is the same whatever the backend, and prints a markdown table of the wall times, the
ratios to the serial run, and the serial run's results.

    python benchmarks/bench_compare.py [--dataset digits] [--n-jobs 2]
"""

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

FIGURES = ["test reconstruction error", "KMeans ARI", "KMeans NMI", "test accuracy"]


def run(arguments, json_path):
    start = time.perf_counter()
    subprocess.run(["skae", "compare", "--quiet", "--json", str(json_path), *arguments],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, json.loads(Path(json_path).read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    modes = {"serial": [], f"--n-jobs {args.n_jobs} (loky)": ["--n-jobs", str(args.n_jobs)],
             f"--backend dask --n-jobs {args.n_jobs} (LocalCluster)":
                 ["--backend", "dask", "--n-jobs", str(args.n_jobs)]}
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for i, (mode, extra) in enumerate(modes.items()):
            results[mode] = run(["--dataset", args.dataset, *extra], Path(folder) / f"{i}.json")
    (serial_time, serial), *_ = results.values()
    for mode, (_, summary) in results.items():
        for mine, theirs in zip(serial["results"], summary["results"], strict=True):
            assert all(mine[f] == theirs[f] for f in FIGURES), (mode, mine, theirs)
    print(f"{serial['dataset']}; every figure identical across the three runs\n")
    print("| run | wall time (s) | vs serial |\n|---|---:|---:|")
    for mode, (seconds, _) in results.items():
        print(f"| {mode} | {seconds:.1f} | {serial_time / seconds:.2f}x |")
    print("\n| method | best params | test reconstruction error | KMeans ARI | KMeans NMI "
          "| test accuracy | search time (s), serial |\n|---|---|---:|---:|---:|---:|---:|")
    for row in serial["results"]:
        cells = [("-" if row[f] is None else f"{row[f]:.4f}") for f in FIGURES]
        print(f"| {row['method']} | {row['best params']} | {' | '.join(cells)} "
              f"| {row['search time (s)']:.2f} |")


if __name__ == "__main__":
    main()
