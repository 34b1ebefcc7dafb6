"""`kiosk receipt` exports and reprints; `kiosk demo` makes its database once."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.cli import main
from kiosk.core.db import open_database, write_session
from kiosk.core.ids import derived_id
from kiosk.core.models import Household, ReceiptJob
from kiosk.core.redemption import RedeemLine
from kiosk.printing.preview import preview_text
from kiosk.printing.printers import DummyPrinter
from kiosk.services.counter import CounterService
from kiosk.services.demo import ensure_demo
from kiosk.settings import Settings
from tests.support.builders import Ledger
from tests.support.worlds import TUI_NOW as NOW

pytestmark = pytest.mark.world("tui")


def _order(db_path: Path) -> str:
    engine = open_database(f"sqlite:///{db_path}")
    backend = CounterService(
        engine, Settings(db=f"sqlite:///{db_path}"), DummyPrinter(), lambda: NOW
    )
    household = backend.household("HP0001")
    result = backend.redeem(household.id, [RedeemLine(2, 1, hand_over=True)], "shop-heping", "o-1")
    engine.dispose()
    return result.number


def test_receipt_exports_the_queued_bytes_and_a_png(
    db_path: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    number = _order(db_path)
    url = f"sqlite:///{db_path}"
    escpos = tmp_path / "r.escpos"
    png = tmp_path / "r.png"
    assert main(["receipt", number, "--db", url, "--escpos", str(escpos)]) == 0
    assert escpos.read_bytes() == ledger.rows(ReceiptJob)[0].payload
    assert main(["receipt", f"JFO:{number}", "--db", url, "--png", str(png)]) == 0
    codes = decode(Image.open(png))
    assert [code.data.decode() for code in codes] == [f"JFO:{number}"]
    assert "兑换凭条" in preview_text(escpos.read_bytes())


def test_receipt_reprints_on_the_configured_printer(
    db_path: Path, tmp_path: Path, ledger: Ledger
) -> None:
    number = _order(db_path)
    paper = tmp_path / "printer.out"
    url = f"sqlite:///{db_path}"
    # The order's receipt is still queued (never printed): it goes out once, as the original.
    assert main(["receipt", number, "--db", url, "--printer", f"file:{paper}"]) == 0
    first = preview_text(paper.read_bytes())
    assert number in first and "【补打】" not in first
    assert first.count("积分兑换凭条") == 1
    # Printed once already: now it is a reprint, marked so.
    again = tmp_path / "again.out"
    assert main(["receipt", number, "--db", url, "--printer", f"file:{again}"]) == 0
    assert "【补打】" in preview_text(again.read_bytes())
    assert main(["receipt", number, "--db", url, "--printer", "file:/dev/full"]) == 1
    statuses = sorted(job.status for job in ledger.rows(ReceiptJob))
    # the original and one reprint printed; the reprint the full device refused waits
    assert statuses == ["printed", "printed", "queued"]


def test_unknown_order_is_bad_input(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{db_path}"
    assert main(["receipt", "K-HP-01-999999", "--db", url, "--png", "/tmp/x.png"]) == 2
    assert "找不到兑换单" in capsys.readouterr().err


def test_demo_database_is_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    url, printer_file, made = ensure_demo(tmp_path / "demo")
    assert made and url.endswith("kiosk-demo.db")
    assert Path(f"{url.removeprefix('sqlite:///')}.card-key").exists()
    assert printer_file.parent == tmp_path / "demo"
    again = ensure_demo(tmp_path / "demo")
    assert again == (url, printer_file, False)
    engine = open_database(url)
    with write_session(engine) as session:
        assert session.get(Household, derived_id("demo-household", "heping", 1)) is not None
    engine.dispose()


@pytest.mark.parametrize("stamped", ["0009", "9999"], ids=["an older chain", "a newer program"])
def test_a_demo_this_version_cannot_migrate_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stamped: str
) -> None:
    """A demo left by another version (its migrations numbered otherwise: an upgrade would add
    a column twice; or stamped by a newer program) holds only demo data: made again, not a
    traceback at `make demo`."""
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    url, _, _ = ensure_demo(tmp_path / "demo")
    engine = open_database(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{stamped}'")
    engine.dispose()
    again_url, _, made = ensure_demo(tmp_path / "demo")
    assert (again_url, made) == (url, True)
    engine = open_database(url)
    with write_session(engine) as session:
        assert session.get(Household, derived_id("demo-household", "heping", 1)) is not None
    engine.dispose()
