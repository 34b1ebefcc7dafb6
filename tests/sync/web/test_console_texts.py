"""Every text the console's templates name exists in Chinese and English: a missing key would
show the key itself to a clerk."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.core.messages import MESSAGES
from sync.alerts import KIOSK_KINDS, SUMMARY
from sync.web.console_exports import FORMATS
from sync.web.console_texts import CONSOLE_TEXTS
from sync.web.pages import CONSOLE_NAV
from sync.web.texts import WEB_TEXTS

TEMPLATES = Path(__file__).resolve().parents[3] / "sync" / "web" / "templates"
KNOWN = WEB_TEXTS | CONSOLE_TEXTS | MESSAGES
# Keys a template builds from a value: the prefix and every value it can take.
BUILT = {
    "nav.o.": [section for section, _ in CONSOLE_NAV],
    "role.": ["street_admin", "village_admin"],
    "alert.kind.": [*KIOSK_KINDS, SUMMARY, "overdraft", "clock_skew"],
    "close.state.": ["closed", "not_over", "nothing", "missed"],
    "exports.format.": list(FORMATS),
    "audit.action.": ["alert.acknowledge", "period.close_month", "period.close_year"],
}


def test_every_console_text_is_there_in_both_languages() -> None:
    named = set()
    for template in TEMPLATES.glob("console_*.html"):
        named |= set(re.findall(r"""t\(\s*["']([a-z_.]+)["']\s*[,)]""", template.read_text()))
    assert "overview.title" in named and "audit.title" in named
    for prefix, values in BUILT.items():
        named |= {prefix + value for value in values}
    missing = sorted(key for key in named if key not in KNOWN)
    assert missing == []
    for key in named:
        chinese, english = KNOWN[key]
        assert chinese and english, key
