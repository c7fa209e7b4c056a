"""Price a ready-made batch request file like any other dataset.

``read_batch_file`` counts every request as it will be billed; this module
turns that report into a ``TokenProfile`` so the same cost comparison,
JSON and app views apply. The model comes from the file (another model may
be named, e.g. to see what it would cost). Expected output per
request is the user's figure, capped by each request's ``max_tokens``;
without one, it is the cap itself, which is the worst case and is said so.
"""

from __future__ import annotations

import numpy as np

from estimator.batch.files import BatchFileReport
from estimator.counting.profile import MAX_LISTED_ROWS, Histogram, TokenProfile
from estimator.errors import DataError, UsageError, param
from estimator.pricing import Model, Price
from estimator.tokens import get_tokenizer
from estimator.usage import TierUsage


def require_valid(report: BatchFileReport, *, submitted: bool = False) -> list[str]:
    """A batch file with problems is not priced: it would fail when submitted.

    ``submitted``: the file already ran, so a problem of the whole file (more requests or bytes
    than one file may hold, e.g. two submitted files joined) is returned as a note rather than
    refused; a problem of a line still is (its request cannot be matched to its result).
    """
    if report.ok:
        return []
    if submitted and not report.issues_not_shown and all(i.line is None for i in report.issues):
        return [f"the request file: {i.message} (reconciled as it is)" for i in report.issues]
    shown = "; ".join(
        (f"line {i.line}: " if i.line is not None else "") + i.message for i in report.issues[:5]
    )
    more = report.issue_count - min(5, len(report.issues))
    raise DataError(
        f"{report.path}: {report.issue_count:,} problem(s) in this batch file: {shown}"
        + (f"; and {more:,} more" if more > 0 else "")
        + f". Run {param('validate_batch')} for the full list, fix them, and estimate again.",
        path=str(report.path),
    )


def profile_from_batch(
    report: BatchFileReport,
    *,
    model: Model,
    price: Price | None = None,
    output_per_request: int | None = None,
) -> TokenProfile:
    """Token totals of a validated batch file, for ``build_estimate``."""
    require_valid(report)
    if output_per_request is not None and output_per_request < 0:
        raise UsageError("output tokens must be >= 0", param="output_tokens")
    inputs = np.asarray(report.per_request_input, dtype=np.int64)
    caps = report.per_request_max_output
    notes = list(report.warnings)
    embedding = model.kind == "embedding"
    outputs, worst = _expected_outputs(report, len(inputs), embedding, output_per_request, notes)
    counts_output = not embedding and (output_per_request is not None or report.max_output_tokens is not None)
    bound = np.asarray([o if c is None else c for o, c in zip(outputs, caps)], dtype=np.int64)
    over = np.flatnonzero(inputs + bound > model.context_window) if model.context_window else np.array([], int)
    if len(over):
        notes.append(
            f"{len(over):,} requests exceed the {model.context_window:,}-token context window; "
            "they are included in the totals but would fail or be truncated"
        )
    tiers, tiers_worst = _tier_usage(price, inputs, outputs, bound)
    in_hist, out_hist = Histogram(), Histogram()
    in_hist.add(inputs)
    out_hist.add(outputs)
    output_counts = tuple((int(v), int(n)) for v, n in zip(*np.unique(outputs, return_counts=True)))
    return TokenProfile(
        source=str(report.path),
        format=f"{report.format_name} file",
        rows=report.requests,
        model=model.id,
        tokenizer=report.tokenizer_label,
        exact=report.exact,
        relative_uncertainty=None if report.exact else _uncertainty(model),
        input_tokens=int(inputs.sum()),
        text_tokens=int(inputs.sum()),
        output_tokens=int(outputs.sum()) if counts_output else 0,
        output_tokens_worst=worst if counts_output else None,
        input_per_row=in_hist.distribution(),
        input_bins=in_hist.bins(),
        output_per_row=out_hist.distribution() if counts_output else None,
        over_context_rows=len(over),
        over_context_first=tuple(int(i) + 1 for i in over[:MAX_LISTED_ROWS]),
        tiers=tiers,
        tiers_worst=tiers_worst if worst is not None else (),
        output_counts=output_counts if counts_output else (),
        skipped_rows=0,
        skipped_first=(),
        notes=tuple(notes),
        sample=None,
        elapsed_seconds=0.0,
        bytes_read=report.bytes,
        token_counts=report.token_counts,
        tool_uses=tuple(sorted(report.parts.tool_uses.items())),
    )


def _expected_outputs(
    report: BatchFileReport, n: int, embedding: bool, per_request: int | None, notes: list[str]
) -> tuple[np.ndarray, int | None]:
    """Expected output tokens of each request and the worst-case total (None: no worst case)."""
    caps = report.per_request_max_output
    if embedding:
        return np.zeros(n, dtype=np.int64), None
    if per_request is not None:
        notes.append(f"expected output: {per_request:,} tokens per request, capped by its max_tokens")
        outputs = [per_request if cap is None else min(per_request, cap) for cap in caps]
        return np.asarray(outputs, dtype=np.int64), report.max_output_tokens
    if report.max_output_tokens is not None:
        notes.append("expected output = every request's max_tokens (the worst case); "
                     f"give {param('output_tokens')} for a typical answer length")
        return np.asarray(caps, dtype=np.int64), report.max_output_tokens
    notes.append(f"output cost is EXCLUDED: some requests set no max_tokens and no {param('output_tokens')} was given")
    return np.zeros(n, dtype=np.int64), None


def _tier_usage(
    price: Price | None, inputs: np.ndarray, outputs: np.ndarray, bound: np.ndarray
) -> tuple[tuple[TierUsage, ...], tuple[TierUsage, ...]]:
    """The requests above each long-context threshold: with their expected output, and with
    each answer at its own cap (the worst case)."""
    tiers, tiers_worst = [], []
    for limit in price.thresholds if price is not None else ():
        above = inputs > limit
        if above.any():
            n, tokens = int(above.sum()), int(inputs[above].sum())
            tiers.append(TierUsage(limit, n, tokens, int(outputs[above].sum())))
            tiers_worst.append(TierUsage(limit, n, tokens, int(bound[above].sum())))
    return tuple(tiers), tuple(tiers_worst)


def _uncertainty(model: Model) -> float | None:
    return get_tokenizer(model.tokenizer).relative_uncertainty
