"""
Denoising colour images with a convolutional autoencoder
========================================================

Colour images of 32x32 pixels in three channels, as in SVHN or CIFAR-10, lose a fifth
of their values (set to 0, as by dead pixels); a convolutional
:class:`~skae.DenoisingAutoencoder`, trained to rebuild clean images from copies
corrupted that way, restores them. It is compared with PCA and with a plain
convolutional autoencoder of the same code size, both fitted on the clean images.

The arrays are channels-last, ``(n_images, 32, 32, 3)``, as CIFAR-10 ships them, so the
autoencoders get ``encoder__channels_last=True``. The test suite, which has no network, runs the
example on generated images: coloured discs and squares on colour gradients. To run it on
the real thing, set an environment variable (the images are downloaded once into
scikit-learn's data folder, and the first 5,000 are used)::

    SKAE_EXAMPLES_COLOUR=cifar10 python examples/plot_colour_denoising.py  # OpenML, 170 MB
    SKAE_EXAMPLES_COLOUR=svhn python examples/plot_colour_denoising.py     # test set, 64 MB

Both real sets need more epochs than the 12 used here to be rebuilt well; raise
``max_epochs`` and pass ``device="cuda"`` where a GPU is at hand.
"""

# %%
# Images
# ------
import os
from pathlib import Path
from urllib.request import urlretrieve

import numpy as np
from scipy.io import loadmat
from sklearn.datasets import fetch_openml, get_data_home
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, DenoisingAutoencoder
from skae.plotting import plot_loss_curve, plot_reconstructions


def make_colour_images(n_images, random_state=None):
    """Generated 32x32 RGB images in [0, 1], channels last: one to three discs and
    squares of random colours, sizes and places on a linear gradient between two random
    colours."""
    rng = np.random.default_rng(random_state)
    rows, cols = np.mgrid[0:32, 0:32] / 31
    images = np.empty((n_images, 32, 32, 3), dtype=np.float32)
    for image in images:
        angle = rng.uniform(0, 2 * np.pi)
        ramp = np.clip(0.5 + np.cos(angle) * (cols - 0.5) + np.sin(angle) * (rows - 0.5), 0, 1)
        start, end = rng.uniform(0, 1, size=(2, 3))
        image[:] = start + ramp[..., None] * (end - start)
        for _ in range(rng.integers(1, 4)):
            y, x = rng.uniform(0.15, 0.85, size=2)
            half_height, half_width = rng.uniform(0.08, 0.25, size=2)
            if rng.random() < 0.5:
                shape = (rows - y) ** 2 + (cols - x) ** 2 < half_height**2
            else:
                shape = (np.abs(rows - y) < half_height) & (np.abs(cols - x) < half_width)
            image[shape] = rng.uniform(0, 1, size=3)
    return images


def load_cifar10(n_images=5_000):
    """The first ``n_images`` CIFAR-10 images from OpenML, channels last, in [0, 1].

    OpenML stores each image as one row, channel by channel (the 1,024 red values, then
    the green, then the blue), so the rows are reshaped channels first and then moved.
    """
    X, _ = fetch_openml("CIFAR_10", version=1, return_X_y=True, as_frame=False)
    images = X[:n_images].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return (images / 255).astype(np.float32)


def load_svhn(n_images=5_000):
    """The first ``n_images`` of SVHN's test images, channels last, in [0, 1].

    The file (``test_32x32.mat``, 64 MB) is downloaded once from the dataset's page,
    http://ufldl.stanford.edu/housenumbers/, into scikit-learn's data folder. It holds the
    images as ``(32, 32, 3, n_images)``.
    """
    path = Path(get_data_home()) / "svhn_test_32x32.mat"
    if not path.exists():
        urlretrieve("http://ufldl.stanford.edu/housenumbers/test_32x32.mat", path)
    images = loadmat(path)["X"][..., :n_images].transpose(3, 0, 1, 2)
    return (images / 255).astype(np.float32)


source = os.environ.get("SKAE_EXAMPLES_COLOUR", "generated")
loaders = {"generated": lambda: make_colour_images(700, random_state=0),
           "cifar10": load_cifar10, "svhn": load_svhn}
if source not in loaders:
    raise ValueError(f"SKAE_EXAMPLES_COLOUR must be one of {sorted(loaders)}; got {source!r}.")
X_train, X_test = train_test_split(loaders[source](), test_size=200, random_state=0)
print(f"{source} images: {X_train.shape} for training, {len(X_test)} for testing")

# %%
# Three models with 64 numbers per image
# --------------------------------------
# Both autoencoders use two strided convolutions of 16 and 32 channels, a dense code of
# 64 values and the mirrored transposed convolutions. The denoising one sees every
# training batch with 20% of its values masked (``noise='masking'``), afresh at every
# epoch, and learns to rebuild the clean batch. PCA keeps the same 64 numbers per image.
# With a linear reconstruction, skae starts both networks at PCA's solution
# (``linear_path='auto'``) and stops when the held-out rows stop improving.
conv = dict(encoder="conv", encoder__channels_last=True, encoder__conv_channels=(16, 32),
            max_epochs=12, batch_size=32, lr=3e-3, random_state=0)
dae = DenoisingAutoencoder(64, noise="masking", noise_level=0.2, **conv).fit(X_train)
ae = AutoencoderTransformer(64, **conv).fit(X_train)
pca = PCA(64, random_state=0).fit(X_train.reshape(len(X_train), -1))

# %%
# The test images are masked the way the denoising autoencoder was trained
# (:meth:`~skae.DenoisingAutoencoder.corrupt`), with a seed of their own.
X_masked = dae.corrupt(X_test, random_state=1)


def flat(images):
    return images.reshape(len(images), -1)


def rebuild(model, images):
    """A model's reconstruction of images, as flat rows."""
    if isinstance(model, PCA):
        return model.inverse_transform(model.transform(flat(images)))
    return flat(model.reconstruct(images))


models = {"PCA": pca, "autoencoder": ae, "denoising AE": dae}
print(f"{'MSE to the clean test images':<30}{'from masked copies':>20}{'from clean images':>19}")
print(f"{'masked copies themselves':<30}{np.mean((X_masked - X_test) ** 2):>20.4f}")
for name, model in models.items():
    errors = [np.mean((rebuild(model, images) - flat(X_test)) ** 2)
              for images in (X_masked, X_test)]
    print(f"{name:<30}{errors[0]:>20.4f}{errors[1]:>19.4f}")

# %%
# PCA projects the masked copies as it projects any image, holes included: its error is
# under a third of the masked copies'. The plain autoencoder ends where it started, at
# PCA's solution (the same errors): no epoch of fitting clean images improved on it for
# the held-out rows. The denoising autoencoder learnt what a missing value looks like
# and fills it in, with less than half of PCA's error.
#
# The price shows in the last column: trained on images that lack a fifth of their
# values, it expects them, and brightens clean images to make up for what is not
# missing. Train a denoiser on the corruption it will meet.
fig = plot_reconstructions(
    {"clean": flat(X_test), "masked": flat(X_masked),
     **{name: rebuild(model, X_masked) for name, model in models.items()}},
    image_shape=(32, 32, 3), channels_last=True, title="Rebuilding masked colour images")
ax = plot_loss_curve(dae, label="denoising AE")
ax.set_title("The denoising autoencoder's training")
