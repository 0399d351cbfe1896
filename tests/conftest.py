import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import MinMaxScaler, StandardScaler

# Small networks and few epochs: the suite checks behaviour, not model quality.
FAST = dict(hidden_layer_sizes=(8,), max_epochs=3, batch_size=32, lr=1e-3,
            early_stopping=False, random_state=0)
# Fine-tuning parameters for the classifier: enough steps to fit sklearn's blobs.
FAST_CLASSIFIER = dict(max_epochs=20, lr=1e-2, batch_size=32, early_stopping=False,
                       random_state=0)


@pytest.fixture
def seed():
    return 0


@pytest.fixture(scope="session")
def digits():
    """Standardised ``load_digits`` (1797 x 64) and its labels."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="session")
def digits01():
    """``load_digits`` scaled to [0, 1], for the binary cross-entropy loss."""
    X, y = load_digits(return_X_y=True)
    return MinMaxScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture
def blobs():
    """200 rows, 10 features, 3 clusters lying near a 2-D subspace."""
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [6, 0], [0, 6]])
    labels = rng.integers(0, 3, size=200)
    latent = centers[labels] + rng.normal(size=(200, 2))
    X = latent @ rng.normal(size=(2, 10)) + 0.1 * rng.normal(size=(200, 10))
    return X.astype(np.float32), labels
