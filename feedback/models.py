"""360° feedback: questionnaires, cycles, nominations, rater requests, anonymous responses.

Answers are stored on a ``Response`` that names the cycle, the subject and the
rater *group* only — never the request or the rater — so no query, endpoint or
export can tie an answer back to the person who gave it.
"""

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from common.validators import YEAR_RANGE_MESSAGE, year_in_range
from mentorship.models import Pairing
from programs.models import Cohort, Competency, Dimension


class Side(models.TextChoices):
    MANAGEMENT = "management", "Management"
    LEADERSHIP = "leadership", "Leadership"


class RaterGroup(models.TextChoices):
    SELF = "self", "Self"
    MANAGER = "manager", "Manager"
    MENTOR = "mentor", "Mentor"
    PEER = "peer", "Peer"
    DIRECT_REPORT = "direct_report", "Direct report"


# The fewest anonymous raters whose figures may be shown together. Never lower: with two,
# either rater who later sees the report subtracts their own answers (docs/privacy.md).
MIN_ANONYMITY_THRESHOLD = 3

# Seeded by migration 0002 (the migration keeps its own copy of the name).
DEFAULT_QUESTIONNAIRE = "Management\u2013Leadership Balance"


class Questionnaire(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    # Set when a cycle using it opens; from then on answers refer to its questions,
    # so it is frozen (edits refused; copy it to change).
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def clean(self) -> None:
        super().clean()
        if self.pk and self.is_frozen:
            raise ValidationError(FROZEN_MESSAGE)


FROZEN_MESSAGE = (
    "This questionnaire is frozen: a feedback cycle using it has opened, so its "
    "questions can no longer change. Copy it to make a new version."
)


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", "Rating 1 to 5"
        COMMENT = "comment", "Comment"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=300)
    dimension = models.CharField(max_length=20, choices=Dimension.choices, blank=True)
    side = models.CharField(max_length=12, choices=Side.choices, blank=True)
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="feedback_question_position_unique"
            ),
            # A dimension is rated on one side; comments are not scored.
            models.CheckConstraint(
                condition=(Q(dimension="") & Q(side=""))
                | (Q(kind="rating") & ~Q(dimension="") & ~Q(side="")),
                name="feedback_question_dimension_needs_side",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        super().clean()
        questionnaire = getattr(self, "questionnaire", None)
        if questionnaire is not None and questionnaire.is_frozen:
            raise ValidationError(FROZEN_MESSAGE)
        if bool(self.dimension) != bool(self.side):
            raise ValidationError({"side": "Give both a dimension and a side, or neither."})
        if self.kind == self.Kind.COMMENT and self.dimension:
            raise ValidationError({"dimension": "Comments are not scored on a dimension."})


class Cycle(models.Model):
    """One round of 360° feedback for the leaders of a cohort."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="feedback_cycles")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="cycles"
    )
    name = models.CharField(max_length=200)
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    reminder_every_days = models.PositiveSmallIntegerField(
        default=3, help_text="Days between reminders to raters who have not answered; 0 for none."
    )
    # Minimum raters wanted per group, e.g. {"peer": 3, "direct_report": 3}; the
    # preview and the leader's page warn when nominations fall short.
    min_raters = models.JSONField(default=dict, blank=True)
    anonymity_threshold = models.PositiveSmallIntegerField(
        default=MIN_ANONYMITY_THRESHOLD,
        validators=[MinValueValidator(MIN_ANONYMITY_THRESHOLD)],
        help_text=f"Fewest raters of a group shown together (at least {MIN_ANONYMITY_THRESHOLD}).",
    )
    recurrence_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Repeat every N days until the cohort ends."
    )
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_occurrence",
        help_text="The cycle this one recurs from.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # When the retention purge first removed who was asked about whom
    # (feedback/retention.py); from then on only the subject and HR see the reports.
    raters_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gt=F("opens_at")), name="feedback_cycle_due_after_open"
            ),
            models.CheckConstraint(
                condition=Q(anonymity_threshold__gte=MIN_ANONYMITY_THRESHOLD),
                name="feedback_cycle_threshold_min_3",
            ),
            models.CheckConstraint(
                condition=Q(recurrence_days__isnull=True) | Q(recurrence_days__gte=1),
                name="feedback_cycle_recurrence_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opens_at"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.cohort.time_zone)

    def clean(self) -> None:
        super().clean()
        # Reminders and recurrences are computed from these; year 9999 overflows.
        out_of_range = {
            name: YEAR_RANGE_MESSAGE
            for name in ("opens_at", "due_at")
            if getattr(self, name) and not year_in_range(getattr(self, name))
        }
        if out_of_range:
            raise ValidationError(out_of_range)
        if self.opens_at and self.due_at and self.due_at <= self.opens_at:
            raise ValidationError({"due_at": "The due date must be after the opening date."})
        if not isinstance(self.min_raters, dict) or any(
            key not in RaterGroup.values or not isinstance(value, int) or value < 0
            for key, value in (self.min_raters or {}).items()
        ):
            raise ValidationError(
                {"min_raters": "Use rater groups as keys and whole numbers as minimums."}
            )


class Nomination(models.Model):
    """A rater for one subject of a cycle, nominated before the cycle opens.

    HR adds raters directly (approved at once). A leader only *proposes* peers: a
    colleague from the directory, or an address on the company's domains; HR approves
    a proposal before anyone is asked, and only approved nominations become requests,
    so a rater the subject chose never counts towards a threshold unapproved. A leader
    never creates people: the account for a proposed address is made when HR approves.
    Nothing is deleted: a withdrawn or rejected nomination stays, with who decided.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Not approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Nominations that still stand (one per rater and subject among them).
    ACTIVE_STATUSES = (Status.PROPOSED, Status.APPROVED)

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="nominations")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The person, once known: picked from the directory, matched by address, or created
    # by HR's approval. Outside raters are users without a password (they never log in).
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the proposer typed (the leader sees this, never the directory's own record).
    email = models.EmailField(blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    group = models.CharField(max_length=15, choices=RaterGroup.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "subject", "group", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "subject", "rater"],
                condition=Q(status__in=["proposed", "approved"], rater__isnull=False),
                name="feedback_nomination_rater_once",
            ),
            models.UniqueConstraint(
                fields=["cycle", "subject", "email"],
                condition=Q(status__in=["proposed", "approved"]) & ~Q(email=""),
                name="feedback_nomination_email_once",
            ),
            models.CheckConstraint(
                condition=~Q(rater=F("subject")), name="feedback_nomination_not_self"
            ),
            models.CheckConstraint(
                condition=Q(rater__isnull=False) | ~Q(email=""),
                name="feedback_nomination_names_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(rater__isnull=False),
                name="feedback_nomination_approved_has_rater",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"], name="feedback_nomination_status")]

    def __str__(self) -> str:
        return f"{self.display_name} rates {self.subject} ({self.group}, {self.status})"

    @property
    def display_name(self) -> str:
        """The name as the proposer gave it (what a leader sees)."""
        return self.full_name or (self.rater.full_name if self.rater else self.email)

    @property
    def address(self) -> str:
        """Where the invitation goes: the directory's address once known."""
        return self.rater.email if self.rater else self.email


class RaterRequest(models.Model):
    """One rater asked about one subject in one cycle."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    # A rater may still answer (and be reminded) in these.
    OPEN_STATUSES = (Status.PENDING, Status.SENT)

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="requests")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Null once the retention purge has removed who was asked (feedback/retention.py):
    # the group and status stay, so a report's response rates do not change.
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_requests",
    )
    group = models.CharField(max_length=15, choices=RaterGroup.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    closing_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    due_at_override = models.DateTimeField(
        null=True, blank=True, help_text="An extended deadline for this request only."
    )
    # No answer time is kept: with response ids it could order raters against answers.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "subject", "group", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "subject", "rater"], name="feedback_request_once_per_rater"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        rater = self.rater if self.rater_id else f"A {self.get_group_display().lower()} rater"
        return f"{rater} about {self.subject} ({self.cycle})"

    @property
    def effective_due_at(self):
        return max(self.due_at_override or self.cycle.due_at, self.cycle.due_at)


class Response(models.Model):
    """One submitted questionnaire. Deliberately holds no link to the request or rater,
    no time, and a random id: nothing orders responses by arrival."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="responses")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(max_length=15, choices=RaterGroup.choices)

    class Meta:
        ordering = ["cycle", "subject", "group"]
        indexes = [models.Index(fields=["cycle", "subject"], name="feedback_response_cycle_subj")]

    def __str__(self) -> str:
        return f"{self.group} response about {self.subject}"


class Answer(models.Model):
    # Read only in aggregate, under the report's anonymity rule (feedback/selectors.py).
    private_fields = ("rating", "cant_say", "text")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # Null rating with cant_say = "can't say"; comments use text.
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    cant_say = models.BooleanField(default=False)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_answer_rating_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(cant_say=True, rating__isnull=False),
                name="feedback_answer_cant_say_has_no_rating",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class ReportShare(models.Model):
    """The subject shared their report of a cycle with one mentoring pairing (that mentor
    sees it while the pairing lasts; a later mentor does not, until shared again) or with
    their manager (that manager sees it while the subject reports to them; a new manager
    does not, until shared again, and the earlier one no longer does)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="shares")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    pairing = models.ForeignKey(Pairing, null=True, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "pairing"], name="feedback_share_once_per_pairing"
            ),
            models.UniqueConstraint(
                fields=["cycle", "subject", "manager"],
                condition=Q(manager__isnull=False),
                name="feedback_share_once_per_manager",
            ),
            models.CheckConstraint(
                condition=Q(pairing__isnull=True, manager__isnull=False)
                | Q(pairing__isnull=False, manager__isnull=True),
                name="feedback_share_with_a_mentor_or_a_manager",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} shared {self.cycle}"
