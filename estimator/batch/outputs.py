"""Output lengths measured from a batch's results, for the next estimate.

The output length is the least known part of every estimate until answers
exist. A pilot run (say 1% of the rows) measures it: this module keeps the
distribution of billed output tokens per request (reasoning included), and
its relation to the request's input length, in a small JSON file that
``estimate`` can use instead of a guessed ``output_tokens``.

The expected output per request is the measured mean (rounded up): the
total of N requests is N x mean, whatever the shape of the distribution.
The 95% interval of that total combines the uncertainty of the mean measured
on m requests (standard error sd / sqrt(m)) with the spread of N fresh
requests: N x mean +/- 1.96 x sd x sqrt(N^2 / m + N).

Only requests whose usage was read count: a request whose usage is unknown is left out, never
measured as 0 tokens. A saved profile is checked field by field when it is loaded (a mean that is
text, NaN or negative, a count of thousands of digits, a ``source`` that spans lines: each is an
error naming the file and the field), and it is saved only to a new file unless ``overwrite``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.errors import DataError, UsageError, param
from estimator.modes import ModeUnavailable, batch_prices
from estimator.money import format_usd

__all__ = ["OutputProfile", "load_output_profile", "output_profile", "output_profile_from_results"]

FORMAT = "llm-estimator output profile"
VERSION = 1
Z95 = 1.96


@dataclass(frozen=True)
class OutputProfile:
    """Billed output tokens per request, measured on ``requests`` answered requests."""

    requests: int
    mean: float
    stdev: float
    p50: int
    p95: int
    max: int
    min: int
    output_per_input: float | None  # total output / total input of the same requests
    correlation: float | None  # Pearson correlation of output with input length, where joined
    reasoning_share: float  # share of the output tokens that were reasoning / thinking
    model: str | None = None
    provider: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("requests", "p50", "p95", "max", "min"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise UsageError(f"OutputProfile.{name} must be a whole number >= 0, not {value!r}", param=name)
        for name in ("mean", "stdev"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise UsageError(f"OutputProfile.{name} must be a finite number >= 0, not {value!r}", param=name)
        if not isinstance(self.source, str) or any(c in self.source for c in "\r\n\x00\u2028\u2029"):
            raise UsageError("OutputProfile.source must be one line of text", param="source")

    @property
    def expected_per_request(self) -> int:
        """Whole tokens per request whose sum over N requests is never below N x mean."""
        return math.ceil(self.mean - 1e-9)

    def interval(self, n: int) -> tuple[int, int]:
        """95% interval of the total output tokens of ``n`` requests like the measured ones."""
        if n <= 0 or self.requests == 0:
            return 0, 0
        half = Z95 * self.stdev * math.sqrt(n * n / self.requests + n)
        centre = n * self.mean
        return max(0, math.floor(centre - half)), math.ceil(centre + half)

    def describe(self) -> str:
        relation = ""
        if self.output_per_input is not None:
            relation = f"; {self.output_per_input:.3f} output tokens per input token"
            if self.correlation is not None:
                relation += f" (correlation with input length {self.correlation:+.2f})"
        return (
            f"measured output over {self.requests:,} answered requests: mean {self.mean:,.1f}, "
            f"p50 {self.p50:,}, p95 {self.p95:,}, max {self.max:,} tokens{relation}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}

    def save(self, path: str | Path, *, overwrite: bool = False, protected: Iterable[str | Path] = ()) -> Path:
        """Write the profile as JSON, atomically (a temporary file moved into place).

        ``path`` must be a new file unless ``overwrite``; it is never one of ``protected`` (the inputs
        of the call that measured it), overwrite or not.
        """
        target = Path(path)
        for given in protected:
            if _same(Path(given), target):
                raise UsageError(f"{target} is an input of this command; the output lengths are never saved over "
                                 "it: choose another file", param="path")
        if target.exists() and not overwrite:
            raise UsageError(f"{target} already exists; nothing was saved. Allow {param('overwrite')} to "
                             "replace it or choose another file", param="overwrite")
        if target.exists() and not target.is_file():
            raise UsageError(f"{target} is not a file", param="path")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            try:
                with open(tmp, "x", encoding="utf-8") as f:
                    f.write(json.dumps(self.to_json(), indent=2) + "\n")
                if overwrite:
                    os.replace(tmp, target)
                else:
                    os.link(tmp, target)  # fails if the name was taken meanwhile: never replaces a file
            finally:
                tmp.unlink(missing_ok=True)
        except FileExistsError:
            raise UsageError(f"{target} already exists; nothing was saved", param="overwrite") from None
        except OSError as exc:
            raise DataError(f"{target}: cannot save the output lengths there: {exc.strerror or exc}",
                            path=str(target)) from None
        return target


def _percentile(values: Sequence[int], q: int) -> int:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return 0
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values) / 100) - 1))]


def output_profile(
    outputs: Sequence[int],
    inputs: Sequence[int] | None = None,
    *,
    reasoning: int = 0,
    model: str | None = None,
    provider: str | None = None,
    source: str = "",
) -> OutputProfile:
    """The profile of measured output tokens (and, paired with them, input tokens)."""
    values = sorted(outputs)
    n = len(values)
    if n == 0:
        raise DataError(f"{source or 'results'}: no answered request with usage; nothing to measure output from")
    mean = sum(values) / n
    stdev = statistics.stdev(values) if n > 1 else 0.0
    ratio = corr = None
    if inputs is not None and len(inputs) == n and sum(inputs) > 0:
        ratio = round(sum(outputs) / sum(inputs), 6)
        if n > 2 and len(set(inputs)) > 1 and len(set(outputs)) > 1:
            corr = round(statistics.correlation([float(x) for x in inputs], [float(y) for y in outputs]), 4)
    total = sum(values)
    return OutputProfile(
        requests=n,
        mean=round(mean, 4),
        stdev=round(stdev, 4),
        p50=_percentile(values, 50),
        p95=_percentile(values, 95),
        max=values[-1],
        min=values[0],
        output_per_input=ratio,
        correlation=corr,
        reasoning_share=round(reasoning / total, 4) if total else 0.0,
        model=model,
        provider=provider,
        source=source,
    )


def _same(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return os.path.abspath(a) == os.path.abspath(b)


def output_profile_from_results(paths: str | Path | Iterable[str | Path]) -> OutputProfile:
    """Measure output lengths from one or more result files of any provider (requests whose usage
    was read; a request of unknown usage is not measured as 0)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    outs: list[int] = []
    ins: list[int] = []
    reasoning = 0
    models: Counter[str] = Counter()
    provider = None
    from estimator.batch.results import read_results  # the results reader loads only to read results

    for p in items:
        rf = read_results(p)
        provider = rf.provider
        for r in rf.records:
            if r.usage_known and r.usage is not None:
                outs.append(r.usage.output_tokens)
                ins.append(r.usage.input_tokens)
                reasoning += r.usage.reasoning_tokens
                if r.model:
                    models[r.model] += 1
    return output_profile(
        outs, ins, reasoning=reasoning, model=models.most_common(1)[0][0] if models else None,
        provider=provider, source=", ".join(str(p) for p in items),
    )


MAX_PROFILE_BYTES = 1024 * 1024
"""A saved profile is a few hundred bytes; anything far bigger is not one."""
_COUNTS = ("requests", "p50", "p95", "max", "min")
_NUMBERS = ("mean", "stdev")
_SHARES = ("output_per_input", "correlation", "reasoning_share")
_TEXTS = ("model", "provider", "source")


def load_output_profile(path: str | Path) -> OutputProfile:
    """A saved profile, or a profile measured from a result file (detected by its content).

    A saved profile is checked field by field: an error names the file and the field.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found" if not p.exists() else f"{p}: not a file", path=str(p))
    with open(p, "rb") as f:
        head = f.read(MAX_PROFILE_BYTES + 1)
    data: Any = None
    if len(head) <= MAX_PROFILE_BYTES:
        try:
            data = json.loads(head.decode("utf-8"), parse_int=_bounded_int, parse_constant=_constant)
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None  # JSONL: a result file
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return output_profile_from_results(p)
    if data.get("version") != VERSION:
        raise DataError(f"{p}: output profile version {str(data.get('version'))[:20]!r} is not {VERSION}",
                        path=str(p), field="version")
    fields = {k: v for k, v in data.items() if k not in ("format", "version")}
    unknown = sorted(set(fields) - {*_COUNTS, *_NUMBERS, *_SHARES, *_TEXTS})
    missing = sorted({*_COUNTS, *_NUMBERS, "reasoning_share"} - set(fields))
    if unknown or missing:
        what = "; ".join(x for x in (f"unknown field(s) {', '.join(unknown)}" if unknown else "",
                                     f"missing field(s) {', '.join(missing)}" if missing else "") if x)
        raise DataError(f"{p}: not a valid output profile: {what}", path=str(p),
                        field=(unknown or missing)[0])
    for name in _COUNTS:
        fields[name] = _profile_count(fields[name], name, p)
    for name in _NUMBERS:
        fields[name] = _profile_number(fields[name], name, p)
    for name in _SHARES:
        if fields.get(name) is not None:
            low = -1.0 if name == "correlation" else 0.0
            high = None if name == "output_per_input" else 1.0
            fields[name] = _profile_number(fields[name], name, p, low=low, high=high)
    for name in _TEXTS:
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > 2000 or any(c in value for c in "\r\n\x00\u2028\u2029"):
            raise DataError(f"{p}: field {name!r} must be one line of text (at most 2,000 characters)",
                            path=str(p), field=name)
    if fields["requests"] < 1:
        raise DataError(f"{p}: field 'requests' must be at least 1 (the answers measured)", path=str(p),
                        field="requests")
    if not fields["min"] <= fields["p50"] <= fields["p95"] <= fields["max"] or not (
            fields["min"] <= fields["mean"] <= fields["max"]):
        raise DataError(f"{p}: the profile's figures disagree (min <= p50 <= p95 <= max and min <= mean <= max "
                        "must hold)", path=str(p), field="mean")
    return OutputProfile(**fields)


class _Huge(int):
    pass


def _bounded_int(text: str) -> int:
    return _Huge(-1) if len(text.lstrip("-")) > 18 else int(text)


def _constant(text: str) -> float:
    return float("nan")  # NaN, Infinity and -Infinity are not figures of a profile


def _profile_count(value: Any, name: str, p: Path) -> int:
    if type(value) is int and 0 <= value <= 10**15:
        return value
    raise DataError(f"{p}: field {name!r} must be a whole number of tokens between 0 and 10^15, "
                    f"not {_shown(value)}", path=str(p), field=name)


def _profile_number(value: Any, name: str, p: Path, *, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, _Huge):
        raise DataError(f"{p}: field {name!r} must be a number, not {_shown(value)}", path=str(p), field=name)
    number = float(value)
    if not math.isfinite(number) or number < low or (high is not None and number > high) or number > 1e15:
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g} and finite"
        raise DataError(f"{p}: field {name!r} must be {bound}, not {_shown(value)}", path=str(p), field=name)
    return number


def _shown(value: Any) -> str:
    if isinstance(value, _Huge):
        return "a number of more than 18 digits"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN or Infinity"
    text = json.dumps(value) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def cost_interval(profile: OutputProfile, n: int, output_per_mtok: Decimal) -> tuple[Decimal, Decimal]:
    """What the output of ``n`` requests costs at the ends of its 95% interval."""
    low, high = profile.interval(n)
    return Decimal(low) * output_per_mtok / 1_000_000, Decimal(high) * output_per_mtok / 1_000_000


def interval_notes(profile: OutputProfile, n: int, price: Any) -> list[str]:
    """What the measured output lengths mean for an estimate of ``n`` requests at ``price``."""
    low, high = profile.interval(n)
    notes = [
        (f"expected output from measured results ({profile.source}): {profile.expected_per_request:,} tokens per "
         f"request, the mean of {profile.requests:,} answered requests (p50 {profile.p50:,}, p95 {profile.p95:,}, "
         f"max {profile.max:,}), capped by each request's max tokens"),
        f"95% interval of the output of {n:,} requests: {low:,} to {high:,} tokens",
    ]
    if price is not None and price.output_per_mtok is not None:
        std_low, std_high = cost_interval(profile, n, price.output_per_mtok)
        text = f"output cost within that interval: standard {format_usd(std_low)} to {format_usd(std_high)}"
        try:
            _, batch_out = batch_prices(price)
        except ModeUnavailable:  # a model without batch prices: standard only
            batch_out = None
        if batch_out is not None:
            b_low, b_high = cost_interval(profile, n, batch_out)
            text += f", batch {format_usd(b_low)} to {format_usd(b_high)}"
        notes.append(text)
    if profile.correlation is not None and abs(profile.correlation) >= 0.7 and profile.output_per_input:
        notes.append(f"output grows with input length (correlation {profile.correlation:+.2f}): "
                     f"{profile.output_per_input:.3f} output tokens per input token may fit better than a mean")
    return notes
