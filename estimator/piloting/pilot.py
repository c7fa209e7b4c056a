"""A pilot in rounds: the rows to run first, what their results say about the whole job, and when to stop.

A round reads the dataset (each row's request, its prompt tokens and stratum), reads the result
files of the rounds before it (``estimator.batch.results.read_results``, the reader ``reconcile``
uses), and either stops (the 95% cost interval of the whole job is within the tolerance) or writes
the next round: a batch request file of the rows chosen (``estimator.batch.writer``) and a manifest
saying what was chosen and why. Rows named in a result file or an earlier manifest are never chosen
again; the rows that ran count with their actual cost.

The statistics are ``estimator.piloting.design`` (sizes, estimate, interval); before any result the
sizes and the interval come from the output-length prior (``estimator.counting.priors``).
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from estimator import convert
from estimator.batch.logistics import FileLimits
from estimator.batch.outputs import OutputProfile, output_profile
from estimator.batch.results import read_results
from estimator.batch.writer import (
    BatchRequest,
    Manifest,
    format_for,
    iter_requests,
    normalize_prefix,
    prompt_token_counter,
    write_requests,
)
from estimator.convert import Result, set_field
from estimator.counting.priors import OutputPrior, output_prior
from estimator.counting.prompts import RequestShape
from estimator.errors import DataError, UsageError, param
from estimator.modes import ModeUnavailable, unit_rates, usage_cost
from estimator.money import format_usd
from estimator.piloting.design import PLAN_MARGIN, Assessment
from estimator.piloting.rounds import LENGTH_BINS, Strata, first_targets, pick, random_rank, step, stratify
from estimator.pricing import PricedModel
from estimator.reading.source import ReadOptions, open_rows
from estimator.usage import Usage

__all__ = ["PilotOptions", "PilotRound"]

MANIFEST_FORMAT = "llm-estimator pilot manifest"
MANIFEST_VERSION = 1
MAX_GROUPS = 50
"""Values a strata column may hold: more is an id or free text, not a task type."""
DOMINANT = 0.5
"""Reasoning "dominates" the output when it is more than this share of the output tokens."""


@dataclass(frozen=True)
class PilotOptions:
    """How a pilot round is planned, beyond the rows, the model and the output prefix.

    ``tolerance``: the half-width of the job's 95% cost interval the pilot aims for, as a share of
    the expected cost (``"5%"`` or ``0.05``). ``strata_column`` names a column (task type,
    language) whose values are strata besides input length. ``results`` are the result files of
    the rounds run so far (any provider), ``previous`` the manifests of rounds written so far (their
    rows are never chosen again, come back or not). ``max_tokens`` and ``reasoning_effort`` go in
    every request; ``output_tokens`` is a guess of the answer's length for the prior. ``mode`` is
    the way the job runs (``"batch"``, ``"standard"``...); ``seed`` fixes the random order of rows.
    """

    tolerance: Decimal | str | float = Decimal("0.05")
    strata_column: str | None = None
    results: tuple[str | Path, ...] = ()
    previous: tuple[str | Path, ...] = ()
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    output_tokens: int | None = None
    mode: str = "batch"
    seed: int = 0
    overwrite: bool = False
    id_column: str | None = None
    length_bins: int = LENGTH_BINS

    def __post_init__(self) -> None:
        tol = self.tolerance
        if isinstance(tol, str) and tol.strip().endswith("%"):
            tol = convert.number(tol.strip()[:-1], "tolerance", minimum=0, maximum=100, above=True) / 100
        set_field(self, "tolerance", convert.number(tol, "tolerance", minimum=0, maximum=1, above=True))
        for name in ("strata_column", "reasoning_effort", "id_column"):
            set_field(self, name, convert.optional(convert.text, getattr(self, name), name))
        set_field(self, "mode", convert.text(self.mode, "mode", example="'batch'"))
        for name in ("results", "previous"):
            value = getattr(self, name)
            items = (value,) if isinstance(value, (str, Path)) else tuple(value)
            if not all(isinstance(p, (str, Path)) for p in items):
                raise UsageError(f"{param(name)} must be file paths", param=name)
            set_field(self, name, items)
        set_field(self, "max_tokens", convert.optional(convert.count, self.max_tokens, "max_tokens", minimum=1))
        set_field(self, "output_tokens", convert.optional(convert.count, self.output_tokens, "output_tokens"))
        set_field(self, "seed", convert.count(self.seed, "seed"))
        set_field(self, "length_bins", convert.count(self.length_bins, "length_bins", minimum=1, maximum=20))
        set_field(self, "overwrite", convert.flag(self.overwrite, "overwrite"))


@dataclass(frozen=True)
class StratumRound:
    """One stratum: its rows, how many ran, how many this round adds, and the output seen there."""

    label: str
    rows: int
    run: int
    chosen: int
    mean_output: float | None
    sd_output: float | None
    max_output: int | None


@dataclass(frozen=True, repr=False)
class PilotRound(Result):
    """Where a pilot stands after a round and what the next round runs.

    ``basis`` is ``"prior"`` before any result (the interval is the prior's range) and ``"pilot"``
    after (the 95% interval of the stratified estimate). Costs are the whole job's, in ``mode``:
    the rows that ran at their actual cost, the rest estimated. ``stop``: enough is known (or every
    row ran); otherwise ``chosen_rows`` (data rows, numbered as the reader numbers them) are in the batch
    file ``batch``.
    """

    model: str
    mode: str
    source: str
    tolerance: Decimal
    rows: int
    basis: str
    expected_cost: Decimal
    low_cost: Decimal
    high_cost: Decimal
    actual_cost: Decimal
    rows_run: int
    minimum_rows: int
    within: bool
    stop: bool
    strata: tuple[StratumRound, ...]
    chosen_rows: tuple[int, ...]
    chosen_ids: tuple[str, ...]
    output_tokens: int  # expected output of the whole job (run + rest), answer and reasoning
    reasoning_tokens: int  # of which reasoning
    capped_rows: int  # rows that ran and stopped at max_tokens
    prior: OutputPrior | None
    sizing: str
    notes: tuple[str, ...]
    batch: Manifest | None = None
    manifest_path: Path | None = None
    learned: OutputProfile | None = field(default=None)
    """The output lengths learned (the stratified mean per request), for ``estimate`` and ``plan``."""
    learned_path: Path | None = None

    @property
    def rows_next(self) -> int:
        return len(self.chosen_rows)

    @property
    def relative_half_width(self) -> Decimal:
        """The wider side of the interval as a share of the expected cost."""
        if self.expected_cost <= 0:
            return Decimal(0)
        return max(self.high_cost - self.expected_cost, self.expected_cost - self.low_cost) / self.expected_cost

    @property
    def answer_tokens(self) -> int:
        return self.output_tokens - self.reasoning_tokens

    @property
    def reasoning_dominates(self) -> bool:
        return self.output_tokens > 0 and self.reasoning_tokens > DOMINANT * self.output_tokens

    def verdict(self) -> str:
        pct = f"{float(self.relative_half_width) * 100:.1f}%"
        tol = f"{float(self.tolerance) * 100:g}%"
        if self.basis == "prior":
            return (f"no results yet: the range is the prior's, far wider than the {tol} tolerance; run the "
                    f"{self.rows_next:,} rows of this round and pass their results to the next")
        if self.stop:
            return f"inside the tolerance: the 95% interval is within {pct} of the estimate (tolerance {tol}); stop"
        return (f"not yet inside the tolerance ({pct} against {tol}): the next round runs {self.rows_next:,} more "
                f"rows")

    def summary(self) -> str:
        return (f"{self.model}, {self.rows:,} rows, {self.mode}: {format_usd(self.expected_cost)} "
                f"({format_usd(self.low_cost)} to {format_usd(self.high_cost)}, {self.basis}); "
                f"{self.rows_run:,} run, {self.rows_next:,} next")

    def table(self) -> list[dict[str, Any]]:
        return [{"stratum": s.label, "rows": s.rows, "run": s.run, "chosen": s.chosen,
                 "mean_output": s.mean_output, "sd_output": s.sd_output, "max_output": s.max_output}
                for s in self.strata]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "model": self.model,
            "mode": self.mode,
            "source": self.source,
            "rows": self.rows,
            "tolerance": self.tolerance,
            "basis": self.basis,
            "estimate": {
                "expected_cost": self.expected_cost, "low_cost": self.low_cost, "high_cost": self.high_cost,
                "interval": "95%" if self.basis == "pilot" else "prior range",
                "relative_half_width": self.relative_half_width, "within_tolerance": self.within,
                "actual_cost_of_rows_run": self.actual_cost,
                "output_tokens": self.output_tokens, "answer_tokens": self.answer_tokens,
                "reasoning_tokens": self.reasoning_tokens, "reasoning_dominates": self.reasoning_dominates,
            },
            "rows_run": self.rows_run,
            "minimum_rows": self.minimum_rows,
            "capped_rows": self.capped_rows,
            "stop": self.stop,
            "verdict": self.verdict(),
            "sizing": self.sizing,
            "prior": self.prior.as_dict() if self.prior is not None else None,
            "strata": self.table(),
            "chosen": [{"row": r, "custom_id": c} for r, c in zip(self.chosen_rows, self.chosen_ids, strict=True)],
            "batch": self.batch.as_dict() if self.batch is not None else None,
            "learned_output": str(self.learned_path) if self.learned_path is not None else None,
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        lines = [f"pilot: {self.model}, {self.rows:,} rows of {self.source}, {self.mode} prices"]
        kind = "95% interval" if self.basis == "pilot" else "prior range (before any result)"
        lines.append(f"job cost: {format_usd(self.expected_cost)} expected; {kind} {format_usd(self.low_cost)} "
                     f"to {format_usd(self.high_cost)}")
        if self.rows_run:
            lines.append(f"rows run so far: {self.rows_run:,}, actual cost {format_usd(self.actual_cost)} "
                         "(counted in the job)")
        out = f"output tokens of the job: {self.output_tokens:,}"
        if self.reasoning_tokens:
            out += f" (answer {self.answer_tokens:,}, reasoning {self.reasoning_tokens:,})"
        lines.append(out + (" (prior)" if self.basis == "prior" else " (learned from the pilot)"))
        if self.reasoning_dominates:
            lines.append(f"reasoning dominates the output: {self.reasoning_tokens * 100 // self.output_tokens}% of "
                         "the output tokens are reasoning, billed as output")
        if self.prior is not None:
            lines.append(self.prior.describe())
        lines.append(self.verdict())
        lines.append(f"sizing: {self.sizing}")
        lines.append(f"{'stratum':<34}{'rows':>10}{'run':>8}{'next':>8}{'mean out':>10}{'max out':>10}")
        for s in self.strata:
            mean = f"{s.mean_output:,.0f}" if s.mean_output is not None else "-"
            top = f"{s.max_output:,}" if s.max_output is not None else "-"
            lines.append(f"{s.label[:33]:<34}{s.rows:>10,}{s.run:>8,}{s.chosen:>8,}{mean:>10}{top:>10}")
        if self.batch is not None:
            lines.append(f"batch file: {self.batch.summary()}")
        if self.manifest_path is not None:
            lines.append(f"manifest: {self.manifest_path}")
        if self.learned_path is not None:
            lines.append(f"learned output lengths: {self.learned_path} (estimate and plan take it as the measured "
                         "output)")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


# --------------------------------------------------------------------------
# Reading the dataset and the results
# --------------------------------------------------------------------------


@dataclass
class _Rows:
    ids: list[str]
    numbers: list[int]  # the data row of each, as the reader numbers it
    tokens: np.ndarray
    groups: np.ndarray | None
    group_names: tuple[str, ...]


def _requests(batches: Iterable[Any], shape: RequestShape, model: str, fmt: str, max_tokens: int | None,
              id_column: str | None, count: Any, where: str, strata_column: str | None,
              values: list[str]) -> Iterator[BatchRequest]:
    def tapped() -> Iterator[Any]:
        for b in batches:
            if strata_column is not None:
                values.extend(b.columns[strata_column])
            yield b

    return iter_requests(tapped(), shape=shape, model=model, fmt=fmt, max_tokens=max_tokens, id_column=id_column,
                         count_tokens=count, where=where)


def _wanted(shape: RequestShape, opts: PilotOptions) -> list[str]:
    return list(dict.fromkeys([*shape.columns, *([opts.id_column] if opts.id_column else []),
                               *([opts.strata_column] if opts.strata_column else [])]))


def _read_rows(rows: Any, read: ReadOptions, shape: RequestShape, model: str, fmt: str, tokenizer: str,
               opts: PilotOptions) -> tuple[_Rows, str]:
    ids: list[str] = []
    numbers: list[int] = []
    tokens: list[int] = []
    values: list[str] = []
    count = prompt_token_counter(tokenizer, fmt)
    with open_rows(rows, read) as ds:
        where = str(ds.info.path)
        for r in _requests(ds.batches(_wanted(shape, opts)), shape, model, fmt, opts.max_tokens, opts.id_column,
                           count, where, opts.strata_column, values):
            ids.append(r.custom_id)
            numbers.append(r.row)
            tokens.append(r.input_tokens)
    if not ids:
        raise DataError(f"{where}: no rows to pilot")
    groups = None
    names: tuple[str, ...] = ()
    if opts.strata_column is not None:
        names_arr, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        if len(names_arr) > MAX_GROUPS:
            raise UsageError(f"column {opts.strata_column!r} holds {len(names_arr):,} different values; strata need "
                             f"at most {MAX_GROUPS} (a task type, a language): name another {param('strata_column')}",
                             param="strata_column")
        groups, names = codes.astype(np.int64), tuple(str(n) for n in names_arr)
    return _Rows(ids, numbers, np.asarray(tokens, dtype=np.int64), groups, names), where


def _previous_ids(paths: Sequence[str | Path]) -> set[str]:
    taken: set[str] = set()
    for p in paths:
        path = Path(p)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a pilot manifest ({exc})", path=str(path)) from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise DataError(f"{path}: not a pilot manifest (no \"format\": \"{MANIFEST_FORMAT}\")", path=str(path))
        for item in data.get("chosen") or []:
            if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                raise DataError(f"{path}: field 'chosen' must list objects with a custom_id", path=str(path),
                                field="chosen")
            taken.add(item["custom_id"])
    return taken


# --------------------------------------------------------------------------
# The round
# --------------------------------------------------------------------------


def _rates(priced: PricedModel, mode: str) -> Any:
    try:
        return unit_rates(priced.price, mode)
    except ModeUnavailable as exc:
        raise UsageError(f"{priced.model.id} is not sold in {param('mode')} {mode!r}: {exc}", param="mode") from None


def _money(tokens: float, per_mtok: Decimal) -> Decimal:
    return Decimal(max(0, math.ceil(tokens))) * per_mtok / 1_000_000


def _sizing(basis: str, tol: Decimal, prior: OutputPrior | None, strata: Strata) -> str:
    share = f"{float(tol) * 100:g}%"
    rule = (f"Neyman allocation (rows per stratum in proportion to its rows x its output spread) of the fewest "
            f"rows whose 95% interval is within {float(PLAN_MARGIN) * 100:g}% of the {share} tolerance; at least "
            f"10 rows per stratum and 100 in all, and Cochran's 25 x skewness^2 once the spread is seen; "
            f"{strata.count} strata")
    if basis == "prior" and prior is not None:
        return rule + f"; spread from the prior ({prior.spread:,.0f} tokens per request)"
    return rule + "; spread as seen in the rows run (with an allowance for their longest answers)"


def plan_round(
    rows: Any,
    prefix: str | Path | None,
    *,
    priced: PricedModel,
    shape: RequestShape,
    read: ReadOptions,
    options: PilotOptions,
    source_path: Path | None,
) -> PilotRound:
    """One round of a pilot (see the module's docstring); ``prefix`` ``None`` writes nothing."""
    opts = options
    m = priced.model
    if m.kind == "embedding":
        raise UsageError(f"{m.id} is an embedding model: it bills no output, so there is nothing to pilot",
                         param="model")
    fmt = format_for(m.provider, m.kind)
    if fmt == "anthropic" and opts.max_tokens is None:
        raise UsageError(f"Anthropic batch requests need max_tokens: give {param('max_tokens')}", param="max_tokens")
    rates = _rates(priced, opts.mode)
    data, where = _read_rows(rows, read, shape, m.id, fmt, m.tokenizer, opts)
    n = len(data.ids)
    strata = stratify(data.tokens, data.groups, data.group_names, opts.length_bins)
    index = {cid: i for i, cid in enumerate(data.ids)}

    # What came back: every row named by a result is taken (never chosen again); those that ran with
    # a readable usage are measured.
    taken = np.zeros(n, dtype=bool)
    usages: dict[int, Usage] = {}
    unknown = 0
    billed_unknown = 0
    for p in opts.results:
        for r in read_results(p).records:
            i = index.get(r.id)
            if i is None:
                unknown += 1
                continue
            taken[i] = True
            if r.ran and r.usage is not None and r.usage_known:
                usages[i] = r.usage
            elif r.usage is not None:
                billed_unknown += 1
    if opts.results and unknown and not usages:
        raise DataError(f"none of the results matches a row of {where} ({unknown:,} results with other ids): were "
                        "they written from this data, with the same columns and id column?", path=where)
    for cid in _previous_ids(opts.previous):
        i = index.get(cid)
        if i is not None:
            taken[i] = True

    ran = np.asarray(sorted(usages), dtype=np.int64)
    output = np.asarray([usages[i].output_tokens for i in ran.tolist()], dtype=np.int64)
    reasoning_run = sum(usages[i].reasoning_tokens for i in ran.tolist())
    actual = sum((usage_cost(usages[i], rates) for i in ran.tolist()), Decimal(0))
    rest_mask = np.ones(n, dtype=bool)
    rest_mask[ran] = False
    rest_input = int(data.tokens[rest_mask].sum())
    known_cost = actual + Decimal(rest_input) * rates.input / 1_000_000
    out_rate = rates.output
    known = float(known_cost * 1_000_000 / out_rate) if out_rate > 0 else 0.0
    cap = opts.max_tokens
    capped = int((output >= cap).sum()) if cap is not None and len(output) else 0
    notes: list[str] = []
    if unknown:
        notes.append(f"{unknown:,} results name rows that are not in this data; they are left out")
    if billed_unknown:
        notes.append(f"{billed_unknown:,} results ran but their usage could not be read: not measured, and not "
                     "chosen again")
    if opts.reasoning_effort is not None:
        notes.append(f"reasoning effort {opts.reasoning_effort} sets the prior; the request files do not carry it: "
                     "add it to the requests before submitting, or the model reasons at its default")
    if capped:
        notes.append(f"{capped:,} of {len(output):,} answers stopped at max_tokens {cap:,}: they bill the cap and "
                     "the estimate counts them so; a truncated answer may need a rerun, which is not in it")

    prior: OutputPrior | None = None
    if len(ran) == 0:
        prior = output_prior(m.id, effort=opts.reasoning_effort, answer_tokens=opts.output_tokens)
        per = prior.tokens if cap is None else min(prior.tokens, cap)
        low_per = prior.low if cap is None else min(prior.low, cap)
        high_per = prior.high if cap is None else min(prior.high, cap)
        spread = prior.spread if cap is None else min(prior.spread, cap / 2)
        targets = first_targets(strata, spread, per, known, float(opts.tolerance))
        rest_rows = n
        expected = known_cost + _money(rest_rows * per, out_rate)
        low = known_cost + _money(rest_rows * low_per, out_rate)
        high = known_cost + _money(rest_rows * high_per, out_rate)
        output_tokens = rest_rows * per
        reasoning_tokens = round(output_tokens * prior.reasoning_share)
        within = stop = False
        minimum = int(targets.sum())
        basis = "prior"
        notes.append("before any result the estimate is the prior's: " + (prior.reasoning_basis or
                     "the answer length is an assumption") + "; the pilot replaces it")
        means: list[float | None] = [None] * strata.count
        sds: list[float | None] = [None] * strata.count
        tops: list[int | None] = [None] * strata.count
    else:
        o, a = step(strata, ran, output, known, float(opts.tolerance))
        targets = a.targets
        expected = known_cost + _money(a.rest.total, out_rate)
        low = known_cost + _money(max(0.0, a.rest.total - a.rest.low_width), out_rate)
        high = known_cost + _money(a.rest.total + a.rest.high_width, out_rate)
        rest_out = a.rest.total
        share = reasoning_run / float(output.sum()) if output.sum() else 0.0
        output_tokens = int(output.sum()) + math.ceil(rest_out)
        reasoning_tokens = reasoning_run + round(rest_out * share)
        within, stop = a.within and _enough(a), a.stop
        minimum = a.minimum
        basis = "pilot"
        means = [float(x) if r else None for x, r in zip(o.mean, o.run, strict=True)]
        sds = [math.sqrt(float(v)) if r > 1 else None for v, r in zip(o.variance, o.run, strict=True)]
        tops = [int(t) if r else None for t, r in zip(o.top, o.run, strict=True)]
        if int(o.run.sum()) < a.minimum:
            notes.append(f"a pilot stops only after {a.minimum:,} rows (at least 10 per stratum, 100 in all, and "
                         "Cochran's rule for skewed output)")

    chosen = pick(strata, random_rank(n, opts.seed), taken, targets) if not stop else np.zeros(0, np.int64)
    chosen_per = np.bincount(strata.index[chosen], minlength=strata.count) if len(chosen) else np.zeros(
        strata.count, np.int64)
    run_per = np.bincount(strata.index[ran], minlength=strata.count) if len(ran) else np.zeros(strata.count, np.int64)
    if not stop and len(chosen) == 0:
        notes.append("every row is run or chosen already: no rows are left for another round")
    summaries = tuple(
        StratumRound(strata.labels[h], int(strata.population[h]), int(run_per[h]), int(chosen_per[h]),
                     means[h], sds[h], tops[h]) for h in range(strata.count))
    round_ = PilotRound(
        model=m.id, mode=opts.mode, source=where, tolerance=Decimal(opts.tolerance), rows=n, basis=basis,
        expected_cost=expected, low_cost=low, high_cost=high, actual_cost=actual, rows_run=len(ran),
        minimum_rows=minimum, within=within, stop=stop, strata=summaries,
        chosen_rows=tuple(data.numbers[i] for i in chosen.tolist()), chosen_ids=tuple(data.ids[i] for i in chosen.tolist()),
        output_tokens=int(output_tokens), reasoning_tokens=int(reasoning_tokens), capped_rows=capped, prior=prior,
        sizing=_sizing(basis, Decimal(opts.tolerance), prior, strata), notes=tuple(notes),
        learned=_learned(output, data.tokens[ran], reasoning_run, output_tokens / n, m.id, m.provider),
    )
    return _write(round_, rows, prefix, priced, shape, read, opts, fmt, source_path, set(chosen.tolist()))


def _learned(output: np.ndarray, inputs: np.ndarray, reasoning: int, mean: float, model: str,
             provider: str) -> OutputProfile | None:
    """The measured profile, its mean the stratified one (the pilot's rows are not a plain sample)."""
    if len(output) == 0:
        return None
    profile = output_profile(output.tolist(), inputs.tolist(), reasoning=reasoning, model=model, provider=provider,
                             source=f"pilot of {len(output):,} rows")
    return replace(profile, mean=round(min(max(mean, profile.min), profile.max), 4))


def learned_path(prefix: Path) -> Path:
    return prefix.with_name(f"{prefix.name}.output.json")


def _enough(a: Assessment) -> bool:
    return int(a.run.sum()) >= a.minimum


def manifest_path(prefix: Path) -> Path:
    return prefix.with_name(f"{prefix.name}.manifest.json")


def _write(round_: PilotRound, rows: Any, prefix: str | Path | None, priced: PricedModel, shape: RequestShape,
           read: ReadOptions, opts: PilotOptions, fmt: str, source_path: Path | None,
           chosen: set[int]) -> PilotRound:
    if prefix is None:
        return round_
    protected = [Path(p) for p in (source_path, *opts.results, *opts.previous) if p is not None]
    out = normalize_prefix(prefix, create=False)
    target = manifest_path(out)
    for given in protected:
        if _same(given, target):
            raise UsageError(f"{target} is an input of this pilot; it is never written over: choose another "
                             f"{param('prefix')}", param="prefix")
    for path in (target, learned_path(out)):
        if any(_same(given, path) for given in protected):
            raise UsageError(f"{path} is an input of this pilot; it is never written over: choose another "
                             f"{param('prefix')}", param="prefix")
    if round_.learned is not None and learned_path(out).exists() and not opts.overwrite:
        raise UsageError(f"{learned_path(out)} already exists; nothing was written. Allow {param('overwrite')} to "
                         "replace it or choose another prefix", param="overwrite")
    if target.exists() and not opts.overwrite:
        raise UsageError(f"{target} already exists; nothing was written. Allow {param('overwrite')} to replace it "
                         "or choose another prefix", param="overwrite")
    batch = None
    if chosen:
        m = priced.model
        limits = FileLimits.from_rule(priced.price.batch_rule)
        values: list[str] = []
        with open_rows(rows, read) as ds:
            every = _requests(ds.batches(_wanted(shape, opts)), shape, m.id, fmt, opts.max_tokens, opts.id_column,
                              None, str(ds.info.path), None, values)
            requests = (r for k, r in enumerate(every) if k in chosen)  # one request per row, in data order
            batch = write_requests(requests, prefix=out, fmt=fmt, model=m.id, limits=limits,
                                   overwrite=opts.overwrite, where=str(ds.info.path), protected=protected)
    saved = None
    if round_.learned is not None:
        saved = round_.learned.save(learned_path(out), overwrite=opts.overwrite, protected=protected)
    done = replace(round_, batch=batch, manifest_path=target, learned_path=saved)
    _save_json(target, done.to_json(), overwrite=opts.overwrite)
    return done


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def _save_json(target: Path, data: dict[str, Any], *, overwrite: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=2) + "\n")
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)
    except FileExistsError:
        raise UsageError(f"{target} already exists; nothing was saved", param="overwrite") from None
    finally:
        tmp.unlink(missing_ok=True)
