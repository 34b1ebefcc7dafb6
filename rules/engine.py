"""The pure points engine: (rule, quantity, history, now) -> the entries to write, or a refusal.

Nothing here reads the clock or a database; the caller passes the household's history
and the time, so every decision is reproducible in a test.

Decisions the published lists leave open, and what we chose (docs/rules.md has them all):
- "Points earned" in a period (for the top-5 bonuses, the village average and the notice) is
  the net of awards, deductions and warnings, and of the corrections of those: good deeds
  minus bad ones, as finally judged. Redemptions, refunds, expiry, bonuses and corrections of
  bonuses are not earnings, so a bonus (or its taking back) never feeds a ranking.
- A correction counts in the period of the entry it corrects, not in the period it is made:
  a month's or a year's earnings are that period's deeds as finally judged.
- Ties at fifth place: every household tied with the fifth-ranked one gets the bonus, so the
  public notice never has to explain why one of two equal households lost a coin toss.
  Only households that earned more than zero are ranked; equal ones are listed by code.
- A bonus is dated at the first instant of the following period and belongs to that period's
  points year: the yearly bonus for 2026 is credited to 2027 (2026 points expire), and so is
  December's monthly bonus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.model import Cadence, Rule, RuleList

SHANGHAI = ZoneInfo("Asia/Shanghai")

MAX_OCCURRENCES = 10  # per award; larger counts are keying mistakes, not deeds
MAX_RATE_UNITS = 2000  # e.g. 2000 cigarette boxes in one hand-in

# Entries that are earnings in their own right; a correction is an earning exactly when the
# entry it reverses is one (see counts_as_earning).
EARNING_KINDS = frozenset({"award", "deduction", "warning"})


class RuleRefusal(Exception):
    """The rules refuse this award; `key` and `params` name the message (kiosk.core.messages)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class PastEntry:
    """What the engine needs to know of one earlier entry of the household."""

    rule_id: str | None
    kind: str
    points: int
    at: datetime  # aware
    reversed: bool = False  # a correction reversed it: it no longer counts toward caps
    helper: bool = False  # earned helping another household, not for the household's own deed


@dataclass(frozen=True)
class DraftEntry:
    points: int
    kind: str  # award, deduction or warning
    quantity: int
    remainder: int = 0
    note: str = ""


def local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the engine takes aware datetimes only")
    return at.astimezone(SHANGHAI)


def points_year(at: datetime) -> int:
    """The points year an instant belongs to: points reset each 1 January, Chongqing time."""
    return local(at).year


def month_key(at: datetime) -> tuple[int, int]:
    moment = local(at)
    return moment.year, moment.month


def start_of_month(year: int, month: int) -> datetime:
    return datetime.combine(date(year, month, 1), time(0), tzinfo=SHANGHAI)


def start_of_next_month(year: int, month: int) -> datetime:
    return start_of_month(year + month // 12, month % 12 + 1)


def start_of_year(year: int) -> datetime:
    return start_of_month(year, 1)


# Objections to a points year's entries are heard until the end of the first quarter of the
# next year: the year's last quarterly notice goes up in January (每季度...公示) and the seed
# lets villagers object to it (村民对积分有异议的，可进行反映) without saying for how long; a
# quarter is the cadence the seed itself uses for notices and rule changes.
OBJECTION_MONTHS_AFTER_YEAR = 3


def objections_close(year: int) -> datetime:
    """The first instant at which entries of points year `year` can no longer be disputed."""
    return start_of_month(year + 1, OBJECTION_MONTHS_AFTER_YEAR + 1)


def booking_instant(year: int, now: datetime) -> datetime:
    """When to date a correction of an entry of points year `year`, decided at `now`.

    A correction is booked in the year of the entry it corrects: at `now` within that year,
    else at the year's last instant (as the year's reset is), so the old year's rankings and
    balance change and the new year's points do not.
    """
    if points_year(now) <= year:
        return now
    return start_of_year(year + 1) - timedelta(microseconds=1)


def _check_quantity(quantity: int, high: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= high:
        raise RuleRefusal("qty.range", low=1, high=high, qty=quantity)


def price_award(
    rule: Rule, quantity: int, history: Sequence[PastEntry], now: datetime
) -> DraftEntry:
    """The entry an award (or deduction) of `rule` writes for a household with `history`."""
    if not rule.awardable_by_hand:
        key = {
            Cadence.FREEZE: "rule.use_freeze",
            Cadence.EVALUATION: "rule.from_evaluation",
        }.get(rule.cadence, "rule.system_only")
        raise RuleRefusal(key, rule=rule.id)
    kind = "award" if rule.list is RuleList.POSITIVE else "deduction"

    if rule.cadence is Cadence.PER_OCCURRENCE:
        _check_quantity(quantity, MAX_OCCURRENCES)
        return DraftEntry(points=rule.points * quantity, kind=kind, quantity=quantity)

    if rule.cadence is Cadence.MONTHLY:
        if quantity != 1:
            raise RuleRefusal("qty.monthly_once")
        this_month = month_key(now)
        for past in history:
            if (
                past.rule_id == rule.id
                and not past.reversed
                and not past.helper
                and past.kind == kind
                and month_key(past.at) == this_month
            ):
                when = local(past.at).strftime("%Y-%m-%d")
                raise RuleRefusal("rule.monthly_cap", when=when)
        return DraftEntry(points=rule.points, kind=kind, quantity=1)

    if rule.cadence is Cadence.RATE:
        _check_quantity(quantity, MAX_RATE_UNITS)
        assert rule.per is not None  # the loader guarantees it
        batches, remainder = divmod(quantity, rule.per)
        if batches == 0:
            raise RuleRefusal(
                "qty.rate_too_small",
                material=rule.material or rule.behaviour,
                per=rule.per,
                unit=rule.unit or "",
                qty=quantity,
            )
        note = f"{quantity}{rule.unit or ''}{rule.material or ''}"
        if remainder:
            note += f"，余{remainder}{rule.unit or ''}未计分"
        return DraftEntry(
            points=rule.points * batches,
            kind=kind,
            quantity=quantity,
            remainder=remainder,
            note=note,
        )

    if rule.cadence is Cadence.WARN_THEN_DEDUCT:
        if quantity != 1:
            raise RuleRefusal("qty.range", low=1, high=1, qty=quantity)
        year = points_year(now)
        earlier = sum(
            1
            for past in history
            if past.rule_id == rule.id
            and not past.reversed
            and past.kind in ("warning", "deduction")
            and points_year(past.at) == year
        )
        if earlier < rule.warnings:
            return DraftEntry(
                points=0, kind="warning", quantity=1, note=f"第{earlier + 1}次警告教育"
            )
        return DraftEntry(
            points=rule.points, kind="deduction", quantity=1, note=f"第{earlier + 1}次"
        )

    raise RuleRefusal("rule.system_only", rule=rule.id)  # pragma: no cover - all cadences above


def helper_entry(main: DraftEntry, rule: Rule) -> DraftEntry:
    """The helper's equal award for a mutual-help declaration (互助申报)."""
    if rule.list is not RuleList.POSITIVE:
        raise RuleRefusal("rule.helper_negative")
    return DraftEntry(
        points=main.points, kind="award", quantity=main.quantity, note="互助申报帮助方"
    )


def counts_as_earning(kind: str, reversed_kind: str | None = None) -> bool:
    """Whether an entry of `kind` (a correction reversing one of `reversed_kind`) is earned."""
    if kind == "correction":
        return reversed_kind in EARNING_KINDS
    return kind in EARNING_KINDS


def earned(entries: Iterable[tuple[str, int, str | None]]) -> int:
    """Points earned from (kind, points, reversed kind) triples: awards, deductions, warnings
    and the corrections of those; never a bonus or the correction of a bonus."""
    return sum(
        points for kind, points, reversed_kind in entries if counts_as_earning(kind, reversed_kind)
    )


def top_five(earnings: Mapping[str, int], places: int = 5) -> list[tuple[str, int]]:
    """The households that win a top-5 bonus, best first; ties at the last place all win.

    Households are ranked by points earned in the period; only those that earned more than
    zero take part. Equal ones are listed by key: callers key the mapping by household code,
    the order the public notice uses.
    """
    ranked = sorted(
        ((household, points) for household, points in earnings.items() if points > 0),
        key=lambda pair: (-pair[1], pair[0]),
    )
    if len(ranked) <= places:
        return ranked
    cutoff = ranked[places - 1][1]
    return [pair for pair in ranked if pair[1] >= cutoff]


def eligibility_window(now: datetime) -> tuple[datetime, datetime]:
    """The span whose earnings decide "above the village average" for an award at `now`.

    The seed's 累计获得积分高于平均分 names no period. Points reset each year, but in January
    the year so far holds nothing, so we read it as the last twelve months: from the first
    of the same month a year earlier up to `now`.
    """
    year, month = month_key(now)
    return start_of_month(year - 1, month), now


def is_above_average(household: str, earnings: Mapping[str, int]) -> bool:
    """Whether `household` earned more than the average of `earnings` (every participating
    household of its village, zeros included)."""
    if household not in earnings or not earnings:
        return False
    return earnings[household] * len(earnings) > sum(earnings.values())


def above_average(earnings: Mapping[str, int]) -> tuple[float, list[tuple[str, int]]]:
    """The village average of points earned and the households above it (推荐最美家庭...),
    best first. The average is over every participating household given, zeros included."""
    if not earnings:
        return 0.0, []
    average = sum(earnings.values()) / len(earnings)
    above = sorted(
        ((h, p) for h, p in earnings.items() if p > average), key=lambda pair: (-pair[1], pair[0])
    )
    return average, above
