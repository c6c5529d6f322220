"""Settings for the RDEC portal, read from the environment.

Defaults give the embedded setup (SQLite file, tasks run in-process, e-mail to the console) so
`make run` works on a laptop with nothing else installed. `.env.example` lists every variable.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tainan_rdec.env import (
    check_public_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    example_values,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "test", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    _new_key = "set one of your own: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    if SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(f"SECRET_KEY is the development default: {_new_key}")
    # The example file is public (it is in the repository): a key copied from it signs
    # sessions and reset links that anyone could forge.
    if SECRET_KEY in example_values(BASE_DIR / ".env.example", "SECRET_KEY"):
        raise ImproperlyConfigured(
            f"SECRET_KEY is the example value from .env.example, which anyone can read: {_new_key}"
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs SECRET_KEY: at least 50 random characters."
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs ALLOWED_HOSTS: the portal's host names, comma-separated."
        )
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses DEBUG=true.")

INSTALLED_APPS = [
    "tainan_rdec",
    "django.contrib.admin",
    "django.contrib.auth",
    "tainan_rdec.apps.AxesConfig",
    "csp",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "tainan_rdec.apps.PeriodicTasksConfig",
    "django_filters",
    "import_export",
    "simple_history",
    "projects",
    "petitions",
    "evaluations",
    "awards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tainan_rdec.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tainan_rdec.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it turns a locked-out login (flagged on the request) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tainan_rdec.urls"
WSGI_APPLICATION = "tainan_rdec.wsgi.application"

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
                "tainan_rdec.context_processors.portal",
            ],
            "builtins": ["tainan_rdec.templatetags.roc"],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL=postgres://... selects PostgreSQL.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": parse_database_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tainan_rdec.User"
# django-axes first: it refuses a locked-out username/address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12 if PRODUCTION else 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Backups (manage.py backup / restore, tainan_rdec.backups): the folder they go to, and how
# many of the newest are kept (older ones are removed after each backup).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# A spreadsheet of a few hundred thousand rows is legitimate; larger uploads are refused.
# DATA_UPLOAD_MAX_MEMORY_SIZE bounds a request's form fields only (file parts stream to disk);
# MAX_REQUEST_BYTES bounds the whole body, refused with 413 before it is read
# (tainan_rdec.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest document attached to a project application (projects/attachments.py: PDF,
# xlsx, docx; a photo keeps the photo rules' own limit), in bytes.
APPLICATION_ATTACHMENT_MAX_BYTES = env_int("APPLICATION_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)

# Redis: broker, result store and cache when REDIS_URL is set; otherwise in-process.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rdec",
            # A call to a Redis that stops answering gives up after a second instead of hanging
            # the request; tainan_rdec/caching.py then answers without the cache.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks that start processes of their own go to a queue of their own, served by a worker with
# the threads pool (docker-compose's worker-heavy): a prefork pool's child is a daemonic process,
# which may start none, so there an import would check its rows and a packet render its
# sections on one core (the import and packet figures in tests/perf/RESULTS.md are measured
# with their processes). The threads pool enforces no time limits: an import job can be
# cancelled from its page, and a packet's build is taken over when its worker dies.
HEAVY_TASK_QUEUE = "heavy"
CELERY_TASK_ROUTES = ("tainan_rdec.celery.route_task",)
# Task modules beside the apps' own ``tasks`` (which Celery's autodiscovery finds).
CELERY_IMPORTS = ("tainan_rdec.importing.tasks",)

# E-mail: console by default, SMTP when EMAIL_BACKEND says so.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Seconds before a reminder that failed to send is tried again; each wait after doubles, up to
# eight minutes (tainan_rdec.reminders.retry_countdown).
REMINDER_RETRY_BACKOFF = 30
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "臺南市政府研考會管考入口網 <rdec-portal@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails and open data (the portal's public address); production has no
# default, as any guess would send users' links to the wrong place.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION:
    check_public_url("PORTAL_BASE_URL", PORTAL_BASE_URL)

PORTAL_NAME = _("臺南市政府研考會管考入口網")

# Open data (projects/oc4ids.py): OC4IDS project ids are this prefix followed by the 列管編號;
# a prefix has the standard's shape, oc4ids-<code>-. The publication policy is the address of
# the page that says what is published and how often; the package leaves it out when empty.
OC4IDS_PREFIX = env_str("OC4IDS_PREFIX", "oc4ids-tainan-")
# The official data review tool (libcoveoc4ids' ProjectPrefixCheck) wants every project id to
# start oc4ids- and six lower-case letters or digits: the registered prefix's shape.
if not re.fullmatch(r"oc4ids-[a-z0-9]{6}-", OC4IDS_PREFIX):
    raise ImproperlyConfigured(
        "OC4IDS_PREFIX must be oc4ids-, six lower-case letters or digits and a hyphen "
        f"(the registered prefix, e.g. oc4ids-abc123-), got {OC4IDS_PREFIX!r}"
    )
OC4IDS_PUBLICATION_POLICY_URL = env_str("OC4IDS_PUBLICATION_POLICY_URL", "")
# The public open-data feeds (Open311 and OC4IDS, tainan_rdec/feeds.py): each client address
# may make OPEN_DATA_RATE_LIMIT requests per OPEN_DATA_RATE_WINDOW seconds (0: no limit), then
# gets 429 with Retry-After. Counted in the cache; with the cache down the feeds stay open.
OPEN_DATA_RATE_LIMIT = env_int("OPEN_DATA_RATE_LIMIT", 120)
OPEN_DATA_RATE_WINDOW = env_int("OPEN_DATA_RATE_WINDOW", 60)

# The routing model (派工建議, petitions/routing.py): where its versions are kept (default:
# MEDIA_ROOT/routing), how many of the newest closed cases it learns from, how many versions
# are kept, and how sure a suggestion must be (0–1) for a first dispatch that went elsewhere to
# be listed for the reviewers (cases received in the last ROUTING_DISAGREEMENT_DAYS days).
ROUTING_MODEL_DIR = env_str("ROUTING_MODEL_DIR", "")
ROUTING_TRAINING_CASES = env_int("ROUTING_TRAINING_CASES", 300_000)
ROUTING_KEEP = env_int("ROUTING_KEEP", 3)
try:
    ROUTING_CONFIDENT = float(env_str("ROUTING_CONFIDENT", "0.6"))
except ValueError:
    ROUTING_CONFIDENT = -1.0
if not 0 < ROUTING_CONFIDENT <= 1:
    raise ImproperlyConfigured("ROUTING_CONFIDENT must be a number above 0 and at most 1, e.g. 0.6")
ROUTING_DISAGREEMENT_DAYS = env_int("ROUTING_DISAGREEMENT_DAYS", 30)

# The case maps' base layer (petitions/map.py): a tile address with Leaflet's {z}, {x} and {y},
# by default the NLSC 臺灣通用電子地圖 (EMAP) WMTS that Taiwanese government sites use (its
# path has y before x), with its attribution; empty: no base layer, the cases on a blank map (a
# network that cannot reach the tile server). Its origin is allowed in the CSP's img-src below.
MAP_TILE_URL = env_str(
    "MAP_TILE_URL",
    "https://wmts.nlsc.gov.tw/wmts/EMAP/default/GoogleMapsCompatible/{z}/{y}/{x}",
)
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "國土測繪中心")
_map_tiles = urlsplit(MAP_TILE_URL)
_map_tiles_where = MAP_TILE_URL.startswith("/") or (
    _map_tiles.scheme in ("http", "https") and bool(_map_tiles.netloc)
)
if MAP_TILE_URL and not (
    _map_tiles_where and all(part in MAP_TILE_URL for part in ("{z}", "{x}", "{y}"))
):
    raise ImproperlyConfigured(
        "MAP_TILE_URL must be empty or a tile address (https://… or /…) with {z}, {x} and {y}, "
        f"got {MAP_TILE_URL!r}"
    )

# Processes rendering meeting-packet sections at once (0: up to 2, by the cores available).
PACKET_RENDER_WORKERS = env_int("PACKET_RENDER_WORKERS", 0)

# Idle timeout: a session ends about SESSION_COOKIE_AGE seconds after its last request (the
# expiry moves on while it is used: tainan_rdec.middleware.SessionIdleTimeoutMiddleware) and
# when the browser closes (a shared office PC).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from the portal itself
# only; no inline script or style attribute runs, nothing loads from elsewhere, and no other
# site may frame the portal. Charts are inline SVG markup, which needs no exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if _map_tiles.netloc:
    # The map tiles are images from the tile server (MAP_TILE_URL above).
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_map_tiles.scheme}://{_map_tiles.netloc}"
    )

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed attempts for one user name
# from one address, that pair is refused for LOGIN_LOCKOUT_MINUTES, counted from the latest
# attempt. Counting the pair, not the address, keeps one bureau behind a shared NAT address from
# locking out its colleagues. Attempts are rows (admin: 存取嘗試), so every process sees them
# and an admin can lift a lockout; a successful login clears the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tainan_rdec.views.locked_out"
# Behind a reverse proxy, the client's address is the TRUSTED_PROXY_COUNT-th entry from the
# right of X-Forwarded-For (each proxy appends what it saw); with none, REMOTE_ADDR, as a client
# can write anything into the header itself.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "tainan_rdec.middleware.client_address"
# django-axes prints "AXES: BEGIN version ..." at every start, into every manage.py command's
# output; the lockout settings above say the same.
AXES_VERBOSE = False

# Password-reset e-mails (tainan_rdec.views.PasswordResetView): at most this many to one e-mail
# address, and requests from one client address, per window, counted in the cache
# (tainan_rdec.ratelimit; a cache that is down lets them through). Without a limit the page
# mails an inbox as often as anyone asks.
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60)

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# History is a record, not an undo button: a revert would bypass the services that log who did
# what and why.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Bulk import and export (django-import-export; the portal's rules in tainan_rdec/importing).
# All-or-nothing: an import with any bad row rolls back.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# The largest spreadsheet or CSV accepted for import, in bytes, and the largest an xlsx may
# expand to when unzipped (a zip bomb is refused before openpyxl reads it).
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_XLSX_UNZIPPED_BYTES = env_int("IMPORT_MAX_XLSX_UNZIPPED_BYTES", 500 * 1024 * 1024)
# A part of an xlsx (of 1 MB or more unzipped) that unzips to more than this many times its
# compressed size is a zip bomb: Excel and openpyxl write 10–25 times.
IMPORT_MAX_XLSX_RATIO = env_int("IMPORT_MAX_XLSX_RATIO", 100)
# The most rows of data one import file may hold: checked against the size an xlsx sheet
# declares before it is parsed, and while any file is read (the first row past it stops the
# import, nothing written). The ordinary path checks and writes row by row, 60 to 1,100 rows/s
# by register (tests/imports/RATES.md), so a file at the limit is checked in about two minutes
# at most; a register's fast path (cases in CSV) streams and writes in bulk.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5_000)
IMPORT_MAX_FAST_ROWS = env_int("IMPORT_MAX_FAST_ROWS", 2_000_000)
# Uploads kept for an import (MEDIA_ROOT/imports/: the file between its check and the confirmed
# import, the progress and the error report) are removed this many hours after the job last
# changed, by the beat task tainan_rdec.importing.tasks.clean_import_jobs.
IMPORT_RETENTION_HOURS = env_int("IMPORT_RETENTION_HOURS", 24)
# The largest request body accepted at all: the largest import file and a little for the form.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", IMPORT_MAX_FILE_BYTES + 1024 * 1024)
# Processes that read and check rows beside a fast path (tainan_rdec/importing/workers.py) on
# PostgreSQL, for files of at least IMPORT_WORKERS_FROM_BYTES (a worker takes a second or two
# to start); 0 or 1 checks every row in the importing process. Default: one per core, up to 4;
# even on 2 cores, where they share the cores with this process and the database's COPY, two
# workers checked 300,000 cases at 3,966 rows/s against 2,602 in process (tests/perf/RESULTS.md).
IMPORT_WORKERS = env_int("IMPORT_WORKERS", min(os.cpu_count() or 1, 4))
IMPORT_WORKERS_FROM_BYTES = env_int("IMPORT_WORKERS_FROM_BYTES", 2 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
