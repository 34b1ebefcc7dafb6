"""Errors the service functions raise: each says what went wrong and what to do next."""

from __future__ import annotations


class DomainError(Exception):
    """Bad input or a refused action: nothing was changed.

    `key` names the message in `kiosk.core.messages` so every front end can show it in the
    operator's language; `params` fill its placeholders. `str()` gives the Chinese text
    followed by the English one, which is what logs and the CLI print.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self, language: str = "zh") -> str:
        from kiosk.core.messages import text

        return text(self.key, language, **self.params)

    def __str__(self) -> str:
        return f"{self.message('zh')} / {self.message('en')}"


class NotFound(DomainError):
    """The household, order, item, rule or operator named does not exist."""


class Refused(DomainError):
    """The request is well formed but the rules forbid it (balance, freeze, month cap...)."""


class BadInput(DomainError):
    """The input itself is malformed (quantity, date, garbled code...)."""
