"""What the `kiosk` command says, as (Chinese, English) pairs; refusals stay in kiosk.core.messages.

The CLI writes Chinese with the English beside it (language zh, the default: what the street
office's logs and scripts have always read), or English alone (language en).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.core.messages import fill

CLI_TEXTS: dict[str, tuple[str, str]] = {
    "cli.description": ("棠香街道乡村治理积分兑换点", "Tangxiang points-scheme exchange kiosk"),
    "cli.error": ("错误", "error"),
    "cli.failed": ("失败", "failed"),
    # orders and their lines
    "redeem.order": (
        "兑换单 {order}：{total} 分，余额 {before} → {after}",
        "order {order}: {total} points, balance {before} -> {after}",
    ),
    "redeem.replayed": (
        "兑换单 {order} 此前已兑换，未重复扣分",
        "order {order} was redeemed before: nothing redeemed again",
    ),
    "redeem.order_id": (
        "兑换单编号应为 UUID，例如 0b6f3c1e-9a4d-4f57-8a53-2f1e7c2b9d10，收到：{value}",
        "--order-id takes a UUID, e.g. 0b6f3c1e-9a4d-4f57-8a53-2f1e7c2b9d10; got: {value}",
    ),
    "redeem.line": (
        "第{line_no}行：[{item_no}] {name} ×{quantity} {points}分 {state}",
        "line {line_no}: [{item_no}] {name} x{quantity} {points} points {state}",
    ),
    "line.handed": ("已交付", "handed"),
    "line.due": ("应于 {due} 前交付", "due {due}"),
    "line.late": (" 逾期", " late"),
    "line.status.pending": ("待交付", "pending"),
    "line.status.overdue": ("已逾期", "overdue"),
    "line.status.handed": ("已交付", "handed"),
    "line.status.cancelled": ("已取消", "cancelled"),
    "line.row": (
        "{line_no}. {name} ×{quantity} {points}分  {state}",
        "{line_no}. {name} x{quantity} {points} points  {state}",
    ),
    "line.handed_at": ("已交付 {at}{late}", "handed {at}{late}"),
    "line.cancelled": ("已取消（{reason}）", "cancelled ({reason})"),
    "line.open": ("{status}，应于 {due} 前交付", "{status}, due {due}"),
    # seeding, schema, look-ups
    "seed.done": ("演示数据已建立：{url}", "demo data created: {url}"),
    "seed.counts": (
        "{villages} 个村，{households} 户，{entries} 条积分记录",
        "{villages} villages, {households} households, {entries} entries",
    ),
    "seed.key": ("制卡密钥：{path}", "card-signing key: {path}"),
    "seed.operators": (
        "演示操作员（编号 / 姓名 / 角色 / 村 / PIN）：",
        "demo operators (id / name / role / village / PIN):",
    ),
    "migrate.done": ("数据库已是最新", "database schema is up to date"),
    "catalog.row": (
        "{item_no:>2} {name:<14} {points:>4}分  {days}天  库存 {stock}",
        "{item_no:>2} {name:<14} {points:>4} points  {days} days  stock {stock}",
    ),
    "household.title": (
        "{code} {village}村 {group} 户主 {head}",
        "{code} {village} {group} head {head}",
    ),
    "household.balance": ("{year}年积分余额：{balance}", "{year} balance: {balance}"),
    "household.frozen": ("冻结至 {until}（{reason}）", "frozen until {until} ({reason})"),
    "freeze.done": (
        "{code} 冻结兑换 {starts} 至 {ends}：{reason}",
        "{code} frozen {starts} .. {ends}: {reason}",
    ),
    "freeze.none": ("{code} 没有冻结", "{code} is not frozen"),
    "freeze.lifted": ("{code} 已解除冻结", "{code}: freeze lifted"),
    "close.done": (
        "{period} 结算完成：写入 {written} 笔奖励（{already} 笔已存在），"
        "{households} 户清零（{points} 分）",
        "{period} closed: {written} bonuses written ({already} already there), "
        "{households} households reset ({points} points)",
    ),
    "check.ok": ("账目正常（{counts}）", "ledger OK ({counts})"),
    "check.broken": ("账目有误（{counts}）", "ledger BROKEN ({counts})"),
    # cards
    "cards.written": (
        "{village}村 {count} 张积分卡 → {files}",
        "{village}: {count} cards -> {files}",
    ),
    "card.reissued": (
        "{code} 已补办第{version}版积分卡，旧卡作废",
        "{code}: card version {version} issued, older cards refused",
    ),
    "card.written": ("{code} 第{version}版 → {path}", "{code} version {version} -> {path}"),
    "scan.household": ("农户 {code} {name}", "household {code} {name}"),
    "scan.order": ("兑换单 {order}（{code}）", "order {order} ({code})"),
    "scan.refused": ("拒收", "refused"),
    # receipts and the printer
    "receipt.written": ("{order} → {path}", "{order} -> {path}"),
    "receipt.reprint_failed": (
        "补打已排队，打印失败：{error}",
        "reprint queued, printing failed: {error}",
    ),
    # the monthly village evaluation (村级评议红榜/黑榜)
    "help.evaluation": (
        "村级评议红榜、黑榜（每户每月）",
        "the monthly village red and black lists",
    ),
    "help.evaluation_enter": (
        "录入某村某月的红榜、黑榜户；红榜加分、连续黑榜扣分由系统各记一次",
        "record a village's red and black lists of a month; the points follow, each once",
    ),
    "help.evaluation_show": ("查看某村某月的红榜、黑榜", "show a village's lists of a month"),
    "evaluation.head": ("{village} {month} 村级评议", "{village} {month} village evaluation"),
    "evaluation.red": ("红榜：{codes}", "red list: {codes}"),
    "evaluation.black": ("黑榜：{codes}", "black list: {codes}"),
    "evaluation.entry": (
        "{code} {rule} {points:+d} 分{again}",
        "{code} {rule} {points:+d} points{again}",
    ),
    "evaluation.again": ("（此前已记，未重复）", " (written before, not again)"),
    "evaluation.none": ("（无）", "(none)"),
    "receipt.reprinted": ("已补打：{order}", "reprinted: {order}"),
    "receipt.printed": ("已打印（此前未打出）：{order}", "printed (it had not come out): {order}"),
    "printer.test_sent": (
        "测试页已发送：{uri}（{size} 字节）",
        "test page sent: {uri} ({size} bytes)",
    ),
    # declarations and disputes
    "help.declaration": (
        "自主/互助申报：登记、列表、查看、通过、驳回",
        "declarations: file, list, show, approve, reject",
    ),
    "help.dispute": ("异议：登记、列表、维持、更正", "disputes: raise, list, uphold, correct"),
    "help.export": (
        "导出一个期间的积分记录、兑换单和明细、申报、异议（XLSX 或 CSV），附与概况一致的汇总",
        "export a period's entries, orders and lines, declarations and disputes (XLSX or CSV), "
        "with totals that agree with the overview",
    ),
    "export.written": ("已导出 {name} → {path}", "Exported {name} -> {path}"),
    "help.notice": ("季度公示（PDF 或 CSV）", "quarterly public notice as PDF or CSV"),
    "declaration.row": (
        "{id} {code} {head} {rule} {rule_text} ×{quantity}{helper} [{status}]",
        "{id} {code} {head} {rule} {rule_text} x{quantity}{helper} [{status}]",
    ),
    "declaration.helper": (" 互助 {code}", " helper {code}"),
    "declaration.photos": ("照片：{files}", "photos: {files}"),
    "declaration.approved_by": ("+{points} 分，{by} {at}", "+{points} points by {by} {at}"),
    "declaration.rejected_by": ("{by} 驳回：{reason}", "rejected by {by}: {reason}"),
    "declaration.filed": ("申报已登记，待审核：", "declaration filed, pending review:"),
    "declaration.none": ("没有申报", "no declarations"),
    "declaration.replayed": (
        "该申报此前已通过，未重复计分",
        "already approved: nothing written again",
    ),
    "declaration.approved": ("申报已通过：", "declaration approved:"),
    "declaration.rejected": ("申报已驳回：", "declaration rejected:"),
    "dispute.row": (
        "{id} {code} 记录 {entry}（{kind} {points:+d} {rule}）[{status}]",
        "{id} {code} entry {entry} ({kind} {points:+d} {rule}) [{status}]",
    ),
    "dispute.correction": (" 更正记录 {entry}", " correction {entry}"),
    "dispute.raised": ("异议已登记，待村支两委处理：", "dispute recorded:"),
    "dispute.none": ("没有异议", "no disputes"),
    "dispute.decided": ("异议已处理：", "dispute decided:"),
    # freezes, the notice, honours
    "freezes.none": ("没有冻结兑换的农户", "no household is frozen"),
    "notice.written": (
        "{title}：{count} 户{pages} → {path}",
        "{title}: {count} households{pages} -> {path}",
    ),
    "notice.pages": ("，{pages} 页", ", {pages} pages"),
    "notice.no_pages": ("", ""),
    "notice.average": (
        "全村户均本季度得分 {average:.1f}",
        "village average this quarter {average:.1f}",
    ),
    "honours.title": (
        "{village} {period} 户均得分 {average:.1f}",
        "{village} {period} average {average:.1f}",
    ),
    "honours.top": ("前五名：", "top five:"),
    "honours.above": ("高于平均分：", "above average:"),
    # goods owed
    "orders.none": ("没有符合条件的兑换单", "no matching orders"),
    "handover.done": (
        "兑换单 {order}（{code}）交付：",
        "order {order} ({code}) handed over:",
    ),
    "handover.pending": ("仍待交付：{lines}", "still pending: {lines}"),
    "handover.queued": ("交付单已排队，等待打印", "slip queued for the printer"),
    "handover.printed": ("交付单已打印", "slip printed"),
    "handover.kept": ("交付单未打印，已保留在队列：{error}", "slip kept in the queue: {error}"),
    "cancel.done": (
        "已取消 {order} 第{line_no}行 {name}：退回 {refunded} 分，{code} 余额 {balance}",
        "cancelled {order} line {line_no} {name}: refunded {refunded} points, "
        "{code} balance {balance}",
    ),
    "restock.done": (
        "{point}：{name} +{quantity}，库存 {on_hand}",
        "{point}: {name} +{quantity}, on hand {on_hand}",
    ),
    "restock.ready": (
        "可交付：{order} 第{line_no}行 {code} {name} ×{quantity}",
        "ready to hand over: {order} line {line_no} {code} {name} x{quantity}",
    ),
    "deadlines.counts": (
        "逾期 {overdue}  今日到期 {due_today}",
        "overdue {overdue}  due today {due_today}",
    ),
    "deadlines.row": (
        "{hours:>+5}小时 {urgency:<8} {order} 第{line_no}行 {code} {name} ×{quantity}{ready}",
        "{hours:>+5}h {urgency:<8} {order} line {line_no} {code} {name} x{quantity}{ready}",
    ),
    "deadlines.ready": ("  可交付", "  ready"),
    "ontime.title": (
        "{month} 按时兑现率（按时/到期）",
        "{month} on-time rate (on time / due)",
    ),
    "ontime.row": (
        "{point:<10} {on_time}/{due} {rate:>5}  逾期 {late}  未到期 {open}",
        "{point:<10} {on_time}/{due} {rate:>5}  late {late}  open {open}",
    ),
    "ontime.total": ("合计", "total"),
    # the street office's overview
    "help.overview": (
        "街道办概况：各村参与率、每月奖扣兑积分、待审申报与异议、兑换点逾期与缺货、兑换机同步",
        "the street office's overview: participation, monthly points, waiting reviews, "
        "overdue goods and low stock, kiosks' syncs",
    ),
    "overview.title": ("{quarter} 概况（截至 {at}）", "{quarter} overview (as of {at})"),
    "overview.village": (
        "{village}：参与 {earning}/{taking_part} 户（{percent}），待审申报 {declarations}，"
        "待处理异议 {disputes}",
        "{village}: {earning}/{taking_part} households took part ({percent}), "
        "{declarations} declarations and {disputes} disputes waiting",
    ),
    "overview.month": (
        "{month}：奖励 {awarded} 分，扣除 {deducted} 分，兑换 {redeemed} 分",
        "{month}: awarded {awarded}, deducted {deducted}, redeemed {redeemed}",
    ),
    "overview.point": (
        "{point}：逾期 {overdue} 件，按时 {on_time}/{due}（{percent}），缺货（库存/欠交）：{low}",
        "{point}: {overdue} overdue, on time {on_time}/{due} ({percent}), "
        "low stock (on hand/owed): {low}",
    ),
    "overview.kiosk": (
        "兑换机 {kiosk}：最后同步 {synced}，时差 {skew} 秒{stale}",
        "kiosk {kiosk}: last sync {synced}, clock skew {skew} s{stale}",
    ),
    "overview.stale": ("  ⚠ 超过 36 小时未同步", "  ! no sync for over 36 hours"),
    "overview.alerts": ("未处理警报：{alerts}", "open alerts: {alerts}"),
    # backups
    "help.backup": (
        "备份数据库（SQLite 在线复制，中心库用 pg_dump）",
        "back up the database (SQLite online copy, or pg_dump on the central)",
    ),
    "help.restore": (
        "从备份恢复数据库（请先停止兑换机程序）",
        "replace the kiosk database with a backup (stop the kiosk first)",
    ),
    "backup.keep": ("保留份数至少为 1", "--keep must be at least 1"),
    "backup.dir_for_postgres": (
        "备份 PostgreSQL 时请用 --dir 指定目录",
        "give --dir for PostgreSQL",
    ),
    "backup.unsupported": ("不支持的数据库地址：{url}", "unsupported database URL: {url}"),
    "backup.no_database": ("数据库不存在：{path}", "no database at {path}"),
    "backup.done": ("已备份：{path}", "backed up: {path}"),
    "backup.photos": ("新备份照片 {count} 张：{path}", "{count} new photos backed up: {path}"),
    "restore.sqlite_only": (
        "只能恢复 SQLite 数据库；中心库请用 pg_restore",
        "only SQLite databases are restored here; use pg_restore for the central one",
    ),
    "restore.done": ("已恢复：{file} → {path}", "restored: {file} -> {path}"),
    "restore.kept": ("原数据库保留为：{path}", "the replaced database is kept as: {path}"),
    # sync and the central store
    "help.sync": ("与街道办中心同步", "sync with the street office's central store"),
    "help.central": ("街道办中心库", "the street office's central store"),
    "help.doctor": (
        "自检：数据库、打印机、扫码枪、磁盘、时钟、字体、同步、备份",
        "check the kiosk's health",
    ),
    "help.phone": (
        "手机登录：打印登录条，查看、退出已登录的手机",
        "phones: print a sign-in slip, list and remove signed-in phones",
    ),
    "phone.offline": (
        "连不上中心，手机登录需要联网，请稍后再试（未打印）",
        "Cannot reach the central; a phone sign-in needs the network. Try later (nothing printed)",
    ),
    "phone.slip_printed": (
        "已打印 {code} 的手机登录条",
        "printed the phone sign-in slip of {code}",
    ),
    "phone.slip_queued": (
        "{code} 的手机登录条已排队等待打印",
        "the phone sign-in slip of {code} waits in the print queue",
    ),
    "phone.slip_kept": (
        "{code} 的手机登录条未打印，留在队列中：{error}",
        "the phone sign-in slip of {code} did not print and stays queued: {error}",
    ),
    "phone.row": ("{label}  {since}  编号 {id}", "{label}  since {since}  id {id}"),
    "phone.none": ("{code} 没有已登录的手机", "{code} has no phone signed in"),
    "phone.revoked": ("{code} 的手机 {id} 已退出", "{code}: phone {id} signed out"),
    "sync.push": ("上传", "push"),
    "sync.pull": ("下载", "pull"),
    "sync.exported": (
        "已导出同步文件：{path}（{size} 字节）",
        "bundle written: {path} ({size} bytes)",
    ),
    "sync.warning": ("警告", "warning"),
    "sync.overdraft": ("透支：{code} 余额 {balance}", "overdraft: {code} balance {balance}"),
    "central.ready": ("中心库已就绪：{url}", "central store ready: {url}"),
    "central.seeded": (
        "已写入村、兑换点、兑换目录和积分规则",
        "reference data written",
    ),
    "central.kiosk_added": (
        "兑换机已登记：{kiosk}（{village}，{point}）",
        "kiosk registered: {kiosk} ({village}, {point})",
    ),
    "central.secret": (
        "同步密钥（只显示这一次）：{secret}",
        "sync secret (shown only now): {secret}",
    ),
    "central.revoked": ("已注销：{kiosk}", "revoked: {kiosk}"),
    "central.pruned": (
        "已删除 {photos} 张未随申报发送的照片（{mb} MB）",
        "forgot {photos} photos never sent with a declaration ({mb} MB)",
    ),
    "overdraft.row": (
        "{code:<8} {year} 透支时 {at_alert:>6}  现在 {balance:>6}  {kiosk}  {at}",
        "{code:<8} {year} at alert {at_alert:>6}  now {balance:>6}  {kiosk}  {at}",
    ),
    "overdraft.none": ("没有透支", "no overdrafts"),
    "alert.row": (
        "{id}  {kind:<10} {subject:<10} {at}  {detail}",
        "{id}  {kind:<10} {subject:<10} {at}  {detail}",
    ),
    "alert.acknowledged": ("已处理：{by} {at} {note}", "acknowledged: {by} {at} {note}"),
    "alert.none": ("没有未处理的警报", "no open alerts"),
    "alert.done": ("警报 {id} 已记录为 {by} 处理", "alert {id} acknowledged by {by}"),
}

_language = "zh"


def use_language(language: str) -> None:
    """Speak `language` from now on (the command's settings choose it once, at its start)."""
    global _language
    _language = language


def language() -> str:
    return _language


@dataclass(frozen=True)
class Words:
    """One CLI text with its placeholders; a Words placeholder is filled in the same language."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def pick(self, language: str) -> str:
        filled = {
            name: value.pick(language) if isinstance(value, Words) else value
            for name, value in self.params.items()
        }
        return fill(CLI_TEXTS[self.key], language, filled)

    def __str__(self) -> str:
        if _language == "en":
            return self.pick("en")
        return f"{self.pick('zh')} / {self.pick('en')}"


def words(key: str, /, **params: object) -> Words:
    """The CLI text `key`, to be said as it is or placed inside another text."""
    return Words(key, params)


def row(key: str, /, **params: object) -> str:
    """A table row in the command's language alone: two languages would double every line."""
    return Words(key, params).pick(_language)


def say(key: str, /, **params: object) -> str:
    """The CLI text `key` in the command's language, its placeholders filled."""
    return str(Words(key, params))


def speak(pair: tuple[str, str], /, **params: object) -> str:
    """A (Chinese, English) pair kept beside its command, said as `say` says a table's text."""
    if _language == "en":
        return fill(pair, "en", params)
    return f"{fill(pair, 'zh', params)} / {fill(pair, 'en', params)}"


class BadArgument(Exception):
    """An argument the CLI itself refuses (exit 2, nothing changed): carries what to say."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.words = Words(key, params)
        super().__init__(key)

    def __str__(self) -> str:
        return str(self.words)


def problem(label_key: str, error: object) -> str:
    """`错误 / error: <what>`: a label in the command's language, then the problem itself
    (a domain error already carries its Chinese and English)."""
    from kiosk.core.errors import DomainError

    what = error.message("en") if _language == "en" and isinstance(error, DomainError) else error
    return f"{say(label_key)}: {what}"
