import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from common.validators import YEAR_RANGE_MESSAGE, year_in_range
from programs.models import Competency, Dimension, Enrollment


class MentorProfile(models.Model):
    """A mentor's availability and expertise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    capacity = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Most active mentees at once."
    )
    # Active pairings; kept by the pairing services with conditional UPDATEs so the
    # check constraint refuses a pairing beyond capacity even under concurrency.
    active_mentees = models.PositiveSmallIntegerField(default=0, editable=False)
    expertise = models.ManyToManyField(Competency, blank=True, related_name="mentors")
    bio = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_mentees__lte=F("capacity")),
                name="mentorship_profile_within_capacity",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="mentorship_capacity_min"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def seats_free(self) -> int:
        return self.capacity - self.active_mentees


class MentorDimension(models.Model):
    """A balance dimension a mentor is strong at developing (matching prefers them for
    leaders whose development plan focuses on it)."""

    profile = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="dimension_expertise"
    )
    dimension = models.CharField(max_length=20, choices=Dimension.choices)

    class Meta:
        ordering = ["profile", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "dimension"], name="mentorship_mentor_dimension_unique"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values),
                name="mentorship_mentor_dimension_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.get_dimension_display()}"


class Pairing(models.Model):
    """A mentor paired with a new leader. Ending a pairing keeps all its history."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentor_pairings"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentee_pairings"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    objectives = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=F("mentee")), name="mentorship_pairing_not_self"
            ),
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status="active"),
                name="mentorship_pairing_one_active_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="mentorship_pairing_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(ended_on__isnull=True))
                | (Q(status="ended") & Q(ended_on__isnull=False)),
                name="mentorship_pairing_status_matches_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class MentoringSession(models.Model):
    """One mentoring conversation, planned ahead or logged after it was held."""

    # The mentor's own notes: no admin filter, search, export or other person reads them.
    private_fields = ("private_notes",)

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class Format(models.TextChoices):
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"

    MIN_MINUTES = 5
    MAX_MINUTES = 480

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=45, validators=[MinValueValidator(MIN_MINUTES), MaxValueValidator(MAX_MINUTES)]
    )
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.VIDEO)
    topics = models.ManyToManyField(Competency, blank=True, related_name="mentoring_sessions")
    # The focus dimension of the mentee's development plan the session worked on, if any.
    dimension = models.CharField(max_length=20, choices=Dimension.choices, blank=True)
    shared_notes = models.TextField(blank=True, help_text="Visible to the mentor, mentee and HR.")
    private_notes = models.TextField(blank=True, help_text="The mentor's own notes; nobody else.")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Calendar revision (iCalendar SEQUENCE): bumped whenever a planned session
    # moves or is cancelled; invitations carry it so calendars apply updates in order.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["pairing", "status", "starts_at"]),
            # The list's order: its first pages are read from the index, not sorted.
            models.Index(fields=["-starts_at", "-id"], name="mentorship_session_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="mentorship_session_duration_5_480",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "held", "cancelled"]),
                name="mentorship_session_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} on {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    def clean(self) -> None:
        super().clean()
        # ends_at, reminders and calendar feeds add to starts_at: year 9999 overflows.
        if self.starts_at and not year_in_range(self.starts_at):
            raise ValidationError({"starts_at": YEAR_RANGE_MESSAGE})


class ActionItem(models.Model):
    """Something the mentor or the mentee agreed to do after a session."""

    class Owner(models.TextChoices):
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"

    session = models.ForeignKey(
        MentoringSession, on_delete=models.CASCADE, related_name="action_items"
    )
    description = models.CharField(max_length=500)
    # A role rather than a user: the owner is always one of the two people of the pairing.
    owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.MENTEE)
    due_on = models.DateField(null=True, blank=True)
    # Done, or closed without being done (``closed_reason`` says why): no longer open.
    done_at = models.DateTimeField(null=True, blank=True)
    # Empty when done; why it was closed otherwise, e.g. "left the company".
    closed_reason = models.CharField(max_length=200, blank=True)
    dimension = models.CharField(max_length=20, choices=Dimension.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__in=["mentor", "mentee"]), name="mentorship_action_owner_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def owner_user(self):
        pairing = self.session.pairing
        return pairing.mentor if self.owner == self.Owner.MENTOR else pairing.mentee

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Goal(models.Model):
    """A mentee's development goal, followed by their mentor."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="development_goals"
    )
    pairing = models.ForeignKey(
        Pairing, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    title = models.CharField(max_length=200)
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="goals"
    )
    # Set for a goal of a development plan: the balance dimension it develops.
    dimension = models.CharField(max_length=20, choices=Dimension.choices, blank=True)
    # How the leader will know: the measurable target the goal is judged by.
    measure = models.CharField(max_length=300, blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="mentorship_goal_progress_0_100",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "achieved", "dropped"]),
                name="mentorship_goal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title
