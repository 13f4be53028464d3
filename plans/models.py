"""Development plans: a leader's answer to a released 360° report. One to three focus
dimensions of the management-leadership balance, a goal for each (kept in mentorship, so
mentor and leader follow it like any goal), what will help (program modules, mentoring
topics, a metric it should move), comments from the people who follow the leader, and
regular check-ins.

The plan sits above feedback and metrics (it joins a report, goals, modules and metrics)
and below dashboards; nothing under it imports it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from feedback.models import Cycle
from mentorship.models import Goal
from metrics.models import MetricDefinition
from programs.models import Dimension, Module

# How many dimensions one plan focuses on: enough to matter, few enough to work on.
MIN_FOCUSES = 1
MAX_FOCUSES = 3


class Plan(models.Model):
    """A leader's development plan, built from the report of one released cycle."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="development_plans"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="plans")
    # The leader's next released report, once its balances are recorded (PlanBalance.after).
    outcome_cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "cycle"], name="plans_plan_one_per_report"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} after {self.cycle}"


class Focus(models.Model):
    """One focus dimension of a plan and the goal the leader set for it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="focuses")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    position = models.PositiveSmallIntegerField(default=0)
    goal = models.OneToOneField(Goal, on_delete=models.PROTECT, related_name="plan_focus")
    modules = models.ManyToManyField(Module, blank=True, related_name="plan_focuses")
    topics = models.CharField(
        max_length=300, blank=True, help_text="What to work on with the mentor."
    )
    metric = models.ForeignKey(
        MetricDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "position", "id"]
        verbose_name_plural = "focuses"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "dimension"], name="plans_focus_dimension_once_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=Dimension.values), name="plans_focus_dimension_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_dimension_display()


class PlanBalance(models.Model):
    """A plan's balance on one dimension (leadership minus management, every rater but
    self, as anyone may see it) in the report it answers and in the leader's next released
    report. Reports never change once released, so these are kept: a program's "did the
    focus dimensions move more?" is then one read, not two report computations a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="balances")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    in_focus = models.BooleanField()
    before = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    after = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["plan", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "dimension"], name="plans_balance_once_per_dimension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.before} → {self.after}"


class Comment(models.Model):
    """A mentor's, manager's or HR's comment on a plan (or the leader's reply)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=2000)
    check_in = models.ForeignKey(
        "CheckIn",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text="The check-in it answers, if any (one of the same plan's).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.plan}"


class CheckIn(models.Model):
    """A regular check-in on a plan: progress per goal and one sentence. Created when it
    falls due (the leader is emailed), answered once."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="check_ins")
    due_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="plans_check_in_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.due_on} on {self.plan}"


class CheckInProgress(models.Model):
    """The progress a check-in reported on one focus's goal."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="progress")
    focus = models.ForeignKey(Focus, on_delete=models.CASCADE, related_name="+")
    progress = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["check_in", "focus__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_in", "focus"], name="plans_check_in_progress_once_per_focus"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="plans_check_in_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.progress} %"
