"""Entering a village's monthly red and black lists (村级评议红榜/黑榜) by household codes: the
one path a CLI command and an administration screen take to kiosk.core.evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine

from kiosk.core.db import read_session, write_session
from kiosk.core.evaluations import EvaluationView, evaluation_of, record_evaluation
from kiosk.core.households import resolve_household
from kiosk.core.models import Household
from kiosk.core.periods import parse_month
from kiosk.core.reference import operator_by_id, village_by_name
from rules.model import Standing


def enter_evaluation(
    engine: Engine,
    *,
    village: str,
    month: str,
    red: Sequence[str],
    black: Sequence[str],
    operator_id: str,
    now: datetime,
) -> EvaluationView:
    """Record `month` ("YYYY-MM") of `village` (name or id): the households of `red` and of
    `black` (short codes or card payloads), in one transaction; the entries they carry are
    written by the engine, each once. A code on both lists is bad input."""
    year, month_number = parse_month(month)
    with write_session(engine) as session:
        place = village_by_name(session, village)
        operator = operator_by_id(session, operator_id)
        standings: list[tuple[Household, Standing]] = [
            (resolve_household(session, raw), standing)
            for standing, raws in ((Standing.RED, red), (Standing.BLACK, black))
            for raw in raws
        ]
        return record_evaluation(
            session,
            village=place,
            year=year,
            month=month_number,
            standings=standings,
            operator=operator,
            now=now,
        )


def show_evaluation(engine: Engine, *, village: str, month: str) -> EvaluationView:
    """A village's lists for `month` ("YYYY-MM") as recorded."""
    year, month_number = parse_month(month)
    with read_session(engine) as session:
        return evaluation_of(session, village_by_name(session, village), year, month_number)
