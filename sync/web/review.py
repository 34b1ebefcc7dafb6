"""A village administrator's pages on its phone: sign in with operator id and PIN, the review
queue of its village, approve or reject a declaration, decide an objection, see a photo.

Decisions go through the kiosk's own domain functions (`kiosk.core.declarations.approve`, which
awards through `kiosk.core.awards.award` with its caps and checks, `reject`, and
`kiosk.core.disputes`), so four eyes and the village check are the domain's; every route also
checks the village itself (`sync.web.access.in_scope`) before it reads anything.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from kiosk.core import declarations, disputes
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import DomainError
from kiosk.core.models import Declaration, Dispute, Household, Operator
from sync import phones
from sync.web import review_views
from sync.web.access import ADMIN_COOKIE, Access, Viewer, WebRefusal, in_scope
from sync.web.declare import PHOTO_NAME, photo_response
from sync.web.pages import Pages, admin_sign_in
from sync.web.texts import say

ADMIN_MAX_AGE = int(phones.ADMIN_SESSION_LIFETIME.total_seconds())


def _village_of(session: Session, model: type[Declaration] | type[Dispute], record_id: str) -> str:
    record = session.get(model, record_id[:64])
    if record is None:
        raise WebRefusal(404, "refused.missing")
    household_id = record.household_id if isinstance(record, Declaration | Dispute) else ""
    household = session.get(Household, household_id)
    assert household is not None
    return household.village_id


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    evidence_dir: Path | None,
) -> None:
    Public = Annotated[Viewer, Depends(access.public)]
    PublicForm = Annotated[Viewer, Depends(access.public_form)]
    Admin = Annotated[Viewer, Depends(access.admin)]
    AdminForm = Annotated[Viewer, Depends(access.admin_form)]
    render, refused = pages.render, pages.refused

    @app.get("/a/signin", include_in_schema=False)
    async def signin_page(request: Request, viewer: Public) -> Response:
        return render(request, viewer, "admin_signin.html", errors={}, operator_id="", choose=False)

    @app.post("/a/signin", include_in_schema=False)
    async def signin(request: Request, viewer: PublicForm) -> Response:
        return await admin_sign_in(
            pages,
            request,
            viewer,
            engine,
            clock(),
            kind="phone",
            template="admin_signin.html",
            home="/a",
            cookie=ADMIN_COOKIE,
            max_age=ADMIN_MAX_AGE,
        )

    def operator_of(viewer: Viewer) -> Operator:
        assert viewer.operator is not None
        return viewer.operator

    @app.get("/a", include_in_schema=False)
    async def queue(request: Request, viewer: Admin) -> Response:
        operator = operator_of(viewer)

        def read() -> Any:
            with read_session(engine) as session:
                return (
                    review_views.review_queue(session, operator, clock()),
                    review_views.open_disputes(session, operator),
                )

        queue, open_disputes = await run_in_threadpool(read)
        return render(
            request,
            viewer,
            "review.html",
            groups=queue.groups,
            waiting=queue.waiting,
            shown=sum(len(group.items) for group in queue.groups),
            disputes=open_disputes,
            reasons=review_views.REJECT_REASONS,
            operator=operator,
        )

    def log(session: Session, viewer: Viewer, action: str, subject: str, outcome: str) -> None:
        phones.record(
            session,
            actor=f"operator:{operator_of(viewer).id}",
            action=action,
            subject=subject,
            outcome=outcome,
            now=clock(),
            address=viewer.address,
        )

    async def decide(
        request: Request,
        viewer: Viewer,
        model: type[Declaration] | type[Dispute],
        record_id: str,
        action: str,
        work: Callable[[Session, Operator], Any],
    ) -> Response:
        operator = operator_of(viewer)

        def act() -> None:
            with write_session(engine) as session:
                in_scope(operator, _village_of(session, model, record_id))
                me = session.get(Operator, operator.id)
                assert me is not None
                work(session, me)
                log(session, viewer, action, f"{model.__name__.lower()}:{record_id[:64]}", "ok")

        try:
            await run_in_threadpool(act)
        except DomainError as error:
            key = error.key

            def note() -> None:
                with write_session(engine) as session:
                    log(
                        session,
                        viewer,
                        action,
                        f"{model.__name__.lower()}:{record_id[:64]}",
                        key,
                    )

            await run_in_threadpool(note)
            return refused(request, viewer, 409, key)
        return RedirectResponse("/a", status_code=303)

    @app.post("/a/d/{declaration_id}/approve", include_in_schema=False)
    async def approve(request: Request, declaration_id: str, viewer: AdminForm) -> Response:
        return await decide(
            request,
            viewer,
            Declaration,
            declaration_id,
            "declaration.approve",
            lambda session, me: declarations.approve(
                session, ref=declaration_id, operator=me, now=clock()
            ),
        )

    @app.post("/a/d/{declaration_id}/reject", include_in_schema=False)
    async def reject(request: Request, declaration_id: str, viewer: AdminForm) -> Response:
        chosen = viewer.form.get("reason_key", "")
        reason = (
            say(chosen, "zh")
            if chosen in review_views.REJECT_REASONS
            else viewer.form.get("reason", "")
        )
        return await decide(
            request,
            viewer,
            Declaration,
            declaration_id,
            "declaration.reject",
            lambda session, me: declarations.reject(
                session, ref=declaration_id, reason=reason, operator=me, now=clock()
            ),
        )

    @app.post("/a/disputes/{dispute_id}/{outcome}", include_in_schema=False)
    async def resolve(
        request: Request, dispute_id: str, outcome: str, viewer: AdminForm
    ) -> Response:
        if outcome not in ("uphold", "correct"):
            return refused(request, viewer, 404, "refused.missing")
        note = viewer.form.get("note", "")
        resolve_with = disputes.resolve_uphold if outcome == "uphold" else disputes.resolve_correct
        return await decide(
            request,
            viewer,
            Dispute,
            dispute_id,
            f"dispute.{outcome}",
            lambda session, me: resolve_with(
                session, ref=dispute_id, note=note, operator=me, now=clock()
            ),
        )

    @app.get("/a/photo/{name}", include_in_schema=False)
    async def photo(request: Request, name: str, viewer: Admin) -> Response:
        operator = operator_of(viewer)

        def allowed() -> bool:
            with read_session(engine) as session:
                for village_id, evidence in session.exec(
                    select(Household.village_id, Declaration.evidence).join(
                        Household,
                        Household.id == Declaration.household_id,  # type: ignore[arg-type]
                    )
                ):
                    if name in evidence and (
                        operator.village_id is None or operator.village_id == village_id
                    ):
                        return True
            return False

        if not PHOTO_NAME.match(name) or not await run_in_threadpool(allowed):
            return refused(request, viewer, 404, "refused.missing")
        if evidence_dir is None or not (evidence_dir / name).is_file():
            return refused(request, viewer, 404, "refused.missing")
        return photo_response(evidence_dir, name)

    @app.post("/a/signout", include_in_schema=False)
    async def signout(request: Request, viewer: AdminForm) -> Response:
        admin = viewer.admin_session
        assert admin is not None

        def act() -> None:
            with write_session(engine) as session:
                found = session.merge(admin)
                phones.sign_out_admin(session, found, now=clock(), address=viewer.address)

        await run_in_threadpool(act)
        response = RedirectResponse("/a/signin", status_code=303)
        response.delete_cookie(ADMIN_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response
