"""Alerts acknowledged by a named person, with what was done: no longer open, still on record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_set
from kiosk.core.notice import Quarter
from kiosk.core.overview import office_overview
from sync.alerts import acknowledge_alert
from tests.support.builders import household, operator
from tests.support.clock import at
from tests.support.worlds import Db

pytestmark = pytest.mark.world("fulfilment")

NOW = at(2026, 12, 20, 12)


@pytest.fixture
def alerts(engine: Engine) -> dict[str, str]:
    """An overdraft at 和平, a refused push of 惜字阁's kiosk; this database is the central."""
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)
        session.add(
            SyncKiosk(
                id="K-XZG-01",
                village_id="xizige",
                exchange_point_id="xizige-shop",
                secret_hash="-",
                bundle_key="-",
                created_at=as_utc(at(2026, 10, 1)),
            )
        )
        rows = {
            "overdraft": SyncAlert(
                id="alert-overdraft",
                kind="overdraft",
                subject="hp1:2026",
                household_id=household(session, "HP0001").id,
                points_year=2026,
                balance=-12,
                kiosk_id="K-HP-01",
                created_at=as_utc(at(2026, 12, 1)),
            ),
            "refused": SyncAlert(
                id="alert-refused",
                kind="refused",
                subject="K-XZG-01:item_price",
                kiosk_id="K-XZG-01",
                detail="item_price",
                created_at=as_utc(at(2026, 12, 2)),
            ),
        }
        session.add_all(rows.values())
    return {kind: row.id for kind, row in rows.items()}


def _open_alerts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as session:
        return office_overview(session, Quarter(2026, 4), NOW).alerts


def test_a_village_administrator_acknowledges_its_village_alert(
    engine: Engine, alerts: dict[str, str]
) -> None:
    assert _open_alerts(engine) == {"overdraft": 1, "refused": 1}
    with write_session(engine) as session:
        done = acknowledge_alert(
            session,
            alerts["overdraft"],
            operator(session, "admin-heping"),
            "  已核实，\n 户主补回 12 分  ",
            NOW,
        )
        assert (done.acknowledged_by, done.acknowledgement) == (
            "admin-heping",
            "已核实， 户主补回 12 分",
        )
    assert _open_alerts(engine) == {"refused": 1}
    with write_session(engine) as session, pytest.raises(Refused) as twice:
        acknowledge_alert(
            session, alerts["overdraft"], operator(session, "street-admin"), "再看一次", NOW
        )
    assert twice.value.key == "alert.acknowledged" and twice.value.params["by"] == "admin-heping"


@pytest.mark.parametrize(
    ("who", "alert", "note", "error", "key"),
    [
        ("admin-heping", "refused", "看过了", Refused, "operator.village"),  # 惜字阁's kiosk
        ("shop-heping", "overdraft", "看过了", Refused, "operator.role"),
        ("admin-heping", "overdraft", "   ", BadInput, "alert.note_missing"),
        ("admin-heping", "overdraft", "长" * 201, BadInput, "alert.note_long"),
        ("admin-heping", "nothing", "看过了", NotFound, "alert.unknown"),
    ],
)
def test_an_acknowledgement_that_is_refused_changes_nothing(
    engine: Engine,
    alerts: dict[str, str],
    who: str,
    alert: str,
    note: str,
    error: type[DomainError],
    key: str,
) -> None:
    with write_session(engine) as session, pytest.raises(error) as refused:
        acknowledge_alert(session, alerts.get(alert, alert), operator(session, who), note, NOW)
    assert refused.value.key == key
    assert _open_alerts(engine) == {"overdraft": 1, "refused": 1}


@pytest.mark.usefixtures("alerts")
def test_the_street_office_lists_and_acknowledges_from_the_command_line(
    db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.main import main

    monkeypatch.setenv("KIOSK_DB", db.url)
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["central", *argv])
        return code, capsys.readouterr().out

    code, out = run("alerts", "--json")
    assert code == 0 and [a["id"] for a in json.loads(out)] == ["alert-overdraft", "alert-refused"]
    code, out = run(
        "acknowledge", "alert-refused", "--operator", "street-admin", "--note", "兑换点价格已更新"
    )
    assert code == 0 and "警报 alert-refused 已记录为 street-admin 处理" in out
    code, out = run("alerts")
    assert code == 0 and "alert-overdraft" in out and "alert-refused" not in out
    code, out = run("alerts", "--all", "--json")
    refused = next(a for a in json.loads(out) if a["id"] == "alert-refused")
    assert (refused["acknowledged_by"], refused["acknowledgement"]) == (
        "street-admin",
        "兑换点价格已更新",
    )
    assert refused["acknowledged_at"] == "2026-12-20T12:00:00+08:00"
