"""The version of all business data: the newest audit event id.

Every create, update and delete of an audited row writes an audit event in the same
transaction (portal/audit.py), so while this number is unchanged nothing users can see
has changed. Per-process caches (fragments, the logged-in user) check it once a request.
"""

from __future__ import annotations

from flask import g

from portal.extensions import db


def data_generation() -> int:
    """The current generation, read once per request (plain SQL: it runs on hot paths)."""
    if "data_generation" not in g:
        g.data_generation = (
            db.session.connection().exec_driver_sql("SELECT max(id) FROM audit_event").scalar() or 0
        )
    return g.data_generation
