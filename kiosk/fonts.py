"""Finds a TrueType font that can draw Chinese, for card sheets, receipt previews and notices."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

# Debian's fonts-wqy-microhei is small (5 MB) and covers GB18030's common characters;
# fonts-noto-cjk is the larger alternative. KIOSK_CJK_FONT overrides both.
_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class FontMissingError(RuntimeError):
    """No font able to draw Chinese is installed."""


@cache
def cjk_font_path() -> Path:
    """Return the path of a CJK-capable font, or raise FontMissingError saying what to install."""
    override = os.environ.get("KIOSK_CJK_FONT")
    candidates = ((override,) if override else ()) + _CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissingError(
        "没有可显示中文的字体 / no Chinese font found: apt-get install fonts-wqy-microhei "
        "(or set KIOSK_CJK_FONT to a .ttf/.ttc file)"
    )
