"""Draws household points cards and lays them out on A4 sheets for printing and cutting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from kiosk.core.labels import village_label
from kiosk.fonts import cjk_font_path

DPI = 300
# ISO/IEC 7810 ID-1 (a bank card), 85.60 x 53.98 mm, at 300 dpi.
CARD_WIDTH = 1011
CARD_HEIGHT = 638
# A4, 210 x 297 mm, at 300 dpi.
PAGE_WIDTH = 2480
PAGE_HEIGHT = 3508
SHEET_COLUMNS = 2
SHEET_ROWS = 5
CARDS_PER_PAGE = SHEET_COLUMNS * SHEET_ROWS

TITLE = "棠香街道乡村治理积分卡"

_INK = (0, 0, 0)
_GREY = (90, 90, 90)
# Official red for the title; it still prints as a dark grey on a black-and-white laser.
_RED = (178, 24, 32)
_GUIDE = (200, 200, 200)
_WHITE = (255, 255, 255)

# The QR sits in a square at the card's left; its own 4-module quiet zone is the white margin.
_QR_TOP = 112
_QR_LEFT = 12
_QR_BOX = CARD_HEIGHT - _QR_TOP - 12
# Below half a millimetre per module a phone photo of a worn card stops scanning reliably.
_MIN_MODULE_PX = 6
_MARGIN = 40


@dataclass(frozen=True)
class CardFace:
    """What one household's card shows."""

    payload: str  # the signed QR text a scanner types, ASCII, e.g. "JF1:HP0001:1:ABCDEF..."
    code: str  # short household code, e.g. "HP0001"
    village: str  # e.g. "和平"
    group: str  # e.g. "3组"
    head_name: str  # the household head's full name
    card_version: int  # goes up each time a lost card is replaced


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Index 0 of the WenQuanYi collection is the proportional face; it also draws the ASCII code.
    return ImageFont.truetype(str(cjk_font_path()), size, index=0)


def _fitted_font(text: str, max_width: int, size: int, min_size: int) -> ImageFont.FreeTypeFont:
    """The largest font no bigger than `size` that keeps `text` within `max_width`."""
    while size > min_size and _font(size).getlength(text) > max_width:
        size -= 2
    return _font(size)


def _qr_image(payload: str) -> Image.Image:
    if not payload.isascii():
        # Keyboard-wedge scanners type bytes as key presses; anything beyond ASCII arrives garbled.
        raise ValueError(f"card payload must be ASCII, got {payload!r}")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the quiet zone
    modules = len(matrix)
    module_px = _QR_BOX // modules
    if module_px < _MIN_MODULE_PX:
        raise ValueError(f"card payload too long to print scannably ({len(payload)} characters)")
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    # Whole pixels per module keep every module edge sharp for the printer.
    return small.resize((modules * module_px, modules * module_px), Image.Resampling.NEAREST)


def render_card(face: CardFace) -> Image.Image:
    """Draw one card, 1011 x 638 px (85.6 x 54 mm at 300 dpi), RGB."""
    card = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), _WHITE)
    draw = ImageDraw.Draw(card)

    title_font = _fitted_font(TITLE, CARD_WIDTH - 2 * _MARGIN, 58, 30)
    draw.text((CARD_WIDTH // 2, 62), TITLE, font=title_font, fill=_RED, anchor="mm")
    draw.line((_MARGIN, 104, CARD_WIDTH - _MARGIN, 104), fill=_RED, width=4)

    qr = _qr_image(face.payload)
    # Centre the QR in its square so a smaller code does not hug the title rule.
    offset = (_QR_BOX - qr.width) // 2
    card.paste(qr, (_QR_LEFT + offset, _QR_TOP + offset))

    left = _QR_LEFT + _QR_BOX + 16
    width = CARD_WIDTH - _MARGIN - left
    draw.text((left, 160), "户主", font=_font(34), fill=_GREY, anchor="ls")
    name_font = _fitted_font(face.head_name, width, 104, 40)
    draw.text((left, 272), face.head_name, font=name_font, fill=_INK, anchor="ls")
    place = f"{village_label(face.village)}  {face.group}"
    draw.text((left, 350), place, font=_fitted_font(place, width, 48, 24), fill=_INK, anchor="ls")
    draw.text((left, 418), "户号", font=_font(34), fill=_GREY, anchor="ls")
    code_font = _fitted_font(face.code, width, 96, 40)
    # A faux-bold stroke makes the code readable from across the counter.
    draw.text(
        (left, 518),
        face.code,
        font=code_font,
        fill=_INK,
        anchor="ls",
        stroke_width=2,
        stroke_fill=_INK,
    )
    draw.text(
        (CARD_WIDTH - _MARGIN, CARD_HEIGHT - 28),
        f"第{face.card_version}版",
        font=_font(28),
        fill=_GREY,
        anchor="rs",
    )
    return card


def _page_images(faces: Sequence[CardFace]) -> list[Image.Image]:
    grid_width = SHEET_COLUMNS * CARD_WIDTH
    grid_height = SHEET_ROWS * CARD_HEIGHT
    x0 = (PAGE_WIDTH - grid_width) // 2
    y0 = (PAGE_HEIGHT - grid_height) // 2
    # Cards abut, so one cut serves two cards; the marks stop short of the grid and of the
    # paper edge, where most printers cannot print.
    mark_gap, mark_length = 15, 80
    pages = []
    for start in range(0, len(faces), CARDS_PER_PAGE):
        page = Image.new("RGB", (PAGE_WIDTH, PAGE_HEIGHT), _WHITE)
        draw = ImageDraw.Draw(page)
        for index, face in enumerate(faces[start : start + CARDS_PER_PAGE]):
            row, column = divmod(index, SHEET_COLUMNS)
            left, top = x0 + column * CARD_WIDTH, y0 + row * CARD_HEIGHT
            page.paste(render_card(face), (left, top))
            # A faint outline helps whoever cuts with scissors instead of a guillotine.
            draw.rectangle(
                (left, top, left + CARD_WIDTH, top + CARD_HEIGHT), outline=_GUIDE, width=1
            )
        for column in range(SHEET_COLUMNS + 1):
            x = x0 + column * CARD_WIDTH
            draw.line((x, y0 - mark_gap - mark_length, x, y0 - mark_gap), fill=_INK, width=2)
            bottom = y0 + grid_height + mark_gap
            draw.line((x, bottom, x, bottom + mark_length), fill=_INK, width=2)
        for row in range(SHEET_ROWS + 1):
            y = y0 + row * CARD_HEIGHT
            draw.line((x0 - mark_gap - mark_length, y, x0 - mark_gap, y), fill=_INK, width=2)
            right = x0 + grid_width + mark_gap
            draw.line((right, y, right + mark_length, y), fill=_INK, width=2)
        pages.append(page)
    return pages


def sheet_page_paths(out: Path, pages: int) -> list[Path]:
    """Where a PNG sheet of `pages` pages goes: `out`, then `out-2.png`, `out-3.png`, ..."""
    return [out] + [out.with_name(f"{out.stem}-{n}{out.suffix}") for n in range(2, pages + 1)]


def render_sheet(faces: Sequence[CardFace], out: Path) -> list[Path]:
    """Lay the cards out ten to an A4 page (2 x 5, cut marks) and write them; return the files.

    `out` ending in .pdf gets one multi-page PDF. `out` ending in .png gets one PNG per page,
    because a single image of many pages cannot be printed page by page: the first page is
    `out` itself, the next `out-2.png`, `out-3.png` and so on (see `sheet_page_paths`).
    Files left over from an earlier, longer run are not removed.
    """
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise ValueError(f"card sheet must be .pdf or .png, got {out.name!r}")
    if not faces:
        raise ValueError("no cards to lay out")
    pages = _page_images(faces)
    if suffix == ".png":
        paths = sheet_page_paths(out, len(pages))
        for page, path in zip(pages, paths, strict=True):
            page.save(path, dpi=(DPI, DPI))
        return paths
    # fpdf2 embeds the pages losslessly; Pillow's own PDF writer would JPEG them and blur the QRs.
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("tangxiang-kiosk")
    for page in pages:
        pdf.add_page()
        pdf.image(page, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(out))
    return [out]
