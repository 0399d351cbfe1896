import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer, reconstruction_error
from skae.modules.dense import ACTIVATIONS
from skae.penalties import contractive
from skae.regularizers import KL, L1, Contractive, TopK

from .conftest import FAST


def test_fit_transform_inverse_shapes(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(3, **FAST).fit(X)
    codes = ae.transform(X)
    assert codes.shape == (200, 3) and codes.dtype == np.float32
    assert ae.inverse_transform(codes).shape == X.shape
    assert ae.n_features_in_ == 10
    assert ae.n_iter_ == len(ae.loss_curve_) == 3
    assert ae.validation_scores_ is None
    np.testing.assert_allclose(ae.fit_transform(X), codes, rtol=1e-5, atol=1e-6)


def test_overcomplete_code(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(32, **{**FAST, "hidden_layer_sizes": (16,)}).fit(X)
    assert ae.transform(X).shape == (200, 32)


def test_linear_autoencoder_matches_pca(digits):
    X, _ = digits
    pca_error = reconstruction_error(PCA(n_components=8).fit(X), X)
    ae = AutoencoderTransformer(
        8, hidden_layer_sizes=(), activation="identity", lr=1e-2, batch_size=256,
        max_epochs=100, random_state=0,
    ).fit(X)
    assert reconstruction_error(ae, X) <= 1.05 * pca_error
    assert ae.score(X) == pytest.approx(-reconstruction_error(ae, X), rel=1e-5)


def test_score_samples_flags_outliers(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(2, **{**FAST, "max_epochs": 30}).fit(X)
    outliers = np.random.default_rng(1).normal(scale=10, size=(5, 10)).astype(np.float32)
    scores = ae.score_samples(np.vstack([X, outliers]))
    assert scores.shape == (205,)
    assert np.all(scores <= 0)
    assert scores[-5:].max() < np.median(scores[:-5])


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_trains(blobs, activation):
    X, _ = blobs
    ae = AutoencoderTransformer(2, activation=activation, **FAST).fit(X)
    assert np.isfinite(ae.transform(X)).all()
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


def test_bce_loss_on_unit_interval(digits01):
    X, _ = digits01
    ae = AutoencoderTransformer(4, loss="bce", **FAST).fit(X)
    reconstruction = ae.inverse_transform(ae.transform(X))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1


def test_bce_rejects_data_outside_unit_interval(blobs):
    with pytest.raises(ValueError, match=r"loss='bce' needs X in \[0, 1\].*MinMaxScaler"):
        AutoencoderTransformer(loss="bce", **FAST).fit(blobs[0])


def test_bce_rejects_unbounded_output(digits01):
    with pytest.raises(ValueError, match=r"loss='bce' needs reconstructions in \[0, 1\], but "
                                         r"decoder__output_activation='identity'; use 'sigmoid'"):
        AutoencoderTransformer(loss="bce", decoder__output_activation="identity",
                               **FAST).fit(digits01[0])


def test_tied_weights_halve_parameters_and_share_storage(blobs):
    X, _ = blobs
    params = {**FAST, "hidden_layer_sizes": (6,)}
    tied = AutoencoderTransformer(3, encoder__tied_weights=True, linear_path=False, **params).fit(X)
    untied = AutoencoderTransformer(3, linear_path=False, **params).fit(X)
    count = lambda ae: sum(p.numel() for p in ae.net_.module_.parameters())  # noqa: E731
    weights = 10 * 6 + 6 * 3
    assert count(untied) - count(tied) == weights
    first_encoder = tied.encoder_.linears[0]
    last_decoder = tied.decoder_.layers[-1][0]
    assert last_decoder.tied_to is first_encoder


def test_dropout_batch_norm_and_weight_decay_train(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(
        2, dropout=0.2, encoder__batch_norm=True, weight_decay=1e-3, **FAST).fit(X)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in ae.encoder_.modules())
    assert any(isinstance(m, torch.nn.Dropout) for m in ae.decoder_.modules())
    np.testing.assert_array_equal(ae.transform(X[:5]), ae.transform(X[:5]))


def test_l1_sparsity_shrinks_codes(blobs):
    X, _ = blobs
    params = {**FAST, "max_epochs": 20}
    plain = AutoencoderTransformer(8, linear_path=False, **params).fit(X)
    sparse = AutoencoderTransformer(8, regularizer=L1(0.1), **params).fit(X)
    assert np.abs(sparse.transform(X)).mean() < np.abs(plain.transform(X)).mean()


def test_kl_sparsity_pulls_mean_activation_to_target(blobs):
    X, _ = blobs
    params = {**FAST, "max_epochs": 30}
    loose = AutoencoderTransformer(8, regularizer=KL(weight=0.0), **params).fit(X)
    tight = AutoencoderTransformer(8, regularizer=KL(weight=1.0, target=0.05),
                                   **params).fit(X)
    codes = tight.transform(X)
    assert codes.min() >= 0 and codes.max() <= 1
    assert abs(codes.mean() - 0.05) < abs(loose.transform(X).mean() - 0.05)


def test_topk_sparsity_keeps_k_units(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(10, regularizer=TopK(0.3), **FAST).fit(X)
    codes = ae.transform(X)
    assert ((codes != 0).sum(axis=1) <= 3).all()
    assert ((codes != 0).sum(axis=1) == 3).mean() > 0.9


def test_contractive_penalty_flattens_the_encoder(blobs):
    X, _ = blobs
    params = {**FAST, "max_epochs": 15, "activation": "tanh"}
    plain = AutoencoderTransformer(4, **params).fit(X)
    contracted = AutoencoderTransformer(4, regularizer=Contractive(1.0), **params).fit(X)
    def penalty(encoder):
        X_t = torch.as_tensor(X).requires_grad_(True)
        return contractive(encoder(X_t), X_t)

    assert penalty(contracted.encoder_) < penalty(plain.encoder_)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_optimizers(blobs, optimizer):
    X, _ = blobs
    momentum = {"optimizer__momentum": 0.5} if optimizer == "sgd" else {}
    ae = AutoencoderTransformer(2, optimizer=optimizer, **momentum, **{**FAST, "lr": 1e-2}).fit(X)
    assert type(ae.net_.optimizer_).__name__.lower() == optimizer
    if optimizer == "sgd":
        assert ae.net_.optimizer_.param_groups[0]["momentum"] == 0.5


def test_early_stopping_holds_out_rows_and_stops(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(
        2, validation_fraction=0.2, n_iter_no_change=2, tol=10.0,
        **{**FAST, "max_epochs": 50, "early_stopping": True}).fit(X)
    # The starting weights set the best; epochs 1, 2 and 3 cannot beat it by tol=10, and
    # training stops after more than n_iter_no_change=2 epochs without improvement.
    assert ae.n_iter_ == 3
    assert len(ae.validation_scores_) == ae.n_iter_
    assert all(score < 0 for score in ae.validation_scores_)
    assert sum(ae.net_.history[0, "batches", :, "train_batch_size"]) == 160


@pytest.mark.parametrize("early_stopping", [True, False])
def test_one_row_is_refused_as_pca_refuses_it(blobs, early_stopping):
    with pytest.raises(ValueError, match="minimum of 2 is required by AutoencoderTransformer"):
        AutoencoderTransformer(**{**FAST, "early_stopping": early_stopping}).fit(blobs[0][:1])


def test_stops_when_training_loss_stalls(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(2, n_iter_no_change=1, tol=10.0, **{**FAST, "max_epochs": 50})
    # Epoch 1 improves; stops after more than n_iter_no_change=1 epochs without improvement.
    assert ae.fit(X).n_iter_ == 3


def test_verbose_prints_epoch_table(blobs, capsys):
    AutoencoderTransformer(2, verbose=1, **FAST).fit(blobs[0])
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out


def test_silent_by_default(blobs, capsys):
    AutoencoderTransformer(2, **FAST).fit(blobs[0])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_same_random_state_same_codes_and_global_rng_untouched(blobs):
    X, _ = blobs
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = AutoencoderTransformer(2, **FAST).fit(X).transform(X)
    assert torch.rand(1) == expected_next
    second = AutoencoderTransformer(2, **FAST).fit(X).transform(X)
    other = AutoencoderTransformer(2, **{**FAST, "random_state": 1}).fit(X).transform(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_pipeline_with_classifier(digits):
    X, y = digits
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("ae", AutoencoderTransformer(16, **{**FAST, "hidden_layer_sizes": (32,),
                                             "max_epochs": 10})),
        ("clf", LogisticRegression(max_iter=500)),
    ]).fit(X, y)
    assert pipe.score(X, y) > 0.8


def test_grid_search_puts_pca_and_autoencoder_side_by_side(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    pipe = Pipeline([("reduce", PCA()), ("clf", LogisticRegression(max_iter=300))])
    grid = GridSearchCV(pipe, [
        {"reduce": [PCA()], "reduce__n_components": [4, 8]},
        {"reduce": [AutoencoderTransformer(**FAST)], "reduce__n_components": [4, 8]},
    ], cv=2, n_jobs=2).fit(X, y)
    kinds = {type(params["reduce"]).__name__ for params in grid.cv_results_["params"]}
    assert kinds == {"PCA", "AutoencoderTransformer"}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_grid_search_without_labels_uses_score(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(**{**FAST, "max_epochs": 30, "lr": 1e-2})
    grid = GridSearchCV(ae, {"n_components": [1, 4]}, cv=2).fit(X)
    assert grid.best_params_ == {"n_components": 4}


def test_kmeans_on_codes_finds_clusters(blobs):
    X, labels = blobs
    codes = AutoencoderTransformer(2, **{**FAST, "max_epochs": 30}).fit_transform(X)
    clusters = KMeans(3, n_init=10, random_state=0).fit_predict(codes)
    assert adjusted_rand_score(labels, clusters) > 0.8


def test_clone_keeps_params_drops_fit(blobs):
    ae = AutoencoderTransformer(3, **FAST).fit(blobs[0])
    copy = clone(ae)
    assert copy.get_params() == ae.get_params()
    assert not hasattr(copy, "net_")


@pytest.mark.parametrize("roundtrip", ["pickle", "joblib"])
def test_persistence_gives_identical_output(blobs, roundtrip, tmp_path):
    X, _ = blobs
    ae = AutoencoderTransformer(3, **FAST).fit(X)
    if roundtrip == "pickle":
        loaded = pickle.loads(pickle.dumps(ae))
    else:
        joblib.dump(ae, tmp_path / "ae.joblib")
        loaded = joblib.load(tmp_path / "ae.joblib")
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), ae.score_samples(X))
    assert loaded.encoder_ is loaded.net_.module_.encoder


def test_pandas_in_pandas_out(blobs):
    X, _ = blobs
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(10)])
    ae = AutoencoderTransformer(3, **FAST).set_output(transform="pandas").fit(df)
    codes = ae.transform(df)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [f"autoencodertransformer{i}" for i in range(3)]
    assert list(ae.feature_names_in_) == list(df.columns)
    assert list(ae.get_feature_names_out()) == list(codes.columns)
    with pytest.warns(UserWarning, match="feature names"):
        ae.transform(X)


def test_encoder_and_decoder_usable_directly(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(3, **FAST).fit(X)
    with torch.no_grad():
        codes = ae.encoder_(torch.as_tensor(X)).numpy()
        back = ae.decoder_(torch.as_tensor(codes)).numpy()
    np.testing.assert_allclose(codes, ae.transform(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(back, ae.inverse_transform(codes), rtol=1e-5, atol=1e-6)


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    ae = AutoencoderTransformer()
    with pytest.raises(NotFittedError):
        ae.transform(np.zeros((2, 3)))
    assert not hasattr(ae, "encoder_")


@pytest.mark.parametrize(("bad", "message"), [
    (np.nan, "Input X contains NaN"),
    (np.inf, "Input X contains infinity"),
])
def test_rejects_nan_and_inf(blobs, bad, message):
    X = blobs[0].copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(**FAST).fit(X)
    ae = AutoencoderTransformer(**FAST).fit(blobs[0])
    with pytest.raises(ValueError, match=message):
        ae.transform(X)


def test_rejects_wrong_feature_count(blobs):
    ae = AutoencoderTransformer(**FAST).fit(blobs[0])
    with pytest.raises(ValueError, match="X has 4 features, but AutoencoderTransformer is "
                                         "expecting 10 features"):
        ae.transform(blobs[0][:, :4])
    with pytest.raises(ValueError, match="expects codes of n_components_=2 values"):
        ae.inverse_transform(np.zeros((3, 5)))


def test_rejects_empty_input():
    with pytest.raises(ValueError, match="0 sample"):
        AutoencoderTransformer(**FAST).fit(np.empty((0, 4)))


def test_rejects_non_numeric_columns(blobs):
    df = pd.DataFrame(blobs[0]).assign(colour="red")
    with pytest.raises(ValueError, match=r"columns \['colour'\] are not numeric.*OneHotEncoder"):
        AutoencoderTransformer(**FAST).fit(df)


def test_rejects_non_numeric_array_values(blobs):
    X = blobs[0].astype(object)
    X[0, 1] = "red"
    with pytest.raises(ValueError, match="X holds non-numeric values.*'red'.*OneHotEncoder"):
        AutoencoderTransformer(**FAST).fit(X)


def test_accepts_boolean_columns(blobs):
    df = pd.DataFrame(blobs[0], columns=[f"f{i}" for i in range(10)])
    df["member"] = np.arange(200) % 2 == 0
    assert AutoencoderTransformer(**FAST).fit(df).n_features_in_ == 11


def test_rejects_bad_hidden_layer_sizes(blobs):
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive integers"):
        AutoencoderTransformer(hidden_layer_sizes=(8, 0)).fit(blobs[0])


def test_diverging_loss_names_epoch_and_lr(blobs):
    X = blobs[0] * 1e3
    ae = AutoencoderTransformer(optimizer="sgd", **{**FAST, "lr": 1e3})
    with pytest.raises(FloatingPointError, match=r"at epoch 1.*Try a lower lr \(it is 1000"):
        ae.fit(X)


def test_auto_device_falls_back_to_cpu(blobs):
    ae = AutoencoderTransformer(device="auto", **FAST).fit(blobs[0])
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert str(ae.net_.device).startswith(expected) or torch.backends.mps.is_available()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_clear_error(blobs):
    with pytest.raises(ValueError, match="CUDA is not available.*device='cpu'"):
        AutoencoderTransformer(device="cuda", **FAST).fit(blobs[0])


def test_invalid_device_string(blobs):
    with pytest.raises(ValueError, match="is not a torch device"):
        AutoencoderTransformer(device="gpu0", **FAST).fit(blobs[0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_trains_and_infers_on_cuda(blobs):
    X, _ = blobs
    ae = AutoencoderTransformer(3, device="cuda", **FAST).fit(X)
    assert next(ae.encoder_.parameters()).is_cuda
    codes = ae.transform(X)
    assert isinstance(codes, np.ndarray) and codes.shape == (200, 3)
    assert ae.score(X) < 0
    cpu_copy = pickle.loads(pickle.dumps(ae))
    np.testing.assert_allclose(cpu_copy.transform(X), codes, rtol=1e-4, atol=1e-5)
