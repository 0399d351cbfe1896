"""
Classifying digits with 100 labels
==================================

Labels are often scarce while unlabeled rows are plentiful. A
:class:`~skae.PretrainedAEClassifier` uses both: it pretrains an autoencoder on every row,
then fine-tunes the encoder with a softmax head on the labeled ones. Unlabeled rows are
marked ``-1``, as in ``sklearn.semi_supervised``. This example keeps 100 of the 1,347
training labels of scikit-learn's digits and compares it with logistic regression trained
on the same 100 rows, on raw pixels and on PCA codes (PCA, too, may use the unlabeled rows).
"""

# %%
# 100 labels
# ----------
# Which 100 rows keep their label matters with so few, so the comparison is repeated on
# three random draws.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import DenoisingAutoencoder, PretrainedAEClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)


def few_labels(seed, n_labels=100):
    """``y_train`` with all but ``n_labels`` random rows marked unlabeled (-1)."""
    labeled = np.random.default_rng(seed).choice(len(y_train), n_labels, replace=False)
    y_few = np.full_like(y_train, -1)
    y_few[labeled] = y_train[labeled]
    return y_few


# %%
# Pretraining and fine-tuning
# ---------------------------
# The autoencoder is a denoising one (30% of the pixels masked in training), whose codes
# are robust to missing strokes. Fine-tuning updates the encoder's second layer and the
# head, but keeps its first layer (``freeze_encoder=1``): 100 labels are too few to move
# 64 x 256 weights far without overfitting. Dropout on the code helps for the same reason.
autoencoder = DenoisingAutoencoder(n_components=32, noise="masking", noise_level=0.3,
                                   hidden_layer_sizes=(256,), max_epochs=150, lr=3e-3)
fine_tuning = dict(freeze_encoder=1, dropout=0.3, lr=3e-3, batch_size=16, max_epochs=200,
                   random_state=0)
clf = PretrainedAEClassifier(autoencoder, **fine_tuning).fit(X_train, few_labels(0))

# %%
# Pretraining never looks at the labels, so the other draws reuse the fitted autoencoder
# (``refit_autoencoder=False``) and only fine-tune anew. PCA is likewise fitted once, on
# every training row.
pretrained = clf.autoencoder_
pca = PCA(n_components=32, random_state=0).fit(X_train)

accuracies = {"logistic regression, pixels": [], "logistic regression, PCA codes": [],
              "pretrained autoencoder": []}
for seed in range(3):
    y_few = few_labels(seed)
    labeled = y_few != -1
    if seed > 0:
        clf = PretrainedAEClassifier(pretrained, refit_autoencoder=False, **fine_tuning)
        clf.fit(X_train, y_few)
    pixels = LogisticRegression(max_iter=2000).fit(X_train[labeled], y_train[labeled])
    codes = LogisticRegression(max_iter=2000).fit(pca.transform(X_train[labeled]),
                                                  y_train[labeled])
    accuracies["logistic regression, pixels"].append(pixels.score(X_test, y_test))
    accuracies["logistic regression, PCA codes"].append(
        codes.score(pca.transform(X_test), y_test))
    accuracies["pretrained autoencoder"].append(clf.score(X_test, y_test))

print("test accuracy with 100 labels (draws 0, 1, 2; mean)")
for name, scores in accuracies.items():
    print(f"    {name:<31} {'  '.join(f'{s:.3f}' for s in scores)}   "
          f"mean {np.mean(scores):.3f}")

# %%
# The encoder shaped by all 1,347 training rows gives the head features that 100 labels
# alone cannot: the pretrained classifier beats both logistic regressions on every draw.
# Digits are nearly linearly separable, so the margin is only a couple of points.
fig, ax = plt.subplots(figsize=(6, 3))
names = list(accuracies)
ax.barh(names, [np.mean(s) for s in accuracies.values()],
        xerr=[np.std(s) for s in accuracies.values()], capsize=4)
ax.set_xlim(0.7, 1)
ax.set_xlabel("test accuracy, mean of 3 draws of 100 labels")
fig.tight_layout()
