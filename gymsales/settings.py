"""Settings come only from the environment (django-environ); `.env` is read when present.

Defaults are safe for development on one machine: PostgreSQL and Redis at their usual local
addresses, the console WhatsApp backend, DEBUG on. Production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS, PUBLIC_BASE_URL and WHATSAPP_BACKEND=twilio.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else environ.Env.NOTSET)
if not DEBUG and SECRET_KEY in (DEV_SECRET_KEY, "change-me-in-production"):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value when DEBUG is false.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind a TLS-terminating proxy (nginx, a load balancer) only: a client could send
# X-Forwarded-Proto/-Host/-For itself, so they are believed only when TRUST_X_FORWARDED is set.
TRUST_X_FORWARDED = env.bool("TRUST_X_FORWARDED", default=False)
if TRUST_X_FORWARDED:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = TRUST_X_FORWARDED
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# HSTS on every HTTPS response in production (a year); SECURE_HSTS_SECONDS=0 turns it off.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "gymsales",
    "whatsapp",
    "templates_app",
    "automations",
    "reporting",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gymsales.middleware.MethodOverrideMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gymsales.middleware.TenantScopeMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy on every response (django-csp): scripts only from our own static files
# (no inline script or handler anywhere), no plugins, no framing, forms post only to us. Inline
# styles stay allowed (htmx's indicator style and the pages' small <style> blocks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "gymsales.urls"
WSGI_APPLICATION = "gymsales.wsgi.application"

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
                "gymsales.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/gymsales"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "gymsales.User"
# django-axes first: a locked-out log-in is refused before any password hashing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/people/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The cache only saves work: when Redis is down it misses (django-redis IGNORE_EXCEPTIONS, short
# socket timeouts) and requests go on without it instead of answering 500.
CACHES = {
    "default": (
        {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
        if env.bool("USE_REDIS", default=True)
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# A prefix for every broker key in Redis (the test suite uses one per run).
if _broker_keyprefix := env.str("CELERY_BROKER_KEYPREFIX", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _broker_keyprefix
# Celery closes the worker's database connection after every task unless told to reuse it.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE: dict = {
    # Pull pending/approved templates' WhatsApp approval (and rejections, pauses) from Twilio.
    "templates-sync-approvals": {
        "task": "templates_app.sync_template_approvals",
        "schedule": env.float("TEMPLATES_SYNC_SECONDS", default=300.0),
    },
    # Safety net: apply stored Twilio webhooks the web side's kick did not reach (Redis was down).
    "whatsapp-webhook-events-sweep": {"task": "whatsapp.webhook_events_drain", "schedule": 10.0},
    # Automated Items: execute due runs; record appointment reminders and re-engaged leads.
    "automations-dispatch-due": {"task": "automations.dispatch_due", "schedule": 30.0},
    "automations-sweep": {"task": "automations.sweep", "schedule": 60.0},
    # Reports: fold the WhatsApp counters' pending deltas (the reports read both, so this only
    # keeps the delta log short).
    "reporting-fold-counters": {"task": "reporting.fold_counters", "schedule": 15.0},
    # The send queue is the database: release due sends (held, throttled, backing off), re-enqueue
    # sends the broker never got, reconcile claims whose lease expired (whatsapp.services).
    "whatsapp-sends-sweep": {
        "task": "whatsapp.sends_sweep",
        "schedule": env.float("WHATSAPP_SWEEP_SECONDS", default=2.0),
    },
    # Bulk campaigns: start due ones, reconcile expired claims, wake idle running ones.
    "campaigns-tick": {"task": "campaigns.tick", "schedule": 10.0},
}
# A claimed send must have stored its SID within this lease, else it is reconciled with Twilio
# (far longer than the Twilio client's 10 s timeout).
WHATSAPP_SEND_LEASE_SECONDS = env.float("WHATSAPP_SEND_LEASE_SECONDS", default=120.0)
# A queued send not claimed this long after it was handed to the broker is handed over again.
WHATSAPP_REQUEUE_AFTER_SECONDS = env.float("WHATSAPP_REQUEUE_AFTER_SECONDS", default=60.0)
# Campaign dispatch has its own queue, so a 1:1 send never waits behind a campaign: run a worker
# for each (`-Q celery` and `-Q campaigns`), or one worker on both with spare concurrency.
CELERY_TASK_ROUTES = {"campaigns.*": {"queue": "campaigns"}}
CAMPAIGN_CONCURRENCY = env.int("CAMPAIGN_CONCURRENCY", default=200)  # HTTP requests in flight
CAMPAIGN_BATCH = env.int("CAMPAIGN_BATCH", default=100)  # recipients claimed at once
CAMPAIGN_SLICE_SECONDS = env.float("CAMPAIGN_SLICE_SECONDS", default=20.0)
CAMPAIGN_LEASE_SECONDS = env.float("CAMPAIGN_LEASE_SECONDS", default=120.0)

# --- REST API (API.md "Conventions") ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gymsales.api.authentication.EmailBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "gymsales.api.parsers.JSONParser",
        "gymsales.api.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "gymsales.api.pagination.CollectionPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "gymsales.api.errors.exception_handler",
    "NON_FIELD_ERRORS_KEY": "base",
    "DEFAULT_SCHEMA_CLASS": "gymsales.api.schema.AutoSchema",
    "DEFAULT_METADATA_CLASS": "gymsales.api.metadata.Metadata",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# How long a verified Basic-auth credential is remembered (0: check the password every time).
API_AUTH_CACHE_SECONDS = env.int("API_AUTH_CACHE_SECONDS", default=300)
SPECTACULAR_SETTINGS = {
    "TITLE": "GymSales WhatsApp API",
    "DESCRIPTION": (
        "People, WhatsApp messaging, templates and automations for GymSales. HTTP Basic with a "
        "user's email and password. Bodies are JSON (`application/json`); the same fields are "
        "also accepted as `application/x-www-form-urlencoded` (structured values as JSON "
        "strings). A collection is `{collection, pagination}` (`?page=`, `?per_page=` up to "
        "200); every error is `{errors, code}` (see the Error schema for the codes)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # API.md: HTTP Basic with a user's email and password (the session serves the app's own pages).
    "AUTHENTICATION_WHITELIST": ["gymsales.api.authentication.EmailBasicAuthentication"],
    # Bodies are described as JSON; forms take the same fields (see DESCRIPTION). Listing both
    # makes client generators send one object both ways (openapi-python-client writes a client
    # that does not import).
    "PARSER_WHITELIST": ["gymsales.api.parsers.JSONParser"],
    # Shared components, every operation's error statuses (gymsales.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gymsales.api.schema.postprocess",
    ],
    # Docs assets are served by the app itself (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status`; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "PersonStatusEnum": "gymsales.models.PersonStatus",
        "TemplateStatusEnum": "templates_app.models.TemplateStatus",
        "SaleTypeEnum": "gymsales.models.SaleTypeKey",
        "NoteKindEnum": "gymsales.models.NoteKind",
        "AutomationKindEnum": "automations.models.AutomationKind",
    },
}

# --- Secrets at rest (gymsales.crypto) -------------------------------------------------------------
# Fernet keys, comma-separated, newest first: the first encrypts the Twilio auth tokens, every one
# decrypts (README "Secrets at rest": rotation). Required in production; development derives one
# from SECRET_KEY.
SECRETS_ENCRYPTION_KEYS = env.list("SECRETS_ENCRYPTION_KEYS", default=[])
if not SECRETS_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRETS_ENCRYPTION_KEYS (a key: python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())')."
        )
    SECRETS_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"secrets:{SECRET_KEY}".encode()).digest()).decode()
    ]

# --- Log-in throttling (API.md Conventions; gymsales.login_throttle) ---------------------------
# Failed log-ins counted per account AND address in the shared cache (Redis), so an attacker
# never locks out anybody else; locked, the API answers 429 + Retry-After, the page says so.
AXES_ENABLED = env.bool("LOGIN_THROTTLE_ENABLED", default=True)
AXES_HANDLER = "gymsales.login_throttle.ThrottleCacheHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "gymsales.login_throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "gymsales.login_throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "gymsales.login_throttle.lockout_page"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# --- WhatsApp / Twilio --------------------------------------------------------------------------
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
WHATSAPP_BACKEND = env.str("WHATSAPP_BACKEND", default="console")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="").rstrip("/")
# Inbound media links: https only, unless a local Twilio twin serves them over http.
WHATSAPP_MEDIA_ALLOW_HTTP = env.bool("WHATSAPP_MEDIA_ALLOW_HTTP", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The twilio client logs request headers at DEBUG; never let credentials reach a log.
        "twilio": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}
