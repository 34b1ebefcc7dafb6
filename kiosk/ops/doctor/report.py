"""The doctor's report: the findings as lines of text in one language, or as one JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kiosk.ops.doctor.findings import Check, Status, healthy
from kiosk.ops.texts import say


def render_text(checks: Sequence[Check], language: str) -> str:
    """A title, one line per finding, and a verdict, in `language` ("zh" or "en")."""
    lines = [say("report.title").pick(language)]
    for check in checks:
        line = say(
            "report.line",
            mark=say(f"report.mark.{check.status}"),
            label=check.label(language),
            message=check.message(language),
        )
        lines.append(line.pick(language))
    failed = sum(1 for check in checks if check.status is Status.FAIL)
    warned = sum(1 for check in checks if check.status is Status.WARN)
    if healthy(checks):
        verdict = say("report.healthy", warned=warned)
    else:
        verdict = say("report.unhealthy", failed=failed, warned=warned)
    lines.append(verdict.pick(language))
    return "\n".join(lines)


def as_document(checks: Sequence[Check], checked_at: datetime) -> dict[str, Any]:
    """What `kiosk doctor --json` prints: the verdict, when, and every finding."""
    return {
        "healthy": healthy(checks),
        "checked_at": checked_at,
        "checks": [check.as_json() for check in checks],
    }
