#!/bin/bash
# Removes what install.sh put on this machine, for either role. The kiosk database, the
# backups and the settings stay unless --purge is given; apt packages always stay, and so
# do the central PostgreSQL database and the card-signing key that goes with it, in
# /var/lib/tangxiang-central (delete them yourself if you mean to: cards signed with the key
# stay in villagers' hands).
#
#   systemd/uninstall.sh [--purge] [--root DIR] [--dry-run]
#
# Options:
#   --purge     also delete the database, the backups, the settings and the users
#   --root DIR  remove the files under DIR instead of /; skip systemctl and userdel
#   --dry-run   print every action and change nothing
set -euo pipefail

readonly PREFIX=/opt/tangxiang-kiosk
readonly CONFIG_DIR=/etc/tangxiang-kiosk
readonly UNIT_DIR=/etc/systemd/system
readonly UNITS=(kiosk.service kiosk-sync.service kiosk-sync.timer kiosk-backup.service kiosk-backup.timer
    kiosk-central.service kiosk-central-backup.service kiosk-central-backup.timer
    kiosk-month-close.service kiosk-month-close.timer kiosk-year-close.service kiosk-year-close.timer)

purge=false
root=
dry_run=false

die() {
    echo "uninstall.sh: $*" >&2
    exit 2
}

while (($#)); do
    case $1 in
        --purge) purge=true ;;
        --root) root=${2:?--root needs a directory}; shift ;;
        --dry-run) dry_run=true ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done

if [[ -n $root ]]; then
    [[ -d $root ]] || die "--root $root is not a directory"
    root=$(cd "$root" && pwd)
fi
if ! $dry_run && [[ -z $root ]] && ((EUID != 0)); then
    die "run as root (or try --dry-run)"
fi

system() {
    if $dry_run; then
        echo "+ $*"
    elif [[ -n $root ]]; then
        echo "skipped under --root: $*"
    else
        "$@"
    fi
}

remove() {
    local path
    for path in "$@"; do
        [[ -e $root$path || -L $root$path ]] || continue
        if $dry_run; then
            echo "+ rm -r $path"
        else
            rm -rf -- "$root$path"
        fi
    done
}

installed_units=()
for unit in "${UNITS[@]}"; do
    [[ -e $root$UNIT_DIR/$unit ]] && installed_units+=("$unit")
done
kiosk_was_installed=false
[[ -e $root$UNIT_DIR/kiosk.service ]] && kiosk_was_installed=true

if $dry_run; then
    echo "dry run: nothing is changed${root:+ (root $root)}"
fi
if ((${#installed_units[@]})); then
    system systemctl disable --now "${installed_units[@]}"
    remove "${installed_units[@]/#/$UNIT_DIR/}"
fi
remove /etc/udev/rules.d/60-tangxiang-kiosk.rules "$CONFIG_DIR/foot.ini" "$PREFIX"
system systemctl daemon-reload
if $kiosk_was_installed; then
    system systemctl enable getty@tty1.service
fi

if $purge; then
    remove /var/lib/tangxiang-kiosk /var/backups/tangxiang-kiosk /var/backups/tangxiang-central "$CONFIG_DIR"
    for user in kiosk kiosk-central; do
        if [[ -n $root ]] || id "$user" >/dev/null 2>&1; then
            system userdel "$user"
        fi
    done
    echo "purged; the central PostgreSQL database and its card-signing key" \
        "(/var/lib/tangxiang-central), if any, are still there"
else
    echo "kept: /var/lib/tangxiang-kiosk, /var/backups/tangxiang-*, $CONFIG_DIR (--purge deletes them)"
fi
