"""The HTTP service's access log, with nothing in it about people: each line is the method, the
route's pattern (`/ob/assertions/{award_id}`, never the id of an award or a person), the status
and the time taken. No query string, no client address, no header, no secret."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOGGER = "colbot.http.access"
UNROUTED = "(no route)"  # a path we do not serve is not written down: it may hold anything


class AccessLog:
    """ASGI middleware writing one line per request to the `colbot.http.access` logger (INFO)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.log = logger or logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            pattern = getattr(route, "path", None) or UNROUTED
            elapsed = (time.perf_counter() - started) * 1000
            self.log.info("%s %s %d %.1f ms", scope["method"], pattern, status, elapsed)
