"""The one table of button callbacks: how a button's data is written (by the renderers) and
read (by the Telegram router). Telegram allows 64 bytes; anything else that arrives (forged,
from an old version, cut short) reads as None."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_CALLBACK_BYTES = 64
MAX_ID = 2**31 - 1  # database ids are 32-bit integers
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²" is no number here
_PART = re.compile(r"[A-Za-z0-9_-]{1,61}")


class Button(StrEnum):
    """What a button does, as the prefix of its callback data."""

    DETAILS = "det"  # det:<opportunity id>
    MAP = "map"  # map:<opportunity id>
    SAVE = "sav"  # sav:<opportunity id>: save, with a reminder
    UNSAVE = "uns"  # uns:<opportunity id>: remove from the saved ones
    MORE = "more"  # more:<search id>:<offset>
    LANGUAGE = "lang"  # lang:<sl|en>
    TOPIC = "kb"  # kb:<knowledge entry id>
    SIMPLE_MENU = "simple"  # simple:menu
    INTENT = "do"  # do:<intent>: what the policy offered beside a search (messages.OFFERABLE)
    WALLET = "wal"  # wal:<offset>: a page of the learner's own badges
    RESEND = "bsend"  # bsend:<award id>: the baked badge again
    EXPORT = "bexp"  # bexp:<award id>: the ways to export it
    EXPORT_AS = "bfile"  # bfile:<png|ob3-jwt|ob3-png>:<award id>
    HIDE = "bhide"  # bhide:<award id>:<page offset>: off its public page
    SHOW = "bshow"  # bshow:<award id>:<page offset>: on its public page again
    GIVE_UP = "bquit"  # bquit:<award id>: asks first
    GIVE_UP_SURE = "bquitok"  # bquitok:<award id>: given up
    KEEP = "bkeep"  # bkeep:<award id>: not given up after all
    APPROVE = "revok"  # revok:<evidence id>: an administrator approves evidence
    REJECT = "revno"  # revno:<evidence id>: … rejects it, and is asked for the reason
    FORGET = "forget"  # forget:<yes|keep|revoke|no>: /delete's answer (keep or revoke: badges)
    POST = "post"  # post:<what>[:<value>]: a step of /post (a language, a kind, publish, …)
    MY_POSTS = "mp"  # mp:<edit|wd|wdok|page>:<opportunity id or offset>: /myposts
    STATS = "stats"  # stats:<7d|30d|year>: an organisation's numbers over another period
    FOLLOW_LIST = "flist"  # flist:<o|t|d|m>:<offset>: /follow's list of one kind (m: its menu)
    FOLLOW = "fol"  # fol:<o|t|d>:<token>:<offset|c>: follow it, from /follow's list or a card
    UNFOLLOW = "unf"  # unf:<o|t|d>:<token>:<offset|l>: stop, from /follow's list or /following
    FOLLOW_ORGANISER = "forg"  # forg:<opportunity id>: follow the organisation that offers it
    NEWS_MODE = "news"  # news:<instant|weekly>: how a follower hears of new opportunities
    STAFF_REMOVE = "srm"  # srm:<organisation id>:<Telegram id>: asks first …
    STAFF_REMOVE_SURE = "srmok"  # srmok:<organisation id>:<Telegram id>: … off the staff
    STAFF_KEEP = "skeep"  # skeep:<organisation id>: … or not
    STAFF_INVITE = "sinv"  # sinv:<organisation id>:<admin|editor>: a fresh invitation link
    INVITE_CANCEL = "sicx"  # sicx:<organisation id>:<invite id>: asks first …
    INVITE_CANCEL_SURE = "sicxok"  # sicxok:<organisation id>:<invite id>: … withdraws it
    ACT_FOR = "actfor"  # actfor:<organisation id>: /org, the organisation a staff member acts for
    BADGES = "bdg"  # bdg:<step>[:<badge or award id>][:<n>]: a step of /badges (administrators)


@dataclass(frozen=True)
class Pressed:
    button: Button
    parts: tuple[str, ...]

    def number(self, index: int = 0) -> int | None:
        """The part at `index` as a database id, or None when it is not one."""
        if index >= len(self.parts) or not _DIGITS.fullmatch(self.parts[index]):
            return None
        value = int(self.parts[index])
        return value if 0 < value <= MAX_ID else None


def callback(button: Button, *parts: str | int) -> str:
    data = ":".join([button.value, *(str(p) for p in parts)])
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data[:70]!r}")
    return data


def parse_callback(data: str | None) -> Pressed | None:
    """A button's data read back; None for anything this version never wrote."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    prefix, *parts = data.split(":")
    try:
        button = Button(prefix)
    except ValueError:
        return None
    if not all(_PART.fullmatch(part) for part in parts):
        return None
    return Pressed(button, tuple(parts))
