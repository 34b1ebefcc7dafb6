"""install.sh and uninstall.sh: lint, installs into a scratch root, dry runs, nginx and foot files."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    CENTRAL_DB,
    CENTRAL_URL,
    INSTALL,
    KIOSK_ID,
    SYNC_SECRET,
    SYSTEMD_DIR,
    UNINSTALL,
    install_central,
    install_kiosk,
    run_script,
)

SCRIPTS = [INSTALL, UNINSTALL, SYSTEMD_DIR / "kiosk-screen"]
KIOSK_FILES = [
    "opt/tangxiang-kiosk/libexec/kiosk-screen",
    "etc/systemd/system/kiosk.service",
    "etc/systemd/system/kiosk-sync.service",
    "etc/systemd/system/kiosk-sync.timer",
    "etc/systemd/system/kiosk-backup.service",
    "etc/systemd/system/kiosk-backup.timer",
    "etc/udev/rules.d/60-tangxiang-kiosk.rules",
    "etc/tangxiang-kiosk/foot.ini",
    "etc/tangxiang-kiosk/kiosk.toml",
]
CENTRAL_FILES = [
    "etc/systemd/system/kiosk-central.service",
    "etc/systemd/system/kiosk-central-backup.service",
    "etc/systemd/system/kiosk-central-backup.timer",
    "etc/systemd/system/kiosk-month-close.service",
    "etc/systemd/system/kiosk-month-close.timer",
    "etc/systemd/system/kiosk-year-close.service",
    "etc/systemd/system/kiosk-year-close.timer",
    "etc/tangxiang-kiosk/central.env",
]
# What a real run would call; in a dry run these stand-ins record any call that slips out.
HOST_COMMANDS = (
    "apt-get",
    "useradd",
    "userdel",
    "systemctl",
    "udevadm",
    "locale-gen",
    "chown",
    "runuser",
)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_clean(script: Path) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (Debian package: shellcheck)")
    result = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_install_into_scratch_root_writes_the_kiosk(tmp_path: Path) -> None:
    result = install_kiosk(tmp_path, "--printer", "usb:0416:5011")
    assert result.returncode == 0, result.stderr
    for name in KIOSK_FILES:
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "var/lib/tangxiang-kiosk").is_dir()
    assert (tmp_path / "var/backups/tangxiang-kiosk").is_dir()
    settings_path = tmp_path / "etc/tangxiang-kiosk/kiosk.toml"
    settings = tomllib.loads(settings_path.read_text())
    assert settings["kiosk_id"] == KIOSK_ID
    assert settings["sync_secret"] == SYNC_SECRET
    assert settings["central_url"] == CENTRAL_URL
    assert settings["db"] == "sqlite:////var/lib/tangxiang-kiosk/kiosk.db"
    assert settings["printer"] == "usb:0416:5011"
    assert mode(settings_path) == 0o640, "the settings hold the sync secret"
    assert mode(tmp_path / "etc/systemd/system/kiosk.service") == 0o644
    assert SYNC_SECRET not in result.stdout + result.stderr
    # The kiosk itself must accept the file, or it refuses to start.
    from kiosk.settings import load_settings

    loaded = load_settings(settings_path, environ={})
    assert (loaded.kiosk_id, loaded.printer) == (KIOSK_ID, "usb:0416:5011")
    # Nothing of the central server on a kiosk.
    assert not (tmp_path / "etc/systemd/system/kiosk-central.service").exists()


def test_install_central_into_scratch_root(tmp_path: Path) -> None:
    result = install_central(tmp_path)
    assert result.returncode == 0, result.stderr
    for name in CENTRAL_FILES:
        assert (tmp_path / name).is_file(), name
    assert f"KIOSK_DB={CENTRAL_DB}" in (tmp_path / "etc/tangxiang-kiosk/central.env").read_text()
    assert not (tmp_path / "etc/systemd/system/kiosk.service").exists()
    assert mode(tmp_path / "var/lib/tangxiang-central") == 0o700, "it holds the card key"
    # The database is not under --root, so its set-up is skipped, and named, in its place.
    assert step_order(result.stdout, "kiosk central init", "enable kiosk-central.service")


def step_order(output: str, *steps: str) -> bool:
    """True when each step shows on a line of `output`, in this order."""
    lines = output.splitlines()
    found = [next((i for i, line in enumerate(lines) if step in line), -1) for step in steps]
    return -1 not in found and found == sorted(found)


def test_the_central_database_is_initialised_before_the_server_is_enabled(
    tmp_path: Path,
) -> None:
    """`kiosk central init` runs on every install (it is a no-op on a central store), as
    kiosk-central for PostgreSQL's peer authentication, keeping the card-signing key beside
    the state; the URL, which may hold a password, is never shown."""
    url = "postgresql+psycopg://kiosk-central:pg-password-0123@db.example.org/tangxiang"
    result = run_script(INSTALL, "--dry-run", "--role", "central", "--db", url)
    assert result.returncode == 0, result.stderr
    init = next(line for line in result.stdout.splitlines() if "kiosk central init" in line)
    assert "runuser -u kiosk-central" in init
    assert "--card-key /var/lib/tangxiang-central/card-signing.key" in init
    assert step_order(
        result.stdout,
        "central.env",
        "kiosk central init",
        "systemctl enable kiosk-central.service",
        "systemctl restart kiosk-central.service",
    )
    assert "pg-password-0123" not in result.stdout + result.stderr


def test_secret_from_the_environment_and_settings_kept_on_upgrade(tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_SYNC_SECRET": "from-env-secret-0123456789"}
    first = run_script(
        INSTALL, "--root", str(tmp_path), "--kiosk-id", KIOSK_ID, "--central", CENTRAL_URL, env=env
    )
    assert first.returncode == 0, first.stderr
    settings_path = tmp_path / "etc/tangxiang-kiosk/kiosk.toml"
    before = settings_path.read_text()
    assert tomllib.loads(before)["sync_secret"] == "from-env-secret-0123456789"
    upgrade = run_script(INSTALL, "--root", str(tmp_path))
    assert upgrade.returncode == 0, upgrade.stderr
    assert settings_path.read_text() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--kiosk-id", 'bad"id', "--sync-secret", SYNC_SECRET, "--central", CENTRAL_URL],
        ["--kiosk-id", KIOSK_ID, "--sync-secret", "short", "--central", CENTRAL_URL],
        ["--kiosk-id", KIOSK_ID, "--sync-secret", SYNC_SECRET, "--central", "ftp://x"],
        ["--kiosk-id", "tx.cx_01", "--sync-secret", SYNC_SECRET, "--central", CENTRAL_URL],
        [
            "--kiosk-id",
            KIOSK_ID,
            "--sync-secret",
            SYNC_SECRET,
            "--central",
            CENTRAL_URL,
            "--printer",
            "lpt:1",
        ],
        ["--kiosk-id", KIOSK_ID],
        ["--role", "printer"],
        ["--role", "central", "--db", "mysql://x/y"],
    ],
)
def test_bad_arguments_are_refused_before_anything_is_done(tmp_path: Path, args: list[str]) -> None:
    result = run_script(INSTALL, "--root", str(tmp_path), *args)
    assert result.returncode == 2
    assert "install.sh:" in result.stderr
    assert "skipped" not in result.stdout, "no step may run before the arguments are checked"
    assert tree(tmp_path) == []


def test_changing_one_setting_needs_the_whole_set(tmp_path: Path) -> None:
    assert install_kiosk(tmp_path).returncode == 0
    settings_path = tmp_path / "etc/tangxiang-kiosk/kiosk.toml"
    before = settings_path.read_text()
    result = run_script(INSTALL, "--root", str(tmp_path), "--printer", "usb:0416:5011")
    assert result.returncode == 2
    assert settings_path.read_text() == before


def test_dry_run_into_scratch_root_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "marker").write_text("untouched")
    result = install_kiosk(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path) == ["marker"]
    for action in ("apt-get install", "useradd", "systemctl enable", "kiosk.toml", "kiosk.service"):
        assert action in result.stdout, action
    assert SYNC_SECRET not in result.stdout


@pytest.mark.parametrize("role", ["kiosk", "central"])
def test_dry_run_on_this_machine_calls_nothing(tmp_path: Path, role: str) -> None:
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir()
    calls = tmp_path / "calls.log"
    for command in HOST_COMMANDS:
        program = stand_ins / command
        program.write_text(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\n')
        program.chmod(0o755)
    watched = [Path("/etc/tangxiang-kiosk"), Path("/opt/tangxiang-kiosk")]
    existed = {path: path.exists() for path in watched}
    env = {**os.environ, "PATH": f"{stand_ins}:{os.environ['PATH']}"}
    if role == "kiosk":
        args = ["--kiosk-id", KIOSK_ID, "--sync-secret", SYNC_SECRET, "--central", CENTRAL_URL]
    else:
        args = ["--role", "central", "--db", CENTRAL_DB]
    result = run_script(INSTALL, "--dry-run", *args, env=env)
    assert result.returncode == 0, result.stderr
    assert "apt-get" in result.stdout
    assert not calls.exists(), calls.read_text()
    assert {path: path.exists() for path in watched} == existed
    uninstall = run_script(UNINSTALL, "--dry-run", "--purge", env=env)
    assert uninstall.returncode == 0, uninstall.stderr
    assert not calls.exists(), calls.read_text()


def test_uninstall_keeps_the_database_unless_purged(installed_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(installed_root, root, symlinks=True)
    database = root / "var/lib/tangxiang-kiosk/kiosk.db"
    database.write_bytes(b"SQLite format 3\x00")
    result = run_script(UNINSTALL, "--root", str(root))
    assert result.returncode == 0, result.stderr
    for name in KIOSK_FILES + CENTRAL_FILES:
        if name.startswith("etc/tangxiang-kiosk/") and not name.endswith("foot.ini"):
            assert (root / name).exists(), f"settings are kept: {name}"
        else:
            assert not (root / name).exists(), name
    assert database.exists()
    assert (root / "var/backups/tangxiang-kiosk").is_dir()

    result = run_script(UNINSTALL, "--root", str(root), "--purge")
    assert result.returncode == 0, result.stderr
    assert not database.exists()
    assert not (root / "etc/tangxiang-kiosk").exists()
    assert not (root / "var/backups/tangxiang-kiosk").exists()


def test_foot_accepts_its_settings() -> None:
    if shutil.which("foot") is None:
        pytest.skip("foot is not installed (Debian package: foot)")
    result = subprocess.run(
        ["foot", "--check-config", f"--config={SYSTEMD_DIR / 'foot.ini'}"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (Debian package: nginx-light)")
    certificate, key = write_self_signed(tmp_path)
    site = (SYSTEMD_DIR / "nginx-central.conf.example").read_text()
    site = site.replace("/etc/ssl/tangxiang/fullchain.pem", str(certificate))
    site = site.replace("/etc/ssl/tangxiang/privkey.pem", str(key))
    site = site.replace("/var/log/nginx", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def write_self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "central.example.org")])
    start = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_path = directory / "fullchain.pem"
    key_path = directory / "privkey.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


def test_udev_steps_are_skipped_where_no_udevd_runs() -> None:
    """In a container (no udevd) `udevadm control --reload` fails and would abort the install."""
    result = run_script(
        INSTALL,
        "--dry-run",
        "--kiosk-id",
        KIOSK_ID,
        "--sync-secret",
        SYNC_SECRET,
        "--central",
        CENTRAL_URL,
    )
    assert result.returncode == 0, result.stderr
    if Path("/run/udev/control").is_socket():
        assert "+ udevadm control --reload" in result.stdout
    else:
        assert "skipped: no udevd is running" in result.stdout
        assert "udevadm" not in result.stdout
    # The rules file is installed either way: it applies at the next boot.
    assert "60-tangxiang-kiosk.rules" in result.stdout
    assert "xwayland" in result.stdout, "Debian 12's cage does not start without Xwayland"
