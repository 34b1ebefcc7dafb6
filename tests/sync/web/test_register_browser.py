"""The console's register in a real browser (Debian's chromium, headless, through Playwright) at
1366x768: a street office clerk signs in, uploads a roster with one bad row (sees the row and
column; nothing is written), fixes and uploads it, adds a shopkeeper (the one-time PIN shown
once), and approves a village's rule set after reading what it changes. Each page is
screenshot into build/screens/console-register-*.png and checked by axe-core: no serious or
critical violation."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from kiosk.core.db import read_session
from kiosk.core.models import Household, Operator
from kiosk.services.office import Desk
from kiosk.services.register import propose_ruleset_text
from rules.loader import street_ruleset_text
from tests.sync.harness import NOW, Central, Clock, LiveServer
from tests.sync.web.test_browser import (
    AXE,
    CHROMIUM,
    FLAGS,
    SCREENS,
    TIMEOUT_MS,
    _axe,
    _needed,
)

playwright_api = pytest.importorskip("playwright.sync_api")

HEADER = ["村", "组", "户主", "成员", "户籍", "长期外出", "参与"]


@pytest.fixture
def browser() -> Iterator[Any]:
    _needed(CHROMIUM, "apt-get install chromium; .ci/setup-debian does")
    _needed(AXE, "make installs it: npm install --prefix build/node axe-core")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def server(sqlite_central: Central) -> Iterator[LiveServer]:
    live = LiveServer(sqlite_central.engine, Clock(), desk=Desk())
    yield live
    live.stop()


def _roster(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _village_ruleset() -> str:
    text = street_ruleset_text()
    text = re.sub(r'^id = ".*"$', 'id = "heping-adjusted"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^version = ".*"$', 'version = "2027-q1"', text, count=1, flags=re.MULTILINE)
    head, _, rest = text.partition('id = "P09"')
    rest = re.sub(r"^points = 10$", "points = 12", rest, count=1, flags=re.MULTILINE)
    return head + 'id = "P09"' + rest


def _heads(central: Central, group: str) -> set[str]:
    with read_session(central.engine) as session:
        return set(session.exec(select(Household.head_name).where(Household.group_name == group)))


def test_a_clerk_imports_a_roster_adds_a_shopkeeper_and_approves_village_rules(
    server: LiveServer, browser: Any, sqlite_central: Central, tmp_path: Path
) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    expect = playwright_api.expect
    report: dict[str, list[dict[str, Any]]] = {}
    # 和平's administrator proposed an adjusted list earlier (P09 worth 12 from 1 January).
    proposal = propose_ruleset_text(
        sqlite_central.engine,
        _village_ruleset(),
        village="和平",
        effective_from=date(2027, 1, 1),
        operator_id="admin-heping",
        now=NOW,
    )
    assert proposal.id is not None

    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        device_scale_factor=1,
        locale="zh-CN",
        base_url=server.url,
        bypass_csp=True,  # only so axe can be injected; the pages themselves run no script
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def check(name: str) -> None:
        page.locator("h1").first.wait_for(state="visible")
        page.screenshot(path=str(SCREENS / f"console-register-{name}.png"), full_page=True)
        report[name] = _axe(page)

    # 1. The clerk signs in and opens the register.
    page.goto("/o/signin")
    page.get_by_label("工号").fill("street-admin")
    page.get_by_label("PIN").fill("9999")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/o")
    page.get_by_role("link", name="登记").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记")
    check("01-front")

    # 2. A roster with one bad row: the row and the column are shown, nothing is written.
    rows = [
        ["和平", "27组", "赵春梅", "李明、李小华", "本村", "否", ""],
        ["和平", "27组", "钱志强", "", "外地", "否", ""],
    ]
    page.get_by_role("link", name="导入名单").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入农户名单")
    check("02-roster")
    page.get_by_label("名单文件").set_input_files(str(_roster(tmp_path / "名单.csv", rows)))
    page.get_by_role("button", name="检查名单").click()
    expect(page.get_by_role("alert")).to_contain_text("名单有 1 处问题")
    bad_row = page.locator("table tbody tr").first
    expect(bad_row.locator("td").nth(0)).to_have_text("3")
    expect(bad_row.locator("td").nth(1)).to_have_text("户籍")
    expect(bad_row.locator("td").nth(2)).to_contain_text("外地")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    check("03-roster-bad-row")
    assert _heads(sqlite_central, "27组") == set()

    # 3. Fixed in Excel and uploaded again: the preview, then the confirmed import.
    rows[1][4] = "本村"
    page.get_by_role("link", name="重新上传").click()
    page.get_by_label("名单文件").set_input_files(str(_roster(tmp_path / "名单.csv", rows)))
    page.get_by_role("button", name="检查名单").click()
    expect(page.locator(".panel")).to_contain_text("将新增 2 户")
    check("04-roster-preview")
    assert _heads(sqlite_central, "27组") == set()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("名单已导入")
    check("05-roster-done")
    assert _heads(sqlite_central, "27组") == {"赵春梅", "钱志强"}

    # 4. A shopkeeper for 和平: the one-time PIN is shown once.
    page.get_by_role("link", name="操作员").first.click()
    page.get_by_label("工号").fill("shop-heping-2")
    page.get_by_label("姓名").fill("周翠花")
    page.get_by_label("角色").select_option("shopkeeper")
    page.get_by_label("村", exact=True).select_option("heping")
    check("06-operators")
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("一次性密码")
    pin = page.locator("#one-time-pin").inner_text()
    assert re.fullmatch(r"\d{6}", pin)
    check("07-pin-once")
    page.get_by_role("link", name="已抄下，返回操作员").click()
    expect(page.locator("table").first).to_contain_text("shop-heping-2")
    assert pin not in page.content()
    with read_session(sqlite_central.engine) as session:
        added = session.get(Operator, "shop-heping-2")
    assert added is not None and added.pin_one_time and added.village_id == "heping"

    # 5. The village's rule set: read what changes for whom from which day, then approve.
    page.get_by_role("link", name="村规则").first.click()
    check("08-rules")
    page.get_by_role("link", name=proposal.id).click()
    expect(page.locator("section h3")).to_contain_text("和平：2027-01-01 起")
    changed = page.locator("section table tbody tr").first
    expect(changed.locator("td").nth(0)).to_have_text("P09")
    expect(changed.locator("td").nth(3)).to_have_text("10")
    expect(changed.locator("td").nth(4)).to_have_text("12")
    check("09-proposal")
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_role("table").first).to_contain_text("已由 street-admin 批准")
    check("10-approved")

    # 6. The other pages a clerk uses: a household found by its code, the catalogue, cards.
    page.get_by_role("link", name="农户").first.click()
    page.get_by_label("查找农户").fill("HP0001")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="HP0001").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HP0001")
    check("11-household")
    for name, link in (("12-points", "兑换点"), ("13-catalog", "兑换目录"), ("14-cards", "积分卡")):
        page.get_by_role("link", name=link).first.click()
        check(name)
    page.get_by_role("link", name="兑换目录").first.click()
    page.get_by_role("link", name="牙刷").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("第1号 牙刷")
    check("15-item")
    page.get_by_role("link", name="积分卡").first.click()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cards")
    check("16-cards-english")
    context.close()

    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in report.items()
    }
    print({name: [v["id"] for v in found] for name, found in report.items()})
    assert all(not found for found in serious.values()), serious
    assert len(report) == 16
