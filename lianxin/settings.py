"""Settings, read from the environment so one build runs embedded (SQLite) and in production."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
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
    "lianxin.core",
    "lianxin.appeals",
    "lianxin.open311",
    "lianxin.insight",
    "lianxin.evaluation",
    "lianxin.supervision",
    "lianxin.participation",
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
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # SQLite creates its -wal and -shm files with the database file's mode: make it 0600
    # before the first connection, so no other user of the machine can read appeals.
    _db_file = Path(DATABASES["default"]["NAME"])
    if _db_file.parent.is_dir():
        _db_file.touch(mode=0o600, exist_ok=True)
        _db_file.chmod(0o600)
    # A file, not memory, so that tests with real threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

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

# Failed sign-ins allowed (core.signin): per account and address, per address, per account.
LOGIN_RATE_ACCOUNT_ADDRESS = os.environ.get("LOGIN_RATE_ACCOUNT_ADDRESS", "5/15m")
LOGIN_RATE_ADDRESS = os.environ.get("LOGIN_RATE_ADDRESS", "50/h")
LOGIN_RATE_ACCOUNT = os.environ.get("LOGIN_RATE_ACCOUNT", "30/15m")
# API tokens expire this long after they are issued (a new one is issued on the next sign-in).
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
CSRF_FAILURE_VIEW = "lianxin.core.error_pages.csrf_failure"

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
# No broker: tasks run in-process at once, so nothing waits for a worker that is not there.
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
    "core-purge-rate-counters": {
        "task": "lianxin.core.tasks.purge_rate_counters",
        "schedule": timedelta(minutes=15),
    },
}

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
SMS_LOG_TEXT = env_bool("SMS_LOG_TEXT", False)  # the logging backend writes texts (never in production)

# --- API -----------------------------------------------------------------------------------
PUBLIC_SUBMIT_RATE = os.environ.get("PUBLIC_SUBMIT_RATE", "30/hour")
TRACK_RATE = os.environ.get("TRACK_RATE", "60/hour")
OPEN311_KEY_RATE = os.environ.get("OPEN311_KEY_RATE", "120/minute")
OPEN311_READ_RATE = os.environ.get("OPEN311_READ_RATE", "600/hour")  # per address

# Intake asks this function (text -> (category name, confidence) or None) for a category when
# the citizen gave none; at or above the confidence it dispatches at once, below it the
# suggestion waits for a dispatcher. Empty disables suggestions.
CATEGORY_SUGGESTER = os.environ.get("CATEGORY_SUGGESTER", "lianxin.insight.suggest.suggest_category")
AUTO_DISPATCH_CONFIDENCE = float(os.environ.get("AUTO_DISPATCH_CONFIDENCE", "0.9"))
# Replies scoring below the threshold (0-1) wait for the unit leader's review before the
# citizen sees them; an empty REPLY_SCORER turns scoring off.
REPLY_SCORER = os.environ.get("REPLY_SCORER", "lianxin.insight.replies.score_reply_for_appeal")
REPLY_REVIEW_THRESHOLD = float(os.environ.get("REPLY_REVIEW_THRESHOLD", "0.5"))
# How new appeals reach the insight analysis (duplicates, areas, animal clusters): "queue", a
# Celery task per appeal at once; "batch", picked up by the periodic task within seconds. Without
# a broker a queued task would run inside the citizen's request, so batch is the default there.
INSIGHT_INTAKE_MODE = os.environ.get("INSIGHT_INTAKE_MODE", "queue" if CELERY_BROKER_URL else "batch")
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
# Earlier appeals within this many days either side are compared for duplicates.
DUPLICATE_WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "30"))
# Misconduct reports: "eu" clocks (acknowledge in 7 days, feedback in 3 months) or "xinfang"
# (the statutory 信访 periods in working days); size and number of files a reporter may attach.
REPORT_CLOCKS = os.environ.get("REPORT_CLOCKS", "eu")
if REPORT_CLOCKS not in {"eu", "xinfang"}:
    raise ImproperlyConfigured(f"REPORT_CLOCKS must be eu or xinfang, not {REPORT_CLOCKS!r}")
REPORT_MAX_FILE_BYTES = int(os.environ.get("REPORT_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
REPORT_MAX_FILES = int(os.environ.get("REPORT_MAX_FILES", "5"))
# Integrity-record flags (docs/supervision/integrity.md): yuan of living costs per family member
# and year, and the tolerance before an unexplained change is flagged (the larger of an amount in
# yuan and a share of last year's gross assets).
INTEGRITY_LIVING_ALLOWANCE = os.environ.get("INTEGRITY_LIVING_ALLOWANCE", "30000")
INTEGRITY_TOLERANCE_ABS = os.environ.get("INTEGRITY_TOLERANCE_ABS", "50000")
INTEGRITY_TOLERANCE_REL = os.environ.get("INTEGRITY_TOLERANCE_REL", "0.05")
# Early warning (docs/insight/early-warning.md): the defaults live in lianxin/insight/warning.py;
# a county that re-runs bench/warning.py on its own history sets what it chose here.
for _name, _cast in (("WARNING_RISE_ALPHA", float), ("WARNING_RISE_MIN_COUNT", int),
                     ("WARNING_RISE_WINDOW_DAYS", int), ("WARNING_RISE_BASELINE_DAYS", int),
                     ("WARNING_CLUSTER_REPORTS", int), ("WARNING_CLUSTER_HOURS", int),
                     ("APPRAISAL_MIN_RESPONSES", int), ("APPRAISAL_MIN_RESPONSE_RATE", float)):
    if _name in os.environ:
        try:
            globals()[_name] = _cast(os.environ[_name])
        except ValueError:
            raise ImproperlyConfigured(f"{_name} must be a number, not {os.environ[_name]!r}") from None
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
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lianxin.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Rate limits key on the client address; X-Forwarded-For is trusted only from this many
    # proxies in front of us (0: use the connection's address, so the header cannot be forged).
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lianxin API",
    "DESCRIPTION": "连心: appeals (诉求) intake, tracking and handling.",
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
