"""`kiosk cards`: a village's card sheet rendered through the CLI scans back to its households."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from kiosk.core.db import open_database
from kiosk.core.households import resolve_household
from kiosk.printables.scan_image import decode_codes
from tests.support.builders import dump
from tests.support.cli import CliResult
from tests.support.worlds import DEMO_HOUSEHOLDS_PER_VILLAGE, Db

Cli = Callable[..., CliResult]


def test_png_sheet_decodes_back_to_each_household(cli: Cli, demo_db: Db, tmp_path: Path) -> None:
    out = tmp_path / "heping.png"
    result = cli("cards", "--village", "和平", "--out", str(out))
    assert result.code == 0, result.err
    assert f"{DEMO_HOUSEHOLDS_PER_VILLAGE} 张积分卡" in result.out
    payloads = decode_codes(out)
    assert len(payloads) == DEMO_HOUSEHOLDS_PER_VILLAGE
    engine = open_database(demo_db.url)
    try:
        with Session(engine) as session:
            codes = sorted(resolve_household(session, payload).code for payload in payloads)
    finally:
        engine.dispose()
    assert codes == [f"HP{n:04d}" for n in range(1, DEMO_HOUSEHOLDS_PER_VILLAGE + 1)]
    assert all(payload.startswith("JF1:HP") for payload in payloads)


def test_pdf_sheet_is_written(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "xizige.pdf"
    result = cli("cards", "--village", "xizige", "--out", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(b"%PDF")


def test_no_signing_key_is_refused_clearly(
    cli: Cli, demo_db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_db.key_path.unlink()
    out = tmp_path / "cards.pdf"
    result = cli("cards", "--village", "和平", "--out", str(out))
    assert result.code == 2
    assert "no card-signing key" in result.err and "积分卡由街道办制作" in result.err
    assert not out.exists()
    monkeypatch.setenv("KIOSK_CARD_KEY", str(tmp_path / "missing.key"))
    assert cli("cards", "--village", "和平", "--out", str(out)).code == 2


def test_a_key_the_kiosks_do_not_trust_is_refused(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.core.codes import CardSigner

    other = tmp_path / "other.key"
    CardSigner.generate().save(other)
    monkeypatch.setenv("KIOSK_CARD_KEY", str(other))
    result = cli("cards", "--village", "和平", "--out", str(tmp_path / "cards.pdf"))
    assert result.code == 2 and "does not match" in result.err


@pytest.mark.parametrize(
    ("village", "out", "expected"),
    [
        ("和平", "cards.txt", ".png or .pdf"),
        ("无此村", "cards.pdf", "No such village"),
        ("和平", "missing-dir/cards.pdf", "output folder does not exist"),
    ],
)
def test_bad_arguments_exit_2_and_change_nothing(
    cli: Cli, demo_db: Db, tmp_path: Path, village: str, out: str, expected: str
) -> None:
    before = dump(demo_db.path)
    result = cli("cards", "--village", village, "--out", str(tmp_path / out))
    assert (result.code, result.out) == (2, "")
    assert expected in result.err
    assert dump(demo_db.path) == before
