"""The central's alerts: recorded once per subject, bounded per kiosk, listed for the office.

A hostile or broken kiosk can make the central refuse one push after another; each refusal
and each accepted offline conflict is worth one alert per kiosk and reason, not one per row
(a fuzzing run once left 509). Past `MAX_PER_KIOSK` such alerts the oldest are folded into
one summary alert of the kiosk, so the list the street office reads stays short.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ids import new_id
from kiosk.core.models import Household, LedgerEntry, Operator, Role
from kiosk.core.reference import require_role, require_village

ACKNOWLEDGEMENT_MAX = 200  # characters: what was done, in a sentence or two

# Kinds raised about a kiosk's pushes, deduplicated by (kiosk, reason) and capped per kiosk.
KIOSK_KINDS = ("conflict", "refused", "offline")
SUMMARY = "summary"
MAX_PER_KIOSK = 50

Row = dict[str, Any]


def raise_alert(
    session: Session,
    *,
    kind: str,
    subject: str,
    now: datetime,
    kiosk_id: str | None = None,
    household_id: str | None = None,
    points_year: int | None = None,
    balance: int | None = None,
    detail: str = "",
) -> SyncAlert | None:
    """Record an alert unless the same (kind, subject) was recorded before."""
    exists = session.scalar(
        select(col(SyncAlert.id)).where(
            col(SyncAlert.kind) == kind, col(SyncAlert.subject) == subject
        )
    )
    if exists is not None:
        return None
    alert = SyncAlert(
        id=new_id(),
        kind=kind,
        subject=subject,
        household_id=household_id,
        points_year=points_year,
        balance=balance,
        kiosk_id=kiosk_id,
        detail=detail[:500],
        created_at=as_utc(now),
    )
    session.add(alert)
    session.flush()
    return alert


def raise_kiosk_alert(
    session: Session,
    *,
    kind: str,
    kiosk_id: str,
    reason: str,
    now: datetime,
    detail: str = "",
    household_id: str | None = None,
) -> SyncAlert | None:
    """One alert per kiosk, kind and reason; the kiosk's oldest folded into its summary
    once it has more than `MAX_PER_KIOSK`."""
    alert = raise_alert(
        session,
        kind=kind,
        subject=f"{kiosk_id}:{kind}:{reason}",
        kiosk_id=kiosk_id,
        household_id=household_id,
        detail=detail,
        now=now,
    )
    if alert is not None:
        _fold_oldest(session, kiosk_id, now)
    return alert


def _fold_oldest(session: Session, kiosk_id: str, now: datetime) -> None:
    of_kiosk = (col(SyncAlert.kiosk_id) == kiosk_id, col(SyncAlert.kind).in_(KIOSK_KINDS))
    count = int(session.scalar(select(func.count()).where(*of_kiosk)) or 0)
    if count <= MAX_PER_KIOSK:
        return
    oldest = session.scalars(
        select(SyncAlert)
        .where(*of_kiosk)
        .order_by(col(SyncAlert.created_at), col(SyncAlert.id))
        .limit(count - MAX_PER_KIOSK)
    ).all()
    summary = session.exec(
        sqlmodel_select(SyncAlert).where(
            col(SyncAlert.kind) == SUMMARY, col(SyncAlert.subject) == f"{kiosk_id}:{SUMMARY}"
        )
    ).first()
    folded = _counts(summary.detail if summary is not None else "")
    for alert in oldest:
        reason = alert.subject.split(":", 1)[1] if ":" in alert.subject else alert.kind
        folded[reason] += 1
    detail = "; ".join(f"{reason} x{n}" for reason, n in sorted(folded.items()))
    if summary is None:
        summary = SyncAlert(
            id=new_id(),
            kind=SUMMARY,
            subject=f"{kiosk_id}:{SUMMARY}",
            kiosk_id=kiosk_id,
            detail=detail[:2000],
            created_at=as_utc(now),
        )
    else:
        summary.detail = detail[:2000]
    session.add(summary)
    session.execute(delete(SyncAlert).where(col(SyncAlert.id).in_([a.id for a in oldest])))
    session.flush()


def _counts(detail: str) -> defaultdict[str, int]:
    """The summary's "reason xN; ..." text back as counts."""
    counts: defaultdict[str, int] = defaultdict(int)
    for part in detail.split("; "):
        reason, sep, n = part.rpartition(" x")
        if sep and n.isdigit():
            counts[reason] += int(n)
    return counts


def check_overdrafts(
    session: Session, kiosk_id: str | None, entries: Iterable[Row], now: datetime
) -> list[dict[str, Any]]:
    """Households the merged entries left below zero: one alert per household and points
    year, never a reversal (the goods were handed over)."""
    touched: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry["points"] < 0:
            touched[entry["household_id"]].add(entry["points_year"])
    if not touched:
        return []
    years = {year for years in touched.values() for year in years}
    rows = session.execute(
        select(
            col(LedgerEntry.household_id),
            col(LedgerEntry.points_year),
            func.sum(col(LedgerEntry.points)),
        )
        .where(
            col(LedgerEntry.household_id).in_(list(touched)),
            col(LedgerEntry.points_year).in_(years),
        )
        .group_by(col(LedgerEntry.household_id), col(LedgerEntry.points_year))
        .having(func.sum(LedgerEntry.points) < 0)
    ).all()
    raised = []
    for household_id, year, total in rows:
        if year not in touched[household_id]:
            continue
        alert = raise_alert(
            session,
            kind="overdraft",
            subject=f"{household_id}:{year}",
            kiosk_id=kiosk_id,
            household_id=household_id,
            points_year=int(year),
            balance=int(total),
            now=now,
        )
        if alert is not None:
            raised.append(alert_json(session, alert))
    return raised


def alert_json(
    session: Session, alert: SyncAlert, *, balance_now: int | None = None
) -> dict[str, Any]:
    household = session.get(Household, alert.household_id) if alert.household_id else None
    return {
        "id": alert.id,
        "kind": alert.kind,
        "household": household.code if household else None,
        "village_id": household.village_id if household else None,
        "points_year": alert.points_year,
        "balance_at_alert": alert.balance,
        "balance": balance_now if balance_now is not None else alert.balance,
        "kiosk": alert.kiosk_id,
        "detail": alert.detail,
        "created_at": local(from_db(alert.created_at)).isoformat(),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": (
            local(from_db(alert.acknowledged_at)).isoformat() if alert.acknowledged_at else None
        ),
        "acknowledgement": alert.acknowledgement,
    }


def alert_village_id(session: Session, alert: SyncAlert) -> str | None:
    """The village an alert is about: its household's, else its kiosk's; None street-wide."""
    if alert.household_id:
        household = session.get(Household, alert.household_id)
        if household is not None:
            return household.village_id
    if alert.kiosk_id:
        kiosk = session.get(SyncKiosk, alert.kiosk_id)
        if kiosk is not None:
            return kiosk.village_id
    return None


def acknowledge_alert(
    session: Session, alert_id: str, operator: Operator, note: str, now: datetime
) -> SyncAlert:
    """Record that `operator` looked at the alert and what was done; it is no longer open.

    A village administrator acknowledges its own village's alerts only, a street
    administrator any; the note is required, since "seen" alone tells the next reader nothing.
    Acknowledging twice is refused, naming who did it first.
    """
    require_role(operator, Role.STREET_ADMIN, Role.VILLAGE_ADMIN)
    alert = session.scalar(select(SyncAlert).where(col(SyncAlert.id) == alert_id).with_for_update())
    if alert is None:
        raise NotFound("alert.unknown", alert=alert_id[:40])
    village_id = alert_village_id(session, alert)
    if village_id is None:
        require_role(operator, Role.STREET_ADMIN)
    else:
        require_village(operator, village_id)
    note = " ".join(note.split())
    if not note:
        raise BadInput("alert.note_missing")
    if len(note) > ACKNOWLEDGEMENT_MAX:
        raise BadInput("alert.note_long", max=ACKNOWLEDGEMENT_MAX)
    if alert.acknowledged_by is not None:
        raise Refused("alert.acknowledged", by=alert.acknowledged_by)
    alert.acknowledged_by = operator.id
    alert.acknowledged_at = as_utc(now)
    alert.acknowledgement = note
    session.add(alert)
    session.flush()
    return alert


def list_alerts(
    session: Session, kind: str | None = None, *, open_only: bool = False
) -> list[dict[str, Any]]:
    """Alerts, oldest first; overdrafts with the household's balance as it stands now."""
    statement = select(SyncAlert).order_by(col(SyncAlert.created_at), col(SyncAlert.id))
    if kind is not None:
        statement = statement.where(col(SyncAlert.kind) == kind)
    if open_only:
        statement = statement.where(col(SyncAlert.acknowledged_by).is_(None))
    alerts = list(session.scalars(statement))
    out = []
    for alert in alerts:
        balance_now = None
        if alert.household_id and alert.points_year is not None:
            balance_now = int(
                session.scalar(
                    select(func.coalesce(func.sum(col(LedgerEntry.points)), 0)).where(
                        col(LedgerEntry.household_id) == alert.household_id,
                        col(LedgerEntry.points_year) == alert.points_year,
                    )
                )
                or 0
            )
        out.append(alert_json(session, alert, balance_now=balance_now))
    return out
