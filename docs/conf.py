"""Sphinx configuration of skae's documentation.

Build it with ``sphinx-build -W -b html docs docs/_build/html`` from the repository root.
Nothing is fetched at build time: there is no intersphinx mapping, so references to
scikit-learn, torch and skorch render as text without links.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# Document the checkout even when skae is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import skae

project = "skae"
author = "skae developers"
copyright = "skae developers"
version = release = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
default_role = "literal"

autosummary_generate = True
autodoc_typehints = "none"
# Without this, torch modules would show nn.Module's docstrings for forward and extra_repr.
autodoc_inherit_docstrings = False

numpydoc_show_class_members = False
# numpydoc validates every docstring it renders, and with -W a failed check fails the build.
# "all" but four checks that skae's docstrings do not follow by design: ES01 (an extended
# summary is optional), EX01 (Examples sit on the classes and functions, not on every
# method), SA01 (See Also is optional) and RT02 (returns are named, "X_new : ndarray", as
# in scikit-learn). Module docstrings are not validated. Inherited methods that skae
# renders (get_params, fit_transform, ...) pass these checks, so nothing is excluded with
# numpydoc_validation_exclude.
numpydoc_validation_checks = {"all", "ES01", "EX01", "SA01", "RT02"}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py scripts run; the others (cifar10_conv_autoencoder.py needs torchvision
    # and a download) are shown as source without being executed.
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "remove_config_comments": True,
}

html_theme = "alabaster"
html_title = f"skae {release}"
html_static_path = []


def skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out the ``set_*_request`` methods that scikit-learn adds to every estimator.

    They are metadata-routing plumbing, and their docstrings link to scikit-learn's own
    documentation, which these pages cannot resolve.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_requests)
