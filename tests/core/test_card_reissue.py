"""Reissuing a lost card (the old one refused from then on) and telling what codes in a picture
are, through real card images decoded with pyzbar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from kiosk.core.awards import award
from kiosk.core.cards import household_from_codes, identify_codes, reissue_card
from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.households import resolve_household
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.printables.cards import CardFace, render_card
from kiosk.printables.scan_image import decode_codes
from tests.support.builders import dump, household, operator
from tests.support.clock import at
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")


def reissue(engine: Engine, db: Db, code: str, by: str = "admin-heping") -> str:
    with write_session(engine) as session:
        return reissue_card(
            session,
            household=household(session, code),
            operator=operator(session, by),
            signer=db.signer(),
        ).payload


def photo_of_card(payload: str, tmp_path: Path, name: str) -> Path:
    """A card as a villager's phone would show it: the card on a grey table, shrunk."""
    card = render_card(CardFace(payload, "HP0001", "和平", "1组", "林小禾", 1))
    table = Image.new("RGB", (card.width + 200, card.height + 200), (120, 120, 120))
    table.paste(card, (100, 100))
    path = tmp_path / name
    table.resize((table.width // 2, table.height // 2)).save(path)
    return path


def test_a_reissued_card_refuses_the_old_one(engine: Engine, db: Db) -> None:
    old = db.signer().payload("HP0001", 1)
    new = reissue(engine, db, "HP0001")
    assert new.startswith("JF1:HP0001:2:")
    with read_session(engine) as session:
        assert household(session, "HP0001").card_version == 2
        assert resolve_household(session, new).code == "HP0001"
        with pytest.raises(BadInput) as caught:
            resolve_household(session, old)
    assert caught.value.key == "code.revoked"
    assert "第2版" in caught.value.message("zh")


@pytest.mark.parametrize(
    ("by", "key"), [("shop-heping", "operator.role"), ("admin-xizige", "operator.village")]
)
def test_only_administrators_of_the_village_reissue(
    engine: Engine, db: Db, by: str, key: str
) -> None:
    before = dump(db.path)
    with pytest.raises(Refused) as caught:
        reissue(engine, db, "HP0001", by=by)
    assert caught.value.key == key
    assert dump(db.path) == before


def test_a_key_that_does_not_match_the_database_is_refused(engine: Engine, db: Db) -> None:
    before = dump(db.path)
    with pytest.raises(BadInput) as caught, write_session(engine) as session:
        reissue_card(
            session,
            household=household(session, "HP0001"),
            operator=operator(session, "street-admin"),
            signer=CardSigner.generate(),
        )
    assert caught.value.key == "card.key_mismatch"
    assert dump(db.path) == before


def test_codes_in_pictures_are_identified_and_forgeries_refused(
    engine: Engine, db: Db, tmp_path: Path
) -> None:
    old = db.signer().payload("HP0001", 1)
    new = reissue(engine, db, "HP0001")
    forged = CardSigner.generate().payload("HP0002", 1)

    texts = [
        decode_codes(photo_of_card(payload, tmp_path, f"{name}.png"))[0]
        for name, payload in (("new", new), ("old", old), ("forged", forged))
    ]
    assert texts == [new, old, forged]
    with read_session(engine) as session:
        found = identify_codes(session, [*texts, "JFO:K-HP1-999999"])
    assert [(f.kind, f.household_code, f.masked_name, f.error_key) for f in found] == [
        ("household", "HP0001", "林*禾", None),
        ("refused", None, None, "code.revoked"),
        ("refused", None, None, "code.forged"),
        ("refused", None, None, "order.unknown"),
    ]
    assert found[2].message_zh is not None and "伪造" in found[2].message_zh


def test_an_order_code_names_its_order(engine: Engine, db: Db) -> None:
    with write_session(engine) as session:
        target = household(session, "HP0001")
        award(
            session,
            household=target,
            rule_id="P08",
            quantity=1,
            operator=operator(session, "admin-heping"),
            now=at(2026, 11, 15),
        )
        order = redeem(
            session,
            household=target,
            lines=[RedeemLine(1, 2)],
            operator=operator(session, "shop-heping"),
            now=at(2026, 11, 16),
        )
    with read_session(engine) as session:
        found = identify_codes(session, [f"JFO:{order.number}"])
    assert [(f.kind, f.order_number, f.household_code) for f in found] == [
        ("order", order.number, "HP0001")
    ]


def test_the_household_from_a_photo_of_its_card(engine: Engine, db: Db, tmp_path: Path) -> None:
    old = db.signer().payload("HP0001", 1)
    with read_session(engine) as session:
        texts = decode_codes(photo_of_card(old, tmp_path, "card.png"))
        assert household_from_codes(session, ["JFO:K-HP1-000001", *texts]).code == "HP0001"
        with pytest.raises(BadInput) as nothing:
            household_from_codes(session, [])
        assert nothing.value.key == "scan.none"
    new = reissue(engine, db, "HP0001")
    with read_session(engine) as session, pytest.raises(BadInput) as replaced:
        household_from_codes(session, [old])
    assert replaced.value.key == "code.revoked"
    assert new != old
