"""Card sheets for a village (all its households, or those added or given a new card since a
day) and reissuing a lost card: the one path `kiosk cards`, `kiosk card reissue` and the
street office's console take."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from kiosk.core.cards import IssuedCard, reissue_card
from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session
from kiosk.core.errors import BadInput
from kiosk.core.households import resolve_household
from kiosk.core.ledger import meta_get
from kiosk.core.reference import operator_by_id, require_village, village_by_name
from kiosk.core.register import households_for_cards, record_reissue, register_operator
from kiosk.printables.cards import CardFace, render_sheet
from kiosk.services.register import Audit, writing


def card_faces(
    engine: Engine, signer: CardSigner, *, village: str, since: date | None
) -> tuple[str, list[CardFace]]:
    """The village's name and the faces of its cards (only those new or reissued since
    `since`); refused with a key the kiosks do not trust or with no card to print."""
    with read_session(engine) as session:
        # Cards signed with a key the kiosks do not trust would all be refused at the counter.
        if meta_get(session, "card_public_key") != signer.public_key_hex():
            raise BadInput("card.key_mismatch")
        found = village_by_name(session, village)
        faces = [
            CardFace(
                payload=signer.payload(household.code, household.card_version),
                code=household.code,
                village=found.name,
                group=household.group_name,
                head_name=household.head_name,
                card_version=household.card_version,
            )
            for household in households_for_cards(session, found.id, since)
        ]
    if not faces:
        raise BadInput("cards.none", village=found.name)
    return found.name, faces


def card_sheet_pdf(
    engine: Engine,
    signer: CardSigner,
    *,
    village: str,
    since: date | None,
    operator_id: str,
) -> tuple[bytes, int]:
    """The village's card sheet as a PDF and how many cards it holds, for an administrator
    of the village (a street administrator: any village)."""
    with read_session(engine) as session:
        operator = register_operator(session, operator_id)
        require_village(operator, village_by_name(session, village).id)
    _name, faces = card_faces(engine, signer, village=village, since=since)
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "cards.pdf"
        render_sheet(faces, out)
        return out.read_bytes(), len(faces)


def reissue(
    engine: Engine,
    code: str,
    signer: CardSigner,
    *,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> IssuedCard:
    """A new card for a lost one (older cards refused from each kiosk's next pull), logged;
    `code` is a typed household code or a scanned card."""
    with writing(engine, audit) as session:
        operator = operator_by_id(session, operator_id)
        household = resolve_household(session, code)
        issued = reissue_card(session, household=household, operator=operator, signer=signer)
        record_reissue(session, household, operator, now)
        return issued
