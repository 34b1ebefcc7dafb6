"""The screen's own message line, just above the footer: what the kiosk last said, whole.

Toasts float over whatever the screen draws, and Textual drops a double-width glyph of a
layer drawn over a border or another wide glyph, so a Chinese toast can lose characters
(a lost 不 flips a meaning). This line is docked in the screen's layout: nothing is drawn
beneath it, and it wraps rather than cuts a long message. A dialog has one of its own,
the full width of the terminal, so that no wide glyph is drawn half over another.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class MessageLine(Static):
    """One message at a time; an error is shown on the error colour."""

    DEFAULT_CSS = """
    MessageLine {
        dock: bottom;
        height: auto;
        max-height: 4;
        margin-bottom: 1;  /* the footer's row: both dock to the bottom */
        padding: 0 1;
        background: $panel;
    }
    MessageLine.-error {
        background: $error;
        color: $text;
        text-style: bold;
    }
    MessageLine.-empty {
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="message-line", classes="-empty")
        self.message = ""

    def show(self, message: str, *, error: bool = False) -> None:
        self.message = message
        self.set_class(error, "-error")
        self.set_class(not message, "-empty")
        self.update(Text(message))
