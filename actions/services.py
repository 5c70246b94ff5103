"""What the actions work with: the catalogue, the knowledge base, the badges and the clock, built once from
the settings by the wiring (bot/services.py) and handed to every action."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from badges.service import BadgeService
from index.service import CatalogueService
from index.when import Clock
from knowledge.service import KnowledgeService


@dataclass(frozen=True)
class ActionServices:
    catalogue: CatalogueService
    knowledge: KnowledgeService
    clock: Clock  # tells the city's time
    badges: BadgeService | None = None  # the learner's own badges (None: no badges here)

    @property
    def zone(self) -> ZoneInfo:
        return self.catalogue.city.zone
