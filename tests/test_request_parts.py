"""A request's whole count: images, tool definitions, response schemas, tool-use prompts and server-tool fees,
hand-counted from each provider's published rules."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import estimator
from estimator.batch.files import read_batch_file
from estimator.cli import main as cli
from estimator.tokens import get_tokenizer
from estimator.tokens.media import image_size, image_tokens
from estimator.tokens.tools import json_text, openai_functions
from estimator.usage import Usage

O200K = get_tokenizer("o200k_base")
DAY = "2026-12-01"


def png(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


def data_url(w: int, h: int) -> str:
    return "data:image/png;base64," + base64.b64encode(png(w, h)).decode()


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def chat(cid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}


def responses(cid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": "/v1/responses", "body": body}


HELLO = [{"role": "user", "content": "Hello there"}]


# --------------------------------------------------------------------------
# Images by the published rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "model", "size", "detail", "tokens"), [
    # OpenAI tiles: 1024x1024 -> 768x768 -> 4 tiles; 85 + 4 x 170 = 765; low = 85 base tokens.
    ("openai", "gpt-4o", (1024, 1024), "high", 765),
    ("openai", "gpt-4o", (1024, 1024), "auto", 765),
    ("openai", "gpt-4o", (1024, 1024), "low", 85),
    ("openai", "gpt-4o-mini", (1024, 1024), "high", 2833 + 4 * 5667),
    # 1920x1080 -> 1365x768 -> 3 x 2 tiles
    ("openai", "gpt-4o", (1920, 1080), "high", 85 + 6 * 170),
    ("openai", "gpt-5.1", (512, 512), "high", 70 + 140),
    # OpenAI patches, the page's examples for gpt-5.4 at detail high: 1229 and 3000.
    ("openai", "gpt-5.4", (1024, 1024), "high", 1229),
    ("openai", "gpt-5.4", (2048, 2048), "high", 3000),
    ("openai", "gpt-4.1-mini", (1024, 1024), "high", 1659),  # ceil(1024 x 1.62)
    # Anthropic: width x height / 750 (the page's table: 54, 1334, 1590).
    ("anthropic", "claude-sonnet-4-5-20250929", (200, 200), "auto", 54),
    ("anthropic", "claude-sonnet-4-5-20250929", (1000, 1000), "auto", 1334),
    ("anthropic", "claude-sonnet-4-5-20250929", (1092, 1092), "auto", 1590),
    # 2000x2000 is resized to about 1.2 MP: 1095x1095 -> 1599
    ("anthropic", "claude-sonnet-4-5-20250929", (2000, 2000), "auto", 1599),
    # High-resolution tier: 28 px patches; 1920x1080 = 69 x 39 = 2691 (the course's figure).
    ("anthropic", "claude-opus-5", (1920, 1080), "auto", 2691),
    # Gemini 2.x: 258 within 384 px, else 258 per 768 px tile; Gemini 3: by media resolution.
    ("google", "gemini-2.5-flash", (300, 300), "auto", 258),
    ("google", "gemini-2.5-flash", (1000, 1000), "auto", 4 * 258),
    ("google", "gemini-3-flash-preview", (1000, 1000), "auto", 1120),
    ("google", "gemini-3-flash-preview", (1000, 1000), "low", 280),
])
def test_image_tokens_follow_each_providers_rule(provider: str, model: str, size: tuple[int, int], detail: str,
                                                 tokens: int) -> None:
    count = image_tokens(provider, model, *size, detail=detail)
    assert count is not None and count.tokens == tokens
    assert "http" in count.rule  # every rule names its source


def test_models_without_images_or_rules_are_not_guessed() -> None:
    assert image_tokens("openai", "gpt-3.5-turbo-0125", 100, 100) is None
    assert image_tokens("openai", "text-embedding-3-small", 100, 100) is None


def test_image_headers_are_read_without_decoding() -> None:
    assert image_size(png(1024, 768)) == (1024, 768)
    pil = pytest.importorskip("PIL.Image")
    for fmt in ("JPEG", "GIF", "WEBP"):
        buf = io.BytesIO()
        pil.new("RGB", (321, 123)).save(buf, fmt)
        assert image_size(buf.getvalue()) == (321, 123), fmt


def test_a_batch_image_part_is_counted_and_a_url_is_listed(tmp_path: Path) -> None:
    content = [{"type": "text", "text": "Hello there"},
               {"type": "image_url", "image_url": {"url": data_url(1024, 1024), "detail": "high"}},
               {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
    plain = read_batch_file(write(tmp_path / "p.jsonl", [chat("1", {"model": "gpt-4o", "messages": HELLO})]),
                            as_of=DAY)
    r = read_batch_file(write(tmp_path / "i.jsonl", [chat("1", {"model": "gpt-4o", "messages": [
        {"role": "user", "content": content}]})]), as_of=DAY)
    assert r.per_request_input == [plain.per_request_input[0] + 765]
    assert r.parts.media_tokens == {"image": 765}
    assert r.parts.uncounted == {"image (remote URL)": 1}
    assert any("1 image (remote URL) part(s) NOT counted" in w for w in r.warnings)


def test_anthropic_image_block_counts_1590_for_1092_square(tmp_path: Path) -> None:
    def claude(content: Any) -> dict[str, Any]:
        return {"custom_id": "a", "params": {"model": "claude-sonnet-4-5-20250929", "max_tokens": 10,
                                             "messages": [{"role": "user", "content": content}]}}
    data = base64.b64encode(png(1092, 1092)).decode()
    plain = read_batch_file(write(tmp_path / "p.jsonl", [claude([{"type": "text", "text": "Look"}])]), as_of=DAY)
    r = read_batch_file(write(tmp_path / "i.jsonl", [claude([
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
        {"type": "text", "text": "Look"}])]), as_of=DAY)
    assert r.per_request_input[0] - plain.per_request_input[0] == 1590


def test_gemini_inline_image_counts_per_image(tmp_path: Path) -> None:
    data = base64.b64encode(png(1000, 1000)).decode()
    line = {"key": "k", "request": {"contents": [{"role": "user", "parts": [
        {"text": "Look"}, {"inlineData": {"mimeType": "image/png", "data": data}}]}]}}
    plain_line = {"key": "k", "request": {"contents": [{"role": "user", "parts": [{"text": "Look"}]}]}}
    for model, tokens in (("gemini-2.5-flash", 1032), ("gemini-3-flash-preview", 1120)):
        r = read_batch_file(write(tmp_path / "g.jsonl", [line]), as_of=DAY, model=model)
        p = read_batch_file(write(tmp_path / "p.jsonl", [plain_line]), as_of=DAY, model=model)
        assert r.per_request_input[0] - p.per_request_input[0] == tokens


# --------------------------------------------------------------------------
# Tool definitions, response schemas, tool-use system prompts
# --------------------------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "description": "The person's full name"},
                                           "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}
WEATHER = {"name": "get_weather", "description": "Get the weather.", "parameters": {
    "type": "object", "properties": {"location": {"type": "string", "description": "City"},
                                     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}}


def test_a_response_schema_adds_its_json_tokens(tmp_path: Path) -> None:
    body = {"model": "gpt-4o", "messages": HELLO}
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "strict": True, "schema": SCHEMA}}
    r = read_batch_file(write(tmp_path / "s.jsonl", [chat("1", body), chat("2", {**body, "response_format": fmt})]),
                        as_of=DAY)
    added = O200K.count(json_text({"name": "person", "schema": SCHEMA}))
    assert r.per_request_input[1] - r.per_request_input[0] == added > 30
    assert r.parts.approximate_tokens == added
    assert r.parts.approximate_low < added < r.parts.approximate_high
    assert any("approximate" in w and f"{added:,} input tokens" in w for w in r.warnings)


def test_responses_text_format_schema_is_counted(tmp_path: Path) -> None:
    body = {"model": "gpt-4o", "input": "Hi"}
    fmt = {"format": {"type": "json_schema", "name": "person", "schema": SCHEMA}}
    r = read_batch_file(write(tmp_path / "r.jsonl", [responses("1", body), responses("2", {**body, "text": fmt})]),
                        as_of=DAY)
    assert r.per_request_input[1] - r.per_request_input[0] == O200K.count(json_text({"name": "person",
                                                                                      "schema": SCHEMA}))


def test_function_definitions_follow_the_cookbook_rule(tmp_path: Path) -> None:
    # 7 per function + 3 before the properties + 3 per property + (-3 + 3 per item) for the enum + 12 at the end
    fixed = 7 + 3 + 3 + 3 + (-3 + 3 * 2) + 12
    texts = ["get_weather:Get the weather", "location:string:City", "unit:string:", "celsius", "fahrenheit"]
    d = openai_functions([WEATHER], "gpt-4o")
    assert d.fixed == fixed and d.texts == texts
    body = {"model": "gpt-4o", "messages": HELLO}
    r = read_batch_file(write(tmp_path / "t.jsonl", [
        chat("1", body), chat("2", {**body, "tools": [{"type": "function", "function": WEATHER}]})]), as_of=DAY)
    assert r.per_request_input[1] - r.per_request_input[0] == fixed + sum(O200K.count(t) for t in texts)


@pytest.mark.parametrize(("model", "choice", "prompt"), [
    ("claude-sonnet-4-5-20250929", "auto", 496),
    ("claude-sonnet-4-5-20250929", "any", 588),
    ("claude-opus-4-8", "auto", 290),
    ("claude-opus-4-8", "tool", 410),
    ("claude-3-haiku-20240307", "auto", 264),
])
def test_anthropic_tools_add_the_published_system_prompt(tmp_path: Path, model: str, choice: str,
                                                         prompt: int) -> None:
    tool = {"name": "get_weather", "description": "Get the weather", "input_schema": SCHEMA}

    def line(cid: str, **extra: Any) -> dict[str, Any]:
        return {"custom_id": cid, "params": {"model": model, "max_tokens": 10, "messages": HELLO, **extra}}

    r = read_batch_file(write(tmp_path / "a.jsonl", [
        line("a"), line("b", tools=[tool], tool_choice={"type": choice, **({"name": "get_weather"}
                                                                          if choice == "tool" else {})})]), as_of=DAY)
    definitions = r.per_request_input[1] - r.per_request_input[0] - prompt
    assert definitions > 20  # the definition's JSON text, besides the published prompt
    assert r.parts.fixed_tokens == prompt


def test_tool_calls_and_results_in_a_conversation_are_counted(tmp_path: Path) -> None:
    body = {"model": "claude-sonnet-4-5-20250929", "max_tokens": 10, "messages": [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "get_weather",
                                           "input": {"location": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "Sunny, 21 C"}]}]}
    r = read_batch_file(write(tmp_path / "c.jsonl", [{"custom_id": "a", "params": body}]), as_of=DAY)
    assert r.ok and r.parts.approximate_tokens > 10 and not r.parts.uncounted


# --------------------------------------------------------------------------
# Server-tool fees
# --------------------------------------------------------------------------


def web_search_file(tmp_path: Path, n: int, model: str = "gpt-5.4") -> Path:
    return write(tmp_path / f"w{n}.jsonl", [responses(str(i), {"model": model, "input": "News?", "max_output_tokens": 50,
                                                               "tools": [{"type": "web_search"}]}) for i in range(n)])


def test_web_search_is_priced_per_call_in_every_mode(tmp_path: Path) -> None:
    est = estimator.estimate(str(web_search_file(tmp_path, 3)), output_tokens=50, as_of=DAY)
    modes = est.comparison.modes
    assert modes["standard"].fee_cost == Decimal("0.03")  # 3 calls x $10 / 1,000
    assert modes["batch"].fee_cost == Decimal("0.03")  # the fee is not halved in a batch
    assert all(c.total_cost == c.input_cost + c.output_cost + c.fee_cost for c in modes.values())
    assert any("web_search/call at $10.00 per 1,000" in n for n in est.notes)
    twice = estimator.estimate(str(web_search_file(tmp_path, 3)), output_tokens=50, as_of=DAY,
                               options=estimator.EstimateOptions(tool_calls_per_request=2))
    assert twice.comparison.standard.fee_cost == Decimal("0.06")


def test_gemini_grounding_fee_by_generation(tmp_path: Path) -> None:
    line = {"key": "k", "request": {"contents": [{"parts": [{"text": "News?"}]}], "tools": [{"google_search": {}}],
                                    "generationConfig": {"maxOutputTokens": 10}}}
    path = write(tmp_path / "g.jsonl", [line, {**line, "key": "k2"}])
    for model, unit, fee in (("gemini-2.5-flash", "google_search/grounded_prompt", "0.07"),  # 2 x $35 / 1,000
                             ("gemini-3-flash-preview", "google_search/search_query", "0.028")):  # 2 x $14 / 1,000
        report = read_batch_file(path, as_of=DAY, model=model)
        assert report.parts.tool_uses == {unit: 2}
        usage = Usage(2, 100, 20, tool_uses=tuple(report.parts.tool_uses.items()))
        cmp = estimator.price(usage, model, as_of=DAY)
        assert cmp.standard.fee_cost == Decimal(fee) == cmp.modes["batch"].fee_cost


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=1, max_value=40), calls=st.integers(min_value=0, max_value=5))
def test_fees_scale_with_requests_and_calls(tmp_path: Path, n: int, calls: int) -> None:
    est = estimator.estimate(str(web_search_file(tmp_path, n)), output_tokens=5, as_of=DAY,
                             options=estimator.EstimateOptions(tool_calls_per_request=calls))
    assert est.comparison.standard.fee_cost == Decimal(n * calls) * Decimal("0.01")


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, description=st.text(max_size=60), props=st.lists(NAMES, max_size=4, unique=True))
def test_adding_a_tool_never_lowers_the_count(tmp_path: Path, name: str, description: str, props: list[str]) -> None:
    tool = {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": {p: {"type": "string"} for p in props}}}}
    body = {"model": "gpt-4o", "messages": HELLO, "tools": [{"type": "function", "function": WEATHER}]}
    r = read_batch_file(write(tmp_path / "h.jsonl", [chat("1", body), chat("2", {**body, "tools": [*body["tools"],
                                                                                                   tool]})]), as_of=DAY)
    assert r.per_request_input[1] > r.per_request_input[0]


# --------------------------------------------------------------------------
# Datasets and the command line
# --------------------------------------------------------------------------


def test_image_column_of_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png(1024, 1024))
    (tmp_path / "b.png").write_bytes(png(100, 100))
    data = tmp_path / "rows.csv"
    data.write_text("text,image\nhello,a.png\nworld,b.png\nagain,https://example.com/c.png\nnone,\n", encoding="utf-8")
    plain = estimator.estimate(str(data), model="gpt-4o", column="text", output_tokens=1, as_of=DAY)
    est = estimator.estimate(str(data), model="gpt-4o", column="text", output_tokens=1, as_of=DAY,
                             options=estimator.EstimateOptions(image_column="image", image_detail="high"))
    assert est.profile.input_tokens - plain.profile.input_tokens == 765 + (85 + 170)
    assert any("1 value(s) of column 'image' NOT counted (a remote URL)" in n for n in est.notes)


def test_cli_estimate_shows_fees_and_image_column(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["estimate", str(web_search_file(tmp_path, 4)), "--output-tokens", "50",
                              "--as-of", DAY, "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert Decimal(doc["modes"]["standard"]["fee_cost"]) == Decimal("0.04")
    text = runner.invoke(cli, ["estimate", str(web_search_file(tmp_path, 4)), "--output-tokens", "50",
                               "--as-of", DAY, "--tool-calls-per-request", "3"])
    assert text.exit_code == 0 and "tool fees $" in text.output and "3 call(s) per request assumed" in text.output
    help_text = runner.invoke(cli, ["estimate", "--help"]).output
    assert "--image-column" in help_text and "--tool-calls-per-request" in help_text


def test_dataset_tools_and_schema_files(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("text\nhello\nworld\n", encoding="utf-8")
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps([{"type": "function", "function": WEATHER}, {"type": "web_search"}]), encoding="utf-8")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    plain = estimator.estimate(str(data), model="gpt-4o", column="text", output_tokens=1, as_of=DAY)
    est = estimator.estimate(str(data), model="gpt-4o", column="text", output_tokens=1, as_of=DAY,
                             options=estimator.EstimateOptions(tools=str(tools), response_schema=str(schema)))
    fixed = 7 + 3 + 3 + 3 + (-3 + 3 * 2) + 12
    texts = ["get_weather:Get the weather", "location:string:City", "unit:string:", "celsius", "fahrenheit"]
    per = fixed + sum(O200K.count(t) for t in texts) + O200K.count(json_text({"name": "response", "schema": SCHEMA}))
    assert est.profile.input_tokens - plain.profile.input_tokens == 2 * per
    assert est.comparison.standard.fee_cost == Decimal("0.02")  # web search, one call per row
    runner = CliRunner()
    out = runner.invoke(cli, ["estimate", str(data), "--model", "claude-sonnet-4-5", "--column", "text",
                              "--output-tokens", "1", "--as-of", DAY, "--tools-file", str(tmp_path / "missing.json")])
    assert out.exit_code != 0 and "--tools-file" in out.output and "Traceback" not in out.output


def test_anthropic_server_tools_priced_or_listed(tmp_path: Path) -> None:
    tools = [{"type": "web_search_20250305", "name": "web_search"}, {"type": "code_execution_20250825",
                                                                     "name": "code_execution"}]
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5-20250929", "max_tokens": 10, "messages": HELLO,
                                         "tools": tools}}
    r = read_batch_file(write(tmp_path / "a.jsonl", [line, {**line, "custom_id": "b"}]), as_of=DAY)
    assert r.parts.tool_uses == {"web_search/call": 2}
    assert r.parts.unpriced_tools == {"code_execution (billed by container time)": 2}
    assert r.parts.fixed_tokens == 2 * 496
    assert any("code_execution" in w and "NOT estimated" in w for w in r.warnings)
