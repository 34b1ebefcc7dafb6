"""The monthly village evaluation (村级评议红榜 / 黑榜) and the points the lists carry.

The seed, positive item 4: 做好垃圾分类，进入村级评议红榜的（20分/次）; negative item 12:
家庭垃圾分类不清的，由垃圾收集员及村干部进行指导，劝导后不听的，连续两次及以上村级垃圾分类黑榜（2分）.
The engine pays item 4 once per household and month on the red list, and deducts item 12
once per household and month on the black list when it was on it the month before too.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.core.clock import from_db
from kiosk.core.errors import DomainError
from kiosk.core.evaluations import evaluation_shape
from kiosk.services.evaluations import enter_evaluation, show_evaluation
from rules.loader import street_ruleset
from tests.rules.scenario import Demo, at


def _enter(
    demo: Demo, when: datetime, month: str, red: list[str], black: list[str]
) -> list[tuple[str, str, int, bool]]:
    view = enter_evaluation(
        demo.engine,
        village="和平",
        month=month,
        red=red,
        black=black,
        operator_id="admin-heping",
        now=when,
    )
    return [(e.household_code, e.rule_id, e.points, e.written) for e in view.entries]


def _evaluation_points(demo: Demo, code: str) -> list[tuple[str | None, str, int]]:
    return [
        (e.rule_id, e.kind, e.points) for e in demo.entries(code) if e.rule_id in ("P04", "N12")
    ]


def test_red_and_black_lists_carry_their_points_once(demo: Demo) -> None:
    march = _enter(demo, at(2028, 3, 30), "2028-03", ["HP0001"], ["HP0002"])
    assert march == [("HP0001", "P04", 20, True), ("HP0002", "N12", 0, True)]
    april = _enter(demo, at(2028, 4, 29), "2028-04", ["HP0001"], ["HP0002", "HP0003"])
    assert april == [
        ("HP0001", "P04", 20, True),
        ("HP0002", "N12", 0, True),  # the record of April's black list
        ("HP0002", "N12", -2, True),  # 连续两次: March and April
        ("HP0003", "N12", 0, True),  # first time: recorded, no deduction
    ]
    # Entering April again (a second kiosk, a retry) writes nothing.
    before = demo.entry_count()
    again = _enter(demo, at(2028, 4, 30), "2028-04", ["HP0001"], ["HP0002", "HP0003"])
    assert all(not written for *_, written in again)
    assert demo.entry_count() == before

    shown = show_evaluation(demo.engine, village="和平", month="2028-04")
    assert (shown.red, shown.black) == (["HP0001"], ["HP0002", "HP0003"])
    # By hand: HP0001 +20 +20; HP0002 -2 (April); HP0003 nothing yet.
    assert demo.balance("HP0001", 2028) == 40
    assert demo.balance("HP0002", 2028) == -2
    assert demo.balance("HP0003", 2028) == 0
    assert _evaluation_points(demo, "HP0002") == [
        ("N12", "warning", 0), ("N12", "warning", 0), ("N12", "deduction", -2),
    ]  # fmt: skip
    # Every entry the lists wrote tells its month by its id (what the central admits).
    rules = street_ruleset()
    for code in ("HP0001", "HP0002", "HP0003"):
        for entry in demo.entries(code, points_year=2028):
            rule = rules.get(entry.rule_id or "")
            assert rule is not None
            shape = evaluation_shape(
                rules, rule, entry.id, entry.household_id, from_db(entry.created_at)
            )
            assert shape is not None, entry.note
            assert (shape.kind, shape.points) == (entry.kind, entry.points)
            month = (shape.year, shape.month)
            assert month in ((2028, 3), (2028, 4)), entry.note
            assert f"{month[0]}-{month[1]:02d}" in (entry.note or "")
    # The lists count as earnings in the month they are entered, like any award.
    honours = demo.ok(at(2028, 5, 2), "honours", "--village", "和平", "--month", "2028-04")
    assert [(r["code"], r["earned"]) for r in honours["top"]] == [("HP0001", 20)]
    assert demo.ok(at(2028, 5, 2), "check")["ok"]


def test_a_month_entered_late_completes_the_month_after_it(demo: Demo) -> None:
    # May is entered first; April, forgotten, on 20 May (still in time).
    assert _enter(demo, at(2028, 5, 15), "2028-05", [], ["HP0004"]) == [("HP0004", "N12", 0, True)]
    late = _enter(demo, at(2028, 5, 20), "2028-04", [], ["HP0004"])
    assert late == [("HP0004", "N12", 0, True), ("HP0004", "N12", -2, True)]
    # The -2 is May's (April and May in a row), written once.
    assert [e.points for e in demo.entries("HP0004", kind="deduction")] == [-2]


def test_a_corrected_black_list_record_breaks_the_run(demo: Demo) -> None:
    _enter(demo, at(2028, 6, 28), "2028-06", [], ["HP0005"])
    (record,) = demo.entries("HP0005", rule_id="N12")
    raised = demo.ok(at(2028, 7, 1), "dispute", "raise", record.id, "--by", "户主", "--description", "已按要求分类")  # fmt: skip
    demo.ok(at(2028, 7, 2), "dispute", "correct", raised["id"], "--note", "核实后撤出黑榜", "--operator", "admin-heping")  # fmt: skip
    july = _enter(demo, at(2028, 7, 30), "2028-07", [], ["HP0005"])
    assert july == [("HP0005", "N12", 0, True)]  # July is the first month again
    assert demo.balance("HP0005", 2028) == 0


def test_the_lists_are_not_awarded_by_hand_and_bad_entries_change_nothing(demo: Demo) -> None:
    before = demo.entry_count()
    for rule in ("P04", "N12"):
        refused = demo.cli(at(2028, 3, 5), "award", "HP0001", rule, "--operator", "admin-heping")
        assert refused.code != 0
        assert "评议" in refused.err
    _enter(demo, at(2028, 3, 30), "2028-03", ["HP0001"], [])
    before = demo.entry_count()
    bad: list[tuple[str, list[str], list[str], datetime]] = [
        ("2028-03", [], ["HP0001"], at(2028, 3, 31)),  # recorded red: only a dispute changes it
        ("2028-03", ["HP0002"], ["HP0002"], at(2028, 3, 31)),  # on both lists
        ("2028-03", ["XZG0001"], [], at(2028, 3, 31)),  # another village's household
        ("2028-05", ["HP0002"], [], at(2028, 4, 30)),  # a month not begun
        ("2028-01", ["HP0002"], [], at(2028, 3, 1)),  # more than a month late
        ("2028-13", ["HP0002"], [], at(2028, 3, 1)),
    ]
    for month, red, black, when in bad:
        try:
            _enter(demo, when, month, red, black)
        except DomainError:
            pass
        else:
            raise AssertionError(f"accepted {month} {red} {black}")
    assert demo.entry_count() == before
