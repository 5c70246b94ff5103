"""Claim codes: the secret in a badge's claim link, kept only as a hash.

A code is 32 characters of A-Z a-z 0-9 _ - (192 random bits), short enough to ride in a
Telegram deep link (`?start=` takes at most 64 of those characters) with room for a prefix.
The store keeps `hash_code(code)` (an HMAC with the server's secret when one is given); a
presented code is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CODE_BYTES = 24  # 192 bits → 32 base64url characters
ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
MAX_LENGTH = 64


def new_code() -> str:
    """A fresh claim code."""
    return secrets.token_urlsafe(CODE_BYTES)


def is_well_formed(code: str) -> bool:
    """Whether a presented code could be one of ours (alphabet and length), before any lookup."""
    return 22 <= len(code) <= MAX_LENGTH and ALPHABET.fullmatch(code) is not None


def hash_code(code: str, secret: bytes | None = None) -> str:
    """What the store keeps of a code: hex HMAC-SHA-256 with `secret`, or plain SHA-256."""
    data = code.encode("utf-8")
    if secret:
        return hmac.new(secret, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def matches(code: str, stored_hash: str, secret: bytes | None = None) -> bool:
    """Whether a presented code is the one whose hash was stored (constant-time comparison)."""
    presented = hash_code(code, secret)
    return hmac.compare_digest(presented.encode("ascii"), stored_hash.encode("ascii", "replace"))
