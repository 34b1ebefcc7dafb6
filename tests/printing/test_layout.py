"""Column layout: CJK counted double, nothing wider than the roll, no character ever split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.printing.layout import (
    Align,
    Cut,
    QrCode,
    TextLine,
    char_width,
    clean,
    handover_layout,
    labelled,
    pad,
    receipt_layout,
    text_width,
    truncate,
    two_columns,
    wrap,
)
from tests.printing.samples import QR_PAYLOAD, sample_receipt, sample_slip


class TestWidths:
    def test_ascii_is_one_column(self) -> None:
        assert text_width("K-HP1-000123") == 12

    @pytest.mark.parametrize("char", ["积", "，", "：", "（", "）", "￥", "Ａ"])
    def test_wide_and_fullwidth_are_two_columns(self, char: str) -> None:
        assert char_width(char) == 2

    @pytest.mark.parametrize("char", ["¥", "·", "×", "“"])
    def test_other_non_ascii_is_two_columns_as_the_printer_draws_it(self, char: str) -> None:
        assert char_width(char) == 2

    def test_mixed(self) -> None:
        assert text_width("大米5kg") == 7


class TestPadTruncate:
    def test_truncate_never_halves_a_wide_character(self) -> None:
        assert truncate("兑换凭条", 5) == "兑换"
        assert text_width(truncate("兑换凭条", 5)) == 4

    def test_pad_fills_to_exact_width(self) -> None:
        assert pad("兑换", 7) == "兑换   "
        assert pad("兑换", 7, Align.RIGHT) == "   兑换"
        assert pad("兑换", 8, Align.CENTER) == "  兑换  "
        assert text_width(pad("兑换凭条积分", 5)) == 5

    def test_clean_removes_printer_commands_and_newlines(self) -> None:
        assert clean("大米\x1b@\n5kg\u200b") == "大米?@ 5kg"


class TestWrap:
    def test_chinese_wraps_by_character(self) -> None:
        assert wrap("棠香街道和平村兑换点", 8) == ["棠香街道", "和平村兑", "换点"]

    def test_ascii_codes_stay_whole_when_they_fit(self) -> None:
        assert wrap("大米 K-HP1-000123", 14) == ["大米", "K-HP1-000123"]

    def test_closing_punctuation_never_starts_a_line(self) -> None:
        lines = wrap("洗衣液市价一二，三", 14)
        assert lines == ["洗衣液市价一", "二，三"]
        assert not any(line.startswith(("，", "）", "：")) for line in lines)

    def test_opening_punctuation_never_ends_a_line(self) -> None:
        lines = wrap("洗衣液市价（五百", 12)
        assert lines == ["洗衣液市价", "（五百"]

    def test_indent_and_first_width(self) -> None:
        lines = wrap("一二三四五六七八九十", 10, first_width=6, indent=2)
        assert lines == ["一二三", "  四五六七", "  八九十"]

    def test_empty_text_is_one_empty_line(self) -> None:
        assert wrap("", 32) == [""]

    @given(st.text(min_size=0, max_size=80), st.integers(min_value=2, max_value=48))
    def test_never_wider_and_no_character_lost(self, text: str, width: int) -> None:
        lines = wrap(text, width)
        assert all(text_width(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == clean(text).replace(" ", "")


class TestRows:
    def test_two_columns_puts_the_right_part_flush_right(self) -> None:
        assert two_columns("合计", "270分", 32) == ["合计" + " " * 23 + "270分"]

    def test_two_columns_wraps_the_left_part_under_its_indent(self) -> None:
        lines = two_columns("2. 东北大米五公斤装限本村农户兑换", "x1 200分", 32, indent=3)
        assert lines[0].endswith("x1 200分")
        assert all(line.startswith("   ") for line in lines[1:])
        assert all(text_width(line) <= 32 for line in lines)

    def test_labelled_continues_under_the_value(self) -> None:
        lines = labelled("兑换点", "棠香街道和平村兑换点（村委会一楼）", 32)
        assert lines[0].startswith("兑换点：")
        assert lines[1].startswith(" " * 8)


def _lines(blocks: tuple[object, ...]) -> list[TextLine]:
    return [block for block in blocks if isinstance(block, TextLine)]


@pytest.mark.parametrize("columns", [32, 48])
class TestReceiptLayout:
    def test_no_line_is_wider_than_the_roll(self, columns: int) -> None:
        for blocks in (
            receipt_layout(sample_receipt(), columns),
            handover_layout(sample_slip(), columns),
        ):
            for line in _lines(blocks):
                assert line.columns <= columns, line

    def test_title_is_double_size_and_centred(self, columns: int) -> None:
        title = receipt_layout(sample_receipt(), columns)[0]
        assert title == TextLine("积分兑换凭条", Align.CENTER, bold=True, double=True)
        assert title.columns == 24

    def test_content(self, columns: int) -> None:
        blocks = receipt_layout(sample_receipt(), columns)
        text = "\n".join(line.text for line in _lines(blocks))
        for expected in (
            "时间：2026-11-29 14:05",
            "操作员：李店员",
            "单号：K-HP1-000123",
            "户号：HP0001",
            "户主：张*华",
            "已当场交付",
            "应于 12月03日前到位",
            "270分",
            "500分",
            "230分",
        ):
            assert expected in text
        assert QrCode(QR_PAYLOAD) in blocks
        assert blocks[-1] == Cut()

    def test_rules_span_the_roll(self, columns: int) -> None:
        rules = [
            line
            for line in _lines(receipt_layout(sample_receipt(), columns))
            if set(line.text) == {"-"}
        ]
        assert rules and all(line.columns == columns for line in rules)

    def test_reprint_is_marked(self, columns: int) -> None:
        text = [line.text for line in _lines(receipt_layout(sample_receipt(reprint=True), columns))]
        assert "【补打】" in text
        assert any(line.startswith("补打时间：") for line in text)


def test_unsupported_width_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        receipt_layout(sample_receipt(), 40)


def test_handover_slip_counts_late_lines() -> None:
    text = "\n".join(line.text for line in _lines(handover_layout(sample_slip(), 32)))
    assert "物品交付单" in text
    assert "交付时间：2026-12-04 10:30" in text
    assert "其中逾期到位" in text
    assert text.count("已交付") == 2
