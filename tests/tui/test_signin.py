"""Sign-in, roles, the locked screen and the idle sign-out, driven by keys."""

from __future__ import annotations

import time

import pytest

from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.signin import SignInScreen
from tests.support.pilot import AppFactory, keys_of, settle, sign_in

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
