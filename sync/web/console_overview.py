"""The console's overview (`/o`): the quarter's figures of the villages in the reader's scope,
from `OfficeDesk.overview` only, with charts, and the open alerts, each acknowledged by the
signed-in administrator with a note (recorded in the audit)."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from kiosk.core.central_models import SyncAlert
from kiosk.core.clock import from_db
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import DomainError
from kiosk.core.models import Household, Operator, Village
from kiosk.core.notice import Quarter, parse_quarter
from kiosk.core.overview import Overview
from sync.alerts import acknowledge_alert, alert_village_id
from sync.audit import record_change
from sync.web.access import Access, Viewer, WebRefusal, in_scope, office_operator, office_scope
from sync.web.charts import Series, grouped_bars
from sync.web.office_port import OfficeDesk, desk_of
from sync.web.pages import Pages
from sync.web.texts import say

QUARTERS_SHOWN = 8  # the selector offers the current quarter and the seven before it


@dataclass(frozen=True)
class AlertRow:
    id: str
    kind: str
    village_id: str | None
    household: str | None
    kiosk: str | None
    detail: str
    created_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledgement: str | None = None


def quarters_before(now: datetime, count: int = QUARTERS_SHOWN) -> list[Quarter]:
    current = Quarter.containing(now)
    found, year, number = [], current.year, current.number
    for _ in range(count):
        found.append(Quarter(year, number))
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return found


def chosen_quarter(text: str | None, now: datetime) -> Quarter:
    if not text:
        return Quarter.containing(now)
    try:
        return parse_quarter(text[:10])
    except DomainError:
        raise WebRefusal(400, "refused.quarter") from None


def chosen_village(session: Session, viewer: Viewer, text: str | None) -> str | None:
    """The village a page shows: a village administrator's own whatever was asked (another
    village's is refused), a street administrator's choice or every village (None)."""
    scope = office_scope(viewer)
    wanted = (text or "").strip()[:64] or None
    if wanted is not None and session.get(Village, wanted) is None:
        raise WebRefusal(404, "refused.missing")
    if scope is not None:
        if wanted is not None:
            in_scope(office_operator(viewer), wanted)
        return scope
    return wanted


def villages_for(session: Session, viewer: Viewer) -> list[Village]:
    scope = office_scope(viewer)
    statement = select(Village).order_by(col(Village.id))
    if scope is not None:
        statement = statement.where(col(Village.id) == scope)
    return list(session.exec(statement))


def open_alerts(session: Session, village_ids: set[str], street_wide: bool) -> list[AlertRow]:
    """Open alerts about the shown villages (and the street-wide ones for a street reader)."""
    rows = []
    codes = {}
    for alert in session.exec(
        select(SyncAlert)
        .where(col(SyncAlert.acknowledged_by).is_(None))
        .order_by(col(SyncAlert.created_at), col(SyncAlert.id))
    ):
        village_id = alert_village_id(session, alert)
        if (village_id is None and not street_wide) or (
            village_id is not None and village_id not in village_ids
        ):
            continue
        if alert.household_id and alert.household_id not in codes:
            household = session.get(Household, alert.household_id)
            codes[alert.household_id] = household.code if household else None
        rows.append(alert_row(alert, village_id, codes.get(alert.household_id or "")))
    return rows


def alert_row(alert: SyncAlert, village_id: str | None, household: str | None) -> AlertRow:
    return AlertRow(
        id=alert.id,
        kind=alert.kind,
        village_id=village_id,
        household=household,
        kiosk=alert.kiosk_id,
        detail=alert.detail,
        created_at=from_db(alert.created_at),
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=from_db(alert.acknowledged_at) if alert.acknowledged_at else None,
        acknowledgement=alert.acknowledgement,
    )


def month_chart(overview: Overview, language: str) -> Markup:
    """Awarded, deducted and redeemed per month, summed over the shown villages."""
    months = [m.month for m in overview.villages[0].months] if overview.villages else []

    def total(field: str) -> list[int]:
        return [
            sum(getattr(v.months[i], field) for v in overview.villages) for i in range(len(months))
        ]

    return grouped_bars(
        months,
        [
            Series(say("overview.awarded", language), total("awarded")),
            Series(say("overview.deducted", language), total("deducted")),
            Series(say("overview.redeemed", language), total("redeemed")),
        ],
        title=say("overview.chart", language, quarter=overview.quarter.key),
        unit=say("overview.unit", language),
    )


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

    @app.get("/o", include_in_schema=False)
    async def overview_page(
        request: Request,
        viewer: Office,
        quarter: str | None = None,
        village: str | None = None,
    ) -> Response:
        operator = office_operator(viewer)
        office = desk_of(desk)
        now = clock()
        shown_quarter = chosen_quarter(quarter, now)

        def read() -> Any:
            with read_session(engine) as session:
                village_id = chosen_village(session, viewer, village)
                villages = villages_for(session, viewer)
                figures = office.overview(
                    engine, shown_quarter, now, operator_id=operator.id, village=village_id
                )
                alerts = open_alerts(
                    session,
                    {v.village_id for v in figures.villages},
                    street_wide=operator.village_id is None and village_id is None,
                )
                return village_id, villages, figures, alerts

        village_id, villages, figures, alerts = await run_in_threadpool(read)
        names = {v.id: v.name for v in villages}
        return render(
            request,
            viewer,
            "console_overview.html",
            section="overview",
            overview=figures,
            now=now,
            quarters=quarters_before(now),
            quarter=shown_quarter,
            villages=villages,
            village_id=village_id,
            names=names,
            alerts=alerts,
            chart=month_chart(figures, viewer.language),
            acknowledged=request.query_params.get("acknowledged", "")[:64],
        )

    def alert_in_scope(session: Session, viewer: Viewer, alert_id: str) -> AlertRow:
        alert = session.get(SyncAlert, alert_id[:64])
        if alert is None:
            raise WebRefusal(404, "refused.missing")
        village_id = alert_village_id(session, alert)
        operator = office_operator(viewer)
        if village_id is None:
            if operator.village_id is not None:
                raise WebRefusal(403, "refused.village")
        else:
            in_scope(operator, village_id)
        household = session.get(Household, alert.household_id) if alert.household_id else None
        return alert_row(alert, village_id, household.code if household else None)

    def alert_page(
        request: Request, viewer: Viewer, alert: AlertRow, errors: dict[str, str], note: str
    ) -> Response:
        return render(
            request,
            viewer,
            "console_alert.html",
            status=400 if errors else 200,
            section="overview",
            alert=alert,
            errors=errors,
            note=note,
        )

    @app.get("/o/alerts/{alert_id}", include_in_schema=False)
    async def alert_detail(request: Request, alert_id: str, viewer: Office) -> Response:
        def read() -> AlertRow:
            with read_session(engine) as session:
                return alert_in_scope(session, viewer, alert_id)

        return alert_page(request, viewer, await run_in_threadpool(read), {}, "")

    @app.post("/o/alerts/{alert_id}/acknowledge", include_in_schema=False)
    async def acknowledge(request: Request, alert_id: str, viewer: OfficeForm) -> Response:
        note = viewer.form.get("note", "")[:1000]

        def act() -> AlertRow:
            with write_session(engine) as session:
                shown = alert_in_scope(session, viewer, alert_id)
                me = session.get(Operator, office_operator(viewer).id)
                assert me is not None
                alert = acknowledge_alert(session, shown.id, me, note, clock())
                record_change(
                    session,
                    operator=me,
                    action="alert.acknowledge",
                    subject=f"alert:{alert.id}",
                    village_id=shown.village_id,
                    before={"acknowledged_by": None},
                    after={
                        "acknowledged_by": alert.acknowledged_by,
                        "acknowledgement": alert.acknowledgement,
                    },
                    now=clock(),
                    address=viewer.address,
                )
                return shown

        try:
            shown = await run_in_threadpool(act)
        except DomainError as error:

            def read() -> AlertRow:
                with read_session(engine) as session:
                    return alert_in_scope(session, viewer, alert_id)

            alert = await run_in_threadpool(read)
            message = say(error.key, viewer.language, **error.params)
            return alert_page(request, viewer, alert, {"note": message}, note)
        return RedirectResponse(f"/o?acknowledged={shown.id}", status_code=303)
