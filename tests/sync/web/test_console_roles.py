"""Every console route for each signed-in role, on 和平's records: 和平's administrator, the
administrator of another village (惜字阁), and the street administrator. (Anonymous, household
phones, phone-only administrators and shopkeepers: tests/sync/web/test_console_access.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_set
from tests.core.test_overview import NOW, make_quarter
from tests.sync.web.conftest import Console, csrf_of, make_console

pytestmark = pytest.mark.world("fulfilment")

# (method, route path) -> (the request on 和平's records, status for 和平's administrator,
# for 惜字阁's, for the street's). A close settles every village: the street's only.
TABLE: dict[tuple[str, str], tuple[str, int, int, int]] = {
    ("GET", "/o"): ("/o?village=heping", 200, 403, 200),
    ("GET", "/o/alerts/{alert_id}"): ("/o/alerts/{alert}", 200, 403, 200),
    ("GET", "/o/periods"): ("/o/periods", 200, 200, 200),
    ("GET", "/o/periods/close"): ("/o/periods/close?period=2026-11", 403, 403, 200),
    ("GET", "/o/notices"): ("/o/notices?village=heping", 200, 403, 200),
    ("GET", "/o/notices/{village_id}/{quarter_key}.{kind}"): (
        "/o/notices/heping/2026Q4.csv",
        200,
        403,
        200,
    ),
    ("GET", "/o/exports"): ("/o/exports", 200, 200, 200),
    ("GET", "/o/exports/file"): ("/o/exports/file?period=2026Q4&village=heping", 200, 403, 200),
    ("GET", "/o/audit"): ("/o/audit?village=heping", 200, 403, 200),
    ("GET", "/o/audit.csv"): ("/o/audit.csv?village=heping", 200, 403, 200),
    ("POST", "/o/alerts/{alert_id}/acknowledge"): ("/o/alerts/{alert}/acknowledge", 303, 403, 303),
    ("POST", "/o/periods/close"): ("/o/periods/close", 403, 403, 303),
    ("POST", "/o/signout"): ("/o/signout", 303, 303, 303),
}
PUBLIC = {("GET", "/o/signin"), ("POST", "/o/signin"), ("GET", "/o/console.css")}
ROLES = {"admin-heping": 1, "admin-xizige": 2, "street-admin": 3}


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    make_quarter(engine, tmp_path / "quarter")
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)
    return make_console(engine, NOW, tmp_path)


def test_the_table_names_every_console_route(console: Console) -> None:
    routes = {
        (method, route.path)
        for route in console.app.routes
        if isinstance(route, APIRoute)
        and (route.path == "/o" or route.path.startswith("/o/"))
        and not route.path.startswith("/o/register")  # the register's pages test their own
        for method in route.methods or ()
    }
    assert routes - PUBLIC == set(TABLE)


@pytest.mark.parametrize("operator_id", sorted(ROLES))
def test_each_role_on_each_console_route(console: Console, operator_id: str) -> None:
    with read_session(console.engine) as session:
        alert = session.exec(select(SyncAlert).where(SyncAlert.kiosk_id == "K-HP-02")).one().id
    for (method, _path), (request, *statuses) in TABLE.items():
        expected = statuses[ROLES[operator_id] - 1]
        # A fresh sign-in each time: a signed-out or changed state never leaks between rows.
        client = console.signed_in(operator_id)
        csrf = csrf_of(client.get("/o").text)
        url = request.replace("{alert}", alert)
        if method == "GET":
            response = client.get(url)
        else:
            form = {"csrf": csrf, "note": "看过", "period": "2026-11"}
            response = client.post(url, data=form)
        assert response.status_code == expected, (operator_id, method, url, response.text[:300])
        if expected == 200 and url.startswith("/o?"):
            assert 'data-village="heping"' in response.text
            assert 'data-village="xizige"' not in response.text
