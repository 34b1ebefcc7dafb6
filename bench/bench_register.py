"""The register's rows: a 100,000-household roster imported at the central (as CSV and as the
.xlsx the office keeps), and imported again.

Each import is one `import_roster_file` call on a fresh central SQLite file (as `kiosk
household import` makes it: parse, check every row against the register, insert households and
their logged changes in one transaction). The floor is the least any import must do in the
same run: read the same CSV with the csv module and insert the same rows with one bare
sqlite3 executemany.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.table import BenchOptions, BenchRow

HEADER = ["村", "组", "户主", "成员", "户籍", "长期外出", "参与"]
VILLAGES = ("和平", "惜字阁", "双丰", "冉家店", "红星", "金星", "五星", "三合", "水峰")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁谢唐韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕"
_GIVEN = "秀英桂芳玉兰明华建国志强德福春梅淑珍永红小平家文丽娟海燕晓东伟军成才光辉红霞翠花远山清泉"
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def write_roster(path: Path, count: int, seed: int = 12) -> Path:
    """`count` fictional households over the nine villages, distinct by village, group, head."""
    rng = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while len(seen) < count:
            key = (rng.choice(VILLAGES), f"{rng.randint(1, 40)}组", _name(rng))
            if key in seen:
                continue
            seen.add(key)
            members = "、".join(n for n in (_name(rng) for _ in range(3)) if n != key[2])
            writer.writerow([*key, members, "本村", "否", ""])
    return path


def write_workbook(csv_path: Path, path: Path) -> Path:
    """The same roster as an Excel workbook (openpyxl's streaming writer)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(path)
    return path


def _central(path: Path) -> str:
    from kiosk.core.db import open_database, write_session
    from kiosk.core.models import Operator, Role
    from kiosk.core.pins import hash_pin
    from sync.central import init_central

    url = f"sqlite:///{path}"
    engine = open_database(url)
    with write_session(engine) as session:
        init_central(session, NOW, signing_key_path=None)
        session.add(
            Operator(id="bench", name="bench", role=Role.STREET_ADMIN, pin_hash=hash_pin("0"))
        )
    engine.dispose()
    return url


def _floor(roster: Path, path: Path) -> float:
    """Bare csv read + one executemany of the same rows into an indexed table, committed."""
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE h (id TEXT PRIMARY KEY, code TEXT UNIQUE, village TEXT, grp TEXT,"
        " head TEXT, members TEXT, residency TEXT)"
    )
    started = time.perf_counter()
    with roster.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    connection.executemany(
        "INSERT INTO h VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(str(uuid.uuid4()), f"C{i}", r[0], r[1], r[2], r[3], r[4]) for i, r in enumerate(rows)],
    )
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def run(options: BenchOptions) -> list[BenchRow]:
    from kiosk.core.db import open_database
    from kiosk.services.register import import_roster_file

    count = 2_000 if options.quick else 100_000
    work = options.data_dir / "register"
    work.mkdir(parents=True, exist_ok=True)
    roster = work / f"roster-{count}.csv"
    if not roster.exists():
        write_roster(roster, count)
    central = work / "central.db"
    for stale in work.glob("central.db*"):
        stale.unlink()
    floor_db = work / "floor.db"
    floor_db.unlink(missing_ok=True)
    floor = _floor(roster, floor_db)
    engine = open_database(_central(central))
    try:
        started = time.perf_counter()
        first = import_roster_file(engine, roster, operator_id="bench", now=NOW)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = import_roster_file(engine, roster, operator_id="bench", now=NOW)
        again_s = time.perf_counter() - started
    finally:
        engine.dispose()
    assert not first.errors and len(first.added) == count, first.errors[:3]
    assert again.unchanged == count and not again.added and not again.changed
    workbook = work / f"roster-{count}.xlsx"
    if not workbook.exists():
        write_workbook(roster, workbook)
    for stale in work.glob("central.db*"):
        stale.unlink()
    engine = open_database(_central(central))
    try:
        started = time.perf_counter()
        from_excel = import_roster_file(engine, workbook, operator_id="bench", now=NOW)
        excel_s = time.perf_counter() - started
    finally:
        engine.dispose()
    assert not from_excel.errors and len(from_excel.added) == count, from_excel.errors[:3]
    label = f"{count:,}"
    return [
        BenchRow(
            name=f"roster import, {label} households (.csv, new)",
            p50=None,
            p95=first_s,
            unit="s",
            floor_name="bare csv read + sqlite3 executemany",
            floor=floor,
            target_p95=60.0,
        ),
        BenchRow(
            name=f"roster import, {label} households (.xlsx, new)",
            p50=None,
            p95=excel_s,
            unit="s",
            floor_name="bare csv read + sqlite3 executemany",
            floor=floor,
            target_p95=60.0,
        ),
        BenchRow(
            name=f"roster re-import, {label} households (unchanged)",
            p50=None,
            p95=again_s,
            unit="s",
            floor_name="bare csv read + sqlite3 executemany",
            floor=floor,
            target_p95=60.0,
        ),
    ]
