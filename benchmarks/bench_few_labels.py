"""Few labels: PretrainedAEClassifier (default and tuned) against the baselines.

On mnist10k (8,000 training rows, 2,000 test rows), ``n`` training rows keep their label
(a stratified draw per seed) and the others are marked -1. "conv DAE" is the default
classifier on the default conv denoising autoencoder (``encoder="conv"``, images 28x28,
code 32), against the default dense one (point 4 of the issue). The pretrained classifiers and
the semi-supervised baselines see all 8,000 training rows; ``MLPClassifier`` sees the
labeled rows only; ``PCA(32) + LogisticRegression`` fits PCA on all rows and the logistic
regression on the labeled ones. Test accuracy, mean over seeds with the spread (min to max)
and the mean fit time.

    python benchmarks/bench_few_labels.py [--mnist PATH] [--seeds 0 1 2] [--only NAME ...]
        [--classifier-params JSON] [--autoencoder-params JSON]

The two JSON objects (e.g. '{"dropout": 0.3}', '{"activation": "gelu"}') change the default
classifier's parameters and those of its default autoencoder, to measure a variant.
"""

import argparse
import json
import time
import warnings

import numpy as np
from mnist import MNIST, load_split
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier

from skae import DenoisingAutoencoder, PretrainedAEClassifier
from skae._pretraining import DEFAULT_AUTOENCODER

CODE_SIZE = 32


class PCAThenLogistic:
    """PCA fitted on every row, logistic regression on the labeled rows' codes."""

    def __init__(self, seed):
        self.pca = PCA(CODE_SIZE, random_state=seed)
        self.logistic = LogisticRegression(max_iter=2000)

    def fit(self, X, y):
        codes = self.pca.fit_transform(X)
        self.logistic.fit(codes[y != -1], y[y != -1])
        return self

    def score(self, X, y):
        return self.logistic.score(self.pca.transform(X), y)


def tuned(seed):
    """The configuration tuned by hand for the first release, without the refinement."""
    autoencoder = DenoisingAutoencoder(
        CODE_SIZE, noise="masking", noise_level=0.3, hidden_layer_sizes=(512, 256),
        loss="bce", batch_size=128, max_epochs=40, random_state=seed)
    return PretrainedAEClassifier(
        autoencoder, freeze_encoder=1, weight_decay=1e-4, batch_size=32, max_epochs=200,
        reconstruction_weight=0.0, random_state=seed)


def methods(seed, classifier_params=None, autoencoder_params=None):
    """name -> (estimator, whether it reads the unlabeled rows); the params change the
    default classifier and its default autoencoder."""
    default = PretrainedAEClassifier(random_state=seed, **(classifier_params or {}))
    if autoencoder_params:
        default.set_params(autoencoder=DenoisingAutoencoder(
            **{**DEFAULT_AUTOENCODER, **autoencoder_params}))
    return {
        "PretrainedAEClassifier() (default)": (default, True),
        "PretrainedAEClassifier(conv DAE)": (PretrainedAEClassifier(
            DenoisingAutoencoder(CODE_SIZE, encoder="conv", sample_shape=(1, 28, 28)),
            random_state=seed), True),
        "PretrainedAEClassifier, tuned, plain fine-tuning": (tuned(seed), True),
        "MLPClassifier()": (MLPClassifier(random_state=seed), False),
        "MLPClassifier((512, 256))": (MLPClassifier((512, 256), random_state=seed), False),
        f"PCA({CODE_SIZE}) + LogisticRegression": (PCAThenLogistic(seed), True),
        'LabelSpreading(kernel="knn")': (LabelSpreading(kernel="knn"), True),
        "SelfTrainingClassifier(LogisticRegression())": (
            SelfTrainingClassifier(LogisticRegression()), True),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", help="run the methods whose name starts so")
    parser.add_argument("--classifier-params", type=json.loads, default={})
    parser.add_argument("--autoencoder-params", type=json.loads, default={})
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X_train, X_test, y_train, y_test = load_split(args.mnist)
    results = {}
    for n_labels in args.labels:
        for seed in args.seeds:
            labeled, _ = train_test_split(np.arange(len(y_train)), train_size=n_labels,
                                          stratify=y_train, random_state=seed)
            y_semi = np.full_like(y_train, -1)
            y_semi[labeled] = y_train[labeled]
            for name, (model, semi) in methods(seed, args.classifier_params,
                                               args.autoencoder_params).items():
                if args.only and not any(name.startswith(o) for o in args.only):
                    continue
                start = time.perf_counter()
                if semi:
                    model.fit(X_train, y_semi)
                else:
                    model.fit(X_train[labeled], y_train[labeled])
                seconds = time.perf_counter() - start
                accuracy = model.score(X_test, y_test)
                results.setdefault((n_labels, name), []).append((accuracy, seconds))
                print(f"labels={n_labels} seed={seed} {name}: accuracy {accuracy:.4f} "
                      f"({seconds:.1f} s)", flush=True)
    print("\n| labeled rows | method | test accuracy, mean | min – max | fit time (s) |")
    print("|---:|---|---:|---:|---:|")
    for (n_labels, name), runs in results.items():
        scores, seconds = np.array(runs).T
        print(f"| {n_labels:,} | {name} | {scores.mean():.4f} | "
              f"{scores.min():.4f} – {scores.max():.4f} | {seconds.mean():.0f} |")


if __name__ == "__main__":
    main()
