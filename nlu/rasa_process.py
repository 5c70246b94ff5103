"""A Rasa server as a child process (for `make bench` and the integration test): started on a
free port on 127.0.0.1, waited for, and stopped."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "var" / "rasa" / "colbot-nlu.tar.gz"


class RasaUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RasaUnavailable(f"{what} stopped at start (exit {process.returncode})")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RasaUnavailable(f"{what} did not answer {url} within {seconds:.0f} s")


class RasaServer:
    """`with RasaServer() as url:` — the real Rasa server with colbot's trained NLU model."""

    def __init__(self, log: Path | None = None, startup_seconds: float = 240) -> None:
        if not RASA.exists() or not MODEL.exists():
            raise RasaUnavailable("the Rasa venv or model is missing: run 'make rasa-model'")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log
        self._startup = startup_seconds
        self.started_in = 0.0

    def __enter__(self) -> str:
        output = self._log.open("w") if self._log else subprocess.DEVNULL
        started = time.monotonic()
        self._process = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--enable-api",
                "--model",
                str(MODEL),
                "--port",
                str(self.port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=MODEL.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{self.url}/version", self._process, self._startup, "the Rasa server")
        except RasaUnavailable:
            self._stop()
            raise
        self.started_in = time.monotonic() - started
        return self.url

    def _stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop()
