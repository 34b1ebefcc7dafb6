"""The central store's own tables: registered kiosks, the server sequence, sync alerts and the
register's change log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class SyncKiosk(SQLModel, table=True):
    """A kiosk allowed to sync, its credential (hashes only) and what it last reported."""

    id: str = Field(primary_key=True)  # the kiosk's origin, e.g. K-HP-01
    village_id: str = Field(foreign_key="village.id", index=True)
    exchange_point_id: str = Field(foreign_key="exchangepoint.id")
    # sha256 of the secret for HTTP sign-in; the bundle key is derived separately so the
    # stored sign-in hash alone cannot forge an offline bundle (see sync.credentials).
    secret_hash: str
    bundle_key: str
    created_at: datetime
    revoked_at: datetime | None = None
    # The highest origin_seq of this kiosk the central holds with nothing missing before it.
    acked_seq: int = 0
    reported_seq: int = 0  # the kiosk's own last origin_seq, as it said at its last hello
    last_seen_at: datetime | None = None
    last_sync_at: datetime | None = None  # the end of its last complete pull
    clock_skew_s: float | None = None  # kiosk clock minus central clock at its last hello


class SyncAlert(SQLModel, table=True):
    """Something the street office must look at; each (kind, subject) is recorded once."""

    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_syncalert_subject"),)

    id: str = Field(primary_key=True)
    kind: str = Field(index=True)  # "overdraft", "conflict", "clock_skew"
    subject: str  # what makes it unique, e.g. "<household id>:<points year>"
    household_id: str | None = Field(default=None, index=True)
    points_year: int | None = None
    balance: int | None = None  # the balance when the alert was raised
    kiosk_id: str | None = None  # the kiosk whose push raised it
    detail: str = ""
    created_at: datetime
    # Who of the office or the village looked at it, when, and what they did: an
    # acknowledged alert is no longer open, and stays on record.
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledgement: str | None = None


class ServerSeq(SQLModel, table=True):
    """The one counter that hands out `server_seq` values, row-locked by each writer.

    A row lock rather than a PostgreSQL SEQUENCE: sequence values are taken at insert time
    but become visible at commit, in any order, so a puller could move its cursor past a
    value whose transaction commits later and miss that row for ever. Holding this row
    until commit makes server_seq order equal commit order.
    """

    name: str = Field(primary_key=True)
    value: int = 0


class RegisterChange(SQLModel, table=True):
    """One change of the register (a household added, edited, opting in or out, leaving), with
    who made it and when; the register row itself holds only the current state.

    Register changes are made at the central only, so this log lives there and never travels.
    """

    id: str = Field(primary_key=True)
    subject: str = Field(index=True)  # "household:<id>"
    action: str  # "add", "edit", "participation", "leave"
    # The fields that changed, before and after ({} before an addition).
    before: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = None  # e.g. the roster file it came from, a reason for leaving
    operator_id: str
    changed_at: datetime = Field(index=True)


class RuleSetProposal(SQLModel, table=True):
    """A rule set proposed at the central (a village's adjusted list, or a street revision),
    and its approval. Only an approved one becomes a `RuleSetRecord`, which kiosks pull."""

    id: str = Field(primary_key=True)
    set_id: str
    version: str
    scope_village_id: str | None = Field(default=None, foreign_key="village.id")
    effective_from: date
    body: str  # the TOML text with its scope and effective date as proposed
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    record_id: str | None = None  # the RuleSetRecord the approval wrote


# --- phones: sign-in slips, bound phones and what was done through the web -----------------
# Central only, never synced: a phone signs in to the central, and a kiosk reaches these
# rows only through the central's kiosk API (sync.phones).


class PhoneSlip(SQLModel, table=True):
    """A phone sign-in slip printed for a household at the counter: single use, valid a day.

    Only hashes are kept: of the link's long token, and of the 6-digit code with the
    household's id (the code is typed by hand, so guessing it is rate-limited besides).
    """

    id: str = Field(primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    code_hash: str
    issued_by: str  # who asked for it, e.g. "kiosk:K-HP-01"
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    phone_id: str | None = None  # the PhoneSession the slip made


class PhoneSession(SQLModel, table=True):
    """A phone bound to a household: a long-lived session until revoked (several per household)."""

    id: str = Field(primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True)
    token_hash: str = Field(unique=True, index=True)  # sha256 of the cookie's token
    method: str  # how the phone proved the household: "slip_link", "slip_code"
    label: str  # what the household sees in its list, e.g. "手机 2"
    created_at: datetime
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class WebAction(SQLModel, table=True):
    """One thing done through the web or the kiosks' phone API, with who and when, also when
    refused (a wrong code counts towards its household's and its address's limit)."""

    id: str = Field(primary_key=True)
    actor: str = Field(index=True)  # "household:<id>", "kiosk:<id>", "anonymous"
    action: str  # "slip.issue", "slip.confirm", "code.sign_in", "phone.revoke", ...
    subject: str = Field(index=True)  # "household:<id>", "phone:<id>", "slip:<id>"
    outcome: str  # "ok" or the refusal's key
    address: str | None = Field(default=None, index=True)
    at: datetime = Field(index=True)


# --- what phones send: photos, neighbours' declarations awaiting confirmation, admins --------
# Central only as well: a kiosk sees a mutual-help declaration once the helped household has
# confirmed it, as an ordinary `Declaration` (kiosk.core.help_requests).


class EvidencePhoto(SQLModel, table=True):
    """A photo a phone sent, as stored (re-encoded, content-addressed) with its fingerprint."""

    name: str = Field(primary_key=True)  # sha256 of the stored bytes and the suffix
    dhash: str  # 16 hex digits of the 64-bit difference hash (kiosk.core.photos.dhash)
    size: int
    household_id: str = Field(foreign_key="household.id", index=True)  # who sent it
    stored_at: datetime


class HelpRequest(SQLModel, table=True):
    """A mutual-help declaration (互助申报) a household filed for a neighbour, waiting for the
    neighbour to confirm it on its own phone; only then is it filed as a `Declaration`."""

    id: str = Field(primary_key=True)
    household_id: str = Field(foreign_key="household.id", index=True)  # the helped neighbour
    helper_household_id: str = Field(foreign_key="household.id", index=True)  # who filed it
    rule_id: str
    quantity: int
    description: str
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    filed_by: str  # "phone:<id>"
    created_at: datetime
    answered_at: datetime | None = None
    outcome: str | None = None  # "confirmed" or "declined"
    declaration_id: str | None = None  # the Declaration a confirmation filed


class AdminSession(SQLModel, table=True):
    """A village administrator signed in on a phone with operator id and PIN: short-lived."""

    id: str = Field(primary_key=True)
    operator_id: str = Field(foreign_key="operator.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    # "phone" (the review pages, a working day) or "console" (the office's browser, which also
    # ends after inactivity): a token of one kind never opens the other's pages.
    kind: str = Field(default="phone", sa_column_kwargs={"server_default": "phone"})
    last_seen_at: datetime | None = None  # the console's inactivity is measured from here


class ConsoleEvent(SQLModel, table=True):
    """One change made through the street office's console: who, when, what, before and after.

    Its own table rather than more `WebAction` rows: the action log counts sign-in attempts
    and refusals for rate limits, while this is the auditors' list of changes, each with the
    state it replaced and the village it belongs to (so a village administrator's audit page
    shows only its own). Written in the transaction of the change it records
    (`sync.audit.record_change`), so a change without its event, or an event without its
    change, cannot exist. Central only; never updated or deleted.
    """

    id: str = Field(primary_key=True)
    at: datetime = Field(index=True)
    operator_id: str = Field(foreign_key="operator.id", index=True)
    action: str = Field(index=True)  # "alert.acknowledge", "period.close_month", ...
    subject: str  # what changed, "<table>:<id>" or "<village>:<period>"
    village_id: str | None = Field(default=None, foreign_key="village.id", index=True)
    before: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    address: str | None = None
