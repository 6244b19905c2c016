"""Loading the logged-in user on each request, without a query while nothing changed.

Users are audited, so a change to any user (role, active flag, language) moves the data
generation and drops the cached copy. The cached values are rebuilt into a fresh
instance attached to the request's session, so views may still change and commit it.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from portal.auth.models import User
from portal.extensions import db
from portal.generation import data_generation


def load_session_user(user_id: int) -> User | None:
    cache: dict[int, tuple[int, dict]] = current_app.extensions.setdefault("session_users", {})
    generation = data_generation()
    hit = cache.get(user_id)
    if hit is not None and hit[0] == generation:
        user = User(**hit[1])
        make_transient_to_detached(user)  # as if just loaded: no pending changes
        db.session.add(user)
        return user
    user = db.session.get(User, user_id)
    if user is not None:
        columns = {attr.key: getattr(user, attr.key) for attr in inspect(User).column_attrs}
        cache[user_id] = (generation, columns)
    return user
