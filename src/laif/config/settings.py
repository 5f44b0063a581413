"""Django settings for laif, read from environment variables (see ``env.py`` and docs/CONFIGURATION.md).

Every variable is validated here; one bad value stops start-up with a message naming it.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from stdnum.eu import vat as stdnum_eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from laif.catalogue import CatalogueError
from laif.catalogue.cluster import (
    ClusterCatalogue,
    load_cluster,
    parse_overbooking,
    with_policy,
)
from laif.catalogue.green import GreenCatalogue, decimal_field, load_green
from laif.catalogue.prices import PriceCatalogue, load_prices
from laif.cluster.scheduler.names import DEFAULT_PREFIX, check_prefix
from laif.config.env import Env, SettingError, format_errors
from laif.config.framework import *  # noqa: F403  (the wiring: apps, middleware, templates...)
from laif.config.framework import PACKAGE_DIR
from laif.ops.logs import logging_config
from laif.ops.schedule_spec import Spec, env_schedule

REPO_DIR = PACKAGE_DIR.parent.parent

env = Env(os.environ)

LAIF_ENV = env.choice("LAIF_ENV", "development", ("development", "production", "test"))
PRODUCTION = LAIF_ENV == "production"
# Off unless asked for, also in the demo: people see the portal's own 404 and 500 pages, never
# Django's technical ones (which show the settings); LAIF_DEBUG=true while developing.
DEBUG = env.bool("LAIF_DEBUG", False)
# In development WhiteNoise serves the source folders (no collectstatic, edits show at once).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = LAIF_ENV == "development"
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
# Keys LAIF_AUDIT_KEY replaced, kept only to verify what they keyed before `manage.py
# audit_rotate_key` recorded the rotation (ADR 0018); never used to write.
_retired_keys = env.keys("LAIF_AUDIT_KEYS_RETIRED", minimum_length=32)
if LAIF_AUDIT_KEY.decode() in _retired_keys:
    env.require("LAIF_AUDIT_KEYS_RETIRED", "LAIF_AUDIT_KEY is also listed among the retired keys; "
                "a key in force cannot be retired")
LAIF_AUDIT_KEYS_RETIRED = tuple(key.encode() for key in _retired_keys)
# The sealed head of the audit chain is appended to this file every few minutes (ADR 0012); keep
# it where database writers cannot write (another volume, WORM storage), and back it up.
_anchor_file = env.str("LAIF_AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.log")).strip()
if not _anchor_file or Path(_anchor_file).is_dir():
    env.require("LAIF_AUDIT_ANCHOR_FILE", "must be the path of a file (created when missing)")
LAIF_AUDIT_ANCHOR_FILE = Path(_anchor_file or DATA_DIR / "audit-anchors.log")
# Also send each anchor line to the local syslog (facility authpriv), to be shipped elsewhere.
LAIF_AUDIT_ANCHOR_SYSLOG = env.bool("LAIF_AUDIT_ANCHOR_SYSLOG", False)

ALLOWED_HOSTS = env.list("LAIF_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("LAIF_CSRF_TRUSTED_ORIGINS", [])
LAIF_SITE_URL = env.str("LAIF_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LAIF_EXECUTOR = env.choice("LAIF_EXECUTOR", "local", ("local", "slurm"))
# Who issues the statements (the legal entity that bills compute): copied onto each statement
# when it is issued, so a later change never alters one. The address's lines are separated by
# " | "; the VAT number is checked (python-stdnum) and written in its standard form.
LAIF_ISSUER_NAME = env.str("LAIF_ISSUER_NAME", "Luxembourg AI Factory").strip()
LAIF_ISSUER_ADDRESS = tuple(line.strip() for line in env.str("LAIF_ISSUER_ADDRESS", "").split("|")
                            if line.strip())
LAIF_ISSUER_VAT = env.str("LAIF_ISSUER_VAT", "").strip().upper().replace(" ", "")
if LAIF_ISSUER_VAT:
    try:
        LAIF_ISSUER_VAT = stdnum_eu_vat.compact(stdnum_eu_vat.validate(LAIF_ISSUER_VAT))
    except StdnumError as _exc:
        env.require("LAIF_ISSUER_VAT", f"not a valid EU VAT number ({_exc})")
if not LAIF_ISSUER_NAME or len(LAIF_ISSUER_NAME) > 200:
    env.require("LAIF_ISSUER_NAME", "give the issuer's name (1 to 200 characters)")
# Days between a statement's issue and its due date
LAIF_PAYMENT_TERMS_DAYS = env.int("LAIF_PAYMENT_TERMS_DAYS", 30, minimum=0, maximum=120)
# Each job's directory (script and output) lies under it; it must be reachable by the jobs' users.
LAIF_JOBS_DIR = Path(env.str("LAIF_JOBS_DIR", str(DATA_DIR / "jobs")))
LAIF_SLURM_TIMEOUT = env.int("LAIF_SLURM_TIMEOUT", 30, minimum=1, maximum=600)
# A page or API call waits at most this long for the scheduler; an unreachable scheduler is not
# asked again for LAIF_SCHEDULER_BACKOFF seconds (the last known state is shown with its time),
# and a job's state read less than LAIF_JOB_STATE_MAX_AGE seconds ago is not read again.
LAIF_SLURM_WEB_TIMEOUT = env.int("LAIF_SLURM_WEB_TIMEOUT", 5, minimum=1, maximum=60)
LAIF_SCHEDULER_BACKOFF = env.int("LAIF_SCHEDULER_BACKOFF", 30, minimum=0, maximum=3600)
LAIF_JOB_STATE_MAX_AGE = env.int("LAIF_JOB_STATE_MAX_AGE", 10, minimum=0, maximum=3600)
# The local executor runs each job as its submitter when the platform runs as root; otherwise only
# as the platform's own user, without isolation, which this allows (a developer's machine).
LAIF_LOCAL_UNISOLATED = env.bool("LAIF_LOCAL_UNISOLATED", not PRODUCTION)
# The local executor measures the energy of jobs with GPUs through NVML ("off": not measured).
LAIF_LOCAL_ENERGY = env.choice("LAIF_LOCAL_ENERGY", "nvml", ("nvml", "off"))
# Resource limits of each process of a local job; memory 0: three quarters of the machine's.
LAIF_LOCAL_MAX_PROCESSES = env.int("LAIF_LOCAL_MAX_PROCESSES", 4096, minimum=16,
                                   maximum=4_194_304)
LAIF_LOCAL_MAX_FILE_MB = env.int("LAIF_LOCAL_MAX_FILE_MB", 65_536, minimum=1, maximum=1 << 30)
LAIF_LOCAL_MEMORY_MB = env.int("LAIF_LOCAL_MEMORY_MB", 0, minimum=0, maximum=1 << 30)
# Words put before every Slurm command (e.g. `chroot /var/lib/laif-slurm24/root`): ADR 0013.
LAIF_SLURM_COMMAND_PREFIX = env.command("LAIF_SLURM_COMMAND_PREFIX")
# The platform's Slurm accounts are named <prefix><project code> (docs/adr/0011): reserved for it.
LAIF_SLURM_ACCOUNT_PREFIX = env.str("LAIF_SLURM_ACCOUNT_PREFIX", DEFAULT_PREFIX)
try:
    check_prefix(LAIF_SLURM_ACCOUNT_PREFIX)
except ValueError as exc:
    env.require("LAIF_SLURM_ACCOUNT_PREFIX", str(exc))
    LAIF_SLURM_ACCOUNT_PREFIX = DEFAULT_PREFIX

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
FORMAT_MODULE_PATH = ["laif.formats"]  # English dates day first, 24-hour clock (laif/formats)

# Cluster identities: POSIX uids handed out from this range, never reused.
LAIF_UID_MIN = env.int("LAIF_UID_MIN", 200_000, minimum=1_000, maximum=2_000_000_000)
LAIF_UID_MAX = env.int("LAIF_UID_MAX", 1_999_999_999, minimum=1_001, maximum=2_147_483_646)
if LAIF_UID_MAX <= LAIF_UID_MIN:
    env.require("LAIF_UID_MAX", "must be greater than LAIF_UID_MIN")

LAIF_TOKEN_TTL_DAYS = env.int("LAIF_TOKEN_TTL_DAYS", 90, minimum=1, maximum=730)
LAIF_INVITATION_TTL_DAYS = env.int("LAIF_INVITATION_TTL_DAYS", 14, minimum=1, maximum=90)

# --- Accounts: recovery, e-mail verification, login throttling (ADR 0016) ----------------------
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated);
# the client address of audit entries and login throttling (laif/accounts/forwarded.py).
LAIF_TRUSTED_PROXIES = env.networks("LAIF_TRUSTED_PROXIES")
# Password login throttling (django-axes, laif/accounts/throttle.py): after MAX_FAILURES failures
# of one account from one address, a client account waits LOCKOUT_MINUTES after each further
# failure; a staff account waits STAFF_DELAY_SECONDS, doubling at each failure, up to
# LOCKOUT_MINUTES.
LAIF_LOGIN_MAX_FAILURES = env.int("LAIF_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=100)
LAIF_LOGIN_LOCKOUT_MINUTES = env.int("LAIF_LOGIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=1440)
LAIF_LOGIN_STAFF_DELAY_SECONDS = env.int("LAIF_LOGIN_STAFF_DELAY_SECONDS", 30, minimum=1,
                                         maximum=3600)
# A password reset link works once, for this long (Django's PASSWORD_RESET_TIMEOUT).
LAIF_PASSWORD_RESET_MINUTES = env.int("LAIF_PASSWORD_RESET_MINUTES", 60, minimum=10,
                                      maximum=7 * 24 * 60)
PASSWORD_RESET_TIMEOUT = LAIF_PASSWORD_RESET_MINUTES * 60
# The sign-up's e-mail confirmation link is valid for this many days.
LAIF_EMAIL_VERIFICATION_DAYS = env.int("LAIF_EMAIL_VERIFICATION_DAYS", 3, minimum=1, maximum=30)
# --- end of accounts ------------------------------------------------------------------------

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

# Energy and carbon (laif.green): the factors of src/laif/catalogue/green.json, checked at start-up,
# and the site's power usage effectiveness (facility energy / IT energy, 1 to 3), by which a job's
# IT energy becomes the facility's. The default 1.2 is an assumption: set the site's measured PUE.
LAIF_GREEN: GreenCatalogue | None = None
try:
    LAIF_GREEN = load_green()
except CatalogueError as exc:
    env.require("green.json", str(exc))
LAIF_PUE = Decimal("1.2")
try:
    LAIF_PUE = decimal_field({"v": env.str("LAIF_PUE", "1.2").strip()}, "v", "LAIF_PUE",
                             Decimal(1), Decimal(3))
except CatalogueError as exc:
    env.require("LAIF_PUE", str(exc).removeprefix("LAIF_PUE: 'v' ").strip())
LAIF_PUE_SET = env.raw("LAIF_PUE") is not None  # False: the assumed default, shown as such

# The 80% compute cashback (src/laif/catalogue/cashback.json): the most one organisation may
# claim over the cap's window (the calendar year of the statements' months), in whole euros.
LAIF_CASHBACK_CAP_EUR = env.int("LAIF_CASHBACK_CAP_EUR", 100_000, minimum=0,
                                maximum=10_000_000)

# Days after an allocation's end during which its running jobs finish (no new job), then it expires.
LAIF_ALLOCATION_GRACE_DAYS = env.int("LAIF_ALLOCATION_GRACE_DAYS", 14, minimum=0, maximum=365)

# E-mail (invitations, notices) through Django's mail backend.
# Development writes mail to files under $LAIF_DATA_DIR/mail (never to the logs: invitation and
# reset links are secrets); production refuses console, file and locmem (see "Running for real").
_email = env.choice("LAIF_EMAIL_BACKEND", "smtp" if PRODUCTION else "file",
                    ("console", "smtp", "locmem", "file"))
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

# ------------------------------------------------------------------------------------------------
# Running for real (issue 17, docs/adr/0015-running-the-platform.md, docs/OPERATIONS.md): what
# production refuses, the proxy in front, who reaches the admin, the API docs and /metrics, logs,
# the schedule of the periodic work and the health thresholds. Kept together for easy merges.
if PRODUCTION:
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        env.require("DATABASE_URL", "SQLite is refused in production (one machine, no backups "
                    "while it runs); use PostgreSQL, e.g. postgres://laif@db.internal:5432/laif")
    if LAIF_EXECUTOR == "local":
        env.require("LAIF_EXECUTOR", "the local executor is refused in production (jobs would run "
                    "on the web server as its user); set LAIF_EXECUTOR=slurm")
    if _email != "smtp":
        env.require("LAIF_EMAIL_BACKEND", f"{_email!r} is refused in production (mail would be "
                    "printed, kept in files or lost, with the links it carries); use smtp")
    if not LAIF_SITE_URL.startswith("https://"):
        env.require("LAIF_SITE_URL", "must be an https:// address in production (links in "
                    "e-mails, the OpenID Connect redirect)")


# The reverse proxy in front (deploy/nginx/laif.conf): the client address is read from
# X-Forwarded-For only through LAIF_TRUSTED_PROXIES (above); the scheme from this header (empty:
# not behind TLS).
_proxy_header = env.str("LAIF_PROXY_SSL_HEADER", "X-Forwarded-Proto" if PRODUCTION else "").strip()
if _proxy_header:
    if not all(part.isalnum() for part in _proxy_header.split("-")):
        env.require("LAIF_PROXY_SSL_HEADER", f"not a header name: {_proxy_header!r}")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env.bool("LAIF_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]  # scraped over plain HTTP on the loopback
SECURE_HSTS_SECONDS = env.int("LAIF_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0,
                              minimum=0, maximum=2 * 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("LAIF_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.bool("LAIF_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's commitment (hstspreload.org), not a default: ADR 0015.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Staff networks reach /metrics, and the admin and the API docs when those are "staff" only.
LAIF_STAFF_NETWORKS = env.networks("LAIF_STAFF_NETWORKS", "127.0.0.0/8,::1/128")
_ACCESS_CHOICES = ("public", "staff", "off")
LAIF_API_DOCS_ACCESS = env.choice("LAIF_API_DOCS_ACCESS", "staff" if PRODUCTION else "public",
                                  _ACCESS_CHOICES)
LAIF_ADMIN_ACCESS = env.choice("LAIF_ADMIN_ACCESS", "staff" if PRODUCTION else "public",
                               _ACCESS_CHOICES)
LAIF_METRICS_TOKEN = env.raw("LAIF_METRICS_TOKEN") or ""
if LAIF_METRICS_TOKEN and len(LAIF_METRICS_TOKEN) < 32:
    env.require("LAIF_METRICS_TOKEN", "must be at least 32 characters long")

LAIF_LOG_FORMAT = env.choice("LAIF_LOG_FORMAT", "json" if PRODUCTION else "text", ("text", "json"))
LAIF_LOG_LEVEL = env.choice("LAIF_LOG_LEVEL", "info", ("debug", "info", "warning", "error"))

# The periodic work (laif.ops.schedule): LAIF_SCHEDULE_<ENTRY>, an interval, a crontab line or off.
LAIF_SCHEDULE: dict[str, Spec] = env_schedule(env)
LAIF_TASK_RESULTS_KEEP_DAYS = env.int("LAIF_TASK_RESULTS_KEEP_DAYS", 14, minimum=1, maximum=3650)
# /health: a heartbeat older than this is a failure; the data directory needs this much room.
LAIF_HEALTH_MAX_AGE_SECONDS = env.int("LAIF_HEALTH_MAX_AGE_SECONDS", 300, minimum=30,
                                      maximum=86_400)
LAIF_HEALTH_MIN_FREE_MB = env.int("LAIF_HEALTH_MIN_FREE_MB", 1024, minimum=0,
                                  maximum=10_000_000)
# A usage ingestion without a sign of life for this long is shown as interrupted.
LAIF_INGEST_STALE_MINUTES = env.int("LAIF_INGEST_STALE_MINUTES", 60, minimum=1, maximum=10_080)

# --- Drift monitoring (laif.govern) -------------------------------------------------------------
# Reference profiles, computed once from a monitor's reference data (checksummed files).
LAIF_GOVERN_DIR = Path(env.str("LAIF_GOVERN_DIR", str(DATA_DIR / "govern")))
# The largest reference or batch file accepted (CSV or Parquet; read in memory to be profiled).
LAIF_DRIFT_MAX_UPLOAD_MB = env.int("LAIF_DRIFT_MAX_UPLOAD_MB", 512, minimum=1,
                                   maximum=1_000_000)

# --- Model registry (laif.registry, ADR 0033) ----------------------------------------------------
# Model artefacts, encrypted at rest under their project's data key (as the sandbox's data).
LAIF_REGISTRY_DIR = Path(env.str("LAIF_REGISTRY_DIR", str(DATA_DIR / "registry")))
# The largest model accepted (the file uploaded, and the MLflow directory unpacked from it).
LAIF_MODEL_MAX_UPLOAD_MB = env.int("LAIF_MODEL_MAX_UPLOAD_MB", 20_480, minimum=1,
                                   maximum=1 << 22)

# --- Data sandboxes (laif.sandbox, ADR 0028) ------------------------------------------------------
# Uploaded datasets, encrypted at rest (AES-GCM, a data key per project wrapped by the master key).
LAIF_SANDBOX_DIR = Path(env.str("LAIF_SANDBOX_DIR", str(DATA_DIR / "sandbox")))
# The master key: "file" (a 32-byte key file, created on first use outside production) or "pkcs11"
# (a non-extractable AES key in an HSM: library, token label, PIN (or _FILE), key label).
LAIF_SANDBOX_MASTER_KEY = env.choice("LAIF_SANDBOX_MASTER_KEY", "file", ("file", "pkcs11"))
LAIF_SANDBOX_KEY_FILE = Path(env.str("LAIF_SANDBOX_KEY_FILE",
                                     str(DATA_DIR / "sandbox-master.key")))
LAIF_SANDBOX_PKCS11_LIB = env.str("LAIF_SANDBOX_PKCS11_LIB", "")
LAIF_SANDBOX_PKCS11_TOKEN = env.str("LAIF_SANDBOX_PKCS11_TOKEN", "")
LAIF_SANDBOX_PKCS11_KEY = env.str("LAIF_SANDBOX_PKCS11_KEY", "laif-sandbox-master")
LAIF_SANDBOX_PKCS11_PIN = env.raw("LAIF_SANDBOX_PKCS11_PIN") or ""
if LAIF_SANDBOX_MASTER_KEY == "pkcs11":
    for _name, _value in (("LAIF_SANDBOX_PKCS11_LIB", LAIF_SANDBOX_PKCS11_LIB),
                          ("LAIF_SANDBOX_PKCS11_TOKEN", LAIF_SANDBOX_PKCS11_TOKEN),
                          ("LAIF_SANDBOX_PKCS11_PIN", LAIF_SANDBOX_PKCS11_PIN)):
        if not _value:
            env.require(_name, "required when LAIF_SANDBOX_MASTER_KEY=pkcs11")
# An upload is refused whole past these sizes.
LAIF_SANDBOX_MAX_UPLOAD_MB = env.int("LAIF_SANDBOX_MAX_UPLOAD_MB", 2048, minimum=1,
                                     maximum=1 << 20)
LAIF_SANDBOX_MAX_ROWS = env.int("LAIF_SANDBOX_MAX_ROWS", 50_000_000, minimum=1,
                                maximum=10**10)
# Releases: pseudonymised copies staged where the project's jobs read them (read-only), refused
# under these k-anonymity and l-diversity floors; signed with the platform's Ed25519 key.
LAIF_SANDBOX_RELEASES_DIR = Path(env.str("LAIF_SANDBOX_RELEASES_DIR", str(DATA_DIR / "releases")))
LAIF_SANDBOX_MIN_K = env.int("LAIF_SANDBOX_MIN_K", 5, minimum=1, maximum=1000)
LAIF_SANDBOX_MIN_L = env.int("LAIF_SANDBOX_MIN_L", 2, minimum=1, maximum=1000)
# An approved re-identification is revealed once, within this many minutes of its approval.
LAIF_SANDBOX_REID_MINUTES = env.int("LAIF_SANDBOX_REID_MINUTES", 60, minimum=5, maximum=7 * 24 * 60)
LAIF_SIGNING_KEY_FILE = Path(env.str("LAIF_SIGNING_KEY_FILE", str(DATA_DIR / "signing-ed25519.key")))
# ------------------------------------------------------------------------------------------------

if env.errors:
    sys.stderr.write(format_errors(env.errors) + "\n")
    raise SystemExit(2)
assert _cluster is not None  # a broken cluster file stopped start-up just above
LAIF_CLUSTER: ClusterCatalogue = _cluster

# Django and its packages wired together (constants, no environment): laif/config/framework.py.
# What follows depends on the environment read above.
if LAIF_ENV == "test":
    # Test suites create hundreds of accounts; 1,000,000 PBKDF2 rounds each would dominate runtime.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STATIC_ROOT = DATA_DIR / "static"

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION

# The redirect URI to register at the provider is <LAIF_SITE_URL>/sso/complete/oidc/; behind a TLS
# proxy the request looks like http://, so follow the site URL's scheme.
SOCIAL_AUTH_REDIRECT_IS_HTTPS = LAIF_SITE_URL.startswith("https://")

# Running for real: logs (text or JSON lines with the request id, secret paths redacted),
# request ids, the content security policy. See ADR 0015.
LOGGING = logging_config(fmt=LAIF_LOG_FORMAT, level=LAIF_LOG_LEVEL)
LANGUAGE_COOKIE_SECURE = PRODUCTION
# No inline script or style anywhere (htmx's own indicator style is off: base.html); the
# OpenID Connect provider is a form's redirect target.
_form_action = [SELF]
if LAIF_OIDC_ISSUER:
    _form_action.append(f"{_issuer.scheme}://{_issuer.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF], "script-src": [SELF], "style-src": [SELF],
        "img-src": [SELF, "data:"], "font-src": [SELF], "connect-src": [SELF],
        "object-src": [NONE], "base-uri": [SELF], "frame-ancestors": [NONE],
        "form-action": _form_action,
    },
}

# How long failures are remembered (the waits themselves are shorter: throttle_rules.py).
AXES_COOLOFF_TIME = timedelta(days=1, minutes=LAIF_LOGIN_LOCKOUT_MINUTES)
