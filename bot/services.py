"""The one wiring: every service built once from the settings and handed to every front (the
Telegram application, the terminal chat, the command line, the rasa-sdk action server, the
tests). Nothing below this module reads the settings or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from access.policy import Policy
from actions.messages import (
    BADGES_ISSUED_AGAIN,
    AnnouncementSent,
    AnnouncementWithdrawn,
    BadgeEarned,
    EvidenceRejected,
    Notice,
    StaffJoined,
    StaffRemoved,
    to_json,
)
from actions.news import FollowNewsMessages
from actions.policy import Dialogue
from actions.services import ActionServices
from badges.artwork import check_supplied
from badges.issuers import DeploymentIssuer
from badges.service import BadgeService
from bot.settings import Settings
from cities import CityProfile, load_city
from index.embedders import Embedder
from index.language import LanguageDetector, LinguaDetector
from index.query import default_lexicon
from index.service import CatalogueService, ProgressFactory
from index.when import Clock, pretend_clock, wall_clock
from knowledge.service import KnowledgeService
from nlu.embedded import EmbeddedInterpreter
from nlu.interpretation import Interpreter
from nlu.rasa_backend import RasaInterpreter
from organisations.announcing import AnnouncementService
from organisations.context import OrganisationContext
from organisations.following import FollowService
from organisations.posting import PostingService
from organisations.staff import StaffService
from organisations.stats import StatsService
from store.db import Database

PRIVATE_DIR_MODE = 0o700  # DATA_DIR holds the database, keys and people's data: owner only


@dataclass
class Services:
    settings: Settings
    city: CityProfile
    clock: Clock  # tells the city's time
    database: Database
    catalogue: CatalogueService
    knowledge: KnowledgeService
    dialogue: Dialogue
    badges: BadgeService
    policy: Policy  # who may do what: the one check of every privileged action
    organisations: OrganisationContext  # what the organisations' use cases share
    given_interpreter: Interpreter | None = field(default=None, repr=False)

    @cached_property
    def languages(self) -> LanguageDetector:
        """What tells the language of a message (lingua's models, loaded on first use)."""
        return LinguaDetector()

    @cached_property
    def posts(self) -> PostingService:
        """Organisations' posts: drafts, publishing, their items, programme uploads."""
        return PostingService(self.organisations, self.catalogue)

    @cached_property
    def interpreter(self) -> Interpreter:
        """The interpreter the settings ask for: embedded (trained on first use) or Rasa."""
        if self.given_interpreter is not None:
            return self.given_interpreter
        return make_interpreter(
            self.settings, self.city, self.catalogue, self.clock, self.languages
        )

    @cached_property
    def announcements(self) -> AnnouncementService:
        """Organisations' announcements to their followers (organisations/announcing.py)."""
        return AnnouncementService(self.organisations, AnnouncementMessages())

    @cached_property
    def stats(self) -> StatsService:
        """The organisations' numbers (counts only)."""
        return StatsService(self.organisations)

    @cached_property
    def follows(self) -> FollowService:
        """Learners following organisations, topics and districts, and their news."""
        districts = [p.name for p in self.catalogue.gazetteer.places if p.kind == "district"]
        return FollowService(self.organisations, self.city.zone, districts, FollowNewsMessages())

    @cached_property
    def staff(self) -> StaffService:
        """Organisations, their staff and invitations, the audit log (organisations/staff.py)."""
        return StaffService(self.organisations, StaffMessages())

    def close(self) -> None:
        self.database.dispose()


class BadgeMessages:
    """The outbox's structured messages for badges, as actions.messages writes them."""

    def badge_earned(self, award_id: str) -> list[dict]:
        return [to_json(BadgeEarned(award_id))]

    def badges_issued_again(self, award_ids: list[str]) -> list[dict]:
        word = Notice(BADGES_ISSUED_AGAIN, {"n": len(award_ids)})
        return [to_json(word), *(to_json(BadgeEarned(award_id)) for award_id in award_ids)]

    def evidence_rejected(self, submission_id: int) -> list[dict]:
        return [to_json(EvidenceRejected(submission_id))]


class AnnouncementMessages:
    """The outbox's structured messages for announcements, as actions.messages writes them."""

    def announcement(self, announcement_id: int) -> list[dict]:
        return [to_json(AnnouncementSent(announcement_id))]

    def withdrawal(
        self, announcement_id: int, message_ids: list[int], sent_at: datetime | None
    ) -> list[dict]:
        when = sent_at.isoformat() if sent_at else None
        return [to_json(AnnouncementWithdrawn(announcement_id, list(message_ids), when))]


class StaffMessages:
    """The outbox's structured messages for staff news, as actions.messages writes them."""

    def removed(self, organisation: str) -> list[dict]:
        return [to_json(StaffRemoved(organisation))]

    def joined(self, organisation: str, first_name: str, role: str) -> list[dict]:
        return [to_json(StaffJoined(organisation, first_name, role))]


def make_badges(
    settings: Settings, city: CityProfile, database: Database, clock: Clock, policy: Policy
) -> BadgeService:
    """The badge use cases; the claim codes' secret is made in DATA_DIR on first start."""
    issuer = DeploymentIssuer(**settings.issuer) if settings.issuer else None
    return BadgeService.build(
        database,
        clock,
        data_dir=settings.data_dir,
        public_url=settings.public_url,
        policy=policy,
        city_slug=city.slug,
        city_name=city.name.get("en") or city.name.get("sl") or city.slug,
        deployment_issuer=issuer,
        messages=BadgeMessages(),
        bot_username=settings.telegram_bot_username,
    )


def make_clock(settings: Settings) -> Clock:
    """The wall clock, or one that starts at COLBOT_NOW and runs on from there."""
    return pretend_clock(settings.pretend_now) if settings.pretend_now else wall_clock


def prepare_data_dir(path: Path) -> None:
    """DATA_DIR, made readable by its owner only (it holds the database and secrets)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if path.stat().st_uid == os.getuid():
        path.chmod(PRIVATE_DIR_MODE)


def make_interpreter(
    settings: Settings,
    city: CityProfile,
    catalogue: CatalogueService,
    clock: Clock,
    languages: LanguageDetector,
) -> Interpreter:
    if settings.nlu_backend == "rasa":
        if not settings.rasa_url:
            raise ValueError("NLU_BACKEND=rasa needs RASA_URL, e.g. http://127.0.0.1:5005")
        return RasaInterpreter(settings.rasa_url, languages=languages)
    if settings.nlu_backend not in ("embedded", ""):
        raise ValueError(f"NLU_BACKEND={settings.nlu_backend!r}: use 'embedded' or 'rasa'")
    return EmbeddedInterpreter.trained(
        catalogue.embedder,
        city.knowledge_dir,
        settings.data_dir / "nlu",
        gazetteer=catalogue.gazetteer,
        lexicon=default_lexicon(),
        clock=clock,
        languages=languages,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    embedder: Embedder | None = None,
    interpreter: Interpreter | None = None,
    progress: ProgressFactory | None = None,
) -> Services:
    """Everything colbot runs on, from the settings; `clock`, `embedder` and `interpreter`
    replace what the settings would make (the tests give their own)."""
    city = load_city(settings.city)
    prepare_data_dir(settings.data_dir)
    database = Database(settings.database_url)
    database.migrate()
    catalogue = CatalogueService(
        database,
        settings.index_dir,
        embedder or settings.embedder,
        progress=progress,
        clock=clock or make_clock(settings),
        city=city,
        check_image=check_supplied,
    )
    local_clock = catalogue.clock  # tells the city's time
    knowledge = KnowledgeService(
        database,
        lambda: catalogue.embedder,
        city.knowledge_dir,
        city.outside_file,
        cache_dir=settings.data_dir / "knowledge",
        progress=progress,
        contact=settings.help_contact or city.help_contact,
    )
    policy = Policy(settings.admin_ids)
    badges = make_badges(settings, city, database, local_clock, policy)
    organisations = OrganisationContext(
        database,
        local_clock,
        policy,
        city.slug,
        badges.context.secret.value,
        settings.telegram_bot_username,
    )
    dialogue = Dialogue(ActionServices(catalogue, knowledge, local_clock, badges))
    return Services(
        settings,
        city,
        local_clock,
        database,
        catalogue,
        knowledge,
        dialogue,
        badges,
        policy,
        organisations,
        interpreter,
    )
