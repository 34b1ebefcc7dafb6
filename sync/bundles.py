"""Sync without a network: a kiosk's signed export bundle, the central's signed reply.

A bundle carries exactly the requests an online sync would make (hello, the push chunks,
the pull cursors), and the reply the answers (acknowledgement and pull pages), so
importing either goes through the same services and is just as idempotent. Both are
signed with HMAC-SHA256 under a key derived from the kiosk's secret; anything altered,
or signed with another kiosk's key, is refused before a byte of it is applied.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ledger import meta_get, meta_set
from sync.client import (
    ACKED_KEY,
    LAST_SYNC_KEY,
    LocalCentral,
    apply_pull,
    claim_origin,
    hello_payload,
    pull_request,
    push_payloads,
)
from sync.credentials import bundle_key

MAGIC = b"TANGXIANG-SYNC-BUNDLE 1\n"
MAX_BUNDLE_BYTES = 512 * 1024 * 1024


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def pack(kind: str, kiosk_id: str, key: bytes, content: dict[str, Any]) -> bytes:
    body = gzip.compress(
        json.dumps({"kind": kind, "kiosk_id": kiosk_id, **content}, ensure_ascii=False).encode(),
        mtime=0,
    )
    header = json.dumps({"kind": kind, "kiosk_id": kiosk_id, "hmac": _sign(key, body)})
    return MAGIC + header.encode() + b"\n" + body


def peek(data: bytes, path: str = "-") -> tuple[str, str]:
    """(kind, kiosk id) from a bundle's header, before its signature is checked."""
    header = _header(data, path)
    return header["kind"], header["kiosk_id"]


def _header(data: bytes, path: str) -> dict[str, str]:
    if not data.startswith(MAGIC) or len(data) > MAX_BUNDLE_BYTES:
        raise BadInput("sync.bundle_format", path=path)
    line, _, _body = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError:
        raise BadInput("sync.bundle_format", path=path) from None
    if not isinstance(header, dict) or not all(
        isinstance(header.get(k), str) for k in ("kind", "kiosk_id", "hmac")
    ):
        raise BadInput("sync.bundle_format", path=path)
    return header


def unpack(data: bytes, key: bytes, *, kind: str, path: str = "-") -> dict[str, Any]:
    """The bundle's content once its signature holds; otherwise BadInput."""
    header = _header(data, path)
    body = data[len(MAGIC) :].partition(b"\n")[2]
    if not hmac.compare_digest(header["hmac"], _sign(key, body)):
        raise BadInput("sync.bundle_tampered")
    try:
        content = json.loads(gzip.decompress(body))
    except (OSError, ValueError, EOFError):
        raise BadInput("sync.bundle_tampered") from None
    if (
        not isinstance(content, dict)
        or content.get("kind") != kind
        or content.get("kiosk_id") != header["kiosk_id"]
    ):
        raise BadInput("sync.bundle_format", path=path)
    return content


# --- the kiosk ----------------------------------------------------------------------------------


def export_bundle(engine: Engine, *, kiosk_id: str, secret: str, now: datetime) -> bytes:
    """Everything after the kiosk's last acknowledgement, and where its pull stands."""
    claim_origin(engine, kiosk_id)
    with read_session(engine) as session:
        greeting = hello_payload(session, kiosk_id, now)
        start = int(meta_get(session, ACKED_KEY) or 0)
        pull = pull_request(session, kiosk_id)
    pushes = [payload for payload, _last in push_payloads(engine, kiosk_id, start)]
    content = {"hello": greeting, "pushes": pushes, "pull": pull}
    return pack("export", kiosk_id, bundle_key(secret), content)


def import_reply(
    engine: Engine, data: bytes, *, kiosk_id: str, secret: str, now: datetime, path: str = "-"
) -> dict[str, Any]:
    """Take the central's reply: the acknowledgement, then each pull page in order."""
    _kind, owner = peek(data, path)
    if owner != kiosk_id:
        raise BadInput("sync.bundle_kiosk", bundle=owner, kiosk=kiosk_id)
    content = unpack(data, bundle_key(secret), kind="reply", path=path)
    claim_origin(engine, kiosk_id)
    pulled = 0
    pages = content.get("pages")
    if not isinstance(pages, list):
        raise BadInput("sync.bundle_format", path=path)
    for page in pages:
        with write_session(engine) as session:
            pulled += apply_pull(session, page, kiosk_id)
    acked = content.get("acked_seq")
    with write_session(engine) as session:
        if isinstance(acked, int) and acked >= int(meta_get(session, ACKED_KEY) or 0):
            meta_set(session, ACKED_KEY, str(acked))
        if meta_get(session, "exchange_point_id") is None and content.get("exchange_point_id"):
            meta_set(session, "exchange_point_id", str(content["exchange_point_id"]))
        meta_set(session, LAST_SYNC_KEY, now.isoformat())
    return {
        "kiosk_id": kiosk_id,
        "acked_seq": acked,
        "pulled": pulled,
        "alerts": content.get("alerts", []),
        "warnings": content.get("warnings", []),
    }


# --- the central -------------------------------------------------------------------------------


def import_at_central(
    engine: Engine, data: bytes, *, now: datetime, path: str = "-"
) -> tuple[bytes, dict[str, Any]]:
    """Apply a kiosk's export as if it had synced online; returns the signed reply and a
    summary. A revoked kiosk's bundle is refused like its requests would be."""
    from kiosk.core.central_models import SyncKiosk

    _kind, kiosk_id = peek(data, path)
    with read_session(engine) as session:
        kiosk = session.get(SyncKiosk, kiosk_id)
        if kiosk is None:
            raise Refused("sync.unauthorized")
        if kiosk.revoked_at is not None:
            raise Refused("sync.revoked", kiosk=kiosk_id)
        key = bytes.fromhex(kiosk.bundle_key)
    content = unpack(data, key, kind="export", path=path)
    link = LocalCentral(engine, kiosk_id, lambda: now)
    hello = content.get("hello")
    pushes = content.get("pushes")
    pull = content.get("pull")
    if not isinstance(hello, dict) or not isinstance(pushes, list) or not isinstance(pull, dict):
        raise BadInput("sync.bundle_format", path=path)
    greeting = link.hello(hello)
    acked = int(greeting["acked_seq"])
    inserted = 0
    alerts: list[Any] = []
    for payload in pushes:
        if not isinstance(payload, dict):
            raise BadInput("sync.bundle_format", path=path)
        if int(payload.get("last_seq", 0)) <= acked:
            continue  # already here from an earlier import or an online sync
        reply = link.push(payload)
        acked = int(reply["acked_seq"])
        inserted += int(reply["inserted"])
        alerts.extend(reply["alerts"])
    pages = []
    request = dict(pull)
    while True:
        page = link.pull(request)
        pages.append(page)
        if not page.get("more"):
            break
        request = {**request, "cursor": page["cursor"], "ref_cursor": page["ref_cursor"]}
    reply_content = {
        "acked_seq": acked,
        "exchange_point_id": greeting["exchange_point_id"],
        "pages": pages,
        "alerts": alerts,
        "warnings": greeting.get("warnings", []),
    }
    summary = {
        "kiosk_id": kiosk_id,
        "acked_seq": acked,
        "pushed": inserted,
        "pages": len(pages),
        "alerts": alerts,
    }
    return pack("reply", kiosk_id, key, reply_content), summary
