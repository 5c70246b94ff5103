"""The issuing keys: made on first start, kept in a directory of their own, rotated, published.

Layout of the directory (0700; every file 0600):
    keyring.json      {"current": KID, "keys": [{"kid": KID, "created": ISO}, ...]}
    KID.pem           one RSA-3072 private key (PKCS#8), for RS256
    .lock             serialises first start and rotation between processes

Rotation makes a new current key and keeps the old ones: they stay in the JWKS and at their
own URL, so credentials they signed still verify. Key material never appears in a repr, a
log line or an error message.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.jwk import RSAKey

from openbadges.model import iso
from openbadges.urls import PublicUrls

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
KEY_BITS = 3072
_MANIFEST = "keyring.json"
_PUBLIC_MEMBERS = ("kty", "n", "e")


class KeyRingError(RuntimeError):
    """The key directory cannot be used (unreadable, inconsistent); never carries key material."""


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created: str


class _PrivateKey:
    """A loaded private key. Its repr names the kid only."""

    __slots__ = ("_key", "kid")

    def __init__(self, kid: str, key: RSAKey) -> None:
        self.kid = kid
        self._key = key

    def __repr__(self) -> str:
        return f"<private key {self.kid}>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("private keys are not pickled")

    def sign(self, header: dict[str, Any], payload: bytes) -> str:
        return jws.serialize_compact(header, payload, self._key, algorithms=[ALGORITHM])

    def public_jwk(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        return {member: public[member] for member in _PUBLIC_MEMBERS}


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (a temporary file, then a rename)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        os.chmod(path, mode)
        log.warning("tightened the permissions of %s to %o", path.name, mode)


def _new_kid(now: datetime) -> str:
    return f"{now:%Y%m%d}-{secrets.token_hex(4)}"


class KeyRing:
    """The issuing keys in one directory; `open` makes the first key when there is none."""

    def __init__(self, directory: Path, infos: list[KeyInfo], current: str) -> None:
        self._directory = directory
        self._infos = infos
        self._current = current
        self._keys: dict[str, _PrivateKey] = {}
        for info in infos:
            self._keys[info.kid] = self._load(info.kid)
        if current not in self._keys:
            raise KeyRingError("the key ring's current key is not among its keys")
        self._stamp = self._manifest_stamp()

    def __repr__(self) -> str:
        return (
            f"KeyRing({str(self._directory)!r}, current={self._current!r}, keys={len(self._infos)})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a key ring is not pickled")

    # opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> KeyRing:
        """The key ring in `directory` (e.g. DATA_DIR/keys), made with a first key if empty."""
        path = Path(directory)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _tighten(path, 0o700)
        with cls._locked(path):
            if not (path / _MANIFEST).exists():
                cls._create_first(path)
            infos, current = cls._read_manifest(path)
        return cls(path, infos, current)

    @staticmethod
    @contextmanager
    def _locked(path: Path) -> Iterator[None]:
        fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @staticmethod
    def _create_first(path: Path) -> None:
        now = datetime.now(UTC)
        kid = _new_kid(now)
        KeyRing._make_key(path, kid)
        manifest = {"current": kid, "keys": [{"kid": kid, "created": iso(now)}]}
        _write_private(path / _MANIFEST, json.dumps(manifest, indent=2).encode())
        log.info("made the first issuing key %s", kid)

    @staticmethod
    def _make_key(path: Path, kid: str) -> None:
        key = RSAKey.generate_key(KEY_BITS, private=True)
        _write_private(path / f"{kid}.pem", key.as_pem(private=True))

    @staticmethod
    def _read_manifest(path: Path) -> tuple[list[KeyInfo], str]:
        manifest_path = path / _MANIFEST
        _tighten(manifest_path, 0o600)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            infos = [KeyInfo(str(k["kid"]), str(k["created"])) for k in manifest["keys"]]
            current = str(manifest["current"])
        except (OSError, ValueError, KeyError, TypeError):
            raise KeyRingError(f"{manifest_path} cannot be read as a key ring") from None
        if not infos:
            raise KeyRingError(f"{manifest_path} lists no keys")
        return infos, current

    def _load(self, kid: str) -> _PrivateKey:
        file = self._directory / f"{kid}.pem"
        try:
            _tighten(file, 0o600)
            key = RSAKey.import_key(file.read_bytes())
        except Exception:
            # the cause may quote the file: drop it
            raise KeyRingError(
                f"the key file {file.name} cannot be read as a private key"
            ) from None
        if not key.is_private:
            raise KeyRingError(f"the key file {file.name} holds no private key")
        return _PrivateKey(kid, key)

    def _manifest_stamp(self) -> tuple[int, int]:
        info = (self._directory / _MANIFEST).stat()
        return info.st_mtime_ns, info.st_size

    def reload_if_changed(self) -> bool:
        """Pick up a rotation made by another process (the CLI); True when something changed."""
        if self._manifest_stamp() == self._stamp:
            return False
        self._reload()
        return True

    def _reload(self) -> None:
        with self._locked(self._directory):
            infos, current = self._read_manifest(self._directory)
        fresh = KeyRing(self._directory, infos, current)
        self._infos, self._current = fresh._infos, fresh._current
        self._keys, self._stamp = fresh._keys, fresh._stamp

    # using -----------------------------------------------------------------------------------
    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def current_kid(self) -> str:
        """The key that signs now (its id; the JOSE `kid` is `PublicUrls.key(current_kid)`)."""
        return self._current

    @property
    def kids(self) -> tuple[str, ...]:
        """Every key still published, oldest first."""
        return tuple(info.kid for info in self._infos)

    def rotate(self) -> str:
        """Make a new current key; the old ones stay published. Returns the new kid."""
        now = datetime.now(UTC)
        with self._locked(self._directory):
            infos, _ = self._read_manifest(self._directory)
            kid = _new_kid(now)
            self._make_key(self._directory, kid)
            infos.append(KeyInfo(kid, iso(now)))
            manifest = {
                "current": kid,
                "keys": [{"kid": i.kid, "created": i.created} for i in infos],
            }
            _write_private(self._directory / _MANIFEST, json.dumps(manifest, indent=2).encode())
        self._reload()
        log.info("rotated the issuing key: %s is now current", kid)
        return kid

    def sign(self, payload: bytes, urls: PublicUrls) -> str:
        """A compact JWS of `payload` with the current key; the header is exactly {alg, kid}."""
        key = self._keys[self._current]
        return key.sign({"alg": ALGORITHM, "kid": urls.key(key.kid)}, payload)

    def public_jwk(self, kid: str, urls: PublicUrls) -> dict[str, Any] | None:
        """One key's public JWK (what its kid URL returns); None for a key this ring lacks."""
        key = self._keys.get(kid)
        if key is None:
            return None
        return {**key.public_jwk(), "kid": urls.key(kid), "alg": ALGORITHM, "use": "sig"}

    def jwks(self, urls: PublicUrls) -> dict[str, Any]:
        """All public keys, newest first, as a JWK Set."""
        keys = [self.public_jwk(kid, urls) for kid in reversed(self.kids)]
        return {"keys": [key for key in keys if key is not None]}
