"""Badges rendered for people: the badge as a document (the baked PNG with its buttons), a
learner's list of badges, what became of a claim link, the ways to export a badge, giving one
up, evidence waiting for an administrator's review, and a rejection's reason. Telegram, the
terminal and the outbox share these."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from html import escape

from actions.messages import BadgeWallet, WalletItem
from badges.claims import (
    EVIDENCE_BYTES,
    REASON_LENGTH,
    TEXT_LENGTH,
    ClaimOutcome,
    ClaimStatus,
    Rejection,
    Review,
)
from badges.delivery import BadgeDelivery, BadgeFile, file_name, linkedin_url
from bot.callbacks import Button, callback
from bot.cards import Attachment, Choice, Rendered, pick
from bot.i18n import format_day, gettext_for, ngettext_for

EXPORT_FORMS = ("png", "ob3-jwt", "ob3-png")


def badge_title(name: dict[str, str], lang: str) -> str:
    """A badge's name in `lang`, as HTML."""
    return "<b>" + escape(pick(name, lang) or "?") + "</b>"


def delivery_card(delivery: BadgeDelivery, lang: str) -> Rendered:
    """The earned badge: the baked PNG as a document, a few words, and buttons to verify it,
    download its Open Badges 3.0 credential, share it and add it to a LinkedIn profile."""
    _ = gettext_for(lang)
    name = pick(delivery.badge_name, lang) or "badge"
    lines = [
        "🏅 " + badge_title(delivery.badge_name, lang),
        _("You have earned a badge from {issuer}. Congratulations!").format(
            issuer=escape(delivery.issuer_name)
        ),
        _(
            "This picture is your badge: the Open Badges data is inside it, so keep the file as "
            "it is. Badge wallets and backpacks can import it."
        ),
    ]
    if delivery.expires is not None:
        lines.append(_("Valid until {day}.").format(day=format_day(delivery.expires, lang)))
    lines.append(_("/mybadges lists your badges."))
    choices: list[list[Choice]] = []
    if delivery.linkable:
        linkedin = linkedin_url(
            name,
            delivery.issuer_name,
            delivery.issued_on,
            delivery.page_url,
            delivery.award_id,
        )
        choices = [
            [
                Choice("✅ " + _("Verify"), url=delivery.assertion_url),
                Choice("🔗 " + _("Share"), url=delivery.page_url),
            ],
            [
                Choice("⬇️ " + _("Open Badges 3.0"), url=delivery.credential_url),
                Choice("💼 " + _("Add to LinkedIn"), url=linkedin),
            ],
        ]
    attachment = Attachment(delivery.png, file_name(name, ".png"))
    return Rendered("\n".join(lines), choices, document=attachment)


def badge_file_card(found: BadgeFile, lang: str) -> Rendered:
    """One of the learner's exports, as a document named for the badge."""
    _ = gettext_for(lang)
    name = pick(found.badge_name, lang) or "badge"
    what = {
        "png": _("the picture with the Open Badges 2.0 data inside"),
        "ob3-jwt": _("the signed Open Badges 3.0 credential (a .jwt file)"),
        "ob3-png": _("the picture with the Open Badges 3.0 credential inside"),
    }[found.form]
    stem = name if found.form != "ob3-png" else f"{name} OB3"
    caption = badge_title(found.badge_name, lang) + ": " + what
    return Rendered(caption, document=Attachment(found.content, file_name(stem, found.ending)))


def wallet_card(message: BadgeWallet, lang: str) -> Rendered:
    """A page of the learner's badges, each with its buttons, and "more" when there are."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    head = ngettext("You have {n} badge", "You have {n} badges", message.total)
    parts = ["🏅 " + head.format(n=message.total)]
    choices: list[list[Choice]] = []
    for number, item in enumerate(message.items, start=message.offset + 1):
        parts.append("")
        parts.extend(wallet_lines(item, number, lang))
        hide = (
            Choice(f"👁 {number}", callback(Button.SHOW, item.award_id, message.offset))
            if item.hidden
            else Choice(f"🙈 {number}", callback(Button.HIDE, item.award_id, message.offset))
        )
        choices.append(
            [
                Choice(f"📩 {number}", callback(Button.RESEND, item.award_id)),
                Choice(f"📤 {number}", callback(Button.EXPORT, item.award_id)),
                hide,
                Choice(f"👤 {number}", callback(Button.SHOW, item.award_id, message.offset, "ask")),
                Choice(f"🗑 {number}", callback(Button.GIVE_UP, item.award_id)),
            ]
        )
    parts += [
        "",
        "<i>"
        + _(
            "📩 send it again · 📤 export · 🙈 hide from its public page · "
            "👁 show it there again · 👤 your name on that page · 🗑 give it up"
        )
        + "</i>",
    ]
    shown = message.offset + len(message.items)
    if shown < message.total:
        choices.append([Choice(_("More badges") + " ▶", callback(Button.WALLET, shown))])
    return Rendered("\n".join(parts), choices)


def wallet_lines(item: WalletItem, number: int, lang: str) -> list[str]:
    _ = gettext_for(lang)
    issued = format_day(datetime.fromisoformat(item.issued_on), lang)
    lines = [
        f"<b>{number}. {escape(pick(item.badge_name, lang) or '?')}</b>",
        f"{escape(item.issuer_name)} · {issued}",
    ]
    if item.expires:
        day = format_day(datetime.fromisoformat(item.expires), lang)
        if item.state == "expired":
            lines.append("⌛ " + _("Expired on {day}").format(day=day))
        else:
            lines.append("⌛ " + _("Valid until {day}").format(day=day))
    if item.hidden:
        lines.append("🙈 " + _("Hidden from its public page"))
    elif item.shows_name:
        lines.append("👤 " + _("Your name is on its public page"))
    return lines


def export_menu(name: dict[str, str], award_id: str, lang: str) -> Rendered:
    _ = gettext_for(lang)
    lines = [
        _("Export {badge} as:").format(badge=badge_title(name, lang)),
        "• PNG (Open Badges 2.0): "
        + _("the picture with the badge inside; most backpacks take it"),
        "• JWT (Open Badges 3.0): " + _("the signed credential, for newer wallets"),
        "• PNG (Open Badges 3.0): " + _("the picture with that credential inside"),
    ]
    labels = {
        "png": "🖼 PNG · OB 2.0",
        "ob3-jwt": "🔑 JWT · OB 3.0",
        "ob3-png": "🖼 PNG · OB 3.0",
    }
    row = [Choice(labels[form], callback(Button.EXPORT_AS, form, award_id)) for form in labels]
    return Rendered("\n".join(lines), [row])


def name_question(
    name: dict[str, str], award_id: str, offset: int, shows_name: bool, first_name: str, lang: str
) -> Rendered:
    """Whether the learner's name is to be on the badge's public page: shown only when they say
    yes here (their first name on Telegram), and taken off again here."""
    _ = gettext_for(lang)
    badge = badge_title(name, lang)
    if shows_name:
        text = _("Your name is on the public page of the badge {badge}.").format(badge=badge)
        off = Choice("🙈 " + _("Take my name off"), callback(Button.HIDE, award_id, offset, "name"))
        return Rendered(text, [[off]])
    text = (
        _("Show your name on the public page of the badge {badge}?").format(badge=badge)
        + "\n"
        + _(
            "It would read “{name}”, your first name on Telegram. Anyone who opens the page sees "
            "it; you can take it off again here."
        ).format(name=escape(first_name))
    )
    on = Choice("👤 " + _("Yes, show my name"), callback(Button.SHOW, award_id, offset, "name"))
    return Rendered(text, [[on]])


def give_up_question(name: dict[str, str], award_id: str, lang: str) -> Rendered:
    _ = gettext_for(lang)
    text = (
        _("Give up the badge {badge}?").format(badge=badge_title(name, lang))
        + "\n"
        + _(
            "It will be revoked: whoever checks it will see that it no longer stands, and it "
            "leaves your list. This cannot be undone."
        )
    )
    row = [
        Choice(_("Yes, give it up"), callback(Button.GIVE_UP_SURE, award_id)),
        Choice(_("No, keep it"), callback(Button.KEEP, award_id)),
    ]
    return Rendered(text, [row])


def retry_minutes(wait: timedelta | None) -> int:
    """Whole minutes to wait, rounded up (at least one)."""
    seconds = max(0.0, wait.total_seconds()) if wait is not None else 60.0
    return max(1, -int(-seconds // 60))


def claim_outcome_html(outcome: ClaimOutcome, lang: str) -> str:
    """What became of a claim link the person opened, in plain words."""
    _ = gettext_for(lang)
    badge = badge_title(outcome.badge_name, lang)
    status = outcome.status
    if status is ClaimStatus.AWARDED:
        return "🏅 " + _("The badge {badge} is yours! I am sending it to you now.").format(
            badge=badge
        )
    if status is ClaimStatus.NEEDS_EVIDENCE:
        return evidence_request(outcome.badge_name, lang)
    if status is ClaimStatus.PENDING_REVIEW:
        return _(
            "You have already sent evidence for the badge {badge}. The organiser will look at it, "
            "and I will tell you here."
        ).format(badge=badge)
    if status is ClaimStatus.ALREADY_HAS_IT:
        return _("You already have the badge {badge}. /mybadges shows it.").format(badge=badge)
    if status is ClaimStatus.USED:
        return _(
            "This badge link has already been used. If the badge should be yours, ask the "
            "organiser for a new link."
        )
    if status is ClaimStatus.EXPIRED:
        return _("This badge link has expired. Please ask the organiser for a new one.")
    if status is ClaimStatus.TOO_MANY_ATTEMPTS:
        minutes = retry_minutes(outcome.retry_after)
        ngettext = ngettext_for(lang)
        return ngettext(
            "Too many badge codes did not work. Please try again in {n} minute.",
            "Too many badge codes did not work. Please try again in {n} minutes.",
            minutes,
        ).format(n=minutes)
    return _(
        "I do not know this badge code. Check that you opened the whole link, or ask the "
        "organiser for a new one."
    )


def evidence_request(name: dict[str, str], lang: str) -> str:
    _ = gettext_for(lang)
    return (
        _("To earn the badge {badge}, show what you did.").format(badge=badge_title(name, lang))
        + "\n"
        + _(
            "Send a photo, a file, a link or a few sentences as your next message; the organiser "
            "will look at it. /cancel stops."
        )
    )


def evidence_problem_text(code: str, lang: str) -> str:
    """Why evidence was not taken (badges.claims.evidence_problem's code); nothing was kept."""
    _ = gettext_for(lang)
    if code == "too_large":
        megabytes = EVIDENCE_BYTES // (1024 * 1024)
        return _(
            "That file is too large: at most {mb} MB. Send a smaller one, a photo, a link or a "
            "few sentences."
        ).format(mb=megabytes)
    if code == "too_long":
        return _("That is too long: at most {n} characters. Please write it shorter.").format(
            n=TEXT_LENGTH
        )
    if code == "not_a_link":
        return _("That link does not work: send a whole address that starts with https://.")
    if code == "not_storable":
        return _(
            "Your message holds characters I cannot keep. Please write it again in plain text."
        )
    return _("Please send a photo, a file, a link or a few sentences. /cancel stops.")


def reason_problem_text(code: str, lang: str) -> str:
    _ = gettext_for(lang)
    if code == "too_long":
        return _("That is too long: at most {n} characters. Please write it shorter.").format(
            n=REASON_LENGTH
        )
    if code == "not_storable":
        return _(
            "Your message holds characters I cannot keep. Please write it again in plain text."
        )
    return _("Please write the reason in a few words. /cancel stops.")


def review_card(review: Review, lang: str, zone: tzinfo | None) -> Rendered:
    """Evidence for an administrator to review, with approve and reject (a photo or a file is
    sent with this as its caption)."""
    _ = gettext_for(lang)
    badge = badge_title(review.badge_name, lang)
    if review.organisation:
        badge += f" ({escape(review.organisation)})"
    sent = format_day(review.submitted_at.astimezone(zone), lang)
    lines = [
        "📝 <b>" + _("Evidence for a badge") + "</b>",
        _("Badge: {badge}").format(badge=badge),
        _("Sent: {day}").format(day=sent),
    ]
    if review.claim_label:
        lines.append(_("From: {who}").format(who=escape(review.claim_label)))
    if review.kind == "link" and review.url:
        lines += ["", escape(review.url)]
    elif review.kind == "text" and review.text:
        lines += ["", "<blockquote>" + escape(review.text) + "</blockquote>"]
    lines += [
        "",
        _("Approve it, and the learner gets the badge; reject it, and I ask you for the reason."),
    ]
    row = [
        Choice("✅ " + _("Approve"), callback(Button.APPROVE, review.submission_id)),
        Choice("❌ " + _("Reject"), callback(Button.REJECT, review.submission_id)),
    ]
    return Rendered("\n".join(lines), [row])


def rejection_card(rejection: Rejection, lang: str) -> Rendered:
    _ = gettext_for(lang)
    lines = [
        _("Your evidence for the badge {badge} was not accepted.").format(
            badge=badge_title(rejection.badge_name, lang)
        ),
        _("The organiser wrote: {reason}").format(reason="<i>" + escape(rejection.reason) + "</i>"),
        _("You can send new evidence: open the badge link again."),
    ]
    return Rendered("\n".join(lines))
