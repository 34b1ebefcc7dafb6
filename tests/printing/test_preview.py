"""Previews read real ESC/POS bytes back: the text on the paper, and a PNG whose QR scans."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.printing.escpos_bytes import (
    CHINESE_OFF,
    CHINESE_ON,
    render_handover_slip,
    render_receipt,
)
from kiosk.printing.preview import (
    PaperQr,
    preview_png,
    preview_text,
    read_paper,
    write_receipt_escpos,
    write_receipt_png,
)
from tests.printing.samples import QR_PAYLOAD, sample_receipt, sample_slip

GOLDEN = Path(__file__).parent / "golden" / "receipt_32.escpos"


def test_preview_text_of_the_golden_receipt() -> None:
    lines = preview_text(GOLDEN.read_bytes()).splitlines()
    for expected in (
        "          积分兑换凭条",
        "-" * 32,
        "兑换点：棠香街道和平村兑换点（村",
        "        委会一楼）",
        "时间：2026-11-29 14:05",
        "操作员：李店员",
        "单号：K-HP1-000123",
        "户号：HP0001         户主：张*华",
        "1. 洗衣液（500ml，市价￥ x2 40分",
        "   已当场交付",
        "2. 东北大米 5kg 装，约  x1 200分",
        "   合¥35：限本村农户兑换",
        "   应于 12月03日前到位",
        "3. Toothpaste            x3 30分",
        "合计                       270分",
        "兑换前余额                 500分",
        "兑换后余额                 230分",
        f"    [QR: {QR_PAYLOAD}]",
        "         扫码查询兑换单",
        "✂" + "-" * 31,
    ):
        assert expected in lines
    assert lines[-1].startswith("✂")


def test_preview_text_of_a_slip_at_48_columns() -> None:
    text = preview_text(render_handover_slip(sample_slip(), columns=48), columns=48)
    assert "交付时间：2026-12-04 10:30" in text
    assert "其中逾期到位" in text
    assert f"[QR: {QR_PAYLOAD}]" in text


def test_chinese_without_fs_ampersand_shows_as_garbage() -> None:
    # The preview is strict on purpose: forgetting FS & must be visible before it hits paper.
    assert "大米" not in preview_text("大米\n".encode("gb18030"))
    assert "大米" in preview_text(CHINESE_ON + "大米".encode("gb18030") + CHINESE_OFF + b"\n")


def test_four_byte_gb18030_decodes() -> None:
    assert "¥35" in preview_text(CHINESE_ON + "¥35".encode("gb18030") + CHINESE_OFF + b"\n")


def test_a_line_too_long_wraps_as_the_printer_would() -> None:
    text = preview_text(CHINESE_ON + ("积" * 20).encode("gb18030") + CHINESE_OFF + b"\n")
    assert text.splitlines() == ["积" * 16, "积" * 4]


def test_unknown_commands_are_consumed() -> None:
    data = b"\x1bt\x10\x1b3\x40\x1dL\x00\x00\x10\x04\x01\x1b*\x00\x02\x00\xff\xffOK\n"
    assert preview_text(data).splitlines() == ["OK"]


@pytest.mark.parametrize(("columns", "width"), [(32, 384), (48, 576)])
def test_png_is_at_printer_dots_and_its_qr_scans(tmp_path: Path, columns: int, width: int) -> None:
    data = render_receipt(sample_receipt(), columns=columns)
    path = preview_png(data, tmp_path / "receipt.png", columns=columns)
    with Image.open(path) as image:
        assert image.width == width
        assert image.height > 600
        symbols = decode(image)
    assert [symbol.data.decode() for symbol in symbols] == [QR_PAYLOAD]


def test_png_draws_the_chinese_text(tmp_path: Path) -> None:
    # Ink in the title line: the font really drew the Hanzi there.
    path = preview_png(GOLDEN.read_bytes(), tmp_path / "r.png")
    with Image.open(path) as image:
        title = image.convert("L").crop((0, 30, 384, 80))
        dark_dots = sum(title.histogram()[:128])
    assert dark_dots > 1000


def test_slip_png_qr_scans(tmp_path: Path) -> None:
    path = write_receipt_png(render_handover_slip(sample_slip()), tmp_path / "out" / "slip.png", 32)
    with Image.open(path) as image:
        assert [symbol.data.decode() for symbol in decode(image)] == [QR_PAYLOAD]


def test_write_receipt_escpos_writes_exactly_the_bytes(tmp_path: Path) -> None:
    data = GOLDEN.read_bytes()
    path = write_receipt_escpos(data, tmp_path / "jobs" / "r.escpos")
    assert path.read_bytes() == data
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.escpos"]


def test_read_paper_gives_the_qr_settings() -> None:
    qr = [item for item in read_paper(GOLDEN.read_bytes()) if isinstance(item, PaperQr)]
    assert [(item.payload, item.module) for item in qr] == [(QR_PAYLOAD, 6)]
