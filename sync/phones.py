"""Phones at the central: sign-in slips, the ways a phone proves its household, bound phones.

A slip is printed at the counter for a household present there: a link with a long token (the
QR code) and a 6-digit code to type by hand, single use, valid a day, stored only as hashes.
Whatever proves the household (`HouseholdProof`: the slip's link or code today, an SMS or
WeChat login later) ends in the same `bind_phone`, which makes a long-lived, revocable phone
session. Every action is recorded in `WebAction` with who and when, refusals included.
Administrators sign in on phones with their operator id and PIN (`sign_in_admin`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core.awards import AWARDING_ROLES
from kiosk.core.central_models import AdminSession, PhoneSession, PhoneSlip, WebAction
from kiosk.core.clock import as_utc, from_db
from kiosk.core.db import write_session
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.ids import new_id
from kiosk.core.models import Household, Operator
from kiosk.core.pins import change_pin, must_change_pin, sign_in

SLIP_LIFETIME = timedelta(hours=24)
# Wrong 6-digit codes: a household's code has 10^6 values, so a few tries per quarter hour
# per household (and more loosely per address, behind which a whole village may sit) make
# guessing hopeless within a slip's day.
CODE_WINDOW = timedelta(minutes=15)
CODE_FAILURES_PER_HOUSEHOLD = 5
CODE_FAILURES_PER_ADDRESS = 20


def token_hash(token: str) -> str:
    # Tokens are 256 random bits: a plain hash is enough, no slow KDF.
    return hashlib.sha256(b"tangxiang-phone-token:" + token.encode()).hexdigest()


def code_hash(household_id: str, code: str) -> str:
    return hashlib.sha256(f"tangxiang-slip-code:{household_id}:{code}".encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    now: datetime,
    outcome: str = "ok",
    address: str | None = None,
) -> None:
    """One line of the action log, in the caller's transaction."""
    session.add(
        WebAction(
            id=new_id(),
            actor=actor,
            action=action,
            subject=subject,
            outcome=outcome,
            address=address,
            at=as_utc(now),
        )
    )
    session.flush()


# --- slips ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedSlip:
    """A slip just made: the only time its token and code exist in clear."""

    slip_id: str
    household_id: str
    household_code: str
    token: str
    code: str
    expires_at: datetime

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/s/{self.token}"


def household_in_scope(session: Session, household_id: str, village_id: str | None) -> Household:
    """The household, on the register and (for a kiosk) of the kiosk's village, else NotFound."""
    # NUL: no id holds one, and PostgreSQL would refuse the lookup itself (a 500).
    plausible = household_id and "\x00" not in household_id
    household = session.get(Household, household_id) if plausible else None
    if (
        household is None
        or household.left_at is not None
        or (village_id is not None and household.village_id != village_id)
    ):
        raise NotFound("phone.household", household=household_id)
    return household


def issue_slip(
    session: Session, household_id: str, *, issued_by: str, village_id: str | None, now: datetime
) -> IssuedSlip:
    """A new slip for a household present at the counter; `village_id` scopes a kiosk."""
    household = household_in_scope(session, household_id, village_id)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}"
    slip = PhoneSlip(
        id=new_id(),
        household_id=household.id,
        token_hash=token_hash(token),
        code_hash=code_hash(household.id, code),
        issued_by=issued_by,
        issued_at=as_utc(now),
        expires_at=as_utc(now + SLIP_LIFETIME),
    )
    session.add(slip)
    record(
        session,
        actor=issued_by,
        action="slip.issue",
        subject=f"household:{household.id}",
        now=now,
    )
    return IssuedSlip(slip.id, household.id, household.code, token, code, now + SLIP_LIFETIME)


def _usable(slip: PhoneSlip | None, now: datetime) -> bool:
    return slip is not None and slip.used_at is None and from_db(slip.expires_at) > now


def _on_register(session: Session, slip: PhoneSlip) -> bool:
    # A household that left the register since its slip was printed has no pages.
    household = session.get(Household, slip.household_id)
    return household is not None and household.left_at is None


def slip_is_usable(session: Session, token: str, now: datetime) -> bool:
    """Whether the link's slip can still sign a phone in (read only: a GET never uses it up)."""
    slip = session.exec(select(PhoneSlip).where(PhoneSlip.token_hash == token_hash(token))).first()
    return _usable(slip, now) and slip is not None and _on_register(session, slip)


# --- proofs --------------------------------------------------------------------------------


class HouseholdProof(Protocol):
    """A way for a phone to prove it is this household's; an SMS or WeChat login is another.

    `verify` returns the household's id and uses the proof up (in the caller's transaction),
    or raises Refused; `subject` names what a failure counts against (rate limits, the log).
    """

    @property
    def method(self) -> str: ...

    def subject(self, session: Session) -> str: ...

    def limited(self, session: Session, now: datetime, address: str | None) -> int | None:
        """Minutes to wait when too many failures of this kind came lately, else None."""
        ...

    def verify(self, session: Session, now: datetime) -> tuple[str, PhoneSlip]: ...


@dataclass(frozen=True)
class SlipLink:
    """The slip's QR code: the long token in the link (unguessable, so not rate-limited)."""

    token: str
    method: str = "slip_link"

    def subject(self, session: Session) -> str:
        return "slip:" + token_hash(self.token)[:16]

    def limited(self, session: Session, now: datetime, address: str | None) -> int | None:
        return None

    def verify(self, session: Session, now: datetime) -> tuple[str, PhoneSlip]:
        slip = session.exec(
            select(PhoneSlip).where(PhoneSlip.token_hash == token_hash(self.token))
        ).first()
        if slip is None or not _usable(slip, now) or not _on_register(session, slip):
            raise Refused("phone.slip_invalid")
        return slip.household_id, slip


@dataclass(frozen=True)
class SlipCode:
    """The household code and the slip's 6 digits typed by hand; failures are limited per
    household and per address."""

    household_code: str
    code: str
    method: str = "slip_code"

    def _household(self, session: Session) -> Household | None:
        code = self.household_code.strip().upper()[:32]
        return session.exec(select(Household).where(Household.code == code)).first()

    def subject(self, session: Session) -> str:
        household = self._household(session)
        return f"household:{household.id}" if household else "household:?"

    def limited(self, session: Session, now: datetime, address: str | None) -> int | None:
        since = as_utc(now - CODE_WINDOW)
        failures = select(func.count()).where(
            WebAction.action == "code.sign_in",
            WebAction.outcome != "ok",
            col(WebAction.at) > since,
        )
        by_household = session.exec(
            failures.where(WebAction.subject == self.subject(session))
        ).one()
        by_address = session.exec(failures.where(WebAction.address == (address or "-"))).one()
        if by_household >= CODE_FAILURES_PER_HOUSEHOLD or by_address >= CODE_FAILURES_PER_ADDRESS:
            return int(CODE_WINDOW.total_seconds() // 60)
        return None

    def verify(self, session: Session, now: datetime) -> tuple[str, PhoneSlip]:
        household = self._household(session)
        digits = self.code.strip()
        if household is not None and len(digits) == 6 and digits.isdigit():
            wanted = code_hash(household.id, digits)
            for slip in session.exec(
                select(PhoneSlip).where(
                    PhoneSlip.household_id == household.id,
                    col(PhoneSlip.used_at).is_(None),
                    col(PhoneSlip.expires_at) > as_utc(now),
                )
            ):
                if hmac.compare_digest(slip.code_hash, wanted) and _on_register(session, slip):
                    return household.id, slip
        raise Refused("phone.code_wrong")


# --- bound phones --------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundPhone:
    phone_id: str
    household_id: str
    household_code: str
    token: str  # the session cookie's value: only ever in the phone's cookie


def bind_phone(
    engine: Engine, proof: HouseholdProof, *, now: datetime, address: str | None
) -> BoundPhone:
    """Check `proof`, use it up and bind the phone; a refusal is logged (and counts towards
    the limits) in a transaction of its own, and nothing else is written."""
    action = "slip.confirm" if proof.method == "slip_link" else "code.sign_in"
    refusal: Refused | None = None
    subject = "-"
    with write_session(engine) as session:
        subject = proof.subject(session)
        minutes = proof.limited(session, now, address)
        try:
            if minutes is not None:
                raise Refused("phone.too_many", minutes=minutes)
            household_id, slip = proof.verify(session, now)
        except Refused as refused:
            refusal = refused
        else:
            token = secrets.token_urlsafe(32)
            count = session.exec(
                select(func.count()).where(PhoneSession.household_id == household_id)
            ).one()
            phone = PhoneSession(
                id=new_id(),
                household_id=household_id,
                token_hash=token_hash(token),
                method=proof.method,
                label=f"手机 {count + 1}",
                created_at=as_utc(now),
                last_seen_at=as_utc(now),
            )
            session.add(phone)
            slip.used_at = as_utc(now)
            slip.phone_id = phone.id
            session.add(slip)
            record(
                session,
                actor=f"phone:{phone.id}",
                action=action,
                subject=f"household:{household_id}",
                now=now,
                address=address or "-",
            )
            household = session.get(Household, household_id)
            assert household is not None
            return BoundPhone(phone.id, household_id, household.code, token)
    assert refusal is not None
    with write_session(engine) as session:
        record(
            session,
            actor="anonymous",
            action=action,
            subject=subject,
            outcome=refusal.key,
            now=now,
            address=address or "-",
        )
    raise refusal


def phone_for_token(session: Session, token: str | None) -> PhoneSession | None:
    """The bound, unrevoked phone whose session cookie this is."""
    if not token or len(token) > 100:
        return None
    phone = session.exec(
        select(PhoneSession).where(PhoneSession.token_hash == token_hash(token))
    ).first()
    return phone if phone is not None and phone.revoked_at is None else None


def phones_of(session: Session, household_id: str) -> list[PhoneSession]:
    """The household's phones still signed in, oldest first."""
    return list(
        session.exec(
            select(PhoneSession)
            .where(
                PhoneSession.household_id == household_id, col(PhoneSession.revoked_at).is_(None)
            )
            .order_by(col(PhoneSession.created_at), col(PhoneSession.id))
        )
    )


def revoke_phone(
    session: Session,
    household_id: str,
    phone_id: str,
    *,
    by: str,
    now: datetime,
    address: str | None = None,
) -> PhoneSession:
    """Sign one of the household's phones out for good (its cookie stops working at once)."""
    phone = session.get(PhoneSession, phone_id)
    if phone is None or phone.household_id != household_id or phone.revoked_at is not None:
        raise NotFound("phone.unknown", phone=phone_id)
    phone.revoked_at = as_utc(now)
    phone.revoked_by = by
    session.add(phone)
    record(
        session,
        actor=by,
        action="phone.revoke",
        subject=f"phone:{phone.id}",
        now=now,
        address=address,
    )
    return phone


def phone_json(phone: PhoneSession) -> dict[str, object]:
    return {
        "id": phone.id,
        "label": phone.label,
        "method": phone.method,
        "created_at": from_db(phone.created_at).isoformat(),
        "last_seen_at": from_db(phone.last_seen_at).isoformat() if phone.last_seen_at else None,
    }


# --- administrators on phones ----------------------------------------------------------------

ADMIN_SESSION_LIFETIME = timedelta(hours=12)  # a working day: a lost phone's access runs out
# The PIN check's own wait slows guessing one operator's PIN; this stops one address guessing
# across many operator ids (a whole village may sit behind one address, so it is loose).
PIN_FAILURES_PER_ADDRESS = 20
# The office console runs on a shared office PC: a clerk who walks away from it must not leave
# the register, closes and exports open to whoever sits down next. Half an hour covers reading
# a long page or taking a phone call; the working day's cap above still applies.
CONSOLE_IDLE_LIMIT = timedelta(minutes=30)
# A console request moves `last_seen_at` only when it is this old, so browsing writes a row a
# minute at most, not one per page (the idle limit is then exact to within this).
CONSOLE_SEEN_STEP = timedelta(minutes=1)
ADMIN_KINDS = ("phone", "console")


@dataclass(frozen=True)
class AdminSignIn:
    token: str
    operator: Operator


def admin_for_token(
    session: Session, token: str | None, kind: str = "phone"
) -> AdminSession | None:
    """The unrevoked administrator session of `kind` whose cookie this is (its expiry the
    caller's): a phone's token never opens the console, nor the console's the phone pages."""
    if not token or len(token) > 100:
        return None
    found = session.exec(
        select(AdminSession).where(
            AdminSession.token_hash == token_hash(token), AdminSession.kind == kind
        )
    ).first()
    return found if found is not None and found.revoked_at is None else None


def console_is_live(admin: AdminSession, now: datetime) -> bool:
    """A console session ends at its working day's cap and after CONSOLE_IDLE_LIMIT unused."""
    seen = from_db(admin.last_seen_at or admin.created_at)
    return from_db(admin.expires_at) > now and now - seen < CONSOLE_IDLE_LIMIT


def sign_in_admin(
    engine: Engine,
    operator_id: str,
    pin: str,
    *,
    now: datetime,
    address: str,
    kind: str = "phone",
    new_pin: str | None = None,
    new_pin_again: str | None = None,
) -> AdminSignIn:
    """An administrator signs in on a phone through the kiosks' own PIN check
    (`kiosk.core.pins.sign_in`: its growing wait after wrong PINs included); a right PIN of
    an operator who may not award signs nothing in. Every attempt is logged."""
    operator_id = operator_id.strip()[:64]
    with write_session(engine) as session:
        try:
            failures = session.exec(
                select(func.count()).where(
                    WebAction.action == "admin.sign_in",
                    # A right one-time PIN asked to choose its own is not a guess.
                    col(WebAction.outcome).not_in(("ok", "admin.choose_pin")),
                    WebAction.address == address,
                    col(WebAction.at) > as_utc(now - CODE_WINDOW),
                )
            ).one()
            if failures >= PIN_FAILURES_PER_ADDRESS:
                raise Refused("admin.too_many", minutes=int(CODE_WINDOW.total_seconds() // 60))
            operator = sign_in(session, operator_id, pin[:32], now)
            if operator.role not in AWARDING_ROLES or not operator.active:
                raise Refused("admin.not_admin")
            # The office's one-time PIN opens nothing on the web until the administrator has
            # chosen its own, as at a kiosk: a PIN handed over on paper must not stay valid on
            # every phone for good. The web's own PIN is the central's (kiosks keep theirs).
            if must_change_pin(session, operator):
                if not new_pin:
                    raise Refused("admin.choose_pin")
                if new_pin != new_pin_again:
                    raise BadInput("admin.pin_again")
                operator = change_pin(session, operator_id, pin[:32], new_pin[:32], now)
        except DomainError as refusal:
            key = "admin.unknown" if isinstance(refusal, NotFound) else refusal.key
            record(
                session,
                actor="anonymous",
                action="admin.sign_in",
                subject=f"operator:{operator_id}",
                outcome=key,
                now=now,
                address=address,
            )
            session.commit()  # the attempt stays recorded: sign_in's wait counts it
            if isinstance(refusal, NotFound):
                raise BadInput("admin.unknown") from None
            raise
        token = secrets.token_urlsafe(32)
        made = AdminSession(
            id=new_id(),
            operator_id=operator.id,
            token_hash=token_hash(token),
            created_at=as_utc(now),
            expires_at=as_utc(now + ADMIN_SESSION_LIFETIME),
            kind=kind,
            last_seen_at=as_utc(now),
        )
        session.add(made)
        record(
            session,
            actor=f"operator:{operator.id}",
            action="admin.sign_in",
            subject=f"admin_session:{made.id}",
            now=now,
            address=address,
        )
        session.expunge(operator)
        return AdminSignIn(token, operator)


def sign_out_admin(session: Session, admin: AdminSession, *, now: datetime, address: str) -> None:
    admin.revoked_at = as_utc(now)
    session.add(admin)
    record(
        session,
        actor=f"operator:{admin.operator_id}",
        action="admin.sign_out",
        subject=f"admin_session:{admin.id}",
        now=now,
        address=address,
    )
