"""Simulated result files for pilot tests: answer every request of a batch file with a known usage."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path


def answer(batch_files: Iterable[Path], out: Path, usage: Callable[[str, dict], tuple[int, int, int]]) -> Path:
    """Write an OpenAI batch output file answering every request of ``batch_files``; ``usage(custom_id,
    body)`` gives (prompt tokens, completion tokens, of which reasoning)."""
    lines = []
    for path in batch_files:
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            req = json.loads(raw)
            prompt, completion, reasoning = usage(req["custom_id"], req["body"])
            body = {"model": req["body"]["model"],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion,
                              "completion_tokens_details": {"reasoning_tokens": reasoning}}}
            lines.append(json.dumps({"id": f"batch_req_{req['custom_id']}", "custom_id": req["custom_id"],
                                     "response": {"status_code": 200, "request_id": "req", "body": body},
                                     "error": None}))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
