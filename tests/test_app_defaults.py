"""The app as a new user meets it: the right text column by default, nothing typed lost between
clicks, errors that name widgets and wipe nothing, impossible caching refused beside the figures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from apptest_helpers import APP_MODEL, ROOT, metrics, run_cli, start_app, tab, upload, uploader, usd
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app() -> AppTest:
    return start_app()


def changelog(rows: int = 30) -> bytes:
    """A file whose text column is neither first nor named ``text``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "version", "author", "body", "lines_changed"])
    for i in range(rows):
        w.writerow([f"c{i:05d}", f"1.{i}.0", "dev", (f"Fixed the crash {i} that happened when the cache "
                    "directory was missing; also documented the retry settings."), str(10 + i)])
    return buf.getvalue().encode()


def test_reviews_example_counts_the_review_column(app: AppTest) -> None:
    upload(app, "reviews.csv", (ROOT / "examples" / "reviews.csv").read_bytes())
    assert app.selectbox(key="text_column").value == "review"
    assert any("review" in c.value and "longest text column" in c.value for c in app.caption)
    app.number_input(key="output_tokens").set_value(50).run()
    expected = run_cli("estimate", str(ROOT / "examples" / "reviews.csv"), "--model", APP_MODEL,
                       "--column", "review", "--output-tokens", "50")
    assert metrics(tab(app, "Estimate"))["Input tokens"] == f"{expected['input_tokens']:,}"


def test_body_column_is_chosen_and_the_template_and_outputs_follow(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    assert app.selectbox(key="text_column").value == "body"
    app.radio(key="shape_kind").set_value("template").run()
    assert "{body}" in app.text_area(key="template").value
    app.selectbox(key="output_kind").set_value("column").run()
    assert app.selectbox(key="output_column").value == "lines_changed"
    assert not app.error, [e.value for e in app.error]
    app.selectbox(key="output_kind").set_value("examples_column").run()
    assert app.selectbox(key="output_examples_column").value != "id"


def test_an_id_column_chosen_by_hand_is_warned_about(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.selectbox(key="text_column").set_value("id").run()
    assert any("looks like ids" in w.value for w in app.warning)


def test_inputs_survive_switching_options_away_and_back(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.number_input(key="output_tokens").set_value(50).run()
    app.text_area(key="system_prompt").input("You are terse.").run()
    app.selectbox(key="output_kind").set_value("ratio").run()
    app.number_input(key="output_ratio").set_value(0.25).run()
    app.selectbox(key="output_kind").set_value("fixed").run()
    assert app.number_input(key="output_tokens").value == 50
    app.selectbox(key="output_kind").set_value("ratio").run()
    assert app.number_input(key="output_ratio").value == 0.25
    app.selectbox(key="output_kind").set_value("fixed").run()
    # A pricing date before the model's first price, then fixed: nothing typed is lost.
    app.date_input(key="pricing_date").set_value(dt.date(2020, 1, 2)).run()
    assert app.error
    app.date_input(key="pricing_date").set_value(dt.date.today()).run()
    assert not app.error
    assert app.number_input(key="output_tokens").value == 50
    assert app.text_area(key="system_prompt").value == "You are terse."


def test_same_file_again_keeps_the_chosen_column(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.selectbox(key="text_column").set_value("author").run()
    app.number_input(key="output_tokens").set_value(75).run()
    uploader(app).set_value(None).run()
    upload(app, "changes.csv", changelog())
    assert app.selectbox(key="text_column").value == "author"
    assert app.number_input(key="output_tokens").value == 75


def malformed() -> bytes:
    good = changelog(5).decode()
    return (good + 'c99999,9.9.9,dev,"broken row",1,extra,fields\n' + changelog(3).decode().split("\n", 1)[1]).encode()


def test_a_malformed_row_names_widgets_and_skipping_lists_it(app: AppTest) -> None:
    upload(app, "bad.csv", malformed())
    shown = " ".join(e.value for e in app.error)
    assert shown and "--" not in shown, shown
    assert "Skip malformed rows" in shown or "Delimiter" in shown
    app.number_input(key="output_tokens").set_value(40).run() if app.get("number_input") else None
    app.checkbox(key="skip_bad_rows").check().run()
    assert not app.error, [e.value for e in app.error]
    assert any("malformed rows were skipped" in w.value and "6" in w.value for w in app.warning)
    assert metrics(tab(app, "Estimate"))["Rows"] == "8"


def test_a_delimiter_can_be_chosen(app: AppTest) -> None:
    data = changelog(4).decode().replace(",", ";").encode()
    upload(app, "semi.csv", data)
    app.selectbox(key="file_delimiter").set_value("semicolon").run()
    assert app.selectbox(key="text_column").value == "body"


def test_impossible_caching_is_cut_and_said_beside_the_figures(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.number_input(key="cache_prefix_tokens").set_value(5000).run()
    app.number_input(key="cache_hit_rate").set_value(0.9).run()
    warnings = [w.value for w in tab(app, "Estimate").warning]
    assert any("longer than what the requests share" in w for w in warnings), warnings
    assert not any("--" in w for w in warnings)


def test_no_cli_flags_in_the_page(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    texts = [m.value for m in app.markdown] + [c.value for c in app.caption] + [w.value for w in app.warning]
    assert not [t for t in texts if " --" in t or "(--" in t]


def test_money_has_one_format(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    for value in metrics(tab(app, "Estimate")).values():
        if value.startswith(("$", "-$")) and "." in value:
            cents = value.split(".")[1]
            assert len(cents) == 2 or value.replace("-", "").startswith("$0.00"), value
    assert usd("0.6") == "$0.60"


def test_budgeter_refuses_a_zero_price_and_resets_to_the_exercise(app: AppTest) -> None:
    budget = tab(app, "Batch budgeter")
    app.number_input(key="ex_price_per_mtok").set_value(0.0).run()
    assert any("more than $0" in e.value for e in tab(app, "Batch budgeter").error)
    app.number_input(key="ex_rows").set_value(5).run()
    app.button(key="reset_exercise").click().run()
    assert app.number_input(key="ex_rows").value == 1_000_000
    assert app.number_input(key="ex_price_per_mtok").value == 15.0
    assert not tab(app, "Batch budgeter").error
    assert budget is not None


def test_a_deadline_hides_what_only_an_hourly_value_decides(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.segmented_control(key="tv_when").set_value("tomorrow").run()
    tv = tab(app, "Time value")
    assert metrics(tv)["Cost of the wait"] == "–"  # only the deadline counts: waiting has no price
    assert not [c for c in tv.get("plotly_chart") if "cost of waiting" in c.proto.spec]
    app.segmented_control(key="tv_when").set_value("value").run()
    assert [c for c in tab(app, "Time value").get("plotly_chart") if "cost of waiting" in c.proto.spec]


def test_the_template_follows_the_column_until_edited(app: AppTest) -> None:
    upload(app, "changes.csv", changelog())
    app.selectbox(key="text_column").set_value("author").run()
    app.radio(key="shape_kind").set_value("template").run()
    assert "{author}" in app.text_area(key="template").value
    app.radio(key="shape_kind").set_value("column").run()
    app.selectbox(key="text_column").set_value("body").run()
    app.radio(key="shape_kind").set_value("template").run()
    assert "{body}" in app.text_area(key="template").value
    app.text_area(key="template").input("Summarise {body} by {author}").run()
    app.radio(key="shape_kind").set_value("column").run()
    app.selectbox(key="text_column").set_value("version").run()
    app.radio(key="shape_kind").set_value("template").run()
    assert app.text_area(key="template").value == "Summarise {body} by {author}"
