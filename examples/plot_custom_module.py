"""
Bring your own encoder and decoder
==================================

skae's estimators build their networks from built-in bodies (``encoder="dense"``,
``"conv"``, ``"lstm"``, ``"gru"``), but any ``torch.nn.Module`` will do. Pass the *class*
as ``encoder=`` and ``decoder=`` and its constructor arguments as ``encoder__<name>`` and
``decoder__<name>`` parameters, as skorch does with ``module__<name>``: they are estimator
parameters like any other, so ``GridSearchCV`` searches them. Here a small residual MLP
with layer normalisation competes with PCA on the 8x8 digits, its width chosen by
cross-validated reconstruction error, and trains under a cosine learning-rate schedule
passed as a skorch callback.
"""

# %%
# The modules
# -----------
# The encoder takes a batch of samples, here flat rows ``(batch, n_features)``, and
# returns codes ``(batch, n_components)``; the decoder maps codes back to rows. skae fills
# the constructor arguments it knows, ``n_features`` and ``n_components``, because the
# constructors take them; ``width`` comes from the estimator's ``encoder__width`` and
# ``decoder__width``. Both keep their layers in an ``nn.Sequential`` named ``layers``
# whose composition is ``forward``: not needed here, but it is what
# ``pretraining="greedy"`` and ``PretrainedAEClassifier(freeze_encoder=<int>)`` work on
# (see :mod:`skae.modules`).
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from skorch.callbacks import LRScheduler
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR

from skae import AutoencoderTransformer, neg_reconstruction_error, reconstruction_error


class Residual(nn.Module):
    """``x + f(x)``: a pre-norm residual block of one hidden layer."""

    def __init__(self, width):
        super().__init__()
        self.f = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU())

    def forward(self, x):
        return x + self.f(x)


class MLPEncoder(nn.Module):
    """Rows to codes: a linear stem, a residual block and a linear code layer."""

    def __init__(self, n_features, n_components, width=64):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(n_features, width), nn.GELU()),
            Residual(width),
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, n_components)),
        )

    def forward(self, X):
        return self.layers(X)


class MLPDecoder(nn.Module):
    """Codes to rows, mirroring the encoder; the sigmoid keeps pixels in [0, 1]."""

    def __init__(self, n_features, n_components, width=64):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(n_components, width), nn.GELU()),
            Residual(width),
            nn.Sequential(nn.LayerNorm(width), nn.Linear(width, n_features), nn.Sigmoid()),
        )

    def forward(self, code):
        return self.layers(code)


X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

# %%
# The search
# ----------
# The reducer step of the pipeline is searched over PCA and the autoencoder, and the
# autoencoder over its width. Encoder and decoder widths move together: one grid entry per
# width. ``neg_reconstruction_error`` scores both kinds of reducer on one scale (PCA's own
# ``score`` is a log-likelihood). ``callbacks`` takes skorch callbacks, run after skae's
# own: here the learning rate follows a cosine from ``lr`` down to zero over the
# ``max_epochs`` epochs.
EPOCHS = 30
autoencoder = AutoencoderTransformer(
    n_components=8, encoder=MLPEncoder, decoder=MLPDecoder,
    encoder__width=64, decoder__width=64,
    lr=3e-3, batch_size=128, max_epochs=EPOCHS, tol=0.0,
    callbacks=[LRScheduler(policy=CosineAnnealingLR, T_max=EPOCHS)],
    random_state=0,
)
param_grid = [{"reduce": [PCA(n_components=8)]}] + [
    {"reduce": [autoencoder], "reduce__encoder__width": [width],
     "reduce__decoder__width": [width]}
    for width in (16, 64, 256)
]
search = GridSearchCV(Pipeline([("reduce", PCA())]), param_grid,
                      scoring=neg_reconstruction_error, cv=3, n_jobs=1).fit(X_train)

results = pd.DataFrame({
    "reducer": [type(p["reduce"]).__name__ for p in search.cv_results_["params"]],
    "width": [p.get("reduce__encoder__width", "") for p in search.cv_results_["params"]],
    "CV error (MSE)": -search.cv_results_["mean_test_score"],
    "std": search.cv_results_["std_test_score"],
    "fit time (s)": search.cv_results_["mean_fit_time"],
    "rank": search.cv_results_["rank_test_score"],
})
print(results.round(4).to_string(index=False))

# %%
# The winner
# ----------
# ``best_estimator_`` is refitted on the whole training split. Its fitted encoder is an
# instance of the class above, built with the chosen width, and the cosine schedule took
# the learning rate from ``lr`` close to zero, as the history of the ``LRScheduler``
# callback shows (it records the rate of every epoch as ``event_lr``).
best = search.best_estimator_.named_steps["reduce"]
print(f"best: {type(best).__name__}, width {search.best_params_.get('reduce__encoder__width')}")
print(f"test reconstruction error: {reconstruction_error(best, X_test):.4f} "
      f"(PCA with 8 components: {reconstruction_error(PCA(8).fit(X_train), X_test):.4f})")
print(best.encoder_)
lrs = best.net_.history[:, "event_lr"]
print(f"learning rate: epoch 1 {lrs[0]:.1e}, epoch {len(lrs)} {lrs[-1]:.1e}")

# %%
# Classes and instances
# ---------------------
# A class is built afresh on every ``fit``, so clones and grid searches start from new
# weights. An *instance* (a module pretrained elsewhere, say) is deep-copied and trained
# on from its current weights; it takes no ``encoder__<name>`` parameters, since it is
# already built. Here the fitted encoder and decoder start a few epochs of fine-tuning at
# a low learning rate; the originals stay as they were.
tuned = AutoencoderTransformer(8, encoder=best.encoder_, decoder=best.decoder_, lr=1e-4,
                               max_epochs=5, random_state=0).fit(X_train)
print(f"after 5 more epochs: {reconstruction_error(tuned, X_test):.4f}; "
      f"the original: {reconstruction_error(best, X_test):.4f}")

# %%
# A module of your own trains like the built-in ones: ``warm_start=True`` makes ``fit``
# continue from the fitted weights, ``partial_fit`` trains one epoch per call, and
# ``PretrainedAEClassifier`` fine-tunes its encoder under a softmax head, or a ``head``
# module of your own.
