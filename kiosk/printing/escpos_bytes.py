"""Turns laid-out receipts into the ESC/POS bytes of an Xprinter-class printer with Chinese fonts."""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
from escpos.escpos import QR_ECLEVEL_M
from escpos.printer import Dummy

from kiosk.core.receipt import HandoverSlip, PhoneSignInSlip, Receipt
from kiosk.printing.layout import (
    Align,
    Block,
    Cut,
    QrCode,
    TextLine,
    char_width,
    check_columns,
    clean,
    handover_layout,
    phone_slip_layout,
    receipt_layout,
)

CHINESE_ON = b"\x1c&"  # FS &: bytes from 0x81 up are GB codes of the Hanzi font
CHINESE_OFF = b"\x1c."  # FS .: back to single-byte characters
DOTS_PER_COLUMN = 12  # font A is 12 x 24 dots; a Hanzi is 24 x 24
QR_QUIET_MODULES = 4
# Modules of 0.75 mm (58 mm) and 0.875 mm (80 mm) scan well, and their 4-module quiet zone
# (28 dots at most) fits in the blank line (30 dots) printed above and below the code.
_QR_PREFERRED_MODULE = {32: 6, 48: 7}


def encode_text(text: str, encoding: str = "gb18030") -> bytes:
    """`text` as the printer reads it: ASCII as is, anything else inside FS & ... FS .

    python-escpos's own text path picks single-byte code pages, which garbles Chinese,
    ¥/￥ and Chinese punctuation; a line with any of those goes whole in Chinese mode,
    where ASCII bytes still print as ASCII. A character the encoding lacks becomes '?',
    followed by a space when it was two columns wide so that the columns stay aligned.
    """
    codecs.lookup(encoding)  # an unknown encoding is a programming error: say so at once
    text = clean(text)
    if text.isascii():
        return text.encode("ascii")
    out = bytearray(CHINESE_ON)
    try:
        out += text.encode(encoding)
    except UnicodeEncodeError:
        for char in text:
            try:
                out += char.encode(encoding)
            except UnicodeEncodeError:
                out += b"?" + b" " * (char_width(char) - 1)
    out += CHINESE_OFF
    return bytes(out)


def qr_modules(payload: str) -> int:
    """Modules per side of the QR the printer draws for `payload` (byte mode, level M)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    # Bytes, not str: the printer receives UTF-8 and encodes it in byte mode, as here.
    qr.add_data(payload.encode("utf-8"), optimize=0)
    qr.make(fit=True)
    return int(qr.modules_count)


def qr_module_size(payload: str, columns: int) -> int:
    """Dots per QR module: the preferred size, smaller when a long payload would not fit."""
    paper_dots = check_columns(columns) * DOTS_PER_COLUMN
    fits = paper_dots // (qr_modules(payload) + 2 * QR_QUIET_MODULES)
    return max(1, min(_QR_PREFERRED_MODULE[columns], fits))


@dataclass
class _Style:
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False


def _apply(printer: Dummy, style: _Style, align: Align, bold: bool, double: bool) -> None:
    """Send only the style commands that change something."""
    if align is not style.align:
        printer.set(align=align.value)
        style.align = align
    if bold != style.bold:
        printer.set(bold=bold)
        style.bold = bold
    if double != style.double:
        # GS ! scales the Hanzi font as well; ESC ! (python-escpos's double_width) does not.
        size = 2 if double else 1
        printer.set(custom_size=True, width=size, height=size)
        style.double = double


def render_blocks(
    blocks: Iterable[Block], *, columns: int = 32, encoding: str = "gb18030"
) -> bytes:
    """The ESC/POS bytes printing `blocks`, starting from a freshly initialised printer."""
    check_columns(columns)
    printer = Dummy()
    printer.hw("INIT")
    style = _Style()
    for block in blocks:
        if isinstance(block, TextLine):
            _apply(printer, style, block.align, block.bold, block.double)
            printer._raw(encode_text(block.text, encoding) + b"\n")
        elif isinstance(block, QrCode):
            _apply(printer, style, Align.CENTER, False, False)
            printer.qr(
                block.payload,
                native=True,  # the printer draws it: sharp, and a few bytes instead of a bitmap
                ec=QR_ECLEVEL_M,
                size=qr_module_size(block.payload, columns),
            )
        elif isinstance(block, Cut):
            _apply(printer, style, Align.LEFT, False, False)
            printer.cut()
    return bytes(printer.output)


def render_receipt(receipt: Receipt, *, columns: int = 32, encoding: str = "gb18030") -> bytes:
    """The ESC/POS bytes of `receipt` for a roll `columns` wide."""
    return render_blocks(receipt_layout(receipt, columns), columns=columns, encoding=encoding)


def render_handover_slip(
    slip: HandoverSlip, *, columns: int = 32, encoding: str = "gb18030"
) -> bytes:
    """The ESC/POS bytes of a hand-over slip for a roll `columns` wide."""
    return render_blocks(handover_layout(slip, columns), columns=columns, encoding=encoding)


def render_phone_slip(
    slip: PhoneSignInSlip, *, columns: int = 32, encoding: str = "gb18030"
) -> bytes:
    """The ESC/POS bytes of a phone sign-in slip for a roll `columns` wide."""
    return render_blocks(phone_slip_layout(slip, columns), columns=columns, encoding=encoding)
