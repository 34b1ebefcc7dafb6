"""Driving the real Textual app with Pilot the way people and scanners do: settle, sign in,
scanner bursts, menus and fields."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.worlds import ADMIN_PIN

if TYPE_CHECKING:
    from kiosk.tui.app import KioskApp

# make_app (tests/conftest.py): (printer=None, *, now=None, **settings) -> KioskApp
AppFactory = Callable[..., "KioskApp"]


async def settle(pilot: Any) -> None:
    """Let held keys, workers and the messages they post land (a message may start a worker),
    and tables lay out their new rows."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        while pilot.app.scan_filter.holding:  # typed keys wait out the scan gap
            await pilot.pause(pilot.app.scan_filter.gap)
        # An exclusive worker replaced by a newer one raises here; the newer one is awaited next.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    # pause() waits for the process to look idle: a guess that a loaded machine fools (a
    # process starved of CPU looks idle with messages still queued), and a table filled just
    # before measures its rows only on its own next idle. Wait for the state itself: nothing
    # queued anywhere, no worker running, no table still to measure, twice in a row.
    quiet = 0
    for _ in range(1000):
        quiet = 0 if _busy(pilot.app) else quiet + 1
        if quiet == 2:
            break
        await pilot.pause(0.01)


def _busy(app: Any) -> bool:
    from textual.widgets import DataTable
    from textual.worker import WorkerState

    if app.scan_filter.holding or app.message_queue_size:
        return True
    if any(worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in app.workers):
        return True
    for screen in app.screen_stack:
        for node in (screen, *screen.walk_children()):
            if node.message_queue_size:
                return True
            # Textual keeps this flag private: set when rows or columns change, cleared on the
            # table's next idle once it has measured them.
            if isinstance(node, DataTable) and getattr(node, "_require_update_dimensions", False):
                return True
    return False


def keys_of(text: str) -> list[str]:
    """The key presses a scanner makes typing `text` (then Enter): one burst."""
    return [*text, "enter"]


async def sign_in(pilot: Any, *, downs: int = 0, pin: str = "1111") -> None:
    """Choose the operator `downs` rows below the first and type the PIN, as a person at the
    counter does."""
    await settle(pilot)
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.press(*pin, "enter")
    await settle(pilot)


# Sign-in lists a 和平 kiosk's operators: shopkeeper, village admin, then street admin.
SIGN_IN_ROWS = {"shop-heping": 0, "admin-heping": 1, "street-admin": 2}


async def sign_in_as(pilot: Any, operator_id: str, *, pin: str = ADMIN_PIN) -> None:
    """Sign in as one of the 和平 kiosk's operators (the admin world's PIN unless given) and
    check it took."""
    await sign_in(pilot, downs=SIGN_IN_ROWS[operator_id], pin=pin)
    assert pilot.app.operator is not None and pilot.app.operator.id == operator_id


async def scan_burst(pilot: Any, text: str) -> None:
    """What a USB scanner does: every key of `text`, then Enter, delivered back to back.

    `pilot.press` waits for the app to go idle after each key (40 ms or more), slower than
    a scanner; this sends the same Key events at once, the way the terminal delivers them.
    """
    from textual import events
    from textual.keys import _character_to_key

    driver = pilot.app._driver
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        driver.send_message(events.Key(key, char))
    driver.send_message(events.Key("enter", "\r"))
    await settle(pilot)


def menu_ids(app: KioskApp) -> list[str]:
    from textual.widgets import OptionList

    menu = app.screen.query_one("#menu", OptionList)
    return [str(menu.get_option_at_index(i).id) for i in range(menu.option_count)]


async def open_menu(pilot: Any, entry_id: str) -> None:
    """Choose a home-menu entry by keys: F3 to the menu, down to the entry, Enter."""
    index = menu_ids(pilot.app).index(entry_id)
    await pilot.press("f3", "home", *(["down"] * index), "enter")
    await settle(pilot)


async def type_into(pilot: Any, selector: str, text: str, *, submit: bool = True) -> None:
    """Focus a field by clicking it, replace its text by typing, then Enter."""
    field = pilot.app.screen.query_one(selector)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    if submit:
        await pilot.press("enter")
    await settle(pilot)


async def answer_yes(pilot: Any) -> None:
    """Say yes to the question in front (`kiosk.tui.dialogs.ask.AskDialog`): the safe answer
    has the focus, so move to the other button first, as a person does."""
    from kiosk.tui.dialogs.ask import AskDialog

    await settle(pilot)
    assert isinstance(pilot.app.screen, AskDialog), type(pilot.app.screen).__name__
    await pilot.press("right", "enter")
    await settle(pilot)
