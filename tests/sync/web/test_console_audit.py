"""The console's audit list: changes made through the console, with who, when, what, before
and after, filtered and exported as CSV; a village administrator reads its own village's."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_set
from tests.core.test_overview import NOW, make_quarter
from tests.sync.web.conftest import Console, csrf_of, make_console

pytestmark = pytest.mark.world("fulfilment")


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    """Two changes a day apart: 和平's administrator acknowledges an alert on 12-20, the
    street administrator closes November on 12-21."""
    make_quarter(engine, tmp_path / "quarter")
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)
    made = make_console(engine, NOW, tmp_path)
    with read_session(engine) as session:
        alert = session.exec(select(SyncAlert).where(SyncAlert.kiosk_id == "K-HP-02")).one()
    village = made.signed_in("admin-heping")
    csrf = csrf_of(village.get("/o").text)
    done = village.post(f"/o/alerts/{alert.id}/acknowledge", data={"csrf": csrf, "note": "已校准"})
    assert done.status_code == 303
    made.clock.at = NOW + timedelta(days=1)
    street = made.signed_in()
    csrf = csrf_of(street.get("/o/periods").text)
    closed = street.post("/o/periods/close", data={"csrf": csrf, "period": "2026-11"})
    assert closed.status_code == 303
    return made


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-event="[^"]+">(.*?)</tr>', html, re.S)


def test_the_street_sees_every_change_with_before_and_after(console: Console) -> None:
    office = console.signed_in()
    html = office.get("/o/audit").text
    found = rows(html)
    assert len(found) == 2
    # Newest first: the close, then the acknowledgement.
    assert "月度结算" in found[0] and "period:2026-11" in found[0] and "全街道" in found[0]
    assert "确认处理提醒" in found[1] and "测试admin-heping（admin-heping）" in found[1]
    assert "2026-12-20 12:00" in found[1]
    assert "&#34;acknowledgement&#34;: &#34;已校准&#34;" in found[1]
    assert len(rows(office.get("/o/audit?action=period.close_month").text)) == 1
    assert len(rows(office.get("/o/audit?operator=admin-heping").text)) == 1
    assert len(rows(office.get("/o/audit?village=heping").text)) == 1
    # Days are Chongqing days, both ends included.
    assert len(rows(office.get("/o/audit?since=2026-12-21").text)) == 1
    assert len(rows(office.get("/o/audit?until=2026-12-20").text)) == 1
    assert len(rows(office.get("/o/audit?since=2026-12-20&until=2026-12-21").text)) == 2
    assert len(rows(office.get("/o/audit?since=2026-12-22").text)) == 0
    assert office.get("/o/audit?since=yesterday").status_code == 400


def test_the_csv_is_the_filtered_list(console: Console) -> None:
    office = console.signed_in()
    response = office.get("/o/audit.csv?operator=admin-heping")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["operator_id"], row["action"], row["village_id"]) == (
        "admin-heping",
        "alert.acknowledge",
        "heping",
    )
    assert row["at"] == "2026-12-20 12:00:00"
    assert json.loads(row["before"]) == {"acknowledged_by": None}
    assert json.loads(row["after"])["acknowledgement"] == "已校准"
    every = office.get("/o/audit.csv").content.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(every)))) == 2


def test_a_village_administrator_reads_its_own_villages_changes(console: Console) -> None:
    office = console.signed_in("admin-heping")
    found = rows(office.get("/o/audit").text)
    assert len(found) == 1 and "确认处理提醒" in found[0]
    every = office.get("/o/audit.csv").content.decode("utf-8-sig")
    assert [r["action"] for r in csv.DictReader(io.StringIO(every))] == ["alert.acknowledge"]
    assert office.get("/o/audit?village=xizige").status_code == 403
    assert office.get("/o/audit.csv?village=xizige").status_code == 403
