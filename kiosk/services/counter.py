"""What the kiosk screens ask of the database and the printer, as plain values (no Textual).

Each method opens one session and calls the core's service functions; the screens call
these from thread workers, never on the UI thread. Nothing here re-implements a rule:
balances, refusals and orders come from `kiosk.core`, receipts from `kiosk.printing`.

Receipt rendering (python-escpos, Pillow, qrcode) and pinyin are imported when first
used, in a worker, so that the kiosk is ready to scan sooner after it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.items import DueClass
from kiosk.core.clock import from_db, local_date
from kiosk.core.codes import OrderScan, ShortCodeScan, parse_scan
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.households import resolve_household, summarize
from kiosk.core.ledger import meta_get
from kiosk.core.masking import mask_name
from kiosk.core.models import (
    Cancellation,
    ExchangePoint,
    Handover,
    Household,
    Operator,
    OrderLine,
    ReceiptJob,
    RedemptionOrder,
    Role,
    Village,
)
from kiosk.core.pins import verify_pin
from kiosk.core.redemption import (
    Quote,
    RedeemLine,
    RedeemResult,
    order_by_number,
    order_view,
    quote,
)
from kiosk.core.reference import catalog_items, operator_by_id, ruleset_for, stock_levels
from kiosk.core.seed import DEMO_PINS
from kiosk.settings import Settings

if TYPE_CHECKING:
    from kiosk.printing.printers import Printer
    from kiosk.printing.queue import PrintResult

RECENT_ENTRIES = 8
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class SignedIn:
    """The operator at the counter, and what the role allows."""

    id: str
    name: str
    role: str
    village_id: str | None

    def may(self, roles: Sequence[str]) -> bool:
        return not roles or self.role in roles


@dataclass(frozen=True)
class OperatorChoice:
    id: str
    name: str
    role: str
    village: str
    demo_pin: str | None  # shown on the sign-in screen of a demo database only


@dataclass(frozen=True)
class EntryRow:
    at: datetime
    kind: str
    points: int
    what: str  # the rule's matter, or the receipt number of a redemption


@dataclass(frozen=True)
class OpenLine:
    order_number: str
    name: str
    qty: int
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class HouseholdView:
    """Everything the household screen shows; the name is masked unless asked for."""

    id: str
    code: str
    head: str
    village_id: str
    village: str
    group: str
    balance: int
    points_year: int
    frozen_until: date | None
    frozen_reason: str | None
    takes_part: bool
    entries: list[EntryRow]
    open_lines: list[OpenLine]

    @property
    def masked_head(self) -> str:
        return mask_name(self.head)


@dataclass(frozen=True)
class HouseholdHit:
    code: str
    masked_head: str
    village: str
    group: str


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
        self._village_index: dict[str, list[tuple[str, Household]]] = {}

    @property
    def printer(self) -> Printer:
        if self._printer is None:
            from kiosk.printing.printers import open_printer

            self._printer = open_printer(self.settings.printer)
        return self._printer

    @printer.setter
    def printer(self, printer: Printer) -> None:
        self._printer = printer

    # --- reference ---

    def exchange_point(self) -> tuple[str, str]:
        """(id, name) of the exchange point this kiosk serves."""
        with read_session(self.engine) as session:
            point_id = self.settings.exchange_point or meta_get(session, "exchange_point_id") or ""
            point = session.get(ExchangePoint, point_id) if point_id else None
            return point_id, point.name if point else point_id

    def kiosk_village(self) -> str | None:
        with read_session(self.engine) as session:
            point_id = self.settings.exchange_point or meta_get(session, "exchange_point_id")
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
        """Check the PIN (scrypt: tens of milliseconds, so call it from a worker)."""
        with read_session(self.engine) as session:
            operator = operator_by_id(session, operator_id)
        if not pin.isdigit() or not verify_pin(pin, operator.pin_hash):
            raise BadInput("operator.bad_pin")
        return SignedIn(operator.id, operator.name, operator.role, operator.village_id)

    # --- households ---

    def _view(self, session: Session, household: Household, now: datetime) -> HouseholdView:
        summary = summarize(session, household, now)
        ruleset = ruleset_for(session, household.village_id, now)
        entries: list[EntryRow] = []
        for entry in reversed(summary.entries[-RECENT_ENTRIES:]):
            rule = ruleset.get(entry.rule_id) if entry.rule_id else None
            what = f"{rule.id} {_short(rule.text)}" if rule else (entry.note or entry.rule_id or "")
            entries.append(EntryRow(entry.created_at, entry.kind, entry.points, what))
        return HouseholdView(
            id=summary.id,
            code=summary.code,
            head=summary.head,
            village_id=summary.village_id,
            village=summary.village,
            group=summary.group,
            balance=summary.balance,
            points_year=summary.points_year,
            frozen_until=summary.frozen.until if summary.frozen else None,
            frozen_reason=summary.frozen.reason if summary.frozen else None,
            takes_part=summary.takes_part,
            entries=entries,
            open_lines=self._open_lines(session, household.id, now),
        )

    @staticmethod
    def _open_lines(session: Session, household_id: str, now: datetime) -> list[OpenLine]:
        """Lines redeemed but neither handed over nor cancelled, oldest due first."""
        rows = session.exec(
            select(OrderLine, RedemptionOrder.number)
            .join(RedemptionOrder, col(RedemptionOrder.id) == col(OrderLine.order_id))
            .join(Handover, col(Handover.line_id) == col(OrderLine.id), isouter=True)
            .join(Cancellation, col(Cancellation.line_id) == col(OrderLine.id), isouter=True)
            .where(
                RedemptionOrder.household_id == household_id,
                col(Handover.id).is_(None),
                col(Cancellation.id).is_(None),
            )
            .order_by(col(OrderLine.due_at))
        ).all()
        return [
            OpenLine(
                number, line.item_name, line.qty, from_db(line.due_at), from_db(line.due_at) < now
            )
            for line, number in rows
        ]

    def household(self, code_or_id: str) -> HouseholdView:
        now = self.clock()
        with read_session(self.engine) as session:
            household = session.get(Household, code_or_id) or resolve_household(session, code_or_id)
            return self._view(session, household, now)

    def open_scan(self, raw: str) -> ScanTarget:
        """What a scanned (or typed) code opens; garbled, forged, revoked, unknown: DomainError."""
        scan = parse_scan(raw)
        with read_session(self.engine) as session:
            if isinstance(scan, OrderScan):
                return ScanTarget(order=order_view(session, order_by_number(session, scan.number)))
            household = resolve_household(session, raw)
            return ScanTarget(household=self._view(session, household, self.clock()))

    def find_households(self, query: str, village_id: str | None) -> list[HouseholdHit]:
        """By short code, by a part of the head's name, or by the pinyin initials of it.

        Initials are matched within one village (a kiosk's own), so the index stays small;
        names and codes are looked up across the street.
        """
        needle = query.strip()
        if not needle:
            return []
        with read_session(self.engine) as session:
            villages = {v.id: v.name for v in session.exec(select(Village))}
            try:
                if isinstance(parse_scan(needle), ShortCodeScan):
                    found = session.exec(
                        select(Household).where(Household.code == needle.upper())
                    ).all()
                    return [self._hit(h, villages) for h in found]
            except BadInput:
                pass
            if not needle.isascii():
                statement = select(Household).where(col(Household.head_name).contains(needle))
                if village_id:
                    statement = statement.order_by(
                        (col(Household.village_id) != village_id), col(Household.code)
                    )
                found = session.exec(statement.limit(SEARCH_LIMIT)).all()
                return [self._hit(h, villages) for h in found]
            if needle.isalnum() and not needle.isalpha():
                # The start of a short code (hp00...): codes are unique and indexed.
                found = session.exec(
                    select(Household)
                    .where(col(Household.code).startswith(needle.upper()))
                    .order_by(col(Household.code))
                    .limit(SEARCH_LIMIT)
                ).all()
                return [self._hit(h, villages) for h in found]
            if not village_id or not needle.isalpha():
                return []
            index = self._initials_index(session, village_id)
        lower = needle.lower()
        starts = [h for initials, h in index if initials.startswith(lower)]
        within = [
            h for initials, h in index if lower in initials and not initials.startswith(lower)
        ]
        return [self._hit(h, villages) for h in (starts + within)[:SEARCH_LIMIT]]

    def _initials_index(self, session: Session, village_id: str) -> list[tuple[str, Household]]:
        from catalog.search import pinyin_initials

        if village_id not in self._village_index:
            households = session.exec(
                select(Household)
                .where(Household.village_id == village_id)
                .order_by(col(Household.code))
            ).all()
            self._village_index[village_id] = [
                (pinyin_initials(h.head_name), h) for h in households
            ]
        return self._village_index[village_id]

    @staticmethod
    def _hit(household: Household, villages: dict[str, str]) -> HouseholdHit:
        return HouseholdHit(
            household.code,
            mask_name(household.head_name),
            villages.get(household.village_id, household.village_id),
            household.group_name,
        )

    # --- redeeming ---

    def catalogue(self, village_id: str) -> list[CatalogueRow]:
        """The catalogue with the stock of the exchange point serving `village_id`."""
        with read_session(self.engine) as session:
            point_id = self._point_for(session, village_id)
            stock = stock_levels(session, point_id) if point_id else {}
            return [
                CatalogueRow(
                    item.no,
                    item.name,
                    item.points,
                    item.due_class,
                    DueClass(item.due_class).days,
                    stock.get(item.no, 0),
                )
                for item in catalog_items(session)
            ]

    def _point_for(self, session: Session, village_id: str) -> str | None:
        candidate = self.settings.exchange_point or meta_get(session, "exchange_point_id")
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

    def pending_receipts(self) -> int:
        with read_session(self.engine) as session:
            return int(
                session.exec(
                    select(func.count())
                    .select_from(ReceiptJob)
                    .where(ReceiptJob.status == "queued")
                ).one()
            )

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

    def today(self) -> date:
        return local_date(self.clock())


def _short(text: str, limit: int = 10) -> str:
    """The head of a rule's text, enough to recognise it in a narrow column."""
    head = text.split("：")[0]
    return head if len(head) <= limit else head[: limit - 1] + "…"


def refusal_message(refusal: Refused | None, language: str) -> str:
    return refusal.message(language) if refusal is not None else ""
