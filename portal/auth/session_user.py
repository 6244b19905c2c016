"""Loading the logged-in user on each request, without a query while nothing changed.

Users are audited, so a change to any user (role, active flag, language) moves the data
generation and drops the cached copy. Requests get a plain, read-only `SessionUser`
(no ORM instance to build): views that change a user load the row itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import bindparam, select

from portal.auth.models import User
from portal.auth.sessions import end_session_cookie, session_still_valid
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
    session_generation: int

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active


@cache
def _user_statement():
    # Plain columns, no ORM instance: after any write the generation moves and this runs.
    return select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.locale,
        User.active,
        User.session_generation,
    ).where(User.id == bindparam("user_id"))


def load_session_user(user_id: int) -> SessionUser | None:
    cache: dict[int, tuple[int, SessionUser]] = current_app.extensions.setdefault(
        "session_users", {}
    )
    generation = data_generation()
    hit = cache.get(user_id)
    if hit is not None and hit[0] == generation:
        session_user = hit[1]
    else:
        row = db.session.execute(_user_statement(), {"user_id": user_id}).first()
        if row is None:
            return None
        session_user = SessionUser(*row)
        cache[user_id] = (generation, session_user)
    # Flask-Login checks "active" only at login: a deactivated user's open session must end
    # on the next request, as must a session ended by logout or a password change.
    if not session_user.active or not session_still_valid(session_user.session_generation):
        end_session_cookie()
        return None
    return session_user
