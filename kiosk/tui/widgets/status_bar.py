"""The top line of every screen: exchange point, who is signed in, the printer's state, and a
missed nightly sync."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.widget import Widget

from kiosk.tui.shell import Kiosk


class StatusBar(Widget):
    """Reads the app's state when drawn; the app refreshes it when that state changes."""

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    StatusBar.-problem {
        background: $error;
    }
    """

    def render(self) -> Text:
        app = cast("Kiosk", self.app)
        line = Text()
        line.append(app.t("tui.title"), style="bold")
        if app.exchange_point_name:
            line.append(f" · {app.exchange_point_name}")
        if app.operator is not None:
            role = app.t(f"role.{app.operator.role}")
            line.append(f" · {role} {app.operator.name}")
        days = app.sync_overdue_days
        self.set_class(app.print_problem is not None or days is not None, "-problem")
        if app.print_problem is not None:
            key = f"tui.status.printer_{app.print_state or 'down'}"
            line.append(" · " + app.t(key, pending=app.pending_receipts))
        elif app.pending_receipts:
            line.append(" · " + app.t("tui.status.pending", pending=app.pending_receipts))
        if days is not None:
            # Balances here drift from the street's until the next sync: say so, shortly.
            key = "tui.status.sync_overdue" if days else "tui.status.sync_never"
            line.append(" · " + app.t(key, days=days))
        return line
