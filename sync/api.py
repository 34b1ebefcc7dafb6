"""The published sync API: pydantic models of every request, reply, row and error, and the
OpenAPI document built from them that the central serves at /v1/openapi.json.

The server itself does not validate bodies through these models (it reads each body under
its size cap, after signing the kiosk in, and `sync.protocol` decodes it column by column):
the models describe that protocol for clients and testers, and a Schemathesis run against
the live server keeps the two in step (tests/sync/test_openapi.py). Row models are made from
the tables in `sync.protocol`, so a column added to a synced table appears here too.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import models_json_schema
from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer
from sqlmodel.sql.sqltypes import UTCDateTime

from kiosk.core.models import EntryKind
from sync.evidence import PER_CALL as PHOTOS_PER_CALL
from sync.plausible import (
    KIOSK_KINDS,
    MAX_LINE_QTY,
    MAX_POINTS,
    MAX_QUANTITY,
    MAX_STOCK_DELTA,
)
from sync.protocol import (
    APPLY_ORDER,
    MAX_CHUNK,
    ORDER_LINES,
    PROTOCOL_VERSION,
    PULL_LIMIT,
    RECORD_TABLES,
    SyncedTable,
)

INT32 = (-(2**31), 2**31 - 1)
SEQ = (0, 2**31 - 1)
MAX_TEXT = 100_000

# What a kiosk may push in a column, beyond its type: the ranges sync.plausible enforces
# and the values sync.admission accepts. Pulled rows carry whatever the central holds.
_PUSH_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("entries", "points"): (-MAX_POINTS, MAX_POINTS),
    ("entries", "quantity"): (0, MAX_QUANTITY),
    ("entries", "remainder"): (0, MAX_QUANTITY),
    ("orders", "total"): (1, MAX_POINTS),
    ("order_lines", "qty"): (1, MAX_LINE_QTY),
    ("order_lines", "unit_points"): (0, MAX_POINTS),
    ("order_lines", "points"): (0, MAX_POINTS * MAX_LINE_QTY),
    ("order_lines", "line_no"): (1, MAX_LINE_QTY),
    ("stock_movements", "delta"): (-MAX_STOCK_DELTA, MAX_STOCK_DELTA),
    ("declarations", "quantity"): (0, MAX_QUANTITY),
}
_PUSH_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("entries", "kind"): tuple(str(kind) for kind in KIOSK_KINDS),
    ("order_lines", "due_class"): ("daily", "appliance"),
    ("stock_movements", "reason"): ("restock", "handover", "adjust"),
    ("freezes", "action"): ("freeze", "lift"),
    ("declaration_decisions", "outcome"): ("approved", "rejected"),
    ("dispute_resolutions", "outcome"): ("upheld", "corrected"),
}
_PULL_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    **_PUSH_ENUMS,
    ("entries", "kind"): tuple(str(kind) for kind in EntryKind),
}
_UUID_COLUMNS = {
    "id",
    "order_id",
    "reverses_id",
    "group_id",
    "line_id",
    "refund_entry_id",
    "ref_id",
    "declaration_id",
    "dispute_id",
    "entry_id",
    "correction_entry_id",
}
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _annotation(table: SyncedTable, column: Column[Any], *, push: bool) -> tuple[Any, Any]:
    """A column's type and constraints as the wire carries it."""
    name = column.name
    kind = column.type
    extra: dict[str, Any] = {}
    python: Any
    if (table.name, name) in (_PUSH_ENUMS if push else _PULL_ENUMS):
        values = (_PUSH_ENUMS if push else _PULL_ENUMS)[(table.name, name)]
        python = Literal[values]
    elif isinstance(kind, UTCDateTime):
        python = AwareDatetime
    elif isinstance(kind, Date):
        python = date
    elif isinstance(kind, Boolean):
        python = bool
    elif isinstance(kind, Integer):
        python = int
        low, high = INT32
        if push and name == "origin_seq":
            low, high = 1, SEQ[1]
        elif push and (table.name, name) in _PUSH_RANGES:
            low, high = _PUSH_RANGES[(table.name, name)]
        extra = {"ge": low, "le": high}
    elif isinstance(kind, Float):
        python = float
    elif isinstance(kind, JSON):
        python = list[Any] | dict[str, Any]
    else:
        python = str
        extra = {"max_length": MAX_TEXT}
        if push and name in _UUID_COLUMNS:
            extra["pattern"] = UUID_PATTERN
    if column.nullable:
        python = python | None
    return python, Field(..., **extra)


def _row_model(table: SyncedTable, *, push: bool) -> type[BaseModel]:
    fields = {c.name: _annotation(table, c, push=push) for c in table.columns}
    if not push and "server_seq" in table.table.columns:
        fields["server_seq"] = (int | None, Field(..., ge=SEQ[0], le=SEQ[1]))
    title = "".join(part.capitalize() for part in table.name.split("_"))
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{title}{'Pushed' if push else 'Pulled'}Row",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )


def _rows_model(name: str, tables: tuple[SyncedTable, ...], *, push: bool) -> type[BaseModel]:
    fields: dict[str, Any] = {
        t.name: (list[_row_model(t, push=push)], Field(default_factory=list))  # type: ignore[misc]
        for t in tables
    }
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    return model


PushRows: Any = _rows_model("PushRows", (*RECORD_TABLES, ORDER_LINES), push=True)
PullRows: Any = _rows_model("PullRows", APPLY_ORDER, push=False)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HelloRequest(_Model):
    """The start of a sync: the kiosk's protocol, clock and last local seq."""

    protocol: Literal[1] = Field(description=f"protocol version, {PROTOCOL_VERSION}")
    kiosk_id: str = Field(max_length=100)
    client_time: AwareDatetime
    local_seq: int = Field(ge=SEQ[0], le=SEQ[1])


class ReplyWarning(_Model):
    """Something the kiosk should show or log (a clock far off)."""

    key: str
    params: dict[str, Any]


class HelloReply(_Model):
    kiosk_id: str
    village_id: str
    exchange_point_id: str | None
    acked_seq: int = Field(ge=0)
    server_time: AwareDatetime
    clock_skew_s: float
    warnings: list[ReplyWarning]


class PushRequest(_Model):
    """One chunk: the kiosk's rows of origin_seq first_seq..last_seq, each exactly once
    (order lines ride with their order)."""

    first_seq: int = Field(ge=1, le=SEQ[1])
    last_seq: int = Field(ge=1, le=SEQ[1], description=f"at most {MAX_CHUNK} seqs a chunk")
    rows: PushRows


class Alert(_Model):
    id: str
    kind: str
    household: str | None
    village_id: str | None
    points_year: int | None
    balance_at_alert: int | None
    balance: int | None
    kiosk: str | None
    detail: str
    created_at: AwareDatetime


class PushReply(_Model):
    acked_seq: int = Field(ge=0)
    inserted: int = Field(ge=0)
    repeated: int = Field(ge=0)
    alerts: list[Alert]


class PullRequest(_Model):
    cursor: int = Field(ge=SEQ[0], le=SEQ[1])
    ref_cursor: int = Field(ge=SEQ[0], le=SEQ[1])
    own_seq: int = Field(ge=SEQ[0], le=SEQ[1])
    limit: int | None = Field(default=None, ge=SEQ[0], le=SEQ[1], description=f"{PULL_LIMIT}")


class PullMeta(_Model):
    card_public_key: str | None


class PullReply(_Model):
    cursor: int = Field(ge=0)
    ref_cursor: int = Field(ge=0)
    more: bool
    rows: PullRows
    meta: PullMeta


class ErrorReply(_Model):
    """Every refusal: the message key, its parameters, and the text in Chinese / English."""

    error: str = Field(description="a key of kiosk.core.messages, e.g. sync.inadmissible")
    params: dict[str, str | int | float]
    message: str


class ExportBundle(_Model):
    """The gzip'd JSON body of a kiosk's export bundle (after its signed header line)."""

    kind: Literal["export"]
    kiosk_id: str
    hello: HelloRequest
    pushes: list[PushRequest]
    pull: PullRequest


class ReplyBundle(_Model):
    """The gzip'd JSON body of the central's reply bundle."""

    kind: Literal["reply"]
    kiosk_id: str
    acked_seq: int = Field(ge=0)
    exchange_point_id: str | None
    pages: list[PullReply]
    alerts: list[Alert]
    warnings: list[ReplyWarning]


class PhoneSlipRequest(_Model):
    """A phone sign-in slip for a household of the kiosk's village, present at the counter."""

    household_id: str = Field(min_length=1, max_length=MAX_TEXT)


class PhoneSlipReply(_Model):
    url: str = Field(description="the confirm page the slip's QR code holds")
    code: str = Field(pattern=r"^[0-9]{6}$", description="typed on the sign-in page instead")
    expires_at: AwareDatetime
    household_id: str


class BoundPhone(_Model):
    id: str
    label: str
    method: str
    created_at: AwareDatetime
    last_seen_at: AwareDatetime | None


class PhonesReply(_Model):
    phones: list[BoundPhone]


class RevokeReply(_Model):
    revoked: str


class EvidenceRequest(_Model):
    """Photos of the village's pending declarations, by content name (sha256 and suffix)."""

    names: list[str] = Field(max_length=PHOTOS_PER_CALL)


class EvidenceReply(_Model):
    photos: dict[str, str] = Field(description="name: the photo's bytes in base64")
    missing: list[str] = Field(description="not held, not of this village, or not yet sent")


_ERRORS = {
    "400": "malformed, implausible or inadmissible (nothing applied)",
    "401": "no, malformed or wrong credential",
    "403": "the kiosk's credential was revoked",
    "409": "a conflict with the central's rows, or seqs out of order (nothing applied)",
    "413": "the body is over the limit",
    "429": "too many requests, or too many failed sign-ins",
}
_NOT_FOUND = {"404": "no such household (or phone) in the kiosk's village"}
# (path, method): operation, request body (None: none), reply, summary, extra refusals.
_ENDPOINTS: dict[
    tuple[str, str], tuple[str, type[BaseModel] | None, type[BaseModel], str, dict[str, str]]
] = {
    ("/v1/hello", "post"): ("hello", HelloRequest, HelloReply, "Start a sync", {}),
    ("/v1/push", "post"): (
        "push",
        PushRequest,
        PushReply,
        "Push one chunk of the kiosk's records",
        {},
    ),
    ("/v1/pull", "post"): (
        "pull",
        PullRequest,
        PullReply,
        "Pull one page of the village's rows",
        {},
    ),
    # Online only (a phone sign-in needs the central at once), so no offline bundle carries them.
    ("/v1/phone-slips", "post"): (
        "phoneSlip",
        PhoneSlipRequest,
        PhoneSlipReply,
        "Issue a phone sign-in slip for a household at the counter",
        _NOT_FOUND,
    ),
    ("/v1/households/{household_id}/phones", "get"): (
        "phones",
        None,
        PhonesReply,
        "The phones bound to a household",
        _NOT_FOUND,
    ),
    ("/v1/households/{household_id}/phones/{phone_id}", "delete"): (
        "revokePhone",
        None,
        RevokeReply,
        "Sign one of a household's phones out for good",
        _NOT_FOUND,
    ),
    ("/v1/evidence", "post"): (
        "evidence",
        EvidenceRequest,
        EvidenceReply,
        "Photos of the village's pending declarations, a bounded number per call",
        {},
    ),
}


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the sync API."""
    models: list[type[BaseModel]] = [
        *dict.fromkeys(
            model
            for request, reply in ((e[1], e[2]) for e in _ENDPOINTS.values())
            for model in (request, reply)
            if model is not None
        ),
        ErrorReply,
        ExportBundle,
        ReplyBundle,
    ]
    _keys, schema = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    components = schema.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def error(description: str, status: str) -> dict[str, Any]:
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ref(ErrorReply)}},
        }
        if status == "429":
            response["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before trying again",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            }
        return response

    paths: dict[str, dict[str, Any]] = {}
    for (path, method), (operation, request, reply, summary, refusals) in _ENDPOINTS.items():
        described: dict[str, Any] = {
            "operationId": operation,
            "summary": summary,
            "security": [{"kiosk": []}],
        }
        parameters = re.findall(r"{(\w+)}", path)
        if parameters:
            described["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in parameters
            ]
        if request is not None:
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(request)}},
            }
        described["responses"] = {
            "200": {
                "description": "done",
                "content": {"application/json": {"schema": ref(reply)}},
            },
            **{
                status: error(text, status)
                for status, text in sorted({**_ERRORS, **refusals}.items())
            },
        }
        paths.setdefault(path, {})[method] = described
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tangxiang central sync",
            "version": str(PROTOCOL_VERSION),
            "description": (
                "The nightly sync of a village kiosk with the street office's central store. "
                "A kiosk signs in with HTTP Basic (kiosk id, sync secret) on every request. "
                "Offline bundles carry the same requests and replies: ExportBundle, ReplyBundle."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "kiosk": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "user name: the kiosk id; password: its sync secret",
                }
            },
        },
    }
