import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, check_scoring, make_scorer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading
from skorch.callbacks import Callback

from skae import AutoencoderTransformer, DenoisingAutoencoder, PretrainedAEClassifier
from skae._labels import propagated_labels, unit_rows, unlabeled_mask

from .conftest import FAST, FAST_CLASSIFIER

AE = AutoencoderTransformer(4, **{**FAST, "hidden_layer_sizes": (16, 8)})


@pytest.fixture(scope="module")
def few_labels(digits):
    """600 digits, of which the first 100 keep their label."""
    X, y = digits
    X, y = X[:600], y[:600]
    y_few = np.where(np.arange(600) < 100, y, -1)
    return X, y, y_few


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_plain_fine_tuning_uses_unlabeled_rows_for_pretraining_only(few_labels):
    X, y, y_few = few_labels
    clf = PretrainedAEClassifier(AE, reconstruction_weight=0, consistency_weight=0,
                                 pseudo_label_weight=0, **FAST_CLASSIFIER).fit(X, y_few)
    assert clf.autoencoder_.n_features_in_ == 64
    assert sum(clf.autoencoder_.net_.history[0, "batches", :, "train_batch_size"]) == 600
    assert sum(clf.net_.history[0, "batches", :, "train_batch_size"]) == 100
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    proba = clf.predict_proba(X)
    assert proba.shape == (600, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X[100:], y[100:]) > 0.5
    assert clf.transform(X).shape == (600, 4)
    assert clf.n_iter_ == len(clf.loss_curve_) == FAST_CLASSIFIER["max_epochs"]


def test_does_not_touch_the_autoencoder_it_was_given(few_labels):
    X, _, y_few = few_labels
    autoencoder = clone(AE)
    clf = PretrainedAEClassifier(autoencoder, **FAST_CLASSIFIER).fit(X, y_few)
    assert not hasattr(autoencoder, "net_")
    assert clf.autoencoder_ is not autoencoder
    assert clf.autoencoder_.get_params() == autoencoder.get_params()


def test_fine_tuning_leaves_the_pretrained_autoencoder_as_it_was(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)
    assert not np.allclose(clf.transform(X), clf.autoencoder_.transform(X))
    assert clf.net_.module_.encoder is not clf.autoencoder_.encoder_


def test_string_labels_with_minus_one_for_unlabeled(few_labels):
    X, y, y_few = few_labels
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine"], dtype=object)
    y_obj = names[y].copy()
    y_obj[y_few == -1] = -1
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_obj)
    assert sorted(clf.classes_) == sorted(names)
    assert set(clf.predict(X)) <= set(names)
    y_str = names[y].astype(str)
    y_str[y_few == -1] = "-1"
    assert "-1" not in PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_str).classes_


def test_unlabeled_mask():
    np.testing.assert_array_equal(unlabeled_mask(np.array([-1, 0, 2])), [True, False, False])
    np.testing.assert_array_equal(unlabeled_mask(np.array(["a", "-1"])), [False, True])
    np.testing.assert_array_equal(unlabeled_mask(np.array(["a", -1], dtype=object)),
                                  [False, True])
    np.testing.assert_array_equal(unlabeled_mask(np.array([1.0, -1.0])), [False, True])


def test_all_rows_unlabeled_is_a_clear_error(few_labels):
    X, _, _ = few_labels
    with pytest.raises(ValueError, match="All 600 labels are -1 .*label some rows"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, np.full(600, -1))


def test_one_labeled_class_is_a_clear_error(few_labels):
    X, _, _ = few_labels
    y = np.full(600, -1)
    y[:5] = 3
    with pytest.raises(ValueError, match="at least two classes, but y has one class: 3"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y)


def test_continuous_targets_are_rejected(few_labels):
    X, _, _ = few_labels
    with pytest.raises(ValueError, match="Unknown label type"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, np.linspace(0, 1, 600))


def test_score_refuses_labels_never_seen(few_labels):
    X, y, y_few = few_labels
    keep = (y_few == -1) | (y_few < 5)
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X[keep], y_few[keep])
    np.testing.assert_array_equal(clf.classes_, np.arange(5))
    with pytest.raises(ValueError, match=r"labels the classifier never saw in fit: \[5, 6"):
        clf.score(X, y)
    assert 0 <= clf.score(X[y < 5], y[y < 5]) <= 1


def test_score_leaves_unlabeled_rows_out(few_labels):
    X, y, y_few = few_labels
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)
    partly = np.where(np.arange(len(y)) % 2 == 0, y, -1)
    assert clf.score(X, partly) == clf.score(X[partly != -1], y[partly != -1])
    with pytest.raises(ValueError, match="PretrainedAEClassifier.score: every row of y is -1"):
        clf.score(X, np.full_like(y, -1))


def test_model_selection_scores_folds_on_their_labeled_rows(few_labels):
    # Regression: every fold's score was NaN (score refused -1) and the search silently
    # picked the first candidate.
    X, _, y_few = few_labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "scores are non-finite" warning
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs, by design
        grid = GridSearchCV(PretrainedAEClassifier(AE, **FAST_CLASSIFIER),
                            {"freeze_encoder": [True, False]}, cv=2).fit(X, y_few)
        scores = cross_val_score(PretrainedAEClassifier(AE, **FAST_CLASSIFIER), X, y_few,
                                 cv=2)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert np.isfinite(scores).all() and (scores > 0.2).all()


def test_rejects_wrong_feature_count_and_nan(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)
    with pytest.raises(ValueError, match="X has 10 features, but PretrainedAEClassifier is "
                                         "expecting 64 features"):
        clf.predict(X[:, :10])
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(X_nan)


def test_transfer_learning_reuses_a_fitted_encoder(few_labels):
    X, _, y_few = few_labels
    pretrained = clone(AE).fit(X)
    before = _params(pretrained.net_.module_)
    clf = PretrainedAEClassifier(pretrained, refit_autoencoder=False, freeze_encoder=True,
                                 **FAST_CLASSIFIER).fit(X, y_few)
    np.testing.assert_array_equal(clf.autoencoder_.transform(X), pretrained.transform(X))
    np.testing.assert_array_equal(clf.transform(X), pretrained.transform(X))
    for old, new in zip(before, pretrained.net_.module_.parameters(), strict=True):
        assert torch.equal(old, new)
    refit = PretrainedAEClassifier(pretrained, **FAST_CLASSIFIER).fit(X, y_few)
    assert refit.autoencoder_.net_ is not pretrained.net_


def test_frozen_autoencoder_survives_clone_in_a_grid(few_labels):
    X, _, y_few = few_labels
    pretrained = clone(AE).fit(X)
    clf = PretrainedAEClassifier(FrozenEstimator(pretrained), freeze_encoder=True,
                                 **FAST_CLASSIFIER)
    labeled = y_few != -1
    grid = GridSearchCV(clf, {"lr": [1e-2, 3e-2]}, cv=2).fit(X[labeled], y_few[labeled])
    np.testing.assert_array_equal(grid.best_estimator_.transform(X), pretrained.transform(X))
    unfitted = PretrainedAEClassifier(FrozenEstimator(clone(AE)), **FAST_CLASSIFIER)
    with pytest.raises(ValueError, match="wraps an unfitted AutoencoderTransformer; fit it"):
        unfitted.fit(X, y_few)
    wrong = PretrainedAEClassifier(FrozenEstimator(PCA(2).fit(X)), **FAST_CLASSIFIER)
    with pytest.raises(ValueError, match="must wrap a fitted AutoencoderTransformer"):
        wrong.fit(X, y_few)


def test_transfer_checks_the_features(few_labels):
    X, _, y_few = few_labels
    pretrained = clone(AE).fit(X[:, :32])
    clf = PretrainedAEClassifier(pretrained, refit_autoencoder=False, **FAST_CLASSIFIER)
    with pytest.raises(ValueError, match="fitted on 32 features, but X has 64.*refit_"):
        clf.fit(X, y_few)
    columns = [f"p{i}" for i in range(64)]
    pretrained = clone(AE).fit(pd.DataFrame(X, columns=columns))
    renamed = pd.DataFrame(X, columns=[f"q{i}" for i in range(64)])
    with pytest.raises(ValueError, match="reorder or rename the columns"):
        clf.set_params(autoencoder=pretrained).fit(renamed, y_few)


def test_freeze_encoder_true_trains_only_the_head(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, freeze_encoder=True, **FAST_CLASSIFIER).fit(X, y_few)
    np.testing.assert_array_equal(clf.transform(X), clf.autoencoder_.transform(X))
    assert all(not p.requires_grad for p in clf.net_.module_.encoder.parameters())


def test_freeze_leading_layers(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, freeze_encoder=1, **FAST_CLASSIFIER).fit(X, y_few)
    tuned, pretrained = clf.net_.module_.encoder.layers, clf.autoencoder_.encoder_.layers
    for old, new in zip(pretrained[0].parameters(), tuned[0].parameters(), strict=True):
        assert torch.equal(old.cpu(), new.cpu())
    assert not torch.equal(pretrained[1][0].weight.cpu(), tuned[1][0].weight.cpu())


def test_frozen_batch_norm_keeps_its_statistics(few_labels):
    X, _, y_few = few_labels
    autoencoder = clone(AE).set_params(encoder__batch_norm=True)
    clf = PretrainedAEClassifier(autoencoder, freeze_encoder=True, **FAST_CLASSIFIER)
    clf.fit(X, y_few)
    np.testing.assert_allclose(clf.transform(X), clf.autoencoder_.transform(X), rtol=1e-6)


def test_freezing_more_layers_than_the_encoder_has(few_labels):
    X, _, y_few = few_labels
    with pytest.raises(ValueError, match="Cannot freeze 5 layers of an encoder with 3 layers"):
        PretrainedAEClassifier(AE, freeze_encoder=5, **FAST_CLASSIFIER).fit(X, y_few)


def test_greedy_pretraining_trains_layer_by_layer(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, pretraining="greedy", **FAST_CLASSIFIER).fit(X, y_few)
    autoencoder = clf.autoencoder_
    assert autoencoder.n_iter_ == 3 * FAST["max_epochs"]  # three layers: 64-16, 16-8, 8-4
    assert len(autoencoder.loss_curve_) == 9
    assert autoencoder.transform(X).shape == (600, 4)
    assert autoencoder.reconstruct(X).shape == X.shape
    joint = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)
    assert not np.allclose(autoencoder.transform(X), joint.autoencoder_.transform(X))


def test_greedy_layers_are_the_stacked_network(digits):
    X, _ = digits
    autoencoder = clone(AE).set_params(encoder__tied_weights=True, max_epochs=5,
                                             pretraining="greedy")
    autoencoder.fit(X)
    first_pair = torch.nn.Sequential(autoencoder.encoder_.layers[0],
                                     autoencoder.decoder_.layers[-1]).eval()
    with torch.no_grad():
        error = torch.mean((first_pair(torch.as_tensor(X)) - torch.as_tensor(X)) ** 2)
    assert float(error) < np.var(X)  # the outer pair was trained to rebuild X
    assert autoencoder.decoder_.layers[-1][0].tied_to is autoencoder.encoder_.linears[0]


def test_denoising_autoencoder_and_greedy_stacked_denoising(few_labels):
    X, _, y_few = few_labels
    dae = DenoisingAutoencoder(4, noise="masking", noise_level=0.3,
                               **{**FAST, "hidden_layer_sizes": (16,)})
    for pretraining in ("joint", "greedy"):
        clf = PretrainedAEClassifier(dae, pretraining=pretraining, **FAST_CLASSIFIER)
        assert isinstance(clf.fit(X, y_few).autoencoder_, DenoisingAutoencoder)


def test_head_hidden_layers_and_dropout(few_labels):
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, head_hidden_layer_sizes=(12,), dropout=0.2,
                                 activation="tanh", **FAST_CLASSIFIER).fit(X, y_few)
    head = clf.net_.module_.head
    kinds = [type(m).__name__ for m in head.modules()]
    assert kinds.count("Linear") == 2 and "Dropout" in kinds and "Tanh" in kinds
    np.testing.assert_array_equal(clf.predict_proba(X[:5]), clf.predict_proba(X[:5]))


def test_default_autoencoder_and_seeding(few_labels):
    X, _, y_few = few_labels
    params = {**FAST_CLASSIFIER, "max_epochs": 2}
    clf = PretrainedAEClassifier(**params)
    clf.fit(X[:200], y_few[:200])
    assert isinstance(clf.autoencoder_, DenoisingAutoencoder)
    assert clf.autoencoder_.n_components == 32
    assert clf.autoencoder_.random_state is not None
    assert (clf.autoencoder_.activation, clf.autoencoder_.dropout) == ("relu", 0.0)
    assert (clf.autoencoder_.activation_, clf.autoencoder_.dropout_) == ("relu", 0.0)
    again = PretrainedAEClassifier(**params).fit(X[:200], y_few[:200])
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


def test_grid_over_freezing_and_code_size(few_labels):
    X, y, _ = few_labels
    grid = GridSearchCV(
        PretrainedAEClassifier(AE, **{**FAST_CLASSIFIER, "max_epochs": 5}),
        {"freeze_encoder": [False, True], "autoencoder__n_components": [2, 4]}, cv=2,
    ).fit(X[:300], y[:300])
    assert set(grid.best_params_) == {"freeze_encoder", "autoencoder__n_components"}
    assert grid.best_estimator_.autoencoder_.n_components == grid.best_params_[
        "autoencoder__n_components"]


def test_pipeline_cross_val_score_pickle_and_pandas(few_labels):
    X, y, _ = few_labels
    columns = [f"pixel{i}" for i in range(64)]
    df = pd.DataFrame(X, columns=columns)
    pipe = make_pipeline(StandardScaler(), PretrainedAEClassifier(AE, **FAST_CLASSIFIER))
    scores = cross_val_score(pipe, df, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.3).all()
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).set_output(transform="pandas")
    clf.fit(df, y)
    codes = clf.transform(df)
    assert list(codes.columns) == [f"pretrainedaeclassifier{i}" for i in range(4)]
    assert list(clf.feature_names_in_) == columns
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(df), clf.predict_proba(df))
    copied = copy.deepcopy(clf)
    np.testing.assert_array_equal(copied.predict(df), clf.predict(df))


def test_codes_feed_another_classifier(few_labels):
    X, y, _ = few_labels
    pipe = make_pipeline(PretrainedAEClassifier(AE, **FAST_CLASSIFIER),
                         LogisticRegression(max_iter=500))
    assert pipe.fit(X, y).score(X, y) > 0.5


def test_early_stopping_holds_out_labeled_rows_per_class(few_labels):
    X, y, _ = few_labels
    clf = PretrainedAEClassifier(AE, validation_fraction=0.2, reconstruction_weight=0,
                                 consistency_weight=0, pseudo_label_weight=0,
                                 **{**FAST_CLASSIFIER, "early_stopping": True}).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert sum(clf.net_.history[0, "batches", :, "train_batch_size"]) == 480


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PretrainedAEClassifier().predict(np.zeros((2, 3)))


def test_diverging_fine_tuning_is_a_clear_error(few_labels):
    X, _, y_few = few_labels
    pretrained = clone(AE).fit(X)
    clf = PretrainedAEClassifier(pretrained, refit_autoencoder=False, optimizer="sgd",
                                 **{**FAST_CLASSIFIER, "lr": 1e6})
    with pytest.raises(FloatingPointError, match=r"at epoch \d+.*Try a lower lr \(it is 1000000"):
        clf.fit(X * 1e3, y_few)


def test_semi_supervised_fine_tuning_reads_every_row(few_labels):
    X, y, y_few = few_labels
    dae = DenoisingAutoencoder(4, **{**FAST, "hidden_layer_sizes": (16, 8)})
    clf = PretrainedAEClassifier(dae, **FAST_CLASSIFIER).fit(X, y_few)
    sizes = clf.net_.history[0, "batches", :, "train_batch_size"]
    # Every row once per epoch, each step topped up with batch_size // 8 = 4 labeled rows.
    assert sum(sizes) == 600 + 4 * len(sizes)
    assert clf.net_.module_.decoder is not None
    assert clf.net_.module_.corruption is not None
    assert clf.score(X[100:], y[100:]) > 0.5


def test_semi_supervised_beats_plain_fine_tuning_with_few_labels(digits):
    X, y = digits
    y_few = np.full_like(y, -1)
    y_few[:50] = y[:50]
    ae = FrozenEstimator(DenoisingAutoencoder(16, hidden_layer_sizes=(64,), max_epochs=20,
                                              random_state=0).fit(X))
    scores = [PretrainedAEClassifier(ae, reconstruction_weight=w, consistency_weight=w,
                                     pseudo_label_weight=p, max_epochs=10, random_state=0)
              .fit(X, y_few).score(X[50:], y[50:]) for w, p in ((0, 0), (1, 0), (0, 1))]
    # Either way of learning from the unlabeled rows beats plain fine-tuning.
    assert scores[1] > scores[0] + 0.02
    assert scores[2] > scores[0] + 0.02


def test_pseudo_labels_spread_along_the_codes():
    # Neighbours are by cosine similarity: three clusters in three directions.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=300)
    X = 5 * np.eye(3)[y] + rng.normal(scale=0.5, size=(300, 3))
    X[-1], y[-1] = [3, 3, 0], 0  # between the first two clusters
    targets = np.full(len(y), -1)
    first = np.concatenate([np.flatnonzero(y == c)[:3] for c in range(3)])  # 3 per cluster
    targets[first] = y[first]
    classes, certainty = propagated_labels(X, targets, n_classes=3)
    assert np.mean(classes == y) > 0.95
    assert np.all((certainty >= 0) & (certainty <= 1 + 1e-9))
    assert certainty[-1] < 0.9 < np.median(certainty)


def test_rows_the_labels_never_reach_get_no_pseudo_label_weight():
    # A cluster with no labeled row, out of reach of the graph: uniform, certainty 0.
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(40, 2)) + [50, 0], rng.normal(size=(40, 2)) + [0, 50],
                        rng.normal(size=(40, 2)) - [50, 50]])
    targets = np.full(120, -1)
    targets[[0, 40]] = [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classes, certainty = propagated_labels(X, targets, n_classes=2)
    assert np.all(classes[:40] == 0) and np.all(classes[40:80] == 1)
    np.testing.assert_array_equal(certainty[80:], 0)


def test_pseudo_labels_average_the_spread_labels_of_the_neighbours():
    # One more averaging over the graph labels more rows right than the spreading's own
    # labels (digits, 30 labels).
    X, y = load_digits(return_X_y=True)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    for seed in range(3):
        targets = np.full(len(y), -1)
        first = np.random.default_rng(seed).choice(len(y), 30, replace=False)
        targets[first] = y[first]
        spread = LabelSpreading(kernel="knn", n_neighbors=10, alpha=0.2, max_iter=100)
        spread_right = spread.fit(unit, targets).transduction_ == y
        ours_right = propagated_labels(X, targets, n_classes=10)[0] == y
        assert ours_right[targets < 0].mean() > spread_right[targets < 0].mean() + 0.005


def test_pseudo_labels_weigh_in_training_only(few_labels):
    X, y, y_few = few_labels
    clf = PretrainedAEClassifier(AE, reconstruction_weight=0, consistency_weight=0,
                                 pseudo_label_weight=1.0, **FAST_CLASSIFIER).fit(X, y_few)
    # Fine-tuning read every row, though only 100 carry labels.
    sizes = clf.net_.history[0, "batches", :, "train_batch_size"]
    assert sum(sizes) == 600 + 4 * len(sizes)
    net = clf.net_
    logits = torch.zeros(4, 10)
    targets = torch.tensor([[3, 0, 0.0], [-1, 2, 1.0], [-1, 5, 0.5], [-1, 0, 0.0]])
    ce = np.log(10)  # uniform logits
    assert net.get_loss(logits, targets, training=False).item() == pytest.approx(ce)
    expected = ce + (1.0 + 0.5) * ce / 4
    assert net.get_loss(logits, targets, training=True).item() == pytest.approx(expected)


def test_pseudo_labels_spread_over_the_pretrained_and_the_plainly_fine_tuned_codes(
        few_labels, monkeypatch):
    X, y, y_few = few_labels
    seen = []

    def spy(codes, targets, n_classes):
        seen.append((codes, targets))
        return propagated_labels(codes, targets, n_classes)

    class Starts(Callback):
        count = 0

        def on_train_begin(self, net, **kwargs):
            Starts.count += 1

    monkeypatch.setattr("skae._pretraining.propagated_labels", spy)
    clf = PretrainedAEClassifier(AE, callbacks=[("starts", Starts())],
                                 **FAST_CLASSIFIER).fit(X, y_few)
    (codes, targets), = seen
    np.testing.assert_array_equal(targets[:100], y[:100])
    assert codes.shape == (600, 8)
    np.testing.assert_allclose(codes[:, :4], unit_rows(clf.autoencoder_.transform(X)),
                               atol=1e-6)
    # The second half: the encoder fine-tuned on the 100 labeled rows alone.
    plain = PretrainedAEClassifier(
        FrozenEstimator(clf.autoencoder_), reconstruction_weight=0, consistency_weight=0,
        pseudo_label_weight=0, **FAST_CLASSIFIER).fit(X[:100], y[:100])
    np.testing.assert_allclose(codes[:, 4:], unit_rows(plain.transform(X)), atol=1e-5)
    assert not np.allclose(codes[:, 4:], codes[:, :4], atol=0.05)
    assert Starts.count == 1  # the user's callbacks see the classifier's fine-tuning only


def test_string_labels_in_semi_supervised_fine_tuning(few_labels):
    X, y, _ = few_labels
    names = np.array(list("abcdefghij"), dtype=object)[y]
    names[100:] = -1
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, names)
    assert set(clf.predict(X)) <= set("abcdefghij")


def _scale(n=90):
    """Rows of three groups labeled -1, 0 and 1 (a sentiment scale), 30 each."""
    rng = np.random.default_rng(0)
    y = np.repeat([-1, 0, 1], n // 3)
    X = rng.normal(size=(n, 6)) + 3 * y[:, None]
    return X.astype(np.float32), y


def test_minus_one_rows_fewer_than_the_labeled_ones_are_a_warning():
    # Regression: a class -1 of a -1/0/1 scale silently became a third of unlabeled rows.
    X, y = _scale()
    with pytest.warns(UserWarning, match=r"30 of the 90 rows of y are -1, which marks "
                                         r"unlabeled rows .* is -1 a class\? classes_ is "
                                         r"\[0, 1\], without it.*LabelEncoder"):
        clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1])


def test_many_unlabeled_rows_fit_without_a_warning(few_labels):
    X, _, y_few = few_labels
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*marks unlabeled rows")
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)


def test_minus_one_and_one_say_why_one_class_is_left():
    # Regression: "y has one class: 1" without saying that the -1 rows were set aside.
    X, y = _scale()
    y = np.where(y == 0, 1, y)
    with pytest.raises(ValueError, match=r"one class: 1 once its 30 rows of -1 \(unlabeled, "
                                         r"as in sklearn.semi_supervised\) are set aside. "
                                         r"If -1 is a class .*recode y"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y)


@pytest.mark.parametrize("classes", [[-1, 0, 1], ["-1", "a", "b"]])
def test_partial_fit_refuses_minus_one_among_classes(classes):
    # Regression: -1 was dropped from classes without a word.
    X, y = _scale()
    y = np.asarray(classes, dtype=object)[y + 1] if isinstance(classes[0], str) else y
    with pytest.raises(ValueError, match="PretrainedAEClassifier: classes holds -1, which "
                                         "marks unlabeled rows"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).partial_fit(X, y, classes=classes)


def test_string_scorers_count_minus_one_rows_and_a_labeled_scorer_does_not(few_labels):
    # What the Notes say: scoring=None leaves -1 rows out, 'accuracy' counts them as
    # errors, and make_scorer of a metric that drops them agrees with score.
    X, _, y_few = few_labels
    clf = PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X, y_few)

    def labeled_accuracy(y_true, y_pred):
        return accuracy_score(y_true[y_true != -1], y_pred[y_true != -1])

    own = clf.score(X, y_few)
    assert own == pytest.approx(make_scorer(labeled_accuracy)(clf, X, y_few))
    assert check_scoring(clf, "accuracy")(clf, X, y_few) < own / 4


def test_pretraining_errors_name_the_classifier(few_labels):
    X, _, y_few = few_labels
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="PretrainedAEClassifier could not pretrain its "
                                         "autoencoder: Input X contains NaN"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X_nan, y_few)
    with pytest.raises(ValueError, match="0 sample.*required by PretrainedAEClassifier"):
        PretrainedAEClassifier(AE, **FAST_CLASSIFIER).fit(X[:0], y_few[:0])
