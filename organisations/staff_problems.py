"""Why a staff or organisation use case did not do what was asked, in words the command line
prints as they are and the chat turns into its own polite sentences. (A refusal of the policy
is access.policy.Refused.)"""

from __future__ import annotations

from enum import StrEnum


class StaffProblem(Exception):
    """Something asked of the staff use cases cannot be done."""


class Fault(StrEnum):
    """What is wrong with a value, for a front to say in its own words."""

    FORM = "form"  # not what it must look like (a slug, a web or e-mail address)
    REQUIRED = "required"  # empty
    LONG = "long"  # longer than its limit
    CONTROL = "control"  # holds control characters
    TAKEN = "taken"  # another organisation has it
    CITY = "city"  # the city's own slug


class BadInput(StaffProblem):
    """A value given is not acceptable (a slug, an address, a role, a validity). `field` names
    the value as the use case's argument does ("slug", "name", "url", "email", …; None: not
    one alone) and `fault` what is wrong with it, where the use case says (a chat explains it
    in the person's language and asks for that value again)."""

    def __init__(self, message: str, field: str | None = None, fault: Fault | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.fault = fault


class UnknownOrganisation(StaffProblem):
    """No organisation has that slug."""


class BotUsernameMissing(StaffProblem):
    """A deep link needs TELEGRAM_BOT_USERNAME."""


class NotOnStaff(StaffProblem):
    """That person is not on the organisation's staff."""


class LastAdministrator(StaffProblem):
    """Removing them would leave the organisation without an administrator."""


class InviteNotPending(StaffProblem):
    """That invitation is no longer open (used, withdrawn, expired), or is not the
    organisation's."""
