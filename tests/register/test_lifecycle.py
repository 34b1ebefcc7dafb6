"""A household's life on the register: added, edited, opting in or out, leaving, its card
reissued; each change logged with who and when, its ledger never touched, and each change
stamped for the next pull."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from kiosk.core.awards import award
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import Refused
from kiosk.core.households import resolve_household
from kiosk.core.models import Household, LedgerEntry
from kiosk.core.reference import operator_by_id
from kiosk.core.register import changes_of
from sync.central import stamp_changes
from tests.register.conftest import HEPING_ADMIN, NOW, STREET_ADMIN, Office


def _run(office: Office, *argv: str, operator: str = STREET_ADMIN) -> dict[str, object]:
    result = office.run("household", *argv, "--operator", operator, "--json")
    assert result.code == 0, result.err
    payload: dict[str, object] = result.json()
    return payload


def _household(office: Office, code: str) -> Household:
    with read_session(office.engine) as session:
        return session.scalars(select(Household).where(col(Household.code) == code)).one()


def _add(office: Office, head: str = "甲乙", group: str = "3组") -> str:
    added = _run(
        office, "add", "--village", "和平", "--group", group, "--head", head, "--member", "丙丁"
    )
    code = added["code"]
    assert isinstance(code, str)
    return code


def test_add_gives_the_next_code_and_logs_who_and_when(office: Office) -> None:
    first = _add(office)
    second = _add(office, head="戊己")

    assert (first, second) == ("HP0001", "HP0002")
    household = _household(office, first)
    assert household.members == ["甲乙", "丙丁"] and household.takes_part
    with read_session(office.engine) as session:
        (change,) = changes_of(session, household.id)
    assert (change.action, change.operator_id, change.changed_at) == ("add", STREET_ADMIN, NOW)
    assert _household(office, second).created_at == NOW + timedelta(seconds=1)


def test_the_same_head_in_the_same_group_is_refused(office: Office) -> None:
    _add(office)

    result = office.run(
        "household",
        "add",
        "--village",
        "和平",
        "--group",
        "3",
        "--head",
        "甲乙",
        "--operator",
        STREET_ADMIN,
    )

    assert result.code == 2 and "HP0001" in result.err


def test_edit_changes_head_group_and_members_and_keeps_the_old_values_in_the_log(
    office: Office,
) -> None:
    code = _add(office)

    edited = _run(
        office, "edit", code, "--head", "丙丁", "--group", "5组", "--members", "甲乙，庚辛"
    )

    assert edited["changed"] == ["group_name", "head_name", "members"]
    household = _household(office, code)
    assert (household.head_name, household.group_name, household.members) == (
        "丙丁",
        "5组",
        ["丙丁", "甲乙", "庚辛"],
    )
    with read_session(office.engine) as session:
        log = changes_of(session, household.id)[-1]
    assert log.before == {"group_name": "3组", "head_name": "甲乙", "members": ["甲乙", "丙丁"]}
    assert log.action == "edit"


def test_an_edit_that_changes_nothing_is_refused(office: Office) -> None:
    code = _add(office)

    result = office.run("household", "edit", code, "--group", "3组", "--operator", STREET_ADMIN)

    assert result.code == 2 and "没有要修改" in result.err


@pytest.mark.parametrize(
    ("steps", "takes_part"),
    [
        (["--absent"], False),
        (["--absent", "--opt-in"], True),
        (["--opt-out"], False),
        (["--opt-out", "--opt-in"], True),
        (["--absent", "--present"], True),
    ],
)
def test_participation(office: Office, steps: list[str], takes_part: bool) -> None:
    code = _add(office)

    for step in steps:
        _run(office, "participation", code, step)

    assert _household(office, code).takes_part is takes_part
    with read_session(office.engine) as session:
        log = changes_of(session, _household(office, code).id)
    assert [c.action for c in log] == ["add", *["participation"] * len(steps)]


def test_an_absent_household_can_no_longer_earn(office: Office) -> None:
    code = _add(office)
    _run(office, "participation", code, "--absent")

    with write_session(office.engine) as session:
        operator = operator_by_id(session, STREET_ADMIN)
        household = resolve_household(session, code)
        with pytest.raises(Refused):
            award(
                session, household=household, rule_id="P09", quantity=1, operator=operator, now=NOW
            )


def test_leaving_keeps_the_ledger_and_the_code_stops_working(office: Office) -> None:
    code = _add(office)
    with write_session(office.engine) as session:
        operator = operator_by_id(session, STREET_ADMIN)
        household = resolve_household(session, code)
        award(session, household=household, rule_id="P09", quantity=1, operator=operator, now=NOW)
    with read_session(office.engine) as session:
        entries = session.scalar(select(func.count()).select_from(LedgerEntry))

    left = _run(office, "leave", code, "--reason", "迁往外地")

    assert left["left"] is True and left["takes_part"] is False
    with read_session(office.engine) as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == entries
        with pytest.raises(Refused) as refused:
            resolve_household(session, code)
    assert "迁往外地" in str(refused.value)
    for argv in (["edit", code, "--group", "1组"], ["participation", code, "--opt-out"]):
        again = office.run("household", *argv, "--operator", STREET_ADMIN)
        assert again.code == 2 and "注销" in again.err


def test_a_village_administrator_changes_only_its_own_village(office: Office) -> None:
    code = _add(office)
    result = office.run(
        "household",
        "add",
        "--village",
        "双丰",
        "--group",
        "1组",
        "--head",
        "甲乙",
        "--operator",
        HEPING_ADMIN,
    )
    assert result.code == 2

    assert (
        _run(office, "participation", code, "--absent", operator=HEPING_ADMIN)["takes_part"]
        is False
    )


def test_every_change_is_stamped_for_the_next_pull(office: Office) -> None:
    code = _add(office)
    with write_session(office.engine) as session:
        stamp_changes(session)
    stamped = _household(office, code).server_seq
    assert stamped is not None

    _run(office, "participation", code, "--opt-out")

    assert _household(office, code).server_seq is None
    with write_session(office.engine) as session:
        stamp_changes(session)
    after = _household(office, code).server_seq
    assert after is not None and after > stamped


def test_cards_since_a_day_prints_only_new_and_reissued_households(
    office: Office, tmp_path: Path
) -> None:
    old, reissued = _add(office, "甲乙"), _add(office, "戊己")
    office.now = NOW + timedelta(days=3)
    new = _add(office, "庚辛")
    assert office.run("card", "reissue", reissued, "--operator", STREET_ADMIN).code == 0
    since = (NOW + timedelta(days=2)).date().isoformat()

    out = tmp_path / "cards.pdf"
    result = office.run("cards", "--village", "和平", "--since", since, "--out", str(out))

    assert result.code == 0, result.err
    assert " 2 " in result.out and out.exists()
    with read_session(office.engine) as session:
        from kiosk.core.register import households_for_cards

        chosen = [
            h.code
            for h in households_for_cards(session, "heping", (NOW + timedelta(days=2)).date())
        ]
        everyone = [h.code for h in households_for_cards(session, "heping")]
    assert chosen == [reissued, new] and everyone == [old, reissued, new]
    assert _household(office, reissued).server_seq is None  # the new version goes down
