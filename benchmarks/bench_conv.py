"""Convolutional autoencoder against a dense one of similar size and PCA, on digits.

mnist10k (8,000 training, 2,000 test rows), a 32-unit code for every method. The dense
autoencoder's hidden width is chosen so that its parameter count is close to the conv
model's. Reports the test reconstruction error (mean squared error per pixel), fit time
and time per epoch, and saves a PNG of original / reconstructed test digits. A second part
shows colour: 6,000 generated 32x32x3 images (coloured shapes on coloured backgrounds; nothing is
downloaded), conv autoencoder against PCA.

    python benchmarks/bench_conv.py [--mnist PATH] [--device cuda] [--epochs 30]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from mnist import MNIST, load_split, save_grid
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

CODE_SIZE = 32
PNG = Path(__file__).resolve().parent / "results" / "conv_mnist.png"
TIME_BUDGET_S = 300


def n_parameters(model):
    return sum(p.numel() for p in model.net_.module_.parameters())


def mse(model, X):
    return float(np.mean((np.clip(model.reconstruct(X), 0, 1) - X) ** 2))


def pca_mse(pca, X):
    flat = X.reshape(len(X), -1)
    return float(np.mean((np.clip(pca.inverse_transform(pca.transform(flat)), 0, 1) - flat) ** 2))


def dense_width_matching(n_params, n_features, code=CODE_SIZE):
    """Hidden width h of a n_features-h-code sandwich with about ``n_params`` parameters."""
    # 2 * (n_features * h + h * code) weights plus biases 2 * h + code + n_features.
    return round((n_params - code - n_features) / (2 * (n_features + code) + 2))


def colour_images(n, seed):
    """Random coloured discs and squares on random coloured backgrounds, (n, 3, 32, 32)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:32, :32]
    X = np.empty((n, 3, 32, 32), dtype=np.float32)
    for i in range(n):
        X[i] = rng.random((3, 1, 1))
        cy, cx = rng.uniform(8, 24, 2)
        r = rng.uniform(4, 9)
        inside = ((yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2) if rng.random() < 0.5 else (
            (abs(yy - cy) < r) & (abs(xx - cx) < r))
        X[i][:, inside] = rng.random((3, 1))
    return X


def fit_timed(model, X):
    start = time.perf_counter()
    model.fit(X)
    fit_time = time.perf_counter() - start
    epochs = getattr(model, "n_iter_", None)
    return fit_time, epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=MNIST)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--png", type=Path, default=PNG)
    args = parser.parse_args()
    X_train, X_test, _, y_test = load_split(args.mnist)
    images_train, images_test = X_train.reshape(-1, 1, 28, 28), X_test.reshape(-1, 1, 28, 28)
    common = dict(loss="bce", batch_size=128, max_epochs=args.epochs, lr=2e-3, tol=0.0,
                  device=args.device, random_state=0)
    conv = AutoencoderTransformer(CODE_SIZE, encoder="conv", encoder__conv_channels=(32, 64),
                                  encoder__batch_norm=True, **common)
    rows = []
    fit_time, epochs = fit_timed(conv, images_train)
    n_conv = n_parameters(conv)
    rows.append(("conv autoencoder (32, 64 channels)", n_conv, mse(conv, images_test),
                 fit_time, epochs))
    width = dense_width_matching(n_conv, 784)
    dense = AutoencoderTransformer(CODE_SIZE, hidden_layer_sizes=(width,), **common)
    fit_time, epochs = fit_timed(dense, X_train)
    rows.append((f"dense autoencoder (784-{width}-{CODE_SIZE})", n_parameters(dense),
                 mse(dense, X_test), fit_time, epochs))
    pca = PCA(CODE_SIZE, random_state=0)
    fit_time, _ = fit_timed(pca, X_train)
    rows.append((f"PCA({CODE_SIZE})", 784 * CODE_SIZE + 784, pca_mse(pca, X_test), fit_time,
                 None))
    print(f"\nmnist10k, code size {CODE_SIZE}, device {args.device}")
    print("| method | parameters | test MSE per pixel | vs conv | fit time (s) | epochs | "
          "s / epoch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, params, error, fit_time, epochs in rows:
        per_epoch = f"{fit_time / epochs:.2f}" if epochs else "–"
        print(f"| {name} | {params:,} | {error:.5f} | {error / rows[0][2]:.2f}x | "
              f"{fit_time:.1f} | {epochs or '–'} | {per_epoch} |")
    over = [name for name, *_, fit_time, _ in rows if fit_time > TIME_BUDGET_S]
    print(f"over the {TIME_BUDGET_S} s budget: {over or 'none'}")

    shown = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
    save_grid(args.png, {
        "original": X_test[shown],
        "conv": np.clip(conv.reconstruct(images_test[shown]), 0, 1),
        "dense": np.clip(dense.reconstruct(X_test[shown]), 0, 1),
        "PCA": np.clip(pca.inverse_transform(pca.transform(X_test[shown])), 0, 1),
    })

    colour_train, colour_test = colour_images(6000, seed=0), colour_images(500, seed=1)
    colour = AutoencoderTransformer(CODE_SIZE, encoder="conv",
                                    encoder__conv_channels=(32, 64, 128),
                                    encoder__batch_norm=True, **{**common, "max_epochs": 60})
    fit_time, epochs = fit_timed(colour, colour_train)
    colour_pca = PCA(CODE_SIZE, random_state=0).fit(colour_train.reshape(6000, -1))
    conv_error, pca_error = mse(colour, colour_test), pca_mse(colour_pca, colour_test)
    print(f"\ngenerated 32x32x3 colour images (6,000 train / 500 test), code size {CODE_SIZE}")
    print("| method | test MSE per value | vs conv | fit time (s) | epochs |")
    print("|---|---:|---:|---:|---:|")
    print(f"| conv autoencoder (32, 64, 128 channels) | {conv_error:.5f} | 1.00x | "
          f"{fit_time:.1f} | {epochs} |")
    print(f"| PCA({CODE_SIZE}) | {pca_error:.5f} | {pca_error / conv_error:.2f}x | – | – |")


if __name__ == "__main__":
    main()
