"""Every command the README shows runs, and the two set-up commands are the real ones."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from estimator.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"^\$ python -m estimator (.+)$", README, flags=re.MULTILINE)


def test_readme_has_examples() -> None:
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS, ids=[c[:60] for c in COMMANDS])
def test_readme_command_runs(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, shlex.split(command) + (["--no-progress"] if "estimate " in command else []))
    assert result.exit_code == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    assert "./dev test" in README and "./dev app" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == ["./dev test"]


def test_setup_and_test_install_the_same_packages_and_every_optional_one() -> None:
    """`./dev setup` then a README example, or `./dev test`: the same environment either way, holding
    every optional dependency (the `--dask local` example needs the Dask extra)."""
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    found = re.search(r'^DEV_EXTRAS="([^"]+)"$', dev, flags=re.MULTILINE)
    assert found, "dev sets DEV_EXTRAS"
    extras = found.group(1).split(",")
    for command in ("setup", "test"):
        branch = re.search(rf"^    {command}\)\n(.*?)\n        ;;", dev, flags=re.MULTILINE | re.DOTALL)
        assert branch and 'setup "$DEV_EXTRAS"' in branch.group(1), f"./dev {command} installs DEV_EXTRAS"
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    installed = {req for extra in extras for req in optional[extra]}
    assert {req for reqs in optional.values() for req in reqs} <= installed
    assert "--dask" in README and any(req.startswith("dask") for req in installed)


PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_python_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 2


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"python-{i + 1}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_python_example_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102 - the README's own code
    assert capsys.readouterr().out.strip()
