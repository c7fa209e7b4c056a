"""Images, audio and PDF pages as each provider bills them: a rule from the provider's own page.

Every count here follows a published rule, named with its source in ``MediaCount.rule``. Where a
provider calls its rule an estimate (Anthropic's ``width * height / 750``, its PDF text tokens per
page), the count says so (``exact=False``); where no rule is published for a model, ``image_tokens``
returns None and the caller lists the part as not counted.

The size of an image is read from its header (PNG, JPEG, GIF, WebP), never by decoding it: a base64
data URL is decoded only as far as its header needs.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from dataclasses import dataclass

__all__ = [
    "ANTHROPIC_PDF_PAGE_TOKENS",
    "MediaCount",
    "audio_seconds",
    "audio_tokens",
    "data_url_bytes",
    "image_size",
    "image_tokens",
    "pdf_pages",
    "pdf_tokens",
]

OPENAI_IMAGES = "https://developers.openai.com/api/docs/guides/images-vision"
ANTHROPIC_VISION = "https://platform.claude.com/docs/en/build-with-claude/vision"
ANTHROPIC_HIGH_RES = "https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide"
ANTHROPIC_PDF = "https://platform.claude.com/docs/en/build-with-claude/pdf-support"
GEMINI_TOKENS = "https://ai.google.dev/gemini-api/docs/tokens"
GEMINI_MEDIA = "https://ai.google.dev/gemini-api/docs/media-resolution"

ANTHROPIC_PDF_PAGE_TOKENS = (1_500, 3_000)
"""Anthropic: 'each page typically uses 1,500 to 3,000 tokens' of text, besides the page's image."""


@dataclass(frozen=True)
class MediaCount:
    """Tokens of one media part, how they were obtained, and the interval where the rule is an estimate."""

    tokens: int
    rule: str  # the rule in words, with its source
    exact: bool = True  # False where the provider calls the rule an estimate
    low: int | None = None
    high: int | None = None


# --------------------------------------------------------------------------
# Reading an image's size from its header
# --------------------------------------------------------------------------

_HEADER_CHARS = (8_192, 131_072)  # base64 characters decoded before giving up on a JPEG's frame header
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, JPEG, GIF or WebP file; None if not found."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return (w, h) if w and h else None
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        w, h = struct.unpack("<HH", head[6:10])
        return (w, h) if w and h else None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and len(head) >= 30:
        return _webp(head)
    if head[:2] == b"\xff\xd8":
        return _jpeg(head)
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    kind = head[12:16]
    if kind == b"VP8X":
        w = 1 + int.from_bytes(head[24:27], "little")
        h = 1 + int.from_bytes(head[27:30], "little")
        return w, h
    if kind == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 " and len(head) >= 30:
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(head[i + 2:i + 4], "big")
        if marker in _SOF:
            h, w = struct.unpack(">HH", head[i + 5:i + 9])
            return (w, h) if w and h else None
        i += 2 + length
    return None


_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[^,]*)?;base64,", re.IGNORECASE)


def data_url_bytes(value: str) -> tuple[str, str] | None:
    """(media type, base64 text) of a ``data:...;base64,`` URL, or None for anything else."""
    m = _DATA_URL.match(value[:200])
    if m is None:
        return None
    return (m.group(1) or "").lower(), value[m.end():]


def base64_head(data: str, chars: int) -> bytes:
    """The first bytes of base64 text (whitespace ignored), decoding at most ``chars`` characters."""
    part = re.sub(r"\s+", "", data[: chars + chars // 8])[:chars]
    part = part[: len(part) - len(part) % 4]
    try:
        return base64.b64decode(part, validate=False)
    except (binascii.Error, ValueError):
        return b""


def base64_image_size(data: str) -> tuple[int, int] | None:
    """The size of a base64-encoded image, decoding only as much as its header needs."""
    for chars in (*_HEADER_CHARS, len(data)):
        size = image_size(base64_head(data, chars))
        if size is not None or chars >= len(data):
            return size
    return None


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


def _fit(w: int, h: int, box: int) -> tuple[int, int]:
    """Scaled down (never up) to fit a ``box`` x ``box`` square, keeping the aspect ratio."""
    if max(w, h) <= box:
        return w, h
    s = box / max(w, h)
    return max(1, math.floor(w * s)), max(1, math.floor(h * s))


def _tiles(w: int, h: int, base: int, tile: int, detail: str, label: str) -> MediaCount:
    if detail == "low":
        return MediaCount(base, f"{label}: detail low = {base} base tokens ({OPENAI_IMAGES})")
    w, h = _fit(w, h, 2048)
    if min(w, h) > 768:
        s = 768 / min(w, h)
        w, h = (768, math.floor(h * s)) if w <= h else (math.floor(w * s), 768)
    n = math.ceil(w / 512) * math.ceil(h / 512)
    return MediaCount(base + n * tile, f"{label}: {base} + {tile} x {n} tiles of 512 px ({OPENAI_IMAGES})")


def _patches(w: int, h: int, multiplier: str, box: int, budget: int | None, label: str) -> MediaCount:
    w, h = _fit(w, h, box)
    n = math.ceil(w / 32) * math.ceil(h / 32)
    if budget is not None and n > budget:
        s = math.sqrt(32 * 32 * budget / (w * h))
        s *= min(math.floor(w * s / 32) / (w * s / 32), math.floor(h * s / 32) / (h * s / 32))
        w, h = math.floor(w * s), math.floor(h * s)
        n = math.ceil(w / 32) * math.ceil(h / 32)
    tokens = math.ceil(n * float(multiplier) - 1e-9)
    return MediaCount(tokens, f"{label}: {n} patches of 32 px x {multiplier} ({OPENAI_IMAGES})")


# OpenAI, "Calculating costs": (base, tile) of the tile-based models.
_OPENAI_TILES = {
    "gpt-4o": (85, 170), "gpt-4o-2024-05-13": (85, 170), "gpt-4o-2024-08-06": (85, 170),
    "gpt-4o-2024-11-20": (85, 170), "gpt-4.1": (85, 170), "gpt-4o-mini": (2833, 5667),
    "gpt-5": (70, 140), "gpt-5.1": (70, 140), "o1": (75, 150), "o1-pro": (75, 150), "o3": (75, 150),
}
# Patch-based models: multiplier and (pixel box, patch budget) per detail level; "auto" named by its level.
_LOW_512 = (512, None)
_HIGH = (2048, 2500)
_OPENAI_PATCHES: dict[str, tuple[str, dict[str, tuple[int, int | None]], str]] = {
    "gpt-5.6-sol": ("1.2", {"low": _LOW_512, "high": _HIGH, "original": (65535, None)}, "original"),
    "gpt-5.6-terra": ("1.2", {"low": _LOW_512, "high": _HIGH, "original": (65535, None)}, "original"),
    "gpt-5.6-luna": ("1.2", {"low": _LOW_512, "high": _HIGH, "original": (65535, None)}, "original"),
    "gpt-5.5": ("1.2", {"low": _LOW_512, "high": _HIGH, "original": (6000, 10000)}, "original"),
    **{m: ("1.2", {"low": (2048, 6144), "high": _HIGH, "original": (6000, 10000)}, "high")
       for m in ("gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano")},
    "gpt-5.2": ("1.2", {"low": (2048, 6144), "high": (2048, 6144)}, "high"),
    "gpt-4.1-mini": ("1.62", {"low": (2048, 6144), "high": (2048, 6144)}, "high"),
    # Deprecated models the page lists only by multiplier: the earlier page's 1,536-patch budget.
    "gpt-5-mini": ("1.2", {"high": (2048, 1536)}, "high"),
    "gpt-5-nano": ("1.5", {"high": (2048, 1536)}, "high"),
    "gpt-4.1-nano": ("2.46", {"high": (2048, 1536)}, "high"),
    "o4-mini": ("1.72", {"high": (2048, 1536)}, "high"),
}
# Models whose page gives no image rule: counted by a sibling's rule, as an estimate.
_OPENAI_LIKE = (("gpt-6", "gpt-5.5"), ("gpt-5.5-pro", "gpt-5.5"), ("gpt-5.4-pro", "gpt-5.4"),
                ("gpt-5.2-pro", "gpt-5.2"), ("gpt-5-pro", "gpt-5"), ("o3-pro", "o3"))
_NO_IMAGES = ("gpt-4-", "gpt-3.5", "o3-mini", "text-embedding")


def _openai_image(model: str, w: int, h: int, detail: str) -> MediaCount | None:
    detail = detail if detail in ("low", "high", "original", "auto") else "auto"
    base = model
    if model not in _OPENAI_TILES and model not in _OPENAI_PATCHES:
        like = next((m for p, m in _OPENAI_LIKE if model.startswith(p)), None)
        if like is None:
            return None
        base = like
    if base in _OPENAI_TILES:
        b, t = _OPENAI_TILES[base]
        c = _tiles(w, h, b, t, "high" if detail != "low" else "low", base)
    else:
        mult, levels, auto = _OPENAI_PATCHES[base]
        level = auto if detail == "auto" else detail
        box, budget = levels.get(level, levels[auto])
        c = _patches(w, h, mult, box, budget, f"{base} detail {level}")
    if base != model:
        return MediaCount(c.tokens, f"{c.rule}; the page gives no rule for {model}: {base}'s rule used",
                          exact=False, low=c.tokens, high=c.tokens)
    return c


_CLAUDE_HIGH_RES = ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5", "claude-haiku-5",
                    "claude-fable", "claude-mythos")


def _anthropic_image(model: str, w: int, h: int) -> MediaCount:
    if model.startswith(_CLAUDE_HIGH_RES):
        # High-resolution tier: 28 px patches, 2,576 px long edge, 4,784 visual tokens.
        w, h = _fit(w, h, 2576)
        n = math.ceil(w / 28) * math.ceil(h / 28)
        if n > 4784:
            s = math.sqrt(4784 / n)
            while True:
                w2, h2 = max(1, math.floor(w * s)), max(1, math.floor(h * s))
                n = math.ceil(w2 / 28) * math.ceil(h2 / 28)
                if n <= 4784:
                    break
                s *= 0.995
        return MediaCount(n, f"ceil(w/28) x ceil(h/28) visual tokens, at most 2,576 px and 4,784 tokens "
                             f"({ANTHROPIC_HIGH_RES})")
    # Earlier models: long edge at most 1,568 px and about 1,600 tokens (1.2 megapixels), then w*h/750.
    s = min(1.0, 1568 / max(w, h), math.sqrt(1_200_000 / (w * h)))
    if s < 1:
        w, h = max(1, math.floor(w * s)), max(1, math.floor(h * s))
    tokens = math.ceil(w * h / 750)
    return MediaCount(tokens, f"width x height / 750 after resizing to 1,568 px and about 1,600 tokens "
                              f"({ANTHROPIC_VISION}; the provider calls it an estimate)", exact=False,
                      low=tokens, high=tokens)


_GEMINI_RESOLUTION = {"low": 280, "medium": 560, "high": 1120, "ultra_high": 2240}


def _gemini_v3(model: str) -> bool:
    m = re.match(r"gemini-(\d+)", model)
    return m is not None and int(m.group(1)) >= 3


def _gemini_image(model: str, w: int, h: int, resolution: str) -> MediaCount:
    if _gemini_v3(model):
        level = resolution if resolution in _GEMINI_RESOLUTION else "high"
        n = _GEMINI_RESOLUTION[level]
        return MediaCount(n, f"media resolution {level}: {n} tokens per image ({GEMINI_MEDIA})")
    if w <= 384 and h <= 384:
        return MediaCount(258, f"258 tokens for an image within 384 x 384 px ({GEMINI_TOKENS})")
    n = math.ceil(w / 768) * math.ceil(h / 768)
    return MediaCount(258 * n, f"258 tokens x {n} tiles of 768 px ({GEMINI_TOKENS})")


def image_tokens(provider: str, model: str | None, width: int, height: int, detail: str = "auto") -> MediaCount | None:
    """Tokens of one ``width`` x ``height`` image for ``model``, by its provider's published rule.

    ``detail``: OpenAI's ``low``/``high``/``original``/``auto``, Gemini's media resolution (``low``,
    ``medium``, ``high``, ``ultra_high``); Anthropic has none. None: no rule is known for the model.
    """
    if width <= 0 or height <= 0:
        return None
    name = (model or "").lower()
    if provider == "openai":
        if name == "gpt-4" or name.startswith(_NO_IMAGES):
            return None
        return _openai_image(name, width, height, detail)
    if provider == "anthropic":
        return _anthropic_image(name, width, height)
    if provider == "google":
        return _gemini_image(name, width, height, detail.lower().removeprefix("media_resolution_"))
    return None


# --------------------------------------------------------------------------
# Audio and PDF pages
# --------------------------------------------------------------------------


def audio_seconds(head: bytes, size: int) -> float | None:
    """Length in seconds of a WAV file of ``size`` bytes, from its header; None for other formats."""
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    i = 12
    rate = 0
    while i + 8 <= len(head):
        cid, n = head[i:i + 4], int.from_bytes(head[i + 4:i + 8], "little")
        if cid == b"fmt " and i + 16 <= len(head):
            rate = int.from_bytes(head[i + 16:i + 20], "little")  # bytes per second
        elif cid == b"data":
            if not rate:
                return None
            data = min(n, max(0, size - i - 8)) if n else max(0, size - i - 8)
            return data / rate
        i += 8 + n + (n & 1)
    return None


def audio_tokens(provider: str, model: str | None, seconds: float) -> MediaCount | None:
    """Gemini: 32 tokens per second of audio. Other providers publish no rule here."""
    if provider != "google":
        return None
    n = math.ceil(seconds * 32)
    return MediaCount(n, f"32 tokens per second of audio ({GEMINI_TOKENS})")


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pdf_pages(data: bytes) -> int | None:
    """Pages of a PDF, counted by its page objects; None if it is not a PDF or none is found."""
    if not data.startswith(b"%PDF"):
        return None
    n = len(_PAGE.findall(data))
    return n or None


def pdf_tokens(provider: str, model: str | None, pages: int, resolution: str = "") -> MediaCount | None:
    """Tokens of a PDF of ``pages`` pages: Gemini's tokens per page, Anthropic's text interval per page
    (page images are not included: their size is not known without rendering). OpenAI: no rule."""
    name = (model or "").lower()
    if provider == "google":
        if _gemini_v3(name):
            level = resolution if resolution in _GEMINI_RESOLUTION and resolution != "ultra_high" else "medium"
            per = _GEMINI_RESOLUTION[level]
            return MediaCount(per * pages, f"media resolution {level}: {per} tokens per PDF page plus its text "
                                           f"({GEMINI_MEDIA})", exact=False, low=per * pages, high=per * pages)
        return MediaCount(258 * pages, f"258 tokens per PDF page ({GEMINI_TOKENS})")
    if provider == "anthropic":
        lo, hi = ANTHROPIC_PDF_PAGE_TOKENS
        mid = (lo + hi) // 2
        return MediaCount(mid * pages, f"{lo:,} to {hi:,} text tokens per page, the midpoint counted; page images "
                                       f"not included ({ANTHROPIC_PDF})", exact=False, low=lo * pages,
                          high=hi * pages)
    return None
