"""The street office's console on the central (`/o`): sign-in with operator id and PIN, the
overview, periods, notices, exports and the audit list; the register's pages are mounted from
`sync.web.register`.

A street administrator sees every village, a village administrator only its own
(`sync.web.access.office_scope`): the scope is applied before anything is read. Every change
made here is recorded by `sync.audit.record_change` in the transaction of the change.
Figures and files come from the services layer through `OfficeDesk` (the entry point passes
`kiosk.services.office.Desk`), so the console shows what `kiosk overview` and `kiosk notice`
make, never a copy of their logic.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from kiosk.core.db import write_session
from sync import phones
from sync.web import console_audit, console_exports, console_overview, console_periods, register
from sync.web.access import OFFICE_COOKIE, Access, Viewer
from sync.web.office_port import OfficeDesk
from sync.web.pages import Pages, admin_sign_in

HERE = Path(__file__).parent
CONSOLE_CSS = (HERE / "static" / "console.css").read_bytes()
# The cookie lives as long as the session's working-day cap; inactivity ends it sooner on the
# server (sync.phones.CONSOLE_IDLE_LIMIT), whatever the browser keeps.
OFFICE_MAX_AGE = int(phones.ADMIN_SESSION_LIFETIME.total_seconds())


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    desk: OfficeDesk | None,
) -> None:
    Public = Annotated[Viewer, Depends(access.public)]
    PublicForm = Annotated[Viewer, Depends(access.public_form)]
    OfficeForm = Annotated[Viewer, Depends(access.office_form)]
    render = pages.render

    @app.get("/o/console.css", include_in_schema=False)
    async def stylesheet(viewer: Public) -> Response:
        return Response(
            CONSOLE_CSS,
            media_type="text/css",
            headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @app.get("/o/signin", include_in_schema=False)
    async def signin_page(request: Request, viewer: Public) -> Response:
        return render(
            request, viewer, "console_signin.html", errors={}, operator_id="", choose=False
        )

    @app.post("/o/signin", include_in_schema=False)
    async def signin(request: Request, viewer: PublicForm) -> Response:
        return await admin_sign_in(
            pages,
            request,
            viewer,
            engine,
            clock(),
            kind="console",
            template="console_signin.html",
            home="/o",
            cookie=OFFICE_COOKIE,
            max_age=OFFICE_MAX_AGE,
        )

    @app.post("/o/signout", include_in_schema=False)
    async def signout(request: Request, viewer: OfficeForm) -> Response:
        admin = viewer.admin_session
        assert admin is not None

        def act() -> None:
            with write_session(engine) as session:
                found = session.merge(admin)
                phones.sign_out_admin(session, found, now=clock(), address=viewer.address)

        await run_in_threadpool(act)
        response = RedirectResponse("/o/signin", status_code=303)
        response.delete_cookie(OFFICE_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response

    console_overview.install(app, engine, clock, pages, access, desk)
    console_periods.install(app, engine, clock, pages, access, desk)
    console_exports.install(app, engine, clock, pages, access, desk)
    console_audit.install(app, engine, clock, pages, access)
    register.install(app, engine, clock, pages, access, desk)
