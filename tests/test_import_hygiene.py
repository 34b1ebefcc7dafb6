"""The domain packages must run without the user interface: none of them may load Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_PACKAGES = (
    "rules",
    "catalog",
    "sync",
    "kiosk.core",
    "kiosk.printing",
    "kiosk.printables",
    "kiosk.ops",
)


def domain_modules() -> list[str]:
    modules = []
    for package in DOMAIN_PACKAGES:
        path = ROOT.joinpath(*package.split("."))
        if not path.is_dir():
            continue
        modules.append(package)
        for info in pkgutil.walk_packages([str(path)], prefix=package + "."):
            if ".migrations.versions" not in info.name:
                modules.append(info.name)
    return modules


@pytest.mark.parametrize("module", domain_modules())
def test_domain_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "sys.exit(1 if 'textual' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{module} imports textual (or failed): {result.stderr[-500:]}"


def test_import_linter_contract_holds() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
