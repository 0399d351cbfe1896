"""The Sphinx documentation builds with warnings as errors and documents every public name."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("matplotlib")

import skae
from skae import plotting

ROOT = Path(__file__).resolve().parents[1]
# What a build writes into the source tree; a copy without them starts from scratch.
BUILD_OUTPUTS = shutil.ignore_patterns("_build", "generated", "auto_examples",
                                       "sg_execution_times.rst", "__pycache__")


def test_docs_build_without_warnings(tmp_path):
    # Build a copy of docs/ and examples/: autosummary and sphinx-gallery write their pages
    # into the source directory, and the repository tree must stay as it is.
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=BUILD_OUTPUTS)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=BUILD_OUTPUTS)
    html = tmp_path / "html"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # plot_gallery=0 renders the gallery without running the examples
    # (tests/test_examples.py runs them).
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-D", "plot_gallery=0", "-d", str(tmp_path / "doctrees"),
         str(tmp_path / "docs"), str(html)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"

    for name in skae.__all__:
        assert (html / "generated" / f"skae.{name}.html").is_file(), name
    for name in plotting.__all__:
        assert (html / "generated" / f"skae.plotting.{name}.html").is_file(), name
    assert (html / "auto_examples" / "index.html").is_file()
