"""The `kiosk sync` and `kiosk central` commands as the timers and the street office run
them: real processes, a real `kiosk central serve`, exit codes and the journal line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import create_database, drop_database, free_port
from tests.sync.harness import NOW, Central

REPO = Path(__file__).resolve().parents[2]


def kiosk_cli(
    *args: str, env: dict[str, str] | None = None, check: int | None = 0
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        cwd=REPO,
        env={**base_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check is not None:
        assert result.returncode == check, result.stdout + result.stderr
    return result


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update({"KIOSK_NOW": NOW.isoformat(), "KIOSK_CONFIG": "/nonexistent/kiosk.toml"})
    return env


@pytest.fixture
def served(central: Central) -> Iterator[str]:
    """`kiosk central serve` itself, in its own process, on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "central",
            "serve",
            "--db",
            central.url,
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=base_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.post(url + "/v1/hello", json={}).status_code == 401:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "central serve did not start"
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(20)
    if process.stderr:
        process.stderr.close()


# The command line is the same whatever the database; its one full run uses PostgreSQL.
@pytest.mark.parametrize("central", ["postgresql"], indirect=True)
def test_the_nightly_sync_from_the_command_line(
    central: Central, served: str, tmp_path: Path
) -> None:
    added = kiosk_cli(
        "central", "add-kiosk", "K-HP-01", "--village", "和平", "--json", "--db", central.url
    )
    credential = json.loads(added.stdout)
    assert set(credential) == {"id", "secret"} and credential["id"] == "K-HP-01"
    kiosk_db = f"sqlite:///{tmp_path / 'kiosk.db'}"
    env = {
        "KIOSK_SYNC_SECRET": credential["secret"],
        "KIOSK_CENTRAL_URL": served,
        "KIOSK_ID": "K-HP-01",
    }
    first = kiosk_cli("sync", "--db", kiosk_db, env=env)
    assert re.fullmatch(r"sync K-HP-01: pushed 0, pulled \d+, alerts 0, [\d.]+ s\n", first.stdout)
    kiosk_cli("redeem", "HP0001", "1:1", "--operator", "shop-heping", "--db", kiosk_db, env=env)
    second = kiosk_cli("sync", "--db", kiosk_db, env=env)
    assert "pushed 2, pulled 0, alerts 0" in second.stdout
    third = kiosk_cli("sync", "--db", kiosk_db, "--json", env=env)
    assert (json.loads(third.stdout)["pushed"], json.loads(third.stdout)["pulled"]) == (0, 0)
    assert kiosk_cli("check", "--db", kiosk_db).returncode == 0

    status = json.loads(kiosk_cli("central", "status", "--json", "--db", central.url).stdout)
    (row,) = status
    assert (row["id"], row["acked_seq"], row["entries_behind"], row["revoked"]) == (
        "K-HP-01",
        2,
        0,
        False,
    )
    assert row["last_sync_at"].endswith("+08:00")
    assert (
        json.loads(kiosk_cli("central", "overdrafts", "--json", "--db", central.url).stdout) == []
    )

    kiosk_cli("central", "revoke-kiosk", "K-HP-01", "--db", central.url)
    refused = kiosk_cli("sync", "--db", kiosk_db, env=env, check=None)
    assert refused.returncode != 0 and "revoked" in refused.stderr


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(tmp_path: Path) -> None:
    db = tmp_path / "central.db"
    url = f"sqlite:///{db}"
    kiosk_cli("central", "init", "--db", url)
    kiosk_cli("central", "init", "--db", url)  # again: nothing changes, nothing refused
    shown = kiosk_cli("central", "add-kiosk", "K-SF-01", "--village", "shuangfeng", "--db", url)
    secret = shown.stdout.split()[-1]
    assert len(secret) >= 40 and secret.encode() not in db.read_bytes()
    again = kiosk_cli(
        "central", "add-kiosk", "K-SF-01", "--village", "shuangfeng", "--db", url, check=2
    )
    assert "already registered" in again.stderr
    bad = kiosk_cli(
        "central", "add-kiosk", "central", "--village", "shuangfeng", "--db", url, check=2
    )
    assert "kiosk id" in bad.stderr
    kiosk_cli("central", "add-kiosk", "K-X-01", "--village", "nowhere", "--db", url, check=2)


def test_central_init_as_install_sh_runs_it_changes_nothing_the_second_time(
    pg_server: str, tmp_path: Path
) -> None:
    """systemd/install.sh --role central runs `kiosk central init --card-key FILE` (the URL in
    KIOSK_DB) on every install: the first run seeds and makes the card-signing key, an
    upgrade's run changes neither the key nor a row."""
    url = create_database(pg_server)
    key = tmp_path / "tangxiang-central" / "card-signing.key"
    try:
        first = kiosk_cli("central", "init", "--card-key", str(key), env={"KIOSK_DB": url})
        assert "reference data written" in first.stdout
        assert key.stat().st_mode & 0o077 == 0, "the key is readable by its owner only"
        before = (key.read_text(), central_rows(url))
        second = kiosk_cli("central", "init", "--card-key", str(key), env={"KIOSK_DB": url})
        assert "reference data written" not in second.stdout
        assert (key.read_text(), central_rows(url)) == before
    finally:
        drop_database(pg_server, url)


def central_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """The rows `kiosk central init` writes: reference data and the meta facts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    tables = ("meta", "village", "exchangepoint", "catalogitem", "rulesetrecord", "operator")
    try:
        with engine.connect() as connection:
            return {
                table: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {table}"))))
                for table in tables
            }
    finally:
        engine.dispose()


def test_a_seeded_demo_database_becomes_a_central(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    kiosk_cli("seed-demo", "--db", url, "--households-per-village", "2")
    kiosk_cli("central", "add-kiosk", "K-HP-01", "--village", "heping", "--db", url, check=2)
    kiosk_cli("central", "init", "--db", url)
    kiosk_cli("central", "add-kiosk", "K-HP-01", "--village", "heping", "--db", url)


def test_failures_exit_non_zero_with_a_message(tmp_path: Path) -> None:
    kiosk_db = f"sqlite:///{tmp_path / 'kiosk.db'}"
    missing = kiosk_cli(
        "sync", "--db", kiosk_db, env={"KIOSK_SYNC_SECRET": "s", "KIOSK_ID": "K-HP-01"}, check=2
    )
    assert "KIOSK_CENTRAL_URL" in missing.stderr
    closed = f"http://127.0.0.1:{free_port()}"
    env = {"KIOSK_SYNC_SECRET": "s", "KIOSK_ID": "K-HP-01", "KIOSK_CENTRAL_URL": closed}
    unreachable = kiosk_cli("sync", "--db", kiosk_db, env=env, check=1)
    assert "Cannot reach the central" in unreachable.stderr
    plain = kiosk_cli(
        "sync", "--db", kiosk_db, "--central", "http://192.0.2.7:8700", env=env, check=2
    )
    assert "plain http" in plain.stderr
    public = kiosk_cli(
        "central", "serve", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'c.db'}", check=2
    )
    assert "nginx" in public.stderr


def test_offline_bundles_from_the_command_line(sqlite_central: Central, tmp_path: Path) -> None:
    central = sqlite_central
    credential = json.loads(
        kiosk_cli(
            "central", "add-kiosk", "K-HP-01", "--village", "heping", "--json", "--db", central.url
        ).stdout
    )
    env = {"KIOSK_SYNC_SECRET": credential["secret"], "KIOSK_ID": "K-HP-01"}
    kiosk_db = f"sqlite:///{tmp_path / 'kiosk.db'}"
    stick = tmp_path / "usb" / "K-HP-01.bundle"
    stick.parent.mkdir()
    kiosk_cli("sync", "--export", str(stick), "--db", kiosk_db, env=env)
    imported = json.loads(
        kiosk_cli("central", "import", str(stick), "--json", "--db", central.url).stdout
    )
    assert imported["reply"] == str(stick) + ".reply"
    taken = kiosk_cli("sync", "--import", str(stick) + ".reply", "--db", kiosk_db, env=env)
    assert "imported reply" in taken.stdout
    assert "HP0001" in kiosk_cli("household", "list", "--db", kiosk_db).stdout
    stick.write_bytes(stick.read_bytes()[:-10] + b"0123456789")
    tampered = kiosk_cli("central", "import", str(stick), "--db", central.url, check=2)
    assert "altered" in tampered.stderr


def test_a_demo_database_never_syncs(tmp_path: Path) -> None:
    kiosk_db = f"sqlite:///{tmp_path / 'demo.db'}"
    kiosk_cli("seed-demo", "--db", kiosk_db, "--households-per-village", "1")
    env = {
        "KIOSK_SYNC_SECRET": "s",
        "KIOSK_ID": "K-HP-01",
        "KIOSK_CENTRAL_URL": f"http://127.0.0.1:{free_port()}",
    }
    refused = kiosk_cli("sync", "--db", kiosk_db, env=env, check=2)
    assert "demo database" in refused.stderr
