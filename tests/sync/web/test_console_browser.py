"""The office console in a real browser (Debian's chromium, headless, through Playwright) at
1366x768: a clerk signs in, reads the overview, acknowledges an alert, downloads the Q4 notice
and an XLSX export; a village administrator sees only its village. Every console page is
screenshot into build/screens/console-*.png and checked by axe-core: no serious or critical
violation."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from kiosk.core.db import write_session
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_set
from kiosk.services.office import Desk
from tests.core.test_overview import NOW, make_quarter
from tests.sync.harness import Clock, LiveServer
from tests.sync.web.test_browser import SCREENS, TIMEOUT_MS, _axe, browser

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.world("fulfilment")
__all__ = ["browser"]  # the fixture, shared with the phone pages' browser test


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[LiveServer]:
    make_quarter(engine, tmp_path / "quarter")
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)
    server = LiveServer(engine, Clock(NOW), desk=Desk(), evidence_dir=tmp_path / "evidence")
    yield server
    server.stop()


def _desk(browser: Any, server: LiveServer) -> Any:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        device_scale_factor=1,
        locale="zh-CN",
        base_url=server.url,
        accept_downloads=True,
        bypass_csp=True,  # only so axe can be injected; the console runs no script
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _shot(page: Any, name: str, report: dict[str, list[dict[str, Any]]]) -> None:
    page.locator("h1").first.wait_for(state="visible")
    page.screenshot(path=str(SCREENS / f"console-{name}.png"), full_page=True)
    report[name] = _axe(page)


def _sign_in(page: Any, operator_id: str, pin: str) -> None:
    page.goto("/o/signin")
    page.get_by_label("工号").fill(operator_id)
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/o")


def test_a_clerk_works_through_the_console(
    served: LiveServer, browser: Any, engine: Engine
) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    expect = playwright_api.expect
    report: dict[str, list[dict[str, Any]]] = {}
    context = _desk(browser, served)
    page = context.new_page()

    # 1. Sign-in: a wrong PIN is said in the error summary, then the right one.
    page.goto("/o/signin")
    _shot(page, "signin", report)
    page.get_by_label("工号").fill("street-admin")
    page.get_by_label("PIN").fill("0000")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("密码不对")
    _shot(page, "signin-error", report)
    _sign_in(page, "street-admin", "1234")

    # 2. The overview: 和平's hand-counted figures, the chart, the nav marks where we are.
    expect(page.get_by_role("heading", level=1)).to_have_text("概览 2026Q4")
    heping = page.locator('tr[data-village="heping"]')
    expect(heping.locator('[data-figure="participation"]')).to_have_text("67%")
    expect(heping.locator('[data-figure="awarded"]')).to_have_text("4017")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("概览")
    expect(page.locator("svg.chart")).to_be_visible()
    _shot(page, "overview", report)

    # The keyboard: the first Tab reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()

    # 3. An alert acknowledged with a note, by name.
    page.locator("tr[data-alert]").filter(has_text="K-HP-02").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("处理提醒")
    page.get_by_role("button", name="以 测试street-admin 的名义确认").click()
    expect(page.get_by_role("alert")).to_contain_text("请写明处理情况")
    _shot(page, "alert-error", report)
    page.get_by_label("处理说明").fill("已到兑换点校准终端时钟")
    page.get_by_role("button", name="以 测试street-admin 的名义确认").click()
    expect(page.get_by_role("status")).to_have_text("已确认处理该提醒。")
    expect(page.locator("tr[data-alert]")).to_have_count(3)

    # 4. The Q4 notice of 和平, as PDF.
    page.get_by_role("link", name="公示").click()
    page.get_by_label("村").select_option("heping")
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("光荣榜")
    _shot(page, "notices", report)
    with page.expect_download() as notice:
        page.get_by_role("link", name="和平 公示 PDF").click()
    assert notice.value.suggested_filename == "notice-heping-2026Q4.pdf"
    assert Path(notice.value.path()).read_bytes().startswith(b"%PDF")

    # 5. The XLSX export of the quarter; its totals agree with the overview.
    page.get_by_role("link", name="导出").click()
    _shot(page, "exports", report)
    page.get_by_label("期间（季度或月份）").select_option("2026Q4")
    with page.expect_download() as export:
        page.get_by_role("button", name="下载").click()
    assert export.value.suggested_filename == "export-2026Q4-all.xlsx"
    book = load_workbook(io.BytesIO(Path(export.value.path()).read_bytes()), read_only=True)
    totals = list(book["汇总"].iter_rows(values_only=True))
    heping_rows = [row for row in totals[1:] if row[0] == "heping"]
    assert sum(int(row[3]) for row in heping_rows) == 4017  # awarded, as on the overview
    assert {row[8] for row in heping_rows} == {67}

    # 6. Periods (with the confirmation step), the audit list with the acknowledgement.
    page.get_by_role("link", name="期间").click()
    _shot(page, "periods", report)
    page.get_by_role("link", name="补做 2026-11 结算").click()
    _shot(page, "close-check", report)
    page.get_by_role("link", name="取消").click()
    page.get_by_role("link", name="审计").click()
    expect(page.locator("tr[data-event]")).to_have_count(1)
    expect(page.locator("tr[data-event]")).to_contain_text("确认处理提醒")
    _shot(page, "audit", report)

    # English, chosen by its link, then back.
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit")
    _shot(page, "audit-english", report)
    page.get_by_role("link", name="中文").click()

    # 7. Signing out: the console is closed to this browser.
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/o/signin")
    assert page.goto("/o").status == 401
    _shot(page, "refused", report)
    context.close()

    # 8. A village administrator: its village only, no village to choose.
    village = _desk(browser, served).new_page()
    _sign_in(village, "admin-heping", "1234")
    expect(village.locator("tr[data-village]")).to_have_count(1)
    expect(village.locator('tr[data-village="heping"]')).to_be_visible()
    expect(village.get_by_label("村")).to_have_count(0)
    _shot(village, "village-overview", report)
    village.context.close()

    # 9. A new administrator's paper PIN opens nothing until it has chosen its own.
    from kiosk.services.register import add_operator

    added = add_operator(
        engine,
        new_id="admin-heping-new",
        name="测试丁",
        role="village_admin",
        village="和平",
        exchange_point=None,
        operator_id="street-admin",
        now=NOW,
    )
    newcomer = _desk(browser, served).new_page()
    newcomer.goto("/o/signin")
    newcomer.get_by_label("工号").fill("admin-heping-new")
    newcomer.get_by_label("PIN", exact=True).fill(added["pin"])
    newcomer.get_by_role("button", name="登录").click()
    expect(newcomer.get_by_role("alert")).to_contain_text("设一个自己的 6 位 PIN")
    _shot(newcomer, "choose-pin", report)
    newcomer.get_by_label("PIN", exact=True).fill(added["pin"])
    newcomer.get_by_label("自己的新 PIN（6 位数字）").fill("482915")
    newcomer.get_by_label("再输一次新 PIN").fill("482915")
    newcomer.get_by_role("button", name="登录").click()
    newcomer.wait_for_url("**/o")
    expect(newcomer.locator('tr[data-village="heping"]')).to_be_visible()
    newcomer.context.close()

    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in report.items()
    }
    print({name: [v["id"] for v in found] for name, found in report.items()})
    assert all(not found for found in serious.values()), serious
    assert len(report) == 13
