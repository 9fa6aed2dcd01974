"""Django settings for ficarchive, read from FICARCHIVE_* environment variables.

A fresh install needs none of them: SQLite in ./var, a generated secret key, console email.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from ficarchive.core.env import (
    ConfigError,
    data_dir,
    email_settings,
    env,
    envbool,
    envint,
    envlimits,
    envlist,
    envurl,
    private_file,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = envbool("DEBUG", False)
TESTING = "pytest" in sys.modules or envbool("TESTING", False)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env("SITE_NAME", "ficarchive")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "ficarchive.core",
    "ficarchive.accounts",
    "ficarchive.tags",
    "ficarchive.browse",
    "ficarchive.works",
    "ficarchive.revisions",
    "ficarchive.formats",
    "ficarchive.series",
    "ficarchive.challenges",
    "ficarchive.collections",
    "ficarchive.prompt_memes",
    "ficarchive.gifts",
    "ficarchive.bookmarks",
    "ficarchive.history",
    "django_tasks",
    "django_tasks_db",
    "ficarchive.notifications",
    "ficarchive.subscriptions",
    "ficarchive.moderation",
    "ficarchive.feeds",
    "ficarchive.preferences",
    "ficarchive.backup",
    "ficarchive.blocking",
    "ficarchive.kudos",
    "ficarchive.comments",
    "ficarchive.api",
    "ficarchive.search",
    "ficarchive.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ficarchive.core.cors.ReadOnlyCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ficarchive.core.middleware.RejectNulBytesMiddleware",
    "ficarchive.core.proxies.ProxyHeaderWarningMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ficarchive.core.middleware.SecurityHeadersMiddleware",
    "ficarchive.core.middleware.ReaderPreferencesMiddleware",
    "ficarchive.accounts.middleware.RenamedUserRedirectMiddleware",
    "ficarchive.site.middleware.SiteAccessMiddleware",
    "ficarchive.preferences.middleware.ReadingPreferencesMiddleware",
]

ROOT_URLCONF = "ficarchive.urls"
WSGI_APPLICATION = "ficarchive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ficarchive.core.context_processors.site",
                "ficarchive.notifications.context_processors.inbox",
                # Last: on a page the page cache may store, forms carry a placeholder token.
                "ficarchive.core.pagecache.csrf_placeholder",
            ],
        },
    },
]


SQLITE_OPTIONS: dict[str, Any] = {
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock
    # at BEGIN so concurrent writers wait (busy timeout) instead of failing.
    # Reads go through a memory map (up to 4 GB) and a 64 MB page cache per
    # connection, so listings of a large archive do not pay a system call per page.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA mmap_size=4294967296; PRAGMA cache_size=-65536;"
        " PRAGMA temp_store=MEMORY;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _database(url: str) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ficarchive.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ConfigError("FICARCHIVE_DATABASE_URL must be postgres://... or sqlite:///path.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": _database(env("DATABASE_URL"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and str(
    DATABASES["default"]["NAME"]
) not in {"", ":memory:"}:
    # Made 0600 before Django opens it (its -wal and -shm files take its permissions): it
    # holds e-mail addresses and password hashes.
    private_file(Path(DATABASES["default"]["NAME"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]]
if redis_url := env("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
else:
    # One cache per process: listing counts, facets and work blurbs (about 3 KB each), so
    # room for 20,000 entries is a few tens of MB per app server process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Guests' work pages and listings served from memory (core/pagecache.py): on or off, and
# each app server process's room for them.
PAGE_CACHE = envbool("PAGE_CACHE", True)
PAGE_CACHE_MB = envint("PAGE_CACHE_MB", 64)

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite hashes hundreds of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Failed log-ins allowed per account and per address in LOGIN_THROTTLE_WINDOW seconds.
LOGIN_THROTTLE_PER_ACCOUNT = envint("LOGIN_THROTTLE_PER_ACCOUNT", 5)
LOGIN_THROTTLE_PER_ADDRESS = envint("LOGIN_THROTTLE_PER_ADDRESS", 20)
LOGIN_THROTTLE_WINDOW = envint("LOGIN_THROTTLE_WINDOW", 15 * 60)
# Behind a load balancer, the number of trusted proxies in front of the app.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)
# Seconds a process trusts its cached site settings token (site/conf.py) without a shared
# cache; 0 reads it from the database on every request. The test runner is one process whose
# writes set the token at once (and whose cache is emptied between tests): an hour, so that
# query counts do not depend on how long a test takes.
SITE_SETTINGS_SECONDS = envint("SITE_SETTINGS_SECONDS", 3600 if TESTING else 5)
# Rate limits that replace an action's defaults (moderation/limits.py), e.g. more sign-ups
# an hour from one address for an event on shared wifi: docs/operations.md.
MODERATION_RATE_LIMITS = envlimits("RATE_LIMITS")
# API rate limits (docs/api.md); FICARCHIVE_API_RATE_LIMITS=off only for test servers.
API_RATE_LIMITS = envbool("API_RATE_LIMITS", True)
# CORS on the read-only endpoints (core/cors.py): any origin may read the API's public GETs,
# the feeds and OPDS, without credentials; FICARCHIVE_CORS=off turns it off.
CORS_READ_ONLY = envbool("CORS", True)

globals().update(email_settings(env("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ficarchive <noreply@localhost>")
# The site's address (https://fics.example.org, no trailing slash), for absolute links where
# no request is at hand: notification email, and downloads built by the worker or the CLI
# (a download built for a request links back through that request's host when this is unset).
SITE_URL = envurl("SITE_URL")
# The download files' cache (formats/downloads.py), written by the workers and read by the app
# servers: with several machines, a folder they all share (NFS); "" is DATA_DIR/downloads.
DOWNLOADS_DIR = env("DOWNLOADS_DIR")

# Background tasks (notification email, fan-out to subscribers) are rows in the database,
# run by `ficarchive worker` (or `ficarchive serve --with-worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "media"

# Uploads: imports are read in memory up to this size and rejected with a message above it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "ficarchive.core.views.csrf_failure"
SECURE_SSL_REDIRECT = envbool("HTTPS", False)
SESSION_COOKIE_SECURE = envbool("HTTPS", False)
CSRF_COOKIE_SECURE = envbool("HTTPS", False)
if envbool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 31536000)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        # Work text may show images hosted elsewhere (the sanitizer allows http/https img src).
        "img-src": [SELF, "https:", "http:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "manifest-src": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}
