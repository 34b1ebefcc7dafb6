"""Offline bundles: a kiosk's signed export applied at the central, the signed reply taken
back; repeated imports change nothing; altered or foreign bundles are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.households import household_by_code
from kiosk.core.models import LedgerEntry
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from sync.bundles import MAGIC, export_bundle, import_at_central, import_reply
from sync.client import ACKED_KEY
from sync.credentials import revoke_kiosk
from tests.sync.harness import NOW, Central, assert_agree, kiosk_meta, new_kiosk, village_state


def test_a_bundle_round_trip_bootstraps_pushes_and_is_idempotent(
    central: Central, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    # A kiosk that never saw a network: bootstrap by bundle.
    reply, summary = import_at_central(
        central.engine,
        export_bundle(kiosk.engine, kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW),
        now=NOW,
    )
    assert summary["pushed"] == 0
    result = import_reply(kiosk.engine, reply, kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW)
    assert result["pulled"] > 0
    assert_agree(central, kiosk)

    with write_session(kiosk.engine) as session:
        redeem(
            session,
            household=household_by_code(session, "HP0001"),
            lines=[RedeemLine(1, 2)],
            operator=operator_by_id(session, "shop-heping"),
            now=NOW,
        )
    bundle = export_bundle(kiosk.engine, kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW)
    reply, summary = import_at_central(central.engine, bundle, now=NOW)
    assert (summary["pushed"], summary["acked_seq"]) == (2, 2)
    again, summary = import_at_central(
        central.engine, bundle, now=NOW
    )  # the stick plugged in twice
    assert summary["pushed"] == 0
    before = village_state(central.engine, "heping")
    for data in (reply, again, reply):
        import_reply(kiosk.engine, data, kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW)
    assert kiosk_meta(kiosk, ACKED_KEY) == "2"
    assert village_state(central.engine, "heping") == before
    assert_agree(central, kiosk)
    with read_session(central.engine) as session:
        assert (
            len(session.exec(select(LedgerEntry).where(LedgerEntry.origin == kiosk.id)).all()) == 1
        )


def test_an_altered_or_foreign_bundle_is_refused_and_changes_nothing(
    sqlite_central: Central, tmp_path: Path
) -> None:
    central = sqlite_central
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    other = new_kiosk(central, tmp_path, "K-HP-02")
    bundle = export_bundle(kiosk.engine, kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW)
    before = village_state(central.engine, "heping")
    flipped = bytearray(bundle)
    flipped[-40] ^= 0x01
    for data, key in (
        (bytes(flipped), "sync.bundle_tampered"),
        (
            bundle.replace(b'"kiosk_id": "K-HP-01"', b'"kiosk_id": "K-HP-02"', 1),
            "sync.bundle_tampered",
        ),
        (b"hello", "sync.bundle_format"),
        (MAGIC + b"{}\n", "sync.bundle_format"),
    ):
        with pytest.raises(BadInput) as refused:
            import_at_central(central.engine, data, now=NOW)
        assert refused.value.key == key
    assert village_state(central.engine, "heping") == before

    reply, _ = import_at_central(central.engine, bundle, now=NOW)
    with pytest.raises(BadInput) as wrong_owner:
        import_reply(other.engine, reply, kiosk_id=other.id, secret=other.secret, now=NOW)
    assert wrong_owner.value.key == "sync.bundle_kiosk"
    with pytest.raises(BadInput) as wrong_key:
        import_reply(kiosk.engine, reply, kiosk_id=kiosk.id, secret=other.secret, now=NOW)
    assert wrong_key.value.key == "sync.bundle_tampered"
    altered = bytearray(reply)
    altered[len(altered) // 2] ^= 0x40
    with pytest.raises(BadInput):
        import_reply(kiosk.engine, bytes(altered), kiosk_id=kiosk.id, secret=kiosk.secret, now=NOW)
    assert kiosk_meta(kiosk, "card_public_key") is None  # nothing of it was applied

    with write_session(central.engine) as session:
        revoke_kiosk(session, kiosk.id, NOW)
    with pytest.raises(Refused) as revoked:
        import_at_central(central.engine, bundle, now=NOW)
    assert revoked.value.key == "sync.revoked"
