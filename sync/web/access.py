"""Who is asking and what they may see: the web's one place for sessions, CSRF and authorization.

Every route of `sync.web.routes` declares exactly one of the dependencies `Access` makes
(a test walks the routes to keep it so):
- `public`: anyone (the sign-in pages, the stylesheet);
- `public_form`: anyone, with a form whose CSRF token is tied to a pre-sign-in cookie;
- `household`: a signed-in phone, on a page of its own household (the path's code);
- `household_form`: the same, with a form whose CSRF token is tied to the phone's session.
A refusal raises `WebRefusal` before the handler runs, so nothing is read or changed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from kiosk.core.central_models import PhoneSession
from kiosk.core.db import read_session
from kiosk.core.models import Household
from sync.phones import phone_for_token
from sync.web.texts import LANGUAGES

SESSION_COOKIE = "jf_session"
PRE_COOKIE = "jf_pre"
LANGUAGE_COOKIE = "jf_lang"
SIZE_COOKIE = "jf_size"
SESSION_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps it)
MAX_FORM_BYTES = 4096


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
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        raise WebRefusal(403, "refused.csrf")
    return form


class Access:
    """The four access dependencies over one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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

    def dependencies(self) -> tuple[AccessDependency, ...]:
        return (self.public, self.public_form, self.household, self.household_form)

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
