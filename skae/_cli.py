"""``skae compare``: PCA and an autoencoder side by side on a dataset bundled with sklearn."""

import argparse
import sys
import time

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .autoencoder import AutoencoderTransformer
from .metrics import reconstruction_error

DATASETS = {
    "digits": datasets.load_digits,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
}


def compare(X, y, n_components, max_epochs, random_state):
    """Fit PCA and an autoencoder on a training split; score them on the held-out rows.

    Returns a DataFrame with one row per method: test reconstruction error (on standardised
    features), adjusted Rand index of KMeans on the test codes against ``y``, and fit time.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    n_clusters = len(np.unique(y))
    methods = {
        "raw features (KMeans only)": None,
        "PCA": PCA(n_components=n_components, random_state=random_state),
        "AutoencoderTransformer": AutoencoderTransformer(
            n_components, hidden_layer_sizes=(128, 64), max_epochs=max_epochs,
            random_state=random_state),
    }
    rows = []
    for name, model in methods.items():
        start = time.perf_counter()
        if model is not None:
            model.fit(X_train)
        fit_time = time.perf_counter() - start
        transform = (lambda Z: Z) if model is None else model.transform
        kmeans = KMeans(n_clusters, n_init=10, random_state=random_state)
        clusters = kmeans.fit(transform(X_train)).predict(transform(X_test))
        rows.append({
            "method": name,
            "code size": X.shape[1] if model is None else n_components,
            "test reconstruction error": (np.nan if model is None
                                          else reconstruction_error(model, X_test)),
            "KMeans ARI": adjusted_rand_score(y_test, clusters),
            "fit time (s)": fit_time,
        })
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="skae", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("compare", help="compare PCA and an autoencoder on a dataset")
    run.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
    run.add_argument("--n-components", type=int, default=8)
    run.add_argument("--max-epochs", type=int, default=200)
    run.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    X, y = DATASETS[args.dataset](return_X_y=True)
    print(f"{args.dataset}: {X.shape[0]} samples, {X.shape[1]} features, "
          f"{len(np.unique(y))} classes; 25% held out for testing", flush=True)
    table = compare(X, y, args.n_components, args.max_epochs, args.random_state)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
