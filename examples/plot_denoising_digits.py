"""
Denoising digits
================

A :class:`~skae.DenoisingAutoencoder` is trained to rebuild clean images from copies
corrupted afresh at every batch, so it learns what a digit looks like rather than what a
given pixel says. This example corrupts held-out digits with Gaussian noise and compares
how far from the clean images three reconstructions land: PCA's projection, a plain
autoencoder's and the denoising autoencoder's.
"""

# %%
# Data and noise
# --------------
# Pixels are scaled to [0, 1] with a ``MinMaxScaler`` fitted on the training digits. The
# test digits get Gaussian noise of standard deviation 0.3, clipped back to [0, 1]: the
# same corruption the denoising autoencoder sees in training, but drawn independently.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from skae import AutoencoderTransformer, DenoisingAutoencoder
from skae.plotting import plot_loss_curve, plot_reconstructions

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X, random_state=0)
scaler = MinMaxScaler().fit(X_train)
# Clipping keeps the test pixels that exceed the training range inside [0, 1] too.
X_train, X_test = scaler.transform(X_train), np.clip(scaler.transform(X_test), 0, 1)

rng = np.random.default_rng(0)
X_noisy = np.clip(X_test + rng.normal(scale=0.3, size=X_test.shape), 0, 1)

# %%
# Three reconstructions
# ---------------------
# The plain and the denoising autoencoder share their architecture and training; only
# the corruption differs. PCA keeps 16 components: fewer lose strokes, more keep noise.
params = dict(n_components=32, hidden_layer_sizes=(256,), max_epochs=100, lr=3e-3,
              random_state=0)
dae = DenoisingAutoencoder(noise="gaussian", noise_level=0.3, clip=True, **params)
dae.fit(X_train)
ae = AutoencoderTransformer(**params).fit(X_train)
pca = PCA(n_components=16, random_state=0).fit(X_train)

reconstructions = {
    "noisy input": X_noisy,
    "PCA": pca.inverse_transform(pca.transform(X_noisy)),
    "autoencoder": ae.reconstruct(X_noisy),
    "denoising AE": dae.denoise(X_noisy),
}
for name, images in reconstructions.items():
    print(f"{name:<13} MSE to the clean digits {np.mean((images - X_test) ** 2):.4f}")

# %%
# The plain autoencoder learnt to copy its input, noise included, and removes less of
# it than PCA's 16 components; the denoising one learnt to remove noise and does best.
fig = plot_reconstructions({"clean": X_test, **reconstructions}, image_shape=(8, 8),
                           n_images=10, title="Held-out digits with Gaussian noise (0.3)")

# %%
# Training
# --------
# Training stops when the loss has not improved by ``tol`` for ``n_iter_no_change``
# epochs, as in scikit-learn's MLPs; the denoising loss stays higher than the plain one
# because its input is noisy.
ax = plot_loss_curve(dae, label="denoising AE")
plot_loss_curve(ae, ax=ax, label="autoencoder")
print(f"epochs run: denoising AE {dae.n_iter_}, autoencoder {ae.n_iter_}")
