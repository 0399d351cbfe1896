"""
Colour images: a convolutional autoencoder on CIFAR-10 or SVHN
==============================================================

skae takes images as numpy arrays, so any loader works; here torchvision downloads
CIFAR-10 (or SVHN) once into ``--root``. The script is not run by the test suite, which
has no network: it needs ``pip install torchvision`` and a connection for the first run.

CIFAR-10 arrays are channels-last, ``(n, 32, 32, 3)`` uint8, so the autoencoder gets
``encoder__channels_last=True``; SVHN's are channels-first, ``(n, 3, 32, 32)``. The script

1. fits a conv autoencoder and PCA with the same code size and compares their test
   reconstruction error,
2. clusters the codes with KMeans (adjusted Rand index against the labels),
3. trains a ``PretrainedAEClassifier`` with 1,000 labels, reusing the fitted autoencoder
   (``refit_autoencoder=False``), against logistic regression on PCA codes.

Run it with::

    pip install torchvision
    python examples/cifar10_conv_autoencoder.py --dataset cifar10 --device auto
    python examples/cifar10_conv_autoencoder.py --dataset svhn --max-epochs 20
"""

import argparse

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import make_pipeline

from skae import AutoencoderTransformer, PretrainedAEClassifier, reconstruction_error


def load(dataset, root):
    """Train and test arrays scaled to [0, 1], and labels, from torchvision."""
    from torchvision import datasets

    if dataset == "cifar10":
        train = datasets.CIFAR10(root, train=True, download=True)
        test = datasets.CIFAR10(root, train=False, download=True)
        X_train, y_train = train.data, np.asarray(train.targets)  # (n, 32, 32, 3)
        X_test, y_test = test.data, np.asarray(test.targets)
    else:
        train = datasets.SVHN(root, split="train", download=True)
        test = datasets.SVHN(root, split="test", download=True)
        X_train, y_train = train.data, train.labels  # (n, 3, 32, 32)
        X_test, y_test = test.data, test.labels
    return (X_train / 255).astype(np.float32), y_train, (X_test / 255).astype(np.float32), y_test


def main():
    parser = argparse.ArgumentParser(description="Conv autoencoder on CIFAR-10 or SVHN.")
    parser.add_argument("--dataset", choices=["cifar10", "svhn"], default="cifar10")
    parser.add_argument("--root", default="./data")
    parser.add_argument("--n-components", type=int, default=128)
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    X_train, y_train, X_test, y_test = load(args.dataset, args.root)
    channels_last = args.dataset == "cifar10"
    autoencoder = AutoencoderTransformer(
        args.n_components, encoder="conv", encoder__conv_channels=(32, 64, 128),
        encoder__channels_last=channels_last, encoder__batch_norm=True, loss="bce",
        batch_size=256,
        max_epochs=args.max_epochs, device=args.device, random_state=0, verbose=1,
    ).fit(X_train)
    flat_train, flat_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    pca = PCA(args.n_components, random_state=0).fit(flat_train)
    print(f"test reconstruction error: autoencoder "
          f"{np.mean((autoencoder.reconstruct(X_test) - X_test) ** 2):.5f}, "
          f"PCA {reconstruction_error(pca, flat_test):.5f}")

    n_classes = len(np.unique(y_train))
    for name, codes in [("autoencoder", autoencoder.transform(X_test)),
                        ("PCA", pca.transform(flat_test))]:
        clusters = KMeans(n_classes, n_init=10, random_state=0).fit_predict(codes)
        print(f"KMeans ARI on {name} codes: {adjusted_rand_score(y_test, clusters):.3f}")

    labeled = np.random.default_rng(0).choice(len(y_train), 1000, replace=False)
    y_semi = np.full_like(y_train, -1)
    y_semi[labeled] = y_train[labeled]
    classifier = PretrainedAEClassifier(
        autoencoder, refit_autoencoder=False, freeze_encoder=2, weight_decay=1e-4,
        max_epochs=100, device=args.device, random_state=0,
    ).fit(X_train, y_semi)
    baseline = make_pipeline(PCA(args.n_components, random_state=0),
                             LogisticRegression(max_iter=2000))
    baseline.fit(flat_train[labeled], y_train[labeled])
    print(f"accuracy with 1,000 labels: PretrainedAEClassifier "
          f"{classifier.score(X_test, y_test):.3f}, PCA + LogisticRegression "
          f"{baseline.score(flat_test, y_test):.3f}")


if __name__ == "__main__":
    main()
