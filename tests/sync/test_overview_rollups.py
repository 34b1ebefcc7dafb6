"""The overview's trigger-kept figures stay equal to a recount from the records through a
random run of real operations: a kiosk's awards, deductions, redemptions, hand-overs,
cancellations, restocks, declarations and disputes, the office's register changes and month
close at the central, and the nightly sync that carries them there (COPY on PostgreSQL); on
a SQLite and a PostgreSQL central. Concurrent writers on PostgreSQL lose no count."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from kiosk.core.awards import award
from kiosk.core.clock import SHANGHAI
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import approve, file_declaration
from kiosk.core.disputes import raise_dispute, resolve_correct
from kiosk.core.errors import DomainError
from kiosk.core.fulfilment import cancel_line, hand_over, restock
from kiosk.core.households import household_by_code
from kiosk.core.ledger import append_entry
from kiosk.core.models import Cancellation, ExchangePoint, Handover, OrderLine, RedemptionOrder
from kiosk.core.notice import Quarter
from kiosk.core.overview import office_overview
from kiosk.core.periods import close_month
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from kiosk.core.register import leave_household, set_participation
from kiosk.core.rollup_models import VillageMonthFlow
from kiosk.core.rollups import rollup_differences
from tests.support.worlds import SOAP, TOOTHPASTE
from tests.sync.harness import RULE_VERSION, Central, Clock, Kiosk, LiveServer, new_kiosk

START = datetime(2026, 6, 28, 9, 0, tzinfo=SHANGHAI)
# Moments either side of Chongqing's midnight into July (and into the third quarter), which
# is still 30 June in UTC: the months and quarters must be Chongqing's.
BOUNDARY = (
    datetime(2026, 6, 30, 23, 40, tzinfo=SHANGHAI),
    datetime(2026, 7, 1, 0, 20, tzinfo=SHANGHAI),
)
CODES = ("HP0001", "HP0002", "HP0003", "HP0004")
STEPS = 45


def _agree(engine: Engine, what: str) -> None:
    with read_session(engine) as session:
        problems = rollup_differences(session)
    assert problems == [], f"after {what}: {problems}"


class Run:
    """One random run: the kiosk K-HP-01 and the central, a moving clock."""

    def __init__(
        self, central: Central, kiosk: Kiosk, server: LiveServer, seed: int, tmp_path: Path
    ) -> None:
        self.central, self.kiosk, self.server = central, kiosk, server
        self.photo, self.evidence = tmp_path / "deed.png", tmp_path / "evidence"
        Image.new("RGB", (40, 30), (30, 140, 60)).save(self.photo)
        self.rng = random.Random(seed)
        self.now = START
        self.awarded: list[tuple[Engine, str]] = []  # (where, entry id)
        self.done: list[str] = []

    def tick(self) -> None:
        if self.now < BOUNDARY[0] and self.rng.random() < 0.15:
            self.now = BOUNDARY[0]
        elif BOUNDARY[0] <= self.now < BOUNDARY[1] and self.rng.random() < 0.5:
            self.now = BOUNDARY[1]
        else:
            self.now += timedelta(minutes=self.rng.choice((10, 60, 180, 600)))

    def code(self) -> str:
        return self.rng.choice(CODES)

    # --- at the kiosk --------------------------------------------------------------------

    def kiosk_award(self, engine: Engine | None = None) -> None:
        engine = engine or self.kiosk.engine
        rule = self.rng.choice(("P03", "P03", "P02", "N03"))
        with write_session(engine) as session:
            result = award(
                session,
                household=household_by_code(session, self.code()),
                rule_id=rule,
                quantity=1,
                operator=operator_by_id(session, "admin-heping"),
                now=self.now,
            )
        self.awarded += [(engine, e.id) for e in result.entries]

    def kiosk_redeem(self) -> None:
        items = self.rng.sample((TOOTHPASTE, SOAP), self.rng.randint(1, 2))
        with write_session(self.kiosk.engine) as session:
            redeem(
                session,
                household=household_by_code(session, self.code()),
                lines=[
                    RedeemLine(no, self.rng.randint(1, 2), self.rng.random() < 0.4) for no in items
                ],
                operator=operator_by_id(session, "shop-heping"),
                now=self.now,
            )

    def _pending_line(self, session: object) -> tuple[RedemptionOrder, int] | None:
        rows = session.exec(  # type: ignore[attr-defined]
            select(RedemptionOrder, OrderLine)
            .join(OrderLine, col(OrderLine.order_id) == col(RedemptionOrder.id))
            .where(~select(Handover.id).where(col(Handover.line_id) == col(OrderLine.id)).exists())
            .where(
                ~select(Cancellation.id)
                .where(col(Cancellation.line_id) == col(OrderLine.id))
                .exists()
            )
            .order_by(col(OrderLine.id))
        ).all()
        if not rows:
            return None
        # Half the time the line longest due: some are handed over late.
        order, line = (
            min(rows, key=lambda r: r[1].due_at)
            if self.rng.random() < 0.5
            else self.rng.choice(rows)
        )
        return order, line.line_no

    def kiosk_hand_over(self) -> None:
        with write_session(self.kiosk.engine) as session:
            found = self._pending_line(session)
            if found:
                hand_over(
                    session, found[0], [found[1]], operator_by_id(session, "shop-heping"), self.now
                )

    def kiosk_cancel(self) -> None:
        with write_session(self.kiosk.engine) as session:
            found = self._pending_line(session)
            if found:
                cancel_line(
                    session,
                    found[0],
                    found[1],
                    "不要了",
                    operator_by_id(session, "admin-heping"),
                    self.now,
                )

    def kiosk_restock(self) -> None:
        with write_session(self.kiosk.engine) as session:
            restock(
                session,
                session.get(ExchangePoint, "heping-shop"),  # type: ignore[arg-type]
                self.rng.choice((TOOTHPASTE, SOAP)),
                self.rng.randint(1, 5),
                operator_by_id(session, "shop-heping"),
                self.now,
            )

    def declare_and_decide(self, engine: Engine | None = None) -> None:
        engine = engine or self.kiosk.engine
        with write_session(engine) as session:
            view = file_declaration(
                session,
                household=household_by_code(session, self.code()),
                rule_id="P03",
                quantity=1,
                description="照顾老人",
                now=self.now,
                photos=[self.photo],
                evidence_dir=self.evidence,
            )
        if self.rng.random() < 0.6:  # some stay waiting
            with write_session(engine) as session:
                approve(
                    session,
                    ref=view.id,
                    operator=operator_by_id(session, "admin-heping"),
                    now=self.now,
                )

    def dispute_and_correct(self, engine: Engine | None = None) -> None:
        engine = engine or self.kiosk.engine
        mine = [entry for where, entry in self.awarded if where is engine]
        if not mine:
            return
        with write_session(engine) as session:
            view = raise_dispute(
                session,
                entry_ref=self.rng.choice(mine),
                raised_by="户主",
                description="记错了",
                now=self.now,
            )
        if self.rng.random() < 0.7:
            with write_session(engine) as session:
                resolve_correct(
                    session,
                    ref=view.id,
                    note="核实有误",
                    operator=operator_by_id(session, "admin-heping"),
                    now=self.now,
                )

    def sync(self) -> None:
        self.kiosk.sync(self.server.url, now=self.now)

    # --- at the central ------------------------------------------------------------------

    def central_award(self) -> None:
        self.kiosk_award(self.central.engine)

    def central_dispute(self) -> None:
        self.dispute_and_correct(self.central.engine)

    def central_declaration(self) -> None:
        self.declare_and_decide(self.central.engine)

    def central_participation(self) -> None:
        change = self.rng.choice(("opt_out", "opt_in", "absent", "present", "leave"))
        with write_session(self.central.engine) as session:
            if change == "leave":
                leave_household(
                    session, self.code(), reason="迁出", operator_id="street-admin", now=self.now
                )
            else:
                set_participation(
                    session, self.code(), change, operator_id="street-admin", now=self.now
                )

    def central_close(self) -> None:
        with write_session(self.central.engine) as session:
            close_month(session, 2026, 6, self.now)

    def step(self) -> None:
        operations: list[tuple[int, Callable[[], None]]] = [
            (6, self.kiosk_award),
            (4, self.kiosk_redeem),
            (3, self.kiosk_hand_over),
            (2, self.kiosk_cancel),
            (1, self.kiosk_restock),
            (2, self.declare_and_decide),
            (2, self.dispute_and_correct),
            (3, self.sync),
            (2, self.central_award),
            (1, self.central_dispute),
            (1, self.central_declaration),
            (2, self.central_participation),
            (1, self.central_close),
        ]
        weights, actions = zip(*operations, strict=True)
        action = self.rng.choices(actions, weights)[0]
        self.tick()
        try:
            action()
            self.done.append(action.__name__)
        except DomainError as refused:  # refused as a clerk would be: nothing written
            self.done.append(f"{action.__name__} refused ({refused.key})")
        what = f"step {len(self.done)}: {self.done[-1]} at {self.now.isoformat()}"
        _agree(self.kiosk.engine, f"{what} (kiosk)")
        _agree(self.central.engine, f"{what} (central)")


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_figures_equal_a_recount_after_every_operation(
    central: Central, server: LiveServer, clock: Clock, tmp_path: Path, seed: int
) -> None:
    clock.at = datetime(2026, 7, 10, 12, tzinfo=SHANGHAI)
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url, now=START)
    run = Run(central, kiosk, server, seed, tmp_path)
    for _ in range(STEPS):
        run.step()
    run.sync()
    _agree(central.engine, "the last sync")
    # The run reached every kind of write and both sides of the boundary, not only refusals.
    done = set(run.done)
    for needed in ("kiosk_award", "kiosk_redeem", "kiosk_hand_over", "sync", "central_award"):
        assert needed in done, run.done
    assert run.now > BOUNDARY[1]
    # And the overview reads what the records say: both quarters have flows.
    with read_session(central.engine) as session:
        for quarter in (Quarter(2026, 2), Quarter(2026, 3)):
            heping = next(
                v
                for v in office_overview(session, quarter, run.now).villages
                if v.village_id == "heping"
            )
            assert any(m.awarded or m.redeemed for m in heping.months), (quarter, heping)


def test_concurrent_writers_on_postgresql_lose_no_count(central: Central) -> None:
    """Two writers of different origins (each its own counter, so nothing else orders them)
    add to the same village and month at once, each holding its transaction open a moment
    after its insert: the second upsert waits on the row the first holds and adds to what
    the first committed, so the kept sum is every award."""
    if central.kind != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    when = datetime(2026, 6, 20, 10, tzinfo=SHANGHAI)
    per_writer, points = 12, 10

    def write(origin: str, code: str, hold: float) -> None:
        with write_session(central.engine) as session:
            append_entry(
                session,
                household_id=household_by_code(session, code).id,
                points=points,
                kind="award",
                at=when,
                origin=origin,
                rule_id="P03",
                rule_version=RULE_VERSION,
                quantity=1,
                operator_id="admin-heping",
            )
            time.sleep(hold)  # the row lock is held until this commit

    # Each origin's counter row exists before the race (its first insert is a race apart).
    write("K-HP-01", "HP0001", 0)
    write("K-HP-02", "HP0002", 0)
    with read_session(central.engine) as session:
        before = session.get(VillageMonthFlow, ("heping", "2026-06"))
        assert before is not None
        start = before.awarded
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(origin: str, code: str) -> None:
        try:
            barrier.wait()
            for _ in range(per_writer):
                write(origin, code, 0.02)
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=writer, args=args)
        for args in (("K-HP-01", "HP0001"), ("K-HP-02", "HP0002"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with read_session(central.engine) as session:
        kept = session.get(VillageMonthFlow, ("heping", "2026-06"))
    assert kept is not None and kept.awarded == start + 2 * per_writer * points
    _agree(central.engine, "concurrent writers")
