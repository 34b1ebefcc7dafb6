"""The household pages in process: a seeded central, a kiosk's credentials, an HTTPS test client
(the session cookie is Secure) and the steps every test takes: ask for a slip, sign a phone in."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import col, select

from kiosk.core.central_models import EvidencePhoto, HelpRequest, PhoneSession, PhoneSlip
from kiosk.core.db import read_session
from kiosk.core.models import Declaration, DeclarationDecision, Dispute, Household, LedgerEntry
from kiosk.services.office import Desk
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
    evidence: Path  # where the central keeps photos sent from phones

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

    def admin(self, operator_id: str = "admin-heping", pin: str = "2222") -> TestClient:
        """A phone signed in as a village administrator with its PIN."""
        client = self.client()
        page = client.get("/a/signin")
        done = client.post(
            "/a/signin", data={"csrf": csrf_of(page.text), "operator": operator_id, "pin": pin}
        )
        assert done.status_code == 303, done.text
        return client

    def office(self, operator_id: str = "street-admin", pin: str = "9999") -> TestClient:
        """A browser signed in on the office console."""
        client = self.client()
        page = client.get("/o/signin")
        done = client.post(
            "/o/signin", data={"csrf": csrf_of(page.text), "operator": operator_id, "pin": pin}
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/o"
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
                session.exec(select(func.count()).select_from(Declaration)).one(),
                session.exec(select(func.count()).select_from(Dispute)).one(),
                session.exec(select(func.count()).select_from(DeclarationDecision)).one(),
                session.exec(select(func.count()).select_from(HelpRequest)).one(),
                session.exec(select(func.count()).select_from(EvidencePhoto)).one(),
                sorted(p.name for p in self.evidence.glob("*")) if self.evidence.exists() else [],
            )


def token_of(slip: dict[str, Any]) -> str:
    return str(slip["url"]).rsplit("/s/", 1)[1]


def photo(
    colour: tuple[int, int, int] = (40, 120, 60), *, kind: str = "JPEG", size: int = 640
) -> bytes:
    """A picture as a phone's camera sends it: with EXIF carrying a GPS position. Stripes make
    a picture whose fingerprint differs from another colour's."""
    from PIL import Image

    image = Image.new("RGB", (size, size * 3 // 4), colour)
    for x in range(0, size, 40):
        for y in range(image.height):
            image.putpixel((x, y), (colour[2], colour[0], colour[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 0.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes()) if kind != "GIF" else image.save(out, kind)
    return out.getvalue()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, html
    return found.group(1)


def make_site(central: Central, tmp_path: Path) -> Site:
    clock = Clock()
    kiosk = ("K-HP-01", central.add_kiosk("K-HP-01", "heping"))
    with read_session(central.engine) as session:
        households = list(
            session.exec(
                select(Household)
                .where(Household.village_id == "heping")
                .order_by(col(Household.code))
            )
        )
        other = session.exec(select(Household).where(Household.village_id != "heping")).first()
    assert other is not None and len(households) >= 2
    evidence = tmp_path / "evidence"
    return Site(
        central,
        create_app(central.engine, clock=clock, evidence_dir=evidence, desk=Desk()),
        clock,
        kiosk,
        households,
        other,
        evidence,
    )


@pytest.fixture
def site(sqlite_central: Central, tmp_path: Path) -> Site:
    return make_site(sqlite_central, tmp_path)
