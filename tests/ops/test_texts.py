"""The ops texts table: both languages say the same things, and the code holds no sentence of its own."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import kiosk.ops
from kiosk.ops.texts import OPS_TEXTS, Phrase, say

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(OPS_TEXTS))
def test_both_languages_take_the_same_placeholders(key: str) -> None:
    chinese, english = OPS_TEXTS[key]
    assert placeholders(chinese) == placeholders(english)
    assert not CHINESE.search(english)


def test_every_sentence_has_its_chinese() -> None:
    # Labels such as "[{mark}] {label}: {message}" and units are the same in both.
    untranslated = [
        key
        for key, (chinese, english) in OPS_TEXTS.items()
        if not CHINESE.search(chinese) and chinese != english
    ]
    assert untranslated == []


def test_no_ops_module_but_the_table_holds_chinese() -> None:
    root = Path(kiosk.ops.__file__).parent
    holding = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if path.name != "texts.py" and CHINESE.search(path.read_text(encoding="utf-8"))
    ]
    assert holding == []


def test_a_phrase_fills_a_placeholder_in_its_own_language() -> None:
    said = say("sync.never", how=say("sync.how"))
    assert said.zh.endswith(
        "请检查网络，然后运行 systemctl start kiosk-sync.service，并查看 journalctl -u kiosk-sync.service。"
    )
    assert "if it is not new, check the network" in said.en
    assert say("sync.how").capitalised() == Phrase(say("sync.how").zh, "C" + say("sync.how").en[1:])
