"""The register's services as the console takes them (`sync.web.register_port.RegisterDesk`):
the functions `kiosk household|operator|catalog|rules|cards` call, nothing of their own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from kiosk.services import cards, register
from kiosk.services.households import HouseholdFinder, HouseholdHit


class RegisterDesk:
    import_roster_data = staticmethod(register.import_roster_data)
    edit = staticmethod(register.edit)
    participation = staticmethod(register.participation)
    leave = staticmethod(register.leave)
    add_operator = staticmethod(register.add_operator)
    reissue_pin = staticmethod(register.reissue_pin)
    disable_operator = staticmethod(register.disable_operator)
    add_exchange_point = staticmethod(register.add_exchange_point)
    add_catalog_item = staticmethod(register.add_catalog_item)
    retire_catalog_item = staticmethod(register.retire_catalog_item)
    set_catalog_price = staticmethod(register.set_catalog_price)
    propose_ruleset_text = staticmethod(register.propose_ruleset_text)
    approve_ruleset = staticmethod(register.approve_ruleset)
    ruleset_changes = staticmethod(register.ruleset_changes)
    rulesets_overview = staticmethod(register.rulesets_overview)
    card_sheet_pdf = staticmethod(cards.card_sheet_pdf)
    reissue_card = staticmethod(cards.reissue)

    def __init__(self, card_key: Path | None = None) -> None:
        # The card-signing key's file as the settings name it (`Settings.card_key_path`): a
        # PostgreSQL central has no database file for the key to sit beside.
        self.card_key = card_key
        self._finder = HouseholdFinder()  # keeps each village's pinyin once worked out

    def find_households(
        self, session: Session, query: str, village_id: str | None
    ) -> Sequence[HouseholdHit]:
        """Within the village an administrator serves (a street administrator: all)."""
        return self._finder.find(session, query, village_id, within=village_id)
