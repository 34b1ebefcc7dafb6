"""Scans are recognised on every screen, whatever has focus, and never typed into an input."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select, update

from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.models import Household, LedgerEntry, RedemptionOrder
from kiosk.tui.bindings import KEY
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.receipt import ReceiptScreen
from kiosk.tui.screens.redeem import RedeemScreen
from tests.support.pilot import AppFactory, keys_of, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")


def _counts(db_path: Path) -> tuple[int, int]:
    engine = open_database(f"sqlite:///{db_path}")
    with read_session(engine) as session:
        entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
        orders = session.exec(select(func.count()).select_from(RedemptionOrder)).one()
    engine.dispose()
    return entries, orders


async def test_scan_while_the_search_box_has_focus(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        search = app.screen.query_one("#search")
        await pilot.press("h", "p")  # the shopkeeper had started typing
        await pilot.pause(0.2)  # longer than the scan gap: typing reaches the input
        assert app.focused is search and search.value == "hp"
        await pilot.press(*keys_of(payload_of("HP0003")))
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0003"
        # nothing of the payload reached the input
        assert search.value == "hp"


async def test_scan_on_the_redeem_screen_with_the_item_search_focused(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press(*keys_of(payload_of("HP0001")))
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, RedeemScreen)
        item_search = app.screen.query_one("#item-search")
        assert app.focused is item_search
        await pilot.press(*keys_of(payload_of("HP0002")))
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0002"
        assert item_search.value == ""
        # the stack is home, then the new household: no pile of old screens
        assert [type(s).__name__ for s in app.screen_stack[-2:]] == [
            "HomeScreen",
            "HouseholdScreen",
        ]


async def test_slow_scanner_payload_still_counts_and_is_taken_back_out(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        search = app.screen.query_one("#search")
        payload = payload_of("HP0004")
        slow = [key for char in payload for key in (char, "wait:80")]  # 80 ms a key
        await pilot.press(*slow[:20])
        await settle(pilot)
        assert search.value  # a slow start looks like typing and reaches the input
        await pilot.press(*slow[20:], "enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0004"
        assert search.value == ""


async def _refused_scan(app, pilot, raw: str) -> str:
    await scan_burst(pilot, raw)
    assert isinstance(app.screen, HomeScreen)
    assert app.screen.query_one("#search").value == ""
    return app.last_message


async def test_bad_codes_say_why_and_change_nothing(
    make_app: AppFactory, payload_of: Callable[[str], str], db_path: Path
) -> None:
    before = _counts(db_path)
    good = payload_of("HP0005")
    head, _, signature = good.rpartition(":")
    raw = base64.b32decode(signature + "=" * (-len(signature) % 8))
    flipped = bytes([raw[0] ^ 1]) + raw[1:]
    forged = f"{head}:{base64.b32encode(flipped).decode().rstrip('=')}"
    altered = good.replace("HP0005", "HP0006", 1)
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        assert await _refused_scan(app, pilot, forged) == (
            "积分卡校验失败（伪造或被改动），请到村委核实"
        )
        assert await _refused_scan(app, pilot, altered) == (
            "积分卡校验失败（伪造或被改动），请到村委核实"
        )
        assert await _refused_scan(app, pilot, "JF1:HP00#%*&^%$@!XX") == "无法识别的码，请重新扫描"
        assert await _refused_scan(app, pilot, "JFO:K-HP-01-999999") == (
            "找不到兑换单：K-HP-01-999999"
        )
        # a lost card: the household's card was reissued (version 2)
        engine = open_database(f"sqlite:///{db_path}")
        with write_session(engine) as session:
            session.exec(update(Household).where(Household.code == "HP0005").values(card_version=2))
        engine.dispose()
        assert await _refused_scan(app, pilot, good) == "此卡已挂失补办，请使用新卡（第2版）"
    assert _counts(db_path) == before


async def test_unknown_household_card(make_app: AppFactory, signer, db_path: Path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        message = await _refused_scan(app, pilot, signer.payload("HP9999", 1))
        assert message == "找不到该户：HP9999"


async def test_order_code_opens_the_order(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    from kiosk.core.redemption import RedeemLine

    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        household = app.backend.household("HP0001")
        result = app.backend.redeem(
            household.id, [RedeemLine(2, 1, hand_over=True)], "shop-heping", "order-1"
        )
        await pilot.press(*keys_of(f"JFO:{result.number}"))
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert result.number in app.screen.paper
        assert "牙膏" in app.screen.paper


async def initials_then_code(make_app: AppFactory, db_path: Path) -> None:
    """Initials find the household (masked), a typed code opens it, a name's first glyph
    finds it again."""
    from catalog.search import pinyin_initials

    engine = open_database(f"sqlite:///{db_path}")
    with read_session(engine) as session:
        target = session.exec(select(Household).where(Household.code == "HP0007")).one()
    engine.dispose()
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press(*pinyin_initials(target.head_name))
        await settle(pilot)
        table = app.screen.query_one("#hits")
        codes = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert "HP0007" in codes
        # the list shows masked names only
        names = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert target.head_name not in names
        await pilot.press(*["backspace"] * 5, *"hp0007", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0007"
        await pilot.press("escape")
        await pilot.press(*target.head_name[:1])
        await settle(pilot)
        table = app.screen.query_one("#hits")
        assert table.row_count >= 1


async def test_typing_a_short_code_or_initials_finds_the_household(
    make_app: AppFactory, db_path: Path
) -> None:
    await initials_then_code(make_app, db_path)


@pytest.mark.usefixtures("cpu_hog")
async def test_typing_a_short_code_or_initials_finds_the_household_on_a_loaded_machine(
    make_app: AppFactory, db_path: Path
) -> None:
    # The same keys with every core busy: typed keys and scanner bursts are told apart by
    # what arrives, not by how fast the machine happens to deliver it.
    await initials_then_code(make_app, db_path)


async def test_next_card_on_the_household_screen_replaces_the_household(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await scan_burst(pilot, payload_of("HP0001"))
        first = app.screen
        await pilot.press(KEY["full_name"])  # full name shown for the first customer
        await scan_burst(pilot, payload_of("HP0002"))
        assert app.screen is first  # refilled, not stacked
        assert first.household.code == "HP0002"
        card = str(first.query_one("#card").render())
        assert "HP0002" in card and first.household.masked_head in card
        assert len(app.screen_stack) == 4  # default, sign-in, home, household


async def test_a_name_typed_quickly_is_searched_not_taken_for_a_scan(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        # Pinyin typed or pasted quickly, and an input method's name, each then Enter:
        # as fast as a scanner, but letters only, which no code is.
        for query in ("qqqqqqqqqq", "龘龘龘龘龘龘龘龘"):
            search = app.screen.query_one("#search")
            search.value = ""
            await scan_burst(pilot, query)
            assert isinstance(app.screen, HomeScreen)
            assert search.value == query
            assert app.last_message == f"没有找到符合“{query}”的农户"


async def test_a_scanner_on_another_keyboard_layout(
    make_app: AppFactory, payload_of: Callable[[str], str]
) -> None:
    good = payload_of("HP0005")
    head, _, signature = good.rpartition(":")
    raw = base64.b32decode(signature + "=" * (-len(signature) % 8))
    forged = f"{head}:{base64.b32encode(bytes([raw[0] ^ 1]) + raw[1:]).decode().rstrip('=')}"
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        # `;` for every `:` (the shifted key arrives unshifted): read as the card it is.
        await scan_burst(pilot, good.replace(":", ";"))
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0005"
        await pilot.press("escape")
        await settle(pilot)
        # The signature is still checked: an altered card read that way is still refused.
        assert await _refused_scan(app, pilot, forged.replace(":", ";")) == (
            "积分卡校验失败（伪造或被改动），请到村委核实"
        )
        # Another layout's character where the colon goes: the setting to fix is named.
        assert await _refused_scan(app, pilot, good.replace(":", "Ö")) == (
            "扫码枪的键盘布局不对（冒号成了“Ö”）：请按说明书把扫码枪设为美式键盘，再扫"
        )


async def test_full_pinyin_finds_the_household(make_app: AppFactory, db_path: Path) -> None:
    # pypinyin as the kiosk loads it (single characters), not the new search itself
    from catalog.search import lazy_pinyin

    engine = open_database(f"sqlite:///{db_path}")
    with read_session(engine) as session:
        target = session.exec(select(Household).where(Household.code == "HP0007")).one()
    engine.dispose()
    syllables = lazy_pinyin(target.head_name)
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        search = app.screen.query_one("#search")
        for query in (syllables[0], "".join(syllables)):  # the surname, the whole name
            search.value = ""
            await pilot.press(*query)
            await settle(pilot)
            table = app.screen.query_one("#hits")
            assert "HP0007" in [table.get_row_at(i)[0] for i in range(table.row_count)]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == "HP0007"


async def test_escape_clears_the_home_search(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        search = app.screen.query_one("#search")
        await pilot.press(*"hp00")
        await settle(pilot)
        assert app.screen.query_one("#hits").row_count > 0
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert search.value == "" and app.screen.query_one("#hits").row_count == 0
        assert app.focused is search
