"""Overdue and due-today counts of goods owed, on the home screen and the deadline board."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from rich.text import Text
from textual import events, work
from textual.message import Message
from textual.widget import Widget

from kiosk.core.fulfilment import DeadlineCounts
from kiosk.tui.shell import Kiosk

COUNTS_REFRESH_SECONDS = 60.0  # lines turn overdue as time passes, with nobody touching anything


class DeadlineCountsBar(Widget):
    """Overdue and due-today counts, on the home screen at all times; click opens the board."""

    DEFAULT_CSS = """
    DeadlineCountsBar {
        height: 1;
        padding: 0 1;
        background: $success-darken-2;
    }
    DeadlineCountsBar.-due-today {
        background: $warning-darken-2;
    }
    DeadlineCountsBar.-overdue {
        background: $error;
        text-style: bold;
    }
    """

    @dataclass
    class Counted(Message):
        counts: DeadlineCounts

    def __init__(self) -> None:
        super().__init__(id="deadline-counts")
        self.counts: DeadlineCounts | None = None

    @property
    def kiosk(self) -> Kiosk:
        return cast("Kiosk", self.app)

    def on_mount(self) -> None:
        self.set_interval(COUNTS_REFRESH_SECONDS, self.reload)
        self.reload()

    def on_show(self, _event: events.Show) -> None:
        self.reload()  # back on the home screen after a hand-over elsewhere

    def reload(self) -> None:
        self._count()

    @work(thread=True, exclusive=True, group="deadline-counts")
    def _count(self) -> None:
        self.post_message(self.Counted(self.kiosk.backend.deadline_counts()))

    def on_deadline_counts_bar_counted(self, message: Counted) -> None:
        self.show(message.counts)

    def show(self, counts: DeadlineCounts) -> None:
        """Show counts made elsewhere (with a hand-over), at once, on any screen of the stack."""
        self.counts = counts
        self.set_class(counts.overdue > 0, "-overdue")
        self.set_class(counts.overdue == 0 and counts.due_today > 0, "-due-today")
        self.refresh()

    def render(self) -> Text:
        if self.counts is None:
            return Text(self.kiosk.t("tui.receipt.loading"))
        return Text(
            self.kiosk.t(
                "tui.deadlines.counts",
                overdue=self.counts.overdue,
                due_today=self.counts.due_today,
            )
        )

    def on_click(self) -> None:
        self.kiosk.open_screen("deadlines")
