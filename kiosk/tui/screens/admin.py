"""Where the declaration form keeps the photos it is given (the administration screens' files).

What the administration screens do lives in `kiosk.services.administration`; this module
keeps only the photos' directory, which the settings answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.services.counter import CounterService


def evidence_dir_for(backend: CounterService) -> Path:
    return backend.settings.evidence_path
