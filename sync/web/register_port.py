"""What the console's register pages need from the services layer, passed in by the entry point
(`kiosk.services.register_desk.RegisterDesk`, as `OfficeDesk.register`): the very functions the
`kiosk` CLI calls, since `sync` may not import `kiosk.services` itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.cards import IssuedCard
from kiosk.core.codes import CardSigner
from kiosk.core.register import ImportReport, ProposalReport
from kiosk.core.ruleset_changes import ProposalChanges

# Run inside a change's transaction just before its commit (`kiosk.services.register.Audit`).
Audit = Any


class SearchHit(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def masked_head(self) -> str: ...
    @property
    def village(self) -> str: ...
    @property
    def group(self) -> str: ...


class RegisterDesk(Protocol):
    card_key: Path | None  # the card-signing key's file; None: beside an SQLite database

    def find_households(
        self, session: Session, query: str, village_id: str | None
    ) -> Sequence[SearchHit]: ...

    def import_roster_data(
        self,
        engine: Engine,
        data: bytes,
        name: str,
        *,
        operator_id: str,
        now: datetime,
        dry_run: bool = False,
        expected: str | None = None,
        audit: Audit | None = None,
    ) -> ImportReport: ...

    def edit(
        self,
        engine: Engine,
        code: str,
        *,
        head: str | None,
        group: str | None,
        members: Sequence[str] | None,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def participation(
        self,
        engine: Engine,
        code: str,
        change: str,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def leave(
        self,
        engine: Engine,
        code: str,
        *,
        reason: str,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def add_operator(
        self,
        engine: Engine,
        *,
        new_id: str,
        name: str,
        role: str,
        village: str | None,
        exchange_point: str | None,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def reissue_pin(
        self,
        engine: Engine,
        target_id: str,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def disable_operator(
        self,
        engine: Engine,
        target_id: str,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def add_exchange_point(
        self,
        engine: Engine,
        *,
        village: str,
        name: str,
        point_id: str | None,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def add_catalog_item(
        self,
        engine: Engine,
        *,
        name: str,
        points: int,
        due_class: str,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def retire_catalog_item(
        self,
        engine: Engine,
        no: int,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def set_catalog_price(
        self,
        engine: Engine,
        no: int,
        points: int,
        *,
        effective_from: date,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def propose_ruleset_text(
        self,
        engine: Engine,
        body: str,
        *,
        village: str | None,
        effective_from: date,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> ProposalReport: ...

    def approve_ruleset(
        self,
        engine: Engine,
        proposal_id: str,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> dict[str, Any]: ...

    def ruleset_changes(self, engine: Engine, proposal_id: str) -> ProposalChanges: ...

    def rulesets_overview(
        self, engine: Engine, *, village: str | None, at: date
    ) -> dict[str, Any]: ...

    def card_sheet_pdf(
        self,
        engine: Engine,
        signer: CardSigner,
        *,
        village: str,
        since: date | None,
        operator_id: str,
    ) -> tuple[bytes, int]: ...

    def reissue_card(
        self,
        engine: Engine,
        code: str,
        signer: CardSigner,
        *,
        operator_id: str,
        now: datetime,
        audit: Audit | None = None,
    ) -> IssuedCard: ...
