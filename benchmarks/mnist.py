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
