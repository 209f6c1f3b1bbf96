"""The one settings file. Everything that differs between machines comes from the environment.

NUANQI_HOME            data directory (default ./var); SQLite lives at $NUANQI_HOME/nuanqi.sqlite3
NUANQI_DATABASE_URL    postgres://user@host:port/db — use PostgreSQL instead of SQLite
NUANQI_SECRET_KEY      secret key (a stable one is generated into $NUANQI_HOME on first start)
NUANQI_DEBUG           1 to enable debug pages
NUANQI_ALLOWED_HOSTS   comma-separated host names (default: any, for an intranet box)
NUANQI_REMIND_EVERY_DAYS, NUANQI_ESCALATE_AFTER_DAYS   the worker's 催办 and 督办 periods (working days)
NUANQI_NOTIFY_BACKOFF_SECONDS   first retry delay of a failed notification (doubles each attempt)
NUANQI_NOTIFY_LEASE_SECONDS     how long a worker's claim holds before a crashed worker's rows are retried
NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS  how long one send may take (connect, each read; default 10)
NUANQI_NOTIFY_RATE_WINDOW_SECONDS   the window of an endpoint's rate limit (default 60: "20 a minute")
NUANQI_NOTIFY_THROTTLE_SECONDS      how long an endpoint that answered "too fast" is paused (default 600)
NUANQI_NOTIFY_COMBINE_SECONDS       robot notices within this window go out as one post (default 5)
NUANQI_NOTIFY_COMBINE_MAX           at most this many notices in one robot post (default 10)
NUANQI_SMS_MAX_CHARS                longest SMS text sent to the gateway (default 300 characters)
NUANQI_SITE_URL                     the address people open, for links in notifications (e.g. https://nq.example)
NUANQI_EMAIL_HOST, NUANQI_EMAIL_PORT, NUANQI_EMAIL_FROM   outgoing mail (console when no host)
NUANQI_EMAIL_SECURITY               "starttls", "ssl" (port 465) or empty for plain SMTP
NUANQI_EMAIL_USER, NUANQI_EMAIL_PASSWORD (or NUANQI_EMAIL_PASSWORD_FILE)   SMTP login
NUANQI_EMAIL_CA_FILE                CA bundle for a mail server signed by an internal authority
NUANQI_EMAIL_TIMEOUT                SMTP timeout in seconds (default 10)
NUANQI_EMAIL_RATE_PER_MINUTE        mails a minute the server accepts from us (default 0: no limit)
NUANQI_ATTACHMENT_MAX_MB        largest accepted attachment (default 20)
NUANQI_ATTACHMENTS_PER_EVENT    most files one upload or action carries (default 10)
NUANQI_TRUSTED_PROXIES          comma-separated addresses of our reverse proxies (whose X-Forwarded-For
                                is believed)
NUANQI_PUBLIC_THROTTLE          the N-th failed receipt lookup or public post within a minute from one
                                client is refused with 429 (default 20)
NUANQI_RECEIPT_SALT             the installation's secret salt for receipt codes (default: generated into
                                $NUANQI_HOME/receipt_salt on first start; keep it with the backups' keys)
NUANQI_SHEET_ROWS      rows per worksheet of an exported ledger, header included (default Excel's 1048576);
                       a longer ledger continues on further sheets
NUANQI_IMPORT_MAX_MB   largest import file in MB (default 10; its parts may unzip to 20 times that)
NUANQI_IMPORT_MAX_ROWS most data rows of one import file (default 100000)
NUANQI_ROUTING_MIN_CASES closed cases the routing model needs before it replaces the keyword rules
                       (default 200)
NUANQI_ROUTING_RETRAIN_EVERY new closed cases after which the worker retrains the model (default 50)
NUANQI_ROUTING_CHECK_SECONDS how often the worker checks for that (default 600)
NUANQI_DUPLICATE_DAYS  duplicate warnings look at open cases and those received within these days (default 90)
NUANQI_LOGIN_FAILURES, NUANQI_LOGIN_COOLOFF_MINUTES   lockout after this many wrong passwords per account or
                       address (default 10), for this long (default 15 minutes)
NUANQI_TOKEN_IDLE_DAYS an API token unused this many days stops working (default 90; 0 never)
NUANQI_HTTPS           1 when served over HTTPS: secure cookies, HTTPS redirect, HSTS (NUANQI_HSTS_SECONDS;
                       NUANQI_HSTS_SUBDOMAINS=0 leaves subdomains out; NUANQI_HSTS_PRELOAD=1 asks for preload)
NUANQI_AUDIT_KEY_FILE  the timeline's HMAC key (default $NUANQI_HOME/audit_key, generated on first start): it
                       keys every case's chain head and the number counters, so a chain rewritten in the
                       database fails `nuanqi audit verify`. Keep it out of the database's backups.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
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


def _receipt_salt() -> str:
    if salt := os.environ.get("NUANQI_RECEIPT_SALT"):
        return salt
    path = HOME / "receipt_salt"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _audit_key() -> bytes:
    path = Path(os.environ.get("NUANQI_AUDIT_KEY_FILE") or HOME / "audit_key")
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return bytes.fromhex(path.read_text().strip())


# The timeline's HMAC key: outside the database, so whoever can write the tables cannot re-key a chain.
NUANQI_AUDIT_KEY = _audit_key()

# Public receipts (GlobaLeaks' scheme): Argon2id(receipt, the installation's secret salt), one hash a lookup.
NUANQI_RECEIPT_SALT = _receipt_salt()
NUANQI_RECEIPT_ARGON2 = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}
# Argon2id that wraps each inspection-group member's private key with his password (nuanqi.tips.keys).
NUANQI_TIPS_KDF = {"opslimit": 3, "memlimit": 64 * 1024 * 1024}
# The escrow public key (base64) tips are also sealed to; empty: $NUANQI_HOME/tips-escrow.pub if present.
NUANQI_TIPS_ESCROW_PUBLIC_KEY = os.environ.get("NUANQI_TIPS_ESCROW_PUBLIC_KEY", "")
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
    "csp",
    "nuanqi.accounts",
    "nuanqi.calendars",
    "nuanqi.attachments",
    "nuanqi.cases",
    "nuanqi.enterprise",
    "nuanqi.tips",
    "nuanqi.patrol",
    "nuanqi.consult",
    "nuanqi.projects",
    "nuanqi.routing",
    "nuanqi.demo",
    "nuanqi.notify",
    "nuanqi.dashboard",
    "nuanqi.ops",
]

# Benchmarks only (bench/): reference endpoints showing the framework's ceiling. Never set in production.
NUANQI_BENCH = os.environ.get("NUANQI_BENCH", "") == "1"
if NUANQI_BENCH:
    INSTALLED_APPS.append("nuanqi.benchref")

MIDDLEWARE = [
    "nuanqi.ops.requestlog.RequestLogMiddleware",
    "nuanqi.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "nuanqi.middleware.ApiErrorMiddleware",
    "csp.middleware.CSPMiddleware",
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
    "nuanqi.tips.keys.TipKeyCookieMiddleware",
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
                "nuanqi.cases.context.public_channels",
                "nuanqi.navigation.nav",
                "csp.context_processors.nonce",
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
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    # Deleted rows are overwritten, not left in free pages (a tip, a session with a key).
                    " PRAGMA secure_delete=ON;"
                ),
            },
            # Kept open between requests, as PostgreSQL's are (`conn_max_age` above): a connection opened per
            # request read the schema and ran the PRAGMAs again and started with an empty page cache, so every
            # list re-read its rows' pages from the OS. Checked before reuse, like PostgreSQL's.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
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
# Our own date formats beside Django's (nuanqi/formats/<locale>/formats.py).
FORMAT_MODULE_PATH = ["nuanqi.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Uploaded attachments, through Django's storage API (a city may configure object storage instead); never
# served as static files: every download goes through the owner's visibility check.
MEDIA_ROOT = HOME / "media"
NUANQI_ATTACHMENT_MAX_MB = float(os.environ.get("NUANQI_ATTACHMENT_MAX_MB", "20"))
NUANQI_ATTACHMENTS_PER_EVENT = int(os.environ.get("NUANQI_ATTACHMENTS_PER_EVENT", "10"))
NUANQI_TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("NUANQI_TRUSTED_PROXIES", "").split(",") if a.strip()
]
NUANQI_PUBLIC_THROTTLE = int(os.environ.get("NUANQI_PUBLIC_THROTTLE", "20"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = HOME / "media"

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, their read compiled once (nuanqi.accounts.sessions).
SESSION_ENGINE = "nuanqi.accounts.sessions"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# Served over HTTPS (NUANQI_HTTPS=1, usually behind a TLS-terminating proxy that sets X-Forwarded-Proto and
# overwrites any such header from the client): cookies only over TLS, plain HTTP redirected, and browsers told
# to keep to HTTPS for a year. `nuanqi manage check --deploy` is clean in this mode.
NUANQI_HTTPS = os.environ.get("NUANQI_HTTPS", "") == "1"
if NUANQI_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("NUANQI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("NUANQI_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("NUANQI_HSTS_PRELOAD", "") == "1"
    if not SECURE_HSTS_PRELOAD:
        # The preload list is for public domains; an office's intranet name cannot be on it, and asking for
        # it by default would bind every subdomain of the district's domain. NUANQI_HSTS_PRELOAD=1 opts in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): our own scripts, styles and images only; the few inline <script> and
# <style> blocks carry the request's nonce ({{ CSP_NONCE }}), and no template uses style or event attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# How many working days a lead unit has to return (退单) a dispatched case before it must handle it.
NUANQI_RETURN_WINDOW_DAYS = int(os.environ.get("NUANQI_RETURN_WINDOW_DAYS", "2"))
# Total extension a case may be granted, in working days (舟山12345: ≤ 20).
NUANQI_EXTENSION_CAP_DAYS = int(os.environ.get("NUANQI_EXTENSION_CAP_DAYS", "20"))
# Working days after a rating within which the lead unit may appeal a 不满意 (申诉).
NUANQI_APPEAL_WINDOW_DAYS = int(os.environ.get("NUANQI_APPEAL_WINDOW_DAYS", "5"))

# SLA sweeps of the worker: automatic 催办 every N working days while overdue; 督办 (escalation to the
# office) once a case is overdue by this many working days. Notification retries back off from this base.
NUANQI_REMIND_EVERY_DAYS = int(os.environ.get("NUANQI_REMIND_EVERY_DAYS", "1"))
NUANQI_ESCALATE_AFTER_DAYS = int(os.environ.get("NUANQI_ESCALATE_AFTER_DAYS", "2"))
NUANQI_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("NUANQI_NOTIFY_BACKOFF_SECONDS", "30"))
# How long a worker's claim on a notification holds; after it, a crashed worker's rows are taken again.
NUANQI_NOTIFY_LEASE_SECONDS = float(os.environ.get("NUANQI_NOTIFY_LEASE_SECONDS", "60"))
# Sending: every send has a timeout (shorter than the lease, which is renewed before each send); endpoints
# are paced (a rate window, a pause after "too fast"); robot notices close together are combined.
NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS = float(os.environ.get("NUANQI_NOTIFY_SEND_TIMEOUT_SECONDS", "10"))
NUANQI_NOTIFY_RATE_WINDOW_SECONDS = float(os.environ.get("NUANQI_NOTIFY_RATE_WINDOW_SECONDS", "60"))
NUANQI_NOTIFY_THROTTLE_SECONDS = float(os.environ.get("NUANQI_NOTIFY_THROTTLE_SECONDS", "600"))
NUANQI_NOTIFY_COMBINE_SECONDS = float(os.environ.get("NUANQI_NOTIFY_COMBINE_SECONDS", "5"))
NUANQI_NOTIFY_COMBINE_MAX = int(os.environ.get("NUANQI_NOTIFY_COMBINE_MAX", "10"))
NUANQI_SMS_MAX_CHARS = int(os.environ.get("NUANQI_SMS_MAX_CHARS", "300"))
NUANQI_SITE_URL = os.environ.get("NUANQI_SITE_URL", "").rstrip("/")
NUANQI_SHEET_ROWS = int(os.environ.get("NUANQI_SHEET_ROWS", "1048576"))
NUANQI_IMPORT_MAX_MB = int(os.environ.get("NUANQI_IMPORT_MAX_MB", "10"))
NUANQI_IMPORT_MAX_ROWS = int(os.environ.get("NUANQI_IMPORT_MAX_ROWS", "100000"))

# Routing suggestions (nuanqi.routing): the model is used once trained on this many closed cases (below
# it, the admin's keyword rules); the worker retrains when this many more have closed, checking at most this
# often.
NUANQI_ROUTING_MIN_CASES = int(os.environ.get("NUANQI_ROUTING_MIN_CASES", "200"))
NUANQI_ROUTING_RETRAIN_EVERY = int(os.environ.get("NUANQI_ROUTING_RETRAIN_EVERY", "50"))
NUANQI_ROUTING_CHECK_SECONDS = int(os.environ.get("NUANQI_ROUTING_CHECK_SECONDS", "600"))
# Duplicate warnings: open cases, and those received within this many days, of the same subject.
NUANQI_DUPLICATE_DAYS = int(os.environ.get("NUANQI_DUPLICATE_DAYS", "90"))
# Outgoing e-mail (Django's SMTP backend, with a CA file for intranet servers); without a host, mail is
# written to the console. The password comes from the environment or a secrets file, never the database.
EMAIL_HOST = os.environ.get("NUANQI_EMAIL_HOST", "")
EMAIL_SECURITY = os.environ.get("NUANQI_EMAIL_SECURITY", "").lower()
EMAIL_USE_TLS = EMAIL_SECURITY == "starttls"
EMAIL_USE_SSL = EMAIL_SECURITY == "ssl"
EMAIL_PORT = int(os.environ.get("NUANQI_EMAIL_PORT", "465" if EMAIL_USE_SSL else "25"))
EMAIL_HOST_USER = os.environ.get("NUANQI_EMAIL_USER", "")
_password_file = os.environ.get("NUANQI_EMAIL_PASSWORD_FILE", "")
EMAIL_HOST_PASSWORD = (
    Path(_password_file).read_text().strip()
    if _password_file
    else os.environ.get("NUANQI_EMAIL_PASSWORD", "")
)
EMAIL_TIMEOUT = float(os.environ.get("NUANQI_EMAIL_TIMEOUT", "10"))
NUANQI_EMAIL_CA_FILE = os.environ.get("NUANQI_EMAIL_CA_FILE", "")
NUANQI_EMAIL_RATE_PER_MINUTE = int(os.environ.get("NUANQI_EMAIL_RATE_PER_MINUTE", "0"))
EMAIL_BACKEND = (
    "nuanqi.notify.mail.MailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("NUANQI_EMAIL_FROM", "nuanqi@localhost")

# One line per request from nuanqi.ops.requestlog (JSON lines with NUANQI_LOG_JSON=1); no query strings,
# bodies or names in any log.
NUANQI_LOG_JSON = os.environ.get("NUANQI_LOG_JSON", "") == "1"
# /metrics (Prometheus) answers only to this bearer token; without one it is 404.
NUANQI_METRICS_TOKEN = os.environ.get("NUANQI_METRICS_TOKEN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"bare": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"nuanqi.request": {"handlers": ["requests"], "level": "INFO", "propagate": False}},
}
