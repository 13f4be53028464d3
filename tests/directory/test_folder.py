"""The sync folder (directory.services.directory_sync_folder and the task
``directory.sync_folder``): each people file the HR system drops is applied once and
moved to done/, refused into refused/ with its errors beside it, or held for HR, and
while one is held the next ones wait."""

import json

import pytest

from common.models import AuditEvent, Email
from directory import tasks
from directory.models import DirectorySync
from directory.services import directory_sync_approve, directory_sync_folder
from mentorship.models import Pairing
from mentorship.services import mentor_profile_for, pairing_create
from people.models import User
from tests.conftest import mail_counts, wait_for, worker_drained
from tests.people.factories import LeaderFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PEOPLE = (
    b"email,full_name,manager_email\n"
    b"ana@example.com,Ana Lima,\n"
    b"ben@example.com,Ben Ode,ana@example.com\n"
)


@pytest.fixture
def staff(clock, hr):
    """Twenty active people, Hana of HR among them."""
    return [hr, *(UserFactory(email=f"p{n:02}@example.com") for n in range(1, 20))]


def drop(folder, name: str, content: bytes):
    path = folder / name
    path.write_bytes(content)
    return path


def names(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.is_file())


def test_a_new_file_is_applied_and_moved_to_done(tmp_path, clock):
    drop(tmp_path, "people.csv", NEW_PEOPLE)

    run = directory_sync_folder(folder=tmp_path)

    assert run.applied == ["people.csv"]
    assert names(tmp_path) == []
    assert names(tmp_path / "done") == ["people.csv"]
    assert User.objects.get(email="ben@example.com").manager.email == "ana@example.com"
    recorded = DirectorySync.objects.get()
    assert (recorded.source, recorded.status, recorded.created_by) == ("folder", "applied", None)
    (event,) = AuditEvent.objects.filter(action="directory_sync.apply")
    assert (event.actor, event.actor_kind) == (None, "schedule")
    assert set(
        AuditEvent.objects.filter(action="user.create").values_list("actor_kind", flat=True)
    ) == {"schedule"}


def test_the_same_bytes_again_are_moved_away_not_applied_twice(tmp_path, clock):
    drop(tmp_path, "people.csv", NEW_PEOPLE)
    directory_sync_folder(folder=tmp_path)
    events = AuditEvent.objects.count()
    drop(tmp_path, "people.csv", NEW_PEOPLE)
    drop(tmp_path, "people-again.csv", NEW_PEOPLE)

    run = directory_sync_folder(folder=tmp_path)

    assert (run.applied, run.held, run.refused, run.waiting) == ([], [], [], [])
    assert names(tmp_path) == []
    assert len(names(tmp_path / "done")) == 3, "the first file is not overwritten"
    assert DirectorySync.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_file_with_row_errors_is_refused_with_its_errors_beside_it(tmp_path, clock):
    drop(tmp_path, "people.csv", b"email,full_name\nok@example.com,Ok Person\nnope,Nope\n")

    run = directory_sync_folder(folder=tmp_path)

    assert run.refused == ["people.csv"]
    assert names(tmp_path) == []
    assert names(tmp_path / "refused") == ["people.csv", "people.csv.errors.json"]
    errors = json.loads((tmp_path / "refused" / "people.csv.errors.json").read_text())
    assert [(error["row"], error["column"]) for error in errors] == [(3, "email")]
    refused = DirectorySync.objects.get()
    assert refused.status == DirectorySync.Status.REFUSED
    assert refused.report["counts"]["errors"] == 1
    assert not User.objects.filter(email="ok@example.com").exists()
    (event,) = AuditEvent.objects.filter(action="directory_sync.refuse")
    assert event.actor_kind == "schedule"


def test_a_file_that_is_no_csv_is_refused_too(tmp_path, clock):
    drop(tmp_path, "export.csv", b"PK\x03\x04\x14\x00\x06\x00")

    run = directory_sync_folder(folder=tmp_path)

    assert run.refused == ["export.csv"]
    errors = json.loads((tmp_path / "refused" / "export.csv.errors.json").read_text())
    assert [(error["row"], error["column"]) for error in errors] == [(None, "file")]
    assert "Excel workbook" in errors[0]["message"]


def test_a_held_file_makes_the_next_ones_wait_until_hr_decides(tmp_path, staff, hr):
    leavers = "".join(f"{person.email},no\n" for person in staff[-3:])
    drop(tmp_path, "1-leavers.csv", f"email,active\n{leavers}".encode())
    drop(tmp_path, "2-people.csv", NEW_PEOPLE)

    run = directory_sync_folder(folder=tmp_path)

    assert (run.held, run.applied, run.waiting) == (["1-leavers.csv"], [], ["2-people.csv"])
    assert names(tmp_path) == ["2-people.csv"]
    assert names(tmp_path / "done") == ["1-leavers.csv"]
    held = DirectorySync.objects.get()
    assert held.status == DirectorySync.Status.HELD
    assert User.objects.filter(is_active=True).count() == 20
    assert Email.objects.filter(kind="directory.sync_held", to=hr.email).count() == 1

    assert directory_sync_folder(folder=tmp_path).waiting == ["2-people.csv"]
    assert DirectorySync.objects.count() == 1
    assert Email.objects.filter(kind="directory.sync_held").count() == 1

    directory_sync_approve(sync=held, by=hr)
    run = directory_sync_folder(folder=tmp_path)

    assert run.applied == ["2-people.csv"]
    assert names(tmp_path) == []
    assert User.objects.filter(is_active=True).count() == 17 + 2


def test_the_task_applies_the_configured_folder(tmp_path, clock, settings):
    settings.DIRECTORY_SYNC_DIR = str(tmp_path)
    drop(tmp_path, "people.csv", NEW_PEOPLE)

    assert tasks.sync_folder.delay().get() == {
        "applied": ["people.csv"],
        "held": [],
        "refused": [],
        "waiting": [],
    }
    assert User.objects.filter(email__in=["ana@example.com", "ben@example.com"]).count() == 2


def test_the_task_does_nothing_without_a_folder(tmp_path, settings):
    settings.DIRECTORY_SYNC_DIR = ""
    assert tasks.sync_folder.delay().get() == {"folder": None}


# --- through a real worker and the real Redis -------------------------------------------


@pytest.fixture
def sync_dir(tmp_path, monkeypatch):
    """The folder the worker reads (its settings come from the environment)."""
    folder = tmp_path / "sync"
    folder.mkdir()
    monkeypatch.setenv("DIRECTORY_SYNC_DIR", str(folder))
    return folder


@pytest.mark.integration
def test_a_real_worker_applies_a_dropped_leaver_and_the_mentor_is_told_once(
    sync_dir, committed_db, outbox_worker, mail_dir
):
    mia = MentorFactory(email="mia@example.com", full_name="Mia Mentor")
    mentor_profile_for(mia, by=None)
    tom = LeaderFactory(email="tom@example.com", full_name="Tom Leaver")
    pairing = pairing_create(mentor=mia, mentee=tom, started_on=tom.date_joined.date(), by=None)
    UserFactory.create_batch(8)
    assert User.objects.filter(is_active=True).count() >= 10
    content = b"email,active\ntom@example.com,no\n"
    drop(sync_dir, "leavers.csv", content)

    tasks.sync_folder.delay()

    email = wait_for(lambda: Email.objects.filter(kind="mentorship.partner_left").first())
    wait_for(lambda: Email.objects.get(pk=email.pk).status == Email.Status.SENT)
    drop(sync_dir, "leavers-again.csv", content)
    tasks.sync_folder.delay()
    wait_for(worker_drained())
    assert wait_for(lambda: not list(sync_dir.glob("*.csv")))

    assert Pairing.objects.get(pk=pairing.pk).status == Pairing.Status.ENDED
    assert not User.objects.get(pk=tom.pk).is_active
    assert DirectorySync.objects.get().status == DirectorySync.Status.APPLIED
    assert dict(mail_counts(mail_dir)) == {"mia@example.com": 1}, "the leaver is not written to"


def test_a_file_named_in_capitals_is_applied_too(tmp_path, clock):
    drop(tmp_path, "PEOPLE.CSV", NEW_PEOPLE)
    drop(tmp_path, "notes.txt", b"not a people file")

    run = directory_sync_folder(folder=tmp_path)

    assert run.applied == ["PEOPLE.CSV"]
    assert names(tmp_path) == ["notes.txt"], "what is not a CSV stays where it is"
