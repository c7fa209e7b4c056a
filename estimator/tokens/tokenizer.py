"""The tokenizer interface: one object per encoding spec that counts and says how.

Every count says how it was obtained. ``Tokenizer.exact`` is True only for the
OpenAI encodings, which are counted exactly; ``Tokenizer.label`` is a one-line
description fit for the UI, and approximate tokenizers carry a
``relative_uncertainty`` and a ``calibration_note``.

Chat framing
------------
``chat_tokens`` follows OpenAI's documented recipe for chat models: 3 tokens
per message, the tokens of every value (role, content, name), 1 more per
``name`` and 3 to prime the reply. ``chat_overhead_tokens`` is that total minus
the user content, so a dataset can count only its varying text per row.
Embedding requests count the input text only (``Tokenizer.count``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Final

from estimator.errors import TokenizerError
from estimator.tokens.exact import ExactCounter, TokenizerBackendWarning, check_texts, exact_counter

TOKENS_PER_MESSAGE: Final = 3
TOKENS_PER_NAME: Final = 1
REPLY_PRIMING: Final = 3


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens for one encoding spec and says how it counts.

    ``spec`` is ``"o200k_base"``, ``"cl100k_base"`` or one of
    ``APPROXIMATE_SPECS``. Exact tokenizers have ``relative_uncertainty`` None;
    approximate ones multiply an exact ``encoding_name`` count by ``factor``
    and round half up, per text.
    """

    spec: str
    exact: bool
    label: str
    relative_uncertainty: float | None
    calibration_note: str | None
    encoding_name: str
    factor: Decimal | None
    _counter: ExactCounter = field(repr=False, compare=False)
    #: how the counts were obtained, as reports print it: "exact", "approximate", "reconstructed (...)"
    token_counts: str = ""
    notes: tuple[str, ...] = ()
    """What happened to this tokenizer for one count (e.g. a fallback to tiktoken)."""

    @property
    def backend(self) -> str:
        """``"quicktok"`` or ``"tiktoken"``: what counts the exact tokens right now."""
        return self._counter.backend

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why the fast backend is not used (for everyone), and this tokenizer's own notes."""
        return (*self._counter.warnings, *self.notes)

    def _scale(self, count: int) -> int:
        if self.factor is None:
            return count
        numerator, denominator = self.factor.as_integer_ratio()
        return (2 * count * numerator + denominator) // (2 * denominator)

    def count(self, text: str) -> int:
        """Tokens in ``text`` (``encode_ordinary`` semantics; special tokens are text)."""
        return self._scale(self._counter.count(text))

    def count_batch(self, texts: Sequence[str], threads: int | None = None) -> list[int]:
        """``[count(t) for t in texts]``, fast. ``threads`` defaults to the usable CPUs (max 8)."""
        counts = self._counter.count_batch(texts, threads)
        if self.factor is None:
            return counts
        return [self._scale(count) for count in counts]

    def request_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Prompt tokens of a chat request, framed as OpenAI documents for chat models: 3 per
        message, the tokens of every value (role, content, name), 1 more per name, 3 to prime
        the reply. Tokenizers of other providers override it with their own framing."""
        total = REPLY_PRIMING
        for message in messages:
            total += TOKENS_PER_MESSAGE
            for key, value in message.items():
                total += self.count(value)
                if key == "name":
                    total += TOKENS_PER_NAME
        return total

    def request_overhead(self, *, messages: int, system: str | None) -> int:
        """Tokens of a request besides its messages' content: framing, roles, the system prompt."""
        framed: list[dict[str, str]] = [{"role": "system", "content": system}] if system is not None else []
        framed += [{"role": "user", "content": ""}] * messages
        return self.request_tokens(framed)

    def verified(self, texts: Sequence[str], n: int = 200, *, seed: int = 0, strict: bool = False) -> Tokenizer:
        """This tokenizer if its fast backend agrees with tiktoken on ``n`` of ``texts`` picked
        at random; otherwise a tiktoken-backed twin whose ``notes`` say why.

        Nothing shared changes: the fallback belongs to the count that asked for it. With
        ``strict=True`` a disagreement raises ``TokenizerError`` instead.
        """
        items = texts if isinstance(texts, list) else list(texts)
        check_texts(items)
        reason = self._counter.mismatch(items, n, seed)
        if reason is None:
            return self
        if strict:
            raise TokenizerError(reason)
        warnings.warn(reason, TokenizerBackendWarning, stacklevel=2)
        return replace(self, _counter=exact_counter(self.encoding_name, "tiktoken"),
                       notes=(*self.notes, f"{reason}; this count used tiktoken"))


# --------------------------------------------------------------------------
# Chat framing
# --------------------------------------------------------------------------


def chat_tokens(messages: Sequence[Mapping[str, str]], tokenizer: Tokenizer) -> int:
    """Prompt tokens of a chat request as the provider frames it (``Tokenizer.request_tokens``)."""
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(
            f"chat_tokens needs a Tokenizer, not a {type(tokenizer).__name__}; for a model name such as "
            "'gpt-4o' use estimator.count_tokens(messages, model=...)"
        )
    return tokenizer.request_tokens(messages)


def chat_overhead_tokens(tokenizer: Tokenizer, *, system: str | None) -> int:
    """Tokens of a request made of an optional system message plus one user
    message, except the user content's own tokens.

    ``chat_overhead_tokens(t, system=s) + t.count(user)`` equals
    ``chat_tokens([{"role": "system", "content": s}, {"role": "user", "content": user}], t)``.
    """
    return tokenizer.request_overhead(messages=1, system=system)
