"""The workbench is an application on skae's public API, and nothing in skae depends on it."""

import ast
import importlib
from pathlib import Path

import pytest

import skae

PACKAGE = Path(skae.__file__).parent
WORKBENCH = sorted((PACKAGE / "workbench").glob("*.py"))


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(node, path):
    """The dotted module an ``import`` or ``from ... import`` statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module]
    package = ["skae", *path.relative_to(PACKAGE).parent.parts]
    base = package[:len(package) - node.level + 1]
    return [".".join(base + ([node.module] if node.module else []))]


def _imports(path):
    """``(line, module, names)`` of every import in ``path``; ``names`` is empty for
    ``import module``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for module in _absolute(node, path):
                yield node.lineno, module, names


def _is_public(module, name):
    """Whether ``module`` offers ``name`` publicly: listed in its ``__all__``, or, where it
    has none, defined in a module without a private part (not re-exported from one)."""
    if _private(name):
        return False
    owner = importlib.import_module(module)
    if hasattr(owner, "__all__"):
        return name in owner.__all__ or name.startswith("__")
    value = getattr(owner, name)
    home = getattr(value, "__module__", None) or getattr(value, "__name__", module)
    return not any(map(_private, home.split(".")))


@pytest.mark.parametrize("path", WORKBENCH, ids=lambda path: path.name)
def test_the_workbench_uses_public_names_of_skae_only(path):
    private = []
    for line, module, names in _imports(path):
        if module.split(".")[0] != "skae" or module.startswith("skae.workbench"):
            continue
        if any(map(_private, module.split("."))):
            private.append(f"line {line}: {module}")
        private += [f"line {line}: {module}.{name}" for name in names
                    if not _is_public(module, name)]
    assert private == [], f"{path.name} imports private parts of skae"


@pytest.mark.parametrize("path", WORKBENCH, ids=lambda path: path.name)
def test_the_workbench_reads_private_attributes_of_its_own_objects_only(path):
    # Estimators meet the workbench through their public API: no ``estimator._method``.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and _private(node.attr)
               and not (isinstance(node.value, ast.Name) and node.value.id == "self")]
    assert private == []


def test_nothing_in_skae_imports_the_workbench():
    # The command line entry point ``python -m skae`` is the one exception.
    outside = [path for path in PACKAGE.rglob("*.py")
               if "workbench" not in path.relative_to(PACKAGE).parts
               and path.name != "__main__.py"]
    assert outside
    importers = [f"{path.relative_to(PACKAGE)}:{line}" for path in outside
                 for line, module, names in _imports(path)
                 if module.startswith("skae.workbench")
                 or (module == "skae" and "workbench" in names)]
    assert importers == []
