"""Django and its packages wired together: the apps, the middleware in its order, templates,
authentication backends, password rules, static files, the task backend, social-auth's pipeline,
request ids and django-axes' hooks. Constants only: nothing here reads the environment;
``settings.py`` reads and validates it, imports these and sets what depends on it (secure
cookies, logging, the content security policy, ...)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent

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
    "axes",  # login throttling (ADR 0016)
    "django_guid",  # request ids (ADR 0015)
    "csp",
    "laif.accounts",
    "laif.cluster",
    "laif.allocations",
    "laif.usage",
    "laif.jobs",
    "laif.compute",
    "laif.billing",
    "laif.fund",
    "laif.entry",
    "laif.assess",
    "laif.sandbox",
    "laif.green",
    "laif.registry",
    "laif.train",
    "laif.connect",
    "laif.network",
    "laif.govern",
    "laif.ops",
    "laif.reports",
]

# An upload too large for memory is spooled encrypted, never in clear (laif.sandbox.uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "laif.sandbox.uploads.EncryptedTemporaryFileUploadHandler",
]

MIDDLEWARE = [
    "laif.ops.middleware.HealthMiddleware",  # /health: before host checks and the TLS redirect
    "django_guid.middleware.guid_middleware",
    "laif.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "laif.accounts.language.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "laif.ops.middleware.FormAddressMiddleware",  # a GET on a form's address: the page above
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "laif.ops.middleware.StaffOnlyMiddleware",  # the admin and API docs as configured
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "laif.accounts.audit_alert.AuditAlertMiddleware",
    "laif.accounts.oidc.OIDCMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its answer (ADR 0016)
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
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked (account, address)
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "/static/"

STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SESSION_COOKIE_HTTPONLY = True
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

DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "RETURN_HEADER": True,
               "EXPOSE_HEADER": False, "IGNORE_URLS": ["health"]}

NINJA_PAGINATION_MAX_LIMIT = 500


# django-axes (ADR 0016): laif's waits are in laif/accounts/throttle.py; these wire it in.
AXES_HANDLER = "laif.accounts.throttle.LaifAxesHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair, never one alone
AXES_FAILURE_LIMIT = "laif.accounts.throttle.failure_limit"
AXES_USERNAME_CALLABLE = "laif.accounts.throttle.username_of"
AXES_CLIENT_IP_CALLABLE = "laif.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "laif.accounts.throttle.lockout_response"

AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused try does not extend the wait
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in laif's audit log already
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address"]
AXES_HTTP_RESPONSE_CODE = 429
