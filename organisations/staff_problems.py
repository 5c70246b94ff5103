"""Why a staff or organisation use case did not do what was asked, in words the command line
prints as they are and the chat turns into its own polite sentences. (A refusal of the policy
is access.policy.Refused.)"""

from __future__ import annotations


class StaffProblem(Exception):
    """Something asked of the staff use cases cannot be done."""


class BadInput(StaffProblem):
    """A value given is not acceptable (a slug, an address, a role, a validity)."""


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
