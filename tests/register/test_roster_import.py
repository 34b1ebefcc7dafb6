"""`kiosk household import`: the office's roster in every format it saves, imported all or nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from kiosk.core.central_models import RegisterChange
from kiosk.core.db import read_session, write_session
from kiosk.core.models import Household, Meta
from tests.register.conftest import (
    HEADER,
    NOW,
    STREET_ADMIN,
    Office,
    csv_bytes,
    roster_rows,
)


def _import(office: Office, path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = office.run(
        "household", "import", str(path), "--operator", STREET_ADMIN, "--json", *extra
    )
    return result.code, result.json()


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("roster.csv", "utf-8"),
        ("roster.csv", "utf-8-sig"),
        ("roster.csv", "gb18030"),
        ("roster.xlsx", None),
    ],
)
def test_a_roster_adds_households_and_a_second_import_changes_nothing(
    office: Office, rng: random.Random, name: str, encoding: str | None
) -> None:
    rows = roster_rows(rng, 40)
    if encoding is None:
        path = office.roster([HEADER, *rows], name)
    else:
        path = office.file(name, csv_bytes([HEADER, *rows], encoding=encoding))

    code, report = _import(office, path)

    assert code == 0, report
    assert report["errors"] == [] and report["changed"] == [] and report["unchanged"] == 0
    added = report["added"]
    assert isinstance(added, list) and len(added) == 40
    heping = sorted(c for c in added if c.startswith("HP"))
    assert heping == [f"HP{n:04d}" for n in range(1, len(heping) + 1)]
    with read_session(office.engine) as session:
        stored = {
            (h.village_id, h.group_name, h.head_name): h for h in session.scalars(select(Household))
        }
    first = rows[0]
    village = "heping" if first[0] == "和平" else "shuangfeng"
    household = stored[(village, first[1], first[2])]
    assert household.members == [first[2], *first[3].split("、")]
    assert household.long_term_absent == (first[5] == "是")
    assert household.server_seq is None  # the next pull stamps it and carries it down
    state = office.state()
    assert state[1] == 40  # one logged change per household added

    again_code, again = _import(office, path)

    assert again_code == 0
    assert again == {"added": [], "changed": [], "unchanged": 40, "errors": [], "written": True}
    assert office.state() == state


def test_a_dry_run_reports_the_codes_and_writes_nothing(office: Office, rng: random.Random) -> None:
    path = office.roster([HEADER, *roster_rows(rng, 5, ["和平"])])
    before = office.state()

    code, report = _import(office, path, "--dry-run")

    assert code == 0
    assert report["added"] == [f"HP{n:04d}" for n in range(1, 6)] and report["written"] is False
    assert office.state() == before


def test_rows_with_a_household_code_update_it_and_the_change_is_logged(
    office: Office, rng: random.Random
) -> None:
    rows = roster_rows(rng, 3, ["和平"])
    _import(office, office.roster([HEADER, *rows]))
    with read_session(office.engine) as session:
        target = session.scalars(
            select(Household).where(col(Household.head_name) == rows[0][2])
        ).one()
    updated = (
        [*HEADER, "户号"],
        [rows[0][0], "8组", rows[0][2], "", "本村", "是", "是", target.code],
    )

    code, report = _import(office, office.roster(list(updated), "update.csv"))

    assert code == 0, report
    assert report["changed"] == [target.code] and report["added"] == []
    with read_session(office.engine) as session:
        household = session.get(Household, target.id)
        assert household is not None
        assert (household.group_name, household.members) == ("8组", [rows[0][2]])
        assert household.long_term_absent and household.opted_in and household.takes_part
        log = session.scalars(
            select(RegisterChange).where(col(RegisterChange.action) == "edit")
        ).one()
    assert log.operator_id == STREET_ADMIN and log.changed_at == NOW + timedelta(seconds=1)
    assert log.subject == f"household:{target.id}"
    assert log.after["group_name"] == "8组" and log.before["group_name"] == rows[0][1]


def test_a_plain_roster_without_codes_matches_by_village_group_and_head(
    office: Office, rng: random.Random
) -> None:
    rows = roster_rows(rng, 2, ["和平"])
    _import(office, office.roster([HEADER, *rows]))
    rows[1][3] = "新成员"

    code, report = _import(office, office.roster([HEADER, *rows], "second.csv"))

    assert code == 0
    assert report["added"] == [] and report["unchanged"] == 1 and len(report["changed"]) == 1  # type: ignore[arg-type]


def test_opting_out_and_in_from_the_participation_column(office: Office) -> None:
    rows = [
        ["和平", "1组", "甲乙", "", "本村", "否", "否"],
        ["和平", "2组", "丙丁", "", "本村", "是", "是"],
        ["和平", "3组", "戊己", "", "非本村常住", "是", ""],
    ]
    assert _import(office, office.roster([HEADER, *rows]))[0] == 0
    with read_session(office.engine) as session:
        takes_part = {h.head_name: h.takes_part for h in session.scalars(select(Household))}
    assert takes_part == {"甲乙": False, "丙丁": True, "戊己": False}


def test_optional_columns_may_be_left_out_and_header_spaces_are_forgiven(office: Office) -> None:
    path = office.roster(
        [[" 村 ", "组", "户主", "成员", "户籍", "备注"], ["和平村", 3, "甲乙", "", "本村", "x"]]
    )

    code, report = _import(office, path)

    assert code == 0, report
    with read_session(office.engine) as session:
        household = session.scalars(select(Household)).one()
    assert (household.village_id, household.group_name, household.long_term_absent) == (
        "heping",
        "3组",
        False,
    )


def test_a_kiosk_refuses_to_import_and_says_where_the_register_is_kept(
    office: Office, rng: random.Random
) -> None:
    with write_session(office.engine) as session:
        session.merge(Meta(key="origin", value="K-HP-01"))
    before = office.state()

    result = office.run(
        "household",
        "import",
        str(office.roster([HEADER, *roster_rows(rng, 2)])),
        "--operator",
        STREET_ADMIN,
    )

    assert result.code == 2
    assert "中心库" in result.err and "central" in result.err
    assert office.state() == before


def test_an_unknown_or_shopkeeper_operator_is_refused(office: Office, rng: random.Random) -> None:
    path = office.roster([HEADER, *roster_rows(rng, 2)])

    result = office.run("household", "import", str(path), "--operator", "nobody")

    assert result.code == 2 and "nobody" in result.err
    assert office.state()[1] == 0


def test_the_text_report_names_row_and_column_in_chinese_first(office: Office) -> None:
    path = office.roster([HEADER, ["和平", "1组", "甲乙", "", "外地", "", ""]])

    result = office.run("household", "import", str(path), "--operator", STREET_ADMIN)

    assert result.code == 2
    first = result.out.splitlines()[0]
    assert first.startswith("第 2 行 户籍：") and "row 2 户籍:" in first
    assert "未写入任何内容" in result.out


def test_the_roster_bench_runs_on_small_data(tmp_path: Path) -> None:
    from bench.bench_register import run
    from bench.table import BenchOptions

    rows = run(BenchOptions(quick=True, samples=1, data_dir=tmp_path))

    assert [row.name.split(",")[0] for row in rows] == [
        "roster import",
        "roster import",
        "roster re-import",
    ]
    assert all(row.floor is not None and row.target_p95 == 60.0 for row in rows)
