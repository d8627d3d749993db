"""Django settings, driven by the environment (see docs/configuration.md)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from recaudo.env import (
    ConfigurationError,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_secret_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RECAUDO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY a key is generated into this file (development); with DEBUG
# off, `recaudo check --deploy` and the start of the web app and the worker
# refuse it (recaudo/checks.py).
SECRET_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = env_secret("SECRET_KEY", fallback_file=SECRET_KEY_FILE)
# Keys of the secrets stored in the database (recaudo/vault.py): the first encrypts,
# all decrypt. Unset: one generated into this file, refused like SECRET_KEY's.
SECRET_KEYS_FILE = VAR_DIR / "secret_keys"
SECRET_KEYS = env_secret_list("RECAUDO_SECRET_KEYS", fallback_file=SECRET_KEYS_FILE)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' assets locally (no CDN)
    "axes",  # login throttling (docs/security.md)
    "csp",  # Content-Security-Policy header
    "recaudo.operations",
    "recaudo.portfolio",
    "recaudo.compliance",
    "recaudo.policies",
    "recaudo.outreach",
    "recaudo.delivery",
    "recaudo.sandbox",
    "recaudo.conversations",
    "recaudo.payments",
    "recaudo.reports",
    "recaudo.learning",
    "recaudo.privacy",
    "recaudo.staff",
    "recaudo.integrations",
    "recaudo.insights",
]

MIDDLEWARE = [
    # Before all: /healthz and /readyz answer load balancers probing by IP over plain
    # HTTP, before the Host check and the HTTPS redirect (recaudo/health.py).
    "recaudo.health.HealthMiddleware",
    # Then: every log line of the request, a refusal's too, carries its id.
    "recaudo.request_id.RequestIdMiddleware",
    # Then: a NUL in the path, query or headers is a 400 before anything reads them.
    "recaudo.inputs.RefuseUnstorableInput",
    "django.middleware.security.SecurityMiddleware",
    # Then: provider webhooks are answered without the browser middlewares below
    # (recaudo/webhook_lane.py).
    "recaudo.webhook_lane.ProviderWebhookLane",
    # Static files from STATIC_ROOT (after the HTTPS redirect and its headers).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx (docs/decisions/0008)
    "csp.middleware.CSPMiddleware",
    # Last: turns a refused login into the lockout page (recaudo/access.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "recaudo.urls"
WSGI_APPLICATION = "recaudo.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'recaudo.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        # Behind PgBouncer in transaction mode a cursor cannot outlive its
        # transaction (docs/operations.md#pgbouncer): fetch results at once.
        disable_server_side_cursors=env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers
    # queue up instead of failing half-way with "database is locked"; WAL lets
    # readers go on while one process writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
    # Tests use a file, not memory, so that worker processes started by
    # concurrency tests see the same database; one per test run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-recaudo-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The throttle first: a locked-out login is refused before the password is checked.
AUTHENTICATION_BACKENDS = [
    "recaudo.access.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es"
# Debtors read Spanish, English or Brazilian Portuguese (recaudo/languages.py maps
# a debtor's "pt" to Django's "pt-br", whose catalogues live in locale/pt_BR).
LANGUAGES = [("es", "Español"), ("en", "English"), ("pt-br", "Português (Brasil)")]
LOCALE_PATHS = [BASE_DIR / "recaudo" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Staff pages show times in the user's zone: the team zone of the creditor they work
# for (Creditor.agent_timezone, else its country's main zone); users of every creditor
# (or of creditors in different zones) read this one (docs/staff.md).
STAFF_TIME_ZONE = env_str("STAFF_TIME_ZONE", "America/Bogota")
# Minutes a conversation may wait for a person before the inbox marks it overdue.
INBOX_SLA_MINUTES = env_int("INBOX_SLA_MINUTES", 30, minimum=1)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves them (`recaudo serve` collects them first), gzipped where it
# pays; no manifest: a file not collected is served by its plain name, never a 500.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (the staff's import page keeps a file here until its import
# ends). Web and worker machines must share it (a shared volume, or a storage
# backend in STORAGES["default"]).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# `recaudo serve` (gunicorn; docs/operations.md#serving). WEB_THREADS 1 runs
# gunicorn's sync worker, more its gthread worker (docs/decisions/0013).
WEB_HOST = env_str("WEB_HOST", "127.0.0.1")
WEB_PORT = env_int("WEB_PORT", 8000, minimum=1)
WEB_WORKERS = env_int("WEB_WORKERS", 2 * (os.cpu_count() or 1) + 1, minimum=1)
WEB_THREADS = env_int("WEB_THREADS", 4, minimum=1)
# A worker silent this long (seconds) is killed and replaced.
WEB_TIMEOUT = env_int("WEB_TIMEOUT", 30, minimum=1)
# On SIGTERM, requests in flight get this long (seconds) to finish.
WEB_GRACEFUL_TIMEOUT = env_int("WEB_GRACEFUL_TIMEOUT", 30, minimum=1)
WEB_KEEPALIVE = env_int("WEB_KEEPALIVE", 5, minimum=0)
# /readyz: a worker's heartbeat older than this (seconds) is not ready (0: not checked);
# the oldest due outreach waiting longer than this (seconds) is not ready (0: not checked).
READY_WORKER_STALE_SECONDS = env_int("READY_WORKER_STALE_SECONDS", 60, minimum=0)
READY_MAX_QUEUE_LAG_SECONDS = env_int("READY_MAX_QUEUE_LAG_SECONDS", 900, minimum=0)

# Imports: files above this size are refused before they are read.
IMPORT_MAX_FILE_MB = env_int("IMPORT_MAX_FILE_MB", 100, minimum=1)
# The staff's import page: uploads over this size (MB) are refused; an upload
# left unconfirmed this many hours is cancelled and its file deleted.
IMPORT_UPLOAD_MAX_MB = env_int("IMPORT_UPLOAD_MAX_MB", 50, minimum=1)
IMPORT_UPLOAD_KEEP_HOURS = env_int("IMPORT_UPLOAD_KEEP_HOURS", 24, minimum=1)
# Files at least this big are read and checked in a second process while the
# first one writes.
IMPORT_PARALLEL_MIN_BYTES = env_int("IMPORT_PARALLEL_MIN_BYTES", 2_000_000, minimum=0)
# API: the largest bulk upsert accepted in one request.
API_BULK_MAX_ITEMS = env_int("API_BULK_MAX_ITEMS", 10_000, minimum=1)
# A full bulk request (10,000 debts with their debtors' details) is a few MB;
# Django's 2.5 MB default would refuse it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("API_MAX_BODY_MB", 50, minimum=1) * 1_000_000

# Planner: when it did not run for some days, steps that fell due on at most
# this many missed days are still planned (once); older ones are skipped.
PLANNER_CATCH_UP_DAYS = env_int("PLANNER_CATCH_UP_DAYS", 3, minimum=0)
# Planner: the day's debtors are loaded, decided and written this many at a
# time, so that its memory stays bounded whatever the portfolio's size.
PLANNER_CHUNK_DEBTORS = env_int("PLANNER_CHUNK_DEBTORS", 50_000, minimum=1)
# On PostgreSQL, load the next chunk on a second connection while one is decided and
# written (recaudo/outreach/planner_chunks.py); off: one connection, one step at a time.
PLANNER_READ_AHEAD = env_bool("PLANNER_READ_AHEAD", True)
# The learning job (docs/insights.md): retrain the propensity model, rescore the debtors,
# refresh risk bands and best hours every this many hours (0: never by the worker).
LEARNING_REFRESH_HOURS = env_int("LEARNING_REFRESH_HOURS", 24, minimum=0)

# The archive job (`recaudo archive`, docs/privacy.md): finished rows older than
# this many months leave the live tables (at least 1: the caps look back 14 days).
# Outgoing webhooks (docs/integrations.md): delivery, retries and disabling.
WEBHOOKS_OUT_TIMEOUT = env_int("WEBHOOKS_OUT_TIMEOUT", 10, minimum=1)
WEBHOOKS_OUT_BATCH_SIZE = env_int("WEBHOOKS_OUT_BATCH_SIZE", 200, minimum=1)
WEBHOOKS_OUT_CHAIN = env_int("WEBHOOKS_OUT_CHAIN", 20, minimum=1)
WEBHOOKS_OUT_THREADS = env_int("WEBHOOKS_OUT_THREADS", 16, minimum=1)
WEBHOOKS_OUT_LEASE_SECONDS = env_int("WEBHOOKS_OUT_LEASE_SECONDS", 120, minimum=5)
WEBHOOKS_OUT_RETRY_BASE_SECONDS = env_int("WEBHOOKS_OUT_RETRY_BASE_SECONDS", 10, minimum=1)
WEBHOOKS_OUT_RETRY_CAP_SECONDS = env_int("WEBHOOKS_OUT_RETRY_CAP_SECONDS", 3600, minimum=1)
WEBHOOKS_OUT_MAX_ATTEMPTS = env_int("WEBHOOKS_OUT_MAX_ATTEMPTS", 50, minimum=1)
WEBHOOKS_OUT_DISABLE_AFTER_FAILURES = env_int("WEBHOOKS_OUT_DISABLE_AFTER_FAILURES", 20, minimum=1)
WEBHOOKS_OUT_DISABLE_AFTER_HOURS = env_int("WEBHOOKS_OUT_DISABLE_AFTER_HOURS", 12, minimum=0)
WEBHOOKS_OUT_ALLOW_HTTP = env_bool("WEBHOOKS_OUT_ALLOW_HTTP", DEBUG)
# Staff notices (an endpoint disabled) go by Django's mail, over the same SMTP as the channel.
EMAIL_HOST = env_str("SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("SMTP_PORT", 1025, minimum=1)
EMAIL_HOST_USER = env_str("SMTP_USERNAME", "")
EMAIL_HOST_PASSWORD = env_str("SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "Recaudo <cobranza@recaudo.example>")
ARCHIVE_AFTER_MONTHS = env_int("ARCHIVE_AFTER_MONTHS", 6, minimum=1)
ARCHIVE_BATCH_SIZE = env_int("ARCHIVE_BATCH_SIZE", 1000, minimum=1)
# Providers' raw webhook payloads, once archived, are deleted after this many days.
ARCHIVE_WEBHOOK_RETENTION_DAYS = env_int("ARCHIVE_WEBHOOK_RETENTION_DAYS", 730, minimum=1)
# Events out (docs/integrations.md) delivered to every endpoint are deleted by the archive job
# after this many days; one still owed to an endpoint (pending, sending, failed) is kept.
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 90, minimum=1)

# Where debtors and providers reach this app (payment links, webhook URLs).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# HTTPS and the browser (docs/security.md). Behind this many reverse proxies that
# end TLS, each setting X-Forwarded-Proto and appending to X-Forwarded-For; 0:
# clients connect to Recaudo directly and those headers are ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = env_bool("SECURE_CONTENT_TYPE_NOSNIFF", True)
# Payment links carry their token in the path: never send it to another site.
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = env_str("X_FRAME_OPTIONS", "DENY")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL] if PUBLIC_BASE_URL.startswith("https://") else []
)
# Scripts only from our own static files (htmx is vendored; the API docs' Swagger
# UI is served by django-ninja from static files too). Inline styles are allowed:
# the pages keep their CSS in <style> blocks (the portal's carries the creditor's
# colour) and htmx adds its own; see docs/decisions/0012-deployment-security.md.
# No form-action: the portal's forms end in a redirect to the payment provider.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Shared state: login lockouts and the portal's rate limit hold across processes
# and restarts. The database cache's table is made by `recaudo migrate` (see
# recaudo/portfolio/apps.py); Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "recaudo",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "recaudo_cache",
        }
    }

# Login throttling (django-axes, database handler): after LOGIN_FAILURE_LIMIT
# wrong passwords for one user name from one address, that pair is refused for
# LOGIN_LOCKOUT_MINUTES; each refused try starts the wait again.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "recaudo.access.request_client_address"
AXES_LOCKOUT_CALLABLE = "recaudo.access.lockout_response"
# Its admin pages (user names and addresses of every login) are not creditor data and would
# be unscoped in the admin: lockouts are read and lifted with `recaudo axes_list_attempts` /
# `recaudo axes_reset_username` instead.
AXES_ENABLE_ADMIN = False

# Providers. Every base URL points at the local sandbox (`recaudo sandbox`)
# unless set; the sandbox accepts the placeholder credentials below, which
# are not secrets. Production sets the real URLs and credentials (or empty
# ones for a channel it does not use): recaudo/delivery/checks.py refuses the
# placeholders with DEBUG off.
SANDBOX_URL = env_str("SANDBOX_URL", "http://127.0.0.1:8025").rstrip("/")
# The phone simulator (/sandbox/) and the sandbox payment provider's webhook
# are served only when this is on: they are for trying Recaudo, not for the
# internet. On by default only in debug mode (`make run`).
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)
CHANNELS: dict[str, dict[str, Any]] = {  # per channel: text, numbers and flags
    "whatsapp": {
        # Real: https://graph.facebook.com/v21.0
        "base_url": env_str("WHATSAPP_BASE_URL", f"{SANDBOX_URL}/whatsapp/v21.0"),
        "phone_number_id": env_str("WHATSAPP_PHONE_NUMBER_ID", "100200300400500"),
        "access_token": env_str("WHATSAPP_ACCESS_TOKEN", "sandbox-whatsapp-token"),
        # Signs status webhooks (X-Hub-Signature-256) and answers the GET check.
        "app_secret": env_str("WHATSAPP_APP_SECRET", "sandbox-whatsapp-app-secret"),
        "verify_token": env_str("WHATSAPP_VERIFY_TOKEN", "sandbox-verify-token"),
        # The number the bot answers on, as debtors dial it (E.164): SMS, email
        # and the portal link to a chat with it (wa.me). Empty: no such link.
        "display_number": env_str(
            "WHATSAPP_DISPLAY_NUMBER", "+15550001234" if SANDBOX_ENABLED else ""
        ),
        # Messages per second per business phone number (Meta's default: 80).
        "rate_per_second": env_int("WHATSAPP_RATE_PER_SECOND", 80, minimum=1),
    },
    "sms": {
        # Twilio. Real: https://api.twilio.com
        "base_url": env_str("TWILIO_BASE_URL", f"{SANDBOX_URL}/twilio"),
        "account_sid": env_str("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "auth_token": env_str("TWILIO_AUTH_TOKEN", "sandbox-twilio-auth-token"),
        "from_number": env_str("TWILIO_FROM_NUMBER", "+15005550006"),
        "messaging_service_sid": env_str("TWILIO_MESSAGING_SERVICE_SID", ""),
        "rate_per_second": env_int("TWILIO_RATE_PER_SECOND", 10, minimum=1),
    },
    "rcs": {
        # Google RCS Business Messaging. Real: https://rcsbusinessmessaging.googleapis.com
        "base_url": env_str("RBM_BASE_URL", f"{SANDBOX_URL}/rbm"),
        "agent_id": env_str("RBM_AGENT_ID", "recaudo_sandbox_agent"),
        "access_token": env_str("RBM_ACCESS_TOKEN", "sandbox-rbm-token"),
        # Signs webhooks (X-Goog-Signature, HMAC-SHA512).
        "client_token": env_str("RBM_CLIENT_TOKEN", "sandbox-rbm-client-token"),
        "rate_per_second": env_int("RBM_RATE_PER_SECOND", 50, minimum=1),
    },
    "email": {
        "host": env_str("SMTP_HOST", "127.0.0.1"),
        "port": env_int("SMTP_PORT", 1025, minimum=1),
        "username": env_str("SMTP_USERNAME", ""),
        "password": env_str("SMTP_PASSWORD", ""),
        "use_tls": env_bool("SMTP_STARTTLS", False),
        "from_address": env_str("EMAIL_FROM", "Recaudo <cobranza@recaudo.example>"),
        # Signs the inbound mail the relay posts to /webhooks/email (X-Recaudo-Signature).
        "inbound_secret": env_str("EMAIL_INBOUND_SECRET", "sandbox-email-inbound-secret"),
        "rate_per_second": env_int("EMAIL_RATE_PER_SECOND", 20, minimum=1),
    },
}
# Seconds a worker may hold a claimed outreach row before it is considered
# dead; the row is then left ``unknown`` for the status webhooks to settle.
DISPATCH_LEASE_SECONDS = env_int("DISPATCH_LEASE_SECONDS", 120, minimum=5)
DISPATCH_BATCH_SIZE = env_int("DISPATCH_BATCH_SIZE", 100, minimum=1)
DISPATCH_MAX_ATTEMPTS = env_int("DISPATCH_MAX_ATTEMPTS", 8, minimum=1)
# Sends in flight at once per lane (threads sharing one HTTP client per channel).
DISPATCH_SEND_THREADS = env_int("DISPATCH_SEND_THREADS", 16, minimum=1)
# Dispatch loops per worker process (PostgreSQL; SQLite always runs one):
# while one lane waits on the database or the providers, another works.
DISPATCH_LANES = env_int("DISPATCH_LANES", 2, minimum=1)
# For the reliability tests only: kill the worker at a named point of a batch
# (recaudo/delivery/crashpoints.py). Never set in production.
DISPATCH_CRASH_AT = env_str("DISPATCH_CRASH_AT", "")
# Unknown contacts (the provider's answer was lost) older than this are
# reconciled with the provider where it can be asked (delivery/reconcile.py).
RECONCILE_AFTER_SECONDS = env_int("RECONCILE_AFTER_SECONDS", 300, minimum=1)
# Provider webhooks: "inline" processes each in its request; "deferred" answers once
# it is stored and leaves it to `recaudo worker` (docs/webhooks.md#deferred-processing).
WEBHOOK_PROCESSING = env_str("WEBHOOK_PROCESSING", "inline")
if WEBHOOK_PROCESSING not in ("inline", "deferred"):
    raise ConfigurationError(f"WEBHOOK_PROCESSING={WEBHOOK_PROCESSING!r}: use inline or deferred")
# Provider HTTP timeouts (seconds).
PROVIDER_TIMEOUT_SECONDS = float(env_int("PROVIDER_TIMEOUT_MS", 10_000, minimum=100)) / 1000

# Payment providers; the other keys of PAYMENTS keep the defaults in
# recaudo/payments/conf.py. The sandbox provider's secrets are public, so it and
# /webhooks/payments/sandbox exist only while SANDBOX_PAYMENTS_ENABLED.
SANDBOX_PAYMENTS_ENABLED = env_bool("SANDBOX_PAYMENTS_ENABLED", DEBUG)
# The sandbox's Wompi fake and its published keys (recaudo/sandbox/wompi.py).
_WOMPI_LOCAL = {
    "base_url": f"{SANDBOX_URL}/wompi/v1",
    "checkout_url": f"{SANDBOX_URL}/wompi/p/",
    "public_key": "pub_test_recaudo_sandbox",
    "private_key": "prv_test_recaudo_sandbox",
    "integrity_secret": "test_integrity_recaudo_sandbox",
    "webhook_secret": "test_events_recaudo_sandbox",
}
PAYMENTS = {
    # Empty: the sandbox while it is enabled, otherwise none (check --deploy refuses that).
    "default_provider": env_str("PAYMENTS_DEFAULT_PROVIDER", ""),
    # Days reminders stay paused on a debt reported paid or disputed, awaiting review.
    "report_pause_days": env_int("PAYMENTS_REPORT_PAUSE_DAYS", 10, minimum=1),
    "providers": {
        "stripe": {
            "base_url": env_str("STRIPE_BASE_URL", "https://api.stripe.com"),
            "secret_key": env_str("STRIPE_SECRET_KEY", ""),
            "webhook_secret": env_str("STRIPE_WEBHOOK_SECRET", ""),
        },
        "mercadopago": {
            "base_url": env_str("MERCADOPAGO_BASE_URL", "https://api.mercadopago.com"),
            "access_token": env_str("MERCADOPAGO_ACCESS_TOKEN", ""),
            "webhook_secret": env_str("MERCADOPAGO_WEBHOOK_SECRET", ""),
        },
        # Colombia (Nequi, PSE, Bancolombia transfer, cards): docs/payments.md#wompi.
        # Wompi's own sandbox: WOMPI_BASE_URL=https://sandbox.wompi.co/v1 with the pub_test_
        # keys. While the sandbox payments are on (`make run`), unset variables take the
        # local sandbox's Wompi fake and its published keys (recaudo/sandbox/wompi.py).
        "wompi": {
            name: env_str(variable, _WOMPI_LOCAL[name] if SANDBOX_PAYMENTS_ENABLED else default)
            for name, variable, default in (
                ("base_url", "WOMPI_BASE_URL", "https://production.wompi.co/v1"),
                ("checkout_url", "WOMPI_CHECKOUT_URL", "https://checkout.wompi.co/p/"),
                ("public_key", "WOMPI_PUBLIC_KEY", ""),
                ("private_key", "WOMPI_PRIVATE_KEY", ""),
                ("integrity_secret", "WOMPI_INTEGRITY_SECRET", ""),
                ("webhook_secret", "WOMPI_EVENTS_SECRET", ""),
            )
        },
    },
}

# The results (recaudo/insights, docs/insights.md); the other keys of INSIGHTS
# (the cost of a message per currency and channel) keep recaudo/insights/conf.py's.
INSIGHTS = {
    # A payment is credited to the last message that touched the debtor within these days.
    "attribution_days": env_int("INSIGHTS_ATTRIBUTION_DAYS", 7, minimum=1),
    # Days of the outbox recounted by the worker each minute (statuses still move there).
    "recount_days": env_int("INSIGHTS_RECOUNT_DAYS", 3, minimum=0),
}

# Every handler redacts bearer tokens (/p/, /u/), query values, phones and
# emails (recaudo/logs.py). Django's own loggers are configured here so that
# none keeps a handler of Django's defaults, which would not redact.
# LOG_FORMAT=json (production): one JSON object per line with the request id
# (docs/operations.md, "Metrics and logs"); text: plain lines for a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ConfigurationError(f"LOG_FORMAT={LOG_FORMAT!r}: use text or json")
# /metrics answers only with this bearer token; unset, it is a 404 (recaudo/metrics.py).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
LOG_FILTERS = ["context", "redact"]  # in this order: the context's fields are redacted too
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "recaudo.logs.ContextFilter"},
        "redact": {"()": "recaudo.logs.RedactingFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "recaudo.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": LOG_FILTERS,
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": LOG_FILTERS,
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # To the root's handler only ("Not Found: /p/…" is redacted there).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's access lines.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # django-axes announces its version at every start; its login failures
        # (other axes loggers) stay at LOG_LEVEL.
        "axes.apps": {"level": "WARNING"},
        # The sandbox's SMTP server (aiosmtpd) logs every command and address it
        # sees at INFO: a flood under `make run`, and debtors' emails in the log.
        "mail.log": {"level": "WARNING"},
    },
}
