"""The layers hold: no package below the TUI loads Textual, the import-linter contracts in
pyproject.toml are kept, and they do catch an upward import or a cycle when one is added."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
# Everything below the TUI: the domain, its data, the services and sync, the CLI.
BELOW_THE_TUI = (
    "rules",
    "catalog",
    "sync",
    "kiosk.core",
    "kiosk.printing",
    "kiosk.printables",
    "kiosk.settings",
    "kiosk.services",
    "kiosk.ops",
    "kiosk.cli",
)


def modules_below_the_tui() -> list[str]:
    modules = []
    for package in BELOW_THE_TUI:
        path = ROOT.joinpath(*package.split("."))
        modules.append(package)
        if not path.is_dir():
            continue
        for info in pkgutil.walk_packages([str(path)], prefix=package + "."):
            # Alembic's env and revision scripts run only inside an alembic context.
            if ".migrations." not in info.name:
                modules.append(info.name)
    return modules


@pytest.mark.parametrize("module", modules_below_the_tui())
def test_module_below_the_tui_does_not_load_textual(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "sys.exit(1 if 'textual' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{module} imports textual (or failed): {result.stderr[-500:]}"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first, so the packages analysed are those of `tree`, not the installed ones.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([LINT_IMPORTS], cwd=tree, env=env, capture_output=True, text=True)


def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def copy_of_the_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for package in ("kiosk", "sync", "rules", "catalog"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree)
    return tree


@pytest.mark.parametrize(
    ("module", "added", "contract"),
    [
        # The domain reaching up for a printer.
        ("kiosk/core/ledger.py", "import kiosk.printing.printers", "Layers"),
        # The CLI reaching across to the app.
        ("kiosk/cli/texts.py", "import kiosk.tui.texts", "Layers"),
        # sync reaching for the counter's services.
        ("sync/protocol.py", "import kiosk.services.counter", "sync"),
        # A service loading Textual.
        ("kiosk/services/redemption.py", "import textual.app", "Textual"),
        # A cycle between two domain modules, inside a function (local imports count).
        ("kiosk/core/clock.py", "def _cycle() -> None:\n    import kiosk.core.ledger", "cycles"),
    ],
)
def test_an_added_forbidden_import_breaks_a_contract(
    copy_of_the_tree: Path, module: str, added: str, contract: str
) -> None:
    target = copy_of_the_tree / module
    original = target.read_text()
    try:
        target.write_text(f"{original}\n\n{added}\n")
        result = lint_imports(copy_of_the_tree)
    finally:
        target.write_text(original)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    # The offending module is named (cycles name it relative to its package).
    assert f".{Path(module).stem} " in broken or f".{Path(module).stem}\n" in broken


def test_the_architecture_picture_is_drawn_from_todays_imports() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "import_graph.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
