"""The domain's messages: what a refusal or a bad input means, in Chinese (the default) and English.

A `DomainError` carries a key of this table; every front end shows `text(key, language)`.
Screen texts live beside the screens (`kiosk.tui.texts`), not here.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"

# key -> (Chinese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- codes and lookups ---
    "code.garbled": ("无法识别的码，请重新扫描", "Unreadable code, please scan again"),
    "code.forged": (
        "积分卡校验失败（伪造或被改动），请到村委核实",
        "Card check failed (forged or altered): verify at the village committee",
    ),
    "code.revoked": (
        "此卡已挂失补办，请使用新卡（第{current}版）",
        "This card was replaced: use the new card (version {current})",
    ),
    "code.unknown": ("找不到该户：{code}", "No such household: {code}"),
    "code.no_signing_key": (
        "本机没有制卡密钥，积分卡由街道办制作",
        "This terminal holds no card-signing key: cards are made at the street office",
    ),
    "order.unknown": ("找不到兑换单：{order}", "No such order: {order}"),
    "rule.unknown": ("没有这条积分规则：{rule}", "No such rule: {rule}"),
    "item.unknown": ("兑换目录中没有第{no}号物品", "The catalogue has no item number {no}"),
    "item.spec": (
        "物品格式应为 序号[:数量]，例如 2:3 ，收到：{spec}",
        "Items are NO[:QTY], e.g. 2:3; got: {spec}",
    ),
    "operator.unknown": ("没有这位操作员：{operator}", "No such operator: {operator}"),
    "operator.role": (
        "{operator} 无权进行此操作（需要：{needed}）",
        "{operator} may not do this (needs: {needed})",
    ),
    "operator.village": (
        "{operator} 只能管理本村的农户",
        "{operator} may only act for households of its own village",
    ),
    "village.unknown": ("没有这个村：{village}", "No such village: {village}"),
    # --- quantities and dates ---
    "qty.range": (
        "数量必须是 {low} 到 {high} 之间的整数，收到：{qty}",
        "Quantity must be a whole number from {low} to {high}; got: {qty}",
    ),
    "qty.rate_too_small": (
        "{material}不足 {per}{unit}，不计分（收到 {qty}{unit}）",
        "Less than {per} {unit} of {material} earns nothing (got {qty})",
    ),
    "qty.monthly_once": (
        "按月计分的项目每次数量只能为 1",
        "A monthly item is awarded once, quantity 1",
    ),
    "date.invalid": (
        "日期格式不对：{value}（应为 {expected}）",
        "Bad date: {value} (expected {expected})",
    ),
    "period.not_over": (
        "{period} 还没有结束，不能结算",
        "{period} has not ended yet: it cannot be closed",
    ),
    # --- rules ---
    "rule.monthly_cap": (
        "本月已计过分（{when}），每月只计一次",
        "Already awarded this month ({when}): once per month",
    ),
    "rule.system_only": (
        "“{rule}”由月度/年度结算自动发放，不能手工录入",
        "'{rule}' is written by the month/year close, not by hand",
    ),
    "rule.use_freeze": (
        "负面清单第9条请用“冻结兑换”办理，并写明期限",
        "Negative item 9 is a redemption freeze: use freeze with its dates",
    ),
    "rule.helper_negative": (
        "互助申报只适用于正面清单",
        "Mutual-help declarations apply to the positive list only",
    ),
    "rule.helper_self": ("帮助人不能是同一户", "The helper must be another household"),
    "rule.not_participating": (
        "该户长期外出且未申请参与积分，不能计分",
        "This household is long-term absent and has not opted in",
    ),
    # --- redemption ---
    "redeem.empty": ("请至少选择一件物品", "Choose at least one item"),
    "redeem.over_balance": (
        "积分不足：需要 {total} 分，余额 {balance} 分",
        "Not enough points: needs {total}, balance {balance}",
    ),
    "redeem.frozen": (
        "该户在 {until} 前只积分、不兑换（{reason}）",
        "This household earns but may not redeem until {until} ({reason})",
    ),
    "redeem.negative_balance": (
        "该户积分为负（{balance}），补足前不能兑换",
        "The balance is negative ({balance}): no redemption until it is positive",
    ),
    "redeem.wrong_point": ("该兑换点不属于本村", "This exchange point belongs to another village"),
    "freeze.range": ("冻结结束日期不能早于开始日期", "A freeze cannot end before it starts"),
    "freeze.reason": ("请写明冻结原因", "Give the reason for the freeze"),
    "handover.twice": ("“{name}”已经交付过，不能重复交付", "'{name}' was already handed over"),
    "stock.short": (
        "“{name}”库存不足（现有 {on_hand}，需要 {qty}），请先登记到货或改为待交付",
        "Not enough '{name}' in stock ({on_hand} on hand, {qty} needed): record the delivery first or leave it pending",
    ),
    "db.missing": ("找不到数据库文件：{path}", "No database file at {path}"),
    # --- fulfilment: hand-over, cancellation, restock, deadlines (issue 4) ---
    "order.card_scanned": (
        "这是积分卡或户号，请扫描兑换凭条上的二维码（JFO:开头）",
        "That is a household card or code: scan the QR code on the order receipt (JFO:...)",
    ),
    "order.line_unknown": (
        "兑换单 {order} 没有第{no}项（共{count}项）",
        "Order {order} has no line {no} (it has {count})",
    ),
    "handover.nothing_pending": (
        "兑换单 {order} 没有待交付的物品",
        "Order {order} has nothing left to hand over",
    ),
    "handover.none_chosen": ("请至少选择一项待交付物品", "Choose at least one pending line"),
    "handover.cancelled": (
        "“{name}”已取消，不能交付",
        "'{name}' was cancelled: it cannot be handed over",
    ),
    "cancel.role": (
        "取消兑换会退回积分，须由村或街道管理员办理（{operator} 无权）",
        "Cancelling refunds points: a village or street administrator must do it ({operator} may not)",
    ),
    "cancel.reason": (
        "请写明取消原因（不超过{max}字）",
        "Give the reason for cancelling (at most {max} characters)",
    ),
    "cancel.twice": (
        "“{name}”已经取消过，积分已退回，不能重复取消",
        "'{name}' was already cancelled and its points refunded",
    ),
    "cancel.handed": (
        "“{name}”已经交付，不能取消",
        "'{name}' was already handed over: it cannot be cancelled",
    ),
    "exchange_point.unknown": ("没有这个兑换点：{point}", "No such exchange point: {point}"),
    "exchange_point.none": (
        "本机没有设置兑换点，请指定 --exchange-point",
        "This terminal has no exchange point set: give --exchange-point",
    ),
    # --- seeding ---
    "seed.not_empty": (
        "数据库已有数据，拒绝重复初始化：{url}",
        "The database already holds data; refusing to seed it: {url}",
    ),
    # --- card sheets: kiosk cards --village (issue 2) ---
    "cards.none": (
        "{village}村没有农户，没有卡可印",
        "{village} has no households: no cards to print",
    ),
    "cards.out_dir": ("输出目录不存在：{out}", "The output folder does not exist: {out}"),
    # --- administration: declarations, disputes, notice, cards, scans (issue 6) ---
    "ref.ambiguous": (
        "编号“{ref}”对应多条记录，请多输入几位",
        "'{ref}' matches more than one record: type more of it",
    ),
    "declaration.unknown": ("找不到这条申报：{ref}", "No such declaration: {ref}"),
    "declaration.positive_only": (
        "申报只能选择正面清单中的加分项",
        "A declaration claims an item of the positive list",
    ),
    "declaration.description": (
        "请写明申报的事情（1到{max}个字）",
        "Describe the deed (1 to {max} characters)",
    ),
    "declaration.helper_village": (
        "互助申报的帮助户须是本村农户",
        "The helping household must be of the same village",
    ),
    "declaration.reason": (
        "驳回申报请写明原因（1到{max}个字）",
        "Give the reason for rejecting (1 to {max} characters)",
    ),
    "declaration.decided": (
        "该申报已处理（{status_zh}，{by}，{at}），不能再次处理",
        "This declaration was already decided ({status}, {by}, {at})",
    ),
    "declaration.status.pending": ("待审核", "pending"),
    "declaration.status.approved": ("已通过", "approved"),
    "declaration.status.rejected": ("已驳回", "rejected"),
    "evidence.unreadable": (
        "无法读取照片：{name}（请用 JPG 或 PNG 图片）",
        "Cannot read the photo {name} (use a JPG or PNG picture)",
    ),
    "evidence.too_large": (
        "照片太大：{name}（最大 {max_mb}MB）",
        "Photo too large: {name} (at most {max_mb} MB)",
    ),
    "evidence.too_many": ("每条申报最多 {max} 张照片", "At most {max} photos per declaration"),
    "evidence.no_dir": (
        "本机没有设置照片存放目录",
        "No evidence directory is configured on this terminal",
    ),
    "entry.unknown": ("找不到这条积分记录：{ref}", "No such ledger entry: {ref}"),
    "dispute.unknown": ("找不到这条异议：{ref}", "No such dispute: {ref}"),
    "dispute.kind": (
        "这类记录（{kind}）不能提出异议：兑换请办理取消，清零由年度结算处理",
        "Entries of kind '{kind}' cannot be disputed: cancel order lines instead",
    ),
    "dispute.already_corrected": (
        "这条积分记录已经更正过",
        "This entry has already been corrected",
    ),
    "dispute.open_exists": (
        "这条积分记录已有待处理的异议（{dispute}）",
        "This entry already has an open dispute ({dispute})",
    ),
    "dispute.past_year": (
        "{year}年的积分已清零，不能再更正",
        "Points of {year} have been reset: the entry can no longer be corrected",
    ),
    "dispute.decided": (
        "该异议已处理（{status_zh}，{by}，{at}），不能再次处理",
        "This dispute was already decided ({status}, {by}, {at})",
    ),
    "dispute.raised_by": (
        "请写明提出异议的村民（1到{max}个字）",
        "Name the villager raising the dispute (1 to {max} characters)",
    ),
    "dispute.description": (
        "请写明异议内容（1到{max}个字）",
        "Describe the objection (1 to {max} characters)",
    ),
    "dispute.note": (
        "请写明村支两委的处理意见（1到{max}个字）",
        "Give the committee's decision note (1 to {max} characters)",
    ),
    "dispute.status.open": ("待处理", "open"),
    "dispute.status.upheld": ("维持原记录", "upheld"),
    "dispute.status.corrected": ("已更正", "corrected"),
    "notice.future": ("{quarter} 还没有开始，不能公示", "{quarter} has not begun: nothing to post"),
    "notice.out_suffix": (
        "公示文件只能是 .pdf 或 .csv：{path}",
        "The notice is written as .pdf or .csv: {path}",
    ),
    "card.key_mismatch": (
        "制卡密钥与本数据库的公钥不符，做出的卡会被拒收",
        "The card-signing key does not match this database's public key: its cards would be refused",
    ),
    "card.out_suffix": (
        "积分卡文件只能是 .png 或 .pdf：{path}",
        "A card is written as .png or .pdf: {path}",
    ),
    "scan.none": (
        "图片中没有找到二维码或条形码",
        "No QR code or barcode found in the picture",
    ),
    "scan.unreadable": ("无法读取图片：{path}", "Not a readable picture: {path}"),
    # --- sync: the central store and the nightly sync (issue 5) ---
    "sync.bad_request": ("同步请求格式错误：{field}", "Malformed sync request: {field}"),
    "sync.bad_row": (
        "同步数据格式错误：表 {table} 字段 {column}",
        "Malformed sync row: table {table}, column {column}",
    ),
    "sync.implausible": (
        "同步数据不合理，整批拒收：表 {table} 记录 {row} 字段 {column} = {value}",
        "Implausible sync row, chunk refused: table {table}, row {row}, {column} = {value}",
    ),
    "sync.too_large": (
        "同步请求过大（上限 {limit} 字节）",
        "Sync request too large (limit {limit} bytes)",
    ),
    "sync.gap": (
        "同步记录不连续：中心已确认到第 {acked} 条，收到的从第 {first} 条开始；请重新同步",
        "Sync rows out of sequence: the central holds up to {acked}, this starts at {first}; sync again",
    ),
    "sync.conflict": (
        "同步冲突：{kiosk} 的记录 {row} 与中心已有记录不一致，已报警，请联系街道办",
        "Sync conflict: row {row} of {kiosk} differs from the central's copy; alert raised, call the street office",
    ),
    "sync.foreign_origin": (
        "{kiosk} 只能上传本机的记录（收到来源 {origin}）",
        "{kiosk} may push only its own rows (got origin {origin})",
    ),
    "sync.foreign_village": (
        "{kiosk} 只能上传本村的记录（{what} 不属于本村）",
        "{kiosk} may push only its own village's rows ({what} is not)",
    ),
    "sync.unauthorized": (
        "兑换机编号或同步密钥不对",
        "Wrong kiosk id or sync secret",
    ),
    "sync.revoked": (
        "兑换机 {kiosk} 的同步密钥已被注销，请联系街道办",
        "Kiosk {kiosk}'s sync credential was revoked: call the street office",
    ),
    "sync.rate_limited": (
        "同步请求过于频繁，请稍后再试",
        "Too many sync requests: try again later",
    ),
    "sync.protocol": (
        "同步协议版本不符（本机 {got}，中心 {expected}），请升级软件",
        "Sync protocol mismatch (kiosk {got}, central {expected}): update the software",
    ),
    "sync.clock_skew": (
        "本机时钟与中心相差 {seconds} 秒，请校准时间",
        "This kiosk's clock is {seconds} s off the central's: set the time",
    ),
    "sync.kiosk_id": (
        "兑换机编号只能用字母、数字和 -（最多 32 位），且不能是保留名：{kiosk}",
        "A kiosk id is letters, digits and - (up to 32), not a reserved name: {kiosk}",
    ),
    "sync.kiosk_exists": (
        "兑换机 {kiosk} 已登记；如密钥丢失，请先注销再重新登记",
        "Kiosk {kiosk} is already registered; revoke it first to issue a new secret",
    ),
    "sync.kiosk_unknown": ("没有登记这台兑换机：{kiosk}", "No such kiosk: {kiosk}"),
    "sync.exchange_point": (
        "{village}村没有兑换点 {point}",
        "{village} has no exchange point {point}",
    ),
    "sync.bad_url": ("中心地址不对：{url}", "Bad central URL: {url}"),
    "sync.plain_http": (
        "拒绝用未加密的 http 连接 {url}；请用 https，或确需时加 --insecure",
        "Refusing plain http to {url}: use https, or --insecure if you must",
    ),
    "sync.serve_public": (
        "中心服务不加密，只监听本机地址；对外请经 nginx 提供 https，或确需时加 --insecure（{host}）",
        "The server speaks plain HTTP: listen on loopback behind nginx's https, or pass --insecure ({host})",
    ),
    "sync.unreachable": (
        "连不上中心 {url}（{error}），稍后会自动重试",
        "Cannot reach the central at {url} ({error}); it will be retried",
    ),
    "sync.server_error": (
        "中心出错（HTTP {status}），稍后重试",
        "Central error (HTTP {status}); retry later",
    ),
    "sync.origin_mismatch": (
        "本数据库属于 {db}，不能以 {kiosk} 的身份同步",
        "This database belongs to {db}; it cannot sync as {kiosk}",
    ),
    "sync.not_configured": (
        "缺少同步设置：{what}（命令参数、设置文件或环境变量 {env}）",
        "Sync setting missing: {what} (option, settings file or {env})",
    ),
    "sync.bundle_tampered": (
        "同步文件校验失败（被改动或密钥不符），拒绝导入",
        "The sync bundle fails its check (altered, or another key): refused",
    ),
    "sync.bundle_format": ("不是同步文件：{path}", "Not a sync bundle: {path}"),
    "sync.bundle_kiosk": (
        "此同步文件属于 {bundle}，不是 {kiosk}",
        "This bundle belongs to {bundle}, not {kiosk}",
    ),
    "sync.not_central": (
        "这不是中心数据库（来源 {origin}）；请先运行 kiosk central init",
        "This is not the central database (origin {origin}): run kiosk central init first",
    ),
    # --- entry kinds, sign-in, demo databases ---
    "sync.demo_database": (
        "这是演示数据库，不能与街道办同步；新兑换点请在空数据库上运行 kiosk sync 从街道办获取数据",
        "This is a demo database and must not sync with the street office; bootstrap a new kiosk with `kiosk sync` on an empty database",
    ),
    "kind.award": ("加分", "award"),
    "kind.deduction": ("扣分", "deduction"),
    "kind.warning": ("警告", "warning"),
    "kind.redemption": ("兑换", "redemption"),
    "kind.refund": ("退回", "refund"),
    "kind.bonus": ("奖励", "bonus"),
    "kind.expiry": ("清零", "expiry"),
    "kind.correction": ("更正", "correction"),
    "operator.bad_pin": ("密码不对，请重新输入", "Wrong PIN, try again"),
    # --- settings ---
    "settings.invalid": (
        "设置项 {name} 的值不对：{value}（应为 {expected}）",
        "Setting {name} has a bad value: {value} (expected {expected})",
    ),
    "settings.file": (
        "设置文件无法读取：{path}（{error}）",
        "The settings file cannot be read: {path} ({error})",
    ),
}


def fill(pair: tuple[str, str], language: str, params: dict[str, object]) -> str:
    """One (Chinese, English) template in `language`, its placeholders filled where given."""
    chinese, english = pair
    template = english if language == "en" else chinese
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def text(key: str, language: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message `key` in `language`, with its placeholders filled."""
    return fill(MESSAGES.get(key, (key, key)), language, params)
