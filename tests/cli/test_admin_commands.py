"""The `kiosk` administration commands as a new user would run them, end to end on a real
database file: awards and refusals, a mutual-help declaration, a corrected dispute, the
quarter's notice printed, honours, freezes, a reissued card and codes in a picture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk.cli import main
from kiosk.printables.cards import CardFace, render_card
from tests.support.builders import dump
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")


class Kiosk:
    """Runs `kiosk ...` in-process against the test database at a fixed clock."""

    def __init__(self, db: Db, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch):
        self.capsys = capsys
        self.mp = mp
        mp.setenv("KIOSK_DB", db.url)
        self.at("2026-11-16T09:00")

    def at(self, when: str) -> None:
        self.mp.setenv("KIOSK_NOW", when)

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def kiosk(db: Db, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Kiosk:
    monkeypatch.delenv("KIOSK_CARD_KEY", raising=False)
    monkeypatch.delenv("KIOSK_EVIDENCE_DIR", raising=False)
    return Kiosk(db, capsys, monkeypatch)


def balance(kiosk: Kiosk, code: str) -> int:
    return int(kiosk.json("household", "show", code)["balance"])


def test_a_quarter_of_village_administration(kiosk: Kiosk, db: Db, tmp_path: Path) -> None:
    admin = ("--operator", "admin-heping")

    # 45 cigarette boxes: two batches of 20 at 5 points; 5 boxes left unpaid.
    cigarettes = kiosk.json("award", "HP0001", "P13.1", "--qty", "45", *admin)
    assert [(e["points"], e["remainder"]) for e in cigarettes["entries"]] == [(10, 5)]

    # 清洁卫生 once a month: the second award of November is refused with the reason.
    assert kiosk("award", "HP0001", "P09", *admin)[0] == 0
    kiosk.at("2026-11-20T09:00")
    code, _out, err = kiosk("award", "HP0001", "P09", *admin)
    assert code == 2 and "本月已计过分（2026-11-16）" in err and "once per month" in err

    # 垃圾分类不清: three warnings, then the first deduction.
    kinds = [kiosk.json("award", "HP0001", "N11", *admin)["entries"][0] for _ in range(4)]
    assert [(k["kind"], k["points"]) for k in kinds] == [("warning", 0)] * 3 + [("deduction", -2)]
    assert balance(kiosk, "HP0001") == 18

    # A mutual-help declaration with a photo, approved: both households credited.
    picture = tmp_path / "cleaning.jpg"
    Image.new("RGB", (60, 40), (30, 120, 60)).save(picture)
    filed = kiosk.json(
        "declaration", "file", "HP0002", "P08", "--helper", "HP0003",
        "--description", "帮助打扫村委会门前公共区域", "--photo", str(picture),
    )  # fmt: skip
    assert filed["status"] == "pending"
    assert (db.evidence_dir / filed["evidence"][0]).exists()
    pending = kiosk.json("declaration", "list", "--village", "和平")
    assert [d["id"] for d in pending] == [filed["id"]]
    approved = kiosk.json("declaration", "approve", filed["id"][:8], *admin)
    assert (approved["status"], approved["points"]) == ("approved", 20)
    again = kiosk.json("declaration", "approve", filed["id"][:8], *admin)
    assert again["replayed"] and again["entry_ids"] == approved["entry_ids"]
    assert (balance(kiosk, "HP0002"), balance(kiosk, "HP0003")) == (20, 20)
    seen = kiosk.json("declaration", "list", "--household", "HP0002")
    assert [d["status"] for d in seen] == ["approved"]

    # The villager disputes the deduction; the committee corrects it: balance restored.
    kiosk.at("2026-11-25T09:00")
    disputed = kinds[3]["id"]
    raised = kiosk.json(
        "dispute", "raise", disputed[:8], "--by", "林小禾", "--description", "当天已分类"
    )
    corrected = kiosk.json(
        "dispute", "correct", raised["id"][:8], "--note", "核实属实，撤销扣分", *admin
    )
    assert (corrected["status"], corrected["decided_by"]) == ("corrected", "admin-heping")
    assert balance(kiosk, "HP0001") == 20
    code, _out, err = kiosk("dispute", "uphold", raised["id"], "--note", "再议", *admin)
    assert code == 2 and "不能再次处理" in err
    entries = kiosk.json("household", "show", "HP0001")["entries"]
    assert [e["kind"] for e in entries][-2:] == ["deduction", "correction"]

    # The quarter's notice: JSON, then the PDF and the CSV for the board.
    kiosk.at("2026-12-28T09:00")
    notice = kiosk.json("notice", "--village", "和平", "--quarter", "2026Q4")
    assert [(r["rank"], r["code"], r["masked_name"], r["earned_quarter"]) for r in notice["rows"]] == [
        (1, "HP0001", "林*禾", 20),
        (1, "HP0002", "欧**燕", 20),
        (1, "HP0003", "宋*", 20),
        (4, "HP0004", "陶*帆", 0),
    ]  # fmt: skip
    assert notice["village_average"] == 15.0
    pdf, csv_file = tmp_path / "notice.pdf", tmp_path / "notice.csv"
    code, out, _err = kiosk("notice", "--village", "和平", "--quarter", "2026Q4", "--out", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF") and "1 页" in out
    assert (
        kiosk("notice", "--village", "heping", "--quarter", "2026Q4", "--out", str(csv_file))[0]
        == 0
    )
    assert "HP0002,欧**燕,2组,20,20,20" in csv_file.read_text(encoding="utf-8-sig")

    honours = kiosk.json("honours", "--village", "和平", "--month", "2026-11")
    assert {h["code"] for h in honours["top"]} == {"HP0001", "HP0002", "HP0003"}

    # A freeze shows in the list with its dates and reason.
    assert kiosk("freeze", "HP0004", "--until", "2027-01-31", "--reason", "影响期", *admin)[0] == 0
    frozen = kiosk.json("freezes", "--village", "和平")
    assert [(f["code"], f["until"], f["reason"]) for f in frozen] == [
        ("HP0004", "2027-01-31", "影响期")
    ]

    # A lost card: reissued with the new card written; a photo of the old one is refused.
    old_payload = kiosk("household", "payload", "HP0001")[1].strip()
    new_card = tmp_path / "new-card.png"
    reissued = kiosk.json("card", "reissue", "HP0001", *admin, "--out", str(new_card))
    assert reissued["version"] == 2 and new_card.exists()
    old_photo = tmp_path / "old-card.png"
    render_card(CardFace(old_payload, "HP0001", "和平", "1组", "林小禾", 1)).save(old_photo)
    code, _out, err = kiosk("scan-image", str(old_photo))
    assert code == 2 and "此卡已挂失补办" in err
    code, out, _err = kiosk("scan-image", str(new_card))
    assert code == 0 and "HP0001 林*禾" in out

    assert kiosk("check")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("notice", "--village", "和平", "--quarter", "2026Q9"), "2026Q9"),
        (("notice", "--village", "和平", "--quarter", "2026Q4", "--out", "x.txt"), ".pdf 或 .csv"),
        (("notice", "--village", "不存在", "--quarter", "2026Q4"), "没有这个村"),
        (("honours", "--village", "和平", "--month", "2026-13"), "YYYY-MM"),
        (("declaration", "approve", "0000000000", "--operator", "admin-heping"), "找不到这条申报"),
        (
            ("dispute", "raise", "0000000000", "--by", "林", "--description", "x"),
            "找不到这条积分记录",
        ),
        (("card", "reissue", "HP0001", "--operator", "shop-heping"), "无权"),
        (("card", "print", "HP0001", "--out", "card.gif"), ".png 或 .pdf"),
        (("declaration", "file", "HP0001", "N03", "--description", "x"), "正面清单"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(
    kiosk: Kiosk, db: Db, argv: tuple[str, ...], message: str
) -> None:
    before = dump(db.path)
    code, _out, err = kiosk(*argv)
    assert code == 2
    assert message in err and " / " in err  # Chinese, then English
    assert dump(db.path) == before


def test_scan_image_of_something_without_codes(kiosk: Kiosk, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), (255, 255, 255)).save(blank)
    code, _out, err = kiosk("scan-image", str(blank))
    assert code == 2 and "没有找到二维码" in err
    not_a_picture = tmp_path / "notes.txt"
    not_a_picture.write_text("hello")
    code, _out, err = kiosk("scan-image", str(not_a_picture))
    assert code == 2 and "无法读取图片" in err


def test_print_one_card_as_png_and_as_a_page(kiosk: Kiosk, tmp_path: Path) -> None:
    png, pdf = tmp_path / "card.png", tmp_path / "card.pdf"
    assert kiosk("card", "print", "HP0002", "--out", str(png))[0] == 0
    assert kiosk("card", "print", "HP0002", "--out", str(pdf))[0] == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, _err = kiosk("scan-image", str(png), "--json")
    assert code == 0
    assert [(c["kind"], c["household_code"]) for c in json.loads(out)] == [("household", "HP0002")]
