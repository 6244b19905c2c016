"""Create forms answered once: a double-click or a resent POST makes one row, not two.

A create form carries a random token (a `token_field()` named `request_token`, rendered
hidden, filled with `new_token()` when the empty form is shown). The view hands its
create step to `create_once(token, kind, make)`: the token row is inserted in the same
transaction as the new row, and its primary key refuses a second insert of the same
token, so of two racing posts exactly one commits; the other (or a later resend) gets the
id the first one created and redirects there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField
from wtforms.validators import Length, Optional, Regexp

from portal.extensions import db
from portal.timeutil import utcnow


class FormToken(db.Model):
    __tablename__ = "form_token"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    entity_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_field():
    """The hidden field a create form carries (a missing token just means no protection)."""
    return HiddenField(
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("This form is damaged: reload the page.")),
        ]
    )


def claim(token: str | None, kind: str) -> FormToken | None:
    """Add the token row to the current transaction (None when the form carried none)."""
    if not token:
        return None
    row = FormToken(token=token, kind=kind, user_id=current_user.id)
    db.session.add(row)
    return row


def already_created(token: str | None, kind: str) -> int | None:
    """The id created by an earlier post of the same form by the same user, if any."""
    if not token:
        return None
    return db.session.scalar(
        select(FormToken.entity_id).where(
            FormToken.token == token,
            FormToken.kind == kind,
            FormToken.user_id == current_user.id,
        )
    )


def create_once(token: str | None, kind: str, make: Callable[[], int]) -> tuple[int, bool]:
    """Run `make` (adds and flushes the new row, returns its id) and commit, once per token.

    Returns (id, True) when this call created it, (id of the earlier one, False) when the
    same form was already posted.
    """
    existing = already_created(token, kind)
    if existing is not None:
        return existing, False
    try:
        row = claim(token, kind)
        new_id = make()
        if row is not None:
            row.entity_id = new_id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = already_created(token, kind)
        if existing is None:
            raise
        return existing, False
    return new_id, True
