"""Replies as actions give them and fronts render them: structured, language-free, no Telegram
types. Each travels as JSON (rasa-sdk's `json_message`), so the Rasa action server and the
in-process call produce the same thing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class OpportunityView:
    """What a front shows of one opportunity, in both languages."""

    id: int
    key: str
    title: dict[str, str]
    organisation: str | None
    kind: str
    district: str | None
    address: str | None
    lat: float | None
    lon: float | None
    online: bool
    starts_at: str | None  # ISO 8601
    ends_at: str | None
    schedule: dict[str, str]
    price_eur: float | None
    languages: list[str]
    url: str | None
    description: dict[str, str] = field(default_factory=dict)
    badge: dict[str, str] = field(default_factory=dict)
    distance_km: float | None = None
    topics: list[str] = field(default_factory=list)  # its main topics (details only), to follow


@dataclass(frozen=True)
class ResultList:
    """One page of search results."""

    cards: list[OpportunityView]
    offset: int
    total: int
    search_id: str  # names the search for "more results"
    place: str | None = None
    notices: list[str] = field(default_factory=list)
    kind: str = "results"


@dataclass(frozen=True)
class Details:
    opportunity: OpportunityView
    kind: str = "details"


@dataclass(frozen=True)
class Venue:
    opportunity: OpportunityView
    kind: str = "venue"


BADGES_ISSUED_AGAIN = "badges_issued_again"  # a Notice's code: {"n": how many}, files follow


@dataclass(frozen=True)
class Notice:
    """A short message named by its code (the front words it): 'not_found', 'no_location'…"""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "notice"


@dataclass(frozen=True)
class SavedItem:
    """One opportunity a person saved, and when they will be reminded of it."""

    opportunity: OpportunityView
    remind_at: str | None = None  # ISO 8601; None: no reminder (ongoing, or already sent)


@dataclass(frozen=True)
class SavedList:
    """What a person saved, soonest first."""

    items: list[SavedItem]
    kind: str = "saved"


@dataclass(frozen=True)
class Reminder:
    """A saved opportunity starts soon; `day` is "today", "tomorrow" or "later" (in Ljubljana)."""

    opportunity: OpportunityView
    day: str
    kind: str = "reminder"


@dataclass(frozen=True)
class Answer:
    """A plain-language answer from the knowledge base, with its source and, below it, the
    matching opportunities of the live catalogue."""

    entry_id: str
    title: dict[str, str]
    text: dict[str, str]
    next_step: dict[str, str]
    source_name: str
    source_url: str
    written: str  # ISO date
    courses: list[OpportunityView] = field(default_factory=list)
    simple: bool = False  # the one-step-at-a-time view for seniors
    kind: str = "answer"


@dataclass(frozen=True)
class Topic:
    entry_id: str
    title: dict[str, str]


@dataclass(frozen=True)
class Unsure:
    """The knowledge base has no sure answer: the closest topics to choose from, and people to
    ask (name, phone, e-mail as the city configured them)."""

    topics: list[Topic]
    contact: dict[str, str] = field(default_factory=dict)
    kind: str = "unsure"


@dataclass(frozen=True)
class Offer:
    """Below a search, what else the message may have meant, as a button: the policy searched
    because it was not sure enough of `intent` (one of `OFFERABLE`)."""

    intent: str
    kind: str = "offer"


@dataclass(frozen=True)
class WalletItem:
    """One badge of a learner's own, as their list shows it."""

    award_id: str
    badge_name: dict[str, str]
    issuer_name: str
    issued_on: str  # ISO 8601, in the city's time
    expires: str | None  # ISO 8601; None: never
    state: str  # "active" | "expired"
    hidden: bool  # not on its public page
    shows_name: bool = False  # the learner's name is on its public page (they said yes)


@dataclass(frozen=True)
class BadgeWallet:
    """A page of a learner's badges (`/mybadges`), newest first."""

    items: list[WalletItem]
    offset: int
    total: int
    kind: str = "badge_wallet"


@dataclass(frozen=True)
class BadgeEarned:
    """A badge was awarded to the person: the front sends it (the baked image and its page),
    looking the award up by its public id when it is sent."""

    award_id: str
    kind: str = "badge_earned"


@dataclass(frozen=True)
class EvidenceRejected:
    """The evidence a person sent for a badge was not enough: the front looks the submission up
    and says why (the organisation's reason)."""

    submission_id: int
    kind: str = "evidence_rejected"


@dataclass(frozen=True)
class FollowedNews:
    """New opportunities that match what a person follows, told at once or in their weekly
    `digest`. The outbox keeps the ids only; the cards are looked up when it is sent (what
    was withdrawn meanwhile is left out) and rendered in the language the person reads then."""

    opportunity_ids: list[int]
    digest: bool = False
    cards: list[OpportunityView] = field(default_factory=list)  # filled when it is sent
    kind: str = "followed_news"


@dataclass(frozen=True)
class AnnouncementSent:
    """An organisation's announcement to one follower: the front looks it up when it is sent and
    shows it in the person's language (their language's text, else the other)."""

    announcement_id: int
    kind: str = "announcement"


@dataclass(frozen=True)
class AnnouncementWithdrawn:
    """An announcement the person got is withdrawn: the front deletes the Telegram messages
    (`message_ids`, sent at `sent_at`, ISO 8601) where Telegram still allows it, else edits them
    to say so."""

    announcement_id: int
    message_ids: list[int]
    sent_at: str | None
    kind: str = "announcement_withdrawn"


@dataclass(frozen=True)
class StaffRemoved:
    """The person was taken off an organisation's staff: they no longer act for it."""

    organisation: str  # its name
    kind: str = "staff_removed"


@dataclass(frozen=True)
class StaffJoined:
    """Someone took the invitation the person made: `first_name` (as Telegram gave it, nothing
    else of theirs) is on the organisation's staff now, as `role`."""

    organisation: str  # its name
    first_name: str
    role: str  # "admin" | "editor"
    kind: str = "staff_joined"


# The intents that can be offered as a button (each has an action and a label).
OFFERABLE = frozenset({"help", "my_badges", "claim_badge", "subscribe", "change_language"})

Message = (
    ResultList
    | Details
    | Venue
    | Notice
    | SavedList
    | Reminder
    | Answer
    | Unsure
    | Offer
    | BadgeWallet
    | BadgeEarned
    | EvidenceRejected
    | FollowedNews
    | AnnouncementSent
    | AnnouncementWithdrawn
    | StaffRemoved
    | StaffJoined
)


def to_json(message: Message) -> dict[str, Any]:
    return asdict(message)


def from_json(data: dict[str, Any]) -> Message:
    kind = data.get("kind")
    if kind == "results":
        cards = [OpportunityView(**c) for c in data["cards"]]
        return ResultList(**{**data, "cards": cards})
    if kind == "details":
        return Details(OpportunityView(**data["opportunity"]))
    if kind == "venue":
        return Venue(OpportunityView(**data["opportunity"]))
    if kind == "notice":
        return Notice(data["code"], data.get("params") or {})
    if kind == "saved":
        items = [
            SavedItem(OpportunityView(**i["opportunity"]), i.get("remind_at"))
            for i in data["items"]
        ]
        return SavedList(items)
    if kind == "reminder":
        return Reminder(OpportunityView(**data["opportunity"]), data["day"])
    if kind == "answer":
        courses = [OpportunityView(**c) for c in data.get("courses") or []]
        return Answer(**{**data, "courses": courses})
    if kind == "unsure":
        topics = [Topic(t["entry_id"], t["title"]) for t in data["topics"]]
        return Unsure(topics, data.get("contact") or {})
    if kind == "offer":
        return Offer(str(data["intent"]))
    if kind == "badge_wallet":
        items = [WalletItem(**item) for item in data["items"]]
        return BadgeWallet(items, int(data["offset"]), int(data["total"]))
    if kind == "badge_earned":
        return BadgeEarned(str(data["award_id"]))
    if kind == "evidence_rejected":
        return EvidenceRejected(int(data["submission_id"]))
    if kind == "followed_news":
        return FollowedNews(
            [int(i) for i in data["opportunity_ids"]],
            bool(data.get("digest")),
            [OpportunityView(**c) for c in data.get("cards") or []],
        )
    if kind == "announcement":
        return AnnouncementSent(int(data["announcement_id"]))
    if kind == "announcement_withdrawn":
        ids = [int(i) for i in data.get("message_ids") or []]
        return AnnouncementWithdrawn(int(data["announcement_id"]), ids, data.get("sent_at"))
    if kind == "staff_removed":
        return StaffRemoved(str(data["organisation"]))
    if kind == "staff_joined":
        return StaffJoined(str(data["organisation"]), str(data["first_name"]), str(data["role"]))
    raise ValueError(f"unknown message kind {kind!r}")
