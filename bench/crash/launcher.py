"""Starting the harness's children: forked from a zygote that imported the kiosk once, or as
fresh interpreters; reading what they say with a deadline."""

from __future__ import annotations

import importlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bench.crash.workload import CHILD_MODULES, run_child

if TYPE_CHECKING:
    pass


def read_lines(stream: IO[str], seconds: float) -> Iterator[str]:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if not selector.select(remaining):
            break
        line = stream.readline()
        if not line:
            break
        yield line.rstrip("\n")
    selector.close()


# --- starting children ----------------------------------------------------------------------------


@dataclass
class Child:
    """A running child: its pid and the stream of its report lines."""

    pid: int
    stream: IO[str]
    process: subprocess.Popen[str] | None = None  # a fresh interpreter, else a zygote's fork

    def kill(self) -> list[str]:
        """SIGKILL it; the lines it wrote before dying (they still count), once it is gone."""
        os.kill(self.pid, signal.SIGKILL)
        rest = self.stream.read().splitlines()  # EOF: the dying process closed its end
        self.stream.close()
        if self.process is not None:
            self.process.wait()
        else:
            # The zygote reaps its children; wait until this one is gone from the table.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.002)
        return rest


class Launcher:
    """Starts each round's child: by default forked from a zygote that imported the kiosk
    once (a fresh interpreter spends ~1.5 s importing, which would be most of a round);
    with `fresh` a new interpreter every time. Either way the child opens the database
    itself after it starts, and dies by SIGKILL with nothing shared with the zygote."""

    def __init__(self, *, fresh: bool, env: dict[str, str]) -> None:
        self.fresh = fresh
        self.env = env
        self.cwd = Path(__file__).resolve().parents[2]  # the checkout: -m bench.crash_harness
        self._zygote: subprocess.Popen[str] | None = None
        self._listener: socket.socket | None = None
        self._scratch: str | None = None
        if not fresh:
            self._scratch = tempfile.mkdtemp(prefix="crash-")
            path = str(Path(self._scratch) / "children.sock")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(path)
            self._listener.listen(4)
            self._listener.settimeout(30)
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "bench.crash_harness", "zygote", path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=self.cwd,
                env=env,
            )
            assert self._zygote.stdout is not None
            if self._zygote.stdout.readline().strip() != "zygote-ready":
                raise RuntimeError("the zygote did not start")

    def start(self, args: list[str]) -> Child:
        if self._zygote is None:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.crash_harness", *args],
                stdout=subprocess.PIPE,
                text=True,
                cwd=self.cwd,
                env=self.env,
            )
            assert process.stdout is not None
            return Child(process.pid, process.stdout, process)
        assert self._zygote.stdin is not None and self._zygote.stdout is not None
        assert self._listener is not None
        self._zygote.stdin.write(" ".join(args) + "\n")
        self._zygote.stdin.flush()
        pid = int(self._zygote.stdout.readline())
        connection, _ = self._listener.accept()
        return Child(pid, connection.makefile("r", encoding="utf-8"))

    def close(self) -> None:
        if self._zygote is not None:
            assert self._zygote.stdin is not None
            self._zygote.stdin.close()  # EOF: the zygote's loop ends
            self._zygote.wait(30)
            assert self._zygote.stdout is not None
            self._zygote.stdout.close()
        if self._listener is not None:
            self._listener.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def zygote(socket_path: str) -> None:
    """Import what children use, then fork one child per line of arguments on stdin; each
    child sends its report lines to `socket_path` instead of stdout."""
    for module in CHILD_MODULES:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped without a wait
    print("zygote-ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(socket_path)
                os.dup2(connection.fileno(), sys.stdout.fileno())
                connection.close()
                code = run_child(line.split())
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        print(pid, flush=True)
