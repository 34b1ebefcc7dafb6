"""The sync wire format: which tables travel, in what order, and each row as plain JSON.

Reference rows (villages, households, operators, catalogue, rule sets) are upserted by key
on the kiosk, the newest `server_seq` winning. Records (orders with their lines, entries,
hand-overs, cancellations, stock movements, freezes, declarations and disputes and their
decisions) are insert-only and carry the `origin`/`origin_seq` the push is ordered and
acknowledged by. Every table that takes a seq from a database's `OriginCounter` is a record
table here, so a kiosk's seqs 1..n are all rows the push carries: one missing is a loss.
Tables are listed in foreign-key order, so applying them in this order never references a
row not yet there.

A declaration's evidence photos travel as their content-hash file names only; the photo
files themselves are carried separately (the sync is for rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, Table
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from kiosk.core import sync_state
from kiosk.core.errors import BadInput
from kiosk.core.models import (
    Cancellation,
    CatalogItem,
    CatalogPrice,
    Declaration,
    DeclarationDecision,
    Dispute,
    DisputeResolution,
    ExchangePoint,
    Freeze,
    Handover,
    Household,
    LedgerEntry,
    Operator,
    OrderLine,
    RedemptionOrder,
    RuleSetRecord,
    StockMovement,
    Village,
)

PROTOCOL_VERSION = 1
CHUNK_SIZE = 1000  # rows of origin_seq per push: ~0.5 MB of JSON, well under the body limit
# The most seqs the central takes in one push: room for a chunk the kiosk extends to the
# end of the transaction its last row belongs to (sync.client.push_payloads).
MAX_CHUNK = 5 * CHUNK_SIZE
PULL_LIMIT = 2000  # records per pull page
MAX_BODY_BYTES = 8 * 1024 * 1024  # the same limit nginx-central.conf.example sets
CLOCK_SKEW_WARN_S = 300.0

# What a kiosk remembers of its syncs (Meta keys, kiosk.core.sync_state): sync.client writes
# them; kiosk doctor and the counter's status line read them.
LAST_SYNC_KEY = sync_state.LAST_SYNC_KEY
SERVER_TIME_KEY = sync_state.SERVER_TIME_KEY
LAST_RESULT_KEY = sync_state.LAST_RESULT_KEY

# Columns that are the central's business, never sent up by a kiosk.
_SERVER_ONLY = frozenset({"server_seq", "received_at"})

Row = dict[str, Any]


@dataclass(frozen=True)
class SyncedTable:
    """One table as it travels: its wire name, model, key column and how its rows merge."""

    name: str
    model: type[SQLModel]
    key: str
    reference: bool  # upserted by key (True) or insert-only record (False)

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[attr-defined,no-any-return]

    @property
    def columns(self) -> list[Column[Any]]:
        return [c for c in self.table.columns if c.name not in _SERVER_ONLY]


REFERENCE_TABLES: tuple[SyncedTable, ...] = (
    SyncedTable("villages", Village, "id", True),
    SyncedTable("exchange_points", ExchangePoint, "id", True),
    SyncedTable("households", Household, "id", True),
    SyncedTable("operators", Operator, "id", True),
    SyncedTable("catalog_items", CatalogItem, "no", True),
    SyncedTable("catalog_prices", CatalogPrice, "id", True),
    SyncedTable("rule_sets", RuleSetRecord, "id", True),
)
ORDERS = SyncedTable("orders", RedemptionOrder, "id", False)
ORDER_LINES = SyncedTable("order_lines", OrderLine, "id", False)  # travels with its order
ENTRIES = SyncedTable("entries", LedgerEntry, "id", False)
RECORD_TABLES: tuple[SyncedTable, ...] = (
    ORDERS,
    ENTRIES,
    SyncedTable("handovers", Handover, "id", False),
    SyncedTable("cancellations", Cancellation, "id", False),
    SyncedTable("stock_movements", StockMovement, "id", False),
    SyncedTable("freezes", Freeze, "id", False),
    # After entries: a dispute names the entry it objects to, a resolution its correction.
    SyncedTable("declarations", Declaration, "id", False),
    SyncedTable("declaration_decisions", DeclarationDecision, "id", False),
    SyncedTable("disputes", Dispute, "id", False),
    SyncedTable("dispute_resolutions", DisputeResolution, "id", False),
)
# Insert order on either side: orders, then their lines, then what may point at a line.
APPLY_ORDER: tuple[SyncedTable, ...] = (
    *REFERENCE_TABLES,
    ORDERS,
    ORDER_LINES,
    *RECORD_TABLES[1:],
)
BY_NAME: dict[str, SyncedTable] = {t.name: t for t in APPLY_ORDER}


# --- values ----------------------------------------------------------------------------------


def _encode_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite raw reads: stored as UTC
    return value.astimezone(UTC).isoformat()


def _decode_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive datetime")
    return parsed.astimezone(UTC)


def _decode_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    if not -(2**31) <= value < 2**31:
        raise ValueError("out of range")
    return value


def _decode_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not a boolean")
    return value


def _decode_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    return float(value)


def _decode_str(value: object) -> str:
    if not isinstance(value, str) or len(value) > 100_000 or "\x00" in value:
        raise ValueError("not a string")
    return value


def _decode_json(value: object) -> object:
    if not isinstance(value, list | dict):
        raise ValueError("not a JSON list")
    return value


def _decode_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return date.fromisoformat(value)


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _codec(column: Column[Any]) -> Codec:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _encode_datetime, _decode_datetime
    if isinstance(kind, Date):
        return date.isoformat, _decode_date
    if isinstance(kind, Boolean):
        return bool, _decode_bool
    if isinstance(kind, Integer):
        return int, _decode_int
    if isinstance(kind, Float):
        return float, _decode_float
    if isinstance(kind, JSON):
        return (lambda v: v), _decode_json
    return str, _decode_str


_CODECS: dict[str, list[tuple[str, bool, Codec]]] = {
    t.name: [(c.name, bool(c.nullable), _codec(c)) for c in t.columns] for t in APPLY_ORDER
}


def encode_row(table: SyncedTable, row: Mapping[Any, Any], *, with_seq: bool = False) -> Row:
    """A stored row (ORM object attributes or a Core mapping) as JSON-ready values."""
    out: Row = {}
    for name, _nullable, (encode, _decode) in _CODECS[table.name]:
        value = row[name]
        out[name] = None if value is None else encode(value)
    if with_seq and "server_seq" in table.table.columns:
        out["server_seq"] = row["server_seq"]
    return out


def decode_row(table: SyncedTable, raw: object, *, with_seq: bool = False) -> Row:
    """A received row checked column by column; anything malformed is BadInput."""
    if not isinstance(raw, dict):
        raise BadInput("sync.bad_row", table=table.name, column="-")
    codecs = _CODECS[table.name]
    expected = len(codecs) + (1 if with_seq and "server_seq" in raw else 0)
    if len(raw) != expected:
        known = {name for name, _, _ in codecs}
        # Name what is wrong: a column the table lacks, or one the row left out.
        odd = sorted(set(raw) - known - {"server_seq"}) or sorted(known - set(raw))
        raise BadInput("sync.bad_row", table=table.name, column=",".join(odd) or "?")
    out: Row = {}
    name = "-"
    try:
        # The hot loop of the central's ingest: plain strings and integers are checked
        # inline, only the other types pay for a decoder call.
        for name, nullable, (encode, decode) in codecs:
            value = raw[name]
            if value is None:
                if not nullable:
                    raise ValueError(name)
            elif encode is str:
                # NUL: PostgreSQL stores no text holding it (a 500 at the insert otherwise).
                if type(value) is not str or len(value) > 100_000 or "\x00" in value:
                    raise ValueError(name)
            elif encode is int:
                if type(value) is not int or not -(2**31) <= value < 2**31:
                    raise ValueError(name)
            else:
                value = decode(value)
            out[name] = value
    except (KeyError, ValueError):
        raise BadInput("sync.bad_row", table=table.name, column=name) from None
    if with_seq and "server_seq" in raw:
        seq = raw["server_seq"]
        if seq is not None and type(seq) is not int:
            raise BadInput("sync.bad_row", table=table.name, column="server_seq")
        out["server_seq"] = seq
    return out


def _fast_decoder(table: SyncedTable) -> Callable[[Any], Row | None]:
    """`decode_row` of a pushed row (no server_seq) unrolled for `table`'s columns: the
    same checks in the same order with the column names and codecs bound in, so a push
    pays no loop or tuple unpacking per column. It returns None for any row `decode_row`
    would refuse, and the caller asks `decode_row` for the refusal that names the column:
    one place words the errors, and the generated code only ever says yes or no."""
    codecs = _CODECS[table.name]
    lines = [
        "def decode(raw):",
        f"    if type(raw) is not dict or len(raw) != {len(codecs)}:",
        "        return None",
        "    try:",
    ]
    bound: dict[str, Any] = {}
    for index, (name, nullable, (encode, decode)) in enumerate(codecs):
        value = f"v{index}"
        lines.append(f"        {value} = raw[{name!r}]")
        lines.append(f"        if {value} is None:")
        lines.append("            pass" if nullable else "            return None")
        if encode is str:
            lines.append(
                f"        elif type({value}) is not str or len({value}) > 100_000"
                f" or '\\x00' in {value}:"
            )
            lines.append("            return None")
        elif encode is int:
            lines.append(
                f"        elif type({value}) is not int or not -(2**31) <= {value} < 2**31:"
            )
            lines.append("            return None")
        else:
            bound[f"decode{index}"] = decode
            lines.append("        else:")
            lines.append(f"            {value} = decode{index}({value})")
    lines.append("    except (KeyError, ValueError):")
    lines.append("        return None")
    items = ", ".join(f"{name!r}: v{index}" for index, (name, _, _) in enumerate(codecs))
    lines.append(f"    return {{{items}}}")
    namespace: dict[str, Any] = dict(bound)
    # The source is built above from the tables' own column names, never from input.
    exec("\n".join(lines), namespace)
    return namespace["decode"]  # type: ignore[no-any-return]


_FAST_DECODERS: dict[str, Callable[[Any], Row | None]] = {
    t.name: _fast_decoder(t) for t in APPLY_ORDER
}


def decode_tables(
    raw: object, allowed: Iterable[SyncedTable], *, with_seq: bool = False
) -> dict[str, list[Row]]:
    """`{"entries": [...], ...}` decoded; a table outside `allowed` is BadInput."""
    if not isinstance(raw, dict):
        raise BadInput("sync.bad_request", field="rows")
    names = {t.name: t for t in allowed}
    out: dict[str, list[Row]] = {}
    for name, rows in raw.items():
        table = names.get(name)
        if table is None or not isinstance(rows, list):
            raise BadInput("sync.bad_row", table=str(name)[:40], column="-")
        if with_seq:
            out[name] = [decode_row(table, row, with_seq=True) for row in rows]
            continue
        # The central's ingest: the unrolled decoder, and decode_row for the words of a
        # refusal (it refuses exactly the rows the fast one does).
        fast = _FAST_DECODERS[name]
        decoded: list[Row] = []
        for row in rows:
            done = fast(row)
            decoded.append(done if done is not None else decode_row(table, row))
        out[name] = decoded
    return out


def field(payload: Mapping[str, Any], name: str, kind: type, *, optional: bool = False) -> Any:
    """One top-level field of a request or reply, of the expected type, or BadInput."""
    value = payload.get(name)
    if value is None and optional:
        return None
    if kind is int:
        # Every number of the protocol is a seq, cursor or count that is stored in, or
        # compared with, a 32-bit column (INTEGER is int4 on PostgreSQL): a larger one is
        # bad input here, not an overflow inside the database (a 500).
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise BadInput("sync.bad_request", field=name)
    return value


def seqs_of(rows: Mapping[str, Sequence[Row]]) -> list[int]:
    """The origin_seq of every sequenced row (order lines have none: they ride with orders)."""
    return [
        row["origin_seq"]
        for name, table in rows.items()
        if name != ORDER_LINES.name
        for row in table
    ]
