"""What the office console needs from the services layer, passed in by the entry point.

`sync` and `kiosk.services` sit side by side on one layer and never import each other, yet the
console must show the overview `kiosk overview` computes and hand out the very files
`kiosk notice` writes. So the console takes an `OfficeDesk` (the entry point passes
`kiosk.services.office.Desk`, tests the same) instead of a second implementation here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from kiosk.core.notice import Quarter
from kiosk.core.overview import Overview
from sync.web.access import WebRefusal
from sync.web.register_port import RegisterDesk


class OfficeDesk(Protocol):
    @property
    def register(self) -> RegisterDesk:
        """The register's services (sync.web.register_pages)."""
        ...

    def overview(
        self,
        engine: Engine,
        quarter: Quarter,
        now: datetime,
        *,
        operator_id: str | None = None,
        village: str | None = None,
    ) -> Overview: ...

    def notice_file(
        self, engine: Engine, village: str, quarter: Quarter, now: datetime, suffix: str
    ) -> tuple[str, bytes]:
        """The quarter's notice of `village` as `suffix` (".pdf" or ".csv"): file name, bytes."""
        ...

    def export_file(
        self,
        engine: Engine,
        period: str,
        now: datetime,
        *,
        operator_id: str,
        village: str | None,
        exchange_point: str | None,
        table: str | None,
    ) -> tuple[str, bytes]:
        """The records of `period` ("2026Q4" or "2026-11") that `operator_id` may see, as
        XLSX (every table) or as CSV of `table`: file name, bytes."""
        ...


def desk_of(desk: OfficeDesk | None) -> OfficeDesk:
    """The desk a console page needs; a central started without one says so (503)."""
    if desk is None:
        raise WebRefusal(503, "office.not_ready")
    return desk
