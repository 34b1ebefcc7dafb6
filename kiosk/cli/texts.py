"""What the `kiosk` command says, as (Chinese, English) pairs; refusals stay in kiosk.core.messages.

The CLI writes Chinese with the English beside it (language zh, the default: what logs at the
street office and scripts have always read), or English alone (language en).
"""

from __future__ import annotations

from kiosk.core.messages import fill

CLI_TEXTS: dict[str, tuple[str, str]] = {
    "cli.description": ("棠香街道乡村治理积分兑换点", "Tangxiang points-scheme exchange kiosk"),
    "cli.error": ("错误", "error"),
    "cli.failed": ("失败", "failed"),
}

_language = "zh"


def use_language(language: str) -> None:
    """Speak `language` from now on (the command's settings choose it once, at its start)."""
    global _language
    _language = language


def language() -> str:
    return _language


def problem(label_key: str, error: object) -> str:
    """`错误 / error: <what>`: a label in the command's language, then the problem itself
    (a domain error already carries its Chinese and English)."""
    from kiosk.core.errors import DomainError

    what = error.message("en") if _language == "en" and isinstance(error, DomainError) else error
    return f"{say(label_key)}: {what}"


def say(key: str, /, **params: object) -> str:
    """The CLI text `key` in the command's language, its placeholders filled."""
    pair = CLI_TEXTS[key]
    if _language == "en":
        return fill(pair, "en", params)
    return f"{fill(pair, 'zh', params)} / {fill(pair, 'en', params)}"
