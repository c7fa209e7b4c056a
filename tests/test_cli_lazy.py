"""The command line loads what a command needs: each command's module is imported when the command
runs, and an estimate never loads reconciliation, planning, forecasts or pilots."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click

from estimator.cli.base import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_is_in_the_table_with_its_module() -> None:
    listed = main.list_commands(click.Context(main))  # imports every command module
    assert sorted(listed) == sorted(COMMAND_MODULES)
    for name, module in COMMAND_MODULES.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.callback is not None
        assert command.callback.__module__ == f"estimator.cli.{module}", name
        importlib.import_module(f"estimator.cli.{module}")


def test_an_estimate_loads_only_what_it_needs(tmp_path: Path) -> None:
    data = tmp_path / "small.csv"
    data.write_text("id,text\n" + "".join(f"{i},ticket {i}: my order is late\n" for i in range(12)))
    code = (
        "import sys, json\n"
        "sys.argv = ['estimator', 'estimate', sys.argv[1], '--model', 'gpt-4o', '--column', 'text',"
        " '--output-tokens', '10', '--no-progress']\n"
        "from estimator.cli import main\n"
        "try:\n    main(standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "estimator.report.estimate" in loaded
    for module in ("estimator.batch.reconciliation", "estimator.batch.attribution", "estimator.batch.billing",
                   "estimator.planning.job", "estimator.planning.forecast", "estimator.planning.decision",
                   "estimator.piloting.pilot", "estimator.batch.writer", "estimator.cli.planning",
                   "estimator.cli.reconcile", "ctok", "estimator.tokens.claude", "estimator.batch.files",
                   "estimator.batch.results", "estimator.reading.xlsx"):
        assert module not in loaded, module


def test_the_program_ends_with_its_exit_code_and_all_its_output(tmp_path: Path) -> None:
    """The command line leaves without tearing the interpreter down: the code and every line still arrive."""
    data = tmp_path / "small.csv"
    data.write_text("id,text\n" + "".join(f"{i},ticket {i}: my order is late\n" for i in range(12)))
    run = [sys.executable, "-m", "estimator", "estimate", "--model", "gpt-4o", "--column", "text",
           "--output-tokens", "10", "--no-progress"]
    ok = subprocess.run([*run[:4], str(data), *run[4:], "--json"], capture_output=True, text=True,
                        check=False, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["rows"] == 12  # the whole document, flushed
    missing = subprocess.run([*run[:4], str(tmp_path / "none.csv"), *run[4:]], capture_output=True, text=True,
                             check=False, cwd=ROOT)
    assert missing.returncode == 1 and "file not found" in missing.stderr
    usage = subprocess.run([*run[:4], str(data), "--model", "gpt-4o", "--output-tokens", "-5"],
                           capture_output=True, text=True, check=False, cwd=ROOT)
    assert usage.returncode == 2 and usage.stderr.strip()
