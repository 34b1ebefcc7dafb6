"""Properties of the roster import over generated rosters: whatever the order of the rows,
the format or blank lines between them, every row is accounted for once, a second import
changes nothing, and the register holds every household of the file."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.core.db import read_session
from kiosk.core.models import Household
from tests.register.conftest import HEADER, STREET_ADMIN, Office, csv_bytes, roster_rows


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32),
    count=st.integers(1, 30),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "xlsx"]),
    blanks=st.integers(0, 3),
)
def test_any_roster_imports_once_and_then_changes_nothing(
    office: Office, seed: int, count: int, encoding: str, blanks: int
) -> None:
    rng = random.Random(seed)
    rows = roster_rows(rng, count, ["和平", "双丰", "三合", "水峰"])
    first_name = f"r{seed}-{encoding}.{'xlsx' if encoding == 'xlsx' else 'csv'}"

    def write(name: str, body: list[list[str]]) -> str:
        if encoding == "xlsx":
            return str(office.roster([HEADER, *body], name))
        return str(office.file(name, csv_bytes([HEADER, *body], encoding=encoding)))

    first = office.run(
        "household", "import", write(first_name, rows), "--operator", STREET_ADMIN, "--json"
    )
    shuffled = rows[:]
    rng.shuffle(shuffled)
    for _ in range(blanks):
        shuffled.insert(rng.randint(0, len(shuffled)), [""] * len(HEADER))
    second = office.run(
        "household",
        "import",
        write("again-" + first_name, shuffled),
        "--operator",
        STREET_ADMIN,
        "--json",
    )

    assert first.code == 0 and second.code == 0, (first.out, second.out)
    report = second.json()
    assert report["added"] == [] and report["changed"] == [] and report["unchanged"] == count
    once = first.json()
    assert len(once["added"]) + len(once["changed"]) + once["unchanged"] == count
    # The office fixture lives through all examples: earlier rosters' households stay.
    with read_session(office.engine) as session:
        stored = {
            (h.village_id, h.group_name, h.head_name) for h in session.scalars(select(Household))
        }
    villages = {"和平": "heping", "双丰": "shuangfeng", "三合": "sanhe", "水峰": "shuifeng"}
    assert {(villages[r[0]], r[1], r[2]) for r in rows} <= stored
