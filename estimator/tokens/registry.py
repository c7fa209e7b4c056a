"""The tokenizer registry: a tokenizer spec (as the price tables name it) to its tokenizer.

Which spec a model uses is data of the price book (``Model.tokenizer``), never a
guess from its name: ``get_tokenizer(book.model(name, day).tokenizer)``. The
Claude and Gemini tokenizers are imported when first asked for, so a job that
counts OpenAI tokens never loads them.
"""

from __future__ import annotations

import functools

from estimator.errors import TokenizerError
from estimator.tokens.approximate import APPROXIMATE_SPECS
from estimator.tokens.encodings import EXACT_SPECS, O200K, load_encoding
from estimator.tokens.exact import exact_counter, resolve_backend
from estimator.tokens.tokenizer import Tokenizer


def known_tokenizers() -> tuple[str, ...]:
    """Every tokenizer name a price file may give a model."""
    return (*EXACT_SPECS, *APPROXIMATE_SPECS, "approx:gemini", "approx:gemini-unmeasured", "ctok:3.0", "ctok:4.7",
            "ctok:4.8")


@functools.cache
def _tokenizer(spec: str, backend: str) -> Tokenizer:
    if spec in EXACT_SPECS:
        return Tokenizer(
            spec=spec,
            exact=True,
            label=f"exact: tiktoken {spec}",
            relative_uncertainty=None,
            calibration_note=None,
            encoding_name=spec,
            factor=None,
            _counter=exact_counter(spec, backend),
            token_counts="exact",
        )
    if spec.startswith("ctok:"):  # reconstructed Claude counts
        from estimator.tokens.claude import claude_tokenizer

        return claude_tokenizer(spec, backend)
    if spec in ("approx:gemini", "approx:gemini-unmeasured"):  # calibrated per script, on Gemma 3
        from estimator.tokens.gemini import gemini_tokenizer

        return gemini_tokenizer(backend, measured=spec == "approx:gemini")
    calibration = APPROXIMATE_SPECS.get(spec)
    if calibration is None:
        raise TokenizerError(f"unknown tokenizer {spec!r}; known tokenizers: {', '.join(known_tokenizers())}")
    percent = round(calibration.relative_uncertainty * 100)
    return Tokenizer(
        spec=spec,
        exact=False,
        label=(
            f"approximate: {calibration.vendor} tokenizer not public; "
            f"{O200K} x {calibration.factor}, ±{percent}% "
            f"({calibration.models + '; ' if calibration.models else ''}see calibration note)"
        ),
        relative_uncertainty=calibration.relative_uncertainty,
        calibration_note=calibration.note,
        encoding_name=O200K,
        factor=calibration.factor,
        _counter=exact_counter(O200K, backend),
        token_counts="approximate",
    )


def get_tokenizer(spec: str, *, backend: str | None = None) -> Tokenizer:
    """The (cached) tokenizer for ``spec``.

    ``backend`` is ``"auto"`` (quicktok when installed and verified, else
    tiktoken), ``"quicktok"`` (error if unavailable) or ``"tiktoken"``; None
    reads ``ESTIMATOR_TOKENIZER_BACKEND`` and defaults to ``"auto"``.
    """
    return _tokenizer(spec, resolve_backend(backend))


def clear_caches() -> None:
    """Forget built encodings and tokenizers (tests; after replacing files)."""
    _tokenizer.cache_clear()
    exact_counter.cache_clear()
    load_encoding.cache_clear()
