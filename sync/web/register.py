"""The office console's register pages (roster, households, operators, exchange points,
catalogue, rule sets, card sheets): mounted by `sync.web.console.install`."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from sync.web import register_pages
from sync.web.access import Access
from sync.web.office_port import OfficeDesk
from sync.web.pages import Pages


def install(
    app: FastAPI,
    engine: Engine,
    clock: Callable[[], datetime],
    pages: Pages,
    access: Access,
    desk: OfficeDesk | None,
) -> None:
    """Mount the register's pages under /o/register (each route with `access.office` or
    `access.office_form`; each change recorded with `sync.audit.record_change`)."""
    register_pages.install(app, engine, clock, pages, access, desk.register if desk else None)
