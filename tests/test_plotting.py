import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

from skae import AutoencoderTransformer  # noqa: E402
from skae.plotting import (  # noqa: E402
    _pyplot,
    plot_codes_2d,
    plot_error_vs_components,
    plot_loss_curve,
    plot_reconstructions,
)

TINY = dict(hidden_layer_sizes=(8,), max_epochs=3, batch_size=32, random_state=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 64)).astype(np.float32)


@pytest.fixture(scope="module")
def ae(data):
    return AutoencoderTransformer(2, **TINY).fit(data)


# plot_loss_curve

def test_loss_curve_draws_train_loss(ae):
    ax = plot_loss_curve(ae)
    assert isinstance(ax, Axes)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), ae.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train"]


def test_loss_curve_draws_validation_loss_dashed(data):
    ae = AutoencoderTransformer(2, early_stopping=True, **TINY).fit(data)
    _, ax = plt.subplots()
    assert plot_loss_curve(ae, ax=ax, label="AE") is ax
    train, valid = ax.get_lines()
    np.testing.assert_allclose(valid.get_ydata(), -np.asarray(ae.validation_scores_))
    assert valid.get_linestyle() == "--"
    assert (train.get_label(), valid.get_label()) == ("AE (train)", "AE (validation)")


def test_loss_curve_of_sklearn_mlp_skips_validation_scores():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    mlp = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, early_stopping=True, random_state=0)
    with pytest.warns(ConvergenceWarning):  # 5 iterations keep the test fast
        mlp.fit(X, X.sum(axis=1))
    (line,) = plot_loss_curve(mlp).get_lines()
    np.testing.assert_allclose(line.get_ydata(), mlp.loss_curve_)


def test_loss_curve_unfitted_raises():
    with pytest.raises(NotFittedError, match="no loss_curve_: fit it before"):
        plot_loss_curve(AutoencoderTransformer())


# plot_reconstructions

def test_reconstructions_grid(ae, data):
    rows = {"original": data, "reconstructed": ae.reconstruct(data)}
    fig = plot_reconstructions(rows, image_shape=(1, 8, 8), n_images=5, title="AE")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 10
    assert fig.axes[0].get_ylabel() == "original"
    assert fig.axes[5].get_ylabel() == "reconstructed"
    assert fig.axes[0].get_xticks().size == 0 and fig.axes[0].get_yticks().size == 0
    np.testing.assert_allclose(fig.axes[6].images[0].get_array(),
                               rows["reconstructed"][1].reshape(8, 8), rtol=1e-6)
    # Every row is shown on the first row's range.
    assert fig.axes[7].images[0].get_clim() == (data[:5].min(), data[:5].max())
    assert fig.get_suptitle() == "AE"


def test_reconstructions_uses_fewest_rows(data):
    fig = plot_reconstructions({"a": data, "b": data[:3]}, image_shape=(8, 8), n_images=8)
    assert len(fig.axes) == 6


@pytest.mark.parametrize("image_shape, channels_last", [((3, 4, 4), False),
                                                        ((4, 4, 3), True)])
def test_reconstructions_colour_images_are_rgb_in_unit_range(image_shape, channels_last):
    X = np.random.default_rng(0).uniform(-2, 2, size=(4, 48))
    fig = plot_reconstructions({"original": X, "bright": X + 10}, image_shape=image_shape,
                               channels_last=channels_last, n_images=2)
    first, bright = fig.axes[0].images[0].get_array(), fig.axes[2].images[0].get_array()
    assert first.shape == (4, 4, 3) and first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(bright, np.ones((4, 4, 3)))  # clipped to the first range


@pytest.mark.parametrize("rows, kwargs, match", [
    ({}, {}, "rows is empty"),
    ({"x": np.zeros((5, 64)), "noisy": np.zeros((5, 50))}, {},
     r"rows\['noisy'\] has 50 features, but image_shape \(1, 8, 8\) needs 64"),
    ({"x": np.zeros(64)}, {}, r"rows\['x'\] must be a non-empty 2-D array"),
    ({"x": np.zeros((0, 64))}, {}, r"rows\['x'\] must be a non-empty 2-D array"),
    ({"x": np.zeros((5, 64))}, {"n_images": 0}, "n_images must be a positive integer"),
])
def test_reconstructions_errors(rows, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_reconstructions(rows, image_shape=(1, 8, 8), **kwargs)


@pytest.mark.parametrize("image_shape, channels_last, match", [
    ((64,), False, "image_shape must be"),
    ((2, 4, 8), False, "has 2 channels.*channels_last=True"),
    ((4, 8, 2), True, "has 2 channels.*channels_last=False"),
])
def test_reconstructions_bad_image_shape(image_shape, channels_last, match):
    with pytest.raises(ValueError, match=match):
        plot_reconstructions({"x": np.zeros((2, 64))}, image_shape=image_shape,
                             channels_last=channels_last)


# plot_codes_2d

def test_codes_2d_one_colour_without_labels(ae, data):
    codes = ae.transform(data)
    ax = plot_codes_2d(codes, title="codes")
    assert isinstance(ax, Axes)
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), codes)
    assert ax.get_legend() is None
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("code 1", "code 2", "codes")


def test_codes_2d_one_scatter_per_class():
    codes = np.arange(12.0).reshape(6, 2)
    y = np.array([1, 0, 1, 2, 0, 1])
    ax = plot_codes_2d(codes, y, labels={0: "zero"})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "1", "2"]
    for cls, points in zip([0, 1, 2], ax.collections, strict=True):
        np.testing.assert_allclose(points.get_offsets(), codes[y == cls])
    colours = {tuple(points.get_facecolor()[0]) for points in ax.collections}
    assert len(colours) == 3


def test_codes_2d_dataframe_and_label_sequence():
    codes = pd.DataFrame({"ae0": [0.0, 1, 2, 3], "ae1": [1.0, 0, 1, 0], "ae2": 0.0})
    ax = plot_codes_2d(codes, ["b", "a", "b", "a"], labels=["A", "B"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("ae0", "ae1")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]


def test_codes_2d_many_classes_get_distinct_colours():
    codes = np.random.default_rng(0).normal(size=(25, 2))
    ax = plot_codes_2d(codes, np.arange(25))
    assert len({tuple(points.get_facecolor()[0]) for points in ax.collections}) == 25


@pytest.mark.parametrize("codes, y, labels, match", [
    (np.zeros((4, 1)), None, None,
     "codes have 1 column; plot_codes_2d needs at least 2: fit with n_components >= 2"),
    (np.zeros(4), None, None, "codes must be 2-D"),
    (np.zeros((4, 2)), [0, 1, 0], None, "y has 3 labels, but codes have 4 rows"),
    (np.zeros((4, 2)), [0, 1, 0, 1], ["a"], "labels has 1 names, but y has 2 classes"),
])
def test_codes_2d_errors(codes, y, labels, match):
    with pytest.raises(ValueError, match=match):
        plot_codes_2d(codes, y, labels=labels)


# plot_error_vs_components

def test_error_vs_components():
    sizes = [2, 4, 8]
    errors = {"PCA": [0.3, 0.2, 0.1], "AE": [0.25, 0.15, 0.12]}
    ax = plot_error_vs_components(sizes, errors)
    assert isinstance(ax, Axes)
    assert ax.get_xscale() == "log"
    np.testing.assert_array_equal(ax.get_xticks(), sizes)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8"]
    for line, (name, values) in zip(ax.get_lines(), errors.items(), strict=True):
        assert line.get_label() == name and line.get_marker() == "o"
        np.testing.assert_allclose(line.get_ydata(), values)
    assert ax.get_xlabel() == "code size (n_components)"
    assert ax.get_ylabel() == "reconstruction error (MSE)"
    assert len(ax.get_legend().get_texts()) == 2


@pytest.mark.parametrize("sizes, errors, match", [
    ([2, 4], {"AE": [0.1]}, r"errors\['AE'\] has 1 values, but n_components has 2"),
    ([2, 4], {}, "errors is empty"),
    ([], {"AE": []}, "n_components must be a non-empty sequence of positive"),
    ([0, 4], {"AE": [0.1, 0.2]}, "n_components must be a non-empty sequence of positive"),
])
def test_error_vs_components_errors(sizes, errors, match):
    with pytest.raises(ValueError, match=match):
        plot_error_vs_components(sizes, errors)


# missing matplotlib

def test_missing_matplotlib_says_how_to_install(monkeypatch, ae):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'skae\[plot\]'"):
        _pyplot()
    with pytest.raises(ImportError, match="skae.plotting needs matplotlib"):
        plot_loss_curve(ae)
