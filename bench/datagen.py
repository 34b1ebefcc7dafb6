"""Generates the district-scale benchmark database once and caches it under bench/data/.

300 villages (the nine of 附件5 and 291 generated), 100,000 households and 5,000,000 ledger
entries, with the orders, lines and hand-overs behind the redemption entries. The schema is
made by the application's own migrations (`kiosk.core.db.open_database`), so the benchmark
runs on the real tables and indexes; the rows go in through raw sqlite3 `executemany` in one
transaction with `synchronous=OFF`, because the ORM would take an hour for five million rows.
Every person is fictional.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.table import DATA_DIR

# The district database's "today": late November, so most of the points year is behind it.
BENCH_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC) - timedelta(hours=8)  # 10:00 in Chongqing
KIOSK_ORIGIN = "K-HP-01"
FORMAT_VERSION = "1"  # bump when the generated content changes, so old caches are rebuilt


@dataclass(frozen=True)
class Scale:
    villages: int
    households: int
    entries_per_household: int  # exactly; 50 x 100,000 = 5,000,000

    @property
    def entries(self) -> int:
        return self.households * self.entries_per_household


FULL = Scale(villages=300, households=100_000, entries_per_household=50)
QUICK = Scale(villages=20, households=2_000, entries_per_household=50)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁谢唐韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏"
_GIVEN = "秀英桂芳玉兰明华建国志强德福春梅淑珍永红小平家文国华丽娟海燕晓东伟军成才光辉"
_MONTHLY_SLOTS = ("P09", "P11", "P10", "P12")  # one award per rule per month, as the cap allows
_RULE_VERSION = "tangxiang-2022@2022-12-08"


def district_path(data_dir: Path = DATA_DIR, *, quick: bool = False) -> Path:
    name = "district-quick" if quick else "district"
    return data_dir / f"{name}-v{FORMAT_VERSION}.db"


def ensure_district_db(quick: bool = False, data_dir: Path = DATA_DIR) -> Path:
    """The cached district database, generated first if it is missing (or half-made)."""
    path = district_path(data_dir, quick=quick)
    if path.exists() and _complete(path):
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (
        partial,
        Path(f"{partial}-wal"),
        Path(f"{partial}-shm"),
        Path(f"{partial}-journal"),
    ):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(partial, QUICK if quick else FULL)
    partial.rename(path)
    Path(f"{partial}.card-key").rename(Path(f"{path}.card-key"))
    print(
        f"generated {path.name} in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return path


def _complete(path: Path) -> bool:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'bench_complete'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == FORMAT_VERSION and Path(f"{path}.card-key").exists()


def generate(path: Path, scale: Scale) -> None:
    """Build the database at `path` (which must not exist) at `scale`."""
    _make_schema_and_reference(path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Generation only: a half-written file is thrown away (".partial"), never used.
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")  # 1 GB: the random-UUID keys stay hot
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("BEGIN")
        dropped = _drop_secondary_indexes(connection)
        _fill(connection, scale)
        for sql in dropped:
            connection.execute(sql)
        connection.execute(
            "INSERT INTO meta (key, value) VALUES ('bench_complete', ?)", (FORMAT_VERSION,)
        )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        # The kiosk runs in WAL; switch back so the benchmark sees what a kiosk sees.
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _make_schema_and_reference(path: Path) -> None:
    """The real schema (migrations) and the real reference data, through the application."""
    from kiosk.core.codes import CardSigner
    from kiosk.core.db import open_database, write_session
    from kiosk.core.ledger import meta_set
    from kiosk.core.models import Operator, Role
    from kiosk.core.pins import hash_pin
    from kiosk.core.seed import VILLAGES, seed_reference

    engine = open_database(f"sqlite:///{path}")
    signer = CardSigner.generate()
    signer.save(Path(f"{path}.card-key"))
    pin_hash = hash_pin("1111")
    with write_session(engine) as session:
        seed_reference(session, BENCH_NOW)
        meta_set(session, "card_public_key", signer.public_key_hex())
        meta_set(session, "origin", KIOSK_ORIGIN)
        meta_set(session, "exchange_point_id", "heping-shop")
        session.add(
            Operator(
                id="street-admin", name="街道管理员", role=Role.STREET_ADMIN, pin_hash=pin_hash
            )
        )
        for slug, _name, _prefix in VILLAGES:
            session.add(
                Operator(
                    id=f"shop-{slug}",
                    name="店主",
                    role=Role.SHOPKEEPER,
                    village_id=slug,
                    exchange_point_id=f"{slug}-shop",
                    pin_hash=pin_hash,
                )
            )
            session.add(
                Operator(
                    id=f"admin-{slug}",
                    name="村管理员",
                    role=Role.VILLAGE_ADMIN,
                    village_id=slug,
                    pin_hash=pin_hash,
                )
            )
    engine.dispose()


def _drop_secondary_indexes(connection: sqlite3.Connection) -> list[str]:
    # Building an index once over sorted data beats updating it five million times.
    rows = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('ledgerentry', 'redemptionorder', 'orderline', 'handover', 'household')"
    ).fetchall()
    for name, _sql in rows:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _villages(scale: Scale) -> list[tuple[str, str, str]]:
    from kiosk.core.seed import VILLAGES

    villages = list(VILLAGES[: scale.villages])
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for n in range(len(villages), scale.villages):
        # Z-prefixed codes cannot collide with the nine real prefixes.
        prefix = "Z" + letters[n // 26 % 26] + letters[n % 26]
        villages.append((f"v{n:03d}", f"试点{n:03d}村", prefix))
    return villages


def _utc_text(moment: datetime) -> str:
    """How SQLModel's UTCDateTime stores a datetime in SQLite: naive UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _local(year: int, month: int, day: int, hour: int, minute: int) -> str:
    # Chongqing is UTC+8 all year, so a daytime local time is the same UTC day minus 8 h.
    return f"{year:04d}-{month:02d}-{day:02d} {hour - 8:02d}:{minute:02d}:00.000000"


class _Counter:
    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, origin: str) -> int:
        value = self.last.get(origin, 0) + 1
        self.last[origin] = value
        return value


def _fill(connection: sqlite3.Connection, scale: Scale) -> None:
    from catalog.items import load_items

    rng = random.Random(20221208)
    villages = _villages(scale)
    seeded = {row[0] for row in connection.execute("SELECT id FROM village")}
    connection.executemany(
        "INSERT INTO village (id, name, code_prefix) VALUES (?, ?, ?)",
        [v for v in villages if v[0] not in seeded],
    )
    connection.executemany(
        "INSERT INTO exchangepoint (id, village_id, name) VALUES (?, ?, ?)",
        [
            (f"{slug}-shop", slug, f"{name}便民商店")
            for slug, name, _ in villages
            if slug not in seeded
        ],
    )
    items = [(item.no, item.name, item.points, str(item.due_class)) for item in load_items()]
    counter = _Counter()
    created = _utc_text(BENCH_NOW - timedelta(days=700))
    batches = _Batches(connection)
    per_village, extra = divmod(scale.households, len(villages))
    for index, (slug, _name, prefix) in enumerate(villages):
        origin = f"K-{prefix}-01"
        for number in range(1, per_village + (1 if index < extra else 0) + 1):
            household_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:{slug}:{number}"))
            head = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
            batches.household.append(
                (
                    household_id,
                    f"{prefix}{number:04d}",
                    slug,
                    f"{rng.randint(1, 9)}组",
                    head,
                    f'["{head}"]',
                    "native",
                    0,
                    0,
                    1,
                    created,
                )
            )
            _household_history(
                batches,
                rng,
                counter,
                items,
                household_id,
                slug,
                origin,
                scale.entries_per_household,
            )
            if rng.random() < 0.005:
                starts = BENCH_NOW - timedelta(days=rng.randint(0, 60))
                batches.freeze.append(
                    (
                        _uuid(rng),
                        household_id,
                        "freeze",
                        starts.date().isoformat(),
                        (starts + timedelta(days=90)).date().isoformat(),
                        "家庭成员违法违纪，影响期间只积分不兑换",
                        f"admin-{slug}" if index < 9 else None,
                        _utc_text(starts),
                        origin,
                        counter.next(origin),
                    )
                )
            batches.maybe_flush()
    batches.flush()
    connection.executemany(
        "INSERT INTO origincounter (origin, last_seq) VALUES (?, ?)", sorted(counter.last.items())
    )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _household_history(
    batches: _Batches,
    rng: random.Random,
    counter: _Counter,
    items: list[tuple[int, str, int, str]],
    household_id: str,
    village_id: str,
    origin: str,
    total_entries: int,
) -> None:
    """Last year's entries and their expiry, then this year's: `total_entries` in all."""
    operator = f"admin-{village_id}"
    shop = f"shop-{village_id}"
    last_year_events = 9  # 7 awards and 2 redemptions in 2025, then 1 expiry entry
    this_year_events = total_entries - last_year_events - 1
    for year, count in ((2025, last_year_events), (2026, this_year_events)):
        last_month = 12 if year == 2025 else 10  # 2026's history ends before BENCH_NOW
        redemptions = max(1, count // 7)
        events: list[tuple[str, str]] = []  # (created_at text, rule id or "" for a redemption)
        for i in range(count - redemptions):
            month = 1 + i % last_month
            slot = i // last_month
            rule = _MONTHLY_SLOTS[slot] if slot < len(_MONTHLY_SLOTS) else "P13.1"
            events.append(
                (
                    _local(year, month, rng.randint(1, 28), rng.randint(8, 17), rng.randint(0, 59)),
                    rule,
                )
            )
        for _ in range(redemptions):
            month = rng.randint(2, last_month)
            events.append(
                (
                    _local(year, month, rng.randint(1, 28), rng.randint(8, 17), rng.randint(0, 59)),
                    "",
                )
            )
        events.sort()
        balance = 0
        for at, rule in events:
            entry_id = _uuid(rng)
            if rule == "" and balance >= items[0][2]:
                no, name, unit_points, due_class = rng.choice([i for i in items if i[2] <= balance])
                order_id = _uuid(rng)
                order_seq = counter.next(origin)
                batches.order.append(
                    (order_id, f"{origin}-{order_seq:06d}", household_id, f"{village_id}-shop",
                     shop, year, unit_points, balance, origin, order_seq, at)
                )  # fmt: skip
                line_id = _uuid(rng)
                due = datetime.strptime(at, "%Y-%m-%d %H:%M:%S.%f") + timedelta(
                    days=7 if due_class == "appliance" else 2
                )
                batches.line.append(
                    (line_id, order_id, 1, no, name, 1, unit_points, unit_points, due_class,
                     due.strftime("%Y-%m-%d %H:%M:%S.%f"))
                )  # fmt: skip
                batches.handover.append(
                    (_uuid(rng), line_id, shop, at, origin, counter.next(origin))
                )
                batches.entry.append(
                    (entry_id, household_id, year, -unit_points, "redemption", None, None, None,
                     None, order_id, None, order_id, None, shop, origin, counter.next(origin), at,
                     f"{origin}-{order_seq:06d}")
                )  # fmt: skip
                balance -= unit_points
                continue
            if rule in ("", "P13.1"):
                # A redemption with nothing to spend becomes a hand-in of cigarette boxes.
                rule, points, quantity, remainder, note = (
                    "P13.1",
                    10,
                    45,
                    5,
                    "45个烟盒，余5个未计分",
                )
            else:
                points = 10
                quantity, remainder, note = 1, None, None
            batches.entry.append(
                (entry_id, household_id, year, points, "award", rule, _RULE_VERSION, quantity,
                 remainder, None, None, None, None, operator, origin, counter.next(origin), at, note)
            )  # fmt: skip
            balance += points
        if year == 2025:
            # close-year's expiry: the year's last instant, its id derived as close_year does.
            from kiosk.core.ids import derived_id

            batches.entry.append(
                (derived_id("expiry", household_id, 2025, 0), household_id, 2025, -balance,
                 "expiry", None, None, None, None, None, None, None, None, None, "central",
                 counter.next("central"), "2025-12-31 15:59:59.999999", "2025年度积分清零")
            )  # fmt: skip


class _Batches:
    """Rows waiting for executemany; flushed every ~200,000 entries to bound memory."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.household: list[tuple[object, ...]] = []
        self.entry: list[tuple[object, ...]] = []
        self.order: list[tuple[object, ...]] = []
        self.line: list[tuple[object, ...]] = []
        self.handover: list[tuple[object, ...]] = []
        self.freeze: list[tuple[object, ...]] = []

    def maybe_flush(self) -> None:
        if len(self.entry) >= 200_000:
            self.flush()

    def flush(self) -> None:
        c = self.connection
        c.executemany(
            "INSERT INTO household (id, code, village_id, group_name, head_name, members, "
            "residency, long_term_absent, opted_in, card_version, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.household,
        )
        c.executemany(
            "INSERT INTO redemptionorder (id, number, household_id, exchange_point_id, "
            "operator_id, points_year, total, balance_before, origin, origin_seq, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.order,
        )
        c.executemany(
            "INSERT INTO orderline (id, order_id, line_no, item_no, item_name, qty, unit_points, "
            "points, due_class, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.line,
        )
        c.executemany(
            "INSERT INTO handover (id, line_id, operator_id, handed_at, origin, origin_seq) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            self.handover,
        )
        c.executemany(
            "INSERT INTO ledgerentry (id, household_id, points_year, points, kind, rule_id, "
            "rule_version, quantity, remainder, order_id, reverses_id, group_id, helper_for_id, "
            "operator_id, origin, origin_seq, created_at, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.entry,
        )
        c.executemany(
            "INSERT INTO freeze (id, household_id, action, starts_on, ends_on, reason, "
            "operator_id, created_at, origin, origin_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.freeze,
        )
        for rows in (self.household, self.entry, self.order, self.line, self.handover, self.freeze):
            rows.clear()


def sample_codes(
    path: Path, count: int, *, seed: int = 1, village_prefix: str | None = None
) -> list[str]:
    """`count` household codes spread over the whole database (or one village's prefix)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if village_prefix:
            codes = [
                row[0]
                for row in connection.execute(
                    "SELECT code FROM household WHERE code LIKE ? ORDER BY code",
                    (f"{village_prefix}%",),
                )
            ]
        else:
            codes = [
                row[0] for row in connection.execute("SELECT code FROM household ORDER BY code")
            ]
    finally:
        connection.close()
    rng = random.Random(seed)
    return [rng.choice(codes) for _ in range(count)]


def iter_counts(path: Path) -> Iterator[tuple[str, int]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in ("village", "household", "ledgerentry", "redemptionorder", "freeze"):
            yield table, connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    built = ensure_district_db(quick=quick)
    for table, rows in iter_counts(built):
        print(f"{table:<16} {rows:>10,}")
    print(built, os.path.getsize(built) // 2**20, "MB")
