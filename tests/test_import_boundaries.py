"""Only ``estimator.ui`` imports streamlit; the compute core imports neither streamlit nor plotly.

The library installs without them too: they are the ``app`` extra, which ``./dev app`` and
``./dev test`` install and ``pip install .`` does not.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import estimator

PACKAGE_DIR = Path(estimator.__file__).resolve().parent
ROOT = PACKAGE_DIR.parent


def all_modules() -> list[str]:
    names = ["estimator"]
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="estimator."):
        if not info.name.endswith("__main__"):  # importing it runs the command line
            names.append(info.name)
    return sorted(names)


def is_ui(name: str) -> bool:
    return name == "estimator.ui" or name.startswith("estimator.ui.")


CORE = [m for m in all_modules() if not is_ui(m) and m != "estimator.charts"]


def loaded_after(imports: list[str]) -> set[str]:
    """Top-level packages in sys.modules after importing ``imports`` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_core_modules_are_found() -> None:
    for name in (
        "estimator",
        "estimator.modes",
        "estimator.pricing.book",
        "estimator.report.estimate",
        "estimator.report.export",
        "estimator.cli",
    ):
        assert name in CORE


def test_core_imports_neither_streamlit_nor_plotly() -> None:
    loaded = loaded_after(CORE)
    assert "streamlit" not in loaded
    assert "plotly" not in loaded


def test_charts_import_plotly_but_not_streamlit() -> None:
    loaded = loaded_after(["estimator.charts"])
    assert "plotly" in loaded
    assert "streamlit" not in loaded


def test_the_ui_is_where_streamlit_comes_in() -> None:
    assert "streamlit" in loaded_after(["estimator.ui"])


def test_no_module_outside_ui_names_streamlit_in_an_import() -> None:
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(PACKAGE_DIR)
        if rel.parts[0] == "ui":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(n.split(".")[0] == "streamlit" for n in names):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_app_entry_stays_thin() -> None:
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert imported == {"estimator.ui"}
    assert len([line for line in source.splitlines() if line.strip()]) <= 5


APP_ONLY = ("streamlit", "plotly")


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_the_library_installs_without_the_app_packages() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert requirement_names(project["dependencies"]).isdisjoint(APP_ONLY)
    assert set(APP_ONLY) <= requirement_names(project["optional-dependencies"]["app"])


def test_import_estimator_loads_neither_streamlit_nor_plotly() -> None:
    loaded = loaded_after(["estimator"])
    assert "estimator" in loaded
    assert loaded.isdisjoint(APP_ONLY)


def test_the_dev_script_installs_the_app_extra_where_the_app_or_its_tests_run() -> None:
    script = (ROOT / "dev").read_text(encoding="utf-8")
    extras = re.search(r'^DEV_EXTRAS="([^"]+)"', script, flags=re.MULTILINE)
    assert extras is not None and {"app", "test", "dask"} <= set(extras.group(1).split(","))
    assert re.search(r'^\s+app\)\n\s+setup "app"', script, flags=re.MULTILINE)
    for command in ("setup", "test"):
        assert re.search(rf'^\s+{command}\)\n\s+setup "\$DEV_EXTRAS"', script, flags=re.MULTILINE)
