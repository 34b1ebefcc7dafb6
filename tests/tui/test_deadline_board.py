"""The deadline board, the home screen's counts and the hand-over flow, driven by keys with Pilot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input

from kiosk.core.db import open_database, write_session
from kiosk.core.fulfilment import DeadlineCounts, restock
from kiosk.core.models import ExchangePoint, Handover, OrderLine, ReceiptJob
from kiosk.printing.preview import preview_text
from kiosk.printing.printers import DummyPrinter
from kiosk.settings import Settings
from kiosk.tui.app import KioskApp, create_app
from kiosk.tui.bindings import KEY
from kiosk.tui.menu import entries_for
from kiosk.tui.screens.deadlines import DeadlinesScreen, RestockDialog
from kiosk.tui.screens.handover import HandoverScreen
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.widgets.deadline_counts import DeadlineCountsBar
from tests.support.builders import PlaceOrder, assert_ledger_ok, operator
from tests.support.clock import at
from tests.support.worlds import KETTLE, RICE_COOKER, SOAP, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")

AppFactory = Callable[[datetime], tuple[KioskApp, DummyPrinter]]
# Wider than the kiosk's 50 ms so a loaded test machine never splits a scanner burst.
SCAN_GAP_MS = 200


@pytest.fixture
def make_app(db_path: Path) -> Iterator[AppFactory]:
    """The app as `kiosk run` builds it, on the test's database, a dummy printer and a fixed clock."""
    engines: list[Engine] = []

    def factory(now: datetime) -> tuple[KioskApp, DummyPrinter]:
        settings = Settings(db=f"sqlite:///{db_path}", idle_minutes=5.0, scan_gap_ms=SCAN_GAP_MS)
        engine = open_database(settings.db_url)
        engines.append(engine)
        printer = DummyPrinter()
        return create_app(settings, engine=engine, printer=printer, clock=lambda: now), printer

    yield factory
    for engine in engines:
        engine.dispose()


async def settle(pilot: Any) -> None:
    """Let workers finish and the messages they post land (a message may start a worker)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in_as_shopkeeper(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("enter", *"1234", "enter")  # the first operator listed: shop-heping
    await settle(pilot)
    assert pilot.app.operator is not None and pilot.app.operator.id == "shop-heping"


async def type_keys(pilot: Any, *keys: str) -> None:
    """Keys a person types: printable ones are held as a possible scan and reach the focused
    widget once the scan gap has passed without Enter, so wait past it."""
    await pilot.press(*keys)
    await pilot.pause(SCAN_GAP_MS / 1000 * 2.5)
    await settle(pilot)


def _cells(table: DataTable[Any], row: int) -> list[Text]:
    return [table.get_cell_at(Coordinate(row, column)) for column in range(len(table.columns))]


async def test_home_counts_and_the_deadline_board(
    make_app: AppFactory, place_order: PlaceOrder
) -> None:
    late = place_order("HP0001", [SOAP], at(2026, 12, 1, 8, 0))  # due 12-03 08:00
    soon = place_order("HP0002", [TOOTHPASTE], at(2026, 12, 2, 9, 0))  # due 12-04 09:00
    later = place_order("HP0001", [RICE_COOKER], at(2026, 12, 2, 12, 0))  # due 12-09 12:00
    today = place_order("HP0002", [SOAP], at(2026, 12, 1, 20, 0))  # due 12-03 20:00
    app, _ = make_app(at(2026, 12, 3, 9, 30))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        assert isinstance(app.screen, HomeScreen)
        bar = app.screen.query_one(DeadlineCountsBar)
        assert bar.counts == DeadlineCounts(overdue=1, due_today=1)
        assert str(bar.render()) == "待交付：已逾期 1 项 · 今日到期 1 项"
        assert bar.has_class("-overdue")

        # The menu's entry opens the board.
        role = app.operator.role if app.operator else ""
        position = [entry.id for entry in entries_for(role)].index("deadlines")
        await pilot.press("f3", "home", *(["down"] * position), "enter")
        await settle(pilot)
        assert isinstance(app.screen, DeadlinesScreen)
        table = app.screen.query_one("#board", DataTable)
        assert [row.order_number for row in app.screen.rows] == [late, today, soon, later]
        assert [str(_cells(table, row)[2]) for row in range(table.row_count)] == [
            late,
            today,
            soon,
            later,
        ]
        first = _cells(table, 0)
        assert str(first[0]) == "逾期1小时30分" and first[0].style == "bold red"
        assert str(first[4]) == "林*禾"  # names are masked on a screen facing the counter
        assert _cells(table, 1)[0].style == "bold yellow"  # 10.5 hours left
        assert _cells(table, 2)[0].style == "bold yellow"  # 23.5 hours left
        assert str(_cells(table, 3)[0]) == "还剩6天2小时" and _cells(table, 3)[0].style == ""
        assert [str(_cells(table, row)[7]) for row in range(4)] == [
            "有货",
            "有货",
            "有货",
            "待到货",
        ]

        # Filters: household, then item number, then a village; a bad item number is refused.
        await type_keys(pilot, "f2", "tab", "tab", *"hp0002")
        assert [row.order_number for row in app.screen.rows] == [today, soon]
        await type_keys(pilot, "shift+tab", *str(TOOTHPASTE))
        assert [row.order_number for row in app.screen.rows] == [soon]
        await type_keys(pilot, "x")
        assert app.last_message == "物品请填序号（数字）"
        assert [row.order_number for row in app.screen.rows] == [soon]  # unchanged
        await type_keys(pilot, "backspace", "backspace", "shift+tab", *"惜字阁")
        assert app.screen.rows == []  # 惜字阁's lines are not this kiosk's exchange point's
        assert "没有待交付的物品" in str(app.screen.query_one("#board-empty").render())
        for selector in ("#filter-village", "#filter-item", "#filter-household"):
            app.screen.query_one(selector, Input).value = ""
        await settle(pilot)
        assert len(app.screen.rows) == 4

        # Enter on a row opens its order for handing over.
        table.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        assert app.screen.order_number == today
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_scanning_the_receipt_hands_the_late_rice_cooker_over(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10, 0))
    with write_session(engine) as session:
        from kiosk.core.fulfilment import hand_over, resolve_order

        hand_over(
            session,
            resolve_order(session, number),
            [1],
            operator(session, "shop-heping"),
            at(2026, 12, 1, 10, 0),
        )
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, RICE_COOKER, 1, operator(session, "shop-heping"), at(2026, 12, 8))

    app, printer = make_app(at(2026, 12, 9, 10, 0))  # eight days on
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        assert app.screen.query_one(DeadlineCountsBar).counts == DeadlineCounts(1, 0)

        await pilot.press(*f"JFO:{number}", "enter")  # the scanner types the receipt's QR code
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        table = screen.query_one("#handover-lines", DataTable)
        assert [str(_cells(table, row)[5]) for row in range(2)] == [
            "已交付 12-01 10:00",
            "已逾期",
        ]
        assert _cells(table, 1)[5].style == "bold red"
        assert screen.chosen == {2}  # the rice cooker is on the shelf: ticked already
        assert str(_cells(table, 1)[0]) == "[x]"

        # Untick, and F9 with nothing ticked is refused with the reason; nothing is written.
        await type_keys(pilot, "down", "space")
        assert screen.chosen == set()
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "请至少选择一项待交付物品"
        with Session(engine) as session:
            assert len(session.exec(select(Handover)).all()) == 1

        await pilot.press("enter")  # Enter ticks too
        assert screen.chosen == {2}
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "已交付 1 项（其中逾期 1 项），交付单已送打印"
        assert [str(_cells(table, row)[5]) for row in range(2)] == [
            "已交付 12-01 10:00",
            "逾期交付 12-09 10:00",
        ]
        # The slip went through the print queue to the printer, with its late line.
        paper = preview_text(printer.output)
        assert "物品交付单" in paper and "2. 电饭煲" in paper and "其中逾期到位" in paper
        with Session(engine) as session:
            jobs = session.exec(select(ReceiptJob).where(ReceiptJob.kind == "handover")).all()
            assert [job.status for job in jobs] == ["printed"]
            handed = session.exec(
                select(OrderLine.item_no).join(Handover, Handover.line_id == OrderLine.id)  # type: ignore[arg-type]
            ).all()
            assert sorted(handed) == [TOOTHPASTE, RICE_COOKER]

        # A second F9 has nothing left to hand over; the counts on home drop to zero.
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "请至少选择一项待交付物品"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(DeadlineCountsBar).counts == DeadlineCounts(0, 0)
    assert_ledger_ok(engine)


async def test_a_fully_handed_order_scans_to_its_receipt(
    make_app: AppFactory, place_order: PlaceOrder
) -> None:
    from kiosk.tui.screens.receipt import ReceiptScreen

    number = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1), hand_over=True)
    app, _ = make_app(at(2026, 12, 2))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.press(*f"JFO:{number}", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_the_receipt_of_a_line_handed_over_later_shows_it_owed_and_when_handed(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    """Toothpaste handed over at the counter, the rice cooker owed and handed over eight days
    on: the preview and a reprint both say what happened at the counter (the cooker owed,
    due 12-08) and when the cooker was handed over, never 当场交付 for it."""
    from kiosk.tui.screens.receipt import ReceiptScreen

    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, TOOTHPASTE, 1, operator(session, "shop-heping"), at(2026, 12, 1))
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10, 0))
    with write_session(engine) as session:
        from kiosk.core.fulfilment import hand_over, resolve_order

        order = resolve_order(session, number)
        shop = operator(session, "shop-heping")
        hand_over(session, order, [1], shop, at(2026, 12, 1, 10, 0))  # at the counter
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, RICE_COOKER, 1, shop, at(2026, 12, 8))
        hand_over(session, resolve_order(session, number), [2], shop, at(2026, 12, 9, 10, 0))

    app, printer = make_app(at(2026, 12, 10, 9, 0))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.press(*f"JFO:{number}", "enter")  # fully handed over: its receipt opens
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReceiptScreen)
        info = str(screen.query_one("#order-info").render())
        (toothpaste,) = [line for line in info.splitlines() if "牙膏" in line]
        (cooker,) = [line for line in info.splitlines() if "电饭煲" in line]
        assert toothpaste.endswith("当场交付")
        assert "当场" not in cooker
        assert cooker.endswith("应于 12-08 10:00 前交付，12-09 10:00 已交付")

        await pilot.press("f6")
        await settle(pilot)
        assert "【补打】" in screen.paper
        paper = preview_text(printer.output)
        assert "【补打】" in paper
        after_cooker = paper.split("电饭煲", 1)[1].split("合计", 1)[0]
        assert "当场" not in after_cooker
        assert "应于 12月08日前到位" in after_cooker
        assert "已于 12月09日 10:00 交付" in after_cooker
        assert "已当场交付" in paper.split("牙膏", 1)[1].split("电饭煲", 1)[0]
        assert "未到位物品凭此凭条领取" not in paper  # nothing is owed any more


async def test_restock_on_the_board_makes_the_rice_cooker_ready(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1, 10, 0))
    app, _ = make_app(at(2026, 12, 2, 10, 0))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.click("#deadline-counts")  # the counts on home open the board
        await settle(pilot)
        assert isinstance(app.screen, DeadlinesScreen)
        board = app.screen
        assert [row.ready for row in board.rows] == [False]

        await type_keys(pilot, "f4", *"29", "enter", *"0", "enter")
        assert app.last_message.startswith("数量必须是 1 到 9999 之间的整数")
        await type_keys(pilot, "f4", *"29", "enter", *"1", "enter")
        assert app.last_message == "已登记到货：电饭煲 1 件，现有库存 1；1 项待交付物品可交付"
        assert app.screen is board
        assert [(row.order_number, row.ready) for row in board.rows] == [(number, True)]
        await type_keys(pilot, "f4", "escape")  # Esc records nothing
        assert app.screen is board
    with Session(engine) as session:
        from kiosk.core.reference import stock_levels

        assert stock_levels(session, "heping-shop", [RICE_COOKER]) == {RICE_COOKER: 1}


async def test_an_administrator_cancels_a_line_and_a_shopkeeper_cannot(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    from kiosk.core.models import Cancellation

    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10, 0))
    app, _ = make_app(at(2026, 12, 2, 10, 0))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.press(*f"JFO:{number}", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("down", KEY["refuse"])  # not offered to a shopkeeper: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        app.sign_out()
        await settle(pilot)
        await pilot.press("down", "enter", *"1234", "enter")  # the village administrator
        await settle(pilot)
        assert app.operator is not None and app.operator.id == "admin-heping"

        await pilot.press(*f"JFO:{number}", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        await type_keys(pilot, "down", KEY["refuse"], "enter")  # an empty reason is refused
        assert app.last_message == "请写明取消原因（不超过200字）"
        await type_keys(pilot, KEY["refuse"], *"供货商断货", "enter")
        assert app.last_message == "已取消“电饭煲”，退回 180 分，余额 1997 分"  # 2000 - 183 + 180
        table = screen.query_one("#handover-lines", DataTable)
        assert str(_cells(table, 1)[5]) == "已取消"
        assert screen.record is not None
        assert [line.line_no for line in screen.record.open_lines] == [1]
    with Session(engine) as session:
        assert len(session.exec(select(Cancellation)).all()) == 1
    assert_ledger_ok(engine)


async def test_restock_takes_the_item_by_name_or_pinyin(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    place_order("HP0001", [RICE_COOKER, KETTLE], at(2026, 12, 1, 10, 0))
    app, _ = make_app(at(2026, 12, 2, 10, 0))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.click("#deadline-counts")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, DeadlinesScreen)

        # Pinyin initials, then Enter: the one item they name.
        await type_keys(pilot, "f4", *"dfb")
        assert str(app.screen.query_one("#restock-match").render()) == "→ 29 电饭煲"
        await type_keys(pilot, "enter", *"2", "enter")
        assert app.last_message == "已登记到货：电饭煲 2 件，现有库存 2；1 项待交付物品可交付"
        # Part of the name: several items, so nothing is chosen until the number is typed.
        await type_keys(pilot, "f4", *"电", "enter")
        assert isinstance(app.screen, RestockDialog)
        assert app.screen.item is None
        assert app.last_message.startswith("找到 ")
        assert "25 电热水壶" in app.last_message
        await type_keys(pilot, *"热水", "enter", *"1", "enter")
        assert app.screen is board
        assert app.last_message == "已登记到货：电热水壶 1 件，现有库存 1；1 项待交付物品可交付"
    with Session(engine) as session:
        from kiosk.core.reference import stock_levels

        assert stock_levels(session, "heping-shop", [RICE_COOKER, KETTLE]) == {
            RICE_COOKER: 2,
            KETTLE: 1,
        }


async def test_handing_over_goods_not_in_stock_says_where_to_record_them(
    make_app: AppFactory, place_order: PlaceOrder, engine: Engine
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1, 10, 0))
    restock_keys = [b.key for b in DeadlinesScreen.BINDINGS if b.action == "restock"]  # type: ignore[union-attr]
    app, _ = make_app(at(2026, 12, 2, 10, 0))
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        await pilot.press(*f"JFO:{number}", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("enter", KEY["do"])  # tick the rice cooker the shelf does not hold
        await settle(pilot)
        assert restock_keys == ["f4"]
        assert app.last_message == (
            "“电饭煲”库存不足（现有 0，需要 1）：货到后在“交付期限”屏按 F4 登记到货，再交付"
        )
        assert isinstance(app.screen, HandoverScreen)
    with Session(engine) as session:
        assert session.exec(select(Handover)).all() == []


async def test_home_counts_change_with_the_hand_over_itself(
    make_app: AppFactory, place_order: PlaceOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = place_order("HP0002", [SOAP], at(2026, 12, 1, 20, 0))  # due 12-03 20:00
    app, _ = make_app(at(2026, 12, 3, 9, 30))
    # What home's counts bar holds at the moment the hand-over is reported: no recount
    # after it, which would land later (~2 s on a busy kiosk).
    seen: list[DeadlineCounts | None] = []
    reported = HandoverScreen.on_handover_screen_delivered

    def spy(screen: HandoverScreen, message: HandoverScreen.Delivered) -> None:
        reported(screen, message)
        seen.append(app.screen_stack[2].query_one(DeadlineCountsBar).counts)

    monkeypatch.setattr(HandoverScreen, "on_handover_screen_delivered", spy)
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in_as_shopkeeper(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert home.query_one(DeadlineCountsBar).counts == DeadlineCounts(overdue=0, due_today=1)
        await pilot.press(*f"JFO:{number}", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen) and app.screen.chosen == {1}
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "已交付 1 项（其中逾期 0 项），交付单已送打印"
        assert seen == [DeadlineCounts(overdue=0, due_today=0)]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home
        assert (
            str(home.query_one(DeadlineCountsBar).render()) == "待交付：已逾期 0 项 · 今日到期 0 项"
        )
