"""Household cards: reissuing a lost card, and saying what codes read from a picture are.

Reissuing bumps `Household.card_version` (a reference-row update); from then on
`resolve_household` refuses every card of an older version, so a lost card is dead the
moment the new one is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from kiosk.core.awards import AWARDING_ROLES
from kiosk.core.codes import CardSigner, OrderScan, parse_scan
from kiosk.core.errors import BadInput, DomainError, NotFound
from kiosk.core.households import resolve_household
from kiosk.core.ledger import meta_get
from kiosk.core.masking import mask_name
from kiosk.core.models import Household, Operator, RedemptionOrder
from kiosk.core.reference import require_role, require_village


@dataclass(frozen=True)
class IssuedCard:
    household_id: str
    code: str
    version: int
    payload: str  # the signed QR text of the new card


def card_payload(session: Session, household: Household, signer: CardSigner) -> str:
    """The signed payload of the household's current card, checked against this database's
    public key so a wrong key file never prints cards every kiosk would refuse as forged."""
    public_key = meta_get(session, "card_public_key")
    if public_key != signer.public_key_hex():
        raise BadInput("card.key_mismatch")
    return signer.payload(household.code, household.card_version)


def reissue_card(
    session: Session, *, household: Household, operator: Operator, signer: CardSigner
) -> IssuedCard:
    """Replace a lost card: the household gets the next card version, older cards are refused.

    Only where the signing key is (the street office) can the new card be made, so the
    signer is required: a version bump without a printable card would lock the household out.
    """
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    card_payload(session, household, signer)  # refuses a mismatched key before anything changes
    household.card_version += 1
    household.server_seq = None  # the next pull carries the new version to the village's kiosks
    session.add(household)
    session.flush()
    return IssuedCard(
        household_id=household.id,
        code=household.code,
        version=household.card_version,
        payload=card_payload(session, household, signer),
    )


@dataclass(frozen=True)
class ScannedCode:
    """One code read from a picture and what it turned out to be."""

    text: str
    kind: str  # "household", "order" or "refused"
    household_code: str | None = None
    masked_name: str | None = None
    order_number: str | None = None
    error_key: str | None = None
    message_zh: str | None = None
    message_en: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind != "refused"

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def identify_codes(session: Session, texts: Iterable[str]) -> list[ScannedCode]:
    """Say what each decoded text is: a household (its card verified, the name masked, since
    a photo may be shown to anyone), an order, or refused with the reason (forged, replaced)."""
    found: list[ScannedCode] = []
    for text in texts:
        try:
            scan = parse_scan(text)
            if isinstance(scan, OrderScan):
                order = session.exec(
                    select(RedemptionOrder).where(RedemptionOrder.number == scan.number)
                ).first()
                if order is None:
                    raise NotFound("order.unknown", order=scan.number)
                owner = session.get(Household, order.household_id)
                found.append(
                    ScannedCode(
                        text=text,
                        kind="order",
                        order_number=order.number,
                        household_code=owner.code if owner else None,
                    )
                )
                continue
            household = resolve_household(session, text)
            found.append(
                ScannedCode(
                    text=text,
                    kind="household",
                    household_code=household.code,
                    masked_name=mask_name(household.head_name),
                )
            )
        except DomainError as error:
            found.append(
                ScannedCode(
                    text=text,
                    kind="refused",
                    error_key=error.key,
                    message_zh=error.message("zh"),
                    message_en=error.message("en"),
                )
            )
    return found


def household_from_codes(session: Session, texts: Iterable[str]) -> Household:
    """The one household a photo of a card shows (the declaration screen's way in).

    Refuses with the card's own reason (forged, replaced) when no valid card is in it.
    """
    first_error: DomainError | None = None
    for text in texts:
        try:
            scan = parse_scan(text)
            if isinstance(scan, OrderScan):
                continue
            return resolve_household(session, text)
        except DomainError as error:
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    raise BadInput("scan.none")
