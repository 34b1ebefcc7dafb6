"""docs/rules.md and docs/zh/rules.md say what rules/data says: their rule tables are the ones
rules.doc renders from the data, and a change of the data without the docs is caught."""

from __future__ import annotations

import dataclasses

import pytest

from rules.doc import BEGIN, DOCS, END, main, render, splice
from rules.engine import MAX_OCCURRENCES, MAX_RATE_UNITS
from rules.loader import street_ruleset


@pytest.mark.parametrize("language", sorted(DOCS))
def test_the_docs_tables_are_the_rule_data(language: str) -> None:
    document = DOCS[language].read_text(encoding="utf-8")
    assert splice(document, render(language)) == document, "run: python -m rules.doc --write"
    block = document[document.index(BEGIN) : document.index(END)]
    for rule in street_ruleset().rules:
        assert f"| `{rule.id}` |" in block


def test_a_changed_rule_makes_the_check_fail(capsys: pytest.CaptureFixture[str]) -> None:
    ruleset = street_ruleset()
    changed = dataclasses.replace(
        ruleset,
        rules=tuple(
            dataclasses.replace(rule, points=30) if rule.id == "P08" else rule
            for rule in ruleset.rules
        ),
    )
    for language in DOCS:
        document = DOCS[language].read_text(encoding="utf-8")
        assert splice(document, render(language, changed)) != document
    assert main([]) == 0  # the docs as committed are current
    assert capsys.readouterr().err == ""


def test_the_written_readings_quote_the_engines_limits() -> None:
    english = DOCS["en"].read_text(encoding="utf-8")
    chinese = DOCS["zh"].read_text(encoding="utf-8")
    assert f"1 to {MAX_OCCURRENCES} at once" in english
    assert f"up to {MAX_RATE_UNITS} units" in english
    assert f"1至{MAX_OCCURRENCES}次" in chinese
    assert f"至多{MAX_RATE_UNITS}单位" in chinese
    # Every numbered reading of the English text has its Chinese counterpart.
    numbered = [line for line in english.splitlines() if line[:3].rstrip(". ").isdigit()]
    numbered_zh = [line for line in chinese.splitlines() if line[:3].rstrip(". ").isdigit()]
    assert len(numbered) == len(numbered_zh) >= 18
