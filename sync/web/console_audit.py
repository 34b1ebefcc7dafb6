"""The console's audit page (`/o/audit`): the changes made through the console, newest first,
filtered by village, person, action and days (Chongqing days), and the same list as CSV."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from kiosk.core.central_models import ConsoleEvent
from kiosk.core.clock import from_db, local, start_of_day
from kiosk.core.db import read_session
from kiosk.core.models import Operator, Village
from sync.audit import AuditFilter, console_events
from sync.web.access import Access, Viewer, WebRefusal, office_scope
from sync.web.console_overview import chosen_village, villages_for
from sync.web.pages import Pages

CSV_COLUMNS = (
    "at",
    "operator_id",
    "operator",
    "action",
    "subject",
    "village_id",
    "before",
    "after",
)
CSV_LIMIT = 100_000  # an export is one file a clerk opens in Excel (1,048,576 rows at most)


def parse_day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise WebRefusal(400, "refused.day") from None


def state_text(state: dict[str, Any] | None) -> str:
    return "" if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True)


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
) -> None:
    Office = Annotated[Viewer, Depends(access.office)]
    render = pages.render

    def filtered(viewer: Viewer, params: dict[str, str], limit: int | None) -> dict[str, Any]:
        since, until = parse_day(params.get("since", "")), parse_day(params.get("until", ""))
        with read_session(engine) as session:
            village_id = chosen_village(session, viewer, params.get("village"))
            where = AuditFilter(
                scope=office_scope(viewer),
                village_id=village_id,
                operator_id=params.get("operator", "").strip()[:64] or None,
                action=params.get("action", "").strip()[:64] or None,
                since=start_of_day(since) if since else None,
                until=start_of_day(until + timedelta(days=1)) if until else None,
            )
            events = console_events(session, where, limit=limit)
            names = dict(session.exec(select(Operator.id, Operator.name)).all())
            actions = sorted(set(session.exec(select(ConsoleEvent.action).distinct())))
            operators = sorted(set(session.exec(select(ConsoleEvent.operator_id).distinct())))
            villages = villages_for(session, viewer)
            village_names = dict(session.exec(select(Village.id, Village.name)).all())
        return {
            "events": events,
            "names": names,
            "actions": actions,
            "operators": operators,
            "villages": villages,
            "village_names": village_names,
            "chosen": {**params, "village": village_id or ""},
        }

    def params_of(request: Request) -> dict[str, str]:
        keys = ("village", "operator", "action", "since", "until")
        return {key: request.query_params.get(key, "")[:64] for key in keys}

    @app.get("/o/audit", include_in_schema=False)
    async def audit_page(request: Request, viewer: Office) -> Response:
        params = params_of(request)
        found = await run_in_threadpool(filtered, viewer, params, 200)
        return render(
            request,
            viewer,
            "console_audit.html",
            section="audit",
            state_text=state_text,
            query=str(request.url.query),
            **found,
        )

    @app.get("/o/audit.csv", include_in_schema=False)
    async def audit_csv(request: Request, viewer: Office) -> Response:
        found = await run_in_threadpool(filtered, viewer, params_of(request), CSV_LIMIT)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for event in found["events"]:
            writer.writerow(
                [
                    local(from_db(event.at)).strftime("%Y-%m-%d %H:%M:%S"),
                    event.operator_id,
                    found["names"].get(event.operator_id, ""),
                    event.action,
                    event.subject,
                    event.village_id or "",
                    state_text(event.before),
                    state_text(event.after),
                ]
            )
        day = local(clock()).strftime("%Y%m%d")
        return Response(
            ("\ufeff" + out.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="audit-{day}.csv"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
