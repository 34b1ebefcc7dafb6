"""Online backups taken under load restore to consistent databases; damaged ones are refused."""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import ops_commands
from kiosk.cli.context import run_handler
from kiosk.ops.backup import (
    BackupFailed,
    RestoreRefused,
    backup_database,
    dump_postgres,
    list_backups,
    postgres_environment,
    restore_database,
    verify_database,
)

# The test's own ledger: every transaction writes one transfer and two entries that sum
# to zero, so a copy torn between or inside transactions breaks an invariant.
SCHEMA = """
CREATE TABLE transfer (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
CREATE TABLE entry (
    id INTEGER PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfer(id),
    amount INTEGER NOT NULL
);
CREATE INDEX entry_transfer ON entry(transfer_id);
"""
TABLES = ("transfer", "entry")
T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)

WRITER = textwrap.dedent(
    """
    import sqlite3, sys, pathlib
    db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    connection = sqlite3.connect(db, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    n = 0
    while not stop.exists():
        connection.execute("BEGIN IMMEDIATE")
        transfer = connection.execute(
            "INSERT INTO transfer(payload) VALUES (randomblob(300))"
        ).lastrowid
        amount = n % 97 + 1
        connection.execute("INSERT INTO entry(transfer_id, amount) VALUES (?, ?)", (transfer, amount))
        connection.execute("INSERT INTO entry(transfer_id, amount) VALUES (?, ?)", (transfer, -amount))
        connection.execute("COMMIT")
        n += 1
    print(n)
    """
)


def create_ledger(path: Path, transfers: int = 0) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA)
    for n in range(transfers):
        transfer = connection.execute(
            "INSERT INTO transfer(payload) VALUES (randomblob(300))"
        ).lastrowid
        connection.executemany(
            "INSERT INTO entry(transfer_id, amount) VALUES (?, ?)",
            [(transfer, n + 1), (transfer, -(n + 1))],
        )
    connection.commit()
    connection.close()


def transfer_count(path: Path) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return int(connection.execute("SELECT count(*) FROM transfer").fetchone()[0])
    finally:
        connection.close()


def assert_consistent(path: Path) -> int:
    """Checks the ledger's invariants and returns how many transfers it holds."""
    assert verify_database(path, TABLES) == []
    connection = sqlite3.connect(path)
    try:
        transfers = connection.execute("SELECT count(*) FROM transfer").fetchone()[0]
        entries, total = connection.execute("SELECT count(*), sum(amount) FROM entry").fetchone()
        unbalanced = connection.execute(
            "SELECT count(*) FROM (SELECT transfer_id FROM entry GROUP BY transfer_id "
            "HAVING count(*) != 2 OR sum(amount) != 0)"
        ).fetchone()[0]
        orphans = connection.execute(
            "SELECT count(*) FROM transfer t WHERE NOT EXISTS "
            "(SELECT 1 FROM entry e WHERE e.transfer_id = t.id)"
        ).fetchone()[0]
    finally:
        connection.close()
    assert entries == 2 * transfers
    assert (total or 0) == 0
    assert unbalanced == 0
    assert orphans == 0
    return int(transfers)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_backups_under_continuous_writes_restore_consistently(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    create_ledger(live)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(live), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    backups: list[Path] = []
    counts: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while transfer_count(live) < 300:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline, "the writer is too slow"
            time.sleep(0.05)
        for n in range(6):
            backups.append(backup_database(live, tmp_path / "backups", T0 + timedelta(minutes=n)))
            counts.append(transfer_count(live))
            time.sleep(0.1)
        assert writer.poll() is None, "the writer must still be running after the backups"
    finally:
        stop.touch()
        written, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0, errors
    final = assert_consistent(live)
    assert final == int(written)

    copied = [assert_consistent(backup) for backup in backups]
    assert copied == sorted(copied)
    assert copied[-1] <= final
    assert counts[-1] > counts[0], "the kiosk went on writing while the backups were taken"
    for backup in backups:
        assert not Path(f"{backup}-wal").exists()
        assert backup.read_bytes()[18:20] == b"\x01\x01", "one self-contained file, not WAL"

    restored = tmp_path / "restored" / "kiosk.db"
    restore_database(backups[-1], restored, required_tables=TABLES, now=T0)
    assert assert_consistent(restored) == copied[-1]


@pytest.mark.parametrize("damage", ["overwrite-middle", "truncate", "not-sqlite", "wrong-tables"])
def test_damaged_backup_is_refused_and_the_live_database_untouched(
    tmp_path: Path, damage: str
) -> None:
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=2000)
    good = backup_database(live, tmp_path / "backups", T0)
    data = good.read_bytes()
    damaged = tmp_path / "damaged.db"
    if damage == "overwrite-middle":
        middle = len(data) // 2
        damaged.write_bytes(data[:middle] + bytes(range(256)) * 16 + data[middle + 4096 :])
    elif damage == "truncate":
        damaged.write_bytes(data[: len(data) // 2])
    elif damage == "not-sqlite":
        damaged.write_text("户号,积分\n1,100\n")
    else:
        other = sqlite3.connect(damaged)
        other.execute("CREATE TABLE unrelated (id INTEGER)")
        other.commit()
        other.close()
    before = digest(live)
    listing = sorted(os.listdir(tmp_path))

    assert verify_database(damaged, TABLES) != []
    with pytest.raises(RestoreRefused) as refused:
        restore_database(damaged, live, required_tables=TABLES, now=T0)

    message = str(refused.value)
    assert "nothing was changed" in message
    assert "未做任何改动" in message
    assert str(damaged) in message
    assert digest(live) == before
    assert sorted(os.listdir(tmp_path)) == listing, "no temporary or set-aside files"
    assert_consistent(live)


def test_restore_keeps_the_replaced_database_with_its_write_ahead_log(tmp_path: Path) -> None:
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=10)
    backup = backup_database(live, tmp_path / "backups", T0)
    # A kiosk that lost power: committed rows still only in the -wal file.
    crash = textwrap.dedent(
        """
        import os, sqlite3, sys
        connection = sqlite3.connect(sys.argv[1])
        connection.execute("PRAGMA wal_autocheckpoint=0")
        for n in range(5):
            t = connection.execute("INSERT INTO transfer(payload) VALUES (x'00')").lastrowid
            connection.execute("INSERT INTO entry(transfer_id, amount) VALUES (?, 1)", (t,))
            connection.execute("INSERT INTO entry(transfer_id, amount) VALUES (?, -1)", (t,))
        connection.commit()
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", crash, str(live)], check=True)
    assert Path(f"{live}-wal").stat().st_size > 0

    kept = restore_database(backup, live, required_tables=TABLES, now=T0 + timedelta(hours=3))

    assert kept == tmp_path / "kiosk.db.before-restore-20270301-130000"
    assert not Path(f"{live}-wal").exists()
    assert not Path(f"{live}-shm").exists()
    assert assert_consistent(live) == 10
    assert Path(f"{kept}-wal").exists()
    assert assert_consistent(kept) == 15, "the replaced database keeps its last commits"


def test_restore_onto_a_machine_without_a_database(tmp_path: Path) -> None:
    source = tmp_path / "old.db"
    create_ledger(source, transfers=3)
    backup = backup_database(source, tmp_path / "backups", T0)
    fresh = tmp_path / "new" / "kiosk.db"
    assert restore_database(backup, fresh, required_tables=TABLES, now=T0) is None
    assert assert_consistent(fresh) == 3


def test_backup_names_use_chongqing_time(tmp_path: Path) -> None:
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=1)
    written = backup_database(live, tmp_path / "b", datetime(2027, 2, 28, 18, 0, tzinfo=UTC))
    assert written.name == "kiosk-20270301-020000.db"


def test_pruning_keeps_exactly_keep_copies(tmp_path: Path) -> None:
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=5)
    backup_dir = tmp_path / "backups"
    backup_dir.mkdir()
    unrelated = [backup_dir / "notes.txt", backup_dir / "kiosk-before-upgrade.db"]
    for path in unrelated:
        path.write_text("keep me")
    written = [backup_database(live, backup_dir, T0 + timedelta(days=n), keep=3) for n in range(5)]
    assert list_backups(backup_dir, "kiosk-", ".db") == written[-3:]
    assert sorted(p.name for p in backup_dir.iterdir()) == sorted(
        [p.name for p in written[-3:]] + [p.name for p in unrelated]
    )
    assert backup_database(live, backup_dir, T0 + timedelta(days=9), keep=1).exists()
    assert len(list_backups(backup_dir, "kiosk-", ".db")) == 1


def test_backup_of_something_that_is_not_a_database_fails(tmp_path: Path) -> None:
    bogus = tmp_path / "kiosk.db"
    bogus.write_text("not a database")
    with pytest.raises(BackupFailed):
        backup_database(bogus, tmp_path / "backups", T0)
    assert not (tmp_path / "backups").exists()


def fake_pg_dump(directory: Path, *, fails: bool = False) -> tuple[Path, Path]:
    """A pg_dump stand-in that writes a custom-format header and logs how it was called."""
    log = directory / "pg_dump.log"
    program = directory / "pg_dump"
    body = 'echo "boom" >&2; exit 1' if fails else 'printf "PGDMP rest" > "$file"'
    program.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/bash
            echo "args: $*" >> "{log}"
            echo "env: $PGHOST|$PGPORT|$PGUSER|$PGPASSWORD|$PGDATABASE" >> "{log}"
            for arg in "$@"; do case $arg in --file=*) file=${{arg#--file=}} ;; esac; done
            {body}
            """
        )
    )
    program.chmod(0o755)
    return program, log


def test_central_dump_passes_the_password_outside_the_command_line(tmp_path: Path) -> None:
    program, log = fake_pg_dump(tmp_path)
    url = "postgresql+psycopg://central:s3cret@db.example.org:5433/tangxiang"
    written = [
        dump_postgres(url, tmp_path / "dumps", T0 + timedelta(days=n), 2, pg_dump=str(program))
        for n in range(3)
    ]
    assert written[-1].name == "central-20270303-100000.dump"
    assert list_backups(tmp_path / "dumps", "central-", ".dump") == written[-2:]
    calls = log.read_text()
    assert "--format=custom" in calls
    assert "s3cret" not in calls.split("env:")[0]
    assert "env: db.example.org|5433|central|s3cret|tangxiang" in calls


def test_failed_central_dump_leaves_older_copies_alone(tmp_path: Path) -> None:
    good, _ = fake_pg_dump(tmp_path)
    url = "postgresql+psycopg:///tangxiang"
    first = dump_postgres(url, tmp_path / "dumps", T0, 1, pg_dump=str(good))
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    broken, _ = fake_pg_dump(broken_dir, fails=True)
    with pytest.raises(BackupFailed, match="boom"):
        dump_postgres(url, tmp_path / "dumps", T0 + timedelta(days=1), 1, pg_dump=str(broken))
    assert list((tmp_path / "dumps").iterdir()) == [first]


def test_socket_url_leaves_host_and_password_to_libpq() -> None:
    assert postgres_environment("postgresql+psycopg:///tangxiang") == {"PGDATABASE": "tangxiang"}
    with pytest.raises(ValueError):
        postgres_environment("sqlite:////var/lib/tangxiang-kiosk/kiosk.db")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    ops_commands.register(parser.add_subparsers(dest="command", required=True))
    return run_handler(parser.parse_args(argv))


def test_cli_backup_and_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_NOW", "2027-03-01T02:00:00+08:00")
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=4)
    # The kiosk's tables, so the default check of `kiosk restore` accepts the backup.
    connection = sqlite3.connect(live)
    connection.executescript(
        "CREATE TABLE household (id TEXT); CREATE TABLE ledgerentry (id TEXT);"
    )
    connection.close()
    url = f"sqlite:///{live}"

    assert run_cli("backup", "--db", url, "--dir", str(tmp_path / "b"), "--keep", "2") == 0
    backup = tmp_path / "b" / "kiosk-20270301-020000.db"
    assert backup.is_file()
    assert "backed up" in capsys.readouterr().out

    monkeypatch.setenv("KIOSK_NOW", "2027-03-02T09:00:00+08:00")
    assert run_cli("restore", str(backup), "--db", url) == 0
    out = capsys.readouterr().out
    assert "kiosk.db.before-restore-20270302-090000" in out
    assert assert_consistent(live) == 4

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(backup.read_bytes()[:1000])
    assert run_cli("restore", str(damaged), "--db", url) == 2
    assert "错误 / error" in capsys.readouterr().err


def test_cli_backup_defaults_to_a_folder_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "kiosk.db"
    create_ledger(live, transfers=1)
    monkeypatch.setenv("KIOSK_DB", f"sqlite:///{live}")
    assert run_cli("backup") == 0
    assert len(list_backups(tmp_path / "backups", "kiosk-", ".db")) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["backup", "--keep", "0"],
        ["backup", "--db", "sqlite:////nonexistent/tangxiang/kiosk.db"],
        ["backup", "--db", "postgresql+psycopg:///tangxiang"],
        ["restore", "x.db", "--db", "postgresql+psycopg:///tangxiang"],
    ],
)
def test_cli_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(*argv) == 2
    assert "错误 / error" in capsys.readouterr().err
