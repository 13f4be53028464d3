"""HR's back office for pulse questionnaires: a template in use keeps its statements;
invites and responses have no admin pages at all."""

from django.contrib import admin
from django.urls import reverse

from pulse.models import PulseAnswer, PulseInvite, PulseResponse, PulseTemplate
from tests.people.factories import UserFactory


def _staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_template_in_use_keeps_its_statements(client, world):
    template = world.pulse.template
    page = _staff(client).get(reverse("admin:pulse_pulsetemplate_change", args=[template.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "I know what is expected of me at work" in text
    assert 'name="statements-0-text"' not in text  # shown, not editable
    unused = PulseTemplate.objects.create(name="Spare pulse")
    page = client.get(reverse("admin:pulse_pulsetemplate_change", args=[unused.pk]))
    assert 'name="statements-TOTAL_FORMS"' in page.content.decode()


def test_no_admin_shows_an_answer_or_who_answered():
    for model in (PulseResponse, PulseAnswer, PulseInvite):
        assert not admin.site.is_registered(model)
