"""Why a badge use case refused: each a `BadgeProblem` whose message a front can show as is (the
command line prints it; the chat will word its own from the type)."""

from __future__ import annotations


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


class ParticipantsError(BadgeProblem):
    """A participants' list that cannot be used, every fault with its line and field; nothing was
    made."""

    def __init__(self, faults: list[tuple[int, str, str]], more: int = 0) -> None:
        self.faults = faults
        self.more = more
        lines = [f"line {line}, field '{field}': {message}" for line, field, message in faults]
        if more:
            lines.append(f"… and {more} more")
        super().__init__("\n".join(lines))
