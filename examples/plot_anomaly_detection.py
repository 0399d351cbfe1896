"""
Spotting an unseen digit by its reconstruction error
====================================================

A model trained to reconstruct normal data reconstructs it well and the rest badly, so
its reconstruction error is an anomaly score. Here the "normal" data are nine of the ten
digits; the tenth, never seen in training, plays the anomaly. An
:class:`~skae.AutoencoderOutlierDetector` around an :class:`~skae.AutoencoderTransformer`
scores every row with minus its reconstruction error (``score_samples``: low means
anomalous), flags outliers with ``predict`` and shows which pixels gave a row away with
``feature_errors``. Its score is compared with the error of PCA with the same code size,
by the area under the ROC curve (AUC) on held-out normal rows and the unseen digit's rows.
"""

# %%
# One digit left out at a time
# ----------------------------
# Both models keep 8 components, the code size at which PCA's score does best here. A
# three-quarter split of the normal digits trains them; the rest, mixed with every row of
# the left-out digit, tests them.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skae import AutoencoderOutlierDetector, AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = X / 16


def pca_error(pca, X):
    """PCA's per-row mean squared reconstruction error."""
    return np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2, axis=1)


auc = {"autoencoder": [], "PCA": []}
scores, detectors = {}, {}
for anomaly in range(10):
    X_train, X_normal = train_test_split(X[y != anomaly], random_state=0)
    X_test = np.vstack([X_normal, X[y == anomaly]])
    is_anomaly = np.r_[np.zeros(len(X_normal)), np.ones(np.sum(y == anomaly))]

    detector = AutoencoderOutlierDetector(AutoencoderTransformer(
        n_components=8, hidden_layer_sizes=(128,), max_epochs=60, batch_size=128, lr=3e-3,
    ), random_state=0).fit(X_train)
    pca = PCA(n_components=8, random_state=0).fit(X_train)
    # score_samples is higher for normal rows: its negation ranks anomalies first.
    ae_error = -detector.score_samples(X_test)
    auc["autoencoder"].append(roc_auc_score(is_anomaly, ae_error))
    auc["PCA"].append(roc_auc_score(is_anomaly, pca_error(pca, X_test)))
    scores[anomaly] = ae_error, is_anomaly
    detectors[anomaly] = detector, X_test, is_anomaly

print("ROC AUC of the reconstruction error, per left-out digit")
print("digit       " + "".join(f"{d:>7}" for d in range(10)) + "     mean")
for name, values in auc.items():
    print(f"{name:<12}" + "".join(f"{v:7.3f}" for v in values) + f"{np.mean(values):9.3f}")

# %%
# Errors of normal and anomalous rows
# -----------------------------------
# The autoencoder's errors for the easiest and the hardest left-out digit: where the
# histograms overlap, the unseen digit looks like some of those the model was trained on.
hardest = int(np.argmin(auc["autoencoder"]))
easiest = int(np.argmax(auc["autoencoder"]))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, digit in zip(axes, [easiest, hardest], strict=True):
    error, is_anomaly = scores[digit]
    bins = np.histogram_bin_edges(error, bins=40)
    ax.hist(error[is_anomaly == 0], bins=bins, alpha=0.6, label="held-out normal digits")
    ax.hist(error[is_anomaly == 1], bins=bins, alpha=0.6, label=f"unseen digit {digit}")
    ax.set_title(f"digit {digit} left out: AUC {auc['autoencoder'][digit]:.3f}")
    ax.set_xlabel("reconstruction error (MSE)")
    ax.legend()
axes[0].set_ylabel("rows")
fig.tight_layout()

# %%
# The autoencoder's non-linear code describes the nine training digits more tightly
# than PCA's subspace, so the unseen digit stands out more. Digits that share strokes
# with others (a 1 is part of a 4 and a 7) stay the hardest to flag for both.

# %%
# Flagging rows, and why
# ----------------------
# ``predict`` turns the score into a decision: with ``contamination="auto"`` a row is an
# outlier when its score falls far below the training scores (Tukey's outer fence).
# ``feature_errors`` gives every pixel's squared error: where the unseen digit's strokes
# leave the shapes the model knows.
detector, X_test, is_anomaly = detectors[easiest]
flagged = detector.predict(X_test) == -1
print(f"digit {easiest} left out: {flagged[is_anomaly == 1].mean():.0%} of its rows and "
      f"{flagged[is_anomaly == 0].mean():.0%} of the held-out normal rows flagged")
worst = np.argsort(detector.score_samples(X_test))[:4]
errors = detector.feature_errors(X_test[worst])
fig, axes = plt.subplots(2, 4, figsize=(8, 4))
for ax_image, ax_error, row, error in zip(axes[0], axes[1], X_test[worst], errors,
                                          strict=True):
    ax_image.imshow(row.reshape(8, 8), cmap="gray_r")
    ax_error.imshow(error.reshape(8, 8), cmap="Reds")
    ax_image.set_xticks([]), ax_image.set_yticks([])
    ax_error.set_xticks([]), ax_error.set_yticks([])
axes[0, 0].set_ylabel("lowest scores")
axes[1, 0].set_ylabel("pixel errors")
fig.tight_layout()
