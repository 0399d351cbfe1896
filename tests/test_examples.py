"""Every example script runs to the end, each in a fresh interpreter."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))
# Scripts that load their data through torchvision download it, which the tests cannot.
NEEDS_DOWNLOAD = re.compile(r"^\s*(from|import)\s+torchvision\b", re.MULTILINE)
# Optional packages an example may import (skae's extras): it is skipped without them.
OPTIONAL = ("accelerate",)


def _param(path):
    marks = []
    if NEEDS_DOWNLOAD.search(path.read_text(encoding="utf-8")):
        marks.append(pytest.mark.skip(reason=f"{path.name} needs torchvision and a download"))
    for package in OPTIONAL:
        imports = re.compile(rf"^\s*(from|import)\s+{package}\b", re.MULTILINE)
        if imports.search(path.read_text(encoding="utf-8")) and not importlib.util.find_spec(
                package):
            marks.append(pytest.mark.skip(reason=f"{path.name} needs {package}"))
    return pytest.param(path, id=path.name, marks=marks)


@pytest.mark.parametrize("path", [_param(path) for path in EXAMPLES])
def test_example_runs(path, tmp_path):
    pytest.importorskip("matplotlib")
    # SKAE_EXAMPLES_* variables make examples download real datasets: never in tests.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SKAE_EXAMPLES_")}
    env["MPLBACKEND"] = "Agg"
    # The examples' networks are small: one torch thread runs them faster than several,
    # which would also compete with other tests running in parallel.
    env.setdefault("OMP_NUM_THREADS", "1")
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stderr}"


def test_examples_are_found():
    # Guards the glob: an empty parametrization would pass silently.
    assert sum(path.name.startswith("plot_") for path in EXAMPLES) >= 7
