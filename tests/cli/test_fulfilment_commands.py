"""The `kiosk` commands of fulfilment, run as a shopkeeper would, with KIOSK_NOW moving the clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.printing.preview import preview_text
from tests.support.worlds import RICE_COOKER, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


class Kiosk:
    """Runs `kiosk ...` in this process against one database, at a chosen KIOSK_NOW."""

    def __init__(
        self, db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("KIOSK_DB", f"sqlite:///{db_path}")
        monkeypatch.setenv("KIOSK_CONFIG", str(db_path.parent / "no-kiosk.toml"))
        monkeypatch.delenv("KIOSK_PRINTER", raising=False)

    def at(self, now: str) -> Kiosk:
        self.monkeypatch.setenv("KIOSK_NOW", now)
        return self

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert code == 0, err
        return out

    def json(self, *argv: str) -> object:
        return json.loads(self.ok(*argv, "--json"))

    def check(self) -> None:
        code, out, err = self.run("check")
        assert code == 0, out + err


@pytest.fixture
def kiosk(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Kiosk:
    return Kiosk(db_path, monkeypatch, capsys)


def test_toothpaste_now_rice_cooker_late_by_the_receipts_code(kiosk: Kiosk, tmp_path: Path) -> None:
    kiosk.at("2026-12-01T10:00")
    redeemed = kiosk.json(
        "redeem", "HP0001", str(TOOTHPASTE), str(RICE_COOKER), "--operator", "shop-heping"
    )
    assert isinstance(redeemed, dict)
    number = redeemed["order"]
    out = kiosk.ok("handover", number, "1", "--operator", "shop-heping")
    assert "1. 牙膏" in out and "still pending: 2" in out and "queued" in out
    kiosk.check()

    # Eight days on, the rice cooker (due 12-08 10:00) is overdue.
    kiosk.at("2026-12-09T10:00")
    overdue = kiosk.json("orders", "--status", "overdue")
    assert overdue == [
        {
            "order": number,
            "order_id": redeemed["order_id"],
            "household": "HP0001",
            "village": "heping",
            "exchange_point": "heping-shop",
            "created_at": "2026-12-01T10:00:00+08:00",
            "total": 183,
            "lines": [
                {
                    "line_no": 2,
                    "item_no": RICE_COOKER,
                    "name": "电饭煲",
                    "quantity": 1,
                    "points": 180,
                    "status": "overdue",
                    "due_at": "2026-12-08T10:00:00+08:00",
                    "handed_at": None,
                    "late": True,
                    "cancelled_at": None,
                    "cancel_reason": None,
                }
            ],
        }
    ]
    deadlines = kiosk.json("deadlines")
    assert isinstance(deadlines, dict)
    assert deadlines["counts"] == {"overdue": 1, "due_today": 0}

    # Scanning the receipt before the goods arrived is refused with the reason.
    code, _, err = kiosk.run("handover", f"JFO:{number}", "--operator", "shop-heping")
    assert code == 2 and "电饭煲" in err and "stock" in err
    kiosk.check()

    restocked = kiosk.json("restock", str(RICE_COOKER), "1", "--operator", "shop-heping")
    assert isinstance(restocked, dict)
    assert [(row["order"], row["line_no"]) for row in restocked["ready"]] == [(number, 2)]

    paper = tmp_path / "printer.bin"
    handed = kiosk.json(
        "handover",
        f"JFO:{number}",
        "--operator",
        "shop-heping",
        "--printer",
        f"file:{paper}",
    )
    assert isinstance(handed, dict)
    assert handed["late"] == 1 and handed["printed"] is True and handed["pending"] == []
    assert [(line["name"], line["late"]) for line in handed["lines"]] == [("电饭煲", True)]
    # The queue printed both slips, oldest first: the toothpaste's and the late rice cooker's.
    text = preview_text(paper.read_bytes())
    assert text.index("1. 牙膏") < text.index("2. 电饭煲") < text.index("其中逾期到位")
    kiosk.check()

    ontime = kiosk.json("ontime", "--month", "2026-12")
    assert isinstance(ontime, dict)
    heping = next(
        row for row in ontime["exchange_points"] if row["exchange_point"] == "heping-shop"
    )
    assert (heping["on_time"], heping["due"], heping["late"], heping["rate"]) == (1, 2, 1, 0.5)
    assert "1/2" in kiosk.ok("ontime", "--month", "2026-12")

    code, _, err = kiosk.run("handover", number, "2", "--operator", "shop-heping")
    assert code == 2 and "already handed over" in err
    kiosk.check()


def test_cancel_from_the_command_line(kiosk: Kiosk) -> None:
    kiosk.at("2026-12-01T10:00")
    redeemed = kiosk.json("redeem", "HP0002", str(RICE_COOKER), "--operator", "shop-heping")
    assert isinstance(redeemed, dict)
    number = redeemed["order"]
    code, _, err = kiosk.run("cancel", number, "1", "--reason", "断货", "--operator", "shop-heping")
    assert code == 2 and "administrator" in err
    cancelled = kiosk.json(
        "cancel", f"JFO:{number}", "1", "--reason", "断货", "--operator", "admin-heping"
    )
    assert isinstance(cancelled, dict)
    assert cancelled["refunded"] == 180
    assert cancelled["balance_after"] == redeemed["balance_before"]
    code, _, err = kiosk.run(
        "cancel", number, "1", "--reason", "再来", "--operator", "street-admin"
    )
    assert code == 2 and "already cancelled" in err
    assert kiosk.json("orders", "--status", "cancelled") != []
    kiosk.check()


def test_bad_input_exits_two_with_a_message(kiosk: Kiosk) -> None:
    kiosk.at("2026-12-01T10:00")
    for argv, words in (
        (("restock", "29", "0", "--operator", "shop-heping"), "9999"),
        (("restock", "99", "1", "--operator", "shop-heping"), "99"),
        (("handover", "HP0001", "--operator", "shop-heping"), "JFO"),
        (("handover", "K-HP-01-424242", "--operator", "shop-heping"), "K-HP-01-424242"),
        (("ontime", "--month", "2026-13"), "YYYY-MM"),
        (("orders", "--village", "无此村"), "无此村"),
    ):
        code, _, err = kiosk.run(*argv)
        assert code == 2, argv
        assert words in err, (argv, err)
        assert "错误 / error" in err
    kiosk.check()


def test_the_kiosk_command_lists_the_fulfilment_subcommands() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kiosk"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("orders", "handover", "cancel", "restock", "deadlines", "ontime"):
        assert command in result.stdout
