"""Claim links: an administrator makes a code for a badge (one person's, or shared by a few for a
while; one per participant from a list), a learner presents it through the bot's deep link and
gets the badge, or is asked for evidence, or is told plainly why not. Codes are kept only as an
HMAC with the server's secret and compared in constant time; a person who guesses is stopped
after MAX_FAILED failures in WINDOW. Evidence waits for the organisation's review: approved, it
becomes an award; rejected, the learner reads the reason."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability
from badges import awarding
from badges.context import BadgeContext
from badges.problems import (
    AlreadyHolds,
    BadDate,
    BadInput,
    BotUsernameMissing,
    EvidenceRefused,
    Fault,
    NotAllowed,
    ParticipantsError,
)
from openbadges import Evidence, codes, images
from store import badges as store_badges
from store import claims as store_claims
from store import outbox, usage
from store.models import BadgeClass, Claim, EvidenceSubmission, Person

START_PREFIX = "badge-"  # a claim's deep link: ?start=badge-<code>
MAX_FAILED = 5  # failed attempts (unknown codes) a person may make in WINDOW
WINDOW = timedelta(minutes=10)
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 366
MAX_USES = 10_000
MAX_PARTICIPANTS = 10_000
MAX_BATCH = 100  # one-use links made at once by a count (not a list)
MAX_REPORTED = 20
EVIDENCE_KINDS = ("photo", "file", "link", "text")
TEXT_LENGTH = 2000
LINK_LENGTH = 500
FILE_ID_LENGTH = 200
# The largest photo or file taken as evidence: the largest a bot may fetch from Telegram, so
# that whoever reviews it can always be sent it.
EVIDENCE_BYTES = 20 * 1024 * 1024
REASON_LENGTH = 500
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
LABEL_LENGTH = 200
LABEL_COLUMNS = ("label", "participant", "name")
EMAIL_COLUMNS = ("email", "e-mail", "mail")
EXPIRES_COLUMNS = ("expires", "expiry", "expires_at")

Tick = Callable[[int], None]


class ClaimStatus(StrEnum):
    """What became of a presented code; the chat words each one."""

    AWARDED = "awarded"
    NEEDS_EVIDENCE = "needs_evidence"  # send evidence (submit_evidence) to earn it
    PENDING_REVIEW = "pending_review"  # evidence sent: the organisation will review it
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # try again later (retry_after)
    ALREADY_HAS_IT = "already_has_it"


@dataclass(frozen=True)
class ClaimOutcome:
    status: ClaimStatus
    badge_id: str | None = None
    badge_name: dict[str, str] = field(default_factory=dict)
    award_id: str | None = None
    submission_id: int | None = None
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class ClaimLink:
    link: str
    code: str  # shown once, never stored
    valid_until: datetime | None
    max_uses: int
    needs_evidence: bool

    def qr_png(self) -> bytes:
        return images.qr_png(self.link)


@dataclass(frozen=True)
class ParticipantLink:
    line: int
    label: str
    email: str | None
    link: str
    expires_at: datetime | None = None  # when the award it gives expires (the list's `expires`)


@dataclass(frozen=True)
class Participant:
    """One row of a participants' list: its line, who it is, the e-mail address their award is
    hashed with and when it expires (both optional)."""

    line: int
    label: str
    email: str | None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Rejection:
    """Why a learner's evidence was not accepted, for the learner to read."""

    submission_id: int
    badge_id: str
    badge_name: dict[str, str]
    reason: str


@dataclass(frozen=True)
class Review:
    """A submission for the organisation's administrators to review."""

    submission_id: int
    badge_id: str
    badge_name: dict[str, str]
    organisation: str | None
    claim_label: str | None
    kind: str
    text: str | None
    url: str | None
    telegram_file_id: str | None
    submitted_at: datetime


def code_from_start(payload: str) -> str | None:
    """The claim code in a /start payload (`badge-<code>`), or None when it is something else."""
    if not payload.startswith(START_PREFIX):
        return None
    return payload[len(START_PREFIX) :]


def _name(badge: BadgeClass) -> dict[str, str]:
    return {lang: text for lang, text in (("sl", badge.name_sl), ("en", badge.name_en)) if text}


def _link(ctx: BadgeContext, code: str) -> str:
    link = ctx.deep_link(START_PREFIX + code)
    if link is None:
        raise BotUsernameMissing(
            "claim links need the bot's username: set TELEGRAM_BOT_USERNAME (without the @)"
        )
    return link


def _can_link(ctx: BadgeContext) -> None:
    _link(ctx, "")


def _valid_until(now: datetime, valid_days: int | None) -> datetime:
    days = DEFAULT_VALID_DAYS if valid_days is None else valid_days
    if not 1 <= days <= MAX_VALID_DAYS:
        raise BadInput(f"a claim link is valid for 1-{MAX_VALID_DAYS} days")
    return now + timedelta(days=days)


def _new_claim(
    ctx: BadgeContext,
    badge: BadgeClass,
    uses: int,
    valid_until: datetime,
    needs_evidence: bool,
    actor: Actor,
    now: datetime,
    label: str | None = None,
    email: str | None = None,
    award_expires_at: datetime | None = None,
) -> tuple[Claim, str]:
    code = codes.new_code()
    claim = Claim(
        code_hash=codes.hash_code(code, ctx.secret.value),
        badge_class_id=badge.id,
        max_uses=uses,
        uses=0,
        valid_until=valid_until,
        needs_evidence=needs_evidence,
        label=label,
        email=email,
        award_expires_at=award_expires_at,
        created_by=actor.telegram_id,
        created_at=now,
    )
    return claim, code


def make_claim_link(
    ctx: BadgeContext,
    actor: Actor,
    opportunity_id: str,
    uses: int = 1,
    valid_days: int | None = None,
    needs_evidence: bool = False,
    label: str | None = None,
) -> ClaimLink:
    """A claim link for an opportunity's badge: one person's (`uses` 1) or shared by `uses`
    people, valid for `valid_days` (DEFAULT_VALID_DAYS unless given)."""
    _can_link(ctx)
    if not 1 <= uses <= MAX_USES:
        raise BadInput(f"a claim link has 1-{MAX_USES} uses")
    if label is not None and len(awarding.storable(label, "the label")) > LABEL_LENGTH:
        raise BadInput(f"a label is at most {LABEL_LENGTH} characters")
    now = ctx.clock()
    valid_until = _valid_until(now, valid_days)
    with ctx.database.session() as session:
        _opportunity, badge = awarding.badge_of(session, opportunity_id, now)
        awarding.require(ctx, session, actor, badge)
        ctx.issuers.profile_for(badge.organisation)  # can it be issued at all?
        claim, code = _new_claim(ctx, badge, uses, valid_until, needs_evidence, actor, now, label)
        link = _link(ctx, code)
        session.add(claim)
        _audit_links(session, actor, badge, now, 1, uses, valid_until, needs_evidence)
    return ClaimLink(link, code, valid_until, uses, needs_evidence)


def _audit_links(
    session: Session,
    actor: Actor,
    badge: BadgeClass,
    now: datetime,
    links: int,
    uses: int,
    valid_until: datetime,
    needs_evidence: bool,
) -> None:
    """Claim links made, in the audit log: how many and how they may be used, never a code."""
    audit.record(
        session,
        actor,
        "badge.claim_link",
        at=now,
        organisation_id=badge.organisation_id,
        target=badge.public_id,
        details={
            "links": links,
            "uses": uses,
            "valid_until": valid_until.isoformat(),
            "evidence": needs_evidence,
        },
    )


def make_claim_links(
    ctx: BadgeContext,
    actor: Actor,
    opportunity_id: str,
    count: int,
    valid_days: int | None = None,
    needs_evidence: bool = False,
) -> list[ClaimLink]:
    """`count` one-use claim links for an opportunity's badge, one per participant (labelled
    1, 2, …), all in one transaction."""
    _can_link(ctx)
    if not 1 <= count <= MAX_BATCH:
        raise BadInput(f"make 1-{MAX_BATCH} links at once")
    now = ctx.clock()
    valid_until = _valid_until(now, valid_days)
    links: list[ClaimLink] = []
    with ctx.database.session() as session:
        _opportunity, badge = awarding.badge_of(session, opportunity_id, now)
        awarding.require(ctx, session, actor, badge)
        ctx.issuers.profile_for(badge.organisation)
        for number in range(1, count + 1):
            claim, code = _new_claim(
                ctx, badge, 1, valid_until, needs_evidence, actor, now, str(number)
            )
            session.add(claim)
            links.append(ClaimLink(_link(ctx, code), code, valid_until, 1, needs_evidence))
        _audit_links(session, actor, badge, now, count, 1, valid_until, needs_evidence)
    return links


def links_csv(links: list[ParticipantLink]) -> str:
    """A participants' claim links as CSV: `line,label,email,link,expires`, a header first
    (`expires`: the day the award expires, as the list gave it, or empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "label", "email", "link", "expires"])
    for item in links:
        expires = item.expires_at.date().isoformat() if item.expires_at else ""
        writer.writerow([item.line, item.label, item.email or "", item.link, expires])
    return out.getvalue()


def read_participants(text: str, now: datetime, tick: Tick | None = None) -> list[Participant]:
    """The participants of a CSV list (a header naming a `label` column, and optionally an
    `email` and an `expires` one: an ISO date after today, see awarding.expiry_of); every fault
    is named by line and field, in English and as a code a front words (problems.Fault)."""
    faults: list[Fault] = []
    more = 0

    def fault(line: int, column: str, message: str, code: str, **params: str | int) -> None:
        nonlocal more
        if len(faults) < MAX_REPORTED:
            faults.append(Fault(line, column, message, code, params))
        else:
            more += 1

    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ParticipantsError([Fault(1, "(line)", f"is not CSV ({error})", "not_csv")]) from None
    if header is None:
        empty = "the list is empty: give a header and a row each"
        raise ParticipantsError([Fault(1, "(line)", empty, "empty_list")])
    names = [name.strip().lower() for name in header]
    label_at = next((names.index(n) for n in LABEL_COLUMNS if n in names), None)
    email_at = next((names.index(n) for n in EMAIL_COLUMNS if n in names), None)
    expires_at_column = next((names.index(n) for n in EXPIRES_COLUMNS if n in names), None)
    if label_at is None:
        needs = "needs a 'label' column (who each row is)"
        raise ParticipantsError([Fault(1, "(header)", needs, "no_label_column")])
    label_field = header[label_at].strip()
    participants: list[Participant] = []
    seen: dict[str, int] = {}
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if tick:
                tick(1)
            if not any(cell.strip() for cell in row):
                continue
            if len(participants) >= MAX_PARTICIPANTS:
                most = f"a list has at most {MAX_PARTICIPANTS} participants"
                fault(line, "(line)", most, "too_many", n=MAX_PARTICIPANTS)
                break
            label = row[label_at].strip() if label_at < len(row) else ""
            if not label:
                fault(line, label_field, "is empty", "empty")
                continue
            if len(label) > LABEL_LENGTH:
                longer = f"is longer than {LABEL_LENGTH} characters"
                fault(line, label_field, longer, "too_long", n=LABEL_LENGTH)
                continue
            try:
                awarding.storable(label, "the label")
            except BadInput as error:
                fault(line, label_field, str(error), "not_storable")
                continue
            email: str | None = None
            if email_at is not None and email_at < len(row) and row[email_at].strip():
                cell, field_name = row[email_at], header[email_at].strip()
                try:
                    awarding.storable(cell, "the e-mail address")
                except BadInput as error:
                    fault(line, field_name, str(error), "not_storable")
                    continue
                try:
                    email = awarding.checked_email(cell)
                except BadInput as error:
                    fault(line, field_name, str(error), "not_email", value=cell.strip()[:60])
                    continue
            expires: datetime | None = None
            at = expires_at_column
            if at is not None and at < len(row) and row[at].strip():
                cell, field_name = row[at].strip(), header[at].strip()
                try:
                    expires = awarding.expiry_of(cell, now)
                except BadDate as error:
                    fault(line, field_name, str(error), error.code, value=cell[:40])
                    continue
                except BadInput as error:
                    fault(line, field_name, str(error), "not_storable")
                    continue
            first = seen.setdefault(label, line)
            if first != line:
                repeats = f"'{label[:40]}' repeats line {first}"
                fault(line, label_field, repeats, "repeats", value=label[:40], row=first)
                continue
            participants.append(Participant(line, label, email, expires))
    except csv.Error as error:
        fault(reader.line_num or line, "(line)", f"is not CSV ({error})", "not_csv")
    if faults:
        raise ParticipantsError(faults, more)
    if not participants:
        none = "no participant is listed"
        raise ParticipantsError([Fault(2, label_field, none, "no_participant")])
    return participants


def claim_links_for_participants(
    ctx: BadgeContext,
    actor: Actor,
    opportunity_id: str,
    text: str,
    valid_days: int | None = None,
    needs_evidence: bool = False,
    tick: Tick | None = None,
) -> list[ParticipantLink]:
    """A one-use claim link for each participant of a CSV list, all in one transaction: a
    broken row is named (line and field) and nothing is made."""
    _can_link(ctx)
    now = ctx.clock()
    participants = read_participants(text, now, tick)
    valid_until = _valid_until(now, valid_days)
    links: list[ParticipantLink] = []
    with ctx.database.session() as session:
        _opportunity, badge = awarding.badge_of(session, opportunity_id, now)
        awarding.require(ctx, session, actor, badge)
        ctx.issuers.profile_for(badge.organisation)
        for one in participants:
            claim, code = _new_claim(
                ctx,
                badge,
                1,
                valid_until,
                needs_evidence,
                actor,
                now,
                one.label,
                one.email,
                one.expires_at,
            )
            links.append(
                ParticipantLink(one.line, one.label, one.email, _link(ctx, code), one.expires_at)
            )
            session.add(claim)
        _audit_links(session, actor, badge, now, len(links), 1, valid_until, needs_evidence)
    return links


# ---- presenting a code ---------------------------------------------------------------------------
def _check(
    ctx: BadgeContext, session: Session, person: Person, code: str, now: datetime
) -> tuple[ClaimOutcome | None, Claim | None]:
    """The presented code's claim, or the outcome that ends the attempt here."""
    since = now - WINDOW
    if store_claims.failed_attempts(session, person.id, since) >= MAX_FAILED:
        oldest = store_claims.oldest_failure(session, person.id, since) or now
        return ClaimOutcome(ClaimStatus.TOO_MANY_ATTEMPTS, retry_after=oldest + WINDOW - now), None
    claim = None
    if codes.is_well_formed(code):
        found = store_claims.by_code_hash(session, codes.hash_code(code, ctx.secret.value))
        if found is not None and codes.matches(code, found.code_hash, ctx.secret.value):
            claim = found
    store_claims.note_attempt(session, person.id, now, ok=claim is not None)
    if claim is None:
        return ClaimOutcome(ClaimStatus.UNKNOWN), None
    return _still_open(session, person, claim, now)


def _still_open(
    session: Session, person: Person, claim: Claim, now: datetime
) -> tuple[ClaimOutcome | None, Claim | None]:
    """The claim, if the person may still use it now, or the outcome that ends it here."""
    badge = claim.badge_class
    named = {"badge_id": badge.public_id, "badge_name": _name(badge)}
    if claim.valid_until is not None and claim.valid_until <= now:
        return ClaimOutcome(ClaimStatus.EXPIRED, **named), None
    if claim.award_expires_at is not None and claim.award_expires_at <= now:
        return ClaimOutcome(ClaimStatus.EXPIRED, **named), None  # its award would have expired
    if store_badges.holds(session, person.id, badge.id):
        return ClaimOutcome(ClaimStatus.ALREADY_HAS_IT, **named), None
    if claim.needs_evidence and store_claims.pending_submission(session, claim.id, person.id):
        return ClaimOutcome(ClaimStatus.PENDING_REVIEW, **named), None
    if claim.uses >= claim.max_uses:
        return ClaimOutcome(ClaimStatus.USED, **named), None
    return None, claim


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise BadInput("that person is not known (forgotten?)")
    return person


def redeem(ctx: BadgeContext, person_id: int, code: str) -> ClaimOutcome:
    """A learner presents a code: the badge is theirs, or evidence is asked for, or the outcome
    says plainly why not."""
    try:
        return _redeem_now(ctx, person_id, code)
    except AlreadyHolds:  # the link opened twice at once: the other made the award, undone here
        return _redeem_now(ctx, person_id, code)  # … and now says they have it


def _redeem_now(ctx: BadgeContext, person_id: int, code: str) -> ClaimOutcome:
    now = ctx.clock()
    with ctx.database.session() as session:
        person = _person(session, person_id)
        outcome = _redeem(ctx, session, person, code, now)
        if outcome.status not in (ClaimStatus.NEEDS_EVIDENCE, ClaimStatus.TOO_MANY_ATTEMPTS):
            store_claims.stop_awaiting(session, person.id)  # another link: the last one counts
        return outcome


def _redeem(
    ctx: BadgeContext, session: Session, person: Person, code: str, now: datetime
) -> ClaimOutcome:
    refused, claim = _check(ctx, session, person, code.strip(), now)
    if refused is not None:
        return refused
    assert claim is not None
    badge = claim.badge_class
    named = {"badge_id": badge.public_id, "badge_name": _name(badge)}
    if claim.needs_evidence:  # remembered, so that a restart of the bot forgets nothing
        store_claims.ask_evidence(session, person.id, claim.id, now)
        return ClaimOutcome(ClaimStatus.NEEDS_EVIDENCE, **named)
    if not store_claims.take_use(session, claim.id):
        return ClaimOutcome(ClaimStatus.USED, **named)
    awarding.count(session, badge, usage.CLAIMED, now)
    issued = awarding.issue(ctx, session, badge, person, now, claim=claim)
    store_claims.forget_email_when_used_up(session, claim.id)
    return ClaimOutcome(ClaimStatus.AWARDED, award_id=issued.award_id, **named)


def awaited_evidence(ctx: BadgeContext, person_id: int) -> dict[str, str] | None:
    """The name of the badge whose claim waits for this person's evidence, if one does."""
    with ctx.database.session() as session:
        claim = store_claims.awaited_claim(session, person_id)
        return _name(claim.badge_class) if claim is not None else None


def stop_awaiting_evidence(ctx: BadgeContext, person_id: int) -> bool:
    """The learner no longer sends evidence (/cancel); False when no claim waited for it."""
    with ctx.database.session() as session:
        return store_claims.stop_awaiting(session, person_id)


def evidence_of_text(text: str) -> tuple[str, str | None, str | None]:
    """A learner's written evidence as (kind, text, url): a link when the message is one
    address, otherwise a few sentences."""
    stripped = text.strip()
    if _LINK.fullmatch(stripped):
        return "link", None, stripped
    return "text", stripped, None


def evidence_problem(
    kind: str,
    text: str | None = None,
    url: str | None = None,
    telegram_file_id: str | None = None,
    file_size: int | None = None,
) -> EvidenceRefused | None:
    """Why this evidence cannot be taken, before anything is stored (None: it can)."""
    if kind not in EVIDENCE_KINDS:
        return EvidenceRefused("empty", f"evidence is one of {', '.join(EVIDENCE_KINDS)}")
    for value, what in ((text, "the evidence"), (url, "the link"), (telegram_file_id, "the file")):
        try:
            awarding.storable(value or "", what)
        except BadInput as error:
            return EvidenceRefused("not_storable", str(error))
    text, url = (text or "").strip(), (url or "").strip()
    if kind == "text" and not text:
        return EvidenceRefused("empty", "send a few sentences")
    if kind == "link" and not (_LINK.fullmatch(url) and len(url) <= LINK_LENGTH):
        return EvidenceRefused(
            "not_a_link", f"a link starts with https:// or http:// (at most {LINK_LENGTH})"
        )
    if len(text) > TEXT_LENGTH:
        return EvidenceRefused("too_long", f"evidence is at most {TEXT_LENGTH} characters")
    if kind in ("photo", "file"):
        if not telegram_file_id or len(telegram_file_id) > FILE_ID_LENGTH:
            return EvidenceRefused("no_file", "a photo or a file needs its Telegram file id")
        if file_size is not None and file_size > EVIDENCE_BYTES:
            return EvidenceRefused("too_large", f"a file is at most {EVIDENCE_BYTES} bytes")
    return None


def reason_problem(reason: str) -> EvidenceRefused | None:
    """Why a reviewer's reason for a rejection cannot be taken (None: it can)."""
    try:
        awarding.storable(reason, "the reason")
    except BadInput as error:
        return EvidenceRefused("not_storable", str(error))
    words = " ".join(reason.split())
    if not words:
        return EvidenceRefused("empty", "give a reason")
    if len(words) > REASON_LENGTH:
        return EvidenceRefused("too_long", f"a reason is at most {REASON_LENGTH} characters")
    return None


def submit_evidence(
    ctx: BadgeContext,
    person_id: int,
    code: str | None,
    kind: str,
    text: str | None = None,
    url: str | None = None,
    telegram_file_id: str | None = None,
    file_size: int | None = None,
) -> ClaimOutcome:
    """A learner sends evidence for a claim that asks for it (a photo or a file by its Telegram
    file id, a link, or a few sentences): it waits for the organisation's review. The claim is
    the code's, or (code None) the one that asked them for evidence when they opened its link.
    Evidence that cannot be taken (`evidence_problem`) is refused with `EvidenceRefused` before
    anything is stored."""
    problem = evidence_problem(kind, text, url, telegram_file_id, file_size)
    if problem is not None:
        raise problem
    text = (text or "").strip() or None
    url = (url or "").strip() or None
    telegram_file_id = telegram_file_id or None
    now = ctx.clock()
    with ctx.database.session() as session:
        person = _person(session, person_id)
        if code is None:
            awaited = store_claims.awaited_claim(session, person.id)
            if awaited is None:
                return ClaimOutcome(ClaimStatus.UNKNOWN)
            refused, claim = _still_open(session, person, awaited, now)
        else:
            refused, claim = _check(ctx, session, person, code.strip(), now)
        store_claims.stop_awaiting(session, person.id)  # answered, or no longer open
        if refused is not None:
            return refused
        assert claim is not None
        badge = claim.badge_class
        named = {"badge_id": badge.public_id, "badge_name": _name(badge)}
        if not claim.needs_evidence:  # nothing to review: the badge is theirs
            if not store_claims.take_use(session, claim.id):
                return ClaimOutcome(ClaimStatus.USED, **named)
            awarding.count(session, badge, usage.CLAIMED, now)
            issued = awarding.issue(ctx, session, badge, person, now, claim=claim)
            store_claims.forget_email_when_used_up(session, claim.id)
            return ClaimOutcome(ClaimStatus.AWARDED, award_id=issued.award_id, **named)
        if not store_claims.take_use(session, claim.id):  # held until the review
            return ClaimOutcome(ClaimStatus.USED, **named)
        awarding.count(session, badge, usage.CLAIMED, now)
        submission = EvidenceSubmission(
            claim_id=claim.id,
            person_id=person.id,
            kind=kind,
            text=text if kind != "link" else None,
            url=url if kind == "link" else None,
            telegram_file_id=telegram_file_id if kind in ("photo", "file") else None,
            status=store_claims.PENDING,
            submitted_at=now,
        )
        session.add(submission)
        session.flush()
        return ClaimOutcome(ClaimStatus.PENDING_REVIEW, submission_id=submission.id, **named)


# ---- reviewing evidence --------------------------------------------------------------------------
def _review(item: EvidenceSubmission) -> Review:
    badge = item.claim.badge_class
    return Review(
        item.id,
        badge.public_id,
        _name(badge),
        badge.organisation.name if badge.organisation else None,
        item.claim.label,
        item.kind,
        item.text,
        item.url,
        item.telegram_file_id,
        item.submitted_at,
    )


def pending_reviews(ctx: BadgeContext, actor: Actor, limit: int = 20) -> list[Review]:
    """The evidence waiting for a review that `actor` may review, oldest first."""
    with ctx.database.session() as session:
        found = []
        for item in store_claims.pending_submissions(session, max(limit, 1) * 5):
            badge = item.claim.badge_class
            if not ctx.permissions.may(session, actor, Capability.AWARD, badge.organisation):
                continue
            found.append(_review(item))
            if len(found) >= limit:
                break
        return found


def review_of(ctx: BadgeContext, actor: Actor, submission_id: int) -> Review:
    """One submission waiting for `actor`'s review (NotAllowed when they may not review it,
    BadInput when it waits for no review)."""
    with ctx.database.session() as session:
        return _review(_reviewable(ctx, session, actor, submission_id))


def for_review(ctx: BadgeContext, submission_id: int) -> tuple[Review, list[int]] | None:
    """A submission just sent, and the Telegram ids of everyone who may review it (to tell
    them); None when it waits for no review."""
    with ctx.database.session() as session:
        item = store_claims.submission(session, submission_id)
        if item is None or item.status != store_claims.PENDING:
            return None
        organisation = item.claim.badge_class.organisation
        return _review(item), ctx.permissions.telegram_ids_who_may(
            session, Capability.AWARD, organisation
        )


def rejection(ctx: BadgeContext, submission_id: int) -> Rejection | None:
    """What a learner reads of their rejected evidence; None when it was not rejected (or is
    gone)."""
    with ctx.database.session() as session:
        item = store_claims.submission(session, submission_id)
        if item is None or item.status != store_claims.REJECTED:
            return None
        badge = item.claim.badge_class
        return Rejection(item.id, badge.public_id, _name(badge), item.reason or "")


def _reviewable(
    ctx: BadgeContext, session: Session, actor: Actor, submission_id: int
) -> EvidenceSubmission:
    item = store_claims.submission(session, submission_id)
    if item is None or item.status != store_claims.PENDING:
        raise BadInput(f"no evidence {submission_id} waits for a review")
    if not ctx.permissions.may(
        session, actor, Capability.AWARD, item.claim.badge_class.organisation
    ):
        raise NotAllowed("only the organisation's administrators may review its evidence")
    return item


def _evidence_of(item: EvidenceSubmission) -> Evidence:
    if item.kind == "link" and item.url:
        return Evidence(url=item.url, name="Povezava / Link")
    if item.kind == "text" and item.text:
        return Evidence(narrative=item.text)
    what = "fotografija / a photo" if item.kind == "photo" else "datoteka / a file"
    return Evidence(
        narrative=f"Dokazilo ({what}), ki ga je pregledala organizacija / "
        f"Evidence ({what.split(' / ')[1]}) reviewed by the organisation"
    )


def approve(ctx: BadgeContext, actor: Actor, submission_id: int) -> str:
    """The evidence is enough: the learner gets the badge (the award's id)."""
    now = ctx.clock()
    with ctx.database.session() as session:
        item = _reviewable(ctx, session, actor, submission_id)
        evidence = _evidence_of(item)
        claim, person = item.claim, _person(session, item.person_id)
        if not store_claims.decide(session, item.id, store_claims.APPROVED, actor.telegram_id, now):
            raise BadInput(f"the evidence {submission_id} was reviewed meanwhile")
        held = store_badges.held_award(session, person.id, claim.badge_class_id)
        if held is None:
            awarding.issue(
                ctx,
                session,
                claim.badge_class,
                person,
                now,
                evidence=[evidence],
                claim=claim,
                awarded_by=actor.telegram_id,
            )
            held = store_badges.held_award(session, person.id, claim.badge_class_id)
            assert held is not None
        else:  # they earned it another way meanwhile: this use is not needed
            store_claims.give_use_back(session, claim.id)
        item.award_id = held[0]
        store_claims.forget_email_when_used_up(session, claim.id)
        audit.record(
            session,
            actor,
            "badge.evidence_approve",
            at=now,
            organisation_id=claim.badge_class.organisation_id,
            target=held[1],
            details={"submission": item.id},
        )
        return held[1]


def reject(ctx: BadgeContext, actor: Actor, submission_id: int, reason: str) -> None:
    """The evidence is not enough: the learner reads `reason` (and may send evidence again)."""
    problem = reason_problem(reason)
    if problem is not None:
        raise problem
    reason = " ".join(reason.split())
    now = ctx.clock()
    with ctx.database.session() as session:
        item = _reviewable(ctx, session, actor, submission_id)
        if not store_claims.decide(session, item.id, store_claims.REJECTED, actor.telegram_id, now):
            raise BadInput(f"the evidence {submission_id} was reviewed meanwhile")
        item.reason = reason
        store_claims.give_use_back(session, item.claim_id)
        audit.record(
            session,
            actor,
            "badge.evidence_reject",
            at=now,
            organisation_id=item.claim.badge_class.organisation_id,
            target=item.claim.badge_class.public_id,
            details={"submission": item.id},
        )
        outbox.enqueue(
            session,
            outbox.NewMessage(
                person_id=item.person_id,
                kind="badge",
                payload=ctx.messages.evidence_rejected(item.id),
                not_before=now,
                dedupe_key=f"evidence-rejected:{item.id}",
            ),
            now,
        )
