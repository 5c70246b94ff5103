"""Saving opportunities and the reminders before they start: the rule for when to remind, the
store on SQLite and PostgreSQL, and the actions as the bot calls them."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from actions import saved_actions
from actions.messages import Notice, Reminder, SavedList, from_json, to_json
from actions.runtime import make_tracker, run_action
from actions.saved_actions import queue_reminders, reminder_day, reminder_key, reminders_due
from store import people
from store import saved as saved_store
from store.catalogue_import import apply_records, read_catalogue
from store.models import Opportunity, OutboxMessage, Person, SavedOpportunity
from store.saved import reminder_time as reminder_at

from .conftest import DEMO, NOW

LJ = ZoneInfo("Europe/Ljubljana")
TEEN, SENIOR = 1001, 1003  # our ids of two people (their Telegram ids are others)


def reminder_time(starts_at, moment):  # type: ignore[no-untyped-def]
    """The rule, in Ljubljana's time."""
    return reminder_at(starts_at, moment, LJ)


def add_people(session) -> None:  # type: ignore[no-untyped-def]
    """The teen reads Slovenian, the senior chose English."""
    for person_id, language in ((TEEN, "sl"), (SENIOR, "en")):
        telegram_id = 700_000 + person_id
        session.add(Person(id=person_id, telegram_id=telegram_id, language=language, active=True))
    session.flush()


def records_in_ljubljana(session, lines, **options):  # type: ignore[no-untyped-def]
    return apply_records(session, read_catalogue(lines), "ljubljana", LJ, **options)


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A moment in Ljubljana in winter 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=LJ)


# ---- when to remind ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("starts", "saved_at", "reminded_at"),
    [
        # starts on Thursday at 16:00, saved on Monday: Wednesday at 9:00
        (at(3, 16), NOW, at(2, 9)),
        # starts early in the morning: still 9:00 on the day before
        (at(3, 7), NOW, at(2, 9)),
        # starts tomorrow at 10:00, saved today at 8:00 (26 hours ahead): today at 9:00
        (at(3, 10), at(2, 8), at(2, 9)),
        # starts within 24 hours: 2 hours before
        (at(3, 16), at(2, 18), at(3, 14)),
        # starts within 24 hours, early, and 9:00 the day before is still ahead: that, not 5:00
        (at(3, 7), at(2, 8), at(2, 9)),
        # more than a day ahead but 9:00 on the day before has passed: 2 hours before
        (at(3, 16), at(2, 10), at(3, 14)),
        # across the change to summer time: 9:00 local on the day before
        (datetime(2027, 3, 29, 17, tzinfo=LJ), NOW, datetime(2027, 3, 28, 9, tzinfo=LJ)),
    ],
)
def test_a_reminder_comes_the_day_before_at_nine_or_two_hours_before(starts, saved_at, reminded_at):
    assert reminder_time(starts, saved_at) == reminded_at
    assert reminder_time(starts, saved_at).tzinfo is not None


@pytest.mark.parametrize(
    ("starts", "saved_at"),
    [
        (None, NOW),  # ongoing: nothing to remind of
        (at(3, 16), at(3, 15)),  # starts within 2 hours
        (at(3, 16), at(3, 17)),  # already started
    ],
)
def test_no_reminder_for_what_is_ongoing_started_or_about_to_start(starts, saved_at):
    assert reminder_time(starts, saved_at) is None


def test_the_reminder_says_today_tomorrow_or_later_in_ljubljana_time():
    assert reminder_day(at(3, 16), at(2, 9), LJ) == "tomorrow"
    assert reminder_day(at(3, 16), at(3, 14), LJ) == "today"
    assert reminder_day(at(3, 0, 30), at(2, 23, 45), LJ) == "tomorrow"  # 23:30 UTC on the 2nd
    assert reminder_day(at(10, 16), at(2, 9), LJ) == "later"


# ---- the store, on both databases -------------------------------------------------------------
def record(key: str, start: str | None, **extra) -> str:
    return json.dumps(
        {
            "id": key,
            "title": {"sl": f"Naslov {key}", "en": f"Title {key}"},
            "description": {"sl": "Opis.", "en": "Description."},
            "kind": "workshop",
            "start": start,
            **extra,
        }
    )


@pytest.fixture
def catalogue_ids(database) -> dict[str, int]:
    lines = [
        record("dated", "2026-12-03T16:00:00+01:00"),
        record("ongoing", None),
        record("later", "2026-12-10T16:00:00+01:00"),
    ]
    with database.session() as session:
        records_in_ljubljana(session, lines)
        add_people(session)
    with database.session() as session:
        return dict(session.execute(select(Opportunity.external_id, Opportunity.id)).all())


def test_an_opportunity_is_saved_once_per_person_and_can_be_removed(database, catalogue_ids):
    dated, ongoing = catalogue_ids["dated"], catalogue_ids["ongoing"]
    with database.session() as session:
        first, new = saved_store.save(session, TEEN, dated, at(2, 9))
        assert new and first.remind_at == at(2, 9)
        _again, new_again = saved_store.save(session, TEEN, dated, at(2, 9))
        assert not new_again
        saved_store.save(session, TEEN, ongoing, None)
        saved_store.save(session, SENIOR, dated, at(2, 9))
    with database.session() as session:
        mine = saved_store.saved_for(session, TEEN)
        assert [s.opportunity.external_id for s in mine] == ["dated", "ongoing"]  # ongoing last
        assert saved_store.saved_ids(session, TEEN) == {dated, ongoing}
        assert people.stored_about(session, TEEN).saved == 2
    with database.session() as session:
        assert saved_store.unsave(session, TEEN, dated) is True
        assert saved_store.unsave(session, TEEN, dated) is False
    with database.session() as session:
        assert saved_store.saved_ids(session, TEEN) == {ongoing}
        assert saved_store.saved_ids(session, SENIOR) == {dated}  # others keep theirs


def test_saving_again_moves_a_reminder_not_yet_sent(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, at(2, 9))
        saved, new = saved_store.save(session, TEEN, dated, at(4, 9))
        assert not new and saved.remind_at == at(4, 9)
        assert saved_store.mark_reminded(session, TEEN, dated, at(4, 9))
        saved, _ = saved_store.save(session, TEEN, dated, at(5, 9))
        assert saved.remind_at == at(4, 9)  # sent already: left as it was


def test_due_reminders_are_those_whose_time_has_come(database, catalogue_ids):
    dated, later = catalogue_ids["dated"], catalogue_ids["later"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, at(2, 9))
        saved_store.save(session, TEEN, later, at(9, 9))
        saved_store.save(session, SENIOR, dated, at(2, 9))
        saved_store.save(session, TEEN, catalogue_ids["ongoing"], None)
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 8, 59)) == []
        due = saved_store.due_reminders(session, at(2, 9))
        assert sorted((d.person_id, d.opportunity.external_id, d.language) for d in due) == [
            (TEEN, "dated", "sl"),
            (SENIOR, "dated", "en"),
        ]
        people.blocked(session, SENIOR, at(2, 8))  # who blocked the bot gets nothing …
    with database.session() as session:
        assert [d.person_id for d in saved_store.due_reminders(session, at(2, 9))] == [TEEN]
        people.seen(session, 700_000 + SENIOR, at(2, 8))  # … until they come back
        assert len(saved_store.due_reminders(session, at(2, 9))) == 2
        # once it has started, a reminder is no use
        assert saved_store.due_reminders(session, at(3, 16)) == []
        session.get(Opportunity, dated).withdrawn_at = at(2, 8)
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 9)) == []  # withdrawn
        assert [d.opportunity.id for d in saved_store.due_reminders(session, at(9, 9))] == [later]


def test_a_reminder_is_marked_once(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, at(2, 9))
    with database.session() as session:
        assert saved_store.mark_reminded(session, TEEN, dated, at(2, 9)) is True
    with database.session() as session:
        assert saved_store.mark_reminded(session, TEEN, dated, at(2, 9, 1)) is False
        assert saved_store.due_reminders(session, at(2, 9, 1)) == []
        assert session.get(SavedOpportunity, (TEEN, dated)).reminded_at == at(2, 9)


def test_deleting_a_person_deletes_what_they_saved(database, catalogue_ids):
    with database.session() as session:
        saved_store.save(session, TEEN, catalogue_ids["dated"], at(2, 9))
        saved_store.save(session, SENIOR, catalogue_ids["dated"], at(2, 9))
        saved_store.save(session, SENIOR, catalogue_ids["later"], at(9, 9))
    with database.session() as session:
        assert people.forget(session, TEEN) is True
        # the database cascades as well: a person deleted by hand takes their saved ones along
        session.execute(delete(Person).where(Person.id == SENIOR))
    with database.session() as session:
        assert session.scalars(select(SavedOpportunity)).all() == []


# ---- the organiser re-imports the catalogue --------------------------------------------------
DATED_START = "2026-12-03T16:00:00+01:00"  # the "dated" workshop of `catalogue_ids`


def reimport(database, *lines: str, now: datetime, prune: bool = False):
    """The organiser imports a new version of the catalogue at `now`."""
    with database.session() as session:
        return records_in_ljubljana(session, lines, prune=prune, now=now)


def reminder_of(database, person_id: int, opportunity_id: int) -> SavedOpportunity:
    with database.session() as session:
        return session.get(SavedOpportunity, (person_id, opportunity_id))


def test_a_workshop_moved_a_week_later_is_reminded_of_the_day_before_the_new_date(
    database, catalogue_ids
):
    dated, later = catalogue_ids["dated"], catalogue_ids["later"]
    with database.session() as session:  # a learner saves the workshop on Thursday 3 December
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
        saved_store.save(session, TEEN, later, reminder_time(at(10, 16), NOW))
    assert reminder_of(database, TEEN, dated).remind_at == at(2, 9)

    report = reimport(
        database, record("dated", "2026-12-10T16:00:00+01:00"), now=at(25, 10, month=11)
    )

    assert report.updated == ["dated"]
    assert reminder_of(database, TEEN, dated).remind_at == at(9, 9)  # the day before, at 9:00
    assert reminder_of(database, TEEN, later).remind_at == at(9, 9)  # not moved: as it was
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 9)) == []  # not on the old day
        due = saved_store.due_reminders(session, at(9, 9))
        assert sorted(d.opportunity.external_id for d in due) == ["dated", "later"]


def test_a_change_that_keeps_the_start_leaves_a_late_reminder_alone(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
    # 9:00 has passed and the reminder is still on its way when the organiser fixes the title
    title = {"sl": "Nov naslov", "en": "New title"}
    assert reimport(database, record("dated", DATED_START, title=title), now=at(2, 10)).updated
    assert reminder_of(database, TEEN, dated).remind_at == at(2, 9)  # not 14:00 on the day
    with database.session() as session:
        assert [d.person_id for d in saved_store.due_reminders(session, at(2, 10))] == [TEEN]


@pytest.mark.parametrize(
    ("new_start", "reminded_at"),
    [
        ("2026-12-02T18:00:00+01:00", at(2, 16)),  # tonight: 2 hours before
        ("2026-12-03T10:00:00+01:00", at(3, 8)),  # 9:00 today has passed: 2 hours before
        ("2026-12-02T11:30:00+01:00", None),  # within 2 hours: too late to remind
        ("2026-12-01T16:00:00+01:00", None),  # moved into the past
    ],
)
def test_a_start_moved_close_to_the_import_is_reminded_of_as_if_saved_then(
    database, catalogue_ids, new_start, reminded_at
):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
    reimport(database, record("dated", new_start), now=at(2, 10))
    assert reminder_of(database, TEEN, dated).remind_at == reminded_at


def test_a_workshop_that_becomes_ongoing_has_no_reminder(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, SENIOR, dated, reminder_time(at(3, 16), NOW))
    reimport(database, record("dated", None), now=at(25, 10, month=11))
    assert reminder_of(database, SENIOR, dated).remind_at is None
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 9)) == []
        assert [s.opportunity_id for s in saved_store.saved_for(session, SENIOR)] == [dated]


def test_a_reminder_already_sent_stays_sent_when_the_start_moves(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
        saved_store.mark_reminded(session, TEEN, dated, at(2, 9))  # the teen was reminded …
        saved_store.save(session, SENIOR, dated, reminder_time(at(3, 16), at(2, 12)))
    assert reminder_of(database, SENIOR, dated).remind_at == at(3, 14)  # … the senior not yet
    reimport(database, record("dated", "2026-12-10T16:00:00+01:00"), now=at(2, 13))
    teen, senior = reminder_of(database, TEEN, dated), reminder_of(database, SENIOR, dated)
    assert (teen.remind_at, teen.reminded_at) == (at(2, 9), at(2, 9))
    assert (senior.remind_at, senior.reminded_at) == (at(9, 9), None)
    with database.session() as session:
        assert [d.person_id for d in saved_store.due_reminders(session, at(9, 9))] == [SENIOR]


def test_no_reminder_for_a_withdrawn_workshop_until_it_comes_back(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
    others = [record("ongoing", None), record("later", "2026-12-10T16:00:00+01:00")]
    report = reimport(database, *others, now=at(25, 10, month=11), prune=True)
    assert report.withdrawn == ["dated"]
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 9)) == []
        assert saved_store.saved_for(session, TEEN) == []
    # it comes back a week later: the reminder follows the new date
    reimport(
        database, record("dated", "2026-12-10T16:00:00+01:00"), *others, now=at(27, 10, month=11)
    )
    with database.session() as session:
        assert saved_store.due_reminders(session, at(2, 9)) == []
        assert [d.opportunity.id for d in saved_store.due_reminders(session, at(9, 9))] == [dated]


def test_an_import_that_fails_moves_no_reminder(database, catalogue_ids):
    dated = catalogue_ids["dated"]
    with database.session() as session:
        saved_store.save(session, TEEN, dated, reminder_time(at(3, 16), NOW))
    moved = read_catalogue([record("dated", "2026-12-10T16:00:00+01:00")])
    with pytest.raises(RuntimeError), database.session() as session:
        apply_records(session, moved, "ljubljana", LJ, now=at(25, 10, month=11))
        assert session.get(SavedOpportunity, (TEEN, dated)).remind_at == at(9, 9)
        raise RuntimeError("the import is interrupted before it commits")
    assert reminder_of(database, TEEN, dated).remind_at == at(2, 9)
    with database.session() as session:
        assert session.get(Opportunity, dated).starts_at == at(3, 16)


# ---- the actions ------------------------------------------------------------------------------
@pytest.fixture
def services(tmp_path, embedder, warm_cache, interpreter):
    """Services whose clock stands at NOW (Monday 23 November 2026, 12:00)."""
    from .conftest import make_services

    services = make_services(tmp_path, embedder, warm_cache, interpreter, clock=lambda: NOW)
    services.catalogue.import_file(DEMO)
    with services.database.session() as session:
        add_people(session)
    yield services
    services.close()


@pytest.fixture
def service(services):
    return services.catalogue


def opportunity_id(service, key: str) -> int:
    with service.database.session() as session:
        return session.scalar(select(Opportunity.id).where(Opportunity.external_id == key))


@pytest.fixture
def act(services):
    def act(action: str, sender: int, **slots):  # type: ignore[no-untyped-def]
        messages, _events = run_action(
            services.dialogue.actions[action], make_tracker(str(sender), slots)
        )
        for message in messages:
            assert from_json(to_json(message)) == message  # the trip through Rasa changes nothing
        return messages

    return act


def due(services, moment):  # type: ignore[no-untyped-def]
    return reminders_due(services.dialogue.services, moment)


def test_saving_a_dated_course_sets_a_reminder_for_the_day_before(service, act):
    course = opportunity_id(service, "lj-0002")  # Slovenian A2, Monday 7 December, 17:00
    [notice] = act("action_save_opportunity", TEEN, opportunity_id=course)
    assert notice == Notice(
        "saved",
        {
            "opportunity_id": course,
            "title": {"sl": "Tečaj slovenščine A2", "en": "Slovenian course A2"},
            "new": True,
            "reminder": "set",
            "remind_at": "2026-12-06T09:00:00+01:00",  # Sunday, 9:00 in Ljubljana
            "starts_at": "2026-12-07T17:00:00+01:00",
        },
    )
    [again] = act("action_save_opportunity", TEEN, opportunity_id=course)
    assert again.params["new"] is False and again.params["reminder"] == "set"


def test_an_ongoing_club_is_saved_without_a_reminder(service, act):
    club = opportunity_id(service, "lj-0013")
    [notice] = act("action_save_opportunity", TEEN, opportunity_id=club)
    assert notice.code == "saved" and notice.params["reminder"] == "ongoing"
    assert notice.params["remind_at"] is None
    with service.database.session() as session:
        assert session.get(SavedOpportunity, (TEEN, club)).remind_at is None


def test_saving_what_is_not_in_the_catalogue_says_so(act):
    assert act("action_save_opportunity", TEEN, opportunity_id=999_999) == [Notice("gone")]
    assert act("action_save_opportunity", TEEN, opportunity_id="x") == [Notice("gone")]
    assert act("action_save_opportunity", TEEN, opportunity_id=2**63) == [Notice("gone")]
    assert act("action_list_saved", TEEN) == [Notice("none_saved")]


def test_the_saved_list_shows_soonest_first_with_the_reminders_to_come(service, act):
    club, course = opportunity_id(service, "lj-0013"), opportunity_id(service, "lj-0002")
    act("action_save_opportunity", SENIOR, opportunity_id=club)
    act("action_save_opportunity", SENIOR, opportunity_id=course)
    [listing] = act("action_list_saved", SENIOR)
    assert isinstance(listing, SavedList)
    assert [i.opportunity.key for i in listing.items] == ["lj-0002", "lj-0013"]
    assert [i.remind_at for i in listing.items] == ["2026-12-06T09:00:00+01:00", None]
    assert act("action_remove_saved", SENIOR, opportunity_id=course) == [
        Notice("unsaved", {"opportunity_id": course})
    ]
    assert act("action_remove_saved", SENIOR, opportunity_id=course) == [
        Notice("not_saved", {"opportunity_id": course})
    ]
    [listing] = act("action_list_saved", SENIOR)
    assert [i.opportunity.key for i in listing.items] == ["lj-0013"]


def test_the_reminders_due_name_the_day(services, service, act):
    course = opportunity_id(service, "lj-0002")
    act("action_save_opportunity", TEEN, opportunity_id=course)
    assert due(services, at(6, 8, 59)) == []
    [reminder] = due(services, at(6, 9))
    assert (reminder.person_id, reminder.opportunity_id, reminder.language) == (TEEN, course, "sl")
    assert isinstance(reminder.message, Reminder) and reminder.message.day == "tomorrow"
    assert reminder.message.opportunity.title["sl"] == "Tečaj slovenščine A2"
    assert from_json(to_json(reminder.message)) == reminder.message
    assert due(services, datetime(2026, 12, 7, 16, tzinfo=UTC)) == []  # it has started
    assert due(services, at(6, 9) + timedelta(hours=1))  # still due until sent


def test_the_saved_list_shows_the_new_reminder_after_the_course_moves(services, service, act):
    course = opportunity_id(service, "lj-0002")  # Monday 7 December, 17:00
    act("action_save_opportunity", SENIOR, opportunity_id=course)
    line = next(x for x in DEMO.read_text(encoding="utf-8").splitlines() if '"lj-0002"' in x)
    moved = json.loads(line) | {"start": "2026-12-14T17:00:00+01:00"}  # a week later
    with service.database.session() as session:
        records_in_ljubljana(session, [json.dumps(moved)], now=NOW)
    [listing] = act("action_list_saved", SENIOR)
    assert [i.remind_at for i in listing.items] == ["2026-12-13T09:00:00+01:00"]  # Sunday 9:00
    assert due(services, at(6, 9)) == []
    [reminder] = due(services, at(13, 9))
    assert (reminder.person_id, reminder.opportunity_id, reminder.message.day) == (
        SENIOR,
        course,
        "tomorrow",
    )


def outbox_rows(services) -> list[OutboxMessage]:
    with services.database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_due_reminders_go_to_the_outbox_once(services, service, act):
    course = opportunity_id(service, "lj-0002")  # Monday 7 December, 17:00
    act("action_save_opportunity", TEEN, opportunity_id=course)
    zone_start = datetime(2026, 12, 7, 17, tzinfo=LJ)
    assert queue_reminders(services.dialogue.services, at(6, 8, 59)) == 0
    assert queue_reminders(services.dialogue.services, at(6, 9)) == 1
    [row] = outbox_rows(services)
    [reminder] = [from_json(m) for m in row.payload]
    assert isinstance(reminder, Reminder) and reminder.day == "tomorrow"
    assert reminder.opportunity.title["sl"] == "Tečaj slovenščine A2"
    assert (row.person_id, row.kind, row.status) == (TEEN, "reminder", "pending")
    assert (row.not_before, row.expires_at) == (at(6, 9), zone_start)  # worth it until it starts
    assert row.dedupe_key == reminder_key(TEEN, course, at(6, 9))
    with service.database.session() as session:
        assert session.get(SavedOpportunity, (TEEN, course)).reminded_at == at(6, 9)
    assert queue_reminders(services.dialogue.services, at(6, 9, 1)) == 0  # once, not every minute
    # removed and saved again the same day: due again, but the outbox has it already
    act("action_remove_saved", TEEN, opportunity_id=course)
    with service.database.session() as session:
        saved_store.save(session, TEEN, course, at(6, 9))
    assert queue_reminders(services.dialogue.services, at(6, 9, 2)) == 0
    assert len(outbox_rows(services)) == 1


def test_a_reminder_is_marked_and_queued_in_one_transaction(services, service, act, monkeypatch):
    course = opportunity_id(service, "lj-0002")
    act("action_save_opportunity", TEEN, opportunity_id=course)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(saved_actions.outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        queue_reminders(services.dialogue.services, at(6, 9))
    with service.database.session() as session:  # not marked: it is still due
        assert session.get(SavedOpportunity, (TEEN, course)).reminded_at is None
    monkeypatch.undo()
    assert queue_reminders(services.dialogue.services, at(6, 9, 1)) == 1
