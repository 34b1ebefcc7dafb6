"""What a scanner types: signed household card codes, order codes, and telling them apart.

A household card carries `JF1:<short code>:<card version>:<signature>`. The signature is
Ed25519 over the first three fields with a key that stays at the street office; kiosks hold
only the public key, so a stolen kiosk cannot mint cards. A reissued card bumps the version,
and every older card is refused from then on. Receipts carry `JFO:<order number>`.

Payloads use only upper-case letters, digits and `:-`, which QR codes store compactly and
every scanner keyboard layout types the same; lower case (a scanner with Caps Lock on) is
accepted by folding to upper case.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from kiosk.core.errors import BadInput

CARD_PREFIX = "JF1"
ORDER_PREFIX = "JFO"
MAX_SCAN_LENGTH = 256

_SHORT_CODE = re.compile(r"^[A-Z]{2,4}\d{4,6}$")
_CARD = re.compile(r"^JF1:([A-Z]{2,4}\d{4,6}):(\d{1,4}):([A-Z2-7]{103})$")
_ORDER = re.compile(r"^JFO:([A-Z0-9-]{3,40})$")


@dataclass(frozen=True)
class CardScan:
    code: str
    version: int
    signature: bytes

    @property
    def signed_text(self) -> bytes:
        return f"{CARD_PREFIX}:{self.code}:{self.version}".encode()


@dataclass(frozen=True)
class ShortCodeScan:
    """A household code typed by hand (no signature: the shopkeeper sees who it is)."""

    code: str


@dataclass(frozen=True)
class OrderScan:
    number: str


Scan = CardScan | ShortCodeScan | OrderScan


def read_separators(text: str) -> str:
    """`text` with a card's or order's `;` separators read as the `:` they were meant to be.

    A scanner whose keyboard layout differs from the kiosk's types the shifted `:` as the
    unshifted `;` of the same key. Reading them back cannot open a wrong household: only
    the separators change, a card's signature covers its code and version (an altered one
    is refused as forged), and an order number is looked up exactly as scanned.
    """
    upper = text.strip().upper()
    if upper.startswith((CARD_PREFIX + ";", ORDER_PREFIX + ";")):
        return upper.replace(";", ":")
    return text


def parse_scan(raw: str) -> Scan:
    """Classify what the scanner (or the shopkeeper) typed; garbage raises BadInput."""
    if len(raw) > MAX_SCAN_LENGTH:
        raise BadInput("code.garbled")
    text = read_separators(raw).strip().upper()
    if text.startswith((CARD_PREFIX, ORDER_PREFIX)) and len(text) > len(CARD_PREFIX):
        separator = text[len(CARD_PREFIX)]
        if separator != ":" and not (separator.isascii() and separator.isalnum()):
            # Another layout's character where every code has its colon (Ö on a German
            # layout): the scanner's keyboard setting, not the card, is what to fix.
            raise BadInput("code.layout", got=separator)
    if not text or not text.isascii() or not text.isprintable():
        raise BadInput("code.garbled")
    if match := _CARD.match(text):
        code, version, signature = match.groups()
        return CardScan(code=code, version=int(version), signature=_signature_bytes(signature))
    if match := _ORDER.match(text):
        return OrderScan(number=match.group(1))
    if _SHORT_CODE.match(text):
        return ShortCodeScan(code=text)
    if text.startswith((CARD_PREFIX + ":", ORDER_PREFIX + ":")):
        raise BadInput("code.garbled")
    raise BadInput("code.garbled")


# RFC 4648 base32 (A-Z, 2-7) respelled as the digits int(..., 32) reads (0-9, A-V).
_BASE32_AS_DIGITS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV"
)


def _signature_bytes(text: str) -> bytes:
    """The 64-byte signature spelled by the 103 base32 characters `_CARD` matched.

    Read as one big number: base64.b32decode and the re-encoding that checked the spelling
    took 13 µs of every scan in pure Python; this takes about one.
    """
    value = int(text.translate(_BASE32_AS_DIGITS), 32)
    # 103 characters carry 515 bits, the signature's 512 and 3 padding bits. Only the
    # canonical spelling (padding bits zero) is a card, so no altered last character can
    # still pass as the same signature.
    if value & 0b111:
        raise BadInput("code.forged")
    return (value >> 3).to_bytes(64, "big")


def looks_like_payload(text: str) -> bool:
    """True when `text` is a whole card or order code (used to spot scanner bursts)."""
    upper = read_separators(text).strip().upper()
    return bool(_CARD.match(upper) or _ORDER.match(upper))


def order_payload(number: str) -> str:
    return f"{ORDER_PREFIX}:{number}"


class CardSigner:
    """Mints card payloads; lives only where the private key is (the street office)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> CardSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_file(cls, path: Path) -> CardSigner:
        raw = bytes.fromhex(path.read_text().strip())
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def save(self, path: Path) -> None:
        from cryptography.hazmat.primitives import serialization

        raw = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(raw.hex() + "\n")

    def public_key_hex(self) -> str:
        from cryptography.hazmat.primitives import serialization

        raw = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return raw.hex()

    def payload(self, code: str, version: int) -> str:
        signed = f"{CARD_PREFIX}:{code}:{version}"
        signature = base64.b32encode(self._key.sign(signed.encode())).decode().rstrip("=")
        return f"{signed}:{signature}"


@lru_cache(maxsize=8)
def _public_key(public_key_hex: str) -> Ed25519PublicKey:
    # A kiosk checks every card against the same one or two keys: parsing the key is a
    # sixth of a check, so it is done once per key, not once per scan.
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))


def verify_card(scan: CardScan, public_key_hex: str) -> bool:
    try:
        _public_key(public_key_hex).verify(scan.signature, scan.signed_text)
    except (InvalidSignature, ValueError):
        return False
    return True
