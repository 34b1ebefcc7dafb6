"""Declarations through the services: filing with photos, review by village, approval through
award() (the helper credited too), rejection, and nothing paid twice or written on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import (
    DeclarationView,
    approve,
    declarations_of,
    file_declaration,
    get_declaration,
    list_pending,
    reject,
)
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.invariants import check_ledger
from kiosk.core.models import LedgerEntry
from tests.support.builders import dump, household, operator, points_of
from tests.support.clock import at
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")


def file(
    engine: Engine,
    db: Db,
    code: str,
    rule_id: str,
    *,
    qty: int = 1,
    helper: str | None = None,
    description: str = "清扫村道落叶",
    photos: tuple[Path, ...] | None = None,
    when: tuple[int, int] = (11, 16),
) -> DeclarationView:
    if photos is None:  # a self-declaration needs a photo (并上传照片等相关证据)
        photos = () if helper else (photo(db.path.parent, "deed.png", (0, 120, 0)),)
    with write_session(engine) as session:
        return file_declaration(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=qty,
            description=description,
            now=at(2026, *when),
            helper=household(session, helper) if helper else None,
            photos=photos,
            evidence_dir=db.evidence_dir,
        )


def decide(engine: Engine, ref: str, by: str = "admin-heping", **kwargs: str) -> DeclarationView:
    with write_session(engine) as session:
        if "reason" in kwargs:
            return reject(
                session,
                ref=ref,
                reason=kwargs["reason"],
                operator=operator(session, by),
                now=at(2026, 11, 17),
            )
        return approve(session, ref=ref, operator=operator(session, by), now=at(2026, 11, 17))


def entry_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", (40, 30), colour).save(path)
    return path


def test_self_declaration_of_45_cigarette_boxes_pays_10_points(engine: Engine, db: Db) -> None:
    filed = file(engine, db, "HP0001", "P13.1", qty=45, description="捡拾烟盒45个")
    assert (filed.status, filed.points, filed.entry_ids) == ("pending", 0, [])
    assert points_of(engine, "HP0001") == 0

    approved = decide(engine, filed.id)

    # 45 boxes at 5 points per 20: two batches, 5 boxes left unpaid.
    assert (approved.status, approved.points, approved.decided_by) == (
        "approved",
        10,
        "admin-heping",
    )
    assert approved.decided_at == at(2026, 11, 17)
    assert points_of(engine, "HP0001") == 10
    with read_session(engine) as session:
        entry = session.get(LedgerEntry, approved.entry_ids[0])
        assert entry is not None
        assert (entry.kind, entry.quantity, entry.remainder) == ("award", 45, 5)


def test_mutual_help_approval_credits_both_households_together(engine: Engine, db: Db) -> None:
    filed = file(engine, db, "HP0002", "P08", helper="HP0003", description="帮邻居申报公益劳动")
    approved = decide(engine, filed.id)

    assert points_of(engine, "HP0002") == 20
    assert points_of(engine, "HP0003") == 20
    assert approved.helper_code == "HP0003"
    with read_session(engine) as session:
        written = [session.get(LedgerEntry, entry_id) for entry_id in approved.entry_ids]
        assert len(written) == 2
        own, helper = written
        assert own is not None and helper is not None
        assert own.group_id is not None and own.group_id == helper.group_id
        assert helper.helper_for_id == own.household_id
        assert check_ledger(session).ok


def test_approving_twice_writes_nothing_new(engine: Engine, db: Db) -> None:
    filed = file(engine, db, "HP0002", "P08", helper="HP0003")
    first = decide(engine, filed.id)
    count = entry_count(engine)

    again = decide(engine, filed.id[:8])

    assert again.replayed
    assert again.entry_ids == first.entry_ids
    assert entry_count(engine) == count
    assert (points_of(engine, "HP0002"), points_of(engine, "HP0003")) == (20, 20)


def test_a_decided_declaration_cannot_be_decided_the_other_way(engine: Engine, db: Db) -> None:
    approved = file(engine, db, "HP0001", "P08")
    decide(engine, approved.id)
    rejected = file(engine, db, "HP0002", "P08")
    decide(engine, rejected.id, reason="照片看不出是公益活动")
    before = dump(db.path)

    with pytest.raises(Refused) as late_reject:
        decide(engine, approved.id, reason="改主意")
    with pytest.raises(Refused) as late_approve:
        decide(engine, rejected.id)

    assert late_reject.value.key == late_approve.value.key == "declaration.decided"
    assert "已通过" in late_reject.value.message("zh")
    assert dump(db.path) == before


def test_rejection_keeps_the_reason_and_writes_no_points(engine: Engine, db: Db) -> None:
    filed = file(engine, db, "HP0004", "P03", description="照顾瘫痪老人多年")
    rejected = decide(engine, filed.id, reason="需经群众推荐、评议小组核实")

    assert (rejected.status, rejected.reason, rejected.entry_ids) == (
        "rejected",
        "需经群众推荐、评议小组核实",
        [],
    )
    assert entry_count(engine) == 0
    with read_session(engine) as session:
        seen = declarations_of(session, household(session, "HP0004").id)
    assert [(d.id, d.status, d.reason) for d in seen] == [
        (filed.id, "rejected", "需经群众推荐、评议小组核实")
    ]


def test_a_rejection_needs_a_reason(engine: Engine, db: Db) -> None:
    filed = file(engine, db, "HP0001", "P08")
    with pytest.raises(BadInput) as caught:
        decide(engine, filed.id, reason="   ")
    assert caught.value.key == "declaration.reason"
    with read_session(engine) as session:
        assert get_declaration(session, filed.id).status == "pending"


def test_pending_lists_are_per_village_and_oldest_first(engine: Engine, db: Db) -> None:
    first = file(engine, db, "HP0001", "P08", when=(11, 10))
    second = file(engine, db, "HP0002", "P07", when=(11, 12))
    theirs = file(engine, db, "XZG0001", "P08", when=(11, 11))
    done = file(engine, db, "HP0003", "P08", when=(11, 9))
    decide(engine, done.id)

    with read_session(engine) as session:
        heping = [d.id for d in list_pending(session, "heping")]
        xizige = [d.id for d in list_pending(session, "xizige")]
        everyone = [d.id for d in list_pending(session, None)]
    assert heping == [first.id, second.id]
    assert xizige == [theirs.id]
    assert everyone == [first.id, theirs.id, second.id]


@pytest.mark.parametrize(
    ("by", "key"),
    [("shop-heping", "operator.role"), ("admin-xizige", "operator.village")],
)
def test_only_the_village_or_street_administrator_decides(
    engine: Engine, db: Db, by: str, key: str
) -> None:
    filed = file(engine, db, "HP0001", "P08")
    before = dump(db.path)
    with pytest.raises(Refused) as caught:
        decide(engine, filed.id, by=by)
    assert caught.value.key == key
    assert dump(db.path) == before
    assert decide(engine, filed.id, by="street-admin").status == "approved"


def test_the_month_cap_is_applied_when_points_are_written(engine: Engine, db: Db) -> None:
    first = file(engine, db, "HP0001", "P09", when=(11, 3))
    second = file(engine, db, "HP0001", "P09", when=(11, 5))
    decide(engine, first.id)
    with pytest.raises(Refused) as caught:
        decide(engine, second.id)
    assert caught.value.key == "rule.monthly_cap"
    assert points_of(engine, "HP0001") == 10
    with read_session(engine) as session:
        assert [d.id for d in list_pending(session, "heping")] == [second.id]


@pytest.mark.parametrize(
    ("code", "rule_id", "qty", "helper", "description", "key"),
    [
        ("HP0001", "N03", 1, None, "散养鸡鸭", "declaration.positive_only"),
        ("HP0001", "P14", 1, None, "前五", "rule.system_only"),
        ("HP0001", "P13.1", 10, None, "烟盒10个", "qty.rate_too_small"),
        ("HP0001", "P08", 0, None, "公益", "qty.range"),
        ("HP0001", "P09", 2, None, "卫生", "qty.monthly_once"),
        ("HP0001", "P08", 1, "HP0001", "自己帮自己", "rule.helper_self"),
        ("HP0001", "P08", 1, "XZG0001", "邻村亲戚帮忙", "declaration.helper_village"),
        ("HP0001", "P08", 1, None, "  ", "declaration.description"),
        ("HP0001", "P08", 1, None, "字" * 501, "declaration.description"),
        ("HP0090", "P08", 1, None, "外出户", "rule.not_participating"),
        ("HP0001", "P99", 1, None, "没有这条", "rule.unknown"),
    ],
)
def test_bad_declarations_are_refused_and_change_nothing(
    engine: Engine,
    db: Db,
    code: str,
    rule_id: str,
    qty: int,
    helper: str | None,
    description: str,
    key: str,
) -> None:
    before = dump(db.path)
    with pytest.raises(DomainError) as caught:
        file(engine, db, code, rule_id, qty=qty, helper=helper, description=description)
    assert caught.value.key == key
    assert "{" not in str(caught.value)  # every placeholder of both languages was filled
    assert dump(db.path) == before


def test_photos_are_stored_once_under_their_content_hash(
    engine: Engine, db: Db, tmp_path: Path
) -> None:
    red = photo(tmp_path, "red.png", (200, 0, 0))
    red_again = tmp_path / "copy-of-red.png"
    red_again.write_bytes(red.read_bytes())
    green = photo(tmp_path, "green.jpg", (0, 160, 0))

    filed = file(engine, db, "HP0001", "P08", photos=(red, green, red_again))

    assert len(filed.evidence) == 2
    assert filed.evidence[0].endswith(".png") and filed.evidence[1].endswith(".jpg")
    stored = sorted(p.name for p in db.evidence_dir.iterdir())
    assert stored == sorted(filed.evidence)
    assert (db.evidence_dir / filed.evidence[0]).read_bytes() == red.read_bytes()


def test_a_file_that_is_not_a_picture_is_refused(engine: Engine, db: Db, tmp_path: Path) -> None:
    fake = tmp_path / "evidence.jpg"
    fake.write_text("not a picture")
    before = dump(db.path)
    with pytest.raises(BadInput) as caught:
        file(engine, db, "HP0001", "P08", photos=(fake,))
    assert caught.value.key == "evidence.unreadable"
    assert "evidence.jpg" in str(caught.value)
    assert dump(db.path) == before
    assert not db.evidence_dir.exists() or not any(db.evidence_dir.iterdir())


def test_unknown_and_ambiguous_references(engine: Engine, db: Db) -> None:
    with pytest.raises(NotFound) as unknown:
        decide(engine, "deadbeef")
    assert unknown.value.key == "declaration.unknown"
    with pytest.raises(NotFound):
        decide(engine, "abc")  # too short to name anything


def test_filing_again_with_the_same_id_returns_the_first(engine: Engine, db: Db) -> None:
    with write_session(engine) as session:
        kwargs = dict(
            household=household(session, "HP0001"),
            rule_id="P08",
            quantity=1,
            description="清扫",
            now=at(2026, 11, 16),
            declaration_id="3f0e9a7c-0000-4000-8000-000000000001",
            photos=[photo(db.path.parent, "deed.png", (0, 120, 0))],
            evidence_dir=db.evidence_dir,
        )
        first = file_declaration(session, **kwargs)  # type: ignore[arg-type]
        again = file_declaration(session, **kwargs)  # type: ignore[arg-type]
    assert again.replayed and again.id == first.id
    with read_session(engine) as session:
        assert len(list_pending(session, "heping")) == 1


def test_the_administrator_who_filed_a_declaration_may_not_decide_it(
    engine: Engine, db: Db
) -> None:
    """Four eyes: filed by the village administrator for a villager, it is approved or rejected
    by another administrator, never by the one who filed it; the refusal writes nothing."""
    with write_session(engine) as session:
        filed = file_declaration(
            session,
            household=household(session, "HP0001"),
            rule_id="P08",
            quantity=1,
            description="参加村里组织的义务劳动",
            now=at(2026, 11, 16),
            photos=(photo(db.path.parent, "deed.png", (0, 120, 0)),),
            evidence_dir=db.evidence_dir,
            filed_by=operator(session, "admin-heping"),
        )
    before = dump(db.path)
    for kwargs in ({}, {"reason": "照片看不清"}):
        with pytest.raises(Refused) as refused:
            decide(engine, filed.id, "admin-heping", **kwargs)
        assert refused.value.key == "declaration.four_eyes"
    assert dump(db.path) == before
    assert decide(engine, filed.id, "street-admin").status == "approved"


def test_a_declaration_filed_without_an_operator_may_be_decided_by_any_administrator(
    engine: Engine, db: Db
) -> None:
    filed = file(engine, db, "HP0001", "P08")
    assert decide(engine, filed.id, "admin-heping").status == "approved"
