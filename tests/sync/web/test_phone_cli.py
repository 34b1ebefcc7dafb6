"""`kiosk phone slip|list|revoke` against a live central: the slip is queued as ESC/POS with a QR
code that reads back as the link, the code signs in; offline, one line and nothing printed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sync.server import create_app
from tests.sync.harness import NOW, Central, Clock, Kiosk, LiveServer, new_kiosk
from tests.sync.web.conftest import csrf_of
from tests.sync.web.kiosk_phone import kiosk_phone, read_slip, slip_jobs


@pytest.fixture
def served(sqlite_central: Central, tmp_path: Path) -> Iterator[tuple[LiveServer, Kiosk]]:
    server = LiveServer(sqlite_central.engine, Clock())
    kiosk = new_kiosk(sqlite_central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    yield server, kiosk
    server.stop()


def test_a_slip_is_queued_with_its_link_and_code(
    served: tuple[LiveServer, Kiosk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, kiosk = served
    ran = kiosk_phone(kiosk, server.url, "slip", "HP0001", monkeypatch=monkeypatch, capsys=capsys)
    assert ran.code == 0, ran.err
    assert "HP0001" in ran.out
    (payload,) = slip_jobs(kiosk)
    slip = read_slip(payload)
    assert slip.url.startswith(server.url + "/s/")
    assert "手机登录条" in slip.text and "HP0001" in slip.text
    code = re.search(r"\b(\d{6})\b", slip.text)
    assert code is not None
    # The full name never goes on paper: the slip names the head masked.
    assert kiosk.household("HP0001").head_name not in slip.text

    # The typed code signs a phone in; `kiosk phone list` then shows it, and revoke removes it.
    # (httpx keeps Secure cookies for https only, so the pre-sign-in cookie goes by hand.)
    with httpx.Client(base_url=server.url, follow_redirects=False) as phone:
        page = phone.get("/signin")
        signed = phone.post(
            "/signin",
            data={"csrf": csrf_of(page.text), "household": "HP0001", "code": code.group(1)},
            headers={"cookie": f"jf_pre={page.cookies['jf_pre']}"},
        )
        assert signed.status_code == 303
    listed = kiosk_phone(
        kiosk, server.url, "list", "HP0001", monkeypatch=monkeypatch, capsys=capsys
    )
    assert listed.code == 0 and "手机 1" in listed.out
    phone_id = listed.out.split("编号 ")[1].split()[0]
    revoked = kiosk_phone(
        kiosk, server.url, "revoke", "HP0001", phone_id, monkeypatch=monkeypatch, capsys=capsys
    )
    assert revoked.code == 0, revoked.err
    after = kiosk_phone(kiosk, server.url, "list", "HP0001", monkeypatch=monkeypatch, capsys=capsys)
    assert "没有已登录的手机" in after.out


def test_offline_says_so_in_one_line_and_prints_nothing(
    served: tuple[LiveServer, Kiosk],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, kiosk = served
    server.stop()
    ran = kiosk_phone(kiosk, server.url, "slip", "HP0001", monkeypatch=monkeypatch, capsys=capsys)
    assert ran.code == 1
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("连不上中心")
    assert "未打印" in lines[0]
    assert slip_jobs(kiosk) == []
    assert ran.out == ""


def test_at_the_office_the_slip_is_made_in_the_centrals_own_database(
    sqlite_central: Central,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.cli import main

    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    monkeypatch.setenv("KIOSK_CONFIG", "/nonexistent/kiosk.toml")
    monkeypatch.setenv("KIOSK_PRINTER", "dummy")
    code = main(
        [
            "phone",
            "slip",
            "HP0002",
            "--db",
            sqlite_central.url,
            "--central",
            "https://jifen.example.org",
        ]
    )
    assert code == 0, capsys.readouterr().err
    office = Kiosk("central", "", sqlite_central.engine, Path("-"))
    (payload,) = slip_jobs(office)
    slip = read_slip(payload)
    assert slip.url.startswith("https://jifen.example.org/s/")
    # The link signs a phone in at the central.
    client = TestClient(
        create_app(sqlite_central.engine, clock=Clock()),
        base_url="https://testserver",
        follow_redirects=False,
    )
    token = slip.url.rsplit("/s/", 1)[1]
    page = client.get(f"/s/{token}")
    done = client.post(f"/s/{token}", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/h/HP0002"
