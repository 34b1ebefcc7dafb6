"""Chunk boundaries and transactions: a push chunk never ends inside the rows one kiosk
transaction wrote, whatever the chunk size, so a kiosk cut off between two chunks leaves the
central a set of whole transactions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from kiosk.core.awards import award
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.declarations import approve, file_declaration
from kiosk.core.disputes import raise_dispute, resolve_correct
from kiosk.core.fulfilment import cancel_line
from kiosk.core.households import household_by_code
from kiosk.core.invariants import check_ledger
from kiosk.core.models import Declaration, Dispute, LedgerEntry, RedemptionOrder
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from sync import central
from sync.client import LocalCentral, local_last_seq, push_payloads, run_sync
from tests.sync.harness import NOW, Central, Kiosk, copy_file, new_kiosk, write_awards

Work = Callable[[Session], object]


def _redeem(session: Session) -> object:
    # Two lines handed over (a hand-over and a stock movement each), one left pending.
    return redeem(
        session,
        household=household_by_code(session, "HP0001"),
        lines=[
            RedeemLine(1, 1, hand_over=True),
            RedeemLine(2, 1, hand_over=True),
            RedeemLine(3, 1),
        ],
        operator=operator_by_id(session, "shop-heping"),
        now=NOW,
    )


def _cancel(session: Session) -> object:
    order = session.exec(select(RedemptionOrder).order_by(col(RedemptionOrder.origin_seq))).first()
    assert order is not None
    return cancel_line(session, order, 3, "不要了", operator_by_id(session, "admin-heping"), NOW)


def _mutual_help(session: Session) -> object:
    return award(
        session,
        household=household_by_code(session, "HP0002"),
        rule_id="P08",
        quantity=1,
        operator=operator_by_id(session, "admin-heping"),
        now=NOW,
        helper=household_by_code(session, "HP0003"),
    )


def _declare(session: Session) -> object:
    return file_declaration(
        session,
        household=household_by_code(session, "HP0003"),
        rule_id="P08",
        quantity=1,
        description="帮邻居清扫村道",
        now=NOW,
        helper=household_by_code(session, "HP0002"),
    )


def _approve(session: Session) -> object:
    # The decision and the two entries it writes: tied by the decision's entry_ids alone.
    filed = session.exec(select(Declaration)).one()
    return approve(session, ref=filed.id, operator=operator_by_id(session, "admin-heping"), now=NOW)


def _dispute(session: Session) -> object:
    entry = session.exec(
        select(LedgerEntry).where(
            col(LedgerEntry.group_id).is_not(None),
            col(LedgerEntry.helper_for_id).is_(None),
            LedgerEntry.kind == "award",
        )
    ).first()
    assert entry is not None
    return raise_dispute(
        session, entry_ref=entry.id, raised_by="户主", description="没有这回事", now=NOW
    )


def _correct(session: Session) -> object:
    # Two corrections (the award and its helper's) and the resolution naming the first.
    dispute = session.exec(select(Dispute)).one()
    return resolve_correct(
        session,
        ref=dispute.id,
        note="核实有误",
        operator=operator_by_id(session, "admin-heping"),
        now=NOW,
    )


def _transactions(kiosk: Kiosk) -> set[int]:
    """Do the work, a transaction at a time between one-row awards; the last seq of each."""
    ends: set[int] = set()
    for work in (
        _redeem,
        _cancel,
        _mutual_help,
        _declare,
        _approve,
        _dispute,
        _correct,
    ):
        write_awards(kiosk.engine, kiosk.id, "HP0004", 1)
        with write_session(kiosk.engine) as session:
            ends.add(local_last_seq(session, kiosk.id))
            work(session)
        with read_session(kiosk.engine) as session:
            ends.add(local_last_seq(session, kiosk.id))
    return ends


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_chunks_end_only_where_a_transaction_ends(
    size: int, sqlite_template: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{copy_file(sqlite_template, tmp_path / 'central.db')}"
    engine = open_database(url)
    kiosk = new_kiosk(Central(url, engine, "sqlite"), tmp_path, "K-HP-01")
    try:
        run_sync(
            kiosk.engine, LocalCentral(engine, kiosk.id, lambda: NOW), kiosk_id=kiosk.id, now=NOW
        )
        ends = _transactions(kiosk)
        with read_session(kiosk.engine) as session:
            last = local_last_seq(session, kiosk.id)
        # Every transaction here but the one-row awards spans more than a chunk of 1..5.
        assert last >= 20
        expected_first = 1
        for payload, _last in push_payloads(kiosk.engine, kiosk.id, 0, chunk_size=size):
            assert payload["first_seq"] == expected_first
            assert payload["last_seq"] in ends, (payload["first_seq"], payload["last_seq"])
            expected_first = payload["last_seq"] + 1
            # The kiosk dies after any chunk: what the central holds is whole.
            central.receive_push(engine, kiosk.id, payload, NOW)
            with read_session(engine) as session:
                assert check_ledger(session).problems == []
        assert expected_first == last + 1
    finally:
        kiosk.engine.dispose()
        engine.dispose()
