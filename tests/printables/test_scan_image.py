"""Reading QR codes back out of photos and screenshots, including the fallbacks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from pyzbar import pyzbar

from kiosk.printables.cards import CardFace, render_card
from kiosk.printables.scan_image import decode_codes

FIRST = "JF1:HP0011:1:AAAABBBBCCCCDDDD"
SECOND = "JF1:HP0012:2:EEEEFFFFGGGGHHHH"


def qr(text: str, box_size: int = 6) -> Image.Image:
    code = qrcode.QRCode(box_size=box_size, border=4)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image()
    return image.convert("L")


def canvas(*placed: tuple[str, int, int]) -> Image.Image:
    image = Image.new("RGB", (900, 900), "white")
    for text, left, top in placed:
        image.paste(qr(text), (left, top))
    return image


def test_two_codes_come_back_top_to_bottom(tmp_path: Path) -> None:
    # The upper code sits to the right, so ordering by position is what is being tested.
    path = tmp_path / "two.png"
    canvas((SECOND, 40, 500), (FIRST, 500, 40)).save(path)
    assert decode_codes(path) == [FIRST, SECOND]
    assert decode_codes(str(path)) == [FIRST, SECOND]


def test_the_same_code_twice_is_reported_once() -> None:
    assert decode_codes(canvas((FIRST, 40, 40), (FIRST, 500, 500))) == [FIRST]


def test_garbage_image_has_no_codes(tmp_path: Path) -> None:
    noise = random.Random(20260105).randbytes(640 * 480)
    path = tmp_path / "noise.png"
    Image.frombytes("L", (640, 480), noise).save(path)
    assert decode_codes(path) == []


def test_non_image_file_raises_value_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("这不是图片", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable image"):
        decode_codes(path)


def test_missing_file_raises_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a readable image"):
        decode_codes(tmp_path / "absent.jpg")


def test_low_contrast_code_is_read_after_stretching_contrast() -> None:
    faint = qr(FIRST).point(lambda value: 132 if value > 128 else 128)
    assert pyzbar.decode(faint) == []  # needs the second attempt
    assert decode_codes(faint) == [FIRST]


def test_tiny_screenshot_is_read_after_upscaling() -> None:
    tiny = qr(FIRST + "IIIIJJJJKKKKLLLLMMMMNNNN", box_size=1)
    assert pyzbar.decode(tiny) == []  # needs the third attempt
    assert decode_codes(tiny) == [FIRST + "IIIIJJJJKKKKLLLLMMMMNNNN"]


def test_transparent_screenshot_is_read_on_white() -> None:
    code = qr(FIRST)
    # Black modules on a fully transparent background, as a copied screenshot might be.
    transparent = Image.new("RGBA", code.size, (0, 0, 0, 0))
    transparent.putalpha(code.point(lambda value: 255 - value))
    assert decode_codes(transparent) == [FIRST]


def test_card_photo_saved_as_jpeg(tmp_path: Path) -> None:
    payload = "JF1:HP0013:1:" + "MNOPQRSTUVWXYZ23" * 8
    card = render_card(CardFace(payload, "HP0013", "和平", "5组", "郑一苇", 2))
    path = tmp_path / "photo.jpg"
    card.resize((404, 255), Image.Resampling.LANCZOS).save(path, quality=60)
    assert decode_codes(path) == [payload]
