"""The self-contained HTML report of ``skae compare --report``: every figure embedded."""

import base64
import html
import io
from datetime import datetime, timezone

import numpy as np
import torch

from .. import __version__
from ..modules import layer_summary
from ..plotting import (
    plot_codes_2d,
    plot_error_vs_components,
    plot_loss_curve,
    plot_reconstructions,
)
from .inputs import unlabeled_mask

CODE_SIZES = (2, 4, 8, 16, 32)
NETWORKS = ("AutoencoderTransformer", "DenoisingAutoencoder", "PretrainedAEClassifier")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, td:nth-child(2) { text-align: left; }
img { max-width: 100%; } .note { color: #555; }
"""


def write_report(workbench, path, command=None):
    """Write the report of a finished :class:`skae.workbench.compare.Workbench` run to ``path``.

    Fits PCA and the best autoencoder at the code sizes of ``CODE_SIZES`` for the
    error-vs-size curve and reuses the 2-value codes for the scatter plots.
    """
    from matplotlib.figure import Figure  # matplotlib is optional: only reports need it

    sizes, errors, fitted = workbench.refit_code_sizes(CODE_SIZES)
    sections = [_results(workbench, command), _architectures(workbench)]

    figure = Figure(figsize=(11, 4), layout="constrained")
    reducers, classifier = figure.subplots(1, 2)
    for name in ("AutoencoderTransformer", "DenoisingAutoencoder"):
        plot_loss_curve(workbench.best(name), ax=reducers, label=name)
    reducers.set_title("autoencoders: training loss (MSE)")
    if "PretrainedAEClassifier" in workbench.searches:
        plot_loss_curve(workbench.best("PretrainedAEClassifier"), ax=classifier,
                        label="PretrainedAEClassifier")
        classifier.set_title("classifier fine-tuning: cross-entropy")
    else:
        classifier.set_visible(False)
    sections.append(_section("Loss curves", _image(figure)))

    figure = Figure(figsize=(6, 4), layout="constrained")
    plot_error_vs_components(sizes, errors, ax=figure.subplots())
    sections.append(_section("Test reconstruction error against code size", _image(figure)))

    if 2 in sizes:
        y = workbench.y_test if workbench.labeled_test.any() else None
        if y is not None and unlabeled_mask(y).any():
            y = np.where(unlabeled_mask(y), "unlabeled", y.astype(str))
        figure = Figure(figsize=(11, 4.5), layout="constrained")
        for ax, name in zip(figure.subplots(1, 2), ("PCA", "AutoencoderTransformer"),
                            strict=True):
            plot_codes_2d(fitted[name, 2].transform(workbench.X_test), y, ax=ax,
                          title=f"{name}, 2 components (test rows)")
        sections.append(_section("Two-dimensional codes", _image(figure)))

    if workbench.dataset.image_shape is not None:
        sections.append(_section("Images: original, noisy, reconstructed",
                                 _image(_image_grid(workbench))))

    title = f"skae compare: {workbench.dataset.describe()}"
    page = (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>\n")
    with open(path, "w", encoding="utf-8") as file:
        file.write(page)


def _results(workbench, command):
    summary = workbench.summary()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    facts = [f"{summary['n_train']} training rows, {summary['n_test']} test rows; "
             f"{summary['scaling']}",
             f"each method tuned by GridSearchCV with {summary['cv']}-fold cross-validation "
             f"on the training rows; networks trained for at most {summary['max_epochs']} "
             "epochs"]
    if summary["n_labeled"]:
        facts.append(f"classifiers fine-tuned on {summary['n_labeled']} labeled training rows"
                     " (PretrainedAEClassifier reads the others as unlabeled); the "
                     "autoencoder was pretrained on all training rows")
    facts.append(f"skae {__version__}, random_state={summary['random_state']}, {stamp}"
                 + (f": <code>{html.escape(command)}</code>" if command else ""))
    table = workbench.table().to_html(index=False, na_rep="–", float_format="{:.4g}".format,
                                      border=0)
    notes = "".join(f"<li>{fact}</li>" for fact in facts)
    return _section("Results", f"<ul class='note'>{notes}</ul>{table}")


def _architectures(workbench):
    parts = []
    for name in NETWORKS:
        if name not in workbench.searches:
            continue
        estimator = workbench.best(name)
        module = estimator.net_.module_
        example = torch.zeros(2, estimator.n_features_in_, device=estimator.net_.device)
        rows = layer_summary(module, example)
        total = sum(p.numel() for p in module.parameters())
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
        body = "".join(
            f"<tr><td>{html.escape(layer)}</td><td>{kind}</td>"
            f"<td>{' × '.join(map(str, shape))}</td><td>{count:,}</td></tr>"
            for layer, kind, shape, count in rows)
        parts.append(
            f"<h3>{name}</h3><p class='note'>{total:,} parameters ({trainable:,} trainable); "
            f"input: {estimator.n_features_in_} features</p><table><tr><th>layer</th>"
            f"<th>type</th><th>output shape</th><th>parameters</th></tr>{body}</table>")
    return _section("Architectures of the best networks", "".join(parts))


def _image_grid(workbench, n_images=10):
    X = workbench.X_test[:n_images]
    denoising = workbench.best("DenoisingAutoencoder")
    noisy = denoising.corrupt(X, random_state=workbench.random_state)
    rows = {"original": X, f"noisy ({denoising.noise})": noisy,
            "PCA": workbench.best("PCA").inverse_transform(workbench.best("PCA").transform(X)),
            "autoencoder": workbench.best("AutoencoderTransformer").reconstruct(X),
            "denoising AE on noisy": denoising.denoise(noisy)}
    return plot_reconstructions(rows, image_shape=workbench.dataset.image_shape,
                                n_images=n_images)


def _image(figure):
    buffer = io.BytesIO()
    # A tight box keeps the long row labels of the image grid inside the picture.
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    _close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='figure' src='data:image/png;base64,{data}'>"


def _close(figure):
    import matplotlib.pyplot as plt

    plt.close(figure)


def _section(title, body):
    return f"<section><h2>{html.escape(title)}</h2>{body}</section>"
