"""A failing printer never loses or doubles an order: one order, a queued receipt, a working
screen; the queue is retried and any receipt reprinted from the receipts screens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.core.db import open_database
from kiosk.core.models import ReceiptJob, RedemptionOrder
from kiosk.printing.preview import preview_text
from kiosk.printing.printers import DummyPrinter, PrinterError, open_printer
from kiosk.settings import Settings
from kiosk.tui.app import create_app
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.receipt import ReceiptScreen
from kiosk.tui.screens.receipts import ReceiptsScreen
from kiosk.tui.widgets.status_bar import StatusBar
from tests.support import fake_printer
from tests.support.builders import Ledger
from tests.support.fake_printer import OFFLINE, PAPER_OUT, READY, wait_printed
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in
from tests.support.worlds import Db, World

pytestmark = pytest.mark.world("tui")


class UnpluggedPrinter:
    """A USB printer pulled out mid-receipt: the driver's error, as EscposPrinter raises it."""

    uri = "usb:0416:5011"

    def __init__(self) -> None:
        self.attempts = 0

    def send(self, data: bytes) -> None:
        self.attempts += 1
        raise PrinterError(self.uri, "usb", "USBError: [Errno 19] No such device")


async def _redeem_toothpaste(app, pilot, payload: str) -> None:
    await sign_in(pilot)
    await scan_burst(pilot, payload)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("y", "g", "enter", "f10")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("printer_kind", ["unplugged", "disk-full"])
async def test_failing_printer_keeps_one_order_and_a_queued_receipt(
    make_app: AppFactory,
    payload_of: Callable[[str], str],
    ledger: Ledger,
    printer_kind: str,
) -> None:
    if printer_kind == "disk-full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    printer = UnpluggedPrinter() if printer_kind == "unplugged" else open_printer("file:/dev/full")
    before = ledger.balance("HP0001")
    app = make_app(printer=printer)
    async with app.run_test(size=(100, 30)) as pilot:
        await _redeem_toothpaste(app, pilot, payload_of("HP0001"))
        # the screen goes on: the household, with its new balance, and says what happened
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.balance == before - 3
        assert app.print_problem is not None
        assert app.last_message == "小票没打出来，兑换已保存：检查打印机电源和纸，再按 F8 重打"
        bar = app.screen.query_one(StatusBar)
        assert "打印机故障，1 张小票待打印" in str(bar.render())

        orders = ledger.rows(RedemptionOrder)
        jobs = ledger.rows(ReceiptJob)
        assert len(orders) == 1
        assert [(job.status, job.order_id, job.attempts) for job in jobs] == [
            ("queued", orders[0].id, 1)
        ]
        assert jobs[0].last_error

        # the next customer is served while the printer is still down
        await scan_burst(pilot, payload_of("HP0002"))
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0002"

        # the printer is fixed; the shopkeeper retries from the receipts screen
        fixed = DummyPrinter()
        app.backend.printer = fixed
        await pilot.press("escape", "f7")  # home, then every order of the kiosk
        await settle(pilot)
        assert isinstance(app.screen, ReceiptsScreen)
        await pilot.press("f8")
        await settle(pilot)
        assert app.print_problem is None
        assert app.last_message == "打印机已恢复，小票已打印"
        assert fixed.output == jobs[0].payload
        table = app.screen.query_one("#orders")
        assert table.get_row_at(0)[-1] == "已打印"
    assert [job.status for job in ledger.rows(ReceiptJob)] == ["printed"]
    assert len(ledger.rows(RedemptionOrder)) == 1
    assert ledger.balance("HP0001") == before - 3


async def test_reprint_is_marked_and_previewed(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    printer = DummyPrinter()
    app = make_app(printer=printer)
    async with app.run_test(size=(100, 30)) as pilot:
        await _redeem_toothpaste(app, pilot, payload_of("HP0001"))
        number = ledger.rows(RedemptionOrder)[0].number
        first = printer.output
        printer.clear()
        await pilot.press("f7")  # this household's orders
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert "【补打】" not in app.screen.paper
        assert number in app.screen.paper and "牙膏" in app.screen.paper
        await pilot.press("f6")
        await settle(pilot)
        assert app.last_message == f"已补打小票：{number}"
        assert "【补打】" in app.screen.paper  # the preview follows the newest receipt
        reprint = preview_text(printer.output)
        assert "【补打】" in reprint and number in reprint
        assert printer.output != first
        await pilot.press("escape", "f6")  # reprint from the list too
        await settle(pilot)
    jobs = ledger.rows(ReceiptJob)
    assert len(jobs) == 3 and {job.status for job in jobs} == {"printed"}
    assert len(ledger.rows(RedemptionOrder)) == 1


@pytest.mark.parametrize(
    ("status", "state", "said", "shown"),
    [
        (PAPER_OUT, "paper_out", "打印机缺纸，兑换已保存：装入新纸卷，再按 F8 重打", "打印机缺纸"),
        (
            OFFLINE,
            "offline",
            "打印机离线，兑换已保存：盖好纸仓盖、看指示灯，再按 F8 重打",
            "打印机离线",
        ),
    ],
    ids=["paper out", "offline"],
)
async def test_a_printer_that_cannot_print_says_why_and_prints_once_it_can(
    db: Db,
    world: World,
    payload_of: Callable[[str], str],
    ledger: Ledger,
    status: dict[int, int],
    state: str,
    said: str,
    shown: str,
) -> None:
    """The kiosk's configured network printer (as kiosk.toml names it), a fake on loopback
    that answers the status request: out of paper or offline, it gets no byte of the receipt,
    and the counter says what to do; once it can print, F8 prints the receipt whole, once."""
    with fake_printer.tcp_printer() as (uri, printer):
        printer.status.clear()
        printer.status.update(status)
        engine = open_database(db.url)
        app = create_app(
            Settings(db=db.url, printer=uri, idle_minutes=world.idle_minutes),
            engine=engine,
            clock=lambda: world.now,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await _redeem_toothpaste(app, pilot, payload_of("HP0001"))
            assert isinstance(app.screen, HouseholdScreen)
            assert app.print_state == state
            assert app.last_message == said
            bar = str(app.screen.query_one(StatusBar).render())
            assert f"{shown}，1 张小票待打印" in bar
            assert printer.printed == b"" and printer.queries[:2] == [1, 4]

            printer.status.clear()
            printer.status.update(READY)
            await pilot.press("f8")
            await settle(pilot)
            (job,) = ledger.rows(ReceiptJob)
            assert wait_printed(printer, len(job.payload)) == bytes(job.payload)
            assert job.status == "printed"
            assert app.print_state is None and app.print_problem is None
            assert app.last_message == "打印机已恢复，小票已打印"
            assert shown not in str(app.screen.query_one(StatusBar).render())
        engine.dispose()
