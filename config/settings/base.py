"""Settings shared by every environment, read from the environment (12-factor).

Each variable is documented in the README's configuration table.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.environment import email_config
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A development key is fine only while DEBUG is on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-lodestar-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of 50+ characters in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base URL used in emailed links (rater links, calendar invitations).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# seed_demo creates accounts with a known password; production settings forbid it.
DEMO_DATA_ALLOWED = True
# /api/schema/ and /api/docs/ answer anyone; production settings require sign-in.
API_DOCS_PUBLIC = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "common",
    "people",
    "programs",
    "mentorship",
    "feedback",
    "metrics",
    "pulse",
    "plans",
    "dashboards",
    "directory",
    "personal_data",
    "demo",
]

MIDDLEWARE = [
    # First, so its line times and records every request, redirects and errors included.
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused by the lockout into its page (people/signin.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "people.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lodestar.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer (web, worker, beat share one file) instead of failing;
    # a transaction takes the write lock when it begins, as SQLite cannot wait for it
    # when a reading transaction later writes ("database is locked" at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if not env.bool("DATABASE_JIT", default=False):
        # PostgreSQL's JIT compiles a plan's expressions when its estimated cost is high;
        # on Lodestar's statements that costs more than it saves (docs/performance.md).
        # A pooler that refuses the startup parameter (PgBouncer without
        # ignore_startup_parameters = options): DATABASE_JIT=true, and set jit there.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Password reset links (emailed through the outbox, made when sent) work once, this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 2)

# Sign-in lockout (django-axes; people/signin.py): every sign-in path -- the login page,
# the admin's login, POST /api/v1/auth/token/ -- counts failures per account and address;
# AXES_FAILURE_LIMIT of them lock that account from that address until HR unlocks it in
# the admin (Axes -> Access attempts) or, if set, AXES_COOLOFF_HOURS pass.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=0) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "people.signin.account_of"
AXES_CLIENT_IP_CALLABLE = "common.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "people.signin.lockout_response"
# Successful sign-ins are not logged (last_login says enough); passwords never are.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address"]

# Single sign-on with OpenID Connect (directory/sso/, docs/sso.md): on only when the
# issuer and the client id are set (discovery at <issuer>/.well-known/openid-configuration).
# An identity signs in when its verified email is on one of OIDC_ALLOWED_DOMAINS and
# names an active Lodestar account (or HR turned on just-in-time accounts for its domain).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_ALLOWED_DOMAINS = [d.strip().lower() for d in env.list("OIDC_ALLOWED_DOMAINS", default=[])]
# The login page's button: "Sign in with <name>".
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company")
# Off: only BREAK_GLASS_EMAILS (HR's accounts for when the identity provider is down)
# sign in, ask for a reset or get an API token with a password (people/signin.py).
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)
BREAK_GLASS_EMAILS = [e.strip().lower() for e in env.list("BREAK_GLASS_EMAILS", default=[])]

# API tokens (django-rest-knox; people/tokens.py): only a digest is stored; a token is
# refused this many hours after it was issued, and once its user's password changes.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be at least 1.")
KNOX_TOKEN_MODEL = "people.ApiToken"  # noqa: S105 — a model name, not a secret
# knox's migrations create its own token table even when its model is swapped for ours;
# that table would hold a key to every user and nothing else would ever use it.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
}

# Rate limits (common/throttles.py), counted in the cache (Redis) across every process:
# per address on sign-in (token endpoint, login and reset forms) and rater links, per
# user on API writes. DRF's "<number>/<second|minute|hour|day>".
THROTTLE_RATES = {
    "sign_in": env.str("THROTTLE_SIGN_IN", default="30/minute"),
    "rater_link": env.str("THROTTLE_RATER_LINK", default="60/minute"),
    "writes": env.str("THROTTLE_WRITES", default="300/minute"),
    "scim": env.str("THROTTLE_SCIM", default="1200/minute"),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Chart.js from npm (package-lock.json), installed by `make setup`; served by the app, no CDN.
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email: files under var/mail/ unless EMAIL_URL names an SMTP server
# (smtp://user:password@host:25, submission://... for STARTTLS, smtps://... for TLS:
# config/environment.py).
if env.str("EMAIL_URL", default=""):
    vars().update(email_config(env.str("EMAIL_URL")))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Lodestar <lodestar@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate challenge makes a missing or dead token a 401
    # (DRF asks the first class), not a 403 that reads like a role refusal.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON bodies only (a form cannot say null); the CSV uploads declare their own parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["common.throttles.WriteThrottle"],
    # The proxies in front of Lodestar whose X-Forwarded-For is believed: the client's
    # address for rate limits and the sign-in lockout (0: the connection's own address).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.PageNumberPagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.renderers.ContentNegotiation",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "common.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "common.schema.ErrorsAutoSchema",
    "EXCEPTION_HANDLER": "common.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lodestar API",
    "DESCRIPTION": "Development of newly promoted sales leaders: programs, mentoring, "
    "360° feedback and leadership metrics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Mentorship's status choice sets get their own schema names.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PairingStatusEnum": "mentorship.models.Pairing.Status",
        "MentoringSessionStatusEnum": "mentorship.models.MentoringSession.Status",
        "GoalStatusEnum": "mentorship.models.Goal.Status",
    }
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ModuleKindEnum": "programs.models.Module.Kind",
        "EnrollmentStatusEnum": "programs.models.Enrollment.Status",
        "CohortDeliveryEnum": "programs.models.Cohort.Delivery",
        # The nine balance dimensions: one enum wherever they appear.
        "DimensionEnum": "programs.models.Dimension",
        "DirectorySyncSourceEnum": "directory.models.DirectorySync.Source",
        # An observation's source kept its name when the directory's came.
        "SourceEnum": "metrics.models.Observation.Source",
        "DirectorySyncStatusEnum": "directory.models.DirectorySync.Status",
    }
)

# Celery: Redis broker, JSON only, at-least-once delivery made safe by
# idempotent tasks (every email is claimed by a conditional UPDATE of its outbox row).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is down: fail fast, the
# database remembers what is owed and the outbox sweep enqueues it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic schedules are declared here, reviewed like code, and synced into the
# database by django-celery-beat (visible and editable in the admin).
CELERY_BEAT_SCHEDULE: dict = {}
# The outbox (common/outbox.py): every email is a row, sent by a task in batches over
# one SMTP connection with one retry policy; one sweep a minute enqueues what is owed
# and not being worked on.
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {"task": "outbox.sweep", "schedule": 60.0}
# An email claimed longer ago than this without being recorded is sent again (the worker died).
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=600)
# An owed email enqueued longer ago than this and still queued is enqueued again.
OUTBOX_REQUEUE_AFTER = env.int("OUTBOX_REQUEUE_AFTER", default=300)
# SMTP attempts per email before it is marked failed (HR can retry it in the admin).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
# The first retry waits this long; each next one twice as long, plus up to 30% jitter.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
# The most emails one sweep enqueues (the next sweep takes the rest).
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)
# The most emails one send task claims and sends over one SMTP connection.
OUTBOX_SEND_BATCH = env.int("OUTBOX_SEND_BATCH", default=50)
# A batch stops sending after this long (or half OUTBOX_CLAIM_TIMEOUT, if less) and puts
# the rest back: far inside the task's soft time limit, which could otherwise interrupt a
# send between the server's acceptance and its record.
OUTBOX_SEND_BATCH_SECONDS = env.int("OUTBOX_SEND_BATCH_SECONDS", default=60)
_RENAMED = {
    "FEEDBACK_SEND_CLAIM_TIMEOUT": "OUTBOX_CLAIM_TIMEOUT",
    "FEEDBACK_REQUEUE_AFTER": "OUTBOX_REQUEUE_AFTER",
    "FEEDBACK_SEND_MAX_ATTEMPTS": "OUTBOX_MAX_ATTEMPTS",
    "FEEDBACK_SEND_RETRY_BASE_SECONDS": "OUTBOX_RETRY_BASE_SECONDS",
}
_still_set = [f"{old} (now {new})" for old, new in _RENAMED.items() if old in env.ENVIRON]
if _still_set:
    raise ImproperlyConfigured(f"Renamed settings are still set: {', '.join(_still_set)}.")
# Cohort rankings (metrics/tasks.py): rebuilt after observations change; every 10 minutes
# any missing, of another day or of other members (an enrollment changed) is rebuilt.
CELERY_BEAT_SCHEDULE["metrics-rankings"] = {
    "task": "metrics.refresh_cohort_rankings",
    "schedule": 600.0,
}
# Measured retention (metrics/tasks.py): daily at 02:45, each leader's retention rate for
# the month just ended, from the reporting line's history. Daily, not only on the 1st: a
# run missed on the 1st is made up the next night, and a leaver HR records late in the
# month after still counts (measuring a month again changes nothing otherwise).
CELERY_BEAT_SCHEDULE["metrics-retention"] = {
    "task": "metrics.measure_retention",
    "schedule": crontab(minute=45, hour=2),
}
# Feedback (feedback/tasks.py): a tick a minute opens cycles, owes reminders and closes.
CELERY_BEAT_SCHEDULE["feedback-tick"] = {"task": "feedback.tick", "schedule": 60.0}
# The company's email domains: a leader may propose a rater by an address on one of them
# even if HR has not loaded that person yet (HR approves, and the account is made then).
# Empty: leaders propose people already in the directory only.
FEEDBACK_RATER_DOMAINS = env.list("FEEDBACK_RATER_DOMAINS", default=[])
# Retention (feedback/retention.py): this many days after a cycle's results are released
# (or it is cancelled), who was asked about whom and delivery errors are purged, daily
# at 03:15 UTC; the released reports keep every figure.
FEEDBACK_RETENTION_DAYS = env.int("FEEDBACK_RETENTION_DAYS", default=365)
if FEEDBACK_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("FEEDBACK_RETENTION_DAYS must be at least 1.")
CELERY_BEAT_SCHEDULE["feedback-purge-links"] = {
    "task": "feedback.purge_links",
    "schedule": crontab(minute=15, hour=3),
}
# Mentorship nudges (mentorship/tasks.py): daily action items at 07:00, quiet pairings Mondays
# (they owe the emails; the outbox sends them).
CELERY_BEAT_SCHEDULE["mentorship-action-item-nudges"] = {
    "task": "mentorship.send_action_item_nudges",
    "schedule": crontab(minute=0, hour=7),
}
CELERY_BEAT_SCHEDULE["mentorship-quiet-pairing-nudges"] = {
    "task": "mentorship.send_quiet_pairing_nudges",
    "schedule": crontab(minute=30, hour=7, day_of_week="mon"),
}
# Development plans (plans/tasks.py): daily at 07:15, check-ins that fell due and reminders
# of plans a cohort expects (they owe the emails; the outbox sends them).
CELERY_BEAT_SCHEDULE["plans-check-ins"] = {
    "task": "plans.check_ins_due",
    "schedule": crontab(minute=15, hour=7),
}
CELERY_BEAT_SCHEDULE["plans-reminders"] = {
    "task": "plans.plan_reminders",
    "schedule": crontab(minute=20, hour=7),
}
# ... and, at 03:30, the balances of the next report beside each plan's (program impact).
CELERY_BEAT_SCHEDULE["plans-outcomes"] = {
    "task": "plans.record_outcomes",
    "schedule": crontab(minute=30, hour=3),
}
# The managers' digest (dashboards/digest.py): each day at 07:45 it owes the month's
# digest to every manager not yet owed it (the month is in the email's key), so the 1st's
# run sends them and a run missed that day (beat down) is made up the next.
CELERY_BEAT_SCHEDULE["dashboards-manager-digests"] = {
    "task": "dashboards.manager_digests",
    "schedule": crontab(minute=45, hour=7),
}
# Team pulse (pulse/tasks.py): hourly, open due rounds, owe the one reminder, close rounds
# and record their team_engagement values.
CELERY_BEAT_SCHEDULE["pulse-tick"] = {"task": "pulse.tick", "schedule": crontab(minute=5)}
# The directory (directory/services.py, docs/directory.md). The safety valve: a directory
# file that would make more than this share of the active people leavers waits for HR.
DIRECTORY_SYNC_MAX_LEAVER_SHARE = env.float("DIRECTORY_SYNC_MAX_LEAVER_SHARE", default=0.10)
if not 0 <= DIRECTORY_SYNC_MAX_LEAVER_SHARE <= 1:
    raise ImproperlyConfigured("DIRECTORY_SYNC_MAX_LEAVER_SHARE is a share between 0 and 1.")
# ... but fewer leavers than this are never held (one or two people leaving a small company).
# SCIM's deactivations are counted over 24 hours (directory.services.directory_deactivate).
DIRECTORY_SYNC_VALVE_MIN = env.int("DIRECTORY_SYNC_VALVE_MIN", default=3)
# The sync folder: the HR system (or an SFTP drop) writes people files (*.csv) here; every
# 15 minutes each new file is applied once and moved to done/ (or refused/, with its row
# errors beside it). Empty: no folder sync (HR uploads files on the Directory page).
DIRECTORY_SYNC_DIR = env.str("DIRECTORY_SYNC_DIR", default="")
CELERY_BEAT_SCHEDULE["directory-sync-folder"] = {
    "task": "directory.sync_folder",
    "schedule": crontab(minute="*/15"),
}

# One line per request and per task (config/logs.py): text here, JSON in production.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT)
