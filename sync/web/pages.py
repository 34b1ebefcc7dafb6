"""What every web route shares: the templates, the security headers, cookies and the one way a
page is rendered (language, text size, the CSRF token) or refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import local
from kiosk.core.errors import DomainError
from kiosk.core.masking import mask_name
from rules.model import RuleList
from sync.phones import sign_in_admin
from sync.web.access import PRE_COOKIE, SESSION_MAX_AGE, Viewer
from sync.web.texts import say

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    # Only our own files (the 朗读 script, the stylesheet), nothing inline; a slip's token
    # never leaves in a Referer.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

Clock = Callable[[], datetime]
# Refusals of an administrator's sign-in that ask for its own new PIN (sync.phones.sign_in_admin).
CHOOSE_PIN_KEYS = frozenset(
    {
        "admin.choose_pin",
        "admin.pin_again",
        "operator.pin_format",
        "operator.pin_weak",
        "operator.pin_same",
    }
)


async def admin_sign_in(
    pages: Pages,
    request: Request,
    viewer: Viewer,
    engine: Engine,
    now: datetime,
    *,
    kind: str,
    template: str,
    home: str,
    cookie: str,
    max_age: int,
) -> Response:
    """The one sign-in of administrators, on a phone (`kind` "phone") or the office console:
    the posted id and PIN (and a new PIN when the office's one-time PIN must be replaced)
    through `sync.phones.sign_in_admin`; a refusal shows `template` again with its message by
    the field it concerns, and the new-PIN fields (`choose_pin.html`) when they are asked for."""
    form = viewer.form
    operator_id = form.get("operator", "").strip()[:64]
    try:
        signed = await run_in_threadpool(
            lambda: sign_in_admin(
                engine,
                operator_id,
                form.get("pin", "")[:32],
                now=now,
                address=viewer.address,
                kind=kind,
                new_pin=form.get("new_pin", "")[:32] or None,
                new_pin_again=form.get("new_pin_again", "")[:32] or None,
            )
        )
    except DomainError as error:
        status = 429 if error.key in ("operator.locked", "admin.too_many") else 400
        message = say(error.key, viewer.language, **error.params)
        choose = error.key in CHOOSE_PIN_KEYS
        return pages.render(
            request,
            viewer,
            template,
            status=status,
            errors={"new_pin" if choose else "pin": message},
            operator_id=operator_id,
            choose=choose,
        )
    response = RedirectResponse(home, status_code=303)
    set_cookie(response, cookie, signed.token, max_age)
    return response


# The office console's menu (console_base.html): (section, path). A console page passes its
# `section` to `render` so its entry is marked as the current page.
CONSOLE_NAV = (
    ("overview", "/o"),
    ("register", "/o/register"),
    ("periods", "/o/periods"),
    ("notices", "/o/notices"),
    ("exports", "/o/exports"),
    ("audit", "/o/audit"),
)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda at: local(at).strftime("%Y-%m-%d")
    env.filters["minute"] = lambda at: local(at).strftime("%Y-%m-%d %H:%M")
    env.filters["signed"] = lambda points: f"+{points}" if points > 0 else str(points)
    env.filters["masked"] = mask_name
    env.globals["RuleList"] = RuleList
    env.globals["console_nav"] = CONSOLE_NAV
    return env


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax"
    )


def safe_next(target: str | None) -> str:
    # Only a path of this site: never an address elsewhere (an open redirect).
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class Pages:
    """Renders a template for a viewer, in its language and text size."""

    def __init__(self) -> None:
        self.env = environment()

    def render(
        self, request: Request, viewer: Viewer, template: str, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        language = viewer.language

        def t(key: str, **params: object) -> str:
            return say(key, language, **params)

        here = request.url.path
        html = self.env.get_template(template).render(
            t=t,
            viewer=viewer,
            lang="zh-CN" if language == "zh" else "en",
            language_link=f"/prefs?lang={'en' if language == 'zh' else 'zh'}&next={quote(here)}",
            size_link=f"/prefs?size={'normal' if viewer.large else 'large'}&next={quote(here)}",
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        if viewer.new_pre:
            set_cookie(response, PRE_COOKIE, viewer.new_pre, SESSION_MAX_AGE)
        return response

    def refused(self, request: Request, viewer: Viewer, status: int, key: str) -> HTMLResponse:
        # The console's refusals keep its own frame and point to its own sign-in.
        console = request.url.path == "/o" or request.url.path.startswith("/o/")
        template = "console_refused.html" if console else "refused.html"
        return self.render(request, viewer, template, status=status, reason=key)
