"""Photos sent from phones: checked to be real images, re-encoded without their metadata, and
fingerprinted (a difference hash) so the same picture filed twice can be told apart from a new one.
"""

from __future__ import annotations

import io

from kiosk.core.errors import BadInput

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
MAX_UPLOAD_PHOTO_BYTES = 8 * 1024 * 1024
# Pillow refuses a decompression bomb above twice its own limit; ours is lower: no phone camera
# takes more than ~50 megapixels, and a 16-bit 100-megapixel image would take gigabytes.
MAX_PIXELS = 60_000_000
# What others see of a photo needs no more: the stored copy is at most this on its long side.
MAX_SIDE = 2048
HASH_SIZE = 8  # a 64-bit dHash
SIMILAR_BITS = 6  # at most this many of 64 bits apart: the same picture, re-saved or resized


def clean_photo(data: bytes, name: str) -> tuple[bytes, str]:
    """A re-encoded copy of an uploaded photo and its format, or BadInput.

    Only JPEG, PNG and WebP that Pillow decodes whole are taken. The copy is drawn from the
    pixels alone, so EXIF (the phone's GPS position, its serial number) and any bytes hidden
    after the image stay behind; the camera's rotation is applied first so the copy stands up.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_PHOTO_BYTES:
        raise BadInput("evidence.too_large", name=name, max_mb=MAX_UPLOAD_PHOTO_BYTES >> 20)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
        if image_format not in ACCEPTED_FORMATS or width * height > MAX_PIXELS:
            raise BadInput("evidence.unreadable", name=name)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BadInput("evidence.unreadable", name=name) from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if has_alpha and image_format != "JPEG" else "RGB")
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if image_format == "JPEG":
        pixels.save(out, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "WEBP", quality=85)
    return out.getvalue(), image_format


def dhash(data: bytes) -> int:
    """The 64-bit difference hash of an image: each bit says whether a pixel of a 9x8 grey
    thumbnail is brighter than its right neighbour. Re-saving, resizing or recompressing a
    picture moves few bits; another picture differs in about half of them."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.LANCZOS)
        values = small.tobytes()  # one byte per pixel in mode L
    bits = 0
    for row in range(HASH_SIZE):
        for column in range(HASH_SIZE):
            left = values[row * (HASH_SIZE + 1) + column]
            right = values[row * (HASH_SIZE + 1) + column + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return bits


def similar(first: int, second: int) -> bool:
    return (first ^ second).bit_count() <= SIMILAR_BITS
