"""Uploads on disk once per file, and their memory given back when the session ends.

Streamlit keeps every upload in memory as one ``bytes`` object for as long as
its session lives. What the app adds on top is kept small here:

* each upload is written to a temporary file once (per content hash and name)
  and every read of it opens that file, instead of writing a fresh copy for
  each read or holding extra copies of the bytes; once it is on disk,
  Streamlit's own copy in memory is emptied (its record keeps the name), so a
  session holds an upload's bytes only while it is staged;
* a janitor thread notices sessions that have ended (the browser tab closed and
  the reconnection window, ``server.disconnectedSessionTTL``, passed) and drops
  what they held: their staged files, and the session itself is shut down,
  which removes its uploads from Streamlit's file manager. Streamlit 1.67
  never shuts down a session that expires while disconnected, so without this
  every closed tab's uploads stay in memory for the life of the server;
* after a session's memory is dropped, freed heap memory is handed back to the
  operating system (glibc ``malloc_trim``; the Arrow pool's unused memory), so
  the server's resident size falls back instead of staying at its peak.

The janitor reads two private attributes of Streamlit's runtime. If a later
Streamlit renames them, it logs that once and does nothing more: uploads then
live as long as Streamlit keeps them, as before.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
import os
import shutil
import sys
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError


def _logger() -> logging.Logger:
    try:  # Streamlit's logger writes to the server's log at its configured level
        from streamlit.logger import get_logger

        return get_logger(__name__)
    except ImportError:
        return logging.getLogger(__name__)


log = _logger()

SWEEP_SECONDS = 5.0
ON_DISK_ONLY_BYTES = 1 << 20
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
M_ARENA_MAX = -8  # glibc mallopt parameter number


@dataclass
class _Staged:
    path: Path
    sessions: set[str] = field(default_factory=set)


_lock = threading.Lock()
_staged: dict[tuple[str, str], _Staged] = {}
_janitor: threading.Thread | None = None
_seen: dict[str, weakref.ReferenceType[Any]] = {}  # session id -> its AppSession, while it lives


def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def limit_arenas(arenas: int = 2) -> None:
    """Fewer glibc malloc arenas: each thread that touched a large upload otherwise keeps its own heap.

    The same as ``MALLOC_ARENA_MAX=2`` in the environment, for servers started without it.
    """
    if _LIBC is not None and hasattr(_LIBC, "mallopt"):
        _LIBC.mallopt(M_ARENA_MAX, arenas)


def release_memory() -> None:
    """Hand freed heap memory back to the operating system."""
    gc.collect()
    pa = sys.modules.get("pyarrow")
    if pa is not None and hasattr(pa, "default_memory_pool"):
        pool = pa.default_memory_pool()
        if hasattr(pool, "release_unused"):  # Arrow's allocator keeps freed blocks for reuse otherwise
            pool.release_unused()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def stage(name: str, data: bytes | memoryview, digest: str, safe: str) -> Path:
    """The upload as a file on disk, written the first time this session or another asks for it."""
    session = _session_id()
    key = (digest, safe)
    with _lock:
        entry = _staged.get(key)
        if entry is None or not entry.path.exists():
            if not data and digest != EMPTY_SHA256:  # emptied by on_disk_only, and its staged file is gone
                raise DataError(f"{name}: this upload is no longer held by the server; upload the file again")
            folder = Path(tempfile.mkdtemp(prefix="estimator-upload-"))
            path = folder / safe
            try:
                path.write_bytes(data)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            entry = _Staged(path)
            _staged[key] = entry
        if session is not None:
            entry.sessions.add(session)
    _start_janitor()
    return entry.path


def on_disk_only(uploaded: Any) -> None:
    """Drop Streamlit's in-memory copy of an upload once it is staged: the app reads the staged file.

    Streamlit's record of the upload keeps its name and id with empty bytes, so
    reruns still see the file in the uploader; ``uploaded`` is closed, which
    releases the bytes it shares. Only for a server run (AppTest has no runtime)
    and only for uploads above ``ON_DISK_ONLY_BYTES``.
    """
    from streamlit.runtime import Runtime

    session = _session_id()
    if session is None or not Runtime.exists():
        return
    files = Runtime.instance().uploaded_file_mgr
    storage = getattr(files, "file_storage", {}).get(session)
    rec = storage.get(uploaded.file_id) if storage is not None else None
    if rec is None or len(rec.data) < ON_DISK_ONLY_BYTES or not hasattr(rec, "_replace"):
        return
    lock = getattr(files, "_lock", None)
    with lock if lock is not None else threading.Lock():
        storage[uploaded.file_id] = rec._replace(data=b"")  # type: ignore[index]
        total = getattr(files, "_total_bytes", None)
        if isinstance(total, int):
            files._total_bytes = total - len(rec.data)  # type: ignore[attr-defined]  # Streamlit's memory statistics
    uploaded.close()


def staged_folders() -> list[Path]:
    """The folders of the files staged now (for tests)."""
    with _lock:
        return [e.path.parent for e in _staged.values()]


def _start_janitor() -> None:
    global _janitor
    with _lock:
        if _janitor is not None and _janitor.is_alive():
            return
        _janitor = threading.Thread(target=_sweep_forever, name="estimator-upload-janitor", daemon=True)
        _janitor.start()


def _sweep_forever() -> None:
    stop = threading.Event()
    while not stop.wait(SWEEP_SECONDS):
        try:
            if not sweep():
                return
        except Exception:  # the janitor must never take the server down
            log.exception("could not release the uploads of ended sessions")
            return


def _live_sessions(runtime: Any) -> set[str]:
    manager = runtime._session_mgr
    storage = getattr(manager, "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    if cache is not None and hasattr(cache, "expire"):
        cache.expire()  # sessions past their reconnection window are only dropped when reaped
    live = set()
    for info in manager.list_sessions():
        live.add(info.session.id)
        _seen.setdefault(info.session.id, weakref.ref(info.session))
    return live


def _shut_down(ended: set[str]) -> None:
    """Shut down sessions that expired while disconnected, and empty their state.

    Streamlit drops such a session without shutting it down, and its event loop
    keeps a reference to the last session it served until another one connects:
    the widget state (holding the uploaded file, which shares the upload's bytes)
    would stay in memory with it.
    """
    sessions = []
    for session_id in ended:
        ref = _seen.pop(session_id, None)
        session = ref() if ref is not None else None
        if session is not None:
            sessions.append(session)
    def end_all() -> None:
        for session in sessions:
            _end(session)

    if sessions:
        _on_event_loop(end_all)


def _end(session: Any) -> None:
    if hasattr(session, "shutdown"):
        session.shutdown()
    state = getattr(session, "session_state", None)
    if state is not None and hasattr(state, "clear"):
        state.clear()


def _on_event_loop(work: Any) -> None:
    """Run ``work`` on Streamlit's event loop, where sessions are created and served (a session is not
    safe to shut down from another thread while other sessions are uploading); here when there is none."""
    from streamlit.runtime import Runtime

    try:
        loop = Runtime.instance()._get_async_objs().eventloop  # noqa: SLF001 - no public handle
    except (AttributeError, RuntimeError):
        loop = None
    if loop is None or loop.is_closed():
        work()
    else:
        loop.call_soon_threadsafe(work)


def sweep() -> bool:
    """Drop what ended sessions held; False when Streamlit's runtime cannot be inspected."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    runtime = Runtime.instance()
    gone: list[Path] = []
    with _lock:  # a session that stages a file meanwhile is live, so it is in this snapshot or waits
        try:
            live = _live_sessions(runtime)
            files = runtime.uploaded_file_mgr
            owners = set(getattr(files, "file_storage", {}))
        except AttributeError as exc:
            log.warning("cannot see Streamlit's sessions (%s): uploads are freed only as Streamlit frees them", exc)
            return False
        for key, entry in list(_staged.items()):
            entry.sessions &= live
            if not entry.sessions:
                del _staged[key]
                gone.append(entry.path.parent)
    ended = (owners | set(_seen)) - live
    _shut_down(ended)
    for session in ended & owners:
        files.remove_session_files(session)
    for folder in gone:
        shutil.rmtree(folder, ignore_errors=True)
    if ended or gone:
        before = _rss_mb()
        release_memory()
        log.info("dropped the uploads of %d ended session(s) and %d staged file(s); resident memory %s -> %s MB",
                 len(ended), len(gone), before, _rss_mb())
    return True


def _rss_mb() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    except OSError:
        return None


@atexit.register
def _remove_all() -> None:
    with _lock:
        folders = [e.path.parent for e in _staged.values()]
        _staged.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
