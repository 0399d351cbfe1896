"""
Convolutional or dense: autoencoders for digit images
=====================================================

With ``encoder="conv"`` an :class:`~skae.AutoencoderTransformer` reads every row as
an image, here the 8x8 digits with ``sample_shape=(1, 8, 8)`` (one grey channel), and
encodes it with strided convolutions instead of dense layers. This example compares the
two bodies, at a similar number of weights, with PCA: test reconstruction error at code
sizes 4, 8 and 16, and the reconstructions themselves.
"""

# %%
# Three models, three code sizes
# ------------------------------
# The dense autoencoder has one hidden layer of 256 units; the convolutional one the
# default two layers of 32 and 64 channels. Large batches keep 40 epochs of each quick.
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, reconstruction_error
from skae.plotting import plot_error_vs_components, plot_reconstructions

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X / 16, random_state=0)

training = dict(max_epochs=40, batch_size=128, lr=3e-3, random_state=0)
models = {
    "PCA": lambda k: PCA(n_components=k, random_state=0),
    "dense AE": lambda k: AutoencoderTransformer(k, hidden_layer_sizes=(256,), **training),
    "conv AE": lambda k: AutoencoderTransformer(k, encoder="conv", sample_shape=(1, 8, 8),
                                                **training),
}
sizes = [4, 8, 16]
errors = {name: [] for name in models}
fitted = {}
for k in sizes:
    for name, make in models.items():
        model = make(k).fit(X_train)
        errors[name].append(reconstruction_error(model, X_test))
        fitted[name, k] = model

print("test reconstruction error (MSE)")
print("code size        " + "".join(f"{k:>9}" for k in sizes) + "   weights (code size 8)")
for name in models:
    model = fitted[name, 8]
    n_weights = (model.components_.size + model.mean_.size if name == "PCA"
                 else sum(p.numel() for p in model.net_.module_.parameters()))
    print(f"{name:<17}" + "".join(f"{e:9.4f}" for e in errors[name]) + f"{n_weights:>11,}")

ax = plot_error_vs_components(sizes, errors)
ax.set_title("Held-out digits")

# %%
# Reconstructions
# ---------------
# With 8 numbers per digit, PCA's reconstructions are blurred mixtures of digits; both
# autoencoders keep the strokes sharper.
fig = plot_reconstructions(
    {"original": X_test,
     **{name: fitted[name, 8].inverse_transform(fitted[name, 8].transform(X_test))
        for name in models}},
    image_shape=(8, 8), n_images=10, title="Code size 8")

# %%
# Both autoencoders beat PCA at every size and stay close to each other. On
# 8x8 images convolutions have little to exploit: two stride-2 layers shrink the image to
# 2x2 and most of the work falls to the dense layer at the code. Their weight sharing pays
# on larger images, where a dense layer's weights grow with the pixel count (see
# ``cifar10_conv_autoencoder.py`` for 32x32 colour images).
