"""Bid Desk web portal: the application factory."""

from __future__ import annotations

import logging
import sqlite3

from babel import Locale
from flask import Flask, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.config import SQLITE_SYNCHRONOUS, Config, config_from_env
from portal.extensions import babel, csrf, db, htmx, login, migrate
from portal.fragment_cache import FragmentCache
from portal.locale import ui_locale
from portal.ratelimit import init_login_rate_limit
from portal.unavailable import unavailable_page

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set outside development (BIDDESK_ENV=development)")
    if (
        app.config.get("ENV_NAME") == "production"
        and len(str(app.config["SECRET_KEY"]).encode()) < 32
    ):
        raise RuntimeError(
            "SECRET_KEY must be at least 32 bytes in production, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address, scheme and host as the trusted proxies saw them: rate limits
        # count real clients, not the proxy. Never set this without a proxy that overwrites
        # the headers: clients could then choose their own address.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _database_timeouts(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from portal.config import INSTANCE

        INSTANCE.mkdir(exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_errors(app)

    from portal.cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _database_timeouts(app: Flask) -> None:
    """PostgreSQL: a connect timeout (an address that never answers fails in seconds, not
    minutes) and a statement timeout (no request waits on the database for ever)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        options["pool_pre_ping"] = True
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", app.config["DB_CONNECT_TIMEOUT"])
        connect_args.setdefault(
            "options", f"-c statement_timeout={int(app.config['DB_STATEMENT_TIMEOUT_MS'])}"
        )
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while one writer commits; the busy timeout makes a second
    # writer wait instead of failing with "database is locked". synchronous=NORMAL is the
    # setting SQLite recommends with WAL: a commit survives a crash of the portal and the
    # file is never corrupted, but the WAL is synced to disk at checkpoints rather than at
    # every commit, so a power cut can undo the last moments of commits. SQLITE_SYNCHRONOUS=FULL
    # syncs every commit (about 0.3 ms more per save on an SSD). PostgreSQL is unaffected.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _init_extensions(app: Flask) -> None:
    from portal import audit  # noqa: F401  (registers the audit hook and model)
    from portal import generation as _generation  # noqa: F401  (the data generation counter)
    from portal import idempotency as _idempotency  # noqa: F401  (create-form tokens)
    from portal.accounts import models as _accounts  # noqa: F401
    from portal.analytics import models as _analytics  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.auth.session_user import load_session_user
    from portal.bid import models as _bid  # noqa: F401
    from portal.deals import models as _deals  # noqa: F401
    from portal.drafts import models as _drafts  # noqa: F401
    from portal.drafts import stored_quote as _stored_quote  # noqa: F401  (quote summaries)
    from portal.negotiation import models as _negotiation  # noqa: F401
    from portal.notifications import mail as _mail  # noqa: F401  (sends e-mails after commit)
    from portal.objections import models as _objections  # noqa: F401
    from portal.outcomes import models as _outcomes  # noqa: F401
    from portal.pricescore import models as _pricescore  # noqa: F401
    from portal.tender import models as _tender  # noqa: F401
    from portal.workspace import models as _workspace  # noqa: F401

    db.init_app(app)
    # Batch mode lets later migrations ALTER tables on SQLite too.
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/../migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    init_login_rate_limit(app)
    app.extensions["fragment_cache"] = FragmentCache()
    babel.init_app(app, locale_selector=_select_locale)

    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = None
    login.session_protection = "strong"

    @login.user_loader
    def load_user(user_id: str):
        return load_session_user(int(user_id))

    @login.unauthorized_handler
    def unauthorized():
        from flask import make_response, redirect, url_for

        back = request.full_path.rstrip("?") if request.method == "GET" else None
        target = url_for("auth.login", next=back)
        if request.headers.get("HX-Request"):
            # A 302 would be followed by htmx and swapped into the page; ask for a full navigation.
            response = make_response("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)


# Parsed once: Babel's Locale.parse costs about a millisecond, on every request otherwise.
_LOCALES = {code: Locale.parse(code) for code in Config.LANGUAGES}


def _select_locale() -> Locale:
    if current_user and current_user.is_authenticated:
        return _LOCALES.get(current_user.locale, _LOCALES["en"])
    chosen = session.get("locale")
    if chosen in _LOCALES:
        return _LOCALES[chosen]
    best = request.accept_languages.best_match(["en", "zh_CN", "zh"])
    return _LOCALES["zh_CN"] if best in ("zh_CN", "zh") else _LOCALES["en"]


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.analytics.views import bp as analytics_bp
    from portal.auth.views import bp as auth_bp
    from portal.bid.views import bp as bid_bp
    from portal.deals.views import bp as deals_bp
    from portal.drafts.approvals import bp as approvals_bp
    from portal.drafts.library import bp as library_bp
    from portal.drafts.views import bp as drafts_bp
    from portal.exports.views import bp as exports_bp
    from portal.history import bp as history_bp
    from portal.negotiation.views import bp as negotiation_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.objections.views import bp as objections_bp
    from portal.outcomes.views import bp as outcomes_bp
    from portal.pricescore.views import bp as pricescore_bp
    from portal.tender.views import bp as tender_bp
    from portal.tender.work import work as work_bp
    from portal.workspace.views import bp as workspace_bp

    for bp in (
        auth_bp,
        deals_bp,
        accounts_bp,
        admin_bp,
        pricescore_bp,
        objections_bp,
        negotiation_bp,
        workspace_bp,
        exports_bp,
        drafts_bp,
        library_bp,
        approvals_bp,
        bid_bp,
        tender_bp,
        work_bp,
        notifications_bp,
        history_bp,
        analytics_bp,
        outcomes_bp,
    ):
        app.register_blueprint(bp)


def _register_hooks(app: Flask) -> None:
    from portal import labels
    from portal.security import check_request_access, serialize_opportunity_writes

    app.before_request(check_request_access)
    app.before_request(serialize_opportunity_writes)

    from portal.bid.summary import run_after_request

    app.after_request(run_after_request)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages and their fragments share URLs: caches must key on the htmx header.
        headers.add("Vary", "HX-Request")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "no-store")
        return response

    from portal.demo import demo_data_loaded

    app.add_template_global(demo_data_loaded)

    @app.context_processor
    def template_globals():
        return {
            "labels": labels,
            "locale": ui_locale(),
            "htmx_version": app.config["HTMX_VERSION"],
        }


def _register_errors(app: Flask) -> None:
    def error_page(status: int, message=None):
        template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/page.html"
        return render_template(template, status=status, message=message), status

    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, lambda e, s=status: error_page(s))

    @app.errorhandler(500)
    def server_error(e):
        try:
            return error_page(500)
        except Exception:  # the error page itself failed (it reads the user): the static one
            app.logger.exception("the 500 page failed")
            return unavailable_page(500)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_page(400, "csrf")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(e):
        app.logger.error("database unavailable on %s: %s", request.path, str(e).splitlines()[0])
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 (the connection is gone; the teardown discards it)
            app.logger.debug("rollback after a database error failed", exc_info=True)
        return unavailable_page()

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def write_conflict(e):
        # The safety net behind the row locks and version checks: a write that lost a race
        # the view did not foresee is a conflict to retry, never a 500.
        db.session.rollback()
        app.logger.warning("write conflict on %s: %s", request.path, e.__class__.__name__)
        return error_page(409)
