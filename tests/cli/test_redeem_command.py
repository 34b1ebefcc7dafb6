"""`kiosk redeem` takes the app's path: the receipt queued with the order, byte for byte the app's,
and `--order-id` as the idempotency key (the same id twice is one order)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import col, select

from kiosk.core.db import open_database, read_session
from kiosk.core.models import Household, LedgerEntry, ReceiptJob, RedemptionOrder
from kiosk.core.redemption import RedeemLine
from tests.support.builders import dump
from tests.support.cli import CliResult
from tests.support.pilot import AppFactory
from tests.support.worlds import Db

pytestmark = pytest.mark.world("demo")

Cli = Callable[..., CliResult]
ORDER_ID = "0b6f3c1e-9a4d-4f57-8a53-2f1e7c2b9d10"
SHOP = ("--operator", "shop-heping")


def receipts(db: Db, order_id: str) -> list[tuple[str, bytes]]:
    engine = open_database(db.url)
    with read_session(engine) as session:
        jobs = session.exec(
            select(ReceiptJob).where(ReceiptJob.order_id == order_id).order_by(col(ReceiptJob.id))
        ).all()
        found = [(job.status, bytes(job.payload)) for job in jobs]
    engine.dispose()
    return found


def written(db: Db, order_id: str) -> tuple[int, int]:
    """How many orders carry `order_id`, and how many ledger entries note their number."""
    engine = open_database(db.url)
    with read_session(engine) as session:
        orders = session.exec(select(RedemptionOrder).where(RedemptionOrder.id == order_id)).all()
        numbers = [order.number for order in orders]
        entries = session.exec(select(LedgerEntry).where(col(LedgerEntry.note).in_(numbers))).all()
        counted = (len(orders), len(entries))
    engine.dispose()
    return counted


def test_the_cli_queues_the_same_receipt_bytes_as_the_app(
    cli: Cli, demo_db: Db, db: Db, make_app: AppFactory
) -> None:
    # Two copies of one demo world at one instant: the CLI redeems on one, the app on the other.
    result = cli("redeem", "HP0001", "2:2", "25", *SHOP, "--order-id", ORDER_ID, "--json")
    assert result.code == 0, result.err
    app = make_app()
    with read_session(app.backend.engine) as session:
        household = session.exec(select(Household).where(Household.code == "HP0001")).one()
    by_app = app.backend.redeem(
        household.id,
        [RedeemLine(2, 2, hand_over=False), RedeemLine(25, 1)],
        "shop-heping",
        ORDER_ID,
    )
    assert result.json()["order"] == by_app.number
    from_cli = receipts(demo_db, ORDER_ID)
    from_app = receipts(db, ORDER_ID)
    assert [status for status, _ in from_cli] == ["queued"]
    assert from_cli == from_app


def test_the_same_order_id_twice_writes_one_order(cli: Cli, demo_db: Db) -> None:
    first = cli("redeem", "HP0001", "2", *SHOP, "--order-id", ORDER_ID, "--json")
    assert first.code == 0, first.err
    # The answer was lost; the shopkeeper's script runs the same command again.
    again = cli("redeem", "HP0001", "2", *SHOP, "--order-id", ORDER_ID, "--json")
    assert again.code == 0, again.err
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert {key: value for key, value in again.json().items() if key != "replayed"} == {
        key: value for key, value in first.json().items() if key != "replayed"
    }
    assert written(demo_db, ORDER_ID) == (1, 1)
    assert len(receipts(demo_db, ORDER_ID)) == 1
    # In words too: the second run says it redeemed nothing more.
    text = cli("redeem", "HP0001", "2", *SHOP, "--order-id", ORDER_ID.upper())
    assert text.code == 0 and "nothing redeemed again" in text.out
    assert written(demo_db, ORDER_ID) == (1, 1)


def test_an_order_id_that_is_no_uuid_exits_2_and_changes_nothing(cli: Cli, demo_db: Db) -> None:
    before = dump(demo_db.path)
    result = cli("redeem", "HP0001", "2", *SHOP, "--order-id", "order-1")
    assert (result.code, result.out) == (2, "")
    assert "--order-id takes a UUID" in result.err and "UUID" in result.err
    assert dump(demo_db.path) == before


def test_the_json_names_lines_and_items_as_the_orders_report_does(cli: Cli) -> None:
    redeemed = cli("redeem", "HP0001", "2:2", "25", *SHOP, "--json").json()
    listed = cli("orders", "--household", "HP0001", "--json").json()
    ours = next(order for order in listed if order["order"] == redeemed["order"])
    keys = ("line_no", "item_no", "name", "quantity", "points")
    assert [tuple(line[k] for k in keys) for line in redeemed["lines"]] == [
        tuple(line[k] for k in keys) for line in ours["lines"]
    ]
    catalogue = cli("catalog", "list", "--json").json()
    assert {"item_no", "name", "points"} <= set(catalogue[0])
