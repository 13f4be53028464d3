from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from programs.models import Competency, Enrollment


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
