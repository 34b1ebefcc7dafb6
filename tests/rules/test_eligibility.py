"""Who may receive points and redeem them: helpers, participation, evidence, 美丽庭院.

Each test quotes the words of the seed it follows; every refusal writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.rules.scenario import Demo, at


def test_a_helper_must_be_of_the_households_village(demo: Demo) -> None:
    """互助申报: 可由熟悉的邻居、亲朋、村管理员等帮助其申报积分，互助申报中提供帮助的一方可获得同等的
    积分奖励 — a neighbour: the helper's equal award counts in its own village's rankings."""
    before = demo.entry_count()
    refused = demo.cli(
        at(2027, 3, 3), "award", "HP0001", "P08", "--helper", "XZG0001",
        "--operator", "street-admin", "--json",
    )  # fmt: skip
    assert refused.code != 0
    assert "本村" in refused.err
    assert demo.entry_count() == before

    done = demo.ok(at(2027, 3, 3), "award", "HP0001", "P08", "--helper", "HP0002", "--operator", "admin-heping")  # fmt: skip
    assert [(e["household"], e["points"]) for e in done["entries"]] == [
        ("HP0001", 20),
        ("HP0002", 20),
    ]


def test_a_household_that_does_not_take_part_cannot_redeem(demo: Demo) -> None:
    """长期外出的本村村民（每年在家居住时间不超过3个月）原则上不参与积分制管理，若本人有意愿参与的，
    可纳入积分制管理 — one that does not take part neither earns nor redeems."""
    demo.award(at(2027, 3, 1), "HP0006", "P08")  # earned while at home
    # The register is kept at the street office and reaches the kiosk by sync, which
    # upserts the household row: here, the row as the sync would leave it.
    _register(demo, "long_term_absent = 1, opted_in = 0")
    before = demo.entry_count()
    refused = demo.cli(at(2027, 3, 5), "redeem", "HP0006", "1", "--operator", "shop-heping")
    assert refused.code != 0
    assert "不能兑换" in refused.err
    assert demo.entry_count() == before
    assert demo.balance("HP0006", 2027) == 20

    # 若本人有意愿参与的，可纳入积分制管理: once it opts in, it redeems.
    _register(demo, "opted_in = 1")
    redeemed = demo.ok(at(2027, 3, 6), "redeem", "HP0006", "1", "--operator", "shop-heping")
    assert redeemed["total"] == 1
    assert demo.balance("HP0006", 2027) == 19


def _register(demo: Demo, change: str) -> None:
    with demo.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE household SET {change} WHERE code = 'HP0006'")


def _photo(path: Path) -> Path:
    Image.new("RGB", (8, 8), (200, 40, 40)).save(path, "PNG")
    return path


def test_a_self_declaration_needs_evidence(demo: Demo, tmp_path: Path) -> None:
    """自主申报: 申报时要正确选择对应正面清单中的加分项，并上传照片等相关证据."""
    when = at(2027, 3, 10)
    refused = demo.cli(when, "declaration", "file", "HP0001", "P08", "--description", "清扫村道", "--json")  # fmt: skip
    assert refused.code != 0
    assert "证据" in refused.err
    assert demo.ok(when, "declaration", "list", "--village", "和平") == []

    photo = _photo(tmp_path / "deed.png")
    filed = demo.ok(when, "declaration", "file", "HP0001", "P08", "--description", "清扫村道", "--photo", str(photo))  # fmt: skip
    assert len(filed["evidence"]) == 1
    # A mutual-help declaration is made for someone without a smartphone; photos optional.
    helped = demo.ok(when, "declaration", "file", "HP0003", "P08", "--helper", "HP0004", "--description", "代为申报")  # fmt: skip
    assert helped["evidence"] == []


def test_beautiful_courtyard_goes_to_households_above_the_village_average(demo: Demo) -> None:
    """参加"最美庭院""清洁庭院""星级文明户""卫生清洁户"等评比的必须是累计获得积分高于平均分的农户."""
    # June 2028: the last twelve months (from 1 June 2027) hold only these deeds.
    demo.award(at(2028, 6, 2), "HP0001", "P01")  # 100
    demo.award(at(2028, 6, 2), "HP0002", "P08")  # 20
    # Village average (six households taking part): 120 / 6 = 20.
    before = demo.entry_count()
    for code in ("HP0002", "HP0003"):  # 20 is not above 20; 0 is not either
        for rule in ("P05", "P06", "P07"):
            refused = demo.cli(at(2028, 6, 5), "award", code, rule, "--operator", "admin-heping")
            assert refused.code != 0, (code, rule)
            assert "平均" in refused.err
    assert demo.entry_count() == before
    done = demo.ok(at(2028, 6, 5), "award", "HP0001", "P07", "--operator", "admin-heping")
    assert done["entries"][0]["points"] == 10
