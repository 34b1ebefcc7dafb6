"""Card payloads: what parse_scan accepts, and that no altered payload still verifies."""

from __future__ import annotations

import pytest

from kiosk.core.codes import (
    CardScan,
    CardSigner,
    OrderScan,
    ShortCodeScan,
    looks_like_payload,
    parse_scan,
    verify_card,
)
from kiosk.core.errors import BadInput

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SIGNER = CardSigner.generate()
OTHER = CardSigner.generate()


def verifies(text: str, signer: CardSigner = SIGNER) -> bool:
    """True when `text` parses as a card whose signature checks out."""
    try:
        scan = parse_scan(text)
    except BadInput:
        return False
    return isinstance(scan, CardScan) and verify_card(scan, signer.public_key_hex())


def test_a_minted_payload_verifies_and_parses() -> None:
    payload = SIGNER.payload("HP0001", 3)
    scan = parse_scan(payload)
    assert isinstance(scan, CardScan) and (scan.code, scan.version) == ("HP0001", 3)
    assert verifies(payload) and not verifies(payload, OTHER)
    assert looks_like_payload(payload) and looks_like_payload(" " + payload.lower() + "\n")


def test_other_scans_are_classified() -> None:
    assert parse_scan("hp0042") == ShortCodeScan("HP0042")
    assert parse_scan("JFO:K-HP-01-000123") == OrderScan("K-HP-01-000123")


@pytest.mark.parametrize("position", range(13, 13 + 103))
def test_changing_any_one_signature_character_is_refused(position: int) -> None:
    # Every character of the signature counts, including the last one, whose low three bits
    # are base32 padding: a payload differing only there is an altered payload.
    payload = SIGNER.payload("HP0001", 1)
    old = BASE32.index(payload[position])
    for new in {old ^ 1, old ^ 4, old ^ 16}:
        altered = payload[:position] + BASE32[new] + payload[position + 1 :]
        assert not verifies(altered), (position, altered)


def test_signatures_read_as_base64_reads_them() -> None:
    """The fast reading of a signature (one big number) agrees with base64 on every byte
    pattern tried, and refuses exactly the last characters the canonical spelling excludes."""
    import base64
    import random

    rng = random.Random(2)
    for raw in [bytes(64), b"\xff" * 64, *(rng.randbytes(64) for _ in range(200))]:
        spelled = base64.b32encode(raw).decode().rstrip("=")
        scan = parse_scan(f"JF1:HP0001:1:{spelled}")
        assert isinstance(scan, CardScan) and scan.signature == raw
        for last in BASE32:
            text = spelled[:-1] + last
            canonical = base64.b32encode(base64.b32decode(text + "=")).decode()[:-1] == text
            try:
                parse_scan(f"JF1:HP0001:1:{text}")
                accepted = True
            except BadInput as error:
                assert error.key == "code.forged"
                accepted = False
            assert accepted == canonical, text


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "\x00",
        "牙膏",
        "HP001",
        "JF1:HP0001:1:",
        "JFO:",
        "a" * 257,
        "JF1:HP0001:x:" + "A" * 103,
    ],
)
def test_garbage_is_bad_input(raw: str) -> None:
    with pytest.raises(BadInput):
        parse_scan(raw)
