"""Reads ESC/POS bytes back into what the paper shows, as text or as a PNG at the printer's dots."""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.fonts import cjk_font_path
from kiosk.printing.escpos_bytes import DOTS_PER_COLUMN
from kiosk.printing.layout import Align, char_width, check_columns

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
CELL_HEIGHT = 24  # dots: font A and the Hanzi font are both 24 dots tall
LINE_PITCH = 30  # dots: ESC 2, the default spacing of 3.75 mm
CUT_MARK = "✂"

_QR_EC = {
    48: qrcode.constants.ERROR_CORRECT_L,
    49: qrcode.constants.ERROR_CORRECT_M,
    50: qrcode.constants.ERROR_CORRECT_Q,
    51: qrcode.constants.ERROR_CORRECT_H,
}

# Parameter bytes of the fixed-length commands; anything variable is handled in the reader.
_ESC_PARAMS = {
    **dict.fromkeys(b"@2<LSim", 0),
    **dict.fromkeys(b"!EG-aJdteMR VU{3=rT%", 1),
    **dict.fromkeys(b"$\\Bc", 2),
    ord("p"): 3,
    ord("W"): 8,
}
_GS_PARAMS = {
    **dict.fromkeys(b":", 0),
    **dict.fromkeys(b"!BbHhfwaIrE/T", 1),
    **dict.fromkeys(b"LWP", 2),
    ord("^"): 3,
}
_FS_PARAMS = {
    **dict.fromkeys(b"&.", 0),
    **dict.fromkeys(b"!-WC", 1),
    **dict.fromkeys(b"Sp", 2),
}


@dataclass
class Run:
    """Characters printed in one style; `cells` counts them in unscaled columns."""

    text: str
    cells: list[int]
    bold: bool
    width: int  # horizontal scale, 1-8
    height: int  # vertical scale, 1-8

    @property
    def columns(self) -> int:
        return sum(self.cells) * self.width


@dataclass
class PaperLine:
    runs: list[Run] = field(default_factory=list)
    align: Align = Align.LEFT

    @property
    def columns(self) -> int:
        return sum(run.columns for run in self.runs)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def text_columns(self) -> int:
        return sum(sum(run.cells) for run in self.runs)


@dataclass(frozen=True)
class PaperQr:
    payload: str
    module: int  # dots per module
    ec: int  # qrcode.constants.ERROR_CORRECT_*
    align: Align


@dataclass(frozen=True)
class PaperMark:
    """Something the preview shows but does not draw: a cut, an image, a barcode."""

    kind: str  # "cut", "image", "barcode"
    text: str = ""


Paper = PaperLine | PaperQr | PaperMark


class _Reader:
    """A small ESC/POS interpreter: the commands our receipts use and the lengths of the rest.

    It starts with Chinese mode off, stricter than printers that ship with it on, so that a
    forgotten FS & shows up as garbage in the preview rather than only on some printers.
    """

    def __init__(self, data: bytes, encoding: str, columns: int) -> None:
        codecs.lookup(encoding)
        self.data = data
        self.encoding = encoding
        self.columns = columns
        self.pos = 0
        self.paper: list[Paper] = []
        self.line = PaperLine()
        self.qr_data = b""
        self.qr_module = 3
        self.qr_ec = 48
        self.chinese = False
        self._reset()

    def _reset(self) -> None:
        self.align = Align.LEFT
        self.bold = False
        self.width = 1
        self.height = 1
        self.line = PaperLine(align=self.align)

    # --- output ---

    def flush(self) -> None:
        self.paper.append(self.line)
        self.line = PaperLine(align=self.align)

    def put(self, char: str, cells: int) -> None:
        if self.line.columns + cells * self.width > self.columns:
            self.flush()  # the printer wraps a line that runs off the paper
        if not self.line.runs:
            self.line.align = self.align  # ESC a counts only at the start of a line
        runs = self.line.runs
        style = (self.bold, self.width, self.height)
        if runs and (runs[-1].bold, runs[-1].width, runs[-1].height) == style:
            runs[-1].text += char
            runs[-1].cells.append(cells)
        else:
            runs.append(Run(char, [cells], *style))

    # --- input ---

    def take(self, count: int) -> bytes:
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        chunk = self.take(1)
        return chunk[0] if chunk else 0

    def read(self) -> list[Paper]:
        while self.pos < len(self.data):
            value = self.byte()
            if value == 0x0A:
                self.flush()
            elif value == 0x09:
                for _ in range(8 - self.line.text_columns % 8):
                    self.put(" ", 1)
            elif value == ESC:
                self.esc(self.byte())
            elif value == GS:
                self.gs(self.byte())
            elif value == FS:
                self.fs(self.byte())
            elif value == DLE:
                command = self.byte()
                self.take({0x04: 1, 0x05: 1, 0x14: 3}.get(command, 0))
            elif value < 0x20 or value == 0x7F:
                continue
            elif value < 0x80:
                self.put(chr(value), 1)
            elif self.chinese:
                self.hanzi(value)
            else:
                self.put(bytes([value]).decode("cp437"), 1)
        if self.line.runs:
            self.flush()
        return self.paper

    def hanzi(self, lead: int) -> None:
        """One GB18030 character: two bytes, or four when the second is a digit."""
        if not 0x81 <= lead <= 0xFE:
            self.put("?", 1)
            return
        second = self.data[self.pos : self.pos + 1]
        size = 3 if second and 0x30 <= second[0] <= 0x39 else 1
        code = bytes([lead]) + self.take(size)
        char = code.decode(self.encoding, errors="replace")[:1] or "?"
        self.put(char, 2)

    def esc(self, command: int) -> None:
        if command == ord("@"):
            self.line = PaperLine()  # ESC @ discards what was not yet printed
            self._reset()
            self.chinese = False
            return
        if command in (ord("i"), ord("m")):
            self.cut()
            return
        if command == ord("*"):
            mode, low, high = self.take(3).ljust(3, b"\0")
            self.take((low + 256 * high) * (1 if mode in (0, 1) else 3))
            return
        if command == ord("D"):
            while self.pos < len(self.data) and self.byte() != 0:
                pass
            return
        params = self.take(_ESC_PARAMS.get(command, 0))
        value = params[0] if params else 0
        if command == ord("!"):
            self.bold = bool(value & 0x08)
            self.height = 2 if value & 0x10 else 1
            self.width = 2 if value & 0x20 else 1
        elif command in (ord("E"), ord("G")):
            self.bold = bool(value & 1)
        elif command == ord("a"):
            self.align = (Align.LEFT, Align.CENTER, Align.RIGHT)[value % 48 % 3]
        elif command == ord("d"):
            self.flush()
            for _ in range(value - 1):
                self.flush()
        elif command == ord("J"):
            self.flush()

    def gs(self, command: int) -> None:
        if command == ord("("):
            function = self.byte()
            low, high = self.take(2).ljust(2, b"\0")
            body = self.take(low + 256 * high)
            if function == ord("k"):
                self.qr(body)
            return
        if command == ord("V"):
            mode = self.byte()
            if mode in (65, 66, 97, 98, 103, 104):
                self.take(1)
            self.cut()
            return
        if command == ord("v"):
            self.take(2)  # "0" and the mode
            x_low, x_high, y_low, y_high = self.take(4).ljust(4, b"\0")
            self.take((x_low + 256 * x_high) * (y_low + 256 * y_high))
            self.mark("image", "[图像 / image]")
            return
        if command == ord("8"):
            self.take(1)  # "L"
            size = int.from_bytes(self.take(4), "little")
            self.take(size)
            self.mark("image", "[图像 / image]")
            return
        if command == ord("*"):
            x, y = self.take(2).ljust(2, b"\0")
            self.take(x * y * 8)
            return
        if command == ord("k"):
            self.barcode()
            return
        params = self.take(_GS_PARAMS.get(command, 0))
        if command == ord("!") and params:
            self.width = (params[0] >> 4 & 0x07) + 1
            self.height = (params[0] & 0x07) + 1

    def fs(self, command: int) -> None:
        if command == ord("&"):
            self.chinese = True
        elif command == ord("."):
            self.chinese = False
        elif command == ord("2"):
            self.take(2 + 72)  # a user-defined Hanzi
        else:
            self.take(_FS_PARAMS.get(command, 0))

    def qr(self, body: bytes) -> None:
        """GS ( k for QR codes (cn 49): remember the settings and data, draw on print."""
        if len(body) < 2 or body[0] != 49:
            return
        function, params = body[1], body[2:]
        if function == 67 and params:
            self.qr_module = params[0]
        elif function == 69 and params:
            self.qr_ec = params[0]
        elif function == 80:
            self.qr_data = params[1:]  # after the "0"
        elif function == 81:
            if self.line.runs:
                self.flush()
            payload = self.qr_data.decode("utf-8", errors="replace")
            ec = _QR_EC.get(self.qr_ec, qrcode.constants.ERROR_CORRECT_M)
            self.paper.append(PaperQr(payload, self.qr_module, ec, self.align))

    def barcode(self) -> None:
        kind = self.byte()
        if kind <= 6:
            data = bytearray()
            while self.pos < len(self.data) and (value := self.byte()) != 0:
                data.append(value)
        else:
            data = bytearray(self.take(self.byte()))
        self.mark("barcode", f"[条码 / barcode: {data.decode('ascii', errors='replace')}]")

    def mark(self, kind: str, text: str) -> None:
        if self.line.runs:
            self.flush()
        self.paper.append(PaperMark(kind, text))

    def cut(self) -> None:
        self.mark("cut", "")


def read_paper(data: bytes, *, encoding: str = "gb18030", columns: int = 32) -> list[Paper]:
    """What `data` puts on a roll `columns` wide, line by line."""
    return _Reader(data, encoding, check_columns(columns)).read()


def _offset(align: Align, used: int, columns: int) -> int:
    if align is Align.CENTER:
        return max(0, (columns - used) // 2)
    if align is Align.RIGHT:
        return max(0, columns - used)
    return 0


def preview_text(data: bytes, encoding: str = "gb18030", *, columns: int = 32) -> str:
    """The paper as text: QR codes as `[QR: payload]`, cuts as a `✂----` line.

    Lines the printer would wrap are wrapped; double-size text is shown at single size.
    """
    out: list[str] = []
    for item in read_paper(data, encoding=encoding, columns=columns):
        if isinstance(item, PaperLine):
            offset = _offset(item.align, item.text_columns, columns)
            out.append((" " * offset + item.text).rstrip())
        elif isinstance(item, PaperQr):
            block = f"[QR: {item.payload}]"
            width = sum(char_width(char) for char in block)
            out.append(" " * _offset(item.align, width, columns) + block)
        elif item.kind == "cut":
            out.append(CUT_MARK + "-" * (columns - 1))
        else:
            out.append(item.text)
    return "\n".join(out) + "\n"


# --- PNG ----------------------------------------------------------------------------------


@cache
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), CELL_HEIGHT - 2, index=0)


def _run_image(run: Run) -> Image.Image:
    """A run drawn cell by cell at single size, then scaled the way the printer scales its
    bitmap font: by repeating dots."""
    image = Image.new("L", (max(1, sum(run.cells) * DOTS_PER_COLUMN), CELL_HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    x = 0
    for char, cells in zip(run.text, run.cells, strict=True):
        middle = (x + cells * DOTS_PER_COLUMN / 2, CELL_HEIGHT / 2)
        draw.text(middle, char, fill=0, font=_font(), anchor="mm")
        if run.bold:
            draw.text((middle[0] + 1, middle[1]), char, fill=0, font=_font(), anchor="mm")
        x += cells * DOTS_PER_COLUMN
    if run.width == 1 and run.height == 1:
        return image
    size = (image.width * run.width, image.height * run.height)
    return image.resize(size, Image.Resampling.NEAREST)


def _line_image(line: PaperLine, paper_width: int) -> Image.Image:
    runs = [_run_image(run) for run in line.runs]
    tallest = max((image.height for image in runs), default=CELL_HEIGHT)
    strip = Image.new("L", (paper_width, max(LINE_PITCH, tallest + LINE_PITCH - CELL_HEIGHT)), 255)
    x = _offset(line.align, line.columns, paper_width // DOTS_PER_COLUMN) * DOTS_PER_COLUMN
    for image in runs:
        strip.paste(image, (x, tallest - image.height))  # runs share a baseline
        x += image.width
    return strip


def _qr_image(item: PaperQr, paper_width: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=item.ec, box_size=max(1, item.module), border=0)
    qr.add_data(item.payload.encode("utf-8"), optimize=0)
    qr.make(fit=True)
    code = qr.make_image().get_image().convert("L")
    strip = Image.new("L", (paper_width, code.height), 255)
    if item.align is Align.LEFT:
        x = 0
    elif item.align is Align.RIGHT:
        x = paper_width - code.width
    else:
        x = (paper_width - code.width) // 2
    strip.paste(code, (max(0, x), 0))
    return strip


def _mark_image(item: PaperMark, paper_width: int) -> Image.Image:
    strip = Image.new("L", (paper_width, LINE_PITCH), 255)
    draw = ImageDraw.Draw(strip)
    if item.kind == "cut":
        for x in range(0, paper_width, 12):
            draw.line((x, LINE_PITCH // 2, x + 6, LINE_PITCH // 2), fill=0, width=2)
    else:
        draw.text((0, 2), item.text, fill=0, font=_font())
    return strip


def render_png(data: bytes, *, columns: int = 32, encoding: str = "gb18030") -> Image.Image:
    """The paper as an image, one pixel per printer dot (8 dots/mm: 384 or 576 wide)."""
    paper_width = check_columns(columns) * DOTS_PER_COLUMN
    strips: list[Image.Image] = [Image.new("L", (paper_width, LINE_PITCH), 255)]
    for item in read_paper(data, encoding=encoding, columns=columns):
        if isinstance(item, PaperLine):
            strips.append(_line_image(item, paper_width))
        elif isinstance(item, PaperQr):
            strips.append(_qr_image(item, paper_width))
        else:
            strips.append(_mark_image(item, paper_width))
    paper = Image.new("L", (paper_width, sum(strip.height for strip in strips)), 255)
    y = 0
    for strip in strips:
        paper.paste(strip, (0, y))
        y += strip.height
    return paper


def preview_png(
    data: bytes, path: str | os.PathLike[str], *, columns: int = 32, encoding: str = "gb18030"
) -> Path:
    """Draw the paper `data` prints into the PNG file `path`."""
    target = Path(path)
    render_png(data, columns=columns, encoding=encoding).save(target, format="PNG")
    return target


def write_receipt_png(
    data: bytes, path: str | os.PathLike[str], columns: int = 32, *, encoding: str = "gb18030"
) -> Path:
    """Export a receipt's ESC/POS bytes as a PNG for checking on screen; makes the folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return preview_png(data, target, columns=columns, encoding=encoding)


def write_receipt_escpos(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Save a receipt's ESC/POS bytes, e.g. to replay on a printer with `cat FILE > /dev/usb/lp0`.

    Written to a temporary file and renamed, so a crash never leaves half a receipt behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
