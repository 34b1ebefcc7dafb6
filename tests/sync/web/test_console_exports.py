"""The console's exports: the XLSX opened with openpyxl agrees with the overview and with
`kiosk overview --json`; `kiosk export` writes the same file; CSV tables; scope and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from kiosk.core.db import read_session
from kiosk.core.overview import office_overview
from tests.core.test_overview import NOW, Q4, make_quarter
from tests.support.worlds import Db
from tests.sync.web.conftest import Console, make_console

pytestmark = pytest.mark.world("fulfilment")


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Console:
    make_quarter(engine, tmp_path / "quarter")
    return make_console(engine, NOW, tmp_path)


def sheets(content: bytes) -> dict[str, list[dict[str, Any]]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    found = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(cell) for cell in rows[0]]
        found[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return found


@pytest.fixture
def cli(db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    from kiosk.main import main

    monkeypatch.setenv("KIOSK_DB", db.url)
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(argv))
        return code, capsys.readouterr().out

    return run


def test_the_workbook_agrees_with_the_overview_and_the_cli(
    console: Console, cli: Any, tmp_path: Path
) -> None:
    office = console.signed_in()
    response = office.get("/o/exports/file?period=2026Q4&format=xlsx")
    assert response.status_code == 200
    assert "export-2026Q4-all.xlsx" in response.headers["content-disposition"]
    book = sheets(response.content)
    assert list(book) == ["汇总", "积分记录", "兑换单", "兑换明细", "申报", "异议"]
    code, out = cli("overview", "--quarter", "2026Q4", "--json")
    assert code == 0
    printed = json.loads(out)
    with read_session(console.engine) as session:
        assert office_overview(session, Q4, NOW).as_json() == printed
    for village in printed["villages"]:
        rows = [r for r in book["汇总"] if r["village_id"] == village["village_id"]]
        assert [
            {"month": r["month"], **{k: r[k] for k in ("awarded", "deducted", "redeemed")}}
            for r in rows
        ] == village["months"], village["village_id"]
        percent = village["participation_percent"]
        for row in rows:
            assert (row["taking_part"], row["earning"]) == (
                village["taking_part"],
                village["earning"],
            )
            assert row["participation_percent"] == percent
    # The totals are the entry rows summed, by the month and flow each row names.
    heping_december = [
        r for r in book["积分记录"] if r["village_id"] == "heping" and r["flow_month"] == "2026-12"
    ]
    assert sum(-r["points"] for r in heping_december if r["flow"] == "redeemed") == 198
    assert sum(-r["points"] for r in heping_december if r["flow"] == "deducted") == 5
    # The correction of 12-05 counts in October, where the award it takes back counted.
    (correction,) = [r for r in book["积分记录"] if r["kind"] == "correction"]
    assert (correction["flow"], correction["flow_month"], correction["points"]) == (
        "awarded",
        "2026-10",
        -4,
    )
    assert len(book["申报"]) == 2 and {r["outcome"] for r in book["申报"]} == {"waiting"}
    assert len(book["异议"]) == 1
    lines = book["兑换明细"]
    assert {r["state"] for r in lines} == {"handed_over", "cancelled", "pending"}
    # `kiosk export` is the same path: the same sheets, cell for cell.
    out_file = tmp_path / "cli.xlsx"
    code, said = cli("export", "--period", "2026Q4", "--out", str(out_file))
    assert code == 0 and "export-2026Q4-all.xlsx" in said
    assert sheets(out_file.read_bytes()) == book


def test_a_village_administrator_exports_its_own_village_only(console: Console) -> None:
    office = console.signed_in("admin-heping")
    book = sheets(office.get("/o/exports/file?period=2026Q4").content)
    assert {r["village_id"] for r in book["汇总"]} == {"heping"}
    assert {r["village_id"] for r in book["积分记录"]} == {"heping"}
    assert "XZG0001" not in {r["household"] for r in book["兑换单"]}
    assert office.get("/o/exports/file?period=2026Q4&village=xizige").status_code == 403
    assert office.get("/o/exports/file?period=2026Q4&point=xizige-shop").status_code == 403
    page = office.get("/o/exports").text
    assert 'value="xizige-shop"' not in page and 'name="village"' not in page


def test_a_csv_table_of_a_month_and_an_exchange_point(console: Console) -> None:
    office = console.signed_in()
    response = office.get(
        "/o/exports/file?period=2026-12&village=heping&point=heping-shop&format=lines"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # December's orders at 和平: 香皂 x3 (12-01), 牙膏 (12-10), 电饭煲 (12-18).
    assert sorted((r["item_name"], r["qty"], r["state"]) for r in rows) == [
        ("牙膏", "1", "pending"),
        ("电饭煲", "1", "pending"),
        ("香皂", "3", "handed_over"),
    ]
    totals = office.get(
        "/o/exports/file?period=2026-12&village=heping&point=heping-shop&format=totals"
    )
    (december,) = list(csv.DictReader(io.StringIO(totals.content.decode("utf-8-sig"))))
    # Only the point's orders' entries: the redemptions, no awards or deductions.
    assert (december["awarded"], december["deducted"], december["redeemed"]) == ("0", "0", "198")
    assert december["participation_percent"] == ""


def test_bad_input_is_said_and_changes_nothing(console: Console) -> None:
    office = console.signed_in()
    for period in ("2026Q9", "2026-13", "yesterday"):
        response = office.get(f"/o/exports/file?period={period}")
        assert response.status_code == 400, period
        assert 'class="error-summary"' in response.text and "日期格式不对" in response.text
    assert office.get("/o/exports/file?period=2026Q4&format=docx").status_code == 400
    assert office.get("/o/exports/file?period=2026Q4&point=nowhere").status_code == 404
    assert office.get("/o/exports/file?period=2026Q4&village=nowhere").status_code == 404


def test_the_same_export_and_close_status_on_postgresql(engine: Engine, tmp_path: Path) -> None:
    """The central runs on PostgreSQL: the same quarter exports the same sheets, cell for cell,
    and the periods page reads the same close status."""
    from sqlmodel import select

    from kiosk.core.db import open_database
    from kiosk.core.models import Village
    from kiosk.core.period_status import month_status, year_status
    from kiosk.services.office import export_file
    from tests.support.postgres import (
        PostgresUnavailable,
        create_database,
        drop_database,
        postgres_server,
    )
    from tests.support.worlds import fill_fulfilment

    def read(target: Engine) -> tuple[Any, ...]:
        _, content = export_file(
            target, "2026Q4", NOW, operator_id=None, village=None, exchange_point=None, table=None
        )
        with read_session(target) as session:
            villages = list(session.exec(select(Village)))
            states = [
                month_status(session, villages, 2026, month, NOW).states for month in (9, 11, 12)
            ]
            states.append(year_status(session, villages, 2026, NOW).states)
        return sheets(content), states

    make_quarter(engine, tmp_path / "sqlite")
    expected = read(engine)
    try:
        with postgres_server() as server:
            url = create_database(server)
            central = open_database(url)
            try:
                fill_fulfilment(central, tmp_path / "pg.card-key")
                make_quarter(central, tmp_path / "pg")
                found = read(central)
            finally:
                central.dispose()
                drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")

    # Ids are made afresh in each database: compare every cell but the ids.
    def without_ids(book: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[Any, ...]]]:
        ids = ("id", "reverses_id", "order_id", "entry_id", "correction_entry_id")
        return {
            name: sorted(
                (tuple((k, v) for k, v in row.items() if k not in ids) for row in rows), key=str
            )
            for name, rows in book.items()
        }

    assert without_ids(found[0]) == without_ids(expected[0])
    assert found[1] == expected[1]


def test_kiosk_export_refuses_bad_input_and_writes_nothing(
    console: Console, cli: Any, tmp_path: Path
) -> None:
    for argv in (
        ("--period", "2026Q4", "--out", str(tmp_path / "x.docx")),
        ("--period", "2026Q9", "--out", str(tmp_path / "x.xlsx")),
        ("--period", "2026Q4", "--table", "names", "--out", str(tmp_path / "x.csv")),
        ("--period", "2026Q4", "--operator", "shop-heping", "--out", str(tmp_path / "x.xlsx")),
        (
            "--period",
            "2026Q4",
            "--operator",
            "admin-heping",
            "--village",
            "xizige",
            "--out",
            str(tmp_path / "x.xlsx"),
        ),
    ):
        code, _ = cli("export", *argv)
        assert code == 2, argv
    assert list(tmp_path.glob("x.*")) == []
    code, _ = cli(
        "export",
        "--period",
        "2026Q4",
        "--operator",
        "admin-heping",
        "--out",
        str(tmp_path / "v.csv"),
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "v.csv").read_text("utf-8-sig"))))
    assert {r["village_id"] for r in rows} == {"heping"} and len(rows) == 3
