"""Raktas settings. Every value a deployment may change comes from an environment
variable through the typed helpers in ``raktas.core.env``; README.md lists them all."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from raktas.core.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = BASE_DIR.parent

# demo and dev may run with a generated key; production must be given one.
RAKTAS_ENV = env_choice("RAKTAS_ENV", ("production", "demo", "dev", "test"), "production")
_RELAXED = RAKTAS_ENV in ("demo", "dev", "test")

DATA_DIR = Path(
    env_str("RAKTAS_DATA_DIR")
    or (_SOURCE_ROOT / "var" if (_SOURCE_ROOT / "pyproject.toml").exists() else Path.cwd() / "var")
)

_secret = env_str("SECRET_KEY")
if not _secret:
    if not _RELAXED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set RAKTAS_ENV=demo/dev for a throwaway local instance."
        )
    _secret = "insecure-" + RAKTAS_ENV + "-key-do-not-use-in-production"
SECRET_KEY: str = _secret

DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Raktas, in the order of its layers (docs/architecture.md), bottom first:
    # subscribers to one event run in this order.
    "raktas.core",
    "raktas.audit",
    "raktas.org",
    "raktas.clients",
    "raktas.catalog",
    "raktas.ledger",
    "raktas.orders",
    "raktas.credit",
    "raktas.collection",
    "raktas.banking",
    "raktas.receivables",
    "raktas.analytics",
    "raktas.book",
    "raktas.imports",
    "raktas.seed",
    "django_htmx",
    "django_tasks_db",
    "raktas.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "raktas.web.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Maps NotFound/PermissionDenied raised by selectors to the 404/403 pages.
    "raktas.web.middleware.DomainErrorPageMiddleware",
]

ROOT_URLCONF = "raktas.urls"
WSGI_APPLICATION = "raktas.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside the one writer;
# synchronous=FULL makes a committed transaction survive power loss; IMMEDIATE
# transactions take the write lock at BEGIN, so a read-then-write rule (a credit
# check) cannot be overtaken between its read and its write, and the busy timeout
# makes a second writer wait instead of failing at once.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA cache_size=-65536;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA mmap_size=268435456;"
)
SQLITE_BUSY_TIMEOUT_S = env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1)

_database_url = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'raktas.sqlite3'}"
try:
    _db = dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except Exception as exc:  # dj-database-url raises a bare ValueError on a bad scheme
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc

if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    if RAKTAS_ENV == "test":
        # Test on a real file, not Django's default in-memory database: WAL, locking and
        # the PRAGMAs only exist on a file, and that is what production runs. One file
        # per process, so parallel runs never share one.
        _db["CONN_MAX_AGE"] = 0
        _db["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_S,
        "init_command": SQLITE_PRAGMAS,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    _db["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME") or None}
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL: only sqlite and postgres are supported, got {_db['ENGINE']}"
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if RAKTAS_ENV == "test":
    # Tests create hundreds of users; a slow hash buys nothing there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 60 * 60 * 8, minimum=60)
# The age above is an idle timeout, not a hard one: raktas.web.sessions re-saves a
# signed-in session (pushing its expiry forward) when its last save is older than the
# touch interval, instead of writing it on every request (SESSION_SAVE_EVERY_REQUEST).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_INTERVAL = min(60, SESSION_COOKIE_AGE // 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Pages load scripts and styles only from our own static files: no inline <script>,
# no inline event handlers, no inline styles (htmx is configured by a meta tag).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# --- Trust (docs/security.md): client address, sign-in throttling, HSTS ------------
# Behind a reverse proxy the client's address comes from the header the proxy sets,
# TRUSTED_PROXY_COUNT entries from its right; unset, only REMOTE_ADDR is believed.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER", "") or ""
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=1)
# Sign-in throttling (raktas.web.throttle): this many failures for one username from
# one address (or LOGIN_MAX_FAILURES_PER_IP from one address) lock that pair (or
# address) for LOGIN_LOCKOUT_MINUTES; past LOGIN_MAX_FAILURES failures from anywhere,
# each try at a username waits 1, 2, 4 … seconds, at most LOGIN_BACKOFF_MAX_SECONDS.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 60, minimum=1)
# A proxy that ends TLS tells Django the request was HTTPS in this header (value
# "https", e.g. X-Forwarded-Proto); without it Django sees plain HTTP and sends no HSTS.
_proto_header = env_str("TRUSTED_PROXY_PROTO_HEADER", "") or ""
if _proto_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proto_header.upper().replace("-", "_"), "https")
# Strict-Transport-Security on HTTPS responses: 0 sends none (a year: 31536000).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)

# --- i18n -----------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en") or "en"
LANGUAGES = [("en", "English"), ("lt", "Lietuvių")]
# Each app keeps its own Lithuanian catalogue, raktas/<app>/locale/ (./dev messages).
LOCALE_PATHS: list[Path] = []
TIME_ZONE = env_str("TIME_ZONE", "Europe/Vilnius") or "Europe/Vilnius"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if RAKTAS_ENV == "test"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Raktas -----------------------------------------------------------------------
DEFAULT_CURRENCY = env_str("DEFAULT_CURRENCY", "EUR") or "EUR"
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500, minimum=1)
INVOICE_NUMBER_PREFIX = env_str("INVOICE_NUMBER_PREFIX", "INV-") or ""
CREDIT_NOTE_NUMBER_PREFIX = env_str("CREDIT_NOTE_NUMBER_PREFIX", "CN-") or ""
# Receivables (docs/receivables.md): aging bucket edges in days past due, the DSO
# window, and who "we" are on the mutual settlement statement.
AGING_BUCKETS = env_list("AGING_BUCKETS", ["30", "60", "90"])
AGING_DSO_DAYS = env_int("AGING_DSO_DAYS", 90, minimum=1)
COMPANY_NAME = env_str("COMPANY_NAME", "Raktas demo, UAB") or ""
COMPANY_REGISTRATION_CODE = env_str("COMPANY_REGISTRATION_CODE", "") or ""
COMPANY_VAT_CODE = env_str("COMPANY_VAT_CODE", "") or ""
COMPANY_ADDRESS = env_str("COMPANY_ADDRESS", "") or ""

# --- Uploads -----------------------------------------------------------------------------
# A file upload stops at this size while it arrives (raktas.core.uploads): the bank
# statement's limit. JSON bodies stop at Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 25, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "raktas.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Read and export log (duty 2.21, docs/security.md) ---------------------------------
# Every export, statement and PDF writes an access-log row; so does an API list read
# of more than ACCESS_LOG_LIST_ROWS rows. The director is alerted when a user's rows
# today exceed ACCESS_ALERT_FACTOR times their median day of the last
# ACCESS_ALERT_DAYS days and ACCESS_ALERT_FLOOR rows.
ACCESS_LOG_LIST_ROWS = env_int("ACCESS_LOG_LIST_ROWS", 100, minimum=0)
ACCESS_ALERT_FACTOR = env_int("ACCESS_ALERT_FACTOR", 5, minimum=1)
ACCESS_ALERT_FLOOR = env_int("ACCESS_ALERT_FLOOR", 1000, minimum=0)
ACCESS_ALERT_DAYS = env_int("ACCESS_ALERT_DAYS", 30, minimum=1)

# --- Key-client intelligence (docs/analytics.md) -----------------------------------
# ABC: A up to this cumulative share of the ranked total, B up to the next; XYZ by the
# coefficient of variation of monthly sales: X up to x, Y up to y, else Z.
ANALYTICS_ABC_A = env_float("ANALYTICS_ABC_A", 0.80, minimum=0.0, maximum=1.0)
ANALYTICS_ABC_B = env_float("ANALYTICS_ABC_B", 0.95, minimum=0.0, maximum=1.0)
ANALYTICS_XYZ_X = env_float("ANALYTICS_XYZ_X", 0.5, minimum=0.0)
ANALYTICS_XYZ_Y = env_float("ANALYTICS_XYZ_Y", 1.0, minimum=0.0)
# Key-client candidates: a share of revenue, of margin, or a place in the top NPV share.
ANALYTICS_KEY_REVENUE_SHARE = env_float("ANALYTICS_KEY_REVENUE_SHARE", 0.10, minimum=0.0)
ANALYTICS_KEY_MARGIN_SHARE = env_float("ANALYTICS_KEY_MARGIN_SHARE", 0.10, minimum=0.0)
ANALYTICS_KEY_NPV_TOP_SHARE = env_float("ANALYTICS_KEY_NPV_TOP_SHARE", 0.10, minimum=0.0)
# Lifetime value: NPV over this many months at this annual discount rate.
ANALYTICS_HORIZON_MONTHS = env_int("ANALYTICS_HORIZON_MONTHS", 12, minimum=1)
ANALYTICS_DISCOUNT_RATE = env_float("ANALYTICS_DISCOUNT_RATE", 0.10, minimum=0.0)
# Churn risk: P(alive) below this, or silent longer than this many usual gaps.
ANALYTICS_CHURN_P_ALIVE = env_float("ANALYTICS_CHURN_P_ALIVE", 0.5, minimum=0.0, maximum=1.0)
ANALYTICS_CHURN_RHYTHM_FACTOR = env_float("ANALYTICS_CHURN_RHYTHM_FACTOR", 2.0, minimum=1.0)

# --- Credit control and collection (docs/credit.md) -----------------------------------
# Orders are refused while any debt is overdue by more than this many days.
CREDIT_OVERDUE_GRACE_DAYS = env_int("CREDIT_OVERDUE_GRACE_DAYS", 15, minimum=0)
# E-mail (dunning reminders and letters) goes through Django's mailers: the console
# backend by default, so nothing leaves the machine until SMTP is configured.
# The demo writes each message as a file under var/mail/ instead, so the first collection
# run's reminders do not bury the printed logins.
_DEFAULT_EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend"
    if RAKTAS_ENV == "demo"
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", _DEFAULT_EMAIL_BACKEND) or _DEFAULT_EMAIL_BACKEND
_mail_options: dict[str, object] = {}
if EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": env_str("EMAIL_FILE_PATH", "") or str(DATA_DIR / "mail")}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env_str("EMAIL_HOST", "localhost") or "localhost",
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", "") or "",
        "password": env_str("EMAIL_HOST_PASSWORD", "") or "",
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
    }
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "raktas@localhost") or "raktas@localhost"
# Background work (django.tasks, docs/credit.md "Running the daily work"): tasks are
# rows in the database (django-tasks-db, no Redis), run by `raktas db_worker`; the
# daily schedule is `raktas collect --enqueue` from cron or a systemd timer.
# TASKS_BACKEND=immediate runs each task where it is enqueued (no worker process).
TASKS_BACKEND = env_choice("TASKS_BACKEND", ("database", "immediate"), "database")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO") or "INFO"},
}
