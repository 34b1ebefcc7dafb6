"""At the counter: the household typed is the one opened, an unconfirmed cart is never dropped
without asking, an item is added only when chosen, and every message is on screen whole."""

from __future__ import annotations

from collections.abc import Callable
from string import Formatter
from typing import Any

import pytest

from kiosk.core.messages import MESSAGES
from kiosk.core.models import RedemptionOrder
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.redeem import RedeemScreen
from kiosk.tui.texts import SCREEN_MESSAGES, text
from kiosk.tui.widgets.message_line import MessageLine
from tests.support.builders import Ledger
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")

# Two heads of the 和平 village (HP) are called ...永红: a name search with several hits.
SHARED_NAME = "永红"
SIZE = (80, 24)


def hit_codes(app: Any) -> list[str]:
    table = app.screen.query_one("#hits")
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def name_search_then_code(app: Any, pilot: Any, *, pause: bool) -> None:
    """Home, F2, a name with several hits, Enter; then a household code and Enter."""
    await sign_in(pilot)
    assert isinstance(app.screen, HomeScreen)
    await pilot.press("f2", *SHARED_NAME, "enter")
    if pause:
        await settle(pilot)
        assert len(hit_codes(app)) >= 2
        assert app.last_message.startswith(f"找到 {len(hit_codes(app))} 户")
        assert isinstance(app.screen, HomeScreen)  # several hits: nothing opened
    await pilot.press(*"hp0002", "enter")
    await settle(pilot)


@pytest.mark.parametrize("pause", [True, False], ids=["results-seen", "typed-straight-on"])
async def test_a_code_typed_after_a_name_search_opens_that_household(
    make_app: AppFactory, pause: bool
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await name_search_then_code(app, pilot, pause=pause)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0002"


@pytest.mark.usefixtures("cpu_hog")
@pytest.mark.parametrize("pause", [True, False], ids=["results-seen", "typed-straight-on"])
async def test_the_same_keys_on_a_loaded_machine_open_the_same_household(
    make_app: AppFactory, pause: bool
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await name_search_then_code(app, pilot, pause=pause)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0002"


async def test_a_search_hit_opens_only_when_the_arrows_chose_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f2", *SHARED_NAME, "enter")
        await settle(pilot)
        hits = hit_codes(app)
        assert len(hits) >= 2
        await pilot.press("enter")  # Enter again without choosing: still nothing opened
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("down", "down", "enter")  # the second hit, chosen by the arrows
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == hits[1]


async def test_a_name_nobody_has_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        await pilot.press("f2", "龘", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.last_message == "没有找到符合“龘”的农户"


async def open_cart(
    app: Any, pilot: Any, payload_of: Callable[[str], str], code: str
) -> RedeemScreen:
    await sign_in(pilot)
    await scan_burst(pilot, payload_of(code))
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("y", "g", "enter")  # 牙膏
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, RedeemScreen) and len(screen.cart) == 1
    return screen


@pytest.mark.parametrize("same_card", [False, True], ids=["next-villager", "same-card-again"])
async def test_a_scan_on_an_unconfirmed_cart_asks_first(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger, same_card: bool
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        cart = await open_cart(app, pilot, payload_of, "HP0001")
        next_code = "HP0001" if same_card else "HP0003"
        await scan_burst(pilot, payload_of(next_code))
        assert isinstance(app.screen, AskDialog)
        assert "牙膏×1" in app.screen.question
        await pilot.press("enter")  # the focused answer keeps the cart
        await settle(pilot)
        assert app.screen is cart and len(cart.cart) == 1

        await scan_burst(pilot, payload_of(next_code))
        assert isinstance(app.screen, AskDialog)
        await pilot.press("right", "enter")  # 放弃兑换单: the scan goes on to its household
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == next_code
    assert ledger.rows(RedemptionOrder) == []


async def test_escape_on_an_unconfirmed_cart_asks_and_can_keep_it(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        cart = await open_cart(app, pilot, payload_of, "HP0001")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        await pilot.press("escape")  # Esc in the question keeps the cart too
        await settle(pilot)
        assert app.screen is cart and [line.item.name for line in cart.cart.values()] == ["牙膏"]
        assert not cart.cart[2].hand_over  # at the counter only when Space says so


async def test_a_bare_enter_in_the_item_search_adds_nothing(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        cart = await open_cart(app, pilot, payload_of, "HP0001")
        await pilot.press("2", "1", "enter", "enter")  # item 21, then a stray Enter
        await settle(pilot)
        assert [line.item.no for line in cart.cart.values()] == [2, 21]
        assert app.last_message.startswith("请输入物品序号")
        await pilot.press("down", "enter")  # chosen by the arrows: that one is added
        await settle(pilot)
        assert sum(line.qty for line in cart.cart.values()) == 3


def _sample(template: str) -> dict[str, object]:
    """A value for each placeholder of `template`: wide enough to be noticed when cut."""
    return {name: "HP0001" for _, name, _, _ in Formatter().parse(template) if name}


def _messages() -> list[str]:
    """Every domain message, and every screen text that is a message (not a label or key)."""
    pairs = list(MESSAGES.values()) + [
        pair
        for key, pair in SCREEN_MESSAGES.items()
        if key.startswith("tui.") and not key.startswith(("tui.col.", "tui.help."))
    ]
    return [template.format(**_sample(template)) for template, _ in pairs]


def screen_text(app: Any) -> str:
    """What the terminal shows, row by row, wide glyphs as they were drawn."""
    update = app.screen._compositor.render_full_update(simplify=True)
    return "\n".join("".join(strip.text for strip in row) for row in update.strips)


async def test_messages_land_on_the_screen_in_front(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        # Said as the home screen was pushed, before it was drawn: on its line all the same.
        assert app.screen.query_one(MessageLine).message == "田光辉，您好！请扫描积分卡"
        assert "田光辉，您好" in screen_text(app)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.screen.query_one(MessageLine).message == "已退出登录"
        await sign_in(pilot)
        await pilot.press("ctrl+l")  # the next sign-out: the sign-in screen says it afresh
        await settle(pilot)
        assert "已退出登录" in screen_text(app)


async def test_every_message_is_on_screen_whole(make_app: AppFactory) -> None:
    messages = _messages()
    assert len(messages) > 100 and text("code.forged") in messages
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        missing = []
        for message in messages:
            app.say(message, error=True)
            await pilot.pause()
            # A long message wraps: compare with the line breaks and the padding taken out.
            shown = "".join(screen_text(app).replace("\n", "").split())
            if "".join(message.split()) not in shown:
                missing.append(message)
        assert missing == []


async def test_a_message_during_a_dialog_is_on_screen(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0001")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_cart(app, pilot, payload_of, "HP0001")
        await pilot.press("f10")
        await settle(pilot)
        await scan_burst(pilot, payload_of("HP0003"))  # the next villager, too early
        assert app.last_message == "请先确认或取消当前对话框，再扫码"
        assert "".join(app.last_message.split()) in "".join(screen_text(app).split())


async def test_the_printer_failure_is_one_chinese_line_saying_what_to_do(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot)
        assert "f8" not in app.screen.active_bindings  # nothing to retry yet
        # What the print worker reports when the USB printer is unplugged.
        app._printed(1, "USBNotFoundError: Device not found (idVendor=0x0416)\nTraceback ...")
        await settle(pilot)
        line = app.screen.query_one(MessageLine)
        assert line.message == "小票没打出来，兑换已保存：检查打印机电源和纸，再按 F8 重打"
        assert line.region.height == 1  # one line at 80 columns, no exception text
        assert app.screen.active_bindings["f8"].enabled  # and F8 does what it says, here
        await pilot.press("f8")
        await settle(pilot)
        assert app.last_message == "打印机已恢复，小票已打印"
        assert "f8" not in app.screen.active_bindings
