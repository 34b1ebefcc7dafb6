"""The console's exports (`/o/exports`): a period's records of a village and exchange point as
XLSX or one table as CSV, built by the services layer (`OfficeDesk.export_file`, the path of
`kiosk export` too), so the totals sheet agrees with the overview."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from kiosk.core.db import read_session
from kiosk.core.errors import DomainError
from kiosk.core.models import ExchangePoint
from kiosk.core.period_status import recent_months
from sync.web.access import Access, Viewer, WebRefusal, in_scope, office_operator
from sync.web.console_overview import chosen_village, quarters_before, villages_for
from sync.web.office_port import OfficeDesk, desk_of
from sync.web.pages import Pages
from sync.web.texts import say

# What the format field offers: the workbook, or one of its tables as CSV.
FORMATS = ("xlsx", "totals", "entries", "orders", "lines", "declarations", "disputes")
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    desk: OfficeDesk | None,
) -> None:
    Office = Annotated[Viewer, Depends(access.office)]
    render = pages.render

    def choices(viewer: Viewer) -> dict[str, Any]:
        now = clock()
        with read_session(engine) as session:
            villages = villages_for(session, viewer)
            points = list(
                session.exec(
                    select(ExchangePoint)
                    .where(col(ExchangePoint.village_id).in_([v.id for v in villages]))
                    .order_by(col(ExchangePoint.village_id), col(ExchangePoint.id))
                )
            )
        months = [f"{y:04d}-{m:02d}" for y, m in reversed(recent_months(now, 12))]
        return {
            "villages": villages,
            "points": points,
            "periods": [q.key for q in quarters_before(now)] + months,
        }

    def page(
        request: Request, viewer: Viewer, errors: dict[str, str], chosen: dict[str, str]
    ) -> Response:
        return render(
            request,
            viewer,
            "console_exports.html",
            status=400 if errors else 200,
            section="exports",
            errors=errors,
            chosen=chosen,
            formats=FORMATS,
            **choices(viewer),
        )

    @app.get("/o/exports", include_in_schema=False)
    async def exports_page(request: Request, viewer: Office) -> Response:
        return await run_in_threadpool(page, request, viewer, {}, {})

    @app.get("/o/exports/file", include_in_schema=False)
    async def export_file(
        request: Request,
        viewer: Office,
        period: str = "",
        village: str = "",
        point: str = "",
        format: str = "xlsx",
    ) -> Response:
        office = desk_of(desk)
        operator = office_operator(viewer)
        chosen = {"period": period[:10], "village": village[:64], "point": point[:64]}
        chosen["format"] = format[:20]
        if format not in FORMATS:
            raise WebRefusal(400, "refused.format")

        def build() -> tuple[str, bytes]:
            with read_session(engine) as session:
                village_id = chosen_village(session, viewer, village)
                if point:
                    found = session.get(ExchangePoint, point[:64])
                    if found is None:
                        raise WebRefusal(404, "refused.missing")
                    in_scope(operator, found.village_id)
            return office.export_file(
                engine,
                period,
                clock(),
                operator_id=operator.id,
                village=village_id,
                exchange_point=point[:64] or None,
                table=None if format == "xlsx" else format,
            )

        try:
            name, content = await run_in_threadpool(build)
        except DomainError as error:
            message = say(error.key, viewer.language, **error.params)
            return await run_in_threadpool(page, request, viewer, {"period": message}, chosen)
        return Response(
            content,
            media_type=MEDIA["xlsx" if format == "xlsx" else "csv"],
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
