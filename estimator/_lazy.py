"""Names of a package loaded when first used (PEP 562), so importing a package costs nothing
until one of its names is asked for: ``python -m estimator estimate`` never loads the code of
reconciliation, planning or forecasts. Each package keeps its imports under ``TYPE_CHECKING``
for type checkers and readers, and the same names in the table given here."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: each name of ``names`` is imported from its
    module on first use and kept in the package (so the second use is a plain attribute)."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        __import__(module)  # not importlib.import_module: ``-X importtime`` sees this one
        value = getattr(sys.modules[module], name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return __getattr__, __dir__
