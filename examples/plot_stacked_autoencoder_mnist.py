"""
A 784-100-30 stacked autoencoder, then a softmax on its frozen encoder
======================================================================

The classic exercise on MNIST: a stacked autoencoder squeezes 28x28 = 784 pixels
through hidden layers of 100 and 30 units and back (784-100-30-100-784), trained
without labels; then its encoder is kept fixed and a softmax classifier learns on the 30
code values alone. A :class:`~skae.PretrainedAEClassifier` with ``freeze_encoder=True``
and ``refit_autoencoder=False`` is exactly that second step. The example compares it with
fine-tuning the whole encoder and with logistic regression on the pixels and on 30 PCA
components.

The test suite, which has no network, runs it on scikit-learn's bundled 8x8 digits
enlarged to 28x28, an MNIST look-alike of 1,797 images. To run it on MNIST itself
(downloaded once from OpenML, about 15 MB, into scikit-learn's data folder), set an
environment variable::

    SKAE_EXAMPLES_MNIST=1 python examples/plot_stacked_autoencoder_mnist.py

which uses the first 10,000 of MNIST's 70,000 images (``SKAE_EXAMPLES_MNIST=70000`` for
all of them).
"""

# %%
# Data
# ----
import os

import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import fetch_openml, load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skae import AutoencoderTransformer, PretrainedAEClassifier
from skae.plotting import plot_loss_curve, plot_reconstructions


def load_mnist(n_samples=10_000):
    """The first ``n_samples`` MNIST digits from OpenML: 784 pixels scaled to [0, 1]."""
    X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
    return (X[:n_samples] / 255).astype(np.float32), y[:n_samples].astype(int)


def load_digits_28x28():
    """scikit-learn's 8x8 digits enlarged to 28x28 by linear interpolation, in [0, 1]."""
    digits = load_digits()
    images = zoom(digits.images / 16, (1, 3.5, 3.5), order=1)
    return np.clip(images, 0, 1).reshape(len(images), -1).astype(np.float32), digits.target


mnist = os.environ.get("SKAE_EXAMPLES_MNIST")
if mnist:
    X, y = load_mnist(10_000 if mnist == "1" else int(mnist))
else:
    X, y = load_digits_28x28()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)
print(f"{len(X_train)} training and {len(X_test)} test images of {X.shape[1]} pixels")

# %%
# The stacked autoencoder
# -----------------------
# ``hidden_layer_sizes=(100,)`` and ``n_components=30`` give the encoder 784-100-30; the
# decoder mirrors it. Pixels lie in [0, 1], so the reconstruction goes through a sigmoid
# and the loss is the binary cross-entropy (``loss='bce'``), as in the course.
autoencoder = AutoencoderTransformer(30, hidden_layer_sizes=(100,), loss="bce",
                                     max_epochs=30, batch_size=128, lr=5e-3,
                                     random_state=0).fit(X_train)
print(f"autoencoder: {autoencoder.n_iter_} epochs, test MSE "
      f"{np.mean((autoencoder.reconstruct(X_test) - X_test) ** 2):.4f}")
fig = plot_reconstructions({"test images": X_test, "rebuilt": autoencoder.reconstruct(X_test)},
                           image_shape=(28, 28), title="784-100-30-100-784")
ax = plot_loss_curve(autoencoder)

# %%
# A softmax on the frozen encoder
# -------------------------------
# ``refit_autoencoder=False`` reuses the fitted autoencoder instead of pretraining anew,
# and ``freeze_encoder=True`` keeps its weights fixed: only the softmax layer, 30 x 10
# weights and 10 biases, learns. The extra loss terms of semi-supervised fine-tuning are
# off (every training row is labeled here), so it is plain cross-entropy training.
softmax = dict(refit_autoencoder=False, reconstruction_weight=0.0, consistency_weight=0.0,
               pseudo_label_weight=0.0, max_epochs=40, batch_size=128, random_state=0)
frozen = PretrainedAEClassifier(autoencoder, freeze_encoder=True, lr=1e-2, **softmax)
frozen.fit(X_train, y_train)

# %%
# The frozen classifier's codes are still the autoencoder's: its encoder did not move.
same = np.allclose(frozen.transform(X_test), autoencoder.transform(X_test), atol=1e-6)
print(f"frozen encoder unchanged by training the softmax: {same}")

# %%
# Against fine-tuning and linear baselines
# ----------------------------------------
# Fine-tuning lets the labels reshape the encoder as well; PCA with 30 components and
# logistic regression is the linear counterpart of the frozen model.
fine_tuned = PretrainedAEClassifier(autoencoder, freeze_encoder=False, lr=1e-3, **softmax)
baselines = {
    "logistic regression, 784 pixels": LogisticRegression(max_iter=1000),
    "logistic regression, 30 PCA components": make_pipeline(
        PCA(30, random_state=0), LogisticRegression(max_iter=1000)),
}
models = {"softmax on the frozen encoder": frozen,
          "fine-tuned encoder and softmax": fine_tuned.fit(X_train, y_train),
          **{name: model.fit(X_train, y_train) for name, model in baselines.items()}}
print("test accuracy")
for name, model in models.items():
    print(f"    {name:<40} {model.score(X_test, y_test):.3f}")

# %%
# Thirty numbers learnt without labels keep enough of each digit for a linear softmax to
# classify it within about half a point of logistic regression on 30 PCA components, and
# fine-tuning the encoder with the labels changes little. The enlarged 8x8 digits are
# nearly linearly separable already, so the linear baselines are hard to beat here; the
# frozen encoder's use is elsewhere: its softmax has 310 weights to learn where logistic
# regression on the pixels has 7,850. On MNIST itself (``SKAE_EXAMPLES_MNIST=1``) the
# frozen encoder trails logistic regression on the pixels, and fine-tuning puts it well
# ahead of both baselines.
