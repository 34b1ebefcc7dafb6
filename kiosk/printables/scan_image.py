"""Reads every QR code and barcode in a photo or screenshot, for cards that a scanner cannot read."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar

# Upscaling only helps small screenshots whose modules are a pixel or two wide; doubling a
# phone photo would cost seconds and find nothing new.
_UPSCALE_MAX_SIDE = 2000


def _decode(image: Image.Image) -> list[str]:
    found = pyzbar.decode(image)
    # Reading order: top to bottom, then left to right for codes side by side.
    found.sort(key=lambda symbol: (symbol.rect.top, symbol.rect.left))
    texts: list[str] = []
    for symbol in found:
        text = symbol.data.decode("utf-8", errors="replace")
        if text not in texts:
            texts.append(text)
    return texts


def _open(source: str | Path) -> Image.Image:
    try:
        with Image.open(source) as opened:
            opened.load()
            # Phones store the picture sideways and say so in EXIF; turn it upright so
            # "top to bottom" means what the person holding the phone saw.
            return ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"无法读取图片 / not a readable image: {source}") from error


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("L", "RGB"):
        return image
    if image.has_transparency_data:
        # A transparent background would turn black in grey and swallow a dark code drawn on it.
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def decode_codes(source: str | Path | Image.Image) -> list[str]:
    """Return the text of every QR code and barcode found, top to bottom, without repeats.

    Tries the image as it is, then in grey with the contrast stretched, then (small images
    only) at twice the size; stops at the first attempt that finds anything. Returns []
    when nothing is found; raises ValueError when `source` is not a readable image file.
    """
    image = _flatten(source if isinstance(source, Image.Image) else _open(source))
    found = _decode(image)
    if found:
        return found
    grey = ImageOps.autocontrast(image.convert("L"))
    found = _decode(grey)
    if found or max(grey.size) > _UPSCALE_MAX_SIDE:
        return found
    # Bicubic read both crisp one-pixel modules and anti-aliased ones in trials; Lanczos rings
    # on crisp modules and nearest-neighbour keeps anti-aliasing blur as grey steps.
    bigger = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.BICUBIC)
    return _decode(bigger)
