"""Fake ESC/POS printers on real device paths: a serial printer on a pty and a network
printer on loopback. Each sees exactly the bytes a printer would, answers the real-time
status request (DLE EOT n) as told, and prints the rest."""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

DLE_EOT = b"\x10\x04"
# Status bytes as a printer sends them: bits 1 and 4 always set.
READY = {1: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x12 | 0x08, 4: 0x12 | 0x60}  # stopped by paper end: offline too
OFFLINE = {1: 0x12 | 0x08, 4: 0x12}  # cover open, or an error
DEADLINE = 30  # seconds a fake waits for its thread or its bytes


class FakePrinter:
    """What an ESC/POS printer does with a byte stream: real-time status requests (DLE EOT n)
    sent before a job are answered with `status[n]` and not printed; the rest is printed.

    `status` may be changed at any time (paper loaded); `status = {}` never answers.
    """

    def __init__(self, status: dict[int, int]) -> None:
        self.status = status
        self.printed = bytearray()
        self.queries: list[int] = []
        self._pending = b""

    def feed(self, chunk: bytes, answer: Answer) -> None:
        self._pending += chunk
        # Only a request before any job byte is taken as one: inside a job the same two
        # bytes can be part of a bitmap, as on a real printer that reads them mid-job.
        while not self.printed and self._pending[:2] == DLE_EOT and len(self._pending) >= 3:
            n = self._pending[2]
            self.queries.append(n)
            if n in self.status:
                answer(bytes([self.status[n]]))
            self._pending = self._pending[3:]
        if self._pending and (self.printed or self._pending[:2] != DLE_EOT[: len(self._pending)]):
            self.printed += self._pending
            self._pending = b""


class Answer(Protocol):
    def __call__(self, data: bytes, /) -> object: ...


@contextmanager
def serial_printer() -> Iterator[tuple[str, FakePrinter]]:
    """A pty pair: the kiosk opens the device side as its serial printer; the fake reads
    the controller side. Raw from the start, so no newline is rewritten on the way."""
    controller, device = os.openpty()
    tty.setraw(device)
    printer = FakePrinter(dict(READY))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            ready, _, _ = select.select([controller], [], [], 0.1)
            if ready:
                printer.feed(os.read(controller, 65536), lambda data: os.write(controller, data))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"serial:{os.ttyname(device)}:19200", printer
    finally:
        stop.set()
        thread.join(timeout=DEADLINE)
        os.close(controller)
        os.close(device)


@contextmanager
def tcp_printer() -> Iterator[tuple[str, FakePrinter]]:
    """A raw port-9100-style listener on loopback; every connection is one job."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    printer = FakePrinter(dict(READY))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                job = FakePrinter(printer.status)  # a new connection starts a new job
                while chunk := connection.recv(65536):
                    job.feed(chunk, connection.sendall)
                printer.printed += job.printed
                printer.queries += job.queries

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp:127.0.0.1:{server.getsockname()[1]}", printer
    finally:
        stop.set()
        thread.join(timeout=DEADLINE)
        server.close()


def wait_printed(printer: FakePrinter, size: int) -> bytes:
    """The printed bytes once `size` have come (the pty may still be draining)."""
    deadline = time.monotonic() + DEADLINE
    while len(printer.printed) < size and time.monotonic() < deadline:
        time.sleep(0.05)
    return bytes(printer.printed)
