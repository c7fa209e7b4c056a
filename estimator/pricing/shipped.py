"""Where the shipped price tables are, and how a table's path is shown to people."""

from __future__ import annotations

from pathlib import Path

from estimator.errors import PricingError

PRICING_DIR = Path(__file__).resolve().parents[2] / "pricing"
"""The shipped tables. An installed wheel carries a copy under estimator/_pricing."""


def display_path(origin: str) -> str:
    """A pricing file's path as a user would write it: shipped files as ``pricing/NAME``."""
    path = Path(origin)
    if path.parent == PRICING_DIR or path.parent.name == "_pricing":
        return f"pricing/{path.name}"
    return origin


def shipped_pricing_dir() -> Path:
    """The pricing tables that come with the package (source tree or wheel)."""
    installed = Path(__file__).resolve().parents[1] / "_pricing"
    return PRICING_DIR if PRICING_DIR.is_dir() else installed


def pricing_files(directory: str | Path | None = None) -> list[Path]:
    d = Path(directory) if directory else shipped_pricing_dir()
    files = sorted(d.glob("*.toml"))
    if not files:
        raise PricingError(f"{d}: no pricing files (*.toml) found")
    return files
