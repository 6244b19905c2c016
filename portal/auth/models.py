from __future__ import annotations

import contextlib
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow

# argon2id with the library's RFC 9106 "low memory" profile: strong, and fast enough
# that a login does not stall a gunicorn worker.
_hasher = PasswordHasher()
ROLE_CODES = ("presales", "rep", "leader", "admin")


class User(UserMixin, db.Model):
    __audited__ = True
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_CODES!r}", name="role"),
        CheckConstraint("locale IN ('en', 'zh_CN')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    # Notifications also go by e-mail (when the portal has MAIL_URL) unless the user
    # turned that off in their settings.
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sessions carry the value they were opened with; bumping it ends every open session
    # of the user (logout, password reset, deactivation, role change: portal/auth/sessions.py).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def end_sessions(self) -> None:
        """Every session opened before this (on any device) is refused from the next request."""
        self.session_generation = (self.session_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def dummy_password_check(password: str) -> None:
    """Spend the same time as a real check, so unknown usernames are not revealed by timing."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("not-a-real-password")
