"""Operator PINs: stored only as scrypt hashes, one-time PINs changed at the first sign-in on
a kiosk, and the sign-in lockout after wrong PINs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from kiosk.core.clock import as_utc, from_db
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import new_id
from kiosk.core.models import Operator, OperatorPin, SignInAttempt
from kiosk.core.reference import operator_by_id

# scrypt with n=2**14 takes ~30-60 ms on a mini-PC: harmless at sign-in, slow for guessing
# the 10,000 four-digit PINs offline.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = base64.b64encode(salt + digest).decode()
    return f"scrypt${_N}${_R}${_P}${encoded}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, encoded = stored.split("$")
        raw = base64.b64decode(encoded)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = raw[:16], raw[16:]
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(digest, expected)


# --- one-time PINs, changing them, and the sign-in lockout ----------------------------------

PIN_DIGITS = 6
FREE_FAILURES = 3  # wrong PINs in a row before the first wait: fingers slip
FIRST_WAIT = timedelta(seconds=30)  # then doubled with each further wrong PIN...
LONGEST_WAIT = timedelta(hours=1)  # ...up to this: a million PINs at an hour each after ~20


def new_one_time_pin() -> str:
    """Six random digits for the office to hand over once; never stored in clear."""
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def wait_after(failures: int) -> timedelta:
    """How long an operator waits after `failures` wrong PINs in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    # The shift is capped: a timedelta overflows long before the shift would stop growing.
    return min(FIRST_WAIT * (1 << min(failures - FREE_FAILURES, 16)), LONGEST_WAIT)


def from_db_or_none(at: datetime | None) -> datetime | None:
    return None if at is None else from_db(at)


def _own_pin(session: Session, operator: Operator) -> OperatorPin | None:
    """The PIN chosen on this database, if it still replaces the operator's current one."""
    own = session.get(OperatorPin, operator.id)
    if own is None or from_db_or_none(own.replaces_issued_at) != from_db_or_none(
        operator.pin_issued_at
    ):
        return None
    return own


def must_change_pin(session: Session, operator: Operator) -> bool:
    """True while the operator still has only the office's one-time PIN on this kiosk."""
    return operator.pin_one_time and _own_pin(session, operator) is None


def _current_hash(session: Session, operator: Operator) -> str:
    own = _own_pin(session, operator)
    return own.pin_hash if own is not None else operator.pin_hash


def _failures_in_a_row(session: Session, operator_id: str) -> tuple[int, datetime | None]:
    last_ok = session.scalar(
        select(func.max(SignInAttempt.at)).where(
            col(SignInAttempt.operator_id) == operator_id, col(SignInAttempt.ok).is_(True)
        )
    )
    statement = select(func.count(), func.max(SignInAttempt.at)).where(
        col(SignInAttempt.operator_id) == operator_id, col(SignInAttempt.ok).is_(False)
    )
    if last_ok is not None:
        statement = statement.where(col(SignInAttempt.at) > last_ok)
    count, last = session.execute(statement).one()
    return int(count), from_db_or_none(last)


def sign_in(session: Session, operator_id: str, pin: str, now: datetime) -> Operator:
    """Check an operator's PIN on this kiosk and record the attempt (right or wrong).

    After a few wrong PINs in a row the operator must wait, longer with each further wrong
    one; while waiting, no PIN is checked at all, so waiting cannot be skipped by guessing.
    The caller commits even when this raises: the failed attempt must stay recorded.
    """
    operator = operator_by_id(session, operator_id)
    if not pin:
        # An Enter on an empty box (a stray key, a scan's tail after a sign-out) guesses
        # nothing: it is not an attempt and must not bring the operator nearer a wait.
        raise BadInput("operator.pin_missing")
    failures, last = _failures_in_a_row(session, operator.id)
    if last is not None:
        remaining = last + wait_after(failures) - as_utc(now)
        if remaining > timedelta(0):
            raise Refused("operator.locked", seconds=math.ceil(remaining.total_seconds()))
    ok = pin.isdigit() and verify_pin(pin, _current_hash(session, operator))
    session.add(SignInAttempt(id=new_id(), operator_id=operator.id, at=as_utc(now), ok=ok))
    session.flush()
    if not ok:
        wait = wait_after(failures + 1)
        if wait > timedelta(0):
            raise BadInput("operator.bad_pin_wait", seconds=int(wait.total_seconds()))
        raise BadInput("operator.bad_pin")
    return operator


def check_new_pin(new_pin: str) -> None:
    if len(new_pin) != PIN_DIGITS or not new_pin.isdigit() or not new_pin.isascii():
        raise BadInput("operator.pin_format", digits=PIN_DIGITS)
    if len(set(new_pin)) == 1 or new_pin in "0123456789" or new_pin in "9876543210":
        raise BadInput("operator.pin_weak")


def change_pin(
    session: Session, operator_id: str, old_pin: str, new_pin: str, now: datetime
) -> Operator:
    """Replace the operator's PIN on this kiosk (the one-time PIN at the first sign-in).

    The old PIN goes through `sign_in`, so changing cannot be used to guess past the lockout.
    """
    operator = sign_in(session, operator_id, old_pin, now)
    check_new_pin(new_pin)
    if verify_pin(new_pin, _current_hash(session, operator)):
        raise BadInput("operator.pin_same")
    own = session.get(OperatorPin, operator.id)
    if own is None:
        own = OperatorPin(operator_id=operator.id, pin_hash="", changed_at=as_utc(now))
    own.pin_hash = hash_pin(new_pin)
    own.replaces_issued_at = operator.pin_issued_at
    own.changed_at = as_utc(now)
    session.add(own)
    session.flush()
    return operator
