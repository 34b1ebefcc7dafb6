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
from sync.server import RateLimiter
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
    signed_in: tuple[str, dict[str, str]],
) -> None:
    url, _ = signed_in
    served = httpx.get(url + "/v1/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document == openapi_document()
    assert set(document["paths"]) == {"/v1/hello", "/v1/push", "/v1/pull"}
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
