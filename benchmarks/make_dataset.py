"""Write a deterministic CSV of realistic request rows for benchmarks and tests.

Each row is a customer-support style message in English, about 100 tokens
(o200k_base) and 400 bytes, with a little non-ASCII text (accented words,
CJK, emoji), order numbers, product codes, e-mail addresses, links and the
odd typo, so the tokenizer meets rare words the way it does on real text
rather than only common one-token words. A few rows hold quoted commas and
embedded newlines so a reader that splits on raw newlines or commas gets
them wrong.

    python benchmarks/make_dataset.py --rows 1000000 --out data.csv

Columns: ``id``, ``text``, ``category``, ``expected_output_tokens``.
The same ``--rows`` and ``--seed`` always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

_COMMON = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "he",
    "for",
    "it",
    "with",
    "as",
    "his",
    "on",
    "be",
    "at",
    "by",
    "had",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "all",
    "her",
    "she",
    "there",
    "would",
    "their",
    "we",
    "him",
    "been",
    "has",
    "when",
    "who",
    "will",
    "no",
    "more",
    "if",
    "out",
    "so",
    "up",
    "said",
    "what",
    "its",
    "about",
    "than",
    "into",
    "them",
    "can",
    "only",
    "other",
    "time",
    "new",
    "some",
    "could",
    "these",
    "two",
    "may",
    "first",
    "then",
    "do",
    "any",
    "like",
    "my",
    "now",
    "over",
    "such",
    "our",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "good",
    "very",
    "make",
    "still",
    "own",
    "see",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "order",
    "I",
    "I'm",
    "I've",
    "don't",
    "can't",
    "it's",
    "didn't",
    "wasn't",
    "won't",
    "isn't",
    "you're",
    "we've",
    "they're",
]

_DOMAIN = [
    "account",
    "invoice",
    "delivery",
    "package",
    "refund",
    "warranty",
    "support",
    "customer",
    "service",
    "product",
    "quality",
    "battery",
    "screen",
    "charger",
    "laptop",
    "phone",
    "subscription",
    "password",
    "login",
    "update",
    "install",
    "settings",
    "network",
    "printer",
    "payment",
    "card",
    "shipping",
    "address",
    "tracking",
    "number",
    "replacement",
    "repair",
    "damaged",
    "missing",
    "broken",
    "slow",
    "cancel",
    "renew",
    "upgrade",
    "downgrade",
    "plan",
    "monthly",
    "annual",
    "discount",
    "coupon",
    "receipt",
    "email",
    "message",
    "website",
    "app",
    "please",
    "thanks",
    "hello",
    "regards",
    "issue",
    "problem",
    "question",
    "answer",
    "help",
    "request",
    "ticket",
    "agent",
    "manager",
    "week",
    "yesterday",
    "today",
    "tomorrow",
    "morning",
    "evening",
    "unfortunately",
    "however",
    "although",
    "therefore",
    "meanwhile",
    "definitely",
    "probably",
    "really",
    "actually",
    "already",
    "almost",
    "always",
    "sometimes",
    "usually",
    "recently",
    "quickly",
    "firmware",
    "bluetooth",
    "headphones",
    "keyboard",
    "dashboard",
    "notification",
    "verification",
    "authentication",
    "checkout",
    "reimbursement",
    "chargeback",
    "overcharged",
    "prorated",
    "eligibility",
    "troubleshooting",
    "reinstalled",
    "unresponsive",
    "intermittently",
    "disconnects",
    "overheating",
    "flickering",
    "compatibility",
    "configuration",
    "synchronisation",
]

# Morphology makes a long tail of real-looking rarer words (reconnection,
# unreportable, misconfigurations), which is what costs a BPE tokenizer time.
_PREFIXES = ("", "", "", "re", "un", "dis", "pre", "mis", "over", "under", "inter", "non", "co", "sub")
_ROOTS = (
    "connect",
    "form",
    "struct",
    "port",
    "view",
    "act",
    "press",
    "ject",
    "scribe",
    "duct",
    "spect",
    "mit",
    "tend",
    "vert",
    "cept",
    "pose",
    "sist",
    "tract",
    "solve",
    "sume",
    "quire",
    "fer",
    "clude",
    "pend",
    "vise",
    "rupt",
    "cede",
    "gress",
    "ply",
    "fine",
    "sign",
    "ceive",
    "serve",
    "turn",
    "load",
    "charge",
    "bill",
    "ship",
    "pack",
    "track",
    "store",
    "figure",
    "activate",
    "register",
    "validate",
)
_SUFFIXES = (
    "",
    "",
    "s",
    "ed",
    "ing",
    "ion",
    "ions",
    "ment",
    "able",
    "ive",
    "ly",
    "ness",
    "er",
    "ers",
    "ation",
    "ibility",
    "ful",
    "ably",
)

_NAMES = (
    "Smith",
    "García",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Müller",
    "Rossi",
    "Tanaka",
    "O'Brien",
    "Fitzgerald",
    "Abernathy",
    "Lindqvist",
    "Papadopoulos",
    "Chukwuemeka",
    "Van der Berg",
)

_NON_ASCII = (
    "café",
    "naïve",
    "résumé",
    "déjà vu",
    "Zürich",
    "São Paulo",
    "façade",
    "jalapeño",
    "Ångström",
    "東京",
    "日本語のテキスト",
    "中文客服",
    "서울",
    "привет",
    "Ελλάδα",
    "🚀",
    "😀",
    "👍🏽",
    "❤️",
    "€",
)

_CATEGORIES = ("billing", "shipping", "technical", "account", "feedback", "other")


def _word(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.52:
        return rng.choice(_COMMON)
    if r < 0.72:
        return rng.choice(_DOMAIN)
    if r < 0.90:
        return rng.choice(_PREFIXES) + rng.choice(_ROOTS) + rng.choice(_SUFFIXES)
    if r < 0.93:
        return rng.choice(_NAMES)
    if r < 0.955:
        return rng.choice(_NON_ASCII)
    if r < 0.975:
        return rng.choice(("#", "order ", "ref ", "SKU-", "")) + str(rng.randint(100, 9_999_999))
    if r < 0.985:
        name = rng.choice(_NAMES).lower().replace("'", "").replace(" ", "")
        return f"{name}.{rng.randint(1, 99)}@example.{rng.choice(('com', 'org', 'co.uk'))}"
    if r < 0.99:
        return f"https://help.example.com/{rng.choice(_ROOTS)}/{rng.randint(1000, 99999)}?ref={rng.choice(_DOMAIN)}"
    # a typo: two letters swapped
    w = list(rng.choice(_DOMAIN))
    i = rng.randrange(len(w) - 1)
    w[i], w[i + 1] = w[i + 1], w[i]
    return "".join(w)


def _sentence(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.randint(5, 17))]
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] += ","
    text = " ".join(words)
    end = rng.choices((".", "?", "!", "..."), weights=(8, 2, 1, 1))[0]
    return text[0].upper() + text[1:] + end


def _message(rng: random.Random) -> str:
    target = max(20, int(rng.gauss(390, 120)))
    parts: list[str] = []
    size = 0
    while size < target:
        s = _sentence(rng)
        if rng.random() < 0.06:
            s = s[:-1] + ', and, "honestly", that is all.'  # quoted commas and quotes
        parts.append(s)
        size += len(s) + 1
    sep = "\n" if rng.random() < 0.03 else " "  # a few embedded newlines
    return sep.join(parts)


def rows(n: int, seed: int = 20240601) -> Iterator[tuple[str, str, str, str]]:
    rng = random.Random(seed)
    for i in range(1, n + 1):
        yield (str(i), _message(rng), rng.choice(_CATEGORIES), str(rng.randint(20, 400)))


def write_csv(path: str | Path, n: int, seed: int = 20240601) -> Path:
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("id", "text", "category", "expected_output_tokens"))
        w.writerows(rows(n, seed))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    path = write_csv(args.out, args.rows, args.seed)
    print(f"wrote {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
