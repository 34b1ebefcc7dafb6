"""Fixtures for the deployment tests: the repository's systemd folder and scratch installs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = REPO / "systemd"
INSTALL = SYSTEMD_DIR / "install.sh"
UNINSTALL = SYSTEMD_DIR / "uninstall.sh"

KIOSK_ID = "tx-test-01"
SYNC_SECRET = "test-secret-0123456789abcdef"
CENTRAL_URL = "https://central.example.org"
CENTRAL_DB = "postgresql+psycopg:///tangxiang"


def run_script(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


def install_kiosk(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_script(
        INSTALL,
        "--root",
        str(root),
        "--kiosk-id",
        KIOSK_ID,
        "--sync-secret",
        SYNC_SECRET,
        "--central",
        CENTRAL_URL,
        *extra,
    )


def install_central(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_script(INSTALL, "--root", str(root), "--role", "central", "--db", CENTRAL_DB, *extra)


@pytest.fixture(scope="module")
def installed_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch root holding both roles' files as install.sh --root writes them."""
    root = tmp_path_factory.mktemp("root")
    for result in (install_kiosk(root), install_central(root)):
        assert result.returncode == 0, result.stderr
    return root
