"""Outlier detection: AutoencoderOutlierDetector against scikit-learn's detectors and pyod.

Two tasks, each trained on normal rows only and scored by ROC AUC on a held-out mix:

- mnist10k, one digit as the normal class: trained on that digit's training rows (about
  800 of the 8,000), evaluated on all 2,000 test rows (about 200 of that digit, 1,800
  anomalies), for each of the ten digits in turn. Pixels in [0, 1], no other scaling.
- ``load_breast_cancer``, benign as normal: half the benign rows (a random split per seed)
  train, the other half and every malignant row test; ``StandardScaler`` fitted on the
  training rows goes in front of every method.

Methods, all with their defaults: ``AutoencoderOutlierDetector``, ``IsolationForest``,
``LocalOutlierFactor(novelty=True)``, ``OneClassSVM``, PCA's reconstruction error with the
detector's default code size (and, as an oracle, the best of 1, 2, 4, ..., 64 components,
fewer than the features, chosen on the test rows), and pyod's ``AutoEncoder`` when pyod is
installed. Seeded methods run with every seed. Times are fit plus scoring, in seconds per
task.

    python bench_outliers.py [--mnist PATH] [--seeds 0 1] [--cancer-seeds 0 1 2 3 4]
"""

import argparse
import time

import numpy as np
from mnist import MNIST, load_split
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from skae import AutoencoderOutlierDetector
from skae.outlier import default_n_components

try:
    from pyod.models.auto_encoder import AutoEncoder as PyodAutoEncoder
except ImportError:
    PyodAutoEncoder = None

PCA_SIZES = (1, 2, 4, 8, 16, 32, 64)


class PCAError:
    """PCA's per-row mean squared reconstruction error as an anomaly score."""

    def __init__(self, n_components):
        self.n_components = n_components

    def fit(self, X):
        self.pca_ = PCA(min(self.n_components, *X.shape), random_state=0).fit(X)
        return self

    def anomaly_score(self, X):
        return np.mean((self.pca_.inverse_transform(self.pca_.transform(X)) - X) ** 2, axis=1)


def sklearn_score(model, X):
    return -model.score_samples(X)  # score_samples is higher for normal rows


def methods(seed, n_features):
    """name -> (factory of an unfitted model, anomaly score: higher is more abnormal)."""
    found = {
        "AutoencoderOutlierDetector": (
            lambda: AutoencoderOutlierDetector(random_state=seed), sklearn_score),
        "IsolationForest": (lambda: IsolationForest(random_state=seed), sklearn_score),
        "LocalOutlierFactor(novelty=True)": (
            lambda: LocalOutlierFactor(novelty=True), sklearn_score),
        "OneClassSVM": (OneClassSVM, sklearn_score),
        f"PCA error ({default_n_components(n_features)} components)": (
            lambda: PCAError(default_n_components(n_features)), PCAError.anomaly_score),
    }
    if PyodAutoEncoder is not None:
        found["pyod AutoEncoder"] = (lambda: PyodAutoEncoder(random_state=seed, verbose=0),
                                     lambda model, X: model.decision_function(X))
    return found


DETERMINISTIC = ("LocalOutlierFactor", "OneClassSVM", "PCA")
ORACLE = "PCA error, {} components (oracle: best size on the test rows)"


def run(make, score, X_train, X_test, is_anomaly):
    """Fit on normal rows, score the test mix: (ROC AUC, seconds, the fitted model)."""
    start = time.perf_counter()
    model = make().fit(X_train)
    anomaly = score(model, X_test)
    return roc_auc_score(is_anomaly, anomaly), time.perf_counter() - start, model


def mnist_tasks(path):
    X_train, X_test, y_train, y_test = load_split(path)
    for digit in range(10):
        yield f"digit {digit}", X_train[y_train == digit], X_test, y_test != digit


def cancer_tasks(seed):
    X, y = load_breast_cancer(return_X_y=True)
    benign, malignant = X[y == 1], X[y == 0]
    X_train, X_normal = train_test_split(benign, test_size=0.5, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_test = np.vstack([X_normal, malignant])
    is_anomaly = np.r_[np.zeros(len(X_normal)), np.ones(len(malignant))].astype(bool)
    yield f"split {seed}", scaler.transform(X_train), scaler.transform(X_test), is_anomaly


def benchmark(title, tasks_per_seed, seeds, same_tasks):
    """Run every method on every task and seed; print per-task AUCs and the summary.

    With ``same_tasks`` every seed sees the same data, so the deterministic methods run once.
    """
    auc, seconds, flagged = {}, {}, []
    for seed in seeds:
        for task, X_train, X_test, is_anomaly in tasks_per_seed(seed):
            row = {}
            for name, (make, score) in methods(seed, X_train.shape[1]).items():
                if same_tasks and name.startswith(DETERMINISTIC) and seed != seeds[0]:
                    continue
                row[name], elapsed, model = run(make, score, X_train, X_test, is_anomaly)
                seconds.setdefault(name, []).append(elapsed)
                if isinstance(model, AutoencoderOutlierDetector):
                    outlier = model.predict(X_test) == -1
                    flagged.append((outlier[~is_anomaly].mean(), outlier[is_anomaly].mean()))
            print(f"{title}, seed {seed}, {task}: "
                  + ", ".join(f"{name} {value:.3f}" for name, value in row.items()), flush=True)
            if seed == seeds[0] or not same_tasks:
                row.update({ORACLE.format(k): run(lambda k=k: PCAError(k), PCAError.anomaly_score,
                                                  X_train, X_test, is_anomaly)[0]
                            for k in PCA_SIZES if k < X_train.shape[1]})
            for name, value in row.items():
                auc.setdefault(name, {}).setdefault(seed, []).append(value)
    oracles = [name for name in auc if name.startswith("PCA error, ")]
    best = max(oracles, key=lambda name: np.mean(auc[name][seeds[0]]))
    print(f"\n### {title}\n")
    print("| method | mean ROC AUC | mean per seed | std over tasks and seeds | worst task "
          "| time per task (s) |")
    print("|---|---:|---|---:|---:|---:|")
    for name, per_seed in auc.items():
        if name in oracles and name != best:
            continue
        all_values = np.concatenate(list(per_seed.values()))
        seed_means = " / ".join(f"{np.mean(v):.3f}" for v in per_seed.values())
        time_text = f"{np.mean(seconds[name]):.2f}" if name in seconds else "-"
        print(f"| {name} | {all_values.mean():.3f} | {seed_means} | "
              f"{np.std(all_values):.3f} | "
              f"{all_values.min():.3f} | {time_text} |")
    normal_rate, anomaly_rate = np.mean(flagged, axis=0)
    print(f"\nAutoencoderOutlierDetector, contamination='auto': flags {normal_rate:.1%} of "
          f"the held-out normal rows and {anomaly_rate:.1%} of the anomalies (mean over "
          "tasks and seeds).")
    if PyodAutoEncoder is None:
        print("pyod is not installed: its AutoEncoder was skipped.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--cancer-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--skip-mnist", action="store_true")
    args = parser.parse_args()
    benchmark("load_breast_cancer, benign as normal", cancer_tasks, args.cancer_seeds,
              same_tasks=False)
    if not args.skip_mnist:
        tasks = list(mnist_tasks(args.mnist))
        benchmark("mnist10k, one digit as normal", lambda seed: tasks, args.seeds,
                  same_tasks=True)


if __name__ == "__main__":
    main()
