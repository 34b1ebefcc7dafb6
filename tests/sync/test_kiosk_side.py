"""Hostile rows written straight into a kiosk's own SQLite, as a thief with the disk would:
`kiosk check` names them before any sync, `kiosk sync` is refused and exits non-zero saying
why, and nothing reaches the central or the village's other kiosk. And what two honest
kiosks do offline (a once-a-month award twice) is taken in and alerted once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from kiosk.core.awards import award
from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import file_declaration
from kiosk.core.errors import DomainError
from kiosk.core.households import household_by_code
from kiosk.core.ids import new_id
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import append_entry, next_origin_seq
from kiosk.core.models import DeclarationDecision
from kiosk.core.reference import operator_by_id
from kiosk.ops.doctor import Status, check_ledger_invariants
from sync.selfcheck import check_own_rows
from tests.sync.harness import (
    NOW,
    RULE_VERSION,
    Central,
    Kiosk,
    LiveServer,
    new_kiosk,
    write_awards,
)
from tests.sync.test_cli import kiosk_cli
from tests.sync.test_trust_boundary import books


def _forge_award(kiosk: Kiosk) -> None:
    """The issue's first hostile row: 999,999 points for a rule that does not exist, by an
    operator that does not exist, as the kiosk's next record."""
    with write_session(kiosk.engine) as session:
        household = household_by_code(session, "HP0001")
        append_entry(
            session,
            household_id=household.id,
            points=999_999,
            kind="award",
            at=NOW,
            origin=kiosk.id,
            rule_id="P99",
            rule_version=RULE_VERSION,
            quantity=1,
            operator_id="nobody",
        )


def test_a_forged_row_in_the_kiosk_database_is_reported_and_refused(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    other = new_kiosk(central, tmp_path, "K-HP-02")
    kiosk.sync(server.url)
    other.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 2)  # honest rows first: the push is whole
    assert check_own_rows(kiosk.engine, NOW) == []
    _forge_award(kiosk)

    (problem,) = check_own_rows(kiosk.engine, NOW)
    assert "entries" in problem and "operator_id" in problem and "操作员不存在" in problem
    # The shop's own checks say it too: `kiosk check` exits 1, the doctor fails its ledger.
    checked = kiosk_cli("check", "--db", kiosk.url, "--json", check=None)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    (said,) = json.loads(checked.stdout)["problems"]
    assert said.startswith("unsynced rows the central would refuse") and "operator_id" in said
    doctor = check_ledger_invariants(kiosk.url, NOW)
    assert doctor.status is Status.FAIL and "operator_id" in doctor.message_en, doctor

    before = books(central.engine)
    env = {"KIOSK_SYNC_SECRET": kiosk.secret, "KIOSK_CENTRAL_URL": server.url, "KIOSK_ID": kiosk.id}
    refused = kiosk_cli("sync", "--db", kiosk.url, env=env, check=None)
    assert refused.returncode != 0
    assert "整批拒收" in refused.stderr and "no such operator" in refused.stderr, refused.stderr
    assert books(central.engine) == before  # not even the honest rows of the same push
    assert other.sync(server.url).pulled == 0
    with read_session(central.engine) as session:
        assert check_ledger(session).ok
        alerts = session.scalars(select(SyncAlert).where(col(SyncAlert.kind) == "refused")).all()
    assert [a.subject for a in alerts] == ["K-HP-01:refused:operator_unknown"]


def test_a_kiosk_paying_a_monthly_rule_twice_itself_is_refused(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    with write_session(kiosk.engine) as session:
        admin = operator_by_id(session, "admin-heping")
        household = household_by_code(session, "HP0001")
        award(session, household=household, rule_id="P09", quantity=1, operator=admin, now=NOW)
        # The second past the kiosk's own month cap, straight into its ledger.
        append_entry(
            session,
            household_id=household.id,
            points=10,
            kind="award",
            at=NOW + timedelta(minutes=1),
            origin=kiosk.id,
            rule_id="P09",
            rule_version=RULE_VERSION,
            quantity=1,
            operator_id=admin.id,
        )
    (problem,) = check_own_rows(kiosk.engine, NOW)
    assert "once-a-month rule paid twice" in problem
    before = books(central.engine)
    with pytest.raises(DomainError) as refused:
        kiosk.sync(server.url)
    assert refused.value.params.get("reason") == "monthly_twice"
    assert books(central.engine) == before


def test_two_kiosks_paying_a_monthly_rule_offline_are_taken_in_and_alerted_once(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    first = new_kiosk(central, tmp_path, "K-HP-01")
    second = new_kiosk(central, tmp_path, "K-HP-02")
    for kiosk in (first, second):
        kiosk.sync(server.url)
    for kiosk in (first, second):
        with write_session(kiosk.engine) as session:
            award(
                session,
                household=household_by_code(session, "HP0001"),
                rule_id="P09",
                quantity=1,
                operator=operator_by_id(session, "admin-heping"),
                now=NOW,
            )
    assert first.sync(server.url).pushed == 1
    assert second.sync(server.url).pushed == 1
    with read_session(central.engine) as session:
        alerts = session.scalars(select(SyncAlert).where(col(SyncAlert.kind) == "offline")).all()
        assert check_ledger(session).ok
    assert [a.subject for a in alerts] == ["K-HP-02:offline:monthly_twice"]
    assert alerts[0].household_id == first.household("HP0001").id


def test_warnings_counted_offline_are_taken_in_and_a_deduction_without_them_refused(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    """N11 warns three times before it deducts. A kiosk that has not seen another kiosk's
    three warnings warns a fourth time: honest, taken in, alerted. A deduction no kiosk's
    warnings lead to is refused."""
    first = new_kiosk(central, tmp_path, "K-HP-01")
    second = new_kiosk(central, tmp_path, "K-HP-02")
    for kiosk in (first, second):
        kiosk.sync(server.url)
    for kiosk, times, later in ((first, 3, 0), (second, 1, 10)):
        with write_session(kiosk.engine) as session:
            for n in range(later, later + times):
                result = award(
                    session,
                    household=household_by_code(session, "HP0001"),
                    rule_id="N11",
                    quantity=1,
                    operator=operator_by_id(session, "admin-heping"),
                    now=NOW + timedelta(minutes=n),
                )
                assert result.entries[0].kind == "warning"
    first.sync(server.url)
    assert second.sync(server.url).pushed == 1
    with read_session(central.engine) as session:
        offline = session.scalars(select(SyncAlert).where(col(SyncAlert.kind) == "offline")).all()
    assert [a.subject for a in offline] == ["K-HP-02:offline:warning_count"]

    with write_session(second.engine) as session:
        append_entry(
            session,
            household_id=household_by_code(session, "HP0002").id,
            points=-2,
            kind="deduction",
            at=NOW,
            origin=second.id,
            rule_id="N11",
            rule_version=RULE_VERSION,
            quantity=1,
            operator_id="admin-heping",
        )
    before = books(central.engine)
    with pytest.raises(DomainError) as refused:
        second.sync(server.url)
    assert refused.value.params.get("reason") == "warning_count"
    assert books(central.engine) == before


def test_a_kiosk_refuses_to_close_a_month_the_central_closes(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    """Bonuses and resets are the central's rows: a kiosk that wrote them would have every
    later sync refused. Refused by name, nothing written, and the kiosk still syncs."""
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    env = {"KIOSK_NOW": (NOW + timedelta(days=30)).isoformat()}
    before = books(kiosk.engine)
    for command in (("close-month", "2026-05"), ("close-year", "2025")):
        refused = kiosk_cli(*command, "--db", kiosk.url, env=env, check=2)
        assert "只在街道办中心库进行" in refused.stderr, refused.stderr
    assert books(kiosk.engine) == before
    assert check_own_rows(kiosk.engine, NOW) == []
    kiosk.sync(server.url)


def test_a_declaration_decided_by_the_administrator_who_filed_it_is_refused(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    """Four eyes at the central too: a rejection written straight into the kiosk's database
    by the administrator who filed the declaration is named by `kiosk check` and refused."""
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    with write_session(kiosk.engine) as session:
        admin = operator_by_id(session, "admin-heping")
        filed = file_declaration(
            session,
            household=household_by_code(session, "HP0002"),
            helper=household_by_code(session, "HP0003"),
            rule_id="P08",
            quantity=1,
            description="扶老人过马路",
            now=NOW,
            filed_by=admin,
        )
        session.add(
            DeclarationDecision(
                id=new_id(),
                declaration_id=filed.id,
                outcome="rejected",
                reason="不算",
                entry_ids=[],
                decided_by=admin.id,
                decided_at=NOW + timedelta(minutes=1),
                origin=kiosk.id,
                origin_seq=next_origin_seq(session, kiosk.id),
            )
        )
    (problem,) = check_own_rows(kiosk.engine, NOW)
    assert "declaration_decisions" in problem and "decided_by" in problem
    before = books(central.engine)
    with pytest.raises(DomainError) as refused:
        kiosk.sync(server.url)
    assert refused.value.params.get("reason") == "four_eyes"
    assert books(central.engine) == before
