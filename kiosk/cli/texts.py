"""What the `kiosk` command says, as (Chinese, English) pairs; refusals stay in kiosk.core.messages.

The CLI writes Chinese with the English beside it (language zh, the default: what the street
office's logs and scripts have always read), or English alone (language en).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.messages import fill

CLI_TEXTS: dict[str, tuple[str, str]] = {
    "cli.description": ("棠香街道乡村治理积分兑换点", "Tangxiang points-scheme exchange kiosk"),
    "cli.error": ("错误", "error"),
    "cli.failed": ("失败", "failed"),
    # orders and their lines
    "redeem.order": (
        "兑换单 {order}：{total} 分，余额 {before} → {after}",
        "order {order}: {total} points, balance {before} -> {after}",
    ),
    "redeem.replayed": (
        "兑换单 {order} 此前已兑换，未重复扣分",
        "order {order} was redeemed before: nothing redeemed again",
    ),
    "redeem.order_id": (
        "兑换单编号应为 UUID，例如 0b6f3c1e-9a4d-4f57-8a53-2f1e7c2b9d10，收到：{value}",
        "--order-id takes a UUID, e.g. 0b6f3c1e-9a4d-4f57-8a53-2f1e7c2b9d10; got: {value}",
    ),
    "redeem.line": (
        "第{line_no}行：[{item_no}] {name} ×{quantity} {points}分 {state}",
        "line {line_no}: [{item_no}] {name} x{quantity} {points} points {state}",
    ),
    "line.handed": ("已交付", "handed"),
    "line.due": ("应于 {due} 前交付", "due {due}"),
}

_language = "zh"


def use_language(language: str) -> None:
    """Speak `language` from now on (the command's settings choose it once, at its start)."""
    global _language
    _language = language


def language() -> str:
    return _language


@dataclass(frozen=True)
class Words:
    """One CLI text with its placeholders; a Words placeholder is filled in the same language."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def pick(self, language: str) -> str:
        filled = {
            name: value.pick(language) if isinstance(value, Words) else value
            for name, value in self.params.items()
        }
        return fill(CLI_TEXTS[self.key], language, filled)

    def __str__(self) -> str:
        if _language == "en":
            return self.pick("en")
        return f"{self.pick('zh')} / {self.pick('en')}"


def words(key: str, /, **params: object) -> Words:
    """The CLI text `key`, to be said as it is or placed inside another text."""
    return Words(key, params)


def say(key: str, /, **params: object) -> str:
    """The CLI text `key` in the command's language, its placeholders filled."""
    return str(Words(key, params))


class BadArgument(Exception):
    """An argument the CLI itself refuses (exit 2, nothing changed): carries what to say."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.words = Words(key, params)
        super().__init__(key)

    def __str__(self) -> str:
        return str(self.words)


def problem(label_key: str, error: object) -> str:
    """`错误 / error: <what>`: a label in the command's language, then the problem itself
    (a domain error already carries its Chinese and English)."""
    from kiosk.core.errors import DomainError

    what = error.message("en") if _language == "en" and isinstance(error, DomainError) else error
    return f"{say(label_key)}: {what}"
