"""The central trusts no kiosk: each row no honest kiosk writes, pushed through the real HTTP
API to a live central on SQLite and on PostgreSQL, is refused by name with nothing applied;
a second kiosk's pull brings nothing and the central's `kiosk check` still passes. What two
honest kiosks can do offline (a once-a-month award twice, the last points spent twice) is
taken in and alerted once.

Every hostile push is an honest one, made by the kiosk's own services, with one thing
changed: the rows around it are real, so the one change is what is refused.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from kiosk.core.awards import award, freeze
from kiosk.core.central_models import SyncAlert
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.declarations import file_declaration
from kiosk.core.disputes import raise_dispute
from kiosk.core.evaluations import record_evaluation, rule_entry_id
from kiosk.core.fulfilment import cancel_line, restock
from kiosk.core.households import household_by_code
from kiosk.core.invariants import check_ledger
from kiosk.core.models import ExchangePoint, LedgerEntry, Village
from kiosk.core.redemption import RedeemLine, order_by_number, redeem
from kiosk.core.reference import operator_by_id
from rules.model import Standing
from sync.client import push_payloads
from sync.protocol import ORDER_LINES, RECORD_TABLES
from tests.support.postgres import create_database, drop_database
from tests.sync.harness import NOW, Central, Clock, Kiosk, LiveServer, copy_file, new_kiosk

Payload = dict[str, Any]


@dataclass(repr=False)
class World:
    central: Central
    server: LiveServer
    kiosk: Kiosk  # K-HP-01: its next chunk is the one made hostile
    other: Kiosk  # K-HP-02: a kiosk of the same village that syncs honestly
    fresh: Payload  # K-HP-01's next chunk, never pushed
    earlier: dict[str, str]  # ids of records the central already holds


def _evaluate(kiosk: Kiosk, month: int, red: list[str], black: list[str], when: datetime) -> None:
    """The village's red and black lists of a month of 2026, entered at `when`."""
    with write_session(kiosk.engine) as session:
        village = session.get(Village, "heping")
        assert village is not None
        record_evaluation(
            session,
            village=village,
            year=2026,
            month=month,
            standings=[
                *((household_by_code(session, c), Standing.RED) for c in red),
                *((household_by_code(session, c), Standing.BLACK) for c in black),
            ],
            operator=operator_by_id(session, "admin-heping"),
            now=when,
        )


def _round_zero(kiosk: Kiosk) -> dict[str, str]:
    """Work the central takes in before the hostile chunk: an order with one line handed over
    and one cancelled, awards (one with a helper), May's red and black lists, and ids."""
    with write_session(kiosk.engine) as session:
        shop = operator_by_id(session, "shop-heping")
        admin = operator_by_id(session, "admin-heping")
        first, second = (household_by_code(session, c) for c in ("HP0001", "HP0002"))
        for household in (first, second):
            award(session, household=household, rule_id="P01", quantity=1, operator=admin, now=NOW)
        result = redeem(
            session,
            household=first,
            lines=[RedeemLine(1, 1, hand_over=True), RedeemLine(2, 1)],
            operator=shop,
            now=NOW,
        )
        own = award(session, household=second, rule_id="P08", quantity=1, operator=admin, now=NOW)
    with write_session(kiosk.engine) as session:
        admin = operator_by_id(session, "admin-heping")
        cancel_line(session, order_by_number(session, result.number), 2, "缺货", admin, NOW)
    _evaluate(kiosk, 5, red=["HP0001"], black=["HP0004"], when=NOW)
    return {
        "handed_line": result.lines[0].line_id,
        "cancelled_line": result.lines[1].line_id,
        "second_award": own.entries[0].id,
    }


def _next_round(kiosk: Kiosk) -> None:
    """The chunk every hostile push is made from: a restock, an order of two lines (one
    handed over, one cancelled), an award, a freeze, a declaration, a dispute and June's
    black list (HP0004 on it for the second month: its record and the deduction)."""
    when = NOW + timedelta(hours=1)
    with write_session(kiosk.engine) as session:
        shop = operator_by_id(session, "shop-heping")
        admin = operator_by_id(session, "admin-heping")
        first, second, third = (
            household_by_code(session, c) for c in ("HP0001", "HP0002", "HP0003")
        )
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, 2, 5, admin, when)
        result = redeem(
            session,
            household=first,
            lines=[RedeemLine(2, 1, hand_over=True), RedeemLine(1, 1)],
            operator=shop,
            now=when,
        )
        cancel_line(session, order_by_number(session, result.number), 2, "缺货", admin, when)
        award(session, household=second, rule_id="P08", quantity=1, operator=admin, now=when)
        freeze(
            session,
            household=third,
            until=date(2026, 7, 1),
            reason="测试",
            operator=admin,
            now=when,
        )
        file_declaration(
            session,
            household=third,
            helper=second,
            rule_id="P08",
            quantity=1,
            description="扶老人过马路",
            now=when,
        )
        mine = session.scalars(
            select(col(LedgerEntry.id)).where(
                col(LedgerEntry.household_id) == first.id, col(LedgerEntry.kind) == "award"
            )
        ).first()
        assert mine is not None
        raise_dispute(session, entry_ref=mine, raised_by="户主", description="分数记错了", now=when)
    _evaluate(kiosk, 6, red=[], black=["HP0004"], when=when)


def _build(central: Central, directory: Path) -> Iterator[World]:
    server = LiveServer(central.engine, Clock(NOW + timedelta(hours=2)))
    kiosk = new_kiosk(central, directory, "K-HP-01")
    other = new_kiosk(central, directory, "K-HP-02")
    try:
        kiosk.sync(server.url)
        earlier = _round_zero(kiosk)
        kiosk.sync(server.url)
        other.sync(server.url)
        with read_session(kiosk.engine) as session:
            from kiosk.core.ledger import meta_get
            from sync.client import ACKED_KEY

            acked = int(meta_get(session, ACKED_KEY) or 0)
        _next_round(kiosk)
        ((fresh, _),) = list(push_payloads(kiosk.engine, kiosk.id, acked, chunk_size=10_000))
        yield World(central, server, kiosk, other, fresh, earlier)
    finally:
        server.stop()
        kiosk.engine.dispose()
        other.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("trust")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        url = f"sqlite:///{copy_file(template, directory / 'central.db')}"
        engine = open_database(url)
        yield from _build(Central(url, engine, "sqlite"), directory)
        engine.dispose()
        return
    pg: str = request.getfixturevalue("pg_server")
    name: str = request.getfixturevalue("pg_template")
    url = create_database(pg, template=name)
    engine = open_database(url)
    yield from _build(Central(url, engine, "postgresql"), directory)
    engine.dispose()
    drop_database(pg, url)


# --- what must not change ----------------------------------------------------------------------


def books(engine: Engine) -> dict[str, Any]:
    """Row counts of every synced table and every household's balance per points year."""
    state: dict[str, Any] = {}
    with Session(engine) as session:
        for table in (*RECORD_TABLES, ORDER_LINES):
            state[table.name] = session.scalar(select(func.count()).select_from(table.table))
        state["balances"] = sorted(
            session.execute(
                select(
                    col(LedgerEntry.household_id),
                    col(LedgerEntry.points_year),
                    func.sum(col(LedgerEntry.points)),
                ).group_by(col(LedgerEntry.household_id), col(LedgerEntry.points_year))
            ).all()
        )
    return state


def push(world: World, payload: Payload) -> httpx.Response:
    token = base64.b64encode(f"{world.kiosk.id}:{world.kiosk.secret}".encode()).decode()
    return httpx.post(
        world.server.url + "/v1/push",
        content=json.dumps(payload),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        timeout=60,
    )


def assert_refused_and_nothing_moved(world: World, payload: Payload, reason: str) -> None:
    before = books(world.central.engine)
    response = push(world, payload)
    assert response.status_code == 400, response.text[:400]
    body = response.json()
    assert body["error"] == "sync.inadmissible", body
    assert body["params"]["reason"] == reason, body
    assert body["params"]["table"] and body["params"]["row"]
    assert " / " in body["message"]  # Chinese, then English
    assert books(world.central.engine) == before
    assert world.other.sync(world.server.url).pulled == 0
    with read_session(world.central.engine) as session:
        report = check_ledger(session)
    assert report.ok, report.problems


# --- the hostile rows ---------------------------------------------------------------------------


def _rows(payload: Payload, table: str, **match: Any) -> dict[str, Any]:
    return next(r for r in payload["rows"][table] if all(r.get(k) == v for k, v in match.items()))


def _award(p: Payload) -> dict[str, Any]:
    return _rows(p, "entries", kind="award")


def _handover(p: Payload) -> dict[str, Any]:
    first: dict[str, Any] = p["rows"]["handovers"][0]
    return first


def _movement_of(p: Payload, handover: dict[str, Any]) -> dict[str, Any]:
    return _rows(p, "stock_movements", ref_id=handover["id"])


def _handed_at(p: Payload, when: str) -> None:
    handover = _handover(p)
    handover["handed_at"] = _movement_of(p, handover)["created_at"] = when


def _line_price(p: Payload) -> None:
    """One line's unit price raised by one point, every total made to agree with it."""
    handed = _rows(p, "order_lines", id=_handover(p)["line_id"])
    handed["unit_points"] += 1
    handed["points"] += 1
    p["rows"]["orders"][0]["total"] += 1
    _rows(p, "entries", kind="redemption")["points"] -= 1


def _black_list_deduction(p: Payload) -> dict[str, Any]:
    return _rows(p, "entries", kind="deduction", rule_id="N12")


def _black_list_run_of_one(p: Payload) -> None:
    """June's deduction moved, under its derived id, to a household not on May's list."""
    other = _award(p)["household_id"]
    _black_list_deduction(p).update(household_id=other, id=rule_entry_id(other, 2026, 6, "N12"))


def _earlier_shifted(p: Payload) -> str:
    placed = datetime.fromisoformat(p["rows"]["orders"][0]["created_at"])
    return (placed - timedelta(days=330)).isoformat()


Mutation = Callable[[Payload, dict[str, str]], None]

HOSTILE: dict[str, tuple[Mutation, str]] = {
    # The list, one row each.
    "award of 999,999 for an unknown rule by an unknown operator": (
        lambda p, _e: _award(p).update(points=999_999, rule_id="P99", operator_id="nobody"),
        "operator_unknown",
    ),
    "correction of an entry that does not exist": (
        lambda p, _e: _award(p).update(
            kind="correction", points=-20, reverses_id="00000000-0000-4000-8000-000000000001"
        ),
        "entry_unknown",
    ),
    "redemption entry with no order": (
        lambda p, _e: _award(p).update(kind="redemption", points=-20),
        "order_missing",
    ),
    "entry whose id is the empty string": (lambda p, _e: _award(p).update(id=""), "bad_id"),
    "cancellation whose refund entry is an award": (
        lambda p, _e: p["rows"]["cancellations"][0].update(refund_entry_id=_award(p)["id"]),
        "refund",
    ),
    "hand-over of a line already cancelled": (
        lambda p, e: _handover(p).update(line_id=e["cancelled_line"]),
        "handed_cancelled",
    ),
    "hand-over of a line already handed over": (
        lambda p, e: _handover(p).update(line_id=e["handed_line"]),
        "handed_twice",
    ),
    "hand-over 11 months before its order": (
        lambda p, _e: _handed_at(p, _earlier_shifted(p)),
        "before_parent",
    ),
    "freeze ending before it starts, unknown action": (
        lambda p, _e: p["rows"]["freezes"][0].update(
            action="melt", starts_on="2026-07-01", ends_on="2026-06-01"
        ),
        "enum",
    ),
    "freeze ending before it starts": (
        lambda p, _e: p["rows"]["freezes"][0].update(starts_on="2026-07-01", ends_on="2026-06-01"),
        "range",
    ),
    "stock movement of item 999 with an unknown reason": (
        lambda p, _e: _rows(p, "stock_movements", reason="restock").update(
            item_no=999, reason="gift"
        ),
        "enum",
    ),
    "stock movement of item 999": (
        lambda p, _e: _rows(p, "stock_movements", reason="restock").update(item_no=999),
        "item_unknown",
    ),
    "dispute of another household's entry": (
        lambda p, e: p["rows"]["disputes"][0].update(entry_id=e["second_award"]),
        "other_household",
    ),
    "declaration of an unknown rule with quantity 0": (
        lambda p, _e: p["rows"]["declarations"][0].update(rule_id="P99", quantity=0),
        "rule_unknown",
    ),
    # The rest of what is re-derived.
    "award of an unknown rule": (lambda p, _e: _award(p).update(rule_id="P99"), "rule_unknown"),
    "award priced one point high": (lambda p, _e: _award(p).update(points=21), "price"),
    "award of a rule set that does not exist": (
        lambda p, _e: _award(p).update(rule_version="tangxiang-2022@2099-01-01"),
        "rule_set_unknown",
    ),
    "award of a bonus rule by hand": (
        lambda p, _e: _award(p).update(rule_id="P15", points=50),
        "rule_not_by_hand",
    ),
    "black-list deduction priced -20": (
        lambda p, _e: _black_list_deduction(p).update(points=-20),
        "price",
    ),
    "black-list deduction under an id no month's list derives": (
        lambda p, _e: _black_list_deduction(p).update(id="00000000-0000-4000-8000-000000000002"),
        "evaluation",
    ),
    "black-list deduction without the month before on the list": (
        lambda p, _e: _black_list_run_of_one(p),
        "evaluation_run",
    ),
    "red-list award by a shopkeeper's hand (an award of P04)": (
        lambda p, _e: _award(p).update(rule_id="P04"),
        "evaluation",
    ),
    "award by a shopkeeper": (
        lambda p, _e: _award(p).update(operator_id="shop-heping"),
        "operator_role",
    ),
    "award by another village's administrator": (
        lambda p, _e: _award(p).update(operator_id="admin-xizige"),
        "operator_village",
    ),
    "order line of an item that does not exist": (
        lambda p, _e: _rows(p, "order_lines", id=_handover(p)["line_id"]).update(item_no=999),
        "item_unknown",
    ),
    "order line priced off the catalogue": (lambda p, _e: _line_price(p), "item_price"),
    "order line due a day late": (
        lambda p, _e: p["rows"]["order_lines"][0].update(
            due_at=(
                datetime.fromisoformat(p["rows"]["order_lines"][0]["due_at"]) + timedelta(days=1)
            ).isoformat()
        ),
        "due_at",
    ),
    "restock by an unknown operator": (
        lambda p, _e: _rows(p, "stock_movements", reason="restock").update(operator_id="nobody"),
        "operator_unknown",
    ),
    "order by an unknown operator": (
        lambda p, _e: p["rows"]["orders"][0].update(operator_id="nobody"),
        "operator_unknown",
    ),
    "order under another kiosk's number": (
        lambda p, _e: p["rows"]["orders"][0].update(number="K-HP-02-000002"),
        "order_number",
    ),
    "a receipt number that skips": (
        lambda p, _e: p["rows"]["orders"][0].update(receipt_seq=3, number="K-HP-01-000003"),
        "receipt_gap",
    ),
    "a receipt number given twice": (
        lambda p, _e: p["rows"]["orders"][0].update(receipt_seq=1, number="K-HP-01-000001"),
        "receipt_gap",
    ),
    "order numbered by its seq after the receipt counter began": (
        lambda p, _e: p["rows"]["orders"][0].update(
            receipt_seq=None, number=f"K-HP-01-{p['rows']['orders'][0]['origin_seq']:06d}"
        ),
        "order_number",
    ),
    "declaration filed by an unknown operator": (
        lambda p, _e: p["rows"]["declarations"][0].update(filed_by="nobody"),
        "operator_unknown",
    ),
    "dispute recorded by the shopkeeper": (
        lambda p, _e: p["rows"]["disputes"][0].update(recorded_by="shop-heping"),
        "operator_role",
    ),
    "reference that is not a UUID": (
        lambda p, _e: _rows(p, "entries", kind="redemption").update(group_id="not-a-uuid"),
        "bad_id",
    ),
    "refund of the wrong order": (
        lambda p, e: _rows(p, "entries", kind="refund").update(reverses_id=e["second_award"]),
        "wrong_kind",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_row_no_honest_kiosk_writes_is_refused_with_nothing_applied(
    world: World, name: str
) -> None:
    mutate, reason = HOSTILE[name]
    payload = copy.deepcopy(world.fresh)
    mutate(payload, world.earlier)
    assert_refused_and_nothing_moved(world, payload, reason)


def test_a_push_that_would_break_the_books_is_refused(world: World) -> None:
    """A hand-over of 99 units: every row is what a kiosk could write (the line, the order
    and the entry agree), but the exchange point never had 99 on its shelf."""
    payload = copy.deepcopy(world.fresh)
    handover = _handover(payload)
    line = _rows(payload, "order_lines", id=handover["line_id"])
    extra = (99 - line["qty"]) * line["unit_points"]
    line["qty"], line["points"] = 99, 99 * line["unit_points"]
    payload["rows"]["orders"][0]["total"] += extra
    _rows(payload, "entries", kind="redemption")["points"] -= extra
    _movement_of(payload, handover)["delta"] = -99
    assert_refused_and_nothing_moved(world, payload, "breaks_books")


def test_refusals_are_alerted_once_per_kiosk_and_reason(world: World) -> None:
    payload = copy.deepcopy(world.fresh)
    _award(payload)["rule_id"] = "P98"
    for _ in range(3):
        assert push(world, payload).status_code == 400
    with read_session(world.central.engine) as session:
        subjects = list(
            session.scalars(
                select(col(SyncAlert.subject)).where(
                    col(SyncAlert.kiosk_id) == world.kiosk.id, col(SyncAlert.kind) == "refused"
                )
            )
        )
    assert subjects.count(f"{world.kiosk.id}:refused:rule_unknown") == 1


def test_text_holding_a_nul_is_refused_as_malformed(world: World) -> None:
    """PostgreSQL stores no NUL in text: refused by the decoder (400) before any insert,
    on SQLite as well, so both centrals hold the same."""
    payload = copy.deepcopy(world.fresh)
    _award(payload)["note"] = "bulk\x00"
    before = books(world.central.engine)
    response = push(world, payload)
    assert response.status_code == 400, response.text[:400]
    assert response.json()["error"] == "sync.bad_row"
    assert response.json()["params"] == {"table": "entries", "column": "note"}
    assert books(world.central.engine) == before


def test_the_honest_chunk_itself_is_taken_in(central: Central, tmp_path: Path) -> None:
    """The unchanged chunk goes in whole (a world of its own: taking it in spends one)."""
    with contextmanager(_build)(central, tmp_path) as world:
        _take_in_whole(world)


def _take_in_whole(world: World) -> None:
    before = books(world.central.engine)
    response = push(world, world.fresh)
    assert response.status_code == 200, response.text[:400]
    assert response.json()["inserted"] == sum(
        len(rows) for name, rows in world.fresh["rows"].items() if name != ORDER_LINES.name
    )
    assert books(world.central.engine) != before
    assert world.other.sync(world.server.url).pulled > 0
    with read_session(world.central.engine) as session:
        assert check_ledger(session).ok
