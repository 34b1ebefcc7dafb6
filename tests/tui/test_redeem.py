"""The redeem screen by keys: catalogue search, cart, refusals, one confirmed order exactly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import OperationalError

from kiosk.core.models import Handover, LedgerEntry, OrderLine, ReceiptJob, RedemptionOrder
from kiosk.printing.preview import preview_text
from kiosk.printing.printers import DummyPrinter
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.dialogs.confirm_redeem import ConfirmRedeemDialog
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.redeem import RedeemScreen
from tests.support.builders import Ledger
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")


async def _open_redeem(app, pilot, payload: str) -> RedeemScreen:
    await sign_in(pilot)
    await scan_burst(pilot, payload)
    assert isinstance(app.screen, HouseholdScreen)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(app.screen, RedeemScreen)
    return app.screen


async def test_redeem_toothpaste_and_rice_cooker(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    before = ledger.balance("HP0001")
    printer = DummyPrinter()
    app = make_app(printer=printer)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_redeem(app, pilot, payload_of("HP0001"))
        await pilot.press("y", "g", "enter")  # 牙膏 by its pinyin initials
        await pilot.press("d", "f", "b", "enter")  # 电饭煲
        # Handed over at the counter only when the shopkeeper says so: the toothpaste, by Space.
        await pilot.press("tab", "up", "space", "shift+tab")
        await settle(pilot)
        assert [(line.item.name, line.qty, line.hand_over) for line in screen.cart.values()] == [
            ("牙膏", 1, True),  # on the shelf: handed over at the counter
            ("电饭煲", 1, False),  # none in stock: pending, due in 7 days
        ]
        assert screen.quote is not None and screen.quote.total == 183
        assert "本次 183 分" in str(screen.query_one("#totals").render())
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmRedeemDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.balance == before - 183
        assert "兑换成功" in app.last_message

    orders = ledger.rows(RedemptionOrder)
    assert len(orders) == 1 and orders[0].total == 183
    lines = {line.item_name: line for line in ledger.rows(OrderLine)}
    assert set(lines) == {"牙膏", "电饭煲"}
    handed = {h.line_id for h in ledger.rows(Handover)}
    assert handed == {lines["牙膏"].id}
    redemption = [e for e in ledger.rows(LedgerEntry) if e.kind == "redemption"]
    assert [e.points for e in redemption] == [-183]
    assert ledger.balance("HP0001") == before - 183
    jobs = ledger.rows(ReceiptJob)
    assert [(job.status, job.order_id) for job in jobs] == [("printed", orders[0].id)]
    paper = preview_text(printer.output)
    assert "牙膏" in paper and "电饭煲" in paper and f"[QR: JFO:{orders[0].number}]" in paper


async def test_cart_keys_quantity_hand_over_and_remove(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_redeem(app, pilot, payload_of("HP0001"))
        await pilot.press("1", "enter")  # item number 1, 牙刷
        await pilot.press("3", "1", "enter")  # 太阳能庭院灯, out of stock or nearly
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is screen.query_one("#cart")
        await pilot.press("up", "plus", "plus")
        await settle(pilot)
        toothbrush = screen.cart[1]
        assert toothbrush.qty == 3 and not toothbrush.hand_over  # later, unless said
        await pilot.press("space")  # handed over at the counter
        await settle(pilot)
        assert screen.cart[1].hand_over
        await pilot.press("space")  # the shopkeeper will give it later after all
        await settle(pilot)
        assert not screen.cart[1].hand_over
        await pilot.press("minus", "minus", "minus")  # down to zero removes the line
        await settle(pilot)
        assert list(screen.cart) == [31]
        await pilot.press("delete")
        await settle(pilot)
        assert screen.cart == {}
        await pilot.press("f10")
        await settle(pilot)
        assert app.last_message == "请至少选择一件物品"
        assert not isinstance(app.screen, ConfirmRedeemDialog)
    assert ledger.rows(RedemptionOrder) == []


async def test_over_the_balance_is_refused_with_the_reason(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    balance = ledger.balance("HP0001")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_redeem(app, pilot, payload_of("HP0001"))
        for _ in range(5):
            await pilot.press("3", "1", "enter")  # 260 points each
        await settle(pilot)
        refusal = str(screen.query_one("#refusal").render())
        assert refusal == f"积分不足：需要 1300 分，余额 {balance} 分"
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, RedeemScreen)  # no confirmation offered
        assert app.last_message == refusal
    assert ledger.rows(RedemptionOrder) == []
    assert ledger.balance("HP0001") == balance


async def test_frozen_household_cannot_redeem(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0002")
    ledger.freeze("HP0002", "2026-07-31", "家庭成员违法违纪")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await scan_burst(pilot, payload_of("HP0002"))
        card = str(app.screen.query_one("#card").render())
        assert "冻结兑换至 2026-07-31（家庭成员违法违纪）" in card
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert "2026-07-31" in str(screen.query_one("#refusal").render())
        await pilot.press("1", "enter", "f10")
        await settle(pilot)
        assert app.last_message == ("该户在 2026-07-31 前只积分、不兑换（家庭成员违法违纪）")
    assert ledger.rows(RedemptionOrder) == []


async def test_a_lost_answer_retried_never_doubles_the_order(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    before = ledger.balance("HP0001")
    app = make_app()
    commit = app.backend.redeem
    answers_lost = []

    def commit_then_lose_the_answer(*args, **kwargs):
        result = commit(*args, **kwargs)
        if not answers_lost:
            answers_lost.append(result.order_id)
            # The commit landed, but the caller never heard (e.g. the disk stalled).
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        return result

    app.backend.redeem = commit_then_lose_the_answer  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_redeem(app, pilot, payload_of("HP0001"))
        await pilot.press("y", "g", "enter", "f10")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen  # still on the cart, told to try again
        assert "不会重复兑换" in app.last_message
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    orders = ledger.rows(RedemptionOrder)
    assert [order.id for order in orders] == answers_lost
    assert ledger.balance("HP0001") == before - 3
    assert len(ledger.rows(ReceiptJob)) == 1


async def test_escape_leaves_the_cart_without_an_order(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_redeem(app, pilot, payload_of("HP0001"))
        await pilot.press("y", "g", "enter", "f10")
        await settle(pilot)
        await pilot.press("escape")  # the dialog: back to the cart
        await settle(pilot)
        assert isinstance(app.screen, RedeemScreen)
        await pilot.press("escape")  # an unconfirmed cart is never dropped without asking
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        await pilot.press("right", "enter")  # 放弃兑换单
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    assert ledger.rows(RedemptionOrder) == []


async def test_full_pinyin_finds_items(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_redeem(app, pilot, payload_of("HP0001"))
        await pilot.press("y", "a")
        await settle(pilot)
        assert [row.name for row in screen.shown[:2]] == ["牙刷", "牙膏"]
        await pilot.press(*"gao", "enter")
        await settle(pilot)
        assert [line.item.name for line in screen.cart.values()] == ["牙膏"]
