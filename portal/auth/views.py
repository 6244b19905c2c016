from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from portal.auth.forms import LanguageForm, LoginForm
from portal.auth.models import User, dummy_password_check
from portal.auth.sessions import end_session_cookie, start_session
from portal.extensions import db
from portal.forms import EmptyForm
from portal.ratelimit import login_attempt_allowed
from portal.security import ALL_ROLES, allowed, public

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would make a phishing link look like ours."""
    if not target:
        return url_for("deals.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("deals.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("deals.index"))
    if request.args.get("lang") in ("en", "zh_CN"):
        # Before login the language is a link, not a form: no other route is public.
        session["locale"] = request.args["lang"]
    form = LoginForm()
    if request.method == "POST" and not login_attempt_allowed(request.form.get("username", "")):
        abort(429)
    if form.validate_on_submit():
        user = db.session.scalars(
            select(User).where(User.username == form.username.data.strip())
        ).first()
        if user is None:
            dummy_password_check(form.password.data)
        if user is not None and user.active and user.check_password(form.password.data):
            start_session(user)
            session["locale"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Unknown username or wrong password."))
        return render_template("auth/login.html", form=form), 422
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@allowed(*ALL_ROLES)
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        # Ends this session and every other one of the user: a copied cookie stops working.
        db.session.get(User, current_user.id).end_sessions()
        db.session.commit()
        logout_user()
        end_session_cookie()
        session.pop("locale", None)
    return redirect(url_for("auth.login"))


@bp.post("/language")
@allowed(*ALL_ROLES)
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        db.session.get(User, current_user.id).locale = form.locale.data
        db.session.commit()
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return redirect(_safe_next(back or None))
