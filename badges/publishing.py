"""What colbot publishes about its badges, for the HTTP service to serve as is: the OB 2.0 hosted
documents (issuers, badge classes, assertions, revocation lists), the images, baked PNGs, the
OB 3.0 VC-JWTs and their status lists, the public keys, and the facts of each award's public
page. None means there is nothing there (404).

Fast by keeping what does not change: a credential is signed once, when it is awarded (the
store keeps it); a status list is signed again only when one of its awards is revoked; baked
PNGs, images and the JWKS are cached in memory by the version of what they were made from, and
each badge's PNG is read for baking once. On top of that, every document and page read from the
store is answered from memory for at most FRESH_SECONDS after it was read: a change this
process makes (a revocation in the chat) empties that at once; one made by another process (the
command line) is seen within FRESH_SECONDS. The key ring is loaded once and picks up a rotation
within a second (KEY_CHECK_EVERY)."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from badges import issuers
from badges.artwork import baking_png, ensure_images
from badges.context import BadgeContext
from badges.problems import IssuerMissing
from badges.wallet import state_of
from openbadges import baking, ob2, ob3, status
from openbadges.status import AwardStatus
from store import badges as store_badges
from store import organisations
from store.models import BadgeClass

log = logging.getLogger(__name__)

JSON_LD = "application/ld+json"
VC_JWT = "application/vc+jwt"
JSON = "application/json"
PNG = "image/png"
SVG = "image/svg+xml"
CACHE_BYTES = 64 * 1024 * 1024
# How stale a published answer may be: each is read from the store, then answered from memory
# for at most this many seconds, so a revocation made by another process (the command line)
# shows on the public addresses within it (this process's own changes show at once).
FRESH_SECONDS = 1.0
FRESH_BYTES = 64 * 1024 * 1024
_PAGE_BYTES = 2048  # what a page's facts are counted as in FRESH_BYTES
AWARDS_KEPT = 10_000  # awards whose rows (and documents made from them) are kept, at most
CHECKED_AT_ONCE = 1_000  # awards read again together, in one statement
_ID = re.compile(r"[A-Za-z0-9_.~-]+")
CORS = {"Access-Control-Allow-Origin": "*"}
FRESH = {**CORS, "Cache-Control": "no-cache"}  # revocations must be seen at once
IMAGE = {**CORS, "Cache-Control": "public, max-age=3600"}
LIST = {**CORS, "Cache-Control": "public, max-age=60"}
KEYS = {**CORS, "Cache-Control": "public, max-age=300"}
# an SVG is shown as an image, never run: no scripts, nothing fetched from elsewhere
SVG_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@dataclass(frozen=True)
class Published:
    status: int  # 200, or 410 for a revoked assertion
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicBadgePage:
    """The facts of an award's public, bilingual page (the front renders them)."""

    award_id: str
    badge_name: dict[str, str]
    badge_description: dict[str, str]
    criteria: dict[str, str]
    issuer_name: str
    issuer_url: str
    issued_on: datetime
    expires: datetime | None
    state: str  # "active" | "revoked" | "expired"
    revocation_reason: str | None
    image_url: str
    preview_url: str  # a PNG of the badge (link previews render no SVG): its own, or the baked one
    assertion_url: str
    credential_url: str
    page_url: str
    recipient_name: str | None  # only if the learner made it public


class _Cache:
    """A thread-safe least-recently-used cache bounded by the bytes it holds."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._items: OrderedDict[Any, tuple[Any, Published]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, stamp: Any) -> Published | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] != stamp:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: Any, stamp: Any, value: Published) -> Published:
        size = len(value.body)
        if size > self._limit // 4:
            return value
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._held -= len(old[1].body)
            self._items[key] = (stamp, value)
            self._held += size
            while self._held > self._limit:
                _key, (_stamp, dropped) = self._items.popitem(last=False)
                self._held -= len(dropped.body)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0


class _Fresh:
    """Answers trusted for a few seconds: each kept until `seconds` after the moment just before
    it was read (so it is never older than that), least recently used dropped first beyond
    `limit` bytes. Thread-safe; `clock` is monotonic seconds."""

    def __init__(self, seconds: float, limit: int, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self._limit = limit
        self._clock = clock
        self._held = 0
        self._items: OrderedDict[Any, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def get(self, key: Any) -> Any | None:
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if now >= found[0]:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return found[2]

    def put(self, key: Any, value: Any, read_at: float) -> Any:
        """Keep `value`, read from the store at `read_at` (taken before the read began)."""
        size = len(value.body) if isinstance(value, Published) else _PAGE_BYTES
        if self.seconds <= 0 or size > self._limit // 4:
            return value
        with self._lock:
            self._drop(key)
            self._items[key] = (read_at + self.seconds, size, value)
            self._held += size
            while self._held > self._limit:
                _key, (_until, dropped, _value) = self._items.popitem(last=False)
                self._held -= dropped
        return value

    def _drop(self, key: Any) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._held -= old[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _Held:
    """An award's published row, trusted until `until`, and the documents made from it."""

    row: Row
    until: float
    made: dict[str, Any] = field(default_factory=dict)


class _AwardRows:
    """The rows of the awards asked for lately, each trusted until `seconds` after the read that
    last confirmed it began. When one has expired, it is read again together with every other
    that has expired or soon will (one statement for up to CHECKED_AT_ONCE): an unchanged row
    keeps the documents made from it, a changed one drops them. A row asked for in the second
    half of its time is read again ahead, on a thread of its own, while the request is answered
    from it: so a hot award costs one read a second between all of them, whatever the traffic,
    no request waits for it, and none is trusted longer."""

    def __init__(
        self,
        seconds: float,
        limit: int,
        clock: Callable[[], float],
        read: Callable[[list[str]], dict[str, Row]],
    ) -> None:
        self._seconds = seconds
        self._limit = limit
        self._clock = clock
        self._read = read
        self._held: OrderedDict[str, _Held] = OrderedDict()
        self._lock = threading.Lock()  # the dictionary
        self._reading = threading.Lock()  # one read at a time: the others wait for its rows
        self._ahead: ThreadPoolExecutor | None = None  # reads ahead (made at the first)
        self._cleared = 0  # how many times everything was dropped (a read across one is not kept)

    def get(self, award_id: str) -> _Held | None:
        """The award's row (None: there is no such award)."""
        held = self._trusted(award_id)
        if held is not None:
            if held.until - self._clock() < self._seconds / 2:
                self._read_ahead()
            return held
        with self._reading:
            held = self._trusted(award_id)  # read meanwhile by another thread?
            if held is not None:
                return held
            if self._seconds <= 0:
                read_at = self._clock()
                row = self._read([award_id]).get(award_id)
                return _Held(row, read_at) if row is not None else None
            found, read_at = self._read_again(award_id)
            with self._lock:
                held = self._held.get(award_id)
                if held is not None:
                    self._held.move_to_end(award_id)
                    return held
            row = found.get(award_id)  # not kept: a change was made while it was read
            return _Held(row, read_at) if row is not None else None

    def _read_again(self, award_id: str | None) -> tuple[dict[str, Row], float]:
        """Read `award_id` and the rows that have expired or soon will (the caller holds
        `_reading`): what was read, and when the read began."""
        now = self._clock()
        with self._lock:
            due = [
                key
                for key, item in self._held.items()
                if item.until <= now + self._seconds / 2 and key != award_id
            ][: CHECKED_AT_ONCE - 1]
        asked = [award_id, *due] if award_id is not None else due
        read_at, cleared = self._clock(), self._cleared
        if not asked:
            return {}, read_at
        found = self._read(asked)
        with self._lock:
            if cleared != self._cleared:  # a change was made meanwhile: this read may predate it
                return found, read_at
            for key in asked:
                row, old = found.get(key), self._held.get(key)
                if row is None:
                    self._held.pop(key, None)
                elif old is not None and old.row == row:
                    old.until = read_at + self._seconds
                else:
                    self._held[key] = _Held(row, read_at + self._seconds)
            while len(self._held) > self._limit:
                self._held.popitem(last=False)
        return found, read_at

    def _read_ahead(self) -> None:
        """The rows due soon, read again on the read-ahead thread, unless a read is under way."""
        if not self._reading.acquire(blocking=False):
            return
        try:
            with self._lock:
                if self._ahead is None:
                    self._ahead = ThreadPoolExecutor(1, thread_name_prefix="awards-ahead")
                ahead = self._ahead
            ahead.submit(self._ahead_read)
        except RuntimeError:  # the interpreter is shutting down: requests read for themselves
            self._reading.release()

    def _ahead_read(self) -> None:
        try:
            self._read_again(None)
        except Exception:  # a failed read ahead costs nothing: the rows expire and are read then
            log.warning("reading awards ahead failed", exc_info=True)
        finally:
            self._reading.release()

    def _trusted(self, award_id: str) -> _Held | None:
        now = self._clock()
        with self._lock:
            held = self._held.get(award_id)
            if held is None or now >= held.until:
                return None
            self._held.move_to_end(award_id)
            return held

    def clear(self) -> None:
        with self._lock:
            self._held.clear()
            self._cleared += 1


def _json(document: Any, status_code: int = 200, headers: dict[str, str] = FRESH) -> Published:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Published(status_code, JSON_LD, body, dict(headers))


def _drawn(badge: BadgeClass | Any) -> tuple[str, str | None, datetime]:
    """What a badge's images were made from (a badge class, or a published row): a cached
    image or baked PNG made from another is made again."""
    if isinstance(badge, BadgeClass):
        return badge.source_hash, badge.image_type, badge.updated_at
    return badge.source_hash, badge.image_type, badge.badge_updated_at


def _plausible(public_id: str) -> bool:
    """Whether an id from an address could be one of ours, before any lookup."""
    return 0 < len(public_id) <= 63 and _ID.fullmatch(public_id) is not None


def _texts(sl: str | None, en: str | None) -> dict[str, str]:
    return {lang: text for lang, text in (("sl", sl), ("en", en)) if text}


class BadgePublisher:
    """What `Services.badges.publisher` is: every published badge document by its address.
    Reads go through a plain connection (no ORM objects: a request costs a fraction of a
    millisecond); what is missing (an image not drawn yet) is made in a unit of work."""

    def __init__(
        self,
        ctx: BadgeContext,
        cache_bytes: int = CACHE_BYTES,
        fresh_seconds: float = FRESH_SECONDS,
    ) -> None:
        self._ctx = ctx
        self._cache = _Cache(cache_bytes)
        self._fresh = _Fresh(fresh_seconds, FRESH_BYTES, lambda: ctx.monotonic())
        self._awards = _AwardRows(
            fresh_seconds, AWARDS_KEPT, lambda: ctx.monotonic(), self._read_awards
        )
        # each badge's PNG, read once for baking (a few per badge class: bounded by the catalogue)
        self._bases: dict[str, tuple[Any, baking.BakingBase]] = {}
        self._bases_lock = threading.Lock()

    def _read(self, work: Callable[[Connection], Any]) -> Any:
        with self._ctx.database.reading() as connection:
            return work(connection)

    def _kept(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, or what it gave less than FRESH_SECONDS ago (nothing found is not kept:
        a new award's address answers at once)."""
        found = self._fresh.get(key)
        if found is not None:
            return found
        read_at = self._fresh.now()
        made = make()
        return made if made is None else self._fresh.put(key, made, read_at)

    def changed(self) -> None:
        """Something this process published has changed (a revocation, an award hidden, …):
        what is kept is read again at the next request."""
        self._fresh.clear()
        self._awards.clear()

    def _read_awards(self, award_ids: list[str]) -> dict[str, Row]:
        return self._read(lambda c: store_badges.published_awards(c, award_ids))

    def _held(self, award_id: str) -> _Held | None:
        return self._awards.get(award_id) if _plausible(award_id) else None

    def _made(self, award_id: str, kind: str, make: Callable[[Row], Any]) -> Any:
        """A document made from the award's row, made again only when the row has changed."""
        held = self._held(award_id)
        if held is None:
            return None
        if kind not in held.made:
            held.made[kind] = make(held.row)
        return held.made[kind]

    # ---- OB 2.0 ---------------------------------------------------------------------------------
    def issuer(self, slug: str) -> Published | None:
        return self._kept(("issuer", slug), lambda: self._issuer(slug))

    def _issuer(self, slug: str) -> Published | None:
        def work(connection: Connection) -> Published | None:
            profile = self._ctx.issuers.by_slug(connection, slug) if _plausible(slug) else None
            return None if profile is None else _json(ob2.issuer(profile, self._ctx.urls))

        return self._read(work)

    def revocation_list(self, slug: str) -> Published | None:
        return self._kept(("revocations", slug), lambda: self._revocation_list(slug))

    def _revocation_list(self, slug: str) -> Published | None:
        if not _plausible(slug):
            return None
        with self._ctx.database.session() as session:
            profile = self._ctx.issuers.by_slug(session, slug)
            if profile is None:
                return None
            revoked = [issuers.facts(a) for a in store_badges.revoked_awards(session, slug)]
            return _json(ob2.revocation_list(profile, revoked, self._ctx.urls))

    def badge_class(self, badge_id: str) -> Published | None:
        return self._kept(("badge", badge_id), lambda: self._badge_class(badge_id))

    def _badge_class(self, badge_id: str) -> Published | None:
        def work(connection: Connection) -> Published | None:
            row = (
                store_badges.published_badge(connection, badge_id) if _plausible(badge_id) else None
            )
            if row is None:
                return None
            try:
                profile = self._ctx.issuers.of_organisation(connection, row.organisation_id)
            except IssuerMissing:  # nobody can issue it: nothing is published
                return None
            definition = issuers.definition_of_row(row)
            return _json(ob2.badge_class(profile, definition, self._ctx.urls))

        return self._read(work)

    def image(self, badge_id: str, image_type: str) -> Published | None:
        return self._kept(
            ("image", badge_id, image_type), lambda: self._image(badge_id, image_type)
        )

    def _image(self, badge_id: str, image_type: str) -> Published | None:
        if image_type not in ("png", "svg") or not _plausible(badge_id):
            return None
        row = self._read(lambda c: store_badges.published_badge(c, badge_id))
        # an SVG badge has a PNG too (the one its awards are baked into): link previews need one
        if row is None or image_type not in (row.image_type or "png", "png"):
            return None
        cached = self._cache.get(("image", badge_id, image_type), _drawn(row))
        if cached is not None:
            return cached
        with self._ctx.database.session() as session:
            badge = store_badges.badge_class(session, badge_id)
            if badge is None:
                return None
            ensure_images(session, badge, self._ctx.clock())
            assert badge.image is not None
            headers = {**IMAGE, **(SVG_POLICY if image_type == "svg" else {})}
            content = badge.image if image_type == badge.image_type else baking_png(badge)
            published = Published(200, SVG if image_type == "svg" else PNG, content, headers)
            return self._cache.put(("image", badge_id, image_type), _drawn(badge), published)

    def assertion(self, award_id: str) -> Published | None:
        """The hosted OB 2.0 assertion (410 and why, once revoked)."""

        def make(row: Row) -> Published:
            definition = issuers.definition_of_row(row)
            code, document = ob2.hosted_assertion(definition, issuers.facts(row), self._ctx.urls)
            return _json(document, code)

        return self._made(award_id, "assertion", make)

    def _baked(self, award_id: str, kind: str) -> Published | None:
        """An award baked into its badge's PNG, cached by the award's version and the image's;
        read from the store at each request (it is rarely asked for, and a revocation shows at
        once), the PNG itself read once per image."""
        held = self._held(award_id)
        if held is None:
            return None
        row = held.row
        facts = issuers.facts(row)
        if kind == baking.OB2_KEYWORD and row.revoked_at is not None:
            return _json(ob2.revoked_assertion(facts, self._ctx.urls), 410)
        cached = self._cache.get((kind, award_id), (row.version, _drawn(row)))
        if cached is not None:
            return cached
        if kind == baking.OB2_KEYWORD:
            document = ob2.assertion(issuers.definition_of_row(row), facts, self._ctx.urls)
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        else:
            text = row.credential
        drawn, base = self._baking_base(row.badge_id, _drawn(row))
        baked = baking.bake_into(base, kind, text)
        stamp = (row.version, drawn)  # drawn just now, perhaps
        return self._cache.put((kind, award_id), stamp, Published(200, PNG, baked, dict(FRESH)))

    def _baking_base(self, badge_id: str, drawn: Any) -> tuple[Any, baking.BakingBase]:
        """The badge's PNG, read for baking once per image (drawn first if it has none)."""
        with self._bases_lock:
            found = self._bases.get(badge_id)
        if found is not None and found[0] == drawn:
            return found
        with self._ctx.database.session() as session:
            badge = store_badges.badge_class(session, badge_id)
            assert badge is not None
            ensure_images(session, badge, self._ctx.clock())
            made = (_drawn(badge), baking.prepare(baking_png(badge)))
        with self._bases_lock:
            self._bases[badge_id] = made
        return made

    def baked_png(self, award_id: str) -> Published | None:
        """The badge image with the OB 2.0 assertion baked in (410 once revoked)."""
        return self._baked(award_id, baking.OB2_KEYWORD)

    # ---- OB 3.0 ---------------------------------------------------------------------------------
    def credential(self, award_id: str) -> Published | None:
        """The award's VC-JWT, signed when it was awarded (its status list says if revoked)."""
        return self._made(
            award_id,
            "credential",
            lambda row: Published(200, VC_JWT, row.credential.encode("ascii"), dict(FRESH)),
        )

    def credential_png(self, award_id: str) -> Published | None:
        """The badge image with the VC-JWT baked in."""
        return self._baked(award_id, baking.OB3_KEYWORD)

    def status_list(self, slug: str, list_number: int) -> Published | None:
        return self._kept(
            ("status", slug, list_number), lambda: self._status_list(slug, list_number)
        )

    def _status_list(self, slug: str, list_number: int) -> Published | None:
        """One of an issuer's revocation status lists, as a signed VC-JWT: signed again only
        when an award of it has been revoked since."""
        if not _plausible(slug):
            return None

        def work(connection: Connection) -> tuple[Any, ...] | None:
            profile = self._ctx.issuers.by_slug(connection, slug)
            if profile is None:
                return None
            if not 0 <= list_number < store_badges.status_lists_in_use(connection, slug):
                return None
            stamp = (store_badges.revocation_state(connection, slug, list_number), profile)
            return profile, stamp

        found = self._read(work)
        if found is None:
            return None
        profile, stamp = found
        cached = self._cache.get(("status", slug, list_number), stamp)
        if cached is not None:
            return cached
        positions = self._read(lambda c: store_badges.revoked_positions(c, slug, list_number))
        revoked = [list_number * status.LIST_SIZE + position for position in positions]
        listing = status.status_list_credential(
            profile, list_number, revoked, self._ctx.urls, self._ctx.clock()
        )
        token = ob3.sign(listing, self._ctx.keyring, self._ctx.urls)
        published = Published(200, VC_JWT, token.encode("ascii"), dict(LIST))
        return self._cache.put(("status", slug, list_number), stamp, published)

    def jwks(self) -> Published:
        ring = self._ctx.keyring
        stamp = (ring.kids, ring.current_kid)
        cached = self._cache.get(("jwks",), stamp)
        if cached is not None:
            return cached
        body = json.dumps(ring.jwks(self._ctx.urls)).encode("ascii")
        return self._cache.put(("jwks",), stamp, Published(200, JSON, body, dict(KEYS)))

    def key(self, kid: str) -> Published | None:
        jwk = self._ctx.keyring.public_jwk(kid, self._ctx.urls)
        if jwk is None:
            return None
        return Published(200, JSON, json.dumps(jwk).encode("ascii"), dict(KEYS))

    # ---- people ---------------------------------------------------------------------------------
    def public_page(self, award_id: str) -> PublicBadgePage | None:
        """The facts of an award's public page; None when it is unknown or its holder hid it."""
        held = self._held(award_id)
        if held is None or held.row.hidden:
            return None
        row = held.row
        issuer_name, issuer_url = self._kept(
            ("issued by", row.issuer_slug, row.organisation_id), lambda: self._issued_by(row)
        )
        urls = self._ctx.urls
        state = state_of(row, self._ctx.clock())
        return PublicBadgePage(
            award_id=row.public_id,
            badge_name=_texts(row.name_sl, row.name_en),
            badge_description=_texts(row.description_sl, row.description_en),
            criteria=_texts(row.criteria_sl, row.criteria_en),
            issuer_name=issuer_name,
            issuer_url=issuer_url,
            issued_on=row.issued_at,
            expires=row.expires_at,
            state=state.value,
            revocation_reason=row.revocation_reason if state is AwardStatus.REVOKED else None,
            image_url=urls.image(row.badge_id, row.image_type or "png"),
            preview_url=urls.image(row.badge_id, "png"),
            assertion_url=urls.assertion(row.public_id),
            credential_url=urls.credential(row.public_id),
            page_url=urls.public_page(row.public_id),
            recipient_name=row.display_name,
        )

    def _issued_by(self, row: Row) -> tuple[str, str]:
        """The name and address of who issued an award, as its page shows them."""

        def work(connection: Connection) -> tuple[str, str]:
            try:
                profile = self._ctx.issuers.of_award(connection, row)
                return profile.name, profile.url
            except IssuerMissing:
                organisation = (
                    organisations.profile_by_id(connection, row.organisation_id)
                    if row.organisation_id
                    else None
                )
                if organisation is None:
                    return "", ""
                return organisation.name, organisation.url or ""

        return self._read(work)
