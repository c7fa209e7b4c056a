"""A process that counts Claude tokens with ctok: texts in on stdin, counts out on stdout.

Run as ``python -c <this file's source> <generation>`` (``ctok_worker_command``): it imports
nothing of the estimator, so it starts in the time Python and ctok take. Each stdin line is a
JSON string; at end of input it writes the JSON list of ``ctok.token_count(text, generation)``,
in order. A thread takes the lines while ctok loads, so the writer never waits on a full pipe.

Loading ctok's vocabulary (parsing 48,000 pieces and building its trie) takes 0.5-1.5 s here; the
built model is kept as a pickle in the user's cache directory (``$XDG_CACHE_HOME/estimator`` or
``~/.cache/estimator``), named by ctok's version, the Python version and the SHA-256 of the
vocabulary file, and loaded from there in about 0.1 s next time. Anything wrong with the cache
(unreadable, written by another version, not writable) means ctok loads as usual: the counts are
ctok's own either way (tests/test_batch_counting.py compares them).

The parent's side is here too: ``start`` a worker (it loads ctok while the parent goes on),
``count_in`` several workers at once (each counts a contiguous share of the texts, so a sample
is counted on every core), ``stop`` one that is no longer wanted.
"""

from __future__ import annotations

import hashlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from estimator._usercache import cache_dir, read_pickle, write_pickle


def _cache_path(ctok_main: Any, family: str) -> Path:
    import importlib.metadata  # here, not at the top: an estimate that counts no Claude text never needs it
    from importlib.resources import files

    vocabulary = files("ctok").joinpath("data", ctok_main.FAMILIES[family].pieces).read_bytes()
    meta = repr(sorted(ctok_main.FAMILIES[family].meta)).encode()
    digest = hashlib.sha256(vocabulary + b"\0" + meta).hexdigest()[:24]
    version = importlib.metadata.version("ctok")
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return cache_dir() / f"ctok-{version}-{family}-py{python}-{digest}.pickle"


def load(generation: str) -> None:
    """Make ``ctok`` count ``generation`` with its model loaded from the cache (written on a miss)."""
    import ctok.main as ctok_main  # pyright: ignore[reportMissingTypeStubs]

    try:
        family = ctok_main._family(generation)
        path = _cache_path(ctok_main, family)
    except Exception:  # noqa: BLE001 - no cache, ctok loads as usual
        return
    model = read_pickle(path)
    if not isinstance(model, ctok_main.TokenizerModel):  # missing, unreadable or stale: rebuild
        model = None
    if model is None:
        write_pickle(ctok_main._model(family), path)
        return
    built = ctok_main._model

    def cached(name: str) -> Any:
        return model if name == family else built(name)

    ctok_main._model = cached


def main(generation: str) -> None:
    lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def take() -> None:
        for line in sys.stdin.buffer:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=take, daemon=True).start()
    load(generation)
    import ctok  # pyright: ignore[reportMissingTypeStubs]

    ctok.token_count("x", generation)
    out = []
    while (line := lines.get()) is not None:
        out.append(ctok.token_count(json.loads(line), generation))
    sys.stdout.write(json.dumps(out))


def ctok_worker_command(generation: str) -> list[str]:
    """The command line of a worker counting ``generation``."""
    return [sys.executable, "-c", Path(__file__).read_text(encoding="utf-8"), generation]


def start(generation: str) -> subprocess.Popen[bytes] | None:
    """A worker for ``generation``, loading ctok from now on; None when it cannot start."""
    try:
        return subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
            ctok_worker_command(generation), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
    except OSError:
        return None


def stop(worker: subprocess.Popen[bytes] | None) -> None:
    """End ``worker`` (if it still runs) and close its pipes."""
    if worker is not None and worker.poll() is None:
        worker.kill()
        worker.wait()
    if worker is not None:
        for stream in (worker.stdin, worker.stdout):
            if stream is not None:
                stream.close()


def _finish(worker: subprocess.Popen[bytes], texts: Sequence[str]) -> list[int] | None:
    """``texts`` sent to ``worker`` as its whole input, and its counts; None if it fails."""
    try:
        out, _ = worker.communicate(b"".join(json.dumps(t).encode("utf-8") + b"\n" for t in texts), timeout=600)
        counts = json.loads(out) if worker.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        stop(worker)
        return None
    ok = isinstance(counts, list) and len(counts) == len(texts) and all(type(c) is int for c in counts)
    return counts if ok else None


def count_in(workers: Sequence[subprocess.Popen[bytes]], texts: Sequence[str]) -> list[int] | None:
    """``ctok.token_count`` of each of ``texts`` (frame included), the texts shared out in contiguous
    runs of about equal length, one per worker, all counted at once. Each worker takes one batch
    and ends. None when any worker fails: the caller then counts the texts itself."""
    if not workers:
        return None
    total = sum(map(len, texts)) or 1
    shares: list[list[str]] = [[] for _ in workers]
    done = 0
    for text in texts:
        shares[min(len(workers) - 1, done * len(workers) // total)].append(text)
        done += len(text)
    results: list[list[int] | None] = [None] * len(workers)

    def finish(i: int) -> None:
        results[i] = _finish(workers[i], shares[i])

    others = [threading.Thread(target=finish, args=(i,)) for i in range(1, len(workers))]
    for thread in others:
        thread.start()
    finish(0)
    for thread in others:
        thread.join()
    counts: list[int] = []
    for r in results:
        if r is None:
            for w in workers:
                stop(w)
            return None
        counts += r
    return counts


if __name__ == "__main__":
    main(sys.argv[1])
