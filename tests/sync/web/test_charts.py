"""Server-drawn SVG charts: well-formed, to scale, said in words, and escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sync.web.charts import Series, grouped_bars

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[tuple[float, str]]:
    """(height, title) of each data bar, in drawing order (the legend swatches left out)."""
    root = ET.fromstring(svg)
    return [
        (float(rect.attrib["height"]), rect.findtext(f"{SVG}title") or "")
        for rect in root.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    ]


def test_bars_are_to_scale_and_said_in_words() -> None:
    svg = grouped_bars(
        ["10月", "11月"],
        [Series("奖励", [600, 300]), Series("扣除", [0, 150])],
        title="每月积分",
        unit="分",
        height=200,
    )
    bars = _bars(str(svg))
    assert [title for _, title in bars] == [
        "10月 奖励 600 分",
        "10月 扣除 0 分",
        "11月 奖励 300 分",
        "11月 扣除 150 分",
    ]
    tallest = bars[0][0]
    assert tallest > 0
    assert [height / tallest for height, _ in bars] == [1.0, 0.0, 0.5, 0.25]
    root = ET.fromstring(str(svg))
    assert root.attrib["role"] == "img"
    assert (
        root.attrib["aria-label"]
        == "每月积分：10月：奖励 600 分，扣除 0 分；11月：奖励 300 分，扣除 150 分"
    )


def test_nothing_at_all_draws_empty_bars() -> None:
    svg = grouped_bars(["10月"], [Series("奖励", [0])], title="每月积分", unit="分")
    assert [height for height, _ in _bars(str(svg))] == [0.0]


def test_text_is_escaped() -> None:
    svg = str(grouped_bars(["<b>"], [Series('"x"<script>', [1])], title="&", unit="分"))
    ET.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg and "<b>" not in svg


@pytest.mark.parametrize(
    ("groups", "values"), [(["a", "b"], [1]), (["a"], [-1])], ids=["one short", "negative"]
)
def test_bad_figures_are_refused(groups: list[str], values: list[int]) -> None:
    with pytest.raises(ValueError):
        grouped_bars(groups, [Series("s", values)], title="t", unit="u")
