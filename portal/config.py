"""Settings read from the environment, one class per environment.

`BIDDESK_ENV` picks the class (development, testing, production; default
development). Outside development `SECRET_KEY` must be set: a missing key is a
start-up error, never a silently guessable default.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

# One place records the htmx build the portal serves (static/js/htmx-<version>.min.js).
HTMX_VERSION = "2.0.8"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE / 'biddesk.sqlite3'}"
    # Heroku-style and plain "postgresql://" URLs mean psycopg 3 here, not psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_synchronous() -> str:
    # Read here with the other settings; applied by the engine hook in portal/__init__.py.
    value = os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").upper()
    if value not in ("FULL", "NORMAL"):
        raise RuntimeError(f"SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {value!r}")
    return value


SQLITE_SYNCHRONOUS = _sqlite_synchronous()


class Config:
    ENV_NAME = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    # A server may drop idle connections, so PostgreSQL connections are checked when taken
    # from the pool; a SQLite file cannot go away, and the check would cost a query per request.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": not SQLALCHEMY_DATABASE_URI.startswith("sqlite")
    }
    SQLALCHEMY_RECORD_QUERIES = False
    # PostgreSQL: give up connecting after this many seconds, and stop any statement (lock
    # waits included) after this many milliseconds; the user then gets the 503 page.
    DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", 5))
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", 30_000))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Without Redis, where stored bid summaries are recomputed (portal/bid/summary.py):
    # "local" (a thread per web process, the default), "inline" (after the request).
    BID_SUMMARY_EXECUTOR = os.environ.get("BID_SUMMARY_EXECUTOR") or "local"
    # Rendered PDFs by content hash, and the frozen PDFs of submitted revisions (portal/exports).
    PDF_CACHE_DIR = os.environ.get("PDF_CACHE_DIR") or str(INSTANCE / "pdf-cache")
    PDF_FROZEN_DIR = os.environ.get("PDF_FROZEN_DIR") or str(INSTANCE / "pdf-frozen")
    PDF_RQ_QUEUE = "pdf"
    # Without REDIS_URL renders run in a pool of this many processes beside the web server.
    PDF_LOCAL_WORKERS = int(os.environ.get("PDF_LOCAL_WORKERS", 2))
    PDF_EXECUTOR = "queue"  # "inline" renders in the request: tests only
    # Seconds after the last change to an open bid before its bid pack and customer PDF are
    # re-rendered in the background (portal/exports/warm.py); 0: never.
    PDF_WARM_SECONDS = float(os.environ.get("PDF_WARM_SECONDS", 45))
    # Larger bodies are refused outright (413). The cap sits above any real form so an
    # oversized paste into one field still reaches its validator and is answered at the field.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 12 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("en", "zh_CN")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "60 per minute")
    RATELIMIT_ENABLED = True
    # Seconds: a session ends after this long without a request, and this long after login.
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 2 * 3600))
    SESSION_MAX_LIFETIME = int(os.environ.get("SESSION_MAX_LIFETIME", 12 * 3600))
    # How many proxies in front of the portal set X-Forwarded-For/-Proto/-Host (0: none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0) or 0)
    PAGE_SIZE = 20
    # Notification e-mails (portal/notifications/mail.py): smtp://user:pass@host:port,
    # smtp+starttls://… or smtps://…; none are sent without it.
    MAIL_URL = os.environ.get("MAIL_URL") or None
    MAIL_FROM = os.environ.get("MAIL_FROM") or "Bid Desk <bid-desk@localhost>"
    MAIL_RETRY_DELAYS = (30, 120, 600)  # seconds between the attempts of a failed send
    HTMX_VERSION = HTMX_VERSION


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only"  # noqa: S105 (tests sign throwaway sessions)
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    PDF_EXECUTOR = "inline"  # most tests want the file in the answer; test_pdf_jobs queues
    BID_SUMMARY_EXECUTOR = "inline"  # bid summaries recomputed right after the request
    PDF_WARM_SECONDS = 0  # no background renders unless a test asks for them


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("BIDDESK_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"BIDDESK_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
