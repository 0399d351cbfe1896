"""Feature-map codes of 14x14, 7x7, 2x2 and 1x1 on MNIST digits: size against error.

mnist10k (8,000 training, 2,000 test rows). Conv autoencoders with ``n_components=None``
(no dense bottleneck: the code is the last convolution's 4-channel feature map), one per
code size, against PCA with as many components as the code has values. Reports the test
reconstruction error (mean squared error per pixel, reconstructions clipped to [0, 1]) and
fit time over seeds, and saves a PNG of test digits rebuilt from each code size (first
seed).

    python bench_conv_code_sizes.py [--mnist PATH] [--epochs 15] [--seeds 0 1]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from mnist import MNIST, load_split, save_grid
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

PNG = Path(__file__).resolve().parent / "results" / "conv_code_sizes_mnist.png"
CONV_CHANNELS = {
    "14x14": (4,),
    "7x7": (16, 4),
    "2x2": (16, 32, 32, 4),
    "1x1": (16, 32, 32, 32, 4),
}


def mse(X_rec, X):
    return float(np.mean((np.clip(X_rec, 0, 1) - X) ** 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", type=Path, default=MNIST)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    X_train, X_test, _, _ = load_split(args.mnist)
    rows = {"original": X_test}
    print(f"{'code':>6} {'values':>7} {'AE test MSE (mean +- sd)':>26} {'PCA test MSE':>13} "
          f"{'AE fit s':>9}")
    for name, channels in CONV_CHANNELS.items():
        errors, times = [], []
        for seed in args.seeds:
            ae = AutoencoderTransformer(
                None, encoder="conv", sample_shape=(1, 28, 28), encoder__conv_channels=channels,
                loss="bce", max_epochs=args.epochs, batch_size=128, lr=3e-3,
                early_stopping=False, random_state=seed)
            start = time.perf_counter()
            ae.fit(X_train)
            times.append(time.perf_counter() - start)
            reconstruction = ae.reconstruct(X_test)
            errors.append(mse(reconstruction, X_test))
            if seed == args.seeds[0]:
                rows[f"{name} ({ae.n_components_})"] = reconstruction
        pca = PCA(ae.n_components_, random_state=0).fit(X_train)
        pca_error = mse(pca.inverse_transform(pca.transform(X_test)), X_test)
        per_seed = ", ".join(f"{e:.4f}" for e in errors)
        print(f"{name:>6} {ae.n_components_:>7} {np.mean(errors):>10.4f} +- "
              f"{np.std(errors):.4f} ({per_seed}) {pca_error:>13.4f} {np.mean(times):>9.1f}")
    save_grid(PNG, rows)


if __name__ == "__main__":
    main()
