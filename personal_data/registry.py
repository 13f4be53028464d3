"""What refers to a person: one registry, read by the export, erasure and their tests.

Every foreign key to the user model (and the user's own many-to-many links) has one
``Reference``: where the export lists those rows and what erasure does with them. Text
that names a person without a key (the outbox's recipients, the admin's log) is listed
too. ``tests/personal_data`` walks every model Django knows and fails when a reference
is missing here, so a new model pointing at a person cannot be left out of either.

``REDACTIONS`` lists the free text a person wrote, blanked when they are erased.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from common.models import recipients_include
from people.models import User

# An erased person's placeholders. RFC 2606 reserves ".invalid": no such mailbox can
# exist, and the outbox never sends to one (common.outbox.undeliverable).
ERASED_DOMAIN = "erased.invalid"


def placeholder_email(person: User) -> str:
    return f"erased-{person.pk}@{ERASED_DOMAIN}"


def placeholder_name(person: User) -> str:
    return f"Erased person {person.pk}"


def is_erased(person: User) -> bool:
    return person.email.endswith(f"@{ERASED_DOMAIN}")


def erased_people() -> Q:
    """``is_erased`` as a query."""
    return Q(email__endswith=f"@{ERASED_DOMAIN}")


class Listing(enum.StrEnum):
    """How the export shows the rows of a reference (and how the tests find them)."""

    ROWS = "rows"  # one entry per row, with its "id" ("actions": with "model" too)
    COUNTS = "counts"  # counts per cycle, group and status, never the rows
    REPORTS = "reports"  # only as the released reports the person may see
    RESULTS = "results"  # only as the team pulse results the person may see, per round
    NAMES = "names"  # the names of the linked rows (roles)
    UNNAMED = "unnamed"  # one entry per row without its key (the key is a secret)


class Erase(enum.StrEnum):
    """What erasure does with the rows of a reference."""

    KEEP = "keep"  # the row stays, pointing at the anonymised person
    DELETE = "delete"  # the row goes
    CLEAR = "clear"  # the link goes, the linked rows stay


@dataclasses.dataclass(frozen=True)
class Reference:
    model: str  # "app_label.ModelName"
    field: str  # the field that points at the person (a key, or text for ``match``)
    section: str  # where the export lists the rows: "mentoring.pairings"
    erase: Erase
    why: str  # what erasure does with the rows and why, in words (the HR page shows it)
    listing: Listing = Listing.ROWS
    at: str = ""  # for "actions": the time the person acted
    # Rows that refer to the person; a key's rows by default.
    match: Callable[[User], Q] | None = None

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def rows(self, person: User) -> models.QuerySet:
        if self.match is not None:
            return self.model_class.objects.filter(self.match(person))
        field = self.model_class._meta.get_field(self.field)
        if field.many_to_many and field.model is User:
            return getattr(person, self.field).all()
        return self.model_class.objects.filter(**{self.field: person})


def _actions(model: str, field: str, at: str) -> Reference:
    """The person acted on a row (recorded, created, decided it): listed among their
    actions; the row is kept, pointing at the anonymised person."""
    return Reference(
        model,
        field,
        "actions",
        Erase.KEEP,
        "Kept: a record of who did what, now naming the anonymised person.",
        at=at,
    )


def audit_about(person: User) -> Q:
    """The audit events about a person that are theirs to see: not those on a rater
    request someone else acted on (who was asked about them is not theirs to know)."""
    rater_requests = ContentType.objects.get_by_natural_key("feedback", "raterrequest")
    return Q(subject=person) & ~(Q(object_type=rater_requests) & ~Q(actor=person))


def user_log_entries(person: User) -> Q:
    return Q(content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk))


KEPT_FOR_FIGURES = (
    "Kept: cohort figures, reports and history count it; it names the anonymised person."
)

REFERENCES: tuple[Reference, ...] = (
    # people
    Reference(
        "people.User",
        "manager",
        "person.direct_reports",
        Erase.KEEP,
        "Kept: their team's reporting line, now to the anonymised person.",
    ),
    Reference(
        "people.ReportingLine",
        "person",
        "person.reporting_history",
        Erase.KEEP,
        "Kept: whom they reported to and when; a team's measured retention counts it.",
    ),
    Reference(
        "people.ReportingLine",
        "manager",
        "person.managed_history",
        Erase.KEEP,
        "Kept: who reported to them and when; their team's measured retention counts it.",
    ),
    Reference(
        "people.User",
        "groups",
        "person.roles",
        Erase.CLEAR,
        "Removed: every role.",
        listing=Listing.NAMES,
    ),
    Reference(
        "people.User",
        "user_permissions",
        "person.permissions",
        Erase.CLEAR,
        "Removed: every permission.",
        listing=Listing.NAMES,
    ),
    Reference(
        "people.ApiToken",
        "user",
        "api_tokens",
        Erase.DELETE,
        "Deleted: API tokens.",
        listing=Listing.UNNAMED,
    ),
    # directory
    Reference(
        "directory.ScimIdentity",
        "user",
        "directory.scim_identity",
        Erase.DELETE,
        "Deleted: the identity provider's id for them (it would link the person again).",
    ),
    _actions("directory.ScimToken", "created_by", "created_at"),
    Reference(
        "common.AuditEvent",
        "actor",
        "audit.by_them",
        Erase.KEEP,
        "Kept: the audit trail of what they did, now naming the anonymised person; text "
        "they wrote in it is erased with the text itself.",
    ),
    Reference(
        "common.AuditEvent",
        "subject",
        "audit.about_them",
        Erase.KEEP,
        "Kept: the audit trail of what was done about them (who opened their 360 report, "
        "who changed their enrollment...), naming the anonymised person.",
        match=audit_about,
    ),
    Reference(
        "admin.LogEntry",
        "user",
        "admin_log.by_them",
        Erase.KEEP,
        "Kept: the admin's record of their changes; names in it are replaced.",
    ),
    Reference(
        "admin.LogEntry",
        "object_id",
        "admin_log.about_them",
        Erase.KEEP,
        "Kept: the admin's record of changes to their account; names in it are replaced.",
        match=user_log_entries,
    ),
    Reference(
        "common.Email",
        "to",
        "emails",
        Erase.KEEP,
        "Kept (kind, status, when): their address becomes the placeholder, delivery errors "
        "are removed, and nothing more is sent to them.",
        match=lambda person: recipients_include(person.email),
    ),
    # programs
    Reference(
        "programs.Enrollment", "leader", "programs.enrollments", Erase.KEEP, KEPT_FOR_FIGURES
    ),
    Reference(
        "programs.Cohort",
        "facilitator",
        "programs.facilitated_cohorts",
        Erase.KEEP,
        "Kept: the cohort, facilitated by the anonymised person.",
    ),
    _actions("programs.Enrollment", "enrolled_by", "created_at"),
    _actions("programs.ModuleCompletion", "recorded_by", "recorded_at"),
    _actions("programs.SessionAttendance", "recorded_by", "recorded_at"),
    # mentorship
    Reference(
        "mentorship.MentorProfile",
        "user",
        "mentoring.mentor_profile",
        Erase.KEEP,
        "Kept, closed to new mentees; the bio they wrote is removed.",
    ),
    Reference(
        "mentorship.Pairing",
        "mentor",
        "mentoring.pairings",
        Erase.KEEP,
        "Ended first (planned sessions are cancelled), then kept for the mentee's history.",
    ),
    Reference(
        "mentorship.Pairing",
        "mentee",
        "mentoring.pairings",
        Erase.KEEP,
        "Ended first (planned sessions are cancelled), then kept for the mentor's history.",
    ),
    Reference(
        "mentorship.Goal",
        "mentee",
        "mentoring.goals",
        Erase.KEEP,
        "Kept for the figures; title and notes are removed.",
    ),
    _actions("mentorship.Pairing", "created_by", "created_at"),
    _actions("mentorship.MentoringSession", "logged_by", "created_at"),
    _actions("mentorship.ActionItem", "created_by", "created_at"),
    _actions("mentorship.Goal", "created_by", "created_at"),
    # feedback
    Reference(
        "feedback.Nomination",
        "subject",
        "feedback.nominations_about_them",
        Erase.KEEP,
        "Those that still stand are withdrawn first; kept, with the names they typed removed.",
    ),
    Reference(
        "feedback.Nomination",
        "rater",
        "feedback.nominations_as_rater",
        Erase.KEEP,
        "Those that still stand are withdrawn first; kept, with their name and address removed.",
    ),
    Reference(
        "feedback.RaterRequest",
        "subject",
        "feedback.requests_about_them",
        Erase.KEEP,
        "Open ones expire first; kept, so the reports' response rates do not change.",
        listing=Listing.COUNTS,
    ),
    Reference(
        "feedback.RaterRequest",
        "rater",
        "feedback.requests_as_rater",
        Erase.KEEP,
        "Open ones expire first; kept, with delivery errors removed.",
    ),
    Reference(
        "feedback.Response",
        "subject",
        "feedback.reports",
        Erase.KEEP,
        "Kept: answers about them belong to no rater; the released reports keep every figure.",
        listing=Listing.REPORTS,
    ),
    Reference(
        "feedback.ReportShare",
        "subject",
        "feedback.report_shares",
        Erase.KEEP,
        "Kept; it ends with the pairing, which ends first.",
    ),
    Reference(
        "feedback.ReportShare",
        "manager",
        "feedback.reports_shared_with_them",
        Erase.KEEP,
        "Kept: the leader's choice; it ends when the leader no longer reports to them.",
    ),
    _actions("feedback.Cycle", "created_by", "created_at"),
    _actions("feedback.Nomination", "created_by", "created_at"),
    _actions("feedback.Nomination", "decided_by", "decided_at"),
    # metrics
    Reference(
        "metrics.Observation", "leader", "metrics.observations", Erase.KEEP, KEPT_FOR_FIGURES
    ),
    Reference("metrics.Target", "leader", "metrics.targets", Erase.KEEP, KEPT_FOR_FIGURES),
    Reference(
        "metrics.CohortRank",
        "leader",
        "metrics.cohort_ranks",
        Erase.KEEP,
        "Kept: their place in the cohort's ranking, rebuilt from the kept observations.",
    ),
    _actions("metrics.Observation", "recorded_by", "recorded_at"),
    _actions("metrics.ObservationChange", "changed_by", "changed_at"),
    _actions("metrics.Target", "created_by", "created_at"),
    # development plans
    Reference(
        "plans.Plan",
        "leader",
        "plans.plans",
        Erase.KEEP,
        "Kept, pointing at the anonymised person, for the cohort's plan figures; what they "
        "wrote in it (goals, topics, check-in notes, comments on it) is blanked.",
    ),
    Reference(
        "plans.Comment",
        "author",
        "plans.comments",
        Erase.KEEP,
        "Kept without its words, so the plan's conversation still shows who spoke when.",
    ),
    _actions("plans.Plan", "created_by", "created_at"),
    # team pulse: who was asked about them only as a count per round (a count by status
    # would tell how many answered below the threshold); answers about them only as the
    # results they may see; answers they gave are tied to nobody.
    Reference(
        "pulse.PulseInvite",
        "leader",
        "pulse.invites_about_them",
        Erase.KEEP,
        "Kept, so the rounds' response rates do not change.",
        listing=Listing.COUNTS,
    ),
    Reference(
        "pulse.PulseInvite",
        "member",
        "pulse.invites",
        Erase.KEEP,
        "Kept: that they were asked and whether they answered; no answer names them.",
    ),
    Reference(
        "pulse.PulseResponse",
        "leader",
        "pulse.results",
        Erase.KEEP,
        "Kept: answers about them belong to no team member; the results keep every figure.",
        listing=Listing.RESULTS,
    ),
    Reference(
        "pulse.PulseShare",
        "leader",
        "pulse.shares",
        Erase.KEEP,
        "Kept: the leader's choice of who sees their team pulse.",
    ),
    _actions("pulse.Pulse", "created_by", "created_at"),
    # directory
    _actions("directory.ScimToken", "created_by", "created_at"),
    _actions("directory.DirectorySync", "created_by", "created_at"),
    _actions("directory.DirectorySync", "decided_by", "decided_at"),
    _actions("directory.JitDomain", "created_by", "created_at"),
)


@dataclasses.dataclass(frozen=True)
class Redaction:
    """Free text the person wrote: on erasure, ``fields`` of the rows of ``model`` where
    ``lookup`` is the person (and ``only`` holds) are blanked."""

    model: str
    lookup: str
    fields: tuple[str, ...]
    only: Q = dataclasses.field(default_factory=Q)
    # What the fields become: empty text by default, "[erased]" where text is required.
    value: Callable[[], object] | None = None

    def rows(self, person: User) -> models.QuerySet:
        return apps.get_model(self.model).objects.filter(self.only, **{self.lookup: person})


REDACTIONS: tuple[Redaction, ...] = (
    Redaction("mentorship.MentorProfile", "user", ("bio",)),
    # Notes they logged, and their own private notes whoever logged the session.
    Redaction("mentorship.MentoringSession", "logged_by", ("shared_notes", "private_notes")),
    Redaction("mentorship.MentoringSession", "pairing__mentor", ("private_notes",)),
    Redaction("mentorship.ActionItem", "created_by", ("description",)),
    # Their development goals, whoever wrote them down.
    Redaction("mentorship.Goal", "mentee", ("title", "notes")),
    # Who they were nominated as, and the names and addresses they typed. An address
    # is the only trace of a proposal nobody approved, so there it becomes a placeholder
    # (feedback_nomination_names_someone).
    Redaction("feedback.Nomination", "rater", ("full_name", "email")),
    Redaction("feedback.Nomination", "created_by", ("full_name",)),
    Redaction("feedback.Nomination", "created_by", ("email",), only=Q(rater__isnull=False)),
    Redaction(
        "feedback.Nomination",
        "created_by",
        ("email",),
        only=Q(rater__isnull=True),
        value=lambda: Concat(
            Value("erased-nomination-"), Cast("pk", CharField()), Value(f"@{ERASED_DOMAIN}")
        ),
    ),
    Redaction("feedback.RaterRequest", "rater", ("last_error",)),
    # Their development plans: what they will work on and how it goes, and what anyone
    # said about it; and what they said on others' plans.
    Redaction("plans.Focus", "plan__leader", ("topics",)),
    Redaction("plans.CheckIn", "plan__leader", ("note",)),
    Redaction("plans.Comment", "plan__leader", ("body",)),
    Redaction("plans.Comment", "author", ("body",)),
)


def references_to_users() -> list[tuple[str, str]]:
    """Every (model, field) in the project that points at a person: foreign keys and
    one-to-one keys to the user model, and the user's many-to-many links."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete):
                continue
            if field.related_model is User or (model is User and field.many_to_many):
                found.append((model._meta.label, field.name))
    return found
