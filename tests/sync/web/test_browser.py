"""The household pages in a real browser (Debian's chromium, headless, through Playwright) on a
360×640 phone: a slip printed by `kiosk phone slip` on a kiosk bootstrapped from a central on
loopback, its QR code read back from the printed bytes, opened, confirmed, and the points page
shows the central's balance (with and without JavaScript; 朗读 reads it). Every page is screenshot into build/screens/ and checked by
axe-core in both text sizes: no serious or critical violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.db import read_session
from kiosk.core.ledger import balance
from tests.sync.harness import NOW, Central, Clock, Kiosk, LiveServer, new_kiosk
from tests.sync.web.kiosk_phone import kiosk_phone, read_slip, slip_jobs
from tests.sync.web.records import owe_goods, rejected_and_disputed

playwright_api = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
# Installed by `make` (the test target's set-up): npm install --prefix build/node axe-core
AXE = REPO / "build" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = REPO / "build" / "screens"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous: two cores shared with other builds; every wait is for an element, never a sleep.
TIMEOUT_MS = 60_000


def _needed(path: Path, how: str) -> None:
    if path.exists():
        return
    message = f"{path} is missing ({how})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


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
def served(sqlite_central: Central, tmp_path: Path) -> Iterator[tuple[LiveServer, Kiosk]]:
    server = LiveServer(sqlite_central.engine, Clock())
    kiosk = new_kiosk(sqlite_central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)  # the kiosk's first sync: its village, households, catalogue
    yield server, kiosk
    server.stop()


def _axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return found


def _check(page: Any, name: str, report: dict[str, list[dict[str, Any]]]) -> None:
    """Screenshot the page in both text sizes and run axe on each."""
    path = page.url.split(page.url.split("/")[2], 1)[1]  # the path and query, for /prefs
    for size in ("normal", "large"):
        page.goto(f"/prefs?size={size}&next={path.split('?')[0]}")
        page.locator("h1").first.wait_for(state="visible")
        page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), full_page=True)
        report[f"{name}-{size}"] = _axe(page)
    page.goto(f"/prefs?size=normal&next={path.split('?')[0]}")


def test_a_household_signs_in_with_a_printed_slip_and_sees_its_points(
    served: tuple[LiveServer, Kiosk],
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_central: Central,
) -> None:
    server, kiosk = served
    SCREENS.mkdir(parents=True, exist_ok=True)
    code = "HP0001"
    # Something on every page: goods owed, a rejected declaration, an open objection.
    household = kiosk.household(code)
    owe_goods(sqlite_central.engine, household.id, 1)
    rejected_and_disputed(sqlite_central.engine, household.id, kiosk.household("HP0002").id)

    # 1. The shop prints a slip; the test reads the QR code back from the printed bytes.
    ran = kiosk_phone(kiosk, server.url, "slip", code, monkeypatch=monkeypatch, capsys=capsys)
    assert ran.code == 0, ran.err
    (payload,) = slip_jobs(kiosk)
    slip = read_slip(payload, SCREENS / "slip-paper.png")
    assert slip.url.startswith(server.url + "/s/")

    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        device_scale_factor=1,
        locale="zh-CN",
        base_url=server.url,
        bypass_csp=True,  # only so axe can be injected; the pages themselves run no script
    )
    context.set_default_timeout(TIMEOUT_MS)
    # The phone's speech synthesis, recorded instead of spoken (headless has no voices).
    context.add_init_script(
        """window.__spoken = [];
        if (window.speechSynthesis) {
            window.speechSynthesis.speak = function (u) { window.__spoken.push([u.lang, u.text]); };
        }"""
    )
    page = context.new_page()
    report: dict[str, list[dict[str, Any]]] = {}
    expect = playwright_api.expect

    # 2. The link opens a confirm page (opening it again uses nothing up), then confirm.
    page.goto(slip.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("在这部手机上登录？")
    _check(page, "01-confirm", report)
    page.goto(slip.url)
    page.get_by_role("button", name="确认登录").click()
    page.wait_for_url(f"**/h/{code}")

    # 3. The points page: the balance the central holds, as of the village kiosk's sync.
    with read_session(sqlite_central.engine) as session:
        expected = balance(session, household.id, NOW.year)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的积分")
    expect(page.locator(".balance-value strong")).to_have_text(str(expected))
    expect(page.locator(".as-of")).to_contain_text("截至")
    _check(page, "02-points", report)

    # 朗读 reads the page's main text in Chinese.
    page.get_by_role("button", name="朗读").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[0][0] == "zh-CN" and "我的积分" in spoken[0][1]
    assert str(expected) in spoken[0][1]

    # Without JavaScript the page reads the same, and the 朗读 button stays away.
    no_script = browser.new_context(
        viewport={"width": 360, "height": 640}, base_url=server.url, java_script_enabled=False
    )
    no_script.add_cookies(context.cookies())
    plain = no_script.new_page()
    plain.goto(f"/h/{code}")
    expect(plain.locator(".balance-value strong")).to_have_text(str(expected))
    expect(plain.get_by_role("button", name="朗读")).to_be_hidden()
    no_script.close()

    # 4. Every other page, from the points page's own links.
    for name, link in (
        ("03-history", "积分记录"),
        ("04-owed", "待领取的物品"),
        ("05-notice", "本村公示和光荣榜"),
        ("06-rules", "怎样加分、扣分"),
        ("07-phones", "我的手机"),
        ("12-requests", "我的申报和异议"),
    ):
        page.goto(f"/h/{code}")
        page.get_by_role("link", name=link).click()
        page.locator("h1").first.wait_for(state="visible")
        _check(page, name, report)

    # 5. English, chosen by its link.
    page.goto(f"/h/{code}")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My points")
    page.screenshot(path=str(SCREENS / "08-points-english.png"), full_page=True)
    report["08-points-english"] = _axe(page)
    page.goto(f"/prefs?lang=zh&next=/h/{code}")

    # 6. Another household's page is refused.
    page.goto("/h/HP0002")
    expect(page.get_by_role("heading", level=1)).to_have_text("不能打开这一页")
    _check(page, "09-refused", report)

    # 7. Signing out on this phone, then the sign-in page with a wrong code's error summary.
    page.goto(f"/h/{code}/phones")
    page.get_by_role("button", name="退出 手机 1").click()
    page.wait_for_url("**/signin")
    _check(page, "10-signin", report)
    page.get_by_label("户号").fill(code)
    page.get_by_label("6位数字").fill("000000")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("户号或6位数字不对")
    page.screenshot(path=str(SCREENS / "11-signin-error.png"), full_page=True)
    report["11-signin-error"] = _axe(page)
    assert page.goto(f"/h/{code}").status == 401
    context.close()

    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in report.items()
    }
    print({name: [v["id"] for v in found] for name, found in report.items()})
    assert all(not found for found in serious.values()), serious
    assert len(report) == 2 * 10 + 2


def _phone(browser: Any, server: LiveServer, kiosk: Kiosk, code: str) -> Any:
    """A 360x640 phone signed in for household `code` with a slip the kiosk asked for."""
    import httpx

    household = kiosk.household(code)
    slip = httpx.post(
        f"{server.url}/v1/phone-slips",
        json={"household_id": household.id},
        auth=(kiosk.id, kiosk.secret),
    ).json()
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        device_scale_factor=1,
        locale="zh-CN",
        base_url=server.url,
        bypass_csp=True,  # only so axe can be injected
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(slip["url"])
    page.get_by_role("button", name="确认登录").click()
    page.wait_for_url(f"**/h/{code}")
    return page


def test_declarations_review_and_an_objection_from_phones(
    served: tuple[LiveServer, Kiosk], browser: Any, sqlite_central: Central, tmp_path: Path
) -> None:
    server, kiosk = served
    SCREENS.mkdir(parents=True, exist_ok=True)
    expect = playwright_api.expect
    report: dict[str, list[dict[str, Any]]] = {}
    picture = tmp_path / "deed.jpg"
    from tests.sync.web.conftest import photo

    picture.write_bytes(photo((30, 110, 70), size=1600))

    # 1. A household declares a deed of its own with a photo from the camera.
    mine = _phone(browser, server, kiosk, "HP0001")
    mine.get_by_role("link", name="申报加分").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("申报加分：选一项")
    mine.get_by_label("找一找").fill("公益")
    mine.get_by_role("button", name="查找").click()
    _check(mine, "20-declare-choose", report)
    mine.get_by_role("link", name="参与村委会组织的各项公益活动").first.click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("填写申报")
    _check(mine, "21-declare-form", report)
    mine.get_by_label("做了什么").fill("3月5日参加村里清扫公路")
    mine.get_by_label("照片").set_input_files(str(picture))
    mine.get_by_role("button", name="下一步").click()
    # Check your answers: the deed, the words and the photo as stored, then send.
    expect(mine.get_by_role("heading", level=1)).to_have_text("请核对申报")
    expect(mine.locator(".answers img")).to_have_count(1)
    mine.screenshot(path=str(SCREENS / "29-declare-check-normal.png"), full_page=True)
    report["29-declare-check-normal"] = _axe(mine)
    mine.get_by_role("button", name="确认提交").click()
    mine.wait_for_url("**/h/HP0001/requests*")
    expect(mine.locator(".rows").first).to_contain_text("待审核")
    _check(mine, "22-requests-pending", report)

    # 2. It declares one for a neighbour, who confirms it on its own phone.
    mine.goto("/h/HP0001/declare/P08")
    mine.get_by_label("做了什么").fill("帮邻居老人打扫院坝")
    mine.get_by_label("帮邻居申报（可不填）").fill("HP0002")
    mine.get_by_role("button", name="下一步").click()
    mine.get_by_role("button", name="确认提交").click()
    mine.wait_for_url("**/h/HP0001/requests*")
    expect(mine.get_by_text("等邻居确认")).to_be_visible()
    neighbour = _phone(browser, server, kiosk, "HP0002")
    neighbour.goto("/h/HP0002/requests")
    expect(neighbour.get_by_text("HP0001 帮您家申报")).to_be_visible()
    _check(neighbour, "23-help-confirm", report)
    neighbour.get_by_role("button", name="确认属实").click()
    neighbour.wait_for_url("**/h/HP0002/requests")
    expect(neighbour.locator(".rows").first).to_contain_text("待审核")

    # 3. The village administrator signs in with id and PIN, approves one, rejects the other.
    admin = browser.new_context(
        viewport={"width": 360, "height": 640}, base_url=server.url, bypass_csp=True
    )
    admin.set_default_timeout(TIMEOUT_MS)
    review = admin.new_page()
    review.goto("/a/signin")
    _check(review, "24-admin-signin", report)
    review.get_by_label("工号").fill("admin-heping")
    review.get_by_label("PIN").fill("2222")
    review.get_by_role("button", name="登录").click()
    review.wait_for_url("**/a")
    expect(review.get_by_role("heading", level=1)).to_have_text("待审核")
    expect(review.locator(".photos img")).to_have_count(1)
    _check(review, "25-review-queue", report)
    review.locator("section[aria-labelledby=h-HP0001]").get_by_role("button", name="通过").click()
    review.wait_for_url("**/a")
    review.locator("section[aria-labelledby=h-HP0002]").get_by_role(
        "button", name="照片看不清，请重拍"
    ).click()
    review.wait_for_url("**/a")
    expect(review.get_by_text("没有待审核的申报")).to_be_visible()

    # 4. Both households see the result (the helper its neighbour's declaration's too).
    mine.goto("/h/HP0001/requests")
    expect(mine.locator(".rows").first).to_contain_text("已通过")
    expect(mine.locator(".rows").nth(1)).to_contain_text("原因：照片看不清，请重拍")
    neighbour.goto("/h/HP0002/requests")
    expect(neighbour.locator(".rows").first).to_contain_text("原因：照片看不清，请重拍")
    _check(neighbour, "26-requests-rejected", report)

    # 5. An objection to an entry, raised from the phone and decided by the administrator.
    mine.goto("/h/HP0001/history")
    mine.get_by_role("link", name="有异议").first.click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("对这条积分有异议")
    _check(mine, "27-object", report)
    mine.get_by_label("哪里不对").fill("这条分数记错了")
    mine.get_by_role("button", name="提交异议").click()
    mine.wait_for_url("**/h/HP0001/requests")
    # The same photo once more: the queue flags it beside the objection waiting.
    mine.goto("/h/HP0001/declare/P08")
    mine.get_by_label("做了什么").fill("3月6日又参加清扫公路")
    mine.get_by_label("照片").set_input_files(str(picture))
    mine.get_by_role("button", name="下一步").click()
    mine.get_by_role("button", name="确认提交").click()
    mine.wait_for_url("**/h/HP0001/requests*")
    review.goto("/a")
    expect(review.get_by_text("在街道里别的 1 条申报用过")).to_be_visible()
    _check(review, "30-review-flags", report)
    # For the administrator's manual: the queue's top as the phone shows it, and the objection.
    review.screenshot(path=str(SCREENS / "31-review-top.png"))
    review.locator(".review-item").last.screenshot(path=str(SCREENS / "32-review-dispute.png"))
    review.get_by_label("处理意见").fill("核实无误，维持")
    review.get_by_role("button", name="维持原记录").click()
    review.wait_for_url("**/a")
    mine.goto("/h/HP0001/requests")
    expect(mine.get_by_text("处理意见：核实无误，维持")).to_be_visible()
    _check(mine, "28-requests-decided", report)

    # 6. The next kiosk sync shows the approved points at the counter.
    with read_session(sqlite_central.engine) as session:
        central_balance = balance(session, kiosk.household("HP0001").id, NOW.year)
    kiosk.sync(server.url)
    with read_session(kiosk.engine) as session:
        assert balance(session, kiosk.household("HP0001").id, NOW.year) == central_balance
    for context in (mine.context, neighbour.context, admin):
        context.close()

    serious = {
        name: [v for v in violations if v["impact"] in ("serious", "critical")]
        for name, violations in report.items()
    }
    print({name: [v["id"] for v in found] for name, found in report.items()})
    assert all(not found for found in serious.values()), serious
    assert len(report) == 2 * 10 + 1
