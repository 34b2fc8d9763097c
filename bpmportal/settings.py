"""Django settings for bpmportal.

Everything that differs between a laptop and a production cluster comes from environment
variables (see the README's configuration table). The defaults run a single-machine
installation on SQLite with its data in ``<repo>/var``.
"""

from __future__ import annotations

import os
from pathlib import Path

from bpmportal.datadir import ensure_data_dir, read_or_create_secret
from bpmportal.env import env_bool, env_choice, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DATA_DIR = ensure_data_dir(Path(env_str("BPM_DATA_DIR", str(BASE_DIR / "var"))))

# Never a default shared by every installation: either given, or generated once per data dir.
SECRET_KEY = env_str("SECRET_KEY", "") or read_or_create_secret(DATA_DIR / "secret_key")

# Off unless asked for; `make run` turns it on for local development.
DEBUG = env_bool("BPM_DEBUG", False)

ALLOWED_HOSTS = env_list("BPM_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("BPM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # First, so `manage.py runserver` serves the ASGI application (HTTP and live WebSockets).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "engine.apps.EngineConfig",
    "modeler.apps.ModelerConfig",
    "monitoring.apps.MonitoringConfig",
    # The tasklist: people's user task inbox (engine/tasklist, docs/tasklist.md).
    "engine.tasklist.apps.TasklistConfig",
    # The REST API (engine/api, docs/api.md).
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bpmportal.urls"
WSGI_APPLICATION = "bpmportal.wsgi.application"
ASGI_APPLICATION = "bpmportal.asgi.application"

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
            ],
        },
    },
]

# Database: SQLite in the data directory unless DATABASE_URL points elsewhere (e.g. PostgreSQL).
_SQLITE_PATH = DATA_DIR / "bpmportal.sqlite3"
DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        f"sqlite:///{_SQLITE_PATH}",
        conn_max_age=env_int("BPM_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
# Test databases carry the process id, so two test runs at once (two terminals, two checkouts
# sharing a PostgreSQL server) never drop each other's database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Take the write lock when a transaction starts: concurrent writers then wait for the
        # lock (up to `timeout` seconds) instead of failing with "database is locked" halfway.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets the web server read while a worker writes; NORMAL sync is safe with WAL.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests use a real file (not Django's default in-memory database) so they exercise WAL,
    # IMMEDIATE transactions and several connections, exactly like a real installation.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test_bpmportal_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # Server-side parameters and prepared statements: a statement run a fifth time on a
    # connection is prepared, and from then on PostgreSQL skips parsing and planning it. The
    # engine runs the same few statements over and over, on connections kept open
    # (`bpm worker`), so this is worth about 15 % of its throughput (docs/BENCHMARKS.md).
    # Turn it off behind a pooler that cannot keep prepared statements apart (PgBouncer in
    # transaction mode before 1.21, or without max_prepared_statements). With server-side
    # parameters one statement takes at most 65,535 of them: filter huge id lists in slices.
    if env_bool("BPM_PG_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("BPM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Browser libraries come from the npm registry (package.json, pinned by package-lock.json);
# `make setup` runs `npm ci`, and the files are served from node_modules, never from a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bpmn-js", BASE_DIR / "node_modules" / "bpmn-js" / "dist"),
]
STATIC_ROOT = Path(env_str("BPM_STATIC_ROOT", str(BASE_DIR / "static_collected")))

# Cookies are never readable from JavaScript, and the portal is never framed by another site.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind a TLS-terminating proxy: cookies only over HTTPS, trust the proxy's scheme header.
BEHIND_TLS = env_bool("BPM_BEHIND_TLS", False)
SESSION_COOKIE_SECURE = BEHIND_TLS
CSRF_COOKIE_SECURE = BEHIND_TLS
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("BPM_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("BPM_HSTS_SECONDS", 0, minimum=0)

LOG_LEVEL = env_choice("BPM_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "engine": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "bpmportal": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Workers (`bpm worker`, see docs/workers.md).
# A running job's lock: extended by its worker every third of this while the handler runs, so
# a job is taken back this long after its worker died (crash recovery), never sooner.
BPM_WORKER_LOCK_SECONDS = env_int("BPM_WORKER_LOCK_SECONDS", 30, minimum=3)
# Jobs of one instance run one at a time (no races on its variables); instances in parallel.
BPM_JOBS_EXCLUSIVE = env_bool("BPM_JOBS_EXCLUSIVE", True)
# How `bpm worker` runs jobs: "django-q" (a django-q2 cluster fed after each commit; ORM broker
# on this database, or Redis when BPM_REDIS_URL is set) or "threads" (polls the Job table).
BPM_JOB_QUEUE = env_choice("BPM_JOB_QUEUE", "django-q", ("django-q", "threads"))
BPM_REDIS_URL = env_str("BPM_REDIS_URL", "")
# Jobs one `bpm worker` runs at once (django-q2 worker processes, or threads).
BPM_WORKER_CONCURRENCY = env_int("BPM_WORKER_CONCURRENCY", 2, minimum=1)
# django-q2 only carries "job N may be runnable" messages; the engine's Job table, claim and
# retry policy decide what runs, so django-q2 must never retry, re-run or time out on its own
# (docs/workers.md explains each value).
_Q_TIMEOUT = env_int("BPM_Q_TIMEOUT", 24 * 3600, minimum=60)
INSTALLED_APPS += ["django_q"]
Q_CLUSTER = {
    # The queue's name: installations sharing one Redis must each use their own.
    "name": env_str("BPM_Q_NAME", "bpmportal"),
    "workers": BPM_WORKER_CONCURRENCY,
    "timeout": _Q_TIMEOUT,  # longer than any handler's own time limit
    "retry": _Q_TIMEOUT + 60,  # redelivery only after the timeout (django-q2 requires retry > timeout)
    "max_attempts": 1,  # never run a message again on django-q2's initiative
    "ack_failures": True,  # a failed message is done, not redelivered forever
    "save_limit": -1,  # the Job table is the record; don't keep django-q2 success rows
    "scheduler": False,  # our scheduler pass runs every second inside `bpm worker`
    "catch_up": False,
    "poll": 0.2,
    "label": "Job queue",
    **({"redis": BPM_REDIS_URL} if BPM_REDIS_URL else {"orm": "default"}),
}

# Live monitoring (docs/monitoring.md): WebSocket pages subscribe to channel-layer groups fed
# by the event relay. Without Redis the layer lives in the web process (embedded mode); with
# BPM_REDIS_URL every web process shares it through Redis (scale mode).
CHANNEL_LAYERS = {
    "default": (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [BPM_REDIS_URL]}}
        if BPM_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
# How often, in milliseconds, the relay looks for newly committed events.
BPM_MONITORING_POLL_MS = env_int("BPM_MONITORING_POLL_MS", 250, minimum=20)
# Prometheus may scrape /metrics with `Authorization: Bearer <this>`; empty: only logged-in viewers.
BPM_METRICS_TOKEN = env_str("BPM_METRICS_TOKEN", "")
# How often, in milliseconds, tasklist pages ask the server whether their tasks changed.
BPM_TASKLIST_POLL_MS = env_int("BPM_TASKLIST_POLL_MS", 3000, minimum=200)

# The REST API (docs/api.md): token auth for integrations, the session for the portal; roles
# are Django groups (engine.roles); errors are RFC 9457 problem details.
REST_FRAMEWORK = {
    # Token first: an unauthenticated request is answered 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["engine.api.permissions.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "engine.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "bpmportal API",
    "DESCRIPTION": "Deploy BPMN models, run and operate instances, work on user tasks. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Product limits.
# Largest BPMN document accepted for deployment; bigger uploads are refused before parsing.
BPM_MAX_BPMN_BYTES = env_int("BPM_MAX_BPMN_BYTES", 10 * 1024 * 1024, minimum=1)
# Default wall-clock limit, in seconds, for a CLI service task without its own `timeout` field.
BPM_CLI_TIMEOUT = env_int("BPM_CLI_TIMEOUT", 300, minimum=1)

# Service task handlers (docs/handlers.md).
# Default time limit, in seconds, for an HTTP service task without its own `timeout` field.
BPM_HTTP_TIMEOUT = env_int("BPM_HTTP_TIMEOUT", 30, minimum=1)
# Most of an HTTP response body kept for `bodyVariable`; a larger response fails the job.
BPM_HTTP_MAX_RESPONSE_BYTES = env_int("BPM_HTTP_MAX_RESPONSE_BYTES", 1024 * 1024, minimum=1)
# Functions `python` service tasks may call: exact dotted paths (`billing.tasks.charge`) or
# module prefixes (`billing.tasks.*`), comma-separated. Empty: no Python function may run.
BPM_PYTHON_HANDLERS = env_list("BPM_PYTHON_HANDLERS", [])
