"""Settings read from the environment.

Without any variables the project runs embedded: SQLite, an in-memory channel layer, local media
files and Celery tasks executed inline. Production sets DJANGO_ENV=production plus DATABASE_URL,
REDIS_URL, S3 settings and a secret key (see docs/deployment.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("KCKP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "embedded") == "production"
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "embedded-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mptt",
    "channels",
    "apps.common",
    "apps.units",
    "apps.accounts",
    "apps.system",
    "apps.insurers",
    "apps.cases",
    "apps.alerts",
    "apps.fraud",
    "apps.stats",
    "apps.guide",
    "apps.wechat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
            ]
        },
    }
]

# HTTP requests run on a fixed pool of threads per server process (apps.common.asgi): at most
# ASGI_THREADS at once, further requests wait in the event loop; ASGI_STREAM_THREADS more threads send
# streaming responses (files, exports) to slow clients. Keep DB_POOL_MAX above ASGI_THREADS.
ASGI_THREADS = int(os.environ.get("ASGI_THREADS", "3"))
ASGI_STREAM_THREADS = int(os.environ.get("ASGI_STREAM_THREADS", "8"))
# The owner's draft and submission are answered on the event loop where they can be (apps.cases.fastpath),
# with PostgreSQL and Redis only, on a pool of OWNER_FAST_PATH_POOL connections per server process
# besides Django's DB_POOL_MAX.
OWNER_FAST_PATH = env_bool("OWNER_FAST_PATH", True)
OWNER_FAST_PATH_POOL = int(os.environ.get("OWNER_FAST_PATH_POOL", "8"))

# Database: SQLite by default; DATABASE_URL (postgres://...) for PostgreSQL. Under ASGI persistent
# connections are not reused across threads, so production uses psycopg's pool instead.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", PRODUCTION):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
            "timeout": 10,
        }
        # With the pool, Django turns this into psycopg's `check`: a connection is tried (an empty
        # statement) before it is lent, so one the server dropped (a PostgreSQL restart, a failover)
        # is replaced instead of failing a request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_POOL_CHECK", True)
    # Parameters go to PostgreSQL apart from the statement (server-side binding), and a statement a
    # connection has run DB_PREPARE_THRESHOLD times is prepared there: PostgreSQL plans it once per
    # connection instead of on every execution. The pooled connections live on, so the hot statements
    # (the submission's, the case list's) are planned once per connection. Behind a PgBouncer in
    # transaction mode older than 1.21, set DB_PREPARE_THRESHOLD=off; DB_SERVER_SIDE_BINDING=0 goes back
    # to psycopg's client-side binding.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
        threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5").strip().lower()
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if threshold in ("", "off", "none") else int(threshold)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
            # A file, not memory: tests use several threads and connections like the server does.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
ARCHIVE_DATABASE_URL = os.environ.get("ARCHIVE_DATABASE_URL", "")
if ARCHIVE_DATABASE_URL:
    DATABASES["archive"] = dj_database_url.parse(ARCHIVE_DATABASE_URL, conn_max_age=0)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode archives into a second SQLite file, so the nightly job works out of the box.
    DATABASES["archive"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ARCHIVE_SQLITE_PATH", str(VAR_DIR / "archive.sqlite3")),
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": str(VAR_DIR / f"test-archive-{os.getpid()}.sqlite3")},
    }
# PostgreSQL read replicas (streaming standbys), comma-separated. Only reads that may be a moment
# behind go there: the statistics and their exports, the audit log export (apps.common.replicas).
# Everything else, every write and every owner or officer screen, stays on the primary. A replica
# is used while it answers and lags at most REPLICA_MAX_LAG_S seconds, checked at most every
# REPLICA_CHECK_S; one that fails is set aside for REPLICA_RETRY_S. Replica connections are opened
# per request (no pool): the reads they serve are few and heavy.
REPLICA_DATABASES: list[str] = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), 1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_REPLICA_URLS 需要 DATABASE_URL 指向 PostgreSQL 主库。")
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(_url, conn_max_age=0)
    DATABASES[_alias].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "3"))
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES.append(_alias)
REPLICA_MAX_LAG_S = float(os.environ.get("REPLICA_MAX_LAG_S", "30"))
REPLICA_CHECK_S = float(os.environ.get("REPLICA_CHECK_S", "5"))
REPLICA_RETRY_S = float(os.environ.get("REPLICA_RETRY_S", "30"))

DATABASE_ROUTERS = ["apps.common.routers.PrimaryAndReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis's layer, with an alert sent to all its groups in two round trips.
            "BACKEND": "apps.alerts.layer.AlertChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that channels-redis
            # blocks in BZPOPMIN: an idle consumer's read could time out first and the socket was
            # dropped (seen in `make bench`: 4-8 of 500 officer sockets closed with 1006).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "capacity": 1000, "expiry": 30},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "apps.common.redis_cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "kckp"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kckp"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = not bool(REDIS_URL) or env_bool("CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "retention-daily": {"task": "apps.stats.tasks.run_retention", "schedule": crontab(hour=2, minute=15)},
    "archive-nightly": {"task": "apps.stats.tasks.run_archive", "schedule": crontab(hour=3, minute=30)},
    "rollup-nightly": {"task": "apps.stats.tasks.rebuild_rollup", "schedule": crontab(hour=4, minute=10)},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.validators.ComplexityValidator"},
]
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
ADMIN_DIST = Path(os.environ.get("ADMIN_DIST", REPO_DIR / "admin-frontend" / "dist"))
H5_DIST = Path(os.environ.get("H5_DIST", REPO_DIR / "wechat-h5" / "dist"))

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL_TTL_SECONDS = int(os.environ.get("MEDIA_URL_TTL_SECONDS", "600"))
# Uploads above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # JSON bodies; file parts are not counted
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

AWS_STORAGE_BUCKET_NAME = os.environ.get("S3_BUCKET", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    AWS_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY")
    AWS_S3_REGION_NAME = os.environ.get("S3_REGION", "us-east-1")
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = MEDIA_URL_TTL_SECONDS
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/media-not-public/"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.StaffJWTAuthentication",
        "apps.wechat.authentication.OwnerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.common.parsers.SafeJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.common.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("THROTTLE_LOGIN", "20/min"),
        "track": os.environ.get("THROTTLE_TRACK", "30/min"),
        "owner_session": os.environ.get("THROTTLE_OWNER_SESSION", "30/min"),
        "upload": os.environ.get("THROTTLE_UPLOAD", "120/min"),
        "submit": os.environ.get("THROTTLE_SUBMIT", "30/min"),
        "insurer_lookup": os.environ.get("THROTTLE_INSURER", "60/min"),
        "address": os.environ.get("THROTTLE_ADDRESS", "30/min"),
        "public": os.environ.get("THROTTLE_PUBLIC", "600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=int(os.environ.get("JWT_REFRESH_HOURS", "12"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}
OWNER_TOKEN_DAYS = int(os.environ.get("OWNER_TOKEN_DAYS", "30"))

SPECTACULAR_SETTINGS = {
    "TITLE": "快处快赔 API",
    "DESCRIPTION": "百色交警轻微交通事故快速报案与快速理赔服务接口。错误以 JSON 返回，含 `code` 与中文 `detail`。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {"CaseStatusEnum": "apps.cases.models.Status"},
    "DISABLE_ERRORS_AND_WARNINGS": True,
    # The docs UI is served from this server: no CDN is reachable from a police network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "")  # tests point this at a local fake
WECHAT_OAUTH_BASE_URL = os.environ.get("WECHAT_OAUTH_BASE_URL", "")
WECHAT_TEMPLATE_ID = os.environ.get("WECHAT_TEMPLATE_ID", "")
WECHAT_ENABLED = bool(WECHAT_APP_ID and WECHAT_APP_SECRET)

# AMap (高德) Web Service API v3 for reverse geocoding and place search. Empty URL = not configured: the
# owner's address falls back to the county from the jurisdiction polygons and search answers 503.
GEOCODER_URL = os.environ.get("GEOCODER_URL", "")  # e.g. https://restapi.amap.com; tests point this at a local fake
GEOCODER_KEY = os.environ.get("GEOCODER_KEY", "")
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "3"))  # seconds; a driver at the roadside must not wait

# Security headers. Behind TLS in production; the embedded mode serves plain HTTP on localhost.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry query strings (tickets, phone digits); keep them out of the log.
        "django.server": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        # uvicorn logs every WebSocket request line, single-use alert ticket included, at INFO.
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}

PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
MAP_TILE_ORIGIN = os.environ.get("MAP_TILE_ORIGIN", "")
WECHAT_JSSDK_ORIGIN = os.environ.get("WECHAT_JSSDK_ORIGIN", "")
