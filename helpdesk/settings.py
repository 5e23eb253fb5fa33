"""Settings for Helpdesk, read from environment variables.

Every variable has a safe local default so `make run` works on a fresh machine with
SQLite and no Redis. A bad value stops start-up with a message naming the variable.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from helpdesk.lib.env import (
    ACCEPT_ALL_SCANNER,
    ATTACHMENT_TYPES,
    credential_keys,
    env_bool,
    env_float,
    env_int,
    env_json,
    env_list,
    env_rate,
    env_storage,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))' makes one)"
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE must be an IANA time zone name, got {TIME_ZONE!r}"
    ) from None
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_htmx",
    "axes",
    "helpdesk",
    "tickets",
    "sla",
    "integrations",
    "messaging",
    "knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Login POSTs for one username one at a time, then axes (last, as it asks).
    "helpdesk.auth.LoginAttemptLockMiddleware",
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves static files from the web process (collectstatic first);
    # in development runserver and the test live server serve them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file in the project folder.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL: {exc}"
    ) from None
if not _db.get("ENGINE"):
    raise ImproperlyConfigured(f"DATABASE_URL has an unknown scheme: {DATABASE_URL!r}")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing with "database is
    # locked": WAL lets readers run beside one writer, IMMEDIATE takes the write
    # lock at BEGIN, and the busy timeout is generous.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: optional. Without it, jobs run through a broker that needs no server.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis:// or rediss://, got {REDIS_URL!r}"
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. With REDIS_URL the broker is Redis; without it, kombu's filesystem
# transport under the project folder, so `make run` has working jobs with no server.
# Deadlines (SLA, snooze) are columns swept by beat, never long ETA tasks.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    CELERY_BROKER_DIR = Path(
        os.environ.get("CELERY_BROKER_DIR", BASE_DIR / ".celery-broker")
    )
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# At-least-once: a task is acked after it ran, and requeued if its pool process
# dies (SIGKILL, OOM). Safe because every task is idempotent: the outbox, sweeps
# and notifications claim their rows in the database (docs/reliability.md, R7).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task running when the broker connection drops can no longer be acked and will
# be redelivered; stop it instead of letting it run twice (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 50)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60)
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Sweep intervals in seconds; the tests shorten them through the environment.
SLA_SWEEP_SECONDS = env_int("SLA_SWEEP_SECONDS", 60)
SNOOZE_SWEEP_SECONDS = env_int("SNOOZE_SWEEP_SECONDS", 60)
NOTIFICATION_SWEEP_SECONDS = env_int("NOTIFICATION_SWEEP_SECONDS", 10)
INBOUND_IMAP_POLL_SECONDS = env_int("INBOUND_IMAP_POLL_SECONDS", 60)
for _name in (
    "INBOUND_IMAP_POLL_SECONDS",
    "SLA_SWEEP_SECONDS",
    "SNOOZE_SWEEP_SECONDS",
    "NOTIFICATION_SWEEP_SECONDS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")


def _every(task: str, seconds: float) -> dict:
    """A beat entry; a run that waited longer than its period is dropped (the next
    one does the same work)."""
    return {"task": task, "schedule": float(seconds), "options": {"expires": seconds}}


CELERY_BEAT_SCHEDULE = {
    "sla-sweep": _every("sla.sweep", SLA_SWEEP_SECONDS),
    "wake-snoozed-tickets": _every("tickets.wake_snoozed", SNOOZE_SWEEP_SECONDS),
    "deliver-notifications": _every(
        "helpdesk.deliver_notifications", NOTIFICATION_SWEEP_SECONDS
    ),
    # Background exports whose task never reached a worker (broker down).
    "run-stranded-exports": _every("tickets.export_jobs_sweep", 60),
    # External sync: drain the outbox often; pull to repair missed webhooks.
    "integrations-drain-outbox": _every("integrations.tasks.drain_outbox", 10),
    "integrations-pull-changes": _every("integrations.tasks.pull_changes", 300),
    # Idempotency claims of escalations are kept for a week, then dropped.
    "prune-escalation-claims": {
        "task": "tickets.prune_escalation_claims",
        "schedule": 24 * 3600.0,
    },
    "housekeeping": {"task": "helpdesk.housekeeping", "schedule": 24 * 3600.0},
    "messaging-deliver-replies": {"task": "messaging.deliver_replies", "schedule": 5.0},
    # Inbound e-mail from the IMAP mailboxes (self-hosting; see README).
    "messaging-poll-imap": _every("messaging.poll_imap", INBOUND_IMAP_POLL_SECONDS),
}

# In debug, e-mails are files under EMAIL_FILE_PATH: readable, and they do not flood
# the console of `make run` (the demo sends hundreds of notifications).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# For the file-based e-mail backend (EMAIL_BACKEND=...filebased.EmailBackend).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
# This server's address as customers and platforms reach it (links in callbacks).
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD_RESET_RATE = env_rate("PASSWORD_RESET_RATE", "5/hour")
# How long a workspace invitation's link stays valid (helpdesk.invitations).
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# Inbound e-mail (messaging.inbound): mail over the size limit is refused (recorded
# with its headers and logged); the IMAP poller reads at most a batch per mailbox
# and run. Webhooks: the ESP's signing key / basic-auth secret turn their URLs on.
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024)
INBOUND_IMAP_BATCH = env_int("INBOUND_IMAP_BATCH", 200)
INBOUND_IMAP_TIMEOUT = env_int("INBOUND_IMAP_TIMEOUT", 30)
ANYMAIL = {
    # Sending through an ESP: its settings as JSON, {"POSTMARK_SERVER_TOKEN": ...}.
    **env_json("ANYMAIL", {}),
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    # "user:password" the ESP sends as HTTP basic auth (Postmark signs nothing else).
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "") or None,
}

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
]
LOGIN_URL = "login"

# Login brute-force lockout (django-axes), on the login page and the admin login:
# LOGIN_FAILURE_LIMIT failed passwords lock the username for LOGIN_LOCKOUT_MINUTES.
# AxesStandaloneBackend comes first and refuses a locked username before the
# password is tested; every authenticate() call must pass `request` (it raises
# without one). helpdesk.auth serialises the attempts for one username.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1"
    )
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Counted per username, whatever the IP: an attacker rotating IP addresses (proxies,
# a botnet) still gets LOGIN_FAILURE_LIMIT guesses in total, which a username+IP key
# would multiply by the number of addresses. The price: anyone who knows a username
# can lock its owner out for LOGIN_LOCKOUT_MINUTES; that is bounded because failures
# during the lockout are refused unchecked and do not extend it.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns about lockout keys without the IP because a key on user agent or
# cookies alone can be rotated by the client; a username cannot, so it does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "helpdesk.auth.LoginFailureHandler"
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_LOCKOUT_CALLABLE = "helpdesk.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_REDIRECT_URL = "tickets:list"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "attachments": env_storage("ATTACHMENTS_S3_"),
}
ATTACHMENTS_MAX_BYTES = env_int("ATTACHMENTS_MAX_MB", 25) * 1024 * 1024
ATTACHMENTS_ALLOWED_TYPES = env_list("ATTACHMENTS_ALLOWED_TYPES", ATTACHMENT_TYPES)
ATTACHMENTS_SCANNER = os.environ.get("ATTACHMENTS_SCANNER", ACCEPT_ALL_SCANNER)

# Requests per API token: "<n>/<s|min|hour|day>", or "off". Counted in the cache
# (Redis when REDIS_URL is set, else per process); helpdesk/lib/throttling.py.
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "600/min", may_be_off=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["helpdesk.lib.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "helpdesk.lib.api.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "helpdesk.lib.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.lib.api.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.lib.api.JSONParser",
        "helpdesk.lib.api.FormParser",
        "helpdesk.lib.api.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the ticket's status and priority wherever a field uses them.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.workflow.Status",
        "TicketPriorityEnum": "tickets.models.Ticket.Priority",
        "TicketActiveStatusEnum": "tickets.workflow.ACTIVE_CHOICES",
        "ArticleStatusEnum": "knowledge.models.Article.Status",
    },
    # Bodies that refuse unknown fields say so (helpdesk.lib.api_input).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.lib.api_input.strict_bodies",
    ],
}

SIMPLE_HISTORY_REVERT_DISABLED = False

# Back office: uploaded imports and background exports are files under MEDIA_ROOT.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Ticket export and import (tickets.exports). Exports of more rows than the
# threshold are written by a background job; a job whose task has not started
# after EXPORT_STALE_PENDING_SECONDS (broker down) is run by the beat sweep.
EXPORT_BACKGROUND_THRESHOLD = env_int("EXPORT_BACKGROUND_THRESHOLD", 10_000)
EXPORT_CHUNK_SIZE = env_int("EXPORT_CHUNK_SIZE", 2000)  # rows per 4 queries
EXPORT_STALE_PENDING_SECONDS = env_int("EXPORT_STALE_PENDING_SECONDS", 120)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 2**20)

# Who writes ticket summaries: a dotted path to a callable (tickets.intake.summaries).
# The default runs locally with no network.
HELPDESK_SUMMARISER = os.environ.get(
    "HELPDESK_SUMMARISER", "tickets.intake.summaries.local_summary"
)

# AI Insights (knowledge.insights): the provider is a dotted path like the summariser.
# The default runs locally with no network; knowledge.insights.openai_compat.
# openai_insights speaks an OpenAI-compatible chat-completions API and falls back to
# the local provider on any failure.
HELPDESK_INSIGHTS_PROVIDER = os.environ.get(
    "HELPDESK_INSIGHTS_PROVIDER", "knowledge.insights.local.local_insights"
)
INSIGHTS_OPENAI_BASE_URL = os.environ.get(
    "INSIGHTS_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"
)
INSIGHTS_OPENAI_MODEL = os.environ.get("INSIGHTS_OPENAI_MODEL", "gpt-4o-mini")
INSIGHTS_OPENAI_API_KEY = os.environ.get("INSIGHTS_OPENAI_API_KEY", "")
INSIGHTS_OPENAI_TIMEOUT = env_float("INSIGHTS_OPENAI_TIMEOUT", 10.0)

# --- External sync (integrations): helpdesk/settings_sync.py ----------------------
from helpdesk.settings_sync import *  # noqa: E402, F403

# Tests only (never from the environment): let connections reach http://127.0.0.1.
SYNC_ALLOW_LOCAL_URLS = False
# The Fernet keys that encrypt connection credentials and webhook secrets, newest
# first: CREDENTIAL_KEYS (comma-separated), then the older single SYNC_ENCRYPTION_KEY,
# then a key derived from SECRET_KEY (what a fresh install uses). The first encrypts;
# every one decrypts; `manage.py rotate_credentials` re-encrypts with the first.
CREDENTIAL_KEYS = credential_keys(
    env_list("CREDENTIAL_KEYS", []),
    os.environ.get("SYNC_ENCRYPTION_KEY", "").strip(),
    SECRET_KEY,
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and
# connections only from our own origin, no inline script or style, no eval (htmx runs
# with allowEval off, see templates/base.html), nothing may frame us or post elsewhere.
# Two third-party pages get more, each on that page only: the admin's export page (its
# one inline handler and two style attributes, by hash: tickets/admin/tickets.py) and
# DRF's browsable API (inline styles: helpdesk.lib.api.BrowsableAPIRenderer).
# tests/e2e/test_csp.py loads the pages in Chromium and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
