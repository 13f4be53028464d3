"""A directory file (directory.services.directory_sync): people created, changed, moved
and made leavers from the HR system's export, checked whole before anything is written,
idempotent, and held by the safety valve for HR's approval when it would make too many
leavers at once."""

import datetime

import pytest

from common.csv_import import RowErrorsFound
from common.errors import TransitionError
from common.models import AuditEvent, Email
from directory.models import DirectorySync
from directory.services import (
    SyncHeldError,
    directory_sync,
    directory_sync_approve,
    directory_sync_reject,
    person_leave,
)
from people.models import ReportingLine, User
from people.services import user_left_on_set
from tests.people.factories import HRFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,title,region,manager_email,active"
FEB_1 = datetime.date(2027, 2, 1)


def people_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode() + b"\n"


def sync(content: bytes, by, *, dry_run: bool = False):
    return directory_sync(
        file=content,
        file_name="people.csv",
        source=DirectorySync.Source.UPLOAD,
        dry_run=dry_run,
        by=by,
    )


def written() -> tuple:
    """Everything a directory file could write."""
    return (
        list(User.objects.order_by("pk").values_list("email", "full_name", "is_active")),
        ReportingLine.objects.count(),
        AuditEvent.objects.count(),
        DirectorySync.objects.count(),
        Email.objects.count(),
    )


@pytest.fixture
def company(clock, hr):
    """Twenty active people: Hana of HR, a second HR person, and eighteen others
    (p01@example.com ... p18@example.com), the first one managing the rest."""
    second_hr = HRFactory(email="second.hr@example.com")
    boss = UserFactory(email="p01@example.com", full_name="Pat Boss")
    others = [
        UserFactory(email=f"p{n:02}@example.com", full_name=f"Person {n}", manager=boss)
        for n in range(2, 19)
    ]
    assert User.objects.filter(is_active=True).count() == 20
    return [hr, second_hr, boss, *others]


# --- what a file changes ----------------------------------------------------------------


def test_new_people_are_created_with_their_manager_in_any_row_order(clock, hr):
    content = people_file(
        "ana@example.com,Ana Lima,Team Lead,North,boss@example.com,yes",
        "boss@example.com,Bo Boss,Sales Director,North,,yes",
    )

    report, recorded = sync(content, hr)

    assert sorted(report.created) == ["ana@example.com", "boss@example.com"]
    ana = User.objects.select_related("manager").get(email="ana@example.com")
    assert (ana.full_name, ana.job_title, ana.region, ana.manager.email) == (
        "Ana Lima",
        "Team Lead",
        "North",
        "boss@example.com",
    )
    assert not ana.has_usable_password()
    assert list(ReportingLine.objects.filter(person=ana).values_list("manager", "ended_on")) == [
        (ana.manager_id, None)
    ]
    assert recorded.status == DirectorySync.Status.APPLIED
    assert recorded.created_by == hr
    (event,) = AuditEvent.objects.filter(action="directory_sync.apply")
    assert event.changes["report"][1]["created"] == 2


def test_changed_details_are_updated_and_audited(clock, hr):
    ana = UserFactory(
        email="ana@example.com", full_name="Ana Lima", job_title="Rep", region="North"
    )

    report, _ = sync(people_file("ANA@Example.com,Ana Lima-Souza,Team Lead,South,,yes"), hr)

    assert report.updated == ["ana@example.com"]
    ana.refresh_from_db()
    assert (ana.full_name, ana.job_title, ana.region) == ("Ana Lima-Souza", "Team Lead", "South")
    (event,) = AuditEvent.objects.filter(action="user.update")
    assert (event.actor, event.subject) == (hr, ana)
    assert event.changes["job_title"] == ["Rep", "Team Lead"]
    assert event.changes["region"] == ["North", "South"]


def test_empty_cells_change_nothing(clock, hr):
    boss = UserFactory(email="boss@example.com")
    ana = UserFactory(
        email="ana@example.com", full_name="Ana Lima", job_title="Rep", region="North", manager=boss
    )
    before = written()

    report, _ = sync(people_file("ana@example.com,,,,,"), hr)

    assert report.unchanged == ["ana@example.com"]
    ana.refresh_from_db()
    assert (ana.full_name, ana.job_title, ana.region, ana.manager, ana.is_active) == (
        "Ana Lima",
        "Rep",
        "North",
        boss,
        True,
    )
    assert written()[:2] == before[:2]
    assert not AuditEvent.objects.exclude(action__startswith="directory_sync.").exists()


def test_a_new_manager_writes_the_reporting_line(clock, hr):
    old = UserFactory(email="old@example.com", full_name="Old Boss")
    UserFactory(email="new@example.com", full_name="New Boss")
    ana = UserFactory(
        email="ana@example.com", manager=old, date_joined=clock.now - datetime.timedelta(days=30)
    )

    report, _ = sync(people_file("ana@example.com,,,,new@example.com,"), hr)

    assert report.managers_changed == ["ana@example.com"]
    lines = ReportingLine.objects.filter(person=ana).select_related("manager")
    assert [(line.manager.email, line.ended_on) for line in lines] == [
        ("old@example.com", FEB_1),
        ("new@example.com", None),
    ]
    (event,) = AuditEvent.objects.filter(action="user.manager_change")
    assert event.actor == hr


def test_active_no_makes_a_leaver_through_the_cascade(company, hr):
    leaver = company[-1]

    report, _ = sync(people_file(f"{leaver.email},,,,,no"), hr)

    assert report.leaving == [leaver.email]
    leaver.refresh_from_db()
    assert (leaver.is_active, leaver.left_on) == (False, FEB_1)
    (event,) = AuditEvent.objects.filter(action="person.leave")
    assert event.changes["departure"][1]["source"] == "file"
    assert event.actor == hr
    assert ReportingLine.objects.get(person=leaver).ended_on == FEB_1


def test_a_leaver_listed_as_active_comes_back(clock, hr):
    ana = UserFactory(email="ana@example.com")
    user_left_on_set(user=ana, left_on=datetime.date(2027, 1, 15), by=hr)

    report, _ = sync(people_file("ana@example.com,,,,,yes"), hr)

    assert report.returned == ["ana@example.com"]
    ana.refresh_from_db()
    assert (ana.is_active, ana.left_on) == (True, None)
    assert AuditEvent.objects.filter(action="user.return", subject=ana).count() == 1


def test_unknown_people_marked_inactive_are_ignored(clock, hr):
    report, _ = sync(people_file("gone@example.com,Gone Person,,,,no"), hr)

    assert report.unchanged == ["gone@example.com"]
    assert not User.objects.filter(email="gone@example.com").exists()


def test_the_same_file_twice_changes_nothing_the_second_time(company, hr):
    boss, second, leaver = company[2], company[3], company[-1]
    content = people_file(
        "new@example.com,Nia New,Team Lead,East,p01@example.com,yes",
        f"{second.email},Renamed Person,,,,",
        f"{boss.email},,,,{hr.email},",
        f"{leaver.email},,,,,no",
    )
    first, _ = sync(content, hr)
    assert (first.created, first.updated, first.managers_changed, first.leaving) == (
        ["new@example.com"],
        [second.email],
        [boss.email],
        [leaver.email],
    )
    before = written()
    business = AuditEvent.objects.exclude(action__startswith="directory_sync.")
    events = business.count()

    again, recorded = sync(content, hr)

    assert again.as_dict()["counts"] == {
        "created": 0,
        "updated": 0,
        "managers_changed": 0,
        "returned": 0,
        "leaving": 0,
        "unchanged": 4,
        "errors": 0,
    }
    assert written()[:2] == before[:2]
    assert business.count() == events, "the second file changed nobody"
    assert recorded.status == DirectorySync.Status.APPLIED


def test_a_dry_run_reports_and_writes_nothing(company, hr):
    before = written()

    report, recorded = sync(
        people_file("new@example.com,Nia New,,,,yes", f"{company[-1].email},,,,,no"),
        hr,
        dry_run=True,
    )

    assert recorded is None
    assert (report.created, report.leaving) == (["new@example.com"], [company[-1].email])
    assert written() == before


def test_every_row_error_is_listed_and_nothing_is_written(clock, hr):
    UserFactory(email="eve@example.com", full_name="Eve Leaving")
    content = people_file(
        "not-an-email,Bad Email,,,,yes",  # 2
        "ana@example.com,Ana Lima,,,,yes",  # 3
        "ana@example.com,Ana Again,,,,yes",  # 4 duplicate
        "ben@example.com,Ben Ode,,,ghost@example.com,yes",  # 5 unknown manager
        "cat@example.com,Cat Self,,,cat@example.com,yes",  # 6 own manager
        "dan@example.com,Dan Dale,,,eve@example.com,yes",  # 7 manager who is leaving
        "eve@example.com,,,,,no",  # 8
        "fay@example.com,Fay Maybe,,,,maybe",  # 9
        "gus@example.com,,,,,yes",  # 10 new without a name
    )
    expected = {
        (2, "email"),
        (4, "email"),
        (5, "manager_email"),
        (6, "manager_email"),
        (7, "manager_email"),
        (9, "active"),
        (10, "full_name"),
    }
    dry, _ = sync(content, hr, dry_run=True)
    assert {(error.row, error.column) for error in dry.errors} == expected
    before = written()

    with pytest.raises(RowErrorsFound) as refused:
        sync(content, hr)

    assert {(error["row"], error["column"]) for error in refused.value.extra["errors"]} == expected
    assert written() == before


def test_an_address_too_long_to_store_is_a_row_error(clock, hr):
    """Valid by RFC (up to 320 characters) but longer than the 254 Lodestar stores."""
    long_address = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"
    content = people_file(f"{long_address},Long Address,,,,yes", "ok@example.com,Ok Person,,,,yes")

    dry, _ = sync(content, hr, dry_run=True)
    with pytest.raises(RowErrorsFound) as refused:
        sync(content, hr)

    assert [(e.row, e.column) for e in dry.errors] == [(2, "email")]
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "email")]
    assert not User.objects.filter(email="ok@example.com").exists()


def test_a_manager_who_left_already_is_a_row_error(clock, hr):
    gone = UserFactory(email="gone@example.com")
    user_left_on_set(user=gone, left_on=datetime.date(2027, 1, 15), by=hr)

    with pytest.raises(RowErrorsFound) as refused:
        sync(people_file("ana@example.com,Ana Lima,,,gone@example.com,yes"), hr)

    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "manager_email")]
    assert not User.objects.filter(email="ana@example.com").exists()


def test_header_aliases_as_hr_systems_export_them(clock, hr):
    UserFactory(email="boss@example.com")
    content = people_file(
        "ana@example.com,Ana Lima,Team Lead,South,boss@example.com,Active",
        header="Work Email,Name,Job Title,Location,Manager,Status",
    )

    report, _ = sync(content, hr)

    assert report.created == ["ana@example.com"]
    ana = User.objects.get(email="ana@example.com")
    assert (ana.full_name, ana.job_title, ana.region, ana.manager.email) == (
        "Ana Lima",
        "Team Lead",
        "South",
        "boss@example.com",
    )


def test_a_file_cannot_make_the_last_hr_people_leavers(company, hr):
    """Like erasure (people.services.LastHRError): with no active HR person nobody
    could approve a held file, read its email or give the role again."""
    second_hr = company[1]
    content = people_file(f"{hr.email},,,,,no", f"{second_hr.email},,,,,no")
    before = written()

    with pytest.raises(RowErrorsFound) as refused:
        sync(content, hr)

    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "active"), (3, "active")]
    assert written() == before
    report, _ = sync(people_file(f"{second_hr.email},,,,,no"), hr)
    assert report.leaving == [second_hr.email], "one of two may leave"


# --- the safety valve -------------------------------------------------------------------


def leavers_file(people, count: int, *extra: str) -> bytes:
    return people_file(*(f"{person.email},,,,,no" for person in people[-count:]), *extra)


def test_a_file_making_more_than_a_tenth_leavers_is_held_for_hr(company, hr):
    second_hr = company[1]

    report, held = sync(leavers_file(company, 3), hr)

    assert report.held
    assert (len(report.leaving), report.active_people) == (3, 20)
    assert held.status == DirectorySync.Status.HELD
    assert User.objects.filter(is_active=True).count() == 20, "nobody is deactivated"
    assert not AuditEvent.objects.filter(action="person.leave").exists()
    owed = Email.objects.filter(kind="directory.sync_held")
    assert sorted(owed.values_list("to", flat=True)) == sorted([hr.email, second_hr.email])
    (event,) = AuditEvent.objects.filter(action="directory_sync.hold")
    assert (event.actor, event.object_id) == (hr, str(held.pk))
    assert event.changes["report"][1]["leaving"] == 3


def test_exactly_a_tenth_is_applied(company, hr):
    report, recorded = sync(leavers_file(company, 2), hr)

    assert not report.held
    assert recorded.status == DirectorySync.Status.APPLIED
    assert User.objects.filter(is_active=True).count() == 18
    assert not Email.objects.filter(kind="directory.sync_held").exists()


def test_the_share_is_a_setting(company, hr, settings):
    settings.DIRECTORY_SYNC_MAX_LEAVER_SHARE = 0.2
    report, _ = sync(leavers_file(company, 3), hr)
    assert not report.held
    assert User.objects.filter(is_active=True).count() == 17

    settings.DIRECTORY_SYNC_MAX_LEAVER_SHARE = 0.05
    settings.DIRECTORY_SYNC_VALVE_MIN = 1
    report, recorded = sync(leavers_file(company, 4), hr)
    assert report.held, "1 more leaver of 17 (6 %) is over 5 %"
    assert recorded.status == DirectorySync.Status.HELD


def test_fewer_leavers_than_the_minimum_are_never_held(company, hr, settings):
    settings.DIRECTORY_SYNC_MAX_LEAVER_SHARE = 0.05
    report, recorded = sync(leavers_file(company, 2), hr)
    assert (report.held, recorded.status) == (False, DirectorySync.Status.APPLIED), (
        "2 of 20 is over 5 %, but fewer than DIRECTORY_SYNC_VALVE_MIN (3)"
    )

    settings.DIRECTORY_SYNC_VALVE_MIN = 2
    report, _ = sync(leavers_file(company, 4), hr)
    assert report.held, "2 more of 18: at the minimum, and over 5 %"


def test_a_wrong_export_split_into_files_is_held_all_the_same(company, hr, clock):
    first, _ = sync(leavers_file(company, 2), hr)
    assert not first.held

    second, recorded = sync(people_file(f"{company[-3].email},,,,,no"), hr)

    assert (second.held, second.recent_leavers) == (True, 2), "3 of 20 within a day"
    assert recorded.status == DirectorySync.Status.HELD
    clock.advance(hours=24, seconds=1)
    directory_sync_reject(sync=recorded, by=hr)
    third, _ = sync(people_file(f"{company[-3].email},,,,,no"), hr)
    assert (third.held, third.recent_leavers) == (False, 0), "a day later it counts alone"


def test_a_file_making_no_leaver_is_never_held(company, hr):
    sync(leavers_file(company, 2), hr)
    report, recorded = sync(people_file("new@example.com,Nia New,,,,yes"), hr)
    assert (report.held, recorded.status) == (False, DirectorySync.Status.APPLIED)


def test_no_other_file_while_one_is_held(company, hr):
    sync(leavers_file(company, 3), hr)
    before = written()

    with pytest.raises(SyncHeldError) as refused:
        sync(people_file("new@example.com,Nia New,,,,yes"), hr)

    assert refused.value.status_code == 409
    assert written() == before


def test_approving_applies_the_held_file(company, hr, clock):
    _, held = sync(leavers_file(company, 3, "new@example.com,Nia New,,,p01@example.com,yes"), hr)
    second_hr = company[1]

    report = directory_sync_approve(sync=held, by=second_hr)

    assert (len(report.leaving), report.created) == (3, ["new@example.com"])
    held.refresh_from_db()
    assert (held.status, held.decided_by, held.decided_at) == ("applied", second_hr, clock.now)
    assert not User.objects.filter(pk__in=[p.pk for p in company[-3:]], is_active=True).exists()
    assert AuditEvent.objects.filter(action="person.leave", actor=second_hr).count() == 3
    assert AuditEvent.objects.filter(action="directory_sync.approve").count() == 1


def test_approving_checks_the_file_again_against_the_directory_as_it_is_now(company, hr):
    manager = company[4]
    _, held = sync(leavers_file(company, 3, f"new@example.com,Nia New,,,{manager.email},yes"), hr)
    person_leave(person=manager, by=hr)  # meanwhile, the new person's manager left
    before = written()

    with pytest.raises(RowErrorsFound) as refused:
        directory_sync_approve(sync=held, by=hr)

    assert [(e.row, e.column) for e in refused.value.errors] == [(5, "manager_email")]
    assert written() == before
    held.refresh_from_db()
    assert (held.status, held.decided_by) == (DirectorySync.Status.HELD, None)


def test_rejecting_applies_nothing_and_lets_the_next_file_in(company, hr):
    _, held = sync(leavers_file(company, 3), hr)

    directory_sync_reject(sync=held, by=hr)

    held.refresh_from_db()
    assert (held.status, held.decided_by) == (DirectorySync.Status.REJECTED, hr)
    assert User.objects.filter(is_active=True).count() == 20
    assert AuditEvent.objects.filter(action="directory_sync.reject").count() == 1
    report, _ = sync(people_file("new@example.com,Nia New,,,,yes"), hr)
    assert report.created == ["new@example.com"]


def test_a_file_is_decided_once(company, hr):
    _, held = sync(leavers_file(company, 3), hr)
    directory_sync_approve(sync=held, by=hr)
    events = AuditEvent.objects.count()

    with pytest.raises(TransitionError):
        directory_sync_approve(sync=held, by=hr)
    with pytest.raises(TransitionError):
        directory_sync_reject(sync=held, by=hr)

    assert AuditEvent.objects.count() == events
    held.refresh_from_db()
    assert held.status == DirectorySync.Status.APPLIED


# --- cost -------------------------------------------------------------------------------


def test_checking_a_file_costs_the_same_queries_however_many_people_it_lists(
    hr, django_assert_max_num_queries
):
    def team(size: int, boss: str) -> bytes:
        manager = UserFactory(email=f"{boss}@example.com")
        people = [UserFactory(manager=manager) for _ in range(size)]
        return people_file(*(f"{p.email},,,,{boss}@example.com,yes" for p in people))

    small, large = team(2, "boss.a"), team(20, "boss.b")
    with django_assert_max_num_queries(20) as few:
        sync(small, hr, dry_run=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        report, _ = sync(large, hr, dry_run=True)
    assert len(report.unchanged) == 20
