"""The central's unrolled row decoders accept exactly the rows `decode_row` accepts, and give
the same values: a push is decoded by the fast one, refused in `decode_row`'s words."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kiosk.core.errors import BadInput
from sync.protocol import (
    _CODECS,
    _FAST_DECODERS,
    APPLY_ORDER,
    ENTRIES,
    SyncedTable,
    _decode_json,
    decode_row,
    decode_tables,
)

ODD: list[Any] = [
    None,
    "",
    "a\x00b",
    "x" * 100_001,
    2**31,
    -(2**31) - 1,
    True,
    1.5,
    [],
    {},
    "2026-06-15T02:00:00",
    "not a date",
    10**40,
]


def _good_value(rng: random.Random, encode: Any, decode: Any) -> Any:
    if encode is str:
        return rng.choice(["x", "", "和平" * 5])
    if encode is int:
        return rng.choice([0, 7, -7, 2**31 - 1, -(2**31)])
    if encode is bool:
        return rng.choice([True, False])
    if encode is float:
        return rng.choice([1.5, 2])
    if decode is _decode_json:
        return rng.choice([[], ["a"], {"a": 1}])
    if decode.__name__ == "_decode_date":
        return "2026-06-15"
    return "2026-06-15T10:00:00+08:00"


def _decoded(table: SyncedTable, row: Any) -> dict[str, Any] | None:
    try:
        return decode_row(table, row)
    except BadInput:
        return None


@pytest.mark.parametrize("table", APPLY_ORDER, ids=lambda t: t.name)
def test_the_fast_decoder_agrees_with_decode_row(table: SyncedTable) -> None:
    rng = random.Random(table.name)
    fast = _FAST_DECODERS[table.name]
    codecs = _CODECS[table.name]
    accepted = 0
    for _ in range(1500):
        row: dict[str, Any] = {}
        for name, nullable, (encode, decode) in codecs:
            use_none = nullable and rng.random() < 0.3
            row[name] = None if use_none else _good_value(rng, encode, decode)
        spoil = rng.random()
        if spoil < 0.4:
            row[rng.choice(codecs)[0]] = rng.choice(ODD)
        elif spoil < 0.45:
            del row[rng.choice(codecs)[0]]
        elif spoil < 0.5:
            row["server_seq"] = 1
        want = _decoded(table, row)
        assert fast(row) == want
        accepted += want is not None
    assert accepted > 500  # most rows are good ones: both paths are exercised


def test_a_refused_row_is_named_as_decode_row_names_it() -> None:
    good = {
        name: _good_value(random.Random(0), encode, decode)
        for name, _nullable, (encode, decode) in _CODECS[ENTRIES.name]
    }
    bad = {**good, "origin": "K-HP-01\x00"}
    with pytest.raises(BadInput) as refused:
        decode_tables({"entries": [good, bad]}, (ENTRIES,))
    assert refused.value.params == {"table": "entries", "column": "origin"}
