"""The units pass `systemd-analyze verify` (systemd 252, as on Debian 12) and say what they must."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import SYSTEMD_DIR

UNITS = sorted(p.name for p in SYSTEMD_DIR.iterdir() if p.suffix in {".service", ".timer"})
HOST_UNIT_DIRS = (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian package: systemd)",
)


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> every value given (units repeat keys, which configparser refuses)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def executables(path: Path) -> set[str]:
    """The programs a unit's Exec lines start, without systemd's prefix characters."""
    found = set()
    for key, values in parse_unit(path).get("Service", {}).items():
        if key.startswith("Exec"):
            for value in values:
                found.add(value.split()[0].lstrip("-@:+!"))
    return found


@pytest.fixture(scope="module")
def verify_root(installed_root: Path) -> Path:
    """The install.sh --root output plus what `verify --root` resolves inside it.

    verify looks for the units' programs and for systemd's own targets under the root, so
    the host's units are copied in and each program gets an executable stand-in.
    """
    host_units = next((d for d in HOST_UNIT_DIRS if d.is_dir()), None)
    if host_units is None:
        pytest.skip("systemd's unit directory is missing")
    shutil.copytree(
        host_units, installed_root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True
    )
    for unit in UNITS:
        for program in executables(SYSTEMD_DIR / unit):
            stand_in = installed_root / program.lstrip("/")
            if not stand_in.exists():
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.write_text("#!/bin/sh\n")
                stand_in.chmod(0o755)
    return installed_root


def verify(root: Path, unit: str) -> str:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", f"/etc/systemd/system/{unit}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return (result.stdout + result.stderr).strip() or ("" if result.returncode == 0 else "failed")


@needs_systemd_analyze
@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_clean(verify_root: Path, unit: str) -> None:
    assert (verify_root / "etc/systemd/system" / unit).is_file(), "install.sh did not install it"
    # Unknown keys (such as RestartSteps=, new in systemd 254) are only warnings: any
    # output at all fails the test.
    assert verify(verify_root, unit) == ""


@needs_systemd_analyze
def test_verify_catches_mistakes(verify_root: Path) -> None:
    # Guards the method: a verify that checked nothing would pass every unit above.
    broken = verify_root / "etc/systemd/system/tangxiang-broken.service"
    broken.write_text(
        "[Service]\nType=oneshot\nExecStart=/opt/tangxiang-kiosk/bin/missing\nRestartSteps=3\n"
    )
    try:
        output = verify(verify_root, broken.name)
    finally:
        broken.unlink()
    assert "missing" in output
    assert "RestartSteps" in output


def test_every_unit_is_installed_by_a_role() -> None:
    script = (SYSTEMD_DIR / "install.sh").read_text()
    for unit in UNITS:
        assert re.search(rf"\b{re.escape(unit)}\b", script), f"install.sh never installs {unit}"


def test_kiosk_screen_unit() -> None:
    service = parse_unit(SYSTEMD_DIR / "kiosk.service")["Service"]
    unit = parse_unit(SYSTEMD_DIR / "kiosk.service")["Unit"]
    assert service["User"] == ["kiosk"]
    assert service["PAMName"] == ["login"]
    assert service["TTYPath"] == ["/dev/tty1"]
    assert "getty@tty1.service" in unit["Conflicts"]
    assert service["Restart"] == ["always"]
    assert "LANG=zh_CN.UTF-8" in service["Environment"]
    assert service["ExecStartPre"] == ["/opt/tangxiang-kiosk/bin/kiosk migrate"]
    start = service["ExecStart"][0]
    # cage runs under the wrapper, never as the main process (see systemd/kiosk-screen).
    assert start.startswith("/opt/tangxiang-kiosk/libexec/kiosk-screen /usr/bin/foot ")
    assert start.endswith("/opt/tangxiang-kiosk/bin/kiosk run")
    assert " -d " not in start
    assert service["TimeoutStopSec"] == ["15s"]


def test_sync_retries_without_newer_systemd() -> None:
    parsed = parse_unit(SYSTEMD_DIR / "kiosk-sync.service")
    service = parsed["Service"]
    assert service["Type"] == ["oneshot"]
    assert service["Restart"] == ["on-failure"]
    assert "RestartSteps" not in service
    assert "RestartMaxDelaySec" not in service
    assert "StartLimitBurst" in parsed["Unit"]


@pytest.mark.parametrize("timer", [u for u in UNITS if u.endswith(".timer")])
def test_timers_keep_chongqing_time_and_catch_up(timer: str) -> None:
    settings = parse_unit(SYSTEMD_DIR / timer)["Timer"]
    assert all(value.endswith(" Asia/Shanghai") for value in settings["OnCalendar"])
    assert settings["Persistent"] == ["true"]


@pytest.mark.parametrize("unit", [u for u in UNITS if u.endswith(".service")])
def test_every_directory_a_strict_service_writes_to_is_writable(unit: str) -> None:
    """ProtectSystem=strict leaves only ReadWritePaths writable, and the central's user has
    no home: a photos directory the server may not write would refuse every phone's photo."""
    service = parse_unit(SYSTEMD_DIR / unit)["Service"]
    if service.get("ProtectSystem") != ["strict"]:
        return
    writable = " ".join(service.get("ReadWritePaths", [])).split()
    environment = dict(
        value.split("=", 1) for line in service.get("Environment", []) for value in line.split()
    )
    evidence = environment.get("KIOSK_EVIDENCE_DIR")
    if "central serve" in " ".join(service["ExecStart"]):
        assert evidence is not None, "the central keeps phones' photos: name their directory"
        assert evidence in writable
    backs_up = "backup" in " ".join(service["ExecStart"])
    if backs_up and "central" in unit:
        assert evidence is not None, "the central's backup copies the phones' photos"
