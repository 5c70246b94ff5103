"""Reading queries: places, filters and times in the languages people write to colbot in."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.geo import parse_point
from index.query import default_lexicon, understand
from index.text import terms, words

from .conftest import DEMO, GAZETTEER

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Ljubljana"))  # a Monday


def read(text: str):
    return understand(text, GAZETTEER, default_lexicon(), NOW)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("robotika v Šiški", "Šiška"),
        ("robotika v siski", "Šiška"),
        ("clubs near Bežigrad", "Bežigrad"),
        ("tečaj slovenščine v Mariboru", "Maribor"),
        ("курси словенської в Мариборі", "Maribor"),
        ("что есть для молодежи в Мариборе", "Maribor"),
        ("kurs u Ljubljani", "Ljubljana"),
        ("delavnica na Viču", "Vič"),
        ("tečaj v Polju", "Polje"),
    ],
)
def test_places_are_found_in_their_inflected_forms(text, place):
    mention = read(text).place
    assert mention is not None and mention.place.name == place


@pytest.mark.parametrize(
    "text", ["polje tečaj", "kranjski tečaj", "center za pomoč", "vic za otroke"]
)
def test_everyday_words_are_not_places_without_a_preposition(text):
    assert read(text).place is None


@pytest.mark.parametrize(
    "text",
    [
        "brezplačen tečaj",
        "free course",
        "besplatni kurs",
        "безкоштовні уроки",
        "бесплатно",
        "دورة مجانية",
        "kurs falas",
    ],
)
def test_free_is_understood_in_every_language(text):
    assert read(text).free


def test_free_time_is_not_free_of_charge():
    assert not read("free time activities").free


@pytest.mark.parametrize(
    ("text", "online"),
    [
        ("tečaj na daljavo", True),
        ("online course", True),
        ("online banking for seniors", False),
        ("онлайн курс", True),
    ],
)
def test_online_as_a_wish_but_not_as_a_topic(text, online):
    assert read(text).online is online


@pytest.mark.parametrize(
    ("text", "window", "first", "last"),
    [
        ("kaj je ta teden", "this_week", "2026-11-23", "2026-11-29"),
        ("what's on this weekend", "weekend", "2026-11-28", "2026-11-29"),
        ("jutri", "tomorrow", "2026-11-24", "2026-11-24"),
        ("delavnice v decembru", "month-12", "2026-12-01", "2026-12-31"),
        ("курсы в январе", "month-1", "2027-01-01", "2027-01-31"),
        ("أنشطة هذا الأسبوع", "this_week", "2026-11-23", "2026-11-29"),
        ("Що відбувається цього тижня?", "this_week", "2026-11-23", "2026-11-29"),
    ],
)
def test_times_become_windows_of_days(text, window, first, last):
    understood = read(text).window
    assert understood.name == window
    assert (
        understood.starts.date().isoformat() == first and understood.ends.date().isoformat() == last
    )


@pytest.mark.parametrize(
    ("text", "topical"),
    [
        ("Kaj se ta teden dogaja za mlade v Ljubljani?", False),
        ("what's on this weekend?", False),
        ("free events this week", False),
        ("Что происходит на этой неделе?", False),
        ("ما هي الأنشطة للمهاجرين هذا الأسبوع؟", False),
        ("šta ima ovaj vikend za djecu", False),
        ("robotics this week", True),
        ("tečaj slovenščine ta teden", True),
        ("Katere delavnice za starejše so ta teden?", False),  # a kind of activity, no topic
        ("workshops for seniors in December", False),
        ("delavnice za starejše o spletnih prevarah v decembru", True),
        ("гурткі шахів цього тижня", True),  # words nobody knows are a topic, not a question
    ],
)
def test_a_time_with_no_topic_asks_what_is_on(text, topical):
    assert read(text).topical is topical


def test_topics_bring_their_words_in_both_languages_but_not_the_generic_ones():
    related = default_lexicon().related_words(["intergenerational", "youth", "workshop"])
    assert "medgeneracijsko" in related and "intergenerational" in related
    assert "mladi" not in related and "delavnica" not in related


def test_words_read_as_filters_leave_the_ranking_to_the_filter():
    understood = read("brezplačna delavnica programiranja ta teden v Šiški")
    assert understood.free and understood.window is not None and understood.place is not None
    kept = [
        w
        for i, w in enumerate(words("brezplačna delavnica programiranja ta teden v Šiški"))
        if i not in understood.aside
    ]
    assert kept == ["delavnica", "programiranja", "ta", "v"]
    assert not {"brezpl", "free", "teden", "week"} & set(understood.expansion)
    assert "progra" in understood.expansion or "coding" in understood.expansion


def test_beside_a_topic_the_audience_is_left_to_the_audience_boost():
    understood = read("Tečaj angleščine za upokojence")
    assert understood.audience == {"seniors"} and understood.topical
    kept = [
        w
        for i, w in enumerate(words("Tečaj angleščine za upokojence"))
        if i not in understood.aside
    ]
    assert "upokojence" not in kept and "angle" + "scine" in kept
    assert not {"senior", "starej"} & set(understood.expansion)


def test_beside_a_topic_a_kind_of_activity_is_marked_to_weigh_less():
    assert read("Tečaj angleščine za upokojence").kinds == {0}
    assert read("coding club for my 10 year old").kinds == {1}
    assert read("katere delavnice so ta teden?").kinds == set()  # no topic: what is on


def test_an_audience_alone_is_the_topic():
    understood = read("kaj je za mlade?")
    assert understood.audience == {"youth"} and not understood.topical
    assert "mlade" not in {
        w for i, w in enumerate(words("kaj je za mlade?")) if i in understood.aside
    }


@pytest.mark.parametrize(
    ("text", "written_in"),
    [
        ("برنامج الاندماج للمهاجرين الجدد", {"ar"}),
        ("Де можна безкоштовно вивчати словенську мову?", {"uk"}),
        ("gdje mogu naći besplatni kurs slovenačkog jezika", {"sr", "hr", "bs"}),
        ("brezplačen tečaj slovenščine", set()),
        ("free Slovenian course", set()),
    ],
)
def test_the_language_of_the_asker_is_read_when_it_is_sure(text, written_in):
    assert read(text).written_in == written_in


@pytest.mark.parametrize(
    "text", ["volunteering for students", "s grudnim djetetom", "tečaj slovenščine"]
)
def test_words_that_only_look_like_months_are_not_times(text):
    assert read(text).window is None


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("tečaj za starejše", "seniors"),
        ("Що відбувається цього тижня для дітей?", "children"),
        ("za upokojence", "seniors"),
        ("activities for teens", "youth"),
        ("برنامج للمهاجرين", "migrants"),
        ("radionica za djecu", "children"),
        ("курсы для пенсионеров", "seniors"),
    ],
)
def test_audiences_are_read_as_wishes(text, audience):
    assert audience in read(text).audience


def test_other_languages_bring_catalogue_words_into_the_lexical_query():
    understood = read("ku mund të mësoj sllovenisht falas")
    assert "slovenian_language" in understood.concepts
    assert "sloven" in understood.expansion


def test_serbian_cyrillic_meets_the_latin_catalogue_but_the_place_stays_a_place():
    understood = read("помоћ око папира у Љубљани")
    assert {"pomoc", "papir"} <= set(understood.expansion)
    assert understood.place is not None and understood.place.place.name == "Ljubljana"
    assert not any(term.startswith("ljublj") for term in understood.expansion)


def test_every_topic_of_the_catalogue_is_a_word_some_concept_brings():
    """A topic no concept names is found from other languages by the embedding alone."""
    brought = {t for c in default_lexicon().concepts for phrase in c.expand for t in terms(phrase)}
    topics = {
        topic
        for line in DEMO.read_text(encoding="utf-8").splitlines()
        for topic in json.loads(line)["topics"]
    }
    assert [t for t in sorted(topics) if not set(terms(t)) <= brought] == []


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("ما هي الأنشطة للمهاجرين", "events_activities"),
        ("тренинг за виљушкар", "warehouse_logistics"),
        ("medgeneracijsko učenje", "intergenerational"),
        ("кинув школу, що робити", "dropouts"),
    ],
)
def test_catalogue_topics_are_understood_in_other_languages(text, concept):
    assert concept in read(text).concepts


def test_points_are_parsed_and_checked():
    assert parse_point("46.06,14.51").lat == 46.06
    assert parse_point("46.06 14.51").lon == 14.51
    assert parse_point("Šiška") is None
    with pytest.raises(ValueError):
        parse_point("95,14")


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("Kje se lahko naučim programirati? Star sem 15 let.", {"youth"}),
        ("My mother is 80 and wants to video call her grandchildren", {"seniors"}),
        ("Where can my son (17) get help?", {"youth"}),
        ("мені 70 років, хочу навчитися користуватися телефоном", {"seniors"}),
        ("delavnica za otroke 8-12 let", {"children"}),
        ("imam 3 otroke in iščem tečaj ob 17h", set()),  # a count and an hour are no ages
        ("the price is 20 euros", set()),
    ],
)
def test_an_age_in_the_query_names_its_audience(text, audience):
    from index.ages import audience_of_ages

    assert set(audience_of_ages(text)) == audience


def test_a_fifteen_year_old_asking_to_code_gets_the_secondary_school_course_first(
    shared_demo_service,
):
    from index.search import SearchRequest

    from .conftest import NOW

    text = "Kje se lahko naučim programirati? Star sem 15 let."
    result, _ = shared_demo_service.search(SearchRequest(text=text, limit=5, now=NOW))
    assert "youth" in result.understood.audience
    assert "lj-0021" in [hit.key for hit in result.hits]  # Python for secondary school students
