"""One keymap: every binding of every screen and dialog has its key's one meaning, texts name
keys only through the keymap, and each screen's F1 help lists exactly the keys it answers to."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any, ClassVar

import pytest
from sqlalchemy.engine import Engine
from textual.binding import Binding, BindingType
from textual.dom import DOMNode

import kiosk.tui
from kiosk.tui.app import KioskApp
from kiosk.tui.bindings import KEY, KEYMAP, KEYS_OF, bind, key_name
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.screens.help import HelpScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.redeem import RedeemScreen
from kiosk.tui.texts import SCREEN_MESSAGES, text
from tests.support.builders import Ledger, PlaceOrder
from tests.support.clock import at
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in_as
from tests.support.worlds import TOOTHPASTE

pytestmark = pytest.mark.world("admin")


def _kiosk_classes() -> list[type[DOMNode]]:
    """The app and every screen and dialog class the kiosk defines (all of kiosk.tui imported)."""
    for module in pkgutil.walk_packages(kiosk.tui.__path__, "kiosk.tui."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = [KioskApp]
    todo: list[type[Any]] = [KioskScreen, KioskDialog]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("kiosk."):  # not a test's own
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def wrong_bindings(cls: type[DOMNode]) -> list[str]:
    """The bindings `cls` itself declares (not Textual's own) whose key means something else."""
    wrong = []
    for owner in cls.__mro__:
        if not owner.__module__.startswith(("kiosk.", "tests.")) or "BINDINGS" not in vars(owner):
            continue
        for item in vars(owner)["BINDINGS"]:
            assert isinstance(item, Binding)
            for binding in item.make_bindings([item]):
                meaning = KEYMAP.get(binding.key)
                if binding.id is None or meaning is None or binding.id not in meaning.bindings:
                    wrong.append(f"{owner.__name__}: {binding.key} -> {binding.id}")
    return wrong


def test_every_binding_of_every_screen_and_dialog_has_its_keys_meaning() -> None:
    classes = _kiosk_classes()
    assert len(classes) > 20  # every screen and dialog was found
    assert [w for cls in classes for w in wrong_bindings(cls)] == []


def test_a_key_bound_to_another_meaning_is_caught() -> None:
    """The check above is not vacuous: F9 means refusing, so approving on it fails."""

    class Approving(KioskScreen):
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding("f9", "approve", id="approve"),
            Binding("f11", "toggle_name"),  # no id: no meaning to check
            bind("reject", "reject"),
        ]

    assert wrong_bindings(Approving) == ["Approving: f9 -> approve", "Approving: f11 -> None"]


def test_the_keymap_gives_each_binding_one_key_and_words_in_both_languages() -> None:
    arrows = {"up", "down", "left", "right"}
    for binding_id, keys in KEYS_OF.items():
        assert len(keys) == 1 or set(keys) <= arrows, binding_id
        for language in ("zh", "en"):
            for key in (f"key.{binding_id}", f"key.{binding_id}.tip"):
                assert key in SCREEN_MESSAGES, key
                assert text(key, language) != key
    # one meaning per key, and one key per meaning (the arrows share "move")
    meanings = [meaning.id for key, meaning in KEYMAP.items() if key not in arrows]
    assert len(meanings) == len(set(meanings))


_NAMED_KEY = re.compile(r"\bF\d{1,2}\b|Ctrl\+|空格")


def test_texts_name_keys_only_through_the_keymap() -> None:
    """A key named in words comes from the keymap ({key_<meaning>}), so a changed key cannot
    leave a message pointing at the old one."""
    literal = [
        key
        for key, pair in SCREEN_MESSAGES.items()
        for words in pair
        if _NAMED_KEY.search(words) and not key.startswith("key.")
    ]
    assert literal == []
    assert text("tui.award.press_confirm") == f"按 {key_name(KEY['do'])} 确认"
    assert "F10" in text("tui.award.press_confirm", "en")


# --- each screen's F1 help ---


def _help_keys(app: Any) -> set[str]:
    """The keys the help's list names, as shown (each line: - `keys` label: tip)."""
    source = app.screen.query_one("#help").source
    listed = source.split(f"## {text('tui.help.keys')}", 1)[1]
    rows = [line for line in listed.splitlines() if line.startswith("- `")]
    return {name for row in rows for name in row.split("`")[1].split()}


def _active_keys(app: Any) -> set[str]:
    """What Textual itself says the screen answers to (its own bindings and the app's, those
    not switched off), plus the keys its widgets handle, by their shown names."""
    screen = app.screen
    keys = {
        key
        for key, active in screen.active_bindings.items()
        if active.binding.id is not None and active.node in (screen, app)
    }
    keys |= {key for binding_id in screen.WIDGET_KEYS for key in KEYS_OF[binding_id]}
    return {key_name(key) for key in keys}


async def _help_matches(app: Any, pilot: Any) -> None:
    screen = app.screen
    # Asked with nothing focused, Textual lists the screen's and the app's keys only: a
    # focused field's own Delete or space does not hide the screen's from its help.
    focused = screen.focused
    screen.set_focus(None)
    expected = _active_keys(app)
    screen.set_focus(focused)
    await pilot.press(KEY["help"])
    await settle(pilot)
    assert isinstance(app.screen, HelpScreen), type(screen).__name__
    shown = _help_keys(app)
    absent = {key_name(key) for key in KEYMAP} - expected
    assert (type(screen).__name__, shown, shown & absent) == (
        type(screen).__name__,
        expected,
        set(),
    )
    if screen.HOWTO:
        assert text(screen.HOWTO) in app.screen.query_one("#help").source
    await pilot.press("escape")
    await settle(pilot)
    assert app.screen is screen


PLACES_WITHOUT_ARGUMENTS = [
    "receipts",
    "deadlines",
    "settings",
    "award",
    "declarations",
    "file-declaration",
    "disputes",
    "raise-dispute",
    "freezes",
    "notice",
]


async def test_every_screens_help_lists_exactly_its_own_keys(
    make_app: AppFactory, engine: Engine, ledger: Ledger, place_order: PlaceOrder
) -> None:
    ledger.give("HP0001")
    owed = place_order("HP0001", [TOOTHPASTE], at(2026, 11, 2, 10, 0))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await _help_matches(app, pilot)  # home
        for place in PLACES_WITHOUT_ARGUMENTS:
            app.home()
            app.open_screen(place)
            await settle(pilot)
            await _help_matches(app, pilot)
        app.home()
        await pilot.press(*"hp0001", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        await _help_matches(app, pilot)
        await pilot.press(KEY["redeem"])
        await settle(pilot)
        assert isinstance(app.screen, RedeemScreen)
        await _help_matches(app, pilot)
        app.home()
        await scan_burst(pilot, f"JFO:{owed}")  # the receipt of goods still owed: hand-over
        await _help_matches(app, pilot)
        app.home()
        app.open_screen("receipt", owed)
        await settle(pilot)
        await _help_matches(app, pilot)
