"""What a job uses: requests and tokens, in total and per long-context tier, and the size of one request.

``Usage`` is the one home of a job's billable totals; ``RequestSize`` is the
average request, kept as exact fractions, from which a usage of any number of
requests is built (long-context tiers included when a price entry is given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from estimator import convert
from estimator.convert import set_field
from estimator.errors import UsageError, param
from estimator.pricing import Price

__all__ = ["RequestSize", "TierUsage", "Usage"]


@dataclass(frozen=True)
class TierUsage:
    """The requests whose prompt exceeds ``above_input_tokens``, and their tokens."""

    above_input_tokens: int
    requests: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Usage:
    """Token totals of a job: ``requests`` requests, summed over all of them.

    ``tiers`` holds, for each long-context threshold of the model, the totals
    of the requests above it (a subset of the main totals). Leave it empty
    when the model has no tiers or no request crosses one.
    """

    requests: int
    input_tokens: int
    output_tokens: int
    tiers: tuple[TierUsage, ...] = ()
    # (output tokens, requests) pairs: how the output spreads over the requests, where it is
    # known (a counted dataset). Early exit caps each stream at its own answer with it.
    output_per_request: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("requests", "input_tokens", "output_tokens"):  # totals: products of counts, no bound of their own
            set_field(self, name, convert.count(getattr(self, name), name, maximum=None))

    def scaled(self, factor: Decimal) -> Usage:
        """The same job ``factor`` times as large (token counts rounded up)."""

        def up(n: int) -> int:
            return int((Decimal(n) * factor).to_integral_value(rounding=ROUND_CEILING))

        return Usage(
            requests=up(self.requests),
            input_tokens=up(self.input_tokens),
            output_tokens=up(self.output_tokens),
            tiers=tuple(
                TierUsage(t.above_input_tokens, up(t.requests), up(t.input_tokens), up(t.output_tokens))
                for t in self.tiers
            ),
            output_per_request=self.output_per_request,  # a shape: early exit rescales it to the totals
        )

@dataclass(frozen=True)
class RequestSize:
    """Average tokens of one request, kept as exact fractions."""

    input_tokens: Fraction
    output_tokens: Fraction

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens"):
            if getattr(self, name) < 0:
                raise UsageError(f"{param(name)} (tokens per request) must be >= 0, got {getattr(self, name)}",
                                 param=name)

    @classmethod
    def of(cls, usage: Usage) -> RequestSize:
        if usage.requests == 0:
            return cls(Fraction(0), Fraction(0))
        return cls(Fraction(usage.input_tokens, usage.requests), Fraction(usage.output_tokens, usage.requests))

    @classmethod
    def per_request(cls, input_tokens: int | Decimal | str, output_tokens: int | Decimal | str) -> RequestSize:
        """A request of this many input and output tokens on average (any number a person types)."""
        return cls(*(Fraction(convert.number(value, name, maximum=convert.MAX_COUNT))
                     for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens))))

    def usage(self, requests: int, price: Price) -> Usage:
        """Totals of ``requests`` such requests, rounded up to whole tokens.

        Every request is taken to be of this size, so when the size crosses a
        long-context threshold of the price entry all of the requests are long: the usage carries them in ``Usage.tiers`` and they
        are priced at the tier's rates (plan, route and forecast all build
        their usages here).
        """
        requests = convert.count(requests, "requests", maximum=None)
        inp, out = math.ceil(self.input_tokens * requests), math.ceil(self.output_tokens * requests)
        tiers = tuple(
            TierUsage(limit, requests, inp, out)
            for limit in price.thresholds if requests and self.input_tokens > limit
        )
        return Usage(requests, inp, out, tiers)

    @property
    def input_decimal(self) -> Decimal:
        return fraction_decimal(self.input_tokens)

    @property
    def output_decimal(self) -> Decimal:
        return fraction_decimal(self.output_tokens)


def fraction_decimal(value: Fraction | int) -> Decimal:
    """An exact fraction as a Decimal (to the context's precision)."""
    f = Fraction(value)
    return Decimal(f.numerator) / Decimal(f.denominator)
