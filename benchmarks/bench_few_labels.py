"""Few labels: PretrainedAEClassifier against MLPClassifier and PCA + LogisticRegression.

On mnist10k (8,000 training rows, 2,000 test rows), ``n`` training rows keep their label
(a stratified draw per seed) and the others are marked -1. ``PretrainedAEClassifier``
pretrains a denoising autoencoder on all 8,000 training rows and fine-tunes on the ``n``
labeled ones; the baselines see the ``n`` labeled rows only. Test accuracy, mean over seeds
with the spread (min to max).

    python benchmarks/bench_few_labels.py [--mnist PATH] [--seeds 0 1 2]
"""

import argparse
import time

import numpy as np
from mnist import MNIST, load_split
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from skae import DenoisingAutoencoder, PretrainedAEClassifier

CODE_SIZE = 32


def methods(seed):
    autoencoder = DenoisingAutoencoder(
        CODE_SIZE, noise="masking", noise_level=0.3, hidden_layer_sizes=(512, 256),
        loss="bce", batch_size=128, max_epochs=40, random_state=seed)
    return {
        "PretrainedAEClassifier": PretrainedAEClassifier(
            autoencoder, freeze_encoder=1, weight_decay=1e-4, batch_size=32, max_epochs=200,
            random_state=seed),
        "MLPClassifier": MLPClassifier(max_iter=500, random_state=seed),
        f"PCA({CODE_SIZE}) + LogisticRegression": make_pipeline(
            PCA(CODE_SIZE, random_state=seed), LogisticRegression(max_iter=2000)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    X_train, X_test, y_train, y_test = load_split(args.mnist)
    results = {}
    for n_labels in args.labels:
        for seed in args.seeds:
            labeled, _ = train_test_split(np.arange(len(y_train)), train_size=n_labels,
                                          stratify=y_train, random_state=seed)
            y_semi = np.full_like(y_train, -1)
            y_semi[labeled] = y_train[labeled]
            for name, model in methods(seed).items():
                start = time.perf_counter()
                if isinstance(model, PretrainedAEClassifier):
                    model.fit(X_train, y_semi)
                else:
                    model.fit(X_train[labeled], y_train[labeled])
                accuracy = model.score(X_test, y_test)
                results.setdefault((n_labels, name), []).append(accuracy)
                print(f"labels={n_labels} seed={seed} {name}: accuracy {accuracy:.4f} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
    print("\n| labeled rows | method | test accuracy, mean | min – max |")
    print("|---:|---|---:|---:|")
    for (n_labels, name), scores in results.items():
        print(f"| {n_labels:,} | {name} | {np.mean(scores):.4f} | "
              f"{min(scores):.4f} – {max(scores):.4f} |")


if __name__ == "__main__":
    main()
