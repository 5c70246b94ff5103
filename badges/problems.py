"""Why a badge use case refused: each a `BadgeProblem` whose message a front can show as is (the
command line prints it; the chat will word its own from the type)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple


class BadgeProblem(ValueError):
    """A use case could not do what was asked; nothing was changed."""


class NotAllowed(BadgeProblem):
    """The actor may not act for the badge's organisation."""


class UnknownOpportunity(BadgeProblem):
    pass


class UnknownBadge(BadgeProblem):
    """No badge class has that public id."""


class NoBadge(BadgeProblem):
    """The opportunity offers no badge."""


class UnknownAward(BadgeProblem):
    pass


class UnknownPerson(BadgeProblem):
    """Nobody with that Telegram id has written to the bot."""


class AlreadyHolds(BadgeProblem):
    """The person holds this badge already (an award not revoked)."""


class AlreadyRevoked(BadgeProblem):
    pass


class IssuerMissing(BadgeProblem):
    """The organisation has no public profile of its own and the deployment's issuer profile
    (ISSUER_NAME, ISSUER_URL, ISSUER_EMAIL) is not set."""


class BotUsernameMissing(BadgeProblem):
    """A claim link needs TELEGRAM_BOT_USERNAME."""


class BadInput(BadgeProblem):
    """A value given to a use case is not acceptable (a reason too long, an address that is not
    one, a number of uses out of range)."""


class EvidenceRefused(BadInput):
    """Evidence, or a reviewer's reason, that cannot be taken; `code` says why, for a front to
    word: "empty", "too_long", "too_large", "not_a_link", "not_storable", "no_file"."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class BadDate(BadInput):
    """A date that cannot be used; `code` says why, for a front to word: "not_date",
    "not_future"."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class BornExpired(BadInput):
    """An award whose expiry has passed already (evidence approved after the day its
    participants' list set, say): nothing is awarded."""

    def __init__(self, expired_at: datetime) -> None:
        self.expired_at = expired_at
        super().__init__(
            f"the award would expire on {expired_at:%Y-%m-%d %H:%M %Z}, which has passed: an award "
            "cannot expire before it is made"
        )


class Fault(NamedTuple):
    """One thing wrong with a participants' list: where (its line and field), what in English
    (`message`, as the command line prints it), and the same as a `code` with its `params` for a
    front to word in the reader's language: "not_csv", "not_utf8", "empty_list",
    "no_label_column", "too_many" (n), "empty", "too_long" (n), "not_storable", "not_email"
    (value), "not_date" (value), "not_future" (value), "repeats" (value, row: the line it repeats),
    "no_participant"."""

    line: int
    field: str
    message: str
    code: str = ""
    params: Mapping[str, str | int] = {}


class ParticipantsError(BadgeProblem):
    """A participants' list that cannot be used, every fault with its line and field; nothing was
    made."""

    def __init__(self, faults: list[Fault], more: int = 0) -> None:
        self.faults = faults
        self.more = more
        lines = [f"line {f.line}, field '{f.field}': {f.message}" for f in faults]
        if more:
            lines.append(f"… and {more} more")
        super().__init__("\n".join(lines))
