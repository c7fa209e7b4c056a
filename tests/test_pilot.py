"""Pilot rounds: priors, the first round's files, learning from results, never billing twice, the CLI."""

from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pilot_results import answer

import estimator
from estimator.cli import main
from estimator.counting.priors import output_prior
from estimator.errors import UsageError
from estimator.piloting.design import MIN_PER_STRATUM, neyman_sizes
from estimator.piloting.pilot import PilotOptions
from estimator.piloting.rounds import pick, random_rank, stratify

MODEL = "gpt-4o-mini"


def _data(path: Path, rows: int = 600, seed: int = 3) -> Path:
    g = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "task"])
        for i in range(rows):
            w.writerow([" ".join(["word"] * int(g.integers(3, 300))), ("qa", "summary")[i % 2]])
    return path


def _length(cid: str) -> int:
    """A known, heavy-tailed output length per request, fixed by its id."""
    r = np.random.default_rng(zlib.crc32(cid.encode()))
    return int(min(1500, r.lognormal(np.log(150), 0.8)))


def _answer(r: estimator.piloting.pilot.PilotRound, out: Path, reasoning: int = 0) -> Path:  # type: ignore[name-defined]
    assert r.batch is not None
    return answer([f.path for f in r.batch.files], out, lambda cid, body: (50, _length(cid) + reasoning, reasoning))


# ---------------------------------------------------------------- priors


@pytest.mark.parametrize(("model", "effort", "reasons"), [
    ("gpt-4o", None, False), ("o3", None, True), ("gpt-5", "high", True), ("gpt-5.4", None, False),
    ("gpt-5.4", "high", True), ("claude-sonnet-4-6", None, False), ("claude-sonnet-4-6", "high", True),
    ("gemini-2.5-pro", None, True), ("gemini-2.0-flash", None, False),
])
def test_priors_per_family_and_effort_are_sourced_and_wide(model: str, effort: str | None, reasons: bool) -> None:
    p = output_prior(model, effort=effort)
    assert (p.reasoning is not None) == reasons
    assert p.low < p.tokens < p.high and p.high >= 10 * p.low
    if reasons:
        assert p.reasoning_source and p.reasoning_source.startswith("https://")
        assert "prior" in p.describe() and p.as_dict()["kind"] == "prior"


def test_an_effort_the_model_does_not_take_is_refused_by_name() -> None:
    with pytest.raises(UsageError) as e:
        output_prior("gpt-4o", effort="high")
    assert e.value.param == "reasoning_effort"
    with pytest.raises(UsageError, match="use one of"):
        output_prior("o3", effort="enormous")


# ---------------------------------------------------------------- rounds


def test_first_round_writes_a_batch_file_and_a_manifest_of_what_and_why(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv")
    r = estimator.pilot(data, tmp_path / "p1", model=MODEL, column="text", tolerance="5%",
                        options=PilotOptions(strata_column="task"))
    assert r.basis == "prior" and not r.stop and r.rows == 600
    assert r.batch is not None and r.batch.requests == r.rows_next > 0
    lines = (tmp_path / "p1-001.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(x)["custom_id"] for x in lines} == set(r.chosen_ids)
    manifest = json.loads((tmp_path / "p1.manifest.json").read_text(encoding="utf-8"))
    assert manifest["basis"] == "prior" and manifest["prior"]["kind"] == "prior"
    assert sum(s["chosen"] for s in manifest["strata"]) == len(manifest["chosen"]) == r.rows_next
    assert {s["stratum"].split(" / ")[0] for s in manifest["strata"]} == {"qa", "summary"}
    assert "Neyman" in manifest["sizing"]
    assert r.low_cost < r.expected_cost < r.high_cost


def test_files_are_never_replaced_without_overwrite_nor_an_input_ever(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=200)
    estimator.pilot(data, tmp_path / "p1", model=MODEL, column="text")
    before = (tmp_path / "p1.manifest.json").read_bytes()
    with pytest.raises(UsageError) as e:
        estimator.pilot(data, tmp_path / "p1", model=MODEL, column="text")
    assert e.value.param == "overwrite"
    assert (tmp_path / "p1.manifest.json").read_bytes() == before
    first = estimator.pilot(data, tmp_path / "p1", model=MODEL, column="text", options=PilotOptions(overwrite=True))
    results = _answer(first, tmp_path / "p2.manifest.json")  # a result file named as the next manifest
    with pytest.raises(UsageError, match="input"):
        estimator.pilot(data, tmp_path / "p2", model=MODEL, column="text", results=[results],
                        options=PilotOptions(overwrite=True))
    assert results.read_text(encoding="utf-8").startswith("{")


def test_rounds_learn_never_rerun_a_row_count_actual_cost_and_stop(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=1200)
    r = estimator.pilot(data, tmp_path / "r1", model=MODEL, column="text", tolerance="8%")
    results: list[Path] = []
    seen: set[str] = set()
    for k in range(2, 10):
        assert not seen & set(r.chosen_ids), "a row that ran was chosen again"
        seen |= set(r.chosen_ids)
        results.append(_answer(r, tmp_path / f"results{k - 1}.jsonl"))
        r = estimator.pilot(data, tmp_path / f"r{k}", model=MODEL, column="text", tolerance="8%", results=results)
        assert r.basis == "pilot" and r.rows_run == len(seen)
        assert r.actual_cost > 0 and r.low_cost <= r.expected_cost <= r.high_cost
        if r.stop:
            break
    assert r.stop and r.within and r.batch is None and r.relative_half_width <= 0.08
    truth = sum(_length(c) for c in _all_ids(tmp_path, data))
    assert r.learned is not None and r.learned_path is not None and r.learned_path.exists()
    # the job's output, learned, is near the truth
    assert abs(r.output_tokens - truth) / truth < 0.2
    est = estimator.estimate(data, model=MODEL, column="text",
                             options=estimator.EstimateOptions(
                                 measured_output=estimator.batch.load_output_profile(r.learned_path)))
    assert any("measured results" in n for n in est.profile.notes)


def _all_ids(tmp_path: Path, data: Path) -> list[str]:
    out = tmp_path / "all"
    estimator.write_batch(data, out, model=MODEL, column="text")
    return [json.loads(x)["custom_id"] for x in (tmp_path / "all-001.jsonl").read_text().splitlines()]


def test_reasoning_is_shown_apart_and_said_to_dominate(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=300)
    r = estimator.pilot(data, tmp_path / "r1", model="o4-mini", column="text", tolerance="20%")
    assert r.prior is not None and r.prior.reasoning is not None and r.reasoning_tokens > 0
    res = _answer(r, tmp_path / "res.jsonl", reasoning=3000)
    r2 = estimator.pilot(data, tmp_path / "r2", model="o4-mini", column="text", tolerance="20%", results=[res])
    assert r2.reasoning_dominates and "reasoning dominates" in r2.to_text()
    assert r2.answer_tokens + r2.reasoning_tokens == r2.output_tokens


def test_capped_answers_are_counted_and_said(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=300)
    opts = PilotOptions(max_tokens=100)
    r = estimator.pilot(data, tmp_path / "r1", model=MODEL, column="text", options=opts)
    assert r.batch is not None
    res = answer([f.path for f in r.batch.files], tmp_path / "res.jsonl", lambda cid, b: (50, min(100, _length(cid)), 0))
    r2 = estimator.pilot(data, tmp_path / "r2", model=MODEL, column="text", results=[res], options=opts)
    assert r2.capped_rows > 0 and any("max_tokens" in n for n in r2.notes)


# ---------------------------------------------------------------- CLI


def test_cli_pilot_round_trip(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=300)
    first = CliRunner().invoke(main, ["pilot", str(data), "--model", MODEL, "--column", "text", "--tolerance", "10%",
                                      "--strata-column", "task", "--out", str(tmp_path / "r1")])
    assert first.exit_code == 0, first.output
    assert "prior" in first.output and "r1-001.jsonl" in first.output
    res = answer([tmp_path / "r1-001.jsonl"], tmp_path / "res1.jsonl", lambda cid, b: (50, _length(cid), 0))
    second = CliRunner().invoke(main, ["pilot", str(data), "--model", MODEL, "--column", "text", "--tolerance", "10%",
                                       "--strata-column", "task", "--results", str(res), "--out", str(tmp_path / "r2"),
                                       "--json"])
    assert second.exit_code == 0, second.output
    doc = json.loads(second.output)
    assert doc["basis"] == "pilot" and doc["rows_run"] > 0 and doc["estimate"]["interval"] == "95%"
    again = CliRunner().invoke(main, ["pilot", str(data), "--model", MODEL, "--column", "text",
                                      "--out", str(tmp_path / "r2")])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_bad_tolerance_names_the_flag(tmp_path: Path) -> None:
    data = _data(tmp_path / "data.csv", rows=50)
    bad = CliRunner().invoke(main, ["pilot", str(data), "--model", MODEL, "--column", "text", "--tolerance", "250%",
                                    "--out", str(tmp_path / "r1")])
    assert bad.exit_code == 2 and "--tolerance" in bad.output


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=300), st.integers(0, 2**31), st.data())
def test_pick_never_takes_a_row_twice_nor_more_than_asked(tokens: list[int], seed: int, data: st.DataObject) -> None:
    x = np.asarray(tokens, dtype=np.int64)
    s = stratify(x)
    taken = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(x), max_size=len(x))), dtype=bool)
    targets = np.asarray(data.draw(st.lists(st.integers(0, 400), min_size=s.count, max_size=s.count)), np.int64)
    chosen = pick(s, random_rank(len(x), seed), taken, targets)
    assert not taken[chosen].any() and len(set(chosen.tolist())) == len(chosen)
    have = np.bincount(s.index[taken], minlength=s.count)
    got = np.bincount(s.index[chosen], minlength=s.count)
    free = np.bincount(s.index[~taken], minlength=s.count)
    assert (got == np.minimum(np.maximum(targets - have, 0), free)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10_000), st.floats(0, 5000)), min_size=1, max_size=12),
       st.floats(1, 1e7), st.integers(0, 500))
def test_neyman_sizes_stay_within_floor_and_population(strata: list[tuple[int, float]], half: float,
                                                       at_least: int) -> None:
    pop = np.asarray([p for p, _ in strata], dtype=np.int64)
    spread = np.asarray([s for _, s in strata])
    sizes = neyman_sizes(pop, spread, np.zeros(len(pop)), np.zeros(len(pop), np.int64), half, 1.96, at_least)
    assert (sizes <= pop).all() and (sizes >= np.minimum(pop, MIN_PER_STRATUM)).all()
    assert int(sizes.sum()) >= min(at_least, int(pop.sum()))
