"""User administration: admins only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.admin.forms import UserForm
from portal.auth.models import User
from portal.extensions import db
from portal.security import allowed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@allowed("admin")
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@allowed("admin")
def create_user():
    form = UserForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.role.data = "rep"
    elif form.validate():
        if not form.password.data:
            form.password.errors.append(_("Set a password for the new user."))
        else:
            user = User()
            if _save(form, user):
                flash(_("User created."), "success")
                return redirect(url_for("admin.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_edit.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allowed("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if request.method == "GET":
        form = UserForm(obj=user)
        return render_template("admin/user_edit.html", form=form, user=user)
    form = UserForm(request.form)
    if form.validate():
        if user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors.append(_("You cannot remove your own admin rights."))
        elif _save(form, user):
            if user.id == current_user.id:
                # A new password ends the user's other sessions, not the one that set it.
                session["sg"] = user.session_generation
            flash(_("User saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", form=form, user=user), 422


def _save(form: UserForm, user: User) -> bool:
    user.username = form.username.data.strip()
    user.display_name = form.display_name.data.strip()
    user.email = (form.email.data or "").strip() or None
    user.role = form.role.data
    user.locale = form.locale.data
    user.active = bool(form.active.data)
    if form.password.data:
        user.set_password(form.password.data)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.username.errors.append(_("This username is taken."))
        return False
    return True
