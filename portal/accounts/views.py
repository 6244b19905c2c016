"""Customer accounts: grade, decision mode and the four customer-value dimensions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.forms import AccountForm
from portal.accounts.models import Account
from portal.conflicts import differing_fields, rebase
from portal.deals.models import Opportunity
from portal.deals.queries import decode_cursor, encode_cursor
from portal.extensions import db
from portal.pages import wants_fragment
from portal.security import ALL_ROLES, allowed, opportunity_scope

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
EDIT_ROLES = ("rep", "leader", "admin")


ACCOUNTS_PER_PAGE = 50


@bp.get("")
@allowed(*ALL_ROLES)
def index():
    """Accounts by grade and name, a page at a time (keyset on (grade, name, id), read from
    ix_account_grade_name); each with the number of its opportunities the user sees,
    counted for the page's accounts only."""
    after = decode_cursor(request.args.get("after"), (str, str, int))
    stmt = select(Account).order_by(Account.grade, Account.name, Account.id)
    if after:
        stmt = stmt.where(tuple_(Account.grade, Account.name, Account.id) > tuple_(*after))
    accounts = db.session.scalars(stmt.limit(ACCOUNTS_PER_PAGE + 1)).all()
    more = len(accounts) > ACCOUNTS_PER_PAGE
    accounts = accounts[:ACCOUNTS_PER_PAGE]
    counts = dict(
        db.session.execute(
            select(Opportunity.account_id, func.count(Opportunity.id))
            .where(
                Opportunity.account_id.in_([a.id for a in accounts]),
                opportunity_scope(current_user),
            )
            .group_by(Opportunity.account_id)
        ).all()
    )
    last = accounts[-1] if accounts else None
    return render_template(
        "accounts/list.html",
        rows=[(account, counts.get(account.id, 0)) for account in accounts],
        next_cursor=encode_cursor((last.grade, last.name, last.id)) if more else None,
        paged=bool(after),
    )


@bp.get("/suggest")
@allowed(*ALL_ROLES)
def suggest():
    """Options for an account filter's autocomplete (a <datalist>): up to 10 account names
    containing what was typed, best first. A read: no state changes, so a plain GET."""
    from portal.search import account_suggestions

    typed = (request.args.get("account_name") or request.args.get("q") or "")[:200]
    suggestions = account_suggestions(typed)
    if wants_fragment():
        return render_template("accounts/_suggestions.html", suggestions=suggestions)
    # Opened directly (no script): the same matches as links.
    return render_template("accounts/suggest.html", suggestions=suggestions, typed=typed)


@bp.get("/<int:account_id>")
@allowed(*ALL_ROLES)
def detail(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    opportunities = db.session.scalars(
        select(Opportunity)
        .options(joinedload(Opportunity.stage), joinedload(Opportunity.owner))
        .where(Opportunity.account_id == account.id, opportunity_scope(current_user))
        .order_by(Opportunity.bid_deadline)
    ).all()
    return render_template("accounts/detail.html", account=account, opportunities=opportunities)


@bp.route("/new", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def create():
    form = AccountForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.version.data = 0
        for name in ("value_current", "value_potential", "value_relationship", "value_strategic"):
            form[name].data = 5
        form.grade.data = "C"
    elif form.validate():
        account = Account()
        if _save(form, account):
            flash(_("Account created."), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/edit.html", form=form, account=None), status


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def edit(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    if request.method == "GET":
        return render_template("accounts/edit.html", form=AccountForm(obj=account), account=account)
    form = AccountForm(request.form)
    if not form.validate():
        return render_template("accounts/edit.html", form=form, account=account), 422
    if form.version.data != account.version:
        return _conflict(form, account)
    try:
        saved = _save(form, account)
    except StaleDataError:
        db.session.rollback()
        return _conflict(form, db.session.get(Account, account_id))
    if not saved:
        return render_template("accounts/edit.html", form=form, account=account), 422
    flash(_("Account saved."), "success")
    return redirect(url_for("accounts.detail", account_id=account.id))


def _save(form: AccountForm, account: Account) -> bool:
    for name in AccountForm.EDITABLE:
        value = form[name].data
        setattr(account, name, value.strip() if isinstance(value, str) else value)
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.name.errors.append(_("Another account already has this name."))
        return False
    return True


def _conflict(form: AccountForm, account: Account):
    conflicts = differing_fields(form, account, AccountForm.EDITABLE)
    rebase(form, account.version)
    return render_template(
        "accounts/edit.html", form=form, account=account, conflicts=conflicts
    ), 409
