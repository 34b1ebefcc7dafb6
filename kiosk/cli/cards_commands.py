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
    from kiosk.printables.cards import render_sheet
    from kiosk.services.cards import card_faces

    out: Path = args.out
    if out.suffix.lower() not in (".pdf", ".png"):
        raise BadInput("card.out_suffix", path=str(out))
    # Only the street office holds the private key; a kiosk must not be able to mint cards.
    signer = card_signer(args)
    name, faces = card_faces(
        open_engine(args, create=False), signer, village=args.village, since=args.since
    )
    if not out.parent.is_dir():
        raise BadInput("cards.out_dir", out=str(out))
    written = render_sheet(faces, out)
    files = ", ".join(str(p) for p in written)
    print(say("cards.written", village=name, count=len(faces), files=files))
    return 0
