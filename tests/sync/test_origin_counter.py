"""Two first writes of one origin at once on PostgreSQL: the second waits for the first's
counter row and continues after it, instead of failing on the counter's key (which an
UPDATE-then-INSERT did: the UPDATE cannot see the other transaction's uncommitted row)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from kiosk.core.db import write_session
from kiosk.core.ledger import take_origin_seqs
from tests.sync.harness import Central


@pytest.mark.parametrize("central", ["postgresql"], indirect=True)
def test_two_first_writes_of_an_origin_at_once_both_get_their_numbers(central: Central) -> None:
    taken: dict[str, range] = {}
    failures: list[BaseException] = []
    second_pid: list[int] = []

    def second() -> None:
        try:
            with write_session(central.engine) as session:
                second_pid.append(
                    session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
                )
                taken["second"] = take_origin_seqs(session, "K-NEW-01", 3)
        except BaseException as error:  # the test reports it below
            failures.append(error)

    with write_session(central.engine) as session:
        taken["first"] = take_origin_seqs(session, "K-NEW-01", 2)  # its row, not committed
        thread = threading.Thread(target=second)
        thread.start()
        # Until the second transaction is seen waiting for the first's row lock (a state, not
        # a sleep's guess; the deadline only keeps a broken run from hanging).
        deadline = time.monotonic() + 60
        with central.engine.connect() as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE pid = ANY(:pids) AND wait_event_type = 'Lock'"
                    ),
                    {"pids": second_pid or [0]},
                ).scalar_one()
                if waiting:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("the second writer never waited for the first's counter")
    thread.join(timeout=60)
    assert failures == []
    assert taken == {"first": range(1, 3), "second": range(3, 6)}
