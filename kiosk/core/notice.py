"""What the village committee posts and reviews: the quarterly notice (公示), honours, freezes.

The notice lists every participating household of a village with the points it earned in
the quarter, in the points year up to the quarter's end, and its balance then; names are
masked because the sheet hangs in public. "Earned" is what rules.engine means by it (awards,
deductions, warnings and their corrections), so the notice, the top-5 bonuses and the
village average never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc, local
from kiosk.core.errors import BadInput, Refused
from kiosk.core.households import FreezeStatus, freeze_status
from kiosk.core.labels import quarter_label, village_label
from kiosk.core.masking import mask_name
from kiosk.core.models import EntryKind, Freeze, Household, LedgerEntry, Village
from kiosk.core.periods import earnings, honours
from rules.engine import objections_close, start_of_month, start_of_next_month, start_of_year

DEFAULT_DISPUTE_NOTE = "对积分有异议的，请于公示之日起7日内向村支两委反映"


def objection_note(year: int) -> str:
    """The line a notice of `year` prints on objections, with the date they close.

    The seed: 每季度将村民的积分情况在醒目位置进行公示 ... 村民对积分有异议的，可进行反映. It sets
    no deadline; we hear objections to a year's entries until the end of the next year's
    first quarter (rules.engine.objections_close), so the fourth quarter's notice, posted in
    January, is open to objections for a whole quarter like the others. kiosk.core.disputes
    refuses an objection after that date.
    """
    last_day = local(objections_close(year) - timedelta(microseconds=1))
    return (
        f"对{year}年度积分有异议的，请于{last_day.year}年{last_day.month}月{last_day.day}日前"
        "向村支两委反映，调查核实后据实处理"
    )


@dataclass(frozen=True)
class NoticeRow:
    """One household's line on the notice; the name is already masked for public display."""

    rank: int
    code: str
    masked_name: str
    group: str
    earned_quarter: int
    earned_year: int
    balance: int


@dataclass(frozen=True)
class Notice:
    """Everything printed on one village's notice for one quarter."""

    village: str  # stored without its suffix, e.g. "和平"
    quarter: str  # e.g. "2026Q4"
    generated_at: datetime  # aware; printed as the notice date in Chongqing time
    rows: list[NoticeRow]
    village_average: float  # mean points earned per household this quarter
    dispute_note: str = field(default=DEFAULT_DISPUTE_NOTE)

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise ValueError("Notice.generated_at must be timezone-aware")
        quarter_label(self.quarter)  # a malformed quarter fails here, not halfway through a PDF

    @property
    def title(self) -> str:
        """和平村2026年第四季度乡村治理积分公示"""
        return f"{village_label(self.village)}{quarter_label(self.quarter)}乡村治理积分公示"

    @property
    def date_label(self) -> str:
        day = local(self.generated_at)
        return f"{day.year}年{day.month}月{day.day}日"


_QUARTER = re.compile(r"(\d{4})\s*[Qq]([1-4])")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}Q{self.number}"

    @property
    def start(self) -> datetime:
        return start_of_month(self.year, 3 * self.number - 2)

    @property
    def end(self) -> datetime:
        """The first instant after the quarter (Asia/Shanghai)."""
        return start_of_next_month(self.year, 3 * self.number)

    @classmethod
    def containing(cls, at: datetime) -> Quarter:
        moment = local(at)
        return cls(moment.year, (moment.month - 1) // 3 + 1)


def parse_quarter(text: str) -> Quarter:
    match = _QUARTER.fullmatch(text.strip())
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise BadInput("date.invalid", value=text, expected="YYYYQn, 2026Q4")
    return Quarter(int(match.group(1)), int(match.group(2)))


def _balances(session: Session, village_id: str, year: int, cutoff: datetime) -> dict[str, int]:
    # The year's expiry is dated its last instant; leaving it out keeps a Q4 notice printed
    # after the year close showing what households held, not the reset's zero.
    statement = (
        select(LedgerEntry.household_id, func.sum(LedgerEntry.points))
        .join(Household, col(Household.id) == col(LedgerEntry.household_id))
        .where(
            Household.village_id == village_id,
            LedgerEntry.points_year == year,
            LedgerEntry.created_at < as_utc(cutoff),
            LedgerEntry.kind != EntryKind.EXPIRY,
        )
        .group_by(col(LedgerEntry.household_id))
    )
    return {household_id: int(total or 0) for household_id, total in session.exec(statement)}


def notice_rows(
    session: Session, village: Village, quarter: Quarter, now: datetime
) -> tuple[list[NoticeRow], float]:
    """The notice's rows, best first, and the village average earned in the quarter.

    Figures run to the quarter's end, or to `now` for the quarter under way. Equal
    households share a rank (1, 2, 2, 4) and are listed by code.
    """
    if now < quarter.start:
        raise Refused("notice.future", quarter=quarter.key)
    cutoff = min(quarter.end, now)
    in_quarter = earnings(session, village.id, start=quarter.start, end=cutoff)
    in_year = earnings(session, village.id, start=start_of_year(quarter.year), end=cutoff)
    balances = _balances(session, village.id, quarter.year, cutoff)
    households = {
        h.id: h
        for h in session.exec(select(Household).where(Household.village_id == village.id))
        if h.id in in_quarter
    }
    ordered = sorted(households.values(), key=lambda h: (-in_quarter[h.id], h.code))
    rows: list[NoticeRow] = []
    for position, household in enumerate(ordered, start=1):
        earned = in_quarter[household.id]
        tied_with_previous = rows and rows[-1].earned_quarter == earned
        rows.append(
            NoticeRow(
                rank=rows[-1].rank if tied_with_previous else position,
                code=household.code,
                masked_name=mask_name(household.head_name),
                group=household.group_name,
                earned_quarter=earned,
                earned_year=in_year.get(household.id, 0),
                balance=balances.get(household.id, 0),
            )
        )
    average = sum(in_quarter.values()) / len(in_quarter) if in_quarter else 0.0
    return rows, average


def build_notice(session: Session, village: Village, quarter: Quarter, now: datetime) -> Notice:
    """The whole notice, ready for kiosk.printables.notice to print as PDF or CSV."""
    rows, average = notice_rows(session, village, quarter, now)
    return Notice(
        village=village.name,
        quarter=quarter.key,
        generated_at=now,
        rows=rows,
        village_average=average,
        dispute_note=objection_note(quarter.year),
    )


def notice_json(notice: Notice) -> dict[str, object]:
    return {
        "village": notice.village,
        "quarter": notice.quarter,
        "title": notice.title,
        "generated_at": notice.generated_at,
        "village_average": round(notice.village_average, 2),
        "households": len(notice.rows),
        "dispute_note": notice.dispute_note,
        "rows": [row.__dict__ for row in notice.rows],
    }


# --- honours ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HonouredHousehold:
    code: str
    masked_name: str
    earned: int


@dataclass(frozen=True)
class HonoursView:
    """A period's top five (the bonus) and the households above the village average."""

    village: str
    period: str
    average: float
    top: list[HonouredHousehold]
    above_average: list[HonouredHousehold]

    def as_json(self) -> dict[str, object]:
        return {
            "village": self.village,
            "period": self.period,
            "average": round(self.average, 2),
            "top": [h.__dict__ for h in self.top],
            "above_average": [h.__dict__ for h in self.above_average],
        }


def village_honours(
    session: Session, village: Village, *, year: int, month: int | None = None
) -> HonoursView:
    """periods.honours with each household's masked name, for the notice board and screen."""
    found = honours(session, village, year=year, month=month)
    names = dict(
        session.exec(
            select(Household.code, Household.head_name).where(Household.village_id == village.id)
        ).all()
    )

    def named(pairs: list[tuple[str, int]]) -> list[HonouredHousehold]:
        return [HonouredHousehold(code, mask_name(names[code]), earned) for code, earned in pairs]

    return HonoursView(
        village=found.village,
        period=found.period,
        average=found.average,
        top=named(found.top),
        above_average=named(found.above_average),
    )


# --- freezes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenHousehold:
    code: str
    head: str
    village_id: str
    since: date
    until: date
    reason: str
    operator_id: str | None

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def frozen_households(
    session: Session, today: date, village_id: str | None = None
) -> list[FrozenHousehold]:
    """Households that may not redeem today (negative item 9), soonest end first."""
    statement = (
        select(Household)
        .where(col(Household.id).in_(select(Freeze.household_id).distinct()))
        .order_by(col(Household.code))
    )
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    found: list[FrozenHousehold] = []
    for household in session.exec(statement):
        status: FreezeStatus | None = freeze_status(session, household.id, today)
        if status is None:
            continue
        operator_id = session.exec(
            select(Freeze.operator_id)
            .where(Freeze.household_id == household.id, Freeze.action == "freeze")
            .order_by(col(Freeze.created_at).desc(), col(Freeze.origin_seq).desc())
        ).first()
        found.append(
            FrozenHousehold(
                code=household.code,
                head=household.head_name,
                village_id=household.village_id,
                since=status.since,
                until=status.until,
                reason=status.reason,
                operator_id=operator_id,
            )
        )
    return sorted(found, key=lambda f: (f.until, f.code))
