"""cage headless running foot, as an unprivileged user, read back by screenshots and OCR."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

REPO = Path(__file__).resolve().parents[2]
FOOT_INI = REPO / "systemd" / "foot.ini"
SCREENS = REPO / "build" / "screens"  # gitignored; CI keeps it as an artefact
KIOSK_SCREEN = REPO / "systemd" / "kiosk-screen"

# cage refuses to run as root (it drops privileges and checks it cannot regain them), and
# the kiosk runs as its own system user: the tests use nobody.
NOBODY = 65534
# What a shop PC's DRM output is replaced by: no GPU, no input devices.
HEADLESS = {"WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}
SCREEN_PROGRAMS = ("cage", "Xwayland", "foot", "grim", "tesseract", "setpriv")

T = TypeVar("T")


def missing(*programs: str) -> list[str]:
    return [name for name in programs if shutil.which(name, path="/usr/bin:/bin") is None]


def wait_for(check: Callable[[], T | None], timeout: float, interval: float = 0.2) -> T | None:
    """Poll `check` until it returns something truthy or `timeout` seconds have passed.

    Never a fixed sleep: on a loaded CI machine start-up can take many times longer than
    here, and the deadline is only there so that a broken screen fails instead of hanging.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


@dataclass(frozen=True)
class UserSession:
    """A home and an XDG runtime directory for nobody, as logind would give the kiosk user."""

    base: Path

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def runtime(self) -> Path:
        return self.base / "run"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "LANG": "C.UTF-8",
            **extra,
        }

    def argv(self, command: list[str]) -> list[str]:
        return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]

    def run(self, command: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(command),
            env=self.env(),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@contextlib.contextmanager
def user_session() -> Iterator[UserSession]:
    # Under /tmp, not pytest's tmp_path: that sits in a folder only root may enter.
    base = Path(tempfile.mkdtemp(prefix="kiosk-screen-", dir="/tmp"))
    try:
        base.chmod(0o755)
        session = UserSession(base)
        for path, mode in ((session.home, 0o755), (session.runtime, 0o700)):
            path.mkdir()
            os.chown(path, NOBODY, NOBODY)
            path.chmod(mode)
        yield session
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _world_reachable(path: Path) -> bool:
    """Whether anyone may execute `path`: every folder above it searchable by others.

    Decided from the modes rather than by trying, because a try through the sandbox's
    process launcher answered differently from the same exec under foot.
    """
    try:
        if not path.stat().st_mode & stat.S_IXOTH:
            return False
        return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)
    except OSError:
        return False


def kiosk_command(session: UserSession) -> list[str] | None:
    """How nobody starts `kiosk`, or None when it cannot.

    The test venv's interpreter may live where nobody cannot go (pyenv under /root); then
    Debian's python3 of the same version runs the venv's packages (same ABI).
    """
    venv_kiosk = Path(sys.executable).parent / "kiosk"
    if _world_reachable(Path(sys.executable).resolve()) and _world_reachable(venv_kiosk):
        return [str(venv_kiosk)]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system_python = Path("/usr/bin") / version
    site_packages = Path(sys.prefix) / "lib" / version / "site-packages"
    command = [
        str(system_python),
        "-c",
        f"import site, sys; site.addsitedir({str(site_packages)!r}); "
        "from kiosk.main import main; sys.argv[0] = 'kiosk'; sys.exit(main())",
    ]
    if system_python.exists() and session.run([*command, "--help"]).returncode == 0:
        return command
    return None


class Screen:
    """cage (headless) running `command` as nobody; foot's and cage's log go to `log_path`."""

    def __init__(
        self, session: UserSession, command: list[str], log_path: Path, **env: str
    ) -> None:
        self.session = session
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.process = subprocess.Popen(
            session.argv(command),
            env=session.env(**HEADLESS, **env),
            cwd=session.home,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so close() ends all of it
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def display(self) -> str | None:
        sockets = sorted(p.name for p in self.session.runtime.glob("wayland-*[0-9]"))
        return sockets[0] if sockets else None

    def screenshot(self, name: str) -> Path | None:
        """A PNG of the whole output in build/screens/NAME, or None when grim cannot take it."""
        display = self.display()
        if display is None:
            return None
        taken = self.session.home / name
        result = subprocess.run(
            self.session.argv(["grim", str(taken)]),
            env=self.session.env(WAYLAND_DISPLAY=display),
            capture_output=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0 or not taken.exists():
            return None
        SCREENS.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(taken, SCREENS / name))

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self._log.close()


# --- reading the screen ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What Tesseract read: the text without spaces, and each character's word confidence."""

    text: str
    confidence: tuple[float, ...]

    def find(self, phrase: str) -> float | None:
        """The lowest confidence over the characters of `phrase`, None when it was not read."""
        index = self.text.find(phrase)
        if index < 0:
            return None
        return min(self.confidence[index : index + len(phrase)])

    def chinese_confidence(self) -> float:
        """The mean confidence over every Chinese character read (0 when none was)."""
        values = [
            confidence
            for character, confidence in zip(self.text, self.confidence, strict=True)
            if "\u4e00" <= character <= "\u9fff"
        ]
        return sum(values) / len(values) if values else 0.0


def ocr(png: Path, languages: str = "chi_sim") -> Reading:
    """Tesseract over the screenshot, made dark-on-light and twice the size.

    Tesseract is trained on printed pages: light text on the terminal's dark background and
    21-pixel glyphs read far worse than the same screen inverted and enlarged.
    """
    from PIL import Image, ImageOps

    prepared = png.with_name(png.stem + ".ocr.png")
    with Image.open(png) as image:
        gray = ImageOps.invert(image.convert("L"))
        gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.LANCZOS).save(prepared)
    result = subprocess.run(
        ["tesseract", str(prepared), "-", "-l", languages, "--psm", "6", "tsv"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    prepared.unlink(missing_ok=True)
    text: list[str] = []
    confidence: list[float] = []
    for line in result.stdout.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or fields[0] != "5":  # level 5: a word
            continue
        word = "".join(fields[11].split())
        text.append(word)
        confidence.extend([float(fields[10])] * len(word))
    return Reading("".join(text), tuple(confidence))


# --- typing into the app -----------------------------------------------------------------


def terminal_of(marker: str) -> Path | None:
    """The pty of the process whose command line contains `marker` (the app inside foot)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            tty = os.readlink(entry / "fd" / "0")
        except OSError:
            continue
        if marker in cmdline and tty.startswith("/dev/pts/"):
            return Path(tty)
    return None


def type_into(tty: Path, text: str, *, pace: float = 0.0) -> None:
    """Put `text` into the terminal's input queue as if typed (TIOCSTI; needs root here).

    `pace` seconds between keys types like a person; 0 types like a scanner, whose burst
    the app tells apart from typing by its speed (kiosk/tui/scanning.py).

    Wayland virtual keyboards did not reach the app under cage here; a keyboard-mode
    scanner's keys end up in this very queue through foot anyway.
    """
    descriptor = os.open(tty, os.O_RDWR | os.O_NOCTTY)
    try:
        for byte in text.encode():
            fcntl.ioctl(descriptor, termios.TIOCSTI, bytes([byte]))
            if pace:
                time.sleep(pace)
    finally:
        os.close(descriptor)
