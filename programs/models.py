import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from common.shaping import percent


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as Europe/Berlin.",
            params={"value": value},
            code="invalid_time_zone",
        )


class Dimension(models.TextChoices):
    """The nine dimensions on which management and leadership differ: a 360 report scores
    a leader on both sides of each, modules develop them, development plans focus on them."""

    FOCUS = "focus", "Focus"
    APPROACH = "approach", "Approach"
    DECISION_MAKING = "decision_making", "Decision-making"
    GOAL_ORIENTATION = "goal_orientation", "Goal orientation"
    RISK_TOLERANCE = "risk_tolerance", "Risk tolerance"
    COMMUNICATION = "communication", "Communication"
    RELATIONSHIPS = "relationships", "Relationships"
    DEVELOPMENT = "development", "Development"
    SUCCESS = "success", "Success"


class Competency(models.Model):
    """A leadership skill a program develops (talent management, communication, ...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="programs")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """A unit of a program's curriculum."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", "Workshop"
        E_LEARNING = "e_learning", "E-learning"
        ASSIGNMENT = "assignment", "Assignment"
        COACHING = "coaching", "Coaching"

    # Kinds a leader may mark complete themselves; workshops and coaching are recorded by HR.
    SELF_RECORDED_KINDS = frozenset({Kind.E_LEARNING, Kind.ASSIGNMENT})

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="modules")
    is_required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    expected_hours = models.DecimalField(
        max_digits=5, decimal_places=1, default=0, validators=[MinValueValidator(0)]
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_hours__gte=0), name="programs_module_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ModuleDimension(models.Model):
    """A dimension of the management-leadership balance that a module develops."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="dimension_tags")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)

    class Meta:
        ordering = ["module", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "dimension"], name="programs_module_dimension_unique"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values), name="programs_module_dimension_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.get_dimension_display()}"


class Cohort(models.Model):
    """One run of a program."""

    class Delivery(models.TextChoices):
        VIRTUAL = "virtual", "Virtual"
        IN_PERSON = "in_person", "In person"
        HYBRID = "hybrid", "Hybrid"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.VIRTUAL)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Enrollments holding a seat: invited, active and completed (a completed leader
    # took part in this run; only withdrawing gives the seat back). Kept by the
    # enrollment services with conditional UPDATEs, and the check constraint makes
    # overbooking impossible even under races.
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_cohorts",
    )
    # Development plans: HR may expect one within this many days of a 360 report's
    # release (leaders are reminded until then) and a check-in every this many weeks.
    # Blank: not asked for.
    plan_due_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    checkin_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="programs_cohort_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="programs_cohort_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="programs_cohort_capacity_min"
            ),
            models.CheckConstraint(
                condition=Q(plan_due_days__gte=1, plan_due_days__lte=365)
                | Q(plan_due_days__isnull=True),
                name="programs_cohort_plan_due_days_range",
            ),
            models.CheckConstraint(
                condition=Q(checkin_weeks__gte=1, checkin_weeks__lte=52)
                | Q(checkin_weeks__isnull=True),
                name="programs_cohort_checkin_weeks_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # seats_taken belongs to the enrollment services' conditional UPDATEs; saving a
        # cohort read a moment ago (admin, API) must never write back a stale count.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "seats_taken"
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A cohort cannot end before it starts."})
        if self.capacity is not None and self.capacity < self.seats_taken:
            raise ValidationError(
                {"capacity": f"{self.seats_taken} seats are taken; capacity cannot be lower."}
            )

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


class CohortSession(models.Model):
    """A scheduled live event of a cohort."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    module = models.ForeignKey(
        Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="cohort_sessions"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    meeting_url = models.URLField(blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="programs_session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A session must end after it starts."})
        if self.module_id and self.cohort_id and self.module.program_id != self.cohort.program_id:
            raise ValidationError({"module": "This module belongs to another program."})


class Enrollment(models.Model):
    """A leader in a cohort: invited → active → completed, or withdrawn from invited/active."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # May still make progress (modules, attendance) and be withdrawn or completed.
    OPEN_STATUSES = (Status.INVITED, Status.ACTIVE)
    # Takes part in the cohort: counted in its figures, asked for feedback (not withdrawn).
    TAKING_PART_STATUSES = (*OPEN_STATUSES, Status.COMPLETED)

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrollments")
    # Copied from the cohort so the database can hold "one open enrollment per program".
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="enrollments", editable=False
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Why, when it was not HR's own decision: e.g. "left the company" (directory sync).
    withdrawal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["cohort", "leader__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "leader"], name="programs_enrollment_once_per_cohort"
            ),
            models.UniqueConstraint(
                fields=["program", "leader"],
                condition=Q(status__in=["invited", "active"]),
                name="programs_enrollment_one_open_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} in {self.cohort}"

    @property
    def progress_percent(self):
        """Needs the annotations of programs.selectors.with_progress."""
        return percent(self.required_done, self.required_total)


class ModuleCompletion(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="completions")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["enrollment", "module__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "module"], name="programs_completion_once_per_module"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="programs_completion_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} done by {self.enrollment.leader}"

    def clean(self) -> None:
        super().clean()
        if (
            self.module_id
            and self.enrollment_id
            and self.module.program_id != self.enrollment.program_id
        ):
            raise ValidationError({"module": "This module belongs to another program."})


class SessionAttendance(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(CohortSession, on_delete=models.PROTECT, related_name="attendance")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "session"], name="programs_attendance_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.leader} attended {self.session}"

    def clean(self) -> None:
        super().clean()
        if (
            self.session_id
            and self.enrollment_id
            and self.session.cohort_id != self.enrollment.cohort_id
        ):
            raise ValidationError({"session": "This session belongs to another cohort."})
