"""The cold start's floor: the least a Textual app can be, one label and one input.

`bench/bench_tui.py` starts it in the same pseudo-terminal harness as `kiosk run` and waits
for the same words on the screen, so the ratio says what the kiosk's own start adds to
Textual's (interpreter, Textual's imports, the driver, the first paint).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Label

MARKER = "街道管理员"  # what the harness waits for, as on the kiosk's sign-in screen


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Label(MARKER)
        yield Input()


if __name__ == "__main__":
    MinimalApp().run()
