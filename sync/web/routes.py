"""The household pages on the central: server-rendered Jinja2, one task per page, no JavaScript.

Mounted by `sync.server.create_app`. Every route declares its access dependency
(`sync.web.access`); handlers read through `sync.web.views` and act through `sync.phones`.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time,
# and the access aliases (`Public`, `Own`...) are local to `install`.
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import DomainError
from kiosk.core.models import Household
from sync import phones
from sync.web import console, declare, review, views
from sync.web.access import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    SIZE_COOKIE,
    Access,
    Viewer,
    WebRefusal,
    basics,
)
from sync.web.office_port import OfficeDesk
from sync.web.pages import Pages, safe_next, set_cookie
from sync.web.texts import say

HERE = Path(__file__).parent
STYLESHEET = (HERE / "static" / "site.css").read_bytes()
READ_ALOUD = (HERE / "static" / "read-aloud.js").read_bytes()
SHRINK = (HERE / "static" / "shrink-photos.js").read_bytes()


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    evidence_dir: Path | None,
    evidence_cap: int,
    desk: OfficeDesk | None = None,
) -> None:
    """Mount the household pages on `app` over `engine`, with the central's clock, the
    declaration and review pages (photos under `evidence_dir`, at most `evidence_cap` bytes),
    the office console (its services from `desk`), and the page that says why a request was
    refused."""
    pages = Pages()
    render, refused = pages.render, pages.refused
    access = Access(engine, clock)
    notices = views.NoticeCache()
    router = app  # the routes straight on the app, so each stays a visible APIRoute
    # Each route takes exactly one of these (a test checks): who may ask, checked before it runs.
    Public = Annotated[Viewer, Depends(access.public)]
    PublicForm = Annotated[Viewer, Depends(access.public_form)]
    Own = Annotated[Viewer, Depends(access.household)]
    OwnForm = Annotated[Viewer, Depends(access.household_form)]

    async def on_refusal(request: Request, error: Exception) -> Response:
        assert isinstance(error, WebRefusal)
        return refused(request, basics(request), error.status, error.key)

    # -- everyone ---------------------------------------------------------------------------

    @router.get("/", include_in_schema=False)
    async def home(viewer: Public) -> Response:
        if viewer.phone is None:
            return RedirectResponse("/signin", status_code=303)
        household = await run_in_threadpool(household_of, viewer.phone.household_id)
        return RedirectResponse(f"/h/{household.code}", status_code=303)

    def household_of(household_id: str) -> Household:
        with read_session(engine) as session:
            found = session.get(Household, household_id)
            assert found is not None
            return found

    @router.get("/site.css", include_in_schema=False)
    async def stylesheet(viewer: Public) -> Response:
        return Response(
            STYLESHEET,
            media_type="text/css",
            headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/read-aloud.js", include_in_schema=False)
    async def read_aloud(viewer: Public) -> Response:
        return Response(
            READ_ALOUD,
            media_type="text/javascript",
            headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/shrink-photos.js", include_in_schema=False)
    async def shrink_photos(viewer: Public) -> Response:
        return Response(
            SHRINK,
            media_type="text/javascript",
            headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/prefs", include_in_schema=False)
    async def preferences(
        request: Request,
        viewer: Public,
        lang: str | None = None,
        size: str | None = None,
        next: str | None = None,
    ) -> Response:
        # A link, not a form: choosing a language or text size changes nothing but the cookie.
        response = RedirectResponse(safe_next(next), status_code=303)
        if lang in ("zh", "en"):
            set_cookie(response, LANGUAGE_COOKIE, lang, SESSION_MAX_AGE)
        if size in ("normal", "large"):
            set_cookie(response, SIZE_COOKIE, size, SESSION_MAX_AGE)
        return response

    @router.get("/signin", include_in_schema=False)
    async def signin_page(request: Request, viewer: Public) -> Response:
        return render(request, viewer, "signin.html", errors={}, household_code="")

    def signed_in(bound: phones.BoundPhone) -> Response:
        response = RedirectResponse(f"/h/{bound.household_code}", status_code=303)
        set_cookie(response, SESSION_COOKIE, bound.token, SESSION_MAX_AGE)
        return response

    @router.post("/signin", include_in_schema=False)
    async def signin(request: Request, viewer: PublicForm) -> Response:
        household_code = viewer.form.get("household", "").strip()[:32]
        proof = phones.SlipCode(household_code, viewer.form.get("code", "")[:16])
        try:
            bound = await run_in_threadpool(
                lambda: phones.bind_phone(engine, proof, now=clock(), address=viewer.address)
            )
        except DomainError as error:
            status = 429 if error.key == "phone.too_many" else 400
            return render(
                request,
                viewer,
                "signin.html",
                status=status,
                errors={"code": say(error.key, viewer.language, **error.params)},
                household_code=household_code,
            )
        return signed_in(bound)

    @router.get("/s/{token}", include_in_schema=False)
    async def confirm_page(request: Request, token: str, viewer: Public) -> Response:
        # A GET never uses the slip up: chat apps open links to preview them.
        def usable() -> bool:
            with read_session(engine) as session:
                return phones.slip_is_usable(session, token, clock())

        if not await run_in_threadpool(usable):
            return refused(request, viewer, 410, "phone.slip_invalid")
        return render(request, viewer, "confirm.html", token=token)

    @router.post("/s/{token}", include_in_schema=False)
    async def confirm(request: Request, token: str, viewer: PublicForm) -> Response:
        proof = phones.SlipLink(token)
        try:
            bound = await run_in_threadpool(
                lambda: phones.bind_phone(engine, proof, now=clock(), address=viewer.address)
            )
        except DomainError as error:
            return refused(request, viewer, 410, error.key)
        return signed_in(bound)

    # -- a household's own pages --------------------------------------------------------------

    async def page(
        request: Request,
        viewer: Viewer,
        template: str,
        build: Callable[[Any, Household, datetime], Any],
    ) -> Response:
        household = viewer.household
        assert household is not None

        def read() -> Any:
            with read_session(engine) as session:
                return build(session, household, clock())

        data = await run_in_threadpool(read)
        return render(request, viewer, template, household=household, data=data)

    @router.get("/h/{code}", include_in_schema=False)
    async def points(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "points.html", views.points_page)

    @router.get("/h/{code}/history", include_in_schema=False)
    async def history(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "history.html", views.history_page)

    @router.get("/h/{code}/owed", include_in_schema=False)
    async def owed(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "owed.html", views.owed_page)

    @router.get("/h/{code}/notice", include_in_schema=False)
    async def notice(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "notice.html", notices.page)

    @router.get("/h/{code}/rules", include_in_schema=False)
    async def rules(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "rules.html", views.rules_page)

    @router.get("/h/{code}/requests", include_in_schema=False)
    async def requests(request: Request, viewer: Own) -> Response:
        return await page(request, viewer, "requests.html", views.requests_page)

    @router.get("/h/{code}/phones", include_in_schema=False)
    async def phone_list(request: Request, viewer: Own) -> Response:
        return await page(
            request,
            viewer,
            "phones.html",
            lambda session, household, _now: phones.phones_of(session, household.id),
        )

    @router.post("/h/{code}/phones/{phone_id}/revoke", include_in_schema=False)
    async def revoke(request: Request, phone_id: str, viewer: OwnForm) -> Response:
        household, phone = viewer.household, viewer.phone
        assert household is not None and phone is not None

        def act() -> None:
            with write_session(engine) as session:
                phones.revoke_phone(
                    session,
                    household.id,
                    phone_id,
                    by=f"phone:{phone.id}",
                    now=clock(),
                    address=viewer.address,
                )

        try:
            await run_in_threadpool(act)
        except DomainError:
            return refused(request, viewer, 404, "refused.missing")
        if phone_id != phone.id:
            return RedirectResponse(f"/h/{household.code}/phones", status_code=303)
        # This phone signed itself out: its cookie goes too.
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response

    declare.install(app, engine, clock, pages, access, evidence_dir, evidence_cap)
    review.install(app, engine, clock, pages, access, evidence_dir)
    console.install(app, engine, clock, pages, access, desk)
    app.add_exception_handler(WebRefusal, on_refusal)
