"""Declarations filed from phones through the nightly sync, on a SQLite and a PostgreSQL
central: a neighbour's declaration still waiting for the helped household's confirmation never
reaches a kiosk; once confirmed it travels as an ordinary declaration (the helper named, the
photo names with it), is decided at the counter, and both sides end with the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core.central_models import HelpRequest
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import approve, list_pending
from kiosk.core.help_requests import (
    clean_photos,
    confirm_help_request,
    file_help_request,
    keep_photos,
)
from kiosk.core.households import household_by_code
from kiosk.core.models import Declaration
from kiosk.core.reference import operator_by_id
from tests.sync.harness import NOW, Central, Clock, LiveServer, assert_agree, new_kiosk
from tests.sync.web.conftest import photo

OTHER_VILLAGE = "xizige"


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def photo_server(central: Central, evidence: Path) -> Iterator[LiveServer]:
    live = LiveServer(central.engine, Clock(), evidence_dir=evidence)
    yield live
    live.stop()


def test_a_neighbours_declaration_reaches_the_kiosk_only_once_confirmed(
    central: Central, photo_server: LiveServer, evidence: Path, tmp_path: Path
) -> None:
    server = photo_server
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    with write_session(central.engine) as session:
        helper = household_by_code(session, "HP0001")
        helped = household_by_code(session, "HP0002")
        paths = keep_photos(
            session,
            clean_photos([("a.jpg", photo())]),
            household=helper,
            evidence_dir=evidence,
            cap_bytes=10 * 1024 * 1024,
            now=NOW,
        )
        asked = file_help_request(
            session,
            helper=helper,
            household=helped,
            rule_id="P08",
            quantity=1,
            description="帮邻居打扫院坝",
            photos=paths,
            filed_by="phone:test",
            now=NOW,
        )
    kiosk.sync(server.url)
    with read_session(kiosk.engine) as session:
        assert session.exec(select(Declaration)).all() == []
        assert list_pending(session, "heping") == []
    assert_agree(central, kiosk)

    with write_session(central.engine) as session:
        filed = confirm_help_request(
            session,
            household=household_by_code(session, "HP0002"),
            request_id=asked.id,
            evidence_dir=evidence,
            now=NOW,
        )
        assert session.get(HelpRequest, asked.id).outcome == "confirmed"  # type: ignore[union-attr]
    counter_photos = tmp_path / "kiosk-evidence"
    report = kiosk.sync(server.url, evidence_dir=counter_photos)
    with read_session(kiosk.engine) as session:
        (pending,) = list_pending(session, "heping")
    assert pending.id == filed.id
    assert (pending.household_code, pending.helper_code) == ("HP0002", "HP0001")
    assert pending.evidence == [p.name for p in paths]
    # The photo came with the sync, byte for byte, for the counter's review.
    assert report.photos == 1
    (name,) = pending.evidence
    assert (counter_photos / name).read_bytes() == (evidence / name).read_bytes()
    assert kiosk.sync(server.url, evidence_dir=counter_photos).photos == 0  # held already
    # A kiosk of another village is not given it.
    other = new_kiosk(central, tmp_path, "K-OT-01", village=OTHER_VILLAGE)
    with other.link(server.url) as link:
        assert link.evidence([name]) == {"photos": {}, "missing": [name]}

    # Decided at the counter, through the kiosk's own path; the next sync agrees.
    with write_session(kiosk.engine) as session:
        approved = approve(
            session, ref=filed.id, operator=operator_by_id(session, "admin-heping"), now=NOW
        )
    assert len(approved.entry_ids) == 2  # the household's and the helper's equal award
    kiosk.sync(server.url)
    assert_agree(central, kiosk)
