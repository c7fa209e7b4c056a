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
"""

from __future__ import annotations

import json
import math
import os
import secrets
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from estimator.batch.results import read_results
from estimator.errors import DataError
from estimator.modes import batch_prices
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

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON, atomically (a temporary file renamed into place)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
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


def output_profile_from_results(paths: str | Path | Iterable[str | Path]) -> OutputProfile:
    """Measure output lengths from one or more result files of any provider."""
    from collections import Counter

    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    outs: list[int] = []
    ins: list[int] = []
    reasoning = 0
    models: Counter[str] = Counter()
    provider = None
    for p in items:
        rf = read_results(p)
        provider = rf.provider
        for r in rf.records:
            if r.outcome == "succeeded" and r.usage is not None:
                outs.append(r.usage.output_tokens)
                ins.append(r.usage.input_tokens)
                reasoning += r.usage.reasoning_tokens
                if r.model:
                    models[r.model] += 1
    return output_profile(
        outs, ins, reasoning=reasoning, model=models.most_common(1)[0][0] if models else None,
        provider=provider, source=", ".join(str(p) for p in items),
    )


def load_output_profile(path: str | Path) -> OutputProfile:
    """A saved profile, or a profile measured from a result file (detected by its content)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found", path=str(p))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None  # JSONL: a result file
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return output_profile_from_results(p)
    if data.get("version") != VERSION:
        raise DataError(f"{p}: output profile version {data.get('version')!r} is not {VERSION}", path=str(p))
    fields = {k: v for k, v in data.items() if k not in ("format", "version")}
    try:
        return OutputProfile(**fields)
    except TypeError as exc:
        raise DataError(f"{p}: not a valid output profile ({exc})", path=str(p)) from None


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
        except Exception:  # noqa: BLE001 - a model without batch prices: standard only
            batch_out = None
        if batch_out is not None:
            b_low, b_high = cost_interval(profile, n, batch_out)
            text += f", batch {format_usd(b_low)} to {format_usd(b_high)}"
        notes.append(text)
    if profile.correlation is not None and abs(profile.correlation) >= 0.7 and profile.output_per_input:
        notes.append(f"output grows with input length (correlation {profile.correlation:+.2f}): "
                     f"{profile.output_per_input:.3f} output tokens per input token may fit better than a mean")
    return notes
