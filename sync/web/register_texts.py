"""What the console's register pages say, as (Chinese, English) pairs (looked up by `say`)."""

from __future__ import annotations

REGISTER_TEXTS: dict[str, tuple[str, str]] = {}
