"""Validated price files are cached by content: an edited file is validated again, never served stale,
and a damaged or unwritable cache means the file is validated as before."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from estimator.errors import PricingError
from estimator.pricing import load, provider_cache
from estimator.pricing.shipped import shipped_pricing_dir


@pytest.fixture
def openai_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "openai.toml"
    shutil.copy(Path(shipped_pricing_dir()) / "openai.toml", copy)
    return copy


def _validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = load.parse_provider

    def counting(text: str, origin: str) -> object:
        seen.append(origin)
        return real(text, origin)

    monkeypatch.setattr(load, "parse_provider", counting)
    return seen


def test_a_second_load_is_the_cached_one_and_equal(openai_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _validations(monkeypatch)
    first = load.load_provider_file(openai_file)
    second = load.load_provider_file(openai_file)
    assert seen == [str(openai_file)]  # validated once
    assert second == first
    assert list((provider_cache.cache_dir() / "prices").glob("*.pickle"))


def test_an_edited_file_is_never_served_stale(openai_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _validations(monkeypatch)
    before = load.load_provider_file(openai_file)
    text = openai_file.read_text(encoding="utf-8")
    model = before.models[0]
    old = model.prices[-1].input_per_mtok
    assert f"input_per_mtok = {old}" in text
    openai_file.write_text(text.replace(f"input_per_mtok = {old}", f"input_per_mtok = {old + 1}", 1),
                           encoding="utf-8")
    after = load.load_provider_file(openai_file)
    assert len(seen) == 2
    assert after != before
    changed = [m for m in after.models if m.prices != next(b for b in before.models if b.id == m.id).prices]
    assert changed and any(p.input_per_mtok == old + Decimal(1) for m in changed for p in m.prices)
    openai_file.write_text("provider = 'openai'\nnot valid = [", encoding="utf-8")
    with pytest.raises(PricingError):  # errors are not cached either
        load.load_provider_file(openai_file)


def test_a_damaged_or_unwritable_cache_is_ignored(openai_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load.load_provider_file(openai_file)
    for kept in (provider_cache.cache_dir() / "prices").glob("*.pickle"):
        kept.write_bytes(b"\x80\x05 damaged")
    assert load.load_provider_file(openai_file) == expected  # validated again, rewritten
    monkeypatch.setenv("XDG_CACHE_HOME", str(openai_file))  # a file where the directory should be
    assert load.load_provider_file(openai_file) == expected
