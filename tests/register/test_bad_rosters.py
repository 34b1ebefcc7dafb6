"""Bad rosters: each kind of bad row, and files that are not rosters at all, are refused with
their row and column named, exit 2, and nothing changed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.register.conftest import (
    HEADER,
    HEPING_ADMIN,
    STREET_ADMIN,
    Office,
    csv_bytes,
    roster_rows,
    write_xlsx,
)

GOOD = ["和平", "1组", "甲乙", "丙丁", "本村", "否", "是"]


def _row(**cells: str) -> list[str]:
    row = list(GOOD)
    for name, value in cells.items():
        row[HEADER.index(name)] = value
    return row


def _refused(office: Office, path: Path, operator: str = STREET_ADMIN) -> list[tuple[int, str]]:
    before = office.state()
    result = office.run("household", "import", str(path), "--operator", operator, "--json")
    assert result.code == 2, result.out
    report = result.json()
    assert report["added"] == [] and report["changed"] == [] and report["written"] is False
    assert report["errors"] and all(e["message"] for e in report["errors"])
    assert office.state() == before
    return [(e["row"], e["column"]) for e in report["errors"]]


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (_row(村="和平镇"), (3, "村")),
        (_row(村=""), (3, "村")),
        (_row(组=""), (3, "组")),
        (_row(户主=""), (3, "户主")),
        (_row(户主="张三3"), (3, "户主")),
        (_row(户主="张" * 31), (3, "户主")),
        (_row(户主="\ufffd\ufffd"), (3, "户主")),
        (_row(成员="丙丁、、戊己"), (3, "成员")),
        (_row(成员="丙丁、2"), (3, "成员")),
        (_row(户籍="外地"), (3, "户籍")),
        (_row(户籍=""), (3, "户籍")),
        (_row(长期外出="有时"), (3, "长期外出")),
        (_row(参与="Y"), (3, "参与")),
        (["和平", "1组", "甲乙", "", "本村", "否", "是", "多出来"], (3, "")),
    ],
    ids=[
        "unknown village",
        "empty village (merged cells)",
        "empty group",
        "empty head",
        "digits in a name",
        "name too long",
        "unreadable characters",
        "empty member",
        "member with digits",
        "bad residency",
        "empty residency",
        "absent not yes/no",
        "taking part not yes/no",
        "cells beyond the header",
    ],
)
def test_each_kind_of_bad_row_is_named_and_nothing_is_written(
    office: Office, bad: list[str], where: tuple[int, str]
) -> None:
    good = ["和平", "2组", "庚辛", "", "本村", "否", ""]
    path = office.roster([HEADER, good, bad])

    assert where in _refused(office, path)


def test_a_duplicate_household_in_the_file_names_the_first_row(office: Office) -> None:
    path = office.roster([HEADER, GOOD, _row(成员="")])

    assert _refused(office, path) == [(3, "户主")]


def _imported(office: Office, rows: list[list[str]]) -> list[str]:
    result = office.run(
        "household",
        "import",
        str(office.roster([HEADER, *rows], "first.csv")),
        "--operator",
        STREET_ADMIN,
        "--json",
    )
    assert result.code == 0, result.out
    added: list[str] = result.json()["added"]
    return added


CODED = [*HEADER, "户号"]


def test_codes_that_do_not_exist_repeat_or_belong_elsewhere(office: Office) -> None:
    heping, shuangfeng = _imported(office, [GOOD, ["双丰", "1组", "壬癸", "", "本村", "否", ""]])
    rows = [
        CODED,
        [*GOOD, "HP9999"],
        [*_row(组="2组"), heping],
        [*_row(组="3组"), heping],
        [*_row(户主="子丑", 成员=""), shuangfeng],
    ]

    problems = _refused(office, office.roster(rows, "coded.csv"))

    assert (2, "户号") in problems  # unknown
    assert (4, "户号") in problems  # repeated
    assert (5, "村") in problems  # a 双丰 household under 和平


def test_a_row_that_would_change_a_head_or_hit_another_household_is_refused(
    office: Office,
) -> None:
    first, second = _imported(office, [GOOD, _row(组="2组", 户主="庚辛", 成员="")])
    rows = [
        CODED,
        [*_row(户主="陌生人"), first],  # not a member of the household: a silent head change
        [*_row(组="1组"), second],  # 甲乙 of 1组 is another household's head
    ]

    assert _refused(office, office.roster(rows, "coded.csv")) == [(2, "户主"), (3, "户主")]


def test_a_member_may_succeed_as_head_through_the_roster(office: Office) -> None:
    (code,) = _imported(office, [GOOD])
    path = office.roster([CODED, [*_row(户主="丙丁", 成员="甲乙"), code]], "coded.csv")

    result = office.run("household", "import", str(path), "--operator", STREET_ADMIN, "--json")

    assert result.code == 0 and result.json()["changed"] == [code]


def test_a_household_that_left_cannot_be_updated_by_a_roster(office: Office) -> None:
    (code,) = _imported(office, [GOOD])
    assert (
        office.run("household", "leave", code, "--reason", "迁出", "--operator", STREET_ADMIN).code
        == 0
    )

    assert _refused(office, office.roster([CODED, [*GOOD, code]], "coded.csv")) == [(2, "户号")]


def test_a_village_administrator_imports_only_its_own_village(office: Office) -> None:
    path = office.roster([HEADER, GOOD, ["双丰", "1组", "壬癸", "", "本村", "否", ""]])

    assert _refused(office, path, HEPING_ADMIN) == [(3, "村")]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (["村", "组", "户主", "成员"], "户籍"),
        ([*HEADER, "户主"], "户主"),
        ([*HEADER, "手机"], "手机"),
    ],
    ids=["missing column", "repeated column", "unknown column"],
)
def test_a_bad_header_is_named(office: Office, header: list[str], column: str) -> None:
    path = office.roster([header, GOOD])

    assert _refused(office, path) == [(1, column)]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("roster.xls", b"\xd0\xcf\x11\xe0 old excel"),
        ("roster.csv", b"PK\x03\x04 a workbook named .csv"),
        ("roster.xlsx", b"not a zip at all"),
        ("roster.csv", "村,组,户主,成员,户籍\n".encode("utf-16")),
        (
            "roster.csv",
            "村,组,户主,成员,户籍\n和平,1组,甲乙,,本村\n".encode("big5", "replace")
            + b"\xff\xfe\xfd",
        ),
        ("roster.csv", b""),
        ("roster.csv", "\ufeff村,组,户主,成员,户籍\n\n\n".encode()),
        ("roster.csv", b"a,b\x00,c\n"),
    ],
    ids=["xls", "xlsx named csv", "damaged xlsx", "utf-16", "big5", "empty", "header only", "nul"],
)
def test_a_file_that_is_not_a_roster_is_refused_as_a_whole(
    office: Office, name: str, data: bytes
) -> None:
    problems = _refused(office, office.file(name, data))

    assert problems == [(0, "")] or problems[0][0] == 1


def test_an_xlsx_with_merged_village_cells_names_every_empty_row(
    office: Office, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, GOOD, _row(户主="庚辛"), _row(户主="壬癸")]:
        sheet.append(row)
    sheet.merge_cells("A2:A4")  # the office's habit: one 村 cell for a block of rows
    path = tmp_path / "merged.xlsx"
    workbook.save(path)

    assert _refused(office, path) == [(3, "村"), (4, "村")]


def test_blank_rows_between_blocks_are_read_past(office: Office) -> None:
    path = write_xlsx(
        office.tmp / "gaps.xlsx", [[], HEADER, GOOD, [], [None, None], _row(户主="庚辛")]
    )

    result = office.run("household", "import", str(path), "--operator", STREET_ADMIN, "--json")

    assert result.code == 0 and len(result.json()["added"]) == 2


# --- garbled files -------------------------------------------------------------------------------

_ENCODINGS = ["utf-16", "utf-16-be", "big5", "shift_jis", "euc-kr", "cp1252"]


@st.composite
def garbled(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real roster made unreadable one way or another, or plain noise."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    rows = [HEADER, *roster_rows(rng, draw(st.integers(1, 12)))]
    kind = draw(
        st.sampled_from(["encoding", "noise", "cell noise", "blank and noise", "truncated xlsx"])
    )
    if kind == "encoding":
        encoding = draw(st.sampled_from(_ENCODINGS))
        return "roster.csv", csv_bytes(rows, encoding="utf-8").decode().encode(encoding, "replace")
    if kind == "noise":
        return draw(st.sampled_from(["roster.csv", "roster.xlsx"])), draw(
            st.binary(min_size=1, max_size=4096)
        )
    if kind == "truncated xlsx":
        import io

        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        whole = buffer.getvalue()
        # The workbook's bytes carry its save time: draw where to cut, not an offset.
        return "roster.xlsx", whole[: len(whole) * draw(st.integers(0, 99)) // 100]
    data_rows = rows[1:]
    target = draw(st.integers(0, len(data_rows) - 1))
    column = draw(st.sampled_from([0, 2, 4]))  # 村, 户主, 户籍: no noise is valid there
    noise = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
    data_rows[target][column] = "9" + noise if column == 2 else noise + "\ufffd"
    if kind == "blank and noise":
        for _ in range(draw(st.integers(1, 5))):
            data_rows.insert(draw(st.integers(0, len(data_rows))), ["", "", ""])
    return "roster.csv", csv_bytes(
        [rows[0], *data_rows], encoding=draw(st.sampled_from(["utf-8", "gb18030"]))
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=garbled())
def test_garbled_rosters_are_refused_with_a_report_and_change_nothing(
    office: Office, case: tuple[str, bytes]
) -> None:
    name, data = case

    problems = _refused(office, office.file(name, data))

    assert all(row >= 0 for row, _column in problems)


def test_ten_megabytes_of_noise_is_refused(office: Office) -> None:
    noise = random.Random(7).randbytes(10 * 1024 * 1024)

    for name in ("noise.csv", "noise.xlsx"):
        assert _refused(office, office.file(name, noise)) == [(0, "")]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_roster_saved_with_another_separator_says_so(office: Office, separator: str) -> None:
    text = "\n".join(separator.join(row) for row in [HEADER, GOOD]) + "\n"

    problems = _refused(office, office.file("roster.csv", text.encode("utf-8-sig")))

    assert [row for row, _column in problems] == [1]
