"""What the operating chores say, in Chinese (the default) and English: doctor findings, restores.

Every sentence ops shows a technician is a (Chinese, English) template here, so the two
languages are read side by side and kept in step; the code only picks a key and fills it.
"""

from __future__ import annotations

from typing import NamedTuple


class Phrase(NamedTuple):
    """One thing said in both languages, its placeholders already filled."""

    zh: str
    en: str

    def capitalised(self) -> Phrase:
        """The same phrase opening a sentence: English takes a capital, Chinese has none."""
        return Phrase(self.zh, self.en[:1].upper() + self.en[1:])

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.zh


# key -> (Chinese, English). Placeholders use str.format names; a placeholder filled with a
# Phrase takes that phrase's text in the same language.
OPS_TEXTS: dict[str, tuple[str, str]] = {
    # --- the check names, as the report labels them ---
    "label.settings": ("设置文件", "settings"),
    "label.database": ("数据库", "database"),
    "label.journal": ("断电保护", "power-cut safety"),
    "label.migrations": ("数据库版本", "schema version"),
    "label.ledger": ("积分账本", "ledger"),
    "label.disk": ("磁盘空间", "disk space"),
    "label.printer": ("小票打印机", "receipt printer"),
    "label.scanner": ("扫码枪", "scanner"),
    "label.clock": ("时钟", "clock"),
    "label.font": ("中文字体", "Chinese font"),
    "label.sync": ("同步", "sync"),
    "label.backup": ("备份", "backup"),
    # --- the report around the findings ---
    "report.title": ("自助机自检", "Kiosk health check"),
    "report.line": ("[{mark}] {label}: {message}", "[{mark}] {label}: {message}"),
    "report.mark.ok": ("正常", "OK"),
    "report.mark.warn": ("注意", "WARN"),
    "report.mark.fail": ("故障", "FAIL"),
    "report.healthy": ("可以正常使用（{warned} 项注意）。", "Healthy ({warned} warnings)."),
    "report.unhealthy": (
        "有 {failed} 项故障、{warned} 项注意，请先处理故障。",
        "Not healthy: {failed} failed, {warned} warnings. Fix the failures first.",
    ),
    # --- shared pieces ---
    "not_checked": ("未检查：{why}。", "Not checked: {why}."),
    "why.database_unreadable": ("数据库打不开", "the database cannot be read"),
    # Sizes are counted in units of 1024 * 1024 bytes, as df -h counts them: MiB, not MB.
    "size.mib": ("{mib} MiB", "{mib} MiB"),
    # --- settings ---
    "settings.wrong": (
        "设置文件有错：{error}。请改正 {path} 中的这一项，否则自助机无法启动。",
        "The settings are wrong: {error}. Correct it in {path}; the kiosk will not start until then.",
    ),
    "settings.none": (
        "没有找到设置文件，只用默认值和 KIOSK_* 环境变量（默认没有打印机、不同步）。正式使用的自助机应有 "
        "/etc/tangxiang-kiosk/kiosk.toml，由 systemd/install.sh 写入。",
        "No settings file: only defaults and KIOSK_* variables apply (by default no printer, no "
        "sync). A kiosk in use has /etc/tangxiang-kiosk/kiosk.toml, written by systemd/install.sh.",
    ),
    "settings.ok": ("设置文件可读：{path}。", "Settings read from {path}."),
    # --- database ---
    "database.not_sqlite_url": (
        "{url} 不是 SQLite 文件：kiosk doctor 检查的是自助机的数据库。",
        "{url} is not an SQLite file: kiosk doctor checks a kiosk's database.",
    ),
    "database.restore": (
        "请停止自助机（systemctl stop kiosk.service），用最新的备份恢复："
        "kiosk restore /var/backups/tangxiang-kiosk/kiosk-….db，再运行 kiosk sync 取回已同步的记录",
        "stop the kiosk (systemctl stop kiosk.service), restore the newest backup with "
        "kiosk restore /var/backups/tangxiang-kiosk/kiosk-….db, then run kiosk sync to fetch "
        "what was already synced",
    ),
    "database.missing": (
        "找不到数据库文件 {path}。新装的自助机第一次启动时会建立它；如果它本应存在，{restore}。",
        "There is no database at {path}. A new kiosk creates it on first start; if it should "
        "exist, {restore}.",
    ),
    "database.bad": (
        "数据库文件{what}（{listed}）。{restore}。",
        "The database {what} ({listed}). {restore}.",
    ),
    "database.what.not_kiosk": ("不是积分系统的数据库", "is not a kiosk database"),
    "database.what.not_sqlite": ("不是 SQLite 数据库文件", "is not an SQLite database file"),
    "database.what.damaged": ("已损坏", "is damaged"),
    "database.ok": (
        "数据库文件完好：{path}（{size}，完整性检查通过）。",
        "The database is sound: {path} ({size}, integrity check passed).",
    ),
    "journal.cannot_open": (
        "无法按自助机的方式打开数据库：{error}。请检查文件属主（应为 kiosk 用户）和所在目录的权限。",
        "The database cannot be opened the way the kiosk opens it: {error}. Check that the kiosk "
        "user owns the file and can write its folder.",
    ),
    "journal.unsafe": (
        "数据库没有处于断电保护模式（journal_mode={mode}，synchronous={synchronous}，应为 wal 和 2）："
        "断电可能丢失已确认的兑换。数据库需放在本机磁盘（不能是网络盘），目录须可写。",
        "The database is not set for power cuts (journal_mode={mode}, synchronous={synchronous}; "
        "wal and 2 expected): a power cut may lose confirmed redemptions. Keep it on a local disk "
        "(not a network share) in a writable folder.",
    ),
    "journal.ok": (
        "数据库为 WAL 模式且每次提交都写入磁盘（synchronous=FULL），断电不会丢失已确认的记录。",
        "The database runs in WAL mode with synchronous=FULL: a power cut loses no confirmed entry.",
    ),
    "migrations.ok": (
        "数据库结构是最新版本（{head}）。",
        "The database schema is current ({head}).",
    ),
    "migrations.newer": (
        "数据库版本 {current} 比本程序（{head}）新：程序被降级了。请重新安装最新的程序（systemd/install.sh）。",
        "The database is at revision {current}, newer than this program ({head}): the program "
        "was downgraded. Reinstall the current version (systemd/install.sh).",
    ),
    "migrations.behind": (
        "数据库结构落后：是 {current}，应为 {head}。请运行 kiosk migrate（kiosk.service 启动时会自动运行；"
        "若仍落后，请查看 journalctl -u kiosk.service 中的错误）。",
        "The database schema is behind: {current}, expected {head}. Run kiosk migrate "
        "(kiosk.service runs it at every start; if it stays behind, read journalctl -u "
        "kiosk.service for the error).",
    ),
    "migrations.none": ("（无）", "(none)"),
    "ledger.unreadable": (
        "无法读取积分账本：{error}。请先处理上面数据库的问题。",
        "The ledger cannot be read: {error}. Deal with the database findings first.",
    ),
    "ledger.broken": (
        "积分账本有 {count} 处不一致（{listed}）。请运行 kiosk check 查看全部，不要手工修改数据库，并报告街道办。",
        "The ledger breaks its rules in {count} places ({listed}). Run kiosk check for the full "
        "list, do not edit the database by hand, and tell the street office.",
    ),
    "ledger.notes": (
        "，另有 {count} 条提示（如透支），见 kiosk check",
        "; {count} notes (such as overdrafts), see kiosk check",
    ),
    "ledger.ok": (
        "积分账本一致：{entries} 条记录、{orders} 张兑换单均已核对{notes}。",
        "The ledger is consistent: {entries} entries and {orders} orders checked{notes}.",
    ),
    # --- disk ---
    "disk.full": (
        "{where} 所在磁盘只剩 {free}：数据库和备份随时可能写不进去。请删除不需要的文件"
        "（如 /var/log 中的旧日志，journalctl --vacuum-size=50M），或把旧备份拷到U盘后删除。",
        "Only {free} free on the disk of {where}: the database and backups may stop being "
        "written at any moment. Delete what is not needed (old logs: journalctl "
        "--vacuum-size=50M) or move old backups to a USB stick.",
    ),
    "disk.low": (
        "{where} 所在磁盘只剩 {free}，请尽快清理（旧日志、拷走旧备份）。",
        "{free} free on the disk of {where}: clean up soon (old logs, copy old backups away).",
    ),
    "disk.ok": ("{where} 所在磁盘还有 {free} 可用。", "{free} free on the disk of {where}."),
    # --- printer ---
    "printer.uri_unknown": (
        "不知道打印机地址（设置文件读不出）",
        "the printer URI is unknown (settings unreadable)",
    ),
    "printer.bad_uri": (
        "{error}。请在设置文件中改正 printer。",
        "{error}. Correct printer in the settings file.",
    ),
    "printer.none": (
        "没有设置打印机（printer = dummy），兑换不会打印小票。请在 /etc/tangxiang-kiosk/kiosk.toml 中设置 "
        "printer，例如 usb:0416:5011。",
        "No printer is set (printer = dummy): redemptions print no receipt. Set printer in "
        "/etc/tangxiang-kiosk/kiosk.toml, e.g. usb:0416:5011.",
    ),
    "printer.device_missing": (
        "打印机设备 {path} 不存在：打印机没开、USB线没插好，或不是USB打印机类设备。请开机插线后再试。",
        "The printer device {path} is not there: the printer is off, unplugged, or not a USB "
        "printer-class device. Switch it on, plug it in and check again.",
    ),
    "printer.file_folder": (
        "无法建立打印文件 {path}：目录 {folder} 不存在或不可写。",
        "The print file {path} cannot be created: its folder {folder} is missing or not writable.",
    ),
    "printer.file_disk_full": (
        "打印文件 {path} 所在磁盘已满（剩 {free} 字节），小票写不进去。请清理磁盘。",
        "The disk of the print file {path} is full ({free} bytes left): receipts cannot be "
        "written. Free some space.",
    ),
    "printer.file_ok": (
        "打印目标 {path} 可以写入（这种连接读不到缺纸状态）。",
        "The print target {path} is writable (this connection cannot report paper).",
    ),
    "printer.file_full": (
        "{path} 拒绝写入：磁盘已满，或打印机缺纸。请装纸或清理磁盘。",
        "{path} refuses writes: the disk is full or the printer is out of paper. Load paper or "
        "free space.",
    ),
    "printer.file_denied": (
        "没有权限写 {path}：kiosk 用户需要在 lp 组（kiosk.service 会加），或 udev 规则没有生效。",
        "No permission to write {path}: the kiosk user needs the group lp (kiosk.service adds "
        "it), or the udev rule did not apply.",
    ),
    "printer.file_error": (
        "无法写入 {path}（{error}）：请检查打印机电源和数据线。",
        "Cannot write {path} ({error}): check the printer's power and cable.",
    ),
    "printer.tcp_unreachable": (
        "连不上网络打印机 {host}:{port}（{error}）。请检查打印机电源、网线，以及打印机的IP地址"
        "（按住进纸键开机可打印自检页，上面有IP地址）。",
        "Cannot reach the network printer at {host}:{port} ({error}). Check its power, its "
        "cable and its IP address (holding FEED while switching it on prints a self-test page "
        "showing the address).",
    ),
    "printer.serial_missing": (
        "串口 {device} 不存在：打印机没开或USB转串口线没插好。请插好后再试。",
        "The serial port {device} is not there: the printer is off or its USB-serial cable is "
        "unplugged. Plug it in and check again.",
    ),
    "printer.serial_error": (
        "无法打开串口 {device}（{error}）：kiosk 用户需要在 dialout 组（kiosk.service 会加），"
        "或串口被别的程序占用。",
        "Cannot open the serial port {device} ({error}): the kiosk user needs the group dialout "
        "(kiosk.service adds it), or another program holds the port.",
    ),
    "printer.no_answer": (
        "打印机 {where} 已连通，但没有回答缺纸查询（状态未知）。请看打印机的指示灯，必要时用 "
        "kiosk printer test 打一张测试页。",
        "The printer at {where} is reachable but did not answer the paper query (status "
        "unknown). Look at its lights, or print a test page with kiosk printer test.",
    ),
    "printer.paper_out": (
        "打印机 {where} 缺纸。请装入新的纸卷。",
        "The printer at {where} is out of paper. Load a new roll.",
    ),
    "printer.paper_low": (
        "打印机 {where} 纸快用完了，请准备新纸卷。",
        "The printer at {where} is running out of paper: have a new roll ready.",
    ),
    "printer.ok": (
        "打印机 {where} 已连通，有纸。",
        "The printer at {where} is reachable and has paper.",
    ),
    "printer.no_libusb": (
        "缺少 libusb，无法使用USB打印机。请安装：apt-get install libusb-1.0-0。",
        "libusb is missing, so the USB printer cannot be used. Install it: apt-get install "
        "libusb-1.0-0.",
    ),
    "printer.usb_error": (
        "查找USB打印机 {ids} 出错（{error}）。",
        "Looking for the USB printer {ids} failed ({error}).",
    ),
    "printer.usb_missing": (
        "USB上没有找到打印机 {ids}：请检查打印机电源和USB线；用 lsusb 核对 ID 是否与设置相同。",
        "No USB printer {ids} found: check its power and cable, and compare the ID with what "
        "lsusb shows.",
    ),
    "printer.usb_ok": (
        "USB打印机 {ids} 已连接（{where}；USB连接读不到缺纸状态）。",
        "The USB printer {ids} is connected ({where}; paper status is not read over USB).",
    ),
    # --- scanner ---
    "scanner.seen": ("已找到扫码枪：{seen}。", "Scanner seen: {seen}."),
    "scanner.keyboards": (
        "找到键盘类USB设备：{seen}。键盘模式的扫码枪就显示为这样；在登录界面扫一张卡即可确认。",
        "Keyboard-type USB devices seen: {seen}. A scanner in keyboard mode shows up like this; "
        "scan a card at the sign-in screen to be sure.",
    ),
    "scanner.none": (
        "没有找到扫码枪。请检查USB线（换个USB口试试）；扫码枪须设为键盘（HID）模式，见说明书中的设置码。",
        "No scanner seen. Check its USB cable (try another port); it must be in keyboard (HID) "
        "mode, see the setting codes in its manual.",
    ),
    # --- clock ---
    "clock.fix": (
        "请把时间改对（timedatectl set-time 'YYYY-MM-DD HH:MM:SS'，或联网后 timedatectl set-ntp true），"
        "改对之前不要办理积分业务；若每次断电后都回拨，是主板电池没电了，需更换",
        "Set the right time (timedatectl set-time 'YYYY-MM-DD HH:MM:SS', or with a network "
        "timedatectl set-ntp true) and record nothing until it is right; if it falls back at "
        "every power cut, the board's battery is flat and must be replaced",
    ),
    "clock.backwards": (
        "时钟倒退了：现在是 {now}，早于{what}（{then}）。{fix}。{extra}",
        "The clock went backwards: it says {now}, earlier than {what} ({then}). {fix}.{extra}",
    ),
    "clock.since.entry": ("本机最新的积分记录", "this kiosk's newest ledger entry"),
    "clock.since.server": (
        "上次同步时街道服务器的时间",
        "the street office's clock at the last sync",
    ),
    "clock.since.sync": ("上次同步的时间", "the time of the last sync"),
    "clock.ran_ahead": (
        "如果现在的时间是对的，那条记录是在时钟走快时记下的，请报告街道办核对。",
        " If the time now is right, that entry was made while the clock ran ahead: ask the "
        "street office to check it.",
    ),
    "clock.never_synced": (
        "本机时间 {now}（重庆时间）；从未同步，无法与街道服务器核对。请确认时间无误。",
        "The clock says {now} (Chongqing); never synced, so it could not be compared with the "
        "street office's. Make sure it is right.",
    ),
    "clock.ok": (
        "本机时间 {now}（重庆时间），晚于上次同步和所有本机记录，没有倒退。",
        "The clock says {now} (Chongqing), later than the last sync and every entry made here: "
        "it has not gone backwards.",
    ),
    # --- sync ---
    "sync.how": (
        "请检查网络，然后运行 systemctl start kiosk-sync.service，并查看 journalctl -u kiosk-sync.service",
        "check the network, then run systemctl start kiosk-sync.service and read journalctl "
        "-u kiosk-sync.service",
    ),
    "sync.demo": (
        "这是演示数据库（由 kiosk demo 或 kiosk seed-demo 建立），不与街道办同步，无需检查网络。"
        "正式使用的自助机从空数据库开始，由 kiosk sync 从街道办取得数据。",
        "This is a demo database (made by kiosk demo or kiosk seed-demo): it never syncs with "
        "the street office, so there is no network to check. A kiosk in use starts from an "
        "empty database that kiosk sync fills from the street office.",
    ),
    "sync.failed": ("上次同步失败：{result}。{how}。", "The last sync failed: {result}. {how}."),
    "sync.never": (
        "本机从未与街道服务器同步。新装的自助机在第一个夜里同步；若已不是新机，{how}。",
        "This kiosk has never synced with the street office. A new kiosk syncs on its first "
        "night; if it is not new, {how}.",
    ),
    "sync.days": (
        "已经 {days} 天没有同步（上次 {last}），街道办看不到本机的记录。{how}。",
        "No sync for {days} days (last {last}): the street office does not see this kiosk's "
        "entries. {how}.",
    ),
    "sync.hours": (
        "已经 {hours} 小时没有同步（上次 {last}），漏了至少一个夜里。{how}。",
        "No sync for {hours} hours (last {last}): at least one night was missed. {how}.",
    ),
    "sync.ok": (
        "上次同步成功：{last}（{hours} 小时前）。",
        "Last synced {last} ({hours} hours ago).",
    ),
    # --- backup ---
    "backup.how": (
        "请运行 systemctl start kiosk-backup.service 并查看 journalctl -u kiosk-backup.service",
        "run systemctl start kiosk-backup.service and read journalctl -u kiosk-backup.service",
    ),
    "backup.none": ("{folder} 中没有备份。{how}。", "There is no backup in {folder}. {how}."),
    "backup.none_of_this": (
        "{folder} 中没有这个数据库的备份（其中 {others} 份属于别的数据库）。{how}。",
        "There is no backup of this database in {folder} ({others} there belong to another "
        "database). {how}.",
    ),
    "backup.unusable": (
        "最新的备份 {name} 无法使用（{problems}）。{how}。",
        "The newest backup {name} is unusable ({problems}). {how}.",
    ),
    "backup.future": (
        "最新的备份 {name} 的时间晚于现在：时钟可能倒退了，请看时钟一项。",
        "The newest backup {name} is dated after now: the clock may have gone backwards, see "
        "the clock check.",
    ),
    "backup.stale": (
        "最新的备份已有 {hours} 小时（{name}）。{how}。",
        "The newest backup is {hours} hours old ({name}). {how}.",
    ),
    "backup.ok": (
        "最新的备份 {name}（{hours} 小时前）完好，共 {count} 份{others}。",
        "The newest backup, {name} ({hours} hours old), is sound; {count} kept{others}.",
    ),
    "backup.others": (
        "（另有 {others} 份属于别的数据库，未计入）",
        " ({others} of another database not counted)",
    ),
    # --- font ---
    "font.install": (
        "请安装：apt-get install fonts-wqy-microhei",
        "Install one: apt-get install fonts-wqy-microhei",
    ),
    "font.missing": (
        "没有可显示中文的字体{missing}，屏幕、卡片和小票预览会出现方块。{install}。",
        "No Chinese font{missing}: the screen, cards and receipt previews would show boxes. "
        "{install}.",
    ),
    "font.missing_path": ("（{path} 不存在）", " ({path} does not exist)"),
    "font.damaged": (
        "字体文件 {path} 已损坏（{error}）。请重新安装字体包。",
        "The font file {path} is damaged ({error}). Reinstall its package.",
    ),
    "font.override": (
        "KIOSK_CJK_FONT 指向的 {override} 不存在，改用了 {path}。请改正或删掉这个设置。",
        "KIOSK_CJK_FONT names {override}, which does not exist; {path} is used instead. "
        "Correct or remove the setting.",
    ),
    "font.ok": ("中文字体：{path}。", "Chinese font: {path}."),
    # --- restore ---
    "restore.refused": (
        "备份文件不可用，未做任何改动：{backup}（{details}）",
        "the backup is unusable, nothing was changed: {backup} ({details})",
    ),
}

EMPTY = Phrase("", "")


def say(key: str, /, **params: object) -> Phrase:
    """The text `key` in both languages, its placeholders filled (a Phrase per language)."""
    zh, en = OPS_TEXTS[key]
    return Phrase(zh.format(**_in(params, 0)), en.format(**_in(params, 1)))


def _in(params: dict[str, object], index: int) -> dict[str, object]:
    return {
        name: value[index] if isinstance(value, Phrase) else value for name, value in params.items()
    }
