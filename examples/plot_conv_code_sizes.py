"""
How small can the code be? Feature-map codes of 14x14, 7x7, 2x2 and 1x1
========================================================================

The compression exercise of the autoencoder course: a convolutional autoencoder without a
dense bottleneck, whose code is its encoder's last feature map, reconstructs 28x28 digits
from feature maps of 14x14, 7x7, 2x2 and 1x1. ``n_components=None`` asks
:class:`~skae.AutoencoderTransformer` for such a code; ``encoder__conv_channels`` chooses its
shape: every stride-2 convolution halves the sides (28, 14, 7, 4, 2, 1) and the last one's
channels give its depth, here 4 for every size.

The digits are scikit-learn's bundled 8x8 digits, upscaled to 28x28 by linear
interpolation (so the example needs no download). They look like MNIST but carry only 64
numbers of information each, so a code of 64 values or more can rebuild them almost
exactly; the figures for real MNIST digits are in ``BENCHMARKS.md``.
"""

# %%
# Four autoencoders, one per code size
# ------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, reconstruction_error
from skae.plotting import plot_reconstructions

X, _ = load_digits(return_X_y=True)
X = zoom(X.reshape(-1, 8, 8) / 16, (1, 3.5, 3.5), order=1).clip(0, 1).reshape(len(X), -1)
X_train, X_test = train_test_split(X.astype(np.float32), random_state=0)

# One convolution per halving; the last one's 4 channels are the code's depth.
conv_channels = {
    "14x14": (4,),
    "7x7": (16, 4),
    "2x2": (16, 32, 32, 4),
    "1x1": (16, 32, 32, 32, 4),
}
models = {}
for name, channels in conv_channels.items():
    models[name] = AutoencoderTransformer(
        None, encoder="conv", sample_shape=(1, 28, 28), encoder__conv_channels=channels,
        loss="bce", max_epochs=10, batch_size=64, lr=1e-2, early_stopping=False, random_state=0,
    ).fit(X_train)

print(f"{'code':>6} {'shape':>12} {'values':>7} {'compression':>12} {'test MSE':>9}")
for name, model in models.items():
    print(f"{name:>6} {str(model.code_shape_):>12} {model.n_components_:>7} "
          f"{X.shape[1] / model.n_components_:>11.0f}x "
          f"{reconstruction_error(model, X_test):>9.4f}")

# %%
# The smaller the feature map, the fewer numbers are left to rebuild the digit from: down
# to 16 (2x2x4) the digits stay readable, with 4 (1x1x4) they blur into a few prototypes.
# The 14x14 code holds as many values as the image but is not the best: its encoder is a
# single convolution, a linear map (the code layer has no activation), and it learns more
# slowly than the deeper ones in the same 10 epochs.
fig = plot_reconstructions(
    {"original": X_test, **{f"code {name}": model.reconstruct(X_test)
                            for name, model in models.items()}},
    image_shape=(28, 28), n_images=8, title="Reconstructions per code size")

# %%
# The code is an image too
# ------------------------
# ``transform`` returns the feature map flattened, channels first, and
# ``get_feature_names_out`` says which channel and position each column holds; reshaped
# to ``code_shape_`` the 7x7 code of a digit is four coarse, filtered copies of it.
model = models["7x7"]
code = model.transform(X_test[:1]).reshape(model.code_shape_)
print(model.get_feature_names_out()[:3])
fig, axes = plt.subplots(1, 1 + len(code), figsize=(2 * (1 + len(code)), 2))
axes[0].imshow(X_test[0].reshape(28, 28), cmap="gray")
axes[0].set_title("digit")
for channel, (ax, feature_map) in enumerate(zip(axes[1:], code, strict=True)):
    ax.imshow(feature_map, cmap="RdBu_r", vmin=-abs(code).max(), vmax=abs(code).max())
    ax.set_title(f"channel {channel}")
for ax in axes:
    ax.set_axis_off()
plt.show()
