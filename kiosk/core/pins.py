"""Operator PINs, stored only as scrypt hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# scrypt with n=2**14 takes ~30-60 ms on a mini-PC: harmless at sign-in, slow for guessing
# the 10,000 four-digit PINs offline.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = base64.b64encode(salt + digest).decode()
    return f"scrypt${_N}${_R}${_P}${encoded}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, encoded = stored.split("$")
        raw = base64.b64decode(encoded)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = raw[:16], raw[16:]
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(digest, expected)
