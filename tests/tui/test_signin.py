"""Sign-in, roles, the locked screen and the idle sign-out, driven by keys."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from kiosk.tui.dialogs.change_pin import ChangePinDialog
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.signin import SignInScreen
from tests.support.pilot import AppFactory, keys_of, settle, sign_in
from tests.support.worlds import Db

pytestmark = pytest.mark.world("tui")


async def test_wrong_pin_keeps_the_screen_locked(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, pin="4321")
        assert isinstance(app.screen, SignInScreen)
        assert app.operator is None
        assert app.last_message == "密码不对，请重新输入"
        # the PIN box is emptied for the next try
        assert app.screen.query_one("#pin").value == ""


async def test_right_pin_opens_home_with_the_shopkeepers_menu(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.role == "shopkeeper"
        menu = app.screen.query_one("#menu")
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        assert ids == ["find", "receipts", "deadlines", "settings", "help", "sign-out"]


async def test_locked_screen_accepts_only_a_sign_in(make_app: AppFactory, payload_of) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press(*keys_of(payload_of("HP0001")))
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.last_message == "请先登录，再扫码"
        await pilot.press("f1", "f7", "f5", "f12")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert len(app.screen_stack) == 2  # the default screen and the sign-in, nothing else


async def test_sign_out_key_locks_again(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.operator is None
        assert app.last_message == "已退出登录"


async def test_idle_operator_is_signed_out(make_app: AppFactory, payload_of) -> None:
    app = make_app(idle_minutes=2)
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press(*keys_of(payload_of("HP0002")))
        await settle(pilot)
        assert not app.sign_out_if_idle(time.monotonic() + 60)  # one minute: still there
        assert app.sign_out_if_idle(time.monotonic() + 121)
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.operator is None
        assert app.last_message == "长时间无操作，已自动退出登录"


async def test_demo_mode_shows_the_demo_pins(make_app: AppFactory) -> None:
    app = make_app(demo=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        hint = str(app.screen.query_one("#demo-pins").render())
        assert "1111" in hint and "2222" in hint and "9999" in hint


async def test_field_mode_hides_the_pins(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert not app.screen.query("#demo-pins")
        options = app.screen.query_one("#operators")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels and not any("PIN" in label for label in labels)


def _issue_one_time_pin(db_url: str, operator_id: str, pin: str) -> None:
    """What the office's `kiosk operator reset-pin` brings to the kiosk on the next pull."""
    from kiosk.core.clock import as_utc
    from kiosk.core.db import open_database, write_session
    from kiosk.core.models import Operator
    from kiosk.core.pins import hash_pin
    from tests.support.worlds import TUI_NOW

    engine = open_database(db_url)
    with write_session(engine) as session:
        operator = session.get(Operator, operator_id)
        assert operator is not None
        operator.pin_hash = hash_pin(pin)
        operator.pin_one_time = True
        operator.pin_issued_at = as_utc(TUI_NOW)
        session.add(operator)
    engine.dispose()


async def _type_pin_twice(pilot: Pilot[None], first: str, second: str) -> None:
    await pilot.press(*first, "enter", *second, "enter")
    await settle(pilot)


async def test_a_one_time_pin_opens_nothing_until_a_new_pin_is_chosen(
    make_app: AppFactory, db: Db
) -> None:
    _issue_one_time_pin(db.url, "shop-heping", "482915")
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, pin="482915")
        assert isinstance(app.screen, ChangePinDialog)
        assert app.operator is None
        title = str(app.screen.query_one("#change-pin-title", Label).render())
        assert "第一次登录" in title

        # Two different PINs: nothing stored, asked again.
        await _type_pin_twice(pilot, "730461", "730462")
        assert isinstance(app.screen, ChangePinDialog)
        assert app.last_message == "两次输入的不一样，请重新输入新密码"
        assert app.screen.query_one("#new-pin", Input).value == ""
        # A weak one: the register's rule says why.
        await _type_pin_twice(pilot, "123456", "123456")
        assert isinstance(app.screen, ChangePinDialog)
        assert app.operator is None and "123456" in app.last_message

        await _type_pin_twice(pilot, "730461", "730461")
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.id == "shop-heping"
        assert not app.operator.must_change_pin
        assert app.last_message == "新密码已设置，下次请用新密码登录"

        # The one-time PIN opens nothing any more; the new one opens home directly.
        await pilot.press("ctrl+l")
        await sign_in(pilot, pin="482915")
        assert isinstance(app.screen, SignInScreen) and app.operator is None
        await sign_in(pilot, pin="730461")
        assert isinstance(app.screen, HomeScreen)


async def test_giving_up_the_new_pin_leaves_the_kiosk_locked(make_app: AppFactory, db: Db) -> None:
    _issue_one_time_pin(db.url, "shop-heping", "482915")
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, pin="482915")
        assert isinstance(app.screen, ChangePinDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.operator is None
        message = str(app.screen.query_one("#signin-message", Static).render())
        assert message == "没有设置新密码，不能使用。请重新登录"
        await sign_in(pilot, pin="482915")  # still the one-time PIN: asked again
        assert isinstance(app.screen, ChangePinDialog)


async def test_quit_key_needs_a_signed_in_administrator(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        # The locked screen: nobody signed in, the program stays up.
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, SignInScreen)
        assert app.last_message == "关闭程序需要村管理员或街道管理员登录"
        assert app.screen.query_one("#message-line", Static).message == app.last_message
        # A shopkeeper: still up, home still in front.
        await sign_in(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.return_code is None and isinstance(app.screen, HomeScreen)
        assert app.last_message == "关闭程序需要村管理员或街道管理员登录"
        # A village administrator may close it (under cage, systemd starts it again).
        await pilot.press("ctrl+l")
        await sign_in(pilot, downs=1, pin="2222")
        assert app.operator is not None and app.operator.role == "village_admin"
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_after_an_administrator_signs_out_the_list_starts_again_at_the_top(
    make_app: AppFactory,
) -> None:
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, downs=1, pin="2222")  # the village administrator
        assert app.operator is not None and app.operator.role == "village_admin"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#operators", OptionList).highlighted == 0
        # The shopkeeper types their PIN straight away, as they would: it opens.
        await pilot.press("enter", *"1111", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.role == "shopkeeper"


async def test_the_pin_box_says_whose_pin_it_asks_for(make_app: AppFactory) -> None:
    from kiosk.core.masking import mask_name

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        names = [choice.name for choice in app.backend.operators()]
        label = app.screen.query_one("#pin-label", Label)
        assert str(label.render()) == f"输入 {mask_name(names[0])}（店员）的密码（PIN），按回车："
        await pilot.press("down")
        await settle(pilot)
        assert (
            str(label.render()) == f"输入 {mask_name(names[1])}（村管理员）的密码（PIN），按回车："
        )


async def test_a_sign_out_message_is_gone_once_the_next_operator_signs_in(
    make_app: AppFactory,
) -> None:
    from kiosk.tui.widgets.message_line import MessageLine

    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        signin = app.screen
        assert signin.query_one(MessageLine).message == "已退出登录"
        await sign_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(MessageLine).message.endswith("您好！请扫描积分卡")
        assert signin.query_one(MessageLine).message == ""  # nothing left for the next lock
