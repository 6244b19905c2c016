"""Sessions that really end.

The session cookie is signed, not stored, so ending a session means refusing a cookie
that is still validly signed. Each session carries:

- `sg`: the user's `session_generation` when it was opened. Logout, a password change,
  deactivation or a role change bump the user's generation (the hook below), which ends
  every session of that user, on every device, from the next request on;
- `t0`: when it was opened (absolute lifetime, `SESSION_MAX_LIFETIME` seconds);
- `seen`: the last request (idle timeout, `SESSION_IDLE_TIMEOUT` seconds; refreshed at most
  once a minute so most requests do not re-sign the cookie).

Login clears the old session first (no fixation) and so starts a new CSRF secret.
"""

from __future__ import annotations

import time

from flask import current_app, g, session
from flask_login import login_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from portal.auth.models import User

# Changing any of these ends the user's open sessions.
_ENDING_FIELDS = ("password_hash", "active", "role")
_SEEN_RESOLUTION = 60


def _now() -> float:
    return time.time()


def start_session(user: User) -> None:
    """Log `user` in on a fresh session (new CSRF secret, new timers)."""
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token of the old session here
    login_user(user)
    now = int(_now())
    session["sg"] = user.session_generation or 0
    session["t0"] = now
    session["seen"] = now
    if locale:
        session["locale"] = locale


def session_still_valid(user_generation: int) -> bool:
    """True when the current session may go on; refreshes the idle timer."""
    now = _now()
    config = current_app.config
    try:
        opened = float(session["t0"])
        seen = float(session["seen"])
        generation = int(session["sg"])
    except (KeyError, TypeError, ValueError):
        return False  # a session from before these checks, or a forged shape: log in again
    if generation != user_generation:
        return False
    if now - opened > config["SESSION_MAX_LIFETIME"]:
        return False
    if now - seen > config["SESSION_IDLE_TIMEOUT"]:
        return False
    if now - seen > _SEEN_RESOLUTION:
        session["seen"] = int(now)
    return True


def end_session_cookie() -> None:
    """Forget the login in this cookie (the user's language choice stays)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@event.listens_for(Session, "before_flush")
def _end_sessions_on_account_change(session_: Session, _ctx, _instances) -> None:
    for obj in session_.dirty:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        ending = any(state.attrs[name].history.has_changes() for name in _ENDING_FIELDS)
        if ending and not state.attrs["session_generation"].history.has_changes():
            obj.end_sessions()
