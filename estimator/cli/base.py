"""The command group and the error handling every command shares."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import click

from .. import EstimatorError
from ..errors import render
from ..money import to_decimal
from ..report import json_text
from .signals import Terminated

# The flag for each library parameter whose name does not turn into its flag by
# replacing "_" with "-" (``as_of`` -> ``--as-of``).
FLAG_FOR_PARAM: dict[str, str] = {
    "price_files": "--price-file",
    "sample_rows": "--sample",
    "source_format": "--format",
    "path": "FILE",
    "validate_batch": "'validate-batch FILE'",
    "messages": "--messages-column",
    "strict_prices": "--strict-prices",
    "flex_latency_seconds": "--flex-latency",
    "splits": "--no-splits",
    "excluded_tiers": "--exclude-tier",
    "uplifts": "--uplift",
    "plans": "--plan",
    "shared_prefix_tokens": "--cache-prefix-tokens",
    "hit_rate": "--cache-hit-rate",
    "latency_seconds": "--latency",
    "input_tpm": "--itpm",
    "output_tpm": "--otpm",
    "backfill_requests": "--backfill",
    "monthly_growth_pct": "--growth-pct",
    "price_per_mtok": "--price-per-mtok",
    "retry_to": "--retry-file",
    "tools": "--tools-file",
    "response_schema": "--schema-file",
}


MAX_OPTION_NUMBER = 10**12
"""No price, rate, percentage or count given on the command line is meaningful beyond this."""


class _Flags(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "--" + key.replace("_", "-")


FLAGS = _Flags(FLAG_FOR_PARAM)


def describe_error(exc: EstimatorError) -> str:
    """An error in the command line's words: the setting at fault named by its flag."""
    text = exc.render(FLAGS)
    flag = FLAGS[exc.param] if exc.param and exc.param not in ("source", "model") else None
    if flag and flag not in text:
        text = f"{flag}: {text}"
    return text


def cli_words(text: str) -> str:
    """A library message or note with each setting named by its command-line flag."""
    return render(text, FLAGS)


#: The module of this package that defines each command: a command's module is imported when the
#: command is run (or ``--help`` lists them all), so ``estimate`` never loads what ``plan`` or
#: ``reconcile`` needs. tests/test_cli_lazy.py checks the table against the modules.
COMMAND_MODULES: dict[str, str] = {
    "inspect": "datasets",
    "validate-batch": "datasets",
    "estimate": "engine",
    "models": "engine",
    "prices": "engine",
    "schema": "engine",
    "selfcheck": "engine",
    "pilot": "pilot",
    "plan": "planning",
    "route": "planning",
    "write-batch": "planning",
    "forecast": "planning",
    "exercise": "planning",
    "reconcile": "reconcile",
}


class _Group(click.Group):
    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            __import__(f"{__package__}.{COMMAND_MODULES[cmd_name]}")  # registers it (seen by -X importtime)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in sorted(set(COMMAND_MODULES.values())):
            __import__(f"{__package__}.{module}")
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EstimatorError as exc:
            click.echo(f"error: {describe_error(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            click.echo("interrupted: nothing was written", err=True)
            ctx.exit(143 if isinstance(exc, Terminated) else 130)
        except OSError as exc:
            # The system refused a file operation (permissions, read-only or full disk, name too long).
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            click.echo(f"error: {where}{exc.strerror or exc}. Check the path and its permissions.", err=True)
            ctx.exit(1)
        except (RecursionError, MemoryError, ArithmeticError, UnicodeError) as exc:
            # Last resort for input beyond what any check above foresaw: a message, never a traceback.
            click.echo(f"error: the input cannot be processed ({_last_resort(exc)}).", err=True)
            ctx.exit(1)


def _last_resort(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if isinstance(exc, MemoryError):
        return "not enough memory"
    if isinstance(exc, UnicodeError):
        return f"text that is not valid Unicode: {exc}"
    return f"a number is too large or not a number: {type(exc).__name__}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="llm-batch-estimator")
def main() -> None:
    """Estimate what an LLM API job costs: standard, streaming with early exit, or batch."""


def echo_json(data: object) -> None:
    """JSON on stdout, in the library's one encoding (see ``estimator.report.json_text``)."""
    click.echo(json_text(data))


def decimal_option(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = to_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        raise click.BadParameter(f"{value!r} is not a decimal number", param_hint=name) from None
    if not number.is_finite() or number.copy_abs() > MAX_OPTION_NUMBER:
        raise click.BadParameter(
            f"{value!r} is out of range: give a finite number of at most {MAX_OPTION_NUMBER:,}", param_hint=name
        )
    return number


def is_tty() -> bool:
    return sys.stderr.isatty()
