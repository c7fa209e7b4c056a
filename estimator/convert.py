"""The door of the library: what a person passes, converted once into exact values.

Every public call and every option object converts its arguments here, so that
inside the package only exact types flow (``datetime.date``, ``int``,
``Decimal``, ``str``) and a wrong value is an ``EstimatorError`` naming the
argument as Python spells it. The pricing date defaults to today here, and
nowhere else.

What a person may pass:

* dates (``as_of``): ``None`` (today), a ``date``, a ``datetime`` (its day), an ISO string;
* amounts of money (prices, budgets, the value of an hour): ``int``, ``Decimal``, a string
  (``"2.50"``, ``"2_000"``) or a float as typed (``2.5`` is ``Decimal("2.5")``: a float is read
  by its shortest repr, the digits the person wrote, never by its binary value);
* counts (rows, tokens, requests): ``int``, numpy integers, and floats or Decimals that are
  whole (``1e6``, ``50.0``); never ``True``, never a fraction, never beyond :data:`MAX_COUNT`;
* hours, seconds, shares and percentages: any of the above numbers, also numpy floats,
  converted exactly the same way, then range-checked;
* text (model ids, column names, prompts): ``str`` only.

Results go out through :func:`to_plain`: JSON types only, amounts as plain decimal strings.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np

from estimator.errors import UsageError, param, render

if TYPE_CHECKING:
    import pandas as pd

MAX_COUNT = 10**15
"""The largest count of rows, requests or tokens the library accepts: far beyond any real job
(a million rows of a million tokens each is 10**12), small enough that no total overflows."""

def today() -> dt.date:
    """The day the question is asked: the default pricing date and the reference for 'later'."""
    return dt.date.today()


def month_start(value: object, name: str = "start") -> dt.date:
    """The first day of a month: from None (this month), a date, a datetime, or ``YYYY-MM[-DD]``."""
    if isinstance(value, str) and len(value.strip()) == 7:
        try:
            return dt.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise UsageError(f"{param(name)} {value!r} is not a month; write it as YYYY-MM, e.g. 2025-01",
                             param=name) from None
    return as_of_date(value, name).replace(day=1)


def as_of_date(value: object, name: str = "as_of") -> dt.date:
    """A pricing date from ``None`` (today), a ``date``, a ``datetime`` (its day) or an ISO string."""
    if value is None:
        return today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(f"{param(name)} {_short(value)} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31",
                             param=name) from None
    raise UsageError(f"{param(name)} must be a date (datetime.date or 'YYYY-MM-DD'), not {_kind(value)}",
                     param=name)


FURTHEST_PRICING_YEARS = 5
"""How far ahead a pricing date may be set: prices known today, for a budget some years out."""


def furthest_pricing_date() -> dt.date:
    return today() + dt.timedelta(days=FURTHEST_PRICING_YEARS * 365)


def rounded_decimal(value: float | int | Decimal, places: int = 6) -> Decimal:
    """A number from a form field as an exact Decimal with the float noise of its steps rounded off
    (a field stepping by 0.05 can hold 0.15000000000000002; the person meant 0.15)."""
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return d.normalize() if d != 0 else Decimal(0)


def _kind(value: object) -> str:
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


def exact(value: object, name: str) -> Decimal:
    """``value`` as an exact, finite ``Decimal``; a float by the digits its repr shows.

    ``Decimal(0.1)`` is 0.1000000000000000055511151231257827...; ``exact(0.1, ...)`` is 0.1,
    the number the person typed. numpy floats likewise (``float32(0.1)`` is 0.1 too).
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise UsageError(f"{param(name)} must be a number, not {_kind(value)}", param=name)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (int, np.integer)):
        number = Decimal(int(value))
    elif isinstance(value, np.floating):
        number = _from_text(str(value), value, name)  # numpy prints its own type's shortest digits
    elif isinstance(value, float):
        if value.is_integer():  # 24.0 is 24, and 1e16 is 10000000000000000, not 1E+16
            return Decimal(int(value))
        number = _from_text(float.__repr__(value), value, name)
    elif isinstance(value, str):
        number = _from_text(value.strip().replace("_", ""), value, name)
    else:
        raise UsageError(f"{param(name)} must be a number (int, Decimal or a string such as '2.50'), "
                         f"not {_kind(value)}", param=name)
    if not number.is_finite():
        raise UsageError(f"{param(name)} must be a finite number, got {_short(value)}", param=name)
    return number


def _from_text(text: str, value: object, name: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise UsageError(f"{param(name)} {_short(value)} is not a number; write it with a decimal point, "
                         "e.g. '2.50' or '2_000'", param=name) from None


def money(value: object, name: str, *, positive: bool = False) -> Decimal:
    """An amount in USD (a price per million tokens, a budget, the value of an hour): ``>= 0``,
    or ``> 0`` when ``positive``."""
    amount = exact(value, name)
    if amount < 0 or (positive and amount == 0):
        raise UsageError(f"{param(name)} must be {'above' if positive else 'at least'} 0, got {_short(value)}",
                         param=name)
    return amount


def count(value: object, name: str, *, minimum: int = 0, maximum: int | None = MAX_COUNT) -> int:
    """A whole number of rows, requests or tokens between ``minimum`` and ``maximum`` (``None``: no bound;
    for totals the library itself multiplies out).

    numpy integers and whole floats or Decimals (``1e6``, ``50.0``) are accepted; ``True``,
    ``2.5`` and ``"many"`` are not.
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        whole = int(value)
    else:
        number = exact(value, name)
        if number != number.to_integral_value():
            raise UsageError(f"{param(name)} must be a whole number, got {_short(value)}", param=name)
        if maximum is not None and number.adjusted() > len(str(maximum)):  # int(1e999999) builds a million digits
            raise UsageError(f"{param(name)} {_short(value)} is too large: at most {maximum:,}", param=name)
        whole = int(number)
    if whole < minimum:
        raise UsageError(f"{param(name)} must be at least {minimum}, got {_short(value)}", param=name)
    if maximum is not None and whole > maximum:
        raise UsageError(f"{param(name)} {_short(value)} is too large: at most {maximum:,}", param=name)
    return whole


def _short(value: object) -> str:
    """``value`` as the person wrote it (``2.5``, ``'2.5'``, ``Decimal`` without its type), kept short."""
    text = str(value) if isinstance(value, (Decimal, np.generic)) else repr(value)
    return text if len(text) <= 40 else f"{text[:12]}...({len(text)} characters)"


def number(
    value: object, name: str, *, minimum: Decimal | int | None = 0, above: bool = False,
    maximum: Decimal | int | None = None, below: bool = False,
) -> Decimal:
    """Hours, seconds, a multiplier or a percentage, exact, within ``[minimum, maximum]``
    (``above``/``below``: the bound itself excluded; ``None``: no bound)."""
    exact_value = exact(value, name)
    low_fails = minimum is not None and (exact_value <= minimum if above else exact_value < minimum)
    high_fails = maximum is not None and (exact_value >= maximum if below else exact_value > maximum)
    if low_fails or high_fails:
        raise UsageError(f"{param(name)} must be {_range(minimum, above, maximum, below)}, got {_short(value)}",
                         param=name)
    return exact_value


def _range(minimum: Decimal | int | None, above: bool, maximum: Decimal | int | None, below: bool) -> str:
    low = None if minimum is None else f"{'above' if above else 'at least'} {minimum}"
    high = None if maximum is None else f"{'below' if below else 'at most'} {maximum}"
    if low and high:
        if not above and not below:
            return f"between {minimum} and {maximum}"
        return f"{low} and {high}"
    return low or high or "a number"


def share(value: object, name: str, *, below_one: bool = False) -> Decimal:
    """A share between 0 and 1 (``0.25`` is a quarter); ``below_one``: 1 itself excluded."""
    return number(value, name, minimum=0, maximum=1, below=below_one)


# --------------------------------------------------------------------------
# Text and choices
# --------------------------------------------------------------------------


def text(value: object, name: str, *, example: str = "") -> str:
    """A string argument (a model id, a column name, a prompt); anything else is a ``UsageError``."""
    if isinstance(value, str):
        return value
    hint = f", e.g. {example}" if example else ""
    raise UsageError(f"{param(name)} must be a string{hint}, not {_kind(value)}", param=name)


def flag(value: object, name: str) -> bool:
    """``True`` or ``False`` (numpy's too); ``"no"`` or ``0`` are refused rather than guessed."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise UsageError(f"{param(name)} must be True or False, not {_short(value)}", param=name)


def instance[T](value: object, name: str, kind: type[T]) -> T:
    """``value`` if it is a ``kind`` (an option object); else a ``UsageError`` naming the argument."""
    if isinstance(value, kind):
        return value
    raise UsageError(f"{param(name)} must be a {kind.__name__}, not {_kind(value)}", param=name)


def set_field(obj: object, name: str, value: object) -> None:
    """Store a converted value on a frozen dataclass, from its ``__post_init__``."""
    object.__setattr__(obj, name, value)


def optional[T](convert: Callable[..., T], value: object, name: str, **bounds: Any) -> T | None:
    """``None`` stays ``None``; anything else goes through ``convert``."""
    return None if value is None else convert(value, name, **bounds)


# --------------------------------------------------------------------------
# Going out: plain JSON data
# --------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    """A decimal in plain notation, never an exponent: ``0.0000008``, ``0``, ``15.45``."""
    if value == 0:
        return format(value.normalize(), "f")
    text = str(value)  # plain already unless the exponent is positive or the value very small:
    return format(value, "f") if "E" in text else text  # (str is about twice as fast as format)


def to_plain(data: object) -> Any:
    """``data`` as JSON types only, so that ``json.dumps(to_plain(x))`` works as is.

    Decimals become plain decimal strings (money never travels as a float), dates and times
    ISO strings, paths strings, tuples and sets lists, numpy scalars Python numbers, and the
    settings named in messages are worded as the Python API names them (``column=``).
    """
    return plain_data(data, None)


def plain_data(data: object, float_as: Callable[[float], Any] | None) -> Any:
    """``to_plain(data)``, with every float replaced by ``float_as(value)`` when it is given (a JSON
    writer's own form of a float: floats are where encoders differ)."""
    kind = type(data)  # the types a document is made of, by identity first (a reconciliation has millions)
    if kind is str:
        return render(data) if "\ue000" in data else data  # type: ignore[arg-type,operator]
    if kind is int or kind is bool or data is None:
        return data
    if kind is Decimal:
        return decimal_text(data)  # type: ignore[arg-type]
    if kind is dict:
        return {k if type(k) is str else _key(k): plain_data(v, float_as)
                for k, v in data.items()}  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return [plain_data(v, float_as) for v in data]  # type: ignore[attr-defined]
    if isinstance(data, float):
        return data if float_as is None else float_as(data)
    if isinstance(data, (bool, int)):
        return data
    if isinstance(data, str):
        return render(data) if "\ue000" in data else data
    if isinstance(data, Decimal):
        return decimal_text(data)
    if isinstance(data, (dt.date, dt.datetime, dt.time)):
        return data.isoformat()
    if isinstance(data, PurePath):
        return str(data)
    if isinstance(data, Mapping):
        return {_key(k): plain_data(v, float_as) for k, v in data.items()}
    if isinstance(data, (list, tuple, set, frozenset)):
        return [plain_data(v, float_as) for v in data]
    if isinstance(data, np.generic):
        return plain_data(data.item(), float_as)
    to_json = getattr(data, "to_json", None)
    if callable(to_json):
        return plain_data(to_json(), float_as)
    raise TypeError(f"cannot serialise {type(data).__name__}")


def _key(key: object) -> object:
    """A mapping key JSON accepts: str, int, float, bool or None as ``json`` writes them; others as text."""
    if key is None or isinstance(key, (str, bool, int, float)):
        return key
    plain = to_plain(key)
    return plain if isinstance(plain, str) else str(plain)


# --------------------------------------------------------------------------
# Results: one document, three views
# --------------------------------------------------------------------------


def counted(n: int, noun: str) -> str:
    """``1 request``, ``12,000 requests``: a count with its noun, for summaries."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Document:
    """A result read as a document: ``as_dict()`` with exact values (``Decimal``, ``date``), for
    arithmetic; ``to_json()`` the same document in JSON types, for ``json.dumps`` as is."""

    def as_dict(self) -> dict[str, Any]:
        """The document with exact values: amounts ``Decimal``, days ``date``."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """The document in JSON types: ``json.dumps(x.to_json())`` works as is (see :func:`to_plain`)."""
        plain: dict[str, Any] = to_plain(self.as_dict())
        return plain


class Result(Document):
    """A result a person looks at in a notebook: a short ``repr``, ``to_frame()`` for pandas and an
    HTML table in Jupyter, all from the same rows (``table()``).

    A dataclass that inherits this passes ``repr=False``, or its generated ``repr`` (every field,
    35,000 characters for a 12-row estimate) would replace the short one.
    """

    def summary(self) -> str:
        """One or a few lines: what the result is about and its key figures."""
        raise NotImplementedError

    def table(self) -> list[dict[str, Any]]:
        """The rows of ``to_frame()``, with exact values."""
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        """``table()`` as a pandas DataFrame (amounts stay exact ``Decimal`` objects)."""
        import pandas as pd  # heavy: loaded on first use, not by ``import estimator``

        return pd.DataFrame(self.table())

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary()}>"

    def _repr_html_(self) -> str:
        return html_table(self.table(), caption=self.summary())


HTML_ROWS = 60
"""Rows an HTML table shows in a notebook; ``to_frame()`` holds them all."""


def html_table(rows: list[dict[str, Any]], caption: str = "") -> str:
    """A small HTML table of ``rows`` (dicts), every text escaped; at most ``HTML_ROWS`` rows."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell_text(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows[:HTML_ROWS]
    )
    more = (f'<tr><td colspan="{max(len(columns), 1)}">... {len(rows) - HTML_ROWS:,} more rows: '
            "to_frame() holds them all</td></tr>") if len(rows) > HTML_ROWS else ""
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}{more}</tbody></table>"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    plain = to_plain(value)
    if isinstance(plain, str):
        return plain
    return json.dumps(plain, ensure_ascii=False) if isinstance(plain, (list, dict)) else str(plain)
