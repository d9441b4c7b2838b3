"""Django settings for sealpost. Everything a deployment changes comes from the environment
(see sealpost/config.py and docs/configuration.md)."""

from pathlib import Path

import dj_database_url

from sealpost.config import data_dir, env, env_bool, env_int, kept_secret, private_sqlite_files

DATA_DIR = data_dir()
PACKAGE_DIR = Path(__file__).resolve().parent

SECRET_KEY = kept_secret("SEALPOST_SECRET_KEY", "secret-key")
# Key for the keyed hash of national IDs. Kept apart from SECRET_KEY so that rotating the
# session key never orphans the hashes stored with student records.
ID_HASH_KEY = kept_secret("SEALPOST_ID_HASH_KEY", "id-hash-key")
# Key under which staff TOTP secrets are stored encrypted (sealpost.accounts.encryption), so that
# a copy of the database alone does not give the second factor.
TOTP_KEY = kept_secret("SEALPOST_TOTP_KEY", "totp-key")

DEBUG = env_bool("SEALPOST_DEBUG", False)
BASE_URL = env("SEALPOST_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h.strip() for h in env("SEALPOST_ALLOWED_HOSTS", "").split(",") if h.strip()]
_base_host = BASE_URL.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
ALLOWED_HOSTS += [_base_host, "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = [BASE_URL]
DEMO = env_bool("SEALPOST_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "sealpost.accounts",
    "sealpost.records",
    "sealpost.orders",
    "sealpost.documents",
    "sealpost.portal",
    "sealpost.desk",
    "sealpost.api",
    "sealpost.verify",
    "sealpost.demo",
    "sealpost.workdays",
    "sealpost.payments",
    "sealpost.issuance",
    "sealpost.retention",
    "sealpost.audit",
    "sealpost.delivery",
    "sealpost.system",
    "sealpost.help",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (below), on every answer
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sealpost.urls"
WSGI_APPLICATION = "sealpost.wsgi.application"

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
                "sealpost.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'sealpost.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (like PostgreSQL's, above): opening one costs a file open, the
    # PRAGMAs below and a parse of the schema on its first query, about 1 ms a request
    # (bench/web.py). An idle connection holds no lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    # WAL lets the web server and the worker read while one of them writes. A writer waits up to
    # 20 s for another's write to end (busy_timeout) rather than fail with "database is locked":
    # several workers and a burst of payments queue their writes (bench/batch.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }
    # The file holds personal data, password hashes and session keys: 0600 from its creation
    # (its -wal and -shm follow), whatever the umask (sealpost.config).
    private_sqlite_files(DATABASES["default"]["NAME"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # e-mail verification and reset links: one day

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "sealpost_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env("SEALPOST_TIME_ZONE", "Asia/Taipei")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by `sealpost collectstatic` in production
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Signed documents, content-addressed. SEALPOST_S3_BUCKET moves them to S3-compatible storage.
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "store"), "file_permissions_mode": 0o640},
    },
}
if env("SEALPOST_S3_BUCKET"):
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("SEALPOST_S3_BUCKET"),
            "endpoint_url": env("SEALPOST_S3_ENDPOINT_URL"),
            "region_name": env("SEALPOST_S3_REGION"),
            "access_key": env("SEALPOST_S3_ACCESS_KEY"),
            "secret_key": env("SEALPOST_S3_SECRET_KEY"),
            "file_overwrite": True,  # content-addressed: the same name always holds the same bytes
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security headers and cookies (docs/configuration.md, "Security") -------------------------
HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Over https: redirect plain http, and tell browsers to use https only (HSTS) for a year.
SECURE_SSL_REDIRECT = HTTPS and env_bool("SEALPOST_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SEALPOST_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SEALPOST_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SEALPOST_HSTS_PRELOAD", True)
# Behind a reverse proxy that terminates TLS: the header it sets to say the request came over
# https, e.g. "X-Forwarded-Proto" (the proxy must overwrite it, never pass a client's through).
if env("SEALPOST_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env("SEALPOST_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # verification codes and download tokens sit in paths
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# E-mail: SMTP when configured; otherwise every message is written to the local mailbox
# folder in the data directory, where a person can read it.
MAIL_FROM = env("SEALPOST_MAIL_FROM", "registrar@sealpost.localhost")
DEFAULT_FROM_EMAIL = MAIL_FROM
SERVER_EMAIL = MAIL_FROM
EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"  # one .eml per message; /mailbox/ in the demo
EMAIL_FILE_PATH = DATA_DIR / "mailbox"
EMAIL_TIMEOUT = 30
# SEALPOST_SMTP_URL: smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465.
if env("SEALPOST_SMTP_URL"):
    from urllib.parse import unquote, urlsplit

    _smtp = urlsplit(env("SEALPOST_SMTP_URL"))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp" and _smtp.port not in (None, 25)
    EMAIL_PORT = _smtp.port or (465 if EMAIL_USE_SSL else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")

# Background tasks (docs/delivery.md): the database queue by default; SEALPOST_TASKS_BACKEND=rq
# with SEALPOST_REDIS_URL uses Redis through django-tasks-rq instead.
# django-tasks-rq's backend runs on django-rq: the app to install is "django_rq" (its checks
# require it), the queues are django-rq's RQ_QUEUES, and its workers need the job class
# django_tasks_rq.Job (`sealpost worker` passes it; see docs/delivery.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASKS_BACKEND = env("SEALPOST_TASKS_BACKEND", "db")
REDIS_URL = env("SEALPOST_REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# The cache holds the rate-limit counters and sign-in lockouts, so every web process must share
# it: files in the data folder with atomic counting (one machine, sealpost.cache), or Redis when
# SEALPOST_REDIS_URL is set (several machines).
if env("SEALPOST_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {
        "BACKEND": "sealpost.cache.LockedFileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "shared"),
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }}
# django-ratelimit knows only its own list of backends; Django's RedisCache and sealpost's
# locked file cache both count atomically (INCR; a file lock).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Rate limits ("count/period", period s, m, h or d with an optional multiplier: "30/5m") and
# the sign-in lockout. See docs/configuration.md, "Rate limits", and sealpost/accounts/throttle.py.
RATE_LIMITS = {
    "login_ip": env("SEALPOST_RATELIMIT_LOGIN_IP", "30/5m"),
    "password_reset_ip": env("SEALPOST_RATELIMIT_PASSWORD_RESET_IP", "10/h"),
    "password_reset_email": env("SEALPOST_RATELIMIT_PASSWORD_RESET_EMAIL", "3/h"),
    "register_ip": env("SEALPOST_RATELIMIT_REGISTER_IP", "10/h"),
    "resend_ip": env("SEALPOST_RATELIMIT_RESEND_IP", "5/h"),
    "verify_ip": env("SEALPOST_RATELIMIT_VERIFY_IP", "60/10m"),
    "verify_upload_ip": env("SEALPOST_RATELIMIT_VERIFY_UPLOAD_IP", "20/10m"),
    "download_ip": env("SEALPOST_RATELIMIT_DOWNLOAD_IP", "60/10m"),
    "download_token": env("SEALPOST_RATELIMIT_DOWNLOAD_TOKEN", "30/10m"),
}
LOGIN_LOCKOUT_FAILURES = env_int("SEALPOST_LOGIN_LOCKOUT_FAILURES", 10)  # wrong passwords or codes ...
LOGIN_LOCKOUT_WINDOW_MINUTES = env_int("SEALPOST_LOGIN_LOCKOUT_WINDOW_MINUTES", 15)  # ... within this
LOGIN_LOCKOUT_MINUTES = env_int("SEALPOST_LOGIN_LOCKOUT_MINUTES", 15)  # lock the account this long
RATELIMIT_ENABLE = env_bool("SEALPOST_RATELIMIT_ENABLE", True)
# Behind a reverse proxy every request comes from the proxy's address: name the header in which
# the proxy passes the client's (X-Real-IP, or X-Forwarded-For, of which the last is used).
CLIENT_IP_HEADER = env("SEALPOST_CLIENT_IP_HEADER", "")
RATELIMIT_IP_META_KEY = "sealpost.accounts.throttle.client_ip"

# Personal data of finished orders (delivered, completed, rejected, cancelled, refunded) is removed
# by `sealpost shred` once nothing happened to the order for RETENTION_DAYS (sealpost.orders.
# retention); verification records, statistics and the audit trail stay.
RETENTION_DAYS = env_int("SEALPOST_RETENTION_DAYS", 365)

# Delivery links to recipients: valid for DELIVERY_LINK_DAYS, at most DELIVERY_DOWNLOAD_LIMIT
# downloads; a failed e-mail is retried with exponential backoff up to DELIVERY_MAX_ATTEMPTS.
DELIVERY_LINK_DAYS = env_int("SEALPOST_DELIVERY_LINK_DAYS", 30)
DELIVERY_DOWNLOAD_LIMIT = env_int("SEALPOST_DELIVERY_DOWNLOAD_LIMIT", 10)
DELIVERY_MAX_ATTEMPTS = env_int("SEALPOST_DELIVERY_MAX_ATTEMPTS", 8)
# How long a worker holds a delivery it is sending; past it the sweeper hands the delivery to
# another worker (the first one is presumed dead).
DELIVERY_LEASE_SECONDS = env_int("SEALPOST_DELIVERY_LEASE_SECONDS", 300)

# Institution shown on pages, e-mails and documents.
INSTITUTION_NAME_ZH = env("SEALPOST_INSTITUTION_NAME_ZH", "國立示範大學")
INSTITUTION_NAME_EN = env("SEALPOST_INSTITUTION_NAME_EN", "National Demonstration University")
REGISTRAR_EMAIL = env("SEALPOST_REGISTRAR_EMAIL", MAIL_FROM)

# Fees (New Taiwan dollars): recipients 1..FREE_RECIPIENTS are free, each further one costs
# RECIPIENT_FEE, at most MAX_RECIPIENTS (seed: 2 free, NT$20, 10 at most). Document fees
# are set by the registrar in the database (orders.DocumentFee).
FREE_RECIPIENTS = env_int("SEALPOST_FREE_RECIPIENTS", 2)
RECIPIENT_FEE = env_int("SEALPOST_RECIPIENT_FEE", 20)
MAX_RECIPIENTS = env_int("SEALPOST_MAX_RECIPIENTS", 10)

# Fonts the documents are drawn with; a character none of them covers cannot be issued.
FONT_DIRS = [
    Path(p)
    for p in env(
        "SEALPOST_FONT_DIRS",
        "/usr/share/fonts/opentype/noto:/usr/share/fonts/truetype/cns11643:"
        "/usr/share/fonts/truetype/hanazono",
    ).split(":")
    if p
]

# Payments (docs/payments.md). Online payment through ECPay appears when the three keys are set.
ECPAY_MERCHANT_ID = env("SEALPOST_ECPAY_MERCHANT_ID")
ECPAY_HASH_KEY = env("SEALPOST_ECPAY_HASH_KEY")
ECPAY_HASH_IV = env("SEALPOST_ECPAY_HASH_IV")
ECPAY_URL = env("SEALPOST_ECPAY_URL", "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5")
PAYMENT_DUE_DAYS = env_int("SEALPOST_PAYMENT_DUE_DAYS", 5)
VIRTUAL_ACCOUNT_PREFIX = env("SEALPOST_VIRTUAL_ACCOUNT_PREFIX", "9999")
VIRTUAL_ACCOUNT_BANK = env("SEALPOST_VIRTUAL_ACCOUNT_BANK", "")
# Document types whose issuance waits for an officer's approval after payment.
APPROVAL_REQUIRED_FOR = {t.strip() for t in env("SEALPOST_APPROVAL_REQUIRED_FOR", "").split(",") if t.strip()}

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only;
# no inline script or style anywhere (templates load static files; keep it so). Forms post to
# this site only: the one page that posts to ECPay (the checkout) adds the configured checkout
# host to its own policy, and only when ECPay is configured (sealpost.payments.views.checkout).
# img-src allows data: for the API documentation page's icons.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}

# Signing: PAdES B-LT by default; B-LTA (archival timestamp, renewable) when set. With no key
# configured, a demo PKI (CA, seal certificate, local timestamp authority) is generated in
# DATA_DIR/pki on first use. See docs/signing.md.
SIGNATURE_LTA = env_bool("SEALPOST_SIGNATURE_LTA", False)
SIGNING_PKCS12 = env("SEALPOST_SIGNING_PKCS12")
SIGNING_PKCS12_PASSWORD = env("SEALPOST_SIGNING_PKCS12_PASSWORD", "")
PKCS11_MODULE = env("SEALPOST_PKCS11_MODULE")
PKCS11_TOKEN_LABEL = env("SEALPOST_PKCS11_TOKEN_LABEL")
PKCS11_KEY_LABEL = env("SEALPOST_PKCS11_KEY_LABEL")
PKCS11_CERT_LABEL = env("SEALPOST_PKCS11_CERT_LABEL")
PKCS11_PIN = env("SEALPOST_PKCS11_PIN")
TSA_URL = env("SEALPOST_TSA_URL")
TRUST_ROOTS = env("SEALPOST_TRUST_ROOTS")

# Documents: the grading scale printed on transcripts (JSON; see docs/documents.md), the seal
# text and an optional logo.
GPA_SCALE_FILE = env("SEALPOST_GPA_SCALE_FILE")
SEAL_TEXT_ZH = env("SEALPOST_SEAL_TEXT_ZH", INSTITUTION_NAME_ZH + "註冊組")
SEAL_TEXT_EN = env("SEALPOST_SEAL_TEXT_EN", "Office of the Registrar, " + INSTITUTION_NAME_EN)
INSTITUTION_LOGO = env("SEALPOST_INSTITUTION_LOGO")
VERIFY_MAX_UPLOAD = env_int("SEALPOST_VERIFY_MAX_UPLOAD", 20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("SEALPOST_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # With SEALPOST_DEBUG, Django logs every SQL statement with its parameters (names,
        # addresses) at DEBUG: never, even with SEALPOST_LOG_LEVEL=DEBUG.
        "django.db.backends": {"level": "INFO"},
        # pyHanko logs a traceback for every untrusted or tampered file it is asked to check;
        # the verification answer already says so.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
