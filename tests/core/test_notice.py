"""The quarterly notice, honours and freezes list against numbers worked out by hand from the
lists, and the notice printed as a real PDF (read back with poppler) and CSV."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kiosk.core.awards import award, freeze, lift_freeze
from kiosk.core.db import read_session, write_session
from kiosk.core.disputes import raise_dispute, resolve_correct
from kiosk.core.errors import BadInput, Refused
from kiosk.core.models import Village
from kiosk.core.notice import (
    Quarter,
    build_notice,
    frozen_households,
    notice_rows,
    parse_quarter,
    village_honours,
)
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.printables.notice import write_notice_csv, write_notice_pdf
from tests.support.builders import household, operator
from tests.support.clock import at

pytestmark = pytest.mark.world("admin")

Q4 = Quarter(2026, 4)


def give(engine: Engine, code: str, rule_id: str, month: int, day: int, **kw: object) -> str:
    helper = kw.pop("helper", None)
    with write_session(engine) as session:
        result = award(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=int(kw.pop("qty", 1)),  # type: ignore[call-overload]
            operator=operator(session, "admin-heping"),
            now=at(2026, month, day),
            helper=household(session, str(helper)) if helper else None,
        )
    return result.entries[0].id


@pytest.fixture
def quarter_history(engine: Engine) -> Engine:
    """A hand-made year of 和平:

    HP0001  Aug P08 +20 | Nov: 45 烟盒 +10, 清洁 P09 +10, N11 x4 (3 warnings, then -2),
            the -2 disputed and corrected (+2)          -> Q4 20, year 40, balance 40
    HP0002  Oct P08 +20 (mutual help), Nov redeems 2 牙膏 (-6) -> Q4 20, year 20, balance 14
    HP0003  Oct +20 as HP0002's helper                  -> Q4 20, year 20, balance 20
    HP0004  Aug P03 +10                                  -> Q4 0,  year 10, balance 10
    """
    give(engine, "HP0001", "P08", 8, 20)
    give(engine, "HP0004", "P03", 8, 21)
    give(engine, "HP0002", "P08", 10, 10, helper="HP0003")
    give(engine, "HP0001", "P13.1", 11, 2, qty=45)
    give(engine, "HP0001", "P09", 11, 3)
    for day in (5, 6, 7):
        give(engine, "HP0001", "N11", 11, day)
    deduction = give(engine, "HP0001", "N11", 11, 8)
    with write_session(engine) as session:
        redeem(
            session,
            household=household(session, "HP0002"),
            lines=[RedeemLine(2, 2)],
            operator=operator(session, "shop-heping"),
            now=at(2026, 11, 10),
        )
        dispute = raise_dispute(
            session,
            entry_ref=deduction,
            raised_by="林小禾",
            description="已分类",
            now=at(2026, 11, 9),
        )
        resolve_correct(
            session,
            ref=dispute.id,
            note="核实属实",
            operator=operator(session, "admin-heping"),
            now=at(2026, 11, 12),
        )
    return engine


def heping(engine: Engine) -> Village:
    with read_session(engine) as session:
        found = session.get(Village, "heping")
    assert found is not None
    return found


def test_fourth_quarter_rows_match_the_hand_count(quarter_history: Engine) -> None:
    with read_session(quarter_history) as session:
        rows, average = notice_rows(session, heping(quarter_history), Q4, at(2026, 11, 16))

    table = [
        (r.rank, r.code, r.masked_name, r.group, r.earned_quarter, r.earned_year, r.balance)
        for r in rows
    ]
    # Three households tie on 20 and share first place; the next is fourth, not second.
    assert table == [
        (1, "HP0001", "林*禾", "1组", 20, 40, 40),
        (1, "HP0002", "欧**燕", "2组", 20, 20, 14),
        (1, "HP0003", "宋*", "2组", 20, 20, 20),
        (4, "HP0004", "陶*帆", "3组", 0, 10, 10),
    ]
    # HP0090 is away and not opted in: it takes no part and is not averaged in.
    assert average == pytest.approx(60 / 4)


def test_a_past_quarter_stops_at_its_end(quarter_history: Engine) -> None:
    with read_session(quarter_history) as session:
        rows, average = notice_rows(
            session, heping(quarter_history), Quarter(2026, 3), at(2026, 11, 16)
        )
    assert [(r.rank, r.code, r.earned_quarter, r.earned_year, r.balance) for r in rows] == [
        (1, "HP0001", 20, 20, 20),
        (2, "HP0004", 10, 10, 10),
        (3, "HP0002", 0, 0, 0),
        (3, "HP0003", 0, 0, 0),
    ]
    assert average == pytest.approx(30 / 4)


def test_a_quarter_not_yet_begun_and_bad_quarter_keys(quarter_history: Engine) -> None:
    with read_session(quarter_history) as session, pytest.raises(Refused) as caught:
        notice_rows(session, heping(quarter_history), Quarter(2027, 1), at(2026, 11, 16))
    assert caught.value.key == "notice.future"
    assert parse_quarter(" 2026q4 ") == Q4
    for bad in ("2026Q5", "26Q4", "2026-4", ""):
        with pytest.raises(BadInput):
            parse_quarter(bad)


def test_the_printed_notice_shows_masked_names_and_the_totals(
    quarter_history: Engine, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    with read_session(quarter_history) as session:
        notice = build_notice(session, heping(quarter_history), Q4, at(2026, 11, 16))
    pdf = tmp_path / "notice.pdf"
    assert write_notice_pdf(notice, pdf).pages == 1

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "和平村2026年第四季度乡村治理积分公示" in text
    assert "全村户均本季度得分 15.0 分" in text
    for masked in ("林*禾", "欧**燕", "宋*", "陶*帆"):
        assert masked in text
    for full_name in ("林小禾", "欧阳春燕", "宋明", "陶一帆", "江远行"):
        assert full_name not in text
    hp0002 = next(line for line in text.splitlines() if "HP0002" in line).split()
    assert hp0002[-3:] == ["20", "20", "14"]

    # The board copy as a picture: one A4 page that poppler renders.
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 0


def test_the_csv_notice_has_the_same_rows(quarter_history: Engine, tmp_path: Path) -> None:
    with read_session(quarter_history) as session:
        notice = build_notice(session, heping(quarter_history), Q4, at(2026, 11, 16))
    out = tmp_path / "notice.csv"
    write_notice_csv(notice, out)
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "排名"
    assert rows[1:] == [
        ["1", "HP0001", "林*禾", "1组", "20", "40", "40"],
        ["1", "HP0002", "欧**燕", "2组", "20", "20", "14"],
        ["1", "HP0003", "宋*", "2组", "20", "20", "20"],
        ["4", "HP0004", "陶*帆", "3组", "0", "10", "10"],
    ]


def test_honours_of_the_month_and_year(quarter_history: Engine) -> None:
    with read_session(quarter_history) as session:
        november = village_honours(session, heping(quarter_history), year=2026, month=11)
        year = village_honours(session, heping(quarter_history), year=2026)
    # November: HP0001 earned 10 + 10 - 2 + 2 = 20, nobody else anything; average 20 / 4.
    assert [(h.code, h.masked_name, h.earned) for h in november.top] == [("HP0001", "林*禾", 20)]
    assert november.average == pytest.approx(5.0)
    assert [h.code for h in november.above_average] == ["HP0001"]
    # The year: 40, 20, 20, 10 -> average 22.5; only HP0001 is above it.
    # Fewer than five earned anything, so all four win; the engine lists ties by household id.
    assert [h.earned for h in year.top] == [40, 20, 20, 10]
    assert [h.code for h in year.top][::3] == ["HP0001", "HP0004"]
    assert {h.code for h in year.top[1:3]} == {"HP0002", "HP0003"}
    assert year.average == pytest.approx(22.5)
    assert [h.code for h in year.above_average] == ["HP0001"]
    assert year.as_json()["period"] == "2026"


def test_the_freezes_list_shows_who_until_when_and_why(engine: Engine) -> None:
    with write_session(engine) as session:
        admin = operator(session, "admin-heping")
        freeze(
            session,
            household=household(session, "HP0004"),
            until=at(2026, 12, 31).date(),
            reason="家庭成员违法，影响期内只积分不兑换",
            operator=admin,
            now=at(2026, 11, 10),
        )
        freeze(
            session,
            household=household(session, "HP0003"),
            until=at(2026, 11, 30).date(),
            reason="影响期",
            operator=admin,
            now=at(2026, 11, 10),
        )
        freeze(
            session,
            household=household(session, "XZG0001"),
            until=at(2026, 12, 1).date(),
            reason="影响期",
            operator=operator(session, "admin-xizige"),
            now=at(2026, 11, 10),
        )
        lift_freeze(
            session,
            household=household(session, "HP0003"),
            reason="提前解除",
            operator=admin,
            now=at(2026, 11, 14),
        )
    with read_session(engine) as session:
        heping_frozen = frozen_households(session, at(2026, 11, 16).date(), "heping")
        everywhere = frozen_households(session, at(2026, 11, 16).date())
        after = frozen_households(session, at(2026, 12, 2).date())
    assert [(f.code, f.since, f.until, f.reason, f.operator_id) for f in heping_frozen] == [
        (
            "HP0004",
            at(2026, 11, 10).date(),
            at(2026, 12, 31).date(),
            "家庭成员违法，影响期内只积分不兑换",
            "admin-heping",
        )
    ]
    assert [f.code for f in everywhere] == ["XZG0001", "HP0004"]  # soonest end first
    assert [f.code for f in after] == ["HP0004"]
