"""Declarations, mutual help, review and objections from phones, over HTTP in process: a
household's own declaration with a photo goes through the kiosk's filing path (photo
re-encoded without EXIF, stored under its hash), a neighbour's waits for the neighbour's
confirmation, an administrator approves and rejects through the award path, and every
refusal (another household, another village, a forged token, a bad upload) changes nothing.
On a SQLite and a PostgreSQL central."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import col, select

from kiosk.core.central_models import EvidencePhoto, HelpRequest, WebAction
from kiosk.core.db import read_session
from kiosk.core.declarations import list_pending
from kiosk.core.ledger import entry_views
from kiosk.core.models import Declaration, DeclarationDecision, Dispute, Household
from sync.phones import PIN_FAILURES_PER_ADDRESS
from tests.sync.harness import NOW, Central
from tests.sync.web.conftest import Site, csrf_of, make_site, photo

RULE = "P08"  # 参与村委会组织的各项公益活动: per occurrence (how many times: 1 by default)
RATE_RULE = "P13.2"  # bottles picked up, counted: takes a quantity


@pytest.fixture
def site(central: Central, tmp_path: Path) -> Site:
    return make_site(central, tmp_path)


def declare(
    site: Site,
    client: TestClient,
    household: Household,
    *,
    rule: str = RULE,
    photos: list[tuple[str, bytes, str]] | None = None,
    csrf: str | None = None,
    **fields: str,
) -> Any:
    form = client.get(f"/h/{household.code}/declare/{rule}")
    assert form.status_code == 200, form.text
    data = {"csrf": csrf if csrf is not None else csrf_of(form.text), "description": "打扫村道"}
    data.update(fields)
    files = [
        ("photos", item)
        for item in (photos if photos is not None else [("a.jpg", photo(), "image/jpeg")])
    ]
    checked = client.post(f"/h/{household.code}/declare/{rule}", data=data, files=files)
    if checked.status_code != 200 or "请核对申报" not in checked.text:
        return checked
    return client.post(f"/h/{household.code}/declare/{rule}/send", data=hidden_fields(checked.text))


def hidden_fields(html: str) -> dict[str, str]:
    """The check page's form: what it will send."""
    import html as markup

    return {
        name: markup.unescape(value)
        for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', html)
    }


def declarations(site: Site) -> list[Declaration]:
    with read_session(site.central.engine) as session:
        return list(session.exec(select(Declaration).order_by(col(Declaration.created_at))))


def actions(site: Site, action: str) -> list[WebAction]:
    with read_session(site.central.engine) as session:
        return list(session.exec(select(WebAction).where(WebAction.action == action)))


def test_the_positive_list_is_grouped_and_searchable_without_script(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    page = client.get(f"/h/{household.code}/declare").text
    assert "参与村委会组织的各项公益活动" in page and "主动捡拾村里各项垃圾" in page
    assert "<h2>" in page
    found = client.get(f"/h/{household.code}/declare", params={"q": "垃圾"}).text
    assert "主动捡拾村里各项垃圾" in found and "参与村委会组织的各项公益活动" not in found
    # A negative rule or an evaluation has no form.
    assert client.get(f"/h/{household.code}/declare/N01").status_code == 404
    assert 'name="quantity"' in client.get(f"/h/{household.code}/declare/{RATE_RULE}").text
    # A monthly rule is once a month: no quantity to give.
    assert 'name="quantity"' not in client.get(f"/h/{household.code}/declare/P09").text


def test_a_self_declaration_with_a_photo_is_filed_as_the_kiosk_files_one(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    sent = declare(site, client, household, rule=RATE_RULE, quantity="40")
    assert sent.status_code == 303, sent.text
    (filed,) = declarations(site)
    assert (filed.household_id, filed.rule_id, filed.quantity) == (household.id, RATE_RULE, 40)
    assert filed.filed_by is None and filed.helper_household_id is None  # villager-filed
    (name,) = filed.evidence
    stored = (site.evidence / name).read_bytes()
    assert name == hashlib.sha256(stored).hexdigest() + ".jpg"
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()  # no GPS, no maker: re-encoded from the pixels
    with read_session(site.central.engine) as session:
        assert session.get(EvidencePhoto, name) is not None
        assert [d.id for d in list_pending(session, "heping")] == [filed.id]
    assert len(actions(site, "declaration.file")) == 1
    page = client.get(f"/h/{household.code}/requests").text
    assert "待审核" in page
    assert client.get(f"/h/{household.code}/photo/{name}").status_code == 200


def test_bad_uploads_are_refused_and_nothing_is_stored(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    before = site.state()
    cases = [
        [("a.txt", b"not a picture at all", "image/jpeg")],  # not an image
        [("a.gif", photo(kind="GIF"), "image/gif")],  # an image, not an accepted kind
        [("big.png", b"\x89PNG" + b"0" * (9 * 1024 * 1024), "image/png")],  # over a photo's cap
        [("", b"", "application/octet-stream")],  # no photo chosen, as a browser sends it
        [("ok.jpg", photo(), "image/jpeg"), ("bad.jpg", b"xx", "image/jpeg")],  # one bad of two
    ]
    for files in cases:
        response = declare(site, client, household, photos=files)
        assert response.status_code == 400, response.text
        assert 'class="error-summary"' in response.text
    huge = [("huge.jpg", b"0" * (21 * 1024 * 1024), "image/jpeg")]
    assert declare(site, client, household, photos=huge).status_code == 413
    assert declare(site, client, household, csrf="0" * 64).status_code == 403
    assert site.state() == before


def test_a_declaration_for_a_neighbour_waits_for_its_confirmation(site: Site) -> None:
    helper, neighbour, stranger = site.households[0], site.households[1], site.households[2]
    helper_phone = site.signed_in(helper)
    no_photo = [("", b"", "application/octet-stream")]  # a neighbour's may come without one
    sent = declare(site, helper_phone, helper, neighbour=neighbour.code, photos=no_photo)
    assert sent.status_code == 303, sent.text
    assert declarations(site) == []  # nothing to review (or to pull) until confirmed
    with read_session(site.central.engine) as session:
        (asked,) = session.exec(select(HelpRequest)).all()
    # Not the filer, not another household: only the helped one answers.
    stranger_phone = site.signed_in(stranger)
    csrf = csrf_of(stranger_phone.get(f"/h/{stranger.code}/phones").text)
    before = site.state()
    assert (
        stranger_phone.post(
            f"/h/{stranger.code}/help/{asked.id}/confirm", data={"csrf": csrf}
        ).status_code
        == 404
    )
    assert (
        stranger_phone.post(
            f"/h/{neighbour.code}/help/{asked.id}/confirm", data={"csrf": csrf}
        ).status_code
        == 403
    )
    assert site.state() == before
    neighbour_phone = site.signed_in(neighbour)
    page = neighbour_phone.get(f"/h/{neighbour.code}/requests").text
    assert f"{helper.code} 帮您家申报" in page and helper.head_name not in page
    done = neighbour_phone.post(
        f"/h/{neighbour.code}/help/{asked.id}/confirm", data={"csrf": csrf_of(page)}
    )
    assert done.status_code == 303
    (filed,) = declarations(site)
    assert (filed.household_id, filed.helper_household_id) == (neighbour.id, helper.id)
    again = neighbour_phone.post(
        f"/h/{neighbour.code}/help/{asked.id}/confirm", data={"csrf": csrf_of(page)}
    )
    assert again.status_code == 409 and len(declarations(site)) == 1
    assert "邻居已确认" in helper_phone.get(f"/h/{helper.code}/requests").text


def test_the_village_administrator_approves_and_rejects_through_the_award_path(site: Site) -> None:
    first, second = site.households[0], site.households[1]
    declare(site, site.signed_in(first), first)
    declare(
        site,
        site.signed_in(second),
        second,
        photos=[("b.png", photo((200, 30, 30), kind="PNG"), "image/png")],
    )
    own, theirs = declarations(site)
    admin = site.admin()
    queue = admin.get("/a").text
    assert first.code in queue and second.code in queue
    assert first.head_name not in queue and second.head_name not in queue  # masked
    assert f"/a/photo/{own.evidence[0]}" in queue
    assert admin.get(f"/a/photo/{own.evidence[0]}").status_code == 200
    csrf = csrf_of(queue)
    assert admin.post(f"/a/d/{own.id}/approve", data={"csrf": csrf}).status_code == 303
    rejected = admin.post(
        f"/a/d/{theirs.id}/reject", data={"csrf": csrf, "reason_key": "reason.photo_unclear"}
    )
    assert rejected.status_code == 303
    with read_session(site.central.engine) as session:
        awards = [e for e in entry_views(session, first.id, NOW.year) if e.rule_id == RULE]
        decisions = {d.declaration_id: d for d in session.exec(select(DeclarationDecision))}
    assert (
        decisions[own.id].outcome == "approved" and decisions[own.id].decided_by == "admin-heping"
    )
    assert awards and awards[-1].id in decisions[own.id].entry_ids
    assert decisions[theirs.id].reason == "照片看不清，请重拍"
    assert "已通过" in site.signed_in(first).get(f"/h/{first.code}/requests").text
    page = site.signed_in(second).get(f"/h/{second.code}/requests").text
    assert "原因：照片看不清，请重拍" in page and "重新申报" in page
    assert {a.actor for a in actions(site, "declaration.approve")} == {"operator:admin-heping"}
    # Deciding again is the domain's refusal, nothing written.
    before = site.state()
    assert admin.post(f"/a/d/{theirs.id}/approve", data={"csrf": csrf}).status_code == 409
    assert site.state() == before


def test_an_administrator_of_another_village_and_a_forged_token_are_refused(site: Site) -> None:
    household = site.households[0]
    declare(site, site.signed_in(household), household)
    (filed,) = declarations(site)
    other = site.admin(f"admin-{site.other_village.village_id}")
    queue = other.get("/a").text
    assert household.code not in queue
    csrf = csrf_of(queue)
    phone = site.signed_in(household)
    neighbour = site.signed_in(site.households[1])
    before = site.state()
    assert other.post(f"/a/d/{filed.id}/approve", data={"csrf": csrf}).status_code == 403
    assert (
        other.post(f"/a/d/{filed.id}/reject", data={"csrf": csrf, "reason": "x"}).status_code == 403
    )
    assert other.get(f"/a/photo/{filed.evidence[0]}").status_code == 404
    mine = site.admin()
    assert mine.post(f"/a/d/{filed.id}/approve", data={"csrf": "0" * 64}).status_code == 403
    assert (
        mine.post(f"/a/d/{filed.id}/approve", data={"csrf": csrf}).status_code == 403
    )  # other's token
    # A household's phone is no administrator, and a shopkeeper's PIN signs nothing in.
    assert phone.get("/a").status_code == 401
    page = site.client().get("/a/signin")
    shop = site.client()
    shop.cookies = page.cookies
    refused = shop.post(
        "/a/signin", data={"csrf": csrf_of(page.text), "operator": "shop-heping", "pin": "1111"}
    )
    assert refused.status_code == 400 and "只有村、街道管理员" in refused.text
    assert site.state() == before
    # Another household's photo, by its name, is refused to a household too.
    assert (
        neighbour.get(f"/h/{site.households[1].code}/photo/{filed.evidence[0]}").status_code == 404
    )


def test_wrong_pins_are_refused_logged_and_slowed(site: Site) -> None:
    client = site.client()
    page = client.get("/a/signin")
    keys = []
    for _ in range(4):
        response = client.post(
            "/a/signin",
            data={"csrf": csrf_of(page.text), "operator": "admin-heping", "pin": "0000"},
        )
        assert response.status_code in (400, 429)
        keys.append(response.status_code)
    assert keys[-1] == 429  # waiting: not even the right PIN is checked
    right = client.post(
        "/a/signin", data={"csrf": csrf_of(page.text), "operator": "admin-heping", "pin": "2222"}
    )
    assert right.status_code == 429
    assert len(actions(site, "admin.sign_in")) == 5


def test_guessing_across_operators_from_one_address_is_stopped(site: Site) -> None:
    client = site.client()
    csrf = csrf_of(client.get("/a/signin").text)
    for i in range(PIN_FAILURES_PER_ADDRESS):
        form = {"csrf": csrf, "operator": f"nobody-{i}", "pin": "1234"}
        assert client.post("/a/signin", data=form).status_code == 400
    right = {"csrf": csrf, "operator": "admin-heping", "pin": "2222"}
    assert client.post("/a/signin", data=right).status_code == 429
    site.clock.at += timedelta(minutes=16)
    assert client.post("/a/signin", data=right).status_code == 303


def test_the_same_photo_twice_and_many_in_a_day_are_flagged(site: Site) -> None:
    first, second = site.households[0], site.households[1]
    picture = photo((10, 90, 200))
    declare(site, site.signed_in(first), first, photos=[("x.jpg", picture, "image/jpeg")])
    # The same picture, resized by another phone: a different file, the same fingerprint.
    with Image.open(io.BytesIO(picture)) as image:
        smaller = io.BytesIO()
        image.resize((320, 240)).save(smaller, "JPEG", quality=70)
    phone = site.signed_in(second)
    for _ in range(3):
        declare(site, phone, second, photos=[("y.jpg", smaller.getvalue(), "image/jpeg")])
    queue = site.admin().get("/a").text
    assert "在街道里别的" in queue
    assert "当天申报了 3 条" in queue


def test_a_household_objects_to_its_own_entry_and_sees_the_decision(site: Site) -> None:
    household, neighbour = site.households[0], site.households[1]
    client = site.signed_in(household)
    with read_session(site.central.engine) as session:
        mine = [e for e in entry_views(session, household.id, NOW.year) if e.kind == "award"][-1]
        theirs = [e for e in entry_views(session, neighbour.id, NOW.year) if e.kind == "award"][-1]
    history = client.get(f"/h/{household.code}/history").text
    assert f"/h/{household.code}/object/{mine.id}" in history
    before = site.state()
    assert client.get(f"/h/{household.code}/object/{theirs.id}").status_code == 404
    form = client.get(f"/h/{household.code}/object/{mine.id}")
    assert (
        client.post(
            f"/h/{household.code}/object/{theirs.id}",
            data={"csrf": csrf_of(form.text), "description": "不对"},
        ).status_code
        == 404
    )
    assert site.state() == before
    sent = client.post(
        f"/h/{household.code}/object/{mine.id}",
        data={"csrf": csrf_of(form.text), "description": "那天没有参加，分数记错了"},
    )
    assert sent.status_code == 303
    with read_session(site.central.engine) as session:
        (dispute,) = session.exec(select(Dispute)).all()
    assert dispute.household_id == household.id and dispute.recorded_by is None
    admin = site.admin()
    queue = admin.get("/a").text
    assert "那天没有参加" in queue
    done = admin.post(
        f"/a/disputes/{dispute.id}/uphold", data={"csrf": csrf_of(queue), "note": "核实无误"}
    )
    assert done.status_code == 303
    page = client.get(f"/h/{household.code}/requests").text
    assert "处理意见：核实无误" in page


def test_the_queue_shows_the_oldest_a_page_at_a_time(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.web import review_views

    monkeypatch.setattr(review_views, "QUEUE_PAGE", 2)
    phone = site.signed_in(site.households[0])
    for _ in range(3):
        declare(site, phone, site.households[0])
    queue = site.admin().get("/a").text
    assert queue.count("/approve") == 2
    assert "共 3 条待审核，这里是最早的 2 条" in queue


def test_an_administrators_session_ends_on_sign_out_and_after_its_day(site: Site) -> None:
    admin = site.admin()
    queue = admin.get("/a")
    assert queue.status_code == 200
    assert admin.post("/a/signout", data={"csrf": csrf_of(queue.text)}).status_code == 303
    assert admin.get("/a").status_code == 401
    later = site.admin()
    site.clock.at += timedelta(hours=12, seconds=1)
    assert later.get("/a").status_code == 401
    assert {a.action for a in actions(site, "admin.sign_out")} == {"admin.sign_out"}


def test_resubmitting_reads_only_the_households_own_declaration(site: Site) -> None:
    first, second = site.households[0], site.households[1]
    declare(site, site.signed_in(first), first, description="只有第一户写的话")
    (filed,) = declarations(site)
    page = site.signed_in(second).get(
        f"/h/{second.code}/declare/{RULE}", params={"again": filed.id}
    )
    assert page.status_code == 200 and "只有第一户写的话" not in page.text
    own = site.signed_in(first).get(f"/h/{first.code}/declare/{RULE}", params={"again": filed.id})
    assert "只有第一户写的话" in own.text


def test_a_households_photos_are_capped_per_day(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.core import help_requests

    monkeypatch.setattr(help_requests, "PHOTOS_PER_DAY", 2)
    household = site.households[0]
    phone = site.signed_in(household)
    two = [("a.jpg", photo((1, 2, 3)), "image/jpeg"), ("b.jpg", photo((9, 8, 7)), "image/jpeg")]
    assert declare(site, phone, household, photos=two).status_code == 303
    before = site.state()
    third = [("c.jpg", photo((50, 60, 70)), "image/jpeg")]
    refused = declare(site, phone, household, photos=third)
    assert refused.status_code == 400 and "一天最多上传 2 张照片" in refused.text
    assert site.state() == before
    site.clock.at += timedelta(hours=25)
    assert declare(site, phone, household, photos=third).status_code == 303


def test_nothing_is_filed_before_the_check_page_is_confirmed(site: Site) -> None:
    first, second = site.households[0], site.households[1]
    phone = site.signed_in(first)
    form = phone.get(f"/h/{first.code}/declare/{RULE}")
    checked = phone.post(
        f"/h/{first.code}/declare/{RULE}",
        data={"csrf": csrf_of(form.text), "description": "打扫村道"},
        files=[("photos", ("a.jpg", photo(), "image/jpeg"))],
    )
    assert checked.status_code == 200 and "请核对申报" in checked.text
    assert declarations(site) == []
    fields = hidden_fields(checked.text)
    (name,) = fields["photos"].split(",")
    assert phone.get(f"/h/{first.code}/photo/{name}").status_code == 200
    # Another household cannot attach that photo by its name, nor file on this page's token.
    other = site.signed_in(second)
    other_csrf = csrf_of(other.get(f"/h/{second.code}/phones").text)
    before = site.state()
    stolen = other.post(
        f"/h/{second.code}/declare/{RULE}/send", data={**fields, "csrf": other_csrf}
    )
    assert stolen.status_code == 400
    assert other.post(f"/h/{first.code}/declare/{RULE}/send", data=fields).status_code == 403
    assert site.state() == before
    sent = phone.post(f"/h/{first.code}/declare/{RULE}/send", data=fields)
    assert sent.status_code == 303
    (filed,) = declarations(site)
    assert filed.evidence == [name]


def test_declarations_for_neighbours_are_capped_per_day(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.core import help_requests

    monkeypatch.setattr(help_requests, "HELP_REQUESTS_PER_DAY", 1)
    helper, neighbour = site.households[0], site.households[1]
    phone = site.signed_in(helper)
    no_photo = [("", b"", "application/octet-stream")]
    assert (
        declare(site, phone, helper, neighbour=neighbour.code, photos=no_photo).status_code == 303
    )
    before = site.state()
    again = declare(site, phone, helper, neighbour=neighbour.code, photos=no_photo)
    assert again.status_code == 400 and "一天最多帮邻居申报 1 次" in again.text
    assert site.state() == before


def test_a_nul_character_in_a_path_a_query_or_a_form_is_refused_and_changes_nothing(
    site: Site,
) -> None:
    """No keyboard types NUL and PostgreSQL stores no text holding it: a hostile request
    carrying one gets a 400 with a plain reason, before anything is looked up or written."""
    household = site.households[0]
    client = site.signed_in(household)
    before = site.state()
    for path in (f"/h/{household.code}%00", f"/h/{household.code}?lang=zh%00", "/v1/pull%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "无法识别的字符" in response.text or response.json()["error"] == "sync.bad_request"
    # In a photo form's text, and in a plain form's text.
    refused = declare(site, client, household, description="打扫\x00村道")
    assert refused.status_code == 400
    assert "无法保存的字符" in refused.text
    csrf = csrf_of(client.get(f"/h/{household.code}/phones").text)
    plain = client.post("/signin", data={"csrf": csrf, "household": "\x00", "code": "123456"})
    assert plain.status_code == 400
    assert site.state() == before


def test_photos_never_sent_are_forgotten_after_a_week_and_the_rest_kept(site: Site) -> None:
    """A check page never confirmed and a neighbour's declined request leave photos nobody
    will review: a week on, `kiosk central prune-photos` forgets them, rows and files; a
    sent declaration's photo and a request still awaiting its answer keep theirs."""
    import json
    import os
    import subprocess
    import sys

    from kiosk.core.central_models import EvidencePhoto
    from sync.evidence import Pruned, prune_unsent

    first, second, third = site.households[0], site.households[1], site.households[2]
    first_phone, second_phone = site.signed_in(first), site.signed_in(second)
    # Sent: kept.
    assert declare(site, first_phone, first).status_code == 303
    (sent,) = declarations(site)
    # Checked, never sent.
    form = first_phone.get(f"/h/{first.code}/declare/{RULE}")
    checked = first_phone.post(
        f"/h/{first.code}/declare/{RULE}",
        data={"csrf": csrf_of(form.text), "description": "打扫村道"},
        files=[("photos", ("b.jpg", photo((200, 30, 30)), "image/jpeg"))],
    )
    (unsent,) = hidden_fields(checked.text)["photos"].split(",")
    # For neighbours: one declined, one still waiting.
    declined_photo = [("photos", ("c.jpg", photo((30, 30, 200)), "image/jpeg"))]
    waiting_photo = [("photos", ("d.jpg", photo((200, 200, 30)), "image/jpeg"))]
    declare(site, first_phone, first, neighbour=second.code, photos=[declined_photo[0][1]])
    declare(site, first_phone, first, neighbour=third.code, photos=[waiting_photo[0][1]])
    with read_session(site.central.engine) as session:
        requests = {r.household_id: r for r in session.exec(select(HelpRequest))}
    page = second_phone.get(f"/h/{second.code}/requests").text
    refused = second_phone.post(
        f"/h/{second.code}/help/{requests[second.id].id}/decline", data={"csrf": csrf_of(page)}
    )
    assert refused.status_code == 303
    (declined,) = requests[second.id].evidence
    (waiting,) = requests[third.id].evidence
    stored = {p.name for p in site.evidence.iterdir()}
    assert {*sent.evidence, unsent, declined, waiting} <= stored

    assert prune_unsent(site.central.engine, site.evidence, site.clock() + timedelta(days=6)) == (
        Pruned(photos=0, bytes=0)
    )
    assert {p.name for p in site.evidence.iterdir()} == stored
    # A week and a day on, as the central's backup timer runs it.
    later = site.clock() + timedelta(days=8)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "central", "prune-photos", "--json"],
        env={
            **os.environ,
            "KIOSK_DB": site.central.url,
            "KIOSK_EVIDENCE_DIR": str(site.evidence),
            "KIOSK_NOW": later.isoformat(),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["photos"] == 2
    left = {p.name for p in site.evidence.iterdir()}
    assert unsent not in left and declined not in left
    assert {*sent.evidence, waiting} <= left
    with read_session(site.central.engine) as session:
        rows = {p.name for p in session.exec(select(EvidencePhoto))}
    assert rows == {*sent.evidence, waiting}
    # The page left open: sending it now names the problem and files nothing.
    late = first_phone.post(
        f"/h/{first.code}/declare/{RULE}/send", data=hidden_fields(checked.text)
    )
    assert late.status_code == 400
    assert "请重新拍照再申报" in late.text
    assert len(declarations(site)) == 1
