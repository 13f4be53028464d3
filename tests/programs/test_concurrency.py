"""Two HR users race for the last seat: one wins, the other gets a clear 409.

Each thread has its own database connection and transaction, so this is a real
race on PostgreSQL (the conditional UPDATE of seats_taken is what serializes
them); on SQLite the database lock serializes the writers and the same
guarantees hold.
"""

import threading

import pytest
from django.db import connection

from common.errors import CapacityError
from programs.models import Enrollment
from programs.services import enrollment_create
from tests.people.factories import HRFactory, LeaderFactory
from tests.programs.factories import CohortFactory


@pytest.mark.usefixtures("committed_db")
def test_two_hr_users_racing_for_the_last_seat_one_wins():
    cohort = CohortFactory(capacity=1)
    contenders = [(HRFactory(), LeaderFactory()), (HRFactory(), LeaderFactory())]
    start = threading.Barrier(len(contenders))
    outcomes: list[str] = []

    def enroll(hr, leader):
        try:
            start.wait(timeout=10)
            enrollment_create(cohort=cohort, leader=leader, by=hr, send_welcome=False)
            outcomes.append("enrolled")
        except CapacityError:
            outcomes.append("full")
        except Exception as exc:  # any other error is a failure of the rule under test
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=pair) for pair in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["enrolled", "full"]
    cohort.refresh_from_db()
    assert cohort.seats_taken == 1
    assert Enrollment.objects.filter(cohort=cohort).count() == 1


@pytest.mark.usefixtures("committed_db")
def test_many_concurrent_enrollments_never_overbook():
    cohort = CohortFactory(capacity=3)
    hr = HRFactory()
    leaders = [LeaderFactory() for _ in range(6)]
    start = threading.Barrier(len(leaders))
    outcomes: list[str] = []

    def enroll(leader):
        try:
            start.wait(timeout=10)
            enrollment_create(cohort=cohort, leader=leader, by=hr, send_welcome=False)
            outcomes.append("enrolled")
        except CapacityError:
            outcomes.append("full")
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=(leader,)) for leader in leaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["enrolled"] * 3 + ["full"] * 3
    cohort.refresh_from_db()
    assert cohort.seats_taken == 3 == Enrollment.objects.filter(cohort=cohort).count()
