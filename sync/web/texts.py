"""What the household pages say, as (Chinese, English) pairs; refusals stay in kiosk.core.messages."""

from __future__ import annotations

from kiosk.core.messages import MESSAGES, fill

LANGUAGES = ("zh", "en")

WEB_TEXTS: dict[str, tuple[str, str]] = {
    "site": ("棠香积分", "Tangxiang points"),
    "prefs": ("显示设置", "Display"),
    "read_aloud": ("朗读", "Read aloud"),
    "lang.other": ("English", "中文"),
    "size.large": ("大字", "Large text"),
    "size.normal": ("标准字", "Normal text"),
    "back": ("返回我的积分", "Back to my points"),
    "signin.title": ("用手机登录", "Sign in on this phone"),
    "signin.lead": (
        "请拿出兑换点打印的登录条。扫登录条上的二维码最方便；也可以在下面输入户号和6位数字。",
        "Take the sign-in slip the shop printed. Scanning its QR code is easiest; or type the "
        "household code and the 6 digits below.",
    ),
    "signin.household": ("户号", "Household code"),
    "signin.household_hint": (
        "印在登录条和积分卡上，例如 HP0001",
        "On the slip and the card, e.g. HP0001",
    ),
    "signin.code": ("6位数字", "6-digit code"),
    "signin.submit": ("登录", "Sign in"),
    "signin.no_slip": (
        "没有登录条？请带积分卡到本村兑换点打印一张，一天内有效，只能用一次。",
        "No slip? Bring your points card to your village's shop for one; it works once, within a day.",
    ),
    "error.title": ("有问题", "There is a problem"),
    "confirm.title": ("在这部手机上登录？", "Sign in on this phone?"),
    "confirm.lead": (
        "确认后，这部手机就能查看您家的积分，直到您在“我的手机”里退出。登录条只能用一次。",
        "Once you confirm, this phone shows your household's points until you remove it under "
        "“My phones”. The slip works only once.",
    ),
    "confirm.submit": ("确认登录", "Confirm and sign in"),
    "points.title": ("我的积分", "My points"),
    "points.balance": ("{year}年积分余额", "Balance for {year}"),
    "points.unit": ("分", "points"),
    "points.as_of": (
        "截至 {at}（本村兑换点最近一次同步）",
        "As of {at} (your village shop's last sync)",
    ),
    "points.never": (
        "本村兑换点还没有同步过，余额可能不全",
        "Your village shop has not synced yet",
    ),
    "points.frozen": ("兑换冻结至 {until}：{reason}", "Redemption frozen until {until}: {reason}"),
    "points.more": ("还可以看", "More"),
    "nav.history": ("积分记录", "My history"),
    "nav.owed": ("待领取的物品", "Goods still owed to me"),
    "nav.notice": ("本村公示和光荣榜", "My village's notice and honours"),
    "nav.rules": ("怎样加分、扣分", "What earns and loses points"),
    "nav.phones": ("我的手机", "My phones"),
    "history.title": ("积分记录", "My history"),
    "history.none": ("今年还没有积分记录", "No entries this year yet"),
    "history.when": ("日期", "Date"),
    "history.what": ("事项", "What"),
    "history.points": ("积分", "Points"),
    "kind.redemption": ("兑换物品", "Goods redeemed"),
    "kind.refund": ("退回积分（取消兑换）", "Points returned (cancelled)"),
    "kind.expiry": ("年度清零", "Year-end reset"),
    "kind.correction": ("更正", "Correction"),
    "kind.bonus": ("奖励", "Bonus"),
    "kind.warning": ("警告（不扣分）", "Warning (no points taken)"),
    "owed.title": ("待领取的物品", "Goods still owed to me"),
    "owed.none": ("没有待领取的物品", "Nothing is owed to you"),
    "owed.due": ("应于 {due} 前交付", "Due by {due}"),
    "owed.overdue": ("已过期限，请联系兑换点", "Past its date: please ask the shop"),
    "owed.ready": ("已到货，可以去领", "In stock: you can collect it"),
    "notice.title": ("本村公示", "My village's notice"),
    "notice.rank": ("名次", "Rank"),
    "notice.household": ("户", "Household"),
    "notice.quarter": ("本季", "Quarter"),
    "notice.balance": ("余额", "Balance"),
    "notice.average": ("本村本季户均 {average} 分", "Village average this quarter: {average}"),
    "notice.none": ("本季还没有积分", "No points this quarter yet"),
    "honours.title": ("光荣榜（{period}）", "Honours ({period})"),
    "honours.none": ("还没有上榜的户", "No household on the list yet"),
    "rules.title": ("怎样加分、扣分", "What earns and loses points"),
    "rules.positive": ("加分的事", "What earns points"),
    "rules.negative": ("扣分的事", "What loses points"),
    "nav.requests": ("我的申报和异议", "My declarations and objections"),
    "requests.title": ("我的申报和异议", "My declarations and objections"),
    "requests.declarations": ("申报", "Declarations"),
    "requests.disputes": ("异议", "Objections"),
    "requests.none": ("没有", "None"),
    "requests.filed": ("{at} 申报", "filed {at}"),
    "requests.points": ("加了 {points} 分", "{points} points added"),
    "requests.reason": ("原因：{reason}", "Reason: {reason}"),
    "requests.entry": ("{at} 的记录（{points} 分）", "The entry of {at} ({points} points)"),
    "requests.decision": ("处理意见：{note}", "Decision: {note}"),
    "requests.how": (
        "申报和异议目前请到本村兑换点办理；在这里查看进度。",
        "For now, declare or object at your village shop; follow them here.",
    ),
    "phones.title": ("我的手机", "My phones"),
    "phones.lead": (
        "这些手机能查看您家的积分。丢了手机，请在这里或到兑换点把它退出。",
        "These phones can see your household's points. If one is lost, remove it here or at the shop.",
    ),
    "phones.this": ("（就是这部）", "(this phone)"),
    "phones.since": ("{at} 起", "since {at}"),
    "phones.revoke": ("退出 {label}", "Remove {label}"),
    "phones.revoked": ("已退出", "Removed"),
    "signout": ("在这部手机上退出", "Sign out on this phone"),
    "refused.title": ("不能打开这一页", "This page cannot be opened"),
    "refused.signin": ("请先用登录条登录", "Please sign in with a slip first"),
    "refused.other": ("这不是您家的页面", "This is not your household's page"),
    "refused.csrf": (
        "页面已过时，请返回重新操作",
        "The page was out of date; please go back and try again",
    ),
    "refused.missing": ("没有这一页", "There is no such page"),
    "go.signin": ("去登录", "Go to sign in"),
}


def say(key: str, language: str, /, **params: object) -> str:
    """The page text `key` (or a domain message) in `language`, its placeholders filled."""
    pair = WEB_TEXTS.get(key) or MESSAGES.get(key) or (key, key)
    return fill(pair, language, params)
