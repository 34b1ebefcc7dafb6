"""Writes a village's quarterly points notice (公示) as an A4 PDF for the board and a CSV for Excel."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF, XPos, YPos

from kiosk.core.labels import village_label
from kiosk.core.notice import Notice, NoticeRow
from kiosk.fonts import cjk_font_path

COLUMNS = ("排名", "户号", "户主", "组", "本季度得分", "本年累计", "当前余额")

_FONT = "cjk"
# Millimetres; the widths add up to A4's 210 less two 15 mm margins.
_MARGIN = 15.0
_WIDTHS = (16.0, 28.0, 30.0, 18.0, 30.0, 29.0, 29.0)
_ALIGNS = ("C", "C", "C", "C", "R", "R", "R")
_ROW_HEIGHT = 8.0
# Room under the table for a footer of up to three lines above the unprintable edge.
_BOTTOM_MARGIN = 26.0
_HEADER_FILL = (225, 225, 225)
# Every other row is shaded so a finger can follow a row across the board.
_STRIPE_FILL = (245, 245, 245)


@dataclass(frozen=True)
class NoticeLayout:
    """How the rows fell onto pages, so callers and tests can tell what was printed."""

    rows_per_page: tuple[int, ...]

    @property
    def pages(self) -> int:
        return len(self.rows_per_page)


def _cells(row: NoticeRow) -> tuple[str, ...]:
    return (
        str(row.rank),
        row.code,
        row.masked_name,
        row.group,
        str(row.earned_quarter),
        str(row.earned_year),
        str(row.balance),
    )


class _NoticePdf(FPDF):
    def __init__(self, notice: Notice) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.notice = notice
        # fpdf2 reads TrueType collections itself; face 0 of WenQuanYi is the proportional one.
        self.add_font(_FONT, fname=str(cjk_font_path()), collection_font_number=0)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM_MARGIN)
        self.set_title(notice.title)
        self.set_lang("zh-CN")
        self.set_creator("tangxiang-kiosk")
        # A fixed date keeps reprints of the same notice byte-identical.
        self.set_creation_date(notice.generated_at)

    def header(self) -> None:
        if self.page_no() > 1:
            # A page separated from the first must still say which village and quarter it is.
            self.set_font(_FONT, size=9)
            self.set_text_color(100, 100, 100)
            self.cell(0, 6, f"{self.notice.title}（续）", align="C")
            self.ln(8)
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-_BOTTOM_MARGIN + 4)
        self.set_font(_FONT, size=9)
        self.set_text_color(60, 60, 60)
        self.multi_cell(
            0, 5, self.notice.dispute_note, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)

    def table_header(self) -> None:
        self.set_font(_FONT, size=11)
        self.set_fill_color(*_HEADER_FILL)
        for text, width in zip(COLUMNS, _WIDTHS, strict=True):
            self.cell(width, _ROW_HEIGHT, text, border=1, align="C", fill=True)
        self.ln(_ROW_HEIGHT)

    def table_row(self, cells: tuple[str, ...], striped: bool) -> None:
        self.set_fill_color(*_STRIPE_FILL)
        for text, width, align in zip(cells, _WIDTHS, _ALIGNS, strict=True):
            self.cell(width, _ROW_HEIGHT, text, border=1, align=align, fill=striped)
        self.ln(_ROW_HEIGHT)


def _lay_out(notice: Notice) -> tuple[_NoticePdf, NoticeLayout]:
    pdf = _NoticePdf(notice)
    pdf.add_page()
    pdf.set_font(_FONT, size=18)
    pdf.cell(0, 12, notice.title, align="C")
    pdf.ln(14)
    pdf.set_font(_FONT, size=10.5)
    pdf.cell(0, 6, f"公示日期：{notice.date_label}", align="L")
    pdf.set_x(_MARGIN)
    pdf.cell(
        0,
        6,
        f"参评 {len(notice.rows)} 户    全村户均本季度得分 {notice.village_average:.1f} 分",
        align="R",
    )
    pdf.ln(9)
    pdf.table_header()

    rows_per_page = [0]
    for index, row in enumerate(notice.rows):
        if pdf.will_page_break(_ROW_HEIGHT):
            pdf.add_page()
            pdf.table_header()
            rows_per_page.append(0)
        pdf.table_row(_cells(row), striped=index % 2 == 1)
        rows_per_page[-1] += 1

    # The board copy is signed and stamped under this line.
    sign_off_height = 24.0
    if pdf.will_page_break(sign_off_height):
        pdf.add_page()
        rows_per_page.append(0)
    pdf.ln(8)
    pdf.set_font(_FONT, size=11)
    pdf.cell(0, 7, f"{village_label(notice.village)}村支两委（盖章）", align="R")
    pdf.ln(8)
    pdf.cell(0, 7, notice.date_label, align="R")
    return pdf, NoticeLayout(tuple(rows_per_page))


def write_notice_pdf(notice: Notice, path: Path) -> NoticeLayout:
    """Write the notice as an A4 portrait PDF with the CJK font embedded; return its layout.

    The table header is repeated on every page; each page's footer carries the dispute
    note and "第 x 页 / 共 n 页".
    """
    pdf, layout = _lay_out(notice)
    pdf.output(str(path))
    return layout


def write_notice_csv(notice: Notice, path: Path) -> None:
    """Write the notice's table as CSV in UTF-8 with a BOM, which Excel needs to read Chinese."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(_cells(row) for row in notice.rows)
