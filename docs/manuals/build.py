"""`make manuals`: the Chinese manuals as PDFs, from docs/manuals/zh/*.md.

Each manual is Markdown in plain words. The build fills in what must not drift from the
software:

- `{key_<meaning>}`: the key the kiosk's one keymap gives that meaning (kiosk.tui.bindings),
  so a manual can never send a shopkeeper to a key that does something else;
- `![caption](tui:<snapshot>)`: a screen as the test suite draws it (the SVG snapshots under
  tests/tui/__snapshots__/, which the suite fails on when the screen changes);
  `![caption](web:<name>)`: a page as the browser test saw it (build/screens/<name>.png);
  a reference to a screen that does not exist stops the build, naming it;
- `<!-- messages: <role> -->`: every message the software can show that role, from the message
  tables themselves (kiosk.core.messages, kiosk.tui.texts; the phone pages' sync.web.texts as
  `web.<key>`, the command's kiosk.cli.texts as `cli.<key>`), with what to do
  (docs/manuals/zh/actions.toml: a message without advice there stops the build).

The browser tests save the web screens (they are not in the repository): when a manual shows
one that is not there yet, the build runs tests/sync/web/test_browser.py first.

Chromium (Debian's, through Playwright, as the browser tests use it) prints the HTML to PDF
with the Chinese font embedded: A4 for the manuals, A5 for the counter card.

    python docs/manuals/build.py [--out build/manuals] [--only shopkeeper]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from markdown_it import MarkdownIt  # noqa: E402

from kiosk.cli.texts import CLI_TEXTS  # noqa: E402
from kiosk.core.messages import MESSAGES  # noqa: E402
from kiosk.fonts import cjk_font_path  # noqa: E402
from kiosk.tui.bindings import key_params  # noqa: E402
from kiosk.tui.texts import SCREEN_MESSAGES  # noqa: E402
from sync.web.texts import WEB_TEXTS  # noqa: E402

SOURCES = REPO / "docs" / "manuals" / "zh"
TUI_SNAPSHOTS = REPO / "tests" / "tui" / "__snapshots__"
WEB_SCREENS = REPO / "build" / "screens"
BROWSER_TESTS = REPO / "tests" / "sync" / "web" / "test_browser.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


@dataclass(frozen=True)
class Manual:
    name: str  # the PDF's file name, without .pdf
    title: str
    source: str
    page: str  # "A4" or "A5"
    messages: tuple[str, ...] = ()  # key prefixes of the messages the role can meet


# Which messages each role can meet, by key prefix: a new message under one of these prefixes
# appears in that manual by itself.
SHOPKEEPER_MESSAGES = (
    # The domain's refusals (kiosk.core.messages) at the counter: by prefix, so a new
    # refusal of these kinds lands in the manual (and stops the build until it has advice).
    "code.garbled",
    "code.layout",
    "code.forged",
    "code.revoked",
    "code.unknown",
    "household.",
    "redeem.",
    "order.",
    "item.unknown",
    "qty.range",
    "handover.",
    "restock.",
    "stock.",
    "operator.bad_pin",
    "operator.locked",
    "operator.pin_",
    # The counter screens' own warnings (kiosk.tui.texts), one by one: the rest of that table
    # is labels and prompts, not messages.
    "tui.signin.choose_first",
    "tui.signin.no_operators",
    "tui.signin.bad_pin",
    "tui.pin.differ",
    "tui.pin.given_up",
    "tui.signout.idle",
    "tui.quit.admins_only",
    "tui.scan.signin_first",
    "tui.scan.finish_dialog",
    "tui.print.failed",
    "tui.print.paper_out",
    "tui.print.offline",
    "tui.status.printer_down",
    "tui.status.printer_paper_out",
    "tui.status.printer_offline",
    "tui.status.sync_overdue",
    "tui.status.sync_never",
    "tui.home.no_match",
    "tui.redeem.no_match",
    "tui.redeem.type_item",
    "tui.redeem.discard_question",
    "tui.redeem.now_pending",
    "tui.redeem.not_saved",
    "tui.handover.no_stock",
    "tui.restock.several",
    "tui.restock.which",
    "tui.deadlines.bad_item",
)

# What a village administrator meets: at the kiosk's administration screens, on the phone's
# review pages (web.), and from the commands it runs for phones and the monthly lists (cli.).
VILLAGE_ADMIN_MESSAGES = (
    # Finding the household: a card scanned or a code typed into the award and filing forms.
    "code.garbled",
    "code.forged",
    "code.revoked",
    "code.unknown",
    "household.other_village",
    "ref.ambiguous",
    # Awards, deductions, warnings, mutual help: the engine's refusals, by prefix.
    "rule.",
    "qty.",
    "date.invalid",
    "operator.role",
    "operator.village",
    # Declarations with their photos, disputes, freezes, cancelled lines, the monthly lists.
    "declaration.description",
    "declaration.positive_only",
    "declaration.helper_village",
    "declaration.reason",
    "declaration.decided",
    "declaration.four_eyes",
    "declaration.unknown",
    "evidence.",
    "scan.",
    "entry.unknown",
    "dispute.unknown",
    "dispute.kind",
    "dispute.already_corrected",
    "dispute.open_exists",
    "dispute.past_year",
    "dispute.window_closed",
    "dispute.decided",
    "dispute.raised_by",
    "dispute.description",
    "dispute.note",
    "dispute.four_eyes",
    "freeze.",
    "cancel.reason",
    "cancel.twice",
    "cancel.handed",
    "evaluation.",
    "notice.",
    "redeem.frozen",
    # Signing in, at the kiosk and on the phone.
    "operator.bad_pin",
    "operator.locked",
    "operator.pin_",
    "admin.",
    "tui.signin.choose_first",
    "tui.signin.bad_pin",
    "tui.pin.differ",
    "tui.pin.given_up",
    "tui.signout.idle",
    "tui.scan.signin_first",
    "tui.scan.finish_dialog",
    "tui.status.sync_overdue",
    "tui.status.sync_never",
    # The administration screens' own warnings (the rest of that table is labels).
    "tui.admin.only",
    "tui.admin.signin",
    "tui.admin.pick",
    "tui.award.choose",
    "tui.award.refused",
    "tui.decl.replayed",
    "tui.decl.rule_none",
    "tui.freeze.need_code",
    "tui.freeze.none",
    # The phone's review pages: risk flags and refusals.
    "web.flag.",
    "web.refused.admin_signin",
    "web.refused.village",
    "web.refused.csrf",
    "web.refused.missing",
    # Phones: the sign-in slip and bound phones.
    "phone.household",
    "phone.unknown",
    "cli.phone.offline",
    "cli.phone.slip_queued",
    "cli.phone.slip_kept",
    "cli.phone.none",
    "cli.evaluation.again",
)

# What the street office meets at the central's commands: the register, the roster file, the
# catalogue, rule sets, cards, the closes, kiosks and their sync, alerts, settings.
STREET_OFFICE_MESSAGES = (
    "roster.",
    "register.",
    "operator.unknown",
    "operator.exists",
    "operator.id_format",
    "operator.needs_village",
    "operator.point_",
    "operator.disabled",
    "operator.self",
    "operator.needs_admin",
    "operator.first_admin",
    "point.",
    "exchange_point.",
    "village.unknown",
    "catalog.",
    "ruleset.",
    "cards.",
    "card.",
    "code.no_signing_key",
    "period.",
    "alert.",
    "sync.",
    "seed.not_empty",
    "settings.",
    "db.missing",
)

MANUALS = (
    Manual("shopkeeper", "店员手册", "shopkeeper.md", "A4", SHOPKEEPER_MESSAGES),
    Manual("village-admin", "村管理员手册", "village-admin.md", "A4", VILLAGE_ADMIN_MESSAGES),
    # So far the parts done by command; the console's are to come.
    Manual("street-office", "街道办手册", "street-office.md", "A4", STREET_OFFICE_MESSAGES),
    Manual("counter-card", "柜台卡片", "counter-card.md", "A5"),
)

_IMAGE = re.compile(r"!\[([^\]]*)\]\((tui|web):([^)]+)\)")
_MESSAGES_MARK = re.compile(r"<!--\s*messages:\s*([\w-]+)\s*-->")
_PLACEHOLDER = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")


class BuildError(Exception):
    """The manuals cannot be built as they stand: says which file and what is missing."""


def screen_path(kind: str, name: str) -> Path:
    """Where the screen `kind:name` is, or BuildError naming it."""
    if kind == "tui":
        path = TUI_SNAPSHOTS / f"{name}.svg"
        hint = "a snapshot the TUI tests make (pytest tests/tui --snapshot-update)"
    else:
        path = WEB_SCREENS / f"{name}.png"
        hint = "a screenshot the browser tests save (pytest tests/sync/web/test_browser.py)"
    if not path.is_file():
        raise BuildError(f"screen {kind}:{name} not found at {path}: {hint}")
    return path


_SVG_TEXT = re.compile(r'(<text [^>]*?textLength=")([0-9.]+)("[^>]*>)([^<]*)(</text>)')


def terminal_svg(svg: str) -> str:
    """A terminal snapshot drawn as the terminal draws it: each run of text as wide as its
    cells. The SVG's writer (Rich) sizes a run by its character count, so a Chinese run,
    two cells a character, would be squeezed into half its room; sized by cells it lines up
    with the columns around it, as on the kiosk's screen."""
    from rich.cells import cell_len

    def widen(match: re.Match[str]) -> str:
        head, length, tail, content, end = match.groups()
        chars = html.unescape(content)
        if not chars:
            return match.group(0)
        per_char = float(length) / len(chars)
        return f"{head}{per_char * cell_len(chars):.1f}{tail}{content}{end}"

    return _SVG_TEXT.sub(widen, svg)


def screens_of(text: str) -> list[tuple[str, str]]:
    """Every (kind, name) of a screen the Markdown `text` shows."""
    return [(kind, name) for _caption, kind, name in _IMAGE.findall(text)]


def make_web_screens(manuals: Iterable[Manual]) -> None:
    """Run the browser tests when a manual shows a web screen they have not saved yet (a fresh
    clone has none); a screen they do not make still stops the build in `screen_path`."""
    missing = [
        name
        for manual in manuals
        for kind, name in screens_of((SOURCES / manual.source).read_text(encoding="utf-8"))
        if kind == "web" and not (WEB_SCREENS / f"{name}.png").is_file()
    ]
    if missing:
        print(f"manuals: making the web screens ({', '.join(missing)})", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(BROWSER_TESTS)],
            cwd=REPO,
            check=False,
        )


def message_tables() -> dict[str, tuple[str, str]]:
    """Every message a person can read, by key: the domain's and the screens' under their own
    keys, the phone pages' under `web.`, the command's under `cli.` (their keys overlap)."""
    return {
        **MESSAGES,
        **SCREEN_MESSAGES,
        **{f"web.{key}": pair for key, pair in WEB_TEXTS.items()},
        **{f"cli.{key}": pair for key, pair in CLI_TEXTS.items()},
    }


def message_keys(prefixes: Sequence[str]) -> list[str]:
    """Every message key under `prefixes` (a prefix that names one key names just it)."""
    return [key for key in sorted(message_tables()) if key.startswith(tuple(prefixes))]


def message_rows(prefixes: Sequence[str]) -> list[tuple[str, str, str]]:
    """(key, Chinese text, what to do) of every message under `prefixes`, by key; a message
    with no advice in actions.toml stops the build, naming it: none may be left out."""
    actions = tomllib.loads((SOURCES / "actions.toml").read_text(encoding="utf-8"))
    tables = message_tables()
    keys = message_keys(prefixes)
    missing = [key for key in keys if key not in actions]
    if missing:
        raise BuildError(f"actions.toml says nothing about: {', '.join(missing)}")
    return [(key, tables[key][0], actions[key]) for key in keys]


def shown(message: str) -> str:
    """A message as the manual prints it: its blanks as …, keys named as the keymap says."""
    keys = key_params("zh")

    def fill(match: re.Match[str]) -> str:
        return keys.get(match.group(1), "…")

    return _PLACEHOLDER.sub(fill, message)


def _messages_table(role: str, manual: Manual) -> str:
    """Each message, then what to do: one after the other, not in two columns, so a long
    message is read (and searched in the PDF's text) whole."""
    if role != manual.name:
        raise BuildError(f"{manual.source}: messages of {role} in the {manual.name} manual")
    items = []
    for _key, text, action in message_rows(manual.messages):
        items.append(
            f'<div class="message"><p class="said">{html.escape(shown(text))}</p>'
            f'<p class="todo">怎么办：{html.escape(named_keys(action, "actions.toml"))}</p></div>'
        )
    return "\n".join(items) + "\n"


def named_keys(text: str, where: str) -> str:
    """`text` with each {key_<meaning>} replaced by the key's name, or BuildError."""
    keys = key_params("zh")
    try:
        return re.sub(r"\{(key_\w+)\}", lambda m: keys[m.group(1)], text)
    except KeyError as missing:
        raise BuildError(f"{where}: no key means {missing.args[0]} any more") from None


def render_markdown(manual: Manual, images: Path) -> str:
    """The manual's HTML body: keys filled, screens copied beside it, messages listed."""
    source = SOURCES / manual.source
    text = named_keys(source.read_text(encoding="utf-8"), manual.source)
    text = _MESSAGES_MARK.sub(lambda m: _messages_table(m.group(1), manual), text)

    def image(match: re.Match[str]) -> str:
        caption, kind, name = match.groups()
        path = screen_path(kind, name)
        target = images / f"{kind}-{re.sub(r'[^0-9A-Za-z_.-]+', '-', name)}{path.suffix}"
        if kind == "tui":
            target.write_text(terminal_svg(path.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        return (
            f'<figure class="{kind}"><img src="{images.name}/{target.name}"'
            f' alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    text = _IMAGE.sub(image, text)
    rendered: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    return rendered


# The counter card: one A5 page, large type, read from a step away.
CARD_CSS = """
body { font-size: 14pt; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0 0 0.2em; }
h2 { font-size: 1.2em; margin: 0.7em 0 0.2em; border-bottom: 2px solid #111; }
p { margin: 0.2em 0; }
ol, ul { margin: 0.2em 0; padding-left: 1.4em; }
"""


def page_css(manual: Manual) -> str:
    font = cjk_font_path().as_uri()
    size = "11pt"
    return f"""
@font-face {{ font-family: "Manual CJK"; src: url("{font}"); }}
@page {{ size: {manual.page}; margin: 16mm 14mm; }}
body {{ font-family: "Manual CJK", sans-serif; font-size: {size}; line-height: 1.6; color: #111; }}
h1 {{ font-size: 2em; margin: 0 0 0.6em; }}
h2 {{ font-size: 1.4em; margin: 1.4em 0 0.4em; break-after: avoid; }}
h3 {{ font-size: 1.15em; break-after: avoid; }}
ol li, ul li {{ margin: 0.2em 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; }}
th, td {{ border: 1px solid #888; padding: 3px 6px; vertical-align: top; text-align: left; }}
tr {{ break-inside: avoid; }}
figure {{ margin: 0.8em 0; break-inside: avoid; text-align: center; }}
figure img {{ max-width: 100%; max-height: 120mm; border: 1px solid #999; }}
figcaption {{ font-size: 0.9em; color: #333; }}
/* A phone's page is narrow and tall: two side by side when written on adjacent lines. */
figure.web {{ display: inline-block; width: 46%; margin: 0.8em 1.5%; vertical-align: top; }}
figure.web img {{ max-height: 115mm; }}
code, kbd {{ font-family: "Manual CJK", monospace; border: 1px solid #999; border-radius: 3px;
  padding: 0 3px; }}
h2 {{ page-break-before: auto; }}
/* A command to type: one box, wrapped rather than cut at the page's edge. */
pre {{ border: 1px solid #999; border-radius: 3px; padding: 4px 6px; white-space: pre-wrap;
  overflow-wrap: anywhere; break-inside: avoid; }}
pre code {{ border: none; padding: 0; }}
.message {{ break-inside: avoid; border-left: 3px solid #555; padding: 0 0 0 8px; margin: 0 0 8px; }}
.message p {{ margin: 0; }}
.message .said {{ font-weight: bold; }}
{CARD_CSS if manual.page == "A5" else ""}
"""


def build(out: Path, only: Iterable[str] = ()) -> list[Path]:
    """Write each manual's PDF into `out`; the paths written."""
    from playwright.sync_api import sync_playwright

    wanted = set(only)
    manuals = [m for m in MANUALS if not wanted or m.name in wanted]
    if wanted - {m.name for m in manuals}:
        raise BuildError(f"no such manual: {', '.join(sorted(wanted))}")
    if not CHROMIUM.is_file():
        raise BuildError(f"{CHROMIUM} is missing: apt-get install chromium (.ci/setup-debian)")
    make_web_screens(manuals)
    out = out.resolve()  # the browser opens the pages by file URI, which must be absolute
    out.mkdir(parents=True, exist_ok=True)
    images = out / "screens"
    images.mkdir(exist_ok=True)
    pages = []
    for manual in manuals:
        body = render_markdown(manual, images)
        page = out / f"{manual.name}.html"
        page.write_text(
            f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(manual.title)}</title><style>{page_css(manual)}</style>"
            f"</head><body>{body}</body></html>",
            encoding="utf-8",
        )
        pages.append((manual, page))
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            for manual, page_path in pages:
                tab = browser.new_page()
                tab.goto(page_path.as_uri(), wait_until="load")
                pdf = out / f"{manual.name}.pdf"
                tab.pdf(
                    path=str(pdf),
                    format=manual.page,
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:9px;width:100%;text-align:center">'
                        f"{html.escape(manual.title)} · 第 <span class=pageNumber></span> 页</div>"
                    ),
                    margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                )
                tab.close()
                written.append(pdf)
        finally:
            browser.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "manuals")
    parser.add_argument("--only", action="append", default=[], help="one manual by name")
    args = parser.parse_args(argv)
    try:
        for path in build(args.out, args.only):
            print(path)
    except BuildError as error:
        print(f"manuals: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
