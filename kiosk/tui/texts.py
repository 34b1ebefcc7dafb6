"""What the kiosk screens say, in Chinese (the default) and English: labels, keys, help.

Screen texts live here, beside the screens; the domain's refusals live in
`kiosk.core.messages`, and `text` looks there for any key not found here.
"""

from __future__ import annotations

from kiosk.core.messages import DEFAULT_LANGUAGE, MESSAGES, fill
from kiosk.tui.bindings import key_params

# Key labels ("key.<binding id>") stay short: the footer must fit 80 columns.
SCREEN_MESSAGES: dict[str, tuple[str, str]] = {
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
        "{key_toggle}或回车：选中/取消；{key_do}：交付并打印交付单",
        "{key_toggle} or Enter: tick/untick; {key_do}: hand over and print the slip",
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
    "tui.handover.no_stock": (
        "“{name}”库存不足（现有 {on_hand}，需要 {qty}）：货到后在“交付期限”屏按 {key_record} 登记到货，再交付",
        "Not enough '{name}' in stock ({on_hand} on hand, {qty} needed): when the goods "
        "arrive, record them with {key_record} on the Deadlines board, then hand over",
    ),
    "key.restock": ("到货", "Restock"),
    "key.restock.tip": ("登记送到兑换点的货物", "Record goods delivered to the shop"),
    "key.cancel-line": ("取消此项", "Cancel line"),
    "key.cancel-line.tip": (
        "取消所选的待交付物品并退回积分（管理员）",
        "Cancel the selected pending line and refund its points (administrators)",
    ),
    "tui.restock.title": ("登记到货", "Goods delivered"),
    "tui.restock.item": (
        "物品：序号、名称或拼音（yg=牙膏）",
        "Item: number, name or pinyin (yg: 牙膏)",
    ),
    "tui.restock.qty": ("数量（1-9999）", "Quantity (1-9999)"),
    "tui.restock.help": (
        "输入物品和数量，回车确认；Esc 取消",
        "Type the item and the quantity, Enter to record; Esc to cancel",
    ),
    "tui.restock.several": (
        "找到 {count} 个：{names}，请输入序号或再多输几个字",
        "{count} items match: {names}; type its number or more of its name",
    ),
    "tui.restock.which": (
        "请先输入物品的序号、名称或拼音",
        "Type the item's number, name or pinyin first",
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
    "key.uphold.tip": ("驳回异议：核实后维持原积分记录", "Refuse the objection: the entry stands"),
    "key.correct": ("更正", "Correct"),
    "key.correct.tip": ("写一条更正记录冲销原记录", "Reverse the entry with a correction"),
    "key.raise-dispute": ("登记异议", "Record"),
    "key.raise-dispute.tip": ("登记村民对积分记录的异议", "Record a villager's dispute"),
    "key.show-all": ("全部", "All"),
    "key.show-all.tip": (
        "切换：也显示已处理的异议，或只显示未处理的",
        "Toggle: decided disputes too, or open only",
    ),
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
    # Asked before a decision that changes points or freezes (the safe answer has the focus).
    "tui.decide.no": ("取消（Esc）", "Cancel (Esc)"),
    "tui.freeze.need_code": ("请先填写户号", "Enter the household code first"),
    "tui.decide.yes": ("确认（←→ 选择）", "Confirm (←→)"),
    "tui.decide.approve": (
        "通过 {code} 的申报：{rule} ×{qty}，并记入积分？",
        "Approve {code}'s declaration: {rule} ×{qty}, and award its points?",
    ),
    "tui.decide.uphold": (
        "维持 {code} 的原记录（{entry}），结束这条异议？",
        "Uphold {code}'s entry ({entry}) and close the dispute?",
    ),
    "tui.decide.correct": (
        "更正 {code} 的记录（{entry}），冲回这 {points} 分？",
        "Correct {code}'s entry ({entry}), reversing its {points} points?",
    ),
    "tui.decide.freeze": (
        "冻结 {code} 兑换至 {until}？",
        "Freeze {code}'s redemptions until {until}?",
    ),
    "tui.decide.award": ("{code}：{what}，确认记入？", "{code}: {what}. Record it?"),
    "tui.award.title": (
        "加分 / 扣分：先找农户，再选规则，看清将记的分数后按 {key_do} 确认",
        "Award / deduct: find the household, choose the rule, check the points, {key_do} to confirm",
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
    "tui.award.press_confirm": ("按 {key_do} 确认", "Press {key_do} to confirm"),
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
    "tui.col.quarter": ("本季", "Qtr"),
    "tui.col.year": ("本年", "Year"),
    "tui.col.balance": ("余额", "Balance"),
    "tui.col.earned": ("得分", "Earned"),
    "tui.decl.title": (
        "待审核的申报：{key_do} 通过；驳回先填原因再按 {key_refuse}",
        "Pending declarations: {key_do} approves; type a reason, then {key_refuse} rejects",
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
        "登记申报（自主申报 / 互助申报），填好后按 {key_do} 保存",
        "File a declaration (own or mutual help); {key_do} saves it",
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
    "tui.decl.rule_label": (
        "规则（正面清单；输入文字、拼音首字母或编号搜索，回车选中）",
        "Rule (positive list; search by words, initials or number, Enter picks)",
    ),
    "tui.decl.rule_chosen": ("已选：{rule}", "Chosen: {rule}"),
    "tui.decl.rule_none": ("尚未选择规则", "No rule chosen yet"),
    "tui.disp.title": (
        "异议：先填处理意见，{key_refuse} 维持原记录，{key_do} 更正",
        "Disputes: type the decision note, {key_refuse} upholds, {key_do} corrects",
    ),
    "tui.disp.note": ("处理意见", "Decision note"),
    "tui.disp.empty": ("没有待处理的异议", "No open disputes"),
    "tui.disp.decided": ("异议已处理：{status}", "Dispute decided: {status}"),
    "tui.disp.raise_title": (
        "登记异议：找到农户，选中有异议的记录，填写后按 {key_do}",
        "Record a dispute: find the household, pick the entry, fill in, {key_do}",
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
    "tui.notice.out": (
        "导出文件（.pdf 或 .csv），{key_print_copy} 导出",
        "Export to (.pdf or .csv), {key_print_copy}",
    ),
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
    "tui.title": ("棠香积分兑换", "Tangxiang points"),
    "tui.points": ("分", "points"),
    "role.shopkeeper": ("店员", "shopkeeper"),
    "role.village_admin": ("村管理员", "village admin"),
    "role.street_admin": ("街道管理员", "street admin"),
    "tui.status.printer_down": (
        "打印机故障，{pending} 张小票待打印（{key_receipts} 查看）",
        "printer down, {pending} receipt(s) waiting ({key_receipts})",
    ),
    "tui.status.printer_paper_out": (
        "打印机缺纸，{pending} 张小票待打印（{key_receipts} 查看）",
        "printer out of paper, {pending} receipt(s) waiting ({key_receipts})",
    ),
    "tui.status.printer_offline": (
        "打印机离线，{pending} 张小票待打印（{key_receipts} 查看）",
        "printer offline, {pending} receipt(s) waiting ({key_receipts})",
    ),
    "tui.status.sync_overdue": (
        "{days}天未同步，请告诉村管理员",
        "no sync for {days} days: tell the village administrator",
    ),
    "tui.status.sync_never": (
        "还没有同步过，请告诉村管理员",
        "never synced: tell the village administrator",
    ),
    "tui.status.pending": ("{pending} 张小票待打印", "{pending} receipt(s) waiting"),
    # sign-in
    "tui.signin.title": ("操作员登录", "Operator sign-in"),
    "tui.signin.choose": ("选择操作员（↑↓ 选择，回车确认）：", "Choose yourself (↑↓, Enter):"),
    "tui.signin.pin": ("输入密码（PIN）后按回车：", "Type your PIN, then Enter:"),
    "tui.signin.pin_of": (
        "输入 {name}（{role}）的密码（PIN），按回车：",
        "{name} ({role}): type the PIN, then Enter:",
    ),
    "tui.signin.pin_placeholder": ("PIN", "PIN"),
    "tui.signin.demo_pins": (
        "演示数据库：店员 PIN 1111，村管理员 2222，街道管理员 9999；登录后按 {key_demo_scan} 模拟扫码",
        "Demo database: shopkeeper PIN 1111, village admin 2222, street admin 9999; "
        "after sign-in {key_demo_scan} simulates a scan",
    ),
    "tui.signin.choose_first": ("请先选择操作员", "Choose an operator first"),
    "tui.signin.no_operators": (
        "本机还没有操作员：请先同步街道办数据（或用 kiosk demo 试用）",
        "No operators on this kiosk yet: sync with the street office first (or try kiosk demo)",
    ),
    "tui.signin.bad_pin": ("密码不对，请重新输入", "Wrong PIN, try again"),
    "tui.signin.welcome": ("{name}，您好！请扫描积分卡", "Hello {name}! Scan a points card"),
    "tui.pin.title": (
        "{name}，第一次登录，请设置自己的密码",
        "{name}, first sign-in: choose your own PIN",
    ),
    "tui.pin.why": (
        "街道办给的是一次性密码，别人可能知道。请设一个只有您知道的 {digits} 位数字密码，"
        "不要用 123456 或 000000 这样的。按 Esc 放弃。",
        "The office's PIN was for once only and others may know it. Choose {digits} digits "
        "only you know, not 123456 or 000000. Esc gives up.",
    ),
    "tui.pin.new": ("新密码，输好按回车：", "New PIN, then Enter:"),
    "tui.pin.again": ("再输一遍新密码，按回车：", "The new PIN again, then Enter:"),
    "tui.pin.differ": (
        "两次输入的不一样，请重新输入新密码",
        "The two did not match: type the new PIN again",
    ),
    "tui.pin.given_up": (
        "没有设置新密码，不能使用。请重新登录",
        "No new PIN chosen, so nothing opens: sign in again",
    ),
    "tui.pin.changed": ("新密码已设置，下次请用新密码登录", "New PIN set: use it from now on"),
    "tui.signout.done": ("已退出登录", "Signed out"),
    "tui.signout.idle": ("长时间无操作，已自动退出登录", "Signed out after a while without use"),
    "tui.quit.admins_only": (
        "关闭程序需要村管理员或街道管理员登录",
        "Only a signed-in administrator may close the program",
    ),
    "tui.quit.how": ("按 {key_quit} 关闭程序", "Press {key_quit} to close the program"),
    # scanning
    "tui.scan.signin_first": ("请先登录，再扫码", "Sign in first, then scan"),
    "tui.scan.finish_dialog": (
        "请先确认或取消当前对话框，再扫码",
        "Confirm or cancel the open dialog first, then scan",
    ),
    # printing
    # One line at 80 columns: what to do; the status bar keeps the count waiting.
    "tui.print.failed": (
        "小票没打出来，兑换已保存：检查打印机电源和纸，再按 {key_retry_print} 重打",
        "Receipt not printed, order saved: check printer power and paper, then {key_retry_print}",
    ),
    "tui.print.paper_out": (
        "打印机缺纸，兑换已保存：装入新纸卷，再按 {key_retry_print} 重打",
        "Printer out of paper, order saved: load a new roll, then {key_retry_print}",
    ),
    "tui.print.offline": (
        "打印机离线，兑换已保存：盖好纸仓盖、看指示灯，再按 {key_retry_print} 重打",
        "Printer offline, order saved: close its cover, check its light, then {key_retry_print}",
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
    "tui.home.several": (
        "找到 {count} 户：按↓选择后回车，或输入户号",
        "{count} households match: press Down to choose, then Enter, or type a code",
    ),
    "tui.home.no_match": ("没有找到符合“{query}”的农户", "No household matches '{query}'"),
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
    "tui.redeem.type_item": (
        "请输入物品序号、名称或拼音首字母，或用↑↓选择后回车",
        "Type an item's number, name or initials, or choose with Up/Down, then Enter",
    ),
    "tui.redeem.discard_question": (
        "兑换单还没有确认：{items}。放弃这张兑换单吗？",
        "This order is not confirmed: {items}. Throw it away?",
    ),
    "tui.redeem.discard": ("放弃兑换单", "Throw it away"),
    "tui.redeem.keep": ("继续兑换", "Keep the order"),
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
        "兑换单没有保存（{error}），请再按 {key_do} 重试，不会重复兑换",
        "The order was not saved ({error}): press {key_do} again, it will not be doubled",
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
    "tui.receipt.handed_later": ("，{at} 已交付", ", handed over {at}"),
    "tui.receipt.reprint_queued": ("已补打小票：{number}", "Reprint queued: {number}"),
    "tui.receipts.title": (
        "最近的兑换单（回车预览小票，{key_print_copy} 补打，{key_retry_print} 重试打印）",
        "Recent orders (Enter: preview, {key_print_copy}: reprint, {key_retry_print}: retry printing)",
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
    "key.quit.tip": ("关闭程序（仅限管理员）", "Close the program (administrators only)"),
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
    "key.clear-search": ("清空", "Clear"),
    "key.clear-search.tip": ("清空查找框和查找结果", "Empty the search box and its hits"),
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
    # help: each screen's own keys (kiosk.tui.bindings.active_keys) under its how-to
    "tui.help.title": ("帮助：{screen}", "Help: {screen}"),
    "tui.help.keys": ("本屏按键", "Keys on this screen"),
    "tui.help.scan": (
        "在任何屏幕扫积分卡都会打开该户，扫小票上的二维码打开兑换单。",
        "Scan a points card on any screen to open the household; a receipt's QR code opens "
        "its order.",
    ),
    "tui.help.howto.home": (
        "没有卡时，输入户号（如 HP0001）、户主姓名或拼音后回车；找到多户时按↓选择再回车，"
        "或直接输入户号。{key_menu} 转到功能菜单。",
        "Without a card, type the household code (HP0001), the head's name or its pinyin, "
        "then Enter; when several match, choose with Down, then Enter, or type a code. "
        "{key_menu} goes to the menu.",
    ),
    "tui.help.howto.household": (
        "户主姓名部分隐藏（{key_full_name} 显示全名）。{key_redeem} 为该户兑换。",
        "The head's name is partly hidden ({key_full_name} shows it). {key_redeem} redeems "
        "for this household.",
    ),
    "tui.help.howto.redeem": (
        "输入序号、名称或拼音首字母（如 yg 找牙膏），用↑↓选中后回车加入；Tab 切到右边后，"
        "+ / - 改数量，Delete 删除，{key_toggle}切换“当场交付”。未确认的兑换单不会被扫码或 Esc "
        "悄悄清掉，会先询问。{key_do} 核对后确认，一次确认只生成一张兑换单。",
        "Type an item's number, name or pinyin initials (yg: 牙膏), choose it with Up/Down, "
        "then Enter adds it; Tab to the order, then + / - change the quantity, Delete "
        "removes, {key_toggle} marks it handed over now. A scan or Esc never drops an "
        "unconfirmed order without asking. {key_do} checks and confirms: one order each time.",
    ),
    "tui.help.howto.receipts": (
        "打印机故障时兑换照样保存，小票排队，修好后按 {key_retry_print} 重试。",
        "When the printer fails the order is still saved and the receipt waits; fix the "
        "printer and press {key_retry_print}.",
    ),
    "tui.help.howto.deadlines": (
        "红色已逾期，黄色24小时内到期。货到后按 {key_record} 登记到货，再回车办理交付。",
        "Red: overdue; yellow: due within 24 h. When goods arrive, {key_record} records "
        "them; then Enter hands the line over.",
    ),
    "tui.help.howto.decisions": (
        "{key_do} 是本屏的决定（先询问），{key_refuse} 是驳回或撤销；先在下面填写原因或意见。",
        "{key_do} is this screen's decision (it asks first), {key_refuse} refuses or undoes; "
        "type the reason or note below first.",
    ),
    # the keys' words where no screen's own label fits (the help's widget keys)
    "key.submit": ("确定", "Enter"),
    "key.submit.tip": (
        "在输入框或列表里：确定所填或所选",
        "In a field or a list: take what is typed or chosen",
    ),
    "key.next-field": ("下一栏", "Next field"),
    "key.next-field.tip": (
        "转到下一个输入框或列表（Shift+Tab 回上一个）",
        "To the next field or list (Shift+Tab: back)",
    ),
    "key.move": ("选择", "Choose"),
    "key.move.tip": ("在列表里上下移动", "Move up and down a list"),
    "key.switch": ("换按钮", "Switch"),
    "key.switch.tip": ("在两个按钮之间切换", "Move between the two buttons"),
    "key.award": ("确认记分", "Record"),
    "key.award.tip": ("核对将记的分数，确认后记入", "Record the points shown, after a question"),
    "key.save": ("保存", "Save"),
    "key.save.tip": ("保存填写的内容", "Save what is filled in"),
}


KEY_PARAMS = {language: key_params(language) for language in ("zh", "en")}


def text(key: str, language: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The screen text or domain message `key` in `language`, with its placeholders filled."""
    pair = SCREEN_MESSAGES.get(key) or MESSAGES.get(key) or (key, key)
    # A key a text names ("{key_do}") is the keymap's: the words follow any change of key.
    return fill(pair, language, {**KEY_PARAMS.get(language, KEY_PARAMS["zh"]), **params})
