"""The server's secret for claim codes: 32 random bytes in a file of DATA_DIR readable by its
owner only (0600), made on first start by whichever process comes first, never logged."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

SECRET_BYTES = 32


class ServerSecret:
    """The secret's bytes; its repr never shows them."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "<server secret>"

    __str__ = __repr__

    def __reduce__(self) -> object:
        raise TypeError("the server secret is not pickled")

    @property
    def value(self) -> bytes:
        return self._value


def server_secret(path: Path) -> ServerSecret:
    """The secret kept at `path`, made (atomically, 0600) when there is none."""
    if not path.exists():
        _make(path)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)
    raw = path.read_text(encoding="ascii").strip()
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise ValueError(f"{path.name} does not hold a secret (hex); move it away") from None
    if len(value) < 16:
        raise ValueError(f"{path.name} holds too short a secret; move it away")
    return ServerSecret(value)


def _make(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
