"""Printer and scanner checks against real targets: files, /dev/full, loopback sockets, a pty."""

from __future__ import annotations

import os
import socket
import threading
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ops.doctor import (
    DLE_EOT_PAPER,
    REPO_RULES,
    Status,
    check_printer,
    check_scanner,
    scanner_vendor_ids,
)

pytestmark = [
    pytest.mark.world("doctor"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

PAPER_OK = 0x12
PAPER_NEAR_END = 0x12 | 0x0C
PAPER_OUT = 0x12 | 0x60


class FakePrinterPort:
    """A loopback listener that answers DLE EOT 4 with `reply` (None: says nothing)."""

    def __init__(self, reply: int | None) -> None:
        self.reply = reply
        self.received = b""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            connection.settimeout(2)
            try:
                self.received = connection.recv(16)
                if self.reply is not None:
                    connection.sendall(bytes([self.reply]))
                connection.recv(16)  # until the doctor hangs up
            except OSError:
                pass

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def printer_port(request: pytest.FixtureRequest) -> Iterator[FakePrinterPort]:
    port = FakePrinterPort(request.param)
    yield port
    port.close()


class TestFilePrinter:
    def test_a_writable_file_is_reachable_and_untouched(self, tmp_path: Path) -> None:
        target = tmp_path / "receipts.bin"
        target.write_bytes(b"earlier job")
        check = check_printer(f"file:{target}")
        assert check.status is Status.OK
        assert target.read_bytes() == b"earlier job"

    def test_a_file_yet_to_be_created_is_fine_and_is_not_created(self, tmp_path: Path) -> None:
        target = tmp_path / "receipts.bin"
        assert check_printer(f"file:{target}").status is Status.OK
        assert not target.exists()

    def test_a_full_device_fails(self) -> None:
        check = check_printer("file:/dev/full")
        assert check.status is Status.FAIL
        assert "full" in check.message_en and "ENOSPC" not in check.message_en
        assert "No space left" in check.detail["error"]

    def test_a_missing_folder_fails(self, tmp_path: Path) -> None:
        check = check_printer(f"file:{tmp_path}/gone/receipts.bin")
        assert check.status is Status.FAIL
        assert "missing" in check.message_en

    def test_a_missing_device_node_fails(self) -> None:
        check = check_printer("file:/dev/usb/lp-not-here")
        assert check.status is Status.FAIL
        assert "switch it on" in check.message_en.lower()


class TestTcpPrinter:
    @pytest.mark.parametrize("printer_port", [PAPER_OK], indirect=True)
    def test_a_listening_printer_with_paper(self, printer_port: FakePrinterPort) -> None:
        check = check_printer(f"tcp:127.0.0.1:{printer_port.port}")
        printer_port.close()
        assert check.status is Status.OK, check
        assert "has paper" in check.message_en
        # Only the status query went out: nothing that could print.
        assert printer_port.received == DLE_EOT_PAPER

    @pytest.mark.parametrize("printer_port", [PAPER_OUT], indirect=True)
    def test_out_of_paper_fails(self, printer_port: FakePrinterPort) -> None:
        check = check_printer(f"tcp:127.0.0.1:{printer_port.port}")
        assert check.status is Status.FAIL
        assert "缺纸" in check.message_zh

    @pytest.mark.parametrize("printer_port", [PAPER_NEAR_END], indirect=True)
    def test_paper_running_low_warns(self, printer_port: FakePrinterPort) -> None:
        assert check_printer(f"tcp:127.0.0.1:{printer_port.port}").status is Status.WARN

    @pytest.mark.parametrize("printer_port", [None], indirect=True)
    def test_a_silent_printer_is_reachable_with_status_unknown(
        self, printer_port: FakePrinterPort
    ) -> None:
        check = check_printer(f"tcp:127.0.0.1:{printer_port.port}", status_timeout=0.2)
        assert check.status is Status.WARN
        assert "status unknown" in check.message_en

    def test_a_closed_port_fails(self) -> None:
        placeholder = socket.create_server(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
        placeholder.close()
        check = check_printer(f"tcp:127.0.0.1:{port}")
        assert check.status is Status.FAIL
        assert "Cannot reach" in check.message_en
        assert "ConnectionRefusedError" in check.detail["error"]


class TestSerialPrinter:
    def test_a_printer_on_a_pseudo_terminal_answers(self) -> None:
        controller, device = os.openpty()
        tty.setraw(controller)
        answered = threading.Event()

        def printer() -> None:
            if os.read(controller, 3) == DLE_EOT_PAPER:
                os.write(controller, bytes([PAPER_OK]))
                answered.set()

        thread = threading.Thread(target=printer, daemon=True)
        thread.start()
        try:
            check = check_printer(f"serial:{os.ttyname(device)}:19200")
        finally:
            thread.join(timeout=2)
            os.close(device)
            os.close(controller)
        assert answered.is_set()
        assert check.status is Status.OK, check

    def test_a_missing_port_fails(self) -> None:
        check = check_printer("serial:/dev/ttyUSB-not-here")
        assert check.status is Status.FAIL
        assert "serial port" in check.message_en


def test_a_usb_printer_not_there_fails_saying_why() -> None:
    check = check_printer("usb:dead:beef")
    assert check.status is Status.FAIL
    # Without libusb the check says to install it; with it, the device is simply not found.
    assert "libusb" in check.message_en or "No USB printer dead:beef" in check.message_en


def test_no_printer_set_warns() -> None:
    assert check_printer("dummy").status is Status.WARN


def test_a_malformed_uri_fails() -> None:
    check = check_printer("lpt:1")
    assert check.status is Status.FAIL
    assert "unknown scheme" in check.message_en


class TestScanner:
    VENDORS = scanner_vendor_ids(REPO_RULES.read_text())

    def test_vendor_ids_come_from_the_scanner_lines_of_the_udev_rules(self) -> None:
        # The printer vendors (0416, 0fe6) in the same file are not scanners.
        assert {"0c2e", "05e0", "1eab"} == self.VENDORS

    def test_a_scanner_vendor_on_the_usb_bus_is_seen(self, tmp_path: Path) -> None:
        device = tmp_path / "usb" / "1-2"
        device.mkdir(parents=True)
        (device / "idVendor").write_text("0c2e\n")
        (device / "idProduct").write_text("0b61\n")
        (device / "product").write_text("Honeywell 1900\n")
        (tmp_path / "usb" / "1-2:1.0").mkdir()  # an interface: no idVendor
        check = check_scanner(tmp_path / "by-id", tmp_path / "usb", self.VENDORS)
        assert check.status is Status.OK
        assert "0c2e:0b61 Honeywell 1900" in check.message_en

    def test_a_keyboard_mode_device_counts(self, tmp_path: Path) -> None:
        by_id = tmp_path / "by-id"
        by_id.mkdir()
        (by_id / "usb-SM_SM-2D_PRODUCT_HID_KBW-event-kbd").symlink_to("../event3")
        check = check_scanner(by_id, tmp_path / "usb", self.VENDORS)
        assert check.status is Status.OK
        assert "HID_KBW" in check.message_zh

    def test_nothing_seen_warns_not_fails(self, tmp_path: Path) -> None:
        by_id = tmp_path / "by-id"
        by_id.mkdir()
        (by_id / "usb-Logitech_USB_Optical_Mouse-event-mouse").symlink_to("../event2")
        check = check_scanner(by_id, tmp_path / "usb", self.VENDORS)
        assert check.status is Status.WARN
        assert "No scanner seen" in check.message_en
