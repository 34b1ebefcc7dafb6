"""Printers named by URI (file:, usb:, serial:, tcp:, dummy) and the one way to send them bytes."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    # Only for annotations: importing python-escpos costs ~0.2 s at every start.
    from escpos.escpos import Escpos

PrinterKind = Literal["file", "usb", "serial", "tcp", "dummy"]

DEFAULT_TCP_PORT = 9100  # the raw "JetDirect" port every network receipt printer listens on
DEFAULT_BAUDRATE = 9600  # the factory setting of Xprinter/GPrinter serial ports
# A printer out of paper holds the job rather than refusing it; without a limit the
# print worker would hang with it. Generous enough for a long receipt at 9600 baud.
TIMEOUT_SECONDS = 10

URI_FORMS = "file:PATH, usb:VID:PID (hex), serial:DEVICE[:BAUD], tcp:HOST[:PORT] or dummy"

_ADVICE: dict[str, tuple[str, str]] = {
    "usb": (
        "请检查打印机电源是否打开、USB线是否插好、是否有纸",
        "check that the printer is switched on, its USB cable plugged in and it has paper",
    ),
    "serial": (
        "请检查打印机电源是否打开、串口线是否插好、是否有纸，以及波特率设置",
        "check that the printer is switched on, its serial cable plugged in, it has paper "
        "and the baud rate matches",
    ),
    "tcp": (
        "请检查打印机电源是否打开、网线是否插好、是否有纸，以及打印机的IP地址",
        "check that the printer is switched on, its network cable plugged in, it has paper "
        "and its IP address is right",
    ),
    "file": (
        "无法写入打印文件，请检查磁盘空间、写入权限和打印机数据线",
        "cannot write the print file: check free disk space, permissions and the printer cable",
    ),
}


# What the printer itself said when asked before a job (see read_status).
_STATE_ADVICE: dict[str, tuple[str, str]] = {
    "paper_out": (
        "打印机缺纸，请装入新的纸卷",
        "the printer is out of paper: load a new roll",
    ),
    "offline": (
        "打印机处于离线状态，请检查纸仓盖是否盖好、打印机是否报错",
        "the printer is offline: check that its cover is closed and it shows no error",
    ),
}


class PrinterError(Exception):
    """The printer did not take the job; the message says what to check. Nothing was printed
    for sure, so the job stays queued.

    `state` is what the printer reported before the job ("paper_out", "offline") when it
    was asked (open_printer(..., check_status=True)); None when the job itself failed.
    """

    def __init__(self, uri: str, kind: str, detail: str, state: str | None = None) -> None:
        self.uri = uri
        self.kind = kind
        self.detail = detail
        self.state = state
        super().__init__(uri, kind, detail)

    def message(self, language: str = "zh") -> str:
        chinese, english = _STATE_ADVICE.get(
            self.state or "", _ADVICE.get(self.kind, _ADVICE["usb"])
        )
        if language == "en":
            return f"Printing failed ({self.uri}): {english}."
        return f"打印失败（{self.uri}）：{chinese}。"

    def __str__(self) -> str:
        return f"{self.message('zh')} / {self.message('en')} [{self.detail}]"


@dataclass(frozen=True)
class PrinterTarget:
    """Where a printer is, as parsed from its URI."""

    kind: PrinterKind
    path: str = ""  # file path, or serial device
    vendor_id: int = 0
    product_id: int = 0
    baudrate: int = DEFAULT_BAUDRATE
    host: str = ""
    port: int = DEFAULT_TCP_PORT


def _bad(uri: str, why: str) -> ValueError:
    return ValueError(
        f"打印机地址格式不对 / bad printer address {uri!r}: {why}; expected {URI_FORMS}"
    )


_HEX_ID = re.compile(r"(?:0[xX])?([0-9a-fA-F]{1,4})")


def _usb_id(uri: str, text: str, what: str) -> int:
    match = _HEX_ID.fullmatch(text)
    if not match:
        raise _bad(uri, f"{what} must be 1-4 hex digits (as lsusb shows it), got {text!r}")
    return int(match.group(1), 16)


def _number(uri: str, text: str, what: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise _bad(uri, f"{what} must be a number from {low} to {high}, got {text!r}")
    return int(text)


def parse_printer_uri(uri: str) -> PrinterTarget:
    """Read a printer URI; a malformed one raises ValueError naming the accepted forms."""
    text = uri.strip()
    if text.lower() == "dummy":
        return PrinterTarget("dummy")
    scheme, colon, rest = text.partition(":")
    scheme = scheme.lower()
    if not colon:
        raise _bad(uri, "no scheme")
    if scheme == "file":
        if not rest:
            raise _bad(uri, "no path")
        return PrinterTarget("file", path=rest)
    if scheme == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise _bad(uri, "usb: needs a vendor and a product id, e.g. usb:0416:5011")
        return PrinterTarget(
            "usb",
            vendor_id=_usb_id(uri, parts[0], "vendor id"),
            product_id=_usb_id(uri, parts[1], "product id"),
        )
    if scheme == "serial":
        # Device paths under /dev/serial/by-path contain colons: only a numeric tail is a baud rate.
        device, colon, tail = rest.rpartition(":")
        if colon and tail.isdigit():
            baudrate = _number(uri, tail, "baud rate", 1, 4_000_000)
        else:
            device, baudrate = rest, DEFAULT_BAUDRATE
        if not device:
            raise _bad(uri, "no serial device")
        return PrinterTarget("serial", path=device, baudrate=baudrate)
    if scheme == "tcp":
        return _parse_tcp(uri, rest.removeprefix("//"))
    raise _bad(uri, f"unknown scheme {scheme!r}")


def _parse_tcp(uri: str, rest: str) -> PrinterTarget:
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise _bad(uri, "an IPv6 address is written [ADDRESS]:PORT")
        port_text = tail[1:] if tail else ""
    elif rest.count(":") > 1:
        raise _bad(uri, "write an IPv6 address in brackets, e.g. tcp:[fe80::1]:9100")
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise _bad(uri, "no host")
    port = _number(uri, port_text, "port", 1, 65535) if port_text else DEFAULT_TCP_PORT
    return PrinterTarget("tcp", host=host, port=port)


class Printer(Protocol):
    def send(self, data: bytes) -> None:
        """Print `data` (ESC/POS bytes) or raise PrinterError."""


class DummyPrinter:
    """Keeps what it is sent in memory: for tests, drills and kiosks without a printer."""

    uri = "dummy"

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def send(self, data: bytes) -> None:
        self._chunks.append(bytes(data))

    @property
    def output(self) -> bytes:
        return b"".join(self._chunks)

    def clear(self) -> None:
        self._chunks.clear()


def _usb_out_endpoint(device: Any) -> int | None:
    """The bulk OUT endpoint of the printer's first interface, if the descriptor names one.

    python-escpos assumes 0x01, which many Chinese printers do not use; reading it from the
    device spares the shopkeeper a trip through lsusb.
    """
    import usb.util

    try:
        interface = device.get_active_configuration()[(0, 0)]
        endpoint = usb.util.find_descriptor(
            interface,
            custom_match=lambda candidate: (
                usb.util.endpoint_direction(candidate.bEndpointAddress) == usb.util.ENDPOINT_OUT
            ),
        )
    except Exception:  # any descriptor trouble: keep python-escpos's default
        return None
    return None if endpoint is None else int(endpoint.bEndpointAddress)


# ESC/POS real-time status requests, DLE EOT n: answered at once with one status byte,
# even while the printer is stopped, and never printed. n=1 printer status (bit 3: offline),
# n=4 roll paper sensor (bits 5-6: paper end, bits 2-3: near end).
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"
STATUS_TIMEOUT_SECONDS = 0.5  # a printer that answers does so in milliseconds

PrinterState = Literal["ready", "paper_near_end", "paper_out", "offline", "unknown"]


def _is_status_byte(value: int) -> bool:
    # Every status byte has bits 1 and 4 set and bits 0 and 7 clear; anything else is not
    # an answer to DLE EOT.
    return value & 0x93 == 0x12


def printer_state(printer_status: int | None, paper_status: int | None) -> PrinterState:
    """The state the two DLE EOT answers (1 and 4) describe; None or a non-status byte for
    no answer. Paper end wins over offline: it is the usual reason a printer goes offline,
    and the one the shopkeeper can fix."""
    if printer_status is None or not _is_status_byte(printer_status):
        return "unknown"
    if paper_status is not None and _is_status_byte(paper_status):
        if paper_status & 0x60:
            return "paper_out"
        if printer_status & 0x08:
            return "offline"
        if paper_status & 0x0C:
            return "paper_near_end"
        return "ready"
    return "offline" if printer_status & 0x08 else "ready"


def _read_status(device: Escpos, kind: PrinterKind) -> PrinterState:
    """Ask a serial or network printer for its state on the job's own connection.

    A printer that does not answer (some only listen) is "unknown" and gets the job as
    before; only a printer that says it cannot print is spared it.
    """
    port: Any = device.device
    answer = b""
    try:
        if kind == "serial":
            port.reset_input_buffer()  # a stale answer from an earlier job would mislead
            port.timeout = STATUS_TIMEOUT_SECONDS
            port.write(DLE_EOT_PRINTER + DLE_EOT_PAPER)
            port.flush()
            answer = port.read(2)
        else:
            port.settimeout(STATUS_TIMEOUT_SECONDS)
            port.sendall(DLE_EOT_PRINTER + DLE_EOT_PAPER)
            while len(answer) < 2:
                chunk = port.recv(2 - len(answer))
                if not chunk:
                    break
                answer += chunk
    except (OSError, TimeoutError):
        pass  # no answer in time: unknown
    finally:
        if kind == "serial":
            port.timeout = TIMEOUT_SECONDS
        else:
            port.settimeout(TIMEOUT_SECONDS)
    return printer_state(
        answer[0] if len(answer) > 0 else None, answer[1] if len(answer) > 1 else None
    )


def _close_quietly(device: Escpos) -> None:
    # Already failing: the first error is the one worth reporting.
    with contextlib.suppress(Exception):
        device.close()


class EscposPrinter:
    """A real printer reached through python-escpos, connected afresh for every job.

    A new connection per job lets printing resume by itself after the printer was
    switched off, unplugged or refilled, with no restart of the kiosk.
    """

    def __init__(self, uri: str, target: PrinterTarget, *, check_status: bool = False) -> None:
        self.uri = uri
        self.target = target
        # Serial and network printers can say they are out of paper or offline before a
        # job; such a printer would take the bytes into its buffer and print nothing, and
        # the job would count as printed. USB and file: printers cannot be asked this way.
        self.check_status = check_status and target.kind in ("serial", "tcp")
        self.last_state: PrinterState = "unknown"
        self._lock = threading.Lock()  # one job at a time on one device

    def _connect(self) -> Escpos:
        from escpos import printer

        target = self.target
        device: Escpos
        if target.kind == "file":
            device = printer.File(devfile=target.path, auto_flush=True)
            # Appending, where File.open truncates: a plain file then collects every job
            # like a paper roll, and a device node (/dev/usb/lp0) behaves the same either way.
            device.device = open(target.path, "ab")  # noqa: SIM115  (closed by device.close)
        elif target.kind == "usb":
            device = printer.Usb(
                target.vendor_id, target.product_id, timeout=TIMEOUT_SECONDS * 1000
            )
            device.open()
            out_ep = _usb_out_endpoint(device.device)
            if out_ep is not None:
                device.out_ep = out_ep
        elif target.kind == "serial":
            device = printer.Serial(
                devfile=target.path, baudrate=target.baudrate, timeout=TIMEOUT_SECONDS
            )
            device.open()
            device.device.write_timeout = TIMEOUT_SECONDS
        elif target.kind == "tcp":
            device = printer.Network(host=target.host, port=target.port, timeout=TIMEOUT_SECONDS)
            # Network.open is IPv4 only and drops its socket unclosed when the connection
            # fails; create_connection does both right.
            device.device = socket.create_connection(
                (target.host, target.port), timeout=TIMEOUT_SECONDS
            )
        else:
            raise AssertionError(f"not a device printer: {target.kind}")
        return device

    def send(self, data: bytes) -> None:
        if not data:
            return
        with self._lock:
            try:
                device = self._connect()
                try:
                    if self.check_status:
                        self.last_state = _read_status(device, self.target.kind)
                        if self.last_state in ("paper_out", "offline"):
                            raise PrinterError(
                                self.uri,
                                self.target.kind,
                                f"the printer reports {self.last_state}",
                                state=self.last_state,
                            )
                    device._raw(bytes(data))
                except BaseException:
                    _close_quietly(device)
                    raise
                device.close()  # closing flushes: a full disk can first show up here
            except PrinterError:
                raise
            except Exception as error:
                # Drivers raise OSError, USBError, SerialException, escpos errors and even
                # AssertionError; to the shopkeeper they all mean "check the printer".
                detail = " ".join(f"{type(error).__name__}: {error}".split())
                if type(error).__name__ == "NoBackendError":
                    detail += " (libusb is missing: apt-get install libusb-1.0-0)"
                raise PrinterError(self.uri, self.target.kind, detail) from error


def open_printer(uri: str, *, check_status: bool = False) -> DummyPrinter | EscposPrinter:
    """The printer named by `uri`; nothing is connected until the first `send`.

    So a kiosk starts even while its printer is off; a bad URI raises ValueError at once.
    With `check_status`, a serial or network printer is asked (DLE EOT) before each job,
    and one that reports no paper or offline gets no job: PrinterError with its `state`.
    """
    target = parse_printer_uri(uri)
    if target.kind == "dummy":
        return DummyPrinter()
    return EscposPrinter(uri.strip(), target, check_status=check_status)
