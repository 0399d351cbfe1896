"""
Tied or untied weights
======================

A stacked autoencoder's decoder mirrors its encoder, so it can reuse the encoder's
weights, transposed, and learn only its own biases: ``encoder__tied_weights=True``. This
halves the number of weights (a regulariser, and less to store) without changing the amount of
arithmetic per sample. This example fits the 784-100-30 autoencoder of the MNIST
exercise both ways on the same data and compares the number of parameters, the time to
fit and the held-out reconstruction error.

Images are scikit-learn's 8x8 digits enlarged to 28x28 (784 pixels), an MNIST
look-alike that needs no download; see the stacked-autoencoder example for loading MNIST
itself.
"""

# %%
# Two autoencoders, the same training
# -----------------------------------
# Both train for exactly 20 epochs (``n_iter_no_change=20`` never lets the stopping
# rule fire), so that they do the same work. Rows are still held out
# (``early_stopping=True``) to draw validation curves. Time is the median duration of an
# epoch, which the fitted skorch net records in its history (``net_.history``): the
# median leaves out the slow first epoch of a process. Every setting is fitted with two
# seeds to show how much the figures move from one run to the next; the CPU may be busy
# with other work, which makes the times the noisiest figures.
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer
from skae.plotting import plot_loss_curve, plot_reconstructions

digits = load_digits()
images = np.clip(zoom(digits.images / 16, (1, 3.5, 3.5), order=1), 0, 1)  # 28x28
X_train, X_test = train_test_split(images.reshape(len(images), -1).astype(np.float32),
                                   random_state=0)

training = dict(hidden_layer_sizes=(100,), loss="bce", max_epochs=20, batch_size=128,
                lr=5e-3, early_stopping=True, n_iter_no_change=20)
results, fitted = {}, {}
for tied in (False, True):
    name = "tied" if tied else "untied"
    for seed in (0, 1):
        model = AutoencoderTransformer(30, encoder__tied_weights=tied, random_state=seed,
                                       **training)
        model.fit(X_train)
        epoch_ms = 1000 * np.median(model.net_.history[:, "dur"])
        error = np.mean((model.reconstruct(X_test) - X_test) ** 2)
        results.setdefault(name, []).append((epoch_ms, error))
        fitted[name] = model

# %%
# The table
# ---------
# Parameters are counted on the fitted network (``net_.module_``): a tied decoder layer
# holds a reference to its encoder layer's weight, not a parameter of its own, so it is
# counted once.
print(f"{'784-100-30':<10}{'parameters':>12}{'ms per epoch, seeds 0, 1':>28}"
      f"{'test MSE, seeds 0, 1':>26}")
for name, runs in results.items():
    n_parameters = sum(p.numel() for p in fitted[name].net_.module_.parameters())
    times, errors = zip(*runs, strict=True)
    print(f"{name:<10}{n_parameters:>12,}{'  '.join(f'{t:6.0f}' for t in times):>28}"
          f"{'  '.join(f'{e:.4f}' for e in errors):>26}")

# %%
# Tying keeps only the decoder's biases, so half the weights go. Epochs take about as
# long either way: every sample still goes through the same matrix products, and only
# the optimiser's update touches half as many numbers, which on a CPU is lost in the
# variation from one run to the next. The test
# errors agree to within the spread between seeds: here tying costs nothing in
# reconstruction, for half the weights.
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, model in fitted.items():
    plot_loss_curve(model, ax=ax, label=name)
ax.set_title("Binary cross-entropy per epoch (seed 1)")
fig.tight_layout()

fig = plot_reconstructions(
    {"test images": X_test, **{name: model.reconstruct(X_test)
                               for name, model in fitted.items()}},
    image_shape=(28, 28), title="Reconstructions from 30 numbers")
