"""Who is asking and what they may see: the web's one place for sessions, CSRF and authorization.

Every route of `sync.web.routes` declares exactly one of the dependencies `Access` makes
(a test walks the routes to keep it so):
- `public`: anyone (the sign-in pages, the stylesheet);
- `public_form`: anyone, with a form whose CSRF token is tied to a pre-sign-in cookie;
- `household`: a signed-in phone, on a page of its own household (the path's code);
- `household_form`: the same, with a form whose CSRF token is tied to the phone's session;
- `household_upload_form`: the same, a multipart form with photos (size capped before parsing);
- `admin`: a village (or street) administrator signed in on a phone with its PIN; every page
  then shows only the administrator's village (`in_scope`);
- `admin_form`: the same, with a form whose CSRF token is tied to the administrator's session;
- `office`: a street or village administrator signed in on the office console (`/o`), whose
  session also ends after `sync.phones.CONSOLE_IDLE_LIMIT` unused; a village administrator
  sees only its own village (`office_scope`, `in_scope`);
- `office_form`: the same, with a form whose CSRF token is tied to the console session;
- `office_upload_form`: the same, a multipart form with a file (a roster, a rule set).
A refusal raises `WebRefusal` before the handler runs, so nothing is read or changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from kiosk.core.awards import AWARDING_ROLES
from kiosk.core.central_models import AdminSession, PhoneSession
from kiosk.core.clock import as_utc, from_db
from kiosk.core.clock import now as clock_now
from kiosk.core.db import read_session, write_session
from kiosk.core.models import Household, Operator
from sync.phones import CONSOLE_SEEN_STEP, admin_for_token, console_is_live, phone_for_token
from sync.web.texts import LANGUAGES

SESSION_COOKIE = "jf_session"
PRE_COOKIE = "jf_pre"
LANGUAGE_COOKIE = "jf_lang"
SIZE_COOKIE = "jf_size"
ADMIN_COOKIE = "jf_admin"
OFFICE_COOKIE = "jf_office"
SESSION_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps it)
# A form's urlencoded body: 500 Chinese characters of description are 4,500 bytes encoded.
MAX_FORM_BYTES = 16384
# A form with photos: the phone's script sends them downscaled (a few hundred KB each); without
# script a phone sends its camera's files, 3-6 MB each. Each photo is capped on its own too.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PARTS = 16


class WebRefusal(Exception):
    """A request refused before its handler ran: the status and the page text's key."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


def csrf_token(secret: str) -> str:
    """The form token of a session (or pre-sign-in cookie): only its holder can compute it."""
    return hmac.new(secret.encode(), b"tangxiang-csrf", hashlib.sha256).hexdigest()


@dataclass
class Viewer:
    """The request's reader: language and text size, the phone (if signed in), its household
    (on a household page), the form's token, and the cookie still to set."""

    address: str
    language: str
    large: bool
    phone: PhoneSession | None = None
    household: Household | None = None
    csrf: str = ""
    new_pre: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    operator: Operator | None = None  # an administrator signed in on this phone
    admin_session: AdminSession | None = None


AccessDependency = Callable[..., Coroutine[Any, Any, Viewer]]


def basics(request: Request) -> Viewer:
    language = request.cookies.get(LANGUAGE_COOKIE, "zh")
    return Viewer(
        address=request.client.host if request.client else "-",
        language=language if language in LANGUAGES else "zh",
        large=request.cookies.get(SIZE_COOKIE) == "large",
    )


async def _form(request: Request, expected: str) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        raise WebRefusal(403, "refused.csrf")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise WebRefusal(413, "refused.csrf")
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise WebRefusal(400, "refused.csrf") from None
    form = {key: values[0] for key, values in parsed.items()}
    _refuse_nul(form)
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        raise WebRefusal(403, "refused.csrf")
    return form


def _refuse_nul(form: dict[str, str]) -> None:
    # No keyboard types NUL, and PostgreSQL stores no text holding it (a 500 at the insert).
    if any("\x00" in key or "\x00" in value for key, value in form.items()):
        raise WebRefusal(400, "refused.bad_text")


async def _body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise WebRefusal(413, "refused.too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:  # a lying or missing length: stop reading at the cap
            raise WebRefusal(413, "refused.too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _upload_form(request: Request, expected: str) -> tuple[dict[str, str], list[Any]]:
    """A multipart form's fields and files, read up to MAX_UPLOAD_BYTES, its CSRF checked.

    Parsed with the standard library's MIME parser (no extra dependency): the body with its
    Content-Type header in front is a MIME message whose parts are the fields.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip() != "multipart/form-data" or len(content_type) > 200:
        raise WebRefusal(403, "refused.csrf")
    body = await _body(request, MAX_UPLOAD_BYTES)
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise WebRefusal(400, "refused.csrf")
    form: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    parts = list(message.iter_parts())
    if len(parts) > MAX_UPLOAD_PARTS:
        raise WebRefusal(413, "refused.too_large")
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if payload:  # an empty file input sends a part with no bytes
                files.append((str(filename)[:100], payload))
        elif name not in form:
            try:
                form[name] = payload.decode()[:MAX_FORM_BYTES]
            except UnicodeDecodeError:
                raise WebRefusal(400, "refused.csrf") from None
    _refuse_nul(form)
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        raise WebRefusal(403, "refused.csrf")
    return form, files


def in_scope(operator: Operator, village_id: str) -> None:
    """An administrator reads and decides only its own village's (a street administrator's
    every village's): refused before anything of another village is shown."""
    if operator.village_id is not None and operator.village_id != village_id:
        raise WebRefusal(403, "refused.village")


def office_operator(viewer: Viewer) -> Operator:
    """The signed-in administrator of a console page (its access dependency made sure)."""
    assert viewer.operator is not None
    return viewer.operator


def office_scope(viewer: Viewer) -> str | None:
    """The village a console page shows: the village administrator's own, or None (every
    village) for a street administrator."""
    assert viewer.operator is not None
    return viewer.operator.village_id


class Access:
    """The access dependencies over one database, with the central's clock."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = clock_now) -> None:
        self.engine = engine
        self.clock = clock

    def _phone(self, token: str | None) -> tuple[PhoneSession | None, Household | None]:
        if not token:
            return None, None
        with read_session(self.engine) as session:
            phone = phone_for_token(session, token)
            household = session.get(Household, phone.household_id) if phone else None
            if household is not None and household.left_at is not None:
                return None, None  # a household that left the register has no pages
            return phone, household

    async def _anyone(self, request: Request) -> Viewer:
        viewer = basics(request)
        token = request.cookies.get(SESSION_COOKIE)
        viewer.phone, _ = await run_in_threadpool(self._phone, token)
        pre = request.cookies.get(PRE_COOKIE)
        if not pre or len(pre) > 100:
            pre = viewer.new_pre = secrets.token_urlsafe(32)
        viewer.csrf = csrf_token(pre)
        return viewer

    async def _own(self, request: Request, code: str) -> Viewer:
        viewer = basics(request)
        token = request.cookies.get(SESSION_COOKIE)
        viewer.phone, household = await run_in_threadpool(self._phone, token)
        if viewer.phone is None or household is None or token is None:
            raise WebRefusal(401, "refused.signin")
        if household.code != code:
            raise WebRefusal(403, "refused.other")
        viewer.household = household
        viewer.csrf = csrf_token(token)
        return viewer

    def _admin_of(self, token: str | None) -> tuple[AdminSession | None, Operator | None]:
        if not token:
            return None, None
        with read_session(self.engine) as session:
            found = admin_for_token(session, token)
            if found is None or from_db(found.expires_at) <= self.clock():
                return None, None
            operator = session.get(Operator, found.operator_id)
            if operator is None or not operator.active or operator.role not in AWARDING_ROLES:
                return None, None
            return found, operator

    async def _administrator(self, request: Request) -> Viewer:
        viewer = basics(request)
        token = request.cookies.get(ADMIN_COOKIE)
        viewer.admin_session, viewer.operator = await run_in_threadpool(self._admin_of, token)
        if viewer.operator is None or token is None:
            raise WebRefusal(401, "refused.admin_signin")
        viewer.csrf = csrf_token(token)
        return viewer

    def _console_of(self, token: str | None) -> tuple[AdminSession | None, Operator | None]:
        if not token:
            return None, None
        now = self.clock()
        with read_session(self.engine) as session:
            found = admin_for_token(session, token, kind="console")
            if found is None or not console_is_live(found, now):
                return None, None
            operator = session.get(Operator, found.operator_id)
            if operator is None or not operator.active or operator.role not in AWARDING_ROLES:
                return None, None
            seen = from_db(found.last_seen_at or found.created_at)
        if now - seen >= CONSOLE_SEEN_STEP:
            with write_session(self.engine) as session:
                live = session.get(AdminSession, found.id)
                if live is not None:
                    live.last_seen_at = as_utc(now)
                    session.add(live)
        return found, operator

    async def _console(self, request: Request) -> Viewer:
        viewer = basics(request)
        token = request.cookies.get(OFFICE_COOKIE)
        viewer.admin_session, viewer.operator = await run_in_threadpool(self._console_of, token)
        if viewer.operator is None or token is None:
            raise WebRefusal(401, "refused.office_signin")
        viewer.csrf = csrf_token(token)
        return viewer

    def dependencies(self) -> tuple[AccessDependency, ...]:
        return (
            self.public,
            self.public_form,
            self.household,
            self.household_form,
            self.household_upload_form,
            self.admin,
            self.admin_form,
            self.office,
            self.office_form,
            self.office_upload_form,
        )

    async def public(self, request: Request) -> Viewer:
        return await self._anyone(request)

    async def public_form(self, request: Request) -> Viewer:
        pre = request.cookies.get(PRE_COOKIE, "")
        viewer = await self._anyone(request)
        viewer.form = await _form(request, csrf_token(pre) if pre else "")
        return viewer

    async def household(self, request: Request, code: str) -> Viewer:
        return await self._own(request, code)

    async def household_form(self, request: Request, code: str) -> Viewer:
        viewer = await self._own(request, code)
        viewer.form = await _form(request, viewer.csrf)
        return viewer

    async def household_upload_form(self, request: Request, code: str) -> Viewer:
        viewer = await self._own(request, code)
        viewer.form, viewer.files = await _upload_form(request, viewer.csrf)
        return viewer

    async def admin(self, request: Request) -> Viewer:
        return await self._administrator(request)

    async def admin_form(self, request: Request) -> Viewer:
        viewer = await self._administrator(request)
        viewer.form = await _form(request, viewer.csrf)
        return viewer

    async def office(self, request: Request) -> Viewer:
        return await self._console(request)

    async def office_form(self, request: Request) -> Viewer:
        viewer = await self._console(request)
        viewer.form = await _form(request, viewer.csrf)
        return viewer

    async def office_upload_form(self, request: Request) -> Viewer:
        viewer = await self._console(request)
        viewer.form, viewer.files = await _upload_form(request, viewer.csrf)
        return viewer
