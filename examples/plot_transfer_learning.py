"""
Transfer learning: reusing an autoencoder fitted on other digits
================================================================

An autoencoder fitted on one dataset can serve another: its encoder already turns pixels
into strokes and shapes. Here a :class:`~skae.DenoisingAutoencoder` learns from the
digits 0 to 4 only, then a :class:`~skae.PretrainedAEClassifier` reuses it as is
(``refit_autoencoder=False``) to tell apart the digits 5 to 9 from 50 labels. The encoder
is either frozen (only the softmax head learns) or fine-tuned with the head, and both
are compared with logistic regression on the same 50 rows.
"""

# %%
# Source and target
# -----------------
# The source task has every row of the digits 0-4 and no labels; the target task has
# the digits 5-9, of which 50 training rows are labeled.
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import DenoisingAutoencoder, PretrainedAEClassifier, reconstruction_error
from skae.plotting import plot_reconstructions

X, y = load_digits(return_X_y=True)
X = X / 16
X_source = X[y < 5]
X_train, X_test, y_train, y_test = train_test_split(X[y >= 5], y[y >= 5], stratify=y[y >= 5],
                                                    random_state=0)

autoencoder = DenoisingAutoencoder(n_components=32, noise="masking", noise_level=0.3,
                                   hidden_layer_sizes=(256,), max_epochs=150, batch_size=64,
                                   lr=3e-3, random_state=0).fit(X_source)

# %%
# The autoencoder has never seen a 5, 6, 7, 8 or 9, yet it rebuilds them roughly: its
# features are not specific to the digits it was fitted on.
print(f"reconstruction error (MSE): source digits 0-4 "
      f"{reconstruction_error(autoencoder, X_source):.4f}, "
      f"unseen digits 5-9 {reconstruction_error(autoencoder, X_test):.4f}")
fig = plot_reconstructions({"digits 5-9": X_test, "rebuilt": autoencoder.reconstruct(X_test)},
                           image_shape=(8, 8), n_images=10,
                           title="An autoencoder fitted on the digits 0-4 only")

# %%
# Frozen or fine-tuned
# --------------------
# A frozen encoder leaves 32 x 5 head weights to learn, which 50 labels pin down well; a
# fine-tuned one adapts the 0-4 features to 5-9 as well, with dropout to rein it in. Which
# 50 rows are labeled matters, so the comparison is repeated on three draws.
settings = {
    "frozen encoder": dict(freeze_encoder=True, lr=1e-2),
    "fine-tuned encoder": dict(freeze_encoder=False, dropout=0.3, lr=1e-3, batch_size=16),
}
accuracies = {"logistic regression, pixels": []} | {name: [] for name in settings}
for seed in range(3):
    labeled = np.random.default_rng(seed).choice(len(y_train), 50, replace=False)
    pixels = LogisticRegression(max_iter=2000).fit(X_train[labeled], y_train[labeled])
    accuracies["logistic regression, pixels"].append(pixels.score(X_test, y_test))
    for name, params in settings.items():
        clf = PretrainedAEClassifier(autoencoder, refit_autoencoder=False, max_epochs=200,
                                     random_state=0, **params)
        clf.fit(X_train[labeled], y_train[labeled])
        accuracies[name].append(clf.score(X_test, y_test))

print("test accuracy on the digits 5-9 with 50 labels (draws 0, 1, 2; mean)")
for name, scores in accuracies.items():
    print(f"    {name:<28} {'  '.join(f'{s:.3f}' for s in scores)}   "
          f"mean {np.mean(scores):.3f}")

# %%
# Features learnt on other digits are useful but not tailored: frozen, they trail
# logistic regression on the raw pixels; fine-tuned on the 50 labels, they edge past it
# on average, by about as much as one draw of labels differs from another. The fitted
# autoencoder is left untouched throughout (the classifier works on a copy of its
# encoder), so one pretraining serves every experiment.
