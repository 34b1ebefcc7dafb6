"""Printer URIs and sending: real files, a real TCP socket and a real pseudo-terminal."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from kiosk.printing.printers import (
    DummyPrinter,
    EscposPrinter,
    PrinterError,
    PrinterTarget,
    open_printer,
    parse_printer_uri,
)

GOLDEN = Path(__file__).parent / "golden" / "receipt_32.escpos"

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


class TestParse:
    @pytest.mark.parametrize(
        ("uri", "target"),
        [
            ("dummy", PrinterTarget("dummy")),
            (" DUMMY ", PrinterTarget("dummy")),
            ("file:/dev/usb/lp0", PrinterTarget("file", path="/dev/usb/lp0")),
            ("file:receipts/out.bin", PrinterTarget("file", path="receipts/out.bin")),
            ("usb:0416:5011", PrinterTarget("usb", vendor_id=0x0416, product_id=0x5011)),
            ("usb:0x1fc9:0X2016", PrinterTarget("usb", vendor_id=0x1FC9, product_id=0x2016)),
            ("serial:/dev/ttyUSB0", PrinterTarget("serial", path="/dev/ttyUSB0", baudrate=9600)),
            (
                "serial:/dev/ttyS1:115200",
                PrinterTarget("serial", path="/dev/ttyS1", baudrate=115200),
            ),
            ("serial:COM3:19200", PrinterTarget("serial", path="COM3", baudrate=19200)),
            (
                "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0",
                PrinterTarget(
                    "serial", path="/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0"
                ),
            ),
            ("tcp:192.168.1.87", PrinterTarget("tcp", host="192.168.1.87", port=9100)),
            ("tcp:printer.local:9101", PrinterTarget("tcp", host="printer.local", port=9101)),
            ("tcp://192.168.1.87:9100", PrinterTarget("tcp", host="192.168.1.87", port=9100)),
            ("tcp:[fe80::1]:9100", PrinterTarget("tcp", host="fe80::1", port=9100)),
            ("tcp:[fe80::1]", PrinterTarget("tcp", host="fe80::1", port=9100)),
            ("TCP:10.0.0.5", PrinterTarget("tcp", host="10.0.0.5", port=9100)),
        ],
    )
    def test_forms(self, uri: str, target: PrinterTarget) -> None:
        assert parse_printer_uri(uri) == target

    @pytest.mark.parametrize(
        ("uri", "why"),
        [
            ("", "no scheme"),
            ("/dev/usb/lp0", "no scheme"),
            ("lpt:1", "unknown scheme"),
            ("file:", "no path"),
            ("usb:0416", "vendor and a product"),
            ("usb:0416:5011:3", "vendor and a product"),
            ("usb:zz16:5011", "vendor id"),
            ("usb:0416:12345", "product id"),
            ("serial:", "no serial device"),
            ("serial::9600", "no serial device"),
            ("serial:/dev/ttyS0:0", "baud rate"),
            ("tcp:", "no host"),
            ("tcp::9100", "no host"),
            ("tcp:host:0", "port"),
            ("tcp:host:65536", "port"),
            ("tcp:host:http", "port"),
            ("tcp:fe80::1", "brackets"),
            ("tcp:[fe80::1", "IPv6"),
        ],
    )
    def test_bad_uris_say_what_is_expected(self, uri: str, why: str) -> None:
        with pytest.raises(ValueError, match=why) as caught:
            parse_printer_uri(uri)
        assert "usb:VID:PID" in str(caught.value)
        assert "打印机地址格式不对" in str(caught.value)

    def test_open_printer_rejects_a_bad_uri_at_once(self) -> None:
        with pytest.raises(ValueError):
            open_printer("usb:nope")


class TestDummy:
    def test_keeps_the_bytes(self) -> None:
        printer = open_printer("dummy")
        assert isinstance(printer, DummyPrinter)
        printer.send(b"\x1b@one\n")
        printer.send(b"two\n")
        assert printer.output == b"\x1b@one\ntwo\n"
        printer.clear()
        assert printer.output == b""


class TestFile:
    def test_writes_exactly_the_bytes(self, tmp_path: Path) -> None:
        target = tmp_path / "lp0"
        data = GOLDEN.read_bytes()
        open_printer(f"file:{target}").send(data)
        assert target.read_bytes() == data

    def test_appends_job_after_job_like_a_roll(self, tmp_path: Path) -> None:
        target = tmp_path / "roll.escpos"
        printer = open_printer(f"file:{target}")
        printer.send(b"one\n")
        printer.send(b"two\n")
        assert target.read_bytes() == b"one\ntwo\n"

    def test_full_disk_raises_printer_error(self) -> None:
        printer = open_printer("file:/dev/full")
        with pytest.raises(PrinterError) as caught:
            printer.send(GOLDEN.read_bytes())
        message = str(caught.value)
        assert "磁盘空间" in message and "disk space" in message
        assert "/dev/full" in message
        assert caught.value.message("en").startswith("Printing failed (file:/dev/full)")

    def test_missing_folder_raises_printer_error(self, tmp_path: Path) -> None:
        with pytest.raises(PrinterError):
            open_printer(f"file:{tmp_path / 'no' / 'such' / 'lp0'}").send(b"x")

    def test_nothing_to_send_touches_nothing(self, tmp_path: Path) -> None:
        open_printer(f"file:{tmp_path / 'lp0'}").send(b"")
        assert not (tmp_path / "lp0").exists()


class TestTcp:
    @pytest.mark.parametrize(
        ("family", "address", "host"),
        [
            (socket.AF_INET, "127.0.0.1", "127.0.0.1"),
            (socket.AF_INET6, "::1", "[::1]"),
        ],
    )
    def test_sends_to_a_listening_printer(self, family: int, address: str, host: str) -> None:
        if family == socket.AF_INET6 and not socket.has_ipv6:
            pytest.skip("no IPv6 here")
        received = bytearray()
        try:
            server = socket.create_server((address, 0), family=family)
        except OSError:
            pytest.skip(f"cannot listen on {address}")
        with server:
            port = server.getsockname()[1]

            def accept() -> None:
                connection, _ = server.accept()
                with connection:
                    while chunk := connection.recv(4096):
                        received.extend(chunk)

            thread = threading.Thread(target=accept)
            thread.start()
            data = GOLDEN.read_bytes()
            open_printer(f"tcp:{host}:{port}").send(data)
            thread.join(timeout=10)
        assert bytes(received) == data

    def test_nobody_listening_raises_printer_error(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(PrinterError) as caught:
            open_printer(f"tcp:127.0.0.1:{port}").send(b"x")
        assert "网线" in str(caught.value) and "network cable" in str(caught.value)


class TestSerial:
    def test_sends_through_a_pseudo_terminal(self) -> None:
        controller, device = os.openpty()
        try:
            data = GOLDEN.read_bytes()
            open_printer(f"serial:{os.ttyname(device)}:19200").send(data)
            received = b""
            while len(received) < len(data):
                received += os.read(controller, 4096)
            assert received == data  # raw mode: no LF became CR LF
        finally:
            os.close(controller)
            os.close(device)

    def test_missing_device_raises_printer_error(self, tmp_path: Path) -> None:
        with pytest.raises(PrinterError) as caught:
            open_printer(f"serial:{tmp_path / 'ttyUSB9'}").send(b"x")
        assert "串口线" in str(caught.value)


class TestUsb:
    def test_absent_device_raises_printer_error(self) -> None:
        # No printer has this id; without libusb the error differs but is still a PrinterError.
        printer = open_printer("usb:ffff:fffe")
        assert isinstance(printer, EscposPrinter)
        with pytest.raises(PrinterError) as caught:
            printer.send(b"x")
        assert "USB" in str(caught.value)
        assert caught.value.__cause__ is not None
