"""`kiosk evaluation`: the monthly red and black lists (村级评议红榜/黑榜) from the command line,
their points written by the engine exactly once however often the month is entered."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.cli import CliResult

Cli = Callable[..., CliResult]
ENTER = ("evaluation", "enter", "--village", "和平", "--operator", "admin-heping", "--json")


def _entries(result: CliResult) -> dict[str, tuple[str, int, bool]]:
    assert result.code == 0, result.err
    return {
        e["household_code"]: (e["rule_id"], e["points"], e["written"])
        for e in result.json()["entries"]
    }


def test_the_red_list_pays_and_a_first_black_month_warns_each_once(cli: Cli) -> None:
    # 进入村级评议红榜 +20 (positive 4); 连续两次及以上村级垃圾分类黑榜 -2 (negative 12):
    # a first black month is a warning of 0 points.
    first = cli(*ENTER, "--month", "2026-11", "--red", "HP0001", "--black", "HP0002")
    assert _entries(first) == {"HP0001": ("P04", 20, True), "HP0002": ("N12", 0, True)}
    again = cli(*ENTER, "--month", "2026-11", "--red", "HP0001", "--black", "HP0002")
    assert _entries(again) == {"HP0001": ("P04", 20, False), "HP0002": ("N12", 0, False)}
    shown = cli("evaluation", "show", "--village", "和平", "--month", "2026-11", "--json")
    assert shown.code == 0, shown.err
    assert (shown.json()["red"], shown.json()["black"]) == (["HP0001"], ["HP0002"])


def test_bad_months_and_lists_change_nothing(cli: Cli) -> None:
    before = cli("evaluation", "show", "--village", "和平", "--month", "2026-11", "--json")
    for argv, words in (
        (("--month", "2026-13", "--red", "HP0001"), "YYYY-MM"),
        (("--month", "2026-11", "--red", "HP0001", "--black", "HP0001"), "HP0001"),
        (("--month", "2026-11", "--red", "HP9999"), "HP9999"),
    ):
        result = cli(*ENTER, *argv)
        assert result.code == 2, (argv, result.out)
        assert words in result.err
    after = cli("evaluation", "show", "--village", "和平", "--month", "2026-11", "--json")
    assert after.out == before.out
