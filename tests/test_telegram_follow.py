"""Following in the chat, through the real python-telegram-bot Application and the Bot API
double: an organisation's follow link (and an unknown one), /follow's lists with ✅, /following
with its remove buttons and the news switch, a details card's buttons that follow its organiser,
its topics and its district (not in the simple mode), news the outbox's drainer delivers in each
person's language, and /mydata."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.cli import import_command
from bot.services import Services, build_services
from bot.telegram.digests import DIGESTS_JOB, queue_due_digests
from organisations.following import DISTRICT, ORGANISATION, TOPIC, digest_slot
from store import people, usage
from store.models import Follow, Opportunity, Organisation, OutboxMessage, Person

from .badges_world import (
    LEARNER,
    SECOND,
    THIRD,
    MovableClock,
    load_catalogue,
    seed_keys,
    settings_for,
)
from .botapi_double import BotApiDouble, Call
from .test_telegram_badges import CATALOGUE, NoFreeText, WordsEmbedder, buttons, story, to

SISKA = "cetrtni-mladinski-center-siska"
ZONE = ZoneInfo("Europe/Ljubljana")


@pytest.fixture
def world(tmp_path, issuing_keys) -> Iterator[tuple[Services, MovableClock]]:
    """The badges' small world (a robotics workshop of a youth centre, a Slovenian course, a
    talk) as the bot builds it, and its clock, which stands still unless a story moves it."""
    seed_keys(issuing_keys, tmp_path)
    clock = MovableClock()
    services = build_services(
        settings_for(tmp_path),
        clock=clock,
        embedder=WordsEmbedder(),
        interpreter=NoFreeText(),
    )
    load_catalogue(services, CATALOGUE)
    yield services, clock
    services.close()


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def person_of(services: Services, telegram_id: int) -> int:
    with services.database.session() as session:
        return people.seen(session, telegram_id, services.clock()).id


def follows_of(services: Services, telegram_id: int) -> list[tuple[str, str]]:
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        return [
            (f.kind, f.key)
            for f in session.scalars(select(Follow).where(Follow.person_id == person.id))
        ]


def opportunity_id(services: Services, key: str) -> int:
    with services.database.session() as session:
        return session.scalar(select(Opportunity.id).where(Opportunity.external_id == key))


def data_starting(call: Call, prefix: str) -> list[str]:
    return [b["callback_data"] for b in buttons(call) if b["callback_data"].startswith(prefix)]


async def edited(double: BotApiDouble, chat: int, count: int) -> Call:
    """The `count`-th edit of a message in `chat`."""
    calls = await double.wait_for("editMessageText", to(chat), count=count)
    return calls[count - 1]


async def toast(double: BotApiDouble, count: int) -> str:
    calls = await double.wait_for("answerCallbackQuery", count=count)
    return calls[count - 1].params.get("text", "")


def test_a_follow_link_follows_the_organisation_and_an_unknown_one_is_answered_politely(
    double, world
):
    services, _clock = world

    async def scenario(app):
        double.push_message(LEARNER, f"/start follow-{SISKA}", language_code="sl")
        [said] = await double.wait_for("sendMessage", to(LEARNER))
        assert said.params["text"].split("\n") == [
            "🔔 Zdaj spremljate: <b>Četrtni mladinski center Šiška</b>. "
            "Sporočil vam bom, ko bo kaj novega.",
            "Z /following si ogledate, kaj spremljate.",
        ]
        double.push_message(LEARNER, f"/start follow-{SISKA}", language_code="sl")
        [_, again] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert again.params["text"] == "<b>Četrtni mladinski center Šiška</b> že spremljate."
        double.push_message(SECOND, "/start follow-no-such-place", language_code="en")
        [unknown] = await double.wait_for("sendMessage", to(SECOND))
        assert unknown.params["text"] == (
            "I do not know that organisation; perhaps the link is old. /follow shows what you "
            "can follow."
        )

    story(double, services, scenario)
    assert follows_of(services, LEARNER) == [(ORGANISATION, SISKA)]
    assert follows_of(services, SECOND) == []
    with services.database.session() as session:  # one new follower, counted, nobody named
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.slug == SISKA))
        day = services.clock().date()
        assert usage.totals(session, organisation_id, day, day) == {(usage.FOLLOWED, 0): 1}
    assert services.follows.follower_count(SISKA) == 1


def test_follow_lists_topics_with_a_tick_and_following_removes_and_switches_the_news(double, world):
    services, _clock = world

    async def scenario(app):
        double.push_message(LEARNER, "/follow", language_code="en")
        [menu] = await double.wait_for("sendMessage", to(LEARNER))
        assert menu.params["text"].startswith("🔔 Follow what interests you")
        assert [b["text"] for b in buttons(menu)] == [
            "🏷 Topics",
            "📍 Districts",
            "🏢 Organisations",
        ]
        double.push_callback(LEARNER, "flist:t:0", language_code="en")
        topics = await edited(double, LEARNER, 1)
        assert topics.params["text"] == "🏷 Press a topic to follow it; ✅ marks what you follow."
        labels = {b["text"]: b["callback_data"] for b in buttons(topics)}
        assert {"Robotics", "Science and technology"} <= set(labels)
        assert all(len(data.encode()) <= 64 for data in labels.values())
        double.push_callback(LEARNER, labels["Robotics"], language_code="en")
        assert await toast(double, 2) == "🔔 You follow Robotics."
        ticked = await edited(double, LEARNER, 2)
        assert "✅ Robotics" in [b["text"] for b in buttons(ticked)]

        double.push_callback(LEARNER, "flist:o:0", language_code="en")
        organisations = await edited(double, LEARNER, 3)
        [siska] = [b for b in buttons(organisations) if b["text"].endswith("Šiška")]
        double.push_callback(LEARNER, siska["callback_data"], language_code="en")
        await edited(double, LEARNER, 4)

        double.push_message(LEARNER, "/following", language_code="en")
        [_, listed] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert listed.params["text"].split("\n") == [
            "🔔 What you follow:",
            "🏷 Robotics",
            "🏢 Četrtni mladinski center Šiška",
            "",
            "I send you news of it at once, when something new comes.",
        ]
        [remove_topic, _remove_siska] = data_starting(listed, "unf:")
        [switch] = data_starting(listed, "news:")
        assert switch == "news:weekly"
        double.push_callback(LEARNER, remove_topic, language_code="en")
        assert await toast(double, 5) == "You no longer follow Robotics."
        after = await edited(double, LEARNER, 5)
        assert "🏷 Robotics" not in after.params["text"]
        double.push_callback(LEARNER, switch, language_code="en")
        weekly = await edited(double, LEARNER, 6)
        assert "once a week, on Saturday morning" in weekly.params["text"]
        assert data_starting(weekly, "news:") == ["news:instant"]

    story(double, services, scenario)
    assert follows_of(services, LEARNER) == [(ORGANISATION, SISKA)]
    with services.database.session() as session:
        person = people.by_telegram_id(session, LEARNER)
        assert (person.news, person.last_digest_at) == ("weekly", services.clock())


def test_a_cards_follow_button_follows_its_organiser_but_not_in_the_simple_mode(double, world):
    services, _clock = world
    robotics = opportunity_id(services, "lj-robotika")
    with services.database.session() as session:  # SECOND chose the big-button mode
        people.choose(session, person_of(services, SECOND), simple_mode=True)

    async def scenario(app):
        double.push_callback(LEARNER, f"det:{robotics}", language_code="sl")
        [card] = await double.wait_for("sendMessage", to(LEARNER))
        [follow] = [b for b in buttons(card) if b["callback_data"].startswith("forg:")]
        assert follow == {"text": "🔔 Spremljaj organizatorja", "callback_data": f"forg:{robotics}"}
        double.push_callback(LEARNER, follow["callback_data"], language_code="sl")
        assert await toast(double, 2) == "🔔 Spremljate: Četrtni mladinski center Šiška."
        [_, said] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert said.params["text"].startswith("🔔 Zdaj spremljate: <b>Četrtni")
        double.push_callback(LEARNER, follow["callback_data"], language_code="sl")
        assert await toast(double, 3) == "Četrtni mladinski center Šiška že spremljate."
        double.push_callback(LEARNER, "forg:999999", language_code="sl")  # gone, or forged
        assert await toast(double, 4) == "Tega ni več."

        double.push_callback(SECOND, f"det:{robotics}", language_code="sl")
        [simple] = await double.wait_for("sendMessage", to(SECOND))
        assert not data_starting(simple, "forg:")

    story(double, services, scenario)
    assert follows_of(services, LEARNER) == [(ORGANISATION, SISKA)]


def follow_rows(call: Call) -> list[list[str]]:
    """The labels of a card's rows of follow buttons (the organiser's, topics', district's)."""
    rows = call.params["reply_markup"]["inline_keyboard"]
    return [
        [b["text"] for b in row]
        for row in rows
        if any(b.get("callback_data", "").startswith(("forg:", "fol:")) for b in row)
    ]


def test_a_details_card_follows_its_topics_and_district_and_following_lists_them(double, world):
    services, _clock = world
    robotics = opportunity_id(services, "lj-robotika")
    simple = person_of(services, THIRD)
    with services.database.session() as session:  # the workshop is in Šiška; THIRD: simple mode
        session.execute(
            update(Opportunity).where(Opportunity.id == robotics).values(district="Šiška")
        )
        people.choose(session, simple, simple_mode=True)

    async def scenario(app):
        double.push_callback(LEARNER, f"det:{robotics}", language_code="en")
        [card] = await double.wait_for("sendMessage", to(LEARNER))
        assert follow_rows(card) == [
            ["🔔 Follow the organiser"],
            ["🔔 🏷 Robotics", "🔔 🏷 Science and technology"],
            ["🔔 📍 Šiška"],
        ]
        presses = data_starting(card, "fol:")
        assert [data.split(":")[1] for data in presses] == ["t", "t", "d"]
        assert all(data.endswith(":c") and len(data.encode()) <= 64 for data in presses)
        names = ["Robotics", "Science and technology", "Šiška"]
        for number, (data, name) in enumerate(zip(presses, names, strict=True), start=2):
            double.push_callback(LEARNER, data, language_code="en")
            assert await toast(double, number) == f"🔔 You follow {name}."
            said = await double.wait_for("sendMessage", to(LEARNER), count=number)
            assert said[-1].params["text"].startswith(f"🔔 You now follow <b>{name}</b>.")
        double.push_callback(LEARNER, presses[0], language_code="en")  # a second press
        assert await toast(double, 5) == "You already follow Robotics."
        double.push_callback(LEARNER, presses[2], language_code="en")
        assert await toast(double, 6) == "You already follow Šiška."
        assert double.calls_to("editMessageText") == []  # the card stays as it was

        double.push_message(LEARNER, "/following", language_code="en")
        listed = await double.wait_for("sendMessage", to(LEARNER), count=5)
        assert listed[-1].params["text"].split("\n")[:4] == [
            "🔔 What you follow:",
            "🏷 Robotics",
            "🏷 Science and technology",
            "📍 Šiška",
        ]

        double.push_callback(SECOND, f"det:{robotics}", language_code="sl")
        [slovenian] = await double.wait_for("sendMessage", to(SECOND))
        assert follow_rows(slovenian)[1:] == [
            ["🔔 🏷 Robotika", "🔔 🏷 Naravoslovje in tehnika"],
            ["🔔 📍 Šiška"],
        ]
        double.push_callback(SECOND, data_starting(slovenian, "fol:d:")[0], language_code="sl")
        assert await toast(double, 8) == "🔔 Spremljate: Šiška."
        double.push_callback(THIRD, f"det:{robotics}", language_code="sl")
        [big_buttons] = await double.wait_for("sendMessage", to(THIRD))
        assert follow_rows(big_buttons) == []  # the simple mode keeps its buttons few

    story(double, services, scenario)
    assert sorted(follows_of(services, LEARNER)) == [
        (DISTRICT, "šiška"),
        (TOPIC, "robotics"),
        (TOPIC, "stem"),
    ]
    assert follows_of(services, SECOND) == [(DISTRICT, "šiška")]


def test_news_is_delivered_by_the_outbox_in_each_persons_language(double, world):
    services, _clock = world
    robotics = opportunity_id(services, "lj-robotika")
    english, slovenian = person_of(services, LEARNER), person_of(services, SECOND)
    with services.database.session() as session:
        session.get(Person, english).language = "en"
        session.get(Person, slovenian).language = "sl"
    services.follows.follow(english, TOPIC, "robotics")
    services.follows.follow(english, ORGANISATION, SISKA)  # both: still one message
    services.follows.follow(slovenian, ORGANISATION, SISKA)

    async def scenario(app):
        assert await asyncio.to_thread(services.follows.news_of, [robotics]) == 2
        [news_en] = await double.wait_for("sendMessage", to(LEARNER), timeout=10)
        [news_sl] = await double.wait_for("sendMessage", to(SECOND), timeout=10)
        assert news_en.params["text"].split("\n")[:3] == [
            "🔔 <b>New, from what you follow</b>",
            "",
            "<b>Robotics workshop</b>",
        ]
        assert news_en.params["text"].endswith(
            "/following: what you follow, and how often I write."
        )
        assert news_sl.params["text"].split("\n")[:3] == [
            "🔔 <b>Novo med tem, kar spremljate</b>",
            "",
            "<b>Robotska delavnica</b>",
        ]
        assert buttons(news_sl) == [{"text": "ℹ️ Podrobnosti", "callback_data": f"det:{robotics}"}]
        await asyncio.sleep(1.5)  # a drainer run or two more: nothing is sent twice
        assert len(double.sent_messages(LEARNER)) == 1
        assert await asyncio.to_thread(services.follows.news_of, [robotics]) == 0

    story(double, services, scenario)
    with services.database.session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.person_id)).all()
        assert [(r.kind, r.status) for r in rows] == [("news", "sent"), ("news", "sent")]


def test_mydata_tells_what_is_followed_and_how(double, world):
    services, _clock = world
    learner = person_of(services, LEARNER)
    services.follows.follow(learner, ORGANISATION, SISKA)
    services.follows.follow(learner, TOPIC, "robotics")
    services.follows.set_news(learner, "weekly")

    async def scenario(app):
        double.push_message(LEARNER, "/mydata", language_code="en")
        [said] = await double.wait_for("sendMessage", to(LEARNER))
        lines = said.params["text"].split("\n")
        assert f"You follow: {SISKA} (organisation), robotics (topic)." in lines
        assert "I send you news of it once a week, on Saturday morning." in lines

    story(double, services, scenario)


def test_the_weekly_digest_is_queued_on_saturday_and_sent_in_the_persons_language(double, world):
    services, clock = world
    robotics = opportunity_id(services, "lj-robotika")
    weekly = person_of(services, SECOND)
    with services.database.session() as session:
        session.get(Person, weekly).language = "sl"
    services.follows.follow(weekly, TOPIC, "stem")
    services.follows.set_news(weekly, "weekly")
    with services.database.session() as session:  # new since the digest started: robotics
        session.execute(
            update(Opportunity)
            .where(Opportunity.external_id != "lj-robotika")
            .values(created_at=clock() - timedelta(days=1))
        )
        session.execute(
            update(Opportunity)
            .where(Opportunity.id == robotics)
            .values(created_at=clock() + timedelta(hours=1))
        )
    slot = digest_slot(weekly, clock() + timedelta(days=7), ZONE)
    assert slot.weekday() == 5 and slot.astimezone(ZONE).hour in (10, 11)

    async def scenario(app):
        [job] = app.job_queue.get_jobs_by_name(DIGESTS_JOB)  # the job only asks the use case
        assert job.callback is queue_due_digests
        clock.now = slot - timedelta(minutes=1)
        assert await asyncio.to_thread(services.follows.queue_digests) == 0
        clock.now = slot
        assert await asyncio.to_thread(services.follows.queue_digests) == 1
        [digest] = await double.wait_for("sendMessage", to(SECOND), timeout=10)
        assert digest.params["text"].split("\n")[:5] == [
            "📰 <b>Vaš tedenski povzetek</b>",
            "1 nova priložnost ustreza temu, kar spremljate.",
            "",
            "<b>Robotska delavnica</b>",
            "Četrtni mladinski center Šiška",
        ]
        clock.advance(minutes=15)
        assert await asyncio.to_thread(services.follows.queue_digests) == 0

    story(double, services, scenario)


def test_topics_are_shown_in_the_persons_language_and_forged_buttons_get_a_polite_word(
    double, world
):
    services, _clock = world
    learner = person_of(services, LEARNER)
    services.follows.follow(learner, TOPIC, "stem")
    services.follows.follow(learner, TOPIC, "robotics")
    forged = [
        "fol",
        "fol:x:abc:0",
        "fol:t:0000000000:0",
        "unf:t",
        "unf:d:zz:l",
        "news:hourly",
        "forg:0",
        "forg:abc",
        "flist:q:99999999",
        "flist:t:-1",
    ]

    async def scenario(app):
        double.push_message(LEARNER, "/following", language_code="sl")
        [listed] = await double.wait_for("sendMessage", to(LEARNER))
        assert listed.params["text"].split("\n")[1:3] == [
            "🏷 Naravoslovje in tehnika",
            "🏷 Robotika",
        ]
        for number, data in enumerate(forged, start=1):
            double.push_callback(SECOND, data, language_code="sl")
            await double.wait_for("answerCallbackQuery", count=number)
        await asyncio.sleep(0.3)
        said = [c.params.get("text", "") for c in double.sent_messages(SECOND)]
        assert not any("Oprostite" in text for text in said)  # no failure on our side

    story(double, services, scenario)
    assert [f.name for f in services.follows.following(learner).items] == ["stem", "robotics"]


def test_asking_for_news_in_words_offers_what_to_follow(double, world):
    services, _clock = world

    async def scenario(app):
        double.push_callback(LEARNER, "do:subscribe", language_code="en")
        [offered] = await double.wait_for("sendMessage", to(LEARNER))
        assert offered.params["text"].startswith("🔔 Follow what interests you")
        assert data_starting(offered, "flist:") == ["flist:t:0", "flist:d:0", "flist:o:0"]

    story(double, services, scenario)


def test_a_catalogue_import_tells_the_followers_of_its_new_items(world, tmp_path, capsys):
    services, _clock = world
    learner = person_of(services, LEARNER)
    services.follows.follow(learner, ORGANISATION, SISKA)
    new = {**CATALOGUE[0], "id": "lj-robotika-2", "title": {"sl": "Roboti 2", "en": "Robots 2"}}
    del new["badge"]
    path = tmp_path / "more.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in [*CATALOGUE, new]), encoding="utf-8"
    )
    assert import_command(services, path, prune=False) == 0
    assert "news of the new items queued for 1 follower(s)" in capsys.readouterr().out
    assert import_command(services, path, prune=False) == 0  # nothing new: no news
    assert "news of" not in capsys.readouterr().out
    with services.database.session() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
        assert (row.person_id, row.kind) == (learner, "news")
