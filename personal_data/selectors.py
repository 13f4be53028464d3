"""Everything Lodestar holds about one person, as JSON-ready data (the export).

One section per place in ``personal_data.registry.REFERENCES``. What the export leaves
out is deliberate:

* Feedback answers about the person appear only as the released reports they may see
  themselves (``feedback.selectors.report_build`` with the person as viewer); requests
  about them only as counts per group and status, never who was asked.
* Answers they gave do not exist per person (a response names a group, not a rater),
  so nothing here can tie an answer to them. The same for the team pulse: answers about
  them only as the results they may see (``pulse.selectors.leader_trend``), invites
  about them only as a count per round, and a response is tied to no team member.
* Other people's private notes: a mentor's notes are in the mentor's export only.
* Email bodies (never stored) and API token keys (credentials).
"""

from __future__ import annotations

import json

from django.contrib.admin.models import LogEntry
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.utils import timezone

from common import audit
from common.models import Email
from directory.models import ScimIdentity
from feedback.models import Cycle, Nomination, RaterRequest, ReportShare, Response
from feedback.selectors import report_build
from mentorship.models import ActionItem, Goal, MentoringSession, MentorProfile, Pairing
from metrics.models import CohortRank, Observation, Target
from people.models import ApiToken, ReportingLine, User
from personal_data.registry import (
    REFERENCES,
    Listing,
    Reference,
    audit_about,
    user_log_entries,
)
from plans.models import Comment, Plan
from programs.models import Cohort, Enrollment, ModuleCompletion, SessionAttendance
from pulse.models import PulseInvite, PulseShare
from pulse.selectors import leader_trend

FORMAT = "lodestar.person-export.v1"


def person_export(*, person: User) -> dict:
    """Everything about ``person``, in plain JSON types (the same bytes for the command,
    the page and the API)."""
    data = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "person": _person(person),
        "programs": _programs(person),
        "mentoring": _mentoring(person),
        "feedback": _feedback(person),
        "metrics": _metrics(person),
        "plans": _plans(person),
        "pulse": _pulse(person),
        "emails": _emails(person),
        "api_tokens": [
            {"created": token.created, "expiry": token.expiry, "last_used_at": token.last_used_at}
            for token in ApiToken.objects.filter(user=person).order_by("created")
        ],
        "directory": {
            "scim_identity": [
                {"id": identity.pk, "external_id": identity.external_id}
                for identity in ScimIdentity.objects.filter(user=person)
            ],
        },
        "audit": _audit(person),
        "admin_log": _admin_log(person),
        "actions": _actions(person),
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def section(export: dict, path: str):
    """The part of an export a registry entry names ("mentoring.pairings")."""
    for key in path.split("."):
        export = export[key]
    return export


def _name(user: User | None) -> str | None:
    return user.full_name if user is not None else None


def _person(person: User) -> dict:
    return {
        "id": person.pk,
        "email": person.email,
        "full_name": person.full_name,
        "job_title": person.job_title,
        "region": person.region,
        "is_active": person.is_active,
        "may_log_in": person.has_usable_password(),
        "is_staff": person.is_staff,
        "is_superuser": person.is_superuser,
        "date_joined": person.date_joined,
        "last_login": person.last_login,
        "roles": sorted(person.groups.values_list("name", flat=True)),
        "permissions": sorted(person.user_permissions.values_list("name", flat=True)),
        "manager": (
            {"id": person.manager.pk, "full_name": person.manager.full_name}
            if person.manager
            else None
        ),
        "direct_reports": [
            {"id": pk, "full_name": name}
            for pk, name in person.direct_reports.order_by("full_name", "pk").values_list(
                "pk", "full_name"
            )
        ],
        "left_on": person.left_on,
        "reporting_history": [
            _reporting_line(line, other=line.manager)
            for line in person.reporting_history.select_related("manager")
        ],
        "managed_history": [
            _reporting_line(line, other=line.person)
            for line in person.managed_history.select_related("person")
        ],
    }


def _reporting_line(line: ReportingLine, *, other: User) -> dict:
    """One stretch of a reporting line, naming the person at its other end."""
    return {
        "id": line.pk,
        "full_name": other.full_name,
        "started_on": line.started_on,
        "ended_on": line.ended_on,
    }


# --- programs ---------------------------------------------------------------------------


def _programs(person: User) -> dict:
    enrollments = Enrollment.objects.filter(leader=person).select_related("cohort__program")
    return {
        "enrollments": [
            {
                "id": e.pk,
                "program": e.cohort.program.name,
                "cohort_id": e.cohort_id,
                "cohort": e.cohort.name,
                "status": e.status,
                "created_at": e.created_at,
                "activated_at": e.activated_at,
                "completed_at": e.completed_at,
                "withdrawn_at": e.withdrawn_at,
                "withdrawal_reason": e.withdrawal_reason,
            }
            for e in enrollments.order_by("created_at", "pk")
        ],
        "module_completions": [
            {
                "id": c.pk,
                "enrollment_id": c.enrollment_id,
                "module": c.module.title,
                "completed_on": c.completed_on,
                "score": c.score,
            }
            for c in ModuleCompletion.objects.filter(enrollment__leader=person)
            .select_related("module")
            .order_by("completed_on", "pk")
        ],
        "attendance": [
            {
                "id": a.pk,
                "enrollment_id": a.enrollment_id,
                "session": a.session.title,
                "starts_at": a.session.starts_at,
            }
            for a in SessionAttendance.objects.filter(enrollment__leader=person)
            .select_related("session")
            .order_by("session__starts_at", "pk")
        ],
        "facilitated_cohorts": [
            {"id": c.pk, "name": c.name, "starts_on": c.starts_on, "ends_on": c.ends_on}
            for c in Cohort.objects.filter(facilitator=person).order_by("starts_on", "pk")
        ],
    }


# --- mentoring --------------------------------------------------------------------------


def _mentoring(person: User) -> dict:
    pairings = (
        Pairing.objects.filter(Q(mentor=person) | Q(mentee=person))
        .select_related("mentor", "mentee")
        .order_by("started_on", "pk")
    )
    sessions = (
        MentoringSession.objects.filter(Q(pairing__mentor=person) | Q(pairing__mentee=person))
        .select_related("pairing")
        .prefetch_related("topics")
        .order_by("starts_at", "pk")
    )
    return {
        "mentor_profile": [
            {
                "id": profile.pk,
                "capacity": profile.capacity,
                "is_active": profile.is_active,
                "bio": profile.bio,
                "expertise": sorted(c.name for c in profile.expertise.all()),
            }
            for profile in MentorProfile.objects.filter(user=person)
        ],
        "pairings": [
            {
                "id": p.pk,
                "role": "mentor" if p.mentor_id == person.pk else "mentee",
                "mentor": p.mentor.full_name,
                "mentee": p.mentee.full_name,
                "status": p.status,
                "started_on": p.started_on,
                "ended_on": p.ended_on,
                "objectives": p.objectives,
            }
            for p in pairings
        ],
        "sessions": [_session(s, person) for s in sessions],
        "action_items": [
            {
                "id": item.pk,
                "session_id": item.session_id,
                "description": item.description,
                "owner": item.owner,
                "due_on": item.due_on,
                "done_at": item.done_at,
                "closed_reason": item.closed_reason,
            }
            for item in ActionItem.objects.filter(
                Q(session__pairing__mentor=person) | Q(session__pairing__mentee=person)
            ).order_by("created_at", "pk")
        ],
        "goals": [
            {
                "id": goal.pk,
                "title": goal.title,
                "competency": goal.competency.name if goal.competency else None,
                "target_date": goal.target_date,
                "status": goal.status,
                "progress": goal.progress,
                "notes": goal.notes,
            }
            for goal in Goal.objects.filter(mentee=person)
            .select_related("competency")
            .order_by("created_at", "pk")
        ],
    }


def _session(session: MentoringSession, person: User) -> dict:
    row = {
        "id": session.pk,
        "pairing_id": session.pairing_id,
        "status": session.status,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "format": session.format,
        "topics": sorted(topic.name for topic in session.topics.all()),
        "shared_notes": session.shared_notes,
    }
    # A mentor's private notes are theirs: in the mentor's export, never the mentee's.
    if session.pairing.mentor_id == person.pk:
        row["private_notes"] = session.private_notes
    return row


# --- feedback ---------------------------------------------------------------------------


def _feedback(person: User) -> dict:
    released = (
        Cycle.objects.filter(
            released_at__isnull=False,
            pk__in=Response.objects.filter(subject=person).values("cycle_id"),
        )
        .select_related("cohort")
        .order_by("opens_at", "pk")
    )
    return {
        # As they may see them themselves: the same figures, comments and counts.
        "reports": [
            report_build(cycle=cycle, subject=person, viewer=person, with_previous=False)
            for cycle in released
        ],
        # Who was asked about them is not theirs to know: counts only.
        "requests_about_them": [
            {
                "cycle_id": row["cycle_id"],
                "cycle": row["cycle__name"],
                "group": row["group"],
                "status": row["status"],
                "count": row["count"],
            }
            for row in RaterRequest.objects.filter(subject=person)
            .values("cycle_id", "cycle__name", "group", "status")
            .annotate(count=Count("pk"))
            .order_by("cycle_id", "group", "status")
        ],
        "requests_as_rater": [
            {
                "id": r.pk,
                "cycle_id": r.cycle_id,
                "cycle": r.cycle.name,
                "subject": r.subject.full_name,
                "group": r.group,
                "status": r.status,
            }
            for r in RaterRequest.objects.filter(rater=person)
            .select_related("cycle", "subject")
            .order_by("cycle_id", "pk")
        ],
        # As their own feedback page shows them: the name as it was proposed.
        "nominations_about_them": [
            {
                "id": n.pk,
                "cycle_id": n.cycle_id,
                "name": n.display_name,
                "group": n.group,
                "status": n.status,
                "proposed_by_them": n.created_by_id == person.pk,
            }
            for n in Nomination.objects.filter(subject=person)
            .select_related("rater")
            .order_by("cycle_id", "pk")
        ],
        "nominations_as_rater": [
            {
                "id": n.pk,
                "cycle_id": n.cycle_id,
                "subject": n.subject.full_name,
                "group": n.group,
                "status": n.status,
            }
            for n in Nomination.objects.filter(rater=person)
            .select_related("subject")
            .order_by("cycle_id", "pk")
        ],
        "report_shares": [
            {
                "id": share.pk,
                "cycle_id": share.cycle_id,
                "pairing_id": share.pairing_id,
                "manager": _name(share.manager),
            }
            for share in ReportShare.objects.filter(subject=person)
            .select_related("manager")
            .order_by("pk")
        ],
        "reports_shared_with_them": [
            {"id": share.pk, "cycle_id": share.cycle_id, "subject": share.subject.full_name}
            for share in ReportShare.objects.filter(manager=person)
            .select_related("subject")
            .order_by("pk")
        ],
    }


# --- metrics, emails, the admin's log, actions -----------------------------------------


def _metrics(person: User) -> dict:
    return {
        "observations": [
            {
                "id": o.pk,
                "metric": o.metric.code,
                "period_start": o.period_start,
                "value": o.value,
                "source": o.source,
                "note": o.note,
            }
            for o in Observation.objects.filter(leader=person)
            .select_related("metric")
            .order_by("metric__code", "period_start")
        ],
        "targets": [
            {
                "id": t.pk,
                "metric": t.metric.code,
                "valid_from": t.valid_from,
                "valid_to": t.valid_to,
                "value": t.value,
            }
            for t in Target.objects.filter(leader=person)
            .select_related("metric")
            .order_by("metric__code", "valid_from")
        ],
        "cohort_ranks": [
            {
                "id": r.pk,
                "cohort_id": r.ranking.cohort_id,
                "as_of": r.ranking.as_of,
                "metric": r.metric.code,
                "percent_rank": r.rank,
                "peers": r.peers,
            }
            for r in CohortRank.objects.filter(leader=person)
            .select_related("ranking", "metric")
            .order_by("ranking__cohort", "metric__code")
        ],
    }


def _plans(person: User) -> dict:
    plans = (
        Plan.objects.filter(leader=person)
        .select_related("cycle")
        .prefetch_related("focuses__goal", "focuses__modules", "check_ins__progress", "comments")
        .order_by("created_at", "pk")
    )
    return {
        "plans": [
            {
                "id": plan.pk,
                "report": plan.cycle.name,
                "created_at": plan.created_at,
                "focuses": [
                    {
                        "dimension": focus.dimension,
                        "goal": focus.goal.title,
                        "measure": focus.goal.measure,
                        "target_date": focus.goal.target_date,
                        "progress": focus.goal.progress,
                        "modules": [module.title for module in focus.modules.all()],
                        "topics": focus.topics,
                        "metric_id": focus.metric_id,
                    }
                    for focus in plan.focuses.all()
                ],
                "check_ins": [
                    {
                        "due_on": check_in.due_on,
                        "submitted_at": check_in.submitted_at,
                        "note": check_in.note,
                        "progress": {row.focus_id: row.progress for row in check_in.progress.all()},
                    }
                    for check_in in plan.check_ins.all()
                ],
                # What others said about the plan is about the person too.
                "comments": [
                    {"at": comment.created_at, "by": _name(comment.author), "text": comment.body}
                    for comment in plan.comments.all()
                ],
            }
            for plan in plans
        ],
        "comments": [
            {
                "id": comment.pk,
                "plan_id": comment.plan_id,
                "at": comment.created_at,
                "text": comment.body,
            }
            for comment in Comment.objects.filter(author=person).order_by("created_at", "pk")
        ],
    }


def _pulse(person: User) -> dict:
    about = (
        PulseInvite.objects.filter(leader=person)
        .order_by("round__period_start", "round")
        .values("round", "round__period_start")
        .annotate(count=Count("pk"))
    )
    return {
        "invites": [
            {
                "id": invite.pk,
                "round": invite.round_id,
                "period_start": invite.round.period_start,
                "about": _name(invite.leader),
                "status": invite.status,
                "sent_at": invite.sent_at,
            }
            for invite in PulseInvite.objects.filter(member=person)
            .select_related("round", "leader")
            .order_by("round__period_start", "pk")
        ],
        "shares": [
            {"id": share.pk, "audience": share.audience, "shared_at": share.shared_at}
            for share in PulseShare.objects.filter(leader=person).order_by("pk")
        ],
        "invites_about_them": [
            {
                "round": row["round"],
                "period_start": row["round__period_start"],
                "count": row["count"],
            }
            for row in about
        ],
        "results": [
            {
                "round": result.round.pk,
                "period_start": result.round.period_start,
                "status": result.status,
                "answers": result.answers,
                "engagement": result.engagement,
                "enps": result.enps,
                "statements": result.statements,
                "comments": result.comments,
            }
            for result in leader_trend(leader=person)
        ],
    }


def _emails(person: User) -> list[dict]:
    """Emails addressed to them: what and when, never a body (none is stored)."""
    return [
        {
            "id": email.pk,
            "kind": email.kind,
            "status": email.status,
            "created_at": email.created_at,
            "sent_at": email.sent_at,
        }
        for email in Email.objects.addressed_to(person.email).order_by("created_at", "pk")
    ]


def _admin_log(person: User) -> dict:
    def rows(entries):
        return [
            {
                "id": entry.pk,
                "action_time": entry.action_time,
                "action": entry.get_action_flag_display(),
                "object_type": entry.content_type.model if entry.content_type else None,
                "object_id": entry.object_id,
                "change_message": entry.get_change_message(),
            }
            for entry in entries.select_related("content_type").order_by("action_time", "pk")
        ]

    return {
        "by_them": rows(LogEntry.objects.filter(user=person)),
        "about_them": rows(LogEntry.objects.filter(user_log_entries(person))),
    }


def _audit(person: User) -> dict:
    """The audit trail of what they did and of what was done about them (not the events
    on rater requests about them that others acted on: who was asked is not theirs)."""

    def rows(events):
        return [
            {
                "id": event.pk,
                "at": event.at,
                "actor": event.actor.full_name if event.actor else event.actor_kind,
                "action": event.action,
                "object_type": audit.type_key(event.object_type),
                "object_id": event.object_id,
                "object": event.object_repr,
                "changes": event.changes,
            }
            for event in events.order_by("at", "pk")
        ]

    return {
        "by_them": rows(audit.event_list().filter(actor=person)),
        "about_them": rows(audit.event_list().filter(audit_about(person))),
    }


def _actions(person: User) -> list[dict]:
    """What they recorded, created or decided: which row, as what, when (not the rows'
    content, which is about other people)."""
    actions = []
    for reference in _acting_references():
        for pk, at in reference.rows(person).values_list("pk", reference.at):
            actions.append({"model": reference.model, "id": pk, "as": reference.field, "at": at})
    return sorted(actions, key=lambda row: (row["at"] is None, str(row["at"]), row["model"]))


def _acting_references() -> list[Reference]:
    return [r for r in REFERENCES if r.section == "actions" and r.listing == Listing.ROWS]


def holdings(export: dict) -> list[dict]:
    """How many entries each part of an export holds (the summary on HR's page)."""
    parts = []
    for key, value in export.items():
        if isinstance(value, list):
            parts.append((key, value))
        elif isinstance(value, dict) and key != "person":
            parts += [(f"{key}.{sub}", rows) for sub, rows in value.items()]
    return [
        {"section": path, "label": path.replace(".", " · ").replace("_", " "), "count": len(rows)}
        for path, rows in parts
    ]
