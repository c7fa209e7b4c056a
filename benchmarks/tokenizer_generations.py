"""How far token counts move between consecutive tokenizer generations of one provider.

    python benchmarks/tokenizer_generations.py

The Gemini models whose tokenizer was not measured (``approx:gemini-unmeasured``) get Gemma 3's
interval widened by the largest such change (``[unmeasured]`` in
``estimator/tokens/calibration/gemini.toml``). On the same texts (the licence texts of
``/usr/share/common-licenses`` and this package's Python sources, first 6,000 characters of each)
it prints o200k_base tokens and, per generation, tokens per o200k token: OpenAI cl100k_base and
o200k_base, and Claude's generations 3.0, 4.7 and 4.8 as ctok reconstructs them (needs ctok).
"""

from __future__ import annotations

import glob
from pathlib import Path

import ctok

from estimator.tokens import get_tokenizer

ROOT = Path(__file__).resolve().parent.parent
CHARS = 6000


def corpora() -> dict[str, list[str]]:
    licences = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        try:
            licences.append(Path(path).read_text(encoding="utf-8")[:CHARS])
        except (OSError, UnicodeDecodeError):
            continue
    code = [Path(p).read_text(encoding="utf-8")[:CHARS] for p in sorted(glob.glob(str(ROOT / "estimator/**/*.py"),
                                                                                  recursive=True))[:40]]
    return {"licences": licences, "python sources": code}


def main() -> None:
    o200k, cl100k = get_tokenizer("o200k_base"), get_tokenizer("cl100k_base")
    print("| texts | o200k tokens | cl100k / o200k | Claude 3.0 | 4.7 | 4.8 | 4.7 / 3.0 | 4.8 / 4.7 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, texts in corpora().items():
        base = sum(o200k.count_batch(texts))
        old = sum(cl100k.count_batch(texts))
        claude = {v: sum(ctok.token_count(t, version=v) for t in texts) for v in ("3.0", "4.7", "4.8")}
        print(f"| {name} ({len(texts)}) | {base:,} | {old / base:.3f} | {claude['3.0'] / base:.3f} | "
              f"{claude['4.7'] / base:.3f} | {claude['4.8'] / base:.3f} | {claude['4.7'] / claude['3.0']:.3f} | "
              f"{claude['4.8'] / claude['4.7']:.3f} |")


if __name__ == "__main__":
    main()
