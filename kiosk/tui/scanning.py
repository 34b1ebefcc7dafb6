"""Telling a USB scanner's keystrokes from a person's, before any widget sees them.

A scanner is a keyboard that types the whole payload and Enter within a few milliseconds
a key. The app hands every key to `ScanFilter.filter` first (from `App.on_event`, which
Textual calls before it checks priority bindings and forwards the key to the focused
widget). Printable keys are held back while they keep coming faster than the scan gap:

- a held burst that ends in Enter is a scan when it is long enough (a person does not type
  eight characters 50 ms apart) or validates as a payload: the keys never reach the focused
  widget, so a scan made while the search box has focus does not end up typed into it;
- a burst that stops without Enter is a scan if it is a whole card code (scanners set to
  send no suffix); otherwise its keys are replayed to the focused widget, in order, as typed;
- a control key (ctrl+q, ctrl+l...) inside a fast burst is a scanner's stray byte and is
  swallowed, so garbage from a misconfigured scanner cannot quit the app or sign out;
- a line typed slowly that validates as a whole card or order code when Enter comes is a
  scan too (a slow Bluetooth scanner); what it typed into an input is taken back out.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from textual import events
from textual.timer import Timer
from textual.widgets import Input

from kiosk.core.codes import CARD_PREFIX, ORDER_PREFIX, looks_like_payload

# Shortest burst taken as a scan even when it does not validate (a damaged or foreign code):
# PINs (4-6 digits) and short codes (HP0001) typed quickly stay typing.
MIN_SCAN_LENGTH = 8


def payload_suffix(line: str) -> str | None:
    """The whole card or order code that `line` ends with, if any (typing may precede it);
    `;` for `:` too (a scanner on another keyboard layout: kiosk.core.codes.read_separators)."""
    upper = line.upper()
    start = max(
        upper.rfind(prefix + separator)
        for prefix in (CARD_PREFIX, ORDER_PREFIX)
        for separator in ":;"
    )
    if start >= 0 and looks_like_payload(line[start:]):
        return line[start:]
    return None


class ScanFilter:
    """Holds back fast printable keys and decides, per burst, scan or typing."""

    def __init__(
        self,
        *,
        gap_seconds: float,
        forward: Callable[[events.Key], Awaitable[None]],
        on_scan: Callable[[str], None],
        set_timer: Callable[[float, Callable[[], Awaitable[None]]], Timer],
        focused: Callable[[], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gap = gap_seconds
        self._forward = forward
        self._on_scan = on_scan
        self._set_timer = set_timer
        self._focused = focused
        self._clock = clock
        self._held: list[events.Key] = []
        self._last_at = 0.0
        self._timer: Timer | None = None
        self._line = ""  # printable characters since the last Enter or other key

    @property
    def holding(self) -> bool:
        """Keys are held back, waiting to be told scan or typing."""
        return bool(self._held)

    @property
    def held_text(self) -> str:
        return "".join(event.character or "" for event in self._held)

    async def filter(self, event: events.Key) -> bool:
        """True when the key was taken (held, or part of a scan); False to let it through."""
        # When the key arrived (the driver stamps each event as it reads it), not when the
        # app got round to it: on a busy machine a scanner's burst waits in the queue and
        # would otherwise look as slow as typing, half of it typed into the focused input.
        now = event.time if event.time else self._clock()
        if event.key == "enter":
            return await self._enter()
        character = event.character
        if character is not None and len(character) == 1 and event.is_printable:
            if self._held and now - self._last_at > self.gap:
                await self._release()
            self._held.append(event)
            self._line += character
            self._last_at = now
            self._restart_timer()
            return True
        if event.key.startswith("ctrl+") and self._held and now - self._last_at <= self.gap:
            # A control character inside a fast burst comes from a misconfigured scanner,
            # not a person: swallow it rather than let ctrl+q quit or ctrl+l sign out.
            # The rest of the burst still has to validate (a card's signature covers it).
            self._last_at = now
            self._restart_timer()
            return True
        # Any other key (arrows, Tab, F-keys, Backspace) ends a burst: it was typing.
        await self._release()
        self._line = ""
        return False

    async def _enter(self) -> bool:
        self._stop_timer()
        burst = self.held_text
        scanned = payload_suffix(self._line)
        self._line = ""
        if scanned is not None:
            self._held.clear()
            # What came slowly reached the input before it could be told from typing.
            reached = scanned[: max(0, len(scanned) - len(burst))]
            self._take_back(reached)
            self._on_scan(scanned)
            return True
        if burst and len(burst) >= MIN_SCAN_LENGTH and not _words(burst):
            self._held.clear()
            self._on_scan(burst)
            return True
        await self._release()
        return False

    async def _release(self) -> None:
        """Replay held keys to the focused widget: they were typing after all."""
        self._stop_timer()
        held, self._held = self._held, []
        for event in held:
            await self._forward(event)

    async def _timeout(self) -> None:
        # Keys stopped coming without Enter: a scanner set to send no suffix, or typing.
        self._timer = None
        burst = self.held_text
        scanned = payload_suffix(self._line) if burst else None
        # Only a card code is whole without its Enter: it ends in a fixed-length signature,
        # while an order number's prefix is itself a valid-looking order number.
        if scanned is None or not scanned.upper().startswith(CARD_PREFIX):
            await self._release()
            return
        self._held.clear()
        self._line = ""
        self._take_back(scanned[: max(0, len(scanned) - len(burst))])
        self._on_scan(scanned)

    def _restart_timer(self) -> None:
        self._stop_timer()
        self._timer = self._set_timer(self.gap, self._timeout)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _take_back(self, typed: str) -> None:
        """Remove the part of a slow scan that already reached the focused input."""
        focused = self._focused()
        if typed and isinstance(focused, Input) and focused.value.endswith(typed):
            focused.value = focused.value[: len(focused.value) - len(typed)]


def _words(burst: str) -> bool:
    """Letters only (a name from an input method, pinyin typed or pasted quickly): never a
    code, each of which has digits, so it is typing however fast it came."""
    return burst.replace(" ", "").isalpha()
