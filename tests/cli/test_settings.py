"""Settings: the TOML file, KIOSK_* variables over it, and clear refusals of bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.core.errors import BadInput
from kiosk.settings import Settings, load_settings, save_language

pytestmark = pytest.mark.world("tui")


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings == Settings()
    assert settings.columns == 32
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("kiosk.db")


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'db = "sqlite:////var/lib/k.db"\nprinter = "usb:0416:5011"\npaper_width = 80\n'
        'encoding = "gbk"\nkiosk_id = "K-HP-01"\nexchange_point = "heping-shop"\n'
        'language = "en"\nidle_minutes = 3\ncentral_url = "https://c.example"\n'
        'sync_secret = "s3cret-s3cret-s3cret"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, environ={"KIOSK_PRINTER": "tcp:10.0.0.9", "KIOSK_ID": "K-X"})
    assert settings.printer == "tcp:10.0.0.9"
    assert settings.kiosk_id == "K-X"
    assert (settings.paper_width, settings.columns, settings.encoding) == (80, 48, "gbk")
    assert settings.language == "en" and settings.idle_minutes == 3
    assert settings.db_url == "sqlite:////var/lib/k.db"
    assert settings.sync_secret == "s3cret-s3cret-s3cret"
    # KIOSK_CONFIG names the file when no path is given
    assert load_settings(environ={"KIOSK_CONFIG": str(path)}).exchange_point == "heping-shop"


@pytest.mark.parametrize(
    ("variable", "value", "name"),
    [
        ("KIOSK_PAPER_WIDTH", "57", "paper_width"),
        ("KIOSK_ENCODING", "utf-8", "encoding"),
        ("KIOSK_LANGUAGE", "fr", "language"),
        ("KIOSK_PRINTER", "lpt1", "printer"),
        ("KIOSK_IDLE_MINUTES", "0", "idle_minutes"),
        ("KIOSK_ID", "K HP 01", "kiosk_id"),
        ("KIOSK_DEMO", "maybe", "demo"),
    ],
)
def test_bad_values_are_refused_by_name(
    tmp_path: Path, variable: str, value: str, name: str
) -> None:
    with pytest.raises(BadInput) as caught:
        load_settings(tmp_path / "none.toml", environ={variable: value})
    assert caught.value.key == "settings.invalid"
    assert caught.value.params["name"] == name
    assert name in str(caught.value)


def test_unknown_key_and_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('printr = "dummy"\n', encoding="utf-8")
    with pytest.raises(BadInput, match="printr"):
        load_settings(path, environ={})
    path.write_text("printer = \n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_settings(path, environ={})
    assert caught.value.key == "settings.file"


def test_save_language_keeps_the_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('# the shop\nprinter = "dummy"\nlanguage = "zh"\n', encoding="utf-8")
    save_language(path, "en")
    assert path.read_text(encoding="utf-8") == '# the shop\nprinter = "dummy"\nlanguage = "en"\n'
    fresh = tmp_path / "new" / "kiosk.toml"
    save_language(fresh, "zh")
    assert load_settings(fresh, environ={}).language == "zh"
