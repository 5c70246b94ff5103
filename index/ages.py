"""Ages in a query ("Star sem 15 let", "my mother is 80", "son (17)", "17 y", "мені 70 років")
read as the audience they belong to: children, young people or seniors."""

from __future__ import annotations

import re

# a number followed by a word for years, in the languages colbot reads
_YEARS = (
    r"let|leta|letni|letna|years?|yrs?|yo|y|лет|год|года|років|роки|рік|godina|godine|godinu|"
    r"vjeç|vjec|vjet|سنة|سنوات|عام|عاما|عامًا|años"
)
_NUMBER_THEN_YEARS = re.compile(rf"(?<![\d.,])(\d{{1,3}})\s*-?\s*(?:{_YEARS})(?!\w)", re.IGNORECASE)
# "star sem 15", "I'm 17", "my mother is 80", "(17)"
_SAYS_AGE = re.compile(
    r"(?:\bstar[aoi]?\s+(?:sem|je|smo)|\bi'?m|\bi\s+am|"
    r"\b(?:he|she|mother|mum|mom|father|dad|son|daughter|grandma|grandpa|grandmother|"
    r"grandfather|wife|husband)\s+is)"
    r"\s+(\d{1,3})(?![\d.,:%€$])",
    re.IGNORECASE,
)
_IN_BRACKETS = re.compile(r"\((\d{1,2})\)")

CHILD_UNTIL = 12
YOUTH_UNTIL = 29
SENIOR_FROM = 60


def ages_in(text: str) -> list[int]:
    found = []
    for pattern in (_NUMBER_THEN_YEARS, _SAYS_AGE, _IN_BRACKETS):
        for match in pattern.finditer(text):
            age = int(match.group(1))
            if 3 <= age <= 110:
                found.append(age)
    return found


def audience_of_ages(text: str) -> frozenset[str]:
    """The audiences the ages in a text belong to; adults in between name none."""
    audience = set()
    for age in ages_in(text):
        if age <= CHILD_UNTIL:
            audience.add("children")
        elif age <= YOUTH_UNTIL:
            audience.add("youth")
        elif age >= SENIOR_FROM:
            audience.add("seniors")
    return frozenset(audience)


def without_ages(text: str) -> str:
    """The text less its age phrases: "star sem 15 let" names an audience, not a topic."""
    for pattern in (_NUMBER_THEN_YEARS, _SAYS_AGE, _IN_BRACKETS):
        text = pattern.sub(" ", text)
    return text
