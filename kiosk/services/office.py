"""The street office's read side: the overview the console shows and `kiosk overview` prints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from kiosk.core.db import read_session
from kiosk.core.notice import Quarter
from kiosk.core.overview import Overview, office_overview, overview_for
from kiosk.core.reference import operator_by_id, village_by_name


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
