"""A throw-away PostgreSQL server for tests, or the one named by KIOSK_TEST_PG_URL.

Without KIOSK_TEST_PG_URL the Debian binaries (/usr/lib/postgresql/<version>/bin) are used:
initdb into a fresh temporary directory, start on a free loopback port with fsync off (the
data is thrown away, durability is not under test), hand out the URL, and stop and delete
it all at the end. initdb refuses to run as root, which CI and the build machines are, so
as root every server command runs as the `postgres` system user (created by the Debian
package) via runuser, with the directory handed over to it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "KIOSK_TEST_PG_URL"
SERVER_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No server configured and none can be started here (binaries missing)."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name) or ["0"])


def find_binaries() -> Path | None:
    """The bin directory of the newest installed PostgreSQL that has initdb and pg_ctl."""
    candidates = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if (path / "initdb").exists() and (path / "pg_ctl").exists()
    ]
    if candidates:
        return max(candidates, key=_version_key)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> list[str]:
    """The command prefix that runs a server binary as a user initdb accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no '{SERVER_USER}' user to run PostgreSQL as"
        ) from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", SERVER_USER, "--"]


def _run(command: list[str], *, cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed ({result.returncode}): {result.stdout[-800:]}"
            f"{result.stderr[-800:]}"
        )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL (postgresql+psycopg://...) of a server with a superuser `postgres`."""
    configured = os.environ.get(ENV_URL)
    if configured:
        yield configured
        return
    bindir = find_binaries()
    if bindir is None:
        raise PostgresUnavailable(
            "no PostgreSQL binaries found (install the Debian package 'postgresql', or set "
            f"{ENV_URL})"
        )
    prefix = _as_server_user()
    # Not under pytest's tmp dirs: those are private to root and the server user must
    # reach its data directory.
    root = Path(tempfile.mkdtemp(prefix="kiosk-test-pg-"))
    data = root / "data"
    log = root / "server.log"
    try:
        if prefix:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        root.chmod(0o700)
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=root,
        )
        port = free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c shared_buffers=128MB"
        )
        _run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            cwd=root,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                cwd=root,
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(server_url: str, *, template: str | None = None) -> str:
    """A new empty database (or a copy of `template`) on the server; returns its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    base = make_url(server_url)
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(statement)
    return str(base.set(database=name).render_as_string(hide_password=False))


def drop_database(server_url: str, database_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    from psycopg import sql

    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(name or "")
    )
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(statement)


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = [f"host={parsed.host or '127.0.0.1'}", f"port={parsed.port or 5432}"]
    parts.append(f"user={parsed.username or 'postgres'}")
    if parsed.password:
        parts.append(f"password={parsed.password}")
    parts.append(f"dbname={parsed.database or 'postgres'}")
    return " ".join(parts)
