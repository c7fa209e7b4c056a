"""The Streamlit app driven through AppTest: every tab, widgets found by key,
the numbers on screen equal to what the command line prints for the same input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from apptest_helpers import APP_MODEL, charts, deltas, errors, metrics, run_cli, tab, upload, usd
from streamlit.testing.v1 import AppTest
from ticket_texts import TEXTS

from estimator import load_pricebook
from estimator.convert import today
from estimator.money import shown_difference
from estimator.planning.exercise import run_exercise
from estimator.report.estimate import model_rows
from estimator.ui.common import way_label

ROOT = Path(__file__).resolve().parents[1]


def dataset(rows: int = 40) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "answer_tokens"])
    for i in range(rows):
        w.writerow([i + 1, f"{TEXTS[i % len(TEXTS)]} (ticket {i + 1})", 20 + (i * 7) % 90])
    return buf.getvalue().encode("utf-8")


def cli_estimate(path: Path, *args: str, model: str = APP_MODEL) -> dict[str, Any]:
    return run_cli("estimate", str(path), "--model", model, *args)


def upload_and_save(
    at: AppTest, tmp_path: Path, data: bytes, name: str = "tickets.csv", mime: str = "text/csv"
) -> Path:
    """Upload ``data`` to the app and save the same bytes where the command line can read them."""
    path = tmp_path / name
    path.write_bytes(data)
    upload(at, name, data, mime)
    return path


def assert_matches_cli(block: Any, expected: dict[str, Any]) -> None:
    shown = metrics(block)
    if expected.get("sample") or expected.get("relative_uncertainty"):  # estimates say so
        assert shown["Input tokens"].startswith("≈ ") and shown["Standard"].startswith("≈ ")
        shown = {k: v.removeprefix("≈ ") for k, v in shown.items()}
    else:
        assert not any(v.startswith("≈") for v in shown.values())
    assert shown["Rows"] == f"{expected['rows']:,}"
    assert shown["Input tokens"] == f"{expected['input_tokens']:,}"
    assert shown["Expected output tokens"] == f"{expected['output_tokens']:,}"
    modes = expected["modes"]
    assert shown["Standard"] == usd(modes["standard"]["total_cost"])
    assert shown["Streaming + early exit"] == usd(modes["streaming_early_exit"]["total_cost"])
    assert shown["Batch API"] == usd(modes["batch"]["total_cost"])
    table = block.dataframe[0].value
    assert table["Total"].tolist() == [usd(m["total_cost"]) for m in modes.values()]
    assert table["Input cost"].tolist() == [usd(m["input_cost"]) for m in modes.values()]
    assert table["Billed output tokens"].tolist() == [f"{m['output_tokens']:,}" for m in modes.values()]


# --------------------------------------------------------------------------
# Start
# --------------------------------------------------------------------------


def test_every_tab_renders_without_a_file(app: AppTest) -> None:
    assert [t.label for t in app.tabs] == [
        "Estimate",
        "Compare models",
        "Time value",
        "Batch plan",
        "Forecast",
        "Batch budgeter",
        "Pricing",
        "Reconcile",
        "Pilot",
    ]
    assert not errors(app)
    assert any("Upload a file" in i.value for i in tab(app, "Estimate").info)
    # Sidebar defaults: a current model priced today, no caching, no early exit.
    assert app.selectbox(key="provider").value == "openai"
    assert app.selectbox(key="model").value == APP_MODEL
    assert app.date_input(key="pricing_date").value == dt.date.today()
    assert app.number_input(key="cache_hit_rate").value == 0
    assert app.number_input(key="cancel_share").value == 0


def test_every_widget_has_a_key() -> None:
    import ast

    widgets = {
        "selectbox",
        "number_input",
        "text_input",
        "text_area",
        "radio",
        "checkbox",
        "toggle",
        "date_input",
        "file_uploader",
        "download_button",
        "button",
        "slider",
        "multiselect",
    }
    missing = []
    for path in sorted((ROOT / "estimator" / "ui").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in widgets
                and not any(k.arg == "key" for k in node.keywords)
            ):
                missing.append(f"{path.name}:{node.lineno} {node.func.attr}")
    assert missing == []


# --------------------------------------------------------------------------
# Estimate
# --------------------------------------------------------------------------


def test_estimate_matches_the_cli(app: AppTest, tmp_path: Path) -> None:
    tickets = upload_and_save(app, tmp_path, dataset())
    assert app.selectbox(key="text_column").value == "text"
    app.number_input(key="output_tokens").set_value(50).run()
    expected = cli_estimate(tickets, "--column", "text", "--output-tokens", "50")
    est = tab(app, "Estimate")
    assert_matches_cli(est, expected)
    assert (
        deltas(est)["Batch API"]
        == f"saves {usd(expected['modes']['batch']['savings_vs_standard'])} (50.0%)"
    )
    assert deltas(est)["Streaming + early exit"] == "same as standard"
    # The bar chart shows the same totals; the distribution table the CLI's percentiles.
    bars = charts(est)["Input and output cost per mode"]
    assert bars["data"][1]["text"] == [usd(m["total_cost"]) for m in expected["modes"].values()]
    dist = est.dataframe[1].value.set_index("Per row")
    for stat in ("min", "p50", "p95", "max"):
        assert dist.loc[stat, "Input"] == f"{expected['input_per_row'][stat]:,}"
    assert not any("Approximate" in w.value for w in est.warning)
    assert not errors(app)


def test_template_system_prompt_and_output_column_match_the_cli(app: AppTest, tmp_path: Path) -> None:
    tickets = upload_and_save(app, tmp_path, dataset())
    app.radio(key="shape_kind").set_value("template").run()
    app.text_area(key="template").input("Ticket {id}: {text}\nAnswer briefly.").run()
    app.text_area(key="system_prompt").input("You are a helpful support agent.").run()
    app.selectbox(key="output_kind").set_value("column").run()
    app.selectbox(key="output_column").set_value("answer_tokens").run()
    app.number_input(key="max_tokens").set_value(60).run()
    expected = cli_estimate(
        tickets,
        "--template",
        "Ticket {id}: {text}\nAnswer briefly.",
        "--system",
        "You are a helpful support agent.",
        "--output-column",
        "answer_tokens",
        "--max-tokens",
        "60",
    )
    est = tab(app, "Estimate")
    assert_matches_cli(est, expected)
    assert metrics(est)["Worst-case output tokens"] == f"{expected['output_tokens_worst_case']:,}"
    worst = expected["modes_worst_case"]
    assert est.dataframe[0].value["Worst case total"].tolist() == [
        usd(m["total_cost"]) for m in worst.values()
    ]


def test_example_answers_and_ratio_match_the_cli(app: AppTest, tmp_path: Path) -> None:
    tickets = upload_and_save(app, tmp_path, dataset())
    app.selectbox(key="output_kind").set_value("examples_column").run()
    app.selectbox(key="output_examples_column").set_value("text").run()
    expected = cli_estimate(tickets, "--column", "text", "--output-examples", "text")
    assert_matches_cli(tab(app, "Estimate"), expected)
    app.selectbox(key="output_kind").set_value("ratio").run()
    app.number_input(key="output_ratio").set_value(0.3).run()
    expected = cli_estimate(tickets, "--column", "text", "--output-ratio", "0.3")
    assert_matches_cli(tab(app, "Estimate"), expected)


def as_format(fmt: str) -> bytes:
    """The same rows as ``dataset()`` in another file format."""
    rows = list(csv.DictReader(io.StringIO(dataset().decode("utf-8"), newline="")))
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    if fmt == "tsv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue().encode("utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "parquet"])
def test_other_file_formats_match_the_cli(app: AppTest, tmp_path: Path, fmt: str) -> None:
    tickets = upload_and_save(app, tmp_path, as_format(fmt), f"tickets.{fmt}", "application/octet-stream")
    app.number_input(key="output_tokens").set_value(50).run()
    expected = cli_estimate(tickets, "--column", "text", "--output-tokens", "50")
    assert expected["format"] == fmt
    assert_matches_cli(tab(app, "Estimate"), expected)


def test_price_settings_reprice_without_recounting(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import estimator.ui.data as data_module

    calls = []
    real = data_module.count_dataset

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["output"])
        return real(*args, **kwargs)

    monkeypatch.setattr(data_module, "count_dataset", counting)
    tickets = upload_and_save(app, tmp_path, dataset())
    app.number_input(key="output_tokens").set_value(50).run()
    assert len(calls) == 1  # a fixed output length re-prices the one count (made with no output)

    # All six in one run: a rerun recounts when any counting input changed, so one run with all of
    # them changed recounts if any one would.
    app.date_input(key="pricing_date").set_value(dt.date(2026, 6, 1))
    app.number_input(key="cache_prefix_tokens").set_value(10)
    app.number_input(key="cache_hit_rate").set_value(0.5)
    app.number_input(key="cancel_share").set_value(0.25)
    app.number_input(key="seen_fraction").set_value(0.4)
    app.number_input(key="tail_tokens").set_value(5).run()
    assert len(calls) == 1, "changing prices or mode parameters must not read the file again"
    expected = cli_estimate(
        tickets,
        "--column",
        "text",
        "--output-tokens",
        "50",
        "--as-of",
        "2026-06-01",
        "--cache-prefix-tokens",
        "10",
        "--cache-hit-rate",
        "0.5",
        "--cancel-share",
        "0.25",
        "--seen-fraction",
        "0.4",
        "--tail-tokens",
        "5",
    )
    assert expected["pricing_date"] == "2026-03-17"  # the model's launch price
    assert_matches_cli(tab(app, "Estimate"), expected)

    app.number_input(key="output_tokens").set_value(60).run()
    assert len(calls) == 1  # a fixed output length never recounts
    assert_matches_cli(tab(app, "Estimate"), cli_estimate(tickets, "--column", "text", "--output-tokens", "60",
                                                          "--as-of", "2026-06-01", "--cache-prefix-tokens", "10",
                                                          "--cache-hit-rate", "0.5", "--cancel-share", "0.25",
                                                          "--seen-fraction", "0.4", "--tail-tokens", "5"))
    app.text_area(key="system_prompt").set_value("Be brief.").run()
    assert len(calls) == 2  # a counting option recounts


def test_approximate_counts_are_labelled_with_intervals(app: AppTest, tmp_path: Path) -> None:
    app.selectbox(key="provider").set_value("google").run()
    app.selectbox(key="model").set_value("gemini-2.5-flash-lite").run()
    tickets = upload_and_save(app, tmp_path, dataset())
    app.number_input(key="output_tokens").set_value(50).run()
    expected = cli_estimate(
        tickets,
        "--column",
        "text",
        "--output-tokens",
        "50",
        model="gemini-2.5-flash-lite",
    )
    assert expected["token_counts"] == "approximate"
    est = tab(app, "Estimate")
    assert_matches_cli(est, expected)
    (warning,) = [w.value for w in est.warning if "Approximate token counts" in w.value]
    u = Decimal(str(expected["relative_uncertainty"]))
    low = int(expected["input_tokens"] * (1 - u))
    assert f"±{u * 100:.1f}%" in warning
    assert f"{low:,} –" in warning
    assert "Standard cost $" in warning and "batch $" in warning


def test_claude_counts_are_labelled_reconstructed(app: AppTest, tmp_path: Path) -> None:
    app.selectbox(key="provider").set_value("anthropic").run()
    app.selectbox(key="model").set_value("claude-haiku-4-5-20251001").run()
    tickets = upload_and_save(app, tmp_path, dataset())
    app.number_input(key="output_tokens").set_value(50).run()
    expected = cli_estimate(tickets, "--column", "text", "--output-tokens", "50", model="claude-haiku-4-5-20251001")
    assert expected["token_counts"] == "reconstructed (ctok 1.3.0, generation 3.0)"
    est = tab(app, "Estimate")
    assert_matches_cli(est, expected)
    assert [i.value for i in est.info if "Reconstructed token counts" in i.value]
    assert not [w.value for w in est.warning if "Approximate token counts" in w.value]


def test_sampled_estimates_say_so_with_their_interval(app: AppTest, tmp_path: Path) -> None:
    tickets = upload_and_save(app, tmp_path, dataset(400))
    app.number_input(key="output_tokens").set_value(50).run()
    app.checkbox(key="use_sample").check().run()
    app.number_input(key="sample_rows").set_value(50).run()
    expected = cli_estimate(tickets, "--column", "text", "--output-tokens", "50", "--sample", "50")
    est = tab(app, "Estimate")
    assert_matches_cli(est, expected)
    (info,) = [i.value for i in est.info if "Estimated from a sample" in i.value]
    low, high = expected["sample"]["input_tokens_ci95"]
    assert f"{low:,} – {high:,}" in info
    assert "of 400 rows" in info


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "photo.png: this looks like a binary file",
        ),
        ("empty.csv", b"", "empty.csv: empty file (0 bytes)"),
        ("latin1.csv", "id,text\n1,café crème\n".encode("latin-1"), "latin1.csv: not UTF-8 text"),
        ("broken.csv", b'id,text\n1,"never closed\n2,fine\n', "a quoted value opens here and never closes"),
        ("header.csv", b"id,text\n", "no rows"),
    ],
    ids=["wrong-type", "empty", "undecodable", "unclosed-quote", "header-only"],
)
def test_bad_files_get_a_clear_message(app: AppTest, name: str, data: bytes, message: str) -> None:
    upload(app, name, data)
    shown = errors(app)
    assert shown, f"no error shown for {name}"
    assert any(message in e for e in shown), shown
    assert not app.exception
    assert not any("estimator-upload-" in e for e in shown), "the message names a temporary path"


def test_undecodable_file_message_points_to_the_encoding_setting(app: AppTest) -> None:
    upload(app, "latin1.csv", "id,text\n1,café crème\n".encode("latin-1"))
    (message,) = errors(app)
    assert "Text encoding (Reading options)" in message and "--" not in message
    app.text_input(key="file_encoding").input("latin-1").run()
    assert not errors(app)
    assert metrics(tab(app, "Estimate"))["Rows"] == "1"


def test_a_template_naming_a_missing_column(app: AppTest) -> None:
    upload(app, "tickets.csv", dataset())
    app.radio(key="shape_kind").set_value("template").run()
    app.text_area(key="template").input("Answer: {body}").run()
    (message,) = errors(app)
    assert "no column 'body'" in message
    assert "'id', 'text', 'answer_tokens'" in message


def test_oversized_upload_is_refused_with_the_limit(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.ui.estimate as estimate_page

    monkeypatch.setattr(estimate_page, "upload_limit_bytes", lambda: 100)
    upload(app, "tickets.csv", dataset())
    (message,) = errors(app)
    assert message.startswith(
        f"tickets.csv is {len(dataset()):,} bytes, more than this app accepts (100 bytes)."
    )
    assert not tab(app, "Estimate").metric


def test_a_pricing_date_before_the_model_existed(app: AppTest) -> None:
    upload(app, "tickets.csv", dataset())
    app.date_input(key="pricing_date").set_value(dt.date(2021, 1, 1)).run()
    shown = errors(app)
    first = load_pricebook().model(APP_MODEL).launch
    assert any(f"first price starts {first}" in e and "Set Pricing date in the sidebar to" in e for e in shown)
    assert not any("--" in e for e in shown)
    assert f"{APP_MODEL} has no price on 2021-01-01: pick a later pricing date in the sidebar." in shown
    assert not app.exception
    assert metrics(tab(app, "Batch budgeter"))  # tabs that need no model price still work


def test_embedding_models_refuse_a_system_prompt_in_app_terms(app: AppTest) -> None:
    app.selectbox(key="model").set_value("text-embedding-3-small").run()
    upload(app, "tickets.csv", dataset())
    assert metrics(tab(app, "Estimate"))["Expected output tokens"] == "not estimated"
    app.text_area(key="system_prompt").input("Be brief.").run()
    (message,) = errors(app)
    assert "leave out the system prompt" in message and "--" not in message


def test_the_configured_upload_limit_is_read() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 1024
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False


def test_an_unexpected_failure_is_a_message_not_a_trace(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import estimator.ui.data as data_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(data_module, "count_dataset", broken)
    upload(app, "tickets.csv", dataset())
    (message,) = errors(app)
    assert message.startswith(
        "Something unexpected went wrong while reading and counting the file (RuntimeError"
    )
    assert not app.exception
    # The other tabs still work.
    assert metrics(tab(app, "Batch budgeter"))


# --------------------------------------------------------------------------
# Time value
# --------------------------------------------------------------------------


def cli_plan(rows: int, *args: str) -> dict[str, Any]:
    """The command line's plan for the Time value tab's job: the app's model, 500 prompt and 200 answer
    tokens a row, OpenAI tier 3 limits."""
    return run_cli(
        "plan",
        "--model",
        APP_MODEL,
        "--rows",
        str(rows),
        "--input-tokens-per-row",
        "500",
        "--output-tokens-per-row",
        "200",
        "--limits",
        "openai-tier-3",
        *args,
    )


def test_time_value_recommendation_matches_the_cli_plan(app: AppTest) -> None:
    tv = tab(app, "Time value")
    app.number_input(key="tv_rows").set_value(2_000_000).run()
    app.segmented_control(key="tv_when").set_value("value").run()
    app.number_input(key="tv_value_per_hour").set_value(20.0).run()
    expected = cli_plan(2_000_000, "--value-per-hour", "20")
    d = expected["decision"]
    tv = tab(app, "Time value")
    (box,) = [s.value for s in tv.success]
    assert box == f"**{way_label(d['recommended'])}.** {d['reason']} {d['versus']}"
    bt = d["batch"]
    shown = metrics(tv)
    saves = shown_difference(Decimal(bt["standard_cost"]), Decimal(bt["batch_cost"]))
    assert shown["Batch saves"] == usd(saves)
    assert shown["Cost of the wait"] == usd(bt["wait_cost"])
    assert shown["Waiting pays below"] == f"{usd(bt['pays_below_value_per_hour'])}/h"
    figures = charts(tv)
    size = figures["Standard against batch by dataset size"]
    markers = [t for t in size["data"] if t.get("meta") == "break-even"]
    lines = {t["name"].split(" + ")[0]: t for t in size["data"] if t.get("mode") == "lines"}
    gap = [b - s for s, b in zip(lines["Standard"]["y"], lines["Batch API"]["y"])]  # batch minus standard
    if bt["break_even_rows"] is None:  # the wait grows with the job (more waves): batch never wins here
        assert markers == [] and shown["Batch pays from"].startswith("none up to")
        assert all(g >= 0 for g in gap)
    else:
        rows = bt["break_even_rows"]
        assert [m["x"] for m in markers] == [[float(rows)]]
        assert shown["Batch pays from"] == f"{rows / 1e6:.2f}M rows"
        # The lines cross where the break-even is drawn: standard is cheaper below it, batch from it.
        xs = lines["Standard"]["x"]
        assert all(g >= 0 for x, g in zip(xs, gap) if x < rows) and all(g <= 0 for x, g in zip(xs, gap) if x >= rows)
    savings = figures["Batch savings versus the cost of waiting"]
    lines = {t["name"]: t["y"][0] for t in savings["data"] if t.get("meta") == "savings"}
    assert lines["saves $7.50 (1,000 rows)"] == 7.5
    assert lines["saves $7,500.00 (1,000,000 rows)"] == 7500.0
    assert lines["your job"] == float(saves)


def test_a_deadline_batch_cannot_meet_sends_the_requests_now(app: AppTest) -> None:
    app.segmented_control(key="tv_when").set_value("hours").run()
    app.number_input(key="tv_deadline_hours").set_value(2.0).run()
    expected = cli_plan(100_000, "--deadline-hours", "2")
    (box,) = [s.value for s in tab(app, "Time value").success]
    assert box.endswith(f"{expected['decision']['reason']} {expected['decision']['versus']}")
    assert "the 2 h deadline" in box and "batch" not in expected["decision"]["recommended"]


# --------------------------------------------------------------------------
# Batch plan
# --------------------------------------------------------------------------


def test_batch_plan_of_a_dataset_matches_the_written_files(app: AppTest, tmp_path: Path) -> None:
    tickets = upload_and_save(app, tmp_path, dataset(120))
    app.number_input(key="max_tokens").set_value(100).run()
    bp = tab(app, "Batch plan")
    assert any("max_tokens 100" in c.value for c in bp.caption)  # taken from the Estimate tab
    manifest = run_cli(
        "write-batch",
        str(tickets),
        "--model",
        APP_MODEL,
        "--column",
        "text",
        "--max-tokens",
        "100",
        "--enqueued-tokens",
        "50000000",
        "--out",
        str(tmp_path / "out"),
    )
    shown = metrics(bp)
    assert shown["Batch files"] == f"{len(manifest['files'])}"
    assert shown["Waves"] == "1"
    assert shown["Worst case"] == "24 h"
    files = bp.dataframe[0].value
    assert files["Requests"].tolist() == [f"{f['requests']:,}" for f in manifest["files"]]
    assert files["Bytes"].tolist() == [f"{f['bytes']:,}" for f in manifest["files"]]
    assert files["Prompt tokens"].tolist() == [f"{f['input_tokens']:,}" for f in manifest["files"]]
    assert [b.label for b in bp.get("download_button")] == ["Download 1 batch file (JSONL)"]


def test_big_files_are_not_read_again_unless_asked(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.ui.batchplan as batchplan

    monkeypatch.setattr(batchplan, "MEASURE_BY_DEFAULT_BYTES", 100)
    upload(app, "tickets.csv", dataset(120))
    bp = tab(app, "Batch plan")
    assert app.toggle(key="bp_measure").value is False
    assert not bp.get("download_button")
    assert any("Measure the request lines to download" in c.value for c in bp.caption)
    assert any("estimated from one request line" in c.value for c in bp.caption)
    app.toggle(key="bp_measure").set_value(True).run()
    bp = tab(app, "Batch plan")
    assert any("measured from the serialized requests" in c.value for c in bp.caption)
    assert [b.label for b in bp.get("download_button")] == ["Download 1 batch file (JSONL)"]


def batch_files(rows: int, **settings: Any) -> bytes:
    """The Batch plan tab's download for ``dataset(rows)``: gpt-4o chat requests over the text column."""
    from estimator.ui.batchplan import BatchJob, batch_files_bytes
    from estimator.ui.data import Upload

    job: dict[str, Any] = {
        "model": "gpt-4o",
        "format": "openai-chat",
        "column": "text",
        "template": None,
        "system": None,
        "max_tokens": None,
        "id_column": None,
        "queue_tokens": None,
        "queue_requests": None,
        "typical_wave_hours": Decimal(6),
    }
    return batch_files_bytes(Upload.of("tickets.csv", dataset(rows)), BatchJob(**{**job, **settings}))


def test_batch_files_download_holds_one_request_per_row(tmp_path: Path) -> None:
    lines = batch_files(30, system="Be brief.", max_tokens=100, id_column="id").decode("utf-8").splitlines()
    assert len(lines) == 30
    first = json.loads(lines[0])
    assert first["custom_id"] == "1"
    assert first["body"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert first["body"]["max_tokens"] == 100


def test_several_batch_files_come_as_a_zip_with_a_manifest(tmp_path: Path) -> None:
    import zipfile

    # A queue of 200 prompt tokens forces several files.
    archive = zipfile.ZipFile(io.BytesIO(batch_files(30, queue_tokens=200)))
    names = archive.namelist()
    assert "manifest.json" in names
    jsonl = sorted(n for n in names if n.endswith(".jsonl"))
    assert len(jsonl) > 1 and jsonl[0] == "batch-requests-001.jsonl"
    assert sum(len(archive.read(n).splitlines()) for n in jsonl) == 30
    manifest = json.loads(archive.read("manifest.json"))
    assert [f["path"] for f in manifest["files"]] == jsonl


def test_batch_plan_without_a_file_uses_typed_in_sizes(app: AppTest) -> None:
    app.number_input(key="bp_rows").set_value(120_000).run()
    shown = metrics(tab(app, "Batch plan"))
    assert shown["Batch files"] == "3"  # 50,000 requests per OpenAI batch file
    assert not tab(app, "Batch plan").get("download_button")


# --------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------


def test_forecast_matches_the_cli_and_marks_budget_and_price_changes(app: AppTest) -> None:
    app.selectbox(key="model").set_value("gpt-4o").run()  # retiring, so listed: its 2024 price change is dated
    app.date_input(key="fc_start").set_value(dt.date(2024, 6, 1)).run()
    app.number_input(key="fc_budget").set_value(800.0).run()
    expected = run_cli(
        "forecast",
        "--model",
        "gpt-4o",
        "--requests-per-day",
        "10000",
        "--input-tokens-per-request",
        "500",
        "--output-tokens-per-request",
        "200",
        "--growth-pct",
        "5",
        "--months",
        "12",
        "--start",
        "2024-06",
        "--budget",
        "800",
        "--hybrid-batch-share",
        "0.5",
        "--hybrid-interactive-share",
        "0.2",
    )
    fc = tab(app, "Forecast")
    shown = metrics(fc)
    for plan in expected["plans"]:
        assert shown[f"{plan['name']}: 12 months"] == usd(plan["total_cost"])
    figure = charts(fc)["Monthly cost forecast"]
    assert [t["name"] for t in figure["data"]] == [p["name"] for p in expected["plans"]]
    shapes = figure["layout"]["shapes"]
    assert any(s.get("y0") == 800 and s.get("y1") == 800 for s in shapes), "budget line"
    changes = [s for s in shapes if s.get("name", "").startswith("price-change")]
    assert [s["x0"] for s in changes] == [c["effective_from"] for c in expected["price_changes"]]
    assert changes, "gpt-4o's October 2024 price change falls inside the forecast"
    table = fc.dataframe[0].value
    standard = [r for r in expected["rows"] if r["plan"] == "all standard"]
    assert table["all standard"].tolist() == [usd(r["cost"]) for r in standard]


# --------------------------------------------------------------------------
# Batch budgeter exercise
# --------------------------------------------------------------------------


def test_exercise_presets_and_arithmetic(app: AppTest) -> None:
    ex = tab(app, "Batch budgeter")
    assert app.number_input(key="ex_rows").value == 1_000_000
    assert app.number_input(key="ex_price_per_mtok").value == 15.0
    values = [m.value for m in ex.metric]
    assert values[:5] == ["1,000,000,000", "$15,000.00", "$7,500.00", "$7,500.00", "$1,200.00"]
    assert values[5:10] == ["1,000,000", "$15.00", "$7.50", "$7.50", "$1,200.00"]
    captions = [c.value for c in ex.caption]
    expected = run_exercise(load_pricebook())
    for scenario in expected.scenarios:
        for step in scenario.steps:
            assert step.arithmetic in captions, step.arithmetic
    assert "1,000,000,000 tokens × $15 / 1M = $15,000.00" in captions
    assert any(expected.break_even.arithmetic in i.value for i in ex.info)
    assert any(s.value.startswith("Worth it") for s in ex.success)
    assert any(w.value.startswith("Not worth it") for w in ex.warning)


def test_downloads_name_no_local_paths() -> None:
    from estimator.pricing.shipped import shipped_pricing_dir
    from estimator.ui.common import relative_paths

    local = str(shipped_pricing_dir())
    doc = relative_paths(json.loads(json.dumps(run_exercise(load_pricebook()).to_json(), default=str)))
    assert local not in json.dumps(doc)
    assert "pricing/openai.toml" in doc["price"]["source"]


def test_exercise_rows_and_tokens_are_editable(app: AppTest) -> None:
    app.number_input(key="ex_rows").set_value(2_000_000).run()
    app.number_input(key="ex_tokens_per_row").set_value(500).run()
    expected = run_cli("exercise", "--rows", "2000000", "--rows", "1000", "--tokens-per-row", "500")
    ex = tab(app, "Batch budgeter")
    captions = [c.value for c in ex.caption]
    first = expected["scenarios"][0]
    positions = [captions.index(step["arithmetic"]) for step in first["steps"]]
    assert positions == sorted(positions)
    assert first["steps"][0]["arithmetic"] == "2,000,000 rows × 500 tokens = 1,000,000,000 tokens"
    assert [m.value for m in ex.metric][:3] == [
        "1,000,000,000",
        usd(first["standard_cost"]),
        usd(first["batch_cost"]),
    ]


# --------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------


def test_pricing_tables_history_and_sources(app: AppTest) -> None:
    pr = tab(app, "Pricing")
    book = load_pricebook()
    table = pr.dataframe[0].value
    listed = model_rows(book, as_of=today())
    assert len(table) == len([r for r in listed if r["standing"] != "retired"])  # retired: behind the toggle
    assert set(table["Status"]) <= {"current", *(f"retiring {r['shutdown_date']}" for r in listed)}
    app.toggle(key="show_retired").set_value(True).run()
    table = tab(app, "Pricing").dataframe[0].value
    assert len(table) == len(listed) and any(v.startswith("retired ") for v in table["Status"])
    row = table[table["Model"] == "gpt-4o"].iloc[0]
    assert row["Input"] == "$2.50" and row["Output"] == "$10"
    app.selectbox(key="pricing_provider").set_value("anthropic").run()
    assert set(tab(app, "Pricing").dataframe[0].value["Provider"]) == {"Anthropic"}
    assert all(o.startswith("Claude") for o in app.selectbox(key="history_model").options)
    app.selectbox(key="pricing_provider").set_value("openai").run()
    app.selectbox(key="history_model").set_value("gpt-4o").run()
    pr = tab(app, "Pricing")
    history = run_cli("prices", "gpt-4o")
    hist = pr.dataframe[1].value
    assert hist["From"].tolist() == [p["effective_from"] for p in history["prices"]]
    assert hist["Source"].tolist() == [p["source"] for p in history["prices"]]
    links = " ".join(m.value for m in pr.markdown)
    for p in history["prices"]:
        assert f"]({p['source']})" in links
    figure = charts(pr)["gpt-4o: price history"]
    assert [t["name"] for t in figure["data"]][:2] == ["Input", "Output"]


# --------------------------------------------------------------------------
# Ready-made batch request files
# --------------------------------------------------------------------------


def test_a_ready_made_batch_file_is_checked_and_priced_like_the_cli(app: AppTest, tmp_path: Path) -> None:
    data = (ROOT / "examples" / "openai-batch.jsonl").read_bytes()
    path = upload_and_save(app, tmp_path, data, name="requests.jsonl", mime="application/jsonl")
    est = tab(app, "Estimate")
    assert any("batch request file (OpenAI Batch API" in i.value and "12 requests" in i.value for i in est.info)
    # The sidebar prices its own model; the file names gpt-4o-mini, and the page says so.
    assert any("gpt-4o-mini" in w.value for w in est.warning)
    expected = cli_estimate(path)
    assert_matches_cli(est, expected)
    app.number_input(key="batch_file_output_tokens").set_value(2).run()
    assert_matches_cli(tab(app, "Estimate"), cli_estimate(path, "--output-tokens", "2"))
    # The planning tabs take the file's requests; nothing is rewritten from it.
    assert any("already a batch request file" in i.value for i in tab(app, "Batch plan").info)
    assert not errors(app)


def test_a_batch_file_with_problems_is_not_priced(app: AppTest) -> None:
    line = (b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", '
            b'"body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}}\n')
    upload(app, "dupes.jsonl", line + line, "application/jsonl")
    assert any("custom_id" in e and "dupes.jsonl" in e for e in errors(app))
