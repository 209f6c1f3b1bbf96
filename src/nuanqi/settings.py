"""The one settings file. Everything that differs between machines comes from the environment.

NUANQI_HOME            data directory (default ./var); SQLite lives at $NUANQI_HOME/nuanqi.sqlite3
NUANQI_DATABASE_URL    postgres://user@host:port/db — use PostgreSQL instead of SQLite
NUANQI_SECRET_KEY      secret key (a stable one is generated into $NUANQI_HOME on first start)
NUANQI_DEBUG           1 to enable debug pages
NUANQI_ALLOWED_HOSTS   comma-separated host names (default: any, for an intranet box)
NUANQI_REMIND_EVERY_DAYS, NUANQI_ESCALATE_AFTER_DAYS   the worker's 催办 and 督办 periods (working days)
NUANQI_NOTIFY_BACKOFF_SECONDS   first retry delay of a failed notification (doubles each attempt)
NUANQI_NOTIFY_LEASE_SECONDS     how long a worker's claim holds before a crashed worker's rows are retried
NUANQI_EMAIL_HOST, NUANQI_EMAIL_PORT, NUANQI_EMAIL_FROM   outgoing mail (console when no host)
NUANQI_SHEET_ROWS      rows per worksheet of an exported ledger, header included (default Excel's 1048576);
                       a longer ledger continues on further sheets
NUANQI_IMPORT_MAX_MB   largest import file in MB (default 10; its parts may unzip to 20 times that)
NUANQI_IMPORT_MAX_ROWS most data rows of one import file (default 100000)
NUANQI_LOGIN_FAILURES, NUANQI_LOGIN_COOLOFF_MINUTES   lockout after this many wrong passwords per account or
                       address (default 10), for this long (default 15 minutes)
NUANQI_TRUSTED_PROXIES reverse proxies whose X-Forwarded-For names the client (comma-separated addresses)
NUANQI_TOKEN_IDLE_DAYS an API token unused this many days stops working (default 90; 0 never)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("NUANQI_HOME", "var")).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("NUANQI_SECRET_KEY"):
        return key
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("NUANQI_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("NUANQI_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "nuanqi.accounts",
    "nuanqi.calendars",
    "nuanqi.cases",
    "nuanqi.enterprise",
    "nuanqi.demo",
    "nuanqi.notify",
    "nuanqi.dashboard",
]

# Benchmarks only (bench/): reference endpoints showing the framework's ceiling. Never set in production.
NUANQI_BENCH = os.environ.get("NUANQI_BENCH", "") == "1"
if NUANQI_BENCH:
    INSTALLED_APPS.append("nuanqi.benchref")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nuanqi.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "nuanqi.middleware.RefuseBadTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes; nuanqi.accounts.security): lock an account after this many wrong passwords
# from anywhere, and an address after this many for any account, until the cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "nuanqi.accounts.security.LoginGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("NUANQI_LOGIN_FAILURES", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("NUANQI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "nuanqi.accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "nuanqi.accounts.security.client_ip"
AXES_VERBOSE = False
# Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated); none by default.
NUANQI_TRUSTED_PROXIES = frozenset(p for p in os.environ.get("NUANQI_TRUSTED_PROXIES", "").split(",") if p)
# An API token unused for this many days stops working (0: never).
NUANQI_TOKEN_IDLE_DAYS = int(os.environ.get("NUANQI_TOKEN_IDLE_DAYS", "90"))

ROOT_URLCONF = "nuanqi.urls"
WSGI_APPLICATION = "nuanqi.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_list"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nuanqi.calendars.context.calendar_warnings",
                "nuanqi.notify.context.bell",
            ],
        },
    },
]

_db_url = os.environ.get("NUANQI_DATABASE_URL", "")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "nuanqi.sqlite3"),
            # WAL and a busy timeout let the web server and the worker share the file; IMMEDIATE
            # transactions take the write lock up front so two writers never deadlock on upgrade.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            # A file, not shared-cache memory, so tests with several threads lock like production does.
            "TEST": {"NAME": str(HOME / "test_nuanqi.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every server process on the machine (the leader's KPI aggregates are cached here).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(HOME / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = HOME / "media"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# How many working days a lead unit has to return (退单) a dispatched case before it must handle it.
NUANQI_RETURN_WINDOW_DAYS = int(os.environ.get("NUANQI_RETURN_WINDOW_DAYS", "2"))
# Total extension a case may be granted, in working days (舟山12345: ≤ 20).
NUANQI_EXTENSION_CAP_DAYS = int(os.environ.get("NUANQI_EXTENSION_CAP_DAYS", "20"))

# SLA sweeps of the worker: automatic 催办 every N working days while overdue; 督办 (escalation to the
# office) once a case is overdue by this many working days. Notification retries back off from this base.
NUANQI_REMIND_EVERY_DAYS = int(os.environ.get("NUANQI_REMIND_EVERY_DAYS", "1"))
NUANQI_ESCALATE_AFTER_DAYS = int(os.environ.get("NUANQI_ESCALATE_AFTER_DAYS", "2"))
NUANQI_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("NUANQI_NOTIFY_BACKOFF_SECONDS", "30"))
# How long a worker's claim on a notification holds; after it, a crashed worker's rows are taken again.
NUANQI_NOTIFY_LEASE_SECONDS = float(os.environ.get("NUANQI_NOTIFY_LEASE_SECONDS", "60"))
NUANQI_SHEET_ROWS = int(os.environ.get("NUANQI_SHEET_ROWS", "1048576"))
NUANQI_IMPORT_MAX_MB = int(os.environ.get("NUANQI_IMPORT_MAX_MB", "10"))
NUANQI_IMPORT_MAX_ROWS = int(os.environ.get("NUANQI_IMPORT_MAX_ROWS", "100000"))
# Outgoing e-mail (Django's SMTP backend); without a host, mail is written to the console.
EMAIL_HOST = os.environ.get("NUANQI_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("NUANQI_EMAIL_PORT", "25"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("NUANQI_EMAIL_FROM", "nuanqi@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
