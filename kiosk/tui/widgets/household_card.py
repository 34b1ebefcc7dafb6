"""The household at a glance: code, (masked) head, village and group, balance, freeze."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.widget import Widget

from kiosk.services.households import HouseholdView
from kiosk.tui.shell import Kiosk


class HouseholdCard(Widget):
    """Shows `household`; the head's name stays masked unless `unmasked` (others can see)."""

    DEFAULT_CSS = """
    HouseholdCard {
        height: auto;
        border: round $primary;
        padding: 0 1;
    }
    HouseholdCard.-frozen {
        border: round $error;
    }
    """

    def __init__(self, household: HouseholdView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.household = household
        self.unmasked = False

    def show(self, household: HouseholdView) -> None:
        if household.id != self.household.id:
            self.unmasked = False  # a new customer: the name is hidden again
        self.household = household
        self.refresh(layout=True)

    def toggle_name(self) -> None:
        self.unmasked = not self.unmasked
        self.refresh()

    def render(self) -> Text:
        app = cast("Kiosk", self.app)
        h = self.household
        self.set_class(h.frozen_until is not None, "-frozen")
        name = h.head if self.unmasked else h.masked_head
        out = Text()
        out.append(f"{h.code}  ", style="bold")
        out.append(f"{app.t('tui.household.head')} {name}", style="bold")
        out.append(f"   {app.t('tui.household.where', village=h.village, group=h.group)}\n")
        out.append(app.t("tui.household.balance", year=h.points_year) + " ")
        out.append(f"{h.balance}", style="bold reverse" if h.balance > 0 else "bold")
        out.append(" " + app.t("tui.points"))
        if h.frozen_until is not None:
            out.append("\n")
            out.append(
                app.t(
                    "tui.household.frozen", until=h.frozen_until.isoformat(), reason=h.frozen_reason
                ),
                style="bold red",
            )
        if not h.takes_part:
            out.append("\n" + app.t("tui.household.absent"), style="yellow")
        return out
