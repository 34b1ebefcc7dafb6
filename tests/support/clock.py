"""The one time helper of the tests: instants on the wall clock in Chongqing."""

from __future__ import annotations

from datetime import datetime

from kiosk.core.clock import SHANGHAI


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on the wall clock in Chongqing (Asia/Shanghai)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
