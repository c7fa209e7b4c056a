"""Count datasets too big for one machine with Dask (optional extra ``dask``).

The same per-batch counting core as ``count_dataset`` (``count_rows`` and the
mergeable ``Counts``) runs on every partition through
``dask.dataframe.map_partitions``; the partial counts are merged in partition
order, so totals, exact percentiles, over-context rows (with global row
numbers) and long-context tiers are identical to a local ``count_dataset`` of
the same rows.

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")        # or LocalCluster()
    profile = count_distributed("s3://bucket/requests/*.parquet", model=m, shape=s, output=o, price=p)

When it pays off
----------------
Not on one small machine. Measured on the 2-core development machine with
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` and the
benchmark's realistic rows (``benchmarks/make_dataset.py``):

================================  ==============  ======================
job                               count_dataset   Dask (2 processes)
================================  ==============  ======================
100,000 rows, 46 MB (4 CSVs)      0.85 s          0.8 s warm, 2.7 s cold
1,000,000 rows, 465 MB (8 CSVs)   5.8 s           7.5 s warm, 10.1 s cold
================================  ==============  ======================

plus 0.6 s to start the cluster; "cold" is the first job, when every worker
process loads and verifies its tokenizer (about 2 s). ``count_dataset``
already keeps both cores busy, so Dask adds pandas parsing, pickling and
start-up for no gain here. It pays off when the data is larger than one
machine reads in acceptable time and already lives where many workers can
read it in parallel (Parquet or CSV shards on object storage or a shared
file system), on a cluster with many cores: the work is embarrassingly
parallel and the merge is tiny (a few histograms per partition).

Input: a Parquet file or directory, or a CSV path or glob. CSV files are
read one partition per file (``blocksize=None``), because a quoted value may
hold a newline and a byte-range split would cut such a row in two; shard big
CSVs into many files. Values are read as text (``dtype=str``, no NA
conversion), like ``estimator.reading.csv``; Parquet nulls become empty text.
Progress reporting is Dask's own (dashboard or ``dask.diagnostics``).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from estimator.counting.assemble import build_profile
from estimator.counting.counts import VERIFY_ROWS, Counts, count_rows
from estimator.counting.dataset import count_dataset
from estimator.counting.output import OutputSpec
from estimator.counting.plan import CountPlan, count_plan
from estimator.counting.profile import TokenProfile
from estimator.counting.prompts import RequestShape, render_texts
from estimator.counting.seek_pass import Draws, combine, estimate_draws, seek_draws
from estimator.errors import DataError, UsageError, param
from estimator.pricing import Model, Price
from estimator.reading.memory import frame_to_table
from estimator.reading.parquet import arrow_text
from estimator.reading.remote import as_path, filesystem, is_url
from estimator.reading.source import ReadOptions, open_rows
from estimator.tokens import get_tokenizer


def partition_text(pdf: Any, columns: Sequence[str]) -> dict[str, list[str]]:
    """A partition's columns as text, converted exactly as the local readers convert them
    (``estimator.reading.arrow_text``): the same totals wherever a frame is counted."""
    table = frame_to_table(pdf[list(columns)])
    return {c: arrow_text(table.column(c)) for c in columns}


def count_partition(pdf: Any, plan: CountPlan) -> Any:
    """Count one partition; returns a one-element object Series holding (Counts, rows seen)."""
    import pandas as pd  # local: heavy to import, and only Dask's partitions need it

    tokenizer = get_tokenizer(plan.tokenizer_spec)
    columns = partition_text(pdf, plan.columns)
    texts = render_texts(plan.shape, columns)
    if texts:
        tokenizer = tokenizer.verified(texts, n=VERIFY_ROWS)
    counts = count_rows(plan, texts, columns, 1, tokenizer)
    return pd.Series([(counts, len(texts))], dtype=object)


def read_frame(
    source: str | Sequence[str], columns: Sequence[str], format: str | None = None
) -> tuple[Any, str]:
    """A Dask DataFrame of ``columns`` (values as text) from Parquet or CSV, and the format."""
    import dask.dataframe as dd  # local: Dask is an optional extra

    first = source if isinstance(source, str) else source[0]
    fmt = format or (
        "parquet" if first.rstrip("/").endswith((".parquet", ".pq")) or (not _has_glob(first) and as_path(first).is_dir())
        else "csv"
    )
    if fmt == "parquet":  # Arrow types kept, so values become text as the local reader makes them
        return dd.read_parquet(source, columns=list(columns), dtype_backend="pyarrow"), fmt
    if fmt == "csv":
        return dd.read_csv(
            source, usecols=list(columns), dtype=str, keep_default_na=False, na_filter=False, blocksize=None
        ), fmt
    raise UsageError(f"counting on Dask reads parquet or csv, not {fmt!r}", param="source_format")


def count_distributed(
    source: str | Sequence[str],
    *,
    model: Model,
    shape: RequestShape,
    output: OutputSpec,
    price: Price | None = None,
    format: str | None = None,
    threads_per_task: int = 1,
) -> TokenProfile:
    """``count_dataset`` over a Dask DataFrame; uses the active Dask client if there is one.

    ``threads_per_task`` is the tokenizer threads of each partition task
    (1 suits one Dask worker thread per core).
    """
    import pandas as pd  # local: heavy to import, and only Dask's partitions need it

    started = time.monotonic()
    plan = count_plan(model, shape, output, price, threads=threads_per_task)
    ddf, fmt = read_frame(source, plan.columns, format)
    missing = [c for c in plan.columns if c not in ddf.columns]
    if missing:
        listed = ", ".join(repr(c) for c in ddf.columns)
        raise DataError(f"{source}: no column {', '.join(map(repr, missing))}. The columns are: {listed}.",
                        path=str(source), field=missing[0])
    parts = ddf.map_partitions(count_partition, plan, meta=pd.Series(dtype=object)).compute()
    total = Counts()
    offset = 0
    for counts, seen in parts.tolist():
        total.merge(counts.shifted(offset))
        offset += seen
    skipped = sorted(r for r, _ in total.skipped)
    paths = [source] if isinstance(source, str) else list(source)
    nbytes = sum(_size(p) for p in paths)
    tokenizer = get_tokenizer(model.tokenizer)
    notes = [f"counted with Dask over {ddf.npartitions} partitions"]
    return build_profile(
        plan,
        model,
        tokenizer,
        total,
        None,
        source=", ".join(map(str, paths)),
        fmt=fmt,
        notes=notes,
        skipped=skipped,
        skipped_count=len(total.skipped),
        elapsed=time.monotonic() - started,
        bytes_read=nbytes,
    )


def _has_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _size(path: str) -> int:
    """Bytes of the files ``path`` names (a file, a directory, a glob; local or a URL)."""
    if is_url(path):
        fs, rest = filesystem(path)
        total = 0
        for f in fs.glob(rest) if _has_glob(rest) else [rest]:
            info = fs.info(f)
            found = fs.find(f) if info.get("type") == "directory" else [f]
            total += sum(int(fs.info(x).get("size") or 0) for x in found)
        return total
    files = glob.glob(path) or [path]
    total = 0
    for f in files:
        p = Path(f)
        if p.is_dir():
            total += sum(x.stat().st_size for x in p.rglob("*") if x.is_file())
        elif p.exists():
            total += p.stat().st_size
    return total


def expand(source: str) -> list[str]:
    """The files a path or glob names (a directory stays one entry: a Parquet dataset), sorted."""
    if not _has_glob(source):
        return [source]
    if is_url(source):
        protocol = source.split("://", 1)[0]
        fs, rest = filesystem(source)
        return [f"{protocol}://{f}" for f in sorted(fs.glob(rest))]
    return sorted(glob.glob(source))


def _file_draws(path: str, plan: CountPlan, read: ReadOptions, n: int, seed: int) -> Draws:
    """A Dask task: ``n`` rows of one file drawn at random offsets and counted."""
    tokenizer = get_tokenizer(plan.tokenizer_spec)
    with open_rows(path, read) as ds:
        draws = seek_draws(ds, plan, tokenizer, n, seed)
    if draws is None:
        raise UsageError(f"{path}: cannot be sampled at random offsets (compressed, not UTF-8, or not CSV or "
                         "JSON Lines); count it without sample_rows, or sample it alone", param="sample_rows")
    return replace(draws, tokenizer=None)  # the counting workers keep their tokenizers


def _seek_bytes(path: str, read: ReadOptions) -> int:
    """A Dask task: the bytes of a file's rows that offsets are drawn from (0: it cannot seek)."""
    with open_rows(path, read) as ds:
        return int(ds.seek_bytes or 0)


def sample_on_cluster(
    client: Any, source: str, *, model: Model, shape: RequestShape, output: OutputSpec, price: Price | None,
    read: ReadOptions, count: Any,
) -> TokenProfile:
    """A sampled estimate drawn by tasks on the cluster, next to the data.

    One file or one Parquet dataset: one task runs the sampled count of ``count_dataset``
    (rows drawn at random offsets, or Parquet row groups). Several files (a glob): each file
    gets draws in proportion to its bytes (a multinomial split of ``sample_rows``) and draws
    them in its own task, at random offsets; the totals come from all draws together.
    """
    started = time.monotonic()
    files = expand(source)
    if not files:
        raise DataError(f"{source}: no files match", path=source)
    options = replace(count, progress=None, on_rows=None)
    if len(files) == 1:
        profile: TokenProfile = client.submit(
            count_dataset, files[0], model=model, shape=shape, output=output, price=price, read=read,
            options=options, pure=False).result()
        note = "sampled by one task on the Dask cluster"
        return replace(profile, notes=(*profile.notes, note), elapsed_seconds=time.monotonic() - started)
    plan = count_plan(model, shape, output, price, bad_rows=read.bad_rows, threads=1)
    sizes = client.gather([client.submit(_seek_bytes, f, read, pure=False) for f in files])
    if not sum(sizes):
        raise DataError(f"{source}: the files hold no rows to sample", path=source)
    shares = np.random.default_rng(count.seed).multinomial(count.sample_rows, np.asarray(sizes) / sum(sizes))
    futures = [client.submit(_file_draws, f, plan, read, int(k), count.seed + i + 1, pure=False)
               for i, (f, k) in enumerate(zip(files, shares.tolist())) if k]
    draws = combine(client.gather(futures))
    counts, est = estimate_draws(plan, draws, count.seed)
    tokenizer = get_tokenizer(model.tokenizer)
    notes = [f"sampled by {len(futures)} tasks on the Dask cluster, one per file, draws in proportion to each "
             f"file's bytes ({len(files)} files)"]
    fmt = Path(files[0]).suffix.lstrip(".").lower() or "csv"
    return build_profile(plan, model, tokenizer, counts, est, source=source, fmt=fmt, notes=notes,
                         skipped=[], skipped_count=len(draws.bad), elapsed=time.monotonic() - started,
                         bytes_read=draws.bytes_read)


def count_on_cluster(
    source: Any,
    address: str,
    *,
    model: Model,
    shape: RequestShape,
    output: OutputSpec,
    price: Price | None,
    read: ReadOptions,
    count: Any,
) -> TokenProfile:
    """``count_distributed`` on the Dask scheduler at ``address``, or on a cluster of this
    machine's processes for ``"local"``. Only what Dask reads the same way is accepted."""
    if not isinstance(source, (str, Path)):
        raise UsageError("counting on Dask reads files (Parquet, or CSV paths and globs), not data in memory",
                         param="dask")
    sampled = count.sample_rows is not None
    unsupported = [name for name, given in (
        ("encoding", read.encoding is not None and not sampled),
        ("delimiter", read.delimiter is not None and not sampled), ("skip_bad_rows", read.skip_bad_rows and not sampled),
    ) if given]
    if unsupported:
        raise UsageError(
            "counting on Dask does not take " + ", ".join(param(n) for n in unsupported)
            + "; count without Dask for those",
            param=unsupported[0],
        )
    try:  # local: Dask is an optional extra, and its absence is reported as a UsageError
        from dask.distributed import Client
    except ImportError:
        raise UsageError(
            "counting on Dask needs the optional Dask extra: pip install 'llm-batch-estimator[dask]' "
            "(or pip install 'dask[distributed]')",
            param="dask",
        ) from None
    cluster = local_cluster(processes=True) if address == "local" else None
    try:
        with Client(cluster if cluster is not None else address) as client:
            if sampled:
                return sample_on_cluster(client, str(source), model=model, shape=shape, output=output,
                                         price=price, read=read, count=count)
            return count_distributed(str(source), model=model, shape=shape, output=output, price=price,
                                     format=read.format)
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address!r}: {exc}", param="dask") from None
    finally:
        if cluster is not None:
            cluster.close()


def local_cluster(**options: Any) -> Any:
    """A Dask cluster of this machine's processes (``options`` go to ``LocalCluster``), without a dashboard.

    The scheduler still serves health checks over HTTP; they take a free loopback port, because
    Dask's default (8787) may be held by another cluster on the machine, and Dask would then warn
    and take another port anyway.
    """
    from dask.distributed import LocalCluster  # local: Dask is an optional extra

    return LocalCluster(dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, **options)
