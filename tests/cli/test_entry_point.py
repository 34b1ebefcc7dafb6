"""The `kiosk` console script is kiosk.main: the CLI's commands and the app's `run` and `demo`,
while the CLI's own parser knows nothing of the app."""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from kiosk import cli
from kiosk.main import main
from kiosk.tui import commands


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_the_console_script_is_kiosk_main() -> None:
    (script,) = [point for point in entry_points(group="console_scripts") if point.name == "kiosk"]
    assert script.value == "kiosk.main:main"
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    assert {"run", "demo", "redeem", "doctor", "sync"} <= set(listed)


def test_the_clis_own_parser_leaves_the_app_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert not {"run", "demo"} & set(subcommands(cli.build_parser()))
    with pytest.raises(SystemExit) as refused:
        cli.main(["demo"])
    assert refused.value.code == 2
    assert "invalid choice: 'demo'" in capsys.readouterr().err


def test_every_command_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser([commands.register])
    names: list[list[str]] = []
    for name, sub in subcommands(parser).items():
        names.append([name])
        names += [[name, action] for action in subcommands(sub)]
    assert len(names) > 40
    for argv in names:
        with pytest.raises(SystemExit) as done:
            main([*argv, "--help"])
        assert done.value.code == 0, argv
        assert "usage: kiosk " + " ".join(argv) in capsys.readouterr().out
