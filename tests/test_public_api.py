"""The CLI and the Streamlit app use only the library's public surfaces.

A front end imports from ``estimator`` (its ``__all__``) and from the surface of a
concept: a subpackage's ``__init__`` (``estimator.planning``, ``estimator.batch``...) or a
top-level module (``estimator.modes``, ``estimator.money``, ``estimator.errors``),
never from a module inside a subpackage. ``estimator.charts`` imports plotly, which
``import estimator`` must not, so only the UI imports it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import estimator

PACKAGE_DIR = Path(estimator.__file__).resolve().parent
SUBMODULES = sorted(info.name for info in pkgutil.iter_modules([str(PACKAGE_DIR)]))
SURFACES = frozenset(f"estimator.{name}" for name in SUBMODULES if name not in {"cli", "ui", "charts", "__main__"})
FRONT_ENDS = {"cli": SURFACES, "ui": SURFACES | {"estimator.charts"}}
FILES = sorted(p for front in FRONT_ENDS for p in (PACKAGE_DIR / front).rglob("*.py"))


def module_of(path: Path, root: Path) -> str:
    """Dotted name of the module at ``path``: ``estimator.cli.base``; ``estimator.ui`` for its ``__init__``.

    ``root`` is the directory of the ``estimator`` package.
    """
    parts = ("estimator", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(node: ast.ImportFrom, path: Path, root: Path) -> str:
    """The module a ``from ... import`` names, relative dots resolved against ``path``."""
    if node.level == 0:
        return node.module or ""
    package = module_of(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def offences(path: Path, root: Path = PACKAGE_DIR) -> list[str]:
    """Every import in ``path`` that reaches into ``estimator`` other than through its public API.

    ``root`` is the directory of the ``estimator`` package that ``path`` lies in.
    """
    front = path.relative_to(root).parts[0]
    own = f"estimator.{front}"
    allowed = FRONT_ENDS[front]
    public = set(estimator.__all__)
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(root).as_posix()}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                if target.startswith("estimator.") and target not in allowed and not target.startswith(own):
                    found.append(f"{where}: import {target}")
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, path, root)
            names = [a.name for a in node.names]
            if target == own or target.startswith(own + "."):
                continue
            if target in allowed:
                surface = importlib.import_module(target)
                exported = getattr(surface, "__all__", None)
                for name in names:
                    if (exported is not None and name not in exported) or name.startswith("_"):
                        found.append(f"{where}: {name} is not in {target}'s public names")
                continue
            if target == "estimator":
                for name in names:
                    if name in SUBMODULES:
                        found.append(f"{where}: the module estimator.{name}; import its names from estimator")
                    elif name not in public:
                        found.append(f"{where}: {name} is not in estimator.__all__")
            elif target.startswith("estimator."):
                found.append(f"{where}: from {target} import {', '.join(names)}")
    return found


def test_the_front_end_files_are_found() -> None:
    rel = {p.relative_to(PACKAGE_DIR).as_posix() for p in FILES}
    assert {"cli/__init__.py", "cli/base.py", "cli/engine.py", "ui/app.py", "ui/common.py"} <= rel


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        ("from ..planning.decision import RequestSize\n", "cli/x.py", ["from estimator.planning.decision import RequestSize"]),
        ("from estimator.report.estimate import model_rows\n", "ui/x.py", ["from estimator.report.estimate import model_rows"]),
        ("from .. import planning as pl\n", "cli/x.py", ["the module estimator.planning"]),
        ("def f():\n    from ..tokens.tokenizers import get_tokenizer\n", "cli/x.py", ["from estimator.tokens.tokenizers"]),
        ("import estimator.reading.files\n", "cli/x.py", ["import estimator.reading.files"]),
        ("from .. import not_exported\n", "cli/x.py", ["not_exported is not in estimator.__all__"]),
        ("from ..charts import forecast\n", "cli/x.py", ["from estimator.charts import forecast"]),
        ("from ..charts import forecast\n", "ui/x.py", []),
        ("from .. import Usage\nfrom ..modes import compare\nfrom .base import main\nfrom . import engine\n", "cli/x.py", []),
        ("from ..planning import _private, Volume\n", "cli/x.py", ["_private is not in estimator.planning"]),
        ("from .common import Settings\nimport estimator\n", "ui/x.py", []),
    ],
    ids=["compute-module", "absolute", "whole-module", "inside-a-function", "import-module",
         "not-public", "charts-outside-ui", "charts-in-ui", "public-and-siblings", "private-of-a-surface",
         "siblings-and-package"],
)
def test_the_check_catches_what_it_should(
    tmp_path: Path, source: str, path: str, expected: list[str]
) -> None:
    file = tmp_path / path
    file.parent.mkdir(parents=True)
    file.write_text(source, encoding="utf-8")
    got = offences(file, root=tmp_path)
    assert len(got) == len(expected), got
    for message, part in zip(got, expected):
        assert part in message


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PACKAGE_DIR).as_posix())
def test_front_ends_import_only_the_public_api(path: Path) -> None:
    assert offences(path) == []


@pytest.mark.parametrize("name", estimator.__all__)
def test_every_public_name_exists_and_is_not_a_module(name: str) -> None:
    assert hasattr(estimator, name), f"estimator.__all__ lists {name!r}, which estimator does not define"
    assert not isinstance(getattr(estimator, name), types.ModuleType)


def test_no_public_name_is_a_submodule_name() -> None:
    assert "planning" in SUBMODULES and "tokens" in SUBMODULES
    assert sorted(set(estimator.__all__) & set(SUBMODULES)) == []


def test_no_name_in_the_package_shadows_a_submodule() -> None:
    # ``from estimator import forecast as fc`` must give the module, whatever __init__ imports.
    shadowing = [name for name in SUBMODULES
                 if name in vars(estimator) and not isinstance(vars(estimator)[name], types.ModuleType)]
    assert shadowing == []


def test_public_names_are_unique_and_sorted() -> None:
    names = estimator.__all__
    assert len(set(names)) == len(names)

    def kind(name: str) -> int:
        return 0 if name.isupper() else 1 if name[0].isupper() else 2

    assert list(names) == sorted(names, key=lambda n: (kind(n), n))
