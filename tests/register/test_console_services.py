"""The register's services as the console calls them: a roster uploaded as bytes is previewed
without writing and imported only as previewed; a proposed rule set's changes for whom from
which day; card sheets as PDF bytes for an administrator's own village."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from kiosk.core.codes import CardSigner
from kiosk.core.errors import DomainError
from kiosk.core.models import Residency
from kiosk.core.ruleset_changes import compare_rulesets
from kiosk.services import cards
from kiosk.services.register import (
    add,
    approve_ruleset,
    import_roster_data,
    propose_ruleset_text,
    ruleset_changes,
)
from rules.loader import parse_ruleset, street_ruleset, street_ruleset_text
from tests.register.conftest import HEADER, HEPING_ADMIN, NOW, STREET_ADMIN, Office, csv_bytes

GOOD = [HEADER, ["和平", "1组", "王秀英", "李明", "本村", "否", ""]]


def test_a_preview_writes_nothing_and_names_the_bad_row_and_column(office: Office) -> None:
    before = office.state()
    rows = [*GOOD, ["和平", "2组", "张3", "", "本村", "否", ""]]

    report = import_roster_data(
        office.engine, csv_bytes(rows), "名单.csv", operator_id=STREET_ADMIN, now=NOW, dry_run=True
    )

    assert [(e.row, e.column) for e in report.errors] == [(3, "户主")]
    assert "数字" in report.errors[0].message("zh")
    assert not report.written and office.state() == before


def test_the_confirmed_import_writes_only_what_the_preview_showed(office: Office) -> None:
    data = csv_bytes(GOOD)
    preview = import_roster_data(
        office.engine, data, "名单.csv", operator_id=STREET_ADMIN, now=NOW, dry_run=True
    )
    assert preview.added == ["HP0001"] and not preview.errors
    # Someone adds a household between the preview and the confirmation: the code the
    # preview promised is taken, so the import stops and asks for a new preview.
    add(
        office.engine,
        village="和平",
        group="5组",
        head="刘德福",
        members=[],
        residency=Residency.NATIVE,
        absent=False,
        operator_id=STREET_ADMIN,
        now=NOW,
    )
    between = office.state()

    stale = import_roster_data(
        office.engine,
        data,
        "名单.csv",
        operator_id=STREET_ADMIN,
        now=NOW,
        expected=preview.fingerprint(),
    )

    assert stale.stale and not stale.written and office.state() == between
    fresh = import_roster_data(
        office.engine, data, "名单.csv", operator_id=STREET_ADMIN, now=NOW, dry_run=True
    )
    done = import_roster_data(
        office.engine,
        data,
        "名单.csv",
        operator_id=STREET_ADMIN,
        now=NOW,
        expected=fresh.fingerprint(),
    )
    assert done.written and done.added == ["HP0002"] and not done.stale


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"\x00\x01garbage", "名单.csv", "roster.encoding"),
        (b"PK\x03\x04 not really", "名单.csv", "roster.xlsx_as_csv"),
        (b"whatever", "名单.txt", "roster.file_type"),
        (b"PK\x03\x04 broken zip", "名单.xlsx", "roster.xlsx_unreadable"),
    ],
)
def test_a_garbled_upload_is_named_and_changes_nothing(
    office: Office, data: bytes, name: str, key: str
) -> None:
    before = office.state()

    report = import_roster_data(office.engine, data, name, operator_id=STREET_ADMIN, now=NOW)

    assert [(e.row, e.key) for e in report.errors] == [(0, key)]
    assert not report.written and office.state() == before


def _variant(set_id: str, version: str, p09: int, drop: str | None = None) -> str:
    text = street_ruleset_text()
    text = re.sub(r'^id = ".*"$', f'id = "{set_id}"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^version = ".*"$', f'version = "{version}"', text, count=1, flags=re.MULTILINE)
    head, _, rest = text.partition('id = "P09"')
    rest = re.sub(r"^points = 10$", f"points = {p09}", rest, count=1, flags=re.MULTILINE)
    text = head + 'id = "P09"' + rest
    if drop is not None:
        blocks = text.split("[[rule]]")
        text = "[[rule]]".join(b for b in blocks if f'\nid = "{drop}"\n' not in b)
    return text


def test_compare_rulesets_names_repriced_added_and_removed_rules() -> None:
    street = street_ruleset()
    changed = parse_ruleset(_variant("x", "1", 12, drop="P10A"))

    changes = compare_rulesets(street, changed)

    assert [(c.rule_id, c.kind, c.before, c.after) for c in changes] == [
        ("P09", "changed", 10, 12),
        ("P10A", "removed", street.get("P10A").points, None),  # type: ignore[union-attr]
    ]
    back = compare_rulesets(changed, street)
    assert ("P10A", "added") in [(c.rule_id, c.kind) for c in back]


def test_a_village_proposal_shows_its_village_the_day_and_each_rule(office: Office) -> None:
    report = propose_ruleset_text(
        office.engine,
        _variant("heping-adjusted", "2027-q1", 12),
        village="和平",
        effective_from=date(2027, 1, 1),
        operator_id=HEPING_ADMIN,
        now=NOW,
    )
    assert report.id is not None and not report.errors

    shown = ruleset_changes(office.engine, report.id)

    (audience,) = shown.audiences
    assert audience.village_ids == ("heping",) and audience.effective_from == date(2027, 1, 1)
    assert audience.replaces == "tangxiang-2022@2022-12-08" and audience.until is None
    assert [(c.rule_id, c.before, c.after) for c in audience.changes] == [("P09", 10, 12)]
    assert shown.proposed_by == HEPING_ADMIN and shown.approved_by is None


def test_a_street_revision_is_shown_per_group_of_villages(office: Office) -> None:
    village = propose_ruleset_text(
        office.engine,
        _variant("heping-adjusted", "2027-q1", 12),
        village="和平",
        effective_from=date(2027, 4, 1),
        operator_id=HEPING_ADMIN,
        now=NOW,
    )
    assert village.id is not None
    approve_ruleset(office.engine, village.id, operator_id=STREET_ADMIN, now=NOW)
    street = propose_ruleset_text(
        office.engine,
        _variant("tangxiang-2027", "2027-01", 11),
        village=None,
        effective_from=date(2027, 1, 1),
        operator_id=STREET_ADMIN,
        now=NOW,
    )
    assert street.id is not None

    shown = ruleset_changes(office.engine, street.id)

    by_first = {a.village_ids[0]: a for a in shown.audiences}
    assert len(shown.audiences) == 2
    # 和平 gets the revision only until its own set takes over on 1 April.
    assert by_first["heping"].village_ids == ("heping",)
    assert by_first["heping"].until == date(2027, 4, 1)
    others = next(a for a in shown.audiences if "heping" not in a.village_ids)
    assert len(others.village_ids) >= 2 and others.until is None
    assert [(c.rule_id, c.before, c.after) for c in others.changes] == [("P09", 10, 11)]


def test_an_unknown_proposal_is_named(office: Office) -> None:
    with pytest.raises(DomainError) as refused:
        ruleset_changes(office.engine, "nothing-like-it")
    assert refused.value.key == "ruleset.unknown"


def test_a_card_sheet_is_a_pdf_of_the_villages_new_cards(office: Office) -> None:
    signer = CardSigner.from_file(office.tmp / "central.db.card-key")
    import_roster_data(
        office.engine, csv_bytes(GOOD), "名单.csv", operator_id=STREET_ADMIN, now=NOW
    )

    pdf, count = cards.card_sheet_pdf(
        office.engine, signer, village="和平", since=NOW.date(), operator_id=HEPING_ADMIN
    )

    assert pdf.startswith(b"%PDF") and count == 1
    with pytest.raises(DomainError) as refused:
        cards.card_sheet_pdf(
            office.engine,
            signer,
            village="和平",
            since=NOW.date() + timedelta(days=1),
            operator_id=HEPING_ADMIN,
        )
    assert refused.value.key == "cards.none"


def test_a_village_administrator_gets_no_other_villages_cards(office: Office) -> None:
    signer = CardSigner.from_file(office.tmp / "central.db.card-key")
    import_roster_data(
        office.engine,
        csv_bytes([HEADER, ["双丰", "1组", "王秀英", "", "本村", "否", ""]]),
        "名单.csv",
        operator_id=STREET_ADMIN,
        now=NOW,
    )

    with pytest.raises(DomainError) as refused:
        cards.card_sheet_pdf(
            office.engine, signer, village="双丰", since=None, operator_id=HEPING_ADMIN
        )

    assert refused.value.key.startswith("operator.")
