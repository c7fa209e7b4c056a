"""OpenAI's encodings, offline and verified.

tiktoken downloads its encoding files on first use. This module never does:
it reads the gzipped copies shipped in ``estimator/tokens/_encodings/``, checks the
sha256 of the decompressed bytes against the hash tiktoken pins for that
encoding, and builds the ``tiktoken.Encoding`` with the regex and special
tokens of tiktoken's own constructor (``tiktoken_ext.openai_public``), so that
neither is copied here. ``TIKTOKEN_CACHE_DIR`` is neither read nor written; a
user's own cache keeps working for their own tiktoken calls.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import hashlib
import os
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from estimator._usercache import cache_dir, read_pickle, write_pickle
from estimator.errors import TokenizerError

if TYPE_CHECKING:
    import tiktoken

O200K: Final = "o200k_base"
CL100K: Final = "cl100k_base"

#: sha256 of each decompressed encoding file, as pinned by tiktoken.
ENCODING_SHA256: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        O200K: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        CL100K: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    }
)
EXACT_SPECS: Final = (O200K, CL100K)

_ENCODINGS_DIR: Final = Path(__file__).with_name("_encodings")


def _read_file(name: str, path: Path) -> bytes:
    """The bytes of the encoding file ``path`` as stored (gzipped or not)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TokenizerError(
            f"cannot read the {name} encoding file {path}: {exc.strerror or exc}. "
            "Reinstall estimator; the file ships with the package."
        ) from exc


def _read_verified(name: str, path: Path, stored: bytes | None = None) -> bytes:
    """The decompressed bytes of ``path`` (or of its ``stored`` bytes), after checking them
    against the pinned hash."""
    expected = ENCODING_SHA256.get(name)
    if expected is None:
        raise TokenizerError(
            f"unknown encoding {name!r}; known encodings: {', '.join(ENCODING_SHA256)}"
        )
    raw = _read_file(name, path) if stored is None else stored
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise TokenizerError(
                f"{path} is not a valid gzip file ({exc}). Reinstall estimator."
            ) from exc
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected:
        raise TokenizerError(
            f"{path}: sha256 of the {name} data is {actual}, but tiktoken pins "
            f"{expected}. The file is damaged or is not OpenAI's {name}; "
            "reinstall estimator to restore it."
        )
    return raw


def _parse_ranks(data: bytes, path: Path) -> dict[bytes, int]:
    """Parse tiktoken's format: one ``base64(token) rank`` pair per line.

    The whole file is split once and decoded with ``binascii`` (strict), which is several
    times faster than a line-by-line loop; a malformed file is then parsed line by line to
    name the bad line.
    """
    fields = data.split()
    try:
        if len(fields) % 2:
            raise ValueError("odd number of fields")
        a2b = binascii.a2b_base64
        tokens = [a2b(t, strict_mode=True) for t in fields[0::2]]
        return dict(zip(tokens, map(int, fields[1::2]), strict=True))
    except (ValueError, binascii.Error):
        pass
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error) as exc:
            raise TokenizerError(f"{path}, line {lineno}: not a 'token rank' pair") from exc
    return ranks


def _ranks(name: str, path: Path) -> dict[bytes, int]:
    """The verified ranks of the file ``path``: from the user's cache when it holds the ranks of
    these very bytes, otherwise read, verified, parsed and kept there."""
    stored = _read_file(name, path)
    try:
        kept_at: Path | None = cache_dir() / "encodings" / f"{name}-{hashlib.sha256(stored).hexdigest()[:32]}.pickle"
    except Exception:  # noqa: BLE001 - no cache directory to name: parse
        kept_at = None
    if kept_at is not None:
        kept = read_pickle(kept_at)
        if isinstance(kept, dict) and kept:
            return kept
    ranks = _parse_ranks(_read_verified(name, path, stored), path)
    if kept_at is not None:
        write_pickle(ranks, kept_at)
    return ranks


def _constructor_kwargs(
    name: str, ranks_for: Callable[[str, str | None], dict[bytes, int]]
) -> dict[str, Any]:
    """Run tiktoken's own constructor for ``name`` with its file loader replaced.

    The constructor function is re-bound to a copy of its module globals in
    which ``load_tiktoken_bpe`` is ours, so the regex and special tokens come
    from tiktoken itself, nothing is downloaded, and no global state changes.
    """
    try:
        from tiktoken_ext import openai_public  # pyright: ignore[reportMissingTypeStubs]
    except ImportError as exc:  # pragma: no cover - tiktoken always ships it
        raise TokenizerError(f"tiktoken's encoding definitions are missing: {exc}") from exc
    ctor = getattr(openai_public, name, None)
    if not isinstance(ctor, types.FunctionType):
        raise TokenizerError(f"this tiktoken version does not define the {name} encoding")
    rebound = types.FunctionType(
        ctor.__code__,
        {**ctor.__globals__, "load_tiktoken_bpe": ranks_for},
        ctor.__name__,
        ctor.__defaults__,
        ctor.__closure__,
    )
    kwargs: dict[str, Any] = rebound()
    return kwargs


def encoding_from_file(name: str, path: str | os.PathLike[str]) -> tiktoken.Encoding:
    """Build the tiktoken encoding ``name`` from a (gzipped) ``.tiktoken`` file.

    The decompressed bytes must match the sha256 tiktoken pins for ``name``;
    otherwise ``TokenizerError`` is raised. Not cached: use ``load_encoding``.
    """
    import tiktoken

    source = Path(path)
    expected = ENCODING_SHA256.get(name)

    def ranks_for(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if not url.endswith(f"/{name}.tiktoken"):
            raise TokenizerError(f"tiktoken's {name} constructor asked for {url}, not {name}.tiktoken")
        if expected_hash != expected:
            raise TokenizerError(
                f"tiktoken {tiktoken.__version__} pins sha256 {expected_hash} for {name}, "
                f"but this package ships the file with sha256 {expected}; "
                "update estimator to match tiktoken."
            )
        return _ranks(name, source)

    kwargs = _constructor_kwargs(name, ranks_for)
    return tiktoken.Encoding(**kwargs)


@functools.cache
def load_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name`` built from the shipped, verified file (cached)."""
    if name not in ENCODING_SHA256:
        raise TokenizerError(
            f"unknown encoding {name!r}; known encodings: {', '.join(ENCODING_SHA256)}"
        )
    return encoding_from_file(name, _ENCODINGS_DIR / f"{name}.tiktoken.gz")
