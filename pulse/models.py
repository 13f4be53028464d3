"""Team pulse: a short questionnaire HR schedules for the direct reports of each leader,
monthly or quarterly, answered through a personal link without signing in. Its results
per leader and round (under the anonymity rule of feedback.anonymity) become the leader's
``team_engagement`` metric value.

Answers cannot be tied to the person who gave them: an invite knows whom it was sent to
and whether it was answered, a response knows the round and the leader, and nothing
joins them (a random key, no time finer than the round, nothing ordered by arrival).

The pulse sits above feedback and metrics and below plans and dashboards; nothing under
it imports it.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from programs.models import Cohort

# The scale statements and the eNPS question, as their values are stored.
SCALE_MIN, SCALE_MAX = 1, 5
ENPS_MIN, ENPS_MAX = 0, 10
# eNPS: 9-10 promote, 0-6 detract (7-8 are passive).
ENPS_PROMOTER_MIN, ENPS_DETRACTOR_MAX = 9, 6
# A pulse stays short: enough statements to say something, few enough to answer on a phone.
MIN_STATEMENTS, MAX_STATEMENTS = 1, 10
MAX_ANSWER_DAYS = 28
COMMENT_MAX_LENGTH = 1000
DEFAULT_TEMPLATE = "Team engagement pulse"


class Cadence(models.TextChoices):
    # The values are metrics.periods.Period's: a round is one period of the cadence.
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"


class PulseTemplate(models.Model):
    """A pulse questionnaire: ordered statements rated 1-5, at most one eNPS question."""

    name = models.CharField(max_length=200, unique=True)
    comment_prompt = models.CharField(
        max_length=300, default="Anything else you would like your leader to know?"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PulseStatement(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", "Statement, 1-5"
        ENPS = "enps", "eNPS, 0-10"

    template = models.ForeignKey(PulseTemplate, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SCALE)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="pulse_statement_position_unique"
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(kind="enps"),
                name="pulse_statement_one_enps_per_template",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["scale", "enps"]), name="pulse_statement_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_enps(self) -> bool:
        return self.kind == self.Kind.ENPS


# What HR sets on a pulse: the form, the API and the audit trail all read this.
PULSE_FIELDS = (
    "name",
    "template",
    "cohort",
    "cadence",
    "starts_on",
    "answer_days",
    "remind_after_days",
    "is_active",
)


class Pulse(models.Model):
    """HR's schedule: a template sent to the teams of a cohort's leaders (or of every
    leader) each month or quarter."""

    name = models.CharField(max_length=200)
    template = models.ForeignKey(PulseTemplate, on_delete=models.PROTECT, related_name="pulses")
    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pulses",
        help_text="Empty: the teams of every leader.",
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.QUARTER)
    starts_on = models.DateField(help_text="The first round opens on this day.")
    answer_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ANSWER_DAYS)],
        help_text=f"How long each round is open for answers (1 to {MAX_ANSWER_DAYS}).",
    )
    remind_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=7,
        validators=[MinValueValidator(1)],
        help_text="One reminder to whoever has not answered after this many days; empty: none.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive: no new rounds open.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_days__gte=1, answer_days__lte=MAX_ANSWER_DAYS),
                name="pulse_pulse_answer_days_range",
            ),
            models.CheckConstraint(
                condition=Q(remind_after_days__isnull=True)
                | Q(remind_after_days__gte=1, remind_after_days__lt=F("answer_days")),
                name="pulse_pulse_reminder_inside_window",
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=["month", "quarter"]), name="pulse_pulse_cadence_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PulseRound(models.Model):
    """One period of a pulse: opened by the tick, closed at ``closes_at``."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    pulse = models.ForeignKey(Pulse, on_delete=models.PROTECT, related_name="rounds")
    period_start = models.DateField(help_text="First day of the round's month or quarter.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pulse", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["pulse", "period_start"], name="pulse_round_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="pulse_round_closes_after_open"
            ),
            models.CheckConstraint(
                condition=Q(period_start__day=1), name="pulse_round_period_on_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pulse} {self.period_start:%Y-%m}"


class PulseInvite(models.Model):
    """One team member asked about one leader in one round. Says whether they answered,
    never what (or when)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        REMINDED = "reminded", "Reminded"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired"

    OPEN_STATUSES = (Status.PENDING, Status.SENT, Status.REMINDED)

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="invites")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pulse_invites"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "leader", "member"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="pulse_invite_once_per_round"),
            models.CheckConstraint(
                condition=~Q(leader=F("member")), name="pulse_invite_not_about_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} about {self.leader} ({self.round})"


class PulseResponse(models.Model):
    """One anonymous answer to a round about a leader: a random key, no time of its own,
    no link to the invite or the member."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.PROTECT, related_name="responses")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)

    class Meta:
        # By the random key: never by arrival.
        ordering = ["id"]

    def __str__(self) -> str:
        return f"A response about {self.leader_id} in round {self.round_id}"


class PulseAnswer(models.Model):
    """One value of a response: 1-5 for a statement, 0-10 for the eNPS question."""

    response = models.ForeignKey(PulseResponse, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(PulseStatement, on_delete=models.PROTECT, related_name="+")
    # The statement's kind, copied so the database itself refuses a value out of range.
    kind = models.CharField(max_length=10, choices=PulseStatement.Kind.choices)
    value = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["response", "statement__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="pulse_answer_once_per_statement"
            ),
            models.CheckConstraint(
                condition=Q(kind="scale", value__gte=SCALE_MIN, value__lte=SCALE_MAX)
                | Q(kind="enps", value__gte=ENPS_MIN, value__lte=ENPS_MAX),
                name="pulse_answer_value_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.value)


class PulseShare(models.Model):
    """The leader shows their team pulse (per-statement figures, eNPS, comments, all under
    the anonymity rule) to their mentor(s) or to their manager(s) in the reporting line.
    A standing switch, one per audience; the team_engagement value on the scorecard is
    visible to them either way, like every metric."""

    class Audience(models.TextChoices):
        MENTOR = "mentor", "My mentor"
        MANAGER = "manager", "My manager"

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_shares"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "audience"], name="pulse_share_once_per_audience"
            ),
            models.CheckConstraint(
                condition=models.Q(audience__in=["mentor", "manager"]),
                name="pulse_share_audience_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} shares their team pulse with their {self.audience}"
