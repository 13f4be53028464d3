"""The pulse tick through a real worker and the real Redis: beat's hourly task opens the
round and the outbox delivers each invitation once, even when the tick runs twice."""

import datetime

import pytest
from django.utils import timezone

from common.models import Email
from pulse import emails as pulse_emails
from pulse import tasks
from pulse.models import Pulse, PulseInvite
from tests.conftest import mail_counts, wait_for, worker_drained
from tests.pulse.world import build_world

pytestmark = pytest.mark.integration


def test_the_tick_invites_each_team_member_once_through_a_real_worker(
    committed_db, outbox_worker, mail_dir
):
    world = build_world()
    # The worker runs on the real clock: the pulse started yesterday, its round is open.
    Pulse.objects.filter(pk=world.pulse.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    tasks.tick.delay()
    wait_for(lambda: PulseInvite.objects.filter(status=PulseInvite.Status.SENT).count() == 9)
    members = set(PulseInvite.objects.values_list("member__email", flat=True))
    assert mail_counts(mail_dir) == dict.fromkeys(members, 1)

    # A doubled beat tick: the round is open already, nothing is owed or sent again.
    tasks.tick.delay()
    wait_for(worker_drained())
    assert Email.objects.filter(kind=pulse_emails.INVITATION).count() == 9
    assert mail_counts(mail_dir) == dict.fromkeys(members, 1)
