"""The console's overview against the quarter worked out by hand in tests/core/test_overview.py,
and alerts acknowledged by the signed-in administrator with a note, recorded in the audit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.central_models import ConsoleEvent, SyncAlert
from kiosk.core.db import read_session
from tests.core.test_overview import NOW, make_quarter
from tests.sync.web.conftest import Console, csrf_of, figures, make_console

pytestmark = pytest.mark.world("fulfilment")


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    make_quarter(engine, tmp_path / "quarter")
    return make_console(engine, NOW, tmp_path)


def test_the_overview_shows_the_hand_counted_quarter(console: Console) -> None:
    page = console.signed_in().get("/o?quarter=2026Q4")
    assert page.status_code == 200
    html = page.text
    # Taking part: HP0001-3 (HP0004 away); awarded in the quarter: HP0001, HP0002: 2/3 = 67%.
    # Awarded: 7 + 10 + 4 - 4 in October, 2000 x 2 in November; deducted 5; redeemed 3
    # (November) + 15 + 3 + 180 (December). Two declarations, the oldest filed 12-08 09:00
    # (12 whole days before 12-20 12:00); one dispute raised 12-01 (19 days).
    assert figures(html, "village", "heping") == {
        "taking_part": "3",
        "earning": "2",
        "participation": "67%",
        "awarded": str(7 + 10 + 4 - 4 + 2000 * 2),
        "deducted": "5",
        "redeemed": str(3 + 15 + 3 + 180),
        "declarations": "2 最久 12 天",
        "disputes": "1 最久 19 天",
    }
    assert figures(html, "village", "xizige")["participation"] == "100%"
    assert figures(html, "village", "sanhe")["participation"] == "-"
    # 和平's shop: of the lines due in Q4, 牙膏 12-02 on time, 香皂 12-03 late, 牙膏 12-12
    # still pending past due (late and overdue): 1 of 3 = 33%.
    assert figures(html, "point", "heping-shop") == {
        "overdue": "1",
        "on_time": "1",
        "late": "2",
        "on_time_rate": "33%",
    }
    assert figures(html, "point", "xizige-shop")["on_time_rate"] == "100%"
    # Summed over the street per month, in the table beside the chart.
    december = re.search(r'<tr data-month="2026-12">(.*?)</tr>', html, re.S)
    assert december and re.findall(r">(\d+)</td>", december.group(1)) == ["0", "5", "201"]
    november = re.search(r'<tr data-month="2026-11">(.*?)</tr>', html, re.S)
    assert november and re.findall(r">(\d+)</td>", november.group(1)) == ["6000", "0", "3"]
    # The chart is drawn here, as SVG, with its numbers in words.
    assert "<svg" in html and "2026-12：奖励 0 分，扣分 5 分，兑换 201 分" in html
    assert "香皂（库存 2，待交 0）" in html and "电饭煲（库存 0，待交 1）" in html
    assert re.search(r'data-kiosk="K-HP-02">.*?class="warning"', html, re.S)
    assert "从未同步" in html  # K-XZG-01
    assert len(re.findall(r"<tr data-alert=", html)) == 4


def test_a_village_administrator_sees_its_own_village_only(console: Console) -> None:
    html = console.signed_in("admin-heping").get("/o?quarter=2026Q4").text
    assert figures(html, "village", "heping")["participation"] == "67%"
    assert 'data-village="xizige"' not in html and "K-XZG-01" not in html
    assert 'name="village"' not in html  # no village filter to choose from
    # Its own alerts: the overdraft, the conflict and K-HP-02's clock; not 惜字阁's kiosk.
    assert len(re.findall(r"<tr data-alert=", html)) == 3


def alert_id(console: Console, kiosk_id: str) -> str:
    with read_session(console.engine) as session:
        found = session.exec(select(SyncAlert).where(SyncAlert.kiosk_id == kiosk_id)).first()
        assert found is not None
        return found.id


def events(console: Console) -> list[ConsoleEvent]:
    with read_session(console.engine) as session:
        return list(session.exec(select(ConsoleEvent)))


def test_an_alert_is_acknowledged_by_name_with_a_note_and_audited(console: Console) -> None:
    office = console.signed_in("admin-heping")
    target = alert_id(console, "K-HP-02")
    page = office.get(f"/o/alerts/{target}")
    assert page.status_code == 200 and "以 测试admin-heping 的名义确认" in page.text
    csrf = csrf_of(page.text)
    # No note: refused with the reason beside the field, nothing recorded.
    empty = office.post(f"/o/alerts/{target}/acknowledge", data={"csrf": csrf, "note": "  "})
    assert empty.status_code == 400
    assert 'class="error-summary"' in empty.text and 'id="note-error"' in empty.text
    assert events(console) == []
    done = office.post(
        f"/o/alerts/{target}/acknowledge", data={"csrf": csrf, "note": "已校准终端时钟"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/o?acknowledged={target}"
    with read_session(console.engine) as session:
        alert = session.get(SyncAlert, target)
        assert alert is not None
        assert (alert.acknowledged_by, alert.acknowledgement) == ("admin-heping", "已校准终端时钟")
    (event,) = events(console)
    assert (event.operator_id, event.action, event.subject, event.village_id) == (
        "admin-heping",
        "alert.acknowledge",
        f"alert:{target}",
        "heping",
    )
    assert event.before == {"acknowledged_by": None}
    assert event.after == {"acknowledged_by": "admin-heping", "acknowledgement": "已校准终端时钟"}
    after = office.get(f"/o?quarter=2026Q4&acknowledged={target}").text
    assert len(re.findall(r"<tr data-alert=", after)) == 2 and "已确认处理该提醒" in after
    # A second acknowledgement is refused, naming who did it first; nothing more recorded.
    again = office.post(f"/o/alerts/{target}/acknowledge", data={"csrf": csrf, "note": "再看"})
    assert again.status_code == 400 and "admin-heping" in again.text
    assert len(events(console)) == 1


def test_another_villages_alert_is_refused_and_unchanged(console: Console) -> None:
    office = console.signed_in("admin-heping")
    theirs = alert_id(console, "K-XZG-01")
    csrf = csrf_of(office.get("/o").text)
    assert office.get(f"/o/alerts/{theirs}").status_code == 403
    refused = office.post(f"/o/alerts/{theirs}/acknowledge", data={"csrf": csrf, "note": "看过"})
    assert refused.status_code == 403
    assert office.get("/o/alerts/nothing").status_code == 404
    with read_session(console.engine) as session:
        alert = session.get(SyncAlert, theirs)
        assert alert is not None and alert.acknowledged_by is None
    assert events(console) == []
