"""The benchmarks' MNIST data: ``shared/data/mnist10k.npz`` in a fixed stratified split."""

from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist10k.npz"


def load_split(path=MNIST, n_test=2000):
    """Pixels scaled to [0, 1] (float32) and labels: 8,000 training and 2,000 test rows."""
    if not Path(path).exists():
        raise SystemExit(f"{path} not found: pass --mnist PATH to mnist10k.npz")
    data = np.load(path)
    X = (data["X"] / 255.0).astype(np.float32)
    return train_test_split(X, data["y"], test_size=n_test, stratify=data["y"], random_state=0)


def save_grid(path, rows, n_digits=10):
    """Save a PNG grid of 28x28 digits: one row per entry of ``rows`` (label: images)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), n_digits, figsize=(n_digits, len(rows) * 1.05))
    for (label, images), row in zip(rows.items(), axes, strict=True):
        for image, ax in zip(images[:n_digits], row, strict=True):
            ax.imshow(image.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"saved {path}")
