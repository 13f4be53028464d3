"""Field level: what is private never reaches a caller who may not see it, in any body
the application serves or sends. Markers are planted in the world (world.py): the
mentors' private notes, raters' names, the comments of a rater group below the
anonymity threshold and of one above it. Every GET route and page is fetched as every
caller (and every CSV export), every email kind is built for the world, and the markers
are looked for in the bodies as they were serialized."""

import datetime
import json

import pytest
from django.core.mail import EmailMessage

from common.models import Email
from common.outbox import _kinds as email_kinds
from common.renderers import CsvRenderer
from mentorship.models import Pairing
from mentorship.selectors import pairings_with_last_contact, quiet_since
from people.models import User
from tests.mentorship.factories import PairingFactory
from tests.permissions import matrix
from tests.permissions.routes import Callers, path_values, routes, url_of
from tests.permissions.world import (
    GOAL_NOTE,
    HIDDEN_COMMENT,
    OTHER_PRIVATE_NOTE,
    PRIVATE_NOTE,
    RATER_NAMES,
    SHARED_NOTE,
    SHOWN_COMMENT,
)

# Marker → the callers who may see it (anywhere they can reach it).
ALLOWED = {
    PRIVATE_NOTE: {"mentor"},
    OTHER_PRIVATE_NOTE: {"other mentor"},
    # The pairing's and HR's; never the manager's (they see that sessions were held).
    SHARED_NOTE: {"leader", "mentor", "HR"},
    GOAL_NOTE: {"leader", "mentor", "HR"},
    HIDDEN_COMMENT: set(),
    # The leader's released report, which HR may also read; the mentor only if shared.
    SHOWN_COMMENT: {"leader", "HR"},
    # Who was asked to rate the leader: HR, who follows the requests.
    RATER_NAMES[0]: {"HR"},
    RATER_NAMES[1]: {"HR"},
}


def _bodies(world, caller: str):
    """(url, body) of every GET the caller may make (every route answering 200), with
    CSV exports as CSV."""
    answer = Callers(world).answer
    for route in routes():
        if "get" not in route.methods():
            continue
        for values in path_values(route, world, caller=caller):
            url = url_of(route, values)
            response = answer(caller, "get", url, is_api=route.is_api)
            if response.status_code != 200:
                continue
            yield url, response.content.decode(errors="replace")
            renderers = getattr(route.view_class, "renderer_classes", ())
            if any(issubclass(renderer, CsvRenderer) for renderer in renderers):
                csv = answer(caller, "get", f"{url}?format=csv", is_api=True)
                yield f"{url}?format=csv", csv.content.decode(errors="replace")


def _leaks(found: dict[str, list[str]]) -> list[str]:
    return [
        f"{marker} ({caller} may not see it) in {url}"
        for (marker, caller), urls in found.items()
        for url in urls
    ]


@pytest.mark.parametrize("caller", list(matrix.CALLERS))
def test_no_caller_reads_a_private_field_anywhere(matrix_world, caller):
    found: dict = {}
    for url, body in _bodies(matrix_world, caller):
        for marker, allowed in ALLOWED.items():
            if marker in body and caller not in allowed:
                found.setdefault((marker, caller), []).append(url)
    assert not found, "\n".join(_leaks(found))


def test_the_private_notes_reach_their_mentor(matrix_world):
    """The check above can fail: the mentor does read their own notes."""
    session = matrix_world.own.objects["session"]
    url = f"/api/v1/mentorship/sessions/{session.pk}/"
    response = Callers(matrix_world).answer("mentor", "get", url, is_api=True)
    assert PRIVATE_NOTE in response.content.decode()


def test_the_shown_comments_reach_the_leader_and_the_hidden_ones_nobody(matrix_world):
    cycle, leader = matrix_world.own.objects["cycle"], matrix_world.own.leader
    url = f"/api/v1/feedback/cycles/{cycle.pk}/reports/{leader.pk}/"
    report = Callers(matrix_world).answer("leader", "get", url, is_api=True)
    assert report.status_code == 200
    body = report.content.decode()
    assert SHOWN_COMMENT in body
    assert HIDDEN_COMMENT not in body


def test_hr_exports_no_one_elses_private_notes(matrix_world):
    """HR's personal-data export of every person of the world: no comment of a group
    below the threshold, and a mentor's private notes only in that mentor's own export
    (docs/privacy.md: HR downloads it to answer the mentor's data request)."""
    answer = Callers(matrix_world).answer
    own, other = matrix_world.own, matrix_world.other
    own_notes = {own.mentor: {PRIVATE_NOTE}, other.mentor: {OTHER_PRIVATE_NOTE}}
    people = {p for side in (own, other) for p in (side.leader, side.mentor, side.leader.manager)}
    for person in people:
        for url in (
            f"/api/v1/people/{person.pk}/export/",
            f"/personal-data/{person.pk}/export.json",
        ):
            response = answer("HR", "get", url, is_api=url.startswith("/api/"))
            assert response.status_code == 200, url
            body = response.content.decode()
            forbidden = {PRIVATE_NOTE, OTHER_PRIVATE_NOTE, HIDDEN_COMMENT} - own_notes.get(
                person, set()
            )
            assert not {m for m in forbidden if m in body}, url
    mentor_export = answer("HR", "get", f"/api/v1/people/{own.mentor.pk}/export/", is_api=True)
    assert PRIVATE_NOTE in mentor_export.content.decode()


def _emails(world) -> list[Email]:
    """One outbox row of every kind, about the leader's side of the world."""
    own = world.own.objects
    pairing = pairings_with_last_contact(Pairing.objects.filter(pk=own["pairing"].pk)).get()
    since = quiet_since(last_contact=pairing.last_contact, started_on=pairing.started_on)
    item = own["action_item"]
    refs = {
        "programs.welcome": (own["enrollment"].pk, {}),
        "mentorship.session_invitation": (own["planned_session"].pk, {"sequence": 0}),
        "mentorship.action_item_due_soon": (item.pk, {"due_on": item.due_on.isoformat()}),
        "mentorship.action_item_overdue": (item.pk, {"due_on": item.due_on.isoformat()}),
        "mentorship.quiet_pairing": (pairing.pk, {"since": since.isoformat()}),
        "mentorship.quiet_digest": (
            world.hr.pk,
            {"pairings": [own["pairing"].pk, world.other.objects["pairing"].pk]},
        ),
        "feedback.invitation": (own["pending_request"].pk, {}),
        "feedback.reminder": (own["request"].pk, {}),
        "feedback.closing": (own["request"].pk, {}),
        "feedback.nudge": (own["request"].pk, {}),
        "people.password_reset": (world.own.leader.pk, {}),
        "people.manager_invitation": (world.own.manager.pk, {}),
        "pulse.invitation": (own["pulse_invite"].pk, {}),
        "pulse.reminder": (own["pulse_invite_sent"].pk, {}),
        "plans.plan_built": (own["plan"].pk, {}),
        "plans.comment_added": (own["plan_comment"].pk, {}),
        "plans.check_in_due": (own["check_in"].pk, {}),
        "dashboards.manager_digest": (world.own.manager.pk, {"month": "2027-02-01"}),
        "plans.plan_reminder": (
            own["open_cycle"].pk,  # one without a plan (its builder checks no more)
            {"leader": world.own.leader.pk, "due": "2027-02-15"},
        ),
        # The leader left: their (ended) pairing's mentor is told.
        "mentorship.partner_left": (
            _ended_pairing(world).pk,
            {"leaver": world.own.leader.pk},
        ),
        "directory.sync_held": (world.directory_sync.pk, {"hr": world.hr.pk}),
        "directory.rater_shortfall": (
            world.own.leader.pk,
            {"hr": world.hr.pk, "shortfalls": [_shortfall(world)]},
        ),
    }
    assert set(refs) == set(email_kinds), "Add the new email kind to this test."
    return [
        Email(kind=kind, key=kind, ref=ref, params=params) for kind, (ref, params) in refs.items()
    ]


def _ended_pairing(world) -> Pairing:
    """An earlier pairing of the own side, ended when the leader left."""
    return PairingFactory(
        mentor=world.own.mentor,
        mentee=world.own.leader,
        started_on=datetime.date(2026, 1, 5),
        status=Pairing.Status.ENDED,
        ended_on=datetime.date(2026, 6, 30),
    )


def _shortfall(world) -> dict:
    """The own leader left the other leader's open cycle short of peers."""
    cycle = world.other.objects["open_cycle"]
    return {
        "cycle": cycle.pk,
        "cycle_name": cycle.name,
        "subject": world.other.leader.pk,
        "subject_name": world.other.leader.full_name,
        "group": "peer",
        "group_label": "Peer",
        "wanted": 3,
        "left": 1,
    }


def _texts(message: EmailMessage) -> str:
    parts = [message.subject, message.body]
    parts += [content for content, _ in getattr(message, "alternatives", [])]
    parts += [
        content.decode() if isinstance(content, bytes) else str(content)
        for _, content, _ in message.attachments
    ]
    return "\n".join(parts)


def test_no_email_carries_a_private_field(matrix_world):
    """Bodies are built when sent: build each kind now, as the outbox would."""
    built = {}
    for email in _emails(matrix_world):
        message = email_kinds[email.kind].build(email)
        assert message is not None, f"{email.kind} built nothing for the world"
        built[email.kind] = (message.to, _texts(message))
    leaks = []
    for kind, (to, text) in built.items():
        for marker in (PRIVATE_NOTE, OTHER_PRIVATE_NOTE, HIDDEN_COMMENT, SHOWN_COMMENT):
            if marker in text:
                leaks.append(f"{marker} in {kind}")
        # A rater's name goes to that rater (their own invitation) and to nobody else.
        for recipient in User.objects.filter(email__in=to):
            for own_name in (recipient.full_name, recipient.get_short_name()):
                text = text.replace(own_name, "")
        leaks += [f"{name} in {kind} to {to}" for name in RATER_NAMES if name in text]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("caller", ["leader", "HR"])
def test_no_figure_of_the_group_below_the_threshold(matrix_world, caller):
    """One peer answered (2 on every statement) of three asked: the peers' figures are
    not shown, and no shown figure counts the peer (the overall is the shown groups'
    3.8, not 3.5)."""
    cycle, leader = matrix_world.own.objects["cycle"], matrix_world.own.leader
    url = f"/api/v1/feedback/cycles/{cycle.pk}/reports/{leader.pk}/"
    report = Callers(matrix_world).answer(caller, "get", url, is_api=True).json()
    peers = [group for group in report["groups"] if group["group"] == "peer"]
    assert all(
        row.get("management") is None and row.get("leadership") is None
        for group in peers
        for row in group.get("profile") or []
    )
    assert {row["management"] for row in report["overall"]} == {"3.8"}
    assert "2.0" not in json.dumps(report["groups"])
