"""The counter's facade: what the kiosk screens ask of the database and the printer, as plain values.

Each method opens one session and calls the domain's service functions; the screens call
these from thread workers, never on the UI thread. Nothing here re-implements a rule:
balances, refusals and orders come from `kiosk.core`, receipts from `kiosk.printing`,
household search and views from `kiosk.services.households`, and the administration
screens' actions from `kiosk.services.administration` (`CounterService.admin`).

Receipt rendering (python-escpos, Pillow, qrcode) and pinyin are imported when first
used, in a worker, so that the kiosk is ready to scan sooner after it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.items import DueClass
from kiosk.core.clock import from_db, local_date
from kiosk.core.codes import OrderScan, parse_scan
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import NotFound, Refused
from kiosk.core.fulfilment import (
    BoardRow,
    CancelResult,
    DeadlineCounts,
    HandoverResult,
    OrderRecord,
    RestockResult,
    board,
    cancel_line,
    counts,
    exchange_point_for,
    order_record,
    resolve_order,
    restock,
)
from kiosk.core.households import look_up, resolve_household
from kiosk.core.models import (
    ExchangePoint,
    Household,
    Operator,
    RedemptionOrder,
    Role,
    Village,
)
from kiosk.core.redemption import (
    Quote,
    RedeemLine,
    RedeemResult,
    order_by_number,
    order_view,
    quote,
)
from kiosk.core.reference import catalog_items, catalog_prices_on, operator_by_id, stock_levels
from kiosk.core.seed import DEMO_PINS
from kiosk.core.sync_state import sync_health
from kiosk.services.administration import Administration
from kiosk.services.households import (
    HouseholdFinder,
    HouseholdHit,
    HouseholdView,
    household_view,
    view_of_summary,
)
from kiosk.services.register import change_pin
from kiosk.services.register import sign_in as check_pin
from kiosk.settings import Settings, kiosk_exchange_point

if TYPE_CHECKING:
    from kiosk.printing.printers import Printer
    from kiosk.printing.queue import PrintResult


@dataclass(frozen=True)
class SignedIn:
    """The operator at the counter, and what the role allows."""

    id: str
    name: str
    role: str
    village_id: str | None
    # Signed in with the office's one-time PIN: the screen must have a new one chosen
    # (kiosk.services.register.change_pin) before anything else.
    must_change_pin: bool = False

    def may(self, roles: Sequence[str]) -> bool:
        return not roles or self.role in roles

    @property
    def serves(self) -> str | None:
        """The one village whose households this operator may serve (shopkeepers and
        village administrators, as `kiosk.core.reference.require_village` says); None
        for a street administrator, who serves every village."""
        return None if self.role == Role.STREET_ADMIN else self.village_id


@dataclass(frozen=True)
class OperatorChoice:
    id: str
    name: str
    role: str
    village: str
    demo_pin: str | None  # shown on the sign-in screen of a demo database only


@dataclass(frozen=True)
class CatalogueRow:
    no: int
    name: str
    points: int
    due_class: str
    due_days: int
    stock: int

    @cached_property
    def initials(self) -> str:
        from catalog.search import pinyin_initials

        return pinyin_initials(self.name)


@dataclass(frozen=True)
class OrderSummary:
    order_id: str
    number: str
    household_code: str
    created_at: datetime
    total: int
    print_status: str  # "queued", "printed", or "none"
    last_error: str | None


@dataclass(frozen=True)
class ScanTarget:
    """What a scan opened: a household, or an order (a receipt's JFO: code)."""

    household: HouseholdView | None = None
    order: RedeemResult | None = None


@dataclass
class QueueState:
    pending: int
    last_error: str | None = None
    printed: list[str] = field(default_factory=list)


class CounterService:
    """The database, the printer and the clock a kiosk app works with."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        printer: Printer | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._printer = printer  # None: the configured one, opened on first use
        self.clock = clock
        self._finder = HouseholdFinder()
        self.admin = Administration(engine, clock)

    @property
    def printer(self) -> Printer:
        if self._printer is None:
            from kiosk.printing.printers import open_printer

            # Asked before each job (serial and network printers answer): one out of paper
            # or offline gets no job, which would vanish into its buffer and count as printed.
            self._printer = open_printer(self.settings.printer, check_status=True)
        return self._printer

    @printer.setter
    def printer(self, printer: Printer) -> None:
        self._printer = printer

    # --- reference ---

    def exchange_point(self) -> tuple[str, str]:
        """(id, name) of the exchange point this kiosk serves."""
        with read_session(self.engine) as session:
            point_id = kiosk_exchange_point(session, self.settings) or ""
            point = session.get(ExchangePoint, point_id) if point_id else None
            return point_id, point.name if point else point_id

    def sync_days_overdue(self) -> int | None:
        """How long this kiosk has gone without a complete sync, when the shop should be
        told (0: it never synced); None when all is well or it does not sync (a demo)."""
        with read_session(self.engine) as session:
            health = sync_health(session)
        now = self.clock()
        if health is None or not health.overdue(now):
            return None
        return health.days_since(now) or 0

    def kiosk_village(self) -> str | None:
        with read_session(self.engine) as session:
            point_id = kiosk_exchange_point(session, self.settings)
            point = session.get(ExchangePoint, point_id) if point_id else None
            return point.village_id if point else None

    def operators(self) -> list[OperatorChoice]:
        """Who may sign in here: this village's operators and the street's administrators."""
        village_id = self.kiosk_village()
        with read_session(self.engine) as session:
            villages = {v.id: v.name for v in session.exec(select(Village))}
            statement = select(Operator).where(Operator.active == True)  # noqa: E712
            if village_id is not None:
                statement = statement.where(
                    (Operator.village_id == village_id) | (Operator.role == Role.STREET_ADMIN)
                )
            rows = session.exec(statement.order_by(col(Operator.role), col(Operator.id))).all()
        order = {Role.SHOPKEEPER: 0, Role.VILLAGE_ADMIN: 1, Role.STREET_ADMIN: 2}
        choices = [
            OperatorChoice(
                id=o.id,
                name=o.name,
                role=o.role,
                village=villages.get(o.village_id or "", ""),
                demo_pin=DEMO_PINS.get(Role(o.role)) if self.settings.demo else None,
            )
            for o in rows
        ]
        return sorted(choices, key=lambda c: (order.get(Role(c.role), 9), c.id))

    def sign_in(self, operator_id: str, pin: str) -> SignedIn:
        """Check the PIN (scrypt: tens of milliseconds, so call it from a worker): the one the
        operator chose on this kiosk, else the office's; every attempt is recorded and wrong
        ones make the operator wait (kiosk.services.register.sign_in)."""
        operator, must_change = check_pin(self.engine, operator_id, pin, self.clock())
        return SignedIn(operator.id, operator.name, operator.role, operator.village_id, must_change)

    def change_pin(self, operator_id: str, one_time_pin: str, new_pin: str) -> None:
        """Replace the office's one-time PIN by the operator's own, on this kiosk (scrypt:
        call it from a worker); refused by the register's rules for a weak or wrong PIN."""
        change_pin(self.engine, operator_id, one_time_pin, new_pin, self.clock())

    # --- households ---

    def household(self, code_or_id: str, operator: SignedIn | None = None) -> HouseholdView:
        """The household's view; refused at once when `operator` may not serve it."""
        now = self.clock()
        with read_session(self.engine) as session:
            household = session.get(Household, code_or_id) or resolve_household(session, code_or_id)
            _check_serves(session, household.code, household.village_id, operator)
            return household_view(session, household, now)

    def open_scan(self, raw: str, operator: SignedIn | None = None) -> ScanTarget:
        """What a scanned (or typed) code opens; garbled, forged, revoked, unknown: DomainError.

        A household of another village is refused here, before any screen of it opens:
        nothing `operator` could do there would be allowed (redeem, award).
        """
        scan = parse_scan(raw)
        if isinstance(scan, OrderScan):
            with read_session(self.engine) as session:
                return ScanTarget(order=order_view(session, order_by_number(session, scan.number)))
        now = self.clock()
        # The card's checks and the summary in one lean read (`look_up`, as the bench's
        # lookup row measures it); what else the screen shows in a session after it. A
        # commit between the two (this kiosk's own, or a sync) can only make the open
        # lines newer than the balance, and the screen reloads whenever it comes back.
        summary = look_up(self.engine, raw, now)
        with read_session(self.engine) as session:
            _check_serves(session, summary.code, summary.village_id, operator)
            return ScanTarget(household=view_of_summary(session, summary, now))

    def find_households(self, query: str, operator: SignedIn | None) -> list[HouseholdHit]:
        """By short code, by a part of the head's name, or by the pinyin of it: for a
        village's operator only its households, for a street administrator any (this
        kiosk's village first)."""
        if operator is None:
            return []  # signed out while typing
        village_id = self.kiosk_village() or operator.village_id
        with read_session(self.engine) as session:
            return self._finder.find(session, query, village_id, within=operator.serves)

    # --- redeeming ---

    def catalogue(self, village_id: str) -> list[CatalogueRow]:
        """The catalogue with the stock of the exchange point serving `village_id`."""
        with read_session(self.engine) as session:
            point_id = self._point_for(session, village_id)
            stock = stock_levels(session, point_id) if point_id else {}
            prices = catalog_prices_on(session, local_date(self.clock()))
            return [
                CatalogueRow(
                    item.no,
                    item.name,
                    prices[item.no],
                    item.due_class,
                    DueClass(item.due_class).days,
                    stock.get(item.no, 0),
                )
                for item in catalog_items(session)
            ]

    def _point_for(self, session: Session, village_id: str) -> str | None:
        candidate = kiosk_exchange_point(session, self.settings)
        point = session.get(ExchangePoint, candidate) if candidate else None
        if point is not None and point.village_id == village_id:
            return point.id
        first = session.exec(
            select(ExchangePoint.id)
            .where(ExchangePoint.village_id == village_id)
            .order_by(col(ExchangePoint.id))
        ).first()
        return first

    @staticmethod
    def search_catalogue(query: str, rows: Sequence[CatalogueRow]) -> list[CatalogueRow]:
        from catalog.search import search_items

        return search_items(query, rows)

    def quote(self, household_id: str, lines: Sequence[RedeemLine]) -> Quote:
        with read_session(self.engine) as session:
            household = session.get(Household, household_id)
            if household is None:
                raise NotFound("code.unknown", code=household_id)
            return quote(session, household, lines, self.clock())

    def redeem(
        self, household_id: str, lines: Sequence[RedeemLine], operator_id: str, order_id: str
    ) -> RedeemResult:
        """Commit the order and queue its receipt, together: one order per `order_id`, ever.

        A retry with the same `order_id` (the first attempt's answer was lost) gets the
        committed order back and queues nothing new.
        """
        from kiosk.services.redemption import redeem_and_queue_receipt

        now = self.clock()
        with write_session(self.engine) as session:
            household = session.get(Household, household_id)
            if household is None:
                raise NotFound("code.unknown", code=household_id)
            result = redeem_and_queue_receipt(
                session,
                household=household,
                lines=lines,
                operator=operator_by_id(session, operator_id),
                now=now,
                exchange_point_id=self._point_for(session, household.village_id),
                order_id=order_id,
                columns=self.settings.columns,
                encoding=self.settings.encoding,
            )
        return result

    # --- receipts and the printer ---

    def print_queue(self) -> PrintResult:
        """Send every queued receipt to the printer; a failure is kept on the job."""
        from kiosk.printing.queue import print_pending

        with Session(self.engine, expire_on_commit=False) as session:
            return print_pending(session, self.printer, self.clock())

    def reprint(self, order_id: str) -> None:
        """Queue a marked reprint of an order's receipt (the worker prints it)."""
        from kiosk.printing.order_receipt import queue_receipt

        now = self.clock()
        with write_session(self.engine) as session:
            order = order_by_number(session, order_id)
            queue_receipt(
                session,
                order,
                now=now,
                columns=self.settings.columns,
                encoding=self.settings.encoding,
                reprint=True,
            )

    def receipt_preview(self, order_id: str) -> tuple[RedeemResult, str]:
        """The order and the text of its latest receipt as the paper shows it."""
        from kiosk.printing.order_receipt import latest_receipt_job, receipt_bytes
        from kiosk.printing.preview import preview_text

        with read_session(self.engine) as session:
            order = order_by_number(session, order_id)
            job = latest_receipt_job(session, order.id)
            payload = (
                bytes(job.payload)
                if job is not None
                else receipt_bytes(
                    session,
                    order,
                    printed_at=from_db(order.created_at),
                    columns=self.settings.columns,
                    encoding=self.settings.encoding,
                )
            )
            view = order_view(session, order)
        return view, preview_text(payload, self.settings.encoding, columns=self.settings.columns)

    def recent_orders(self, limit: int = 50) -> list[OrderSummary]:
        """The newest orders of this database with the state of their latest receipt."""
        from kiosk.printing.order_receipt import latest_receipt_job

        with read_session(self.engine) as session:
            orders = session.exec(
                select(RedemptionOrder, Household.code)
                .join(Household, col(Household.id) == col(RedemptionOrder.household_id))
                .order_by(
                    col(RedemptionOrder.created_at).desc(), col(RedemptionOrder.number).desc()
                )
                .limit(limit)
            ).all()
            summaries: list[OrderSummary] = []
            for order, code in orders:
                job = latest_receipt_job(session, order.id)
                summaries.append(
                    OrderSummary(
                        order.id,
                        order.number,
                        code,
                        from_db(order.created_at),
                        order.total,
                        job.status if job else "none",
                        job.last_error if job else None,
                    )
                )
            return summaries

    def demo_payload(self, index: int) -> str | None:
        """A demo card's payload as a scanner would type it (demo databases keep their key)."""
        if not self.settings.demo:
            return None
        from kiosk.core.codes import CardSigner

        key_path = self.settings.card_key_path
        if key_path is None or not key_path.exists():
            return None
        village_id = self.kiosk_village()
        with read_session(self.engine) as session:
            statement = select(Household).order_by(col(Household.code)).limit(5)
            if village_id:
                statement = statement.where(Household.village_id == village_id)
            households = session.exec(statement).all()
        if not households:
            return None
        household = households[index % len(households)]
        return CardSigner.from_file(key_path).payload(household.code, household.card_version)

    # --- goods owed: the deadline board, hand-overs, cancellations, restocking ---

    def deadline_counts(self) -> DeadlineCounts:
        """Overdue and due-today lines of this kiosk's exchange point (all at the street)."""
        point_id = self.exchange_point()[0] or None
        with read_session(self.engine) as session:
            return counts(session, self.clock(), exchange_point=point_id)

    def deadline_board(
        self, *, village: str | None, item_no: int | None, household: str | None
    ) -> list[BoardRow]:
        point_id = self.exchange_point()[0] or None
        with read_session(self.engine) as session:
            return board(
                session,
                self.clock(),
                village=village,
                item_no=item_no,
                household=household,
                exchange_point=point_id,
            )

    def order_to_hand_over(self, number: str) -> tuple[OrderRecord, set[str]]:
        """An order's lines, and which of its open lines the shelf holds goods for."""
        now = self.clock()
        with read_session(self.engine) as session:
            record = order_record(session, resolve_order(session, number), now)
            # "Ready" as the board says it: stock goes to the line due first.
            ready = {
                row.line.line_id
                for row in board(session, now, household=record.household_code)
                if row.order_id == record.order_id and row.ready
            }
        return record, ready

    def hand_over(self, number: str, line_nos: Sequence[int], operator_id: str) -> HandoverResult:
        """Hand the lines over and queue the slip, together (empty: the service says to choose)."""
        from kiosk.services.fulfilment import hand_over_and_queue_slip

        now = self.clock()
        with write_session(self.engine) as session:
            return hand_over_and_queue_slip(
                session,
                resolve_order(session, number),
                line_nos,
                operator_by_id(session, operator_id),
                now,
                columns=self.settings.columns,
                encoding=self.settings.encoding,
            )

    def cancel_line(self, number: str, line_no: int, reason: str, operator_id: str) -> CancelResult:
        now = self.clock()
        with write_session(self.engine) as session:
            return cancel_line(
                session,
                resolve_order(session, number),
                line_no,
                reason,
                operator_by_id(session, operator_id),
                now,
            )

    def restock(self, item_no: int, qty: int, operator_id: str) -> RestockResult:
        """Goods delivered to this kiosk's exchange point (the operator's, at the street)."""
        now = self.clock()
        point_id = self.exchange_point()[0] or None
        with write_session(self.engine) as session:
            operator = operator_by_id(session, operator_id)
            point = exchange_point_for(session, operator, point_id)
            return restock(session, point, item_no, qty, operator, now)


def _check_serves(session: Session, code: str, village_id: str, operator: SignedIn | None) -> None:
    if operator is None or operator.serves in (None, village_id):
        return
    village = session.get(Village, village_id)
    raise Refused(
        "household.other_village",
        code=code,
        village=village.name if village else village_id,
    )
