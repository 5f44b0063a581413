"""Django settings for laif, read from environment variables (see ``env.py`` and docs/CONFIGURATION.md).

Every variable is validated here; one bad value stops start-up with a message naming it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from laif.catalogue import CatalogueError
from laif.catalogue.cluster import (
    ClusterCatalogue,
    load_cluster,
    parse_overbooking,
    with_policy,
)
from laif.catalogue.prices import PriceCatalogue, load_prices
from laif.config.env import Env, SettingError, format_errors

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent

env = Env(os.environ)

LAIF_ENV = env.choice("LAIF_ENV", "development", ("development", "production", "test"))
PRODUCTION = LAIF_ENV == "production"
DEBUG = env.bool("LAIF_DEBUG", LAIF_ENV == "development")
if PRODUCTION and DEBUG:
    env.require("LAIF_DEBUG", "DEBUG must be off when LAIF_ENV=production")

DATA_DIR = Path(env.str("LAIF_DATA_DIR", str(REPO_DIR / "var")))

_secret = env.raw("LAIF_SECRET_KEY")
if _secret is None:
    if PRODUCTION:
        env.require("LAIF_SECRET_KEY", "required in production (or LAIF_SECRET_KEY_FILE)")
    _secret = "dev-only-insecure-key-" + "x" * 40
elif len(_secret) < 50:
    env.require("LAIF_SECRET_KEY", "must be at least 50 characters long")
SECRET_KEY = _secret

_audit_key = env.raw("LAIF_AUDIT_KEY")
if _audit_key is None and PRODUCTION:
    env.require("LAIF_AUDIT_KEY", "required in production (or LAIF_AUDIT_KEY_FILE)")
elif _audit_key is not None and len(_audit_key) < 32:
    env.require("LAIF_AUDIT_KEY", "must be at least 32 characters long (a guessable key lets the "
                "audit checkpoint be forged)")
# HMAC key that seals the audit chain's checkpoint; kept outside the database it protects.
LAIF_AUDIT_KEY = (_audit_key or "audit:" + SECRET_KEY).encode()

ALLOWED_HOSTS = env.list("LAIF_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("LAIF_CSRF_TRUSTED_ORIGINS", [])
LAIF_SITE_URL = env.str("LAIF_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LAIF_EXECUTOR = env.choice("LAIF_EXECUTOR", "local", ("local", "slurm"))
# Each job's directory (script and output) lies under it; it must be reachable by the jobs' users.
LAIF_JOBS_DIR = Path(env.str("LAIF_JOBS_DIR", str(DATA_DIR / "jobs")))
LAIF_SLURM_TIMEOUT = env.int("LAIF_SLURM_TIMEOUT", 30, minimum=1, maximum=600)

_database_url = env.raw("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'laif.sqlite3'}"
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=0)
    if not _db.get("ENGINE"):
        raise ValueError("unknown scheme")
except ValueError as exc:
    env.errors.append(
        SettingError("DATABASE_URL", f"not a database URL ({exc}); e.g. postgres://user@host/db")
    )
    _db = dj_database_url.parse(f"sqlite:///{DATA_DIR / 'laif.sqlite3'}")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY;"}
# --- Database connections under load (issue 17, point 6; figures in docs/PERFORMANCE.md) -------
# A server thread keeps its connection for LAIF_DB_CONN_MAX_AGE seconds instead of opening one
# per request (13-61 ms each on PostgreSQL under load); a kept connection is checked before a
# request reuses it, so a database restart costs one failed check, not an error page. 0 opens
# one per request. (The development server still opens one per request: one thread each.)
_db["CONN_MAX_AGE"] = env.int("LAIF_DB_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}

TIME_ZONE = env.str("LAIF_TIME_ZONE", "Europe/Luxembourg")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    env.require("LAIF_TIME_ZONE", f"unknown time zone {TIME_ZONE!r}")
    TIME_ZONE = "UTC"
# The usage ledger's months (a job across a month boundary is split there): the site's zone.
LAIF_SITE_TIME_ZONE = env.str("LAIF_SITE_TIME_ZONE", TIME_ZONE)
try:
    zoneinfo.ZoneInfo(LAIF_SITE_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    env.require("LAIF_SITE_TIME_ZONE", f"unknown time zone {LAIF_SITE_TIME_ZONE!r}")
    LAIF_SITE_TIME_ZONE = "UTC"
# Periodic usage ingestion reads from its checkpoint minus this many hours (late accounting).
LAIF_USAGE_OVERLAP_HOURS = env.int("LAIF_USAGE_OVERLAP_HOURS", 48, minimum=0, maximum=24 * 90)
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

# Cluster identities: POSIX uids handed out from this range, never reused.
LAIF_UID_MIN = env.int("LAIF_UID_MIN", 200_000, minimum=1_000, maximum=2_000_000_000)
LAIF_UID_MAX = env.int("LAIF_UID_MAX", 1_999_999_999, minimum=1_001, maximum=2_147_483_646)
if LAIF_UID_MAX <= LAIF_UID_MIN:
    env.require("LAIF_UID_MAX", "must be greater than LAIF_UID_MIN")

LAIF_TOKEN_TTL_DAYS = env.int("LAIF_TOKEN_TTL_DAYS", 90, minimum=1, maximum=730)
LAIF_INVITATION_TTL_DAYS = env.int("LAIF_INVITATION_TTL_DAYS", 14, minimum=1, maximum=90)
LAIF_LOGIN_MAX_FAILURES = env.int("LAIF_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=100)
LAIF_LOGIN_LOCKOUT_MINUTES = env.int("LAIF_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=1440)

# The cluster as data (partitions, access types, allocation policy): src/laif/catalogue/cluster.json
# or another file of the same shape (e.g. a single-node test cluster); the policy's figures can be
# overridden one by one. Pools already created keep the figures they were created with.
_cluster_file = env.str("LAIF_CLUSTER_FILE", "").strip()
_cluster: ClusterCatalogue | None = None
try:
    _cluster = load_cluster(Path(_cluster_file) if _cluster_file else None)
except CatalogueError as exc:
    env.require("LAIF_CLUSTER_FILE" if _cluster_file else "cluster.json", str(exc))
if _cluster is not None:
    _policy = _cluster.policy
    _period_months = env.int("LAIF_ALLOCATION_PERIOD_MONTHS", _policy.period_months,
                             minimum=1, maximum=24)
    _national = env.int("LAIF_NATIONAL_POOL_PERCENT", _policy.pool_shares_percent["national"],
                        minimum=0, maximum=100)
    _overbooking = _policy.overbooking_factor
    _overbooking_text = env.str("LAIF_OVERBOOKING_FACTOR", "").strip()
    if _overbooking_text:
        try:
            _overbooking = parse_overbooking(_overbooking_text, "value")
        except CatalogueError as exc:
            env.require("LAIF_OVERBOOKING_FACTOR", str(exc).removeprefix("value: "))
    try:
        _cluster = with_policy(_cluster, period_months=_period_months,
                               national_percent=_national, overbooking_factor=_overbooking)
    except CatalogueError as exc:
        env.require("LAIF_ALLOCATION_PERIOD_MONTHS", str(exc))

# Compute prices (EUR per GPU-hour and CPU-hour of each partition, with effective months):
# src/laif/catalogue/prices.json or another file of the same shape, checked against cluster.json.
_prices_file = env.str("LAIF_PRICES_FILE", "").strip()
LAIF_PRICES: PriceCatalogue | None = None
try:
    LAIF_PRICES = load_prices(Path(_prices_file) if _prices_file else None)
except CatalogueError as exc:
    env.require("LAIF_PRICES_FILE" if _prices_file else "prices.json", str(exc))

# The 80% compute cashback (src/laif/catalogue/cashback.json): the most one organisation may
# claim over the cap's window (the calendar year of the statements' months), in whole euros.
LAIF_CASHBACK_CAP_EUR = env.int("LAIF_CASHBACK_CAP_EUR", 100_000, minimum=0,
                                maximum=10_000_000)

# Days after an allocation's end during which its running jobs finish (no new job), then it expires.
LAIF_ALLOCATION_GRACE_DAYS = env.int("LAIF_ALLOCATION_GRACE_DAYS", 14, minimum=0, maximum=365)

# E-mail (invitations, notices) through Django's mail backend.
_email = env.choice("LAIF_EMAIL_BACKEND", "console", ("console", "smtp", "locmem", "file"))
EMAIL_BACKEND = f"django.core.mail.backends.{'filebased' if _email == 'file' else _email}.EmailBackend"
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = env.str("LAIF_EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("LAIF_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("LAIF_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.raw("LAIF_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = env.bool("LAIF_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env.str("LAIF_EMAIL_FROM", "L-AIF <no-reply@ai-factory.lu>")

# Login through an external OpenID Connect provider (MyAccessID, a site Keycloak...); off when
# LAIF_OIDC_ISSUER is empty. See laif/accounts/oidc.py and docs/adr/0004-oidc-with-social-auth.md.
LAIF_OIDC_ISSUER = env.str("LAIF_OIDC_ISSUER", "").strip().rstrip("/")
LAIF_OIDC_NAME = env.str("LAIF_OIDC_NAME", "MyAccessID").strip() or "MyAccessID"
SOCIAL_AUTH_OIDC_OIDC_ENDPOINT = LAIF_OIDC_ISSUER
SOCIAL_AUTH_OIDC_KEY = env.str("LAIF_OIDC_CLIENT_ID", "").strip()
SOCIAL_AUTH_OIDC_SECRET = env.raw("LAIF_OIDC_CLIENT_SECRET") or ""
if LAIF_OIDC_ISSUER:
    try:
        _issuer = urlsplit(LAIF_OIDC_ISSUER)
        _issuer_host = _issuer.hostname
    except ValueError:
        _issuer, _issuer_host = urlsplit(""), None
    _loopback = _issuer_host in ("127.0.0.1", "localhost", "::1")
    if not _issuer_host or not (
        _issuer.scheme == "https" or (_issuer.scheme == "http" and _loopback and not PRODUCTION)
    ):
        env.require("LAIF_OIDC_ISSUER",
                    "must be an https:// URL, e.g. https://login.example.eu/realms/laif")
    if not SOCIAL_AUTH_OIDC_KEY:
        env.require("LAIF_OIDC_CLIENT_ID", "needed because LAIF_OIDC_ISSUER is set")
    if not SOCIAL_AUTH_OIDC_SECRET:
        env.require("LAIF_OIDC_CLIENT_SECRET",
                    "needed because LAIF_OIDC_ISSUER is set (or LAIF_OIDC_CLIENT_SECRET_FILE)")

if env.errors:
    sys.stderr.write(format_errors(env.errors) + "\n")
    raise SystemExit(2)
assert _cluster is not None  # a broken cluster file stopped start-up just above
LAIF_CLUSTER: ClusterCatalogue = _cluster

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "social_django",
    "laif.accounts",
    "laif.compute",
    "laif.fund",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "laif.accounts.language.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "laif.accounts.oidc.OIDCMiddleware",
]

ROOT_URLCONF = "laif.config.urls"
WSGI_APPLICATION = "laif.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "laif.accounts.context_processors.laif",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "laif.accounts.oidc.LaifOIDCBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if LAIF_ENV == "test":
    # Test suites create hundreds of accounts; 1,000,000 PBKDF2 rounds each would dominate runtime.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 12

# social-auth (OpenID Connect): match on (issuer, sub) only, never on e-mail (no associate_by_email).
SOCIAL_AUTH_OIDC_USE_PKCE = True
SOCIAL_AUTH_OIDC_SCOPE = ["openid", "email", "profile"]
SOCIAL_AUTH_USER_MODEL = "accounts.User"
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/login/?sso=failed"
SOCIAL_AUTH_RAISE_EXCEPTIONS = False  # failures go to the login page with a message, even in DEBUG
SOCIAL_AUTH_REQUESTS_TIMEOUT = 10
# The redirect URI to register at the provider is <LAIF_SITE_URL>/sso/complete/oidc/; behind a TLS
# proxy the request looks like http://, so follow the site URL's scheme.
SOCIAL_AUTH_REDIRECT_IS_HTTPS = LAIF_SITE_URL.startswith("https://")
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_names",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "laif.accounts.oidc.check_issuer",
    "laif.accounts.oidc.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "laif.accounts.oidc.update_user",
    "laif.accounts.oidc.record_login",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"laif": {"level": "INFO"}},
}

NINJA_PAGINATION_MAX_LIMIT = 500
