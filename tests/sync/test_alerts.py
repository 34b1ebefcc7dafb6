"""Alerts about a kiosk's pushes are bounded: one per kiosk, kind and reason, at most
MAX_PER_KIOSK of them, the oldest folded into one summary that counts them by reason."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from sync.alerts import MAX_PER_KIOSK, raise_kiosk_alert
from tests.sync.harness import NOW, Central


def test_alerts_of_one_kiosk_are_deduplicated_capped_and_summarised(
    sqlite_central: Central,
) -> None:
    engine = sqlite_central.engine
    for n in range(MAX_PER_KIOSK + 10):
        with write_session(engine) as session:
            for _ in range(3):  # the same reason again and again: one alert
                raise_kiosk_alert(
                    session,
                    kind="refused",
                    kiosk_id="K-HP-01",
                    reason=f"reason-{n:03d}",
                    now=NOW + timedelta(minutes=n),
                )
    with write_session(engine) as session:
        raise_kiosk_alert(session, kind="refused", kiosk_id="K-HP-02", reason="price", now=NOW)
    with read_session(engine) as session:
        mine = session.scalars(select(SyncAlert).where(col(SyncAlert.kiosk_id) == "K-HP-01")).all()
        other = session.scalars(select(SyncAlert).where(col(SyncAlert.kiosk_id) == "K-HP-02")).all()
    kept = sorted(a.subject for a in mine if a.kind == "refused")
    (summary,) = [a for a in mine if a.kind == "summary"]
    assert len(kept) == MAX_PER_KIOSK
    assert kept[0] == "K-HP-01:refused:reason-010"  # the ten oldest folded away
    assert summary.detail == "; ".join(f"refused:reason-{n:03d} x1" for n in range(10))
    assert [a.subject for a in other] == ["K-HP-02:refused:price"]
