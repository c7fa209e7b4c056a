"""A small public API, documented, and front ends that keep to it.

``estimator.__all__`` holds what a notebook needs (about fifteen names); each documented
subpackage lists its public names in its own ``__all__``, every one with a docstring.
The README's "From Python" section uses only those names. The CLI and the app import a
public name from its surface, and any other name from the module that defines it (never
a private ``_name``, never a name another module merely re-exports), and never import
from each other.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path

import pytest

import estimator

PACKAGE_DIR = Path(estimator.__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
SUBMODULES = sorted(info.name for info in pkgutil.iter_modules([str(PACKAGE_DIR)]))
FRONT_ENDS = ("cli", "ui")
FILES = sorted(p for front in FRONT_ENDS for p in (PACKAGE_DIR / front).rglob("*.py"))
DOCUMENTED = ("errors", "modes", "reading", "counting", "pricing", "batch", "planning", "piloting", "report",
              "tokens", "money", "usage")
"""The subpackages (and top-level modules) the package docstring and the README name."""
MOST_TOP_LEVEL_NAMES = 16


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


def defines(module: types.ModuleType, name: str) -> bool:
    """Whether ``name`` is made in ``module`` (a class, function or constant of its own), not imported into it."""
    value = getattr(module, name, None)
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__module__ == module.__name__
    if module.__file__ is None:
        return False
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:  # e.g. wrapped by a cache
            return True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def offences(path: Path, root: Path = PACKAGE_DIR) -> list[str]:
    """Every import in the front-end file ``path`` that breaks the rules of the module docstring.

    ``root`` is the directory of the ``estimator`` package that ``path`` lies in.
    """
    front = path.relative_to(root).parts[0]
    own = f"estimator.{front}"
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(root).as_posix()}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                if target.startswith("estimator.") and not target.startswith(own):
                    found.append(f"{where}: import {target}; import its names instead")
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        target = absolute(node, path, root)
        names = [a.name for a in node.names]
        if target == own or target.startswith(own + "."):
            continue
        if target.split(".")[:2] in (["estimator", other] for other in FRONT_ENDS):
            found.append(f"{where}: from {target}: a front end never imports from another")
            continue
        if target == "estimator":
            for name in names:
                if name in SUBMODULES:
                    found.append(f"{where}: the module estimator.{name}; import its names from it")
                elif name not in estimator.__all__:
                    found.append(f"{where}: {name} is not in estimator.__all__")
            continue
        if not target.startswith("estimator."):
            continue
        try:
            module = importlib.import_module(target)
        except ImportError:
            found.append(f"{where}: no module {target}")
            continue
        public = getattr(module, "__all__", ())
        for name in names:
            if name.startswith("_"):
                found.append(f"{where}: {name} is private to {target}")
            elif name not in public and not defines(module, name):
                found.append(f"{where}: {name} is neither in {target}.__all__ nor defined there")
    return found


def test_the_front_end_files_are_found() -> None:
    rel = {p.relative_to(PACKAGE_DIR).as_posix() for p in FILES}
    assert {"cli/__init__.py", "cli/base.py", "cli/engine.py", "ui/app.py", "ui/common.py"} <= rel


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        ("from ..planning import plan_text\n", "cli/x.py", ["plan_text is neither in estimator.planning.__all__"]),
        ("from ..planning.job import plan_text\n", "cli/x.py", []),
        ("from ..modes import Price\n", "ui/x.py", ["Price is neither in estimator.modes.__all__ nor defined"]),
        ("from .. import planning as pl\n", "cli/x.py", ["the module estimator.planning"]),
        ("def f():\n    from ..reading.memory import _is_frame\n", "cli/x.py", ["_is_frame is private"]),
        ("import estimator.reading.source\n", "cli/x.py", ["import estimator.reading.source"]),
        ("from .. import UsageError\n", "cli/x.py", ["UsageError is not in estimator.__all__"]),
        ("from ..ui.common import Settings\n", "cli/x.py", ["never imports from another"]),
        ("from estimator.cli.base import main\n", "ui/x.py", ["never imports from another"]),
        ("from .. import estimate\nfrom ..errors import UsageError\nfrom .base import main\nfrom . import engine\n",
         "cli/x.py", []),
        ("from ..money import shown_difference\nfrom ..planning.decision import DEFAULT_VALUE_PER_HOUR\n",
         "ui/x.py", []),
        ("from ..charts import forecast\n", "ui/x.py", []),
    ],
    ids=["helper-from-a-surface", "helper-from-its-module", "re-exported-elsewhere", "whole-module",
         "private-inside-a-function", "import-module", "not-top-level", "cli-from-ui", "ui-from-cli",
         "public-and-siblings", "defined-there", "charts-in-ui"],
)
def test_the_check_catches_what_it_should(tmp_path: Path, source: str, path: str, expected: list[str]) -> None:
    file = tmp_path / path
    file.parent.mkdir(parents=True)
    file.write_text(source, encoding="utf-8")
    got = offences(file, root=tmp_path)
    assert len(got) == len(expected), got
    for message, part in zip(got, expected):
        assert part in message


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PACKAGE_DIR).as_posix())
def test_front_ends_import_public_names_or_from_where_a_name_is_defined(path: Path) -> None:
    assert offences(path) == []


# --------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------


def test_the_top_level_is_small_and_holds_what_a_notebook_needs() -> None:
    assert len(estimator.__all__) <= MOST_TOP_LEVEL_NAMES
    assert {"estimate", "plan", "price", "count_tokens", "write_batch", "reconcile", "load_pricebook",
            "EstimateOptions", "PlanOptions", "JobSize", "Estimate", "JobPlan", "EstimatorError"} <= set(estimator.__all__)


def test_the_top_level_namespace_is_its_all_and_the_subpackages() -> None:
    public = {name for name in vars(estimator) if not name.startswith("_")}
    extra = {name for name in public - set(estimator.__all__) if not isinstance(getattr(estimator, name), types.ModuleType)}
    assert extra == set()


def surfaces() -> list[types.ModuleType]:
    return [estimator, *(importlib.import_module(f"estimator.{name}") for name in DOCUMENTED)]


@pytest.mark.parametrize("module", surfaces(), ids=lambda m: m.__name__)
def test_each_documented_surface_says_what_it_holds_and_lists_its_names(module: types.ModuleType) -> None:
    assert (module.__doc__ or "").strip(), f"{module.__name__} has no docstring"
    assert isinstance(getattr(module, "__all__", None), list), f"{module.__name__} has no __all__"
    names = module.__all__
    assert len(set(names)) == len(names)
    assert [n for n in names if not hasattr(module, n)] == []


def public_names() -> list[tuple[str, str]]:
    return [(m.__name__, name) for m in surfaces() for name in m.__all__]


@pytest.mark.parametrize(("module", "name"), public_names(), ids=lambda x: x)
def test_every_public_name_has_a_docstring(module: str, name: str) -> None:
    value = getattr(importlib.import_module(module), name)
    assert not isinstance(value, types.ModuleType), f"{module}.{name} is a module"
    if inspect.isclass(value):
        doc = value.__dict__.get("__doc__") or ""
        generated = doc.startswith(f"{value.__name__}(")  # what @dataclass writes when the class has none
        assert doc.strip() and not generated, f"{module}.{name} has no docstring"
    else:
        assert inspect.isfunction(value), f"{module}.{name} is neither a class nor a function: document it or leave it out"
        assert (value.__doc__ or "").strip(), f"{module}.{name} has no docstring"


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


# --------------------------------------------------------------------------
# The README's "From Python" section
# --------------------------------------------------------------------------


def from_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def readme_names(code: str) -> list[str]:
    """Every ``estimator...`` name the code reaches: attribute chains and ``from estimator... import``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "estimator":
            found += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Attribute):
            chain: list[str] = []
            value: ast.expr = node
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id == "estimator":
                found.append(".".join(["estimator", *reversed(chain)]))
    return found


def is_public(dotted: str) -> bool:
    """``estimator.X`` in ``estimator.__all__``, or ``estimator.sub.X`` in a documented subpackage's ``__all__``
    (attributes of a public name, ``estimator.X.attr``, are the name's own business)."""
    parts = dotted.split(".")[1:]
    if not parts:
        return True
    if parts[0] in estimator.__all__:
        return True
    if parts[0] not in DOCUMENTED:
        return False
    return len(parts) == 1 or parts[1] in importlib.import_module(f"estimator.{parts[0]}").__all__


def test_the_readme_python_section_has_code() -> None:
    blocks = from_python_blocks()
    assert blocks and all(readme_names(code) for code in blocks)


def test_the_readme_python_section_uses_only_public_names() -> None:
    used = sorted({name for code in from_python_blocks() for name in readme_names(code)})
    assert "estimator.estimate" in used
    assert [name for name in used if not is_public(name)] == []
