"""Name masking and the printed labels for villages and quarters."""

from __future__ import annotations

import pytest

from kiosk.core.labels import quarter_label, village_label
from kiosk.core.masking import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张明", "张*"),
        ("张小明", "张*明"),
        ("欧阳小明", "欧**明"),
        ("禾", "禾"),
        ("", ""),
        (" 林小禾 ", "林*禾"),
        ("阿依古丽·买买提", "阿******提"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("village", "label"),
    [("和平", "和平村"), ("和平村", "和平村"), ("城南社区", "城南社区")],
)
def test_village_label(village: str, label: str) -> None:
    assert village_label(village) == label


def test_quarter_label() -> None:
    assert quarter_label("2026Q4") == "2026年第四季度"
    assert quarter_label("2027Q1") == "2027年第一季度"


@pytest.mark.parametrize("bad", ["2026Q5", "2026-Q4", "Q4", "2026q4x"])
def test_quarter_label_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError, match="2026Q4"):
        quarter_label(bad)
