"""Admins manage users: create, change role, deactivate; nobody else can."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from tests.conftest import login


def _user(app, username):
    from portal.auth.models import User

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is not None:
            db.session.expunge(user)
        return user


def test_admin_creates_a_user_who_can_then_log_in(app, as_user, users):
    client = as_user("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "new.rep",
            "display_name": "新同事 New Rep",
            "email": "",
            "role": "rep",
            "locale": "zh_CN",
            "active": "y",
            "password": "a long enough pass",
        },
    )
    assert response.status_code == 302
    created = _user(app, "new.rep")
    assert (created.role, created.locale, created.active) == ("rep", "zh_CN", True)
    assert created.password_hash.startswith("$argon2id$")
    other = app.test_client()
    login(other, "new.rep", "a long enough pass")


def test_new_user_needs_a_password_and_a_free_username(as_user, users):
    client = as_user("admin")
    base = {"display_name": "X", "role": "rep", "locale": "en", "active": "y"}
    no_password = client.post("/admin/users/new", data={**base, "username": "x.y", "password": ""})
    assert no_password.status_code == 422
    assert "Set a password for the new user." in no_password.get_data(as_text=True)
    taken = client.post(
        "/admin/users/new", data={**base, "username": "rep", "password": "a long enough pass"}
    )
    assert taken.status_code == 422
    assert "This username is taken." in taken.get_data(as_text=True)


def test_deactivated_user_is_logged_out_on_the_next_request(app, as_user, users):
    rep = app.test_client()
    login(rep, "rep")
    assert rep.get("/opportunities").status_code == 200
    admin = as_user("admin")
    response = admin.post(
        f"/admin/users/{users['rep']}",
        data={
            "username": "rep",
            "display_name": "Rita Rep",
            "email": "",
            "role": "rep",
            "locale": "en",
            "password": "",  # "active" unticked
        },
    )
    assert response.status_code == 302
    assert _user(app, "rep").active is False
    assert rep.get("/opportunities").status_code == 302  # back to the login page


def test_admin_cannot_remove_their_own_admin_rights(as_user, users):
    response = as_user("admin").post(
        f"/admin/users/{users['admin']}",
        data={
            "username": "admin",
            "display_name": "Adam Admin",
            "email": "",
            "role": "rep",
            "locale": "en",
            "active": "y",
            "password": "",
        },
    )
    assert response.status_code == 422
    assert "You cannot remove your own admin rights." in response.get_data(as_text=True)
