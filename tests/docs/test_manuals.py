"""`make manuals`: the Chinese manuals build as PDFs with the font embedded, show only screens
the suite draws, and list every message a shopkeeper can meet, each with what to do."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.core.messages import MESSAGES
from kiosk.tui.texts import SCREEN_MESSAGES

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "docs" / "manuals" / "build.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("manuals_build", BUILD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


manuals = _load()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not manuals.CHROMIUM.is_file():
        message = f"{manuals.CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("manuals")
    written = manuals.build(out)
    assert sorted(p.name for p in written) == sorted(f"{m.name}.pdf" for m in manuals.MANUALS)
    yield out


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(text: str) -> str:
    # Lines wrap anywhere, and the PDF's text puts the quotes and the ellipsis (drawn from
    # the Latin font) after the Chinese run they sit in: compare the words, not those.
    return re.sub(r"[\s“”‘’…\"'·]+", "", text)


def test_every_font_is_embedded(built: Path) -> None:
    for pdf in sorted(built.glob("*.pdf")):
        listing = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert listing, pdf
        assert any("WenQuanYi" in line for line in listing), pdf.name  # the Chinese font
        for line in listing:
            # Columns: name, type, encoding, then emb: every font is in the file.
            assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line), line


def test_every_shopkeeper_message_is_in_the_shopkeeper_manual(built: Path) -> None:
    text = _flat(_text(built / "shopkeeper.pdf"))
    keys = manuals.message_keys(manuals.SHOPKEEPER_MESSAGES)
    assert len(keys) >= 50
    tables = {**MESSAGES, **SCREEN_MESSAGES}
    for key in keys:
        shown = manuals.shown(tables[key][0])
        for fragment in shown.split("…"):
            assert _flat(fragment) in text, f"{key}: {fragment!r}"
    # The keys a shopkeeper presses, as the keymap names them.
    for meaning in ("redeem", "do", "retry_print", "print_copy", "sign_out"):
        key = manuals.key_params("zh")[f"key_{meaning}"]
        assert f"按{key}" in text or f"按{_flat(key)}" in text, meaning


def test_the_counter_card_is_one_a5_page(built: Path) -> None:
    info = subprocess.run(
        ["pdfinfo", str(built / "counter-card.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Pages:\s+1\n", info)
    assert "(A5)" in info


def test_every_screen_shown_exists_and_a_missing_one_stops_the_build() -> None:
    shown = 0
    for manual in manuals.MANUALS:
        for kind, name in manuals.screens_of((manuals.SOURCES / manual.source).read_text()):
            assert manuals.screen_path(kind, name).is_file()
            shown += 1
    assert shown >= 5
    with pytest.raises(manuals.BuildError, match="tui:no-such-screen"):
        manuals.screen_path("tui", "no-such-screen")


def test_a_message_without_advice_stops_the_build() -> None:
    with pytest.raises(manuals.BuildError, match=r"tui\.redeem\.saving"):
        manuals.message_rows(["tui.redeem.saving"])


def test_a_chinese_run_takes_its_cells_in_a_terminal_snapshot() -> None:
    svg = '<text class="r" x="12.2" y="20" textLength="73.2" clip-path="u">棠香积分兑换</text>'
    assert 'textLength="146.4"' in manuals.terminal_svg(svg)
    latin = '<text class="r" x="0" y="0" textLength="24.4" clip-path="u">f1</text>'
    assert manuals.terminal_svg(latin) == latin
