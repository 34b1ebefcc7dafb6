"""Random, garbled and wrongly typed settings files: `load_settings` either returns
settings of the documented types and ranges, or refuses with `BadInput` naming the file
(`settings.file`) or the setting (`settings.invalid`), never any other exception."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.core.errors import BadInput
from kiosk.settings import ENCODINGS, LANGUAGES, PAPER_COLUMNS, Settings, load_settings
from tests.stress.budget import examples

NAMES = [name for name in Settings.__dataclass_fields__]
TEXT_SETTINGS = [n for n in NAMES if Settings.__dataclass_fields__[n].type == "str"]

# TOML values of every kind TOML has.
toml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.sampled_from(["58", "80mm", "gbk", "EN", "usb:0416:5011", "dummy", "K-HP-01", "5", ""]),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=5,
)


def toml_literal(value: Any) -> str:
    """`value` written as a TOML literal (tomllib reads, nobody here writes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = "".join(
            c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in value
        )
        return f'"{escaped}"'
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml_literal(v)}" for k, v in value.items()) + "}"


@st.composite
def settings_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["typed", "typed", "typed", "text", "bytes", "unknown", "cut"]))
    event(kind)
    if kind in ("typed", "cut", "unknown"):
        chosen = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=5))
        lines = [f"{name} = {toml_literal(draw(toml_values))}" for name in chosen]
        if kind == "unknown":
            lines.append(f"{draw(st.from_regex(r'[a-z_]{1,12}', fullmatch=True))} = 1")
        text = "\n".join(lines) + "\n"
        if kind == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        return text.encode("utf-8", "surrogatepass")
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=200))


def well_formed(loaded: Settings) -> None:
    """What every consumer of Settings relies on."""
    for name in TEXT_SETTINGS:
        assert isinstance(getattr(loaded, name), str), name
    assert loaded.paper_width in PAPER_COLUMNS
    assert loaded.encoding in ENCODINGS and loaded.language in LANGUAGES
    assert isinstance(loaded.idle_minutes, float) and 0 < loaded.idle_minutes <= 1440
    assert isinstance(loaded.scan_gap_ms, int) and 5 <= loaded.scan_gap_ms <= 500
    assert isinstance(loaded.demo, bool)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=settings_files())
def test_any_settings_file_loads_or_is_refused_by_name(
    tmp_path_factory: Any, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("settings") / "kiosk.toml"
    path.write_bytes(content)
    try:
        loaded = load_settings(path, environ={})
    except BadInput as refusal:
        assert refusal.key in ("settings.invalid", "settings.file"), refusal.key
        message = str(refusal)
        if refusal.key == "settings.invalid":
            assert str(refusal.params["name"]) in message
            # The setting named is one the file sets.
            assert str(refusal.params["name"]) in content.decode("utf-8", "replace")
        else:
            assert str(path) in message
        event(f"refused: {refusal.key}")
        return
    well_formed(loaded)
    event("loaded")


@pytest.mark.parametrize("name", TEXT_SETTINGS)
@pytest.mark.parametrize("literal", ["5", "true", "1.5", "[1, 2]", "{ a = 1 }", "2026-06-15"])
def test_a_text_setting_of_another_type_is_refused(tmp_path: Path, name: str, literal: str) -> None:
    """`db = 5` or `central_url = [1, 2]` is a mistake in the file: the kiosk must say so at
    start rather than take "5" or "[1, 2]" as the value and fail somewhere later."""
    path = tmp_path / "kiosk.toml"
    path.write_text(f"{name} = {literal}\n", encoding="utf-8")
    with pytest.raises(BadInput) as refused:
        load_settings(path, environ={})
    assert refused.value.key == "settings.invalid"
    assert refused.value.params["name"] == name
