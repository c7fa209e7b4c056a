"""Fixtures shared across test files."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from apptest_helpers import start_app
from streamlit.testing.v1 import AppTest


@pytest.fixture(scope="session", autouse=True)
def _installed_components_scanned_once() -> Iterator[None]:
    """Every AppTest start makes Streamlit scan the metadata of every installed package for
    components (about 0.3 s); the installed packages do not change while the tests run, so the
    first scan's answer is kept for the session."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # a Streamlit without component manifests: nothing to scan
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(manifest_scanner, "scan_component_manifests",
                   functools.cache(manifest_scanner.scan_component_manifests))
        yield


@pytest.fixture(scope="session", autouse=True)
def _a_cache_of_the_tests_own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the estimator caches (ctok's built vocabulary, the validated price tables) goes to a
    directory of this test session, never to the user's own cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def app() -> AppTest:
    """The Streamlit app, started fresh with empty caches."""
    return start_app()


# --------------------------------------------------------------------------
# Remote data and a Dask cluster: one of each per test session, on this machine only
# --------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: object, what: str, timeout: float = 60.0) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # type: ignore[attr-defined]
            raise RuntimeError(f"{what} exited with {proc.returncode}")  # type: ignore[attr-defined]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible server (moto's server mode) on 127.0.0.1, and the credentials and
    endpoint for it in the environment (``AWS_*``), which processes started later inherit."""
    import os
    import subprocess
    import sys

    pytest.importorskip("moto")
    pytest.importorskip("s3fs")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
                                            "AWS_ENDPOINT_URL")}
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint})
    try:
        _wait_for_port(port, proc, "the S3 test server")
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def dask_scheduler(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Dask scheduler and two single-threaded worker processes, started as a user starts them
    (``dask scheduler``, ``dask worker``), on 127.0.0.1; yields the scheduler's address. The workers
    inherit the S3 test server's settings."""
    import subprocess
    import sys

    distributed = pytest.importorskip("dask.distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("dask")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = None
    try:
        _wait_for_port(port, scheduler, "the Dask scheduler")
        workers = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1",
             "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(work)],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in (workers, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=60)
