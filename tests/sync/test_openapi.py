"""The published API: /v1/openapi.json is what sync.api documents, and Schemathesis, driving
the live server on SQLite and on PostgreSQL with requests made from that document, finds no
5xx and no reply outside it (status, content type, body, Retry-After)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync.api import openapi_document
from sync.loopback import LoopbackServer
from sync.server import RateLimiter, create_app
from tests.stress.budget import examples
from tests.sync.harness import Central, Clock

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The kiosk's own request limit is lifted for this test only: it sends as fast as it can.
UNLIMITED = {"burst": 1e12, "per_second": 1e12}


@pytest.fixture
def signed_in(central: Central) -> Iterator[tuple[str, dict[str, str]]]:
    """The live API over a seeded central, and a kiosk's Authorization header."""
    secret = central.add_kiosk("K-HP-01")
    server = LoopbackServer(central.engine, clock=Clock(), kiosk_limiter=RateLimiter(**UNLIMITED))
    token = base64.b64encode(f"K-HP-01:{secret}".encode()).decode()
    try:
        yield server.url, {"Authorization": f"Basic {token}"}
    finally:
        server.stop()


def test_the_served_document_is_the_published_one(
    signed_in: tuple[str, dict[str, str]], central: Central
) -> None:
    url, _ = signed_in
    served = httpx.get(url + "/v1/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document == openapi_document()
    assert set(document["paths"]) == {
        "/v1/hello",
        "/v1/push",
        "/v1/pull",
        "/v1/phone-slips",
        "/v1/households/{household_id}/phones",
        "/v1/households/{household_id}/phones/{phone_id}",
        "/v1/evidence",
    }
    # Every route the central serves under /v1 is in the document (none left unfuzzed).
    served_paths = {
        (route.path, method.lower())
        for route in create_app(central.engine).routes
        if isinstance(route, APIRoute) and route.path.startswith("/v1/")
        for method in route.methods
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served_paths == documented
    responses = document["paths"]["/v1/push"]["post"]["responses"]
    assert {"200", "400", "401", "403", "409", "413", "429"} <= set(responses)
    assert "Retry-After" in responses["429"]["headers"]
    assert document["components"]["securitySchemes"]["kiosk"]["scheme"] == "basic"


@SCHEMA.parametrize()
@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_live_server_keeps_to_its_document(
    case: schemathesis.Case[Any], signed_in: tuple[str, dict[str, str]]
) -> None:
    url, authorization = signed_in
    case.call_and_validate(base_url=url, headers=authorization, checks=CHECKS)


def test_the_phone_endpoints_answer_as_documented_for_a_real_household(
    signed_in: tuple[str, dict[str, str]], central: Central
) -> None:
    """Fuzzing seldom hits a real household id, so the documented 200 replies are checked
    here on one: a slip, the phone it binds listed, revoked, and photos asked for."""
    from sqlmodel import select

    from kiosk.core.db import read_session
    from kiosk.core.models import Household
    from sync.api import EvidenceReply, PhoneSlipReply, PhonesReply, RevokeReply

    url, authorization = signed_in
    with read_session(central.engine) as session:
        household = session.exec(select(Household).where(Household.village_id == "heping")).first()
    assert household is not None
    slip = httpx.post(
        url + "/v1/phone-slips", json={"household_id": household.id}, headers=authorization
    )
    assert slip.status_code == 200
    assert PhoneSlipReply.model_validate(slip.json()).household_id == household.id
    token = slip.json()["url"].rsplit("/", 1)[1]
    page = httpx.get(url + f"/s/{token}")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    # The cookie is Secure, so a client on plain loopback HTTP would not send it back itself.
    cookie = {"Cookie": f"jf_pre={page.cookies['jf_pre']}"}
    bound = httpx.post(url + f"/s/{token}", data={"csrf": csrf}, headers=cookie)
    assert bound.status_code == 303
    listed = httpx.get(url + f"/v1/households/{household.id}/phones", headers=authorization)
    phones = PhonesReply.model_validate(listed.json()).phones
    assert len(phones) == 1
    revoked = httpx.delete(
        url + f"/v1/households/{household.id}/phones/{phones[0].id}", headers=authorization
    )
    assert RevokeReply.model_validate(revoked.json()).revoked == phones[0].id
    again = httpx.delete(
        url + f"/v1/households/{household.id}/phones/{phones[0].id}", headers=authorization
    )
    assert again.status_code == 404
    photos = httpx.post(
        url + "/v1/evidence", json={"names": ["a" * 64 + ".jpg"]}, headers=authorization
    )
    assert EvidenceReply.model_validate(photos.json()).missing == ["a" * 64 + ".jpg"]
