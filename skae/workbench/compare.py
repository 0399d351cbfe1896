"""The ``skae compare`` workbench: one ``GridSearchCV`` per method, scored on held-out rows.

PCA, :class:`~skae.AutoencoderTransformer` and :class:`~skae.DenoisingAutoencoder` are
ranked by the test reconstruction error on one scale; KMeans runs on the raw features and
on the PCA and autoencoder codes; with labels, :class:`~skae.PretrainedAEClassifier`
(fine-tuning the autoencoder's encoder on a few labeled rows, the others marked
unlabeled) meets ``LogisticRegression`` on the PCA codes of the labeled rows. Every
unsupervised method sees all training rows.
"""

import math
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, adjusted_rand_score, normalized_mutual_info_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from .. import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    PretrainedAEClassifier,
    neg_reconstruction_error,
    reconstruction_error,
)
from .inputs import InputError, unlabeled_mask

COLUMNS = ["method", "best params", "code size", "test reconstruction error", "KMeans ARI",
           "KMeans NMI", "test accuracy", "fit time (s)", "search time (s)"]
# The autoencoders' most epochs when no max_epochs is given; the classifier's own 'auto'
# fine-tunes for 10 to 100, so every network stays within it.
DEFAULT_MAX_EPOCHS = 100


def default_n_components(n_features):
    """A code of 8 values, or half the features (at least 2) for narrow data."""
    return max(1, min(8, max(2, n_features // 2), n_features - 1))


class Workbench:
    """Fits every method of the comparison on ``dataset`` and tabulates the results.

    The data is split once (``test_size`` held out, stratified by label when possible) and
    scaled on the training rows: images to [0, 1] by their overall pixel range, tabular
    data to zero mean and unit variance. Every figure in the table is computed on the
    held-out rows. ``searches`` maps each method to its fitted ``GridSearchCV``.

    ``max_epochs`` caps the training of every network; None trains the autoencoders for at
    most ``DEFAULT_MAX_EPOCHS`` epochs and leaves the classifier its own 'auto' number.
    """

    def __init__(self, dataset, *, n_components=None, max_epochs=None, cv=3, n_labels=100,
                 n_clusters=None, n_jobs=None, device="cpu", random_state=0, test_size=0.25):
        self.dataset = dataset
        n_features = dataset.X.shape[1]
        self.n_components = (default_n_components(n_features) if n_components is None
                             else n_components)
        if not 1 <= self.n_components < n_features:
            raise InputError(f"--n-components {self.n_components} must lie between 1 and "
                             f"{n_features - 1}: {dataset.name} has {n_features} features.")
        self.max_epochs = DEFAULT_MAX_EPOCHS if max_epochs is None else max_epochs
        self.classifier_max_epochs = "auto" if max_epochs is None else max_epochs
        self.cv = cv
        self.n_labels = n_labels
        self.n_clusters = n_clusters or dataset.n_classes or 8
        self.n_jobs = n_jobs
        self.device = device
        self.random_state = random_state
        self.test_size = test_size
        self.searches = {}
        self.rows = []
        # KMeans needs a row per cluster in the smallest training fold of its search.
        n_train = len(dataset.X) - math.ceil(test_size * len(dataset.X))
        n_fold = n_train - math.ceil(n_train / cv)
        # With fewer than split()'s least rows, split() says what is missing.
        if len(dataset.X) >= 2 * cv + 2 and n_fold < self.n_clusters:
            given = ("--n-clusters" if n_clusters else
                     "the number of classes" if dataset.n_classes else "the default")
            raise InputError(
                f"KMeans cannot make {self.n_clusters} clusters ({given}) of the {n_fold} "
                f"rows that a fold of its {cv}-fold search trains on; pass --n-clusters "
                f"{max(n_fold, 1)} or fewer, or more rows.")

    # -- data ---------------------------------------------------------------------------

    def split(self):
        X, y = self.dataset.X, self.dataset.y
        min_rows = 2 * self.cv + 2
        if len(X) < min_rows:
            raise InputError(f"{self.dataset.name} has {len(X)} rows; the comparison needs at "
                             f"least {min_rows} for a test split and {self.cv}-fold search.")
        if y is None:
            y = np.full(len(X), -1)
        # Stratified when every label has two rows and both parts can hold one of each.
        n_test = math.ceil(self.test_size * len(X))
        counts = np.unique(y, return_counts=True)[1]
        stratify = y if counts.min() >= 2 and min(n_test, len(X) - n_test) >= len(
            counts) else None
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=self.test_size, stratify=stratify, random_state=self.random_state)
        if self.dataset.image_shape is not None:
            low, high = self.X_train.min(), self.X_train.max()
            scale = (lambda Z: (Z - low) / (high - low)) if high > low else (lambda Z: Z - low)
            self.scaling = "pixels scaled to [0, 1] by the training range"
        else:
            scale = StandardScaler().fit(self.X_train).transform
            self.scaling = "features standardised on the training rows"
        self.X_train = scale(self.X_train).astype(np.float32)
        self.X_test = scale(self.X_test).astype(np.float32)
        self.labeled_test = ~unlabeled_mask(self.y_test)

    # -- methods ------------------------------------------------------------------------

    def steps(self):
        """``(label, callable)`` for every method, in order; later ones reuse earlier fits."""
        steps = [("PCA", self.fit_pca), ("AutoencoderTransformer", self.fit_autoencoder),
                 ("DenoisingAutoencoder", self.fit_denoising),
                 ("KMeans on raw features", lambda: self.fit_kmeans("raw features", None)),
                 ("KMeans on PCA codes", lambda: self.fit_kmeans("PCA codes", "PCA")),
                 ("KMeans on AE codes",
                  lambda: self.fit_kmeans("AE codes", "AutoencoderTransformer"))]
        if self.dataset.n_classes >= 2:
            steps += [("LogisticRegression on PCA codes", self.fit_logistic),
                      ("PretrainedAEClassifier", self.fit_classifier)]
        return steps

    def run(self, progress=True):
        """Split, then fit every method with a progress bar on stderr; return the table."""
        self.split()
        bar = tqdm(self.steps(), desc="skae compare", unit="method", disable=not progress,
                   leave=False)
        for label, step in bar:
            bar.set_postfix_str(label)
            step()
        return self.table()

    def autoencoder_params(self):
        """Parameters every autoencoder of the comparison shares."""
        params = dict(n_components=self.n_components, max_epochs=self.max_epochs,
                      device=self.device, random_state=self.random_state)
        if self.dataset.image_shape is not None:
            params["sample_shape"] = self.dataset.image_shape
        return params

    def classifier_params(self):
        """Parameters of the classifier, apart from the autoencoder it fine-tunes."""
        return dict(max_epochs=self.classifier_max_epochs, device=self.device,
                    random_state=self.random_state)

    def autoencoder_grid(self):
        if self.dataset.image_shape is None:
            return {"hidden_layer_sizes": [(64,), (128, 64)]}
        return [{"encoder": ["dense"], "hidden_layer_sizes": [(128, 64)]},
                {"encoder": ["conv"], "encoder__conv_channels": [(16, 32)]}]

    def fit_pca(self):
        # One candidate: the code size is fixed so that every row compares like with like.
        search = self._search(PCA(random_state=self.random_state),
                              {"n_components": [self.n_components]},
                              scoring=neg_reconstruction_error)
        self._add_reducer("PCA", search)

    def fit_autoencoder(self):
        search = self._search(AutoencoderTransformer(**self.autoencoder_params()),
                              self.autoencoder_grid(), scoring=neg_reconstruction_error)
        self._add_reducer("AutoencoderTransformer", search)

    def fit_denoising(self):
        """Denoising variant of the best autoencoder, searched over the kind of noise."""
        # Every parameter of the autoencoder is one of the denoising autoencoder's.
        best = self.searches["AutoencoderTransformer"].best_estimator_.get_params(deep=False)
        base = DenoisingAutoencoder(noise_level=0.2, **best)
        search = self._search(base, {"noise": ["masking", "gaussian"]},
                              scoring=neg_reconstruction_error)
        self._add_reducer("DenoisingAutoencoder", search)

    def fit_kmeans(self, name, reducer):
        transform = (self.searches[reducer].best_estimator_.transform if reducer
                     else (lambda Z: Z))
        search = self._search(
            KMeans(self.n_clusters, n_init=10, random_state=self.random_state),
            {"init": ["k-means++", "random"]}, inputs=transform(self.X_train))
        row = self._row(f"KMeans on {name}", search,
                        self.n_components if reducer else self.X_train.shape[1])
        if self.labeled_test.any():
            clusters = search.predict(transform(self.X_test))[self.labeled_test]
            truth = self.y_test[self.labeled_test]
            row["KMeans ARI"] = adjusted_rand_score(truth, clusters)
            row["KMeans NMI"] = normalized_mutual_info_score(truth, clusters)

    def labeled_rows(self):
        """Indices of ``n_labels`` labeled training rows, stratified when every class can be."""
        labeled = np.flatnonzero(~unlabeled_mask(self.y_train))
        if len(labeled) <= self.n_labels:
            return labeled
        counts = np.unique(self.y_train[labeled], return_counts=True)[1]
        stratify = (self.y_train[labeled]
                    if counts.min() >= 2 and self.n_labels >= len(counts) else None)
        chosen, _ = train_test_split(labeled, train_size=self.n_labels, stratify=stratify,
                                     random_state=self.random_state)
        return np.sort(chosen)

    def fit_logistic(self):
        pca = self.searches["PCA"].best_estimator_
        self._fit_few_labels("LogisticRegression on PCA codes",
                             LogisticRegression(max_iter=2000), {"C": [0.1, 1.0, 10.0]},
                             pca.transform)

    def fit_classifier(self):
        """Fine-tune the best autoencoder's encoder; it was pretrained on every train row.

        The classifier reads every training row, those beyond the labeled ones marked
        ``-1``: its semi-supervised fine-tuning learns from them too, and the grid's folds
        score it on their labeled rows. The autoencoder is frozen as an estimator (not its
        weights, which ``freeze_encoder`` governs) so that the grid's clones reuse it
        instead of pretraining again. Fine-tuning holds no rows out to stop early on, so
        every fit runs the epochs that the classifier's 'auto' picks (about 1,250 steps,
        10 to 100 epochs), or the workbench's ``max_epochs`` when one was given.
        """
        autoencoder = FrozenEstimator(self.searches["AutoencoderTransformer"].best_estimator_)
        classifier = PretrainedAEClassifier(autoencoder, **self.classifier_params())
        self._fit_few_labels("PretrainedAEClassifier", classifier,
                             {"freeze_encoder": [False, True]}, lambda Z: Z,
                             unlabeled_rows=True)

    def _fit_few_labels(self, name, estimator, grid, transform, unlabeled_rows=False):
        """Search ``grid`` on the transformed labeled training rows (and, with
        ``unlabeled_rows``, every other training row, marked ``-1``); score the test rows."""
        rows = self.labeled_rows()
        if unlabeled_rows:
            # String labels are marked "-1" (an int among strings would stop the grid's
            # folds from being stratified), in an object array ('<U1' would cut it short).
            strings = isinstance(self.y_train[rows[0]], str)
            X, y = self.X_train, self.y_train.astype(object if strings else self.y_train.dtype)
            y[np.setdiff1d(np.arange(len(y)), rows)] = "-1" if strings else -1
        else:
            X, y = self.X_train[rows], self.y_train[rows]
        cv = min(self.cv, np.unique(self.y_train[rows], return_counts=True)[1].min())
        if cv < 2:
            raise InputError(f"--labels {self.n_labels} leaves a class with a single labeled "
                             "row; pass more labels so that every class has at least two.")
        with warnings.catch_warnings():
            # The workbench marks those rows -1 itself: they are unlabeled, however few.
            warnings.filterwarnings("ignore", message=".*which marks unlabeled rows")
            search = self._search(estimator, grid, inputs=transform(X), y=y, cv=cv)
        row = self._row(name, search, self.n_components)
        predictions = search.predict(transform(self.X_test[self.labeled_test]))
        row["test accuracy"] = accuracy_score(self.y_test[self.labeled_test], predictions)
        self.n_labeled = len(rows)

    # -- bookkeeping --------------------------------------------------------------------

    def _search(self, estimator, grid, *, inputs=None, y=None, scoring=None, cv=None):
        search = GridSearchCV(estimator, grid, scoring=scoring, cv=cv or self.cv,
                              n_jobs=self.n_jobs, error_score="raise")
        start = time.perf_counter()
        search.fit(self.X_train if inputs is None else inputs, y)
        search.search_time_ = time.perf_counter() - start
        return search

    def _row(self, name, search, code_size):
        self.searches[name] = search
        row = {"method": name, "best params": _format_params(search.best_params_),
               "code size": code_size, "fit time (s)": search.refit_time_,
               "search time (s)": search.search_time_}
        self.rows.append(row)
        return row

    def _add_reducer(self, name, search):
        row = self._row(name, search, self.n_components)
        row["test reconstruction error"] = reconstruction_error(search.best_estimator_,
                                                                self.X_test)

    def table(self):
        """The results, one row per method, in the order they ran."""
        return pd.DataFrame(self.rows).reindex(columns=COLUMNS)

    def summary(self):
        """A JSON-ready description of the run and its results."""
        table = self.table()
        # JSON has no NaN: figures a method lacks become null.
        records = table.astype(object).where(table.notna(), None)
        return {
            "dataset": self.dataset.describe(),
            "n_train": len(self.X_train), "n_test": len(self.X_test),
            "scaling": self.scaling, "cv": self.cv, "max_epochs": self.max_epochs,
            "random_state": self.random_state, "n_labeled": getattr(self, "n_labeled", 0),
            "best_params": {name: {key: _json_value(value) for key, value
                                   in search.best_params_.items()}
                            for name, search in self.searches.items()},
            "results": records.to_dict(orient="records"),
        }

    def best(self, name):
        return self.searches[name].best_estimator_

    def refit_code_sizes(self, sizes):
        """Test reconstruction error of PCA and the best autoencoder at other code sizes.

        Returns ``(sizes, {"PCA": [...], "AutoencoderTransformer": [...]}, fitted)`` where
        ``fitted`` maps ``(method, size)`` to the model, for reuse (e.g. 2-D codes).
        """
        sizes = sorted({s for s in sizes if 1 <= s < self.X_train.shape[1]}
                       | {self.n_components})
        errors, fitted = {"PCA": [], "AutoencoderTransformer": []}, {}
        for name in errors:
            for size in sizes:
                model = (self.best(name) if size == self.n_components
                         else clone(self.best(name)).set_params(n_components=size)
                         .fit(self.X_train))
                fitted[name, size] = model
                errors[name].append(reconstruction_error(model, self.X_test))
        return sizes, errors, fitted


def _format_params(params):
    return ", ".join(f"{key}={value!r}" for key, value in sorted(params.items()))


def _json_value(value):
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)
