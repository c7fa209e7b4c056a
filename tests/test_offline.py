"""Token counting works with the network blocked and an empty tiktoken cache,
both in this process and from a fresh interpreter (import-time effects)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from estimator import tokens
from estimator.tokens import exact, registry

# Installed before anything else in the child interpreter: any attempt to
# resolve or connect raises, and is recorded so the test can show the guard bit.
SOCKET_GUARD = """
import socket

ATTEMPTS = []

def _blocked(*args, **kwargs):
    ATTEMPTS.append(repr(args)[:80])
    raise OSError("network access blocked by test")

socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
"""

CHILD = """
import json, os, sys
import estimator.tokens as t

result = {}
for spec in ("o200k_base", "cl100k_base", "approx:anthropic", "approx:gemini"):
    tok = t.get_tokenizer(spec)
    result[spec] = [tok.count("hello world"), tok.count_batch(["<|endoftext|>", "日本語 🚀"]), tok.backend]
result["gpt-4o chat"] = t.chat_tokens(
    [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there!"}],
    t.get_tokenizer("o200k_base"),
)
cache = os.environ["TIKTOKEN_CACHE_DIR"]
result["cache files"] = sorted(os.listdir(cache))
result["network attempts"] = list(ATTEMPTS)

# The guard is real: tiktoken's own loader needs the network and fails here.
import tiktoken
try:
    tiktoken.get_encoding("o200k_base")
    result["tiktoken download"] = "succeeded"
except Exception as exc:
    result["tiktoken download"] = type(exc).__name__
result["attempts after tiktoken"] = len(ATTEMPTS)
print(json.dumps(result))
"""


def blocked(*args: object, **kwargs: object) -> None:
    raise OSError("network access blocked by test")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket, "getaddrinfo", blocked)
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    registry.clear_caches()
    yield cache
    registry.clear_caches()


@pytest.mark.parametrize(
    ("spec", "hello"),
    [("o200k_base", 2), ("cl100k_base", 2), ("approx:anthropic", 2), ("approx:gemini", 2)],
)
def test_counts_without_network(no_network: Path, spec: str, hello: int) -> None:
    tok = tokens.get_tokenizer(spec)
    assert tok.count("hello world") == hello
    assert tok.count_batch(["hello world", "<|endoftext|>", "naïve 日本語 🚀"])[0] == hello
    assert list(no_network.iterdir()) == []


def test_guard_blocks_tiktokens_own_download(no_network: Path) -> None:
    import tiktoken
    import tiktoken.registry

    if "o200k_base" in tiktoken.registry.ENCODINGS:  # pragma: no cover - loaded earlier by a user
        pytest.skip("tiktoken already holds o200k_base in memory")
    with pytest.raises(Exception):  # noqa: B017 - requests wraps the OSError in its own type
        tiktoken.get_encoding("o200k_base")


def test_fresh_interpreter_never_touches_the_network(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOKEN_", "DATA_GYM_"))}
    env["TIKTOKEN_CACHE_DIR"] = str(cache)
    env.pop(exact.BACKEND_ENV, None)
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    code = textwrap.dedent(SOCKET_GUARD) + textwrap.dedent(CHILD)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["network attempts"] == []
    assert result["cache files"] == []
    assert result["gpt-4o chat"] == 15
    for spec in ("o200k_base", "cl100k_base"):
        assert result[spec][0] == 2
        # the fast backend, when installed, loads offline too
        assert result[spec][2] == ("quicktok" if importlib.util.find_spec("quicktok") else "tiktoken")
    # the guard works: tiktoken's own loader tried to connect and failed
    assert result["tiktoken download"] != "succeeded"
    assert result["attempts after tiktoken"] > 0


CLI_CHILD = """
import sys
from estimator.cli import main

sys.argv = ["estimator"] + ARGS
try:
    main()
finally:
    if ATTEMPTS:
        print("NETWORK ATTEMPTS:", ATTEMPTS, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["estimate", "examples/reviews.csv", "--model", "gpt-4o", "--column", "review",
                      "--output-tokens", "50", "--json", "--no-progress"], id="estimate"),
        pytest.param(["validate-batch", "examples/openai-batch.jsonl", "--json"], id="validate-batch"),
        pytest.param(["exercise", "--json"], id="exercise"),
    ],
)
def test_whole_commands_run_with_the_network_blocked(tmp_path: Path, args: list[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOKEN_", "DATA_GYM_"))}
    env["TIKTOKEN_CACHE_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    code = textwrap.dedent(SOCKET_GUARD) + f"ARGS = {args!r}\n" + textwrap.dedent(CLI_CHILD)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "NETWORK ATTEMPTS" not in proc.stderr
    json.loads(proc.stdout)
    assert list(tmp_path.iterdir()) == []
