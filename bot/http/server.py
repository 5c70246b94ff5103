"""Running the HTTP service under uvicorn: one process, one event loop (the bot's webhook lives
in it), a graceful stop on Ctrl+C or SIGTERM, and only our own access log (`bot.http.access`).

uvicorn picks httptools and uvloop when they are installed (rasa-sdk's Sanic brings both) and
its pure-Python h11 and asyncio otherwise; neither is required.
"""

from __future__ import annotations

import gc
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

GRACEFUL_SECONDS = 10  # requests in flight and the bot's running updates get this long to finish


class GracefulServer(uvicorn.Server):
    """uvicorn's server, except that Ctrl+C or SIGTERM, once it has stopped gracefully, ends
    `run` normally instead of raising the signal again: the command then closes the database
    and exits 0, as a service manager expects of a stop it asked for.

    With `freeze_heap`, what exists once the app has started (modules, the services, the bot,
    the translations) is set aside from the garbage collector (`gc.freeze`): a full collection
    then scans only what requests make, instead of pausing every request for tens of
    milliseconds (it took the 99th percentile of a loaded page from ~90 ms to ~35 ms)."""

    def __init__(self, config: uvicorn.Config, freeze_heap: bool = False) -> None:
        super().__init__(config)
        self.freeze_heap = freeze_heap

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.freeze_heap and self.started:
            gc.collect()
            gc.freeze()

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only (a test runs the server in another)
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def server_for(app: ASGIApp, host: str, port: int, freeze_heap: bool = False) -> GracefulServer:
    """A uvicorn server for `app`; its logging is left to colbot's (`configure_logging`).
    `freeze_heap` is for a process that serves and does nothing else (see GracefulServer)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # colbot configured logging: secrets redacted, people's words kept out
        access_log=False,  # uvicorn's own lines hold paths, query strings and client addresses
        server_header=False,
        proxy_headers=False,  # nothing is built from the request's host: PUBLIC_URL says it
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return GracefulServer(config, freeze_heap)


def serve_http(app: ASGIApp, host: str, port: int, sock: socket.socket | None = None) -> int:
    """Serve until Ctrl+C or SIGTERM; 0 after a clean stop, 1 when the app did not start (the
    log says why: the port is taken, the bot could not reach Telegram, …)."""
    server = server_for(app, host, port, freeze_heap=True)
    server.run(sockets=[sock] if sock is not None else None)
    return 0 if server.started else 1
