"""
A linear autoencoder finds PCA's subspace
=========================================

An autoencoder with no hidden layer and no activation (``hidden_layer_sizes=()``,
``activation='identity'``, the default linear output), trained on the squared error,
minimises the same loss as PCA over the same family of maps: its best decoder spans
the subspace of PCA's first ``n_components`` components (Baldi and Hornik, 1989). This
example trains one from random weights by stochastic gradient descent and checks that it
gets there, by two measures: the principal angles between the decoder's column space and
PCA's components (0 degrees for the same subspace), and the held-out reconstruction
error. It also shows what it does not learn: PCA's axes themselves.

(By default skae starts a linear reconstruction at PCA's solution, ``linear_path='auto'``;
``linear_path=False`` turns that off so that training alone has to find it.)
"""

# %%
# Data with five directions that matter
# -------------------------------------
# 1,000 rows of 30 features: five latent factors of standard deviations 5, 4, 3, 2 and
# 1.5 mixed into the features, plus noise of standard deviation 0.5 on every feature,
# all shifted away from the origin by 3.
import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer, reconstruction_error

rng = np.random.default_rng(0)
n_samples, n_features, n_components = 1000, 30, 5
factors = rng.normal(size=(n_samples, n_components)) * np.array([5, 4, 3, 2, 1.5])
mixing = np.linalg.qr(rng.normal(size=(n_features, n_components)))[0].T
X = factors @ mixing + 0.5 * rng.normal(size=(n_samples, n_features)) + 3
X_train, X_test = X[:800], X[800:]

pca = PCA(n_components, random_state=0).fit(X_train)


def decoder_columns(autoencoder):
    """The decoder's weight matrix, one row per code unit, read through the public API.

    A linear decoder maps a code ``c`` to ``W c + b``, so decoding the unit vectors and
    subtracting the decoded zero code gives the columns of ``W``.
    """
    eye = np.eye(autoencoder.n_components)
    zero = np.zeros((1, autoencoder.n_components))
    return autoencoder.inverse_transform(eye) - autoencoder.inverse_transform(zero)


# %%
# Training from random weights
# ----------------------------
# PCA centres the data before it looks for directions. The autoencoder has biases and
# could learn the mean itself, but gradient descent does so slowly: early on, one code
# unit is spent on the mean, and it takes long to move it back to a direction of
# variance. So the same network is trained twice for 100 epochs, once on the raw rows
# and once behind a ``StandardScaler(with_std=False)``, which only centres them.
linear = dict(hidden_layer_sizes=(), activation="identity", linear_path=False,
              optimizer="sgd", optimizer__momentum=0.9, lr=1e-2, batch_size=64, max_epochs=100,
              early_stopping=False, n_iter_no_change=100, random_state=0)
models = {
    "raw rows": AutoencoderTransformer(n_components, **linear),
    "centred rows": make_pipeline(StandardScaler(with_std=False),
                                  AutoencoderTransformer(n_components, **linear)),
}
angles = {}
print(f"{'':<22}{'principal angles to PCA (degrees)':>36}{'test MSE':>11}")
print(f"{'PCA':<22}{'':>36}{reconstruction_error(pca, X_test):>11.4f}")
for name, model in models.items():
    model.fit(X_train)
    autoencoder = model[-1] if hasattr(model, "steps") else model
    # subspace_angles wants the spanning vectors as columns; largest angle first.
    angles[name] = np.degrees(subspace_angles(decoder_columns(autoencoder).T.astype(float),
                                              pca.components_.T))
    X_rec = model.inverse_transform(model.transform(X_test))
    error = np.mean((X_rec - X_test) ** 2)
    print(f"linear AE, {name:<12}{'  '.join(f'{a:5.2f}' for a in angles[name]):>36}"
          f"{error:>11.4f}")

# %%
# Centred, the autoencoder's decoder spans PCA's subspace to within a degree or so on
# every angle, and its test error matches PCA's. On the raw rows, after the same 100
# epochs, four directions are found but the fifth is still far off, and the error shows
# it.
fig, ax = plt.subplots(figsize=(6, 3))
width = 0.4
for i, (name, values) in enumerate(angles.items()):
    ax.bar(np.arange(n_components) + (i - 0.5) * width, np.sort(values), width, label=name)
ax.set_xticks(range(n_components), [f"angle {i + 1}" for i in range(n_components)])
ax.set_ylabel("degrees")
ax.set_title("Principal angles between the decoder and PCA")
ax.legend()
fig.tight_layout()

# %%
# The same subspace, other axes
# -----------------------------
# Nothing in the loss prefers PCA's orthogonal, variance-ordered axes: any invertible
# mix of them reconstructs as well. So the autoencoder's codes are a linear function of
# PCA's scores (a linear regression from one to the other fits almost perfectly), yet
# its code units are correlated with each other over the training rows, where PCA's
# scores are not.
autoencoder = models["centred rows"]
ae_codes, pca_codes = autoencoder.transform(X_train), pca.transform(X_train)
fit = LinearRegression().fit(pca_codes, ae_codes)
print(f"R^2 of the autoencoder's codes regressed on PCA's scores: "
      f"{fit.score(pca_codes, ae_codes):.4f}")
for name, codes in [("PCA's scores", pca_codes), ("autoencoder's codes", ae_codes)]:
    correlations = np.corrcoef(codes, rowvar=False)[np.triu_indices(n_components, 1)]
    print(f"largest correlation between two of {name:<20} {np.abs(correlations).max():.3f}")
