"""Where each village's month and year closes stand: closed, not over yet, nothing to pay, or
over with points earned and no close (the timer missed it), for the office's periods page.

Derived from the ledger as everything else is (a close writes its bonuses, dated the period's
end, and a year's close its expiry entries); nothing is stored about closes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc
from kiosk.core.models import EntryKind, Household, LedgerEntry, Village
from kiosk.core.reference import ruleset_for
from rules.engine import EARNING_KINDS, local, start_of_month, start_of_next_month, start_of_year
from rules.model import Cadence


class CloseState(StrEnum):
    CLOSED = "closed"  # the period's bonuses (a year: its reset too) are in the ledger
    NOT_OVER = "not_over"  # the period has not ended yet
    NOTHING = "nothing"  # over, but nobody in the village earned anything: nothing to pay
    MISSED = "missed"  # over, points earned, no close: the timer missed it


@dataclass(frozen=True)
class PeriodStatus:
    period: str  # "2026-11" or "2026"
    year: int
    month: int | None
    states: dict[str, CloseState]  # village id -> state

    @property
    def missed(self) -> bool:
        return CloseState.MISSED in self.states.values()


def recent_months(now: datetime, count: int) -> list[tuple[int, int]]:
    """The `count` months up to and including the current one (Asia/Shanghai), oldest first."""
    today = local(now)
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _villages_with(session: Session, village_ids: list[str], *conditions: object) -> set[str]:
    return set(
        session.exec(
            select(Household.village_id)
            .join(LedgerEntry, col(LedgerEntry.household_id) == col(Household.id))
            .where(col(Household.village_id).in_(village_ids), *conditions)  # type: ignore[arg-type]
            .distinct()
        )
    )


def _bonus_rules(
    session: Session, villages: list[Village], end: datetime, cadence: Cadence
) -> list[str]:
    # A December's monthly bonus and the year's bonus are both dated 1 January 00:00: only
    # the rule tells them apart.
    found = set()
    for village in villages:
        try:
            ruleset = ruleset_for(session, village.id, end - timedelta(microseconds=1))
        except LookupError:
            continue
        found.add(ruleset.bonus_rule(cadence).id)
    return sorted(found)


def _state(over: bool, closed: bool, earned: bool) -> CloseState:
    if closed:
        return CloseState.CLOSED
    if not over:
        return CloseState.NOT_OVER
    return CloseState.MISSED if earned else CloseState.NOTHING


def month_status(
    session: Session, villages: list[Village], year: int, month: int, now: datetime
) -> PeriodStatus:
    ids = [v.id for v in villages]
    start, end = start_of_month(year, month), start_of_next_month(year, month)
    closed = _villages_with(
        session,
        ids,
        col(LedgerEntry.kind) == EntryKind.BONUS,
        col(LedgerEntry.rule_id).in_(_bonus_rules(session, villages, end, Cadence.BONUS_MONTHLY)),
        col(LedgerEntry.created_at) == as_utc(end),
    )
    earned = _villages_with(
        session,
        ids,
        col(LedgerEntry.kind).in_(sorted(EARNING_KINDS)),
        col(LedgerEntry.points) > 0,
        col(LedgerEntry.created_at) >= as_utc(start),
        col(LedgerEntry.created_at) < as_utc(end),
    )
    return PeriodStatus(
        f"{year:04d}-{month:02d}",
        year,
        month,
        {v: _state(now >= end, v in closed, v in earned) for v in ids},
    )


def year_status(
    session: Session, villages: list[Village], year: int, now: datetime
) -> PeriodStatus:
    ids = [v.id for v in villages]
    end = start_of_year(year + 1)
    closed = _villages_with(
        session,
        ids,
        col(LedgerEntry.kind) == EntryKind.EXPIRY,
        col(LedgerEntry.points_year) == year,
    ) | _villages_with(
        session,
        ids,
        col(LedgerEntry.kind) == EntryKind.BONUS,
        col(LedgerEntry.rule_id).in_(_bonus_rules(session, villages, end, Cadence.BONUS_YEARLY)),
        col(LedgerEntry.created_at) == as_utc(end),
    )
    earned = _villages_with(
        session,
        ids,
        col(LedgerEntry.kind).in_(sorted(EARNING_KINDS)),
        col(LedgerEntry.points) > 0,
        col(LedgerEntry.points_year) == year,
    )
    return PeriodStatus(
        f"{year:04d}", year, None, {v: _state(now >= end, v in closed, v in earned) for v in ids}
    )
