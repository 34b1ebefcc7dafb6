"""Online backups of the kiosk's SQLite database and the central PostgreSQL one, checks, restores."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.core.clock import local
from kiosk.ops.texts import say

# A restore is refused unless the backup holds these: a file of the right format but
# another application's data would otherwise replace the ledger.
KIOSK_TABLES: tuple[str, ...] = ("household", "ledgerentry")

KIOSK_PREFIX = "kiosk-"
KIOSK_SUFFIX = ".db"
CENTRAL_PREFIX = "central-"
CENTRAL_SUFFIX = ".dump"

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_CUSTOM_MAGIC = b"PGDMP"
_STAMP = "%Y%m%d-%H%M%S"
_STAMP_PATTERN = r"\d{8}-\d{6}"
_MAX_PROBLEMS = 20


class BackupFailed(RuntimeError):
    """A backup could not be written or did not pass its check; older copies are untouched."""


class RestoreRefused(ValueError):
    """The backup is unusable, so the live database was left as it was."""

    def __init__(self, backup: Path, problems: list[str]) -> None:
        self.backup = backup
        self.problems = problems
        super().__init__(backup, problems)

    def __str__(self) -> str:
        said = say("restore.refused", backup=self.backup, details="; ".join(self.problems))
        return f"{said.zh} / {said.en}"


def stamp(now: datetime) -> str:
    """`now` on Chongqing's wall clock, in the form backup names carry."""
    return local(now).strftime(_STAMP)


def backup_database(db_path: Path, backup_dir: Path, now: datetime, keep: int = 14) -> Path:
    """Copy the live database at `db_path` into `backup_dir` and keep the newest `keep` copies.

    SQLite's backup API reads one consistent snapshot while the kiosk goes on writing (in WAL
    mode a reader never blocks the writer); a file copy of a live database can be torn.
    The copy is checked, synced and renamed into place, so a power cut leaves either the
    complete new backup or none, never a partial file under a backup's name.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if not _is_sqlite_file(db_path):
        raise BackupFailed(f"not an SQLite database: {db_path}")
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"{KIOSK_PREFIX}{stamp(now)}{KIOSK_SUFFIX}"
    temporary = backup_dir / f".{target.name}.partial"
    _remove(temporary)
    try:
        _copy_database(db_path, temporary)
        problems = verify_database(temporary)
        if problems:
            raise BackupFailed(f"the copy of {db_path} failed its check: {'; '.join(problems)}")
        os.chmod(temporary, 0o640)
        _fsync_file(temporary)
        os.replace(temporary, target)
        _fsync_dir(backup_dir)
    except BaseException:
        _remove(temporary)
        raise
    # Only this database's copies count towards `keep`: the default folder ("backups" beside
    # the database) may be shared, and another database's backups are not ours to delete.
    prune_backups(backup_dir, KIOSK_PREFIX, KIOSK_SUFFIX, keep, of=db_path)
    return target


def backup_evidence(evidence_dir: Path, backup_dir: Path) -> int:
    """Copy the declaration photos not yet in `backup_dir/evidence`; returns how many.

    Photos are named by their content's hash and never change, so a copy once made stays
    right: each backup adds only the new ones, and none is pruned with the database's old
    copies (a declaration of any kept backup may name it). A half-copied file is written
    under a temporary name and renamed, so a cut leaves no wrong photo under a right name.
    """
    if not evidence_dir.is_dir():
        return 0
    target_dir = backup_dir / "evidence"
    target_dir.mkdir(parents=True, exist_ok=True)
    copied = 0
    for photo in sorted(evidence_dir.iterdir()):
        if not photo.is_file() or photo.name.endswith(".part"):
            continue
        target = target_dir / photo.name
        if target.exists():
            continue
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(photo, partial)
        _fsync_file(partial)
        os.replace(partial, target)
        copied += 1
    if copied:
        _fsync_dir(target_dir)
    return copied


def verify_database(path: Path, required_tables: Iterable[str] = ()) -> list[str]:
    """What is wrong with the SQLite file at `path`; an empty list means it looks sound."""
    if not path.is_file():
        return [f"no such file: {path}"]
    if not _is_sqlite_file(path):
        return [f"not an SQLite database: {path}"]
    problems: list[str] = []
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
            findings = [str(row[0]) for row in rows]
            if findings != ["ok"]:
                problems.extend(findings[:_MAX_PROBLEMS])
            tables = {
                str(row[0])
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return [*problems, f"SQLite cannot read it: {error}"]
    problems.extend(f"missing table: {name}" for name in required_tables if name not in tables)
    return problems


def restore_database(
    backup: Path,
    db_path: Path,
    *,
    required_tables: Iterable[str] = KIOSK_TABLES,
    now: datetime,
) -> Path | None:
    """Replace the database at `db_path` with the contents of `backup`.

    Stop the kiosk first: a program holding the old file open would go on writing to it.
    The backup is checked before anything is touched, and `RestoreRefused` leaves the live
    database as it was. The replaced database stays beside it as
    `<db_path>.before-restore-<time>` (its unmerged write-ahead log moves along with it);
    that path is returned, or None when there was no database to replace.
    """
    required = tuple(required_tables)
    problems = verify_database(backup, required)
    if problems:
        raise RestoreRefused(backup, problems)
    directory = db_path.parent
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{db_path.name}.restoring"
    _remove(temporary)
    try:
        # Through the backup API rather than a file copy: the result is a fresh database in
        # one file, checked again; the kiosk switches it back to WAL when it opens it.
        _copy_database(backup, temporary)
        problems = verify_database(temporary, required)
        if problems:
            raise RestoreRefused(backup, problems)
        _match_owner(temporary, db_path if db_path.exists() else directory)
        _fsync_file(temporary)
        kept = _set_aside(db_path, now) if db_path.exists() else None
        os.replace(temporary, db_path)
        _fsync_dir(directory)
    except BaseException:
        _remove(temporary)
        raise
    return kept


def dump_postgres(
    db_url: str,
    backup_dir: Path,
    now: datetime,
    keep: int = 30,
    *,
    pg_dump: str = "pg_dump",
) -> Path:
    """Write `pg_dump -Fc` of the central database into `backup_dir`, keeping `keep` copies.

    The connection details go to pg_dump in PG* variables, so a password in the URL never
    shows in the process list. Restore one with `pg_restore --clean --if-exists -d DB FILE`.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"{CENTRAL_PREFIX}{stamp(now)}{CENTRAL_SUFFIX}"
    temporary = backup_dir / f".{target.name}.partial"
    _remove(temporary)
    environment = {**os.environ, **postgres_environment(db_url)}
    try:
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-password", f"--file={temporary}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupFailed(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
        with temporary.open("rb") as dump:
            if dump.read(len(_PG_CUSTOM_MAGIC)) != _PG_CUSTOM_MAGIC:
                raise BackupFailed("pg_dump wrote something that is not a custom-format archive")
        os.chmod(temporary, 0o640)
        _fsync_file(temporary)
        os.replace(temporary, target)
        _fsync_dir(backup_dir)
    except BaseException:
        _remove(temporary)
        raise
    prune_backups(backup_dir, CENTRAL_PREFIX, CENTRAL_SUFFIX, keep)
    return target


def postgres_environment(db_url: str) -> dict[str, str]:
    """The libpq variables that name the database of an SQLAlchemy PostgreSQL URL."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    query: Mapping[str, object] = url.query
    host = url.host or query.get("host")
    values = {
        "PGHOST": host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return {name: str(value) for name, value in values.items() if value not in (None, "")}


def list_backups(backup_dir: Path, prefix: str, suffix: str) -> list[Path]:
    """The backups in `backup_dir` with this name pattern, oldest first."""
    pattern = re.compile(re.escape(prefix) + _STAMP_PATTERN + re.escape(suffix))
    if not backup_dir.is_dir():
        return []
    return sorted(p for p in backup_dir.iterdir() if pattern.fullmatch(p.name) and p.is_file())


@dataclass(frozen=True)
class DatabaseIdentity:
    """What tells one kiosk database from another, and so a backup of it from another's.

    Backup names carry only their time, so two databases backed up into one folder are told
    apart by content: the kiosk id (`origin`) and the card public key. Kiosks of the street
    differ by id; a demo database has a card key of its own, made when it was seeded.
    """

    origin: str | None
    card_public_key: str | None


def database_identity(path: Path) -> DatabaseIdentity | None:
    """The identity the SQLite file at `path` carries; None when it cannot be read."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            # The keys kiosk.core.ledger's Meta rows are written under (seed, sync.client).
            rows = connection.execute(
                "SELECT key, value FROM meta WHERE key IN ('origin', 'card_public_key')"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    values = {str(key): str(value) for key, value in rows}
    return DatabaseIdentity(values.get("origin"), values.get("card_public_key"))


def backups_of(db_path: Path, backups: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """`backups` split into those of the database at `db_path` and those of other databases.

    A backup whose identity cannot be read stays with this database's: it may be this
    database's one damaged copy, and saying so beats hiding it.
    """
    own = database_identity(db_path)
    mine: list[Path] = []
    others: list[Path] = []
    for backup in backups:
        identity = database_identity(backup)
        (mine if own is None or identity is None or identity == own else others).append(backup)
    return mine, others


def prune_backups(
    backup_dir: Path, prefix: str, suffix: str, keep: int, *, of: Path | None = None
) -> list[Path]:
    """Delete all but the newest `keep` backups of this pattern (of the SQLite database `of`
    only, when given); returns what was deleted."""
    backups = list_backups(backup_dir, prefix, suffix)
    if of is not None:
        backups = backups_of(of, backups)[0]
    doomed = backups[: max(len(backups) - keep, 0)]
    for path in doomed:
        path.unlink()
    return doomed


def _copy_database(source: Path, target: Path) -> None:
    reader = sqlite3.connect(source, timeout=30)
    try:
        writer = sqlite3.connect(target)
        try:
            # pages=-1 copies everything in one step: one read transaction, one snapshot.
            # Copying in slices would restart whenever the kiosk commits in between.
            reader.backup(writer, pages=-1)
            # The copy inherits WAL mode from the live database; a backup is better as one
            # self-contained file that opening does not grow -wal and -shm companions for.
            writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
    finally:
        reader.close()


def _set_aside(db_path: Path, now: datetime) -> Path:
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp(now)}")
    # A hard link keeps the live name valid until the final rename replaces it.
    try:
        os.link(db_path, kept)
    except OSError:
        import shutil

        shutil.copy2(db_path, kept)
    wal = Path(f"{db_path}-wal")
    if wal.exists():
        os.replace(wal, Path(f"{kept}-wal"))
    for suffix in ("-shm", "-journal"):
        _remove(Path(f"{db_path}{suffix}"))
    return kept


def _match_owner(path: Path, model: Path) -> None:
    # A restore run by root must not leave a file the kiosk user cannot write.
    status = model.stat()
    if os.geteuid() == 0:
        os.chown(path, status.st_uid, status.st_gid)
    if model.is_file():
        os.chmod(path, status.st_mode & 0o777)


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
