"""What every badge use case works with, built once by the wiring (bot/services.py): the
database, the clock, the public URLs, the issuing keys, the claim codes' secret, who may act,
who issues, and how the outbox's structured messages are written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from access.policy import Policy
from badges.issuers import Issuers
from badges.secret import ServerSecret
from index.when import Clock
from openbadges import KeyRing, PublicUrls
from store.badges import StatusPlaces
from store.db import Database

KEY_CHECK_EVERY = 1.0  # seconds between looks at the key ring's manifest (a rotation by the CLI)


class BadgeMessages(Protocol):
    """The structured messages (actions.messages, as JSON) the outbox keeps for a learner."""

    def badge_earned(self, award_id: str) -> list[dict[str, Any]]: ...

    def badges_issued_again(self, award_ids: list[str]) -> list[dict[str, Any]]:
        """The awards issued again (a new salt and hash, or a new expiry): a word that the files
        sent before are replaced, then each award as it is sent (its new baked PNG)."""
        ...

    def evidence_rejected(self, submission_id: int) -> list[dict[str, Any]]: ...


@dataclass
class BadgeContext:
    database: Database
    clock: Clock
    urls: PublicUrls
    keys_dir: Path
    secret: ServerSecret = field(repr=False)
    permissions: Policy
    issuers: Issuers
    messages: BadgeMessages
    bot_username: str | None = None
    # seconds that only ever go forward: the key ring's and the publisher's caches count in
    # them (a test moves its own)
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)
    # what this process knows of the issuers' status lists (store.badges.free_places)
    status_places: StatusPlaces = field(default_factory=StatusPlaces, repr=False)
    _keyring: KeyRing | None = field(default=None, repr=False)
    _key_checked: float = field(default=0.0, repr=False)
    _key_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def keyring(self) -> KeyRing:
        """The issuing keys, opened (and on first start made) on first use, and a rotation made
        by another process picked up within KEY_CHECK_EVERY seconds."""
        with self._key_lock:
            if self._keyring is None:
                self._keyring = KeyRing.open(self.keys_dir)
                self._key_checked = self.monotonic()
            elif self.monotonic() - self._key_checked >= KEY_CHECK_EVERY:
                self._key_checked = self.monotonic()
                self._keyring.reload_if_changed()
            return self._keyring

    def deep_link(self, payload: str) -> str | None:
        """The Telegram deep link that starts the bot with `payload`; None without a username."""
        if not self.bot_username:
            return None
        return f"https://t.me/{self.bot_username}?start={payload}"
