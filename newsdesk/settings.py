"""newsdesk settings: one module, read from the environment.

With nothing set, the site runs on a SQLite file, a local index folder, an in-memory cache and
Celery tasks run eagerly in-process. Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from newsdesk.env import (
    env_bool,
    env_choice,
    env_database,
    env_fixture_urls,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-only-secret-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "newsdesk.apps.NewsdeskConfig",
    "articles",
    "search",
]

MIDDLEWARE = [
    # First, so a database or index that fails anywhere below becomes a Dutch 503 page.
    "newsdesk.errors.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything costly: a client over its limit is answered at once.
    "newsdesk.ratelimits.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsdesk.urls"
WSGI_APPLICATION = "newsdesk.wsgi.application"

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

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; a busy timeout makes a second writer wait
    # instead of failing at once with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory: integration tests run workers in other processes against it. One per
    # test run, so two runs side by side never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# An all-Dutch site: every reader and editor gets Dutch, whatever their browser prefers (no
# LocaleMiddleware), so the page's lang, its month names and the admin never turn English.
LANGUAGE_CODE = "nl-be"
LANGUAGES = [("nl-be", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files WhiteNoise serves (with DJANGO_DEBUG=0, from its manifest).
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it

# --- Redis: broker, results and cache; unset means everything runs in this process ----------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: pages are served without the cache (logged), never a 500.
            "BACKEND": "newsdesk.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsdesk",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_IMPORTS = ["newsdesk.health"]
CELERY_TASK_TIME_LIMIT = env_int("NEWSDESK_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# Three queues (a plain worker consumes all of them): `fetch` is feeds and their entries in
# batches (pages, extraction, storing: needs no index, so it may run on any machine), `index`
# is the one Whoosh writer (exactly one consumer, so its lock is never fought over), `celery`
# is the rest (the landing drains: links, stories, related lists, which read the index).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("fetch"), Queue("index")]
CELERY_TASK_ROUTES = {
    "articles.tasks.fetch_source": {"queue": "fetch"},
    "articles.tasks.ingest_entry": {"queue": "fetch"},
    "articles.tasks.ingest_entries": {"queue": "fetch"},
    "articles.tasks.reextract_source": {"queue": "fetch"},  # fetches pages again: network waiting
    "search.tasks.*": {"queue": "index"},
}
# A task taken by a worker that then died (kill -9, power) is delivered again after this long.
# It must outlast the longest task and retry countdown (NETWORK_RETRY caps both below it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("NEWSDESK_BROKER_VISIBILITY_TIMEOUT", 600),
    # kombu looks for such tasks every 10 s but scans Redis only every 10th time (100 s) by
    # default: every time, so a dead worker's tasks come back within 10 s of the timeout.
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_BEAT_SCHEDULE = {
    "enqueue-due-sources": {
        "task": "articles.tasks.enqueue_due_sources",
        "schedule": crontab(),  # every minute
    },
    # Catches whatever an index request missed (a crash, a lost message).
    "sync-search-index": {
        "task": "search.tasks.index_pending",
        "schedule": crontab(),
    },
    # Finishes the follow-up (links, story, related list) a lost message or an outage left.
    "sweep-landing": {
        "task": "articles.tasks.sweep_landing",
        "schedule": crontab(),
    },
    # /healthz reports beat's last run from this.
    "heartbeat": {
        "task": "newsdesk.health.heartbeat",
        "schedule": crontab(),
    },
    # What keep and block rules kept out is kept NEWSDESK_KEPT_OUT_DAYS for editors to let through.
    "prune-kept-out": {
        "task": "articles.tasks.prune_kept_out",
        "schedule": crontab(minute=17, hour=4),
    },
}

# --- newsdesk -------------------------------------------------------------------------------
NEWSDESK_INDEX_DIR = Path(env_str("NEWSDESK_INDEX_DIR") or VAR_DIR / "index")
# whoosh: the embedded index in NEWSDESK_INDEX_DIR (one machine); postgres: PostgreSQL's full-text
# search in the site's database, which every web machine reaches. Switching: set, rebuild_index.
NEWSDESK_SEARCH_BACKEND = env_choice("NEWSDESK_SEARCH_BACKEND", ["whoosh", "postgres"], "whoosh")
if NEWSDESK_SEARCH_BACKEND == "postgres" and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("NEWSDESK_SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL")
# Memory for each rebuild_index writer process (one per core from 20,000 articles on); postings
# beyond it go to sorted runs on disk, merged at the end. More is not faster with two writers:
# at 100,000 articles on 2 cores, 256 MB took 345 s, 1024 MB 361 s, 2048 MB 420 s.
NEWSDESK_INDEX_WRITER_MB = env_int("NEWSDESK_INDEX_WRITER_MB", 256)
NEWSDESK_ALLOW_PRIVATE_FETCH = env_bool("NEWSDESK_ALLOW_PRIVATE_FETCH", False)
# host:port pairs on private addresses that may be fetched all the same (an internal feed proxy).
NEWSDESK_FETCH_ALLOWLIST = env_list("NEWSDESK_FETCH_ALLOWLIST", [])
NEWSDESK_USER_AGENT = "newsdesk/0.1 (+https://github.com/newsdesk; Dutch football news aggregator)"
# Politeness toward the sites we read (articles/ingest/politeness.py): at least this many seconds
# between two of our requests to one host, counted across every process and machine that shares
# the cache (0: no spacing); and at most this many requests to one host at once, per process.
NEWSDESK_HOST_INTERVAL = env_float("NEWSDESK_HOST_INTERVAL", 1.0)
NEWSDESK_HOST_CONNECTIONS = env_int("NEWSDESK_HOST_CONNECTIONS", 8)
if NEWSDESK_HOST_INTERVAL < 0 or NEWSDESK_HOST_CONNECTIONS < 1:
    raise ImproperlyConfigured("NEWSDESK_HOST_INTERVAL must be 0 or more and NEWSDESK_HOST_CONNECTIONS 1 or more")
# Searches count their matches exactly up to this many; beyond, readers see "meer dan 1.000
# artikels" and facets counted over the first matches read: an exact count of a word in one
# article in seven reads 144,000 rows at a million articles (200 ms on PostgreSQL), and nobody
# pages to the thousandth result.
NEWSDESK_SEARCH_COUNT_LIMIT = env_int("NEWSDESK_SEARCH_COUNT_LIMIT", 1000)
if NEWSDESK_SEARCH_COUNT_LIMIT < 1:
    raise ImproperlyConfigured("NEWSDESK_SEARCH_COUNT_LIMIT must be 1 or more")
# How long a PostgreSQL search may read the table when no index can answer it (only words to
# leave out: "-bleef", a word in 99 % of the articles, reads every row to find the other 1 %);
# past it the reader is asked for a word to look for (a 400), and the database stops reading.
NEWSDESK_SEARCH_SCAN_MS = env_int("NEWSDESK_SEARCH_SCAN_MS", 100)
if NEWSDESK_SEARCH_SCAN_MS < 1:
    raise ImproperlyConfigured("NEWSDESK_SEARCH_SCAN_MS must be 1 or more")
# Days a record of what the keep and block rules kept out is kept (articles.ingest.screening.
# prune_kept_out): each holds its whole draft, so that an editor can still let it through.
NEWSDESK_KEPT_OUT_DAYS = env_int("NEWSDESK_KEPT_OUT_DAYS", 30)
if NEWSDESK_KEPT_OUT_DAYS < 1:
    raise ImproperlyConfigured("NEWSDESK_KEPT_OUT_DAYS must be 1 or more")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "newsdesk API",
    "DESCRIPTION": "Read-only API of a Dutch-language football news aggregator.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Headers on every response --------------------------------------------------------------
# No inline script or style anywhere (the admin's included): a script that slipped through the
# sanitizer into a page still cannot run, and nothing may be loaded from another host but
# images: articles' lead images are the news sites' own, hotlinked (a few sites still serve them
# over http, which an https page upgrades itself). Pages may not be framed (clickjacking).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "http:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Rate limits per client (newsdesk/ratelimits.py), counted in the shared cache ------------
NEWSDESK_RATELIMIT_SEARCH = env_rate("NEWSDESK_RATELIMIT_SEARCH", "60/m")
NEWSDESK_RATELIMIT_API = env_rate("NEWSDESK_RATELIMIT_API", "120/m")
NEWSDESK_RATELIMIT_LOGIN = env_rate("NEWSDESK_RATELIMIT_LOGIN", "10/m")
NEWSDESK_RATELIMIT_LOGIN_USER = env_rate("NEWSDESK_RATELIMIT_LOGIN_USER", "30/h")
# Proxies whose X-Forwarded-For names the client (the last address, the one they appended).
NEWSDESK_TRUSTED_PROXIES = env_list("NEWSDESK_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
# When the cache cannot count (Redis down), let requests through rather than refuse everyone.
RATELIMIT_FAIL_OPEN = True

# --- Production hardening: on whenever DEBUG is off -----------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Eager mode logs every task at INFO; that is noise in commands and tests.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- Page cache (bench-load) ---
# Whole anonymous GET pages kept in the shared cache for this many seconds (newsdesk/pagecache.py;
# 0: off): a new article reaches cached lists within it. Article pages, which change only when
# editors act or a publisher revises the article, are kept NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS.
# An editor's save or action in the admin retires every cached page at once, a revision its
# article's page; logged-in editors never get a cached page. On by
# default only with REDIS_URL: one cache that every gunicorn worker shares; without it
# (development) pages are always fresh.
NEWSDESK_PAGE_CACHE_SECONDS = env_int("NEWSDESK_PAGE_CACHE_SECONDS", 60 if REDIS_URL else 0)
NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS = env_int("NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS", 300)
if NEWSDESK_PAGE_CACHE_SECONDS < 0 or NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS < 0:
    raise ImproperlyConfigured(
        "NEWSDESK_PAGE_CACHE_SECONDS and NEWSDESK_PAGE_CACHE_ARTICLE_SECONDS must be 0 (off) or more"
    )
NEWSDESK_PAGE_CACHE_SKIP = ["/admin/", "/healthz"]
# After the rate limits (a refused client stops there), before sessions and CSRF (the page
# cache must see the cookies and Vary headers they add).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"), "newsdesk.pagecache.PageCacheMiddleware"
)
# --- end of page cache ---

# --- Fixtures (articles/matches/, articles/ingest/fixture_feeds.py) ---
# openfootball football.json files beat refreshes every hour through the guarded HTTP client
# (conditional GET): comma-separated code/season=url, e.g.
# be.1/2025-26=https://raw.githubusercontent.com/openfootball/football.json/master/2025-26/be.1.json
NEWSDESK_FIXTURE_URLS = env_fixture_urls("NEWSDESK_FIXTURE_URLS")
CELERY_BEAT_SCHEDULE["refresh-fixtures"] = {
    "task": "articles.tasks.refresh_fixtures",
    "schedule": crontab(minute=7),  # hourly: results arrive in the data within hours of a match
}
CELERY_TASK_ROUTES["articles.tasks.refresh_fixtures"] = {"queue": "fetch"}  # network waiting, no index
# --- end of fixtures ---
