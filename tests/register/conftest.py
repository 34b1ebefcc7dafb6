"""The register's test world: an empty central store made by `kiosk central init`, its
administrators, rosters written as the office's Excel and CSV files, and the CLI run in-process."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from kiosk.core.central_models import RegisterChange
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.models import Household, Operator, Role
from kiosk.core.pins import hash_pin
from tests.support.cli import CliResult

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Chongqing
HEADER = ["村", "组", "户主", "成员", "户籍", "长期外出", "参与"]
STREET_ADMIN = "street-admin"
HEPING_ADMIN = "heping-admin"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁谢唐韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕"
_GIVEN = "秀英桂芳玉兰明华建国志强德福春梅淑珍永红小平家文丽娟海燕晓东伟军成才光辉红霞翠花远山清泉"


def fictional_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def roster_rows(
    rng: random.Random, count: int, villages: Sequence[str] = ("和平", "双丰")
) -> list[list[str]]:
    """`count` distinct fictional households (村, 组, 户主, 成员, 户籍, 长期外出, 参与)."""
    rows: list[list[str]] = []
    seen: set[tuple[str, str, str]] = set()
    while len(rows) < count:
        village, group, head = rng.choice(villages), f"{rng.randint(1, 9)}组", fictional_name(rng)
        if (village, group, head) in seen:
            continue
        seen.add((village, group, head))
        members = "、".join(
            dict.fromkeys(n for n in (fictional_name(rng) for _ in range(3)) if n != head)
        )
        residency = "非本村常住" if rng.random() < 0.1 else "本村"
        absent = "是" if rng.random() < 0.1 else "否"
        rows.append([village, group, head, members, residency, absent, ""])
    return rows


def csv_bytes(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def register_state(engine: Engine) -> tuple[list[tuple[Any, ...]], int]:
    """Every household row as stored, and how many register changes are logged."""
    table = Household.__table__  # type: ignore[attr-defined]
    with read_session(engine) as session:
        rows = [tuple(r) for r in session.execute(select(table).order_by(table.c.code))]
        changes = session.scalar(select(func.count()).select_from(RegisterChange)) or 0
    return rows, int(changes)


@dataclass
class Office:
    """The street office's central store on an SQLite file, and its `kiosk` command."""

    url: str
    engine: Engine
    tmp: Path
    capsys: pytest.CaptureFixture[str]

    # The clock of the next command; each command moves it on a second, so the register's
    # log has an order. Tests may set it.
    now: datetime = NOW

    def run(self, *argv: str) -> CliResult:
        import os

        from kiosk.cli import main

        self.capsys.readouterr()
        os.environ["KIOSK_NOW"] = self.now.isoformat()  # restored by the fixture's monkeypatch
        self.now += timedelta(seconds=1)
        code = main([*argv, "--db", self.url])
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    def file(self, name: str, data: bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(data)
        return path

    def roster(self, rows: Sequence[Sequence[object]], name: str = "roster.csv") -> Path:
        if name.endswith(".xlsx"):
            return write_xlsx(self.tmp / name, rows)
        return self.file(name, csv_bytes(rows))

    def state(self) -> tuple[list[tuple[Any, ...]], int]:
        return register_state(self.engine)


def make_central(url: str, card_key: Path) -> Engine:
    """An empty central store as `kiosk central init` leaves it, with two administrators."""
    from sync.central import init_central

    engine = open_database(url)
    with write_session(engine) as session:
        init_central(session, NOW, signing_key_path=card_key)
        session.add(
            Operator(
                id=STREET_ADMIN, name="街道管理员", role=Role.STREET_ADMIN, pin_hash=hash_pin("0")
            )
        )
        session.add(
            Operator(
                id=HEPING_ADMIN,
                name="和平管理员",
                role=Role.VILLAGE_ADMIN,
                village_id="heping",
                pin_hash=hash_pin("0"),
            )
        )
    return engine


@pytest.fixture(scope="session")
def central_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("register") / "central.db"
    make_central(f"sqlite:///{path}", Path(f"{path}.card-key")).dispose()
    return path


@pytest.fixture
def office(
    central_template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Office]:
    path = tmp_path / "central.db"
    path.write_bytes(central_template.read_bytes())
    Path(f"{path}.card-key").write_bytes(Path(f"{central_template}.card-key").read_bytes())
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    url = f"sqlite:///{path}"
    engine = open_database(url)
    yield Office(url, engine, tmp_path, capsys)
    engine.dispose()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261202)


RosterFactory = Callable[[int], list[list[str]]]


@pytest.fixture(scope="session")
def register_pg_server() -> Iterator[str]:
    from tests.support.postgres import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_office(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Office]:
    """An empty central made by `kiosk central init`, once on SQLite and once on PostgreSQL."""
    from tests.support.postgres import create_database, drop_database

    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
        engine = make_central(url, tmp_path / "central.db.card-key")
        yield Office(url, engine, tmp_path, capsys)
        engine.dispose()
        return
    server: str = request.getfixturevalue("register_pg_server")
    url = create_database(server)
    monkeypatch.setenv("KIOSK_CARD_KEY", str(tmp_path / "card-key"))
    engine = make_central(url, tmp_path / "card-key")
    yield Office(url, engine, tmp_path, capsys)
    engine.dispose()
    drop_database(server, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_office(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Office]:
    """A server's empty database, before `kiosk central init`: SQLite, then PostgreSQL."""
    from tests.support.postgres import create_database, drop_database

    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    monkeypatch.setenv("KIOSK_CARD_KEY", str(tmp_path / "card-key"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
        engine = open_database(url)
        yield Office(url, engine, tmp_path, capsys)
        engine.dispose()
        return
    server: str = request.getfixturevalue("register_pg_server")
    url = create_database(server)
    engine = open_database(url)
    yield Office(url, engine, tmp_path, capsys)
    engine.dispose()
    drop_database(server, url)
