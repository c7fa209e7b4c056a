"""Move the cross-check's two pinned price databases to new releases, then run the check.

    python tools/refresh_price_references.py                  # the newest releases on the registry
    python tools/refresh_price_references.py --genai-prices 0.2.6 --litellm 1.111.0

This is the one step that uses the network (pip, to the package registry). It:

1. downloads the litellm wheel without its dependencies, reads
   ``litellm/model_prices_and_context_window_backup.json`` out of it, keeps the entries whose
   ``litellm_provider`` is openai, anthropic or gemini, and writes them to
   ``pricing/references/litellm-<version>.json`` (the old file is removed);
2. downloads the genai-prices wheel to learn its version and installs it into this Python;
3. rewrites ``pricing/references/references.toml`` (versions, sha256 of the wheel, of the
   original JSON and of the trimmed file, the day) and the genai-prices pin in
   ``pyproject.toml`` and ``constraints.txt``;
4. runs ``python -m estimator prices --check`` and exits with its status.

Each new difference is then read: a mistake of ours becomes a dated entry; a database wrong
against the provider's page is acknowledged in the pricing file with the page as its source.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "pricing" / "references"
PROVIDERS = ("openai", "anthropic", "gemini")
LITELLM_JSON = "litellm/model_prices_and_context_window_backup.json"


def download(package: str, version: str | None, into: Path) -> Path:
    spec = f"{package}=={version}" if version else package
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d",
                    str(into), spec], check=True)
    wheels = sorted(into.glob(f"{package.replace('-', '_')}-*.whl"))
    if not wheels:
        raise SystemExit(f"no wheel of {spec} was downloaded")
    return wheels[-1]


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def trim(original: bytes) -> bytes:
    entries = json.loads(original)
    kept = {k: v for k, v in entries.items() if isinstance(v, dict) and v.get("litellm_provider") in PROVIDERS}
    return (json.dumps(kept, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def pin(path: Path, version: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"genai-prices==[0-9][0-9A-Za-z.]*", f"genai-prices=={version}", text), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genai-prices", dest="genai", help="version (default: the newest)")
    parser.add_argument("--litellm", dest="litellm", help="version (default: the newest)")
    args = parser.parse_args()
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as tmp:
        lite_wheel = download("litellm", args.litellm, Path(tmp))
        lite_version = wheel_version(lite_wheel)
        with zipfile.ZipFile(lite_wheel) as zf:
            original = zf.read(LITELLM_JSON)
        trimmed = trim(original)
        for old in REFERENCES.glob("litellm-*.json"):
            old.unlink()
        (REFERENCES / f"litellm-{lite_version}.json").write_bytes(trimmed)
        gp_wheel = download("genai-prices", args.genai, Path(tmp))
        gp_version = wheel_version(gp_wheel)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", str(gp_wheel)], check=True)
        manifest = f"""# The price databases the cross-check (python -m estimator prices --check) compares the tables
# with, pinned. Refresh both pins and re-run the check with tools/refresh_price_references.py.

[genai-prices]
version = "{gp_version}"
checked = {today}
source = "https://pypi.org/project/genai-prices/{gp_version}/ (data inside the package; the check and test extras pin it)"
wheel = "{gp_wheel.name}"
wheel_sha256 = "{sha256(gp_wheel.read_bytes())}"

[litellm]
version = "{lite_version}"
checked = {today}
source = "https://pypi.org/project/litellm/{lite_version}/"
file = "litellm-{lite_version}.json"
sha256 = "{sha256(trimmed)}"
wheel = "{lite_wheel.name}"
wheel_sha256 = "{sha256(lite_wheel.read_bytes())}"
original = "{LITELLM_JSON}"
original_sha256 = "{sha256(original)}"
trimmed = "entries whose litellm_provider is openai, anthropic or gemini, keys sorted, one space indent"
"""
        (REFERENCES / "references.toml").write_text(manifest, encoding="utf-8")
    for path in (ROOT / "pyproject.toml", ROOT / "constraints.txt"):
        pin(path, gp_version)
    print(f"pinned genai-prices {gp_version} and litellm {lite_version}; checking")
    return subprocess.run([sys.executable, "-m", "estimator", "prices", "--check"], cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main())
