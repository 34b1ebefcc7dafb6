"""What a doctor check finds: its status, its sentence in both languages, and how figures are written."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kiosk.core.clock import local
from kiosk.ops.texts import OPS_TEXTS, Phrase, say

# How many problems or devices a sentence lists before it stops.
MAX_LISTED = 5


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One finding: what was checked, how it stands, and a sentence on what to do next."""

    name: str
    status: Status
    message_zh: str
    message_en: str
    detail: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str) -> str:
        chinese, english = OPS_TEXTS.get(f"label.{self.name}", (self.name, self.name))
        return english if language == "en" else chinese

    def message(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_zh

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "detail": self.detail,
        }


def healthy(checks: Collection[Check]) -> bool:
    """Warnings leave a kiosk usable; only a failed check makes it unhealthy."""
    return all(check.status is not Status.FAIL for check in checks)


def ok(name: str, said: Phrase, **detail: Any) -> Check:
    return Check(name, Status.OK, said.zh, said.en, detail)


def warn(name: str, said: Phrase, **detail: Any) -> Check:
    return Check(name, Status.WARN, said.zh, said.en, detail)


def fail(name: str, said: Phrase, **detail: Any) -> Check:
    return Check(name, Status.FAIL, said.zh, said.en, detail)


def not_checked(name: str, why: Phrase) -> Check:
    return warn(name, say("not_checked", why=why))


def when(at: datetime) -> str:
    """A moment as Chongqing's wall clock shows it, to the minute."""
    return local(at).strftime("%Y-%m-%d %H:%M")


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def hours(span: timedelta) -> str:
    count = span.total_seconds() / 3600
    return f"{count:.0f}" if count >= 10 else f"{count:.1f}"


def mib(size: int) -> Phrase:
    return say("size.mib", mib=f"{size / 1024**2:.0f}")


def error_text(error: BaseException) -> str:
    """An exception on one line, its type first: what a technician pastes into a message."""
    return " ".join(f"{type(error).__name__}: {error}".split())
