"""The checks of `kiosk doctor`: each says in Chinese and English what it found and what to do."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.core.clock import SHANGHAI, local

# --- thresholds -------------------------------------------------------------------------------

DISK_FAIL_BELOW = 100 * 1024**2
DISK_WARN_BELOW = 1024**3
# A receipt is a few kilobytes; below this a file: printer's next job may not fit.
FILE_PRINTER_MIN_FREE = 1024**2
# The nightly sync and backup run once a day: a day and a half means one night was missed.
SYNC_WARN_AFTER = timedelta(hours=36)
SYNC_FAIL_AFTER = timedelta(days=7)
BACKUP_WARN_AFTER = timedelta(hours=36)
CONNECT_TIMEOUT_S = 3.0
STATUS_TIMEOUT_S = 1.0
_MAX_LISTED = 5

# Where an installed kiosk keeps things (systemd/install.sh); a checkout falls back to its own.
INSTALLED_RULES = Path("/etc/udev/rules.d/60-tangxiang-kiosk.rules")
REPO_RULES = Path(__file__).resolve().parents[2] / "systemd" / "60-tangxiang-kiosk.rules"
INPUT_BY_ID = Path("/dev/input/by-id")
USB_DEVICES = Path("/sys/bus/usb/devices")

# sync/client.py records the end of the last complete sync (sync.client.LAST_SYNC_KEY) and
# nothing else yet. These two are read when present: the central's clock at the last sync (ISO
# 8601) and the outcome of the last attempt ("ok", or what went wrong).
SERVER_TIME_KEY = "sync.server_time"
LAST_RESULT_KEY = "sync.last_result"

# ESC/POS "transmit real-time status, roll paper sensor": answered even mid-job, prints nothing.
DLE_EOT_PAPER = b"\x10\x04\x04"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


LABELS: dict[str, tuple[str, str]] = {
    "settings": ("设置文件", "settings"),
    "database": ("数据库", "database"),
    "journal": ("断电保护", "power-cut safety"),
    "migrations": ("数据库版本", "schema version"),
    "ledger": ("积分账本", "ledger"),
    "disk": ("磁盘空间", "disk space"),
    "printer": ("小票打印机", "receipt printer"),
    "scanner": ("扫码枪", "scanner"),
    "clock": ("时钟", "clock"),
    "font": ("中文字体", "Chinese font"),
    "sync": ("同步", "sync"),
    "backup": ("备份", "backup"),
}


@dataclass(frozen=True)
class Check:
    """One finding: what was checked, how it stands, and a sentence on what to do next."""

    name: str
    status: Status
    message_zh: str
    message_en: str
    detail: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str) -> str:
        chinese, english = LABELS.get(self.name, (self.name, self.name))
        return english if language == "en" else chinese

    def message(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_zh

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "detail": self.detail,
        }


def healthy(checks: Collection[Check]) -> bool:
    """Warnings leave a kiosk usable; only a failed check makes it unhealthy."""
    return all(check.status is not Status.FAIL for check in checks)


def _ok(name: str, zh: str, en: str, **detail: Any) -> Check:
    return Check(name, Status.OK, zh, en, detail)


def _warn(name: str, zh: str, en: str, **detail: Any) -> Check:
    return Check(name, Status.WARN, zh, en, detail)


def _fail(name: str, zh: str, en: str, **detail: Any) -> Check:
    return Check(name, Status.FAIL, zh, en, detail)


def _not_checked(name: str, why_zh: str, why_en: str) -> Check:
    return _warn(name, f"未检查：{why_zh}。", f"Not checked: {why_en}.")


def _when(at: datetime) -> str:
    return local(at).strftime("%Y-%m-%d %H:%M")


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f}" if hours >= 10 else f"{hours:.1f}"


def _mb(size: int) -> str:
    return f"{size / 1024**2:.0f} MB"


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _error(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


# --- settings ---------------------------------------------------------------------------------


def check_settings(path: Path | None, error: str | None) -> Check:
    """Whether the settings file (`path`, None when there is none) could be read."""
    if error is not None:
        return _fail(
            "settings",
            f"设置文件有错：{error}。请改正 {path} 中的这一项，否则自助机无法启动。",
            f"The settings are wrong: {error}. Correct it in {path}; the kiosk will not start until then.",
            path=str(path),
            error=error,
        )
    if path is None:
        return _warn(
            "settings",
            "没有找到设置文件，只用默认值和 KIOSK_* 环境变量（默认没有打印机、不同步）。正式使用的自助机应有 "
            "/etc/tangxiang-kiosk/kiosk.toml，由 systemd/install.sh 写入。",
            "No settings file: only defaults and KIOSK_* variables apply (by default no printer, no sync). A kiosk in use "
            "has /etc/tangxiang-kiosk/kiosk.toml, written by systemd/install.sh.",
        )
    return _ok("settings", f"设置文件可读：{path}。", f"Settings read from {path}.", path=str(path))


# --- database ---------------------------------------------------------------------------------


def sqlite_path(db_url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def check_database(db_path: Path) -> Check:
    """The file is there, is SQLite, passes `PRAGMA integrity_check` and has the kiosk's tables."""
    from kiosk.ops.backup import KIOSK_TABLES, verify_database

    restore_zh = (
        "请停止自助机（systemctl stop kiosk.service），用最新的备份恢复："
        "kiosk restore /var/backups/tangxiang-kiosk/kiosk-….db，再运行 kiosk sync 取回已同步的记录"
    )
    restore_en = (
        "stop the kiosk (systemctl stop kiosk.service), restore the newest backup with "
        "kiosk restore /var/backups/tangxiang-kiosk/kiosk-….db, then run kiosk sync to fetch "
        "what was already synced"
    )
    if not db_path.exists():
        return _fail(
            "database",
            f"找不到数据库文件 {db_path}。新装的自助机第一次启动时会建立它；如果它本应存在，{restore_zh}。",
            f"There is no database at {db_path}. A new kiosk creates it on first start; if it "
            f"should exist, {restore_en}.",
            path=str(db_path),
        )
    problems = verify_database(db_path, KIOSK_TABLES)
    size = db_path.stat().st_size if db_path.is_file() else 0
    if problems:
        listed = "; ".join(problems[:_MAX_LISTED])
        if all(problem.startswith("missing table") for problem in problems):
            what_zh, what_en = "不是积分系统的数据库", "is not a kiosk database"
        elif problems[0].startswith("not an SQLite"):
            what_zh, what_en = "不是 SQLite 数据库文件", "is not an SQLite database file"
        else:
            what_zh, what_en = "已损坏", "is damaged"
        return _fail(
            "database",
            f"数据库文件{what_zh}（{listed}）。{restore_zh}。",
            f"The database {what_en} ({listed}). {_cap(restore_en)}.",
            path=str(db_path),
            problems=problems,
        )
    wal = Path(f"{db_path}-wal")
    return _ok(
        "database",
        f"数据库文件完好：{db_path}（{_mb(size)}，完整性检查通过）。",
        f"The database is sound: {db_path} ({_mb(size)}, integrity check passed).",
        path=str(db_path),
        bytes=size,
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
    )


def check_journal(db_url: str) -> Check:
    """WAL with synchronous=FULL on a connection made the way the app makes its own."""
    from kiosk.core.db import make_engine

    # make_engine's connect hook is what sets these; reading them back through the same kind of
    # engine shows both that the hook runs and that this file system lets SQLite use WAL.
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            mode = str(connection.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()
            synchronous = int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
    except Exception as error:
        return _fail(
            "journal",
            f"无法按自助机的方式打开数据库：{_error(error)}。请检查文件属主（应为 kiosk 用户）和所在目录的权限。",
            f"The database cannot be opened the way the kiosk opens it: {_error(error)}. Check "
            "that the kiosk user owns the file and can write its folder.",
            error=_error(error),
        )
    finally:
        engine.dispose()
    # 2 is FULL, 3 EXTRA: both sync the WAL at every commit.
    if mode != "wal" or synchronous < 2:
        return _fail(
            "journal",
            f"数据库没有处于断电保护模式（journal_mode={mode}，synchronous={synchronous}，应为 wal 和 2）："
            "断电可能丢失已确认的兑换。数据库需放在本机磁盘（不能是网络盘），目录须可写。",
            f"The database is not set for power cuts (journal_mode={mode}, synchronous="
            f"{synchronous}; wal and 2 expected): a power cut may lose confirmed redemptions. "
            "Keep it on a local disk (not a network share) in a writable folder.",
            journal_mode=mode,
            synchronous=synchronous,
        )
    return _ok(
        "journal",
        "数据库为 WAL 模式且每次提交都写入磁盘（synchronous=FULL），断电不会丢失已确认的记录。",
        "The database runs in WAL mode with synchronous=FULL: a power cut loses no confirmed entry.",
        journal_mode=mode,
        synchronous=synchronous,
    )


def check_migrations(db_url: str) -> Check:
    """The database's Alembic revision against the newest this program knows."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from kiosk.core.db import make_engine
    from kiosk.core.migrations import alembic_config, current_revision, head_revision

    engine = make_engine(db_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return _ok(
            "migrations",
            f"数据库结构是最新版本（{head}）。",
            f"The database schema is current ({head}).",
            current=current,
            head=head,
        )
    try:
        known = current is not None and (
            ScriptDirectory.from_config(alembic_config()).get_revision(current) is not None
        )
    except CommandError:
        known = False
    if current is not None and not known:
        return _fail(
            "migrations",
            f"数据库版本 {current} 比本程序（{head}）新：程序被降级了。请重新安装最新的程序（systemd/install.sh）。",
            f"The database is at revision {current}, newer than this program ({head}): the "
            "program was downgraded. Reinstall the current version (systemd/install.sh).",
            current=current,
            head=head,
        )
    return _fail(
        "migrations",
        f"数据库结构落后：是 {current or '（无）'}，应为 {head}。请运行 kiosk migrate（kiosk.service 启动时会自动运行；"
        "若仍落后，请查看 journalctl -u kiosk.service 中的错误）。",
        f"The database schema is behind: {current or '(none)'}, expected {head}. Run kiosk "
        "migrate (kiosk.service runs it at every start; if it stays behind, read journalctl -u "
        "kiosk.service for the error).",
        current=current,
        head=head,
    )


def check_ledger_invariants(db_url: str) -> Check:
    """`kiosk check`'s invariants over the whole ledger."""
    from sqlmodel import Session

    from kiosk.core.db import make_engine
    from kiosk.core.invariants import check_ledger

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            report = check_ledger(session)
    except Exception as error:
        return _fail(
            "ledger",
            f"无法读取积分账本：{_error(error)}。请先处理上面数据库的问题。",
            f"The ledger cannot be read: {_error(error)}. Deal with the database findings first.",
            error=_error(error),
        )
    finally:
        engine.dispose()
    counts = report.counts
    if report.problems:
        listed = "; ".join(report.problems[:3])
        return _fail(
            "ledger",
            f"积分账本有 {len(report.problems)} 处不一致（{listed}）。请运行 kiosk check 查看全部，"
            "不要手工修改数据库，并报告街道办。",
            f"The ledger breaks its rules in {len(report.problems)} places ({listed}). Run kiosk "
            "check for the full list, do not edit the database by hand, and tell the street office.",
            problems=report.problems,
            counts=counts,
        )
    notes_zh = (
        f"，另有 {len(report.notes)} 条提示（如透支），见 kiosk check" if report.notes else ""
    )
    notes_en = (
        f"; {len(report.notes)} notes (such as overdrafts), see kiosk check" if report.notes else ""
    )
    return _ok(
        "ledger",
        f"积分账本一致：{counts.get('entries', 0)} 条记录、{counts.get('orders', 0)} 张兑换单均已核对{notes_zh}。",
        f"The ledger is consistent: {counts.get('entries', 0)} entries and "
        f"{counts.get('orders', 0)} orders checked{notes_en}.",
        counts=counts,
        notes=report.notes[:_MAX_LISTED],
    )


@dataclass(frozen=True)
class SyncFacts:
    """What the database remembers that the clock and sync checks compare against."""

    origin: str | None = None
    newest_own_entry_at: datetime | None = None
    last_sync_at: datetime | None = None
    server_time: datetime | None = None
    last_result: str | None = None


def read_sync_facts(db_url: str) -> SyncFacts:
    """The kiosk's origin, its newest own ledger entry, and what its last sync recorded."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from kiosk.core.clock import from_db
    from kiosk.core.db import make_engine
    from kiosk.core.ledger import meta_get
    from kiosk.core.models import LedgerEntry
    from sync.client import LAST_SYNC_KEY

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            origin = meta_get(session, "origin")
            # Only this kiosk's own entries carry its clock; those pulled from the street office
            # or other kiosks carry theirs. Without an origin (never set up), all entries count.
            newest_query = select(func.max(LedgerEntry.created_at))
            if origin:
                newest_query = newest_query.where(LedgerEntry.origin == origin)
            newest = session.exec(newest_query).one()
            return SyncFacts(
                origin=origin,
                newest_own_entry_at=from_db(newest) if newest is not None else None,
                last_sync_at=_parse_time(meta_get(session, LAST_SYNC_KEY)),
                server_time=_parse_time(meta_get(session, SERVER_TIME_KEY)),
                last_result=meta_get(session, LAST_RESULT_KEY),
            )
    finally:
        engine.dispose()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- disk ---------------------------------------------------------------------------------------


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    """Space an unprivileged user may still write on the file system holding `path`."""
    stats = os.statvfs(_existing(path))
    return stats.f_bavail * stats.f_frsize


def check_disk(
    path: Path, *, fail_below: int = DISK_FAIL_BELOW, warn_below: int = DISK_WARN_BELOW
) -> Check:
    """Free space on the file system of `path` (the database's folder)."""
    free = free_bytes(path)
    detail = {"path": str(path), "free_bytes": free}
    where = _existing(path)
    if free < fail_below:
        return _fail(
            "disk",
            f"{where} 所在磁盘只剩 {_mb(free)}：数据库和备份随时可能写不进去。请删除不需要的文件"
            "（如 /var/log 中的旧日志，journalctl --vacuum-size=50M），或把旧备份拷到U盘后删除。",
            f"Only {_mb(free)} free on the disk of {where}: the database and backups may stop "
            "being written at any moment. Delete what is not needed (old logs: journalctl "
            "--vacuum-size=50M) or move old backups to a USB stick.",
            **detail,
        )
    if free < warn_below:
        return _warn(
            "disk",
            f"{where} 所在磁盘只剩 {_mb(free)}，请尽快清理（旧日志、拷走旧备份）。",
            f"{_mb(free)} free on the disk of {where}: clean up soon (old logs, copy old backups away).",
            **detail,
        )
    return _ok(
        "disk",
        f"{where} 所在磁盘还有 {_mb(free)} 可用。",
        f"{_mb(free)} free on the disk of {where}.",
        **detail,
    )


# --- printer ----------------------------------------------------------------------------------


def check_printer(
    uri: str | None,
    *,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    status_timeout: float = STATUS_TIMEOUT_S,
) -> Check:
    """Whether the printer at `uri` can be reached, and its paper where it can say; prints nothing."""
    from kiosk.printing.printers import parse_printer_uri

    if uri is None:
        return _not_checked(
            "printer",
            "不知道打印机地址（设置文件读不出）",
            "the printer URI is unknown (settings unreadable)",
        )
    try:
        target = parse_printer_uri(uri)
    except ValueError as error:
        return _fail(
            "printer",
            f"{error}。请在设置文件中改正 printer。",
            f"{error}. Correct printer in the settings file.",
            uri=uri,
        )
    if target.kind == "dummy":
        return _warn(
            "printer",
            "没有设置打印机（printer = dummy），兑换不会打印小票。请在 /etc/tangxiang-kiosk/kiosk.toml 中设置 "
            "printer，例如 usb:0416:5011。",
            "No printer is set (printer = dummy): redemptions print no receipt. Set printer in "
            "/etc/tangxiang-kiosk/kiosk.toml, e.g. usb:0416:5011.",
            uri=uri,
        )
    if target.kind == "file":
        return _check_file_printer(uri, Path(target.path))
    if target.kind == "tcp":
        return _check_tcp_printer(uri, target.host, target.port, connect_timeout, status_timeout)
    if target.kind == "serial":
        return _check_serial_printer(uri, target.path, target.baudrate, status_timeout)
    return _check_usb_printer(uri, target.vendor_id, target.product_id)


def _check_file_printer(uri: str, path: Path) -> Check:
    if not path.exists():
        if path.is_relative_to("/dev"):
            return _fail(
                "printer",
                f"打印机设备 {path} 不存在：打印机没开、USB线没插好，或不是USB打印机类设备。请开机插线后再试。",
                f"The printer device {path} is not there: the printer is off, unplugged, or not "
                "a USB printer-class device. Switch it on, plug it in and check again.",
                uri=uri,
            )
        folder = _existing(path.parent)
        if folder != path.parent or not os.access(folder, os.W_OK):
            return _fail(
                "printer",
                f"无法建立打印文件 {path}：目录 {path.parent} 不存在或不可写。",
                f"The print file {path} cannot be created: its folder {path.parent} is missing "
                "or not writable.",
                uri=uri,
            )
    else:
        try:
            # Open to append, as the printer code does, but never truncate or create.
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as error:
            return _file_printer_refused(uri, path, error)
        try:
            # Zero bytes put nothing on paper, yet pass through the driver: /dev/full, and a
            # USB printer out of paper, refuse even these (ENOSPC).
            os.write(descriptor, b"")
        except BlockingIOError:
            pass  # a printer busy with a job is there
        except OSError as error:
            return _file_printer_refused(uri, path, error)
        finally:
            os.close(descriptor)
    if not path.exists() or path.is_file():
        free = free_bytes(path)
        if free < FILE_PRINTER_MIN_FREE:
            return _fail(
                "printer",
                f"打印文件 {path} 所在磁盘已满（剩 {free} 字节），小票写不进去。请清理磁盘。",
                f"The disk of the print file {path} is full ({free} bytes left): receipts "
                "cannot be written. Free some space.",
                uri=uri,
                free_bytes=free,
            )
    return _ok(
        "printer",
        f"打印目标 {path} 可以写入（这种连接读不到缺纸状态）。",
        f"The print target {path} is writable (this connection cannot report paper).",
        uri=uri,
    )


def _file_printer_refused(uri: str, path: Path, error: OSError) -> Check:
    if error.errno == errno.ENOSPC:
        zh = f"{path} 拒绝写入：磁盘已满，或打印机缺纸。请装纸或清理磁盘。"
        en = f"{path} refuses writes: the disk is full or the printer is out of paper. Load paper or free space."
    elif error.errno in (errno.EACCES, errno.EPERM):
        zh = f"没有权限写 {path}：kiosk 用户需要在 lp 组（kiosk.service 会加），或 udev 规则没有生效。"
        en = (
            f"No permission to write {path}: the kiosk user needs the group lp (kiosk.service "
            "adds it), or the udev rule did not apply."
        )
    else:
        zh = f"无法写入 {path}（{_error(error)}）：请检查打印机电源和数据线。"
        en = f"Cannot write {path} ({_error(error)}): check the printer's power and cable."
    return _fail("printer", zh, en, uri=uri, error=_error(error))


def _check_tcp_printer(
    uri: str, host: str, port: int, connect_timeout: float, status_timeout: float
) -> Check:
    try:
        connection = socket.create_connection((host, port), timeout=connect_timeout)
    except OSError as error:
        return _fail(
            "printer",
            f"连不上网络打印机 {host}:{port}（{_error(error)}）。请检查打印机电源、网线，以及打印机的IP地址"
            "（按住进纸键开机可打印自检页，上面有IP地址）。",
            f"Cannot reach the network printer at {host}:{port} ({_error(error)}). Check its "
            "power, its cable and its IP address (holding FEED while switching it on prints a "
            "self-test page showing the address).",
            uri=uri,
            error=_error(error),
        )
    with connection:
        connection.settimeout(status_timeout)
        try:
            connection.sendall(DLE_EOT_PAPER)
            reply = connection.recv(1)
        except OSError:
            reply = b""
    return _paper_check(uri, f"{host}:{port}", reply)


def _check_serial_printer(uri: str, device: str, baudrate: int, status_timeout: float) -> Check:
    if not Path(device).exists():
        return _fail(
            "printer",
            f"串口 {device} 不存在：打印机没开或USB转串口线没插好。请插好后再试。",
            f"The serial port {device} is not there: the printer is off or its USB-serial cable "
            "is unplugged. Plug it in and check again.",
            uri=uri,
        )
    import serial

    try:
        with serial.Serial(
            device, baudrate, timeout=status_timeout, write_timeout=status_timeout
        ) as port:
            port.write(DLE_EOT_PAPER)
            reply = port.read(1)
    except (OSError, serial.SerialException) as error:
        return _fail(
            "printer",
            f"无法打开串口 {device}（{_error(error)}）：kiosk 用户需要在 dialout 组（kiosk.service 会加），"
            "或串口被别的程序占用。",
            f"Cannot open the serial port {device} ({_error(error)}): the kiosk user needs the "
            "group dialout (kiosk.service adds it), or another program holds the port.",
            uri=uri,
            error=_error(error),
        )
    return _paper_check(uri, device, reply)


def _paper_check(uri: str, where: str, reply: bytes) -> Check:
    # A status byte has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not an
    # answer to DLE EOT (or no answer at all).
    if len(reply) != 1 or reply[0] & 0x93 != 0x12:
        return _warn(
            "printer",
            f"打印机 {where} 已连通，但没有回答缺纸查询（状态未知）。请看打印机的指示灯，必要时用 "
            "kiosk printer test 打一张测试页。",
            f"The printer at {where} is reachable but did not answer the paper query (status "
            "unknown). Look at its lights, or print a test page with kiosk printer test.",
            uri=uri,
            reply=reply.hex(),
        )
    status = reply[0]
    detail = {"uri": uri, "reply": reply.hex()}
    if status & 0x60:
        return _fail(
            "printer",
            f"打印机 {where} 缺纸。请装入新的纸卷。",
            f"The printer at {where} is out of paper. Load a new roll.",
            **detail,
        )
    if status & 0x0C:
        return _warn(
            "printer",
            f"打印机 {where} 纸快用完了，请准备新纸卷。",
            f"The printer at {where} is running out of paper: have a new roll ready.",
            **detail,
        )
    return _ok(
        "printer",
        f"打印机 {where} 已连通，有纸。",
        f"The printer at {where} is reachable and has paper.",
        **detail,
    )


def _check_usb_printer(uri: str, vendor_id: int, product_id: int) -> Check:
    ids = f"{vendor_id:04x}:{product_id:04x}"
    try:
        import usb.core

        device = usb.core.find(idVendor=vendor_id, idProduct=product_id)
    except Exception as error:
        # pyusb raises NoBackendError when libusb is not installed.
        if type(error).__name__ == "NoBackendError":
            return _fail(
                "printer",
                "缺少 libusb，无法使用USB打印机。请安装：apt-get install libusb-1.0-0。",
                "libusb is missing, so the USB printer cannot be used. Install it: apt-get "
                "install libusb-1.0-0.",
                uri=uri,
                error=_error(error),
            )
        return _fail(
            "printer",
            f"查找USB打印机 {ids} 出错（{_error(error)}）。",
            f"Looking for the USB printer {ids} failed ({_error(error)}).",
            uri=uri,
            error=_error(error),
        )
    if device is None:
        return _fail(
            "printer",
            f"USB上没有找到打印机 {ids}：请检查打印机电源和USB线；用 lsusb 核对 ID 是否与设置相同。",
            f"No USB printer {ids} found: check its power and cable, and compare the ID with "
            "what lsusb shows.",
            uri=uri,
        )
    where = f"bus {device.bus} address {device.address}"
    return _ok(
        "printer",
        f"USB打印机 {ids} 已连接（{where}；USB连接读不到缺纸状态）。",
        f"The USB printer {ids} is connected ({where}; paper status is not read over USB).",
        uri=uri,
    )


# --- scanner ----------------------------------------------------------------------------------


_VENDOR_MATCH = re.compile(r'ATTRS?\{idVendor\}=="([0-9a-fA-F|]+)"')
_SCANNER_NAME = re.compile(
    r"scan|barcode|bar_code|qr|honeywell|metrologic|symbol|zebra|newland", re.I
)


def scanner_vendor_ids(rules_text: str) -> frozenset[str]:
    """The USB vendor ids the udev rules grant as scanners (the hidraw and input lines)."""
    vendors: set[str] = set()
    for line in rules_text.splitlines():
        if line.lstrip().startswith("#") or not re.search(r'SUBSYSTEM=="(hidraw|input)"', line):
            continue
        for match in _VENDOR_MATCH.finditer(line):
            vendors.update(v.lower() for v in match.group(1).split("|"))
    return frozenset(vendors)


def check_scanner(input_by_id: Path, usb_devices: Path, vendor_ids: Collection[str]) -> Check:
    """A USB device of a scanner vendor, or a keyboard-type input device a scanner shows up as."""
    wanted = {vendor.lower() for vendor in vendor_ids}
    known: list[str] = []
    if usb_devices.is_dir():
        for device in sorted(usb_devices.iterdir()):
            vendor = _read(device / "idVendor")
            if vendor and vendor.lower() in wanted:
                product = _read(device / "product") or _read(device / "idProduct") or "?"
                known.append(f"{vendor}:{_read(device / 'idProduct')} {product}")
    keyboards = (
        sorted(p.name for p in input_by_id.glob("*-event-kbd")) if input_by_id.is_dir() else []
    )
    scanner_like = [name for name in keyboards if _SCANNER_NAME.search(name)]
    detail = {"usb": known, "keyboards": keyboards}
    if known or scanner_like:
        seen = ", ".join((known + scanner_like)[:_MAX_LISTED])
        return _ok("scanner", f"已找到扫码枪：{seen}。", f"Scanner seen: {seen}.", **detail)
    if keyboards:
        seen = ", ".join(keyboards[:_MAX_LISTED])
        return _ok(
            "scanner",
            f"找到键盘类USB设备：{seen}。键盘模式的扫码枪就显示为这样；在登录界面扫一张卡即可确认。",
            f"Keyboard-type USB devices seen: {seen}. A scanner in keyboard mode shows up like "
            "this; scan a card at the sign-in screen to be sure.",
            **detail,
        )
    return _warn(
        "scanner",
        "没有找到扫码枪。请检查USB线（换个USB口试试）；扫码枪须设为键盘（HID）模式，见说明书中的设置码。",
        "No scanner seen. Check its USB cable (try another port); it must be in keyboard (HID) "
        "mode, see the setting codes in its manual.",
        **detail,
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


# --- clock, sync, backup ----------------------------------------------------------------------


def check_clock(now: datetime, facts: SyncFacts) -> Check:
    """The clock must not be earlier than anything it already stamped, nor than the central's."""
    detail: dict[str, Any] = {
        "now": now.isoformat(),
        "origin": facts.origin,
        "newest_own_entry_at": _iso(facts.newest_own_entry_at),
        "last_sync_at": _iso(facts.last_sync_at),
        "server_time": _iso(facts.server_time),
    }
    fix_zh = (
        "请把时间改对（timedatectl set-time 'YYYY-MM-DD HH:MM:SS'，或联网后 timedatectl set-ntp true），"
        "改对之前不要办理积分业务；若每次断电后都回拨，是主板电池没电了，需更换"
    )
    fix_en = (
        "Set the right time (timedatectl set-time 'YYYY-MM-DD HH:MM:SS', or with a network "
        "timedatectl set-ntp true) and record nothing until it is right; if it falls back at "
        "every power cut, the board's battery is flat and must be replaced"
    )
    # An entry is immutable: one stamped while the clock ran ahead stays "in the future" after
    # the clock is put right, and only the street office can judge its points year and month.
    ahead_zh = "如果现在的时间是对的，那条记录是在时钟走快时记下的，请报告街道办核对"
    ahead_en = (
        "If the time now is right, that entry was made while the clock ran ahead: ask the "
        "street office to check it"
    )
    for reference, what_zh, what_en, extra_zh, extra_en in (
        (
            facts.newest_own_entry_at,
            "本机最新的积分记录",
            "this kiosk's newest ledger entry",
            f"{ahead_zh}。",
            f" {ahead_en}.",
        ),
        (
            facts.server_time,
            "上次同步时街道服务器的时间",
            "the street office's clock at the last sync",
            "",
            "",
        ),
        (facts.last_sync_at, "上次同步的时间", "the time of the last sync", "", ""),
    ):
        if reference is not None and now < reference:
            return _fail(
                "clock",
                f"时钟倒退了：现在是 {_when(now)}，早于{what_zh}（{_when(reference)}）。{fix_zh}。{extra_zh}",
                f"The clock went backwards: it says {_when(now)}, earlier than {what_en} "
                f"({_when(reference)}). {fix_en}.{extra_en}",
                **detail,
            )
    if facts.last_sync_at is None:
        return _warn(
            "clock",
            f"本机时间 {_when(now)}（重庆时间）；从未同步，无法与街道服务器核对。请确认时间无误。",
            f"The clock says {_when(now)} (Chongqing); never synced, so it could not be "
            "compared with the street office's. Make sure it is right.",
            **detail,
        )
    return _ok(
        "clock",
        f"本机时间 {_when(now)}（重庆时间），晚于上次同步和所有本机记录，没有倒退。",
        f"The clock says {_when(now)} (Chongqing), later than the last sync and every entry "
        "made here: it has not gone backwards.",
        **detail,
    )


def check_sync(now: datetime, facts: SyncFacts) -> Check:
    """The age of the last complete sync, and the outcome of the last attempt when recorded."""
    detail: dict[str, Any] = {
        "last_sync_at": facts.last_sync_at.isoformat() if facts.last_sync_at else None,
        "last_result": facts.last_result,
    }
    how_zh = "请检查网络，然后运行 systemctl start kiosk-sync.service，并查看 journalctl -u kiosk-sync.service"
    how_en = (
        "check the network, then run systemctl start kiosk-sync.service and read journalctl "
        "-u kiosk-sync.service"
    )
    if facts.last_result and not facts.last_result.lower().startswith("ok"):
        return _fail(
            "sync",
            f"上次同步失败：{facts.last_result}。{how_zh}。",
            f"The last sync failed: {facts.last_result}. {_cap(how_en)}.",
            **detail,
        )
    if facts.last_sync_at is None:
        return _warn(
            "sync",
            f"本机从未与街道服务器同步。新装的自助机在第一个夜里同步；若已不是新机，{how_zh}。",
            "This kiosk has never synced with the street office. A new kiosk syncs on its "
            f"first night; if it is not new, {how_en}.",
            **detail,
        )
    age = now - facts.last_sync_at
    detail["hours_since"] = round(age.total_seconds() / 3600, 1)
    if age > SYNC_FAIL_AFTER:
        return _fail(
            "sync",
            f"已经 {age.days} 天没有同步（上次 {_when(facts.last_sync_at)}），街道办看不到本机的记录。{how_zh}。",
            f"No sync for {age.days} days (last {_when(facts.last_sync_at)}): the street office "
            f"does not see this kiosk's entries. {_cap(how_en)}.",
            **detail,
        )
    if age > SYNC_WARN_AFTER:
        return _warn(
            "sync",
            f"已经 {_hours(age)} 小时没有同步（上次 {_when(facts.last_sync_at)}），漏了至少一个夜里。{how_zh}。",
            f"No sync for {_hours(age)} hours (last {_when(facts.last_sync_at)}): at least one "
            f"night was missed. {_cap(how_en)}.",
            **detail,
        )
    return _ok(
        "sync",
        f"上次同步成功：{_when(facts.last_sync_at)}（{_hours(age)} 小时前）。",
        f"Last synced {_when(facts.last_sync_at)} ({_hours(age)} hours ago).",
        **detail,
    )


def check_backup(backup_dir: Path, now: datetime) -> Check:
    """The newest backup in `backup_dir`: its age from its name, and that it is readable."""
    from kiosk.ops.backup import (
        KIOSK_PREFIX,
        KIOSK_SUFFIX,
        KIOSK_TABLES,
        list_backups,
        verify_database,
    )

    how_zh = "请运行 systemctl start kiosk-backup.service 并查看 journalctl -u kiosk-backup.service"
    how_en = "run systemctl start kiosk-backup.service and read journalctl -u kiosk-backup.service"
    backups = list_backups(backup_dir, KIOSK_PREFIX, KIOSK_SUFFIX)
    if not backups:
        return _warn(
            "backup",
            f"{backup_dir} 中没有备份。{how_zh}。",
            f"There is no backup in {backup_dir}. {_cap(how_en)}.",
            backup_dir=str(backup_dir),
        )
    newest = backups[-1]
    stamp = newest.name.removeprefix(KIOSK_PREFIX).removesuffix(KIOSK_SUFFIX)
    # Backups are named by Chongqing wall-clock time (kiosk.ops.backup.stamp).
    taken = datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=SHANGHAI)
    age = now - taken
    detail = {"backup_dir": str(backup_dir), "newest": str(newest), "count": len(backups)}
    problems = verify_database(newest, KIOSK_TABLES)
    if problems:
        return _warn(
            "backup",
            f"最新的备份 {newest.name} 无法使用（{'; '.join(problems[:3])}）。{how_zh}。",
            f"The newest backup {newest.name} is unusable ({'; '.join(problems[:3])}). "
            f"{_cap(how_en)}.",
            problems=problems,
            **detail,
        )
    if age < timedelta(0):
        return _warn(
            "backup",
            f"最新的备份 {newest.name} 的时间晚于现在：时钟可能倒退了，请看时钟一项。",
            f"The newest backup {newest.name} is dated after now: the clock may have gone "
            "backwards, see the clock check.",
            **detail,
        )
    if age > BACKUP_WARN_AFTER:
        return _warn(
            "backup",
            f"最新的备份已有 {_hours(age)} 小时（{newest.name}）。{how_zh}。",
            f"The newest backup is {_hours(age)} hours old ({newest.name}). {_cap(how_en)}.",
            **detail,
        )
    return _ok(
        "backup",
        f"最新的备份 {newest.name}（{_hours(age)} 小时前）完好，共 {len(backups)} 份。",
        f"The newest backup, {newest.name} ({_hours(age)} hours old), is sound; {len(backups)} kept.",
        **detail,
    )


# --- font -------------------------------------------------------------------------------------


def check_font(font_path: Path | None, override: str | None = None) -> Check:
    """The Chinese font the kiosk uses (`kiosk.fonts.cjk_font_path()`) is there and loads."""
    install_zh = "请安装：apt-get install fonts-wqy-microhei"
    install_en = "Install one: apt-get install fonts-wqy-microhei"
    if font_path is None or not font_path.is_file():
        missing = font_path or override or ""
        return _fail(
            "font",
            f"没有可显示中文的字体{f'（{missing} 不存在）' if missing else ''}，屏幕、卡片和小票预览会出现方块。{install_zh}。",
            f"No Chinese font{f' ({missing} does not exist)' if missing else ''}: the screen, "
            f"cards and receipt previews would show boxes. {install_en}.",
            path=str(font_path) if font_path else None,
        )
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(font_path), 16)
    except OSError as error:
        return _fail(
            "font",
            f"字体文件 {font_path} 已损坏（{_error(error)}）。请重新安装字体包。",
            f"The font file {font_path} is damaged ({_error(error)}). Reinstall its package.",
            path=str(font_path),
        )
    if override and Path(override) != font_path:
        return _warn(
            "font",
            f"KIOSK_CJK_FONT 指向的 {override} 不存在，改用了 {font_path}。请改正或删掉这个设置。",
            f"KIOSK_CJK_FONT names {override}, which does not exist; {font_path} is used "
            "instead. Correct or remove the setting.",
            path=str(font_path),
        )
    return _ok(
        "font", f"中文字体：{font_path}。", f"Chinese font: {font_path}.", path=str(font_path)
    )


# --- all of it --------------------------------------------------------------------------------


def run_checks(
    *,
    db_url: str,
    printer_uri: str | None,
    backup_dir: Path,
    now: datetime,
    font_path: Path | None,
    font_override: str | None = None,
    settings: Check | None = None,
    scanner_vendors: Collection[str] = (),
    input_by_id: Path = INPUT_BY_ID,
    usb_devices: Path = USB_DEVICES,
    status_timeout: float = STATUS_TIMEOUT_S,
) -> list[Check]:
    """Every check, in the order a technician works through them."""
    checks: list[Check] = [settings] if settings is not None else []
    db_path = sqlite_path(db_url)
    facts: SyncFacts | None = None
    if db_path is None:
        checks.append(
            _fail(
                "database",
                f"{db_url} 不是 SQLite 文件：kiosk doctor 检查的是自助机的数据库。",
                f"{db_url} is not an SQLite file: kiosk doctor checks a kiosk's database.",
            )
        )
    else:
        database = check_database(db_path)
        checks.append(database)
        if database.status is Status.FAIL:
            why = ("数据库打不开", "the database cannot be read")
            checks += [_not_checked(name, *why) for name in ("journal", "migrations", "ledger")]
        else:
            checks += [
                check_journal(db_url),
                check_migrations(db_url),
                check_ledger_invariants(db_url),
            ]
            # A database that passed its checks but whose facts cannot be read still leaves
            # the clock and sync unchecked rather than the whole doctor failing.
            with contextlib.suppress(Exception):
                facts = read_sync_facts(db_url)
        checks.append(check_disk(db_path.parent))
    checks.append(check_printer(printer_uri, status_timeout=status_timeout))
    checks.append(check_scanner(input_by_id, usb_devices, scanner_vendors))
    if facts is not None:
        checks += [check_clock(now, facts), check_sync(now, facts)]
    else:
        why = ("数据库打不开", "the database cannot be read")
        checks += [_not_checked(name, *why) for name in ("clock", "sync")]
    checks.append(check_font(font_path, font_override))
    checks.append(check_backup(backup_dir, now))
    return checks


def settings_path(environ: Mapping[str, str]) -> Path | None:
    """The settings file the kiosk would read, else the installed one a technician's shell lacks.

    kiosk.service points KIOSK_CONFIG at /etc/tangxiang-kiosk/kiosk.toml; a technician logged
    in over SSH has no such variable, and would otherwise be told about an empty config.
    """
    from kiosk.settings import default_config_path

    if environ.get("KIOSK_CONFIG"):
        return Path(environ["KIOSK_CONFIG"])
    for candidate in (default_config_path(), Path("/etc/tangxiang-kiosk/kiosk.toml")):
        if candidate.exists():
            return candidate
    return None


def default_backup_dir(db_path: Path | None) -> Path:
    """Where the nightly backups go: the installed folder, else `kiosk backup`'s own default."""
    installed = Path("/var/backups/tangxiang-kiosk")
    if installed.is_dir() or db_path is None:
        return installed
    return db_path.parent / "backups"
