"""Random argument lists for the main `kiosk` subcommands, run in-process through
`kiosk.cli.main`: whatever is typed, the command ends with 0, 1 or 2 and says why, never a
traceback, and a command that did not succeed left the database as it was."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kiosk.cli import main
from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.invariants import check_ledger
from kiosk.core.seed import seed_demo
from tests.stress.budget import examples
from tests.sync.harness import NOW


@dataclass(repr=False)
class Database:
    path: Path
    url: str
    payload: str  # a real signed card of HP0001

    def _repr_pretty_(self, printer: object, _cycle: bool) -> None:
        printer.text("Database()")  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("cli") / "kiosk.db"
    key = Path(f"{path}.card-key")
    engine = open_database(f"sqlite:///{path}")
    with write_session(engine) as session:
        seed_demo(session, now=NOW, households_per_village=2, signing_key_path=key)
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KIOSK_NOW", NOW.isoformat())
        # Any --db the generated arguments lose still lands on this database.
        patch.setenv("KIOSK_DB", f"sqlite:///{path}")
        patch.setenv("KIOSK_CONFIG", str(path.parent / "none.toml"))
        patch.delenv("KIOSK_DEBUG", raising=False)
        yield Database(path, f"sqlite:///{path}", CardSigner.from_file(key).payload("HP0001", 1))


def dump(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def tokens(database: Database) -> st.SearchStrategy[str]:
    """Words a person or a script might put on the line, right and wrong."""
    words = st.sampled_from(
        [
            # households and cards
            "HP0001",
            "hp0002",
            "HP9999",
            "XZG0001",
            database.payload,
            database.payload[:-3] + "AAA",
            database.payload[: len(database.payload) // 2],
            "JF1:",
            "JFO:K-HP-01-000001",
            # rules, operators, items, quantities
            "P08",
            "P01",
            "N01",
            "P99",
            "shop-heping",
            "admin-heping",
            "admin-xizige",
            "street-admin",
            "nobody",
            "1",
            "1:2",
            "1:0",
            "1:-1",
            "31",
            "99",
            "1:99999999999999999999",
            "x:y",
            ":",
            "-1",
            "0",
            "1e3",
            "NaN",
            "9" * 5000,
            "١٢",  # Arabic-Indic digits: int() reads them
            # dates, months, years
            "2026-06",
            "2026-13",
            "0000-00",
            "99999-01",
            "2026-07-01",
            "2026-02-30",
            "9999-12-31",
            "2026",
            # options of these subcommands, and some of none
            "--qty",
            "--helper",
            "--operator",
            "--note",
            "--json",
            "--until",
            "--from",
            "--reason",
            "--hand-over",
            "--exchange-point",
            "--previous",
            "--help",
            "--qty=-5",
            "--operator=shop-heping",
            "--frobnicate",
            "-x",
            "",
            " ",
        ]
    )
    garbage = st.text(max_size=30) | st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5)
    # No token may retarget the database: --db and its abbreviations, or `--`, which would
    # turn a following --db into a positional word.
    return (words | garbage).filter(
        lambda t: not t.startswith("--d") and t != "--" and "\0" not in t
    )


SUBCOMMANDS = (["award"], ["redeem"], ["freeze"], ["household", "show"], ["close-month"])


@st.composite
def shaped_arguments(draw: st.DrawFn, database: Database) -> list[str]:
    """The shape each subcommand expects, every slot filled with any word: most of these
    get past argparse to the handler, which is where the checks under test live."""
    word = tokens(database)
    command = draw(st.sampled_from(SUBCOMMANDS))
    if command == ["award"]:
        rest = [draw(word), draw(word), "--operator", draw(word)]
        rest += draw(st.sampled_from([[], ["--qty", draw(word)], ["--helper", draw(word)]]))
    elif command == ["redeem"]:
        rest = [draw(word), *draw(st.lists(word, min_size=1, max_size=3)), "--operator"]
        rest += [draw(word), *draw(st.sampled_from([[], ["--hand-over"]]))]
    elif command == ["freeze"]:
        rest = [draw(word), "--until", draw(word), "--reason", draw(word), "--operator"]
        rest += [draw(word), *draw(st.sampled_from([[], ["--from", draw(word)]]))]
    elif command == ["household", "show"]:
        rest = [draw(word), *draw(st.sampled_from([[], ["--json"]]))]
    else:
        rest = draw(st.sampled_from([[draw(word)], ["--previous"], []]))
    return [*command, "--db", database.url, *rest]


@st.composite
def loose_arguments(draw: st.DrawFn, database: Database) -> list[str]:
    """A subcommand and any words at all, in any order."""
    command = draw(st.sampled_from(SUBCOMMANDS))
    return [*command, "--db", database.url, *draw(st.lists(tokens(database), max_size=8))]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(argv: list[str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: usage errors (2) and --help (0)
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_arguments_end_cleanly(database: Database, data: st.DataObject) -> None:
    argv = data.draw(shaped_arguments(database) | loose_arguments(database), label="argv")
    before = dump(database.path)
    result = run(argv)
    event(f"exit {result.code}" + (" (argparse)" if "usage:" in result.err else ""))
    assert result.code in (0, 1, 2), result
    assert "Traceback" not in result.err + result.out
    if result.code != 0:
        assert result.err.strip(), "refused without a word"
        # The last line of defence prints `failed: <exception type>`: an input that gets
        # there was not checked where it should have been.
        assert "failed: " not in result.err, result.err
        assert dump(database.path) == before
    else:
        assert result.out.strip()
        engine = open_database(database.url)
        with read_session(engine) as session:
            report = check_ledger(session)
        engine.dispose()
        assert report.ok, report.problems
