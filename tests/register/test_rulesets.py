"""Village rule sets: proposed at the central with every problem of the file named by line,
approved by a street administrator, and in force by effective date (a later street revision
replaces a village's set until the village's set is approved again from a later date)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.core.clock import start_of_day
from kiosk.core.db import read_session
from kiosk.core.models import RuleSetRecord
from kiosk.core.reference import ruleset_for
from rules.loader import street_ruleset_text
from tests.register.conftest import HEPING_ADMIN, STREET_ADMIN, Office


def _variant(tmp: Path, name: str, set_id: str, version: str, p09: int) -> Path:
    """The street's lists under another id and version, P09 worth `p09` points."""
    text = street_ruleset_text()
    text = re.sub(r'^id = ".*"$', f'id = "{set_id}"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^version = ".*"$', f'version = "{version}"', text, count=1, flags=re.MULTILINE)
    head, _, rest = text.partition('id = "P09"')
    rest = re.sub(r"^points = 10$", f"points = {p09}", rest, count=1, flags=re.MULTILINE)
    path = tmp / name
    path.write_text(head + 'id = "P09"' + rest, encoding="utf-8")
    return path


def _p09(office: Office, village: str, day: date) -> int:
    with read_session(office.engine) as session:
        rule = ruleset_for(session, village, start_of_day(day) + timedelta(hours=12)).get("P09")
    assert rule is not None
    return rule.points


def _propose(office: Office, path: Path, *argv: str, by: str = HEPING_ADMIN) -> str:
    result = office.run("rules", "propose", str(path), *argv, "--operator", by, "--json")
    assert result.code == 0, result.out + result.err
    proposal: str = result.json()["id"]
    return proposal


def test_precedence_follows_the_effective_date(office: Office, tmp_path: Path) -> None:
    village_set = _variant(tmp_path, "heping.toml", "heping-adjusted", "2027-q1", 12)
    street_set = _variant(tmp_path, "street.toml", "tangxiang-2027", "2027-04", 11)

    first = _propose(office, village_set, "--village", "和平", "--from", "2027-01-01")
    pending = office.run("rules", "sets", "--village", "和平", "--at", "2027-02-01", "--json")
    assert pending.json()["in_force"][0]["ruleset"] == "tangxiang-2022@2022-12-08"
    assert pending.json()["proposals"][0]["approved_by"] is None
    refused = office.run("rules", "approve", first, "--operator", HEPING_ADMIN)
    assert refused.code == 2  # street administrators only
    assert office.run("rules", "approve", first, "--operator", STREET_ADMIN).code == 0
    revision = _propose(office, street_set, "--from", "2027-04-01", by=STREET_ADMIN)
    # Four eyes: whoever proposed it does not approve it; a second street administrator does.
    own = office.run("rules", "approve", revision, "--operator", STREET_ADMIN)
    assert own.code == 2 and "另一位街道管理员" in own.err
    second = office.run(
        "operator",
        "add",
        "--id",
        "street-2",
        "--name",
        "测试乙",
        "--role",
        "street_admin",
        "--operator",
        STREET_ADMIN,
    )
    assert second.code == 0, second.err
    assert office.run("rules", "approve", revision, "--operator", "street-2").code == 0
    again = _propose(office, village_set, "--village", "和平", "--from", "2027-07-01")
    assert office.run("rules", "approve", again, "--operator", STREET_ADMIN).code == 0

    assert _p09(office, "heping", date(2026, 12, 31)) == 10
    assert _p09(office, "heping", date(2027, 1, 1)) == 12
    assert _p09(office, "shuangfeng", date(2027, 1, 1)) == 10
    assert _p09(office, "heping", date(2027, 4, 1)) == 11  # the street's revision replaces it
    assert _p09(office, "shuangfeng", date(2027, 4, 1)) == 11
    assert _p09(office, "heping", date(2027, 7, 1)) == 12  # approved again
    listed = office.run("rules", "sets", "--at", "2027-07-01", "--json").json()
    in_force = {row["village_id"]: row["ruleset"] for row in listed["in_force"]}
    assert in_force["heping"] == "heping-adjusted@2027-q1@2027-07-01"
    assert in_force["shuangfeng"] == "tangxiang-2027@2027-04"
    with read_session(office.engine) as session:
        record = session.get(RuleSetRecord, "heping-adjusted@2027-q1")
    assert record is not None and record.server_seq is None  # the next pull carries it
    assert record.scope_village_id == "heping"


def test_a_bad_rule_file_is_refused_with_every_line_named(office: Office, tmp_path: Path) -> None:
    path = _variant(tmp_path, "bad.toml", "heping-adjusted", "2027-q1", -5)  # positive, negative
    text = path.read_text(encoding="utf-8").replace(
        'cadence = "per_occurrence"', 'cadence = "weekly"', 1
    )
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    result = office.run(
        "rules",
        "propose",
        str(path),
        "--village",
        "和平",
        "--from",
        "2027-01-01",
        "--operator",
        HEPING_ADMIN,
        "--json",
    )

    assert result.code == 2
    errors = result.json()["errors"]
    assert len(errors) >= 2 and result.json()["id"] is None
    assert all(lines[e["row"] - 1] == "[[rule]]" for e in errors)
    assert any(e["column"] == "P09" for e in errors)
    with read_session(office.engine) as session:
        assert session.get(RuleSetRecord, "heping-adjusted@2027-q1") is None


@pytest.mark.parametrize(
    ("argv", "by"),
    [
        (["--village", "和平", "--from", "2027-02-01"], HEPING_ADMIN),  # not a quarter's first day
        (["--village", "和平", "--from", "2026-10-01"], HEPING_ADMIN),  # in the past
        (["--village", "双丰", "--from", "2027-01-01"], HEPING_ADMIN),  # another village
        (["--from", "2027-01-01"], HEPING_ADMIN),  # a street revision by a village administrator
    ],
    ids=["mid-quarter", "past", "other village", "street by village admin"],
)
def test_proposals_that_are_refused(
    office: Office, tmp_path: Path, argv: list[str], by: str
) -> None:
    path = _variant(tmp_path, "set.toml", "heping-adjusted", "2027-q1", 12)

    result = office.run("rules", "propose", str(path), *argv, "--operator", by)

    assert result.code == 2 and result.err
    assert office.run("rules", "sets", "--json").json()["proposals"] == []


def test_the_rules_in_force_are_still_listed(office: Office) -> None:
    result = office.run("rules", "list", "--village", "和平", "--json")

    assert result.code == 0 and any(rule["id"] == "P09" for rule in result.json())
