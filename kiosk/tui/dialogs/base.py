"""What every kiosk dialog shares: a typed result, the app it belongs to, its bindings' labels."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

from textual.screen import ModalScreen

from kiosk.tui.bindings import localize_bindings
from kiosk.tui.shell import Kiosk

T = TypeVar("T")


class KioskDialog(ModalScreen[T]):
    """A modal dialog of the kiosk that dismisses with a result of type T."""

    # As a screen's (`kiosk.tui.screens.base.KioskScreen`): what its widgets answer.
    WIDGET_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        localize_bindings(self, self.t, self.kiosk.language)

    @property
    def kiosk(self) -> Kiosk:
        return cast("Kiosk", self.app)

    def t(self, key: str, /, **params: object) -> str:
        return self.kiosk.t(key, **params)
