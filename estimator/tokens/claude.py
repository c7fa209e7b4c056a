"""Claude token counts reconstructed offline with ``ctok``.

Anthropic publishes no tokenizer for Claude 3 and later; its ``count_tokens``
endpoint is online only. ``ctok`` (PyPI, MIT, by Sander Land) reconstructs
the counts of that endpoint from measured vocabularies for three tokenizer
generations:

* ``3.0``: Claude 3 through Claude Opus 4.6 (Sonnet 4.x, Haiku 4.5 included);
* ``4.7``: Claude Opus 4.7;
* ``4.8``: Claude Opus 4.8, Sonnet 5 and later (4.7's vocabulary, a 6-token frame).

ctok 1.3.0 reports matching ``count_tokens`` on 962,054 of 962,054 Goldfish
texts (350 languages) and on every held-out MultiPL-E and Rosetta Code text,
with no under-count in 2.3 million stored measurements. It is still a
reconstruction, not Anthropic's tokenizer: counts are labelled
"reconstructed", never "exact". Each model's generation is data: the model's
``tokenizer`` field in ``pricing/anthropic.toml`` reads ``ctok:3.0``,
``ctok:4.7`` or ``ctok:4.8``.

Request framing
---------------
``ctok.token_count(text)`` is the count of one user message: its content plus
the message frame ctok measured (7 tokens in 3.0, 11 in 4.7, 6 in 4.8). Here
``Tokenizer.count(text)`` is the content part alone (``token_count - frame``),
so that a dataset counts the varying text per row and adds the constant part
once, as for OpenAI. A request is billed as

    frame + content of every message
    + ``TURN_TOKENS`` per message after the first
    + content of the system prompt + ``SYSTEM_TOKENS`` when there is one.

ctok measures the one-message frame only. The per-turn and system overheads
are an assumption (a role header of a few tokens, as in Claude's chat
format), stated in ``CALIBRATION_NOTE``; every front end (CSV, batch file)
applies the same rule, so a CSV and the batch file made from it agree.

Speed
-----
ctok is pure Python (about 0.2-0.3 MB/s on one core). Counting a big file
row by row would take minutes to hours, so ``estimator.counting.claude_sampling``
counts every row exactly with ``o200k_base`` and a uniform sample with ctok,
and estimates the total with the ratio estimator and its 95% interval.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Final

from estimator.errors import TokenizerError
from estimator.tokens import ctok_worker
from estimator.tokens.encodings import O200K
from estimator.tokens.exact import exact_counter
from estimator.tokens.tokenizer import Tokenizer

__all__ = [
    "CTOK_PREFIX",
    "FRAMES",
    "GENERATIONS",
    "SYSTEM_TOKENS",
    "TURN_TOKENS",
    "ClaudeTokenizer",
    "claude_tokenizer",
    "ctok_version",
]

CTOK_PREFIX: Final = "ctok:"

#: ctok generation -> the Claude models it serves (ctok's README).
GENERATIONS: Final[Mapping[str, str]] = {
    "3.0": "Claude 3 to Opus 4.6",
    "4.7": "Claude Opus 4.7",
    "4.8": "Claude Opus 4.8, Sonnet 5 and later",
}

#: The frame ctok adds to one user message (its leading ``⟨pad⟩`` tokens), per generation: ctok's
#: measured ``message_overhead``, kept here as data so that building a tokenizer does not load ctok's
#: vocabulary (a second or so); tests/test_claude_gemini.py checks it against ctok.
FRAMES: Final[Mapping[str, int]] = {"3.0": 7, "4.7": 11, "4.8": 6}

TURN_TOKENS: Final = 3  # each message after the first: an assumed role header (not measured by ctok)
SYSTEM_TOKENS: Final = 3  # a system prompt: the same assumption

#: Upper bound of content tokens per UTF-8 byte (used to find rows that could
#: cross a context window or price tier without counting them). ctok's word and
#: case markers can make a one-byte text cost 2 tokens; random strings never
#: exceeded 2 per byte here, and 3 leaves room.
MAX_TOKENS_PER_BYTE: Final = 3

CALIBRATION_NOTE: Final = (
    "Claude counts are reconstructed offline by ctok {version} (MIT; github.com/sanderland/ctok), "
    "generation {generation} ({models}). ctok reports matching Anthropic's count_tokens endpoint on "
    "962,054 of 962,054 test texts in 350 languages and on every held-out code sample; it is not "
    "Anthropic's tokenizer, so the counts are a reconstruction, not exact. ctok measures the frame "
    "of one user message; a system prompt and each further message are counted as their content plus "
    f"{SYSTEM_TOKENS} tokens (an assumption)."
)


SHARED_CHARS: Final = 20_000
"""A ``count_batch`` of at least this many characters is shared out to helper processes already
started (``prepare_batch``): they have loaded ctok, so only the counting is shared."""
START_CHARS: Final = 150_000
"""A ``count_batch`` of at least this many characters (about half a second of ctok) starts helpers
when none are ready: below it, starting them (about 0.2 s each, in parallel) costs more than they save."""

_loaded: set[str] = set()
_workers: dict[str, list[subprocess.Popen[bytes]]] = {}  # started ahead of the batch that takes them
_lock = threading.Lock()


def _ctok(generation: str) -> ModuleType:
    """ctok, counting ``generation`` with its model from the user's cache (``ctok_worker.load``)."""
    if generation not in _loaded:
        with _lock:
            if generation not in _loaded:
                ctok_worker.load(generation)
                _loaded.add(generation)
    import ctok  # pyright: ignore[reportMissingTypeStubs]

    return ctok


def _helpers_wanted(threads: int | None) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, threads or cores))


def _start_workers(generation: str, threads: int | None) -> None:
    with _lock:
        if generation in _workers:
            return
        started = [ctok_worker.start(generation) for _ in range(_helpers_wanted(threads))]
        _workers[generation] = [w for w in started if w is not None]


def _take_workers(generation: str, threads: int | None, *, start: bool) -> list[subprocess.Popen[bytes]]:
    """The helpers started for ``generation`` (each counts one batch), or with ``start`` new ones."""
    if start:
        _start_workers(generation, threads)
    with _lock:
        return _workers.pop(generation, [])


def ctok_version() -> str:
    try:
        return importlib.metadata.version("ctok")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


def _require_ctok() -> None:
    """Fail early, without importing it, when ctok is not installed (it loads on the first count)."""
    if importlib.util.find_spec("ctok") is None:
        raise TokenizerError(
            "Claude token counts need the ctok package (Python 3.12 or newer): pip install 'ctok>=1.3,<1.4'"
        )


@dataclass(frozen=True)
class ClaudeTokenizer(Tokenizer):
    """Reconstructed Claude counts: ``count`` is a text's content tokens (frame excluded).

    The inherited exact counter (``o200k_base``) is the auxiliary variable of
    the sampled estimate: ``proxy_count_batch`` counts with it.
    """

    generation: str = "3.0"
    max_tokens_per_byte: int = MAX_TOKENS_PER_BYTE
    frame: int = 0

    def count(self, text: str) -> int:
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"token counting needs a str, got {type(text).__name__}")
        return int(_ctok(self.generation).token_count(text, self.generation)) - self.frame

    def count_batch(self, texts: Sequence[str], threads: int | None = None) -> list[int]:
        """Content tokens of each text. ctok is pure Python: a batch of ``SHARED_CHARS`` or more is
        counted in helper processes, one per core (``threads`` caps them), started by
        ``prepare_batch`` ahead of time or, for ``START_CHARS`` or more, now; a smaller batch, or one
        the helpers fail on, here."""
        chars = sum(map(len, texts))
        if chars >= SHARED_CHARS and (
            workers := _take_workers(self.generation, threads, start=chars >= START_CHARS)
        ):
            counts = ctok_worker.count_in(workers, texts)
            if counts is not None:
                return [c - self.frame for c in counts]
        return [self.count(t) for t in texts]

    def prepare_batch(self, threads: int | None = None) -> None:
        """Start the helper processes of the next big ``count_batch`` now, so that they load ctok while
        the caller reads on (a sampled count starts them before its pass over the file)."""
        _start_workers(self.generation, threads)

    def drop_batch(self) -> None:
        """Stop the helpers ``prepare_batch`` started if no batch took them."""
        with _lock:
            unused = _workers.pop(self.generation, [])
        for w in unused:
            ctok_worker.stop(w)

    def message_tokens(self, text: str) -> int:
        """``ctok.token_count(text)``: one user message, frame included."""
        return self.count(text) + self.frame

    def verified(self, texts: Sequence[str], n: int = 200, *, seed: int = 0, strict: bool = False) -> Tokenizer:
        """No fast backend to check: ctok is the only counter of these counts."""
        return self

    def proxy_count_batch(self, texts: Sequence[str], threads: int | None = None) -> list[int]:
        """Exact ``o200k_base`` counts: the auxiliary variable of a sampled estimate."""
        return self._counter.count_batch(texts, threads)

    def request_overhead(self, *, messages: int, system: str | None, system_tokens: int | None = None) -> int:
        """Tokens of a request besides its messages' content: frame, turns, system prompt.

        ``system_tokens`` is the system prompt's content count when the caller has it already
        (counted elsewhere, e.g. in another process); otherwise it is counted here.
        """
        extra = TURN_TOKENS * max(0, messages - 1)
        if system is not None:
            extra += (self.count(system) if system_tokens is None else system_tokens) + SYSTEM_TOKENS
        return self.frame + extra

    def request_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Billed input of a Messages API request; ``role == "system"`` entries are the system prompt."""
        system = [m.get("content", "") for m in messages if m.get("role") == "system"]
        turns = [m.get("content", "") for m in messages if m.get("role") != "system"]
        overhead = self.request_overhead(messages=len(turns), system="\n\n".join(system) if system else None)
        return overhead + sum(self.count(t) for t in turns)


def is_claude_spec(spec: str) -> bool:
    return spec.startswith(CTOK_PREFIX)


@functools.cache
def _claude_tokenizer(spec: str, backend: str) -> ClaudeTokenizer:
    generation = spec.removeprefix(CTOK_PREFIX)
    models = GENERATIONS.get(generation)
    if models is None:
        raise TokenizerError(
            f"unknown Claude tokenizer generation {generation!r} in {spec!r}; "
            f"known: {', '.join(CTOK_PREFIX + g for g in GENERATIONS)}"
        )
    _require_ctok()
    version = ctok_version()
    counts = f"reconstructed (ctok {version}, generation {generation})"
    return ClaudeTokenizer(
        spec=spec,
        exact=False,
        label=f"reconstructed: ctok {version}, Claude tokenizer generation {generation} ({models}); "
        "not Anthropic's own count",
        relative_uncertainty=None,
        calibration_note=CALIBRATION_NOTE.format(version=version, generation=generation, models=models),
        encoding_name=O200K,
        factor=None,
        _counter=exact_counter(O200K, backend),
        generation=generation,
        frame=FRAMES[generation],
        token_counts=counts,
    )


def claude_tokenizer(spec: str, backend: str = "auto") -> ClaudeTokenizer:
    """The (cached) reconstructed Claude tokenizer for ``ctok:<generation>``."""
    return _claude_tokenizer(spec, backend)
