#!/bin/bash
# Turns a fresh Debian 12 mini-PC into a Tangxiang exchange-point kiosk, or a street-office
# server into the central sync server. Run it as root from a checkout of the repository:
#
#   systemd/install.sh --kiosk-id ID --sync-secret SECRET --central https://central.example.org
#   systemd/install.sh --role central --db postgresql+psycopg:///tangxiang
#
# Options:
#   --role kiosk|central  what this machine becomes (default: kiosk)
#   --kiosk-id ID         kiosk: its id as registered at the street office
#   --sync-secret SECRET  kiosk: its sync secret; env KIOSK_SYNC_SECRET instead keeps it
#                         out of the process list and the shell history
#   --central URL         kiosk: the central server's address (https://...)
#   --printer URI         kiosk, optional: the receipt printer, e.g. usb:0416:5011 or
#                         serial:/dev/ttyUSB0 (kiosk/settings.py lists the forms)
#   --exchange-point ID   kiosk, optional: the exchange point it serves
#   --db URL              central: SQLAlchemy URL of its PostgreSQL database
#   --root DIR            write the files under DIR instead of /; skip apt, users, the
#                         Python environment (it cannot be moved) and systemctl
#   --dry-run             print every action and change nothing
#
# Running it again upgrades in place: the code is reinstalled and the units replaced.
# The settings file is kept, or rewritten whole when any kiosk setting is given (then
# --kiosk-id, the secret and --central are needed again). The central role also runs
# `kiosk central init` on its database (a no-op once done), which makes the card-signing
# key in /var/lib/tangxiang-central the first time. See docs/deployment.md.
set -euo pipefail

readonly PREFIX=/opt/tangxiang-kiosk
readonly CONFIG_DIR=/etc/tangxiang-kiosk
readonly UNIT_DIR=/etc/systemd/system
readonly KIOSK_STATE=/var/lib/tangxiang-kiosk
readonly KIOSK_BACKUPS=/var/backups/tangxiang-kiosk
readonly CENTRAL_BACKUPS=/var/backups/tangxiang-central
readonly CENTRAL_STATE=/var/lib/tangxiang-central
readonly CARD_KEY=$CENTRAL_STATE/card-signing.key
readonly KIOSK_UNITS=(kiosk.service kiosk-sync.service kiosk-sync.timer kiosk-backup.service kiosk-backup.timer)
readonly CENTRAL_UNITS=(kiosk-central.service kiosk-central-backup.service kiosk-central-backup.timer
    kiosk-month-close.service kiosk-month-close.timer kiosk-year-close.service kiosk-year-close.timer)
# xwayland: Debian 12's cage is built with Xwayland support and will not start without it,
# yet only recommends it, and --no-install-recommends leaves recommendations out.
readonly KIOSK_PACKAGES=(cage xwayland foot fonts-wqy-microhei locales dbus libpam-systemd libzbar0
    libusb-1.0-0 python3 python3-venv sqlite3 ca-certificates tzdata)
readonly CENTRAL_PACKAGES=(python3 python3-venv postgresql-client ca-certificates tzdata)

SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SOURCE
role=kiosk
kiosk_id=
sync_secret=${KIOSK_SYNC_SECRET:-}
central_url=
printer=
exchange_point=
settings_given=false
db_url=
root=
dry_run=false

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
    echo "install.sh: $*" >&2
    exit 2
}

while (($#)); do
    case $1 in
        --role) role=${2:?--role needs a value}; shift ;;
        --kiosk-id) kiosk_id=${2:?--kiosk-id needs a value}; settings_given=true; shift ;;
        --sync-secret) sync_secret=${2:?--sync-secret needs a value}; settings_given=true; shift ;;
        --central) central_url=${2:?--central needs a value}; settings_given=true; shift ;;
        --printer) printer=${2:?--printer needs a value}; settings_given=true; shift ;;
        --exchange-point) exchange_point=${2:?--exchange-point needs a value}; settings_given=true; shift ;;
        --db) db_url=${2:?--db needs a value}; shift ;;
        --root) root=${2:?--root needs a directory}; shift ;;
        --dry-run) dry_run=true ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done

case $role in kiosk | central) ;; *) die "--role is kiosk or central, not: $role" ;; esac
if [[ -n $root ]]; then
    [[ -d $root ]] || die "--root $root is not a directory"
    root=$(cd "$root" && pwd)
fi
if ! $dry_run && [[ -z $root ]] && ((EUID != 0)); then
    die "run as root (or try --dry-run)"
fi

# --- how each kind of action is carried out, shown, or skipped ---------------------------

# A command that changes the machine itself: skipped under --root.
system() {
    if $dry_run; then
        echo "+ $*"
    elif [[ -n $root ]]; then
        echo "skipped under --root: $*"
    else
        "$@"
    fi
}

# Ownership by name only means something on the machine itself.
own() {
    local owner=$1 path=$2
    if [[ -z $root ]]; then
        chown "$owner" "$path"
    fi
}

make_dir() {
    local path=$1 mode=$2 owner=$3
    if $dry_run; then
        echo "+ mkdir $path (mode $mode, owner $owner)"
        return
    fi
    mkdir -p "$root$path"
    chmod "$mode" "$root$path"
    own "$owner" "$root$path"
}

put() {
    local source=$1 path=$2 mode=$3
    if $dry_run; then
        echo "+ install $source -> $path (mode $mode)"
        return
    fi
    install -D -m "$mode" "$source" "$root$path"
}

# Writes standard input to a file, atomically and never world-readable in between; the
# content is not shown in a dry run because settings hold the sync secret.
write_file() {
    local path=$1 mode=$2 owner=$3 temporary
    if $dry_run; then
        echo "+ write $path (mode $mode, owner $owner)"
        cat >/dev/null
        return
    fi
    mkdir -p "$(dirname "$root$path")"
    temporary=$(mktemp "$root$path.XXXXXX")
    cat >"$temporary"
    chmod "$mode" "$temporary"
    own "$owner" "$temporary"
    mv -f "$temporary" "$root$path"
}

# TOML basic strings: the values are checked against these patterns first, so they need
# no escaping.
check() {
    local name=$1 value=$2 pattern=$3
    [[ $value =~ $pattern ]] || die "$name has characters or a form that is not allowed: $value"
}

# --- the steps -----------------------------------------------------------------------------

install_packages() {
    local packages=("$@")
    system apt-get update
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
}

enable_chinese_locale() {
    if $dry_run || [[ -n $root ]]; then
        system "enable zh_CN.UTF-8 in /etc/locale.gen"
        system locale-gen
        return
    fi
    if ! grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
        echo 'zh_CN.UTF-8 UTF-8' >>/etc/locale.gen
    fi
    locale-gen
}

add_user() {
    local name=$1 home=$2
    if [[ -z $root ]] && id "$name" >/dev/null 2>&1; then
        return
    fi
    system useradd --system --user-group --home-dir "$home" --no-create-home \
        --shell /usr/sbin/nologin "$name"
}

install_python_environment() {
    if [[ -n $root ]] && ! $dry_run; then
        echo "skipped under --root: the Python environment in $PREFIX (a venv cannot be moved)"
        return
    fi
    system python3 -m venv "$PREFIX"
    # The lock pins every dependency; as a constraint it leaves out the development tools.
    system "$PREFIX/bin/pip" install --quiet --constraint "$SOURCE/requirements.lock" "$SOURCE"
}

# udevadm control/trigger talk to a running udevd; in a container (or a chroot) there is
# none and they fail. The rules file is installed either way and applies at the next boot.
reload_udev_rules() {
    if [[ -z $root && ! -S /run/udev/control ]]; then
        echo "skipped: no udevd is running (a container?); the udev rules apply at the next boot"
        return
    fi
    system udevadm control --reload
    system udevadm trigger --action=change --subsystem-match=usb --subsystem-match=hidraw
}

install_units() {
    local unit
    for unit in "$@"; do
        put "$SOURCE/systemd/$unit" "$UNIT_DIR/$unit" 0644
    done
}

# Settings are checked before anything is changed; writing them comes later.
check_kiosk_settings() {
    if ! $settings_given && [[ -f $root$CONFIG_DIR/kiosk.toml ]]; then
        return
    fi
    [[ -n $kiosk_id && -n $sync_secret && -n $central_url ]] ||
        die "the kiosk settings need --kiosk-id, --sync-secret (or KIOSK_SYNC_SECRET) and --central"
    # The forms kiosk/settings.py accepts, so that the kiosk does not refuse to start.
    check --kiosk-id "$kiosk_id" '^[A-Za-z0-9-]{1,32}$'
    check --sync-secret "$sync_secret" '^[A-Za-z0-9+/=._~-]{16,256}$'
    check --central "$central_url" '^https?://[A-Za-z0-9.:/_~%-]+$'
    if [[ -n $printer ]]; then
        check --printer "$printer" '^(dummy|(usb|serial|tcp|file):[A-Za-z0-9._:/-]+)$'
    fi
    if [[ -n $exchange_point ]]; then
        check --exchange-point "$exchange_point" '^[A-Za-z0-9._-]{1,64}$'
    fi
}

write_kiosk_settings() {
    local settings=$CONFIG_DIR/kiosk.toml optional=
    if ! $settings_given && [[ -f $root$settings ]]; then
        echo "keeping $settings"
        return
    fi
    if [[ -n $printer ]]; then
        optional+="printer = \"$printer\""$'\n'
    fi
    if [[ -n $exchange_point ]]; then
        optional+="exchange_point = \"$exchange_point\""$'\n'
    fi
    {
        cat <<EOF
# Settings of this Tangxiang kiosk, written by install.sh; KIOSK_* variables override
# them. kiosk/settings.py describes every setting.
kiosk_id = "$kiosk_id"
central_url = "$central_url"
sync_secret = "$sync_secret"
db = "sqlite:///$KIOSK_STATE/kiosk.db"
EOF
        printf '%s' "$optional"
    } | write_file "$settings" 0640 root:kiosk
}

check_central_settings() {
    if [[ -z $db_url && -f $root$CONFIG_DIR/central.env ]]; then
        return
    fi
    [[ -n $db_url ]] || die "the central server needs --db postgresql+psycopg://..."
    check --db "$db_url" '^postgresql(\+psycopg)?://[^[:space:]"\\]*$'
}

write_central_settings() {
    local settings=$CONFIG_DIR/central.env
    if [[ -z $db_url && -f $root$settings ]]; then
        echo "keeping $settings"
        return
    fi
    write_file "$settings" 0640 root:kiosk-central <<EOF
# Environment of the central units, written by install.sh.
KIOSK_DB=$db_url
EOF
}

install_kiosk() {
    install_packages "${KIOSK_PACKAGES[@]}"
    enable_chinese_locale
    add_user kiosk "$KIOSK_STATE"
    make_dir "$CONFIG_DIR" 0755 root:root
    make_dir "$KIOSK_STATE" 0750 kiosk:kiosk
    make_dir "$KIOSK_BACKUPS" 0750 kiosk:kiosk
    install_python_environment
    install_units "${KIOSK_UNITS[@]}"
    put "$SOURCE/systemd/kiosk-screen" "$PREFIX/libexec/kiosk-screen" 0755
    put "$SOURCE/systemd/60-tangxiang-kiosk.rules" /etc/udev/rules.d/60-tangxiang-kiosk.rules 0644
    put "$SOURCE/systemd/foot.ini" "$CONFIG_DIR/foot.ini" 0644
    write_kiosk_settings
    reload_udev_rules
    system systemctl daemon-reload
    system systemctl set-default graphical.target
    system systemctl disable getty@tty1.service
    system systemctl enable kiosk.service
    system systemctl enable --now kiosk-sync.timer kiosk-backup.timer
    # An upgrade restarts a running kiosk, which migrates the database before it opens.
    system systemctl try-restart kiosk.service
    echo "done: reboot, or run 'systemctl start kiosk.service', to bring up the kiosk on tty1"
}

# `kiosk central init` makes the database the central store: the reference data when it is
# empty, the card-signing key the first time, origin "central". It changes nothing on a
# database that is one already, so every install runs it, before the server is enabled (a
# server on an uninitialised database would hand kiosks no villages and no card key).
# It runs as kiosk-central, the role PostgreSQL's peer authentication knows; the URL (it may
# hold a password) goes in the environment, where the command reads --db from, not on a
# command line that ps or a dry run would show.
init_central_database() {
    local url=$db_url
    if [[ -z $url && -f $root$CONFIG_DIR/central.env ]]; then
        url=$(sed -n 's/^KIOSK_DB=//p' "$root$CONFIG_DIR/central.env" | tail -n 1)
    fi
    local command=("$PREFIX/bin/kiosk" central init --card-key "$CARD_KEY")
    if $dry_run; then
        echo "+ KIOSK_DB=<the database URL, not shown> runuser -u kiosk-central -- ${command[*]}"
        return
    fi
    if [[ -n $root ]]; then
        echo "skipped under --root: ${command[*]} (the database is not under --root)"
        return
    fi
    [[ -n $url ]] || die "no KIOSK_DB in $CONFIG_DIR/central.env; give --db"
    (cd / && KIOSK_DB=$url runuser -u kiosk-central -- "${command[@]}")
}

install_central() {
    install_packages "${CENTRAL_PACKAGES[@]}"
    add_user kiosk-central /nonexistent
    make_dir "$CONFIG_DIR" 0755 root:root
    make_dir "$CENTRAL_BACKUPS" 0750 kiosk-central:kiosk-central
    # The card-signing key's only copy: readable by kiosk-central alone.
    make_dir "$CENTRAL_STATE" 0700 kiosk-central:kiosk-central
    # Photos phones send with declarations (KIOSK_EVIDENCE_DIR in the central's units).
    make_dir "$CENTRAL_STATE/evidence" 0700 kiosk-central:kiosk-central
    install_python_environment
    install_units "${CENTRAL_UNITS[@]}"
    write_central_settings
    init_central_database
    system systemctl daemon-reload
    system systemctl enable kiosk-central.service
    system systemctl enable --now kiosk-central-backup.timer kiosk-month-close.timer kiosk-year-close.timer
    system systemctl restart kiosk-central.service
    echo "done: put nginx in front of it (systemd/nginx-central.conf.example)"
}

"check_${role}_settings"
if $dry_run; then
    echo "dry run: nothing is changed${root:+ (root $root)}"
fi
"install_$role"
