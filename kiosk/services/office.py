"""The street office's read side: the overview the console shows and `kiosk overview` prints."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from kiosk.core.db import read_session
from kiosk.core.errors import BadInput
from kiosk.core.notice import Notice, Quarter, build_notice
from kiosk.core.overview import Overview, office_overview, overview_for
from kiosk.core.reference import operator_by_id, village_by_name
from kiosk.printables.notice import NoticeLayout, write_notice_csv, write_notice_pdf
from kiosk.services.exports import Selection, export_for, parse_period, to_csv, to_xlsx
from kiosk.services.register_desk import RegisterDesk


def overview(
    engine: Engine,
    quarter: Quarter,
    now: datetime,
    *,
    operator_id: str | None = None,
    village: str | None = None,
) -> Overview:
    """The quarter's overview for `operator_id` (what that role may see), or for the office's
    own shell on the central when no operator is named; `village` by id or name narrows it."""
    with read_session(engine) as session:
        village_id = village_by_name(session, village).id if village else None
        if operator_id is None:
            return office_overview(
                session, quarter, now, None if village_id is None else {village_id}
            )
        operator = operator_by_id(session, operator_id)
        return overview_for(session, operator, quarter, now, village_id)


def notice(engine: Engine, village: str, quarter: Quarter, now: datetime) -> Notice:
    """The quarter's notice of `village` (by id or name), as `kiosk notice` prints it."""
    with read_session(engine) as session:
        return build_notice(session, village_by_name(session, village), quarter, now)


def write_notice(notice: Notice, path: Path) -> NoticeLayout | None:
    """Write `notice` as the PDF or CSV its suffix names (the layout for a PDF): the one writer
    behind `kiosk notice --out` and the console's downloads."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return write_notice_pdf(notice, path)
    if suffix == ".csv":
        write_notice_csv(notice, path)
        return None
    raise BadInput("notice.out_suffix", path=path)


def notice_file_name(notice: Notice, village_id: str, suffix: str) -> str:
    return f"notice-{village_id}-{notice.quarter}{suffix}"


class Desk:
    """The office's services as the console takes them (`sync.web.office_port.OfficeDesk`)."""

    def __init__(self, *, card_key: Path | None = None) -> None:
        self.register = RegisterDesk(card_key)

    def overview(
        self,
        engine: Engine,
        quarter: Quarter,
        now: datetime,
        *,
        operator_id: str | None = None,
        village: str | None = None,
    ) -> Overview:
        return overview(engine, quarter, now, operator_id=operator_id, village=village)

    def notice_file(
        self, engine: Engine, village: str, quarter: Quarter, now: datetime, suffix: str
    ) -> tuple[str, bytes]:
        built = notice(engine, village, quarter, now)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"notice{suffix}"
            write_notice(built, path)
            return notice_file_name(built, village, suffix), path.read_bytes()

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
        return export_file(
            engine,
            period,
            now,
            operator_id=operator_id,
            village=village,
            exchange_point=exchange_point,
            table=table,
        )


def export_file(
    engine: Engine,
    period: str,
    now: datetime,
    *,
    operator_id: str | None,
    village: str | None,
    exchange_point: str | None,
    table: str | None,
) -> tuple[str, bytes]:
    """The export as XLSX (every table) or, when `table` is named, that table as CSV: the
    file's name and bytes, for the console's download and `kiosk export`."""
    selection = Selection(parse_period(period), village, exchange_point)
    found = export_for(engine, selection, now, operator_id=operator_id)
    if table is None:
        return found.file_name(".xlsx"), to_xlsx(found)
    return found.file_name(".csv", table), to_csv(found, table)
