"""The command line and the app only parse and render: no arithmetic on tokens, money or time.

Every figure a front end shows comes from one library call. This walks the source of
``estimator/cli`` and ``estimator/ui`` and fails on any arithmetic: ``+ - * / // % **`` on
values (joining text or paths, and constants such as ``10**12``, are not arithmetic), an
augmented assignment, a negated value, or a call to ``sum``, ``min``, ``max``, ``abs``,
``round``, ``divmod``, ``pow`` or ``math.*``. Where a front end needs a number, the library
lacks a function: add it there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import estimator

PACKAGE_DIR = Path(estimator.__file__).resolve().parent
FRONT_END_FILES = sorted(p for front in ("cli", "ui") for p in (PACKAGE_DIR / front).rglob("*.py"))
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
NUMBER_CALLS = {"sum", "min", "max", "abs", "round", "divmod", "pow"}


TEXT_CALLS = {"str", "join", "format_usd", "format_hours", "format_share", "format_bytes", "mode_label",
              "app_words", "cli_words", "display_paths", "repr"}

EXEMPT = {
    "ui/uploads.py": "the server's memory housekeeping (bytes of staged uploads, the process's resident size, "
                     "sessions still open): logged and used to free memory, never a figure on the page",
}


def is_text(node: ast.expr) -> bool:
    """Whether an expression is text (joined, not computed): literals, f-strings, text-returning calls,
    a choice between texts, and lists of options."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.JoinedStr, ast.List, ast.ListComp)):
        return True
    if isinstance(node, ast.IfExp):
        return is_text(node.body) or is_text(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_text(node.left) or is_text(node.right)
    if isinstance(node, ast.Call):
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name in TEXT_CALLS
    return False


def is_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp):
        return is_constant(node.left) and is_constant(node.right)
    if isinstance(node, ast.UnaryOp):
        return is_constant(node.operand)
    return False


def offences(source: str, name: str = "<test>") -> list[str]:
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            if not (is_text(node.left) or is_text(node.right) or is_constant(node)):
                what = ast.unparse(node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ARITHMETIC) and not is_text(node.value):
            what = ast.unparse(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not is_constant(node.operand):
            what = ast.unparse(node)
        elif isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id in NUMBER_CALLS) or (
                isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math"
            ):
                what = ast.unparse(node)
        if what is not None:
            found.append(f"{name}:{getattr(node, 'lineno', '?')}: {what[:90]}")
    return found


CHECKED = [p for p in FRONT_END_FILES if str(p.relative_to(PACKAGE_DIR)) not in EXEMPT]


@pytest.mark.parametrize("path", CHECKED, ids=[str(p.relative_to(PACKAGE_DIR)) for p in CHECKED])
def test_front_end_holds_no_arithmetic(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE_DIR))) == []


def test_exempt_files_exist_and_say_why() -> None:
    names = {str(p.relative_to(PACKAGE_DIR)) for p in FRONT_END_FILES}
    assert all(name in names and len(why) > 40 for name, why in EXEMPT.items())


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("x = plan.cost * days", True),
        ("x = a - b", True),
        ("total += row.cost", True),
        ("x = -saves", True),
        ("x = sum(costs)", True),
        ("x = max(1, n)", True),
        ("x = math.ceil(rows)", True),
        ("x = f'{a}' + name", False),
        ("p = folder / 'retry'", False),
        ("limit = 10**12", False),
        ("x = -1", False),
        ("label = 'a' + b", False),
        ("label = name + (' more' if n else '')", False),
        ("x = ', '.join(parts) + f'. {more}'", False),
        ("x = (a + b) * 'x'", True),
    ],
)
def test_the_check_catches_arithmetic_and_lets_text_through(source: str, flagged: bool) -> None:
    assert bool(offences(source)) is flagged
