"""`kiosk cards`: printable sheets of signed household cards for one village (street office)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.cli.context import add_db_option, card_signer, open_engine
from kiosk.cli.texts import say
from kiosk.core.errors import BadInput


def register(subparsers: Any) -> None:
    help_text = "print a village's household cards as A4 sheets (.pdf, or .png per page)"
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "cards", help=help_text, description=help_text
    )
    add_db_option(parser)
    parser.add_argument("--village", required=True, help="village name or id, e.g. heping")
    parser.add_argument("--out", required=True, type=Path, help="FILE.pdf or FILE.png")
    parser.add_argument(
        "--since",
        type=date.fromisoformat,
        help="only households added or reissued since YYYY-MM-DD",
    )
    parser.set_defaults(handler=cards)


def cards(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.ledger import meta_get
    from kiosk.core.reference import village_by_name
    from kiosk.core.register import households_for_cards
    from kiosk.printables.cards import CardFace, render_sheet

    out: Path = args.out
    if out.suffix.lower() not in (".pdf", ".png"):
        raise BadInput("card.out_suffix", path=str(out))
    # Only the street office holds the private key; a kiosk must not be able to mint cards.
    signer = card_signer(args)
    with read_session(open_engine(args, create=False)) as session:
        # Cards signed with a key the kiosks do not trust would all be refused at the counter.
        if meta_get(session, "card_public_key") != signer.public_key_hex():
            raise BadInput("card.key_mismatch")
        village = village_by_name(session, args.village)
        households = households_for_cards(session, village.id, args.since)
        faces = [
            CardFace(
                payload=signer.payload(household.code, household.card_version),
                code=household.code,
                village=village.name,
                group=household.group_name,
                head_name=household.head_name,
                card_version=household.card_version,
            )
            for household in households
        ]
    if not faces:
        raise BadInput("cards.none", village=village.name)
    if not out.parent.is_dir():
        raise BadInput("cards.out_dir", out=str(out))
    written = render_sheet(faces, out)
    files = ", ".join(str(p) for p in written)
    print(say("cards.written", village=village.name, count=len(faces), files=files))
    return 0
