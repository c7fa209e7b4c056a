"""A reader thread that runs ahead of the counting: parses and renders while the tokenizer counts."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any


class _Done:
    pass


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Prefetcher:
    """Iterates ``make()`` in a daemon thread, ``depth`` items ahead.

    Stops promptly when ``close()`` is called (Ctrl-C in the consumer), and
    re-raises the producer's exception in the consumer.
    """

    def __init__(self, make: Callable[[], Iterator[Any]], depth: int = 2) -> None:
        self._q: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), name="dataset-reader", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, make: Callable[[], Iterator[Any]]) -> None:
        try:
            for item in make():
                if not self._put(item):
                    return
            self._put(_Done())
        except BaseException as exc:  # noqa: BLE001  handed to the consumer, which re-raises it
            self._put(_Failed(exc))

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self._q.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item

    def close(self) -> None:
        self._stop.set()
        try:
            while True:
                self._q.get_nowait()
        except queue.Empty:
            pass
        self._thread.join()  # the reader stops at its next batch; a second Ctrl-C still interrupts this
