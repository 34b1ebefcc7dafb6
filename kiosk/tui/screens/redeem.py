"""Redeeming: pick items from the catalogue, see the total against the balance, confirm once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.widgets.data_table import ColumnKey

from kiosk.core.errors import DomainError
from kiosk.core.ids import new_id
from kiosk.core.redemption import MAX_LINE_QTY, Quote, RedeemLine, RedeemResult
from kiosk.services.counter import CatalogueRow
from kiosk.services.households import HouseholdView
from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.dialogs.confirm_redeem import ConfirmLine, ConfirmRedeemDialog
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.cells import fit, free_cells
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

# The catalogue's names take the cells the pane has; at 80 columns, where both panes share
# the width, at least this many (the longest names are cut, with an ellipsis).
NAME_COLUMNS = 14
CART_NAME_COLUMNS = 10


@dataclass
class CartLine:
    item: CatalogueRow
    qty: int
    hand_over: bool

    @property
    def points(self) -> int:
        return self.item.points * self.qty


class RedeemScreen(KioskScreen):
    CSS_PATH = "redeem.tcss"
    HOWTO = "tui.help.howto.redeem"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("confirm-order", "confirm"),
        bind("more", "more"),
        bind("less", "less"),
        bind("hand-over", "toggle_hand_over"),
        bind("remove", "remove", show=False),
        bind("find-item", "focus_search"),
        bind("back", "back"),
    ]

    @dataclass
    class CatalogueLoaded(Message):
        rows: list[CatalogueRow]

    @dataclass
    class Quoted(Message):
        signature: tuple[tuple[int, int, bool], ...]
        quote: Quote | None
        error: DomainError | None

    @dataclass
    class Redeemed(Message):
        result: RedeemResult

    @dataclass
    class RedeemFailed(Message):
        message: str

    def __init__(self, household: HouseholdView) -> None:
        super().__init__()
        self.household = household
        self.catalogue: list[CatalogueRow] = []
        self.shown: list[CatalogueRow] = []
        self.name_columns = NAME_COLUMNS  # cells the catalogue's names were cut to
        self.cart: dict[int, CartLine] = {}
        self.quote: Quote | None = None
        self.busy = False
        self.picked = False  # the arrows moved the catalogue's highlight since the last add
        # The order id made when the confirm dialog opened, kept while the cart is unchanged,
        # so a retry after a failed commit can never write a second order.
        self.pending_order: tuple[tuple[tuple[int, int, bool], ...], str] | None = None

    # --- layout ---

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="totals")
        yield Static("", id="refusal")
        with Horizontal(id="redeem-panes"):
            with Vertical(id="catalogue-pane"):
                yield Input(placeholder=self.t("tui.redeem.search"), id="item-search")
                catalogue: DataTable[str] = DataTable(id="catalogue", cursor_type="row")
                # The search box drives it (arrows, Enter): Tab goes straight to the cart.
                catalogue.can_focus = False
                yield catalogue
            with Vertical(id="cart-pane"):
                yield Label(self.t("tui.redeem.cart"), classes="pane-title")
                cart: DataTable[str] = DataTable(id="cart", cursor_type="row")
                yield cart
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self._catalogue_columns(self.query_one("#catalogue", DataTable))
        cart = self.query_one("#cart", DataTable)
        cart.add_column(self.t("tui.col.item"), key="name")
        cart.add_column(self.t("tui.col.qty"), key="qty")
        cart.add_column(self.t("tui.col.points"), key="points")
        cart.add_column(self.t("tui.col.state"), key="state")
        self._show_totals()
        self.query_one("#item-search", Input).focus()
        self._load_catalogue()

    @work(thread=True, exclusive=True, group="catalogue")
    def _load_catalogue(self) -> None:
        self.post_message(self.CatalogueLoaded(self.backend.catalogue(self.household.village_id)))

    def on_redeem_screen_catalogue_loaded(self, message: CatalogueLoaded) -> None:
        self.catalogue = message.rows
        self._filter(self.query_one("#item-search", Input).value)

    def on_resize(self) -> None:
        # Names take the width there is: refilled once the table has its new width.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        table = self.query_one("#catalogue", DataTable)
        if self.catalogue and free_cells(table, "name", at_least=NAME_COLUMNS) != self.name_columns:
            self._filter(self.query_one("#item-search", Input).value)

    # --- the catalogue ---

    def _catalogue_columns(self, catalogue: DataTable[str]) -> None:
        catalogue.add_column(self.t("tui.col.no"), key="no")
        catalogue.add_column(self.t("tui.col.item"), key="name")
        catalogue.add_column(self.t("tui.col.points"), key="points")
        catalogue.add_column(self.t("tui.col.due_class"), key="due")
        catalogue.add_column(self.t("tui.col.stock"), key="stock")

    def _filter(self, query: str) -> None:
        self.shown = self.backend.search_catalogue(query, self.catalogue)
        table = self.query_one("#catalogue", DataTable)
        # Columns too: a column keeps the width of its widest text ever, so the names
        # would never narrow again after a wider terminal.
        table.clear(columns=True)
        self._catalogue_columns(table)
        self.name_columns = free_cells(table, "name", at_least=NAME_COLUMNS)
        names = [fit(row.name, self.name_columns) for row in self.shown]
        # The name column's width is set here, not left for the table to measure on its
        # next idle: until then it would draw the names cut to its header's width.
        column = table.columns[ColumnKey("name")]
        column.width = max([column.content_width, *map(cell_len, names)])
        column.auto_width = False
        for row, name in zip(self.shown, names, strict=True):
            table.add_row(
                str(row.no),
                name,
                str(row.points),
                self.t("tui.redeem.days", days=row.due_days),
                str(row.stock) if row.stock > 0 else self.t("tui.redeem.out_of_stock"),
                key=str(row.no),
            )

    @on(Input.Changed, "#item-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.picked = False
        self._filter(event.value)

    @on(Input.Submitted, "#item-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        table = self.query_one("#catalogue", DataTable)
        if not event.value.strip() and not self.picked:
            # A bare Enter (a second one, after an item was added) adds nothing: an item is
            # chosen by what was typed, or by the arrows.
            self.kiosk.say(self.t("tui.redeem.type_item"))
            return
        if not self.shown:
            self.kiosk.say(self.t("tui.redeem.no_match"), error=True)
            return
        self._add(self.shown[min(table.cursor_row, len(self.shown) - 1)])
        self.picked = False
        self.query_one("#item-search", Input).value = ""

    @on(DataTable.RowSelected, "#catalogue")
    def _catalogue_chosen(self, event: DataTable.RowSelected) -> None:
        self._add(next(row for row in self.catalogue if str(row.no) == event.row_key.value))

    def key_up(self) -> None:
        self._move_catalogue(-1)

    def key_down(self) -> None:
        self._move_catalogue(1)

    def _move_catalogue(self, step: int) -> None:
        # Arrows in the search box move through the matches, so the hands stay on the keys.
        if self.focused is self.query_one("#item-search", Input):
            table = self.query_one("#catalogue", DataTable)
            table.move_cursor(row=max(0, table.cursor_row + step))
            self.picked = True

    # --- the cart ---

    def _add(self, row: CatalogueRow) -> None:
        line = self.cart.get(row.no)
        if line is None:
            # Handed over later unless the shopkeeper says it leaves the counter now (Space):
            # goods never count as given by default.
            self.cart[row.no] = CartLine(row, 1, hand_over=False)
        else:
            self._set_qty(line, line.qty + 1)
        self._cart_changed(select=row.no)

    def _set_qty(self, line: CartLine, qty: int) -> None:
        if qty > MAX_LINE_QTY:
            self.kiosk.say(self.t("qty.range", low=1, high=MAX_LINE_QTY, qty=qty), error=True)
            return
        if qty <= 0:
            del self.cart[line.item.no]
            return
        line.qty = qty
        if line.hand_over and line.item.stock < qty:
            line.hand_over = False
            self.kiosk.say(
                self.t("tui.redeem.now_pending", name=line.item.name, stock=line.item.stock)
            )

    def _selected_line(self) -> CartLine | None:
        cart = self.query_one("#cart", DataTable)
        if not self.cart or cart.row_count == 0:
            return None
        key = cart.coordinate_to_cell_key(Coordinate(cart.cursor_row, 0)).row_key.value
        return self.cart.get(int(str(key)))

    def action_more(self) -> None:
        if line := self._selected_line():
            self._set_qty(line, line.qty + 1)
            self._cart_changed(select=line.item.no)

    def action_less(self) -> None:
        if line := self._selected_line():
            self._set_qty(line, line.qty - 1)
            self._cart_changed(select=line.item.no)

    def action_remove(self) -> None:
        if line := self._selected_line():
            del self.cart[line.item.no]
            self._cart_changed()

    def action_toggle_hand_over(self) -> None:
        line = self._selected_line()
        if line is None:
            return
        if not line.hand_over and line.item.stock < line.qty:
            self.kiosk.say(
                self.t("stock.short", name=line.item.name, on_hand=line.item.stock, qty=line.qty),
                error=True,
            )
            return
        line.hand_over = not line.hand_over
        self._cart_changed(select=line.item.no)

    def _signature(self) -> tuple[tuple[int, int, bool], ...]:
        return tuple((line.item.no, line.qty, line.hand_over) for line in self.cart.values())

    def _lines(self) -> list[RedeemLine]:
        return [RedeemLine(line.item.no, line.qty, line.hand_over) for line in self.cart.values()]

    def _cart_changed(self, select: int | None = None) -> None:
        cart = self.query_one("#cart", DataTable)
        cart.clear()
        for line in self.cart.values():
            state = (
                self.t("tui.redeem.handed")
                if line.hand_over
                else self.t("tui.redeem.pending_days", days=line.item.due_days)
            )
            cart.add_row(
                fit(line.item.name, CART_NAME_COLUMNS),
                str(line.qty),
                str(line.points),
                state,
                key=str(line.item.no),
            )
        if select is not None and select in self.cart:
            cart.move_cursor(row=list(self.cart).index(select))
        self.quote = None
        self._show_totals()
        self._quote(self._signature(), self._lines())

    @work(thread=True, exclusive=True, group="quote")
    def _quote(self, signature: tuple[tuple[int, int, bool], ...], lines: list[RedeemLine]) -> None:
        try:
            self.post_message(
                self.Quoted(signature, self.backend.quote(self.household.id, lines), None)
            )
        except DomainError as error:
            self.post_message(self.Quoted(signature, None, error))

    def on_redeem_screen_quoted(self, message: Quoted) -> None:
        if message.signature != self._signature():
            return  # the cart changed again meanwhile; a newer quote is on its way
        self.quote = message.quote
        self._show_totals(message.error)

    def _show_totals(self, error: DomainError | None = None) -> None:
        h = self.household
        total = sum(line.points for line in self.cart.values())
        balance = self.quote.balance if self.quote else h.balance
        self.query_one("#totals", Static).update(
            self.t(
                "tui.redeem.totals",
                code=h.code,
                name=h.masked_head,
                balance=balance,
                total=total,
                after=balance - total,
            )
        )
        refusal = self.query_one("#refusal", Static)
        problem = error or (self.quote.refusal if self.quote and self.cart else None)
        text = self.kiosk.error_text(problem) if problem else ""
        if not text and h.frozen_until is not None:
            # Say so before any item is picked, not only at the end.
            text = self.t("redeem.frozen", until=h.frozen_until.isoformat(), reason=h.frozen_reason)
        refusal.update(text)
        refusal.set_class(bool(text), "-shown")

    # --- confirming ---

    def action_confirm(self) -> None:
        if self.busy:
            return
        if not self.cart:
            self.kiosk.say(self.t("redeem.empty"), error=True)
            return
        if self.quote is None:
            self.kiosk.say(self.t("tui.redeem.wait_quote"))
            return
        if self.quote.refusal is not None:
            self.kiosk.say(self.kiosk.error_text(self.quote.refusal), error=True)
            return
        signature = self._signature()
        if self.pending_order is None or self.pending_order[0] != signature:
            self.pending_order = (signature, new_id())
        order_id = self.pending_order[1]
        lines = [
            ConfirmLine(line.item.name, line.qty, line.points, line.hand_over, line.item.due_days)
            for line in self.cart.values()
        ]
        dialog = ConfirmRedeemDialog(
            f"{self.household.code}  {self.household.masked_head}  "
            f"{self.household.village} {self.household.group}",
            lines,
            sum(line.points for line in self.cart.values()),
            self.quote.balance,
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.kiosk.say(self.t("tui.redeem.saving"))
                self._redeem(order_id, self._lines())

        self.app.push_screen(dialog, confirmed)

    @work(thread=True, exclusive=True, group="redeem")
    def _redeem(self, order_id: str, lines: list[RedeemLine]) -> None:
        operator = self.kiosk.operator
        if operator is None:
            self.post_message(self.RedeemFailed(self.t("tui.signout.done")))
            return
        try:
            result = self.backend.redeem(self.household.id, lines, operator.id, order_id)
        except DomainError as error:
            self.post_message(self.RedeemFailed(self.kiosk.error_text(error)))
            return
        except Exception as error:  # the database: locked, disk full... nothing was committed
            self.post_message(
                self.RedeemFailed(self.t("tui.redeem.not_saved", error=type(error).__name__))
            )
            return
        self.post_message(self.Redeemed(result))

    def on_redeem_screen_redeem_failed(self, message: RedeemFailed) -> None:
        self.busy = False
        self.kiosk.say(message.message, error=True)

    def on_redeem_screen_redeemed(self, message: Redeemed) -> None:
        result = message.result
        self.busy = False
        self.pending_order = None
        self.cart.clear()
        self.app.pop_screen()  # the household screen reloads as it resumes
        self.kiosk.say(
            self.t(
                "tui.redeem.done",
                number=result.number,
                total=result.total,
                after=result.balance_after,
            )
        )
        self.kiosk.start_printing()

    # --- moving around ---

    def action_focus_search(self) -> None:
        self.query_one("#item-search", Input).focus()

    def action_back(self) -> None:
        if self.busy:
            return
        if not self.cart:
            self.app.pop_screen()
            return
        self._ask_to_discard(None)

    def accept_scan(self, payload: str) -> bool:
        """A scan while the cart holds unconfirmed items (the next villager's card, the same
        card twice) asks before the cart is dropped; an empty cart lets the scan through."""
        if self.busy:
            self.kiosk.say(self.t("tui.redeem.saving"))
            return True
        if not self.cart:
            return False
        self._ask_to_discard(lambda: self.kiosk.scan(payload))
        return True

    def _ask_to_discard(self, then: Callable[[], None] | None) -> None:
        """Ask before the cart goes; on yes leave the screen, then do `then`."""

        def answered(discard: bool | None) -> None:
            if discard:
                self.cart.clear()
                self.app.pop_screen()
                if then is not None:
                    then()

        names = "、".join(f"{line.item.name}×{line.qty}" for line in self.cart.values())
        self.app.push_screen(
            AskDialog(
                self.t("tui.redeem.discard_question", items=names),
                yes=self.t("tui.redeem.discard"),
                no=self.t("tui.redeem.keep"),
            ),
            answered,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("more", "less", "toggle_hand_over", "remove"):
            # Shown (and working) while the cart has the focus; in the search box these
            # keys are typing.
            return self.focused is self.query_one("#cart", DataTable) or None
        return True
