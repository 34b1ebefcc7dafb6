"""The central API served in this process on a free loopback port (a uvicorn thread): the one
live server the tests, the crash harness and the benchmarks start, so all of them talk real
HTTP to the same code the street office runs."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn
from sqlalchemy.engine import Engine

from sync.server import create_app


class LoopbackServer:
    """uvicorn serving `sync.server.create_app(engine, **app_options)` on 127.0.0.1."""

    def __init__(self, engine: Engine, *, log_level: str = "warning", **app_options: Any) -> None:
        # IPPROTO_TCP spelled out: asyncio turns Nagle off only on sockets whose proto says
        # TCP, and with it on every reply after the first on a connection waits ~40 ms for
        # the client's delayed ACK (uvicorn binding by host and port gets this right).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            create_app(engine, **app_options),
            log_level=log_level,
            lifespan="off",
            timeout_keep_alive=5,
            # A killed client's half-sent request must not hold up the shutdown.
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._socket.close()
