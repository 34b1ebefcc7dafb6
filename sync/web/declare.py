"""A household's requests from its phone: declaring a deed (its own, or a neighbour's for the
neighbour to confirm), answering a neighbour's declaration, objecting to an entry, and the
household's own photos. Every action goes through the kiosk's domain functions
(kiosk.core.declarations, kiosk.core.help_requests, kiosk.core.disputes) and is logged.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from kiosk.core.central_models import EvidencePhoto, HelpRequest
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import MAX_DESCRIPTION, MAX_PHOTOS, file_declaration
from kiosk.core.disputes import raise_dispute
from kiosk.core.errors import DomainError
from kiosk.core.help_requests import (
    clean_photos,
    confirm_help_request,
    decline_help_request,
    file_help_request,
    keep_photos,
)
from kiosk.core.models import Declaration, Household, LedgerEntry
from kiosk.core.reference import rule_for
from rules.model import Rule
from sync import phones
from sync.web import views
from sync.web.access import Access, Viewer
from sync.web.pages import Pages
from sync.web.texts import say

PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
MAX_QUANTITY = 1000


@dataclass
class DeclareForm:
    """What the declaration form shows again after an error."""

    quantity: str = "1"
    description: str = ""
    neighbour: str = ""


def posted_form(fields: Mapping[str, str]) -> DeclareForm:
    """The declaration form's fields as posted, each cut to what the form could hold (the
    first send and the confirmed one read them alike)."""
    return DeclareForm(
        quantity=fields.get("quantity", "1").strip()[:6],
        description=fields.get("description", "")[: MAX_DESCRIPTION + 1],
        neighbour=fields.get("neighbour", "").strip().upper()[:16],
    )


def photo_response(evidence_dir: Path, name: str) -> Response:
    return FileResponse(
        evidence_dir / name,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def household_may_see_photo(session: Session, household: Household, name: str) -> bool:
    """A photo of the household's own declarations, or of a neighbour's declaration it filed or
    is asked to confirm, or one its phones sent (the check page shows it before filing);
    nothing else, however its name was learnt."""
    kept = session.get(EvidencePhoto, name)
    if kept is not None and kept.household_id == household.id:
        return True
    for evidence in session.exec(
        select(Declaration.evidence).where(
            (Declaration.household_id == household.id)
            | (Declaration.helper_household_id == household.id)
        )
    ):
        if name in evidence:
            return True
    for evidence in session.exec(
        select(HelpRequest.evidence).where(
            (HelpRequest.household_id == household.id)
            | (HelpRequest.helper_household_id == household.id)
        )
    ):
        if name in evidence:
            return True
    return False


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    evidence_dir: Path | None,
    evidence_cap: int,
) -> None:
    Own = Annotated[Viewer, Depends(access.household)]
    OwnForm = Annotated[Viewer, Depends(access.household_form)]
    OwnUpload = Annotated[Viewer, Depends(access.household_upload_form)]
    render, refused = pages.render, pages.refused

    def who(viewer: Viewer) -> str:
        assert viewer.phone is not None
        return f"phone:{viewer.phone.id}"

    def log(session: Session, viewer: Viewer, action: str, subject: str, outcome: str) -> None:
        phones.record(
            session,
            actor=who(viewer),
            action=action,
            subject=subject,
            outcome=outcome,
            now=clock(),
            address=viewer.address,
        )

    def refusal_logged(viewer: Viewer, action: str, subject: str, key: str) -> None:
        with write_session(engine) as session:
            log(session, viewer, action, subject, key)

    @app.get("/h/{code}/declare", include_in_schema=False)
    async def choose_deed(request: Request, viewer: Own, q: str = "") -> Response:
        household = viewer.household
        assert household is not None
        query = q.strip()[:40]

        def read() -> Any:
            with read_session(engine) as session:
                return views.deed_groups(session, household, clock(), query)

        groups = await run_in_threadpool(read)
        return render(
            request, viewer, "declare.html", household=household, groups=groups, query=query
        )

    def rule_of(household: Household, rule_id: str) -> Rule | None:
        with read_session(engine) as session:
            try:
                rule, _ = rule_for(session, household.village_id, rule_id[:16], clock())
            except DomainError:
                return None
        return rule if views.declarable(rule) else None

    def form_page(
        request: Request,
        viewer: Viewer,
        rule: Rule,
        form: DeclareForm,
        errors: dict[str, str],
        status: int = 200,
    ) -> Response:
        return render(
            request,
            viewer,
            "declare_form.html",
            status=status,
            household=viewer.household,
            rule=rule,
            form=form,
            errors=errors,
            max_description=MAX_DESCRIPTION,
        )

    @app.get("/h/{code}/declare/{rule_id}", include_in_schema=False)
    async def declare_form(
        request: Request, rule_id: str, viewer: Own, again: str = "", help: str = ""
    ) -> Response:
        household = viewer.household
        assert household is not None
        rule = await run_in_threadpool(rule_of, household, rule_id)
        if rule is None:
            return refused(request, viewer, 404, "refused.missing")
        form = DeclareForm()
        if again:
            # Resubmitting after a rejection: the words come back, the photos are new ones.
            def earlier() -> Declaration | None:
                with read_session(engine) as session:
                    found = session.get(Declaration, again[:64])
                    return found if found and found.household_id == household.id else None

            found = await run_in_threadpool(earlier)
            if found is not None:
                form.description, form.quantity = found.description, str(found.quantity)
        form.neighbour = "?" if help else ""
        return form_page(request, viewer, rule, form, {})

    @app.post("/h/{code}/declare/{rule_id}", include_in_schema=False)
    async def declare(request: Request, rule_id: str, viewer: OwnUpload) -> Response:
        household = viewer.household
        assert household is not None
        rule = await run_in_threadpool(rule_of, household, rule_id)
        if rule is None:
            return refused(request, viewer, 404, "refused.missing")
        form = posted_form(viewer.form)
        language = viewer.language
        errors: dict[str, str] = {}
        quantity = 1
        if rule.takes_quantity:
            if not form.quantity.isdigit() or not 1 <= int(form.quantity) <= MAX_QUANTITY:
                errors["quantity"] = say("declare.quantity_error", language, max=MAX_QUANTITY)
            else:
                quantity = int(form.quantity)
        if errors:
            return form_page(request, viewer, rule, form, errors, 400)

        def check_and_keep() -> list[str]:
            # Everything is checked (photos cleaned, the deed declarable) before any photo is
            # written: a refused form leaves nothing behind.
            photos = clean_photos(viewer.files)
            with write_session(engine) as session:
                me = session.get(Household, household.id)
                assert me is not None
                check(session, me, rule, quantity, form, bool(photos))
                paths = keep_photos(
                    session,
                    photos,
                    household=me,
                    evidence_dir=evidence_dir,
                    cap_bytes=evidence_cap,
                    now=clock(),
                )
                if paths:
                    log(session, viewer, "photos.store", f"rule:{rule.id}", "ok")
                return [path.name for path in paths]

        try:
            names = await run_in_threadpool(check_and_keep)
        except views.FieldError as error:
            errors[error.field] = say(error.key, language, **error.params)
        except DomainError as error:
            field = views.FIELD_OF.get(error.key, "photos")
            errors[field] = say(error.key, language, **error.params)
        if errors:
            await run_in_threadpool(
                refusal_logged, viewer, "declaration.file", f"rule:{rule.id}", "refused"
            )
            return form_page(request, viewer, rule, form, errors, 400)
        # Check your answers: nothing is filed until the household says so on the next page.
        return render(
            request,
            viewer,
            "declare_check.html",
            household=household,
            rule=rule,
            form=form,
            quantity=quantity,
            photos=names,
        )

    def check(
        session: Session,
        me: Household,
        rule: Rule,
        quantity: int,
        form: DeclareForm,
        has_photos: bool,
    ) -> Household | None:
        """The deed checked as it will be filed; the neighbour, for a mutual-help one."""
        if not form.neighbour:
            views.check_own(
                session, me, rule.id, quantity, form.description, has_photos, now=clock()
            )
            return None
        neighbour = session.exec(
            select(Household).where(
                Household.code == form.neighbour, Household.village_id == me.village_id
            )
        ).first()
        if neighbour is None or neighbour.left_at is not None:
            raise views.FieldError("neighbour", "help.neighbour_unknown", code=form.neighbour)
        views.check_for_neighbour(
            session, me, neighbour, rule.id, quantity, form.description, now=clock()
        )
        return neighbour

    @app.post("/h/{code}/declare/{rule_id}/send", include_in_schema=False)
    async def send(request: Request, rule_id: str, viewer: OwnForm) -> Response:
        household = viewer.household
        assert household is not None
        rule = await run_in_threadpool(rule_of, household, rule_id)
        if rule is None:
            return refused(request, viewer, 404, "refused.missing")
        form = posted_form(viewer.form)
        names = [n for n in viewer.form.get("photos", "").split(",") if n][: MAX_PHOTOS + 1]
        quantity = int(form.quantity) if form.quantity.isdigit() else 0

        def act() -> None:
            with write_session(engine) as session:
                me = session.get(Household, household.id)
                assert me is not None
                # Only photos this household's phones stored: a name learnt elsewhere is no
                # way to attach someone else's picture.
                for name in names:
                    kept = session.get(EvidencePhoto, name)
                    if PHOTO_NAME.match(name) and kept is None:
                        # Kept a week unsent (help_requests.UNSENT_PHOTOS_KEPT), then forgotten.
                        raise views.FieldError("photos", "refused.photo_gone")
                    if not PHOTO_NAME.match(name) or kept is None or kept.household_id != me.id:
                        raise views.FieldError("photos", "refused.missing")
                neighbour = check(session, me, rule, quantity, form, bool(names))
                paths = [evidence_dir / name for name in names] if evidence_dir else []
                if neighbour is not None:
                    asked = file_help_request(
                        session,
                        helper=me,
                        household=neighbour,
                        rule_id=rule.id,
                        quantity=quantity,
                        description=form.description,
                        photos=paths,
                        filed_by=who(viewer),
                        now=clock(),
                    )
                    log(session, viewer, "help.file", f"help:{asked.id}", "ok")
                    return
                filed = file_declaration(
                    session,
                    household=me,
                    rule_id=rule.id,
                    quantity=quantity,
                    description=form.description,
                    now=clock(),
                    photos=paths,
                    evidence_dir=evidence_dir,
                )
                log(session, viewer, "declaration.file", f"declaration:{filed.id}", "ok")

        errors: dict[str, str] = {}
        try:
            await run_in_threadpool(act)
        except views.FieldError as error:
            errors[error.field] = say(error.key, viewer.language, **error.params)
        except DomainError as error:
            field = views.FIELD_OF.get(error.key, "photos")
            errors[field] = say(error.key, viewer.language, **error.params)
        if errors:
            await run_in_threadpool(
                refusal_logged, viewer, "declaration.file", f"rule:{rule.id}", "refused"
            )
            # Back to the form with the words kept; photos are chosen again.
            return form_page(request, viewer, rule, form, errors, 400)
        return RedirectResponse(f"/h/{household.code}/requests", status_code=303)

    async def answer(request: Request, viewer: Viewer, request_id: str, yes: bool) -> Response:
        household = viewer.household
        assert household is not None

        def act() -> None:
            with write_session(engine) as session:
                me = session.get(Household, household.id)
                assert me is not None
                if yes:
                    filed = confirm_help_request(
                        session,
                        household=me,
                        request_id=request_id,
                        evidence_dir=evidence_dir,
                        now=clock(),
                    )
                    log(session, viewer, "help.confirm", f"declaration:{filed.id}", "ok")
                else:
                    decline_help_request(session, household=me, request_id=request_id, now=clock())
                    log(session, viewer, "help.decline", f"help:{request_id}", "ok")

        try:
            await run_in_threadpool(act)
        except DomainError as error:
            await run_in_threadpool(
                refusal_logged, viewer, "help.answer", f"help:{request_id[:64]}", error.key
            )
            status = 404 if error.key == "help.unknown" else 409
            return refused(request, viewer, status, error.key)
        return RedirectResponse(f"/h/{household.code}/requests", status_code=303)

    @app.post("/h/{code}/help/{request_id}/confirm", include_in_schema=False)
    async def confirm_help(request: Request, request_id: str, viewer: OwnForm) -> Response:
        return await answer(request, viewer, request_id, True)

    @app.post("/h/{code}/help/{request_id}/decline", include_in_schema=False)
    async def decline_help(request: Request, request_id: str, viewer: OwnForm) -> Response:
        return await answer(request, viewer, request_id, False)

    def own_entry(household: Household, entry_id: str) -> Any:
        with read_session(engine) as session:
            entry = session.get(LedgerEntry, entry_id[:64])
            if entry is None or entry.household_id != household.id:
                return None
            return views.objection_entry(session, household, entry)

    @app.get("/h/{code}/object/{entry_id}", include_in_schema=False)
    async def object_form(request: Request, entry_id: str, viewer: Own) -> Response:
        household = viewer.household
        assert household is not None
        entry = await run_in_threadpool(own_entry, household, entry_id)
        if entry is None:
            return refused(request, viewer, 404, "refused.missing")
        return render(
            request, viewer, "object.html", household=household, entry=entry, errors={}, text=""
        )

    @app.post("/h/{code}/object/{entry_id}", include_in_schema=False)
    async def object_to(request: Request, entry_id: str, viewer: OwnForm) -> Response:
        household = viewer.household
        assert household is not None
        entry = await run_in_threadpool(own_entry, household, entry_id)
        if entry is None:
            return refused(request, viewer, 404, "refused.missing")
        text = viewer.form.get("description", "")[: MAX_DESCRIPTION + 1]

        def act() -> None:
            with write_session(engine) as session:
                raised = raise_dispute(
                    session,
                    entry_ref=entry.id,
                    raised_by=say("object.raised_by", "zh"),
                    description=text,
                    now=clock(),
                )
                log(session, viewer, "dispute.raise", f"dispute:{raised.id}", "ok")

        try:
            await run_in_threadpool(act)
        except DomainError as error:
            await run_in_threadpool(
                refusal_logged, viewer, "dispute.raise", f"entry:{entry.id}", error.key
            )
            errors = {"description": say(error.key, viewer.language, **error.params)}
            return render(
                request,
                viewer,
                "object.html",
                status=400,
                household=household,
                entry=entry,
                errors=errors,
                text=text,
            )
        return RedirectResponse(f"/h/{household.code}/requests", status_code=303)

    @app.get("/h/{code}/photo/{name}", include_in_schema=False)
    async def own_photo(request: Request, name: str, viewer: Own) -> Response:
        household = viewer.household
        assert household is not None

        def allowed() -> bool:
            with read_session(engine) as session:
                return household_may_see_photo(session, household, name)

        if not PHOTO_NAME.match(name) or not await run_in_threadpool(allowed):
            return refused(request, viewer, 404, "refused.missing")
        if evidence_dir is None or not (evidence_dir / name).is_file():
            return refused(request, viewer, 404, "refused.missing")
        return photo_response(evidence_dir, name)
