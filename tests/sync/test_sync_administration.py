"""Declarations and disputes through the nightly sync, over real HTTP, on a SQLite and a
PostgreSQL central: filed in one place and decided in the other, both sides end with the
same rows and the same entries; decided in both places at once is a named conflict."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, select

from kiosk.core.awards import award
from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import (
    DeclarationView,
    approve,
    file_declaration,
    get_declaration,
    list_pending,
    reject,
)
from kiosk.core.disputes import (
    DisputeView,
    get_dispute,
    list_disputes,
    raise_dispute,
    resolve_correct,
    resolve_uphold,
)
from kiosk.core.errors import Refused
from kiosk.core.households import household_by_code
from kiosk.core.ledger import balance
from kiosk.core.models import Household, LedgerEntry
from kiosk.core.reference import operator_by_id
from sync.protocol import RECORD_TABLES
from tests.sync.harness import NOW, Central, Kiosk, LiveServer, assert_agree, new_kiosk

YEAR = 2026


def participants(engine: Engine, count: int) -> list[str]:
    """Codes of `count` heping households that take part (the demo seed leaves a few out)."""
    with read_session(engine) as session:
        found = session.exec(
            select(Household).where(Household.village_id == "heping").order_by(Household.code)
        ).all()
    codes = [h.code for h in found if h.takes_part]
    assert len(codes) >= count
    return codes[:count]


def file_on(
    engine: Engine, code: str, helper: str, evidence_dir: Path, photo: Path
) -> DeclarationView:
    with write_session(engine) as session:
        return file_declaration(
            session,
            household=household_by_code(session, code),
            rule_id="P08",
            quantity=1,
            description="帮邻居清扫村道",
            now=NOW,
            helper=household_by_code(session, helper),
            photos=[photo],
            evidence_dir=evidence_dir,
        )


def approve_on(engine: Engine, ref: str, operator_id: str) -> DeclarationView:
    with write_session(engine) as session:
        return approve(session, ref=ref, operator=operator_by_id(session, operator_id), now=NOW)


def seen(engine: Engine, ref: str) -> tuple[DeclarationView, dict[str, int]]:
    """The declaration as this database shows it, and the two households' balances."""
    with read_session(engine) as session:
        view = get_declaration(session, ref)
        codes = [view.household_code, view.helper_code or ""]
        balances = {
            code: balance(session, household_by_code(session, code).id, YEAR) for code in codes
        }
    return view, balances


def a_photo(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.png"
    Image.new("RGB", (40, 30), (30, 140, 60)).save(path)
    return path


@pytest.mark.parametrize(
    ("filed_at", "decided_at"), [("kiosk", "central"), ("central", "kiosk")], ids=str
)
def test_a_declaration_filed_on_one_side_and_approved_on_the_other(
    central: Central, server: LiveServer, tmp_path: Path, filed_at: str, decided_at: str
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    engines = {"kiosk": kiosk.engine, "central": central.engine}
    # The street administrator decides at the street office, the village's at the kiosk.
    deciders = {"kiosk": "admin-heping", "central": "street-admin"}
    code, helper = participants(kiosk.engine, 2)
    evidence_dir = tmp_path / f"{filed_at}-evidence"

    filed = file_on(engines[filed_at], code, helper, evidence_dir, a_photo(tmp_path))
    kiosk.sync(server.url)
    with read_session(engines[decided_at]) as session:
        assert filed.id in [d.id for d in list_pending(session, "heping")]
    approved = approve_on(engines[decided_at], filed.id, deciders[decided_at])
    assert approved.status == "approved" and len(approved.entry_ids) == 2
    kiosk.sync(server.url)

    on_kiosk, kiosk_balances = seen(kiosk.engine, filed.id)
    on_central, central_balances = seen(central.engine, filed.id)
    assert on_kiosk == on_central
    assert (on_kiosk.status, on_kiosk.entry_ids, on_kiosk.points) == (
        "approved",
        approved.entry_ids,
        20,
    )
    assert on_kiosk.decided_by == deciders[decided_at]
    assert kiosk_balances == central_balances
    # The photo's content-hash name came along; the file itself travels separately.
    assert on_kiosk.evidence == filed.evidence and len(filed.evidence) == 1
    assert (evidence_dir / filed.evidence[0]).is_file()
    assert_agree(central, kiosk)
    # The decision is known on both sides now: neither decides it again.
    for side in ("kiosk", "central"):
        with pytest.raises(Refused) as refused, write_session(engines[side]) as session:
            reject(
                session,
                ref=filed.id,
                reason="重复",
                operator=operator_by_id(session, deciders[side]),
                now=NOW,
            )
        assert refused.value.key == "declaration.decided"
    assert approve_on(engines[decided_at], filed.id, deciders[decided_at]).replayed
    second = kiosk.sync(server.url)
    assert (second.pushed, second.pulled) == (0, 0)


def dispute_view(engine: Engine, ref: str) -> DisputeView:
    with read_session(engine) as session:
        return get_dispute(session, ref)


def test_disputes_and_their_resolutions_reach_the_other_side(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    corrected_code, upheld_code = participants(kiosk.engine, 2)

    # Raised and corrected at the street office: the kiosk sees it after its pull.
    with write_session(central.engine) as session:
        street = operator_by_id(session, "street-admin")
        entry = award(
            session,
            household=household_by_code(session, corrected_code),
            rule_id="P08",
            quantity=1,
            operator=street,
            now=NOW,
        ).entries[0]
        raised = raise_dispute(
            session, entry_ref=entry.id, raised_by="户主", description="那天不在家", now=NOW
        )
        corrected = resolve_correct(
            session, ref=raised.id, note="核实有误，撤销", operator=street, now=NOW
        )
    # Raised at the kiosk; the street office upholds it after the kiosk's push.
    with write_session(kiosk.engine) as session:
        own = award(
            session,
            household=household_by_code(session, upheld_code),
            rule_id="P08",
            quantity=1,
            operator=operator_by_id(session, "admin-heping"),
            now=NOW,
        ).entries[0]
        objected = raise_dispute(
            session, entry_ref=own.id, raised_by="户主", description="分数不对", now=NOW
        )
    kiosk.sync(server.url)

    assert dispute_view(kiosk.engine, raised.id) == corrected
    assert corrected.status == "corrected" and corrected.correction_entry_id is not None
    with read_session(kiosk.engine) as session:
        assert balance(session, household_by_code(session, corrected_code).id, YEAR) == (
            balance_on(central.engine, corrected_code)
        )
        assert [d.id for d in list_disputes(session, "heping")] == [objected.id]
    with write_session(central.engine) as session:
        upheld = resolve_uphold(
            session,
            ref=objected.id,
            note="照片核实无误",
            operator=operator_by_id(session, "street-admin"),
            now=NOW,
        )
    kiosk.sync(server.url)

    assert dispute_view(kiosk.engine, objected.id) == upheld
    assert upheld.status == "upheld" and upheld.decided_by == "street-admin"
    with read_session(kiosk.engine) as session:
        assert list_disputes(session, "heping") == []
    assert_agree(central, kiosk)


def balance_on(engine: Engine, code: str) -> int:
    with read_session(engine) as session:
        return balance(session, household_by_code(session, code).id, YEAR)


def test_a_declaration_decided_in_both_places_between_syncs_is_a_named_conflict(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    """Both decisions may have paid points, and only one can stand: the kiosk's push stops
    with a conflict alert that names the declaration and both deciders, for the street
    office to settle; nothing of the chunk is applied."""
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    code, helper = participants(kiosk.engine, 2)
    filed = file_on(kiosk.engine, code, helper, tmp_path / "evidence", a_photo(tmp_path))
    kiosk.sync(server.url)
    approve_on(central.engine, filed.id, "street-admin")
    with write_session(kiosk.engine) as session:
        reject(
            session,
            ref=filed.id,
            reason="照片看不清",
            operator=operator_by_id(session, "admin-heping"),
            now=NOW,
        )

    with pytest.raises(Refused) as refused:
        kiosk.sync(server.url)

    assert refused.value.key == "sync.conflict"
    with read_session(central.engine) as session:
        (alert,) = session.exec(select(SyncAlert).where(SyncAlert.kind == "conflict")).all()
        assert get_declaration(session, filed.id).status == "approved"
    assert f"declaration_id {filed.id} decided twice" in alert.detail
    assert "approved by street-admin at central" in alert.detail
    assert "rejected by admin-heping at K-HP-01" in alert.detail


def test_every_table_that_takes_an_origin_seq_is_synced() -> None:
    """The push has no room for seqs it does not carry: a table that took one from the
    origin counter without being a synced record table would stop every sync (sync.gap)."""
    sequenced = {
        table.name
        for table in SQLModel.metadata.sorted_tables
        if {"origin", "origin_seq"} <= set(table.columns.keys())
    }
    assert sequenced == {t.table.name for t in RECORD_TABLES}


@pytest.mark.parametrize("forged", ["decision", "dispute"])
def test_a_kiosk_cannot_write_about_another_village(
    central: Central, server: LiveServer, tmp_path: Path, forged: str
) -> None:
    """A decision belongs to its declaration's village, a dispute to its entry's: looked up
    at the central when the declaration or entry came in earlier. A village's kiosks could
    not apply such a row on their pull."""
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    code, helper = participants(kiosk.engine, 2)
    filed = file_on(kiosk.engine, code, helper, tmp_path / "evidence", a_photo(tmp_path))
    kiosk.sync(server.url)
    intruder = new_kiosk(central, tmp_path, "K-XZG-01", village="xizige")
    intruder.sync(server.url)
    with read_session(central.engine) as session:
        heping_entry = session.exec(
            select(LedgerEntry)
            .join(Household, col(Household.id) == col(LedgerEntry.household_id))
            .where(Household.village_id == "heping")
        ).first()
        own_household = session.exec(
            select(Household).where(Household.village_id == "xizige")
        ).first()
    assert heping_entry is not None and own_household is not None
    if forged == "decision":
        name, row = "declaration_decisions", forged_rejection(intruder, filed.id)
    else:
        name, row = "disputes", forged_dispute(intruder, heping_entry.id, own_household.id)
    with intruder.link(server.url) as link, pytest.raises(Refused) as refused:
        link.push({"first_seq": 1, "last_seq": 1, "rows": {name: [row]}})
    assert refused.value.key == "sync.foreign_village"
    with read_session(central.engine) as session:
        assert get_declaration(session, filed.id).status == "pending"
        assert list_disputes(session, None) == []


def forged_rejection(kiosk: Kiosk, declaration_id: str) -> dict[str, object]:
    """One decision row in `kiosk`'s name for a declaration it never held."""
    return {
        "id": "00000000-0000-4000-8000-00000000d001",
        "declaration_id": declaration_id,
        "outcome": "rejected",
        "reason": "不属实",
        "entry_ids": [],
        "decided_by": "admin-xizige",
        "decided_at": NOW.isoformat(),
        "origin": kiosk.id,
        "origin_seq": 1,
    }


def forged_dispute(kiosk: Kiosk, entry_id: str, household_id: str) -> dict[str, object]:
    """One dispute row in `kiosk`'s name, for its own household, of another village's entry."""
    return {
        "id": "00000000-0000-4000-8000-00000000d002",
        "entry_id": entry_id,
        "household_id": household_id,
        "raised_by": "户主",
        "description": "不对",
        "recorded_by": None,
        "created_at": NOW.isoformat(),
        "origin": kiosk.id,
        "origin_seq": 1,
    }
