"""The street office console's register pages under /o/register: the roster upload (a preview
of every row's problems before anything is written, then a confirmed import of exactly what
was previewed), households, operators (a one-time PIN shown once), exchange points, the
catalogue and its prices, village rule sets (proposed, then approved after reading what
changes for whom from which day) and card sheets.

Every change goes through `kiosk.services.register` or `kiosk.services.cards`, the path the
`kiosk` CLI takes, so roles and villages are the services' rules (a village administrator
its own village's households and shopkeepers; the street's administrators everything else);
a page also checks the village before it reads a record (`in_scope`). Each change's console
event is recorded inside the change's own transaction (`register_views.audit_register_change`).
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session
from kiosk.core.errors import BadInput, DomainError
from kiosk.core.households import household_by_code
from kiosk.core.models import Operator, Role
from kiosk.core.register import ImportReport
from kiosk.core.roster import SUFFIXES
from sync.web import register_views as views
from sync.web.access import Access, Viewer, WebRefusal, in_scope, office_operator
from sync.web.pages import Pages
from sync.web.register_port import Audit, RegisterDesk
from sync.web.texts import say

BASE = "/o/register"
MAX_TEXT = 200  # any typed field is cut here before a service sees it
UPLOAD_LIFETIME_S = 24 * 3600  # an upload never confirmed is removed after a day
PARTICIPATION = ("opt_in", "opt_out", "absent", "present")
ROLES = (Role.SHOPKEEPER, Role.VILLAGE_ADMIN, Role.STREET_ADMIN)


def _default_uploads() -> Path:
    # One directory per user, shared by the server's workers: a preview made by one worker is
    # confirmed by whichever worker takes the next request.
    return Path(tempfile.gettempdir()) / f"tangxiang-console-uploads-{os.getuid()}"


def _card_key_beside(engine: Engine) -> Path | None:
    # As the settings' default (`Settings.card_key_path`): the key beside an SQLite database.
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    return Path(f"{database}.card-key") if database else None


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    desk: RegisterDesk | None,
    *,
    card_key: Path | None = None,
    upload_dir: Path | None = None,
) -> None:
    """Mount the register's pages over `desk` (the services; without one every page says the
    office is not ready, 503); `card_key` is the card-signing key's file (by default
    beside an SQLite database), `upload_dir` where rosters wait between preview and import."""
    Office = Annotated[Viewer, Depends(access.office)]
    OfficeForm = Annotated[Viewer, Depends(access.office_form)]
    OfficeUpload = Annotated[Viewer, Depends(access.office_upload_form)]
    uploads = upload_dir or _default_uploads()
    key_path = card_key or (desk.card_key if desk else None) or _card_key_beside(engine)

    def services() -> RegisterDesk:
        if desk is None:
            raise WebRefusal(503, "office.not_ready")
        return desk

    def render(
        request: Request, viewer: Viewer, template: str, *, status: int = 200, **context: Any
    ) -> Response:
        operator = office_operator(viewer)
        return pages.render(
            request,
            viewer,
            template,
            status=status,
            section="register",
            street=operator.role == Role.STREET_ADMIN,
            **context,
        )

    def message(viewer: Viewer, error: DomainError) -> str:
        return say(error.key, viewer.language, **error.params)

    def field(viewer: Viewer, name: str) -> str:
        return viewer.form.get(name, "").strip()[:MAX_TEXT]

    def scope_of(viewer: Viewer) -> views.Scope:
        return views.Scope(office_operator(viewer).village_id)

    def auditor(
        viewer: Viewer,
        action: str,
        village_id: str | None,
        now: datetime,
        summary: dict[str, Any] | None = None,
    ) -> Audit:
        operator = office_operator(viewer)
        with read_session(engine) as session:
            earlier = views.logged_at(session, operator.id, now)

        def audit(session: Session) -> None:
            views.audit_register_change(
                session,
                operator=operator,
                action=action,
                village_id=village_id,
                now=now,
                address=viewer.address,
                summary=summary,
                earlier=earlier,
            )

        return audit

    def read(work: Callable[[Session], Any]) -> Any:
        def run() -> Any:
            with read_session(engine) as session:
                return work(session)

        return run_in_threadpool(run)

    # --- the register's front page ------------------------------------------------------------

    @app.get(BASE, include_in_schema=False)
    async def front(request: Request, viewer: Office) -> Response:
        return render(request, viewer, "register_front.html")

    # --- roster -------------------------------------------------------------------------------

    @app.get(f"{BASE}/roster", include_in_schema=False)
    async def roster_page(request: Request, viewer: Office) -> Response:
        return render(request, viewer, "register_roster.html", errors=[])

    def stored(operator: Operator, data: bytes, name: str) -> str:
        """Keep an upload until it is confirmed; its name is a hash of who sent it and its
        bytes, so only the same administrator can confirm it and the bytes cannot change."""
        uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
        cutoff = time.time() - UPLOAD_LIFETIME_S
        for old in uploads.iterdir():
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        digest = hashlib.sha256(operator.id.encode() + b"\0" + data).hexdigest()
        (uploads / f"{digest}{Path(name).suffix.lower()}").write_bytes(data)
        return digest

    def upload_of(operator: Operator, digest: str, suffix: str) -> bytes | None:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            return None
        if suffix not in SUFFIXES:
            return None
        path = uploads / f"{digest}{suffix}"
        if not path.is_file():
            return None
        data = path.read_bytes()
        if hashlib.sha256(operator.id.encode() + b"\0" + data).hexdigest() != digest:
            return None
        return data

    def preview(
        request: Request,
        viewer: Viewer,
        report: ImportReport,
        name: str,
        digest: str,
        *,
        stale: bool = False,
    ) -> Response:
        status = 400 if report.errors else 200
        return render(
            request,
            viewer,
            "register_roster_preview.html",
            status=status,
            report=report,
            problems=[(p.row, p.column, p.message(viewer.language)) for p in report.errors],
            name=name,
            digest=digest,
            suffix=Path(name).suffix.lower(),
            fingerprint=report.fingerprint(),
            stale=stale,
        )

    @app.post(f"{BASE}/roster", include_in_schema=False)
    async def roster_upload(request: Request, viewer: OfficeUpload) -> Response:
        operator = office_operator(viewer)
        if len(viewer.files) != 1:
            errors = [say("reg.roster.choose", viewer.language)]
            return render(request, viewer, "register_roster.html", status=400, errors=errors)
        name, data = viewer.files[0]
        name = Path(name).name[:60] or "roster"
        now = clock()

        def check() -> ImportReport:
            return services().import_roster_data(
                engine, data, name, operator_id=operator.id, now=now, dry_run=True
            )

        try:
            report = await run_in_threadpool(check)
        except DomainError as error:
            errors = [message(viewer, error)]
            return render(request, viewer, "register_roster.html", status=403, errors=errors)
        digest = "" if report.errors else await run_in_threadpool(stored, operator, data, name)
        return preview(request, viewer, report, name, digest)

    @app.post(f"{BASE}/roster/confirm", include_in_schema=False)
    async def roster_confirm(request: Request, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        digest, suffix = field(viewer, "upload"), field(viewer, "suffix")
        name = field(viewer, "name")[:60] or f"roster{suffix}"
        data = await run_in_threadpool(upload_of, operator, digest, suffix)
        if data is None:
            errors = [say("reg.roster.gone", viewer.language)]
            return render(request, viewer, "register_roster.html", status=400, errors=errors)
        now = clock()
        expected = field(viewer, "expected")
        summary: dict[str, Any] = {"file": name}

        def run() -> ImportReport:
            return services().import_roster_data(
                engine,
                data,
                name,
                operator_id=operator.id,
                now=now,
                expected=expected,
                audit=auditor(viewer, "register.roster", operator.village_id, now, summary),
            )

        try:
            report = await run_in_threadpool(run)
        except DomainError as error:
            errors = [message(viewer, error)]
            return render(request, viewer, "register_roster.html", status=403, errors=errors)
        if report.stale or report.errors:
            return preview(request, viewer, report, name, digest, stale=report.stale)
        (uploads / f"{digest}{suffix}").unlink(missing_ok=True)
        return render(request, viewer, "register_roster_done.html", report=report, name=name)

    # --- households ---------------------------------------------------------------------------

    @app.get(f"{BASE}/households", include_in_schema=False)
    async def households(request: Request, viewer: Office, q: str = "") -> Response:
        operator = office_operator(viewer)
        query = q.strip()[:40]
        hits = await read(
            lambda session: services().find_households(session, query, operator.village_id)
        )
        return render(request, viewer, "register_households.html", query=query, hits=hits)

    async def household_view(
        request: Request,
        viewer: Viewer,
        code: str,
        *,
        errors: list[str] | None = None,
        status: int = 200,
        done: str = "",
    ) -> Response:
        operator = office_operator(viewer)

        def load(session: Session) -> views.HouseholdPage:
            try:
                household = household_by_code(session, code[:20])
            except DomainError:
                raise WebRefusal(404, "refused.missing") from None
            in_scope(operator, household.village_id)
            return views.household_page(session, household)

        shown = await read(load)
        return render(
            request,
            viewer,
            "register_household.html",
            status=status,
            page=shown,
            errors=errors or [],
            done=done,
            choices=PARTICIPATION,
        )

    @app.get(f"{BASE}/households/{{code}}", include_in_schema=False)
    async def household(request: Request, code: str, viewer: Office) -> Response:
        return await household_view(request, viewer, code)

    async def household_change(
        request: Request,
        viewer: Viewer,
        code: str,
        action: str,
        work: Callable[[Audit], Any],
    ) -> Response:
        operator = office_operator(viewer)

        def village() -> str:
            with read_session(engine) as session:
                try:
                    found = household_by_code(session, code[:20])
                except DomainError:
                    raise WebRefusal(404, "refused.missing") from None
                in_scope(operator, found.village_id)
                return found.village_id

        village_id = await run_in_threadpool(village)
        now = clock()
        try:
            await run_in_threadpool(lambda: work(auditor(viewer, action, village_id, now)))
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await household_view(
                request, viewer, code, errors=[message(viewer, error)], status=status
            )
        return RedirectResponse(f"{BASE}/households/{code}?done={action}", status_code=303)

    @app.post(f"{BASE}/households/{{code}}/edit", include_in_schema=False)
    async def household_edit(request: Request, code: str, viewer: OfficeForm) -> Response:
        from kiosk.core.roster import split_members

        operator = office_operator(viewer)
        head, group = field(viewer, "head"), field(viewer, "group")
        # The field comes filled with the members: left empty, the head is the only one.
        given = "members" in viewer.form
        members_text = viewer.form.get("members", "").strip()[: MAX_TEXT * 2]
        now = clock()
        return await household_change(
            request,
            viewer,
            code,
            "register.household_edit",
            lambda audit: services().edit(
                engine,
                code,
                head=head or None,
                group=group or None,
                members=[m for m in split_members(members_text) if m] if given else None,
                operator_id=operator.id,
                now=now,
                audit=audit,
            ),
        )

    @app.post(f"{BASE}/households/{{code}}/participation", include_in_schema=False)
    async def household_participation(request: Request, code: str, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        change = field(viewer, "change")
        if change not in PARTICIPATION:
            errors = [say("reg.bad_choice", viewer.language)]
            return await household_view(request, viewer, code, errors=errors, status=400)
        now = clock()
        return await household_change(
            request,
            viewer,
            code,
            "register.household_participation",
            lambda audit: services().participation(
                engine, code, change, operator_id=operator.id, now=now, audit=audit
            ),
        )

    @app.post(f"{BASE}/households/{{code}}/leave", include_in_schema=False)
    async def household_leave(request: Request, code: str, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        reason = field(viewer, "reason")
        now = clock()
        return await household_change(
            request,
            viewer,
            code,
            "register.household_leave",
            lambda audit: services().leave(
                engine, code, reason=reason, operator_id=operator.id, now=now, audit=audit
            ),
        )

    @app.post(f"{BASE}/households/{{code}}/reissue", include_in_schema=False)
    async def household_reissue(request: Request, code: str, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        now = clock()

        def work(audit: Audit) -> Any:
            if key_path is None or not key_path.is_file():
                raise BadInput("code.no_signing_key")
            signer = CardSigner.from_file(key_path)
            return services().reissue_card(
                engine, code, signer, operator_id=operator.id, now=now, audit=audit
            )

        return await household_change(request, viewer, code, "register.card_reissue", work)

    # --- operators ----------------------------------------------------------------------------

    async def operators_view(
        request: Request,
        viewer: Viewer,
        *,
        errors: list[str] | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        scope = scope_of(viewer)

        def load(session: Session) -> Any:
            return (
                views.operators(session, scope),
                views.villages(session, scope),
                views.exchange_points(session, scope),
                views.village_names(session),
            )

        found, villages, points, names = await read(load)
        return render(
            request,
            viewer,
            "register_operators.html",
            status=status,
            operators=found,
            names=names,
            villages=villages,
            points=points,
            roles=ROLES,
            errors=errors or [],
            form=form or {},
        )

    @app.get(f"{BASE}/operators", include_in_schema=False)
    async def operators_page(request: Request, viewer: Office) -> Response:
        return await operators_view(request, viewer)

    def pin_page(request: Request, viewer: Viewer, result: dict[str, Any], fresh: bool) -> Response:
        return render(request, viewer, "register_pin.html", result=result, fresh=fresh)

    @app.post(f"{BASE}/operators", include_in_schema=False)
    async def operator_add(request: Request, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        form = {name: field(viewer, name) for name in ("id", "name", "role", "village", "point")}
        village = form["village"] or operator.village_id
        now = clock()

        def run() -> dict[str, Any]:
            return services().add_operator(
                engine,
                new_id=form["id"],
                name=form["name"],
                role=form["role"],
                village=village,
                exchange_point=form["point"] or None,
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.operator_add", village, now),
            )

        try:
            result = await run_in_threadpool(run)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await operators_view(
                request, viewer, errors=[message(viewer, error)], status=status, form=form
            )
        return pin_page(request, viewer, result, True)

    async def operator_change(
        request: Request,
        viewer: Viewer,
        target_id: str,
        action: str,
        work: Callable[[str, datetime, Audit], dict[str, Any]],
    ) -> dict[str, Any] | Response:
        operator = office_operator(viewer)
        target_id = target_id[:40]

        def village() -> str | None:
            with read_session(engine) as session:
                target = session.get(Operator, target_id)
                if target is None:
                    raise WebRefusal(404, "refused.missing")
                if target.village_id is not None:
                    in_scope(operator, target.village_id)
                elif operator.village_id is not None:
                    raise WebRefusal(403, "refused.village")
                return target.village_id

        village_id = await run_in_threadpool(village)
        now = clock()
        try:
            result: dict[str, Any] = await run_in_threadpool(
                lambda: work(operator.id, now, auditor(viewer, action, village_id, now))
            )
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await operators_view(
                request, viewer, errors=[message(viewer, error)], status=status
            )
        return result

    @app.post(f"{BASE}/operators/{{target_id}}/pin", include_in_schema=False)
    async def operator_pin(request: Request, target_id: str, viewer: OfficeForm) -> Response:
        result = await operator_change(
            request,
            viewer,
            target_id,
            "register.operator_pin",
            lambda me, now, audit: services().reissue_pin(
                engine, target_id[:40], operator_id=me, now=now, audit=audit
            ),
        )
        if isinstance(result, Response):
            return result
        return pin_page(request, viewer, result, False)

    @app.get(f"{BASE}/operators/{{target_id}}/disable", include_in_schema=False)
    async def operator_disable_page(request: Request, target_id: str, viewer: Office) -> Response:
        """Ask before disabling: one stray click must not lock a shop out for the night."""
        operator = office_operator(viewer)

        def load(session: Session) -> Operator:
            target = session.get(Operator, target_id[:40])
            if target is None:
                raise WebRefusal(404, "refused.missing")
            if target.village_id is not None:
                in_scope(operator, target.village_id)
            elif operator.village_id is not None:
                raise WebRefusal(403, "refused.village")
            return target

        target = await read(load)
        return render(request, viewer, "register_disable.html", target=target)

    @app.post(f"{BASE}/operators/{{target_id}}/disable", include_in_schema=False)
    async def operator_disable(request: Request, target_id: str, viewer: OfficeForm) -> Response:
        result = await operator_change(
            request,
            viewer,
            target_id,
            "register.operator_disable",
            lambda me, now, audit: services().disable_operator(
                engine, target_id[:40], operator_id=me, now=now, audit=audit
            ),
        )
        if isinstance(result, Response):
            return result
        return RedirectResponse(f"{BASE}/operators", status_code=303)

    # --- exchange points ----------------------------------------------------------------------

    async def points_view(
        request: Request,
        viewer: Viewer,
        *,
        errors: list[str] | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        scope = scope_of(viewer)

        def load(session: Session) -> Any:
            return (
                views.exchange_points(session, scope),
                views.villages(session, scope),
                views.village_names(session),
            )

        points, villages, names = await read(load)
        return render(
            request,
            viewer,
            "register_points.html",
            status=status,
            points=points,
            villages=villages,
            names=names,
            errors=errors or [],
            form=form or {},
        )

    @app.get(f"{BASE}/points", include_in_schema=False)
    async def points_page(request: Request, viewer: Office) -> Response:
        return await points_view(request, viewer)

    @app.post(f"{BASE}/points", include_in_schema=False)
    async def point_add(request: Request, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        form = {name: field(viewer, name) for name in ("village", "name", "id")}
        now = clock()

        def run() -> dict[str, Any]:
            return services().add_exchange_point(
                engine,
                village=form["village"],
                name=form["name"],
                point_id=form["id"] or None,
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.point_add", form["village"] or None, now),
            )

        try:
            await run_in_threadpool(run)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await points_view(
                request, viewer, errors=[message(viewer, error)], status=status, form=form
            )
        return RedirectResponse(f"{BASE}/points", status_code=303)

    # --- catalogue ----------------------------------------------------------------------------

    async def catalog_view(
        request: Request,
        viewer: Viewer,
        *,
        errors: list[str] | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        now = clock()
        rows = await read(lambda session: views.catalogue(session, now))
        return render(
            request,
            viewer,
            "register_catalog.html",
            status=status,
            rows=rows,
            errors=errors or [],
            form=form or {},
        )

    @app.get(f"{BASE}/catalog", include_in_schema=False)
    async def catalog_page(request: Request, viewer: Office) -> Response:
        return await catalog_view(request, viewer)

    def number(viewer: Viewer, name: str) -> int:
        raw = field(viewer, name)
        if not raw.lstrip("-").isdigit() or len(raw) > 12:
            raise BadInput("reg.not_number", value=raw[:20])
        return int(raw)

    def day(viewer: Viewer, name: str) -> date:
        raw = field(viewer, name)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise BadInput("reg.not_day", value=raw[:20]) from None

    async def item_view(
        request: Request,
        viewer: Viewer,
        no: int,
        *,
        errors: list[str] | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        now = clock()
        rows = await read(lambda session: views.catalogue(session, now))
        row = next((r for r in rows if r.item.no == no), None)
        if row is None:
            raise WebRefusal(404, "refused.missing")
        return render(
            request,
            viewer,
            "register_item.html",
            status=status,
            row=row,
            errors=errors or [],
            form=form or {},
        )

    @app.get(f"{BASE}/catalog/{{no}}", include_in_schema=False)
    async def item_page(request: Request, no: int, viewer: Office) -> Response:
        return await item_view(request, viewer, no)

    async def catalog_change(
        request: Request,
        viewer: Viewer,
        form: dict[str, str],
        work: Callable[[], Any],
        no: int | None = None,
    ) -> Response:
        try:
            await run_in_threadpool(work)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            errors = [message(viewer, error)]
            if no is not None:
                return await item_view(request, viewer, no, errors=errors, status=status, form=form)
            return await catalog_view(request, viewer, errors=errors, status=status, form=form)
        return RedirectResponse(f"{BASE}/catalog", status_code=303)

    @app.post(f"{BASE}/catalog", include_in_schema=False)
    async def catalog_add(request: Request, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        form = {name: field(viewer, name) for name in ("name", "points", "due_class")}
        now = clock()

        def work() -> Any:
            return services().add_catalog_item(
                engine,
                name=form["name"],
                points=number(viewer, "points"),
                due_class=form["due_class"],
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.catalog_add", None, now),
            )

        return await catalog_change(request, viewer, form, work)

    @app.post(f"{BASE}/catalog/{{no}}/price", include_in_schema=False)
    async def catalog_price(request: Request, no: int, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        form = {n: field(viewer, n) for n in ("points", "from")}
        now = clock()

        def work() -> Any:
            return services().set_catalog_price(
                engine,
                no,
                number(viewer, "points"),
                effective_from=day(viewer, "from"),
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.catalog_price", None, now),
            )

        return await catalog_change(request, viewer, form, work, no)

    @app.post(f"{BASE}/catalog/{{no}}/retire", include_in_schema=False)
    async def catalog_retire(request: Request, no: int, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        now = clock()

        def work() -> Any:
            return services().retire_catalog_item(
                engine,
                no,
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.catalog_retire", None, now),
            )

        return await catalog_change(request, viewer, {}, work, no)

    # --- rule sets ----------------------------------------------------------------------------

    async def rules_view(
        request: Request,
        viewer: Viewer,
        *,
        errors: list[str] | None = None,
        problems: list[tuple[int, str, str]] | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Response:
        scope = scope_of(viewer)
        now = clock()

        def load(session: Session) -> Any:
            return (
                views.proposals(session, scope),
                views.villages(session, scope),
                views.village_names(session),
            )

        proposals, villages, names = await read(load)
        overview = await run_in_threadpool(
            lambda: services().rulesets_overview(engine, village=scope.village_id, at=now.date())
        )
        return render(
            request,
            viewer,
            "register_rules.html",
            status=status,
            proposals=proposals,
            names=names,
            villages=villages,
            in_force=overview["in_force"],
            errors=errors or [],
            problems=problems or [],
            form=form or {},
        )

    @app.get(f"{BASE}/rules", include_in_schema=False)
    async def rules_page(request: Request, viewer: Office) -> Response:
        return await rules_view(request, viewer)

    @app.post(f"{BASE}/rules", include_in_schema=False)
    async def rules_propose(request: Request, viewer: OfficeUpload) -> Response:
        operator = office_operator(viewer)
        form = {name: field(viewer, name) for name in ("village", "from")}
        village = form["village"] or None
        now = clock()
        try:
            if len(viewer.files) != 1:
                raise BadInput("reg.rules.choose")
            try:
                body = viewer.files[0][1].decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BadInput("roster.unreadable_file", name=viewer.files[0][0][:60]) from None
            effective_from = day(viewer, "from")

            def run() -> Any:
                return services().propose_ruleset_text(
                    engine,
                    body,
                    village=village,
                    effective_from=effective_from,
                    operator_id=operator.id,
                    now=now,
                    audit=auditor(viewer, "register.rules_propose", village, now),
                )

            report = await run_in_threadpool(run)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await rules_view(
                request, viewer, errors=[message(viewer, error)], status=status, form=form
            )
        if report.errors:
            problems = [(p.row, p.column, p.message(viewer.language)) for p in report.errors]
            return await rules_view(request, viewer, problems=problems, status=400, form=form)
        return RedirectResponse(f"{BASE}/rules/{report.id}", status_code=303)

    async def proposal_view(
        request: Request,
        viewer: Viewer,
        proposal_id: str,
        *,
        errors: list[str] | None = None,
        status: int = 200,
    ) -> Response:
        operator = office_operator(viewer)
        try:
            shown = await run_in_threadpool(services().ruleset_changes, engine, proposal_id[:64])
        except DomainError:
            raise WebRefusal(404, "refused.missing") from None
        if shown.scope_village_id is not None:
            in_scope(operator, shown.scope_village_id)
        names = await read(views.village_names)
        return render(
            request,
            viewer,
            "register_proposal.html",
            status=status,
            shown=shown,
            names=names,
            errors=errors or [],
            own=shown.proposed_by == operator.id,
        )

    @app.get(f"{BASE}/rules/{{proposal_id}}", include_in_schema=False)
    async def proposal(request: Request, proposal_id: str, viewer: Office) -> Response:
        return await proposal_view(request, viewer, proposal_id)

    @app.post(f"{BASE}/rules/{{proposal_id}}/approve", include_in_schema=False)
    async def proposal_approve(request: Request, proposal_id: str, viewer: OfficeForm) -> Response:
        operator = office_operator(viewer)
        proposal_id = proposal_id[:64]
        try:
            shown = await run_in_threadpool(services().ruleset_changes, engine, proposal_id)
        except DomainError:
            raise WebRefusal(404, "refused.missing") from None
        if shown.scope_village_id is not None:
            in_scope(operator, shown.scope_village_id)
        now = clock()

        def run() -> Any:
            return services().approve_ruleset(
                engine,
                proposal_id,
                operator_id=operator.id,
                now=now,
                audit=auditor(viewer, "register.rules_approve", shown.scope_village_id, now),
            )

        try:
            await run_in_threadpool(run)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 409
            return await proposal_view(
                request, viewer, proposal_id, errors=[message(viewer, error)], status=status
            )
        return RedirectResponse(f"{BASE}/rules/{proposal_id}", status_code=303)

    # --- card sheets --------------------------------------------------------------------------

    async def cards_view(
        request: Request, viewer: Viewer, *, errors: list[str] | None = None, status: int = 200
    ) -> Response:
        scope = scope_of(viewer)
        villages = await read(lambda session: views.villages(session, scope))
        return render(
            request,
            viewer,
            "register_cards.html",
            status=status,
            villages=villages,
            errors=errors or [],
            today=clock().date().isoformat(),
        )

    @app.get(f"{BASE}/cards", include_in_schema=False)
    async def cards_page(request: Request, viewer: Office) -> Response:
        return await cards_view(request, viewer)

    @app.get(f"{BASE}/cards.pdf", include_in_schema=False)
    async def cards_pdf(
        request: Request, viewer: Office, village: str = "", since: str = ""
    ) -> Response:
        operator = office_operator(viewer)

        def run() -> tuple[bytes, int]:
            if key_path is None or not key_path.is_file():
                raise BadInput("code.no_signing_key")
            start = None
            if since:
                try:
                    start = date.fromisoformat(since[:10])
                except ValueError:
                    raise BadInput("reg.not_day", value=since[:20]) from None
            return services().card_sheet_pdf(
                engine,
                CardSigner.from_file(key_path),
                village=village[:40],
                since=start,
                operator_id=operator.id,
            )

        try:
            pdf, _count = await run_in_threadpool(run)
        except DomainError as error:
            status = 400 if isinstance(error, BadInput) else 403
            return await cards_view(request, viewer, errors=[message(viewer, error)], status=status)
        filename = f"cards-{village[:20] or 'all'}.pdf".encode("ascii", "ignore").decode()
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
