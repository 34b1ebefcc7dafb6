"""The devices at the counter: whether the receipt printer answers (printing nothing), and a scanner."""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Collection
from pathlib import Path

from kiosk.ops.doctor.findings import MAX_LISTED, Check, error_text, fail, not_checked, ok, warn
from kiosk.ops.doctor.machine import existing, free_bytes
from kiosk.ops.texts import say

CONNECT_TIMEOUT_S = 3.0
STATUS_TIMEOUT_S = 1.0
# A receipt is a few kilobytes; below this a file: printer's next job may not fit.
FILE_PRINTER_MIN_FREE = 1024**2
# ESC/POS "transmit real-time status, roll paper sensor": answered even mid-job, prints nothing.
DLE_EOT_PAPER = b"\x10\x04\x04"

# Where an installed kiosk keeps its udev rules (systemd/install.sh); a checkout has its own.
INSTALLED_RULES = Path("/etc/udev/rules.d/60-tangxiang-kiosk.rules")
REPO_RULES = Path(__file__).resolve().parents[3] / "systemd" / "60-tangxiang-kiosk.rules"
INPUT_BY_ID = Path("/dev/input/by-id")
USB_DEVICES = Path("/sys/bus/usb/devices")


# --- printer ----------------------------------------------------------------------------------


def check_printer(
    uri: str | None,
    *,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    status_timeout: float = STATUS_TIMEOUT_S,
) -> Check:
    """Whether the printer at `uri` can be reached, and its paper where it can say; prints nothing."""
    from kiosk.printing.printers import parse_printer_uri

    if uri is None:
        return not_checked("printer", say("printer.uri_unknown"))
    try:
        target = parse_printer_uri(uri)
    except ValueError as error:
        return fail("printer", say("printer.bad_uri", error=error), uri=uri)
    if target.kind == "dummy":
        return warn("printer", say("printer.none"), uri=uri)
    if target.kind == "file":
        return _check_file_printer(uri, Path(target.path))
    if target.kind == "tcp":
        return _check_tcp_printer(uri, target.host, target.port, connect_timeout, status_timeout)
    if target.kind == "serial":
        return _check_serial_printer(uri, target.path, target.baudrate, status_timeout)
    return _check_usb_printer(uri, target.vendor_id, target.product_id)


def _check_file_printer(uri: str, path: Path) -> Check:
    if not path.exists():
        if path.is_relative_to("/dev"):
            return fail("printer", say("printer.device_missing", path=path), uri=uri)
        folder = existing(path.parent)
        if folder != path.parent or not os.access(folder, os.W_OK):
            said = say("printer.file_folder", path=path, folder=path.parent)
            return fail("printer", said, uri=uri)
    else:
        try:
            # Open to append, as the printer code does, but never truncate or create.
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as error:
            return _file_printer_refused(uri, path, error)
        try:
            # Zero bytes put nothing on paper, yet pass through the driver: /dev/full, and a
            # USB printer out of paper, refuse even these (ENOSPC).
            os.write(descriptor, b"")
        except BlockingIOError:
            pass  # a printer busy with a job is there
        except OSError as error:
            return _file_printer_refused(uri, path, error)
        finally:
            os.close(descriptor)
    if not path.exists() or path.is_file():
        free = free_bytes(path)
        if free < FILE_PRINTER_MIN_FREE:
            said = say("printer.file_disk_full", path=path, free=free)
            return fail("printer", said, uri=uri, free_bytes=free)
    return ok("printer", say("printer.file_ok", path=path), uri=uri)


def _file_printer_refused(uri: str, path: Path, error: OSError) -> Check:
    if error.errno == errno.ENOSPC:
        said = say("printer.file_full", path=path)
    elif error.errno in (errno.EACCES, errno.EPERM):
        said = say("printer.file_denied", path=path)
    else:
        said = say("printer.file_error", path=path, error=error_text(error))
    return fail("printer", said, uri=uri, error=error_text(error))


def _check_tcp_printer(
    uri: str, host: str, port: int, connect_timeout: float, status_timeout: float
) -> Check:
    try:
        connection = socket.create_connection((host, port), timeout=connect_timeout)
    except OSError as error:
        text = error_text(error)
        said = say("printer.tcp_unreachable", host=host, port=port, error=text)
        return fail("printer", said, uri=uri, error=text)
    with connection:
        connection.settimeout(status_timeout)
        try:
            connection.sendall(DLE_EOT_PAPER)
            reply = connection.recv(1)
        except OSError:
            reply = b""
    return _paper_check(uri, f"{host}:{port}", reply)


def _check_serial_printer(uri: str, device: str, baudrate: int, status_timeout: float) -> Check:
    if not Path(device).exists():
        return fail("printer", say("printer.serial_missing", device=device), uri=uri)
    import serial

    try:
        with serial.Serial(
            device, baudrate, timeout=status_timeout, write_timeout=status_timeout
        ) as port:
            port.write(DLE_EOT_PAPER)
            reply = port.read(1)
    except (OSError, serial.SerialException) as error:
        text = error_text(error)
        said = say("printer.serial_error", device=device, error=text)
        return fail("printer", said, uri=uri, error=text)
    return _paper_check(uri, device, reply)


def _paper_check(uri: str, where: str, reply: bytes) -> Check:
    # A status byte has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not an
    # answer to DLE EOT (or no answer at all).
    if len(reply) != 1 or reply[0] & 0x93 != 0x12:
        return warn("printer", say("printer.no_answer", where=where), uri=uri, reply=reply.hex())
    status = reply[0]
    detail = {"uri": uri, "reply": reply.hex()}
    if status & 0x60:
        return fail("printer", say("printer.paper_out", where=where), **detail)
    if status & 0x0C:
        return warn("printer", say("printer.paper_low", where=where), **detail)
    return ok("printer", say("printer.ok", where=where), **detail)


def _check_usb_printer(uri: str, vendor_id: int, product_id: int) -> Check:
    ids = f"{vendor_id:04x}:{product_id:04x}"
    try:
        import usb.core

        device = usb.core.find(idVendor=vendor_id, idProduct=product_id)
    except Exception as error:
        text = error_text(error)
        # pyusb raises NoBackendError when libusb is not installed.
        if type(error).__name__ == "NoBackendError":
            return fail("printer", say("printer.no_libusb"), uri=uri, error=text)
        return fail("printer", say("printer.usb_error", ids=ids, error=text), uri=uri, error=text)
    if device is None:
        return fail("printer", say("printer.usb_missing", ids=ids), uri=uri)
    where = f"bus {device.bus} address {device.address}"
    return ok("printer", say("printer.usb_ok", ids=ids, where=where), uri=uri)


# --- scanner ----------------------------------------------------------------------------------


_VENDOR_MATCH = re.compile(r'ATTRS?\{idVendor\}=="([0-9a-fA-F|]+)"')
_SCANNER_NAME = re.compile(
    r"scan|barcode|bar_code|qr|honeywell|metrologic|symbol|zebra|newland", re.I
)


def scanner_vendor_ids(rules_text: str) -> frozenset[str]:
    """The USB vendor ids the udev rules grant as scanners (the hidraw and input lines)."""
    vendors: set[str] = set()
    for line in rules_text.splitlines():
        if line.lstrip().startswith("#") or not re.search(r'SUBSYSTEM=="(hidraw|input)"', line):
            continue
        for match in _VENDOR_MATCH.finditer(line):
            vendors.update(v.lower() for v in match.group(1).split("|"))
    return frozenset(vendors)


def installed_scanner_vendors() -> frozenset[str]:
    """The scanner vendors of the installed udev rules, else of the checkout's own."""
    rules = INSTALLED_RULES if INSTALLED_RULES.exists() else REPO_RULES
    return scanner_vendor_ids(rules.read_text()) if rules.exists() else frozenset()


def check_scanner(input_by_id: Path, usb_devices: Path, vendor_ids: Collection[str]) -> Check:
    """A USB device of a scanner vendor, or a keyboard-type input device a scanner shows up as."""
    wanted = {vendor.lower() for vendor in vendor_ids}
    known: list[str] = []
    if usb_devices.is_dir():
        for device in sorted(usb_devices.iterdir()):
            vendor = _read(device / "idVendor")
            if vendor and vendor.lower() in wanted:
                product = _read(device / "product") or _read(device / "idProduct") or "?"
                known.append(f"{vendor}:{_read(device / 'idProduct')} {product}")
    keyboards = (
        sorted(p.name for p in input_by_id.glob("*-event-kbd")) if input_by_id.is_dir() else []
    )
    scanner_like = [name for name in keyboards if _SCANNER_NAME.search(name)]
    detail = {"usb": known, "keyboards": keyboards}
    if known or scanner_like:
        seen = ", ".join((known + scanner_like)[:MAX_LISTED])
        return ok("scanner", say("scanner.seen", seen=seen), **detail)
    if keyboards:
        seen = ", ".join(keyboards[:MAX_LISTED])
        return ok("scanner", say("scanner.keyboards", seen=seen), **detail)
    return warn("scanner", say("scanner.none"), **detail)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
