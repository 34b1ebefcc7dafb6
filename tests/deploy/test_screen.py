"""The kiosk screen read as a person reads it: cage, foot and `kiosk demo`, screenshots, OCR.

cage runs headless (no GPU, no input devices) as an unprivileged user, foot uses
systemd/foot.ini, and the app is the demo. grim takes screenshots into build/screens/
(kept by CI); Tesseract must read the sign-in dialog, and, after the PIN and a scanned
card are typed into the app's terminal, the household's balance. `make screen-test`.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.deploy.headless import (
    FOOT_INI,
    KIOSK_SCREEN,
    SCREEN_PROGRAMS,
    SCREENS,
    Reading,
    Screen,
    UserSession,
    kiosk_command,
    missing,
    ocr,
    terminal_of,
    type_into,
    user_session,
    wait_for,
)

# Generous: a cold start on a loaded 2-core CI machine, and Tesseract takes seconds a read.
START_DEADLINE = 180
STEP_DEADLINE = 120
# Tesseract's word confidence (0-100). Glyphs drawn as boxes (tofu) are not read as the
# characters at all; a blurred or clipped glyph reads with low confidence.
MIN_CONFIDENCE = 60
DEMO_PIN = "1111"  # the demo shopkeeper's (kiosk/core/seed.py DEMO_PINS)
DEMO_HOUSEHOLD = "HP0001"
# A person types a key in a few tenths of a second; the app tells a scanner by its speed.
PERSON_PACE = 0.15

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(missing(*SCREEN_PROGRAMS)),
        reason=f"needs {', '.join(missing(*SCREEN_PROGRAMS))} (Debian packages: cage xwayland "
        "foot grim tesseract-ocr tesseract-ocr-chi-sim; .ci/setup-debian installs them)",
    ),
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="needs root: to run cage as an unprivileged user (it refuses root) and to "
        "type into the app's terminal (TIOCSTI)",
    ),
]


def tesseract_has_chinese() -> bool:
    result = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=60, check=False
    )
    return "chi_sim" in result.stdout.split()


@pytest.fixture()
def session() -> Iterator[UserSession]:
    if not tesseract_has_chinese():
        pytest.skip("Tesseract lacks Simplified Chinese (Debian package: tesseract-ocr-chi-sim)")
    with user_session() as made:
        yield made


def read_until(screen: Screen, name: str, phrase: str, deadline: float) -> Reading:
    """Screenshot and OCR until `phrase` is read; fails naming what was read last."""
    last: list[Reading] = []

    def attempt() -> Reading | None:
        png = screen.screenshot(name)
        if png is None:
            return None
        reading = ocr(png)
        last[:] = [reading]
        return reading if reading.find(phrase) is not None else None

    found = wait_for(attempt, deadline, interval=0.5)
    if found is None:
        seen = last[0].text if last else "(no screenshot could be taken)"
        pytest.fail(
            f"{phrase} not read within {deadline} s on {SCREENS / name}; OCR read: {seen}\n"
            f"cage/foot log:\n{screen.log()[-3000:]}"
        )
    return found


def test_sign_in_then_household_read_from_the_screen(session: UserSession) -> None:
    kiosk = kiosk_command(session)
    if kiosk is None:
        pytest.skip("no Python that the unprivileged user may run with the project installed")
    demo = session.home / "demo"
    SCREENS.mkdir(parents=True, exist_ok=True)
    screen = Screen(
        session,
        # The same program as kiosk.service: the wrapper, cage, foot with the kiosk's
        # foot.ini, then the app.
        [
            "sh",
            str(KIOSK_SCREEN),
            "foot",
            f"--config={FOOT_INI}",
            *kiosk,
            "demo",
            "--dir",
            str(demo),
        ],
        SCREENS / "cage-foot.log",
    )
    try:
        sign_in = read_until(screen, "sign-in.png", "操作员登录", START_DEADLINE)
        # foot took the first font of foot.ini, the one that has the Chinese glyphs.
        font = re.search(r"fcft\.c:\d+: (\S+): size=16\.00pt", screen.log())
        assert font is not None, screen.log()
        assert font.group(1).endswith("wqy-microhei.ttc")
        # Every glyph is drawn, not a box: OCR reads these phrases character for character
        # (a box is never read as 操), and the Chinese it read, it read confidently.
        for phrase in ("棠香积分兑换", "操作员登录", "选择操作员", "的密码", "演示数据库"):
            assert sign_in.find(phrase) is not None, f"{phrase} not read: {sign_in.text}"
        assert sign_in.chinese_confidence() >= MIN_CONFIDENCE, sign_in
        assert "□" not in sign_in.text

        terminal = wait_for(lambda: terminal_of(str(demo)), 30)
        assert terminal is not None, "the app's terminal was not found"
        # Enter takes the first operator (the shopkeeper), then the PIN, as a person types.
        type_into(terminal, "\r" + DEMO_PIN + "\r", pace=PERSON_PACE)
        read_until(screen, "home.png", "请扫描积分卡", STEP_DEADLINE)

        payload = session.run(
            [
                *kiosk,
                "household",
                "payload",
                DEMO_HOUSEHOLD,
                "--db",
                f"sqlite:///{demo}/kiosk-demo.db",
            ]
        )
        assert payload.returncode == 0, payload.stderr
        # A keyboard-mode scanner: the whole code and Enter in one fast burst.
        type_into(terminal, payload.stdout.strip() + "\r")
        household = read_until(screen, "household.png", "积分余额", STEP_DEADLINE)
        assert household.find(DEMO_HOUSEHOLD) is not None, household.text
        assert screen.process.poll() is None, "the screen ended while in use"
    finally:
        screen.close()
