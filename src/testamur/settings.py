"""Django settings for Testamur. What differs between machines comes from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("TESTAMUR_HOME", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("TESTAMUR_VAR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a key generated once per checkout, kept out of the repository.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # Only for django-ninja's own templates and static files (the API docs page).
    "ninja",
    "testamur.core",
    "testamur.accounts",
    "testamur.organisation",
    "testamur.learners",
    "testamur.training",
    "testamur.qualifications",
    "testamur.credentials",
    "testamur.verification",
    "testamur.reports",
    "testamur.interchange",
    "testamur.api",
    # Demo data (`seed_demo`): the top layer, nothing imports it.
    "testamur.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "testamur.core.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "testamur.organisation.middleware.OrganisationTimezoneMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "testamur.urls"
WSGI_APPLICATION = "testamur.wsgi.application"

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
                "testamur.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'testamur.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Background work: the database backend, run by `manage.py db_worker`. Tests run tasks inline.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The public address of this deployment, printed (as a QR code) on every issued document.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Who new digital credentials name as issuer (decision 0021): "did:web" (the DID of
# PUBLIC_BASE_URL, its document at /.well-known/did.json), "did:key" (for an installation
# without a public host: the key is the identity) or "url" (the issuer document at /vc/issuer).
VC_ISSUER = os.environ.get("VC_ISSUER", "did:web")
# The RTO's LinkedIn page id: "Add to LinkedIn profile" then names that page as the issuer.
LINKEDIN_ORGANIZATION_ID = os.environ.get("LINKEDIN_ORGANIZATION_ID", "")
# Issued PDFs carry their signed Open Badges credential as a PDF/A-3 associated file (0008).
# On by default since the badge signs in a few milliseconds (0029); "0" leaves it to the
# background task that makes the digital credential after the run.
ISSUED_PDF_DIGITAL_TWIN = os.environ.get("ISSUED_PDF_DIGITAL_TWIN", "1") == "1"

# Email: credentials are sent to learners through SMTP. Everything comes from the environment;
# `make demo` writes messages to files under var/ instead (EMAIL_BACKEND, EMAIL_FILE_PATH).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A mail server that stops answering fails the send (retried later) instead of hanging a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "sent-mail"))
# Used when the RTO has no contact email in its settings.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "credentials@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The daily "overdue / due this week" email to Admins goes out at this hour, RTO time.
CLOCK_DIGEST_HOUR = int(os.environ.get("CLOCK_DIGEST_HOUR", "7"))
# The 30-day clock watches completions of this many days back (the dashboard and the daily
# email); its report finds older completions never issued on request.
CLOCK_LOOKBACK_DAYS = int(os.environ.get("CLOCK_LOOKBACK_DAYS", "365"))

# Verifying USIs with the USI Registry System (README, "USI Registry System"). USI_REGISTRY is
# "simulator" (`manage.py usi_simulator`), "test" (the registry's test environment) or
# "production"; empty turns it off. The machine credential's file and password come from the
# environment only, never the database.
USI_REGISTRY = os.environ.get("USI_REGISTRY", "").strip().lower()
USI_ORG_CODE = os.environ.get("USI_ORG_CODE", "")
USI_KEYSTORE_PATH = os.environ.get("USI_KEYSTORE_PATH", "")
USI_KEYSTORE_ALIAS = os.environ.get("USI_KEYSTORE_ALIAS", "")
USI_KEYSTORE_PASSWORD = os.environ.get("USI_KEYSTORE_PASSWORD", "")
USI_SIMULATOR_URL = os.environ.get("USI_SIMULATOR_URL", "http://127.0.0.1:8765")
# Overrides of the environment's addresses (a new host of the test environment, say).
USI_STS_URL = os.environ.get("USI_STS_URL", "")
USI_SERVICE_URL = os.environ.get("USI_SERVICE_URL", "")
USI_APPLIES_TO = os.environ.get("USI_APPLIES_TO", "")
USI_TIMEOUT = float(os.environ.get("USI_TIMEOUT", "30"))
# Verified USIs are verified again after this many days (0: never); a running worker does it.
USI_REVERIFY_DAYS = int(os.environ.get("USI_REVERIFY_DAYS", "365"))
# Signed checkpoints of the event log (docs/decisions/0017): the Ed25519 key that signs them
# (made on first use, readable by this server's user only) and where they are written. Both are
# files outside the database, out of a database administrator's reach.
EVENT_LOG_KEY_FILE = Path(os.environ.get("EVENT_LOG_KEY_FILE", VAR_DIR / "event-log-key.pem"))
EVENT_LOG_CHECKPOINT_DIR = Path(os.environ.get("EVENT_LOG_CHECKPOINT_DIR", VAR_DIR / "checkpoints"))
# Every template render runs in a child process with these limits (credentials/rendering/
# bounded.py); one that passes them fails with the reason. Rendered files are staged in
# RENDER_CACHE_DIR, which must be private to this user.
RENDER_TIME_LIMIT_SECONDS = float(os.environ.get("RENDER_TIME_LIMIT_SECONDS", "15"))
RENDER_MEMORY_LIMIT_MB = int(os.environ.get("RENDER_MEMORY_LIMIT_MB", "1024"))
RENDER_CACHE_DIR = Path(os.environ.get("RENDER_CACHE_DIR", VAR_DIR / "render-cache"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: a sign-in made through a request is refused while it is locked out.
AUTHENTICATION_BACKENDS = [
    "testamur.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-au"
TIME_ZONE = os.environ.get("TIME_ZONE", "Australia/Sydney")
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Uploads: nothing an RTO needs is larger than this; bigger bodies are refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMAGE_UPLOAD_BYTES = 2 * 1024 * 1024
# Imports: spreadsheets and NAT files up to this size; smaller ones than the second are checked
# while the page waits, larger ones by the background worker.
MAX_IMPORT_UPLOAD_BYTES = 50 * 1024 * 1024
IMPORT_INLINE_MAX_BYTES = 256 * 1024
# An uploaded import file (personal data) is deleted once its import is done or has failed;
# one never finished is deleted this many hours after upload by `manage.py purge_imports`.
IMPORT_FILES_KEPT_HOURS = int(os.environ.get("IMPORT_FILES_KEPT_HOURS", "24"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A staff sign-in lasts a working day (the learner portal keeps its own, PORTAL_SESSION_SECONDS).
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_HOURS", "8")) * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Production is served over https: plain http is redirected and browsers told to stay on https.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Every page: scripts, styles and images from this site only; nothing framed, no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# The reverse proxies (addresses or networks, comma-separated) in front of Testamur. A request
# from one of them is taken to come from the address it names in X-Forwarded-For (the last one
# that is not itself a trusted proxy); anyone else's X-Forwarded-For is ignored. The proxy must
# also set X-Forwarded-Proto.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# /admin/ (Django's own admin) is a second way in; off unless asked for.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", False)

# Every rate limit is counted in this cache, which all web processes must share: Redis when
# REDIS_URL is set, else a table in the database (counts may be lost under heavy concurrency;
# use Redis when several processes serve the public pages).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "testamur"),
            # A Redis that stops answering must not hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "testamur_cache",
        }
    }
# Requests allowed per client address (per user for "password") and period, by scope:
# (requests, seconds). See core/ratelimit.py.
RATE_LIMITS = {
    "verify": (120, 60),  # /v/<code> pages and their digital credentials
    "lookup": (10, 600),  # /v/ checks by credential number and family name
    "portal": (5, 600),  # learner portal sign-in links asked for
    "password": (10, 600),  # password changes tried
    "api": (600, 60),  # REST API requests
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "testamur.core.clients.client_ip"
# Sign-in lockout (django-axes): this many wrong passwords for one username from one address
# lock that pair out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "testamur.core.clients.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit knows only django-redis; Django's own Redis cache increments atomically.
    "django_ratelimit.W001",
    # The database cache is the zero-set-up default (see CACHES above).
    "django_ratelimit.E003",
    # HSTS preload is the RTO's own decision (SECURE_HSTS_PRELOAD), not a default.
    "security.W021",
]

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
