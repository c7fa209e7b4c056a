"""The range of every mode's cost when the token counts are uncertain.

Two sources of uncertainty, combined when both apply:

- a **sample** (``TokenProfile.sample``): the input total, and the output
  total when it is estimated from the same rows (example answers, a ratio of
  each request's tokens), are ratio estimates with jackknife variances and a
  covariance. A mode's cost is linear in the two totals, ``a * input + b *
  output`` (``a``, ``b`` measured on the mode itself, so batch, flex or early
  exit use their own rates), so its 95% interval is ``cost +- t sqrt(a^2 V_in
  + b^2 V_out + 2ab C)``. Each end is priced at the token totals where that
  mode's cost is lowest or highest inside the interval.
- an **approximate tokenizer** (``TokenProfile.relative_uncertainty``, the
  calibration interval of e.g. the Gemini rule): every counted total is
  scaled by ``1 -+ u``: the input, and the output when the tokenizer counted
  it too (``TokenProfile.output_counted``).

- a **reasoning prior** (``TokenProfile.reasoning``): the output at the low and
  the high end of the prior's range of reasoning tokens per request, capped as the
  expected output is (the tokens of the long-context tiers move with it).

Exact, fully counted profiles have no range (``cost_bounds`` returns None).
"""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from estimator.modes import Comparison, ModeParams, compare
from estimator.pricing import Price
from estimator.usage import TierUsage, Usage

if TYPE_CHECKING:
    from estimator.counting.profile import TokenProfile

_STEP = 1_000_000  # tokens: a mode's cost per token is measured over this step (costs are linear in tokens)


def _prior_range(profile: TokenProfile) -> tuple[int, int] | None:
    """The job's output at the ends of the reasoning prior's range (None: no prior with a range)."""
    r = profile.reasoning
    if r is None or r.basis != "prior" or not r.has_range:
        return None
    return r.output_low, r.output_high


def cost_basis(profile: TokenProfile, prior: bool = True) -> str | None:
    """What the cost range stands for, in words (None: the costs are exact)."""
    parts = []
    if profile.sample is not None:
        what = "input and output" if profile.sample.output_tokens_estimate is not None else "input"
        parts.append(f"95% interval of the sampled {what} tokens")
    if profile.relative_uncertainty:
        what = "input and output" if profile.output_counted else "input"
        parts.append(f"the approximate tokenizer's calibration interval (±{profile.relative_uncertainty:.0%} "
                     f"of the {what} tokens)")
    if prior and _prior_range(profile) is not None:
        r = profile.reasoning
        assert r is not None
        parts.append(f"the reasoning prior's range ({r.low:,} to {r.high:,} reasoning tokens per request)")
    return " and ".join(parts) or None


def cost_bounds(
    profile: TokenProfile, price: Price, params: ModeParams | None = None, prior: bool = True
) -> tuple[Comparison, Comparison] | None:
    """Every mode priced at the low and the high end of its cost range (None: exact counts).
    ``prior=False``: without the reasoning prior's range (a sample's 95% interval alone)."""
    reasoning = _prior_range(profile) if prior else None
    if profile.sample is None and not profile.relative_uncertainty and reasoning is None:
        return None
    params = params or ModeParams()
    usage = profile.usage()
    base = compare(usage, price, params)
    lows: dict[str, Usage] = {}
    highs: dict[str, Usage] = {}
    if profile.sample is not None:
        s = profile.sample
        up_in = compare(replace(usage, input_tokens=usage.input_tokens + _STEP), price, params)
        up_out = compare(replace(usage, output_tokens=usage.output_tokens + _STEP), price, params)
        for name, c in base.modes.items():
            a = float(up_in.modes[name].total_cost - c.total_cost) / _STEP
            b = float(up_out.modes[name].total_cost - c.total_cost) / _STEP
            spread = s.cost_half_width(a, b) / s.t if s.t else 0.0  # the standard error of this cost
            if spread == 0 or not math.isfinite(spread):
                d_in = s.t * s.standard_error
                d_out = s.t * s.output_standard_error
            else:
                d_in = s.t * (a * s.standard_error**2 + b * s.covariance) / spread
                d_out = s.t * (b * s.output_standard_error**2 + a * s.covariance) / spread
            lows[name] = _shifted(usage, -d_in, -d_out)
            highs[name] = _shifted(usage, d_in, d_out)
    else:
        lows = {name: usage for name in base.modes}
        highs = dict(lows)
    if reasoning is not None:
        lows = {n: _with_output(v, reasoning[0] - usage.output_tokens, profile) for n, v in lows.items()}
        highs = {n: _with_output(v, reasoning[1] - usage.output_tokens, profile) for n, v in highs.items()}
    u = Decimal(str(profile.relative_uncertainty or 0))
    if u:
        out = profile.output_counted
        lows = {n: _scaled(v, 1 - u, out, ROUND_FLOOR) for n, v in lows.items()}
        highs = {n: _scaled(v, 1 + u, out, ROUND_CEILING) for n, v in highs.items()}
    low = {n: compare(v, price, params).modes[n] for n, v in lows.items()}
    high = {n: compare(v, price, params).modes[n] for n, v in highs.items()}
    return replace(base, modes=low), replace(base, modes=high)


def _with_output(usage: Usage, delta: int, profile: TokenProfile) -> Usage:
    """``usage`` with ``delta`` more output tokens, the long-context tiers' share moved with their requests
    (within 0 and the cap)."""
    rows = max(profile.rows, 1)
    cap = profile.max_tokens

    def tier(t: TierUsage) -> TierUsage:
        moved = max(0, t.output_tokens + delta * t.requests // rows)
        return replace(t, output_tokens=moved if cap is None else min(moved, t.requests * cap))

    output = max(0, usage.output_tokens + delta)
    return replace(usage, output_tokens=output, tiers=tuple(tier(t) for t in usage.tiers),
                   reasoning_tokens=max(0, min(usage.reasoning_tokens + delta, output)))


def _floors(usage: Usage) -> tuple[int, int]:
    """The tier parts are counted exactly: the totals can never fall below them."""
    return (max((t.input_tokens for t in usage.tiers), default=0),
            max((t.output_tokens for t in usage.tiers), default=0))


def _shifted(usage: Usage, d_in: float, d_out: float) -> Usage:
    f_in, f_out = _floors(usage)
    rnd = math.ceil if d_in + d_out > 0 else math.floor
    output = max(f_out, 0, rnd(usage.output_tokens + d_out)) if math.isfinite(d_out) else usage.output_tokens
    return replace(
        usage,
        input_tokens=max(f_in, 0, rnd(usage.input_tokens + d_in)) if math.isfinite(d_in) else usage.input_tokens,
        output_tokens=output,
        reasoning_tokens=min(usage.reasoning_tokens, output),
    )


def _scaled(usage: Usage, factor: Decimal, output_too: bool, rounding: str) -> Usage:
    f_in, f_out = _floors(usage)

    def s(n: int, floor: int) -> int:
        return max(floor, int((Decimal(n) * factor).to_integral_value(rounding=rounding)))

    # the reasoning inside the output is a prior, not counted by the tokenizer: only the answer scales
    think = usage.reasoning_tokens
    output = think + s(usage.output_tokens - think, max(0, f_out - think)) if output_too else usage.output_tokens
    return replace(usage, input_tokens=s(usage.input_tokens, f_in), output_tokens=output)
