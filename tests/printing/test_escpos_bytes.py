"""ESC/POS bytes: a golden receipt, GB18030 inside FS & ... FS ., native QR and the cut."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kiosk.printing.escpos_bytes import (
    CHINESE_OFF,
    CHINESE_ON,
    encode_text,
    qr_module_size,
    render_handover_slip,
    render_receipt,
)
from kiosk.printing.layout import TextLine, receipt_layout
from tests.printing.samples import QR_PAYLOAD, sample_receipt, sample_slip

GOLDEN = Path(__file__).parent / "golden" / "receipt_32.escpos"
CHINESE_SEGMENT = re.compile(re.escape(CHINESE_ON) + b"(.*?)" + re.escape(CHINESE_OFF), re.DOTALL)


def test_receipt_matches_golden_bytes() -> None:
    data = render_receipt(sample_receipt(), columns=32)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(data)  # regenerate deliberately, then look at the preview
    assert data == GOLDEN.read_bytes()


def test_golden_starts_with_init_and_ends_with_feed_and_cut() -> None:
    data = GOLDEN.read_bytes()
    assert data.startswith(b"\x1b@")
    assert data.endswith(b"\x1bd\x06\x1dV\x00")


def test_golden_chinese_segments_decode_back_to_the_layout() -> None:
    data = GOLDEN.read_bytes()
    segments = [segment.decode("gb18030") for segment in CHINESE_SEGMENT.findall(data)]
    expected = [
        block.text
        for block in receipt_layout(sample_receipt(), 32)
        if isinstance(block, TextLine) and not block.text.isascii()
    ]
    assert segments == expected
    joined = "\n".join(segments)
    for text in ("积分兑换凭条", "￥", "¥35", "，", "：", "（", "）"):
        assert text in joined


def test_golden_has_no_high_bytes_outside_chinese_mode() -> None:
    # Outside FS & the printer reads bytes from 0x80 up in a code page: garbage for Chinese.
    outside = CHINESE_SEGMENT.sub(b"", GOLDEN.read_bytes())
    assert all(byte < 0x80 for byte in outside)


def test_golden_prints_the_qr_natively() -> None:
    data = GOLDEN.read_bytes()
    store = b"\x1d(k" + (len(QR_PAYLOAD) + 3).to_bytes(2, "little") + b"1P0" + QR_PAYLOAD.encode()
    assert store in data
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    assert b"\x1d(k\x03\x001E1" in data  # error correction M
    assert b"\x1ba\x01" in data  # centred


def test_title_is_bold_and_double_size_for_the_hanzi_font_too() -> None:
    data = render_receipt(sample_receipt())
    title = CHINESE_ON + "积分兑换凭条".encode("gb18030") + CHINESE_OFF
    assert b"\x1bE\x01\x1d!\x11" + title in data


class TestEncodeText:
    def test_ascii_goes_as_is(self) -> None:
        assert encode_text("K-HP1-000123 x2 40") == b"K-HP1-000123 x2 40"

    def test_chinese_line_goes_whole_in_chinese_mode(self) -> None:
        assert (
            encode_text("合计 270分") == CHINESE_ON + "合计 270分".encode("gb18030") + CHINESE_OFF
        )

    def test_yen_signs_in_gb18030(self) -> None:
        encoded = encode_text("¥35 ￥12")
        assert encoded == CHINESE_ON + b"\x810\x846" + b"35 " + b"\xa3\xa4" + b"12" + CHINESE_OFF

    def test_gbk_replaces_what_it_lacks_keeping_the_columns(self) -> None:
        # GBK has ￥ but not the half-width ¥: a '?' and a space keep the two columns.
        assert encode_text("¥35 ￥12", "gbk") == CHINESE_ON + b"? 35 \xa3\xa412" + CHINESE_OFF

    def test_unencodable_never_crashes(self) -> None:
        assert (
            encode_text("大米\udc80", "gb18030")
            == CHINESE_ON + "大米".encode("gb18030") + b"?" + CHINESE_OFF
        )

    def test_control_characters_never_reach_the_printer(self) -> None:
        encoded = encode_text("大米\x1d V\x00\n")
        assert b"\x1d" not in encoded and b"\x00" not in encoded and b"\n" not in encoded

    def test_unknown_encoding_is_an_error(self) -> None:
        with pytest.raises(LookupError):
            encode_text("大米", "no-such-codec")


def test_gbk_receipt_renders() -> None:
    data = render_receipt(sample_receipt(), encoding="gbk")
    segments = [segment.decode("gbk") for segment in CHINESE_SEGMENT.findall(data)]
    assert any("市价￥" in segment for segment in segments)
    assert any("? 35" in segment for segment in segments)


def test_48_columns_receipt_and_slip_render() -> None:
    assert render_receipt(sample_receipt(), columns=48).endswith(b"\x1dV\x00")
    slip = render_handover_slip(sample_slip(), columns=48)
    assert "物品交付单".encode("gb18030") in slip
    assert QR_PAYLOAD.encode() in slip


def test_long_payload_gets_smaller_modules() -> None:
    assert qr_module_size(QR_PAYLOAD, 32) == 6
    assert qr_module_size(QR_PAYLOAD, 48) == 7
    long_payload = "JFO1:" + "A" * 400
    size = qr_module_size(long_payload, 32)
    assert 1 <= size < 6
