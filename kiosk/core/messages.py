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
    "code.layout": (
        "扫码枪的键盘布局不对（冒号成了“{got}”）：请按说明书把扫码枪设为美式键盘，再扫",
        "The scanner's keyboard layout is wrong (':' came as '{got}'): set it to US, then scan",
    ),
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
    "restock.retired": (
        "第{no}号物品{name}已停止兑换，本兑换点也没有待交付的，不必进货",
        "Item {no} {name} is retired and nothing of it is owed here: no restock needed",
    ),
    "item.spec": (
        "物品格式应为 序号[:数量]，例如 2:3 ，收到：{spec}",
        "Items are NO[:QTY], e.g. 2:3; got: {spec}",
    ),
    "operator.unknown": ("没有这位操作员：{operator}", "No such operator: {operator}"),
    "operator.role": (
        "{operator} 无权进行此操作（需要：{needed}）",
        "{operator} may not do this (needs: {needed})",
    ),
    "alert.unknown": ("没有这条警报：{alert}", "No such alert: {alert}"),
    "alert.note_missing": (
        "请写明处理情况（例如：已核实，已扣回）",
        "Say what was done (e.g. checked, points taken back)",
    ),
    "alert.note_long": ("处理情况最多 {max} 字", "The note takes at most {max} characters"),
    "alert.acknowledged": ("这条警报已由 {by} 处理过", "This alert was acknowledged by {by}"),
    "operator.village": (
        "{operator} 只能管理本村的农户",
        "{operator} may only act for households of its own village",
    ),
    "village.unknown": ("没有这个村：{village}", "No such village: {village}"),
    "household.other_village": (
        "{code} 是{village}村的农户，本村兑换点不能为其办理，请到{village}村办理",
        "{code} is a household of {village}: this village's kiosk cannot serve it",
    ),
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
    "period.central_only": (
        "月度和年度结算只在街道办中心库进行，结果同步后下发到各兑换点",
        "Months and years are closed at the street office's central store only; kiosks receive the result on sync",
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
    "rule.from_evaluation": (
        "“{rule}”按村级月度评议红榜/黑榜记录自动计分，请录入当月评议结果",
        "'{rule}' is written from the monthly village evaluation: enter the month's lists",
    ),
    "rule.below_average": (
        "美丽庭院等评比须是累计积分高于本村平均分的农户：该户自{since}起获得{earned}分，"
        "本村平均{average}分",
        "Only households above the village average may be awarded this: "
        "{earned} earned since {since}, village average {average}",
    ),
    "redeem.not_participating": (
        "该户长期外出且未申请参与积分制管理，不能兑换",
        "This household does not take part in the scheme (long-term absent, not opted in): "
        "it cannot redeem",
    ),
    "evaluation.no_rule": (
        "本村现行积分规则中没有{standing}对应的条目",
        "The rule set in force has no rule for the {standing} list",
    ),
    "evaluation.future": (
        "{month} 还没有开始，不能录入评议",
        "{month} has not begun: it cannot be evaluated yet",
    ),
    "evaluation.too_late": (
        "{month} 的村级评议只能在当月或次月录入，已过期",
        "The evaluation of {month} is entered during that month or the next; it is too late",
    ),
    "evaluation.other_village": (
        "{code} 不是本村农户，不能列入本村评议",
        "{code} is not a household of this village",
    ),
    "evaluation.both_lists": (
        "{code} 不能同时列入红榜和黑榜",
        "{code} cannot be on both the red and the black list",
    ),
    "evaluation.changed": (
        "{code} 在 {month} 已列入{recorded}，如需更改请通过异议处理",
        "{code} is already on the {recorded} list for {month}: change it through a dispute",
    ),
    "evidence.required": (
        "自主申报须上传照片等相关证据（至少一张照片）",
        "A self-declaration needs evidence: attach at least one photo",
    ),
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
    "declaration.four_eyes": (
        "这条申报是您本人登记的，须由另一位管理员审核",
        "You filed this declaration; another administrator must decide it",
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
    "evidence.full": (
        "照片存放空间已满，请告诉街道办，或先不带照片到兑换点申报",
        "The photo store is full: please tell the street office",
    ),
    "evidence.daily_limit": (
        "一天最多上传 {max} 张照片，请明天再申报，或到兑换点申报",
        "At most {max} photos a day: declare tomorrow, or at the shop",
    ),
    "help.too_many": (
        "一天最多帮邻居申报 {max} 次，请明天再报",
        "At most {max} declarations for neighbours a day",
    ),
    "help.unknown": ("找不到这条互助申报：{ref}", "No such mutual-help declaration: {ref}"),
    "help.answered": (
        "这条互助申报已经确认或拒绝过了",
        "This mutual-help declaration was already answered",
    ),
    "help.neighbour_unknown": (
        "本村没有户号 {code}，请核对邻居的户号",
        "No household {code} in your village: check your neighbour's code",
    ),
    "admin.unknown": ("工号或PIN不对", "Wrong operator id or PIN"),
    "admin.too_many": (
        "这里试错次数太多，请{minutes}分钟后再试",
        "Too many wrong tries from here; try again in {minutes} minutes",
    ),
    "admin.not_admin": ("只有村、街道管理员能在手机上审核", "Only administrators review on phones"),
    "admin.choose_pin": (
        "这是街道发的一次性 PIN：请再输一次它，并在下面设一个自己的 6 位 PIN，以后用它登录",
        "This is the office's one-time PIN: type it again and choose your own 6-digit PIN below;"
        " use that one from now on",
    ),
    "admin.pin_again": (
        "两次输入的新 PIN 不一样，请重新输入",
        "The two new PINs differ; type them again",
    ),
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
    "dispute.window_closed": (
        "{year}年度积分的异议受理期已于{until}结束，不能再提出或更正",
        "Objections to {year}'s points closed on {until}: the entry can no longer be disputed",
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
    "dispute.four_eyes": (
        "这条异议是您本人登记的，须由另一位管理员处理",
        "You recorded this dispute; another administrator must decide it",
    ),
    "dispute.status.open": ("待处理", "open"),
    "dispute.status.upheld": ("维持原记录", "upheld"),
    "dispute.status.corrected": ("已更正", "corrected"),
    "notice.future": ("{quarter} 还没有开始，不能公示", "{quarter} has not begun: nothing to post"),
    "export.village_scope": (
        "只能导出本村的记录",
        "Only your own village's records can be exported",
    ),
    "export.point_unknown": ("没有这个兑换点：{point}", "No such exchange point: {point}"),
    "export.table_unknown": (
        "没有这张表：{table}（可选：{tables}）",
        "No such table: {table} (one of: {tables})",
    ),
    "export.out_suffix": (
        "导出文件只能是 .xlsx 或 .csv：{path}",
        "The export is written as .xlsx or .csv: {path}",
    ),
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
    "sync.inadmissible": (
        "同步数据不可能来自正常的兑换机，整批拒收：表 {table} 记录 {row} 字段 {column}：{why_zh}",
        "Sync row no honest kiosk writes, chunk refused: table {table}, row {row}, {column}: {why}",
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
    "operator.pin_missing": ("请先输入密码再按回车", "Type the PIN, then press Enter"),
    # --- the register: roster files ---
    "roster.file_type": (
        "花名册须为 .xlsx 或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）：{name}",
        "The roster must be an .xlsx or .csv file (save an .xls as .xlsx in Excel): {name}",
    ),
    "roster.unreadable_file": ("无法读取文件：{name}", "Cannot read the file: {name}"),
    "roster.too_big": (
        "文件太大（上限 {limit_mb} MB），请检查是否选错了文件",
        "The file is too big (limit {limit_mb} MB): is it the right file?",
    ),
    "roster.xlsx_as_csv": (
        "{name} 实为 Excel 工作簿，请将扩展名改为 .xlsx",
        "{name} is an Excel workbook: name it .xlsx",
    ),
    "roster.xlsx_unreadable": (
        "无法读取此 Excel 文件（已损坏或不是 .xlsx），请在 Excel 中重新另存为 .xlsx",
        "This Excel file cannot be read (damaged or not .xlsx): save it again as .xlsx",
    ),
    "roster.utf16": (
        "文件是 UTF-16 “Unicode 文本”，请另存为“CSV UTF-8（逗号分隔）”",
        "The file is UTF-16 'Unicode text': save it as 'CSV UTF-8 (comma delimited)'",
    ),
    "roster.encoding": (
        "文件编码无法识别（应为 UTF-8 或 GB18030/GBK），请另存为“CSV UTF-8（逗号分隔）”",
        "Unknown text encoding (expected UTF-8 or GB18030/GBK): save as 'CSV UTF-8 (comma delimited)'",
    ),
    "roster.csv_broken": (
        "CSV 格式错误：{error}",
        "The CSV is malformed: {error}",
    ),
    "roster.no_header": (
        "文件是空的：第一行应为表头 村、组、户主、成员、户籍",
        "The file is empty: its first row must be the headers 村, 组, 户主, 成员, 户籍",
    ),
    "roster.no_rows": ("表头下没有任何农户", "No households below the header"),
    "roster.too_many_rows": (
        "行数超过上限 {limit}，请按村分开导入",
        "More than {limit} rows: import village by village",
    ),
    "roster.too_many_problems": (
        "问题太多，只列出前面的部分",
        "Too many problems: only the first are listed",
    ),
    "roster.unknown_column": (
        "不认识的列“{name}”（可用：村、组、户主、成员、户籍、长期外出、参与、户号）",
        "Unknown column '{name}' (known: 村, 组, 户主, 成员, 户籍, 长期外出, 参与, 户号)",
    ),
    "roster.separator": (
        "表头挤在一个格子里：文件用了分号或制表符分隔，请另存为“CSV UTF-8（逗号分隔）”",
        "The header is all in one cell: the file uses semicolons or tabs; save as 'CSV UTF-8 (comma delimited)'",
    ),
    "roster.repeated_column": ("“{name}”列出现了两次", "Column '{name}' appears twice"),
    "roster.missing_column": ("缺少“{name}”列", "The column '{name}' is missing"),
    "roster.extra_cells": (
        "此行的格子比表头多（表头 {width} 列），可能错位或姓名中有逗号",
        "This row has more cells than the header ({width}): shifted, or a comma inside a name?",
    ),
    "roster.empty": ("不能为空", "Must not be empty"),
    "roster.empty_village": (
        "村名为空（合并的单元格请取消合并并逐行填写）",
        "The village is empty (unmerge merged cells and fill every row)",
    ),
    "roster.unreadable": (
        "含有无法识别的字符：{value}（文件编码不对？）",
        "Unreadable characters: {value} (wrong file encoding?)",
    ),
    "roster.too_long": (
        "太长（最多 {limit} 个字）：{value}",
        "Too long (at most {limit} characters): {value}",
    ),
    "roster.name_symbols": (
        "姓名里不应有 < > & 等符号：{value}",
        "A name holds no symbols such as < > &: {value}",
    ),
    "roster.name_digits": (
        "姓名中不应有数字：{value}（列是否错位？）",
        "A name has no digits: {value} (are the columns shifted?)",
    ),
    "roster.member_empty": (
        "成员之间有空名字：{value}（用 、 或 ， 分隔）",
        "An empty name between members: {value} (separate them with 、 or ，)",
    ),
    "roster.residency": (
        "户籍应为“本村”或“非本村常住”，收到：{value}",
        "户籍 must be 本村 or 非本村常住; got: {value}",
    ),
    "roster.yes_no": ("应为“是”或“否”，收到：{value}", "Must be 是 or 否; got: {value}"),
    "roster.code_format": (
        "户号格式不对：{value}（例如 HP0042）",
        "Not a household code: {value} (e.g. HP0042)",
    ),
    "roster.unknown_village": ("没有这个村：{village}", "No such village: {village}"),
    "roster.village_scope": (
        "{operator} 只能登记本村的农户，不能登记{village}的",
        "{operator} may register households of its own village only, not of {village}",
    ),
    "roster.unknown_code": ("没有户号为 {code} 的农户", "No household has the code {code}"),
    "roster.code_village": (
        "{code} 是{actual}的农户，不是{village}的",
        "{code} is a household of {actual}, not of {village}",
    ),
    "roster.code_left": (
        "{code} 已于 {date} 注销（{reason}），不能再更新",
        "{code} left the register on {date} ({reason}) and cannot be updated",
    ),
    "roster.duplicate_code": (
        "户号 {code} 在第 {first} 行已出现",
        "The code {code} already appears on row {first}",
    ),
    "roster.duplicate_household": (
        "与第 {first} 行是同一户（同村、同组、同户主）",
        "The same household as row {first} (same village, group and head)",
    ),
    "roster.same_target": (
        "与第 {first} 行更新的是同一户 {code}",
        "Updates the same household {code} as row {first}",
    ),
    "roster.ambiguous": (
        "本组有多户户主同名（{codes}），请填写户号",
        "Several households of this group have this head ({codes}): give the 户号",
    ),
    "roster.head_change": (
        "会把 {code} 的户主由“{old}”改为“{new}”；新户主须是该户成员，或用 kiosk household edit 更改",
        "Would change {code}'s head from {old} to {new}: the new head must be a member, or use kiosk household edit",
    ),
    "roster.other_head": (
        "“{head}”是另一户 {other} 的户主，此行会改动别户",
        "{head} heads another household, {other}: this row would change the wrong household",
    ),
    # --- the register: changes ---
    "register.central_only": (
        "登记信息（农户、操作员、兑换点、目录、规则）只能在街道办中心库修改，同步后下发到各兑换点",
        "The register (households, operators, exchange points, catalogue, rules) is changed at the street office's central store only; kiosks receive it on sync",
    ),
    "register.left": (
        "{code} 已于 {date} 注销（{reason}）",
        "{code} left the register on {date} ({reason})",
    ),
    "register.no_change": ("没有要修改的内容", "Nothing to change"),
    "register.reason_empty": ("请写明注销原因", "Give the reason for leaving"),
    "register.duplicate": (
        "{village}{group}已有户主为“{head}”的农户 {code}",
        "{village} {group} already has a household headed by {head}: {code}",
    ),
    "register.head_not_member": (
        "新户主“{head}”须是该户成员（先用 --members 加入）",
        "The new head {head} must be a member of the household (add with --members first)",
    ),
    "register.bad_name": ("姓名不对：{value}", "Not a valid name: {value}"),
    # --- the register: operators and PINs ---
    "operator.locked": (
        "密码错误次数过多，请 {seconds} 秒后再试",
        "Too many wrong PINs: try again in {seconds} seconds",
    ),
    "operator.bad_pin_wait": (
        "密码不对；再次输入前须等待 {seconds} 秒",
        "Wrong PIN; wait {seconds} seconds before the next try",
    ),
    "operator.pin_format": ("新密码须为 {digits} 位数字", "The new PIN must be {digits} digits"),
    "operator.pin_weak": (
        "新密码太简单（如 111111、123456），请另选",
        "The new PIN is too easy to guess (like 111111 or 123456): choose another",
    ),
    "operator.pin_same": ("新密码不能与原密码相同", "The new PIN must differ from the old one"),
    "operator.exists": ("操作员 {operator} 已存在", "Operator {operator} already exists"),
    "operator.id_format": (
        "操作员编号只能用字母、数字和 - （3 到 32 个字符）：{operator}",
        "An operator id is 3 to 32 letters, digits or '-': {operator}",
    ),
    "operator.needs_village": (
        "店主和村管理员须指定所属村（--village）",
        "Shopkeepers and village administrators need a village (--village)",
    ),
    "operator.point_village": (
        "兑换点 {point} 不属于{village}",
        "Exchange point {point} is not in {village}",
    ),
    "operator.point_unknown": ("没有这个兑换点：{point}", "No such exchange point: {point}"),
    "operator.disabled": ("操作员 {operator} 已停用", "Operator {operator} is disabled"),
    "operator.self": ("不能停用自己", "You cannot disable yourself"),
    "operator.needs_admin": (
        "--admin-id 与 --admin-name 须同时给出",
        "Give both --admin-id and --admin-name",
    ),
    "operator.first_admin": (
        "中心库已有街道管理员（{operator}），请用 kiosk operator add 添加",
        "The central already has a street administrator ({operator}): use kiosk operator add",
    ),
    "point.exists": ("兑换点已存在：{point}", "The exchange point already exists: {point}"),
    "point.id_format": (
        "兑换点编号只能用小写字母、数字和 - ：{point}",
        "An exchange point id is lower-case letters, digits and '-': {point}",
    ),
    "catalog.bad_name": ("物品名称不对：{value}", "Not a valid item name: {value}"),
    "catalog.due_class": (
        "交付类别应为 daily（2 天内）或 appliance（7 天内），收到：{value}",
        "The due class is daily (2 days) or appliance (7 days); got: {value}",
    ),
    "catalog.exists": ("兑换目录中已有“{name}”", "The catalogue already has '{name}'"),
    "catalog.retired": ("第{no}号“{name}”已停止兑换", "Item {no} '{name}' is already retired"),
    "catalog.needs": ("请给出 {what}", "Give {what}"),
    "catalog.price_day": (
        "新价格最早从明天起生效（各兑换点要先同步）：{day} 不行",
        "A new price takes effect tomorrow at the earliest (the kiosks sync first): not {day}",
    ),
    "catalog.price_set": (
        "第{no}号物品 {day} 起已定价 {points} 分；要改请另选日期",
        "Item {no} already has a price of {points} from {day}; choose another day to change it",
    ),
    "ruleset.problem": ("规则数据有误：{what}", "{what}"),
    "ruleset.scope": (
        "规则文件写的是另一个村（scope = {scope}）",
        "The rule file names another village (scope = {scope})",
    ),
    "ruleset.quarter": (
        "村级规则须从季度第一天起生效（1月1日、4月1日、7月1日、10月1日），收到：{date}",
        "A village's rule set takes effect on a quarter's first day (Jan 1, Apr 1, Jul 1, Oct 1); got: {date}",
    ),
    "ruleset.past": (
        "生效日期须在今天之后：{date}",
        "The effective date must be after today: {date}",
    ),
    "ruleset.unknown": ("没有这个规则申请：{id}", "No such rule set proposal: {id}"),
    "ruleset.own_proposal": (
        "规则申请 {id} 是您提出的，须由另一位街道管理员批准",
        "You made the proposal {id}: another street administrator approves it",
    ),
    "ruleset.approved": (
        "规则申请 {id} 已批准（{record}）",
        "The proposal {id} is already approved ({record})",
    ),
    # --- phones: sign-in slips and bound phones (at the central) ---
    "phone.household": (
        "没有这一户，或不在本兑换点所在的村：{household}",
        "No such household in this kiosk's village: {household}",
    ),
    "phone.slip_invalid": (
        "这张登录条已用过、已过期或无效，请到兑换点重新打印",
        "This sign-in slip was used, has expired or is not valid; ask the shop for a new one",
    ),
    "phone.code_wrong": (
        "户号或6位数字不对，请对照登录条再试",
        "The household code or the 6-digit code is wrong; check the slip and try again",
    ),
    "phone.too_many": (
        "试错次数太多，请{minutes}分钟后再试，或扫登录条上的二维码",
        "Too many wrong tries; try again in {minutes} minutes, or scan the slip's QR code",
    ),
    "phone.unknown": ("没有这部手机：{phone}", "No such phone: {phone}"),
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
