import pytest
from django.urls import reverse

from tests.mentorship.helpers import PRIVATE

pytestmark = pytest.mark.django_db

MODELS = ["mentorprofile", "pairing", "mentoringsession", "actionitem", "goal"]


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_and_shows_every_model_without_private_notes(admin_client, world, model):
    objects = {
        "mentorprofile": world.pairing.mentor.mentor_profile,
        "pairing": world.pairing,
        "mentoringsession": world.session,
        "actionitem": world.mentee_item,
        "goal": world.goal,
    }
    changelist = admin_client.get(reverse(f"admin:mentorship_{model}_changelist"))
    change = admin_client.get(reverse(f"admin:mentorship_{model}_change", args=[objects[model].pk]))
    assert changelist.status_code == 200 and change.status_code == 200
    assert PRIVATE not in changelist.content.decode() + change.content.decode()
