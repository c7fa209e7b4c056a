"""Uploaded files: staged to a temporary file, read and counted, results cached.

Counting and pricing are separate steps: ``count_upload`` is cached on the
file's sha256 and the counting options only (not the pricing date, cache
hit rate or early-exit share), so changing a price parameter re-prices the
cached token profile without reading the file again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ..batch import BatchFileReport, read_batch_file
from ..batch.profile import profile_from_batch
from ..batch.sniff import batch_request_format
from ..counting import CountOptions, OutputSpec, Progress, TokenProfile
from ..counting.dataset import count_dataset
from ..counting.prompts import RequestShape
from ..errors import DataError
from ..formats import progress_share
from ..pricing import Price
from ..reading import ReadOptions, open_rows
from ..reading.columns import first_rows
from ..reading.dataset import open_dataset
from .common import pricebook, tokenizer
from .uploads import on_disk_only, release_memory, stage


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes | memoryview | Path  # a Path: the upload already staged on disk (see uploads.stage)
    digest: str
    format: str | None
    encoding: str | None
    delimiter: str | None = None
    skip_bad_rows: bool = False

    @property
    def read(self) -> ReadOptions:
        return ReadOptions(format=self.format, encoding=self.encoding, delimiter=self.delimiter,
                           skip_bad_rows=self.skip_bad_rows)

    @property
    def size(self) -> int:
        """Bytes in the upload."""
        return self.data.stat().st_size if isinstance(self.data, Path) else len(self.data)

    @classmethod
    def of(
        cls,
        name: str,
        data: bytes | memoryview,
        fmt: str | None = None,
        encoding: str | None = None,
        digest: str | None = None,
    ) -> Upload:
        return cls(name, data, digest or hashlib.sha256(data).hexdigest(), fmt, encoding)

    @classmethod
    def from_widget(cls, uploaded: UploadedFile, fmt: str | None, encoding: str | None,
                    delimiter: str | None = None, skip_bad_rows: bool = False) -> Upload:
        """The uploaded file, hashed once per upload (not on every rerun) and staged on disk once.

        ``getvalue()``, not ``getbuffer()``: a memoryview kept in caches pins the uploader's
        buffer, and on Python 3.12 and 3.13 releasing that buffer while the view lives
        corrupted memory (segmentation faults and BufferError during garbage collection).
        """
        data = uploaded.getvalue()
        digests = st.session_state.setdefault("_upload_digests", {})
        if uploaded.file_id not in digests:
            digests.clear()  # one upload at a time: forget the previous file's hash
            digests[uploaded.file_id] = hashlib.sha256(data).hexdigest()
        digest = digests[uploaded.file_id]
        path = stage(uploaded.name, data, digest, safe_name(uploaded.name))
        on_disk_only(uploaded)  # from here on only the staged file holds the upload
        return cls(uploaded.name, path, digest, fmt, encoding, delimiter, skip_bad_rows)


def safe_name(name: str) -> str:
    """The uploaded file's base name, safe to create in a temporary directory."""
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    base = re.sub(r"[^\w.\- ]", "_", base).strip(". ") or "upload"
    return base[:120]


@contextmanager
def staged(name: str, data: bytes | memoryview | Path) -> Iterator[Path]:
    """The upload as a file on disk; messages name the upload, not the temporary path."""
    if isinstance(data, Path):  # staged once already
        with _named(name, data):
            yield data
        return
    with tempfile.TemporaryDirectory(prefix="estimator-upload-") as tmp:
        path = Path(tmp).joinpath(safe_name(name))
        path.write_bytes(data)
        with _named(name, path):
            yield path


@contextmanager
def _named(name: str, path: Path) -> Iterator[None]:
    try:
        yield
    except DataError as exc:
        text = exc.message.replace(str(path), name).replace(f"{path.parent}{os.sep}", "")
        if text == exc.message:
            raise
        raise DataError(text, path=name, line=exc.line, column=exc.column, row=exc.row, field=exc.field,
                        param=exc.param) from None


@st.cache_data(max_entries=16, show_spinner=False)
def file_columns(
    digest: str, name: str, fmt: str | None, encoding: str | None, _data: bytes | memoryview | Path
) -> tuple[list[str], list[str]]:
    """(columns, reader notes) of an upload; cached on its hash."""
    with staged(name, _data) as path, open_dataset(path, format=fmt, encoding=encoding) as ds:
        return list(ds.info.columns), list(ds.info.notes)


@st.cache_data(max_entries=16, show_spinner=False)
def file_preview(
    digest: str, name: str, read: ReadOptions, _data: bytes | memoryview | Path
) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """(columns, reader notes, the first rows) of an upload read as asked; cached on its hash."""
    with staged(name, _data) as path, open_rows(path, read) as ds:
        return list(ds.info.columns), list(ds.info.notes), first_rows(ds, 200)


@dataclass(frozen=True)
class CountSettings:
    """Everything that changes the token counts, and nothing that only changes prices."""

    model: str
    column: str | None
    template: str | None
    system: str | None
    output_fixed: int | None
    output_column: str | None
    output_examples: str | None
    output_ratio: str | None  # Decimal as text
    max_tokens: int | None
    sample_rows: int | None
    thresholds: tuple[int, ...]  # long-context tier limits of the price entry
    reasoning_effort: str | None = None  # added to the counted profile, not part of the count
    output_measured: bool = False  # the output lengths were measured by a pilot, reasoning included

    def shape(self) -> RequestShape:
        return RequestShape(column=self.column, template=self.template, system=self.system or None)

    def output(self) -> OutputSpec:
        return OutputSpec(
            fixed=self.output_fixed,
            column=self.output_column,
            examples_column=self.output_examples,
            ratio=Decimal(self.output_ratio) if self.output_ratio is not None else None,
            max_tokens=self.max_tokens,
        )


def count_options_key(o: CountSettings) -> tuple[object, ...]:
    return (
        o.model,
        o.column,
        o.template,
        o.system,
        o.output_fixed,
        o.output_column,
        o.output_examples,
        o.output_ratio,
        o.max_tokens,
        o.sample_rows,
        o.thresholds,
    )


def count(upload: Upload, options: CountSettings, price: Price) -> TokenProfile:
    """The token profile of an upload, from the cache when the file and options are unchanged.

    A fixed output length is not part of the count: the file is counted once with 0 output
    tokens and the length applied to that profile, so changing it re-prices without re-reading.
    Only when it could push a row past the context window (a row within that many tokens of
    the window, and no max_tokens cap deciding instead) is the file counted with it.
    """
    model = pricebook().model(options.model)
    tokenizer(model.tokenizer)
    fixed = options.output_fixed
    if fixed is not None and model.kind != "embedding":
        base_options = replace(options, output_fixed=0)
        base = _count(upload, base_options, price)
        if base.takes_fixed_output(fixed, options.max_tokens, model.context_window):
            return base.with_fixed_output(fixed, options.max_tokens)
    return _count(upload, options, price)


def _count(upload: Upload, options: CountSettings, price: Price) -> TokenProfile:
    return _count_cached(
        upload.digest,
        upload.name,
        upload.format,
        upload.encoding,
        (count_options_key(options), upload.delimiter, upload.skip_bad_rows),
        _data=upload.data,
        _options=options,
        _price=price,
        _read=upload.read,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _count_cached(
    digest: str,
    name: str,
    fmt: str | None,
    encoding: str | None,
    key: tuple[object, ...],
    *,
    _data: bytes | memoryview | Path,
    _options: CountSettings,
    _price: Price,
    _read: ReadOptions | None = None,
) -> TokenProfile:
    # The price only contributes its tier limits, which are part of ``key``.
    model = pricebook().model(_options.model)
    # Created inside the cached call so a cache hit replays it (and its removal) cleanly.
    bar = st.progress(0.0, text=f"Reading {name} ...")

    def progress(p: Progress) -> None:
        share = progress_share(p.bytes_read, p.total_bytes)
        eta = f", about {p.eta_seconds:.0f} s left" if p.eta_seconds is not None else ""
        bar.progress(share, text=f"Counted {p.rows:,} rows ({share:.0%} of the file){eta}")

    try:
        with staged(name, _data) as path:
            profile = count_dataset(
                path,
                model=model,
                shape=_options.shape(),
                output=_options.output(),
                price=_price,
                read=_read or ReadOptions(format=fmt, encoding=encoding),
                options=CountOptions(sample_rows=_options.sample_rows, progress=progress),
            )
    finally:  # an error leaves no stale "Reading ..." bar behind
        bar.empty()
    release_memory()  # reading a large file leaves freed heap behind; give it back to the system
    return replace(profile, source=name)


def batch_provider(upload: Upload) -> str | None:
    """``"openai"``, ``"anthropic"`` or ``"google"`` when the upload is a ready-made batch request file
    (the library's one detection, ``batch_request_format``)."""
    return _batch_provider_cached(upload.digest, upload.name, upload.format, _data=upload.data)


@st.cache_data(max_entries=16, show_spinner=False)
def _batch_provider_cached(
    digest: str, name: str, fmt: str | None, *, _data: bytes | memoryview | Path
) -> str | None:
    with staged(name, _data) as path:
        return batch_request_format(path, ReadOptions(format=fmt))


@st.cache_data(max_entries=8, show_spinner="Checking every request of the batch file ...")
def batch_report(digest: str, name: str, model: str | None = None, *,
                 _data: bytes | memoryview | Path) -> BatchFileReport:
    """Validation and billed token counts of an uploaded batch file, cached on its hash; ``model``
    counts the requests that name none (a Gemini file)."""
    with staged(name, _data) as path:
        report = read_batch_file(path, prices=pricebook(), model=model)
    return replace(report, path=Path(name))


def batch_profile(upload: Upload, model: str, price: Price, output_per_request: int | None) -> TokenProfile:
    report = batch_report(upload.digest, upload.name, model, _data=upload.data)
    with staged(upload.name, upload.data):  # names the upload, not a temporary path, in errors
        return profile_from_batch(
            report, model=pricebook().model(model), price=price, output_per_request=output_per_request
        )
