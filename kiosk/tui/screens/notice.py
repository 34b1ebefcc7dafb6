"""The quarter's public notice (公示) ranking with the month's and year's honours, and exporting
the notice as the PDF for the board or a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.errors import BadInput, DomainError
from kiosk.core.notice import Quarter, parse_quarter
from kiosk.services.administration import NoticeBoard
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class NoticeScreen(AdminScreen):
    CSS_PATH = "notice.tcss"
    WIDGET_KEYS = ("submit", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("refresh", "refresh"),
        bind("export", "export"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        board: NoticeBoard | None
        error: DomainError | None = None

    @dataclass
    class VillageChosen(Message):
        name: str

    @dataclass
    class Exported(Message):
        path: Path | None
        error: DomainError | None = None

    def __init__(self) -> None:
        super().__init__()
        self.board: NoticeBoard | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="notice-form"):
            yield Input(placeholder=self.t("tui.notice.village"), id="village")
            yield Input(placeholder=self.t("tui.notice.quarter"), id="quarter")
            yield Input(placeholder=self.t("tui.notice.out"), id="out")
        yield Static("", id="notice-summary")
        with Horizontal(id="notice-body"):
            table: DataTable[str] = DataTable(id="notice", cursor_type="row", zebra_stripes=True)
            yield table
            with VerticalScroll(id="honours"):
                yield Label("", id="month-title")
                month: DataTable[str] = DataTable(id="month-top", cursor_type="row")
                yield month
                yield Label("", id="year-title")
                year: DataTable[str] = DataTable(id="year-top", cursor_type="row")
                yield year
                yield Static("", id="above")
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        self.query_one("#notice", DataTable).add_columns(
            self.t("tui.col.rank"),
            self.t("tui.col.code"),
            self.t("tui.col.head"),
            self.t("tui.col.group"),
            self.t("tui.col.quarter"),
            self.t("tui.col.year"),
            self.t("tui.col.balance"),
        )
        for table_id in ("#month-top", "#year-top"):
            self.query_one(table_id, DataTable).add_columns(
                self.t("tui.col.code"), self.t("tui.col.head"), self.t("tui.col.earned")
            )
        own_village = self.operator_village
        # A village administrator sees its own village only.
        self.query_one("#village", Input).disabled = own_village is not None
        self.query_one("#quarter", Input).value = Quarter.containing(self.backend.clock()).key
        self.query_one("#notice", DataTable).focus()
        self._choose_village(own_village)

    @work(thread=True, exclusive=True, group="notice")
    def _choose_village(self, own_village: str | None) -> None:
        # The operator's village, else this kiosk's, else the first.
        admin = self.backend.admin
        self.post_message(
            self.VillageChosen(admin.village_name(own_village or self.backend.kiosk_village()))
        )

    def on_notice_screen_village_chosen(self, message: VillageChosen) -> None:
        self.query_one("#village", Input).value = message.name
        self.reload()

    @on(Input.Submitted, "#village")
    @on(Input.Submitted, "#quarter")
    def _form_submitted(self, _event: Input.Submitted) -> None:
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(
            self.query_one("#village", Input).value.strip(),
            self.query_one("#quarter", Input).value.strip(),
        )

    @work(thread=True, exclusive=True, group="notice")
    def _load(self, village: str, quarter_text: str) -> None:
        try:
            board = self.backend.admin.notice_board(village, parse_quarter(quarter_text))
        except DomainError as error:
            self.post_message(self.Loaded(None, error))
            return
        self.post_message(self.Loaded(board))

    def on_notice_screen_loaded(self, message: Loaded) -> None:
        if message.board is None:
            if message.error is not None:
                self.kiosk.say_error(message.error)
            return
        self.board = board = message.board
        notice = board.notice
        self.query_one("#notice-summary", Static).update(
            self.t(
                "tui.notice.summary",
                title=notice.title,
                count=len(notice.rows),
                average=f"{notice.village_average:.1f}",
            )
        )
        table = self.query_one("#notice", DataTable)
        table.clear()
        for row in notice.rows:
            table.add_row(
                str(row.rank),
                row.code,
                row.masked_name,
                row.group,
                str(row.earned_quarter),
                str(row.earned_year),
                str(row.balance),
                key=row.code,
            )
        for prefix, honours, key in (
            ("month", board.month, "tui.notice.month"),
            ("year", board.year, "tui.notice.year"),
        ):
            self.query_one(f"#{prefix}-title", Label).update(self.t(key, period=honours.period))
            top = self.query_one(f"#{prefix}-top", DataTable)
            top.clear()
            for h in honours.top:
                top.add_row(h.code, h.masked_name, str(h.earned))
        # One household a line: a code wrapped across two lines reads as two numbers.
        above = "".join(f"\n{h.code} {h.masked_name}" for h in board.year.above_average)
        self.query_one("#above", Static).update(
            self.t("tui.notice.above", average=f"{board.year.average:.1f}", codes=above or "-")
        )

    def action_export(self) -> None:
        out = self.query_one("#out", Input).value.strip()
        if self.board is None:
            return
        self._export(self.board, out)

    @work(thread=True, exclusive=True, group="notice-export")
    def _export(self, board: NoticeBoard, out_text: str) -> None:
        from kiosk.printables.notice import write_notice_csv, write_notice_pdf

        path = Path(out_text).expanduser()
        try:
            if path.suffix.lower() not in (".pdf", ".csv"):
                raise BadInput("notice.out_suffix", path=out_text)
            if not path.parent.is_dir():
                raise BadInput("cards.out_dir", out=out_text)
            if path.suffix.lower() == ".pdf":
                write_notice_pdf(board.notice, path)
            else:
                write_notice_csv(board.notice, path)
        except DomainError as error:
            self.post_message(self.Exported(None, error))
            return
        self.post_message(self.Exported(path))

    def on_notice_screen_exported(self, message: Exported) -> None:
        if message.path is None:
            if message.error is not None:
                self.kiosk.say_error(message.error)
            return
        self.kiosk.say(self.t("tui.notice.exported", path=str(message.path)))
