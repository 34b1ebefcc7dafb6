"""The screens stand on the service layer: no screen, dialog or widget reaches the database."""

from __future__ import annotations

import ast
from pathlib import Path

import kiosk.tui

TUI = Path(kiosk.tui.__file__).parent
# A session, a query or the engine: the services' business, called from workers.
DATABASE_MODULES = ("kiosk.core.db", "sqlmodel", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_screen_dialog_or_widget_touches_the_database() -> None:
    modules = sorted(
        path for folder in ("screens", "dialogs", "widgets") for path in (TUI / folder).glob("*.py")
    )
    assert len(modules) > 20
    reaching = {
        str(path.relative_to(TUI)): sorted(
            name for name in imported_modules(path) if name.startswith(DATABASE_MODULES)
        )
        for path in modules
    }
    assert {name: found for name, found in reaching.items() if found} == {}
