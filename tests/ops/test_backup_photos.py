"""`kiosk backup` copies the declarations' photos beside the database's backup: only the new
ones each time (content-addressed names never change), never a half-written file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kiosk.cli import ops_commands
from kiosk.cli.context import run_handler
from kiosk.ops.backup import backup_evidence
from tests.conftest import Templates


def test_photos_are_copied_once_and_a_partial_file_never(tmp_path: Path) -> None:
    photos = tmp_path / "kiosk.db.evidence"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"one")
    (photos / "b.png").write_bytes(b"two")
    (photos / "c.jpg.part").write_bytes(b"half")  # a store cut short
    backups = tmp_path / "backups"
    assert backup_evidence(photos, backups) == 2
    assert sorted(p.name for p in (backups / "evidence").iterdir()) == ["a.jpg", "b.png"]
    (photos / "d.webp").write_bytes(b"three")
    assert backup_evidence(photos, backups) == 1
    assert backup_evidence(tmp_path / "none", backups) == 0


def test_kiosk_backup_takes_the_photos_along(
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = templates.copy("blank", tmp_path / "kiosk.db").path
    photos = Path(f"{database}.evidence")
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"one")
    monkeypatch.setenv("KIOSK_NOW", "2027-03-01T02:00:00+08:00")
    monkeypatch.setenv("KIOSK_CONFIG", "/nonexistent/kiosk.toml")
    parser = argparse.ArgumentParser(prog="kiosk")
    ops_commands.register(parser.add_subparsers(dest="command", required=True))
    assert run_handler(parser.parse_args(["backup", "--db", str(database)])) in (0, None)
    assert (tmp_path / "backups" / "evidence" / "a.jpg").read_bytes() == b"one"
    assert "新备份照片 1 张" in capsys.readouterr().out
