"""The printer subcommands: a test page to a file: printer, and previews of ESC/POS files."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from kiosk.cli.context import run_handler
from kiosk.cli.receipt_commands import register
from kiosk.printing.preview import preview_text


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    register(parser.add_subparsers(dest="command", required=True))
    return run_handler(parser.parse_args(list(argv)))


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NOW", "2026-11-29T14:05:00+08:00")


def test_test_page_goes_to_a_file_printer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roll = tmp_path / "roll.escpos"
    assert _run("printer", "test", f"file:{roll}", "--columns", "48") == EXIT_OK
    text = preview_text(roll.read_bytes(), columns=48)
    assert "【打印测试，非兑换凭条】" in text
    assert "时间：2026-11-29 14:05" in text
    assert "[QR: JF-PRINTER-TEST]" in text
    assert "测试页已发送" in capsys.readouterr().out


def test_test_page_on_a_full_disk_fails_with_advice(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("printer", "test", "file:/dev/full") == EXIT_FAILURE
    assert "磁盘空间" in capsys.readouterr().err


def test_test_page_with_a_bad_uri_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("printer", "test", "lpt:1") == EXIT_BAD_INPUT
    assert "usb:VID:PID" in capsys.readouterr().err


def test_preview_prints_text_and_draws_a_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roll = tmp_path / "roll.escpos"
    _run("printer", "test", f"file:{roll}")
    capsys.readouterr()
    png = tmp_path / "previews" / "roll.png"
    assert _run("printer", "preview", str(roll), "--png", str(png)) == EXIT_OK
    out = capsys.readouterr().out
    assert "积分兑换凭条" in out and "✂" in out
    with Image.open(png) as image:
        assert image.width == 384
        assert [symbol.data for symbol in decode(image)] == [b"JF-PRINTER-TEST"]


def test_preview_of_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    assert _run("printer", "preview", str(tmp_path / "nothing.escpos")) == EXIT_BAD_INPUT
