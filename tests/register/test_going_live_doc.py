"""docs/going-live.md, run: every `central` and `kiosk` block of the checklist in order, in
bash, on a central SQLite file served over loopback HTTP and an empty kiosk, with the guide's
setup blocks replaced by this machine's paths; and the Chinese guide has the same commands."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.db import open_database
from tests.register.conftest import HEADER, NOW, fictional_name, write_xlsx
from tests.sync.harness import Clock, LiveServer

ROOT = Path(__file__).resolve().parents[2]
GUIDES = (ROOT / "docs" / "going-live.md", ROOT / "docs" / "zh" / "going-live.md")
BLOCK = re.compile(r"^```sh (\S+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
KIOSK = Path(sys.executable).with_name("kiosk")


def blocks(path: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(path.read_text(encoding="utf-8"))]


def test_the_chinese_guide_has_the_same_commands() -> None:
    english, chinese = (blocks(path) for path in GUIDES)

    assert english and english == chinese


def _run(block: str, env: dict[str, str], cwd: Path) -> str:
    script = f'set -euo pipefail\nkiosk() {{ "{KIOSK}" "$@"; }}\n{block}'
    done = subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def _roster(path: Path) -> None:
    rng = random.Random(3)
    rows: list[list[str]] = []
    for village in ("和平", "双丰", "水峰"):
        heads = sorted({fictional_name(rng) for _ in range(5)})
        rows += [[village, "1组", head, "", "本村", "否", ""] for head in heads]
    write_xlsx(path, [HEADER, *rows])


def test_every_command_of_the_guide_runs_in_order(tmp_path: Path) -> None:
    central_db = tmp_path / "central.db"
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "KIOSK_NOW": NOW.isoformat(),
    }
    central = {
        **base,
        "KIOSK_DB": f"sqlite:///{central_db}",
        "KIOSK_CARD_KEY": str(tmp_path / "card-signing.key"),
    }
    kiosk = {**base, "KIOSK_DB": f"sqlite:///{tmp_path / 'kiosk.db'}", "KIOSK_ID": "K-HP-01"}
    _run("kiosk central init", central, tmp_path)  # what install.sh --role central did
    _roster(tmp_path / "花名册.xlsx")
    engine = open_database(central["KIOSK_DB"])
    server = LiveServer(engine, Clock(NOW))
    kiosk["KIOSK_CENTRAL_URL"] = server.url
    ran: list[str] = []
    try:
        for role, block in blocks(GUIDES[0]):
            if role.endswith("-setup"):
                continue  # the server's paths: replaced by `central` and `kiosk` above
            out = _run(block, central if role == "central" else kiosk, tmp_path)
            secret = re.search(r"同步密钥（只显示这一次）：(\S+)", out)
            if secret:
                kiosk["KIOSK_SYNC_SECRET"] = secret.group(1)
            ran.append(role)
    finally:
        server.stop()
        engine.dispose()

    assert ran.count("central") >= 6 and ran.count("kiosk") == 2
    assert (tmp_path / "和平-cards.pdf").exists() and (tmp_path / "和平-new-cards.pdf").exists()


@pytest.mark.parametrize("guide", GUIDES, ids=["en", "zh"])
def test_the_guide_names_no_real_person(guide: Path) -> None:
    text = guide.read_text(encoding="utf-8")

    assert not re.search(r"1[3-9]\d{9}", text)  # no phone numbers
