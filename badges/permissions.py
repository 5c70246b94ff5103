"""Who may act for an organisation's badges (award, revoke, make claim links, review evidence,
see who earned a badge): the one check every privileged use case makes. Until organisations
have roles of their own, the administrators of ADMIN_IDS act for every organisation, and the
command line (run on the server) acts as a platform administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from store.models import Organisation


@dataclass(frozen=True)
class Actor:
    """Who asks: a Telegram user, or the platform itself (the command line on the server)."""

    telegram_id: int | None = None
    platform: bool = False

    @classmethod
    def command_line(cls) -> Actor:
        return cls(platform=True)

    @classmethod
    def on_telegram(cls, telegram_id: int) -> Actor:
        return cls(telegram_id=telegram_id)


class Permissions:
    def __init__(self, admin_ids: frozenset[int]) -> None:
        self._admin_ids = frozenset(admin_ids)

    def may_act_for(
        self, session: Session, actor: Actor, organisation: Organisation | None
    ) -> bool:
        """Whether `actor` may act for `organisation`'s badges (None: a badge the deployment
        issues in its own name). The next issue adds organisations' own staff here."""
        del session, organisation  # organisation roles come with the next issue
        if actor.platform:
            return True
        return actor.telegram_id is not None and actor.telegram_id in self._admin_ids

    def reviewers(self, session: Session, organisation: Organisation | None) -> list[int]:
        """The Telegram ids of everyone who may act for `organisation` (to tell them of
        evidence waiting for a review)."""
        return [
            telegram_id
            for telegram_id in sorted(self._admin_ids)
            if self.may_act_for(session, Actor.on_telegram(telegram_id), organisation)
        ]
