"""The console's periods and paperwork: month and year close status per village with a
confirmed close for one the timer missed (through `kiosk.core.periods`, as `kiosk close-month`
and `kiosk close-year`), and the quarterly notices (the very files `kiosk notice` writes, from
`OfficeDesk.notice_file`) with the honours."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import DomainError
from kiosk.core.models import Operator, Role, Village
from kiosk.core.notice import village_honours
from kiosk.core.period_status import (
    CloseState,
    PeriodStatus,
    month_status,
    recent_months,
    year_status,
)
from kiosk.core.periods import close_month, close_year
from rules.engine import local
from sync.audit import record_change
from sync.web.access import Access, Viewer, WebRefusal, in_scope, office_operator
from sync.web.console_overview import chosen_quarter, chosen_village, quarters_before, villages_for
from sync.web.office_port import OfficeDesk, desk_of
from sync.web.pages import Pages
from sync.web.texts import say

MONTHS_SHOWN = 6
YEARS_SHOWN = 2  # the current points year and the one before
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2}))?")
NOTICE_TYPES = {"pdf": ("application/pdf", ".pdf"), "csv": ("text/csv; charset=utf-8", ".csv")}


def parse_period(text: str) -> tuple[int, int | None]:
    """ "2026-11" (a month) or "2026" (a year); anything else is refused."""
    match = _PERIOD.fullmatch(text.strip()[:10])
    if match is None:
        raise WebRefusal(400, "refused.period")
    year, month = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise WebRefusal(400, "refused.period")
    return year, month


def statuses(session: Session, villages: list[Village], now: datetime) -> list[PeriodStatus]:
    this_year = local(now).year
    return [
        *(month_status(session, villages, y, m, now) for y, m in recent_months(now, MONTHS_SHOWN)),
        *(year_status(session, villages, this_year - back, now) for back in range(YEARS_SHOWN)),
    ]


def street_admin(viewer: Viewer) -> Operator:
    """A close settles every village at once: the street's administrators only."""
    operator = office_operator(viewer)
    if operator.role != Role.STREET_ADMIN:
        raise WebRefusal(403, "refused.street_only")
    return operator


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    desk: OfficeDesk | None,
) -> None:
    Office = Annotated[Viewer, Depends(access.office)]
    OfficeForm = Annotated[Viewer, Depends(access.office_form)]
    render = pages.render

    @app.get("/o/periods", include_in_schema=False)
    async def periods_page(request: Request, viewer: Office) -> Response:
        now = clock()

        def read() -> Any:
            with read_session(engine) as session:
                villages = villages_for(session, viewer)
                return villages, statuses(session, villages, now)

        villages, found = await run_in_threadpool(read)
        return render(
            request,
            viewer,
            "console_periods.html",
            section="periods",
            villages=villages,
            statuses=found,
            CloseState=CloseState,
            closed=request.query_params.get("closed", "")[:10],
        )

    @app.get("/o/periods/close", include_in_schema=False)
    async def close_check(request: Request, viewer: Office, period: str = "") -> Response:
        street_admin(viewer)
        year, month = parse_period(period)
        now = clock()

        def read() -> Any:
            with read_session(engine) as session:
                villages = villages_for(session, viewer)
                if month is None:
                    return villages, year_status(session, villages, year, now)
                return villages, month_status(session, villages, year, month, now)

        villages, status = await run_in_threadpool(read)
        return render(
            request,
            viewer,
            "console_close.html",
            section="periods",
            shown=status,
            villages=villages,
            CloseState=CloseState,
        )

    @app.post("/o/periods/close", include_in_schema=False)
    async def close(request: Request, viewer: OfficeForm) -> Response:
        street_admin(viewer)
        year, month = parse_period(viewer.form.get("period", ""))
        period = f"{year:04d}" if month is None else f"{year:04d}-{month:02d}"

        def act() -> None:
            now = clock()
            with write_session(engine) as session:
                villages = villages_for(session, viewer)
                before = (
                    year_status(session, villages, year, now)
                    if month is None
                    else month_status(session, villages, year, month, now)
                )
                if month is None:
                    result = close_year(session, year, now)
                else:
                    result = close_month(session, year, month, now)
                me = session.get(Operator, office_operator(viewer).id)
                assert me is not None
                summary = result.as_json()
                record_change(
                    session,
                    operator=me,
                    action="period.close_year" if month is None else "period.close_month",
                    subject=f"period:{period}",
                    village_id=None,
                    before={"states": {v: str(s) for v, s in before.states.items()}},
                    after={
                        "bonuses_written": summary["bonuses_written"],
                        "bonuses": len(result.bonuses),
                        "changes": len(result.changes),
                        "expired_households": result.expired_households,
                        "expired_points": result.expired_points,
                    },
                    now=now,
                    address=viewer.address,
                )

        try:
            await run_in_threadpool(act)
        except DomainError as error:
            return render(
                request,
                viewer,
                "console_refused.html",
                status=409,
                section="periods",
                reason=error.key,
                message=say(error.key, viewer.language, **error.params),
            )
        return RedirectResponse(f"/o/periods?closed={period}", status_code=303)

    @app.get("/o/notices", include_in_schema=False)
    async def notices_page(
        request: Request,
        viewer: Office,
        quarter: str | None = None,
        village: str | None = None,
    ) -> Response:
        now = clock()
        shown = chosen_quarter(quarter, now)

        def read() -> Any:
            with read_session(engine) as session:
                village_id = chosen_village(session, viewer, village)
                villages = villages_for(session, viewer)
                honours = []
                if village_id is not None:
                    chosen = session.get(Village, village_id)
                    assert chosen is not None
                    for month in range(3 * shown.number - 2, 3 * shown.number + 1):
                        if (shown.year, month) <= (local(now).year, local(now).month):
                            honours.append(
                                village_honours(session, chosen, year=shown.year, month=month)
                            )
                return village_id, villages, honours

        village_id, villages, honours = await run_in_threadpool(read)
        return render(
            request,
            viewer,
            "console_notices.html",
            section="notices",
            quarter=shown,
            quarters=quarters_before(now),
            villages=villages,
            village_id=village_id,
            honours=honours,
        )

    @app.get("/o/notices/{village_id}/{quarter_key}.{kind}", include_in_schema=False)
    async def notice_file(
        request: Request, village_id: str, quarter_key: str, kind: str, viewer: Office
    ) -> Response:
        office = desk_of(desk)
        if kind not in NOTICE_TYPES:
            raise WebRefusal(404, "refused.missing")
        media_type, suffix = NOTICE_TYPES[kind]
        quarter = chosen_quarter(quarter_key, clock())

        def read() -> tuple[str, bytes]:
            with read_session(engine) as session:
                if session.get(Village, village_id[:64]) is None:
                    raise WebRefusal(404, "refused.missing")
            in_scope(office_operator(viewer), village_id)
            return office.notice_file(engine, village_id, quarter, clock(), suffix)

        name, content = await run_in_threadpool(read)
        return Response(
            content,
            media_type=media_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
