"""Organisations' numbers: what is counted (results shown, details opened, saves, claim links used,
badges awarded) on SQLite and PostgreSQL, on the city's day across a midnight in Ljubljana, the
report over a period for the staff who may see it and for nobody else, with no person in it;
the learner's full data export, and /forget deleting what organisations' features stored of
them (follows, drafts, staff places) while the audit log keeps staff's Telegram ids only."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import delete, func, select, update

from access import audit
from access.policy import Actor, Capability, Refused
from bot.cli import build_parser
from bot.services import build_services
from bot.stats_cli import stats_command
from bot.stats_text import summary
from index.when import wall_clock
from organisations.stats import BadPeriod, Period
from store import follows, people, personal_data, usage
from store import saved as saved_store
from store.models import (
    AuditEntry,
    EvidenceRequest,
    Follow,
    Opportunity,
    Organisation,
    Person,
    PostDraft,
    StaffInvite,
    StaffMember,
    UsageCount,
)

from .badges_world import (
    ADMIN,
    AS_ADMIN,
    LEARNER,
    SECOND,
    badge_services,
    code_of,
    load_catalogue,
    person,
    seed_keys,
    settings_for,
)

ZONE = ZoneInfo("Europe/Ljubljana")
EDITOR, OTHER_EDITOR = 5101, 5102  # staff's Telegram ids
SISKA = "Četrtni mladinski center Šiška"


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    yield services, clock
    services.close()


@pytest.fixture
def sqlite_world(tmp_path, issuing_keys):
    services, clock = badge_services(tmp_path, issuing_keys)
    yield services, clock
    services.close()


def ids(services) -> dict[str, int]:
    """The opportunities by their catalogue id."""
    with services.database.session() as session:
        return dict(session.execute(select(Opportunity.external_id, Opportunity.id)).all())


def organisation(services, name: str) -> Organisation:
    with services.database.session() as session:
        found = session.scalar(select(Organisation).where(Organisation.name == name))
        session.expunge(found)
        return found


def on_staff(services, telegram_id: int, organisation_id: int, role: str = "editor") -> int:
    with services.database.session() as session:
        someone = people.seen(session, telegram_id, services.clock())
        session.add(StaffMember(organisation_id=organisation_id, person_id=someone.id, role=role))
        return someone.id


def test_shown_viewed_saved_claimed_and_awarded_are_counted_for_the_organisation_alone(world):
    services, clock = world
    item = ids(services)
    siska = organisation(services, SISKA)
    today = clock().date()
    with services.database.session() as session:  # a page of three, shown twice; one opened
        page = [item["lj-robotika"], item["lj-a1"], item["lj-talk"]]
        usage.add_items(session, today, usage.SHOWN, page)
        usage.add_items(session, today, usage.SHOWN, page)
        usage.add_items(session, today, usage.VIEWED, [item["lj-robotika"]])
        usage.add_items(session, today, usage.SHOWN, [])  # nothing shown: nothing written
    learner = person(services, LEARNER)
    with services.database.session() as session:
        saved_store.save(session, learner, item["lj-robotika"], None, counted_on=today)
        saved_store.save(session, learner, item["lj-robotika"], None, counted_on=today)  # again
    code = code_of(services.badges.claim_link(AS_ADMIN, "lj-robotika").link)
    assert services.badges.redeem(learner, code).status == "awarded"
    person(services, SECOND)
    services.badges.award(AS_ADMIN, "lj-robotika", SECOND)  # awarded, no claim link

    report = services.stats.report(Actor.command_line(), siska.id, Period.last_days(7, today))
    assert report.totals == {
        usage.SHOWN: 2,
        usage.VIEWED: 1,
        usage.SAVED: 1,  # saving again is no new save
        usage.FOLLOWED: 0,
        usage.CLAIMED: 1,
        usage.AWARDED: 2,
        usage.REACHED: 0,
    }
    [robotics] = report.items
    assert robotics.title == {"sl": "Robotska delavnica", "en": "Robotics workshop"}
    assert robotics.counts[usage.SHOWN] == 2 and robotics.counts[usage.AWARDED] == 2
    with services.database.session() as session:  # the other items counted for their own
        others = usage.totals(session, organisation(services, "Knjižnica").id, today, today)
        assert others == {(usage.SHOWN, item["lj-talk"]): 2}
        rows = session.scalar(select(func.count()).select_from(UsageCount))
        assert rows == 7  # one a day per item and metric


def test_an_item_of_no_organisation_is_not_counted(sqlite_world):
    services, clock = sqlite_world
    item = ids(services)
    with services.database.session() as session:
        session.execute(
            update(Opportunity)
            .where(Opportunity.id == item["lj-talk"])
            .values(organisation_id=None)
        )
        usage.add_items(session, clock().date(), usage.SHOWN, [item["lj-talk"], 10**6])
        assert session.scalar(select(func.count()).select_from(UsageCount)) == 0


def test_the_day_is_the_citys_across_a_midnight_in_ljubljana(tmp_path, issuing_keys):
    """23:30 and 00:30 in Ljubljana are two days there (and one day, 23 November, in UTC)."""
    seed_keys(issuing_keys, tmp_path)
    services = build_services(settings_for(tmp_path), clock=wall_clock)
    try:
        load_catalogue(services)
        item = ids(services)
        siska = organisation(services, SISKA).id
        before = datetime(2026, 11, 23, 23, 30, tzinfo=ZONE)
        after = datetime(2026, 11, 24, 0, 30, tzinfo=ZONE)
        assert before.astimezone(UTC).date() == after.astimezone(UTC).date()
        for moment, shown in ((before, 3), (after, 1)):
            with time_machine.travel(moment, tick=False):
                day = services.clock().date()  # as the chat counts: the city's day
                with services.database.session() as session:
                    for _ in range(shown):
                        usage.add_items(session, day, usage.SHOWN, [item["lj-robotika"]])
        with time_machine.travel(after, tick=False):
            today = services.stats.today()
            assert today == date(2026, 11, 24)
            platform = Actor.command_line()
            just_today = services.stats.report(platform, siska, Period.last_days(1, today))
            assert just_today.totals[usage.SHOWN] == 1
            week = services.stats.report(platform, siska, Period.named("7d", today))
            assert week.totals[usage.SHOWN] == 4
            assert (week.period.since, week.period.until) == (date(2026, 11, 18), today)
            year = services.stats.report(platform, siska, Period.named("year", today))
            assert year.period.since == date(2026, 1, 1) and year.totals[usage.SHOWN] == 4
            the_day_before = Period.between(date(2026, 11, 23), date(2026, 11, 23))
            assert services.stats.report(platform, siska, the_day_before).totals[usage.SHOWN] == 3
    finally:
        services.close()


def test_periods_that_cannot_be_reported_on_are_refused():
    today = date(2026, 11, 24)
    with pytest.raises(BadPeriod):
        Period.between(today, date(2026, 11, 1))
    with pytest.raises(BadPeriod):
        Period.last_days(0, today)
    with pytest.raises(BadPeriod):
        Period.named("forever", today)
    with pytest.raises(BadPeriod):
        Period.between(date(2000, 1, 1), today)
    assert Period.last_days(30, today).preset == "30d" and Period.last_days(30, today).days == 30


def test_only_the_organisations_staff_see_its_numbers_and_it_is_audited(world):
    services, clock = world
    siska = organisation(services, SISKA).id
    library = organisation(services, "Knjižnica").id
    on_staff(services, EDITOR, siska)
    on_staff(services, OTHER_EDITOR, library)
    person(services, LEARNER)
    period = Period.last_days(7, clock().date())
    seen = services.stats.report(Actor.on_telegram(EDITOR), siska, period)
    assert seen.slug == organisation(services, SISKA).slug
    assert services.stats.report(Actor.on_telegram(ADMIN), library, period).name == "Knjižnica"
    for telegram_id, organisation_id in (
        (OTHER_EDITOR, siska),
        (LEARNER, siska),
        (EDITOR, library),
    ):
        with pytest.raises(Refused):
            services.stats.report(Actor.on_telegram(telegram_id), organisation_id, period)
    with services.database.session() as session:
        logged = [
            (e.action, e.actor_telegram_id, e.organisation_id) for e in audit.entries(session)
        ]
    assert sorted(logged) == sorted([("stats.view", EDITOR, siska), ("stats.view", ADMIN, library)])


def test_a_report_names_no_person(world):
    services, clock = world
    item = ids(services)
    learner = person(services, LEARNER)
    siska = organisation(services, SISKA)
    with services.database.session() as session:
        saved_store.save(session, learner, item["lj-robotika"], None, counted_on=clock().date())
        follows.follow(session, learner, "organisation", siska.slug, siska.city, clock())
    services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
    report = services.stats.report(
        Actor.command_line(), siska.id, Period.last_days(7, clock().date())
    )
    assert report.followers == 1 and report.totals[usage.SAVED] == 1
    written = json.dumps(asdict(report), default=str)
    assert str(LEARNER) not in written
    assert not {"person", "person_id", "telegram_id", "who"} & set(_keys(asdict(report)))
    text = summary(report, "sl")
    assert str(LEARNER) not in text
    assert "Sledilci zdaj: 1" in text and "1 shranitev" in text


def _keys(value) -> set[str]:  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_summary_reads_in_slovenian_with_its_plural_forms_and_in_english(sqlite_world):
    services, clock = sqlite_world
    item = ids(services)
    siska = organisation(services, SISKA).id
    today = clock().date()
    with services.database.session() as session:
        usage.add(session, today, [(siska, usage.SHOWN, item["lj-robotika"])] * 1234)
        usage.add(session, today, [(siska, usage.VIEWED, item["lj-robotika"])] * 2)
        usage.add(session, today, [(siska, usage.SAVED, item["lj-robotika"])] * 3)
        usage.add(session, today, [(siska, usage.FOLLOWED, 0)] * 5)
        usage.add(session, today, [(siska, usage.REACHED, 0)] * 101)
    report = services.stats.report(Actor.command_line(), siska, Period.named("7d", today))
    lines = summary(report, "sl").split("\n")
    assert lines[0] == f"Številke za {SISKA}, 17.–23. nov. 2026 (zadnjih 7 dni):"
    assert "• 1.234 prikazov med rezultati iskanja" in lines
    assert "• 2 ogleda podrobnosti" in lines
    assert "• 3 shranitve" in lines
    assert "• 5 novih sledilcev" in lines
    assert "• 101 dostavljeno obvestilo" in lines
    assert "1. Robotska delavnica: prikazano 1.234, odprto 2, shranjeno 3" in lines
    english = summary(report, "en").split("\n")
    assert english[0] == f"Numbers for {SISKA}, Nov 17\u2009–\u200923, 2026 (last 7 days):"
    assert "• Shown in search results 1,234 times" in english
    assert "• 101 announcements delivered" in english


def test_stats_on_the_command_line(sqlite_world, capsys):
    services, clock = sqlite_world
    siska = organisation(services, SISKA)
    with services.database.session() as session:
        usage.add_items(session, clock().date(), usage.SHOWN, [ids(services)["lj-robotika"]])
    args = build_parser().parse_args(["stats", siska.slug, "--days", "30"])
    assert stats_command(services, args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Numbers for {SISKA}, Oct 25\u2009–\u2009Nov 23, 2026 (last 30 days):")
    assert "• Shown in search results 1 time" in out
    args = build_parser().parse_args(["stats", siska.slug, "--json"])
    assert stats_command(services, args) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["shown"] == 1
    assert stats_command(services, build_parser().parse_args(["stats", "nobody"])) == 1
    wrong = build_parser().parse_args(
        ["stats", siska.slug, "--since", "2026-11-20", "--until", "2026-11-01"]
    )
    assert stats_command(services, wrong) == 2
    assert "ends before it starts" in capsys.readouterr().err


# ---- a person's data --------------------------------------------------------------------------
def test_the_export_holds_everything_stored_about_the_learner_and_no_secret(world):
    services, clock = world
    item = ids(services)
    siska = organisation(services, SISKA)
    learner = on_staff(services, LEARNER, siska.id, "admin")  # a learner who is staff too
    services.badges.set_email(learner, "ana@example.org")
    award = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id
    code = code_of(services.badges.claim_link(AS_ADMIN, "lj-a1", needs_evidence=True).link)
    services.badges.submit_evidence(learner, code, "text", text="Opravila sem izpit.")
    person(services, SECOND)  # someone else: nothing of theirs in the export
    with services.database.session() as session:
        saved_store.save(session, learner, item["lj-talk"], clock())
        follows.follow(session, learner, "topic", "robotics", "ljubljana", clock())
        session.add(
            PostDraft(
                author_id=learner,
                organisation_id=siska.id,
                step="title",
                data={"title_sl": "Nova delavnica"},
            )
        )
        exported = personal_data.export(session, learner, clock())
    assert exported is not None
    text = json.dumps(exported, ensure_ascii=False)
    assert exported["person"]["telegram_id"] == LEARNER
    assert exported["person"]["email"] == "ana@example.org"
    assert [b["award"] for b in exported["badges"]] == [award]
    assert exported["badges"][0]["name"] == {"sl": "Mladi robotik", "en": "Young roboticist"}
    assert [s["opportunity"] for s in exported["saved_opportunities"]] == ["lj-talk"]
    assert exported["follows"] == [
        {
            "kind": "topic",
            "key": "robotics",
            "city": "ljubljana",
            "since": clock().astimezone(UTC).isoformat(),
        }
    ]
    assert exported["staff_roles"][0]["role"] == "admin"
    assert exported["staff_roles"][0]["organisation"] == siska.slug
    assert exported["post_drafts"][0]["answers"] == {"title_sl": "Nova delavnica"}
    assert exported["evidence_asked"] == []
    [evidence] = exported["evidence"]
    assert (evidence["status"], evidence["text"]) == ("pending", "Opravila sem izpit.")
    assert {m["kind"] for m in exported["messages_waiting"]} == {"badge"}
    assert set(exported["messages_waiting"][0]) == {
        "kind",
        "created_at",
        "not_before",
        "expires_at",
    }
    for secret in ("salt", "hash", "credential", "code", "file_id", "payload"):
        assert secret not in text
    assert str(SECOND) not in text
    with services.database.session() as session:
        assert personal_data.export(session, 10**6, clock()) is None


def test_a_claim_waiting_for_evidence_is_exported_and_forgotten(world):
    services, clock = world
    second = person(services, SECOND)
    code = code_of(services.badges.claim_link(AS_ADMIN, "lj-robotika", needs_evidence=True).link)
    assert services.badges.redeem(second, code).status == "needs_evidence"  # asked, waiting
    with services.database.session() as session:
        exported = personal_data.export(session, second, clock())
    [asked] = exported["evidence_asked"]
    assert asked["name"] == {"sl": "Mladi robotik", "en": "Young roboticist"}
    assert asked["asked_at"] == clock().astimezone(UTC).isoformat()
    with services.database.session() as session:
        assert people.forget(session, second)
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceRequest)) == 0


def test_forget_deletes_follows_drafts_and_staff_places_and_keeps_the_audit_of_staff(world):
    services, clock = world
    siska = organisation(services, SISKA)
    staff = on_staff(services, EDITOR, siska.id, "admin")
    services.stats.report(Actor.on_telegram(EDITOR), siska.id, Period.last_days(7, clock().date()))
    with services.database.session() as session:
        follows.follow(session, staff, "organisation", siska.slug, siska.city, clock())
        session.add(PostDraft(author_id=staff, organisation_id=siska.id, step="title", data={}))
        session.add(
            StaffInvite(
                code_hash="0" * 64,
                organisation_id=siska.id,
                role="admin",
                expires_at=clock(),
                used_at=clock(),
                used_by=staff,
            )
        )
    with services.database.session() as session:
        assert people.forget(session, staff)
    with services.database.session() as session:
        for model in (Follow, PostDraft, StaffMember):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.scalar(select(StaffInvite.used_by)) is None
        [entry] = session.scalars(select(AuditEntry))
        assert entry.actor_telegram_id == EDITOR  # staff's Telegram id: kept, and nothing else
    with services.database.session() as session:  # gone from the staff: no access left
        assert not services.policy.may(session, Actor.on_telegram(EDITOR), Capability.STATS, siska)


def test_the_database_cascades_too_on_both_databases(world):
    """Deleting a person's row (not through forget) takes their follows, drafts and staff places
    with it: the foreign keys say so on SQLite and PostgreSQL alike."""
    services, clock = world
    siska = organisation(services, SISKA)
    staff = on_staff(services, EDITOR, siska.id)
    with services.database.session() as session:
        follows.follow(session, staff, "district", "Šiška", siska.city, clock())
        session.add(PostDraft(author_id=staff, organisation_id=siska.id, step="title", data={}))
    with services.database.session() as session:
        session.execute(delete(Person).where(Person.id == staff))
    with services.database.session() as session:
        for model in (Follow, PostDraft, StaffMember):
            assert session.scalar(select(func.count()).select_from(model)) == 0


def test_counting_a_page_is_quick_on_sqlite(sqlite_world):
    """1 000 pages of five results counted, each in its own unit of work as the chat does: the
    median stays far below what a person could notice (measured: see the report)."""
    services, clock = sqlite_world
    item = ids(services)
    page = [item["lj-robotika"], item["lj-a1"], item["lj-talk"], 10**6, 10**6 + 1]
    today = clock().date()
    timings = []
    for _ in range(1000):
        started = time.perf_counter()
        with services.database.session() as session:
            usage.add_items(session, today, usage.SHOWN, page)
        timings.append(time.perf_counter() - started)
    with services.database.session() as session:
        assert (
            sum(usage.totals(session, organisation(services, SISKA).id, today, today).values())
            == 1000
        )
    assert statistics.median(timings) < 0.05
