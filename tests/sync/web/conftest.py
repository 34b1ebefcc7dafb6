"""The household pages in process: a seeded central, a kiosk's credentials, an HTTPS test client
(the session cookie is Secure) and the steps every test takes: ask for a slip, sign a phone in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from kiosk.core.central_models import PhoneSession, PhoneSlip
from kiosk.core.db import read_session
from kiosk.core.models import Household, LedgerEntry
from sync.server import create_app
from tests.sync.harness import Central, Clock


@dataclass
class Site:
    central: Central
    app: FastAPI
    clock: Clock
    kiosk: tuple[str, str]  # id and secret of a kiosk of heping
    households: list[Household]  # heping's, by code
    other_village: Household  # one of another village

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    def slip(self, household: Household) -> dict[str, Any]:
        response = self.client().post(
            "/v1/phone-slips", json={"household_id": household.id}, auth=self.kiosk
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def signed_in(self, household: Household) -> TestClient:
        """A phone signed in for `household` through a new slip's link."""
        client = self.client()
        token = token_of(self.slip(household))
        page = client.get(f"/s/{token}")
        assert page.status_code == 200, page.text
        done = client.post(f"/s/{token}", data={"csrf": csrf_of(page.text)})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/h/{household.code}"
        return client

    def state(self) -> tuple[Any, ...]:
        """What a refused request must leave as it was."""
        with read_session(self.central.engine) as session:
            return (
                session.exec(
                    select(PhoneSession.id, PhoneSession.revoked_at).order_by(col(PhoneSession.id))
                ).all(),
                session.exec(
                    select(PhoneSlip.id, PhoneSlip.used_at).order_by(col(PhoneSlip.id))
                ).all(),
                session.exec(select(func.count()).select_from(LedgerEntry)).one(),
            )


def token_of(slip: dict[str, Any]) -> str:
    return str(slip["url"]).rsplit("/s/", 1)[1]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, html
    return found.group(1)


@pytest.fixture
def site(sqlite_central: Central) -> Iterator[Site]:
    clock = Clock()
    kiosk = ("K-HP-01", sqlite_central.add_kiosk("K-HP-01", "heping"))
    with read_session(sqlite_central.engine) as session:
        households = list(
            session.exec(
                select(Household)
                .where(Household.village_id == "heping")
                .order_by(col(Household.code))
            )
        )
        other = session.exec(select(Household).where(Household.village_id != "heping")).first()
    assert other is not None and len(households) >= 2
    yield Site(
        sqlite_central,
        create_app(sqlite_central.engine, clock=clock),
        clock,
        kiosk,
        households,
        other,
    )
