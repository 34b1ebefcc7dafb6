"""Hostile and broken requests to the central's HTTP API, generated at scale.

Every request is built from the real protocol: a chunk the central has acknowledged (replay
material) and the next chunk it has not seen, as `sync.client.push_payloads` makes them,
plus real hello and pull payloads. Hypothesis mutates them field by field (wrong types,
absurd numbers, missing and unknown fields, rows of another origin or village), garbles the
body (not JSON, cut short, nested 100,000 deep, not an object) and swaps the credential
(none, malformed, wrong, another kiosk's, revoked). The live uvicorn must answer 4xx with a
named error, never 5xx, and the central's database must not change by a single value
(the only writes a refusal may make: the conflict alert `receive_push` records by design).
An exact replay of an acknowledged chunk is the one push that succeeds: inserting nothing.

Rate and size limits are tested against the server's default limits, not lifted ones.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from kiosk.core.awards import award, freeze
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.fulfilment import cancel_line
from kiosk.core.households import household_by_code
from kiosk.core.models import ExchangePoint, Household
from kiosk.core.redemption import RedeemLine, order_by_number, redeem
from kiosk.core.reference import operator_by_id
from sync.client import hello_payload, pull_request, push_payloads
from sync.credentials import revoke_kiosk
from sync.loopback import LoopbackServer
from sync.protocol import _CODECS, MAX_BODY_BYTES, ORDER_LINES, RECORD_TABLES
from sync.server import RateLimiter
from tests.stress.budget import examples
from tests.support.postgres import create_database, drop_database
from tests.sync.harness import NOW, Central, Clock, Kiosk, copy_file, new_kiosk

# What a successful hello, pull or replayed push may change: the central's notes about the
# kiosk, never a record or a reference row.
BOOKKEEPING = {"synckiosk": {"last_seen_at", "reported_seq", "clock_skew_s", "last_sync_at"}}
UNLIMITED = dict(burst=1e12, per_second=1e12)


@dataclass(repr=False)  # hypothesis prints arguments; the world is not one of them
class World:
    central: Central
    server: LoopbackServer
    client: httpx.Client
    kiosk: Kiosk  # K-HP-01, whose chunks are mutated
    other: tuple[str, str]  # K-XZG-01 of 惜字阁: a valid credential of another kiosk
    revoked: tuple[str, str]  # K-HP-09: revoked after it was issued
    acked: dict[str, Any]  # a chunk the central holds: a replay of it is a no-op
    fresh: dict[str, Any]  # the next chunk, never pushed: every mutation must be refused
    hello: dict[str, Any]
    pull: dict[str, Any]
    stranger_household: str  # a 惜字阁 household
    stranger_point: str  # a 惜字阁 exchange point

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        printer.text(f"World({self.central.kind})")


def _kiosk_work(kiosk: Kiosk, round_no: int) -> None:
    """A redemption (two lines, one handed over), awards alone and with a helper, a freeze
    and a cancelled line: every record table the sync carries gets rows."""
    when = NOW + timedelta(minutes=round_no)
    with write_session(kiosk.engine) as session:
        shop = operator_by_id(session, "shop-heping")
        admin = operator_by_id(session, "admin-heping")
        first, second = (household_by_code(session, c) for c in ("HP0001", "HP0002"))
        result = redeem(
            session,
            household=first,
            lines=[RedeemLine(1, 1, hand_over=True), RedeemLine(2, 1)],
            operator=shop,
            now=when,
        )
        award(session, household=second, rule_id="P08", quantity=1, operator=admin, now=when)
        award(
            session,
            household=first,
            rule_id="P08",
            quantity=1,
            operator=admin,
            now=when,
            helper=second,
        )
    if round_no:
        with write_session(kiosk.engine) as session:
            admin = operator_by_id(session, "admin-heping")
            freeze(
                session,
                household=household_by_code(session, "HP0003"),
                until=date(2026, 7, 1),
                reason="测试",
                operator=admin,
                now=when,
            )
            order = order_by_number(session, result.number)
            cancel_line(session, order, 2, "缺货", admin, when)


def _build_world(central: Central, directory: Path) -> Iterator[World]:
    clock = Clock()
    kiosk = new_kiosk(central, directory, "K-HP-01")
    other = ("K-XZG-01", central.add_kiosk("K-XZG-01", "xizige"))
    revoked = ("K-HP-09", central.add_kiosk("K-HP-09"))
    with write_session(central.engine) as session:
        revoke_kiosk(session, "K-HP-09", NOW)
        stranger = session.scalars(
            select(col(Household.id)).where(col(Household.village_id) == "xizige")
        ).first()
        point = session.scalars(
            select(col(ExchangePoint.id)).where(col(ExchangePoint.village_id) == "xizige")
        ).first()
    assert stranger is not None and point is not None
    server = LoopbackServer(
        central.engine,
        clock=clock,
        kiosk_limiter=RateLimiter(**UNLIMITED),
        failure_limiter=RateLimiter(**UNLIMITED),
        address_limiter=RateLimiter(**UNLIMITED),
    )
    try:
        kiosk.sync(server.url)  # bootstrap
        _kiosk_work(kiosk, 0)
        kiosk.sync(server.url)
        with read_session(central.engine) as session:
            from kiosk.core.central_models import SyncKiosk

            acked_seq = session.get(SyncKiosk, kiosk.id).acked_seq  # type: ignore[union-attr]
        _kiosk_work(kiosk, 1)
        ((acked, _),) = list(push_payloads(kiosk.engine, kiosk.id, 0, chunk_size=acked_seq))[:1]
        ((fresh, _),) = list(push_payloads(kiosk.engine, kiosk.id, acked_seq, chunk_size=10_000))
        carried = {t.name for t in RECORD_TABLES} | {ORDER_LINES.name}
        # The world is only as good as its chunk: every table a redemption day touches.
        assert (
            {"orders", "order_lines", "entries", "handovers", "cancellations"}
            <= set(fresh["rows"])
            <= carried
        )
        with read_session(kiosk.engine) as session:
            hello = hello_payload(session, kiosk.id, NOW)
            pull = pull_request(session, kiosk.id)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            yield World(
                central,
                server,
                client,
                kiosk,
                other,
                revoked,
                acked,
                fresh,
                hello,
                pull,
                stranger,
                point,
            )
    finally:
        server.stop()
        kiosk.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("bad-requests")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        url = f"sqlite:///{copy_file(template, directory / 'central.db')}"
        engine = open_database(url)
        yield from _build_world(Central(url, engine, "sqlite"), directory)
        engine.dispose()
        return
    server: str = request.getfixturevalue("pg_server")
    name: str = request.getfixturevalue("pg_template")
    url = create_database(server, template=name)
    engine = open_database(url)
    yield from _build_world(Central(url, engine, "postgresql"), directory)
    engine.dispose()
    drop_database(server, url)


# --- the central's state ---------------------------------------------------------------------

Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, by primary key."""
    state: Snapshot = {}
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            state[table.name] = {
                tuple(row[k] for k in keys): dict(row)
                for row in session.execute(select(table)).mappings()
            }
    return state


def changes(before: Snapshot, after: Snapshot, *, bookkeeping: bool) -> list[str]:
    """What differs, leaving out the kiosk notes when `bookkeeping` is allowed and new
    conflict alerts (recorded once per row by design when a push contradicts the central)."""
    found = []
    for table, rows in after.items():
        old = before.get(table, {})
        masked = BOOKKEEPING.get(table, set()) if bookkeeping else set()
        for key, row in rows.items():
            if key not in old:
                if table == "syncalert" and row["kind"] == "conflict":
                    continue
                found.append(f"{table} {key} added")
            elif {k: v for k, v in row.items() if k not in masked} != {
                k: v for k, v in old[key].items() if k not in masked
            }:
                found.append(f"{table} {key} changed")
        found += [f"{table} {key} removed" for key in old.keys() - rows.keys()]
    return found


# --- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One request: where, with which Authorization header, what bytes, and whether it may
    succeed (a replay of acknowledged rows, a well-formed hello or pull)."""

    path: str
    authorization: str | None
    body: bytes
    may_succeed: bool = False
    label: str = ""

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        # What hypothesis shows for a failing example: not 100,000 brackets.
        printer.text(
            f"Attempt({self.label!r}, {self.path}, auth={self.authorization!r}, "
            f"{len(self.body)} bytes: {self.body[:300]!r})"
        )


def basic(kiosk_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{kiosk_id}:{secret}".encode()).decode()


def dumps(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


# Values no column of the protocol may take in the place of another type, and the numbers
# at the edges: 10**12 points, past int32 and int64, floats, NaN, strings, containers.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**12, -(10**12), 2**31, -(2**31) - 1, 2**63, 2**64, -1, 0, 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "x" * 100_001, "2026-13-45T99:00:00", "2026-06-15T10:00:00", "NaN"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def well_typed(table: str, column: str, value: object) -> bool:
    """Whether `value` has the type and range of the column (an independent oracle: the
    product's decoder is what is under test)."""
    codecs = {name: (nullable, codec) for name, nullable, codec in _CODECS[table]}
    nullable, (encode, _decode) = codecs[column]
    if value is None:
        return nullable
    if encode is str:
        return isinstance(value, str) and len(value) <= 100_000
    if encode is int:
        return type(value) is int and -(2**31) <= value < 2**31
    if encode is bool:
        return isinstance(value, bool)
    if encode is float:
        return type(value) in (int, float)
    name = getattr(encode, "__name__", "")
    if name == "_encode_datetime":
        return _is_datetime(value)
    if name == "isoformat":
        return _is_date(value)
    return isinstance(value, list | dict)  # JSON columns


def _rows(payload: dict[str, Any]) -> list[tuple[str, int]]:
    return [(t, i) for t, rows in payload["rows"].items() for i in range(len(rows))]


@st.composite
def wrong_value_in_a_row(draw: st.DrawFn, world: World) -> Attempt:
    """One column of one row of the fresh chunk given a value of the wrong type or range."""
    payload = copy.deepcopy(world.fresh)
    table, index = draw(st.sampled_from(_rows(payload)))
    row = payload["rows"][table][index]
    column = draw(st.sampled_from(sorted(row)))
    value = draw(json_values.filter(lambda v: not well_typed(table, column, v)))
    row[column] = value
    return Attempt(
        "/v1/push",
        basic(world.kiosk.id, world.kiosk.secret),
        dumps(payload),
        label=f"{table}[{index}].{column} = {value!r:.60}",
    )


@st.composite
def reshaped_chunk(draw: st.DrawFn, world: World) -> Attempt:
    """The fresh chunk with a field dropped or added, a table renamed or emptied, a row or
    a table of the wrong shape, or a top-level field replaced."""
    payload = copy.deepcopy(world.fresh)
    kind = draw(
        st.sampled_from(
            [
                "drop-column",
                "add-column",
                "rename-table",
                "table-not-list",
                "row-not-object",
                "drop-top",
                "replace-top",
                "add-top-rows",
            ]
        )
    )
    table, index = draw(st.sampled_from(_rows(payload)))
    row = payload["rows"][table][index]
    if kind == "drop-column":
        column = draw(st.sampled_from(sorted(row)))
        del row[column]
    elif kind == "add-column":
        name = draw(st.text(min_size=1, max_size=12).filter(lambda n: n not in row))
        row[name] = draw(json_values)
    elif kind == "rename-table":
        name = draw(st.text(max_size=20).filter(lambda n: n not in payload["rows"]))
        payload["rows"][name] = payload["rows"].pop(table)
    elif kind == "table-not-list":
        payload["rows"][table] = draw(json_values.filter(lambda v: not isinstance(v, list)))
    elif kind == "row-not-object":
        payload["rows"][table][index] = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    elif kind == "drop-top":
        field = draw(st.sampled_from(sorted(payload)))
        del payload[field]
    elif kind == "replace-top":
        field = draw(st.sampled_from(sorted(payload)))
        original = payload[field]
        payload[field] = draw(json_values.filter(lambda v: v != original))
    else:
        # Rows of seqs the chunk does not cover, claimed with the right origin.
        extra = copy.deepcopy(row)
        extra["id"] = "00000000-0000-4000-8000-" + f"{draw(st.integers(0, 10**12)):012d}"
        extra["origin_seq"] = draw(st.integers(-(2**31), 2**31 - 1))
        payload["rows"][table].append(extra)
    return Attempt(
        "/v1/push",
        basic(world.kiosk.id, world.kiosk.secret),
        dumps(payload),
        label=f"{kind} {table}[{index}]",
    )


@st.composite
def trespassing_chunk(draw: st.DrawFn, world: World) -> Attempt:
    """Well-typed rows that are not the kiosk's to write: another origin, another village's
    household or exchange point, an unknown household, a seq out of its place."""
    payload = copy.deepcopy(world.fresh)
    candidates = [
        (t, i, c)
        for t, i in _rows(payload)
        for c in ("origin", "household_id", "exchange_point_id", "origin_seq")
        if c in payload["rows"][t][i]
    ]
    table, index, column = draw(st.sampled_from(candidates))
    row = payload["rows"][table][index]
    if column == "origin":
        value: object = draw(
            st.sampled_from([world.other[0], "central", "demo-seed", "K-HP-02", ""])
            | st.text(max_size=12)
        )
    elif column == "household_id":
        value = draw(st.sampled_from([world.stranger_household, "nobody"]) | st.uuids().map(str))
    elif column == "exchange_point_id":
        value = draw(st.sampled_from([world.stranger_point, "nowhere"]))
    else:
        value = draw(st.integers(-(2**31), 2**31 - 1))
    if value == row[column]:
        value = f"{value}x" if isinstance(value, str) else value + 1  # type: ignore[operator]
    row[column] = value
    return Attempt(
        "/v1/push",
        basic(world.kiosk.id, world.kiosk.secret),
        dumps(payload),
        label=f"{table}[{index}].{column} = {value!r:.60}",
    )


@st.composite
def replayed_chunk(draw: st.DrawFn, world: World) -> Attempt:
    """The acknowledged chunk again: exact (succeeds, inserts nothing) or with one value
    changed (a conflict, or malformed)."""
    payload = copy.deepcopy(world.acked)
    if draw(st.booleans()):
        return Attempt(
            "/v1/push",
            basic(world.kiosk.id, world.kiosk.secret),
            dumps(payload),
            may_succeed=True,
            label="exact replay",
        )
    table, index = draw(st.sampled_from(_rows(payload)))
    row = payload["rows"][table][index]
    column = draw(st.sampled_from(sorted(row)))
    value = draw(json_values.filter(lambda v: v != row[column]))
    row[column] = value
    return Attempt(
        "/v1/push",
        basic(world.kiosk.id, world.kiosk.secret),
        dumps(payload),
        label=f"replay with {table}[{index}].{column} = {value!r:.60}",
    )


@st.composite
def garbled_body(draw: st.DrawFn, world: World) -> Attempt:
    """Not a JSON object at all, on any endpoint."""
    whole = dumps(world.fresh)
    body = draw(
        st.one_of(
            st.binary(max_size=200),
            st.integers(1, len(whole) - 1).map(lambda n: whole[:n]),  # cut short
            st.sampled_from([b"", b"null", b"[]", b"42", b'"push"', b"{", b"{}}", b"\xff\xfe{}"]),
            json_values.filter(lambda v: not isinstance(v, dict)).map(dumps),
            st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"NaN", b"1e999999"]),
            st.just(whole.replace(b'"first_seq": ', b'"first_seq": NaN, "x": ', 1)),
        )
    )
    path = draw(st.sampled_from(["/v1/push", "/v1/hello", "/v1/pull"]))
    return Attempt(
        path, basic(world.kiosk.id, world.kiosk.secret), body, label=f"garbled body to {path}"
    )


@st.composite
def bad_credential(draw: st.DrawFn, world: World) -> Attempt:
    """A valid request (the fresh chunk, a hello, a pull) with the wrong credential."""
    path, payload = draw(
        st.sampled_from(
            [("/v1/push", world.fresh), ("/v1/hello", world.hello), ("/v1/pull", world.pull)]
        )
    )
    other_id, other_secret = world.other
    revoked_id, revoked_secret = world.revoked
    authorization = draw(
        st.one_of(
            st.none(),
            st.sampled_from(
                [
                    "",
                    "Basic",
                    "Basic !!!",
                    "Bearer " + world.kiosk.secret,
                    basic(world.kiosk.id, world.kiosk.secret + "x"),
                    basic(world.kiosk.id, ""),
                    basic(world.kiosk.id.lower(), world.kiosk.secret),
                    basic("central", world.kiosk.secret),
                    basic("K-HP-77", world.kiosk.secret),
                    basic(other_id, world.kiosk.secret),
                    basic(other_id, other_secret),  # another kiosk, itself valid
                    basic(revoked_id, revoked_secret),  # revoked
                    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
                    "Basic " + base64.b64encode(world.kiosk.id.encode()).decode(),  # no colon
                ]
            ),
            st.text(min_size=1, max_size=40).map(
                lambda t: "Basic " + base64.b64encode(t.encode()).decode()
            ),
        )
    )
    # Another kiosk's own credential may say hello and pull (its own village): only pushing
    # this kiosk's rows is what must fail.
    may_succeed = authorization == basic(other_id, other_secret) and path != "/v1/push"
    return Attempt(
        path,
        authorization,
        dumps(payload),
        may_succeed=may_succeed,
        label=f"credential {authorization!r:.50} on {path}",
    )


@st.composite
def odd_hello_or_pull(draw: st.DrawFn, world: World) -> Attempt:
    """A hello or pull with one field replaced, dropped or added."""
    path, base = draw(st.sampled_from([("/v1/hello", world.hello), ("/v1/pull", world.pull)]))
    payload = copy.deepcopy(base)
    field = draw(st.sampled_from([*sorted(payload), "unknown"]))
    if draw(st.booleans()) and field in payload:
        del payload[field]
    else:
        payload[field] = draw(json_values)
    return Attempt(
        path,
        basic(world.kiosk.id, world.kiosk.secret),
        dumps(payload),
        may_succeed=True,
        label=f"{path} {field}",
    )


def attempts(world: World) -> st.SearchStrategy[Attempt]:
    return st.one_of(
        wrong_value_in_a_row(world),
        reshaped_chunk(world),
        trespassing_chunk(world),
        replayed_chunk(world),
        garbled_body(world),
        bad_credential(world),
        odd_hello_or_pull(world),
    )


def raw_status(port: int, request: bytes) -> int:
    """The status line's code of the reply to `request` sent as raw bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        reply = b""
        while b"\r\n" not in reply:
            data = connection.recv(4096)
            if not data:
                break
            reply += data
    return int(reply.split(b" ", 2)[1])


def send(world: World, attempt: Attempt) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if attempt.authorization is not None:
        headers["Authorization"] = attempt.authorization
    return world.client.post(attempt.path, content=attempt.body, headers=headers)


# Which status goes with which error: a client must be able to tell them apart.
STATUS_OF_ERROR = {
    "sync.unauthorized": 401,
    "sync.revoked": 403,
    "sync.too_large": 413,
    "sync.rate_limited": 429,
}


def check_refusal(response: httpx.Response) -> str:
    """A clear refusal: 4xx with a named error and a message in both languages."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    body = response.json()
    error = body["error"]
    assert isinstance(error, str) and error.startswith("sync.")
    assert " / " in body["message"]  # Chinese / English
    expected = STATUS_OF_ERROR.get(error)
    assert expected in (None, response.status_code), (error, response.status_code)
    return error


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_bad_requests_are_refused_and_change_nothing(world: World, data: st.DataObject) -> None:
    attempt = data.draw(attempts(world), label="attempt")
    before = snapshot(world.central.engine)
    response = send(world, attempt)
    after = snapshot(world.central.engine)
    if response.status_code == 200 and attempt.may_succeed:
        if attempt.path == "/v1/push":
            assert response.json()["inserted"] == 0
        assert changes(before, after, bookkeeping=True) == []
        return
    error = check_refusal(response)
    assert changes(before, after, bookkeeping=False) == [], error


# --- size and rate -------------------------------------------------------------------------------


def test_bodies_over_the_limit_are_refused_before_they_are_read(world: World) -> None:
    """8 MiB is the limit (the same as nginx's): one byte more is 413, whether the size is
    declared up front or the body streams without a length."""
    before = snapshot(world.central.engine)
    auth = {"Authorization": basic(world.kiosk.id, world.kiosk.secret)}
    padded = dumps({**world.fresh, "padding": "x" * MAX_BODY_BYTES})
    declared = world.client.post("/v1/push", content=padded, headers=auth)
    assert (declared.status_code, declared.json()["error"]) == (413, "sync.too_large")

    def stream() -> Iterator[bytes]:
        for start in range(0, len(padded), 1 << 16):
            yield padded[start : start + (1 << 16)]

    try:
        streamed = world.client.post("/v1/push", content=stream(), headers=auth)
    except httpx.HTTPError:
        pass  # the server may close the connection on the rest of the body: also a refusal
    else:
        assert (streamed.status_code, streamed.json()["error"]) == (413, "sync.too_large")
    # A length that is not a number, or that promises more than the limit: refused on the
    # header, before a byte of the body is read (httpx will not send these; a socket will).
    for length in (b"abc", b"-1", str(MAX_BODY_BYTES + 1).encode(), b"9" * 40):
        status = raw_status(
            world.server.port,
            b"POST /v1/push HTTP/1.1\r\nHost: central\r\nAuthorization: "
            + auth["Authorization"].encode()
            + b"\r\nContent-Length: "
            + length
            + b"\r\n\r\n{}",
        )
        assert 400 <= status < 500, (length, status)
    assert changes(before, snapshot(world.central.engine), bookkeeping=False) == []


@dataclass
class Limited:
    """A central served with the production limits (create_app's defaults)."""

    server: LoopbackServer
    engine: Engine
    authorization: str
    hello: dict[str, Any]

    def guess(self, attempt: int) -> str:
        return basic("K-HP-01", f"guess-{attempt}")


@pytest.fixture
def limited(sqlite_template: Path, tmp_path: Path) -> Iterator[Limited]:
    url = f"sqlite:///{copy_file(sqlite_template, tmp_path / 'central.db')}"
    engine = open_database(url)
    secret = Central(url, engine, "sqlite").add_kiosk("K-HP-01")
    server = LoopbackServer(engine, clock=Clock())
    hello = {"protocol": 1, "kiosk_id": "K-HP-01", "client_time": NOW.isoformat(), "local_seq": 0}
    yield Limited(server, engine, basic("K-HP-01", secret), hello)
    server.stop()
    engine.dispose()


def test_one_kiosk_is_rate_limited(limited: Limited) -> None:
    """A kiosk gets a burst of requests, then 429 with Retry-After; the requests refused
    for shape still count, so a broken client cannot hammer the central."""
    before = snapshot(limited.engine)
    statuses: list[int] = []
    with httpx.Client(base_url=limited.server.url) as client:
        while len(statuses) < 5000:
            response = client.post(
                "/v1/push", content=b"{}", headers={"Authorization": limited.authorization}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.json()["error"] == "sync.rate_limited"
                assert response.headers["Retry-After"] == "60"
                break
    assert statuses[-1] == 429, "no rate limit after 5,000 requests"
    assert set(statuses[:-1]) == {400}
    assert len(statuses) > 300  # the burst create_app allows a kiosk
    assert changes(before, snapshot(limited.engine), bookkeeping=False) == []


def test_guessing_secrets_is_slowed_down(limited: Limited) -> None:
    """After a burst of failed sign-ins from one address, even the right secret is turned
    away from it for a while (429): guessing costs time."""
    before = snapshot(limited.engine)
    tried = 0
    with httpx.Client(base_url=limited.server.url) as client:
        while tried < 1000:
            tried += 1
            response = client.post(
                "/v1/hello",
                content=dumps(limited.hello),
                headers={"Authorization": limited.guess(tried)},
            )
            if response.status_code == 429:
                break
            assert response.status_code == 401
        assert response.status_code == 429, "no limit on failed sign-ins"
        right = client.post(
            "/v1/hello",
            content=dumps(limited.hello),
            headers={"Authorization": limited.authorization},
        )
    assert right.status_code == 429
    assert tried > 20  # the burst create_app allows an address
    assert changes(before, snapshot(limited.engine), bookkeeping=False) == []


EDGE_VALUES: list[object] = [-1, 2**31, 2**63, 2**64, 10**100, 1.5, "1", True, None, [], {}]


WRONG_VALUES: list[object] = [
    None,
    True,
    0,
    -(2**31) - 1,
    2**31,
    10**12,
    1.5,
    "",
    "x",
    "2026-06-15T10:00:00",  # a datetime without its zone
    [],
    {},
]


def test_every_column_of_every_pushed_table_refuses_the_wrong_type(world: World) -> None:
    """Each column of the first row of each table in the fresh chunk, in turn, given each
    value of the wrong type or range for it: always a 4xx, and after the whole sweep the
    central exactly as before (one snapshot each side: the sweep sends ~700 requests)."""
    auth = basic(world.kiosk.id, world.kiosk.secret)
    before = snapshot(world.central.engine)
    failures, sent = [], 0
    for table, rows in world.fresh["rows"].items():
        for column in sorted(rows[0]):
            for value in WRONG_VALUES:
                if well_typed(table, column, value):
                    continue
                payload = copy.deepcopy(world.fresh)
                payload["rows"][table][0][column] = value
                response = send(world, Attempt("/v1/push", auth, dumps(payload)))
                sent += 1
                if not 400 <= response.status_code < 500:
                    failures.append(f"{table}.{column}={value!r:.30}: {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert sent > 300
    assert changes(before, snapshot(world.central.engine), bookkeeping=False) == []


def test_every_field_of_hello_and_pull_refuses_absurd_values(world: World) -> None:
    """Each field of a real hello and pull, in turn, set to each edge value: refused, or
    (where the value is fine for the field) answered, never a 5xx nor a changed record."""
    auth = basic(world.kiosk.id, world.kiosk.secret)
    failures = []
    for path, base in (("/v1/hello", world.hello), ("/v1/pull", world.pull)):
        for field in sorted(base):
            for value in EDGE_VALUES:
                payload = {**base, field: value}
                attempt = Attempt(path, auth, dumps(payload), may_succeed=True)
                before = snapshot(world.central.engine)
                response = send(world, attempt)
                after = snapshot(world.central.engine)
                if response.status_code == 200:
                    if changes(before, after, bookkeeping=True):
                        failures.append(f"{path} {field}={value!r:.30}: changed records")
                elif not 400 <= response.status_code < 500:
                    failures.append(f"{path} {field}={value!r:.30}: {response.status_code}")
                elif changes(before, after, bookkeeping=False):
                    failures.append(f"{path} {field}={value!r:.30}: refused but changed")
    assert failures == [], "\n".join(failures)


# --- well-formed rows that make no sense ---------------------------------------------------------


def _entry(payload: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in payload["rows"]["entries"] if e["kind"] == kind)


def _huge_award(payload: dict[str, Any]) -> None:
    _entry(payload, "award")["points"] = 2**31 - 1


def _huge_deduction(payload: dict[str, Any]) -> None:
    _entry(payload, "award")["points"] = -(2**31)


def _redemption_that_pays(payload: dict[str, Any]) -> None:
    """Every sign of a redemption flipped, consistently: lines, order and entry agree, and
    the household gains what it should have spent."""
    order = payload["rows"]["orders"][0]
    for line in payload["rows"]["order_lines"]:
        line["qty"], line["points"] = -line["qty"], -line["points"]
    order["total"] = -order["total"]
    _entry(payload, "redemption")["points"] = -order["total"]


def _unknown_kind(payload: dict[str, Any]) -> None:
    _entry(payload, "award")["kind"] = "gift"


def _wrong_points_year(payload: dict[str, Any]) -> None:
    _entry(payload, "award")["points_year"] = 1999


def _order_without_lines(payload: dict[str, Any]) -> None:
    del payload["rows"]["order_lines"]


def _order_without_its_entry(payload: dict[str, Any]) -> None:
    redemption = _entry(payload, "redemption")
    redemption["kind"], redemption["order_id"] = "award", None


@pytest.mark.parametrize(
    "mutate",
    [
        _huge_award,
        _huge_deduction,
        _redemption_that_pays,
        _unknown_kind,
        _wrong_points_year,
        _order_without_lines,  # its total is no longer the sum of its lines
        _order_without_its_entry,
    ],
)
def test_well_formed_but_absurd_rows_are_refused(
    mutate: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    """Rows of the right types and the right kiosk that no kiosk software writes: points
    beyond any rule, a redemption that pays the household, an order without its lines or
    its entry. The central must not take them in."""
    url = f"sqlite:///{copy_file(sqlite_template, tmp_path / 'central.db')}"
    engine = open_database(url)
    central = Central(url, engine, "sqlite")
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    server = LoopbackServer(engine, clock=Clock())
    try:
        kiosk.sync(server.url)
        _kiosk_work(kiosk, 0)
        ((payload, _),) = list(push_payloads(kiosk.engine, kiosk.id, 0, chunk_size=10_000))
        mutate(payload)
        before = snapshot(engine)
        with httpx.Client(base_url=server.url) as client:
            response = client.post(
                "/v1/push",
                content=dumps(payload),
                headers={"Authorization": basic(kiosk.id, kiosk.secret)},
            )
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
        # Refused before anything was stored, with the row that made no sense named.
        assert response.json()["error"] == "sync.implausible", response.text[:300]
        assert response.json()["params"]["row"]
        assert changes(before, snapshot(engine), bookkeeping=False) == []
    finally:
        server.stop()
        kiosk.engine.dispose()
        engine.dispose()
