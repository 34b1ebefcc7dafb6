"""The database tables of the kiosk and of the central store (SQLModel; SQLite and PostgreSQL).

Everything that happens is recorded as an insert: ledger entries, orders and their lines,
hand-overs, cancellations, freezes, stock movements, declarations, disputes and their
decisions. Such records carry the `origin` (the kiosk id, or "central") and a per-origin
`origin_seq`, which is what the nightly sync pushes and acknowledges; nothing recorded is
ever updated or deleted. Reference data (villages, households, operators, catalogue items,
rule sets) is upserted by id, newest `server_seq` wins.

Datetimes are aware and stored in UTC (SQLModel's UTCDateTime).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    Table,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    SHOPKEEPER = "shopkeeper"
    VILLAGE_ADMIN = "village_admin"
    STREET_ADMIN = "street_admin"


class EntryKind(StrEnum):
    AWARD = "award"
    DEDUCTION = "deduction"
    WARNING = "warning"
    REDEMPTION = "redemption"
    REFUND = "refund"
    BONUS = "bonus"
    EXPIRY = "expiry"
    CORRECTION = "correction"


class Residency(StrEnum):
    NATIVE = "native"  # 本村村民
    RESIDENT = "resident"  # 在本村长期居住的非本村村民


# --- reference data -------------------------------------------------------------------


class Village(SQLModel, table=True):
    id: str = Field(primary_key=True)  # pinyin slug, e.g. "heping"
    name: str = Field(unique=True)  # 和平
    code_prefix: str = Field(unique=True)  # household short codes start with it, e.g. "HP"
    server_seq: int | None = Field(default=None, index=True)


class ExchangePoint(SQLModel, table=True):
    id: str = Field(primary_key=True)
    village_id: str = Field(foreign_key="village.id", index=True)
    name: str
    server_seq: int | None = Field(default=None, index=True)


class Household(SQLModel, table=True):
    """The unit of scoring (以户为单位): every member's conduct counts for the household."""

    id: str = Field(primary_key=True)
    code: str = Field(unique=True)  # short code typed by hand, e.g. HP0042
    village_id: str = Field(foreign_key="village.id", index=True)
    group_name: str  # 组/社, e.g. "3组"
    head_name: str
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    residency: str = Field(default=Residency.NATIVE)
    # 长期外出 (home under 3 months a year) households take part only if they opted in.
    long_term_absent: bool = False
    opted_in: bool = False
    # A resident may decline to take part (参与: 否) even though present all year.
    opted_out: bool = False
    card_version: int = 1  # bumped when a lost card is reissued; older cards are refused
    created_at: datetime
    # Set when the household leaves the register (moved away, merged into another): its
    # card stops working and its points are not transferable; the row and ledger stay.
    left_at: datetime | None = None
    left_reason: str | None = None
    server_seq: int | None = Field(default=None, index=True)

    @property
    def takes_part(self) -> bool:
        return takes_part(
            opted_out=self.opted_out,
            left=self.left_at is not None,
            long_term_absent=self.long_term_absent,
            opted_in=self.opted_in,
        )


def takes_part(*, opted_out: bool, left: bool, long_term_absent: bool, opted_in: bool) -> bool:
    """Whether a household takes part in the scheme (`Household.takes_part`), from its
    columns: the counter's lookup reads them as a plain row."""
    if opted_out or left:
        return False
    return not long_term_absent or opted_in


class Operator(SQLModel, table=True):
    id: str = Field(primary_key=True)  # login name, e.g. "shop-heping"
    name: str
    role: str
    village_id: str | None = Field(default=None, foreign_key="village.id")
    exchange_point_id: str | None = Field(default=None, foreign_key="exchangepoint.id")
    pin_hash: str  # scrypt, see kiosk.core.pins
    # A PIN the office issued (printed once) must be replaced at the first sign-in on each
    # kiosk; `pin_issued_at` tells a kiosk's own replacement from one made before a reissue.
    pin_one_time: bool = False
    pin_issued_at: datetime | None = None
    active: bool = True
    server_seq: int | None = Field(default=None, index=True)


class CatalogItem(SQLModel, table=True):
    no: int = Field(primary_key=True)  # 附件3 序号
    name: str
    points: int
    due_class: str  # "daily" (2 days) or "appliance" (7 days)
    active: bool = True
    server_seq: int | None = Field(default=None, index=True)


class CatalogPrice(SQLModel, table=True):
    """A new price of a catalogue item from a day on (Asia/Shanghai), set at the central.

    The item's own `points` is its first price (附件3); the price in force on a day is the
    newest of these whose day has come, else that one. Kept forever: an order line keeps
    the price it was made at, and the central checks a pushed line against the day's price.
    """

    id: str = Field(primary_key=True)  # derived from the item number and the day
    item_no: int = Field(foreign_key="catalogitem.no", index=True)
    points: int
    effective_from: date
    set_by: str  # the street administrator's operator id
    set_at: datetime
    server_seq: int | None = Field(default=None, index=True)


class RuleSetRecord(SQLModel, table=True):
    """One version of the rule lists: street-wide, or a village's approved adjustment."""

    id: str = Field(primary_key=True)  # "<set id>@<version>"
    set_id: str
    version: str
    scope_village_id: str | None = Field(default=None, foreign_key="village.id")
    effective_from: date
    body: str  # the TOML text, parsed by rules.loader
    server_seq: int | None = Field(default=None, index=True)


class Meta(SQLModel, table=True):
    """Small key/value facts about this database: kiosk id, card public key, sync cursors."""

    key: str = Field(primary_key=True)
    value: str


class OriginCounter(SQLModel, table=True):
    """The last sequence number handed out per origin; bumped inside each writing transaction."""

    origin: str = Field(primary_key=True)
    last_seq: int = 0


# --- recorded events (insert-only) -------------------------------------------------------


class LedgerEntry(SQLModel, table=True):
    """One signed change of a household's points; corrections are reversing entries."""

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_ledgerentry_origin_seq"),
        # Covers the balance sum so a lookup never touches the table rows.
        Index("ix_ledgerentry_balance", "household_id", "points_year", "points"),
        Index("ix_ledgerentry_rule", "household_id", "rule_id", "created_at"),
        # A quarter's entries for the office's overview (kiosk.core.overview).
        Index("ix_ledgerentry_created_at", "created_at"),
    )

    id: str = Field(primary_key=True)  # UUID made where the entry is created (sync key)
    household_id: str = Field(foreign_key="household.id")
    points_year: int
    points: int
    kind: str
    rule_id: str | None = None
    rule_version: str | None = None
    quantity: int | None = None
    remainder: int | None = None  # units of a rate item left unpaid (item 13)
    order_id: str | None = Field(default=None, index=True)
    reverses_id: str | None = Field(default=None, index=True)
    group_id: str | None = None  # entries that belong together (mutual help, one order)
    helper_for_id: str | None = None  # the household this helper entry was earned helping
    operator_id: str | None = None
    origin: str
    origin_seq: int
    created_at: datetime
    note: str | None = None
    server_seq: int | None = Field(default=None, index=True)
    received_at: datetime | None = None  # central's own clock, set on ingest


class RedemptionOrder(SQLModel, table=True):
    """One redemption at the counter; `number` is what its receipt carries.

    `receipt_seq` is the order's place in its origin's own receipt counter (no other row
    takes from it, so receipt numbers have no gaps): `number` is `<origin>-<receipt_seq>`.
    NULL marks an order numbered before the counter existed, by its `origin_seq`; it keeps
    that printed number, and the counter continues after the highest of them.
    """

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_order_origin_seq"),
        # An index, not a table constraint: SQLite adds one to a table in place, where a
        # constraint would rebuild a table other rows refer to (migration 0009).
        Index("uq_order_receipt_seq", "origin", "receipt_seq", unique=True),
    )

    id: str = Field(primary_key=True)
    number: str = Field(unique=True)  # receipt number, e.g. K-HP-01-000123
    receipt_seq: int | None = None
    household_id: str = Field(foreign_key="household.id", index=True)
    exchange_point_id: str = Field(foreign_key="exchangepoint.id", index=True)
    operator_id: str | None = None
    points_year: int
    total: int
    balance_before: int
    origin: str
    origin_seq: int
    created_at: datetime
    server_seq: int | None = Field(default=None, index=True)


class OrderLine(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_orderline_no"),
        # Lines due in a quarter, for the office's on-time figures (kiosk.core.overview).
        Index("ix_orderline_due_at", "due_at"),
    )

    id: str = Field(primary_key=True)
    order_id: str = Field(foreign_key="redemptionorder.id", index=True)
    line_no: int
    item_no: int
    item_name: str
    qty: int
    unit_points: int
    points: int
    due_class: str
    due_at: datetime


class Handover(SQLModel, table=True):
    """An order line given to the household; a line is handed over at most once."""

    __table_args__ = (UniqueConstraint("origin", "origin_seq", name="uq_handover_origin_seq"),)

    id: str = Field(primary_key=True)
    line_id: str = Field(foreign_key="orderline.id", unique=True)
    operator_id: str | None = None
    handed_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class Cancellation(SQLModel, table=True):
    """A pending line cancelled; its points came back as the refund entry it names."""

    __table_args__ = (UniqueConstraint("origin", "origin_seq", name="uq_cancel_origin_seq"),)

    id: str = Field(primary_key=True)
    line_id: str = Field(foreign_key="orderline.id", unique=True)
    refund_entry_id: str
    reason: str
    operator_id: str | None = None
    cancelled_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class StockMovement(SQLModel, table=True):
    """Goods in or out of an exchange point; stock is the sum of its movements."""

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_stock_origin_seq"),
        Index("ix_stock_point_item", "exchange_point_id", "item_no"),
    )

    id: str = Field(primary_key=True)
    exchange_point_id: str = Field(foreign_key="exchangepoint.id")
    item_no: int
    delta: int
    reason: str  # "restock", "handover", "adjust"
    ref_id: str | None = None  # the hand-over a "handover" movement belongs to
    operator_id: str | None = None
    created_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class Freeze(SQLModel, table=True):
    """Negative item 9: the household earns but may not redeem from `starts_on` to `ends_on`.

    Lifting a freeze is a new record with action "lift", so the history of who froze and
    lifted stays; `kiosk.core.households.freeze_status` says which freeze is in force.
    """

    __table_args__ = (UniqueConstraint("origin", "origin_seq", name="uq_freeze_origin_seq"),)

    id: str = Field(primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True)
    action: str = "freeze"  # or "lift"
    starts_on: date
    ends_on: date  # inclusive, Asia/Shanghai
    reason: str
    operator_id: str | None = None
    created_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class OperatorPin(SQLModel, table=True):
    """The PIN an operator chose on this kiosk in place of the office's one-time PIN; local.

    It stands while the operator's `pin_issued_at` is the one it replaced: a PIN reissued at
    the central makes it void on the next pull, and the new one-time PIN must be changed again.
    """

    operator_id: str = Field(primary_key=True)
    pin_hash: str
    replaces_issued_at: datetime | None = None
    changed_at: datetime


class SignInAttempt(SQLModel, table=True):
    """One PIN check on this kiosk, right or wrong; local. Wrong ones since the last right one
    make the operator wait (kiosk.core.pins.sign_in)."""

    __table_args__ = (Index("ix_signinattempt_operator_at", "operator_id", "at"),)

    id: str = Field(primary_key=True)
    operator_id: str
    at: datetime
    ok: bool


class ReceiptJob(SQLModel, table=True):
    """A receipt or slip waiting for (or already through) this kiosk's printer; local only."""

    id: str = Field(primary_key=True)
    order_id: str = Field(index=True)
    kind: str  # "receipt" or "handover"
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="queued", index=True)  # queued, printed, failed
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime
    printed_at: datetime | None = None


# --- administration: declarations and disputes (issue 6) ---------------------------------
# Insert-only like every record: a filed declaration or raised dispute never changes, and its
# decision is a row of its own, at most one per declaration or dispute (a unique key, so a
# second decision cannot be stored even by two writers racing). Status is derived: no
# decision row means pending / open. The nightly sync carries all four tables by origin_seq.


class DeclarationStatus(StrEnum):
    PENDING = "pending"  # no DeclarationDecision yet; never stored
    APPROVED = "approved"
    REJECTED = "rejected"


class Declaration(SQLModel, table=True):
    """A household's own (自主申报) or mutual-help (互助申报) claim of a positive-list deed."""

    __table_args__ = (UniqueConstraint("origin", "origin_seq", name="uq_declaration_origin_seq"),)

    id: str = Field(primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True)
    # The neighbour, relative or administrator's household that helped declare (互助申报).
    helper_household_id: str | None = Field(default=None, foreign_key="household.id")
    rule_id: str
    quantity: int
    description: str
    # Content-hash file names under the evidence directory beside the database. Only the
    # names travel with the sync; the photo files are carried separately.
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The administrator who filed it for the household (four eyes: never its decider); None
    # for one filed before this was recorded, or without an operator.
    filed_by: str | None = None
    created_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class DeclarationDecision(SQLModel, table=True):
    """An administrator's approval (with the entries it wrote) or rejection of a declaration."""

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_declarationdecision_origin_seq"),
        # Rows arrive from kiosks too: the database, not only the service, keeps them sane.
        CheckConstraint(
            "outcome IN ('approved', 'rejected')", name="ck_declarationdecision_outcome"
        ),
    )

    id: str = Field(primary_key=True)
    declaration_id: str = Field(foreign_key="declaration.id", unique=True)
    outcome: str  # DeclarationStatus.APPROVED or REJECTED
    reason: str | None = None  # why it was rejected
    # The household's entry first, then the helper's (approvals only).
    entry_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_by: str  # operator id
    decided_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class DisputeStatus(StrEnum):
    OPEN = "open"  # no DisputeResolution yet; never stored
    UPHELD = "upheld"  # the entry stands
    CORRECTED = "corrected"  # the entry was reversed by a correction entry


class Dispute(SQLModel, table=True):
    """A villager's objection (异议) to one ledger entry."""

    __table_args__ = (UniqueConstraint("origin", "origin_seq", name="uq_dispute_origin_seq"),)

    id: str = Field(primary_key=True)
    entry_id: str = Field(foreign_key="ledgerentry.id", index=True)
    household_id: str = Field(foreign_key="household.id", index=True)
    raised_by: str  # the villager's own words for who they are; not an operator
    description: str
    # The administrator who recorded it (four eyes: never its decider); None for one
    # recorded before this was kept, or without an operator.
    recorded_by: str | None = None
    created_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


class DisputeResolution(SQLModel, table=True):
    """How the village committee decided a dispute: upheld, or corrected by a reversing entry."""

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_disputeresolution_origin_seq"),
        CheckConstraint(
            "(outcome = 'upheld' AND correction_entry_id IS NULL)"
            " OR (outcome = 'corrected' AND correction_entry_id IS NOT NULL)",
            name="ck_disputeresolution_outcome",
        ),
    )

    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="dispute.id", unique=True)
    outcome: str  # DisputeStatus.UPHELD or CORRECTED
    note: str
    correction_entry_id: str | None = Field(default=None, foreign_key="ledgerentry.id")
    decided_by: str  # operator id
    decided_at: datetime
    origin: str
    origin_seq: int
    server_seq: int | None = Field(default=None, index=True)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for the hot paths that read and write rows as plain tuples:
    building ORM objects costs more than the indexed statement that fills them."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]
