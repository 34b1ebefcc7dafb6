"""What the machine gives the kiosk: a readable settings file, free disk space, a Chinese font."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kiosk.ops.doctor.findings import Check, error_text, fail, mib, ok, warn
from kiosk.ops.texts import EMPTY, say

# The thresholds are in bytes and mean MiB and GiB, as the report labels them.
DISK_FAIL_BELOW = 100 * 1024**2
DISK_WARN_BELOW = 1024**3
INSTALLED_SETTINGS = Path("/etc/tangxiang-kiosk/kiosk.toml")


def settings_path(environ: Mapping[str, str]) -> Path | None:
    """The settings file the kiosk would read, else the installed one a technician's shell lacks.

    kiosk.service points KIOSK_CONFIG at /etc/tangxiang-kiosk/kiosk.toml; a technician logged
    in over SSH has no such variable, and would otherwise be told about an empty config.
    """
    from kiosk.settings import default_config_path

    if environ.get("KIOSK_CONFIG"):
        return Path(environ["KIOSK_CONFIG"])
    for candidate in (default_config_path(), INSTALLED_SETTINGS):
        if candidate.exists():
            return candidate
    return None


def check_settings(path: Path | None, error: str | None) -> Check:
    """Whether the settings file (`path`, None when there is none) could be read."""
    if error is not None:
        said = say("settings.wrong", error=error, path=path)
        return fail("settings", said, path=str(path), error=error)
    if path is None:
        return warn("settings", say("settings.none"))
    return ok("settings", say("settings.ok", path=path), path=str(path))


def existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists: a folder yet to be made is on its parent's disk."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def free_bytes(path: Path) -> int:
    """Space an unprivileged user may still write on the file system holding `path`."""
    stats = os.statvfs(existing(path))
    return stats.f_bavail * stats.f_frsize


def check_disk(
    path: Path, *, fail_below: int = DISK_FAIL_BELOW, warn_below: int = DISK_WARN_BELOW
) -> Check:
    """Free space on the file system of `path` (the database's folder)."""
    free = free_bytes(path)
    detail = {"path": str(path), "free_bytes": free}
    where = existing(path)
    if free < fail_below:
        return fail("disk", say("disk.full", where=where, free=mib(free)), **detail)
    if free < warn_below:
        return warn("disk", say("disk.low", where=where, free=mib(free)), **detail)
    return ok("disk", say("disk.ok", where=where, free=mib(free)), **detail)


def check_font(font_path: Path | None, override: str | None = None) -> Check:
    """The Chinese font the kiosk uses (`kiosk.fonts.cjk_font_path()`) is there and loads."""
    if font_path is None or not font_path.is_file():
        missing = font_path or override or ""
        said = say(
            "font.missing",
            missing=say("font.missing_path", path=missing) if missing else EMPTY,
            install=say("font.install"),
        )
        return fail("font", said, path=str(font_path) if font_path else None)
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(font_path), 16)
    except OSError as error:
        said = say("font.damaged", path=font_path, error=error_text(error))
        return fail("font", said, path=str(font_path))
    if override and Path(override) != font_path:
        return warn(
            "font", say("font.override", override=override, path=font_path), path=str(font_path)
        )
    return ok("font", say("font.ok", path=font_path), path=str(font_path))
