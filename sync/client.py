"""The kiosk's side of the nightly sync: push its own rows in chunks, pull its village.

`run_sync` talks to a `CentralLink`: `HttpCentral` over the network, or `LocalCentral`
calling the central's services in-process (offline bundles at the street office, tests).
Every step is idempotent, so a sync cut at any point is simply run again.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.clock import as_utc
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, Refused
from kiosk.core.ledger import meta_get, meta_set
from kiosk.core.models import OriginCounter
from sync.evidence import PhotoSource, fetch_photos
from sync.protocol import (
    APPLY_ORDER,
    CHUNK_SIZE,
    MAX_CHUNK,
    ORDER_LINES,
    ORDERS,
    PROTOCOL_VERSION,
    PULL_LIMIT,
    RECORD_TABLES,
    Row,
    decode_tables,
    encode_row,
)

# The meta keys live in the protocol; re-exported for those who take them from here.
from sync.protocol import LAST_RESULT_KEY as LAST_RESULT_KEY
from sync.protocol import LAST_SYNC_KEY as LAST_SYNC_KEY
from sync.protocol import SERVER_TIME_KEY as SERVER_TIME_KEY
from sync.protocol import (
    field as wire_field,
)

ACKED_KEY = "sync.acked_seq"
CURSOR_KEY = "sync.pull_cursor"
REF_CURSOR_KEY = "sync.pull_ref_cursor"


class SyncFailed(DomainError):
    """The sync could not finish (network, server); nothing half-applied stays behind."""


class CentralLink(Protocol):
    """The three calls of the protocol, each a JSON object in and out."""

    def hello(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    def push(self, payload: dict[str, Any]) -> dict[str, Any]: ...

    def pull(self, payload: dict[str, Any]) -> dict[str, Any]: ...


# --- links -------------------------------------------------------------------------------------


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_central_url(url: str, *, insecure: bool) -> str:
    """Plain HTTP only to this machine (or when told --insecure): the secret and the
    village's data must not cross a network unencrypted."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("sync.bad_url", url=url)
    if parts.scheme == "http" and not insecure and not is_loopback_url(url):
        raise BadInput("sync.plain_http", url=url)
    return url.rstrip("/")


class HttpCentral:
    """The central store over HTTP(S), signed in with the kiosk's id and secret."""

    def __init__(
        self,
        url: str,
        kiosk_id: str,
        secret: str,
        *,
        insecure: bool = False,
        timeout: float = 60.0,
        transport: Any = None,
    ) -> None:
        import httpx

        self.url = check_central_url(url, insecure=insecure)
        self._client = httpx.Client(
            base_url=self.url,
            auth=(kiosk_id, secret),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"tangxiang-kiosk-sync/{PROTOCOL_VERSION}"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpCentral:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(
        self, path: str, payload: dict[str, Any] | None, method: str = "POST"
    ) -> dict[str, Any]:
        import httpx

        try:
            response = self._client.request(method, path, json=payload)
        except httpx.HTTPError as error:
            raise SyncFailed("sync.unreachable", url=self.url, error=type(error).__name__) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return body
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            found = body.get("params")
            params: dict[str, Any] = found if isinstance(found, dict) else {}
            cls: type[DomainError] = (
                BadInput if response.status_code in (400, 413, 422) else Refused
            )
            if response.status_code in (429,) or response.status_code >= 500:
                cls = SyncFailed
            raise cls(body["error"], **params)
        raise SyncFailed("sync.server_error", status=response.status_code)

    def hello(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call("/v1/hello", payload)

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call("/v1/push", payload)

    def pull(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call("/v1/pull", payload)

    # A phone sign-in is online by nature, so these have no offline twin.

    def phone_slip(self, household_id: str) -> dict[str, Any]:
        """A new sign-in slip for the household: {url, code, expires_at, household_id}."""
        return self._call("/v1/phone-slips", {"household_id": household_id})

    def phones(self, household_id: str) -> list[dict[str, Any]]:
        """The household's bound phones."""
        found = self._call(f"/v1/households/{quote(household_id)}/phones", None, "GET")
        return list(found.get("phones", []))

    def revoke_phone(self, household_id: str, phone_id: str) -> None:
        self._call(f"/v1/households/{quote(household_id)}/phones/{quote(phone_id)}", None, "DELETE")

    def evidence(self, names: list[str]) -> dict[str, Any]:
        """Photos of the village's declarations by name: {photos: {name: base64}, missing}."""
        return self._call("/v1/evidence", {"names": names})


class LocalCentral:
    """The central's services called in-process with an already authenticated kiosk."""

    def __init__(self, engine: Engine, kiosk_id: str, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.kiosk_id = kiosk_id
        self.now = now

    def hello(self, payload: dict[str, Any]) -> dict[str, Any]:
        from kiosk.core.central_models import SyncKiosk
        from sync import central

        with write_session(self.engine) as session:
            kiosk = session.get(SyncKiosk, self.kiosk_id)
            if kiosk is None or kiosk.revoked_at is not None:
                raise Refused("sync.unauthorized")
            return central.hello(session, kiosk, payload, self.now())

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        from sync import central

        return central.receive_push(self.engine, self.kiosk_id, payload, self.now()).as_json()

    def pull(self, payload: dict[str, Any]) -> dict[str, Any]:
        from sync import central

        return central.serve_pull(self.engine, self.kiosk_id, payload, self.now())


# --- the kiosk's state --------------------------------------------------------------------------


def local_last_seq(session: Session, origin: str) -> int:
    counter = session.get(OriginCounter, origin)
    return counter.last_seq if counter else 0


def _meta_int(session: Session, key: str) -> int:
    return int(meta_get(session, key) or 0)


def claim_origin(engine: Engine, kiosk_id: str) -> None:
    """A fresh database becomes this kiosk; a database of another kiosk (or the central)
    is refused, since its rows would be pushed under the wrong name."""
    with write_session(engine) as session:
        if meta_get(session, "demo") == "1":
            # Demo rows (invented households, origin "demo-seed") must never reach a
            # real central store; a kiosk bootstraps from the central instead.
            raise BadInput("sync.demo_database")
        origin = meta_get(session, "origin")
        if origin is None:
            meta_set(session, "origin", kiosk_id)
        elif origin != kiosk_id:
            raise BadInput("sync.origin_mismatch", db=origin, kiosk=kiosk_id)


def _read_records(session: Session, origin: str, first: int, last: int) -> dict[str, list[Row]]:
    """The kiosk's sequenced rows with origin_seq in [first, last] (no order lines)."""
    rows: dict[str, list[Row]] = {}
    for table in RECORD_TABLES:
        t = table.table
        found = session.execute(
            select(t)
            .where(t.c.origin == origin, t.c.origin_seq >= first, t.c.origin_seq <= last)
            .order_by(t.c.origin_seq)
        ).mappings()
        encoded = [encode_row(table, r) for r in found]
        if encoded:
            rows[table.name] = encoded
    return rows


def _transaction_keys(session: Session, rows: dict[str, list[Row]]) -> dict[int, list[str]]:
    """Each row's seq with the keys it shares with the other rows written in its transaction.

    No row says which transaction wrote it, but every multi-row one ties its rows together:
    a redemption's order, entry (order_id), hand-overs (line -> order) and stock movements
    (ref_id -> hand-over); a cancellation's refund (order_id) and record (refund_entry_id);
    a mutual-help award's two entries (group_id); a declaration decision and its entries
    (entry_ids); a dispute resolution and its corrections (correction_entry_id, group_id).
    """
    line_ids = {r["line_id"] for n in ("handovers", "cancellations") for r in rows.get(n, [])}
    t = ORDER_LINES.table
    line_orders: dict[str, str] = (
        {
            line_id: order_id
            for line_id, order_id in session.execute(
                select(t.c.id, t.c.order_id).where(t.c.id.in_(line_ids))
            )
        }
        if line_ids
        else {}
    )
    keys: dict[int, list[str]] = {}
    for order in rows.get(ORDERS.name, []):
        keys[order["origin_seq"]] = [f"order:{order['id']}"]
    for entry in rows.get("entries", []):
        own = [f"entry:{entry['id']}"]
        if entry["order_id"]:
            own.append(f"order:{entry['order_id']}")
        if entry["group_id"]:
            own.append(f"group:{entry['group_id']}")
        keys[entry["origin_seq"]] = own
    for handover in rows.get("handovers", []):
        own = [f"handover:{handover['id']}"]
        if handover["line_id"] in line_orders:
            own.append(f"order:{line_orders[handover['line_id']]}")
        keys[handover["origin_seq"]] = own
    for cancellation in rows.get("cancellations", []):
        own = [f"entry:{cancellation['refund_entry_id']}"]
        if cancellation["line_id"] in line_orders:
            own.append(f"order:{line_orders[cancellation['line_id']]}")
        keys[cancellation["origin_seq"]] = own
    for movement in rows.get("stock_movements", []):
        keys[movement["origin_seq"]] = (
            [f"handover:{movement['ref_id']}"] if movement["ref_id"] else []
        )
    for decision in rows.get("declaration_decisions", []):
        keys[decision["origin_seq"]] = [f"entry:{e}" for e in decision["entry_ids"]]
    for resolution in rows.get("dispute_resolutions", []):
        entry_id = resolution["correction_entry_id"]
        keys[resolution["origin_seq"]] = [f"entry:{entry_id}"] if entry_id else []
    return keys


# A row that ties earlier rows of its transaction together (a declaration decision naming
# its entries) comes right after them: a cut is trusted only this many seqs inside what was
# read, so a tie just past the read cannot be missed.
REACH = 4
LOOKAHEAD = 64  # seqs read past a chunk's end to find where its last transaction ends


def _transaction_end(
    keys: dict[int, list[str]], end: int, read_to: int, *, complete: bool
) -> int | None:
    """The first seq at or after `end` that closes a transaction (the next seq shares no
    key with it, through any chain of rows read), or None if it may lie past the read;
    `complete` says nothing follows `read_to`."""
    parent: dict[int, int] = {}

    def root(seq: int) -> int:
        while (up := parent.get(seq, seq)) != seq:
            seq = up
        return seq

    holder: dict[str, int] = {}
    for seq, own in keys.items():
        for key in own:
            other = holder.setdefault(key, seq)
            if (a := root(seq)) != (b := root(other)):
                parent[a] = b
    horizon = read_to if complete else read_to - REACH
    cut = end
    while cut < horizon and root(cut) == root(cut + 1):
        cut += 1
    return cut if cut < horizon or complete else None


def read_chunk(
    session: Session, origin: str, first: int, end: int, last: int | None = None
) -> tuple[int, dict[str, list[Row]]]:
    """The kiosk's rows from origin_seq `first` through `end`, or further up to `last` so
    that the chunk never ends inside a transaction: cut there, the central would hold half a
    redemption (or award, or decision) until the next sync, and a village's kiosks could
    pull the half. Returns the seq the chunk really ends at, and its rows; every seq of the
    range is there, since every table that takes one is synced (sync.protocol)."""
    last = end if last is None else last
    # Never past what the central takes in one push: half a transaction now and then is
    # better than a kiosk that can never sync (no real transaction comes near it).
    limit = min(last, max(end, first + MAX_CHUNK - 1))
    lookahead = LOOKAHEAD
    while True:
        read_to = min(end + lookahead, limit)
        rows = _read_records(session, origin, first, read_to)
        keys = _transaction_keys(session, rows)
        cut = _transaction_end(keys, end, read_to, complete=read_to == last)
        if cut is not None or read_to == limit:
            cut = read_to if cut is None else cut
            break
        lookahead *= 4
    if cut < read_to:
        rows = {
            name: kept
            for name, table_rows in rows.items()
            if (kept := [r for r in table_rows if r["origin_seq"] <= cut])
        }
    order_ids = [r["id"] for r in rows.get(ORDERS.name, [])]
    if order_ids:
        t = ORDER_LINES.table
        rows[ORDER_LINES.name] = [
            encode_row(ORDER_LINES, r)
            for r in session.execute(
                select(t).where(t.c.order_id.in_(order_ids)).order_by(t.c.order_id, t.c.line_no)
            ).mappings()
        ]
    return cut, rows


def _insert(engine_or_session: Session, table: Any) -> Any:
    dialect = engine_or_session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def apply_pull(session: Session, page: dict[str, Any], origin: str) -> int:
    """Apply one pulled page in the caller's transaction: reference rows upserted (the newer
    server_seq wins), records inserted unless already there. Returns the rows new here."""
    rows = decode_tables(page.get("rows", {}), APPLY_ORDER, with_seq=True)
    applied = 0
    own_max = 0
    for table in APPLY_ORDER:
        batch = rows.get(table.name)
        if not batch:
            continue
        t = table.table
        statement = _insert(session, t)
        if table.reference:
            columns = {c.name: statement.excluded[c.name] for c in t.columns if c.name != table.key}
            statement = statement.on_conflict_do_update(
                index_elements=[table.key],
                set_=columns,
                where=(t.c.server_seq.is_(None)) | (t.c.server_seq < statement.excluded.server_seq),
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["id"])
        result = session.execute(statement, batch)
        # executemany's rowcount is the rows actually written (repeats do nothing).
        applied += len(batch) if table.reference else max(0, result.rowcount)  # type: ignore[attr-defined]
        if "origin" in t.c:
            own = [r["origin_seq"] for r in batch if r["origin"] == origin]
            own_max = max(own_max, *own) if own else own_max
    if own_max:
        # A kiosk rebuilt from the central got its own old rows back: continue after them.
        counter = session.get(OriginCounter, origin) or OriginCounter(origin=origin, last_seq=0)
        counter.last_seq = max(counter.last_seq, own_max)
        session.add(counter)
    key = (page.get("meta") or {}).get("card_public_key")
    if isinstance(key, str) and key:
        meta_set(session, "card_public_key", key)
    meta_set(session, CURSOR_KEY, str(wire_field(page, "cursor", int)))
    meta_set(session, REF_CURSOR_KEY, str(wire_field(page, "ref_cursor", int)))
    session.flush()
    return applied


# --- the sync ------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    kiosk_id: str
    pushed: int = 0  # rows the central took in this time (repeats not counted)
    sent: int = 0  # rows sent, repeats included
    pulled: int = 0  # rows new or changed on the kiosk
    alerts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    acked_seq: int = 0
    seconds: float = 0.0
    photos: int = 0  # evidence photos fetched for pending declarations
    photo_problem: str | None = None  # why fetching photos stopped, if it did

    def summary(self) -> str:
        """The one line the journal keeps for each sync."""
        return (
            f"sync {self.kiosk_id}: pushed {self.pushed}, pulled {self.pulled}, "
            f"alerts {len(self.alerts) + len(self.warnings)}, {self.seconds:.2f} s"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kiosk_id": self.kiosk_id,
            "pushed": self.pushed,
            "sent": self.sent,
            "pulled": self.pulled,
            "alerts": self.alerts,
            "warnings": self.warnings,
            "acked_seq": self.acked_seq,
            "seconds": round(self.seconds, 3),
        }


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def hello_payload(session: Session, kiosk_id: str, now: datetime) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "kiosk_id": kiosk_id,
        "client_time": as_utc(now).isoformat(),
        "local_seq": local_last_seq(session, kiosk_id),
    }


def push_payloads(
    engine: Engine, kiosk_id: str, start: int, *, chunk_size: int = CHUNK_SIZE
) -> Any:
    """The chunks after `start`, read lazily, each with the seq range it covers: about
    `chunk_size` seqs, extended to the end of the transaction its last row belongs to."""
    with read_session(engine) as session:
        last = local_last_seq(session, kiosk_id)
    first = start + 1
    while first <= last:
        with read_session(engine) as session:
            end, rows = read_chunk(
                session, kiosk_id, first, min(first + chunk_size - 1, last), last
            )
        yield {"first_seq": first, "last_seq": end, "rows": rows}, last
        first = end + 1


def run_sync(
    engine: Engine,
    link: CentralLink,
    *,
    kiosk_id: str,
    now: datetime,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    pull_limit: int = PULL_LIMIT,
    evidence_dir: Path | None = None,
) -> SyncReport:
    """One whole sync: hello, push everything the central lacks, pull until up to date, then
    (over a link that hands out photos, with `evidence_dir`) fetch a bounded number of the
    photos of pending declarations the kiosk lacks.

    The outcome (ok, or the error) is remembered on the kiosk for `kiosk doctor`.
    """
    try:
        report = _sync(engine, link, kiosk_id, now, progress, chunk_size, pull_limit)
        if evidence_dir is not None and isinstance(link, PhotoSource):
            try:
                report.photos = fetch_photos(engine, link, evidence_dir)
            except (DomainError, ValueError, OSError) as error:
                # The rows are in; photos are a convenience for the counter's review, so a
                # failure here leaves the sync ok and the photos for the next one.
                report.photo_problem = str(error)[:200]
    except DomainError as error:
        with write_session(engine) as session:
            meta_set(session, LAST_RESULT_KEY, str(error)[:500])
        raise
    with write_session(engine) as session:
        meta_set(session, LAST_RESULT_KEY, "ok")
    return report


def _sync(
    engine: Engine,
    link: CentralLink,
    kiosk_id: str,
    now: datetime,
    progress: Progress | None,
    chunk_size: int,
    pull_limit: int,
) -> SyncReport:
    started = time.perf_counter()
    report = SyncReport(kiosk_id=kiosk_id)
    claim_origin(engine, kiosk_id)
    with read_session(engine) as session:
        greeting = link.hello(hello_payload(session, kiosk_id, now))
    report.warnings.extend(greeting.get("warnings") or [])
    with write_session(engine) as session:
        if meta_get(session, "exchange_point_id") is None:
            meta_set(session, "exchange_point_id", str(greeting["exchange_point_id"]))
        if isinstance(greeting.get("server_time"), str):
            meta_set(session, SERVER_TIME_KEY, greeting["server_time"])
    # The central's acknowledgement is the truth; the kiosk's copy may be behind (a lost
    # reply) or ahead (a central restored from backup), and either way the central's wins.
    acked = wire_field(greeting, "acked_seq", int)
    for payload, last in push_payloads(engine, kiosk_id, acked, chunk_size=chunk_size):
        reply = link.push(payload)
        acked = wire_field(reply, "acked_seq", int)
        report.pushed += int(reply.get("inserted", 0))
        report.sent += sum(len(v) for k, v in payload["rows"].items() if k != ORDER_LINES.name)
        report.alerts.extend(reply.get("alerts") or [])
        with write_session(engine) as session:
            meta_set(session, ACKED_KEY, str(acked))
        if progress:
            progress("push", payload["last_seq"], last)
    with write_session(engine) as session:
        meta_set(session, ACKED_KEY, str(acked))
    report.acked_seq = acked
    report.pulled = pull_all(engine, link, kiosk_id, progress=progress, limit=pull_limit)
    with write_session(engine) as session:
        meta_set(session, LAST_SYNC_KEY, as_utc(now).isoformat())
    report.seconds = time.perf_counter() - started
    return report


def pull_request(session: Session, kiosk_id: str, limit: int = PULL_LIMIT) -> dict[str, Any]:
    return {
        "cursor": _meta_int(session, CURSOR_KEY),
        "ref_cursor": _meta_int(session, REF_CURSOR_KEY),
        "own_seq": local_last_seq(session, kiosk_id),
        "limit": limit,
    }


def pull_all(
    engine: Engine,
    link: CentralLink,
    kiosk_id: str,
    *,
    progress: Progress | None = None,
    limit: int = PULL_LIMIT,
) -> int:
    """Pull pages until the central has nothing newer; each page commits with its cursor."""
    pulled = 0
    pages = 0
    while True:
        with read_session(engine) as session:
            request = pull_request(session, kiosk_id, limit)
        page = link.pull(request)
        with write_session(engine) as session:
            pulled += apply_pull(session, page, kiosk_id)
        pages += 1
        if progress:
            progress("pull", pages, pages + (1 if page.get("more") else 0))
        if not page.get("more"):
            return pulled


def sync_state(session: Session) -> dict[str, Any]:
    """What this kiosk knows of its sync: origin, acknowledged seq, cursors, last sync."""
    origin = meta_get(session, "origin") or ""
    return {
        "origin": origin,
        "local_seq": local_last_seq(session, origin),
        "acked_seq": _meta_int(session, ACKED_KEY),
        "pull_cursor": _meta_int(session, CURSOR_KEY),
        "last_sync_at": meta_get(session, LAST_SYNC_KEY),
    }
