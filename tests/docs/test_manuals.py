"""`make manuals`: the Chinese manuals build as PDFs with the font embedded, show only screens
the suite draws, and list every message a shopkeeper, a village administrator or the street
office can meet, each with what to do; the worked examples are the engine's own sums, and every
command a manual gives is one the `kiosk` command takes."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.cli import build_parser
from rules.engine import RuleRefusal, price_award
from rules.loader import street_ruleset
from tests.support.clock import at

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


def _needs_chromium() -> None:
    if not manuals.CHROMIUM.is_file():
        message = f"{manuals.CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    _needs_chromium()
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


def _every_message_in(text: str, prefixes: tuple[str, ...]) -> list[str]:
    """The keys of `prefixes`, after checking each message's words are in `text`."""
    keys: list[str] = manuals.message_keys(prefixes)
    tables = manuals.message_tables()
    for key in keys:
        shown = manuals.shown(tables[key][0])
        for fragment in shown.split("…"):
            assert _flat(fragment) in text, f"{key}: {fragment!r}"
    return keys


def test_every_shopkeeper_message_is_in_the_shopkeeper_manual(built: Path) -> None:
    text = _flat(_text(built / "shopkeeper.pdf"))
    keys = _every_message_in(text, manuals.SHOPKEEPER_MESSAGES)
    assert len(keys) >= 50
    # The keys a shopkeeper presses, as the keymap names them.
    for meaning in ("redeem", "do", "retry_print", "print_copy", "sign_out"):
        key = manuals.key_params("zh")[f"key_{meaning}"]
        assert f"按{key}" in text or f"按{_flat(key)}" in text, meaning


def test_every_village_admin_message_is_in_the_village_admin_manual(built: Path) -> None:
    text = _flat(_text(built / "village-admin.pdf"))
    keys = _every_message_in(text, manuals.VILLAGE_ADMIN_MESSAGES)
    assert len(keys) >= 90
    # From every table: the domain's, the screens', the phone pages' and the command's.
    for key in (
        "rule.monthly_cap",
        "tui.award.refused",
        "web.flag.photo_reused",
        "cli.phone.offline",
    ):
        assert key in keys
    # The keys an administrator presses, as the keymap names them.
    for meaning in ("do", "refuse", "record", "menu", "print_copy"):
        key = manuals.key_params("zh")[f"key_{meaning}"]
        assert f"按{key}" in text, meaning


def test_every_street_office_message_is_in_the_street_office_manual(built: Path) -> None:
    text = _flat(_text(built / "street-office.pdf"))
    keys = _every_message_in(text, manuals.STREET_OFFICE_MESSAGES)
    assert len(keys) >= 100
    for key in ("roster.residency", "sync.conflict", "alert.note_missing", "period.not_over"):
        assert key in keys


@pytest.mark.parametrize(
    ("rule_id", "quantity", "points", "example"),
    [
        ("P13.1", 47, 10, "烟盒交来47个：47个里有2份（40个），得2×5=10分；余下7个不计分。"),
        ("P13.6", 7, 30, "废铁交来7斤：7斤里有3份（6斤），得3×10=30分；余下1斤不计分。"),
    ],
)
def test_the_worked_examples_are_the_engines_sums(
    rule_id: str, quantity: int, points: int, example: str
) -> None:
    rule = street_ruleset().get(rule_id)
    assert rule is not None and rule.per is not None
    priced = price_award(rule, quantity, [], at(2026, 11, 16, 10, 0))
    assert (priced.points, priced.remainder) == (points, quantity % rule.per)
    source = (manuals.SOURCES / "village-admin.md").read_text(encoding="utf-8")
    assert example in _flat(source.replace("*", ""))


@pytest.mark.parametrize(("rule_id", "quantity"), [("P13.1", 15), ("P13.6", 1)])
def test_the_examples_under_one_batch_earn_nothing(rule_id: str, quantity: int) -> None:
    rule = street_ruleset().get(rule_id)
    assert rule is not None
    with pytest.raises(RuleRefusal) as refused:
        price_award(rule, quantity, [], at(2026, 11, 16, 10, 0))
    assert refused.value.key == "qty.rate_too_small"


def _commands(markdown: str) -> list[str]:
    """Every `kiosk ...` command a manual tells its reader to type: in a code block or inline."""
    typed = [line.strip() for line in markdown.splitlines() if line.strip().startswith("kiosk ")]
    inline = re.findall(r"`(kiosk [^`]+)`", markdown)
    return [command for command in typed + inline if "`" not in command]


@pytest.mark.parametrize("source", ["village-admin.md", "street-office.md"])
def test_every_command_a_manual_gives_is_one_the_kiosk_command_takes(source: str) -> None:
    parser = build_parser()
    commands = _commands((manuals.SOURCES / source).read_text(encoding="utf-8"))
    assert len(commands) >= 5
    for command in commands:
        try:
            parser.parse_args(shlex.split(command)[1:])
        except SystemExit:
            pytest.fail(f"{source}: the kiosk command refuses {command!r}")


def test_a_command_the_kiosk_does_not_take_is_caught() -> None:
    (command,) = _commands("1. 输入 `kiosk evaluation enter --month 2026-11`。")
    with pytest.raises(SystemExit):
        build_parser().parse_args(shlex.split(command)[1:])  # --village, --operator missing


def test_the_counter_card_is_one_a5_page(built: Path) -> None:
    info = subprocess.run(
        ["pdfinfo", str(built / "counter-card.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"Pages:\s+1\n", info)
    assert "(A5)" in info


def test_every_screen_shown_exists_and_a_missing_one_stops_the_build() -> None:
    _needs_chromium()
    manuals.make_web_screens(manuals.MANUALS)  # the browser tests', when not saved yet
    shown = 0
    for manual in manuals.MANUALS:
        for kind, name in manuals.screens_of((manuals.SOURCES / manual.source).read_text()):
            assert manuals.screen_path(kind, name).is_file()
            shown += 1
    assert shown >= 20
    with pytest.raises(manuals.BuildError, match="tui:no-such-screen"):
        manuals.screen_path("tui", "no-such-screen")


def test_a_relative_out_folder_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `make manuals` passes build/manuals: the pages must still open by an absolute file URI.
    _needs_chromium()
    monkeypatch.chdir(tmp_path)
    (written,) = manuals.build(Path("out"), ["counter-card"])
    assert written == tmp_path / "out" / "counter-card.pdf"
    assert written.stat().st_size > 0


def test_a_message_without_advice_stops_the_build() -> None:
    with pytest.raises(manuals.BuildError, match=r"tui\.redeem\.saving"):
        manuals.message_rows(["tui.redeem.saving"])


def test_a_chinese_run_takes_its_cells_in_a_terminal_snapshot() -> None:
    svg = '<text class="r" x="12.2" y="20" textLength="73.2" clip-path="u">棠香积分兑换</text>'
    assert 'textLength="146.4"' in manuals.terminal_svg(svg)
    latin = '<text class="r" x="0" y="0" textLength="24.4" clip-path="u">f1</text>'
    assert manuals.terminal_svg(latin) == latin
