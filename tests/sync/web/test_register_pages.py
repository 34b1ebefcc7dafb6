"""The console's register pages in process: every page and form refused to each role that may
not use it (and every form without a valid CSRF token), a roster previewed row by row before
anything is written, operators with a one-time PIN shown once, prices and points that are out
of range, hostile strings, rule sets approved after reading what changes, card sheets; every
change recorded in the console's audit with before and after, and a refusal changing nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from kiosk.core.central_models import ConsoleEvent, RegisterChange, RuleSetProposal
from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session, write_session
from kiosk.core.ledger import meta_set
from kiosk.core.models import (
    CatalogItem,
    CatalogPrice,
    ExchangePoint,
    Household,
    Operator,
    RuleSetRecord,
)
from rules.loader import street_ruleset_text
from tests.sync.web.conftest import Site, csrf_of, make_site

STREET, STREET_PIN = "street-admin", "9999"
HEPING, XIZIGE, ADMIN_PIN = "admin-heping", "admin-xizige", "2222"
SHOP, SHOP_PIN = "shop-heping", "1111"
HEADER = ["村", "组", "户主", "成员", "户籍", "长期外出", "参与"]

# Every page of the register (GET), and every form (POST) with what it needs.
PAGES = (
    "/o/register",
    "/o/register/roster",
    "/o/register/households?q=HP",
    "/o/register/households/HP0001",
    "/o/register/operators",
    "/o/register/operators/shop-heping/disable",
    "/o/register/points",
    "/o/register/catalog",
    "/o/register/catalog/1",
    "/o/register/rules",
    "/o/register/rules/heping-20270101-1",
    "/o/register/cards",
    "/o/register/cards.pdf?village=heping",
)
FORMS = (
    "/o/register/roster/confirm",
    "/o/register/households/HP0001/edit",
    "/o/register/households/HP0001/participation",
    "/o/register/households/HP0001/leave",
    "/o/register/households/HP0001/reissue",
    "/o/register/operators",
    "/o/register/operators/shop-heping/pin",
    "/o/register/operators/shop-heping/disable",
    "/o/register/points",
    "/o/register/catalog",
    "/o/register/catalog/1/price",
    "/o/register/catalog/1/retire",
    "/o/register/rules/heping-20270101-1/approve",
)
UPLOADS = ("/o/register/roster", "/o/register/rules")


@pytest.fixture
def site(sqlite_central: Any, tmp_path: Path) -> Site:
    made = make_site(sqlite_central, tmp_path)
    # The office's card key beside the database, as `kiosk central init` leaves it.
    database = Path(str(sqlite_central.engine.url.database))
    signer = CardSigner.generate()
    signer.save(Path(f"{database}.card-key"))
    with write_session(sqlite_central.engine) as session:
        meta_set(session, "card_public_key", signer.public_key_hex())
    return made


def form_csrf(client: TestClient, page: str = "/o/register/operators") -> str:
    response = client.get(page)
    assert response.status_code == 200, response.text
    return csrf_of(response.text)


def state(site: Site) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    engine = site.central.engine

    def rows(model: Any) -> list[Any]:
        table = model.__table__
        return [tuple(r) for r in session.execute(select(table)).all()]

    with read_session(engine) as session:
        return (
            sorted(rows(Household), key=str),
            sorted(rows(Operator), key=str),
            sorted(rows(CatalogItem), key=str),
            sorted(rows(CatalogPrice), key=str),
            sorted(rows(ExchangePoint), key=str),
            sorted(rows(RuleSetProposal), key=str),
            sorted(rows(RuleSetRecord), key=str),
            session.exec(select(func.count()).select_from(RegisterChange)).one(),
            session.exec(select(func.count()).select_from(ConsoleEvent)).one(),
        )


def events(site: Site) -> list[ConsoleEvent]:
    with read_session(site.central.engine) as session:
        return list(session.exec(select(ConsoleEvent).order_by(col(ConsoleEvent.at))))


def roster_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def upload(client: TestClient, csrf: str, name: str, data: bytes) -> Any:
    return client.post(
        "/o/register/roster",
        data={"csrf": csrf},
        files={"roster": (name, data, "application/octet-stream")},
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html
    return found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- authorization -------------------------------------------------------------------------


def _outsiders(site: Site) -> dict[str, TestClient]:
    shopkeeper = site.client()
    page = shopkeeper.get("/o/signin")
    refused = shopkeeper.post(
        "/o/signin", data={"csrf": csrf_of(page.text), "operator": SHOP, "pin": SHOP_PIN}
    )
    assert refused.status_code in (400, 403)  # a shopkeeper has no console
    return {
        "anonymous": site.client(),
        "household phone": site.signed_in(site.households[0]),
        "administrator's phone": site.admin(HEPING, ADMIN_PIN),
        "shopkeeper": shopkeeper,
    }


def test_every_register_page_and_form_needs_a_console_sign_in(site: Site) -> None:
    before = state(site)
    for who, client in _outsiders(site).items():
        for page in PAGES:
            response = client.get(page)
            assert response.status_code == 401, (who, page)
            assert "/o/signin" in response.text
        for path in (*FORMS, *UPLOADS):
            assert client.post(path, data={"csrf": "0" * 64}).status_code == 401, (who, path)
    assert state(site) == before


@pytest.mark.parametrize("token", ["missing", "forged"])
def test_every_register_form_needs_its_csrf_token(site: Site, token: str) -> None:
    client = site.office(STREET, STREET_PIN)
    real = form_csrf(client)
    # Every character changed, so the forged token can never equal the real one.
    forged = "".join("0" if c != "0" else "1" for c in real)
    data = {} if token == "missing" else {"csrf": forged}
    before = state(site)
    for path in FORMS:
        assert client.post(path, data=data).status_code == 403, path
    for path in UPLOADS:
        files = {"roster": ("r.csv", roster_csv([]), "text/csv")}
        assert client.post(path, data=data, files=files).status_code == 403, path
    assert state(site) == before


def test_another_villages_administrator_sees_and_changes_nothing_of_heping(site: Site) -> None:
    client = site.office(XIZIGE, ADMIN_PIN)
    csrf = form_csrf(client)
    before = state(site)

    assert client.get("/o/register/households/HP0001").status_code == 403
    assert client.get("/o/register/households?q=HP0001").text.count("HP0001") == 1  # the box
    for path in ("edit", "participation", "leave", "reissue"):
        data = {"csrf": csrf, "head": "王五", "change": "opt_out", "reason": "迁出"}
        response = client.post(f"/o/register/households/HP0001/{path}", data=data)
        assert response.status_code == 403, path
    for path in ("pin", "disable"):
        response = client.post(f"/o/register/operators/shop-heping/{path}", data={"csrf": csrf})
        assert response.status_code == 403, path
    assert client.get("/o/register/operators/shop-heping/disable").status_code == 403
    assert "<td>shop-heping</td>" not in client.get("/o/register/operators").text
    assert client.get("/o/register/cards.pdf?village=heping").status_code == 403
    shop = {"csrf": csrf, "id": "shop-heping-9", "name": "王芳", "role": "shopkeeper"}
    refused = client.post("/o/register/operators", data={**shop, "village": "heping"})
    assert refused.status_code == 409 and "只能管理本村" in refused.text
    assert state(site) == before


def test_a_village_administrator_changes_its_households_and_no_street_matter(site: Site) -> None:
    client = site.office(HEPING, ADMIN_PIN)
    csrf = form_csrf(client)

    done = client.post(
        "/o/register/households/HP0001/participation", data={"csrf": csrf, "change": "absent"}
    )
    assert done.status_code == 303
    (event,) = events(site)
    assert event.operator_id == HEPING and event.village_id == "heping"
    assert event.action == "register.household_participation"
    assert event.before == {"long_term_absent": False}
    assert event.after == {"long_term_absent": True}

    before = state(site)
    refused = client.post(
        "/o/register/points", data={"csrf": csrf, "village": "heping", "name": "和平二店"}
    )
    assert refused.status_code == 409 and "没有做任何修改" in refused.text
    price = client.post(
        "/o/register/catalog/1/price", data={"csrf": csrf, "points": "5", "from": "2026-07-01"}
    )
    assert price.status_code == 409
    assert state(site) == before


# --- the roster --------------------------------------------------------------------------------


def test_a_roster_with_a_bad_row_is_shown_row_and_column_and_nothing_is_written(
    site: Site,
) -> None:
    client = site.office(STREET, STREET_PIN)
    csrf = form_csrf(client, "/o/register/roster")
    before = state(site)
    rows = [
        ["和平", "27组", "赵春梅", "李明", "本村", "否", ""],
        ["和平", "27组", "钱志强", "", "外地", "否", ""],  # 户籍 wrong
    ]

    preview = upload(client, csrf, "名单.csv", roster_csv(rows))

    assert preview.status_code == 400
    shown = text_of(preview.text)
    assert re.search(r"3 户籍 应为", shown) or "户籍" in shown, shown
    assert "没有写入任何农户" in shown and "确认导入" not in shown
    assert state(site) == before

    rows[1][4] = "本村"
    fixed = upload(client, csrf, "名单.csv", roster_csv(rows))
    assert fixed.status_code == 200 and "将新增 2 户" in text_of(fixed.text)
    assert state(site) == before  # the preview writes nothing

    confirm = {
        "csrf": csrf,
        "upload": hidden(fixed.text, "upload"),
        "suffix": ".csv",
        "name": "名单.csv",
        "expected": hidden(fixed.text, "expected"),
    }
    done = client.post("/o/register/roster/confirm", data=confirm)
    assert done.status_code == 200 and "新增 2 户" in text_of(done.text)
    with read_session(site.central.engine) as session:
        heads = set(session.exec(select(Household.head_name).where(Household.group_name == "27组")))
    assert heads == {"赵春梅", "钱志强"}
    (event,) = events(site)
    assert event.action == "register.roster" and event.after is not None
    assert event.after["file"] == "名单.csv" and len(event.after["subjects"]) == 2  # type: ignore[arg-type]

    # Confirming the same upload again: it was used up.
    again = client.post("/o/register/roster/confirm", data=confirm)
    assert again.status_code == 400 and "重新上传" in again.text


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("名单.csv", b"\x00\x9f\x92garbage\xff" * 20, "编码"),
        ("名单.csv", "村,组,户主,成员,户籍,电话\n和平,1组,王五,,本村,1\n".encode(), "电话"),
        ("名单.txt", b"whatever", ".xlsx"),
        ("名单.xlsx", b"PK\x03\x04 broken", "Excel"),
        (
            "名单.csv",
            roster_csv([["和平", "1组", "<script>x</script>", "", "本村", "", ""]]),
            "户主",
        ),
    ],
    ids=["garbled", "wrong column", "wrong type", "broken xlsx", "hostile name"],
)
def test_a_bad_roster_names_the_problem_and_changes_nothing(
    site: Site, name: str, data: bytes, words: str
) -> None:
    client = site.office(STREET, STREET_PIN)
    csrf = form_csrf(client, "/o/register/roster")
    before = state(site)

    response = upload(client, csrf, name, data)

    assert response.status_code == 400
    assert words in response.text and "<script>x" not in response.text
    assert state(site) == before


def test_a_confirmation_with_a_tampered_or_stale_preview_writes_nothing(site: Site) -> None:
    client = site.office(STREET, STREET_PIN)
    csrf = form_csrf(client, "/o/register/roster")
    preview = upload(
        client, csrf, "名单.csv", roster_csv([["和平", "8组", "孙丽娟", "", "本村", "", ""]])
    )
    digest, expected = hidden(preview.text, "upload"), hidden(preview.text, "expected")
    before = state(site)

    other = site.office(HEPING, ADMIN_PIN)  # another administrator cannot confirm it
    stolen = other.post(
        "/o/register/roster/confirm",
        data={"csrf": form_csrf(other), "upload": digest, "suffix": ".csv", "expected": expected},
    )
    assert stolen.status_code == 400
    for bad in ({"upload": "../../etc/passwd"}, {"suffix": ".sh"}, {"expected": "0" * 32}):
        data = {"csrf": csrf, "upload": digest, "suffix": ".csv", "expected": expected, **bad}
        response = client.post("/o/register/roster/confirm", data=data)
        assert response.status_code in (200, 400), bad
        assert "名单已导入" not in response.text
    assert state(site) == before


# --- households --------------------------------------------------------------------------------


def test_household_search_edit_and_leave_are_audited(site: Site) -> None:
    client = site.office(STREET, STREET_PIN)
    found = client.get("/o/register/households?q=HP0001")
    assert 'href="/o/register/households/HP0001"' in found.text
    csrf = form_csrf(client, "/o/register/households/HP0001")
    head = site.households[0].head_name

    edit = client.post("/o/register/households/HP0001/edit", data={"csrf": csrf, "group": "9组"})
    assert edit.status_code == 303
    hostile = client.post(
        "/o/register/households/HP0001/edit", data={"csrf": csrf, "head": "<b>王</b>1"}
    )
    assert hostile.status_code == 400 and "<b>王" not in hostile.text
    alone = client.post("/o/register/households/HP0001/edit", data={"csrf": csrf, "members": ""})
    assert alone.status_code == 303  # an emptied members field leaves the head alone
    with read_session(site.central.engine) as session:
        members = session.exec(select(Household.members).where(Household.code == "HP0001")).one()
    assert members == [head]
    empty = client.post("/o/register/households/HP0001/leave", data={"csrf": csrf, "reason": ""})
    assert empty.status_code == 400 and "注销原因" in empty.text
    left = client.post(
        "/o/register/households/HP0001/leave", data={"csrf": csrf, "reason": "迁出本街道"}
    )
    assert left.status_code == 303

    edit_event, _members_event, leave_event = events(site)
    assert edit_event.before == {"group_name": site.households[0].group_name}
    assert edit_event.after == {"group_name": "9组"}
    assert leave_event.action == "register.household_leave"
    page = client.get("/o/register/households/HP0001")
    assert head in page.text and "迁出本街道" in page.text


# --- operators ---------------------------------------------------------------------------------


def test_a_shopkeeper_is_added_with_a_pin_shown_once_and_never_stored(site: Site) -> None:
    client = site.office(HEPING, ADMIN_PIN)
    csrf = form_csrf(client)
    data = {
        "csrf": csrf,
        "id": "shop-heping-2",
        "name": "周翠花",
        "role": "shopkeeper",
        "village": "heping",
        "point": "",
    }

    added = client.post("/o/register/operators", data=data)

    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    pin = re.search(r'id="one-time-pin">(\d{6})<', added.text)
    assert pin is not None
    listed = client.get("/o/register/operators")
    assert "shop-heping-2" in listed.text and pin.group(1) not in listed.text
    (event,) = events(site)
    assert event.action == "register.operator_add" and event.village_id == "heping"
    assert event.after is not None and "pin" not in event.after
    assert pin.group(1) not in str(event.after) and pin.group(1) not in str(event.before)
    with read_session(site.central.engine) as session:
        stored = session.get(Operator, "shop-heping-2")
    assert stored is not None and pin.group(1) not in stored.pin_hash

    again = client.post("/o/register/operators", data=data)
    assert again.status_code == 409 and "已存在" in again.text
    reset = client.post("/o/register/operators/shop-heping-2/pin", data={"csrf": csrf})
    new_pin = re.search(r'id="one-time-pin">(\d{6})<', reset.text)
    assert new_pin is not None and new_pin.group(1) not in str(events(site)[-1].after)
    assert set(events(site)[-1].after or {}) == {"pin_issued_at"}
    asked = client.get("/o/register/operators/shop-heping-2/disable")
    assert asked.status_code == 200 and "停用操作员 shop-heping-2？" in asked.text
    assert events(site)[-1].action == "register.operator_pin"  # asking changes nothing
    off = client.post("/o/register/operators/shop-heping-2/disable", data={"csrf": csrf})
    assert off.status_code == 303
    assert events(site)[-1].after == {"active": False}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "x"),
        ("id", "<script>"),
        ("name", "张3"),
        ("role", "emperor"),
        ("village", "nowhere"),
        ("point", "../../etc"),
    ],
)
def test_a_bad_operator_is_named_and_nothing_is_added(site: Site, field: str, value: str) -> None:
    client = site.office(STREET, STREET_PIN)
    data = {
        "csrf": form_csrf(client),
        "id": "shop-heping-3",
        "name": "吴桂芳",
        "role": "shopkeeper",
        "village": "heping",
        "point": "",
        field: value,
    }
    before = state(site)

    response = client.post("/o/register/operators", data=data)

    assert response.status_code in (400, 404, 409)
    assert "没有做任何修改" in response.text and "<script>" not in response.text
    assert state(site) == before


# --- catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "day", "words"),
    [
        ("-1", "2026-07-01", "-1"),
        ("1000000000", "2026-07-01", "1000000000"),
        ("abc", "2026-07-01", "整数"),
        ("5", "2026-06-15", "2026-06-15"),  # today: a price starts tomorrow at the earliest
        ("5", "2026-13-45", "年-月-日"),
    ],
)
def test_a_bad_price_is_named_and_changes_nothing(
    site: Site, points: str, day: str, words: str
) -> None:
    client = site.office(STREET, STREET_PIN)
    csrf = form_csrf(client, "/o/register/catalog")
    before = state(site)

    response = client.post(
        "/o/register/catalog/1/price", data={"csrf": csrf, "points": points, "from": day}
    )

    assert response.status_code in (400, 409) and words in response.text
    assert state(site) == before


def test_a_price_from_a_later_day_and_a_new_item_are_audited(site: Site) -> None:
    client = site.office(STREET, STREET_PIN)
    csrf = form_csrf(client, "/o/register/catalog")

    priced = client.post(
        "/o/register/catalog/1/price", data={"csrf": csrf, "points": "7", "from": "2026-07-01"}
    )
    added = client.post(
        "/o/register/catalog",
        data={"csrf": csrf, "name": "<i>电饭煲</i>", "points": "300", "due_class": "appliance"},
    )
    bad = client.post(
        "/o/register/catalog",
        data={"csrf": csrf, "name": "毛巾", "points": "-1", "due_class": "daily"},
    )

    assert priced.status_code == 303 and added.status_code == 303 and bad.status_code == 400
    assert client.get("/o/register/catalog/999").status_code == 404
    page = client.get("/o/register/catalog").text
    assert "2026-07-01 起 7 分" in page and "&lt;i&gt;电饭煲" in page and "<i>电饭煲" not in page
    price_event, item_event = events(site)
    assert price_event.after == {"points": 7, "from": "2026-07-01"}
    assert item_event.action == "register.catalog_add"


# --- rule sets ---------------------------------------------------------------------------------


def _ruleset(p09: int) -> bytes:
    text = street_ruleset_text()
    text = re.sub(r'^id = ".*"$', 'id = "heping-adjusted"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^version = ".*"$', 'version = "2027-q1"', text, count=1, flags=re.MULTILINE)
    head, _, rest = text.partition('id = "P09"')
    rest = re.sub(r"^points = 10$", f"points = {p09}", rest, count=1, flags=re.MULTILINE)
    return (head + 'id = "P09"' + rest).encode()


def propose(client: TestClient, csrf: str, body: bytes, village: str, day: str) -> Any:
    return client.post(
        "/o/register/rules",
        data={"csrf": csrf, "village": village, "from": day},
        files={"ruleset": ("heping.toml", body, "application/toml")},
    )


def test_a_village_rule_set_is_approved_by_the_street_after_reading_its_changes(
    site: Site,
) -> None:
    village = site.office(HEPING, ADMIN_PIN)
    vcsrf = form_csrf(village, "/o/register/rules")
    bad = propose(village, vcsrf, _ruleset(-5), "heping", "2027-01-01")
    assert bad.status_code == 400 and "P09" in bad.text
    proposed = propose(village, vcsrf, _ruleset(12), "heping", "2027-01-01")
    assert proposed.status_code == 303
    location = proposed.headers["location"]
    page = village.get(location)
    assert "由街道管理员批准" in page.text and "/approve" not in page.text
    refused = village.post(f"{location}/approve", data={"csrf": vcsrf})
    assert refused.status_code == 409

    street = site.office(STREET, STREET_PIN)
    shown = text_of(street.get(location).text)
    assert "和平：2027-01-01 起" in shown
    assert re.search(r"P09 .* 修改 10 12", shown), shown
    approved = street.post(f"{location}/approve", data={"csrf": form_csrf(street, location)})
    assert approved.status_code == 303
    assert "已由 street-admin 批准" in street.get(location).text
    actions = [e.action for e in events(site)]
    assert actions == ["register.rules_propose", "register.rules_approve"]
    twice = street.post(f"{location}/approve", data={"csrf": form_csrf(street, location)})
    assert twice.status_code == 409


def test_another_village_cannot_read_or_approve_a_proposal(site: Site) -> None:
    village = site.office(HEPING, ADMIN_PIN)
    proposed = propose(
        village, form_csrf(village, "/o/register/rules"), _ruleset(12), "heping", "2027-01-01"
    )
    location = proposed.headers["location"]
    other = site.office(XIZIGE, ADMIN_PIN)

    assert other.get(location).status_code == 403
    assert other.post(f"{location}/approve", data={"csrf": form_csrf(other)}).status_code == 403
    assert other.get("/o/register/rules/none-such").status_code == 404


# --- card sheets -------------------------------------------------------------------------------


def test_a_card_sheet_downloads_as_pdf_and_a_reissue_is_audited(site: Site) -> None:
    client = site.office(HEPING, ADMIN_PIN)
    csrf = form_csrf(client, "/o/register/households/HP0002")

    sheet = client.get("/o/register/cards.pdf?village=heping")
    reissued = client.post("/o/register/households/HP0002/reissue", data={"csrf": csrf})
    since = client.get("/o/register/cards.pdf?village=heping&since=2026-06-15")
    none = client.get("/o/register/cards.pdf?village=heping&since=2027-01-01")

    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert sheet.headers["content-type"] == "application/pdf"
    assert reissued.status_code == 303 and since.content.startswith(b"%PDF")
    assert none.status_code == 400 and "没有" in none.text
    (event,) = events(site)
    assert event.action == "register.card_reissue"
    assert event.before == {"card_version": 1} and event.after == {"card_version": 2}


def test_card_sheets_sign_with_the_key_the_settings_name(site: Site, tmp_path: Path) -> None:
    """A PostgreSQL central has no database file for the key to sit beside: `kiosk central
    serve` hands the settings' key file (KIOSK_CARD_KEY) to the console through its desk."""
    from kiosk.services.office import Desk
    from sync.server import create_app

    database = Path(str(site.central.engine.url.database))
    elsewhere = tmp_path / "keys" / "card-signing.key"
    elsewhere.parent.mkdir()
    Path(f"{database}.card-key").rename(elsewhere)
    without = dataclasses.replace(
        site, app=create_app(site.central.engine, clock=site.clock, desk=Desk())
    )
    refused = without.office(HEPING, ADMIN_PIN).get("/o/register/cards.pdf?village=heping")
    assert refused.status_code != 200 and not refused.content.startswith(b"%PDF")
    told = dataclasses.replace(
        site,
        app=create_app(site.central.engine, clock=site.clock, desk=Desk(card_key=elsewhere)),
    )
    sheet = told.office(HEPING, ADMIN_PIN).get("/o/register/cards.pdf?village=heping")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
