"""Rankings count earnings only: a bonus taken back on dispute is not negative earnings, and
equal households are listed by code.

The seed: 年度累计获得积分前五激励 每户奖励500积分 / 月度累计获得积分前五激励 每户奖励50积分.
What a household "获得" in a period is its deeds (awards, deductions, warnings and their
corrections); a bonus is the reward for a ranking, not a deed, and neither is taking it back.
"""

from __future__ import annotations

from tests.rules.scenario import Demo, at


def _earned(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(row["code"], row["earned"]) for row in rows]


def test_a_bonus_taken_back_is_not_negative_earnings(demo: Demo) -> None:
    # January 2027, 和平: HP0001 100, HP0002 60, HP0003 40, HP0004 20, HP0005 10, HP0006 0.
    demo.award(at(2027, 1, 10), "HP0001", "P01")
    demo.award(at(2027, 1, 11), "HP0002", "P02", 3)
    demo.award(at(2027, 1, 12), "HP0003", "P02", 2)
    demo.award(at(2027, 1, 13), "HP0004", "P08")
    demo.award(at(2027, 1, 14), "HP0005", "P03")
    january = demo.ok(at(2027, 2, 1, 4, 30), "close-month", "2027-01")
    heping = [b for b in january["bonuses"] if b["village"] == "和平"]
    assert [(b["household_code"], b["earned"]) for b in heping] == [
        ("HP0001", 100), ("HP0002", 60), ("HP0003", 40), ("HP0004", 20), ("HP0005", 10),
    ]  # fmt: skip
    bonus_id = heping[0]["entry_id"]

    # February: the committee takes HP0001's January bonus back on a dispute.
    raised = demo.ok(at(2027, 2, 5), "dispute", "raise", bonus_id, "--by", "邻居", "--description", "前五名单有误")  # fmt: skip
    demo.ok(at(2027, 2, 6), "dispute", "correct", raised["id"], "--note", "核实后收回", "--operator", "admin-heping")  # fmt: skip
    assert [e.points for e in demo.entries("HP0001", kind="correction")] == [-50]

    # February's deeds: HP0001 60, HP0002 30, HP0003 20, HP0004 -2, HP0005 40, HP0006 40.
    demo.award(at(2027, 2, 10), "HP0001", "P02", 3)
    demo.award(at(2027, 2, 10), "HP0002", "P08")
    demo.award(at(2027, 2, 11), "HP0002", "P03")
    demo.award(at(2027, 2, 12), "HP0003", "P08")
    demo.award(at(2027, 2, 13), "HP0004", "N03")
    demo.award(at(2027, 2, 14), "HP0005", "P02", 2)
    demo.award(at(2027, 2, 15), "HP0006", "P08", 2)

    # By hand: HP0001 earned 60 in February, not 60 - 50 = 10 (which would drop it to sixth).
    february = demo.ok(at(2027, 3, 1, 4, 30), "close-month", "2027-02")
    assert [
        (b["household_code"], b["earned"]) for b in february["bonuses"] if b["village"] == "和平"
    ] == [("HP0001", 60), ("HP0005", 40), ("HP0006", 40), ("HP0002", 30), ("HP0003", 20)]
    month = demo.ok(at(2027, 3, 2), "honours", "--village", "和平", "--month", "2027-02")
    assert _earned(month["top"]) == [
        ("HP0001", 60), ("HP0005", 40), ("HP0006", 40), ("HP0002", 30), ("HP0003", 20),
    ]  # fmt: skip
    assert month["average"] == round((60 + 30 + 20 - 2 + 40 + 40) / 6, 2)  # 31.33
    assert _earned(month["above_average"]) == [("HP0001", 60), ("HP0005", 40), ("HP0006", 40)]

    # The quarter's notice (no deeds in March) and the year: earnings only, bonuses nowhere.
    year_earned = {"HP0001": 160, "HP0002": 90, "HP0003": 60, "HP0004": 18, "HP0005": 50,
                   "HP0006": 40}  # fmt: skip
    notice = demo.ok(at(2027, 4, 1, 9), "notice", "--village", "和平", "--quarter", "2027Q1")
    rows = {row["code"]: row for row in notice["rows"]}
    assert {code: rows[code]["earned_quarter"] for code in year_earned} == year_earned
    assert {code: rows[code]["earned_year"] for code in year_earned} == year_earned
    assert notice["village_average"] == round(418 / 6, 2)  # 69.67
    # Balances do hold the bonuses: January's (credited 1 February, HP0001's taken back) and
    # February's (credited 1 March).
    balances = {"HP0001": 160 + 50 - 50 + 50, "HP0002": 90 + 50 + 50, "HP0003": 60 + 50 + 50,
                "HP0004": 18 + 50, "HP0005": 50 + 50 + 50, "HP0006": 40 + 50}  # fmt: skip
    assert {code: rows[code]["balance"] for code in balances} == balances
    assert [row["code"] for row in notice["rows"]] == [
        "HP0001", "HP0002", "HP0003", "HP0005", "HP0006", "HP0004",
    ]  # fmt: skip

    year = demo.ok(at(2028, 1, 1, 5, 30), "close-year", "2027")
    assert [(b["household_code"], b["earned"]) for b in year["bonuses"] if b["village"] == "和平"] == [
        ("HP0001", 160), ("HP0002", 90), ("HP0003", 60), ("HP0005", 50), ("HP0006", 40),
    ]  # fmt: skip
    assert demo.ok(at(2028, 1, 2), "check")["ok"]


def test_ties_are_listed_by_household_code(demo: Demo) -> None:
    # HP0004's id sorts before HP0003's; the lists must not follow ids.
    for code, qty in (("HP0001", 5), ("HP0002", 4), ("HP0003", 2), ("HP0004", 2), ("HP0005", 2),
                      ("HP0006", 1)):  # fmt: skip
        demo.award(at(2027, 5, 10), code, "P02", qty)
    closed = demo.ok(at(2027, 6, 1, 4, 30), "close-month", "2027-05")
    assert [
        (b["household_code"], b["earned"]) for b in closed["bonuses"] if b["village"] == "和平"
    ] == [("HP0001", 100), ("HP0002", 80), ("HP0003", 40), ("HP0004", 40), ("HP0005", 40)]
    honours = demo.ok(at(2027, 6, 2), "honours", "--village", "和平", "--month", "2027-05")
    assert [row["code"] for row in honours["top"]] == [
        "HP0001", "HP0002", "HP0003", "HP0004", "HP0005",
    ]  # fmt: skip
    assert [row["code"] for row in honours["above_average"]] == ["HP0001", "HP0002"]
