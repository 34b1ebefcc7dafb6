"""Every user-facing string of the kiosk, in Chinese (the default) and English, in one place."""

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
    # fulfilment screens (kiosk/tui/screens/deadlines.py, handover.py)
    "menu.deadlines": ("交付期限", "Deadlines"),
    "key.filter": ("筛选", "Filter"),
    "key.filter.tip": ("按村、物品序号或户号筛选", "Filter by village, item number or household"),
    "key.refresh": ("刷新", "Refresh"),
    "key.refresh.tip": ("重新读取待交付物品", "Read the pending lines again"),
    "key.pick-line": ("选择", "Pick"),
    "key.pick-line.tip": ("选中或取消这一项", "Tick or untick this line"),
    "key.deliver": ("交付", "Hand over"),
    "key.deliver.tip": (
        "把选中的物品交给农户，并打印交付单",
        "Hand the ticked lines over and print the slip",
    ),
    "key.order-receipt": ("小票", "Receipt"),
    "key.order-receipt.tip": ("查看这张兑换单的小票", "See this order's receipt"),
    "tui.span.dh": ("{days}天{hours}小时", "{days}d {hours}h"),
    "tui.span.hm": ("{hours}小时{minutes}分", "{hours}h {minutes}m"),
    "tui.deadlines.left": ("还剩{span}", "{span} left"),
    "tui.deadlines.late": ("逾期{span}", "{span} overdue"),
    "tui.deadlines.counts": (
        "待交付：已逾期 {overdue} 项 · 今日到期 {due_today} 项",
        "To hand over: {overdue} overdue · {due_today} due today",
    ),
    "tui.deadlines.title": (
        "待交付物品（红色已逾期，黄色24小时内到期；回车办理交付）",
        "Lines to hand over (red: overdue, yellow: due within 24 h; Enter: hand over)",
    ),
    "tui.deadlines.village": ("村（名称）", "Village"),
    "tui.deadlines.item": ("物品序号", "Item number"),
    "tui.deadlines.household": ("户号", "Household code"),
    "tui.deadlines.ready": ("有货", "in stock"),
    "tui.deadlines.waiting": ("待到货", "awaiting"),
    "tui.deadlines.empty": ("没有待交付的物品", "Nothing waiting to be handed over"),
    "tui.deadlines.bad_item": ("物品请填序号（数字）", "Item: type its catalogue number"),
    "tui.col.left": ("剩余时间", "Time left"),
    "tui.col.ready": ("库存", "Stock"),
    "tui.col.pick": ("选", "Pick"),
    "tui.col.status": ("状态", "Status"),
    "tui.handover.title": ("交付物品：兑换单 {number}", "Hand over: order {number}"),
    "tui.handover.order": (
        "户号 {code}  户主 {head}  兑换时间 {at}  合计 {total} 分",
        "Household {code}  head {head}  ordered {at}  total {total}",
    ),
    "tui.handover.help": (
        "空格或回车：选中/取消；F9：交付并打印交付单",
        "Space or Enter: tick/untick; F9: hand over and print the slip",
    ),
    "tui.handover.status.pending": ("待交付", "pending"),
    "tui.handover.status.overdue": ("已逾期", "overdue"),
    "tui.handover.status.cancelled": ("已取消", "cancelled"),
    "tui.handover.handed": ("已交付 {at}", "handed {at}"),
    "tui.handover.handed_late": ("逾期交付 {at}", "handed late {at}"),
    "tui.handover.saving": ("正在保存交付…", "Saving the hand-over..."),
    "tui.handover.done": (
        "已交付 {count} 项（其中逾期 {late} 项），交付单已送打印",
        "Handed over {count} line(s), {late} late; slip sent to the printer",
    ),
    "key.restock": ("到货", "Restock"),
    "key.restock.tip": ("登记送到兑换点的货物", "Record goods delivered to the shop"),
    "key.cancel-line": ("取消此项", "Cancel line"),
    "key.cancel-line.tip": (
        "取消所选的待交付物品并退回积分（管理员）",
        "Cancel the selected pending line and refund its points (administrators)",
    ),
    "tui.restock.title": ("登记到货", "Goods delivered"),
    "tui.restock.qty": ("数量（1-9999）", "Quantity (1-9999)"),
    "tui.restock.help": (
        "输入物品序号和数量，回车确认；Esc 取消",
        "Type the item number and the quantity, Enter to record; Esc to cancel",
    ),
    "tui.restock.done": (
        "已登记到货：{name} {qty} 件，现有库存 {on_hand}；{ready} 项待交付物品可交付",
        "Recorded: {qty} x {name}, {on_hand} on hand; {ready} waiting line(s) ready",
    ),
    "tui.cancel.title": (
        "取消“{name}”并退回 {points} 分",
        "Cancel '{name}' and refund {points} points",
    ),
    "tui.cancel.reason": ("取消原因", "Reason"),
    "tui.cancel.help": (
        "写明原因后回车确认；Esc 不取消",
        "Give the reason, then Enter; Esc keeps it",
    ),
    "tui.cancel.done": (
        "已取消“{name}”，退回 {points} 分，余额 {balance} 分",
        "Cancelled '{name}': {points} points refunded, balance {balance}",
    ),
    "sync.demo_database": (
        "这是演示数据库，不能与街道办同步；新兑换点请在空数据库上运行 kiosk sync 从街道办获取数据",
        "This is a demo database and must not sync with the street office; bootstrap a new kiosk with `kiosk sync` on an empty database",
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
    # administration screens (kiosk/tui/screens/award.py, declarations.py, disputes.py,
    # freeze.py, notice.py; issue 6)
    "menu.award": ("加分扣分", "Award / deduct"),
    "menu.declarations": ("申报审核", "Declarations"),
    "menu.disputes": ("异议处理", "Disputes"),
    "menu.freezes": ("冻结兑换", "Freezes"),
    "menu.notice": ("积分公示", "Public notice"),
    "key.approve": ("通过", "Approve"),
    "key.approve.tip": ("通过选中的申报并记分", "Approve the selected declaration"),
    "key.reject": ("驳回", "Reject"),
    "key.reject.tip": ("按填写的原因驳回选中的申报", "Reject it with the reason typed"),
    "key.file-declaration": ("登记申报", "File"),
    "key.file-declaration.tip": ("登记一条新的申报", "File a new declaration"),
    "key.uphold": ("维持", "Uphold"),
    "key.uphold.tip": ("核实后维持原积分记录", "The entry stands"),
    "key.correct": ("更正", "Correct"),
    "key.correct.tip": ("写一条更正记录冲销原记录", "Reverse the entry with a correction"),
    "key.raise-dispute": ("登记异议", "Record"),
    "key.raise-dispute.tip": ("登记村民对积分记录的异议", "Record a villager's dispute"),
    "key.show-all": ("全部", "All"),
    "key.show-all.tip": ("显示已处理的异议", "Show decided disputes too"),
    "key.freeze": ("冻结", "Freeze"),
    "key.freeze.tip": ("冻结该户兑换到截止日期", "Stop the household redeeming until the date"),
    "key.lift": ("解冻", "Lift"),
    "key.lift.tip": ("解除选中农户的冻结", "Lift the selected household's freeze"),
    "key.export": ("导出", "Export"),
    "key.export.tip": ("把公示导出为 PDF 或 CSV", "Write the notice as PDF or CSV"),
    "tui.admin.only": (
        "只有村管理员和街道管理员可以使用此功能",
        "Only village and street administrators may use this",
    ),
    "tui.admin.signin": ("请先登录", "Sign in first"),
    "tui.admin.pick": ("请先选中一行", "Select a row first"),
    "tui.award.title": (
        "加分 / 扣分：先找农户，再选规则，看清将记的分数后按 F9 确认",
        "Award / deduct: find the household, choose the rule, check the points, F9 to confirm",
    ),
    "tui.award.household": ("农户（户号或扫积分卡）", "Household (code or scan the card)"),
    "tui.award.code_placeholder": ("输入户号后回车", "Type the code, then Enter"),
    "tui.award.helper": ("帮助人（互助申报，可不填）", "Helper (mutual help, optional)"),
    "tui.award.helper_placeholder": ("帮助人户号，回车", "Helper's code, then Enter"),
    "tui.award.qty": ("数量（按个、斤计分的项目）", "Quantity (for items counted in units)"),
    "tui.award.rule_placeholder": (
        "搜索规则：文字或拼音首字母，如 ljfl、烟盒",
        "Search rules: words or pinyin initials, e.g. ljfl",
    ),
    "tui.award.household_line": (
        "{code} {head} {group}  余额 {balance} 分",
        "{code} {head} {group}  balance {balance}",
    ),
    "tui.award.frozen": (
        "  冻结兑换至 {until}（仍可积分）",
        "  frozen until {until} (still earns)",
    ),
    "tui.award.choose": ("请选择农户和规则", "Choose the household and the rule"),
    "tui.award.refused": ("不能记分：{reason}", "Refused: {reason}"),
    "tui.award.will_add": ("将加 {points} 分", "Will add {points} points"),
    "tui.award.will_deduct": ("将扣 {points} 分", "Will deduct {points} points"),
    "tui.award.will_warn": ("警告教育，不扣分（{note}）", "A warning, no points ({note})"),
    "tui.award.helper_too": ("帮助人 {code} 同得 {points} 分", "Helper {code} also gets {points}"),
    "tui.award.press_confirm": ("按 F9 确认", "Press F9 to confirm"),
    "tui.award.done": ("已记入：{points}", "Recorded: {points}"),
    "tui.col.rule": ("规则", "Rule"),
    "tui.col.helper": ("帮助人", "Helper"),
    "tui.col.description": ("说明", "Description"),
    "tui.col.photos": ("照片", "Photos"),
    "tui.col.raised_by": ("提出人", "Raised by"),
    "tui.col.entry": ("积分记录", "Entry"),
    "tui.col.since": ("开始", "From"),
    "tui.col.until": ("截止", "Until"),
    "tui.col.reason": ("原因", "Reason"),
    "tui.col.operator": ("操作员", "Operator"),
    "tui.col.rank": ("排名", "Rank"),
    "tui.col.quarter": ("本季度", "Quarter"),
    "tui.col.year": ("本年累计", "Year"),
    "tui.col.balance": ("余额", "Balance"),
    "tui.col.earned": ("得分", "Earned"),
    "tui.decl.title": (
        "待审核的申报：F9 通过；驳回先填原因再按 F8",
        "Pending declarations: F9 approves; type a reason, then F8 rejects",
    ),
    "tui.decl.reason": ("驳回原因", "Reason for rejecting"),
    "tui.decl.empty": ("没有待审核的申报", "No declarations waiting"),
    "tui.decl.approved": ("申报已通过，记入 {points} 分", "Approved: {points} points written"),
    "tui.decl.replayed": (
        "该申报此前已通过，未重复记分",
        "Already approved: nothing written again",
    ),
    "tui.decl.rejected": ("申报已驳回", "Declaration rejected"),
    "tui.decl.file_title": (
        "登记申报（自主申报 / 互助申报），填好后按 F9 保存",
        "File a declaration (own or mutual help); F9 saves it",
    ),
    "tui.decl.card_photo": (
        "或：积分卡照片的文件路径，回车识别农户",
        "Or: the file of a photo of the card, Enter to read it",
    ),
    "tui.decl.rule": ("规则编号（正面清单，如 P08）", "Rule (positive list, e.g. P08)"),
    "tui.decl.description": ("申报的事情", "What was done"),
    "tui.decl.photos": (
        "证据照片（文件路径，多张用逗号隔开）",
        "Evidence photos (file paths, comma separated)",
    ),
    "tui.decl.filed": ("申报已登记，待审核", "Declaration filed, pending review"),
    "tui.disp.title": (
        "异议：先填处理意见，F9 维持原记录，F10 更正",
        "Disputes: type the decision note, F9 upholds, F10 corrects",
    ),
    "tui.disp.note": ("处理意见", "Decision note"),
    "tui.disp.empty": ("没有待处理的异议", "No open disputes"),
    "tui.disp.decided": ("异议已处理：{status}", "Dispute decided: {status}"),
    "tui.disp.raise_title": (
        "登记异议：找到农户，选中有异议的记录，填写后按 F9",
        "Record a dispute: find the household, pick the entry, fill in, F9",
    ),
    "tui.disp.raised_by": ("提出异议的村民", "Villager raising it"),
    "tui.disp.description": ("异议内容", "The objection"),
    "tui.disp.raised": ("异议已登记，待村支两委处理", "Dispute recorded for the committee"),
    "tui.freeze.title": (
        "冻结兑换（负面清单第9条：影响期内只积分、不兑换）",
        "Redemption freezes (negative item 9: earns, may not redeem)",
    ),
    "tui.freeze.code": ("户号", "Household code"),
    "tui.freeze.until": ("截止日期 YYYY-MM-DD", "Last day, YYYY-MM-DD"),
    "tui.freeze.reason": ("原因（冻结、解冻都要写）", "Reason (for freezing and lifting)"),
    "tui.freeze.done": ("{code} 冻结兑换至 {until}", "{code} frozen until {until}"),
    "tui.freeze.lifted": ("{code} 已解除冻结", "{code}: freeze lifted"),
    "tui.freeze.none": ("{code} 没有冻结", "{code} is not frozen"),
    "tui.freeze.empty": ("目前没有冻结兑换的农户", "No household is frozen"),
    "tui.notice.village": ("村", "Village"),
    "tui.notice.quarter": ("季度，如 2026Q4", "Quarter, e.g. 2026Q4"),
    "tui.notice.out": ("导出文件（.pdf 或 .csv），F6 导出", "Export to (.pdf or .csv), F6"),
    "tui.notice.summary": (
        "{title}  参评 {count} 户  户均本季度得分 {average}",
        "{title}  {count} households  average this quarter {average}",
    ),
    "tui.notice.month": ("{period} 月度前五", "Top five of {period}"),
    "tui.notice.year": ("{period} 年度前五", "Top five of {period}"),
    "tui.notice.above": (
        "高于平均分（{average}）：{codes}",
        "Above the average ({average}): {codes}",
    ),
    "tui.notice.exported": ("公示已导出：{path}", "Notice written: {path}"),
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
}


# --- the Textual kiosk app (kiosk/tui): screens, keys, settings -----------------------------
# Key labels ("key.<binding id>") stay short: the footer must fit 80 columns.
TUI_MESSAGES: dict[str, tuple[str, str]] = {
    "settings.invalid": (
        "设置项 {name} 的值不对：{value}（应为 {expected}）",
        "Setting {name} has a bad value: {value} (expected {expected})",
    ),
    "settings.file": (
        "设置文件无法读取：{path}（{error}）",
        "The settings file cannot be read: {path} ({error})",
    ),
    "tui.title": ("棠香积分兑换", "Tangxiang points"),
    "tui.points": ("分", "points"),
    "role.shopkeeper": ("店员", "shopkeeper"),
    "role.village_admin": ("村管理员", "village admin"),
    "role.street_admin": ("街道管理员", "street admin"),
    "tui.status.printer_down": (
        "打印机故障，{pending} 张小票待打印（F7 查看）",
        "printer down, {pending} receipt(s) waiting (F7)",
    ),
    "tui.status.pending": ("{pending} 张小票待打印", "{pending} receipt(s) waiting"),
    # sign-in
    "tui.signin.title": ("操作员登录", "Operator sign-in"),
    "tui.signin.choose": ("选择操作员（↑↓ 选择，回车确认）：", "Choose yourself (↑↓, Enter):"),
    "tui.signin.pin": ("输入密码（PIN）后按回车：", "Type your PIN, then Enter:"),
    "tui.signin.pin_placeholder": ("PIN", "PIN"),
    "tui.signin.demo_pins": (
        "演示数据库：店员 PIN 1111，村管理员 2222，街道管理员 9999；登录后按 F12 模拟扫码",
        "Demo database: shopkeeper PIN 1111, village admin 2222, street admin 9999; "
        "after sign-in F12 simulates a scan",
    ),
    "tui.signin.choose_first": ("请先选择操作员", "Choose an operator first"),
    "tui.signin.no_operators": (
        "本机还没有操作员：请先同步街道办数据（或用 kiosk demo 试用）",
        "No operators on this kiosk yet: sync with the street office first (or try kiosk demo)",
    ),
    "tui.signin.bad_pin": ("密码不对，请重新输入", "Wrong PIN, try again"),
    "tui.signin.welcome": ("{name}，您好！请扫描积分卡", "Hello {name}! Scan a points card"),
    "tui.signout.done": ("已退出登录", "Signed out"),
    "tui.signout.idle": ("长时间无操作，已自动退出登录", "Signed out after a while without use"),
    # scanning
    "tui.scan.signin_first": ("请先登录，再扫码", "Sign in first, then scan"),
    "tui.scan.finish_dialog": (
        "请先确认或取消当前对话框，再扫码",
        "Confirm or cancel the open dialog first, then scan",
    ),
    # printing
    "tui.print.failed": (
        "小票没有打印出来，兑换已保存；{pending} 张待打印，修好打印机后按 F8 重打。{error}",
        "The receipt did not print; the order is saved. {pending} waiting: fix the printer, "
        "then F8 to retry. {error}",
    ),
    "tui.print.recovered": ("打印机已恢复，小票已打印", "Printer back: receipts printed"),
    "tui.print.retrying": ("正在重新打印待打印的小票…", "Retrying the waiting receipts..."),
    "tui.print.queued": ("待打印", "waiting"),
    "tui.print.printed": ("已打印", "printed"),
    "tui.print.none": ("无小票", "no receipt"),
    # home
    "tui.home.prompt": (
        "请扫描积分卡，或输入户号 / 户主姓名 / 拼音首字母：",
        "Scan a points card, or type a household code / head's name / pinyin initials:",
    ),
    "tui.home.placeholder": ("例如 HP0001、张、zxm", "e.g. HP0001, 张, zxm"),
    "tui.home.menu": ("功能", "Menu"),
    "menu.find": ("查找农户", "Find a household"),
    "menu.receipts": ("兑换单与小票", "Orders & receipts"),
    "menu.settings": ("设置", "Settings"),
    "menu.help": ("帮助", "Help"),
    "menu.sign-out": ("退出登录", "Sign out"),
    # table columns
    "tui.col.code": ("户号", "Code"),
    "tui.col.head": ("户主", "Head"),
    "tui.col.village": ("村", "Village"),
    "tui.col.group": ("组", "Group"),
    "tui.col.date": ("日期", "Date"),
    "tui.col.kind": ("类型", "Kind"),
    "tui.col.what": ("事项", "What"),
    "tui.col.points": ("积分", "Points"),
    "tui.col.item": ("物品", "Item"),
    "tui.col.qty": ("数量", "Qty"),
    "tui.col.due": ("应交付", "Due"),
    "tui.col.no": ("序号", "No"),
    "tui.col.due_class": ("时限", "Due in"),
    "tui.col.stock": ("库存", "Stock"),
    "tui.col.state": ("交付", "Hand-over"),
    "tui.col.order": ("兑换单号", "Order"),
    "tui.col.time": ("时间", "Time"),
    "tui.col.print": ("小票", "Receipt"),
    "kind.award": ("加分", "award"),
    "kind.deduction": ("扣分", "deduction"),
    "kind.warning": ("警告", "warning"),
    "kind.redemption": ("兑换", "redemption"),
    "kind.refund": ("退回", "refund"),
    "kind.bonus": ("奖励", "bonus"),
    "kind.expiry": ("清零", "expiry"),
    "kind.correction": ("更正", "correction"),
    # household
    "tui.household.head": ("户主", "Head"),
    "tui.household.where": ("{village}村 {group}", "{village}, {group}"),
    "tui.household.balance": ("{year}年积分余额", "{year} balance"),
    "tui.household.frozen": (
        "冻结兑换至 {until}（{reason}）：只积分，不兑换",
        "Redemption frozen until {until} ({reason}): earns, may not redeem",
    ),
    "tui.household.absent": (
        "长期外出，未申请参与积分",
        "Long-term absent, not opted in",
    ),
    "tui.household.entries": ("最近积分记录", "Recent entries"),
    "tui.household.open_lines": ("待交付物品", "Items still to hand over"),
    "tui.household.overdue": ("{due} 已逾期", "{due} overdue"),
    "tui.household.none": ("（无）", "(none)"),
    # redeem
    "tui.redeem.search": (
        "序号/名称/拼音首字母（yg=牙膏）",
        "No / name / initials (yg: 牙膏)",
    ),
    "tui.redeem.cart": ("本次兑换（Tab 切换）", "This order (Tab)"),
    "tui.redeem.days": ("{days}天", "{days} d"),
    "tui.redeem.out_of_stock": ("缺货", "none"),
    "tui.redeem.no_match": ("没有找到这个物品", "No item matches"),
    "tui.redeem.now_pending": (
        "“{name}”库存只有 {stock}，改为待交付",
        "Only {stock} '{name}' in stock: now to be handed over later",
    ),
    "tui.redeem.handed": ("当场交付", "now"),
    "tui.redeem.pending_days": ("{days}天内交付", "within {days} d"),
    "tui.redeem.totals": (
        "{code} {name}  余额 {balance} 分  本次 {total} 分  兑换后 {after} 分",
        "{code} {name}  balance {balance}  this order {total}  after {after}",
    ),
    "tui.redeem.wait_quote": ("正在计算合计，请稍候", "Working out the total, a moment"),
    "tui.redeem.saving": ("正在保存兑换单…", "Saving the order..."),
    "tui.redeem.not_saved": (
        "兑换单没有保存（{error}），请再按 F10 重试，不会重复兑换",
        "The order was not saved ({error}): press F10 again, it will not be doubled",
    ),
    "tui.redeem.done": (
        "兑换成功：单号 {number}，扣 {total} 分，余额 {after} 分",
        "Redeemed: order {number}, {total} points, balance now {after}",
    ),
    # confirm dialog
    "tui.confirm.title": ("确认兑换", "Confirm the order"),
    "tui.confirm.totals": (
        "合计 {total} 分；余额 {before} → {after} 分",
        "Total {total}; balance {before} → {after}",
    ),
    "tui.confirm.yes": ("确认兑换（回车）", "Confirm (Enter)"),
    "tui.confirm.no": ("返回修改（Esc）", "Back (Esc)"),
    # receipts
    "tui.receipt.loading": ("正在读取…", "Loading..."),
    "tui.receipt.number": ("兑换单号：{number}", "Order: {number}"),
    "tui.receipt.household": ("户号：{code}", "Household: {code}"),
    "tui.receipt.time": ("时间：{at}", "Time: {at}"),
    "tui.receipt.total": ("合计：{total} 分", "Total: {total} points"),
    "tui.receipt.balance": ("余额：{before} → {after} 分", "Balance: {before} → {after}"),
    "tui.receipt.due": ("应于 {due} 前交付", "due by {due}"),
    "tui.receipt.reprint_queued": ("已补打小票：{number}", "Reprint queued: {number}"),
    "tui.receipts.title": (
        "最近的兑换单（回车预览小票，F6 补打，F8 重试打印）",
        "Recent orders (Enter: preview, F6: reprint, F8: retry printing)",
    ),
    # settings
    "tui.settings.language": ("界面语言", "Interface language"),
    "tui.settings.fixed": (
        "本机设置（在设置文件中修改）",
        "This kiosk (change in the settings file)",
    ),
    "tui.settings.printer": ("打印机：{printer}", "Printer: {printer}"),
    "tui.settings.paper": (
        "纸宽：{width} 毫米（每行 {columns} 字符），编码 {encoding}",
        "Paper: {width} mm ({columns} columns), encoding {encoding}",
    ),
    "tui.settings.point": ("兑换点：{point}", "Exchange point: {point}"),
    "tui.settings.idle": ("无操作 {minutes} 分钟后自动退出", "Sign out after {minutes} min idle"),
    "tui.settings.file": ("设置文件：{path}", "Settings file: {path}"),
    "tui.settings.not_saved": ("语言设置没有保存：{error}", "Language not saved: {error}"),
    "tui.settings.language_set": ("界面语言已切换", "Interface language changed"),
    # key labels (footer) and their tooltips
    "key.help": ("帮助", "Help"),
    "key.help.tip": ("按键说明和使用方法", "Keys and how the kiosk works"),
    "key.quit": ("退出", "Quit"),
    "key.quit.tip": ("关闭程序", "Close the program"),
    "key.demo-scan": ("模拟扫码", "Demo scan"),
    "key.demo-scan.tip": (
        "演示用：像扫码枪一样输入一张演示积分卡",
        "Demo only: type a demo card's code as a scanner would",
    ),
    "key.find": ("查找", "Find"),
    "key.find.tip": (
        "按户号、姓名或拼音首字母查找农户",
        "Find a household by code, name or initials",
    ),
    "key.menu": ("功能", "Menu"),
    "key.menu.tip": ("转到功能菜单", "Go to the menu"),
    "key.receipts": ("小票", "Receipts"),
    "key.receipts.tip": (
        "兑换单、小票预览、补打和打印队列",
        "Orders, receipt preview, reprint, print queue",
    ),
    "key.sign-out": ("退出登录", "Sign out"),
    "key.sign-out.tip": ("退出登录，锁定屏幕", "Sign out and lock the screen"),
    "key.redeem": ("兑换", "Redeem"),
    "key.redeem.tip": ("为该户兑换物品", "Redeem items for this household"),
    "key.show-name": ("全名", "Full name"),
    "key.show-name.tip": (
        "显示/隐藏户主全名（旁人可能看到屏幕）",
        "Show/hide the head's full name (others may see the screen)",
    ),
    "key.back": ("返回", "Back"),
    "key.back.tip": ("回到上一屏", "Back to the previous screen"),
    "key.confirm-order": ("确认兑换", "Confirm"),
    "key.confirm-order.tip": ("核对后保存兑换单并打印小票", "Check, then save the order and print"),
    "key.more": ("加一", "More"),
    "key.more.tip": ("所选物品数量加一", "One more of the selected item"),
    "key.less": ("减一", "Less"),
    "key.less.tip": ("所选物品数量减一（减到零即删除）", "One less (zero removes it)"),
    "key.hand-over": ("当场交付", "Hand over"),
    "key.hand-over.tip": (
        "切换：当场交付（有库存）或稍后交付",
        "Toggle: handed over now (in stock) or later",
    ),
    "key.remove": ("删除", "Remove"),
    "key.remove.tip": ("从本次兑换中删除所选物品", "Remove the selected item"),
    "key.find-item": ("找物品", "Find item"),
    "key.find-item.tip": ("回到物品搜索框", "Back to the item search box"),
    "key.confirm": ("确认", "Confirm"),
    "key.confirm.tip": ("确认并保存兑换单", "Confirm and save the order"),
    "key.cancel": ("取消", "Cancel"),
    "key.cancel.tip": ("返回修改", "Go back and change it"),
    "key.reprint": ("补打", "Reprint"),
    "key.reprint.tip": (
        "补打这张兑换单的小票（标明补打）",
        "Reprint this order's receipt (marked)",
    ),
    "key.retry-print": ("重试打印", "Retry print"),
    "key.retry-print.tip": ("把待打印的小票再送一次打印机", "Send the waiting receipts again"),
    # help
    "tui.help.body": (
        "# 使用说明\n\n"
        "1. **扫码**：在任何屏幕用扫码枪扫积分卡，直接打开该户；扫小票上的二维码打开兑换单。\n"
        "   没有卡时，在首页输入户号（如 HP0001）、户主姓名或拼音首字母查找。\n"
        "2. **农户信息**：显示户主（姓名部分隐藏，F4 显示全名）、村组、本年度积分余额、"
        "冻结情况、最近积分记录和待交付物品。\n"
        "3. **兑换**（F5）：输入序号、名称或拼音首字母（如 yg 找牙膏），回车加入；"
        "Tab 切到右边后，+ / - 改数量，空格切换“当场交付/待交付”，Delete 删除。"
        "缺货物品也可兑换，在时限内（日用品 2 天，家电 7 天）交付。\n"
        "4. **确认**（F10）：核对后回车保存，一次确认只生成一张兑换单，然后打印小票。\n"
        "5. **小票**（F7）：预览、补打（F6）；打印机故障时兑换照样保存，小票排队，"
        "修好后按 F8 重试。\n\n"
        "| 按键 | 作用 |\n|---|---|\n"
        "| F1 | 帮助 |\n| F2 | 查找 |\n| F4 | 显示/隐藏全名 |\n| F5 | 兑换 |\n"
        "| F6 | 补打小票 |\n| F7 | 兑换单与小票 |\n| F8 | 重试打印 |\n| F10 | 确认兑换 |\n"
        "| Esc | 返回 |\n| Ctrl+L | 退出登录 |\n",
        "# How to use the kiosk\n\n"
        "1. **Scan** a points card on any screen: the household opens. Scan a receipt's QR "
        "code to open its order. Without a card, type the household code (HP0001), the "
        "head's name or its pinyin initials on the home screen.\n"
        "2. **Household**: head (name partly hidden, F4 shows it), village and group, this "
        "year's balance, any freeze, recent entries and items still to hand over.\n"
        "3. **Redeem** (F5): type an item's number, name or pinyin initials (yg: 牙膏), Enter "
        "adds it; Tab to the order, then + / - change the quantity, Space toggles "
        "handed-over-now / later, Delete removes. Items out of stock can still be redeemed "
        "and are handed over within 2 days (daily goods) or 7 days (appliances).\n"
        "4. **Confirm** (F10): check, then Enter. One confirmation makes exactly one order; "
        "the receipt prints next.\n"
        "5. **Receipts** (F7): preview, reprint (F6). When the printer fails the order is "
        "still saved and the receipt waits; fix the printer and press F8.\n\n"
        "| Key | Does |\n|---|---|\n"
        "| F1 | Help |\n| F2 | Find |\n| F4 | Show/hide full name |\n| F5 | Redeem |\n"
        "| F6 | Reprint |\n| F7 | Orders & receipts |\n| F8 | Retry printing |\n"
        "| F10 | Confirm the order |\n| Esc | Back |\n| Ctrl+L | Sign out |\n",
    ),
}
MESSAGES.update(TUI_MESSAGES)


def text(key: str, language: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message `key` in `language`, with its placeholders filled."""
    chinese, english = MESSAGES.get(key, (key, key))
    template = english if language == "en" else chinese
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
