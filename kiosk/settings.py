"""The kiosk's settings: one TOML file, each value overridable by a `KIOSK_*` environment variable.

Plain Python (no Textual): the app, the CLI and the sync client read the same object.
The file is `KIOSK_CONFIG`, else `kiosk.toml` in the user's config directory; a missing
file means all defaults. Environment variables win over the file, so a drill or a test
can change one value without editing it. A bad value raises `BadInput("settings.invalid")`
naming the setting, so the kiosk refuses to start with a clear message instead of guessing.

Example file:

    db = "sqlite:////var/lib/kiosk/kiosk.db"
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

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from kiosk.core.errors import BadInput

PAPER_COLUMNS = {58: 32, 80: 48}
ENCODINGS = ("gb18030", "gbk")
LANGUAGES = ("zh", "en")
APP_NAME = "tangxiang-kiosk"


def default_db_url() -> str:
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir(APP_NAME, appauthor=False)) / 'kiosk.db'}"


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "kiosk.toml"


@dataclass(frozen=True)
class Settings:
    """Everything a kiosk is configured with; each field names its environment variable."""

    db: str = ""
    """SQLAlchemy URL of the database (KIOSK_DB); empty: an SQLite file in the data dir."""
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
        return self.db or default_db_url()

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
    if name == "kiosk_id" and value and not re.fullmatch(r"[A-Za-z0-9-]{1,32}", str(value)):
        raise _invalid(name, value, "letters, digits and -")
    return str(value)


def load_settings(
    path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Settings from the TOML file, then `KIOSK_*` variables, then `overrides` (CLI options)."""
    env = os.environ if environ is None else environ
    if path is None:
        path = Path(env["KIOSK_CONFIG"]) if env.get("KIOSK_CONFIG") else default_config_path()
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
