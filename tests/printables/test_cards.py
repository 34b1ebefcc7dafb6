"""Household cards render, their QR codes decode back to the payload, and sheets paginate."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from kiosk.printables.cards import (
    CARD_HEIGHT,
    CARD_WIDTH,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    CardFace,
    render_card,
    render_sheet,
    sheet_page_paths,
)
from kiosk.printables.scan_image import decode_codes

# The longest payload the signing scheme produces is about 140 characters; test one in QR
# alphanumeric mode (base32) and one that forces byte mode (lower case, base64url).
BASE32_PAYLOAD = "JF1:HP0001:1:" + ("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 4)[:127]
BYTE_PAYLOAD = "JF1:HP0002:3:" + ("abcdefghijklmnopqrstuvwxyz-_0123456789ABCDEF" * 3)[:127]


def face(number: int = 1, payload: str | None = None, name: str = "林小禾") -> CardFace:
    code = f"HP{number:04d}"
    return CardFace(
        payload=payload or f"JF1:{code}:1:" + "QRSTUVWXYZ234567" * 6,
        code=code,
        village="和平",
        group="3组",
        head_name=name,
        card_version=1,
    )


def decoded(image: Image.Image) -> list[str]:
    return [symbol.data.decode("ascii") for symbol in pyzbar.decode(image)]


def like_a_phone_photo(card: Image.Image) -> Image.Image:
    small = card.resize(
        (round(card.width * 0.4), round(card.height * 0.4)), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=60)
    buffer.seek(0)
    return Image.open(buffer)


def pdf_page_count(path: Path) -> int:
    # "/Type /Pages" is the page tree, not a page.
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


@pytest.mark.parametrize("payload", [BASE32_PAYLOAD, BYTE_PAYLOAD])
def test_card_qr_decodes_to_the_exact_payload(payload: str) -> None:
    assert len(payload) == 140
    card = render_card(face(payload=payload))
    assert card.size == (CARD_WIDTH, CARD_HEIGHT) == (1011, 638)
    assert decoded(card) == [payload]


@pytest.mark.parametrize("payload", [BASE32_PAYLOAD, BYTE_PAYLOAD])
def test_card_qr_survives_a_small_blurry_phone_photo(payload: str) -> None:
    photo = like_a_phone_photo(render_card(face(payload=payload)))
    assert photo.format == "JPEG"
    assert decoded(photo) == [payload]


def test_long_names_still_render() -> None:
    card = render_card(face(name="阿依古丽·买买提"))
    assert decoded(card) == [face().payload]


def test_card_refuses_a_non_ascii_payload() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        render_card(face(payload="JF1:HP0001:1:积分"))


def test_card_refuses_a_payload_too_long_to_scan() -> None:
    with pytest.raises(ValueError, match="too long"):
        render_card(face(payload="JF1:" + "x" * 600))


@pytest.fixture(scope="module")
def faces() -> list[CardFace]:
    return [face(number) for number in range(1, 24)]


def test_sheet_as_pdf_has_one_page_per_ten_cards(faces: list[CardFace], tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    assert render_sheet(faces, out) == [out]
    assert out.read_bytes().startswith(b"%PDF-")
    assert pdf_page_count(out) == 3


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_sheet_pdf_pages_scan(faces: list[CardFace], tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    render_sheet(faces, out)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "3", "-l", "3", str(out), str(tmp_path / "p")],
        check=True,
    )
    [page] = tmp_path.glob("p-*3.png")
    assert decode_codes(page) == [f.payload for f in faces[20:]]


def test_sheet_as_png_writes_one_file_per_page(faces: list[CardFace], tmp_path: Path) -> None:
    out = tmp_path / "cards.png"
    paths = render_sheet(faces, out)
    assert paths == [out, tmp_path / "cards-2.png", tmp_path / "cards-3.png"]
    assert paths == sheet_page_paths(out, 3)
    with Image.open(out) as first:
        assert first.size == (PAGE_WIDTH, PAGE_HEIGHT)
        assert first.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        # Reading order on the sheet is row by row, left column first.
        assert decode_codes(first) == [f.payload for f in faces[:10]]
    with Image.open(paths[2]) as last:
        assert decode_codes(last) == [f.payload for f in faces[20:]]


@pytest.mark.parametrize("name", ["cards.jpg", "cards", "cards.PDF.txt"])
def test_sheet_refuses_other_extensions(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.pdf or \.png"):
        render_sheet([face()], tmp_path / name)


def test_sheet_refuses_no_cards(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no cards"):
        render_sheet([], tmp_path / "cards.pdf")
