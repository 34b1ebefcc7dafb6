"""The kiosk's settings: one TOML file, each value overridable by a `KIOSK_*` environment variable.

Plain Python (no Textual): the app, every CLI command, the central server and doctor read
this one object (`load_settings()`; docs/settings.md lists each field, its variable and
its default).
The file is `KIOSK_CONFIG`, else `kiosk.toml` in the user's config directory; a missing
file means all defaults. Environment variables win over the file, so a drill or a test
can change one value without editing it. A bad value raises `BadInput("settings.invalid")`
naming the setting, so the kiosk refuses to start with a clear message instead of guessing.

Example file:

    db = "/var/lib/kiosk/kiosk.db"      # a plain path, or a URL: "postgresql://..."
    printer = "usb:0416:5011"
    paper_width = 58          # mm: 58 (32 columns) or 80 (48 columns)
    encoding = "gb18030"      # or "gbk" for older printers
    kiosk_id = "K-HP-01"
    exchange_point = "heping-shop"
    language = "zh"           # or "en"
    idle_minutes = 5
    central_url = "https://jifen.example.gov.cn"
    sync_secret = "..."
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.errors import BadInput

if TYPE_CHECKING:
    from sqlmodel import Session

PAPER_COLUMNS = {58: 32, 80: 48}
ENCODINGS = ("gb18030", "gbk")
LANGUAGES = ("zh", "en")
APP_NAME = "tangxiang-kiosk"


def user_data_path() -> Path:
    """The user's data directory for the kiosk (the demo and a default database live there)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_url() -> str:
    return f"sqlite:///{user_data_path() / 'kiosk.db'}"


def database_url(db: str) -> str:
    """`db` as an SQLAlchemy URL: a URL stays as it is, a plain path names an SQLite file."""
    text = db.strip()
    if not text:
        return default_db_url()
    if "://" in text or text.startswith("sqlite:"):
        return text
    # What a newcomer types first (KIOSK_DB=/var/lib/kiosk/kiosk.db) is a file, never a URL.
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "kiosk.toml"


@dataclass(frozen=True)
class Settings:
    """Everything a kiosk is configured with; each field names its environment variable."""

    db: str = ""
    """The database (KIOSK_DB): an SQLite file's path or an SQLAlchemy URL; empty: kiosk.db
    in the user's data directory."""
    card_key: str = ""
    """The card-signing key file (KIOSK_CARD_KEY); empty: `<sqlite file>.card-key` beside an
    SQLite database, none for another database. Only the street office holds one."""
    evidence_dir: str = ""
    """Where declaration photos are kept (KIOSK_EVIDENCE_DIR); empty: `<sqlite file>.evidence`
    beside an SQLite database, else `evidence` in the user's data directory."""
    evidence_cap_mb: int = 20_000
    """The most the central keeps of photos sent from phones, in MB (KIOSK_EVIDENCE_CAP_MB);
    past it a declaration's photos are refused with a word to tell the street office."""
    printer: str = "dummy"
    """Receipt printer URI (KIOSK_PRINTER): file:PATH, usb:VID:PID, serial:DEV[:BAUD],
    tcp:HOST[:PORT] or dummy."""
    paper_width: int = 58
    """Paper roll width in mm (KIOSK_PAPER_WIDTH): 58 or 80."""
    encoding: str = "gb18030"
    """How Chinese is sent to the printer (KIOSK_ENCODING): gb18030 or gbk."""
    kiosk_id: str = ""
    """This kiosk's id, e.g. K-HP-01 (KIOSK_ID); empty: the database's own origin."""
    exchange_point: str = ""
    """The exchange point this kiosk serves (KIOSK_EXCHANGE_POINT); empty: the operator's."""
    language: str = "zh"
    """Interface language (KIOSK_LANGUAGE): zh or en."""
    idle_minutes: float = 5.0
    """Sign the operator out after this long without a key press (KIOSK_IDLE_MINUTES)."""
    central_url: str = ""
    """The street office's central store, for the nightly sync (KIOSK_CENTRAL_URL)."""
    sync_secret: str = ""
    """The shared secret this kiosk signs its sync requests with (KIOSK_SYNC_SECRET)."""
    scan_gap_ms: int = 50
    """Keys closer than this count as one scanner burst (KIOSK_SCAN_GAP_MS); raise it for
    slow (e.g. Bluetooth) scanners, people type slower than 50 ms a key."""
    demo: bool = False
    """Demo mode: the sign-in screen shows the demo PINs (KIOSK_DEMO; never in the field)."""

    @property
    def db_url(self) -> str:
        """The database as an SQLAlchemy URL (a plain path becomes an SQLite URL)."""
        return database_url(self.db)

    @property
    def card_key_path(self) -> Path | None:
        """The card-signing key's file, or None where there is no file to sit beside."""
        if self.card_key:
            return Path(self.card_key).expanduser()
        database = sqlite_file(self.db_url)
        return Path(f"{database}.card-key") if database is not None else None

    @property
    def evidence_path(self) -> Path:
        """The declaration photos' directory (the central's PostgreSQL has no file to sit by)."""
        if self.evidence_dir:
            return Path(self.evidence_dir).expanduser()
        database = sqlite_file(self.db_url)
        if database is not None:
            return Path(f"{database}.evidence")
        return user_data_path() / "evidence"

    @property
    def columns(self) -> int:
        """Characters per receipt line for the paper width."""
        return PAPER_COLUMNS[self.paper_width]

    def with_language(self, language: str) -> Settings:
        return replace(self, language=str(_check("language", language)))


_ENV = {field.name: f"KIOSK_{field.name.upper()}" for field in fields(Settings)}
_ENV["kiosk_id"] = "KIOSK_ID"
_TEXT = frozenset(field.name for field in fields(Settings) if field.type in ("str", str))


def _invalid(name: str, value: object, expected: str) -> BadInput:
    return BadInput("settings.invalid", name=name, value=value, expected=expected)


def _check(name: str, value: object) -> object:
    """`value` converted to the type of setting `name`, or BadInput saying what is expected."""
    if name in _TEXT and not isinstance(value, str):
        # `db = 5` or `central_url = [..]` in the file is a mistake: str() would turn it
        # into a value that fails later and elsewhere ("5" as a database URL).
        raise _invalid(name, value, 'text in quotes, "..."')
    if name == "paper_width":
        try:
            width = int(str(value).removesuffix("mm"))
        except ValueError:
            width = 0
        if width not in PAPER_COLUMNS:
            raise _invalid(name, value, "58 / 80")
        return width
    if name == "encoding":
        text = str(value).lower()
        if text not in ENCODINGS:
            raise _invalid(name, value, " / ".join(ENCODINGS))
        return text
    if name == "language":
        text = str(value).lower()
        if text not in LANGUAGES:
            raise _invalid(name, value, " / ".join(LANGUAGES))
        return text
    if name == "idle_minutes":
        try:
            minutes = float(str(value))
        except ValueError:
            minutes = -1.0
        if not 0 < minutes <= 24 * 60:
            raise _invalid(name, value, "0 < minutes <= 1440")
        return minutes
    if name == "scan_gap_ms":
        text = str(value)
        if not text.isdigit() or not 5 <= int(text) <= 500:
            raise _invalid(name, value, "5..500")
        return int(text)
    if name == "demo":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text not in ("1", "0", "true", "false", "yes", "no", ""):
            raise _invalid(name, value, "true / false")
        return text in ("1", "true", "yes")
    if name == "printer":
        from kiosk.printing.printers import URI_FORMS, parse_printer_uri

        try:
            parse_printer_uri(str(value))
        except ValueError:
            raise _invalid(name, value, URI_FORMS) from None
        return str(value).strip()
    if name == "db":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(database_url(str(value)))
        except (ArgumentError, ValueError):
            raise _invalid(name, value, "a file path, or a URL such as postgresql://...") from None
        return str(value).strip()
    if name == "kiosk_id" and value and not re.fullmatch(r"[A-Za-z0-9-]{1,32}", str(value)):
        raise _invalid(name, value, "letters, digits and -")
    return str(value)


def settings_file(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Path:
    """The settings file: `path` if given, else KIOSK_CONFIG, else kiosk.toml in the config dir."""
    if path is not None:
        return path
    env = os.environ if environ is None else environ
    return Path(env["KIOSK_CONFIG"]) if env.get("KIOSK_CONFIG") else default_config_path()


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Settings from the TOML file, then `KIOSK_*` variables, then `overrides` (CLI options)."""
    return _resolve(path, os.environ if environ is None else environ, overrides)


def _resolve(
    path: Path | None, env: Mapping[str, str], overrides: Mapping[str, object]
) -> Settings:
    path = settings_file(path, environ=env)
    values: dict[str, object] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise BadInput("settings.file", path=str(path), error=str(error)) from None
        known = {field.name for field in fields(Settings)}
        for name, value in raw.items():
            if name not in known:
                raise _invalid(name, value, ", ".join(sorted(known)))
            values[name] = value
    for name, variable in _ENV.items():
        if variable in env:
            values[name] = env[variable]
    values.update({name: value for name, value in overrides.items() if value is not None})
    return Settings(**{name: _check(name, value) for name, value in values.items()})  # type: ignore[arg-type]


_DB_HELP = (
    "the database: an SQLite file's path or an SQLAlchemy URL (setting db, env KIOSK_DB; "
    "default: kiosk.db in the user's data directory)"
)
_CONFIG_HELP = "the settings file (env KIOSK_CONFIG; default: kiosk.toml in the user's config dir)"


def add_options(parser: argparse.ArgumentParser, *, before_command: bool = False) -> None:
    """--db and --config, accepted before the command and after it.

    A subcommand's copies default to SUPPRESS, so that `kiosk --db X household list` keeps
    the X given before the command when none is given after it.
    """
    default = None if before_command else argparse.SUPPRESS
    parser.add_argument("--db", default=default, help=_DB_HELP)
    parser.add_argument("--config", type=Path, default=default, help=_CONFIG_HELP)


def from_options(options: argparse.Namespace, **overrides: object) -> Settings:
    """The settings of one command: the file (--config), `KIOSK_*`, then the options that
    name a setting (--db, --printer, --paper-width) and `overrides`; the one way every
    entry point gets them."""
    given: dict[str, object] = {
        "db": getattr(options, "db", None),
        "printer": getattr(options, "printer", None),
        "paper_width": getattr(options, "paper_width", None),
        **overrides,
    }
    return _resolve(getattr(options, "config", None), os.environ, given)


def kiosk_exchange_point(session: Session, settings: Settings) -> str | None:
    """The exchange point this kiosk serves: the setting, else the one the central assigned
    at the first sync (Meta), else None (the street office serves every point)."""
    from kiosk.core.ledger import meta_get

    return settings.exchange_point or meta_get(session, "exchange_point_id") or None


def save_language(path: Path, language: str) -> None:
    """Remember the chosen interface language in the settings file, keeping its other lines."""
    language = str(_check("language", language))
    line = f'language = "{language}"\n'
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    for index, existing in enumerate(lines):
        if re.match(r"\s*language\s*=", existing):
            lines[index] = line
            break
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
