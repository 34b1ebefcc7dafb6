"""A December entry disputed in January, while the year's last notice is open to objections.

The seed: 每季度将村民的积分情况在醒目位置进行公示，接受广大村民的查询、监督。村民对积分有异议的，
可进行反映，村支两委调查核实后，根据调查情况作出处理 — and 年度内积分可累积使用...次年清零.
Objections to a year's entries are heard until the end of the next year's first quarter (the
notice says so); the correction is booked in the year of the entry it corrects, so that
year's rankings, average, notice and yearly bonus change, and the new year's points do not;
a bonus that changes hands does so by entries of their own.
"""

from __future__ import annotations

from tests.rules.scenario import Demo, at


def _heping(result: dict[str, list[dict[str, object]]]) -> list[tuple[object, object]]:
    return [(b["household_code"], b["earned"]) for b in result["bonuses"] if b["village"] == "和平"]


def test_a_december_entry_corrected_in_january_changes_the_old_year(demo: Demo) -> None:
    # December 2027, 和平: HP0001 100 (the entry to be found wrong), HP0002 80, HP0003 60,
    # HP0004 40, HP0005 20, HP0006 10.
    wrong = demo.award(at(2027, 12, 10), "HP0001", "P01")
    for code, rule, qty in (("HP0002", "P02", 4), ("HP0003", "P02", 3), ("HP0004", "P02", 2),
                            ("HP0005", "P08", 1), ("HP0006", "P03", 1)):  # fmt: skip
        demo.award(at(2027, 12, 11), code, rule, qty)
    december = demo.ok(at(2028, 1, 1, 4, 30), "close-month", "2027-12")
    assert _heping(december) == [
        ("HP0001", 100), ("HP0002", 80), ("HP0003", 60), ("HP0004", 40), ("HP0005", 20),
    ]  # fmt: skip
    year = demo.ok(at(2028, 1, 1, 5, 30), "close-year", "2027")
    assert _heping(year) == _heping(december)
    assert demo.balance("HP0001", 2028) == 50 + 500  # both bonuses credited to 2028

    # The Q4 notice, posted in January, says until when objections are heard.
    notice = demo.ok(at(2028, 1, 5), "notice", "--village", "和平", "--quarter", "2027Q4")
    assert "2028年3月31日前" in notice["dispute_note"]

    # 10 January: a neighbour objects; the committee finds the December entry wrong.
    raised = demo.ok(at(2028, 1, 10), "dispute", "raise", wrong, "--by", "邻居", "--description", "并无此事")  # fmt: skip
    demo.ok(at(2028, 1, 12), "dispute", "correct", raised["id"], "--note", "调查核实后更正", "--operator", "admin-heping")  # fmt: skip
    (correction,) = demo.entries("HP0001", reverses_id=wrong)
    assert (correction.kind, correction.points, correction.points_year) == (
        "correction",
        -100,
        2027,
    )
    assert demo.balance("HP0001", 2028) == 550  # the new year is untouched by the correction

    # The old year's figures, by hand: HP0001 now earned 0 in December and in 2027.
    notice = demo.ok(at(2028, 1, 20), "notice", "--village", "和平", "--quarter", "2027Q4")
    rows = {row["code"]: row for row in notice["rows"]}
    assert (rows["HP0001"]["earned_quarter"], rows["HP0001"]["earned_year"]) == (0, 0)
    assert notice["village_average"] == round((0 + 80 + 60 + 40 + 20 + 10) / 6, 2)  # 35.0
    honours = demo.ok(at(2028, 1, 20), "honours", "--village", "和平", "--year", "2027")
    assert [(r["code"], r["earned"]) for r in honours["top"]] == [
        ("HP0002", 80), ("HP0003", 60), ("HP0004", 40), ("HP0005", 20), ("HP0006", 10),
    ]  # fmt: skip

    # January's close settles 2027 again: the yearly and December bonuses change hands, each
    # change an entry of its own, and 2027's remainder is reset.
    january = demo.ok(at(2028, 2, 1, 4, 30), "close-month", "2028-01")
    changes = sorted(
        (c["period"], c["household_code"], c["points"])
        for c in january["changes"]
        if c["village"] == "和平"
    )
    assert changes == [
        ("2027", "HP0001", -500), ("2027", "HP0006", 500),
        ("2027-12", "HP0001", -50), ("2027-12", "HP0006", 50),
    ]  # fmt: skip
    assert demo.balance("HP0001", 2028) == 50 + 500 - 50 - 500
    assert demo.balance("HP0006", 2028) == 50 + 500
    assert demo.balance("HP0001", 2027) == 0  # 次年清零 still holds for the old year
    taken_back = demo.entries("HP0001", kind="correction", points_year=2028)
    assert sorted(e.points for e in taken_back) == [-500, -50]
    assert all("重新核定" in (e.note or "") for e in taken_back)

    # Closing again changes nothing; the ledger's invariants hold.
    again = demo.ok(at(2028, 2, 1, 6), "close-month", "2028-01")
    assert again["changes"] == []
    assert demo.ok(at(2028, 2, 1, 6), "check")["ok"]


def test_objections_to_a_year_close_with_its_first_quarter(demo: Demo) -> None:
    december = demo.award(at(2027, 12, 20), "HP0002", "P08")
    before = demo.entry_count()
    late = demo.cli(at(2028, 4, 1, 9), "dispute", "raise", december, "--by", "邻居", "--description", "有误")  # fmt: skip
    assert late.code != 0
    assert "2028-03-31" in late.err
    assert demo.entry_count() == before
    # Up to the last day of March it is heard.
    in_time = demo.cli(at(2028, 3, 31, 23, 0), "dispute", "raise", december, "--by", "邻居", "--description", "有误")  # fmt: skip
    assert in_time.code == 0, in_time.err
