"""The office console's sign-in and authorization: every /o route for each role, CSRF on every
form, a console session ending after inactivity (on the app's clock), and refusals changing
nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from kiosk.core.central_models import AdminSession, ConsoleEvent, SyncAlert
from kiosk.core.db import read_session
from sync.phones import CONSOLE_IDLE_LIMIT
from tests.sync.web.conftest import Site, csrf_of

# Pages anyone may open: the sign-in form and the console's stylesheet.
PUBLIC = {"/o/signin", "/o/console.css"}


def console_routes(site: Site) -> list[tuple[str, str]]:
    """(method, path) of every console route, path parameters filled with a harmless value."""
    found = []
    for route in site.app.routes:
        if not isinstance(route, APIRoute) or not (
            route.path == "/o" or route.path.startswith("/o/")
        ):
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in sorted(route.methods or ()):
            if path not in PUBLIC:
                found.append((method, path))
    return found


def counts(site: Site) -> tuple[int, ...]:
    with read_session(site.central.engine) as session:
        return (
            session.exec(select(func.count()).select_from(ConsoleEvent)).one(),
            session.exec(
                select(func.count())
                .select_from(SyncAlert)
                .where(SyncAlert.acknowledged_by.isnot(None))  # type: ignore[union-attr]
            ).one(),
        )


def test_every_console_route_refuses_anonymous_and_household_phones(site: Site) -> None:
    routes = console_routes(site)
    assert ("GET", "/o") in routes and ("POST", "/o/signout") in routes
    phone = site.signed_in(site.households[0])
    village_phone = site.admin()  # an administrator signed in on the phone pages only
    before = (site.state(), counts(site))
    for client in (site.client(), phone, village_phone):
        for method, path in routes:
            response = client.request(method, path, data={"csrf": "0" * 64})
            assert response.status_code == 401, (method, path)
            assert "/o/signin" in response.text  # the console's own way back in
    assert (site.state(), counts(site)) == before


def test_a_shopkeeper_cannot_sign_in_to_the_console(site: Site) -> None:
    client = site.client()
    page = client.get("/o/signin")
    done = client.post(
        "/o/signin", data={"csrf": csrf_of(page.text), "operator": "shop-heping", "pin": "1111"}
    )
    assert done.status_code == 400
    assert "jf_office" not in done.headers.get("set-cookie", "")
    assert client.get("/o").status_code == 401


def test_a_wrong_pin_makes_the_next_attempt_wait(site: Site) -> None:
    client = site.client()
    csrf = csrf_of(client.get("/o/signin").text)
    statuses = [
        client.post(
            "/o/signin", data={"csrf": csrf, "operator": "street-admin", "pin": "0000"}
        ).status_code
        for _ in range(6)
    ]
    # Wrong PINs first say so, then the operator is made to wait: even the right PIN waits.
    assert statuses[0] == 400 and statuses[-1] == 429
    right = client.post("/o/signin", data={"csrf": csrf, "operator": "street-admin", "pin": "9999"})
    assert right.status_code == 429
    assert "jf_office" not in right.headers.get("set-cookie", "")


def test_a_phone_token_never_opens_the_console_nor_a_console_token_the_phone_pages(
    site: Site,
) -> None:
    phone = site.admin("admin-heping")
    office = site.office("admin-heping", "2222")
    phone_token = phone.cookies.get("jf_admin")
    office_token = office.cookies.get("jf_office")
    assert phone_token and office_token
    swapped = site.client()
    swapped.cookies.set("jf_office", phone_token)
    swapped.cookies.set("jf_admin", office_token)
    assert swapped.get("/o").status_code == 401
    assert swapped.get("/a").status_code == 401
    assert office.get("/o").status_code == 200 and phone.get("/a").status_code == 200


def test_the_console_session_ends_after_inactivity_not_while_used(site: Site) -> None:
    office = site.office()
    start = site.clock.at
    # Used every 20 minutes, it stays open well past the idle limit.
    for step in range(1, 5):
        site.clock.at = start + step * timedelta(minutes=20)
        assert office.get("/o").status_code == 200, step
    # Then left alone for the idle limit: signed out, the page says how to sign in again.
    site.clock.at += CONSOLE_IDLE_LIMIT
    refused = office.get("/o")
    assert refused.status_code == 401
    assert "30 分钟不操作会自动退出" in refused.text
    # Coming back does not revive it.
    site.clock.at += timedelta(seconds=1)
    assert office.get("/o").status_code == 401


def test_the_console_session_ends_at_the_working_days_cap(site: Site) -> None:
    office = site.office()
    start = site.clock.at
    for minutes in range(20, 12 * 60, 20):
        site.clock.at = start + timedelta(minutes=minutes)
        assert office.get("/o").status_code == 200
    site.clock.at = start + timedelta(hours=12)
    assert office.get("/o").status_code == 401


def test_signing_out_ends_the_session(site: Site) -> None:
    office = site.office()
    token = office.cookies.get("jf_office")
    page = office.get("/o")
    done = office.post("/o/signout", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/o/signin"
    again = site.client()
    again.cookies.set("jf_office", str(token))
    assert again.get("/o").status_code == 401
    with read_session(site.central.engine) as session:
        kinds = session.exec(select(AdminSession.kind, AdminSession.revoked_at)).all()
    assert [(kind, revoked is not None) for kind, revoked in kinds] == [("console", True)]


def test_every_console_form_refuses_a_missing_or_forged_csrf(site: Site) -> None:
    office = site.office()
    real = csrf_of(office.get("/o").text)
    altered = real[:-1] + ("1" if real[-1] == "0" else "0")
    stranger = site.office("admin-heping", "2222")
    theirs = csrf_of(stranger.get("/o").text)
    assert theirs != real
    before = (site.state(), counts(site))
    forms = [(m, p) for m, p in console_routes(site) if m == "POST"]
    assert ("POST", "/o/signout") in forms
    for _method, path in forms:
        for data in ({}, {"csrf": "0" * 64}, {"csrf": altered}, {"csrf": theirs}):
            assert office.post(path, data=data).status_code == 403, (path, data)
        # JSON is not a form.
        assert office.post(path, json={"csrf": real}).status_code == 403, path
    assert (site.state(), counts(site)) == before
    assert office.get("/o").status_code == 200  # the forged posts signed nothing out


def village_pages(client: TestClient, other: str) -> list[int]:
    return [
        client.get(f"/o?village={other}").status_code,
    ]


def test_a_village_administrator_sees_only_its_village(site: Site) -> None:
    office = site.office("admin-heping", "2222")
    page = office.get("/o")
    assert page.status_code == 200
    assert 'data-village="heping"' in page.text
    assert 'data-village="xizige"' not in page.text
    assert village_pages(office, "xizige") == [403]
    street = site.office()
    everything = street.get("/o")
    assert 'data-village="heping"' in everything.text
    assert 'data-village="xizige"' in everything.text
    only = street.get("/o?village=xizige")
    assert 'data-village="xizige"' in only.text and 'data-village="heping"' not in only.text
    assert street.get("/o?village=nowhere").status_code == 404
    assert street.get("/o?quarter=2026Q9").status_code == 400


def test_a_disabled_or_demoted_administrator_is_signed_out_at_once(site: Site) -> None:
    from kiosk.core.db import write_session
    from kiosk.core.models import Operator, Role

    office = site.office("admin-heping", "2222")
    street = site.office()
    assert office.get("/o").status_code == 200 and street.get("/o").status_code == 200
    with write_session(site.central.engine) as session:
        demoted = session.get(Operator, "admin-heping")
        disabled = session.get(Operator, "street-admin")
        assert demoted is not None and disabled is not None
        demoted.role = Role.SHOPKEEPER
        disabled.active = False
        session.add_all([demoted, disabled])
    assert office.get("/o").status_code == 401
    assert street.get("/o").status_code == 401


def test_the_offices_one_time_pin_opens_nothing_until_the_administrator_chooses_its_own(
    site: Site,
) -> None:
    """A PIN handed over on paper must not stay valid on every phone and office PC for good:
    signed in with it, the console and the phone pages ask for a PIN of one's own first, and
    from then on only that one works on either."""
    from kiosk.services.register import add_operator

    added = add_operator(
        site.central.engine,
        new_id="admin-heping-2",
        name="测试丙",
        role="village_admin",
        village="和平",
        exchange_point=None,
        operator_id="street-admin",
        now=site.clock(),
    )
    one_time = added["pin"]
    client = site.client()
    csrf = csrf_of(client.get("/o/signin").text)

    def sign_in(path: str, pin: str, new: str | None = None, again: str | None = None) -> Any:
        data = {"csrf": csrf, "operator": "admin-heping-2", "pin": pin}
        if new is not None:
            data |= {"new_pin": new, "new_pin_again": again if again is not None else new}
        return client.post(path, data=data)

    asked = sign_in("/o/signin", one_time)
    assert asked.status_code == 400 and "设一个自己的 6 位 PIN" in asked.text
    assert 'name="new_pin"' in asked.text and "jf_office" not in asked.headers.get("set-cookie", "")
    differ = sign_in("/o/signin", one_time, "482915", "482916")
    assert differ.status_code == 400 and "两次输入的新 PIN 不一样" in differ.text
    weak = sign_in("/o/signin", one_time, "111111")
    assert weak.status_code == 400 and 'name="new_pin"' in weak.text
    assert client.get("/o").status_code == 401  # nothing opened on the way
    done = sign_in("/o/signin", one_time, "482915")
    assert done.status_code == 303 and client.get("/o").status_code == 200
    # From now on the office's paper PIN is wrong here and on a phone; the own one works.
    phone = site.client()
    phone_csrf = csrf_of(phone.get("/a/signin").text)
    old = phone.post(
        "/a/signin", data={"csrf": phone_csrf, "operator": "admin-heping-2", "pin": one_time}
    )
    assert old.status_code == 400 and 'name="new_pin"' not in old.text
    own = phone.post(
        "/a/signin", data={"csrf": phone_csrf, "operator": "admin-heping-2", "pin": "482915"}
    )
    assert own.status_code == 303
