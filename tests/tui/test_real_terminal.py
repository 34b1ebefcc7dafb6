"""The counter in a real terminal: `kiosk run` in tmux at the kiosk's sizes, keys sent the way a
person types them (one at a time, each seen on screen before the next) and the way a scanner
sends them (a whole code and its Enter in one write), the screen read back as text.

Every step waits for what the screen must show, with a deadline only so that a broken screen
fails instead of hanging; nothing is asserted after a fixed sleep.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.tui.bindings import KEY
from kiosk.tui.texts import text
from tests.support.builders import Ledger
from tests.support.worlds import ADMIN_PIN, WORLDS, Db, World

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="needs tmux (Debian: tmux)")

DEADLINE = 60.0  # seconds for one screen to appear; a loaded CI machine is slow to start
KIOSK = Path(sys.executable).parent / "kiosk"

# tmux's names of the keys the keymap uses (`send-keys`).
TMUX_KEYS = {
    "escape": "Escape",
    "enter": "Enter",
    "down": "Down",
    "home": "Home",
    "ctrl+q": "C-q",
}


def tmux_key(key: str) -> str:
    return TMUX_KEYS.get(key, key.upper() if key.startswith("f") else key)


class Terminal:
    """`kiosk run` on `db` in a tmux pane of `size`, on a tmux server of its own."""

    def __init__(self, db: Db, now: str, size: tuple[int, int], folder: Path) -> None:
        self.socket = f"kiosk-walk-{uuid.uuid4().hex[:12]}"
        config = folder / "tmux.conf"
        # A pane whose program ended stays, so that a crash is read, not a vanished session.
        config.write_text("set -g remain-on-exit on\nset -g status off\n", encoding="utf-8")
        environment = {
            "KIOSK_DB": db.url,
            "KIOSK_NOW": now,
            "KIOSK_PRINTER": "dummy",
            "KIOSK_CONFIG": str(folder / "none.toml"),
            "LANG": "C.UTF-8",
            "HOME": str(folder),
        }
        width, height = size
        self._tmux(
            "-f",
            str(config),
            "new-session",
            "-d",
            "-s",
            "kiosk",
            "-x",
            str(width),
            "-y",
            str(height),
            "env",
            *(f"{name}={value}" for name, value in environment.items()),
            str(KIOSK),
            "run",
        )

    def _tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-u", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**os.environ, "LANG": "C.UTF-8"},
        )
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "kiosk")

    def alive(self) -> bool:
        return self._tmux("display-message", "-p", "-t", "kiosk", "#{pane_dead}").strip() == "0"

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        """The screen once `check` holds for it; fails (showing the screen) at the deadline."""
        deadline = time.monotonic() + DEADLINE
        while True:
            shown = self.screen()
            if check(shown):
                return shown
            assert time.monotonic() < deadline and self.alive(), f"never saw {what}:\n{shown}"
            time.sleep(0.1)

    def shows(self, *words: str) -> str:
        return self.wait_for(lambda shown: all(w in shown for w in words), " and ".join(words))

    def press(self, *keys: str, pace: float = 0.0) -> None:
        """Keys of the keymap (`kiosk.tui.bindings`), as separate presses, `pace` seconds
        apart: a person's rhythm, not a check (what happened is read from the screen)."""
        for index, key in enumerate(keys):
            if index and pace:
                time.sleep(pace)
            self._tmux("send-keys", "-t", "kiosk", tmux_key(key))

    def type(self, words: str) -> None:
        """As a person types: one key at a time, the next once the screen has changed (the
        key landed, after the scan filter's gap), which no scanner is slow enough to do."""
        for char in words:
            before = self.screen()
            self._tmux("send-keys", "-t", "kiosk", "-l", char)
            self.wait_for(lambda shown, before=before: shown != before, f"{char!r} typed")

    def scan(self, payload: str) -> None:
        """As a scanner sends it: the code and its Enter in one write to the terminal."""
        self._tmux(
            "send-keys", "-t", "kiosk", "-l", payload, ";", "send-keys", "-t", "kiosk", "Enter"
        )

    def close(self) -> None:
        subprocess.run([TMUX or "tmux", "-L", self.socket, "kill-server"], check=False, timeout=30)


@pytest.fixture
def terminal(db: Db, world: World, tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def start(size: tuple[int, int] = (80, 24)) -> Terminal:
        shell = Terminal(db, world.now.isoformat(), size, tmp_path)
        opened.append(shell)
        return shell

    yield start
    for shell in opened:
        shell.close()


def sign_in(shell: Terminal, pin: str, downs: int = 0) -> None:
    """Choose the operator `downs` rows below the first, type the PIN, reach home."""
    shell.shows(text("tui.signin.title"))
    shell.press(*["down"] * downs, "enter")
    shell.type(pin)
    shell.press("enter")
    # Home is up once its message line greets the operator (the search box has the focus).
    shell.shows(text("menu.receipts"), text("key.find"), "您好")


def _cart_total(shown: str) -> str:
    """The redeem screen's line of balance, this order's points and what is left."""
    return next((line for line in shown.splitlines() if "兑换后" in line), "")


@pytest.mark.world("tui")
def test_the_counter_walk_in_a_real_terminal(
    terminal: Callable[..., Terminal], payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.give("HP0002")
    shell = terminal()
    sign_in(shell, WORLDS["tui"].pin)

    # A name with several hits, Enter: nothing opens; a typed code then opens that household.
    shell.press(KEY["find"])
    shell.type("永红")
    shell.press("enter")
    shell.shows("找到", "户")
    shell.type("hp0002")
    shell.press("enter")
    shown = shell.shows(text("tui.household.entries"))
    card = next(line for line in shown.splitlines() if "户主" in line)
    assert "HP0002" in card

    # Redeem: a toothpaste by its initials; a bare Enter in the item search adds nothing.
    shell.press(KEY["redeem"])
    shell.shows(text("tui.redeem.cart"))
    before = _cart_total(shell.screen())
    shell.type("yg")
    shell.press("enter")
    total = _cart_total(shell.wait_for(lambda s: _cart_total(s) != before, "the toothpaste"))
    shell.press("enter")
    shown = shell.shows("请输入物品序号")
    assert _cart_total(shown) == total

    # The next villager's card on the unconfirmed cart asks; Esc keeps the cart.
    shell.scan(payload_of("HP0003"))
    shell.shows(text("tui.redeem.discard"), text("tui.redeem.keep"))
    shell.press("escape")
    shown = shell.wait_for(lambda s: text("tui.redeem.keep") not in s, "the question gone")
    assert _cart_total(shown) == total and "HP0002" in shown
    # Esc on the cart asks too.
    shell.press("escape")
    shell.shows(text("tui.redeem.discard"), text("tui.redeem.keep"))


@pytest.mark.world("tui")
def test_wrong_pins_and_quitting_on_the_locked_screen(terminal: Callable[..., Terminal]) -> None:
    shell = terminal()
    shell.shows(text("tui.signin.title"))
    shell.press("enter")
    said: list[str] = []
    for _ in range(6):
        shell.type("4321")
        shell.press("enter")
        shown = shell.wait_for(lambda s: "•" not in s, "the PIN box emptied")
        said.append(
            next((line for line in shown.splitlines() if "密码" in line and "秒" in line), "")
        )
    # Guessing is slowed: after a few wrong PINs the kiosk says how long to wait.
    assert any(said), said
    shown = shell.screen()
    assert text("key.find") not in shown  # still locked

    shell.press("ctrl+q")
    shell.shows(text("tui.quit.admins_only"))
    assert shell.alive()
    assert text("tui.signin.title") in shell.screen()


@pytest.mark.world("admin")
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_administrators_fields_are_on_screen(
    terminal: Callable[..., Terminal], size: tuple[int, int]
) -> None:
    shell = terminal(size)
    sign_in(shell, ADMIN_PIN, downs=1)
    menu = [
        "find",
        "receipts",
        "deadlines",
        "award",
        "declarations",
        "disputes",
        "freezes",
        "notice",
    ]
    # A person's pace: F3 moves the focus after the key is handled (Textual focuses on its
    # next turn), and keys sent a few milliseconds after it still reach the search box.
    shell.press(KEY["menu"], "home", *["down"] * menu.index("freezes"), "enter", pace=0.3)
    shell.shows(text("tui.freeze.code"), text("tui.freeze.until"), text("tui.freeze.reason"))
    shell.press("escape")
    shell.shows(text("menu.receipts"))
    # A person's pace: F3 moves the focus after the key is handled (Textual focuses on its
    # next turn), and keys sent a few milliseconds after it still reach the search box.
    shell.press(KEY["menu"], "home", *["down"] * menu.index("notice"), "enter", pace=0.3)
    shown = shell.shows("2026Q4", text("tui.notice.out")[:6])
    assert text("key.export") in shown
