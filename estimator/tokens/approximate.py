"""Approximate tokenizers: an exact o200k_base count times a published calibration factor.

Anthropic and Google do not publish their tokenizers, so these counts are an
exact o200k_base count times a calibration factor, rounded per text, and
always labelled approximate. Each figure below was read from the cited page;
none of them could be re-measured here (that needs the vendors' counting APIs).

``approx:anthropic`` (Claude 3 through Claude Opus 4.6 / Sonnet 4.x / Haiku 4.5):
factor 1.20, uncertainty +/-10 %.

* VentureBeat, "Hidden costs in AI deployment: Why Claude models may be 20-30%
  more expensive than GPT in enterprise settings" (May 2025; syndicated, e.g.
  https://techgeekwire.com/the-hidden-costs-of-tokenization-comparing-openais-gpt-4o-and-anthropics-claude-3-5-sonnet
  and https://news.quarkybyte.com/understanding-tokenizer-differences-impacting-ai-model-costs-and-efficiency-2025-05-01):
  for the same inputs Claude 3.5 Sonnet's tokenizer produced about 16 % more
  tokens than GPT-4o's (o200k_base) on English articles, 21 % more on maths and
  30 % more on Python code. 1.20 +/- 10 % spans 1.08-1.32, i.e. all three.
  Other languages were not measured.

``approx:anthropic-4.7`` (the tokenizer introduced with Claude Opus 4.7 and
used by later Claude models): factor 1.55, uncertainty +/-15 %.

* Anthropic's Opus 4.7 release notes and migration guide
  (https://platform.claude.com/docs/en/about-claude/models/migration-guide,
  quoted at https://sol.ava.dev/writings/2026-04-17-opus-4-7-tokenizer.html)
  say the new tokenizer uses roughly 1.0 to 1.35 times as many tokens as
  earlier models for the same text, varying by content.
* Independent measurements with Anthropic's count_tokens endpoint, Opus 4.7
  over Opus 4.6: English prose 1.45x, code 1.13-1.33x, CJK/Cyrillic/Arabic
  1.00x (https://sol.ava.dev/writings/2026-04-17-opus-4-7-tokenizer.html);
  English prose 1.20x, code 1.29-1.39x, technical docs 1.47x
  (https://www.claudecodecamp.com/p/i-measured-claude-4-7-s-new-tokenizer-here-s-what-it-costs-you).
* Chaining these with the 1.16-1.30 above gives about 1.39-1.81 over
  o200k_base for English and code; 1.55 +/- 15 % spans 1.32-1.78. Text in
  non-Latin scripts is likely overestimated.

``approx:gemini`` is calibrated per script against the Gemma 3 tokenizer:
see ``estimator.tokens.gemini``. Claude models in the price tables count
with ``ctok:<generation>`` (reconstructed counts, ``estimator.tokens.claude``);
the two ``approx:anthropic`` factors above remain for tables that name them.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final


@dataclass(frozen=True)
class Calibration:
    vendor: str
    models: str  # which of the vendor's models it is calibrated for ("" for all)
    factor: Decimal
    relative_uncertainty: float
    note: str


APPROXIMATE_SPECS: Final[Mapping[str, Calibration]] = types.MappingProxyType(
    {
        "approx:anthropic": Calibration(
            vendor="Claude",
            models="Claude 3 to Opus 4.6",
            factor=Decimal("1.20"),
            relative_uncertainty=0.10,
            note=(
                "Claude's tokenizer is not public. Published comparisons of Claude 3.5 Sonnet "
                "with GPT-4o (o200k_base) on the same inputs found about 16% more tokens on "
                "English articles, 21% on maths and 30% on Python code (VentureBeat, May 2025). "
                "o200k_base x 1.20 +/-10% spans all three; other languages were not measured. "
                "Models from Claude Opus 4.7 on use a newer tokenizer: approx:anthropic-4.7."
            ),
        ),
        "approx:anthropic-4.7": Calibration(
            vendor="Claude",
            models="Claude Opus 4.7 and later",
            factor=Decimal("1.55"),
            relative_uncertainty=0.15,
            note=(
                "Claude's tokenizer is not public. Anthropic says the tokenizer introduced with "
                "Claude Opus 4.7 uses about 1.0-1.35x the tokens of earlier Claude models; "
                "independent count_tokens measurements found 1.20-1.45x on English prose, "
                "1.13-1.39x on code and 1.0x on CJK, Cyrillic and Arabic. Chained with the "
                "earlier tokenizer's 1.16-1.30x over o200k_base this gives o200k_base x 1.55 "
                "+/-15% for English and code; non-Latin text is likely overestimated."
            ),
        ),
    }
)
