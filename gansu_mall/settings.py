"""Settings of Gansu Pavilion, read from the environment (see README, "Configuration").

One settings module for every environment: the demo, the tests and production differ only in the
environment they give. Without DATABASE_URL the demo's SQLite file under var/ is used; without REDIS_URL
Celery runs tasks in-process and the cache is local memory.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gansu_mall.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

ENV = Env()

# The test run is recognised so that it needs no secret of its own; nothing else changes under it
# except speed-ups that do not alter behaviour (a fast password hasher).
TESTING = "pytest" in sys.modules or ENV.bool("GANSU_TESTING", False)

DEBUG = ENV.bool("DEBUG", False)


def _demo_secret_key() -> str:
    """The demo's secret key, generated once and kept under var/ so sessions survive restarts."""
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = ENV.str("SECRET_KEY", required_in_production=True)
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "tests-only-secret-key-" + "x" * 40  # noqa: S105 - never used outside the test run
    elif DEBUG:
        SECRET_KEY = _demo_secret_key()
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Configuration).")

ALLOWED_HOSTS = ENV.list(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else [],
    required_in_production=True,
)
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = ENV.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "gansu_mall.core",
    "gansu_mall.regions",
    "gansu_mall.accounts",
    "gansu_mall.notifications",
    "credit",
    "vendors",
    "catalog",
    "logistics",
    "orders",
    "gansu_mall.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gansu_mall.core.middleware.RequestSizeLimitMiddleware",
    "gansu_mall.core.middleware.ApiErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "gansu_mall.core.middleware.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gansu_mall.urls"
WSGI_APPLICATION = "gansu_mall.wsgi.application"
ASGI_APPLICATION = "gansu_mall.asgi.application"

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
                "gansu_mall.core.context_processors.site",
                "gansu_mall.accounts.context_processors.roles",
                "gansu_mall.notifications.context_processors.unread",
                "orders.context_processors.cart",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = ENV.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}", required_in_production=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=ENV.int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------------
REDIS_URL = ENV.str("REDIS_URL", required_in_production=True)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "gansu_mall.core.redis_cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            # Tests share one Redis: each run gets its own key prefix (see conftest.py).
            "KEY_PREFIX": ENV.str("CACHE_KEY_PREFIX", "gansu"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gansu"}}

# Orders: unpaid orders are cancelled (their stock released) after this many minutes; until the logistics
# fee table arrives every shop's order pays this flat shipping fee (CNY).
ORDER_PAYMENT_TIMEOUT_MINUTES = ENV.int("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
ORDER_FLAT_SHIPPING_FEE = ENV.str("ORDER_FLAT_SHIPPING_FEE", "10.00")
# Delivered orders the buyer has not confirmed are completed after this many days.
ORDER_AUTO_CONFIRM_DAYS = ENV.int("ORDER_AUTO_CONFIRM_DAYS", 10)

# The hub's fulfillment queue: hours from payment to shipment by priority, how long a claim lasts after the
# worker's last step, and how long before its deadline a task counts as at risk.
FULFILLMENT_SLA_HOURS = ENV.int("FULFILLMENT_SLA_HOURS", 24)
FULFILLMENT_SLA_HOURS_COLD_CHAIN = ENV.int("FULFILLMENT_SLA_HOURS_COLD_CHAIN", 12)
FULFILLMENT_SLA_HOURS_EXPRESS = ENV.int("FULFILLMENT_SLA_HOURS_EXPRESS", 8)
FULFILLMENT_CLAIM_MINUTES = ENV.int("FULFILLMENT_CLAIM_MINUTES", 20)
FULFILLMENT_AT_RISK_MINUTES = ENV.int("FULFILLMENT_AT_RISK_MINUTES", 120)
# Carrier webhooks: one shared secret per carrier code, "sf=secret1,ems=secret2"; a carrier without one
# cannot post tracking events.
CARRIER_WEBHOOK_SECRETS = dict(
    item.partition("=")[::2] for item in ENV.list("CARRIER_WEBHOOK_SECRETS") if "=" in item
)

# Settlement (orders/settlement): completed orders wait this many days before their money is available to
# the shop; commission rates are fractions (0.05 = 5 %) — the default for categories without a rate of
# their own, and the rate of shops in poverty-relief counties. SETTLEMENT_TEST_PAUSE_SECONDS (tests only)
# makes the settlement task pause after its first shop, so that a test can kill the worker mid-run.
SETTLEMENT_HOLD_DAYS = ENV.int("SETTLEMENT_HOLD_DAYS", 7)
COMMISSION_DEFAULT_RATE = ENV.str("COMMISSION_DEFAULT_RATE", "0.05")
COMMISSION_POVERTY_RELIEF_RATE = ENV.str("COMMISSION_POVERTY_RELIEF_RATE", "0")
SETTLEMENT_TEST_PAUSE_SECONDS = ENV.int("SETTLEMENT_TEST_PAUSE_SECONDS", 0)

# Anonymous product lists and search pages are served from the cache for this long (0: off).
PUBLIC_CACHE_SECONDS = 0 if TESTING else ENV.int("PUBLIC_CACHE_SECONDS", 30)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = ENV.int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = ENV.int("CELERY_TASK_TIME_LIMIT", 90)
# The longest countdown/ETA any task may use (the payment sandbox's 15 h notification retry; orders'
# refund retries stop at 6 h): a test reads every countdown= in the code and holds it to this figure.
TASK_MAX_COUNTDOWN_SECONDS = 15 * 3600
# Redis redelivers a task not acknowledged within the visibility timeout. It must exceed the longest
# countdown, or a task waiting for its ETA would be delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": ENV.int("CELERY_VISIBILITY_TIMEOUT", TASK_MAX_COUNTDOWN_SECONDS + 3600),
    # Seconds between the worker's looks for messages unacknowledged past the visibility timeout (a
    # worker was killed): kombu restores them on every tenth look.
    "unacked_restore_interval": ENV.int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    # A broker that is down must fail a publish within seconds, not hang the request that published.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish retries briefly (a dead broker fails it in about 0.2 s) and then raises; callers that must not
# fail log it and leave the work to a sweep (the notification outbox does).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
CELERY_TIMEZONE = "Asia/Shanghai"
# Without a broker (the demo) tasks run in-process, right away.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or TESTING
CELERY_TASK_EAGER_PROPAGATES = True
# The task that recomputes the dashboards' stale rollup cells, asked for after each change that marks one
# (gansu_mall.core.rollups: the apps below the dashboard name it by this setting, never by import).
ROLLUP_REFRESH_TASK = "gansu_mall.dashboard.tasks.refresh_rollups"
CELERY_BEAT_SCHEDULE = {
    "housekeeping": {
        "task": "gansu_mall.core.tasks.housekeeping",
        "schedule": timedelta(hours=6),
    },
    "expire-batches": {  # lots past their best-before date leave the sellable stock
        "task": "catalog.tasks.expire_batches",
        "schedule": crontab(hour=0, minute=5),
    },
    "refresh-rollups": {  # dashboard cells whose after-commit refresh never ran (a broker outage)
        "task": "gansu_mall.dashboard.tasks.refresh_rollups",
        "schedule": timedelta(minutes=1),
    },
    "expire-unpaid-payments": {  # unpaid orders time out and release their stock
        "task": "orders.tasks.expire_unpaid_payments",
        "schedule": timedelta(minutes=1),
    },
    "expire-groups": {  # group buys that did not fill in time: refunds and stock back
        "task": "orders.tasks.expire_groups",
        "schedule": timedelta(minutes=1),
    },
    "reconcile-reserved": {  # held-stock counters against orders awaiting payment
        "task": "orders.tasks.reconcile_reserved",
        "schedule": timedelta(hours=1),
    },
    "retry-approved-refunds": {
        "task": "orders.tasks.retry_approved_refunds",
        "schedule": timedelta(hours=1),
    },
    "expire-claims": {  # fulfillment tasks whose worker went quiet go back to the queue
        "task": "logistics.tasks.expire_claims",
        "schedule": timedelta(minutes=1),
    },
    "sla-monitor": {  # tasks near or past their deadline are flagged, the warehouse lead told
        "task": "logistics.tasks.sla_monitor",
        "schedule": timedelta(minutes=5),
    },
    "auto-confirm-delivered": {
        "task": "orders.tasks.auto_confirm_delivered",
        "schedule": crontab(hour=3, minute=30),
    },
    "run-settlement": {  # daily statements and payouts (after the auto-confirmation), then the ledger check
        "task": "orders.settlement.tasks.run_settlement",
        "schedule": crontab(hour=4, minute=0),
    },
    "credit-nightly": {  # every credit subject's score again: records expire with the calendar
        "task": "credit.tasks.credit_scores_nightly",
        "schedule": crontab(hour=2, minute=15),
    },
    "credit-platform-behaviour": {  # last month's platform-behaviour records of the shops' identities
        "task": "orders.tasks.credit_platform_behaviour",
        "schedule": crontab(day_of_month=2, hour=2, minute=30),
    },
    "relay-notifications": {  # the outbox: what the broker missed, and the retries of transient errors
        "task": "gansu_mall.notifications.tasks.relay_notifications",
        "schedule": timedelta(seconds=ENV.int("NOTIFICATION_RELAY_SECONDS", 30)),
    },
}

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out usernames and addresses
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:  # the tests create many users; MD5 only there, and Argon2 is asserted in its own test
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Lock-out (django-axes): after AXES_FAILURE_LIMIT failures a username, and separately an address,
# is refused for AXES_COOLOFF_MINUTES, on the web form and the API alike.
AXES_FAILURE_LIMIT = ENV.int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=ENV.int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gansu_mall.accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "gansu_mall.core.net.client_ip"  # honours PROXY_COUNT

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "gansu_lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(ENV.str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(ENV.str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0

# Request bodies: JSON and forms up to DATA_UPLOAD_MAX_MEMORY_SIZE; uploads (multipart) up to
# MAX_UPLOAD_BYTES. Larger bodies are refused with 413 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = ENV.int("MAX_BODY_BYTES", 1024 * 1024)
MAX_UPLOAD_BYTES = ENV.int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = ENV.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = ENV.str("EMAIL_HOST", "localhost")
EMAIL_PORT = ENV.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = ENV.str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = ENV.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = ENV.bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = ENV.str("DEFAULT_FROM_EMAIL", "甘肃馆 Gansu Pavilion <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Admin", addr) for addr in ENV.list("ADMIN_EMAILS", [])]
# Email file backend's folder (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = ENV.str("EMAIL_FILE_PATH", str(VAR_DIR / "email"))

# --- Notifications (gansu_mall/notifications) ------------------------------------------------------
# Text messages go through this provider class (gansu_mall/notifications/sms.py); the default writes them
# to the log.
SMS_PROVIDER = ENV.str("SMS_PROVIDER", "gansu_mall.notifications.sms.LogSmsProvider")
# The outbox: a delivery failing with a transient error is tried again after 60 s, 120 s, 240 s … (at most
# an hour between attempts) and given up after NOTIFICATION_MAX_ATTEMPTS attempts. A delivery still
# "sending" after NOTIFICATION_SENDING_TIMEOUT_SECONDS (its worker died) is marked failed, not resent.
NOTIFICATION_MAX_ATTEMPTS = ENV.int("NOTIFICATION_MAX_ATTEMPTS", 5)
NOTIFICATION_RETRY_BASE_SECONDS = ENV.int("NOTIFICATION_RETRY_BASE_SECONDS", 60)
NOTIFICATION_RETRY_MAX_SECONDS = ENV.int("NOTIFICATION_RETRY_MAX_SECONDS", 3600)
NOTIFICATION_RELAY_SOFT_TIME_LIMIT = 120
NOTIFICATION_RELAY_BUDGET_SECONDS = 90  # a relay run stops claiming after this, below its soft limit
NOTIFICATION_SENDING_TIMEOUT_SECONDS = ENV.int("NOTIFICATION_SENDING_TIMEOUT_SECONDS", 600)

# --- Payments (Alipay) ----------------------------------------------------------------------------
# The site's public address, for the URLs given to the payment gateway (notify_url, return_url) and the
# sandbox gateway's own URL.
SITE_URL = ENV.str("SITE_URL", "http://127.0.0.1:8000")
# Alipay open platform (API.md, "Cart, checkout, payments, orders"): the application's id, the platform's
# private key (signs requests) and Alipay's public key (verifies notifications and responses); each key as
# PEM text, a bare base64 body or a path to a file. With none of the three the built-in sandbox gateway
# (orders/payments/sandbox.py) stands in for Alipay; once any is set the sandbox answers 404.
ALIPAY_APP_ID = ENV.str("ALIPAY_APP_ID")
ALIPAY_APP_PRIVATE_KEY = ENV.str("ALIPAY_APP_PRIVATE_KEY")
ALIPAY_PUBLIC_KEY = ENV.str("ALIPAY_PUBLIC_KEY")
ALIPAY_GATEWAY_URL = ENV.str("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do")

# --- Security -------------------------------------------------------------------------------------
# Proxies in front of the application (a TLS terminator, a load balancer) whose X-Forwarded-For and
# X-Forwarded-Proto are trusted; 0 means clients connect directly.
PROXY_COUNT = ENV.int("PROXY_COUNT", 0)
# HTTPS (default: on whenever DEBUG is off) turns on the redirect, secure cookies and HSTS.
HTTPS = ENV.bool("HTTPS", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = ENV.int("HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENV.bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = ENV.bool("HSTS_PRELOAD", True)
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 14 * 24 * 3600
X_FRAME_OPTIONS = "DENY"

# Every asset is ours: scripts, styles, fonts and images come from this origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "gansu_mall.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # THROTTLING=0 turns the default throttles off (the load benchmark, whose one client would be throttled).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ]
    if ENV.bool("THROTTLING", True)
    else [],
    "DEFAULT_THROTTLE_RATES": {
        "anon": ENV.str("THROTTLE_ANON", "120/min"),
        "user": ENV.str("THROTTLE_USER", "600/min"),
        "register": ENV.str("THROTTLE_REGISTER", "20/hour"),
    },
    "EXCEPTION_HANDLER": "gansu_mall.core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "%Y-%m-%d",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": PROXY_COUNT or None,  # throttles identify clients as client_ip() does
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Gansu Pavilion API",
    "DESCRIPTION": "甘肃馆 public REST API, version 1. Errors use the envelope "
    '{"code", "message", "fields"}; lists are paginated with page and page_size.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VendorStatusEnum": "vendors.models.VendorStatus",
        "ApplicationStatusEnum": "vendors.models.ApplicationStatus",
        "ProductStatusEnum": "catalog.models.ProductStatus",
        # Qualification kinds appear as a shop's licence ``kind`` and as a category's ``qualification``;
        # one enum, under the name the schema has always given it.
        "KindEnum": "vendors.models.QualificationKind",
        "SettlementStatusEnum": "orders.settlement.models.SettlementStatus",
        "PayoutStatusEnum": "orders.settlement.models.PayoutStatus",
    },
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# --- Personal data ---------------------------------------------------------------------------------
# Fernet keys (comma-separated, newest first) for ID and bank account numbers at rest, and the key of the
# identity hashes. Derived from SECRET_KEY when unset (see gansu_mall/core/crypto.py); set both in production.
FIELD_ENCRYPTION_KEYS = ENV.list("FIELD_ENCRYPTION_KEYS", [])
IDENTITY_HASH_KEY = ENV.str("IDENTITY_HASH_KEY")
# Licences and qualification documents: outside MEDIA_ROOT, served only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(ENV.str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
IMAGE_UPLOAD_MAX_BYTES = ENV.int("IMAGE_UPLOAD_MAX_BYTES", 8 * 1024 * 1024)
IMAGE_MAX_PIXELS = ENV.int("IMAGE_MAX_PIXELS", 40_000_000)

# --- Credit information (credit/) -----------------------------------------------------------------
# Years after which a negative record stops counting, by severity 1, 2, 3 (unless the record says otherwise),
# and the months a negative record must stand before the bureau may mark it repaired (credit repair).
CREDIT_NEGATIVE_EXPIRY_YEARS = [int(y) for y in ENV.list("CREDIT_NEGATIVE_EXPIRY_YEARS", ["1", "3", "5"])]
CREDIT_REPAIR_MIN_MONTHS = [int(m) for m in ENV.list("CREDIT_REPAIR_MIN_MONTHS", ["3", "12", "36"])]
# Platform behaviour (credit/behaviour.py): a shop that ships its orders itself ships within this many hours
# of payment (hub orders: their fulfillment task's deadline).
CREDIT_SHIP_WITHIN_HOURS = ENV.int("CREDIT_SHIP_WITHIN_HOURS", 48)

# --- The platform ---------------------------------------------------------------------------------
SITE_NAME = "甘肃馆 Gansu Pavilion"
DEMO_PASSWORD = "gansu-demo-2026"  # noqa: S105 - the documented password of the demo accounts only
