"""Awards and deductions through the service: month caps in Chongqing time, rates with
remainders, warnings before deductions, mutual help, participation, roles and freezes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kiosk.core.awards import AwardResult, award, freeze, lift_freeze
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.households import freeze_status
from kiosk.core.ledger import balance
from kiosk.core.models import Household
from kiosk.core.redemption import RedeemLine, redeem
from tests.support.builders import NOW, dump, entries, entry_count, household, operator
from tests.support.clock import at
from tests.support.worlds import Db


def give(
    engine: Engine,
    code: str,
    rule_id: str,
    when: datetime,
    *,
    qty: int = 1,
    by: str = "admin-heping",
    helper: str | None = None,
) -> AwardResult:
    with write_session(engine) as session:
        return award(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=qty,
            operator=operator(session, by),
            now=when,
            helper=household(session, helper) if helper else None,
        )


def refusal(
    engine: Engine, code: str, rule_id: str, when: datetime, **kwargs: object
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        give(engine, code, rule_id, when, **kwargs)  # type: ignore[arg-type]
    return caught.value


def points_of(engine: Engine, code: str, year: int = 2026) -> int:
    with read_session(engine) as session:
        return balance(session, household(session, code).id, year)


# --- the month cap (positive items 9-12 are paid once per calendar month) ------------------


def test_second_monthly_award_in_the_same_month_is_refused_with_its_date(engine: Engine) -> None:
    give(engine, "HP0001", "P09", at(2026, 11, 3))
    error = refusal(engine, "HP0001", "P09", at(2026, 11, 20))
    assert isinstance(error, Refused)
    assert (error.key, error.params) == ("rule.monthly_cap", {"when": "2026-11-03"})
    assert "本月已计过分（2026-11-03）" in str(error)
    assert points_of(engine, "HP0001") == 10


def test_the_cap_is_per_rule_and_per_household(engine: Engine) -> None:
    give(engine, "HP0001", "P09", at(2026, 11, 3))
    give(engine, "HP0001", "P10", at(2026, 11, 3))
    give(engine, "HP0001", "P10A", at(2026, 11, 3))
    give(engine, "HP0002", "P09", at(2026, 11, 3))
    assert (points_of(engine, "HP0001"), points_of(engine, "HP0002")) == (40, 10)


def test_the_monthly_award_is_allowed_again_next_month(engine: Engine) -> None:
    give(engine, "HP0001", "P09", at(2026, 10, 31, 23, 59))
    give(engine, "HP0001", "P09", at(2026, 11, 1, 0, 0))
    assert points_of(engine, "HP0001") == 20


def test_month_boundary_is_chongqing_midnight_not_utc(engine: Engine) -> None:
    # 2026-11-01 00:00 +08:00 is still 31 October in UTC, and 2026-12-01 00:00 +08:00 is
    # 30 November 16:00 UTC: months must be counted on the Chongqing wall clock.
    give(engine, "HP0001", "P09", at(2026, 11, 1, 0, 0))
    error = refusal(engine, "HP0001", "P09", at(2026, 11, 30, 23, 59))
    assert error.key == "rule.monthly_cap"
    december = at(2026, 12, 1, 0, 0)
    assert december == datetime.fromisoformat("2026-11-30T16:00:00+00:00")
    give(engine, "HP0001", "P09", december)
    error = refusal(engine, "HP0001", "P09", datetime.fromisoformat("2026-12-31T15:59:00+00:00"))
    assert error.key == "rule.monthly_cap"
    give(engine, "HP0001", "P09", datetime.fromisoformat("2026-12-31T16:00:00+00:00"))  # 1 Jan
    assert (points_of(engine, "HP0001", 2026), points_of(engine, "HP0001", 2027)) == (20, 10)


def test_monthly_item_takes_quantity_one_only(engine: Engine) -> None:
    assert refusal(engine, "HP0001", "P12", NOW, qty=2).key == "qty.monthly_once"


# --- the rates of positive item 13 ------------------------------------------------------


def test_45_cigarette_boxes_pay_10_points_and_keep_the_remainder(engine: Engine) -> None:
    result = give(engine, "HP0001", "P13.1", NOW, qty=45)
    (entry,) = result.entries
    assert (entry.points, entry.quantity, entry.remainder, entry.kind) == (10, 45, 5, "award")
    assert entry.note == "45个烟盒，余5个未计分"
    assert points_of(engine, "HP0001") == 10


def test_19_cigarette_boxes_are_refused(engine: Engine) -> None:
    error = refusal(engine, "HP0001", "P13.1", NOW, qty=19)
    assert isinstance(error, Refused)
    assert error.key == "qty.rate_too_small"
    assert "烟盒不足 20个" in str(error)
    with read_session(engine) as session:
        assert entry_count(session) == 0


@pytest.mark.parametrize(
    ("rule_id", "qty", "points", "remainder"),
    [
        ("P13.1", 20, 5, None),
        ("P13.2", 59, 20, 19),
        ("P13.3", 25, 20, 5),
        ("P13.4", 10, 10, None),
        ("P13.5", 11, 20, 1),
        ("P13.6", 7, 30, 1),
    ],
)
def test_each_rate_pays_whole_batches_only(
    engine: Engine, rule_id: str, qty: int, points: int, remainder: int | None
) -> None:
    (entry,) = give(engine, "HP0001", rule_id, NOW, qty=qty).entries
    assert (entry.points, entry.remainder) == (points, remainder)


@pytest.mark.parametrize("qty", [0, -1, 2001, 10**9])
def test_absurd_rate_quantities_are_refused(engine: Engine, qty: int) -> None:
    assert refusal(engine, "HP0001", "P13.2", NOW, qty=qty).key == "qty.range"


@pytest.mark.parametrize("qty", [0, -1, 11, 10**9])
def test_absurd_occurrence_counts_are_refused(engine: Engine, qty: int) -> None:
    assert refusal(engine, "HP0001", "P01", NOW, qty=qty).key == "qty.range"


def test_occurrences_multiply(engine: Engine) -> None:
    (entry,) = give(engine, "HP0001", "N07", NOW, qty=3).entries
    assert (entry.points, entry.kind, entry.quantity) == (-15, "deduction", 3)


# --- negative item 11: three warnings, then deductions, per points year --------------------


def test_fourth_unsorted_rubbish_deducts_after_three_warnings(engine: Engine) -> None:
    kinds = []
    for day in (1, 2, 3, 4, 5):
        (entry,) = give(engine, "HP0001", "N11", at(2026, 6, day)).entries
        kinds.append((entry.kind, entry.points, entry.note))
    assert kinds == [
        ("warning", 0, "第1次警告教育"),
        ("warning", 0, "第2次警告教育"),
        ("warning", 0, "第3次警告教育"),
        ("deduction", -2, "第4次"),
        ("deduction", -2, "第5次"),
    ]
    assert points_of(engine, "HP0001") == -4


def test_warning_counter_resets_in_a_new_points_year(engine: Engine) -> None:
    for day in (1, 2, 3, 4):
        give(engine, "HP0001", "N11", at(2026, 12, day))
    # 2027-01-01 00:00 in Chongqing is 2026-12-31 16:00 UTC: already the new year.
    (entry,) = give(engine, "HP0001", "N11", at(2027, 1, 1, 0, 0)).entries
    assert (entry.kind, entry.points) == ("warning", 0)
    assert points_of(engine, "HP0001", 2026) == -2


def test_warnings_are_counted_per_household(engine: Engine) -> None:
    for day in (1, 2, 3):
        give(engine, "HP0001", "N11", at(2026, 6, day))
    (entry,) = give(engine, "HP0002", "N11", at(2026, 6, 4)).entries
    assert entry.kind == "warning"


# --- mutual help (互助申报) ------------------------------------------------------------


def test_helper_gets_the_same_points_in_one_group(engine: Engine) -> None:
    result = give(engine, "HP0001", "P13.1", NOW, qty=45, helper="HP0002")
    main, helped = result.entries
    assert (main.points, helped.points) == (10, 10)
    assert result.helper_code == "HP0002"
    with read_session(engine) as session:
        (stored_main,) = entries(session, household(session, "HP0001"))
        (stored_helper,) = entries(session, household(session, "HP0002"))
        assert stored_main.group_id is not None
        assert stored_main.group_id == stored_helper.group_id
        assert stored_helper.helper_for_id == stored_main.household_id
        assert (stored_helper.kind, stored_helper.note) == ("award", "互助申报帮助方")


def test_helping_does_not_use_up_the_helpers_own_monthly_award(engine: Engine) -> None:
    give(engine, "HP0001", "P09", NOW, helper="HP0002")
    give(engine, "HP0002", "P09", NOW)  # its own clean house this month
    assert points_of(engine, "HP0002") == 20


def test_helper_same_household_writes_nothing(db: Db, engine: Engine) -> None:
    before = dump(db.path)
    error = refusal(engine, "HP0001", "P01", NOW, helper="HP0001")
    assert isinstance(error, BadInput) and error.key == "rule.helper_self"
    assert dump(db.path) == before


def test_helper_on_a_negative_rule_writes_nothing(db: Db, engine: Engine) -> None:
    before = dump(db.path)
    assert refusal(engine, "HP0001", "N01", NOW, helper="HP0002").key == "rule.helper_negative"
    assert dump(db.path) == before


def test_helper_not_taking_part_writes_nothing(db: Db, engine: Engine) -> None:
    before = dump(db.path)
    assert refusal(engine, "HP0001", "P01", NOW, helper="HP0090").key == "rule.not_participating"
    assert dump(db.path) == before


def test_helper_unknown_to_the_database_writes_neither_entry(db: Db, engine: Engine) -> None:
    # The helper's insert fails (no such household); the main entry must not land alone.
    before = dump(db.path)
    stranger = Household(
        id="no-such-household",
        code="HP0999",
        village_id="heping",
        group_name="1组",
        head_name="路人",
        created_at=NOW,
    )
    with pytest.raises(IntegrityError), write_session(engine) as session:
        award(
            session,
            household=household(session, "HP0001"),
            rule_id="P01",
            quantity=1,
            operator=operator(session, "admin-heping"),
            now=NOW,
            helper=stranger,
        )
    assert dump(db.path) == before


# --- who takes part, who may award ---------------------------------------------------------


def test_long_term_absent_household_not_opted_in_is_refused(db: Db, engine: Engine) -> None:
    before = dump(db.path)
    assert refusal(engine, "HP0090", "P01", NOW).key == "rule.not_participating"
    assert dump(db.path) == before


def test_long_term_absent_household_that_opted_in_earns(engine: Engine) -> None:
    give(engine, "HP0091", "P01", NOW)
    assert points_of(engine, "HP0091") == 100


def test_shopkeeper_cannot_award(engine: Engine) -> None:
    error = refusal(engine, "HP0001", "P01", NOW, by="shop-heping")
    assert isinstance(error, Refused) and error.key == "operator.role"


def test_village_admin_acts_for_its_own_village_only(engine: Engine) -> None:
    error = refusal(engine, "XZG0001", "P01", NOW, by="admin-heping")
    assert isinstance(error, Refused) and error.key == "operator.village"
    give(engine, "XZG0001", "P01", NOW, by="admin-xizige")
    give(engine, "XZG0001", "P02", NOW, by="street-admin")
    assert points_of(engine, "XZG0001") == 120


def test_unknown_rule_is_not_found(engine: Engine) -> None:
    error = refusal(engine, "HP0001", "P99", NOW)
    assert isinstance(error, NotFound) and error.key == "rule.unknown"


def test_rule_ids_are_read_case_insensitively(engine: Engine) -> None:
    (entry,) = give(engine, "HP0001", "p13.1", NOW, qty=20).entries
    assert entry.rule_id == "P13.1"


# --- freezes (negative item 9: earn, but do not redeem) --------------------------------------


def _freeze(session: Session, code: str, until: date, by: str = "admin-heping") -> None:
    freeze(
        session,
        household=household(session, code),
        until=until,
        reason="家庭成员违法违纪",
        operator=operator(session, by),
        now=NOW,
    )


def _redeem(engine: Engine, code: str, when: datetime) -> None:
    with write_session(engine) as session:
        redeem(
            session,
            household=household(session, code),
            lines=[RedeemLine(1, 1)],
            operator=operator(session, "shop-heping"),
            now=when,
        )


def test_frozen_household_earns_but_cannot_redeem_until_the_freeze_ends(
    db: Db, engine: Engine
) -> None:
    with write_session(engine) as session:
        _freeze(session, "HP0001", date(2026, 11, 30))
    give(engine, "HP0001", "P01", NOW)
    assert points_of(engine, "HP0001") == 100
    before = dump(db.path)
    with pytest.raises(Refused) as refused:
        _redeem(engine, "HP0001", at(2026, 11, 30, 23, 59))  # the last day is still frozen
    assert refused.value.key == "redeem.frozen"
    assert "2026-11-30" in str(refused.value) and "家庭成员违法违纪" in str(refused.value)
    assert dump(db.path) == before
    _redeem(engine, "HP0001", at(2026, 12, 1, 0, 0))
    assert points_of(engine, "HP0001") == 99


def test_lifting_a_freeze_allows_redemption_again(engine: Engine) -> None:
    give(engine, "HP0001", "P01", NOW)
    with write_session(engine) as session:
        _freeze(session, "HP0001", date(2027, 3, 31))
    with write_session(engine) as session:
        lifted = lift_freeze(
            session,
            household=household(session, "HP0001"),
            reason="核实后解除",
            operator=operator(session, "admin-heping"),
            now=NOW,
        )
        assert lifted is not None and lifted.action == "lift"
    _redeem(engine, "HP0001", NOW)
    assert points_of(engine, "HP0001") == 99


def test_a_later_freeze_does_not_end_the_one_in_force(engine: Engine) -> None:
    # Frozen to the end of November; a second freeze recorded today for January must not
    # let the household redeem in the meantime.
    give(engine, "HP0001", "P01", NOW)
    with write_session(engine) as session:
        _freeze(session, "HP0001", date(2026, 11, 30))
    with write_session(engine) as session:
        freeze(
            session,
            household=household(session, "HP0001"),
            until=date(2027, 1, 31),
            starts_on=date(2027, 1, 1),
            reason="另一次违法违纪",
            operator=operator(session, "admin-heping"),
            now=NOW,
        )
    with read_session(engine) as session:
        status = freeze_status(session, household(session, "HP0001").id, date(2026, 11, 20))
        assert status is not None and status.until == date(2026, 11, 30)
        assert freeze_status(session, household(session, "HP0001").id, date(2026, 12, 15)) is None
        later = freeze_status(session, household(session, "HP0001").id, date(2027, 1, 15))
        assert later is not None and later.until == date(2027, 1, 31)
    with pytest.raises(Refused):
        _redeem(engine, "HP0001", at(2026, 11, 20))
    # Lifting the freeze in force ends it, and not the one recorded for January.
    with write_session(engine) as session:
        lift_freeze(
            session,
            household=household(session, "HP0001"),
            reason="核实后解除",
            operator=operator(session, "admin-heping"),
            now=at(2026, 11, 20),
        )
    _redeem(engine, "HP0001", at(2026, 11, 21))
    with pytest.raises(Refused) as refused:
        _redeem(engine, "HP0001", at(2027, 1, 2))
    assert refused.value.key == "redeem.frozen"


def test_shopkeeper_cannot_freeze_and_freeze_needs_reason_and_order(engine: Engine) -> None:
    with pytest.raises(Refused) as refused, write_session(engine) as session:
        _freeze(session, "HP0001", date(2026, 12, 31), by="shop-heping")
    assert refused.value.key == "operator.role"
    with pytest.raises(BadInput) as bad, write_session(engine) as session:
        _freeze(session, "HP0001", date(2026, 11, 1))
    assert bad.value.key == "freeze.range"
