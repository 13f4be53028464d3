"""The data migrations that moved every email into the outbox: what each app's claim
columns (and feedback's Delivery rows) said was sent stays sent and is never owed again;
what was still owed is queued for the outbox's sweep; and they reverse."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from common.models import Email

BEAT = ("django_celery_beat", "0019_alter_periodictasks_options")
BEFORE = [
    BEAT,
    ("programs", "0003_enrollment_welcome_sent_at"),
    ("mentorship", "0002_pairing_quiet_nudged_since_mentoringsession_and_more"),
    ("feedback", "0005_nomination_proposals"),
]
AFTER = [
    BEAT,
    ("programs", "0004_welcome_into_the_outbox"),
    ("mentorship", "0003_nudges_into_the_outbox"),
    ("feedback", "0006_deliveries_into_the_outbox"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrate(transactional_db):
    """Moves the test database to the given migrations (and their historical models),
    and back to the latest whatever happens: the next test's flush needs today's tables."""
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def seed_old_claims(apps, now):
    """Rows as the three old mechanisms left them; returns the ids the checks need."""
    user = apps.get_model("people", "User")
    people = {
        name: user.objects.create(email=f"{name}@example.com", full_name=name.title())
        for name in ("sent", "owed", "stale", "gone", "mentor", "mentee", "rater")
    }
    program = apps.get_model("programs", "Program").objects.create(name="P", slug="p")
    cohort = apps.get_model("programs", "Cohort").objects.create(
        program=program,
        name="C",
        starts_on=now.date(),
        ends_on=now.date() + datetime.timedelta(days=30),
        capacity=10,
    )
    enrollment = apps.get_model("programs", "Enrollment").objects

    def enroll(name, **fields):
        return enrollment.create(cohort=cohort, program=program, leader=people[name], **fields)

    ids = {
        "welcomed": enroll("sent", welcome_sent_at=now - datetime.timedelta(days=9)).pk,
        "owed": enroll("owed").pk,
        "gone": enroll("gone", status="withdrawn").pk,
    }
    stale = enroll("stale")
    enrollment.filter(pk=stale.pk).update(created_at=now - datetime.timedelta(days=5))
    apps.get_model("django_celery_beat", "PeriodicTask").objects.create(
        name="programs-sweep-unsent-welcomes",
        task="programs.sweep_unsent_welcomes",
        interval=apps.get_model("django_celery_beat", "IntervalSchedule").objects.create(
            every=600, period="seconds"
        ),
    )

    pairing = apps.get_model("mentorship", "Pairing").objects.create(
        mentor=people["mentor"],
        mentee=people["mentee"],
        started_on=now.date() - datetime.timedelta(days=90),
        quiet_nudged_since=now.date() - datetime.timedelta(days=90),
    )
    sessions = apps.get_model("mentorship", "MentoringSession").objects
    moved = sessions.create(
        pairing=pairing,
        status="planned",
        starts_at=now + datetime.timedelta(days=2),
        sequence=1,
        invitation_sent_sequence=0,
    )
    held = sessions.create(
        pairing=pairing, starts_at=now - datetime.timedelta(days=3), invitation_sent_sequence=0
    )
    item = apps.get_model("mentorship", "ActionItem").objects.create(
        session=held,
        description="Call back",
        owner="mentor",
        due_on=now.date() - datetime.timedelta(days=1),
        due_soon_notified_at=now - datetime.timedelta(days=2),
        overdue_notified_at=now - datetime.timedelta(hours=1),
    )
    ids.update(pairing=pairing.pk, moved=moved.pk, held=held.pk, item=item.pk)

    questionnaire = apps.get_model("feedback", "Questionnaire").objects.create(name="Q")
    cycle = apps.get_model("feedback", "Cycle").objects.create(
        cohort=cohort,
        questionnaire=questionnaire,
        name="Round",
        opens_at=now,
        due_at=now + datetime.timedelta(days=10),
        status="open",
    )
    request = apps.get_model("feedback", "RaterRequest").objects.create(
        cycle=cycle, subject=people["sent"], rater=people["rater"], group="peer", status="failed"
    )
    deliveries = apps.get_model("feedback", "Delivery").objects
    deliveries.create(
        request=request,
        kind="invitation",
        status="failed",
        attempts=5,
        last_error="SMTPServerDisconnected: gone",
        next_attempt_at=now,
    )
    deliveries.create(request=request, kind="reminder", sequence=2, next_attempt_at=now)
    ids["request"] = request.pk
    return ids


def test_every_claim_becomes_an_outbox_row_and_back(migrate):
    now = timezone.now()
    ids = seed_old_claims(migrate(BEFORE), now)

    apps = migrate(AFTER)

    emails = {row.key: row for row in apps.get_model("common", "Email").objects.all()}
    state = {key: row.status for key, row in emails.items()}
    item_due = (now.date() - datetime.timedelta(days=1)).isoformat()
    spell = (now.date() - datetime.timedelta(days=90)).isoformat()
    assert state == {
        f"programs.welcome:{ids['welcomed']}": "sent",
        f"programs.welcome:{ids['owed']}": "queued",  # the old sweep would still send it
        f"mentorship.session_invitation:{ids['moved']}:0": "sent",
        f"mentorship.session_invitation:{ids['moved']}:1": "queued",  # the move was never sent
        f"mentorship.session_invitation:{ids['held']}:0": "sent",
        f"mentorship.action_item_due_soon:{ids['item']}:{item_due}": "sent",
        f"mentorship.action_item_overdue:{ids['item']}:{item_due}": "sent",
        f"mentorship.quiet_pairing:{ids['pairing']}:{spell}": "sent",
        f"feedback.invitation:{ids['request']}:0": "failed",  # HR can still retry it
        f"feedback.reminder:{ids['request']}:2": "queued",
    }
    invitation = emails[f"feedback.invitation:{ids['request']}:0"]
    assert (invitation.to, invitation.attempts) == ("rater@example.com", 5)
    assert invitation.last_error == "SMTPServerDisconnected: gone"
    assert emails[f"mentorship.session_invitation:{ids['moved']}:1"].params == {"sequence": 1}
    assert emails[f"mentorship.session_invitation:{ids['moved']}:1"].to == (
        "mentor@example.com, mentee@example.com"
    )
    periodic = apps.get_model("django_celery_beat", "PeriodicTask").objects
    assert not periodic.filter(task="programs.sweep_unsent_welcomes").exists()

    apps = migrate(BEFORE)

    enrollments = apps.get_model("programs", "Enrollment").objects
    assert enrollments.get(pk=ids["welcomed"]).welcome_sent_at is not None
    assert enrollments.get(pk=ids["owed"]).welcome_sent_at is None
    assert (
        apps.get_model("mentorship", "MentoringSession")
        .objects.get(pk=ids["moved"])
        .invitation_sent_sequence
        == 0
    )
    item = apps.get_model("mentorship", "ActionItem").objects.get(pk=ids["item"])
    assert item.due_soon_notified_at and item.overdue_notified_at
    deliveries = apps.get_model("feedback", "Delivery").objects.order_by("kind")
    assert list(deliveries.values_list("kind", "sequence", "status")) == [
        ("invitation", 0, "failed"),
        ("reminder", 2, "queued"),
    ]
    assert not Email.objects.exists()


def test_every_table_the_migrations_make_belongs_to_a_model_in_use(db):
    """A table no model owns is never flushed or cleaned: knox's own token table, left
    by its migrations though people.ApiToken replaces it, held a key to every user and
    made PostgreSQL refuse to empty the user table between tests."""
    tables = set(connection.introspection.table_names())
    owned = set(connection.introspection.django_table_names(include_views=False))

    assert tables - owned - {"django_migrations"} == set()
