"""Settings for the billing platform, read from the environment with django-environ.

With nothing set, the platform runs embedded: SQLite and the SQL event store under `var/`, Celery on kombu's
filesystem broker. Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and CLICKHOUSE_URL.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

from billing.logging import configure_structlog

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-secret-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
# Behind a TLS-terminating proxy: the admin's CSRF check needs the public origin and the proxy's scheme header.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "djmoney",
    "billing",
    "taxes",
    "customers",
    "plans",
    "metering",
    "invoicing",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "billing.urls"
WSGI_APPLICATION = "billing.wsgi.application"

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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'billing.sqlite3'}"),
}
# A new connection per request costs more than the request itself on the ingestion path.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Off by default: the check costs a round trip at the start of every request, and ingestion makes only a few.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# WhiteNoise serves STATIC_ROOT as filled by collectstatic (the image, `make run`). Before that (a fresh clone's tests,
# DEBUG) it finds files in the apps' static folders on each request instead of warning about a missing directory.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG or not Path(STATIC_ROOT).is_dir()

# Lago refuses bodies over 1 MB; the API parser enforces it with a 413 in Lago's error shape.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# Seconds a process reuses an API key lookup; a revoked key keeps working in other processes up to this long.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=10)
# Metering: the most events one POST /api/v1/events/batch may carry (Lago's limit).
EVENTS_BATCH_MAX = env.int("EVENTS_BATCH_MAX", default=100)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["billing.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["billing.api.permissions.HasOrganization"],
    "DEFAULT_PARSER_CLASSES": ["billing.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["billing.api.renderers.ORJSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "billing.api.errors.lago_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "DATE_FORMAT": "%Y-%m-%d",
}

SPECTACULAR_SETTINGS = {
    # Swagger UI served from our own static files: the embedded platform needs no outside network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Billing platform API",
    "DESCRIPTION": "Usage-based and subscription billing. Speaks Lago's wire format under /api/v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

CURRENCIES = None  # django-money: every ISO 4217 currency py-moneyed knows
DEFAULT_CURRENCY = "USD"

REDIS_URL = env("REDIS_URL", default="")
CLICKHOUSE_URL = env("CLICKHOUSE_URL", default="")


def _next_redis_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{(int(parts.path.lstrip('/') or 0) + 1) % 16}"))


# The ClickHouse store's inbox (see metering/stores/clickhouse/inbox.py): a Redis persisting every write. Never the
# cache's database, which cache.clear() empties whole: by default the next database of REDIS_URL's server.
EVENTS_INBOX_REDIS_URL = env("EVENTS_INBOX_REDIS_URL", default=_next_redis_database(REDIS_URL) if REDIS_URL else "")
# Within it, a repeated transaction_id is refused (value_already_exist); after it, acknowledged but never counted twice.
EVENTS_DEDUPLICATION_WINDOW_SECONDS = env.int("EVENTS_DEDUPLICATION_WINDOW_SECONDS", default=86_400)

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "billing.cache.ReusedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": configure_structlog(json=env.bool("LOG_JSON", default=False))},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Outbound webhooks (billing/webhooks): the receiver's time to answer, the delays before each retry of a failed
# attempt (then the delivery is failed), and how long a process trusts its memo of which types an organization wants.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_DELAYS_SECONDS = env.list("WEBHOOK_RETRY_DELAYS_SECONDS", cast=int, default=[60, 300, 1800, 7200, 43200])
WEBHOOK_ENDPOINTS_CACHE_SECONDS = env.int("WEBHOOK_ENDPOINTS_CACHE_SECONDS", default=10)

# Invoice PDFs (invoicing/pdf): file_url is an absolute link, so it needs the public origin even outside a request
# (webhook payloads); the signed link expires after this many seconds.
PUBLIC_URL = env("PUBLIC_URL", default="http://127.0.0.1:8000")
INVOICE_FILE_URL_MAX_AGE = env.int("INVOICE_FILE_URL_MAX_AGE", default=24 * 3600)

# Payments (payments/): Stripe's API base (empty is Stripe itself; tests point it at localstripe), its time to answer,
# how old an inbound webhook's signed timestamp may be, and how soon a charge Stripe could not answer is sent again.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Stripe.js for the payment authentication page (localstripe serves a fake one beside its API).
STRIPE_JS_URL = env(
    "STRIPE_JS_URL", default=f"{STRIPE_API_BASE}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/"
)
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=30.0)
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
PAYMENTS_OUTAGE_RETRY_MINUTES = env.int("PAYMENTS_OUTAGE_RETRY_MINUTES", default=60)
