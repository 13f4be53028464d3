"""People: the custom user (email login, reporting line) and the API tokens they sign in with."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

# Why a leaver's open business ended (an enrollment withdrawn, an action item closed, a
# pairing ended): one wording wherever it is shown or recorded.
LEFT_THE_COMPANY = "left the company"


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> "User":
        # Login is case-insensitive: "Ana@Example.com" is ana@example.com.
        return self.get(email__iexact=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        # No password means the person never logs in (team members, raters).
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person Lodestar knows: HR, mentors, leaders, their managers and teams, raters."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
        help_text="Reporting line: the person this user reports to.",
    )
    is_active = models.BooleanField(default=True)
    left_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day this person left the company (a leaver); empty while they work here.",
    )
    is_staff = models.BooleanField(default=False, help_text="May log into the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    # No admin filter may probe a password hash (common/privacy.py).
    private_fields = ("password",)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        # Lists ordered by a person's name (observations, enrollments) read their first
        # page in order from this index instead of sorting every row (issue 14).
        indexes = [models.Index(fields=["full_name", "email"], name="people_user_name_order")]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="people_user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("pk")), name="people_user_not_own_manager"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = User.objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # A changed password ends every API token issued under the old one (sessions end by
    # Django's own session hash). Here, not in each form, because every way a password
    # changes -- reset, change, the admin, ``changepassword``, a shell -- ends in save().
    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self._password_replaced = True

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_replaced = True

    def save(self, *args, **kwargs) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None and "password" not in fields:
            return super().save(*args, **kwargs)
        replaced = getattr(self, "_password_replaced", False) and not self._state.adding
        self._password_replaced = False
        if not replaced:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            self.api_tokens.all().delete()


class ReportingLine(models.Model):
    """Who reported to whom, and when: one row per stretch of a person's reporting line.

    ``User.manager`` is the line today; this keeps its history, so a team's size and its
    leavers in any past month can be counted (the measured retention rate). The open row
    (``ended_on`` empty) of a person always names their current manager;
    ``people.services.reporting_line_record`` is the one writer."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reporting_history")
    manager = models.ForeignKey(User, on_delete=models.CASCADE, related_name="managed_history")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="Empty: still reports to them.")

    class Meta:
        ordering = ["person", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_on__isnull=True),
                name="people_reportingline_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="people_reportingline_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("person")),
                name="people_reportingline_not_own_manager",
            ),
        ]
        indexes = [models.Index(fields=["manager", "started_on"])]

    def __str__(self) -> str:
        until = self.ended_on or "now"
        return f"{self.person_id} → {self.manager_id} ({self.started_on} to {until})"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only its SHA-512 digest is stored, it expires after
    ``API_TOKEN_TTL_HOURS``, and it is refused once its user's password changed
    (people/tokens.py holds the rules; the token itself is shown once, when issued)."""

    id = models.BigAutoField(primary_key=True)
    # knox keys its tokens by digest; an id keeps the digest out of URLs and the admin.
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    # The user's session auth hash (an HMAC of their password hash) when the token was
    # issued: a token issued before a password change no longer matches.
    password_hash_mac = models.CharField(max_length=128)
    last_used_at = models.DateTimeField(null=True, blank=True)

    # No admin filter may probe the digest (common/privacy.py).
    private_fields = ("digest", "token_key", "password_hash_mac")

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "API token"
        indexes = [models.Index(fields=["user", "expiry"], name="people_apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"API token of {self.user} from {self.created:%Y-%m-%d %H:%M}"
