"""Lays receipts out on a 32- or 48-column thermal roll as text lines, a QR code and a cut."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kiosk.core.clock import local
from kiosk.core.receipt import HandoverSlip, PhoneSignInSlip, Receipt, ReceiptLine

# Font A of a 58 mm head (384 dots) and an 80 mm head (576 dots) is 12 dots per column.
SUPPORTED_COLUMNS = (32, 48)

RECEIPT_TITLE = "积分兑换凭条"
HANDOVER_TITLE = "物品交付单"
PHONE_SLIP_TITLE = "手机登录条"


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class TextLine:
    """One printed line; `text` never holds control characters and fits the roll."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False  # double width and height

    @property
    def columns(self) -> int:
        return text_width(self.text) * (2 if self.double else 1)


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Cut:
    pass


Block = TextLine | QrCode | Cut


# --- widths -------------------------------------------------------------------------------


def char_width(char: str) -> int:
    """Columns one character takes on the roll: 1 for ASCII, 2 for anything else.

    Unicode's east_asian_width calls W and F characters wide; the printer goes further: in Chinese mode every
    non-ASCII character is a multi-byte GB18030 code drawn from the 24-dot Hanzi font, so
    ambiguous ones such as ·, × or “ are two columns wide on paper too.
    """
    return 1 if char.isascii() else 2


def text_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def clean(text: str) -> str:
    """`text` safe to send to the printer: composed, one line, no control bytes.

    An item name with an ESC or GS in it would otherwise reach the printer as a command.
    """
    text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace():
            out.append(" ")
        elif category == "Cf":
            continue  # zero-width joiners and marks: nothing to print
        elif category.startswith("C"):
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


def truncate(text: str, width: int) -> str:
    """The longest start of `text` no wider than `width`; a wide character is never halved."""
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > width:
            return text[:index]
    return text


def pad(text: str, width: int, align: Align = Align.LEFT) -> str:
    """`text` truncated or filled with spaces to exactly `width` columns."""
    text = truncate(text, width)
    room = width - text_width(text)
    if align is Align.RIGHT:
        return " " * room + text
    if align is Align.CENTER:
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


# Chinese typesetting keeps closing punctuation off the start of a line and opening
# punctuation off its end, so they travel with their neighbour.
_CLOSING = set("，。、；：！？）》」』】〕〉”’…%,.;:!?)]}")
_OPENING = set("（《「『【〔〈“‘([{")
# An ASCII run (a code, an amount, "500ml") stays whole where it fits.
_TOKEN = re.compile(r"[!-~]+| +|.", re.DOTALL)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    carry = ""
    for token in _TOKEN.findall(text):
        if token in _OPENING:
            carry += token
            continue
        if token in _CLOSING and tokens and not tokens[-1].isspace() and not carry:
            tokens[-1] += token
            continue
        tokens.append(carry + token)
        carry = ""
    if carry:
        tokens.append(carry)
    return tokens


def wrap(text: str, width: int, *, first_width: int | None = None, indent: int = 0) -> list[str]:
    """Break `text` into lines of at most `width` columns, never inside a character.

    The first line may be narrower (`first_width`, to leave room for a right-hand column);
    later lines start with `indent` spaces. Always returns at least one line.
    """
    if width - indent < 2 or (first_width is not None and first_width < 2):
        raise ValueError(f"too narrow to wrap: width {width}, indent {indent}")
    text = clean(text)
    lines: list[str] = []
    current = ""

    def limit() -> int:
        if not lines:
            return width if first_width is None else first_width
        return width - indent

    def flush() -> None:
        nonlocal current
        lines.append(current.rstrip())
        current = ""

    for token in _tokens(text):
        if token.isspace():
            if current and text_width(current + token) <= limit():
                current += token
            continue
        if text_width(current + token) <= limit():
            current += token
            continue
        if current.strip():
            flush()
        while text_width(token) > limit():
            head = truncate(token, limit())
            lines.append(head)
            token = token[len(head) :]
        current = token
    if current.strip() or not lines:
        flush()
    return [line if number == 0 else " " * indent + line for number, line in enumerate(lines)]


def two_columns(left: str, right: str, columns: int, *, indent: int = 0) -> list[str]:
    """`left` wrapped on the left, `right` flush right on the first line (points, quantities)."""
    right = truncate(clean(right), columns)
    room = columns - text_width(right) - 1
    if room < columns // 3:
        # Too little room beside it: the right-hand part gets a line of its own.
        return [*wrap(left, columns, indent=indent), pad(right, columns, Align.RIGHT)]
    lines = wrap(left, columns, first_width=room, indent=indent)
    return [pad(lines[0], columns - text_width(right)) + right, *lines[1:]]


def labelled(label: str, value: str, columns: int) -> list[str]:
    """ "标签：值", with continuation lines starting under the value."""
    head = f"{label}："
    indent = text_width(head)
    if columns - indent < columns // 2:
        indent = 0
    return wrap(head + value, columns, indent=indent)


def rule(columns: int, char: str = "-") -> TextLine:
    return TextLine(char * (columns // char_width(char)))


# --- receipts -----------------------------------------------------------------------------


def check_columns(columns: int) -> int:
    if columns not in SUPPORTED_COLUMNS:
        raise ValueError(f"columns must be 32 (58 mm paper) or 48 (80 mm paper), got {columns}")
    return columns


def local_time(at: datetime) -> str:
    return f"{local(at):%Y-%m-%d %H:%M}"


def due_text(line: ReceiptLine) -> str:
    """What the household is told about when an item arrives."""
    if line.handed:
        return "已当场交付"
    if line.due_at is not None:
        due = local(line.due_at)
        return f"应于 {due.month:02d}月{due.day:02d}日前到位"
    return "待交付"


def handed_later_text(at: datetime) -> str:
    """On a reprint: when a line owed at the counter was handed over."""
    handed = local(at)
    return f"已于 {handed.month:02d}月{handed.day:02d}日 {handed:%H:%M} 交付"


def _text(lines: list[str], *, bold: bool = False) -> list[Block]:
    return [TextLine(line, bold=bold) for line in lines]


def _centred(text: str, columns: int) -> list[Block]:
    return [TextLine(line, Align.CENTER) for line in wrap(text, columns)]


def _qr(payload: str, caption: str, columns: int) -> list[Block]:
    # The blank lines are the QR code's quiet zone; a scanner needs it above and below.
    return [TextLine(""), QrCode(payload), TextLine(""), *_centred(caption, columns)]


def _indented(text: str, indent: int, columns: int) -> list[str]:
    return [" " * indent + line for line in wrap(text, columns - indent)]


def _line_head(line: ReceiptLine) -> tuple[str, int]:
    head = f"{line.no}. "
    return head + line.name, text_width(head)


def receipt_layout(receipt: Receipt, columns: int = 32) -> tuple[Block, ...]:
    """The blocks of the receipt printed when an order is placed."""
    check_columns(columns)
    blocks: list[Block] = [TextLine(RECEIPT_TITLE, Align.CENTER, bold=True, double=True)]
    if receipt.reprint:
        # A reprint must not pass for a second order at the counter.
        blocks.append(TextLine("【补打】", Align.CENTER, bold=True))
    blocks.append(rule(columns))
    blocks += _text(labelled("兑换点", receipt.exchange_point, columns))
    blocks += _text(
        labelled("补打时间" if receipt.reprint else "时间", local_time(receipt.printed_at), columns)
    )
    blocks += _text(labelled("操作员", receipt.operator, columns))
    blocks += _text(labelled("单号", receipt.number, columns))
    blocks += _text(
        two_columns(f"户号：{receipt.household_code}", f"户主：{receipt.masked_name}", columns)
    )
    blocks.append(rule(columns))
    for line in receipt.lines:
        head, indent = _line_head(line)
        blocks += _text(two_columns(head, f"x{line.qty} {line.points}分", columns, indent=indent))
        blocks += _text(_indented(due_text(line), indent, columns))
        if line.handed_later_at is not None:
            blocks += _text(_indented(handed_later_text(line.handed_later_at), indent, columns))
    blocks.append(rule(columns))
    blocks += _text(two_columns("合计", f"{receipt.total}分", columns), bold=True)
    blocks += _text(two_columns("兑换前余额", f"{receipt.balance_before}分", columns))
    blocks += _text(two_columns("兑换后余额", f"{receipt.balance_after}分", columns))
    blocks.append(rule(columns))
    blocks += _qr(receipt.qr_payload, "扫码查询兑换单", columns)
    if any(not line.handed and line.handed_later_at is None for line in receipt.lines):
        blocks += _centred("未到位物品凭此凭条领取", columns)
    blocks += _centred("请妥善保管本凭条", columns)
    blocks.append(Cut())
    return tuple(blocks)


def handover_layout(slip: HandoverSlip, columns: int = 32) -> tuple[Block, ...]:
    """The blocks of the short slip printed when goods are handed over."""
    check_columns(columns)
    blocks: list[Block] = [TextLine(HANDOVER_TITLE, Align.CENTER, bold=True, double=True)]
    blocks.append(rule(columns))
    blocks += _text(labelled("兑换点", slip.exchange_point, columns))
    blocks += _text(labelled("交付时间", local_time(slip.printed_at), columns))
    blocks += _text(labelled("操作员", slip.operator, columns))
    blocks += _text(labelled("单号", slip.order_number, columns))
    blocks += _text(
        two_columns(f"户号：{slip.household_code}", f"户主：{slip.masked_name}", columns)
    )
    blocks.append(rule(columns))
    for line in slip.lines:
        head, indent = _line_head(line)
        blocks += _text(two_columns(head, f"x{line.qty}", columns, indent=indent))
        blocks += _text(_indented("已交付", indent, columns))
    blocks.append(rule(columns))
    blocks += _text(two_columns("本次交付", f"{len(slip.lines)}项", columns), bold=True)
    if slip.late_lines:
        blocks += _text(two_columns("其中逾期到位", f"{slip.late_lines}项", columns))
    blocks += _qr(slip.qr_payload, "扫码查询兑换单", columns)
    blocks.append(Cut())
    return tuple(blocks)


def phone_slip_layout(slip: PhoneSignInSlip, columns: int = 32) -> tuple[Block, ...]:
    """The blocks of a phone sign-in slip: the QR link, and the code to type by hand."""
    check_columns(columns)
    blocks: list[Block] = [TextLine(PHONE_SLIP_TITLE, Align.CENTER, bold=True, double=True)]
    blocks.append(rule(columns))
    blocks += _text(labelled("兑换点", slip.exchange_point, columns))
    blocks += _text(labelled("时间", local_time(slip.printed_at), columns))
    blocks += _text(
        two_columns(f"户号：{slip.household_code}", f"户主：{slip.masked_name}", columns)
    )
    blocks.append(rule(columns))
    blocks += _qr(slip.url, "用手机扫码，再点“确认登录”", columns)
    blocks.append(rule(columns))
    blocks += _centred("不能扫码时，打开下面的网址，输入户号和这6位数字：", columns)
    blocks += _centred(slip.signin_url, columns)
    blocks.append(TextLine(slip.code, Align.CENTER, bold=True, double=True))
    blocks += _centred(f"有效至 {local_time(slip.expires_at)}，只能用一次", columns)
    blocks += _centred("请勿交给别人：凭它能看您家的积分", columns)
    blocks.append(Cut())
    return tuple(blocks)
