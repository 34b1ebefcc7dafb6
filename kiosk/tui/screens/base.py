"""What every kiosk screen shares: the app it belongs to, its language, its bindings' labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import ModalScreen, Screen

from kiosk.tui.bindings import localize_bindings

if TYPE_CHECKING:
    from kiosk.services.counter import CounterService
    from kiosk.tui.app import KioskApp


class KioskScreen(Screen[None]):
    """A full screen of the kiosk; its bindings' labels follow the interface language."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.kiosk.language)

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def backend(self) -> CounterService:
        return self.kiosk.backend

    def t(self, key: str, /, **params: object) -> str:
        return self.kiosk.t(key, **params)


T = TypeVar("T")


class KioskDialog(ModalScreen[T]):
    """A modal dialog of the kiosk that dismisses with a result of type T."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        localize_bindings(self, self.kiosk.language)

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def t(self, key: str, /, **params: object) -> str:
        return self.kiosk.t(key, **params)
