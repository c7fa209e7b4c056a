"""The package is a stack of layers: every import points down, none forms a circle.

This is the structure drawing of the README ("How the package is built"), checked:

    cli, ui            front ends: parse and render
    charts             plotly figures from plain data
    api                the one-call functions (estimator/__init__.py, estimator/api.py)
    planning, piloting time per tier, the decision, routing, forecasts; pilot runs
    batch              batch request and result files, logistics, reconciliation
    report             the estimate document, tables, the JSON/CSV encoder
    counting           counting a dataset's tokens
    modes              the cost of a usage under each delivery mode
    usage              a job's billable totals and the size of a request
    pricing            the price tables, their rules and dated look-ups
    tokens, reading    tokenizers; reading rows from files and memory
    money, convert,    Decimal amounts; arguments converted at the library's door;
    formats            hours, shares and sizes for people
    errors

An import may reach its own layer only inside its own package. Imports inside
``if TYPE_CHECKING:`` follow the same rule (a type is a dependency too), and an
import inside a function is allowed only where a heavy or optional dependency is
loaded on first use (``LAZY``), never to hide a circle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import estimator

PACKAGE_DIR = Path(estimator.__file__).resolve().parent

LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(names)
    for names in (
        {"errors", "_entry", "_lazy", "_usercache", "_bulk"},
        {"money", "convert", "formats"},
        {"tokens", "reading"},
        {"pricing"},
        {"usage"},
        {"modes"},
        {"counting"},
        {"report"},
        {"batch"},
        {"planning", "piloting"},
        {"api"},
        {""},  # estimator/__init__.py: the public surface
        {"charts"},
        {"cli", "ui"},
        {"__main__"},
    )
)

LAZY: dict[str, str] = {
    "estimator.tokens.claude": "ctok is loaded only when a Claude count is asked for",
    "estimator.tokens.gemini": "the Gemini calibration is loaded only when a Gemini count is asked for",
    "estimator.counting.distributed": "Dask is an optional extra, imported only for a cluster count",
    # estimator.api: an estimate (the command people wait on most) does not load these; each is
    # imported by the one call that needs it (plan, write_batch, forecast, route, pilot).
    "estimator.planning.job": "loaded by estimator.plan only",
    "estimator.planning.forecast": "loaded by estimator.forecast only",
    "estimator.planning.routing": "loaded by estimator.route only",
    "estimator.piloting.pilot": "loaded by estimator.pilot only",
    "estimator.batch.writer": "loaded by estimator.write_batch only",
    # An estimate of a data file loads none of the batch-file code: each is imported by the one step
    # that needs it (a file that starts like JSON, a batch file's profile, tool definitions, images).
    "estimator.batch.files": "loaded for a file that starts like JSON (batch.sniff) or a batch file's estimate",
    "estimator.batch.profile": "loaded by the estimate of a batch request file only",
    "estimator.batch.parts": "loaded when tool definitions or a response schema are given",
    "estimator.batch.logistics": "loaded by estimator.write_batch only",
    "estimator.batch.results": "loaded when result files are read for measured output lengths",
    "estimator.counting.images": "loaded when an image column is given",
    "estimator.reading.xlsx": "zipfile and the sheet reader load only for an Excel workbook",
    "estimator.pricing.schema": "pydantic and the price-file models load only when a price file is validated "
    "(its validated form is cached by content hash) or the schema is printed",
}


def module_name(path: Path) -> str:
    parts = ("estimator", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def concept(module: str) -> str:
    """The package or top-level module a module belongs to: ``estimator.pricing.book`` -> ``pricing``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    name = concept(module)
    for i, names in enumerate(LAYERS):
        if name in names:
            return i
    raise AssertionError(f"{module} belongs to no layer: add {name!r} to LAYERS (and to the README drawing)")


def imports(module: str) -> list[tuple[str, int, str]]:
    """(imported module, line, kind) for every import of a module of ours; kind is "top", "local" or "types"."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, str]] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        if node.level:
            base = module.split(".")
            if path.name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
        return subs if len(subs) == len(node.names) else [target, *subs]

    def visit(node: ast.AST, kind: str) -> None:  # one pass; "types" outranks "local", which outranks "top"
        for child in ast.iter_child_nodes(node):
            inner = kind
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = "types"
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and kind != "types":
                inner = "local"
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((t, child.lineno, inner) for t in targets(child) if t in MODULES and t != module)
            visit(child, inner)

    visit(tree, "top")
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_belongs_to_a_layer() -> None:
    for m in MODULES:
        layer(m)


def test_every_import_points_down() -> None:
    wrong = []
    for m, found in GRAPH.items():
        for target, line, kind in found:
            same_concept = concept(target) == concept(m)
            if layer(target) > layer(m) or (layer(target) == layer(m) and not same_concept):
                wrong.append(f"{MODULES[m].relative_to(PACKAGE_DIR)}:{line} ({kind}) imports {target}")
    assert wrong == []


def test_no_module_imports_itself_in_a_circle() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for m, found in GRAPH.items():
        for target, _, kind in found:
            if kind != "types":
                edges[m].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for m in MODULES:
        if m not in index:
            visit(m)
    assert circles == []


def test_imports_inside_functions_only_load_heavy_parts_late() -> None:
    local = sorted(
        f"{MODULES[m].relative_to(PACKAGE_DIR)}:{line} imports {target}"
        for m, found in GRAPH.items()
        for target, line, kind in found
        if kind == "local" and target not in LAZY
    )
    assert local == []
