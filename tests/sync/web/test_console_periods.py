"""The console's periods and notices: close status per village, a confirmed close of a month
the timer missed (audited; a second close pays nothing twice), refusals that change nothing,
and notice downloads byte-identical to `kiosk notice`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.central_models import ConsoleEvent
from kiosk.core.db import read_session, write_session
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_set
from kiosk.core.models import LedgerEntry
from tests.core.test_overview import NOW, make_quarter
from tests.support.worlds import Db
from tests.sync.web.conftest import Console, csrf_of, make_console

pytestmark = pytest.mark.world("fulfilment")


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    make_quarter(engine, tmp_path / "quarter")
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)  # closes are the central's
    return make_console(engine, NOW, tmp_path)


def states(html: str, village: str) -> dict[str, str]:
    row = re.search(rf'<tr data-village="{village}">(.*?)</tr>', html, re.S)
    assert row
    return dict(re.findall(r'data-period="([0-9-]+)"[^>]*>([^<]+)</td>', row.group(1)))


def ledger_state(console: Console) -> tuple[int, int]:
    with read_session(console.engine) as session:
        return (
            session.exec(select(func.count()).select_from(LedgerEntry)).one(),
            session.exec(select(func.count()).select_from(ConsoleEvent)).one(),
        )


def test_the_close_status_of_each_village(console: Console) -> None:
    html = console.signed_in().get("/o/periods").text
    # 和平 earned on 09-30, in October, November and December; 惜字阁 only in November.
    assert states(html, "heping") == {
        "2026-07": "无得分，无需结算",
        "2026-08": "无得分，无需结算",
        "2026-09": "漏结算",
        "2026-10": "漏结算",
        "2026-11": "漏结算",
        "2026-12": "未结束",
        "2026": "未结束",
        "2025": "无得分，无需结算",
    }
    assert states(html, "xizige")["2026-10"] == "无得分，无需结算"
    assert states(html, "xizige")["2026-11"] == "漏结算"
    assert 'href="/o/periods/close?period=2026-11"' in html
    # A village administrator sees its own village's and is sent to the street for a close.
    own = console.signed_in("admin-heping").get("/o/periods").text
    assert 'data-village="xizige"' not in own and "请联系街道管理员补做" in own
    assert "/o/periods/close" not in own


def test_a_missed_month_is_closed_after_confirmation_and_audited(console: Console) -> None:
    office = console.signed_in()
    check = office.get("/o/periods/close?period=2026-11")
    assert check.status_code == 200 and "确认结算 2026-11" in check.text
    before = ledger_state(console)
    done = office.post("/o/periods/close", data={"csrf": csrf_of(check.text), "period": "2026-11"})
    assert done.status_code == 303 and done.headers["location"] == "/o/periods?closed=2026-11"
    entries, events = ledger_state(console)
    # 和平: HP0001 and HP0002 earned in November; 惜字阁: XZG0001: three top-5 bonuses.
    assert (entries - before[0], events - before[1]) == (3, 1)
    html = office.get("/o/periods?closed=2026-11").text
    assert states(html, "heping")["2026-11"] == "已结算" and "2026-11 已结算" in html
    with read_session(console.engine) as session:
        event = session.exec(select(ConsoleEvent)).one()
    assert (event.operator_id, event.action, event.subject, event.village_id) == (
        "street-admin",
        "period.close_month",
        "period:2026-11",
        None,
    )
    assert event.before is not None
    before_states = dict(event.before["states"])  # type: ignore[call-overload]
    assert (before_states.pop("heping"), before_states.pop("xizige")) == ("missed", "missed")
    assert len(before_states) == 7 and set(before_states.values()) == {"nothing"}
    assert event.after is not None and event.after["bonuses_written"] == 3
    # Closing it again pays nothing twice (the event records that it wrote nothing).
    again = office.post("/o/periods/close", data={"csrf": csrf_of(check.text), "period": "2026-11"})
    assert again.status_code == 303
    assert ledger_state(console)[0] == entries


def test_refused_closes_change_nothing(console: Console) -> None:
    office = console.signed_in()
    csrf = csrf_of(office.get("/o/periods").text)
    before = ledger_state(console)
    not_over = office.post("/o/periods/close", data={"csrf": csrf, "period": "2026-12"})
    assert not_over.status_code == 409 and "2026-12 还没有结束，不能结算" in not_over.text
    year = office.post("/o/periods/close", data={"csrf": csrf, "period": "2026"})
    assert year.status_code == 409 and "2026 还没有结束，不能结算" in year.text
    for bad in ("2026-13", "November", ""):
        assert (
            office.post("/o/periods/close", data={"csrf": csrf, "period": bad}).status_code == 400
        )
    village = console.signed_in("admin-heping")
    own_csrf = csrf_of(village.get("/o/periods").text)
    assert village.get("/o/periods/close?period=2026-11").status_code == 403
    refused = village.post("/o/periods/close", data={"csrf": own_csrf, "period": "2026-11"})
    assert refused.status_code == 403
    assert ledger_state(console) == before


def test_notice_downloads_are_the_files_kiosk_notice_writes(
    console: Console,
    db: Db,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.main import main

    office = console.signed_in("admin-heping")
    page = office.get("/o/notices?quarter=2026Q4")
    assert page.status_code == 200
    assert 'href="/o/notices/heping/2026Q4.pdf"' in page.text
    assert "/o/notices/xizige/" not in page.text
    monkeypatch.setenv("KIOSK_DB", db.url)
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    for kind in ("pdf", "csv"):
        response = office.get(f"/o/notices/heping/2026Q4.{kind}")
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        out = tmp_path / f"cli.{kind}"
        code = main(["notice", "--village", "和平", "--quarter", "2026Q4", "--out", str(out)])
        capsys.readouterr()
        assert code == 0
        assert response.content == out.read_bytes(), kind
    assert "HP0001" in response.content.decode("utf-8-sig")
    # Another village's notice is refused to a village administrator; unknown ones are missing.
    assert office.get("/o/notices/xizige/2026Q4.pdf").status_code == 403
    assert office.get("/o/notices/nowhere/2026Q4.pdf").status_code == 404
    assert office.get("/o/notices/heping/2026Q4.docx").status_code == 404
    assert office.get("/o/notices/heping/2026Q9.pdf").status_code == 400


def test_the_notices_page_shows_the_quarters_honours(console: Console) -> None:
    html = console.signed_in().get("/o/notices?quarter=2026Q4&village=heping").text
    # November's top five of 和平: HP0001 and HP0002 with 2000 each (names masked).
    assert "2026-11" in html and "HP0001" in html and "林小禾" not in html
