"""Settings, read from the environment so one build runs embedded (SQLite) and in production."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import nacl.pwhash
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIANXIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# var/ holds the database, the secret key and the reporting channel's files: this user's only.
VAR_DIR.chmod(0o700)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key() -> str:
    """The key from the environment, else one generated once and kept in var/ (never in git)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    # The second factor (TOTP authenticator apps); before lianxin.core, whose admin takes the
    # devices out of the admin (they change only through core.services, audited).
    "django_otp",
    "lianxin.core.otp_apps.OtpTotpConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "lianxin.core",
    "lianxin.appeals",
    "lianxin.open311",
    "lianxin.insight",
    "lianxin.evaluation",
    "lianxin.supervision",
    "lianxin.participation",
    "lianxin.outreach",
    "lianxin.knowledge",
    "lianxin.hotline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lianxin.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lianxin.core.middleware.BodySizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lianxin.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lianxin.core.middleware.ApiErrorMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "lianxin.core.signin.SigninThrottleBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lianxin.core.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Any database URL works; without one, the embedded SQLite file in var/.
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead
    # of one failing half-way with "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lianxin.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, whose writers take turns fairly across processes (core/sqlite).
    DATABASES["default"]["ENGINE"] = "lianxin.core.sqlite"
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # SQLite creates its -wal and -shm files with the database file's mode: make it 0600
    # before the first connection, so no other user of the machine can read appeals.
    _db_file = Path(DATABASES["default"]["NAME"])
    if _db_file.parent.is_dir():
        _db_file.touch(mode=0o600, exist_ok=True)
        _db_file.chmod(0o600)
    # A file, not memory, so that tests with real threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
# A read replica of the primary (PostgreSQL streaming replication): the dashboards, rankings
# and exports read from it (core.dbrouter.reading_replica); everything else, and every write,
# stays on the primary. Unset: one database for all.
if replica_url := os.environ.get("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    # Tests use the primary's test database under this alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # Even pointed at a primary by mistake, this alias cannot write.
        DATABASES["replica"].setdefault("OPTIONS", {})["options"] = (
            "-c default_transaction_read_only=on"
        )
DATABASE_ROUTERS = ["lianxin.core.dbrouter.ReplicaRouter"]
# Behind PgBouncer in transaction pooling, consecutive transactions of one Django connection
# may run on different server connections: a named (server-side) cursor would be lost between
# them, so QuerySet.iterator() must fetch client-side (docs/topology.md).
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASE_TRANSACTION_POOLING:
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# --- Language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "lianxin" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# Working hours on a working day, local time; contact clocks in working hours use them.
WORKDAY_START = (9, 0)
WORKDAY_END = (17, 0)

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A multipart body (evidence files, photos) may be larger; anything over this is refused (413).
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES", str(60 * 1024 * 1024)))
# One uploaded file (core.uploads: notice attachments); larger ones are refused with a message.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# Photos (core.uploads.clean_photo): more pixels than this are refused before they are decoded
# (a small file may unpack to gigabytes); a stored photo is shrunk to this longest side.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(50_000_000)))
PHOTO_MAX_SIDE = int(os.environ.get("PHOTO_MAX_SIDE", "1600"))

# Failed sign-ins allowed (core.signin): per account and address, per address, per account.
LOGIN_RATE_ACCOUNT_ADDRESS = os.environ.get("LOGIN_RATE_ACCOUNT_ADDRESS", "5/15m")
LOGIN_RATE_ADDRESS = os.environ.get("LOGIN_RATE_ADDRESS", "50/h")
LOGIN_RATE_ACCOUNT = os.environ.get("LOGIN_RATE_ACCOUNT", "30/15m")
# API tokens expire this long after they are issued (a new one is issued on the next sign-in).
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
CSRF_FAILURE_VIEW = "lianxin.core.error_pages.csrf_failure"

# --- Second factor (core.two_factor) ----------------------------------------------------------
# People holding any of these roles open whistleblower reports, asset declarations or the admin:
# they must confirm each sign-in (page or API token) with a code from an authenticator app
# (TOTP), set up at their first sign-in. Role names as in core.models.Role; "admin" covers the
# admin role and anyone who may enter the Django admin (is_staff, is_superuser). Comma-separated
# in the environment; empty turns the second factor off (a demo without phones, never production).
LIANXIN_TWO_FACTOR_ROLES = [
    r.strip()
    for r in os.environ.get("LIANXIN_TWO_FACTOR_ROLES", "inspector,orgdept,admin").split(",")
    if r.strip()
]
# Wrong codes allowed per account before even the right one is refused until the window ends.
LOGIN_RATE_OTP = os.environ.get("LOGIN_RATE_OTP", "5/15m")
# The name the authenticator app shows beside the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Lianxin")
# django-otp's own per-device back-off is off: wrong codes are counted by core.ratelimit, the
# one mechanism behind every limit (a second, doubling lock would refuse a right code typed a
# second after a wrong one).
OTP_TOTP_THROTTLE_FACTOR = 0
# Never show a secret in the admin (devices are not in it anyway).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Cache: Redis when configured, else a database table. Only what can be recomputed lives
# there (figures); a Redis outage makes it a miss, not an error (core.cache).
if redis_url := os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", ""):
    if redis_url.startswith("redis"):
        CACHES = {
            "default": {
                "BACKEND": "lianxin.core.cache.ResilientRedisCache",
                "LOCATION": redis_url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            }
        }
if "CACHES" not in globals():
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lianxin_cache",
        }
    }

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No broker: nothing is queued (core.queue.enqueue leaves the work to the sweepers below, which
# `manage.py run_schedule` runs every second); a task called directly runs in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
# With the broker down, queuing a task fails at once (core.tasks.enqueue logs it and the
# periodic sweepers catch up) rather than holding the citizen's request in retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# The work a commit leaves behind, each found in the database by its sweeper: appeals not yet
# routed, appeals not yet analysed, notifications not yet sent. With a broker each piece is a
# task queued after commit and the sweepers (in CELERY_BEAT_SCHEDULE) catch what a lost task
# left; without one, `run_schedule` runs them every RUN_SCHEDULE_TICK seconds, so the request
# never does the work and a restart loses nothing (core.queue.work_pending).
PENDING_WORK_SWEEPERS = [
    "lianxin.appeals.tasks.route_pending_appeals",
    "lianxin.insight.tasks.analyse_new_appeals",
    "lianxin.core.tasks.retry_pending_notifications",
]
# Tasks by queue (docs/topology.md), so that a long periodic scan never delays an appeal's
# routing or the audit sealer: intake (routing, analysis of new appeals), notify (SMS, mail),
# audit (the sealer; one worker), periodic (scans, roll-ups, hot issues, warnings). Off by
# default: every task then goes to Celery's default queue, which a plain `celery worker` takes.
LIANXIN_CELERY_QUEUES = env_bool("LIANXIN_CELERY_QUEUES", False)
CELERY_QUEUE_OF_TASK = {
    "lianxin.appeals.tasks.route_appeal": "intake",
    "lianxin.appeals.tasks.route_pending_appeals": "intake",
    "lianxin.insight.tasks.analyse_new_appeal": "intake",
    "lianxin.insight.tasks.analyse_new_appeals": "intake",
    "lianxin.core.tasks.deliver_notification": "notify",
    "lianxin.core.tasks.retry_pending_notifications": "notify",
    "lianxin.core.tasks.seal_audit_log": "audit",
    "lianxin.appeals.tasks.scan_overdue": "periodic",
    "lianxin.appeals.tasks.refresh_rollups": "periodic",
    "lianxin.insight.tasks.warning_scan": "periodic",
    "lianxin.insight.tasks.refresh_hot_issues": "periodic",
    "lianxin.evaluation.tasks.refresh_live_overdue": "periodic",
    "lianxin.evaluation.tasks.close_due_appraisals": "periodic",
    "lianxin.supervision.tasks.escalate_overdue_reports": "periodic",
    "lianxin.core.tasks.purge_rate_counters": "periodic",
    "lianxin.core.tasks.purge_signin_codes": "periodic",
}
CELERY_TASK_ROUTES = (
    {name: {"queue": queue} for name, queue in CELERY_QUEUE_OF_TASK.items()}
    if LIANXIN_CELERY_QUEUES
    else {}
)
RUN_SCHEDULE_TICK = float(os.environ.get("RUN_SCHEDULE_TICK", "1"))
CELERY_BEAT_SCHEDULE = {
    "appeals-scan-overdue": {
        "task": "lianxin.appeals.tasks.scan_overdue",
        "schedule": timedelta(minutes=5),
    },
    "appeals-route-pending": {
        "task": "lianxin.appeals.tasks.route_pending_appeals",
        "schedule": timedelta(minutes=1),
    },
    "appeals-refresh-rollups": {
        "task": "lianxin.appeals.tasks.refresh_rollups",
        "schedule": timedelta(minutes=1),
    },
    "insight-analyse-new-appeals": {
        "task": "lianxin.insight.tasks.analyse_new_appeals",
        "schedule": timedelta(seconds=15),
    },
    "insight-hot-issues": {
        "task": "lianxin.insight.tasks.refresh_hot_issues",
        "schedule": timedelta(minutes=5),
    },
    "insight-warning-scan": {
        "task": "lianxin.insight.tasks.warning_scan",
        "schedule": crontab(minute=7),
    },
    "evaluation-live-overdue": {
        "task": "lianxin.evaluation.tasks.refresh_live_overdue",
        "schedule": timedelta(minutes=1),
    },
    "evaluation-close-due-appraisals": {
        "task": "lianxin.evaluation.tasks.close_due_appraisals",
        "schedule": timedelta(minutes=5),
    },
    "supervision-escalate-overdue-reports": {
        "task": "lianxin.supervision.tasks.escalate_overdue_reports",
        "schedule": crontab(hour=1, minute=30),
    },
    "core-send-pending-notifications": {
        "task": "lianxin.core.tasks.retry_pending_notifications",
        "schedule": crontab(minute="*/10"),
    },
    "core-seal-audit-log": {
        "task": "lianxin.core.tasks.seal_audit_log",
        "schedule": timedelta(seconds=10),
    },
    "core-purge-rate-counters": {
        "task": "lianxin.core.tasks.purge_rate_counters",
        "schedule": timedelta(minutes=15),
    },
    "core-purge-signin-codes": {
        "task": "lianxin.core.tasks.purge_signin_codes",
        "schedule": timedelta(minutes=15),
    },
}

# An audit event not sealed into the chain this long after it was written is reported by
# `audit_verify`: the sealer (the schedule's core-seal-audit-log, every 10 s) is not running.
AUDIT_UNSEALED_MAX_AGE = timedelta(minutes=5)

# --- Mail and SMS --------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "lianxin.core.mail.QuietConsoleEmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds to wait for the mail server: a hung server must not hold a worker for ever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "12345@lianxin.local")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "lianxin.core.sms.LoggingSmsBackend")
SMS_LOG_TEXT = env_bool(
    "SMS_LOG_TEXT", False
)  # the logging backend writes texts (never in production)

# --- Citizens' sign-in by SMS code (我的诉求, core.citizens) ----------------------------------
# How long a code lives (seconds), how many wrong tries kill it, how many codes one number and
# one address may ask for, the wait before a number gets another, how many wrong codes one
# address may type, and how long a citizen stays signed in (seconds; shared phones).
CITIZEN_CODE_SECONDS = int(os.environ.get("CITIZEN_CODE_SECONDS", "300"))
CITIZEN_CODE_ATTEMPTS = int(os.environ.get("CITIZEN_CODE_ATTEMPTS", "5"))
CITIZEN_CODE_RATE_PHONE = os.environ.get("CITIZEN_CODE_RATE_PHONE", "5/hour")
CITIZEN_CODE_RATE_ADDRESS = os.environ.get("CITIZEN_CODE_RATE_ADDRESS", "20/hour")
CITIZEN_CODE_RESEND_SECONDS = int(os.environ.get("CITIZEN_CODE_RESEND_SECONDS", "60"))
CITIZEN_SIGNIN_FAIL_RATE_ADDRESS = os.environ.get("CITIZEN_SIGNIN_FAIL_RATE_ADDRESS", "30/hour")
CITIZEN_SESSION_SECONDS = int(os.environ.get("CITIZEN_SESSION_SECONDS", "7200"))

# --- API -----------------------------------------------------------------------------------
PUBLIC_SUBMIT_RATE = os.environ.get("PUBLIC_SUBMIT_RATE", "30/hour")
TRACK_RATE = os.environ.get("TRACK_RATE", "60/hour")
OPEN311_KEY_RATE = os.environ.get("OPEN311_KEY_RATE", "120/minute")
OPEN311_READ_RATE = os.environ.get("OPEN311_READ_RATE", "600/hour")  # per address
# Open311 discovery: our jurisdiction_id (empty: any is accepted; set: another is unknown), the
# contact shown to client developers, and how they obtain an API key.
OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "12345")
OPEN311_KEY_SERVICE = os.environ.get(
    "OPEN311_KEY_SERVICE", "API keys are issued by the 12345 hotline centre."
)

# Intake asks this function (text -> (category name, confidence) or None; with a `many` attribute,
# texts -> a list of those, for the routing sweeper's batch) for a category when
# the citizen gave none; at or above the confidence it dispatches at once, below it the
# suggestion waits for a dispatcher. Empty disables suggestions.
CATEGORY_SUGGESTER = os.environ.get(
    "CATEGORY_SUGGESTER", "lianxin.insight.suggest.suggest_category"
)
AUTO_DISPATCH_CONFIDENCE = float(os.environ.get("AUTO_DISPATCH_CONFIDENCE", "0.9"))
# Replies scoring below the threshold (0-1) wait for the unit leader's review before the
# citizen sees them; an empty REPLY_SCORER turns scoring off.
REPLY_SCORER = os.environ.get("REPLY_SCORER", "lianxin.insight.replies.score_reply_for_appeal")
REPLY_REVIEW_THRESHOLD = float(os.environ.get("REPLY_REVIEW_THRESHOLD", "0.5"))
# Photos on one appeal (the citizen's, and the handler's before/after photos with the reply),
# and the largest photo file taken in (a phone's photo is a few MB; it is stored shrunk).
APPEAL_PHOTOS_MAX = int(os.environ.get("APPEAL_PHOTOS_MAX", "6"))
APPEAL_PHOTO_MAX_BYTES = int(os.environ.get("APPEAL_PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
# Reply quality (docs/insight/reply-quality.md): the token-weight (IDF) table, empty for the one
# shipped in data/insight/; the working days a reply may take when the appeal has no deadline;
# the working days late at which timeliness scores 0 (both numbers read from the environment
# below); and weights replacing the defaults (relevance 0.3, completeness 0.4, basis 0.1,
# timeliness 0.2), e.g. {"timeliness": 0.4}, normalised to sum 1.
REPLY_IDF_PATH = os.environ.get("REPLY_IDF_PATH", "")
REPLY_DEADLINE_WORKDAYS = 7
REPLY_LATE_ZERO_WORKDAYS = 15
REPLY_SCORE_WEIGHTS: dict[str, float] = {}
# Requests per address to the public rankings API, e.g. "120/minute"; "off" disables.
EVALUATION_PUBLIC_RATE = os.environ.get("EVALUATION_PUBLIC_RATE", "120/minute")
# Inquiries (质询) must be answered publicly within this many working days.
INQUIRY_ANSWER_WORKDAYS = int(os.environ.get("INQUIRY_ANSWER_WORKDAYS", "15"))
# 民主评议 results are shown only when at least this many codes voted AND this share of the
# issued codes voted (a mean of one or two ballots says nothing and may expose the voters);
# a question about one unit or cadre is shown only with at least APPRAISAL_MIN_RESPONSES
# ratings (read from the environment with the numbers below).
APPRAISAL_MIN_RESPONSES = 10
APPRAISAL_MIN_RESPONSE_RATE = 0.3
# Anonymous ratings of duty-and-integrity reports per network address, e.g. "10/hour"; "off".
DUTY_RATING_ANON_RATE = os.environ.get("DUTY_RATING_ANON_RATE", "10/hour")
# The hotline's shifts begin at these local hours (e.g. "0,8,16": three shifts of eight hours);
# an operator's console shows the figures of the shift running now.
HOTLINE_SHIFT_STARTS = [
    int(h) for h in os.environ.get("HOTLINE_SHIFT_STARTS", "0,8,16").split(",") if h.strip()
]
# Earlier appeals within this many days either side are compared for duplicates.
DUPLICATE_WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "30"))
# Misconduct reports: "eu" clocks (acknowledge in 7 days, feedback in 3 months) or "xinfang"
# (the statutory 信访 periods in working days); size and number of files a reporter may attach.
REPORT_CLOCKS = os.environ.get("REPORT_CLOCKS", "eu")
if REPORT_CLOCKS not in {"eu", "xinfang"}:
    raise ImproperlyConfigured(f"REPORT_CLOCKS must be eu or xinfang, not {REPORT_CLOCKS!r}")
REPORT_MAX_FILE_BYTES = int(os.environ.get("REPORT_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
REPORT_MAX_FILES = int(os.environ.get("REPORT_MAX_FILES", "5"))
# Files attached to one notice (公示) for download; more are refused with a message.
NOTICE_ATTACHMENTS_MAX = int(os.environ.get("NOTICE_ATTACHMENTS_MAX", "10"))
# Photos a cadre may add to one visit (outreach), on the visit form or later from the household.
VISIT_PHOTOS_MAX = int(os.environ.get("VISIT_PHOTOS_MAX", "3"))
# An inspector's unlocked private key stays usable in their session this many seconds.
REPORT_UNLOCK_SECONDS = 3600
# Wrong receipts allowed from one address and from everyone before look-ups answer 429 for
# REPORT_RECEIPT_LOCKOUT_SECONDS (docs/supervision/reporting.md, "Guessing").
REPORT_RECEIPT_MAX_FAILURES = 10
REPORT_RECEIPT_MAX_GLOBAL_FAILURES = 1000
REPORT_RECEIPT_LOCKOUT_SECONDS = 3600
# Bits of a receipt's keyed lookup bucket. Fixed, not from the environment: reports already
# received are filed under buckets of this width, and a wider one weakens the receipt.
REPORT_RECEIPT_BUCKET_BITS = 16
# argon2 costs of the reporting channel. Changes apply to new reports and keys only (each stores
# its own); tests lower them. The stored receipt hash: overrides of argon2-cffi's RFC 9106
# low-memory profile (time_cost 3, memory_cost 65536 KiB, parallelism 4).
REPORT_RECEIPT_ARGON2: dict[str, int] = {}
# (opslimit, memlimit) deriving the reporter's key from a receipt, and an inspector's key from
# their passphrase (libsodium's interactive and moderate limits).
REPORT_RECEIPT_KDF = (
    nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
    nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
)
INSPECTOR_PASSPHRASE_KDF = (
    nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
    nacl.pwhash.argon2id.MEMLIMIT_MODERATE,
)
# Integrity-record flags (docs/supervision/integrity.md): yuan of living costs per family member
# and year, and the tolerance before an unexplained change is flagged (the larger of an amount in
# yuan and a share of last year's gross assets).
INTEGRITY_LIVING_ALLOWANCE = os.environ.get("INTEGRITY_LIVING_ALLOWANCE", "30000")
INTEGRITY_TOLERANCE_ABS = os.environ.get("INTEGRITY_TOLERANCE_ABS", "50000")
INTEGRITY_TOLERANCE_REL = os.environ.get("INTEGRITY_TOLERANCE_REL", "0.05")
# Outreach (docs/outreach/README.md): a household is visited at least once every so many
# calendar months, in blocks counted from January (so a divisor of 12: 3 is once a quarter),
# households in severe difficulty every OUTREACH_SEVERE_INTERVAL_MONTHS. The household registry
# import takes .xlsx files up to OUTREACH_IMPORT_MAX_BYTES with at most OUTREACH_IMPORT_MAX_ROWS
# rows (a small zipped file can hold millions of rows).
OUTREACH_VISIT_INTERVAL_MONTHS = 3
OUTREACH_SEVERE_INTERVAL_MONTHS = 1
OUTREACH_IMPORT_MAX_BYTES = 5 * 1024 * 1024
OUTREACH_IMPORT_MAX_ROWS = 20000
# Knowledge base (知识库): published articles whose validity ends within
# KNOWLEDGE_EXPIRY_WARNING_DAYS are listed for their unit; an imported knowledge base is an .xlsx
# file of at most KNOWLEDGE_IMPORT_MAX_BYTES and KNOWLEDGE_IMPORT_MAX_ROWS rows. A reply is
# worth an article when the citizen rated it satisfied and it cites a policy: its reply-quality
# basis score is at least KNOWLEDGE_PROPOSAL_MIN_BASIS (1 = a named document or article).
KNOWLEDGE_EXPIRY_WARNING_DAYS = 30
KNOWLEDGE_IMPORT_MAX_BYTES = 5 * 1024 * 1024
KNOWLEDGE_IMPORT_MAX_ROWS = 20000
KNOWLEDGE_PROPOSAL_MIN_BASIS = 0.8
# Early warning (docs/insight/early-warning.md): the method's defaults, as in
# lianxin/insight/warning.py; a county that re-runs bench/warning.py on its own history sets what
# it chose in the environment. A rise: significance of the test, fewest reports in the window
# that may alarm, the window and its baseline in days. A cluster: so many reports of these
# categories (or of sick or dead animals) in one area within so many hours.
WARNING_RISE_ALPHA = 1e-3
WARNING_RISE_MIN_COUNT = 4
WARNING_RISE_WINDOW_DAYS = 7
WARNING_RISE_BASELINE_DAYS = 56
WARNING_CLUSTER_REPORTS = 3
WARNING_CLUSTER_HOURS = 72
WARNING_CLUSTER_CATEGORIES = tuple(
    c.strip()
    for c in os.environ.get("WARNING_CLUSTER_CATEGORIES", "animal-epidemic,livestock-safety").split(
        ","
    )
    if c.strip()
)
# The numbers above read from the environment; a bad value stops the start naming the variable.
for _name, _cast in (
    ("WARNING_RISE_ALPHA", float),
    ("WARNING_RISE_MIN_COUNT", int),
    ("WARNING_RISE_WINDOW_DAYS", int),
    ("WARNING_RISE_BASELINE_DAYS", int),
    ("WARNING_CLUSTER_REPORTS", int),
    ("WARNING_CLUSTER_HOURS", int),
    ("APPRAISAL_MIN_RESPONSES", int),
    ("APPRAISAL_MIN_RESPONSE_RATE", float),
    ("REPLY_DEADLINE_WORKDAYS", int),
    ("REPLY_LATE_ZERO_WORKDAYS", int),
    ("REPORT_UNLOCK_SECONDS", int),
    ("REPORT_RECEIPT_MAX_FAILURES", int),
    ("REPORT_RECEIPT_MAX_GLOBAL_FAILURES", int),
    ("REPORT_RECEIPT_LOCKOUT_SECONDS", int),
    ("OUTREACH_VISIT_INTERVAL_MONTHS", int),
    ("OUTREACH_SEVERE_INTERVAL_MONTHS", int),
    ("OUTREACH_IMPORT_MAX_BYTES", int),
    ("OUTREACH_IMPORT_MAX_ROWS", int),
    ("KNOWLEDGE_EXPIRY_WARNING_DAYS", int),
    ("KNOWLEDGE_IMPORT_MAX_BYTES", int),
    ("KNOWLEDGE_IMPORT_MAX_ROWS", int),
    ("KNOWLEDGE_PROPOSAL_MIN_BASIS", float),
):
    if _name in os.environ:
        try:
            globals()[_name] = _cast(os.environ[_name])
        except ValueError:
            raise ImproperlyConfigured(
                f"{_name} must be a number, not {os.environ[_name]!r}"
            ) from None
for _name in ("OUTREACH_VISIT_INTERVAL_MONTHS", "OUTREACH_SEVERE_INTERVAL_MONTHS"):
    if globals()[_name] not in (1, 2, 3, 4, 6, 12):
        raise ImproperlyConfigured(f"{_name} must be 1, 2, 3, 4, 6 or 12 (months)")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lianxin.core.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "lianxin.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Adds the error responses every operation can give (400, 401, 403, 404, 409, 413, 429, 503).
    "DEFAULT_SCHEMA_CLASS": "lianxin.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "lianxin.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Rate limits key on the client address; X-Forwarded-For is trusted only from this many
    # proxies in front of us (0: use the connection's address, so the header cannot be forged).
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lianxin API",
    # Open311 is not in this schema: it follows its own standard (GeoReport v2, XML or JSON).
    "DESCRIPTION": "连心: appeals (诉求) intake, tracking and handling. Every error is an `Error` "
    "object: `code`, `detail` and, for invalid input, `fields`. The Open311 "
    "GeoReport v2 API is at /open311/v2/ (discovery.json; "
    "http://wiki.open311.org/GeoReport_v2), outside this schema.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar): no CDN on an intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    # Several models have a `status`: each set of choices gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "lianxin.appeals.models.Status",
        "NoticeStatusEnum": "lianxin.participation.models.NoticeStatus",
        "HearingStatusEnum": "lianxin.participation.models.HearingStatus",
        "DecisionStatusEnum": "lianxin.participation.models.DecisionStatus",
        "CorrectionStatusEnum": "lianxin.participation.models.CorrectionStatus",
    },
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every error code, from the apps' registries (lianxin/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lianxin.api_schema.document_error_codes",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"lianxin": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# --- Behind TLS (production) ------------------------------------------------------------------
# HTTPS=true when users reach the site over TLS (directly or through nginx): cookies are sent
# only over TLS, plain HTTP is redirected, and browsers are told to use TLS from then on (HSTS).
# TRUST_X_FORWARDED_PROTO=true when a proxy we run terminates TLS and sets X-Forwarded-Proto;
# never set it when clients can reach gunicorn directly, or they could claim to be on TLS.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    # The health check is asked over plain HTTP by the load balancer itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
