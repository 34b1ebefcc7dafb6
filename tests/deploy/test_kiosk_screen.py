"""systemd/kiosk-screen: a failing cage ends kiosk.service instead of hanging it.

Under `PAMName=` systemd forks a "(sd-pam)" helper as a child of the unit's main process,
which only exits after its parent. cage cleans up a failed start with waitpid(0, ...): as
the main process it would wait on (sd-pam) for ever. `pam_like` reproduces that process
tree without systemd: a child that waits for its parent to die, then the parent execs the
command, as systemd's own fork does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.headless import (
    HEADLESS,
    KIOSK_SCREEN,
    UserSession,
    missing,
    user_session,
    wait_for,
)

# Like systemd's (sd-pam): forked by the process that then execs the unit's program, and
# gone only once that process is.
PAM_HELPER = """
import os, sys, time
parent = os.getpid()
if os.fork() == 0:
    while os.getppid() == parent:
        time.sleep(0.05)
    os._exit(0)
os.execv(sys.argv[1], sys.argv[1:])
"""
DEADLINE = 60

pytestmark = [
    pytest.mark.skipif(bool(missing("cage", "setpriv")), reason="needs cage (Debian: cage)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run cage as nobody"),
]


@pytest.fixture()
def session() -> Iterator[UserSession]:
    with user_session() as made:
        yield made


def pam_like(
    session: UserSession, program: list[str], log: Path, **env: str
) -> subprocess.Popen[bytes]:
    """`program` as a unit's main process with PAMName=, run as nobody."""
    # Debian's python3, not the venv's: nobody may not be allowed into the venv's home.
    python = shutil.which("python3", path="/usr/bin") or sys.executable
    with log.open("wb") as output:
        return subprocess.Popen(
            session.argv([python, "-c", PAM_HELPER, *program]),
            env=session.env(**env),
            cwd=session.home,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def blocked_in_wait(pid: int) -> bool:
    """The process sleeps inside wait4/waitpid (the kernel's do_wait)."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text().strip() == "do_wait"
    except OSError:
        return False


def end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()  # SIGTERM would not do: cage's signal handling waits in its loop
        process.wait(timeout=30)


def test_bare_cage_hangs_after_failing_under_a_pam_helper(
    session: UserSession, tmp_path: Path
) -> None:
    """The bug: cage as the main process, failing to start, never exits."""
    log = tmp_path / "cage.log"
    # No such wlroots backend: cage fails before it starts any client, as it does without
    # Xwayland, and goes to the same clean-up.
    cage = pam_like(session, ["/usr/bin/cage", "--", "true"], log, WLR_BACKENDS="none-such")
    try:
        assert wait_for(lambda: "Unable to create the wlroots backend" in log.read_text(), DEADLINE)
        assert wait_for(lambda: blocked_in_wait(cage.pid), DEADLINE), log.read_text()
        assert cage.poll() is None, "cage exited: this cage does not hang, the wrapper is moot"
    finally:
        end(cage)


def test_wrapper_ends_when_cage_fails(session: UserSession, tmp_path: Path) -> None:
    log = tmp_path / "screen.log"
    screen = pam_like(
        session, ["/bin/sh", str(KIOSK_SCREEN), "true"], log, WLR_BACKENDS="none-such"
    )
    try:
        screen.wait(timeout=DEADLINE)
    finally:
        end(screen)
    output = log.read_text()
    assert screen.returncode == 1, output
    assert "Unable to create the wlroots backend" in output
    assert "kiosk-screen: cage exited with status 1" in output


def test_wrapper_ends_when_the_app_exits(session: UserSession, tmp_path: Path) -> None:
    """The app (here `true`) ends, so cage ends, so the unit ends and systemd restarts it."""
    log = tmp_path / "screen.log"
    screen = pam_like(session, ["/bin/sh", str(KIOSK_SCREEN), "/bin/true"], log, **HEADLESS)
    try:
        screen.wait(timeout=DEADLINE)
    finally:
        end(screen)
    assert screen.returncode == 0, log.read_text()


@pytest.mark.skipif(missing("unshare", "mount") != [], reason="needs unshare and mount")
def test_wrapper_names_a_missing_xwayland(session: UserSession, tmp_path: Path) -> None:
    """The field failure: Xwayland not installed. Hidden here in a private mount namespace."""
    blank = tmp_path / "not-xwayland"
    blank.write_text("")
    blank.chmod(0o644)  # not executable, so `test -x` and wlroots both find no Xwayland
    log = tmp_path / "screen.log"
    hide_and_run = f"mount --bind {blank} /usr/bin/Xwayland && exec " + " ".join(
        session.argv(["/bin/sh", str(KIOSK_SCREEN), "/bin/true"])
    )
    with log.open("wb") as output:
        result = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide_and_run],
            env=session.env(**HEADLESS),
            cwd=session.home,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=DEADLINE,
            check=False,
        )
    text = log.read_text()
    if "mount:" in text or "unshare:" in text:
        pytest.skip(f"no private mount namespace here: {text.strip()}")
    assert result.returncode == 1, text
    assert "/usr/bin/Xwayland is missing" in text
    assert "apt-get install xwayland" in text


def children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for task in tasks for c in (task / "children").read_text().split()]
    except OSError:
        return []


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_stopping_the_wrapper_stops_cage(session: UserSession, tmp_path: Path) -> None:
    """Stopping kiosk.service signals only its main process: pam_systemd has moved cage
    into the login session's scope, out of the unit's cgroup. The wrapper passes it on."""
    log = tmp_path / "screen.log"
    screen = pam_like(session, ["/bin/sh", str(KIOSK_SCREEN), "/bin/sleep", "600"], log, **HEADLESS)
    try:
        cage = wait_for(
            lambda: next((c for c in children(screen.pid) if command_name(c) == "cage"), None),
            DEADLINE,
        )
        assert cage, log.read_text()
        assert wait_for(lambda: any(session.runtime.glob("wayland-*[0-9]")), DEADLINE)
        screen.terminate()  # SIGTERM to the wrapper alone, as systemd's stop does here
        screen.wait(timeout=DEADLINE)
        assert wait_for(lambda: not Path(f"/proc/{cage}").exists(), DEADLINE), "cage outlived it"
    finally:
        end(screen)
