"""A missed nightly sync is said on every screen's status line, until a sync succeeds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.core.db import open_database, write_session
from kiosk.core.ledger import meta_set
from kiosk.core.sync_state import LAST_SYNC_KEY
from kiosk.tui.widgets.status_bar import StatusBar
from tests.support.pilot import AppFactory, settle
from tests.support.worlds import Db, World

pytestmark = pytest.mark.world("blank")  # a kiosk of 和平 that syncs (not a demo)


def _synced(db: Db, at: object) -> None:
    engine = open_database(db.url)
    try:
        with write_session(engine) as session:
            meta_set(session, LAST_SYNC_KEY, at.isoformat())  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _bar(app: object) -> str:
    return str(app.screen.query_one(StatusBar).render())  # type: ignore[attr-defined]


async def test_three_days_without_a_sync_are_said_until_one_succeeds(
    db: Db, world: World, make_app: AppFactory
) -> None:
    _synced(db, world.now - timedelta(days=3, hours=2))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "3天未同步，请告诉村管理员" in _bar(app)
        assert app.screen.query_one(StatusBar).has_class("-problem")
        _synced(db, world.now - timedelta(hours=3))  # last night's sync went through
        app.check_sync()
        await settle(pilot)
        assert "未同步" not in _bar(app)
        assert not app.screen.query_one(StatusBar).has_class("-problem")


async def test_a_kiosk_that_never_synced_says_so(db: Db, make_app: AppFactory) -> None:
    engine = open_database(db.url)
    try:
        with write_session(engine) as session:
            meta_set(session, LAST_SYNC_KEY, "")  # as a kiosk installed, never synced
    finally:
        engine.dispose()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "还没有同步过，请告诉村管理员" in _bar(app)


async def test_a_sync_within_a_day_and_a_half_says_nothing(
    db: Db, world: World, make_app: AppFactory
) -> None:
    _synced(db, world.now - timedelta(hours=35))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "同步" not in _bar(app)


@pytest.mark.world("tui")
async def test_a_demo_database_never_syncs_and_never_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "同步" not in _bar(app)
