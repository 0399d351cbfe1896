"""Figures for autoencoders: training curves, reconstructions, codes and code-size sweeps.

matplotlib is an optional dependency (``pip install 'skae[plot]'``): it is imported when a
function is called, so ``import skae`` works without it.
"""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import BaseNeuralEstimator

__all__ = [
    "plot_codes_2d",
    "plot_error_vs_components",
    "plot_loss_curve",
    "plot_reconstructions",
]

_MISSING_MATPLOTLIB = "skae.plotting needs matplotlib: pip install 'skae[plot]'"


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_MISSING_MATPLOTLIB) from exc
    return plt


def _axes(ax):
    return _pyplot().subplots()[1] if ax is None else ax


def plot_loss_curve(estimator, *, ax=None, label=None):
    """Plot the training loss, and the validation loss if any, of every epoch.

    Parameters
    ----------
    estimator : fitted estimator with ``loss_curve_``
        A skae estimator, or any estimator that records a ``loss_curve_`` such as
        scikit-learn's ``MLPRegressor`` and ``MLPClassifier``.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a new figure.
    label : str, default=None
        Name of the estimator in the legend, e.g. to draw several on one Axes; the lines
        are labeled "train" and "validation" after it.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Notes
    -----
    A skae estimator fitted with ``early_stopping=True`` records minus the validation loss
    in ``validation_scores_``; the dashed line shows it back as a loss. scikit-learn's MLPs
    record a validation *score* (accuracy or R²) there instead, on another scale than the
    loss, so only their training loss is drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skae import AutoencoderTransformer
    >>> from skae.plotting import plot_loss_curve
    >>> X, _ = load_iris(return_X_y=True)
    >>> ae = AutoencoderTransformer(2, hidden_layer_sizes=(8,), max_epochs=5,
    ...                             early_stopping=True, random_state=0).fit(X)
    >>> ax = plot_loss_curve(ae, label="autoencoder")
    >>> [line.get_label() for line in ax.get_lines()]
    ['autoencoder (train)', 'autoencoder (validation)']
    >>> len(ax.get_lines()[0].get_ydata())
    5
    """
    check_is_fitted(
        estimator, "loss_curve_",
        msg=f"This {type(estimator).__name__} instance has no loss_curve_: fit it before "
            "calling plot_loss_curve (scikit-learn's MLPs record one only with solver='adam' "
            "or 'sgd').",
    )
    ax = _axes(ax)
    names = ("train", "validation") if label is None else (f"{label} (train)",
                                                           f"{label} (validation)")
    train = np.asarray(estimator.loss_curve_, dtype=float)
    line, = ax.plot(np.arange(1, len(train) + 1), train, label=names[0])
    scores = getattr(estimator, "validation_scores_", None)
    if scores is not None and isinstance(estimator, BaseNeuralEstimator):
        valid = -np.asarray(scores, dtype=float)
        ax.plot(np.arange(1, len(valid) + 1), valid, linestyle="--", color=line.get_color(),
                label=names[1])
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax


def _image_layout(image_shape, channels_last):
    """``(height, width, channels)`` of ``image_shape``; channels is None for grey."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        return shape[0], shape[1], None
    if len(shape) != 3:
        raise ValueError(
            f"image_shape must be (height, width), (channels, height, width) or, with "
            f"channels_last=True, (height, width, channels); got {image_shape!r}."
        )
    height, width, channels = shape if channels_last else (shape[1], shape[2], shape[0])
    if channels not in (1, 3):
        raise ValueError(
            f"image_shape {image_shape!r} has {channels} channels, but only grey (1) or RGB "
            f"(3) images can be shown; "
            + ("use channels_last=False for channels-first shapes."
               if channels_last else "use channels_last=True for (height, width, channels).")
        )
    return height, width, None if channels == 1 else channels


def _to_images(name, array, image_shape, channels_last):
    """Images of one row of the grid, as ``(n, H, W)`` grey or ``(n, H, W, 3)`` RGB."""
    height, width, channels = _image_layout(image_shape, channels_last)
    array = np.asarray(array, dtype=float)
    if array.ndim < 2 or len(array) == 0:
        raise ValueError(
            f"rows[{name!r}] must be a non-empty 2-D array (n_samples, n_features) of flat "
            f"images; got shape {array.shape}. Pass X[None] for a single image."
        )
    array = array.reshape(len(array), -1)
    n_needed = int(np.prod(image_shape))
    if array.shape[1] != n_needed:
        raise ValueError(
            f"rows[{name!r}] has {array.shape[1]} features, but image_shape "
            f"{tuple(image_shape)} needs {n_needed}."
        )
    if channels is None:
        return array.reshape(len(array), height, width)
    if channels_last:
        return array.reshape(len(array), height, width, channels)
    return array.reshape(len(array), channels, height, width).transpose(0, 2, 3, 1)


def plot_reconstructions(rows, *, image_shape, n_images=8, channels_last=False, title=None):
    """Draw images side by side: one row per entry of ``rows``, one column per sample.

    Typical rows are the original images, a corrupted copy and an autoencoder's
    reconstruction, so that column ``j`` shows what became of sample ``j``.

    Parameters
    ----------
    rows : dict of str to array-like of shape (n_samples, n_features)
        Row label to flat images, e.g. ``{"original": X, "reconstructed": R}``. Rows are
        drawn in the dict's order.
    image_shape : tuple of int
        Shape of one image: ``(height, width)`` or ``(channels, height, width)``, or
        ``(height, width, channels)`` with ``channels_last=True``; 1 channel is drawn in
        grey, 3 as RGB.
    n_images : int, default=8
        Number of samples (columns) to draw; at most the number of rows of the shortest
        array.
    channels_last : bool, default=False
        Whether a 3-D ``image_shape`` puts the channels last.
    title : str, default=None
        Title of the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one Axes per image.

    Notes
    -----
    All rows share the display range (minimum to maximum) of the first row's drawn images,
    so that a reconstruction that is too dark or too bright looks it. Grey images use it
    as ``vmin``/``vmax``; RGB images are scaled by it to [0, 1] and clipped.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae.plotting import plot_reconstructions
    >>> X = load_digits().data[:100]
    >>> pca = PCA(8).fit(X)
    >>> fig = plot_reconstructions(
    ...     {"original": X, "PCA, 8 components": pca.inverse_transform(pca.transform(X))},
    ...     image_shape=(8, 8), n_images=5)
    >>> len(fig.axes)
    10
    """
    if not rows:
        raise ValueError(
            "rows is empty; pass a dict of label to images, e.g. "
            "{'original': X, 'reconstructed': ae.reconstruct(X)}."
        )
    if not isinstance(n_images, Integral) or n_images < 1:
        raise ValueError(f"n_images must be a positive integer, got {n_images!r}.")
    images = {name: _to_images(name, array, image_shape, channels_last)
              for name, array in rows.items()}
    n_cols = min(n_images, *(len(imgs) for imgs in images.values()))
    first = next(iter(images.values()))[:n_cols]
    vmin, vmax = float(first.min()), float(first.max())
    span = vmax - vmin if vmax > vmin else 1.0

    plt = _pyplot()
    fig, axes = plt.subplots(len(images), n_cols, squeeze=False,
                             figsize=(1.2 * n_cols + 1, 1.2 * len(images) + 0.3))
    for axes_row, (name, imgs) in zip(axes, images.items(), strict=True):
        for ax, img in zip(axes_row, imgs[:n_cols], strict=True):
            if img.ndim == 2:
                ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
            else:
                ax.imshow(np.clip((img - vmin) / span, 0, 1))
            ax.set_xticks([])
            ax.set_yticks([])
        # A y-label (not a title) keeps the row's name on the left, beside its images.
        axes_row[0].set_ylabel(name, rotation=0, ha="right", va="center")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_codes_2d(codes, y=None, *, ax=None, title=None, labels=None):
    """Scatter the first two code values of every sample, coloured by class.

    Parameters
    ----------
    codes : array-like or pandas.DataFrame of shape (n_samples, n_components)
        Codes, e.g. ``transform(X)`` of an autoencoder or PCA with ``n_components >= 2``.
        Only the first two columns are drawn.
    y : array-like of shape (n_samples,), default=None
        Discrete labels: one colour per class, with a legend. None draws every sample in
        one colour.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a new figure.
    title : str, default=None
        Title of the Axes.
    labels : dict or sequence of str, default=None
        Legend names of the classes: a dict class → name, or one name per class in the
        order of ``np.unique(y)`` (e.g. a dataset's ``target_names``). None shows the
        classes themselves.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on, with one scatter collection per class.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.decomposition import PCA
    >>> from skae.plotting import plot_codes_2d
    >>> data = load_iris()
    >>> codes = PCA(2).fit_transform(data.data)
    >>> ax = plot_codes_2d(codes, data.target, labels=data.target_names)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['setosa', 'versicolor', 'virginica']
    """
    columns = getattr(codes, "columns", None)
    values = np.asarray(codes, dtype=float)
    if values.ndim != 2:
        raise ValueError(
            f"codes must be 2-D (n_samples, n_components); got shape {values.shape}."
        )
    if values.shape[1] < 2:
        raise ValueError(
            f"codes have {values.shape[1]} column{'s' if values.shape[1] != 1 else ''}; "
            "plot_codes_2d needs at least 2: fit with n_components >= 2."
        )
    xlabel, ylabel = ("code 1", "code 2") if columns is None else map(str, columns[:2])

    ax = _axes(ax)
    if y is None:
        ax.scatter(values[:, 0], values[:, 1], s=10)
    else:
        y = np.asarray(y)
        if len(y) != len(values):
            raise ValueError(
                f"y has {len(y)} labels, but codes have {len(values)} rows; pass one label "
                "per code."
            )
        classes = np.unique(y)
        names = _class_names(classes, labels)
        colours = _class_colours(len(classes))
        for cls, name, colour in zip(classes, names, colours, strict=True):
            mask = y == cls
            ax.scatter(values[mask, 0], values[mask, 1], s=10, color=colour, label=name)
        ax.legend(markerscale=2, fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def _class_names(classes, labels):
    if labels is None:
        return [str(c) for c in classes]
    if isinstance(labels, dict):
        return [str(labels.get(c, c)) for c in classes]
    if len(labels) != len(classes):
        raise ValueError(
            f"labels has {len(labels)} names, but y has {len(classes)} classes; pass one "
            "name per class, in sorted class order, or a dict class -> name."
        )
    return [str(name) for name in labels]


def _class_colours(n_classes):
    """Distinct colours: qualitative maps while they last, then an even spread of viridis."""
    import matplotlib

    if n_classes <= 10:
        return matplotlib.colormaps["tab10"].colors[:n_classes]
    if n_classes <= 20:
        return matplotlib.colormaps["tab20"].colors[:n_classes]
    return matplotlib.colormaps["viridis"](np.linspace(0, 1, n_classes))


def plot_error_vs_components(n_components, errors, *, ax=None):
    """Plot reconstruction error against code size, one line per method.

    Parameters
    ----------
    n_components : sequence of int
        The code sizes tried, e.g. ``[2, 4, 8, 16]``; drawn on a log-2 axis.
    errors : dict of str to sequence of float
        Method label to its reconstruction error at every code size, e.g. from
        :func:`skae.reconstruction_error` on test data.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a new figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae import reconstruction_error
    >>> from skae.plotting import plot_error_vs_components
    >>> X = load_digits().data / 16
    >>> sizes = [2, 4, 8, 16]
    >>> pca = [reconstruction_error(PCA(k).fit(X), X) for k in sizes]
    >>> ax = plot_error_vs_components(sizes, {"PCA": pca})
    >>> ax.get_xscale()
    'log'
    """
    sizes = np.asarray(n_components, dtype=float)
    if sizes.ndim != 1 or len(sizes) == 0 or np.any(sizes <= 0):
        raise ValueError(
            f"n_components must be a non-empty sequence of positive code sizes, got "
            f"{n_components!r}."
        )
    if not errors:
        raise ValueError("errors is empty; pass a dict of method label to errors, e.g. "
                         "{'PCA': [...], 'autoencoder': [...]}.")
    for name, values in errors.items():
        if len(values) != len(sizes):
            raise ValueError(
                f"errors[{name!r}] has {len(values)} values, but n_components has "
                f"{len(sizes)}; pass one error per code size."
            )

    ax = _axes(ax)
    for name, values in errors.items():
        ax.plot(sizes, np.asarray(values, dtype=float), marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s:g}" for s in sizes])
    ax.minorticks_off()  # the log axis's minor ticks would crowd the labeled sizes
    ax.set_xlabel("code size (n_components)")
    ax.set_ylabel("reconstruction error (MSE)")
    ax.legend()
    return ax
