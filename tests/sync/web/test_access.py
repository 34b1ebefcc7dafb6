"""Authorization of every web route and of the kiosks' phone API: no session, another household's
page, a forged CSRF token, a replayed or expired slip and guessed codes are refused, and a
refusal changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import col, select

from kiosk.core.central_models import WebAction
from kiosk.core.clock import as_utc
from kiosk.core.db import read_session, write_session
from kiosk.core.models import Household
from sync.phones import CODE_FAILURES_PER_ADDRESS, CODE_FAILURES_PER_HOUSEHOLD
from sync.server import create_app
from sync.web.access import Access
from tests.sync.web.conftest import Site, csrf_of, token_of

OWN_PAGES = (
    "",
    "/history",
    "/owed",
    "/notice",
    "/rules",
    "/requests",
    "/phones",
    "/declare",
    "/declare/P08",
)
# An administrator's pages: refused to a phone without an administrator's sign-in.
ADMIN_PAGES = ("/a", "/a/photo/" + "0" * 64 + ".jpg")


def _web_routes(site: Site) -> list[APIRoute]:
    return [
        route
        for route in site.app.routes
        if isinstance(route, APIRoute) and not route.path.startswith("/v1/")
    ]


def test_every_web_route_declares_exactly_one_access_dependency(site: Site) -> None:
    names = {dependency.__name__ for dependency in Access(site.central.engine).dependencies()}
    routes = _web_routes(site)
    assert len(routes) >= 12
    for route in routes:
        declared = [
            str(getattr(dependency.call, "__name__", ""))
            for dependency in route.dependant.dependencies
            if getattr(dependency.call, "__name__", "") in names
            and getattr(dependency.call, "__self__", None).__class__ is Access
        ]
        assert len(declared) == 1, (route.path, declared)
        # A form's route checks CSRF; a page that only reads takes no form.
        form = "POST" in (route.methods or set())
        assert declared[0].endswith("_form") == form, route.path


def test_no_session_is_refused_on_every_household_route(site: Site) -> None:
    code = site.households[0].code
    client = site.client()
    before = site.state()
    for page in OWN_PAGES:
        response = client.get(f"/h/{code}{page}")
        assert response.status_code == 401, page
        assert "请先用登录条登录" in response.text
    refused = client.post(f"/h/{code}/phones/x/revoke", data={"csrf": "0" * 64})
    assert refused.status_code == 401
    for path in ("/help/x/confirm", "/help/x/decline", "/object/x", "/declare/P08"):
        assert client.post(f"/h/{code}{path}", data={"csrf": "0" * 64}).status_code == 401
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 401, page
    for path in ("/a/d/x/approve", "/a/d/x/reject", "/a/disputes/x/uphold", "/a/signout"):
        assert client.post(path, data={"csrf": "0" * 64}).status_code == 401, path
    # A household's phone is no administrator either.
    phone = site.signed_in(site.households[0])
    for page in ADMIN_PAGES:
        assert phone.get(page).status_code == 401, page
    before = site.state()
    assert site.state() == before


def test_another_households_pages_are_refused(site: Site) -> None:
    mine, theirs = site.households[0], site.households[1]
    client = site.signed_in(mine)
    other_phone = site.signed_in(theirs)
    phones = other_phone.get(f"/h/{theirs.code}/phones")
    their_phone_id = phones.text.split("/phones/")[1].split("/revoke")[0]
    before = site.state()
    for household in (theirs, site.other_village):
        for page in OWN_PAGES:
            response = client.get(f"/h/{household.code}{page}")
            assert response.status_code == 403, (household.code, page)
            assert household.head_name not in response.text
    own_csrf = csrf_of(client.get(f"/h/{mine.code}/phones").text)
    refused = client.post(
        f"/h/{theirs.code}/phones/{their_phone_id}/revoke", data={"csrf": own_csrf}
    )
    assert refused.status_code == 403
    # Under its own code, another household's phone is simply not there.
    missing = client.post(f"/h/{mine.code}/phones/{their_phone_id}/revoke", data={"csrf": own_csrf})
    assert missing.status_code == 404
    assert site.state() == before
    assert other_phone.get(f"/h/{theirs.code}").status_code == 200


def test_own_pages_show_the_households_name_and_the_others_masked(site: Site) -> None:
    mine = site.households[0]
    client = site.signed_in(mine)
    for page in OWN_PAGES:
        response = client.get(f"/h/{mine.code}{page}")
        assert response.status_code == 200, page
        for other in site.households[1:]:
            assert other.head_name not in response.text, page
    assert mine.head_name in client.get(f"/h/{mine.code}").text


def test_forged_or_missing_csrf_is_refused(site: Site) -> None:
    household = site.households[0]
    slip = site.slip(household)
    token = token_of(slip)
    client = site.client()
    page = client.get(f"/s/{token}")
    before = site.state()
    real = csrf_of(page.text)
    # One digit changed: always a different token (a fixed "0" would equal the real
    # token one time in sixteen, and did once in CI).
    altered = real[:-1] + ("1" if real[-1] == "0" else "0")
    for data in ({}, {"csrf": "0" * 64}, {"csrf": altered}):
        assert client.post(f"/s/{token}", data=data).status_code == 403
        assert (
            client.post(
                "/signin", data={**data, "household": household.code, "code": slip["code"]}
            ).status_code
            == 403
        )
    # Another browser's token does not pass with this one's cookie.
    stranger = site.client()
    stranger_csrf = csrf_of(stranger.get("/signin").text)
    assert client.post(f"/s/{token}", data={"csrf": stranger_csrf}).status_code == 403
    # JSON instead of a form is not a form.
    assert client.post(f"/s/{token}", json={"csrf": csrf_of(page.text)}).status_code == 403
    assert site.state() == before

    signed = site.signed_in(household)
    phones = signed.get(f"/h/{household.code}/phones").text
    phone_id = phones.split("/phones/")[1].split("/revoke")[0]
    before = site.state()
    forged = signed.post(
        f"/h/{household.code}/phones/{phone_id}/revoke", data={"csrf": stranger_csrf}
    )
    assert forged.status_code == 403
    assert site.state() == before


def test_a_get_never_uses_a_slip_and_a_replay_is_refused(site: Site) -> None:
    household = site.households[0]
    token = token_of(site.slip(household))
    first = site.client()
    for _ in range(3):  # a chat app's preview, then the villager, then again
        assert first.get(f"/s/{token}").status_code == 200
    page = first.get(f"/s/{token}")
    assert first.post(f"/s/{token}", data={"csrf": csrf_of(page.text)}).status_code == 303
    before = site.state()
    second = site.client()
    assert second.get(f"/s/{token}").status_code == 410
    csrf = csrf_of(second.get("/signin").text)
    replay = second.post(f"/s/{token}", data={"csrf": csrf})
    assert replay.status_code == 410
    assert "已用过、已过期或无效" in replay.text
    assert "jf_session" not in replay.headers.get("set-cookie", "")
    assert site.state() == before


def test_an_expired_slip_is_refused_by_link_and_by_code(site: Site) -> None:
    household = site.households[0]
    slip = site.slip(household)
    token = token_of(slip)
    site.clock.at += timedelta(hours=24, seconds=1)
    client = site.client()
    assert client.get(f"/s/{token}").status_code == 410
    csrf = csrf_of(client.get("/signin").text)
    before = site.state()
    assert client.post(f"/s/{token}", data={"csrf": csrf}).status_code == 410
    by_code = client.post(
        "/signin", data={"csrf": csrf, "household": household.code, "code": slip["code"]}
    )
    assert by_code.status_code == 400
    assert site.state() == before


def test_the_code_signs_in_once(site: Site) -> None:
    household = site.households[0]
    slip = site.slip(household)
    client = site.client()
    csrf = csrf_of(client.get("/signin").text)
    done = client.post(
        "/signin", data={"csrf": csrf, "household": household.code.lower(), "code": slip["code"]}
    )
    assert done.status_code == 303
    assert client.get(f"/h/{household.code}").status_code == 200
    again = site.client()
    csrf = csrf_of(again.get("/signin").text)
    replay = again.post(
        "/signin", data={"csrf": csrf, "household": household.code, "code": slip["code"]}
    )
    assert replay.status_code == 400
    # The link of a slip used by its code is used up too.
    assert again.get(f"/s/{token_of(slip)}").status_code == 410


def test_guessing_codes_is_limited_per_household_and_per_address(site: Site) -> None:
    household = site.households[0]
    slip = site.slip(household)
    wrong = f"{(int(slip['code']) + 1) % 1_000_000:06d}"
    client = site.client()
    csrf = csrf_of(client.get("/signin").text)

    def attempt(code: str, who: str = household.code) -> int:
        form = {"csrf": csrf, "household": who, "code": code}
        return int(client.post("/signin", data=form).status_code)

    before = site.state()
    for _ in range(CODE_FAILURES_PER_HOUSEHOLD):
        assert attempt(wrong) == 400
    # Now even the right code waits: the limit is checked before the code.
    assert attempt(slip["code"]) == 429
    assert site.state() == before
    # A quarter of an hour later the household may try again.
    site.clock.at += timedelta(minutes=16)
    assert attempt(slip["code"]) == 303

    # Across many households from one address: the address is limited.
    site.clock.at += timedelta(minutes=16)
    others = site.households[1:]
    target = site.slip(others[0])
    for n in range(CODE_FAILURES_PER_ADDRESS):
        attempt("000000" if target["code"] != "000000" else "000001", others[n % len(others)].code)
    assert attempt(target["code"], others[0].code) == 429
    with read_session(site.central.engine) as session:
        failures = session.exec(
            select(WebAction).where(
                WebAction.action == "code.sign_in", col(WebAction.outcome) != "ok"
            )
        ).all()
    assert len(failures) >= CODE_FAILURES_PER_HOUSEHOLD + CODE_FAILURES_PER_ADDRESS
    assert {failure.address for failure in failures} == {"testclient"}


def test_a_revoked_phone_is_signed_out_at_once(site: Site) -> None:
    household = site.households[0]
    first = site.signed_in(household)
    second = site.signed_in(household)
    listing = second.get(f"/h/{household.code}/phones").text
    assert "手机 1" in listing and "手机 2" in listing
    # Both were bound at the same instant of the test's clock: find the first by its label.
    found = re.search(r"手机 1(?:(?!</li>).)*?/phones/([0-9a-f-]+)/revoke", listing, re.DOTALL)
    assert found is not None, listing
    first_id = found.group(1)
    done = second.post(
        f"/h/{household.code}/phones/{first_id}/revoke", data={"csrf": csrf_of(listing)}
    )
    assert done.status_code == 303
    assert first.get(f"/h/{household.code}").status_code == 401
    assert second.get(f"/h/{household.code}").status_code == 200
    with read_session(site.central.engine) as session:
        revoked = session.exec(select(WebAction).where(WebAction.action == "phone.revoke")).one()
    assert revoked.subject == f"phone:{first_id}"
    assert revoked.actor.startswith("phone:")


def test_cookies_are_httponly_secure_and_samesite_lax(site: Site) -> None:
    household = site.households[0]
    client = site.client()
    token = token_of(site.slip(household))
    page = client.get(f"/s/{token}")
    done = client.post(f"/s/{token}", data={"csrf": csrf_of(page.text)})
    for header in (page.headers["set-cookie"], done.headers["set-cookie"]):
        lowered = header.lower()
        assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_preferences_never_redirect_elsewhere(site: Site, target: str) -> None:
    response = site.client().get("/prefs", params={"lang": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_language_and_text_size_are_chosen_by_link(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    assert "我的积分" in client.get(f"/h/{household.code}").text
    client.get("/prefs", params={"lang": "en", "size": "large", "next": f"/h/{household.code}"})
    page = client.get(f"/h/{household.code}").text
    assert "My points" in page and 'class="large"' in page and 'lang="en"' in page


def test_the_kiosk_api_is_scoped_to_the_kiosks_village(site: Site) -> None:
    client = site.client()
    household = site.households[0]
    assert client.post("/v1/phone-slips", json={"household_id": household.id}).status_code == 401
    assert (
        client.post(
            "/v1/phone-slips", json={"household_id": household.id}, auth=(site.kiosk[0], "wrong")
        ).status_code
        == 401
    )
    before = site.state()
    foreign = site.other_village.id
    assert (
        client.post("/v1/phone-slips", json={"household_id": foreign}, auth=site.kiosk).status_code
        == 404
    )
    assert client.get(f"/v1/households/{foreign}/phones", auth=site.kiosk).status_code == 404
    assert site.state() == before

    site.signed_in(household)
    listed = client.get(f"/v1/households/{household.id}/phones", auth=site.kiosk)
    assert listed.status_code == 200
    (phone,) = listed.json()["phones"]
    assert (
        client.delete(f"/v1/households/{foreign}/phones/{phone['id']}", auth=site.kiosk).status_code
        == 404
    )
    gone = client.delete(f"/v1/households/{household.id}/phones/{phone['id']}", auth=site.kiosk)
    assert gone.status_code == 200
    assert client.get(f"/v1/households/{household.id}/phones", auth=site.kiosk).json() == {
        "phones": []
    }
    with read_session(site.central.engine) as session:
        actions = [(a.actor, a.action) for a in session.exec(select(WebAction)).all()]
    assert ("kiosk:K-HP-01", "slip.issue") in actions
    assert ("kiosk:K-HP-01", "phone.revoke") in actions


def test_the_slip_link_uses_the_configured_public_address(site: Site) -> None:
    app = create_app(site.central.engine, clock=site.clock, public_url="https://jifen.example.org")
    client = TestClient(app, base_url="https://testserver")
    household = site.households[0]
    slip = client.post("/v1/phone-slips", json={"household_id": household.id}, auth=site.kiosk)
    assert slip.json()["url"].startswith("https://jifen.example.org/s/")
    assert len(slip.json()["code"]) == 6 and slip.json()["code"].isdigit()


def test_signing_this_phone_out_drops_its_cookie(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    listing = client.get(f"/h/{household.code}/phones").text
    phone_id = listing.split("/phones/")[1].split("/revoke")[0]
    done = client.post(
        f"/h/{household.code}/phones/{phone_id}/revoke", data={"csrf": csrf_of(listing)}
    )
    assert done.status_code == 303 and done.headers["location"] == "/signin"
    assert (
        'jf_session=""' in done.headers["set-cookie"] or "Max-Age=0" in done.headers["set-cookie"]
    )
    assert client.get(f"/h/{household.code}").status_code == 401


def test_a_slip_of_a_household_that_left_signs_nothing_in(site: Site) -> None:
    household = site.households[0]
    slip = site.slip(household)
    with write_session(site.central.engine) as session:
        row = session.get(Household, household.id)
        assert row is not None
        row.left_at = as_utc(site.clock())
        session.add(row)
    client = site.client()
    assert client.get(f"/s/{token_of(slip)}").status_code == 410
    csrf = csrf_of(client.get("/signin").text)
    before = site.state()
    assert client.post(f"/s/{token_of(slip)}", data={"csrf": csrf}).status_code == 410
    form = {"csrf": csrf, "household": household.code, "code": slip["code"]}
    assert client.post("/signin", data=form).status_code == 400
    assert site.state() == before
