"""The plan of a count: what to count in each row, with which tokenizer, against which limits,
on how many threads. Picklable, so Dask workers count with the same plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from estimator.counting.output import OutputSpec
from estimator.counting.prompts import RequestShape
from estimator.errors import UsageError
from estimator.pricing import Model, Price
from estimator.tokens import chat_overhead_tokens, get_tokenizer


@dataclass(frozen=True)
class CountPlan:
    """Everything needed to count a batch of rows; picklable for worker processes."""

    shape: RequestShape
    output: OutputSpec
    tokenizer_spec: str
    embedding: bool
    framing_tokens: int
    thresholds: tuple[int, ...]
    context_window: int | None
    skip_bad_values: bool
    threads: int | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        names = list(self.shape.columns)
        if not self.embedding:
            names += [c for c in self.output.columns if c not in names]
        return tuple(names)

    @property
    def counts_output(self) -> bool:
        return not self.embedding and self.output.kind != "none"


def count_plan(
    model: Model,
    shape: RequestShape,
    output: OutputSpec,
    price: Price | None,
    *,
    bad_rows: str = "error",
    threads: int | None = None,
) -> CountPlan:
    embedding = model.kind == "embedding"
    if embedding and shape.system:
        raise UsageError("embedding models take text only: leave out the system prompt", param="system")
    tok = get_tokenizer(model.tokenizer)
    # build_messages leaves out an empty system prompt, so the framing must too; a whole
    # conversation is counted with its framing (count_inputs), so it adds none here.
    framing = 0 if embedding or shape.messages is not None else chat_overhead_tokens(tok, system=shape.system or None)
    thresholds = price.thresholds if price is not None else ()
    return CountPlan(
        shape=shape,
        output=output,
        tokenizer_spec=model.tokenizer,
        embedding=embedding,
        framing_tokens=framing,
        thresholds=thresholds,
        context_window=model.context_window,
        skip_bad_values=bad_rows == "skip",
        threads=threads,
    )


def default_threads(workers: int | None) -> int:
    if workers is not None:
        if workers < 1:
            raise UsageError(f"workers must be at least 1, got {workers}", param="workers")
        return workers
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
