"""Loading the logged-in user on each request, without a query while nothing changed.

Users are audited, so a change to any user (role, active flag, language) moves the data
generation and drops the cached copy. Requests get a plain, read-only `SessionUser`
(no ORM instance to build): views that change a user load the row itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import UserMixin

from portal.auth.models import User
from portal.extensions import db
from portal.generation import data_generation


@dataclass(frozen=True, eq=False)
class SessionUser(UserMixin):
    id: int
    username: str
    display_name: str
    role: str
    locale: str
    active: bool

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active


def load_session_user(user_id: int) -> SessionUser | None:
    cache: dict[int, tuple[int, SessionUser]] = current_app.extensions.setdefault(
        "session_users", {}
    )
    generation = data_generation()
    hit = cache.get(user_id)
    if hit is not None and hit[0] == generation:
        return hit[1]
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        # Flask-Login checks "active" only at login: a deactivated user's open session
        # must end on the next request, so it loads as nobody.
        return None
    session_user = SessionUser(
        user.id, user.username, user.display_name, user.role, user.locale, user.active
    )
    cache[user_id] = (generation, session_user)
    return session_user
