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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lianxin.core.middleware.ApiErrorMiddleware",
]

AUTHENTICATION_BACKENDS = [
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

CSRF_FAILURE_VIEW = "lianxin.core.error_pages.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Cache: Redis when configured, else per-process memory (rate limits, idempotency) --------
if redis_url := os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", ""):
    if redis_url.startswith("redis"):
        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
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
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "appeals-scan-overdue": {
        "task": "lianxin.appeals.tasks.scan_overdue",
        "schedule": timedelta(minutes=5),
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
}

# --- Mail and SMS --------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "12345@lianxin.local")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "lianxin.core.sms.LoggingSmsBackend")

# --- API -----------------------------------------------------------------------------------
PUBLIC_SUBMIT_RATE = os.environ.get("PUBLIC_SUBMIT_RATE", "30/hour")
TRACK_RATE = os.environ.get("TRACK_RATE", "60/hour")
OPEN311_KEY_RATE = os.environ.get("OPEN311_KEY_RATE", "120/minute")

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
                     ("WARNING_CLUSTER_REPORTS", int), ("WARNING_CLUSTER_HOURS", int)):
    if _name in os.environ:
        try:
            globals()[_name] = _cast(os.environ[_name])
        except ValueError:
            raise ImproperlyConfigured(f"{_name} must be a number, not {os.environ[_name]!r}") from None
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
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
