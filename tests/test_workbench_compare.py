import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.utils.multiclass import type_of_target

from skae import AutoencoderTransformer
from skae.workbench.compare import DEFAULT_MAX_EPOCHS, Workbench, default_n_components
from skae.workbench.inputs import (
    Dataset,
    InputError,
    load_dataset,
    parse_image_shape,
    unlabeled_mask,
)

FAST = dict(max_epochs=2, cv=2, random_state=0)


@pytest.fixture(scope="module")
def iris_run():
    workbench = Workbench(load_dataset("iris"), n_labels=30, **FAST)
    workbench.run(progress=False)
    return workbench


def test_every_method_is_a_fitted_grid_search(iris_run):
    table = iris_run.table()
    assert list(table["method"]) == list(iris_run.searches)
    assert len(table) == 8
    for search in iris_run.searches.values():
        assert isinstance(search, GridSearchCV) and hasattr(search, "best_estimator_")
    errors = table.set_index("method")["test reconstruction error"]
    assert errors[["PCA", "AutoencoderTransformer", "DenoisingAutoencoder"]].gt(0).all()
    assert errors.drop(["PCA", "AutoencoderTransformer", "DenoisingAutoencoder"]).isna().all()
    kmeans = table[table["method"].str.startswith("KMeans")]
    assert kmeans["KMeans ARI"].between(-1, 1).all() and kmeans["KMeans NMI"].between(0, 1).all()
    assert list(kmeans["code size"]) == [4, 2, 2]
    assert (table["fit time (s)"] <= table["search time (s)"]).all()


def test_later_methods_build_on_the_best_autoencoder(iris_run):
    autoencoder = iris_run.best("AutoencoderTransformer")
    denoising = iris_run.best("DenoisingAutoencoder")
    assert denoising.hidden_layer_sizes == autoencoder.hidden_layer_sizes
    classifier = iris_run.best("PretrainedAEClassifier")
    # Fine-tuning starts from the pretrained encoder instead of pretraining per fold.
    np.testing.assert_array_equal(classifier.autoencoder_.transform(iris_run.X_test),
                                  autoencoder.transform(iris_run.X_test))


def test_classifiers_get_the_same_few_labeled_rows(iris_run):
    rows = iris_run.labeled_rows()
    assert len(rows) == 30 == iris_run.n_labeled
    assert len(np.unique(iris_run.y_train[rows])) == 3
    logistic = iris_run.best("LogisticRegression on PCA codes")
    assert logistic.n_features_in_ == iris_run.n_components


def test_scaling_uses_training_rows_only(iris_run):
    np.testing.assert_allclose(iris_run.X_train.mean(axis=0), 0, atol=1e-5)
    assert np.abs(iris_run.X_test.mean(axis=0)).max() > 1e-3


def test_unlabeled_rows_and_data_without_labels():
    X, y = load_dataset("iris").X, load_dataset("iris").y.copy()
    y[::2] = -1
    partly = Workbench(Dataset("partly", X, y, list("abcd")), n_labels=20, **FAST)
    partly.split()
    rows = partly.labeled_rows()
    assert len(rows) == 20 and not np.any(partly.y_train[rows] == -1)
    partly.fit_kmeans("raw features", None)
    assert partly.rows[0]["KMeans ARI"] > 0.3  # scored on the labeled test rows only
    none = Workbench(Dataset("none", X, None, list("abcd")), n_clusters=3, **FAST)
    assert "PretrainedAEClassifier" not in dict(none.steps())
    none.split()
    none.fit_kmeans("raw features", None)
    assert np.isnan(none.table()["KMeans ARI"]).all()
    assert none.best("KMeans on raw features").n_clusters == 3


def test_images_search_dense_and_conv_bodies():
    digits = load_dataset("digits")
    small = Dataset("digits", digits.X[:200], digits.y[:200], digits.feature_names, (1, 8, 8))
    workbench = Workbench(small, n_labels=40, **FAST)
    workbench.split()
    assert workbench.X_train.min() == 0 and workbench.X_train.max() == 1
    grid = workbench.autoencoder_grid()
    assert {"dense", "conv"} == {params["encoder"][0] for params in grid}
    workbench.fit_pca()
    workbench.fit_autoencoder()
    assert workbench.best("AutoencoderTransformer").sample_shape == (1, 8, 8)
    sizes, errors, fitted = workbench.refit_code_sizes((2, 4, 64, 100))
    assert sizes == [2, 4, 8]
    assert len(errors["PCA"]) == len(errors["AutoencoderTransformer"]) == 3
    assert errors["PCA"][0] > errors["PCA"][-1]
    assert fitted["PCA", 8] is workbench.best("PCA")


def test_max_epochs_caps_every_network_or_leaves_the_classifier_its_auto():
    iris = load_dataset("iris")
    default = Workbench(iris)
    assert default.autoencoder_params()["max_epochs"] == DEFAULT_MAX_EPOCHS == 100
    assert default.classifier_params()["max_epochs"] == "auto"
    given = Workbench(iris, max_epochs=30)
    assert given.autoencoder_params()["max_epochs"] == 30
    assert given.classifier_params()["max_epochs"] == 30


def test_unlabeled_rows_are_marked_minus_one():
    np.testing.assert_array_equal(unlabeled_mask(np.array([0, -1, 2, -1])),
                                  [False, True, False, True])
    np.testing.assert_array_equal(unlabeled_mask(np.array(["a", "-1", "b"], dtype=object)),
                                  [False, True, False])
    np.testing.assert_array_equal(unlabeled_mask(np.array(["a", -1], dtype=object)),
                                  [False, True])


def test_default_code_size():
    assert [default_n_components(n) for n in (2, 3, 4, 13, 64)] == [1, 2, 2, 6, 8]


def test_small_data_and_single_labels_are_input_errors():
    iris = load_dataset("iris")
    with pytest.raises(InputError, match="has 5 rows; the comparison needs at least 6"):
        Workbench(Dataset("tiny", iris.X[:5], None, list("abcd")), **FAST).split()
    y = np.full(150, -1)
    y[:3] = [0, 1, 2]
    workbench = Workbench(Dataset("few", iris.X, y, list("abcd")), **FAST)
    workbench.split()
    workbench.fit_pca()
    with pytest.raises(InputError, match="leaves a class with a single labeled row"):
        workbench.fit_logistic()


def test_more_clusters_than_a_fold_has_rows_is_an_input_error():
    # Regression: KMeans failed inside the grid search, with a traceback, after the
    # autoencoders had trained.
    iris = load_dataset("iris")
    y = np.arange(150) % 60
    with pytest.raises(InputError, match=r"KMeans cannot make 60 clusters \(the number of "
                                         r"classes\) of the 56 rows that a fold of its "
                                         r"2-fold search trains on; pass --n-clusters 56"):
        Workbench(Dataset("many", iris.X, y, list("abcd")), **FAST)
    with pytest.raises(InputError, match=r"make 100 clusters \(--n-clusters\)"):
        Workbench(iris, n_clusters=100, **FAST)


def test_labels_too_many_for_a_stratified_split_split_unstratified():
    # Regression: train_test_split refused to stratify 20 classes into 10 test rows.
    iris = load_dataset("iris")
    workbench = Workbench(Dataset("many", iris.X[:40], np.arange(40) % 20, list("abcd")),
                          n_clusters=2, **FAST)
    workbench.split()
    assert len(workbench.X_test) == 10


def test_load_dataset_from_files(tmp_path):
    pytest.importorskip("pyarrow")
    iris = load_dataset("iris")
    table = pd.DataFrame(iris.X, columns=list("abcd")).assign(
        label=iris.y.astype(str), flag=iris.X[:, 0] > 5)
    table.to_parquet(tmp_path / "iris.parquet")
    loaded = load_dataset(path=tmp_path / "iris.parquet", target="label")
    assert loaded.X.shape == (150, 5) and loaded.n_classes == 3
    assert loaded.feature_names[-1] == "flag" and set(np.unique(loaded.X[:, -1])) == {0, 1}
    images = np.zeros((10, 3, 4, 5))
    np.savez(tmp_path / "colour.npz", X=images, labels=np.arange(10) % 2)
    loaded = load_dataset(path=tmp_path / "colour.npz", target="labels")
    assert loaded.image_shape == (3, 4, 5) and loaded.X.shape == (10, 60)
    assert parse_image_shape("28,28") == (1, 28, 28)
    assert parse_image_shape("3x32x32") == (3, 32, 32)


def test_a_workbench_autoencoder_is_an_ordinary_estimator(iris_run):
    best = iris_run.best("AutoencoderTransformer")
    assert isinstance(best, AutoencoderTransformer)
    assert best.transform(iris_run.X_test).shape == (len(iris_run.X_test), 2)


def test_the_classifier_reads_the_unlabeled_rows_too(monkeypatch):
    """Semi-supervised fine-tuning gets every training row, the unlabeled marked -1, even
    for string labels; the logistic regression gets the labeled rows only."""
    iris = load_dataset("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[iris.y]  # dtype '<U10'
    workbench = Workbench(Dataset("iris", iris.X, names, iris.feature_names), n_labels=30,
                          **FAST)
    seen, search = {}, workbench._search

    def spy(estimator, grid, inputs=None, y=None, **kwargs):
        seen[type(estimator).__name__] = inputs, y
        return search(estimator, grid, inputs=inputs, y=y, **kwargs)

    monkeypatch.setattr(workbench, "_search", spy)
    workbench.split()
    workbench.fit_pca()
    workbench.fit_autoencoder()
    workbench.fit_logistic()
    workbench.fit_classifier()
    X, y = seen["PretrainedAEClassifier"]
    assert len(X) == len(workbench.X_train) and (y == "-1").sum() == len(X) - 30
    assert set(y[y != "-1"]) == set(names)
    assert type_of_target(y) == "multiclass"  # so the grid's folds are stratified
    assert len(seen["LogisticRegression"][0]) == 30
    assert workbench.best("PretrainedAEClassifier").max_epochs == 2
    assert 0 <= workbench.table().set_index("method").loc[
        "PretrainedAEClassifier", "test accuracy"] <= 1
