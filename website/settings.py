"""Entraide settings: one module, configured by environment variables.

Every variable is documented in `.env.example`. Defaults are safe for development only:
with DJANGO_DEBUG off, SECRET_KEY must be set and the security headers are on.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from website.csp import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-change-me")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_SITE_NAME = "Entraide"

# Members-only by default: visitors see only public CMS pages and the login page.
PUBLIC_READ = env.bool("PUBLIC_READ", default=False)
# With PUBLIC_READ, how long a shared cache (the reverse proxy) may keep a visitor's page that
# nothing personal is in (website/http_cache.py); 0: never. Members' pages are never shared.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=5)
# How long a page's shared HTML fragment stays in the cache at most (directory/fragments.py):
# the next write makes it unreachable anyway; this only bounds the dead entries.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=600)

INSTALLED_APPS = [
    "website",
    "taxonomy",
    "directory",
    "qa",
    "qa.agenda",
    "website.pages",
    "website.search",
    "website.notifications",
    "website.proconnect",
    "website.api",
    "website.needs",
    "website.steering",
    # django-ninja: listed so that its Swagger page uses its bundled static files, not a CDN.
    "ninja",
    # Wagtail
    "wagtail.contrib.forms",
    # Wagtail's redirects, snippets, documents and images apps without the routers they add
    # to Wagtail's API v3, which the site does not mount (website/wagtail_apps.py).
    "website.wagtail_apps.RedirectsConfig",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "website.wagtail_apps.SnippetsConfig",
    "website.wagtail_apps.DocumentsConfig",
    "website.wagtail_apps.ImagesConfig",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    # Background work
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "csp",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # Outermost: the metrics time the whole chain, and every later log line has the request id.
    "website.observability.metrics.MetricsMiddleware",
    "website.observability.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what every later middleware made (its Vary: Accept-Encoding included); after
    # WhiteNoise, which sends its own pre-compressed files (docs/security.md for BREACH).
    "website.http_cache.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "website.auth_backends.LegacyBackendPathMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Under /api/v1/, the 400 and 413 below and django-ninja's 405 as problem documents
    # (docs/api.md).
    "website.api.middleware.ApiProblemMiddleware",
    # Before any view reads the address or the query string: PostgreSQL refuses a NUL in text.
    "website.middleware.NulCharacterMiddleware",
    # Before any view or the CSRF check reads the body (its __call__ runs before process_view).
    "website.middleware.RequestBodyLimitMiddleware",
    # A form body cut halfway (an interrupted upload) gets 400 before any view reads it.
    "website.middleware.IncompleteBodyMiddleware",
    # The attachments script's upload: its redirect as 204 + X-Entraide-Location.
    "website.middleware.UploadRedirectMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "website.middleware.AccountGateMiddleware",
    "website.sessions.SessionRenewalMiddleware",
    "website.proconnect.middleware.ProConnectLogoutMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: the account gate has run before it answers a reload with 304 (website/http_cache.py).
    "website.http_cache.HttpCacheMiddleware",
]

ROOT_URLCONF = "website.urls"
# A topic's page is the Q&A's (`/sujets/<slug>/`); the taxonomy, the bottom layer, does not know it.
ABSOLUTE_URL_OVERRIDES = {
    "taxonomy.topic": lambda topic: reverse("qa:topic_detail", kwargs={"slug": topic.slug}),
}
WSGI_APPLICATION = "website.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "website.context_processors.viewer",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "website.context_processors.site",
                "website.context_processors.session_expiry",
                "website.notifications.context_processors.unread",
                "website.steering.context_processors.moderation_badges",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)


def _url_setting(parse, variable: str, default: str, kind: str) -> dict:
    """A URL variable parsed by django-environ; one that cannot be parsed stops the start with
    an error naming it. What parses but cannot work is a system check (website/checks.py)."""
    try:
        config = parse(variable, default=default)
    except (ImproperlyConfigured, ValueError) as error:
        raise ImproperlyConfigured(f"{variable} cannot be read: {error}") from error
    if not config.get(kind):
        raise ImproperlyConfigured(f"{variable} cannot be read: it has no scheme (e.g. {default})")
    return config


DATABASES = {
    "default": _url_setting(
        env.db, "DATABASE_URL", f"sqlite:///{VAR_DIR / 'entraide.sqlite3'}", kind="ENGINE"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout + BEGIN IMMEDIATE: several processes (web workers, the task worker)
    # can write without "database is locked" (a deferred transaction cannot wait for the lock).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
else:
    # Checked before the first query of each request: a connection the server dropped
    # (restart, pg_terminate_backend) is replaced, not answered with a 500
    # (tests/website/test_database_reconnect.py).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Persistent connections on both engines: opening one costs a PostgreSQL server a process, and
# SQLite about 2.8 ms of CPU (Django's SQL functions, the PRAGMAs above) on every request
# (tests/website/test_database_connections.py). A SQLite restore writes into the same file
# (docs/operations.md), which a kept connection reads.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared between processes: rate limits must count across workers) ---------------
CACHES = {
    "default": _url_setting(env.cache, "CACHE_URL", "dbcache://entraide_cache", kind="BACKEND")
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django keeps 300 entries by default, then deletes a third of the table (key order, live
    # or not) at every write: rate-limit counters would be forgotten on a busy day.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 50_000)
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's, except that pages still serve while Redis is down: login and sign-up refuse
    # with a 503, the other limits go uncounted, with a log line (website/cache.py).
    CACHES["default"]["BACKEND"] = "website.redis_cache.RedisCache"

# Sessions: read from Redis when the cache is Redis (website/session_store.py: written through
# to the database, each Redis copy kept ten minutes at most); with the database cache, a cached
# read would cost a query like the session's own, so the database store stays, its read
# compiled once per process (website/session_db.py).
SESSION_CACHE_SECONDS = 600
SESSION_ENGINE = "website.session_db"
if CACHES["default"]["BACKEND"] == "website.redis_cache.RedisCache":
    SESSION_ENGINE = "website.session_store"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "directory.User"
# Django's and allauth's backends, reading the user's groups, TOTP, unread count and feed token
# in the user's own query (website/auth_backends.py).
AUTHENTICATION_BACKENDS = [
    "website.auth_backends.ModelBackend",
    "website.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SIGNUP_FORM_CLASS = "directory.forms.SignupProfileForm"
ACCOUNT_ADAPTER = "directory.allauth.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Entraide] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Behind the reverse proxy REMOTE_ADDR is the proxy for everybody: the per-IP limits above would
# be one bucket for the whole site. Set to the number of proxies that append the client's address
# to X-Forwarded-For (1 behind one nginx/Caddy); the client is that many entries from the right,
# so addresses a client writes itself are ignored. The check entraide.W001 warns when HTTPS is
# read from a proxy header but no proxy is trusted here (website/checks.py).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
# Or a header the proxy sets to the client's address alone (e.g. X-Real-IP); empty = unused.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# TOTP secrets and recovery-code seeds are stored encrypted (directory/mfa.py). Fernet keys,
# comma-separated: the first encrypts, each decrypts (rotation). Empty: derived from SECRET_KEY.
MFA_ADAPTER = "directory.mfa.MFAAdapter"
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEY", default=[])
# Key encrypting `manage.py backup` archives (website/archive_encryption.py); empty: clear.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
# Moderators, editors and superusers must turn on TOTP first (website/middleware.py).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
MFA_TOTP_ISSUER = "Entraide"
# Accept the code of one 30-second step either side of the server's: a phone whose clock
# drifts a few seconds no longer fails at random. allauth keeps a used code refused for the
# whole window (3 steps).
MFA_TOTP_TOLERANCE = 1
SOCIALACCOUNT_PROVIDERS: dict = {}
# ProConnect sign-in (website/proconnect, docs/security.md): on when PROCONNECT_DOMAIN is set.
if PROCONNECT_DOMAIN := env.str("PROCONNECT_DOMAIN", default=""):
    SOCIALACCOUNT_PROVIDERS["proconnect"] = {
        "APPS": [
            {
                "provider_id": "proconnect",
                "name": "ProConnect",
                "client_id": env.str("PROCONNECT_CLIENT_ID"),
                "secret": env.str("PROCONNECT_CLIENT_SECRET"),
                "settings": {"domain": PROCONNECT_DOMAIN},
            }
        ]
    }

# The admin logins go through allauth: rate limits and MFA apply everywhere.
WAGTAILADMIN_LOGIN_URL = "/comptes/login/"
WAGTAIL_FRONTEND_LOGIN_URL = WAGTAILADMIN_LOGIN_URL
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# Wagtail's account page would change the login e-mail (no re-authentication, no verification)
# and the password (no rate limit): both go through allauth's pages (/comptes/email/, …).
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
# No Gravatar: the admin would load each user's picture from gravatar.com, handing a third
# party a hash of the e-mail, and show a broken image wherever that site is out of reach. Wagtail
# then shows its own default avatar from our static files (or the picture a user uploads).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]

# --- Static and media files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are never served from MEDIA_URL: their URLs go to /fichiers/<name>, a view
# that checks the collection's view restrictions (website/files/, docs/operations.md). The
# proxy must not expose MEDIA_ROOT; in production it sends the file after the check.
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# How a checked file is sent: Wagtail's streaming backend (default), or
# "website.files.sendfile_nginx" (X-Accel-Redirect to SENDFILE_URL + the file's name, an
# `internal` location aliasing MEDIA_ROOT) or "website.files.sendfile_xsendfile" (Apache's
# X-Sendfile). Wagtail's document view uses the same setting.
SENDFILE_BACKEND = env.str("SENDFILE_BACKEND", default="wagtail.utils.sendfile_streaming_backend")
SENDFILE_URL = env.str("SENDFILE_URL", default="/fichiers-internes/")
STORAGES = {
    "default": {"BACKEND": "website.files.storage.ProtectedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "website.files.static.StaticFilesStorage"
        )
    },
}
# Several servers: uploaded files in an S3-compatible bucket instead of MEDIA_ROOT
# (django-storages). Objects are written private; the site streams them after its permission
# check (docs/operations.md, « Several servers »).
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "website.files.s3.ProtectedS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            # Empty: boto3 finds its credentials itself (AWS_* variables, instance profile).
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
        },
    }
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "odp", "docx", "xlsx", "pptx", "csv", "txt", "zip"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Resource centre: a clear French error above this size; members-only files redirect visitors
# to the site's login (the documents of a restricted collection go through Wagtail's view).
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Éditeurs cannot publish directly: a second editor approving publishes (pages/workflows.py).
WAGTAIL_FINISH_WORKFLOW_ACTION = "website.pages.workflows.publish_approved"
# An approval covers the revision it was given on: a later edit needs a new approval, so an
# approver never publishes changes made after they reviewed the page.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Whole request bodies (website.middleware.RequestBodyLimitMiddleware, 413 above these): 3 MB
# on the site (the directory import's 2 MB file fits), 25 MB under the Wagtail admin (documents
# up to WAGTAILDOCS_MAX_UPLOAD_SIZE, images up to Wagtail's 10 MB). The proxy's own limit
# (nginx `client_max_body_size`) should be the larger one.
REQUEST_BODY_MAX_SIZE = env.int("REQUEST_BODY_MAX_SIZE", default=3 * 1024 * 1024)
UPLOAD_BODY_MAX_SIZE = env.int("UPLOAD_BODY_MAX_SIZE", default=25 * 1024 * 1024)
UPLOAD_BODY_PATH_PREFIXES = ("/admin/",)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Entraide <ne-pas-repondre@entraide.example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work (django-tasks) --------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "search", "email"],
    }
}
# A task RUNNING this long is taken for one whose worker died: `manage.py requeue_stale_tasks`
# (cron) runs it again once. Longer than any task's run (docs/operations.md, « Several servers »).
TASKS_STALE_AFTER_SECONDS = env.int("TASKS_STALE_AFTER_SECONDS", default=900)

# --- Search ---------------------------------------------------------------------------------
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="whoosh")
SEARCH_INDEX_DIR = env.path("SEARCH_INDEX_DIR", default=str(VAR_DIR / "search"))
# Processes writing a large Whoosh index in `search_rebuild` (one per core is right).
SEARCH_REBUILD_PROCS = env.int("SEARCH_REBUILD_PROCS", default=2)
# Memory (MB, Whoosh's estimate) each of those processes sorts its postings in before it
# spills a sorted run to disk and merges the runs at the end. Spilling costs about 0.5 ms
# more CPU per document (measured: 20,000 documents in one process, 0.67–0.72 ms each
# without a spill, 1.16 with two or three); Whoosh estimates about 15 kB per benchmark
# document, so 1,024 does not spill up to about 65,000 documents per process (130,000 on
# two processes).
SEARCH_REBUILD_LIMITMB = env.int("SEARCH_REBUILD_LIMITMB", default=1024)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]

# Scripts only from this server, inline scripts only with the per-request nonce; forms post
# to this server (and to ProConnect when it is on). The Wagtail admin has its own policy.
CONTENT_SECURITY_POLICY = content_security_policy(proconnect_domain=PROCONNECT_DOMAIN)

# --- Logging --------------------------------------------------------------------------------
# --- Logs, metrics, error reports (website/observability/, docs/operations.md) -------------
# `json`: one JSON object per line (for a log collector); `text`: for a person at a console.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
# Take the proxy's `X-Request-ID` (nginx: `proxy_set_header X-Request-ID $request_id;`) as the
# request's id. Only behind a proxy that sets it: otherwise clients would choose their ids.
REQUEST_ID_FROM_PROXY = env.bool("REQUEST_ID_FROM_PROXY", default=False)
# `/metriques/` answers a `Authorization: Bearer <METRICS_TOKEN>` request, or a client in one
# of these networks; anyone else gets a 404. Empty token and no network: nobody.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
# Error reports to a Sentry-compatible server (GlitchTip self-hosted), personal data removed.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
if SENTRY_DSN:
    from website.observability import error_reports

    error_reports.start(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "website.observability.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Both log every task and page action at INFO: too chatty for a console.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# --- Posting budget of new members (directory/budget.py) -----------------------------------
# A member approved less than this many days ago is "new"; moderators are never limited.
NEW_MEMBER_DAYS = env.int("NEW_MEMBER_DAYS", default=7)
# Posts (questions + answers + comments) a new member may publish per hour.
QA_NEW_MEMBER_POSTS_PER_HOUR = env.int("QA_NEW_MEMBER_POSTS_PER_HOUR", default=20)
# Agenda proposals a new member may make per day: enough for real use, too few for spam.
AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY = env.int("AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY", default=3)

# --- Directory invitations (directory/services.py, docs/directory.md) ---------------------
# An invitation link works this many days after it was (re)sent.
DIRECTORY_INVITATION_VALID_DAYS = env.int("DIRECTORY_INVITATION_VALID_DAYS", default=30)
# « Vérifiez votre fiche »: an entry neither confirmed nor edited for this many days is asked
# again (once per period); the e-mailed confirmation link works this many days.
DIRECTORY_CHECK_EVERY_DAYS = env.int("DIRECTORY_CHECK_EVERY_DAYS", default=365)
DIRECTORY_CHECK_LINK_DAYS = env.int("DIRECTORY_CHECK_LINK_DAYS", default=60)

# --- Attachments of questions, answers and comments (qa/attachments.py, docs/qa.md) --------
QA_ATTACHMENTS_PER_POST = env.int("QA_ATTACHMENTS_PER_POST", default=10)
# A comment is a short remark: a few files (a photo, the document it points to), not a dossier.
QA_ATTACHMENTS_PER_COMMENT = env.int("QA_ATTACHMENTS_PER_COMMENT", default=3)
QA_ATTACHMENT_MAX_SIZE = env.int("QA_ATTACHMENT_MAX_SIZE", default=15 * 1024 * 1024)
# Storage per member: the files they attached, all posts together (shown on « Ma fiche »).
QA_ATTACHMENT_QUOTA = env.int("QA_ATTACHMENT_QUOTA", default=200 * 1024 * 1024)
# Decompression bombs: an image above this many pixels is refused before it is decoded.
QA_ATTACHMENT_MAX_PIXELS = env.int("QA_ATTACHMENT_MAX_PIXELS", default=50_000_000)
# The decoding work of one post: the pixels of all its images together (those inside its ZIPs
# too), counted from their headers before each is decoded (four of the largest images).
QA_ATTACHMENT_MAX_PIXELS_PER_POST = env.int(
    "QA_ATTACHMENT_MAX_PIXELS_PER_POST", default=200_000_000
)
# Antivirus (qa/antivirus.py): when set, every attachment is sent to clamd (INSTREAM) before
# it is accepted. A Unix socket path ("/run/clamav/clamd.ctl") or "tcp://host:3310". Empty: no
# scan. While it is set and clamd does not answer within CLAMD_TIMEOUT seconds, files are
# refused (fail closed, logged as errors): nobody receives a file that was not scanned.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=30)
# ZIP bombs (a ZIP, or an Office/OpenDocument file, is one): members are decompressed for
# real and refused past this total, this ratio to their compressed size, or this many members.
QA_ATTACHMENT_ZIP_MAX_TOTAL = env.int("QA_ATTACHMENT_ZIP_MAX_TOTAL", default=100 * 1024 * 1024)
QA_ATTACHMENT_ZIP_MAX_RATIO = env.int("QA_ATTACHMENT_ZIP_MAX_RATIO", default=100)
QA_ATTACHMENT_ZIP_MAX_MEMBERS = env.int("QA_ATTACHMENT_ZIP_MAX_MEMBERS", default=1000)
# Text extracted from attachments for search (qa/extraction.py), in a background task: at
# most this many characters, PDF pages or paragraphs read, and seconds of work per file.
QA_ATTACHMENT_TEXT_MAX_CHARS = env.int("QA_ATTACHMENT_TEXT_MAX_CHARS", default=200_000)
QA_ATTACHMENT_TEXT_MAX_PAGES = env.int("QA_ATTACHMENT_TEXT_MAX_PAGES", default=2_000)
QA_ATTACHMENT_TEXT_SECONDS = env.int("QA_ATTACHMENT_TEXT_SECONDS", default=20)
# How the download view sends a file stored on the local disk: streamed by Django (empty), or
# handed to the proxy after the check with SENDFILE_BACKEND's header ("nginx": X-Accel-Redirect
# to SENDFILE_URL + the stored name; "xsendfile": X-Sendfile). Local storage only: with a remote
# storage the start is refused (website/checks.py, entraide.E005) and Django streams.
QA_ATTACHMENT_SENDFILE = env.str("QA_ATTACHMENT_SENDFILE", default="")
# The posting forms' request bodies may carry the files: the body limit there
# (RequestBodyLimitMiddleware) is every file at its maximum, plus 1 MB of text.
ATTACHMENT_BODY_PATH_PATTERN = (
    r"^/(questions/poser|questions/\d+/repondre|(questions|reponses)/\d+/modifier)/$"
)
ATTACHMENT_BODY_MAX_SIZE = QA_ATTACHMENTS_PER_POST * QA_ATTACHMENT_MAX_SIZE + 1024 * 1024
# The comment forms carry fewer files, so a smaller body (46 MB by default).
COMMENT_ATTACHMENT_BODY_PATH_PATTERN = (
    r"^/((questions|reponses)/\d+/commenter|commentaires/\d+/modifier)/$"
)
COMMENT_ATTACHMENT_BODY_MAX_SIZE = QA_ATTACHMENTS_PER_COMMENT * QA_ATTACHMENT_MAX_SIZE + 1024 * 1024

# Unread markers (docs/qa.md): a member's last visit of a thread is kept this many days, then
# pruned (`manage.py prune_thread_visits`, nightly); older threads show nothing as new.
QA_THREAD_VISIT_RETENTION_DAYS = env.int("QA_THREAD_VISIT_RETENTION_DAYS", default=180)
# A reload of a thread with nothing new leaves the last visit as it is, unless it is older than
# this (qa.services.thread_visit_record).
QA_THREAD_VISIT_REFRESH_SECONDS = env.int("QA_THREAD_VISIT_REFRESH_SECONDS", default=300)

# --- Notifications (docs/notifications.md) --------------------------------------------------
# Questions one member may address to a structure in 24 hours: each one notifies every agent
# and elected member holding a position there (qa/throttle.py, docs/security.md finding 15).
QA_ADDRESSED_QUESTIONS_PER_DAY = env.int("QA_ADDRESSED_QUESTIONS_PER_DAY", default=5)
# People notified for the @mentions of one post, over all its versions: the first this many
# people mentioned (qa/mentions.py); the author is told when more were mentioned.
QA_MENTIONS_NOTIFIED_PER_POST = env.int("QA_MENTIONS_NOTIFIED_PER_POST", default=10)
# Experts of the asker's CC first, then the Pays: never more than this many per question.
NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION = env.int(
    "NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION", default=5
)
# A failed e-mail is retried with exponential back-off (2, 4, 8… minutes, then hourly). An
# e-mail the server refuses (5xx) is abandoned after this many attempts; while the server
# itself is down or erroring, e-mails wait in the outbox (up to 7 days, docs/notifications.md).
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", default=8)
NOTIFICATIONS_EMAIL_RETRY_DELAY_SECONDS = 120
NOTIFICATIONS_EMAIL_GIVE_UP_AFTER_DAYS = 7
# A worker that claimed an e-mail and died: after this long another worker may send it.
NOTIFICATIONS_EMAIL_STALE_CLAIM_SECONDS = 15 * 60
# The SMTP connection's timeout: a hung mail server must not hold a worker for ever.
NOTIFICATIONS_EMAIL_TIMEOUT_SECONDS = 30
# An unsubscribe link in an e-mail works this many days.
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS = 180
# Envelope sender (Return-Path) of the notification e-mails, where delivery status notifications
# (bounces) come back; deliver it to `mail_listen` or the polled mailbox like the reply domain.
# Empty: DEFAULT_FROM_EMAIL's address, and bounces are not counted.
NOTIFICATIONS_BOUNCE_ADDRESS = env.str("NOTIFICATIONS_BOUNCE_ADDRESS", default="")
# This many permanent failures (5.x.x) of e-mails to one member within
# NOTIFICATIONS_BOUNCE_WINDOW_DAYS pause their e-mails until they resume them on the site.
NOTIFICATIONS_BOUNCES_BEFORE_PAUSE = env.int("NOTIFICATIONS_BOUNCES_BEFORE_PAUSE", default=3)
NOTIFICATIONS_BOUNCE_WINDOW_DAYS = 30
# Reply by e-mail (docs/notifications.md): the domain of the `r+<token>@` reply addresses put in
# Reply-To of thread notifications; empty turns the feature off (no Reply-To, no intake).
REPLY_DOMAIN = env.str("REPLY_DOMAIN", default="")
# A reply address works this many days after the e-mail carrying it was written.
REPLY_ADDRESS_MAX_AGE_DAYS = env.int("REPLY_ADDRESS_MAX_AGE_DAYS", default=90)
# Larger inbound messages are stored truncated and refused (the listener refuses them at once).
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=10 * 1024 * 1024)
# A sender (From) or a reply address sending more than this in an hour is not published (a mail
# bomb, a loop): the messages are kept for the moderators, nobody is answered.
INBOUND_MAIL_MAX_PER_HOUR = env.int("INBOUND_MAIL_MAX_PER_HOUR", default=30)
# One explanatory reply at most per sender address in this many seconds (no mail loops).
INBOUND_MAIL_REFUSAL_INTERVAL_SECONDS = 3600
# IMAP polling (`manage.py mail_poll`): the mailbox the reply domain's mail is delivered to, as
# `imaps://user:password@host:993/INBOX` (password percent-encoded; `imap://` only on loopback,
# `imap://…?starttls=1` for STARTTLS). Empty: no polling.
INBOUND_IMAP_URL = env.str("INBOUND_IMAP_URL", default="")
# `mail_poll` without `--once` waits for new mail with IMAP IDLE, renewed after this many seconds
# (RFC 2177: under 29 minutes); a server without IDLE is polled at this interval.
INBOUND_IMAP_IDLE_SECONDS = env.int("INBOUND_IMAP_IDLE_SECONDS", default=25 * 60)
# The inbound webhook (django-anymail, `/courriels/entrants/mailgun/mime`): Mailgun's webhook
# signing key, with which anymail checks every call's signature. Empty: the address answers 404.
ANYMAIL = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    # Brevo's inbound calls name their attachments; anymail fetches them with this API key.
    "BREVO_API_KEY": env.str("BREVO_API_KEY", default=""),
}
# The other inbound webhooks (`/courriels/entrants/<provider>/`: postmark, sendgrid, brevo),
# each on when named here, and only with INBOUND_WEBHOOK_SECRET, the HTTP basic-auth
# `user:password` the provider's calls carry (these providers sign nothing). Else 404.
INBOUND_WEBHOOK_PROVIDERS = env.list("INBOUND_WEBHOOK_PROVIDERS", default=[])
INBOUND_WEBHOOK_SECRET = env.str("INBOUND_WEBHOOK_SECRET", default="")
# A personal feed token (notifications and questions feeds) unused this many days stops working;
# the member renews it from the notification preferences page (docs/security.md, finding 13).
FEED_TOKEN_MAX_IDLE_DAYS = env.int("FEED_TOKEN_MAX_IDLE_DAYS", default=180)

# --- API (/api/v1/, docs/api.md) --------------------------------------------------------------
# Personal tokens: the expiry offered by default, and the longest allowed (in days).
# Never more than a year (issue 21), whatever the environment says.
API_TOKEN_MAX_DAYS = min(env.int("API_TOKEN_MAX_DAYS", default=365), 365)
API_TOKEN_DEFAULT_DAYS = min(env.int("API_TOKEN_DEFAULT_DAYS", default=90), API_TOKEN_MAX_DAYS)
# A token's last use is written at most once per this many seconds (not on every request).
API_TOKEN_TOUCH_SECONDS = 60
# Items per page of the API's lists (a client may ask for fewer, never more).
API_PAGE_SIZE = 50
# Requests one token may make per window (reads and writes counted together), counted in the
# shared cache so that every worker process sees the same count (website/api/ratelimit.py).
API_RATE_LIMIT_REQUESTS = env.int("API_RATE_LIMIT_REQUESTS", default=600)
API_RATE_LIMIT_WINDOW_SECONDS = env.int("API_RATE_LIMIT_WINDOW_SECONDS", default=60)
# Requests without a token (visitors, e.g. with PUBLIC_READ) per window and per client address
# (an IPv6 client's /64), in the same shared cache and window; the address is allauth's
# (ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER behind a proxy).
API_ANONYMOUS_RATE_LIMIT_REQUESTS = env.int("API_ANONYMOUS_RATE_LIMIT_REQUESTS", default=120)
# Webhooks (docs/api.md). A failed delivery is retried with exponential back-off (1, 2, 4…
# minutes, at most 6 hours apart) and abandoned after API_WEBHOOKS_MAX_ATTEMPTS tries; an
# endpoint failing API_WEBHOOKS_DISABLE_AFTER_FAILURES tries in a row is switched off and its
# owner told by e-mail.
API_WEBHOOKS_TIMEOUT_SECONDS = env.int("API_WEBHOOKS_TIMEOUT_SECONDS", default=10)
API_WEBHOOKS_MAX_ATTEMPTS = env.int("API_WEBHOOKS_MAX_ATTEMPTS", default=10)
# After a webhook's secret is renewed, deliveries are signed with the old secret too for this
# many hours, so that the receiver can switch without refusing one (docs/api.md).
API_WEBHOOKS_SECRET_GRACE_HOURS = env.int("API_WEBHOOKS_SECRET_GRACE_HOURS", default=24)
API_WEBHOOKS_RETRY_DELAY_SECONDS = 60
API_WEBHOOKS_RETRY_MAX_DELAY_SECONDS = 6 * 3600
API_WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("API_WEBHOOKS_DISABLE_AFTER_FAILURES", default=20)
# A worker that claimed a delivery and died: after this long another worker may send it.
API_WEBHOOKS_STALE_CLAIM_SECONDS = 5 * 60
# The SSRF guard: plain http only in development; loopback receivers only where a test
# suite switches this on (tests/api/test_webhooks.py). Never in production.
API_WEBHOOKS_ALLOW_HTTP = DEBUG
API_WEBHOOKS_ALLOW_LOOPBACK = False
