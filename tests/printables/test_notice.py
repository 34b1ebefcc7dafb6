"""The quarterly notice: a paginated PDF with the Chinese font embedded, and a CSV for Excel."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.core.masking import mask_name
from kiosk.core.notice import DEFAULT_DISPUTE_NOTE, Notice, NoticeRow
from kiosk.printables.notice import COLUMNS, write_notice_csv, write_notice_pdf

# Fictional households.
NAMES = ("林小禾", "郑一苇", "欧阳晓岚", "禾", "周青")
# 2026-01-04 20:00 UTC is already 5 January in Chongqing.
GENERATED_AT = datetime(2026, 1, 4, 20, 0, tzinfo=UTC)


def notice(households: int, note: str = DEFAULT_DISPUTE_NOTE) -> Notice:
    rows = [
        NoticeRow(
            rank=rank,
            code=f"HP{rank:04d}",
            masked_name=mask_name(NAMES[rank % len(NAMES)]),
            group=f"{rank % 9 + 1}组",
            earned_quarter=150 - rank * 3,  # goes negative: deductions are shown too
            earned_year=600 - rank,
            balance=rank * 7,
        )
        for rank in range(1, households + 1)
    ]
    return Notice(
        village="和平",
        quarter="2026Q4",
        generated_at=GENERATED_AT,
        rows=rows,
        village_average=42.34,
        dispute_note=note,
    )


def pdf_page_count(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def test_title_and_date_are_in_chinese() -> None:
    assert notice(1).title == "和平村2026年第四季度乡村治理积分公示"
    assert notice(1).date_label == "2026年1月5日"


def test_short_notice_fits_one_page_with_the_font_embedded(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    layout = write_notice_pdf(notice(5), out)
    assert layout.rows_per_page == (5,)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(out) == 1
    # A Type0 (CID) font with an embedded TrueType program: the board PC needs no Chinese font.
    assert b"/Subtype /Type0" in data
    assert b"/FontFile2" in data


def test_long_notice_paginates_every_row(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    layout = write_notice_pdf(notice(70), out)
    assert sum(layout.rows_per_page) == 70
    assert layout.pages == pdf_page_count(out) >= 3
    assert all(rows > 0 for rows in layout.rows_per_page[:-1])


def test_empty_notice_still_prints(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    assert write_notice_pdf(notice(0), out).rows_per_page == (0,)
    assert pdf_page_count(out) == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_shows_header_on_every_page_and_the_footer(tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    layout = write_notice_pdf(notice(70), out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    # pdftotext spaces the text however it likes; compare without whitespace.
    pages = [re.sub(r"\s+", "", page) for page in text.split("\f")[: layout.pages]]
    assert "和平村2026年第四季度乡村治理积分公示" in pages[0]
    assert "全村户均本季度得分42.3分" in pages[0]
    assert "和平村2026年第四季度乡村治理积分公示（续）" in pages[1]
    for number, page in enumerate(pages, start=1):
        assert "排名户号户主组本季度得分本年累计当前余额" in page
        assert DEFAULT_DISPUTE_NOTE in page
        assert f"第{number}页/共{layout.pages}页" in page
    codes = re.findall(r"HP\d{4}", text)
    assert codes == [f"HP{rank:04d}" for rank in range(1, 71)]
    assert "欧**岚" in text and "林*禾" in text


def test_long_dispute_note_wraps_inside_the_page(tmp_path: Path) -> None:
    note = (
        DEFAULT_DISPUTE_NOTE
        + "，联系电话：023-00000000（村便民服务中心，工作日9:00-17:00），逾期视为无异议。"
    )
    layout = write_notice_pdf(notice(40, note=note), tmp_path / "notice.pdf")
    assert sum(layout.rows_per_page) == 40


def test_csv_round_trips_with_a_bom(tmp_path: Path) -> None:
    out = tmp_path / "notice.csv"
    source = notice(12)
    write_notice_csv(source, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as read:
        header, *rows = list(csv.reader(read))
    assert tuple(header) == COLUMNS
    assert rows == [
        [
            str(row.rank),
            row.code,
            row.masked_name,
            row.group,
            str(row.earned_quarter),
            str(row.earned_year),
            str(row.balance),
        ]
        for row in source.rows
    ]
    assert rows[-1][4] == "114"
    assert ["2", "HP0002", "欧**岚", "3组", "144", "598", "14"] in rows


def test_naive_generated_at_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Notice("和平", "2026Q4", datetime(2026, 1, 5), [], 0.0)


def test_malformed_quarter_is_refused() -> None:
    with pytest.raises(ValueError, match="2026Q4"):
        Notice("和平", "2026-4", datetime(2026, 1, 5, tzinfo=timezone(timedelta(hours=8))), [], 0.0)
