"""Opportunities and their decision chain."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import labels
from portal.accounts.models import Account
from portal.auth.models import User
from portal.conflicts import differing_fields, rebase
from portal.deals.forms import ListFilterForm, OpportunityForm, StakeholderForm
from portal.deals.models import Opportunity, Stage, StageModel, Stakeholder, TeamMember
from portal.deals.queries import (
    CURSOR_ARGS,
    ListCriteria,
    list_scopes,
    opportunity_page,
)
from portal.extensions import db
from portal.forms import EmptyForm
from portal.fragment_cache import fragment_cache
from portal.idempotency import create_once, new_token
from portal.locale import ui_locale
from portal.pages import wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404

bp = Blueprint("deals", __name__)

EDIT_ROLES = ALL_ROLES
CREATE_ROLES = ("rep", "leader", "admin")


# --- list -----------------------------------------------------------------------------


@bp.get("/")
@allowed(*ALL_ROLES)
def home():
    return redirect(url_for("deals.index"))


@bp.get("/opportunities")
@allowed(*ALL_ROLES)
def index():
    criteria = ListCriteria.from_args(request.args)
    locale = ui_locale()

    def results() -> str:
        page = opportunity_page(current_user, criteria, per_page=current_app.config["PAGE_SIZE"])
        list_args = {key: value for key, value in request.args.items() if key not in CURSOR_ARGS}
        return render_template(
            "deals/_results.html",
            page=page,
            list_args=list_args,
            **_list_labels(),
        )

    if wants_fragment():
        # Search-as-you-type sends the same few queries again and again.
        key = (
            "deals.index",
            current_user.id,
            current_user.role,
            locale,
            tuple(sorted(request.args.items(multi=True))),
        )
        return fragment_cache().get_or_render(key, results, list_scopes(current_user, criteria))
    filters = ListFilterForm(request.args)
    _fill_filter_choices(filters)
    filters.status.data = criteria.status or ""  # the open ones unless the URL says otherwise
    # The results come from our own autoescaped template, so they are already safe HTML.
    return render_template("deals/list.html", filters=filters, results=Markup(results()))  # noqa: S704


def _list_labels() -> dict:
    """Labels as plain strings, resolved once per page rather than once per row."""
    return {
        "form_labels": {code: str(label) for code, label in labels.PROCUREMENT_FORMS.items()},
        "status_labels": {code: str(label) for code, label in labels.OPPORTUNITY_STATUSES.items()},
        "detail_url": url_for("deals.index"),
    }


def _stage_choices():
    stages = db.session.execute(
        select(Stage.id, Stage.name_en, Stage.name_zh, StageModel.name_en, StageModel.name_zh)
        .join(StageModel)
        .order_by(StageModel.id, Stage.position)
    ).all()
    zh = ui_locale() == "zh_CN"
    return [(sid, zh_name if zh else en_name) for sid, en_name, zh_name, *_ in stages]


def _user_choices(*roles):
    users = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(roles), User.active)
        .order_by(User.display_name)
    ).all()
    return [(uid, name) for uid, name in users]


def _fill_filter_choices(form: ListFilterForm) -> None:
    # "" not None: WTForms writes None as the text "None" into the option, and the
    # filter URL would carry stage=None&owner=None.
    form.stage.choices = [("", _("All stages"))] + _stage_choices()
    form.owner.choices = [("", _("All owners"))] + _user_choices("rep", "leader", "admin")
    form.status.choices[0] = ("", _("All statuses"))


# --- one opportunity -------------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>")
@allowed(*ALL_ROLES)
def detail(opportunity_id: int):
    opportunity = get_opportunity_or_404(
        opportunity_id,
        joinedload(Opportunity.account),
        joinedload(Opportunity.stage),
        selectinload(Opportunity.stakeholders),
        selectinload(Opportunity.team).joinedload(TeamMember.user),
    )
    return render_template(
        "deals/detail.html",
        opportunity=opportunity,
        new_form=_new_stakeholder_form(),
        editing=request.args.get("edit", type=int),
        action_form=EmptyForm(),
    )


def _opportunity_form(formdata=None, obj=None) -> OpportunityForm:
    form = OpportunityForm(formdata=formdata, obj=obj)
    form.account_id.choices = [
        (a.id, a.name) for a in db.session.scalars(select(Account).order_by(Account.name))
    ]
    form.stage_id.choices = _stage_choices()
    form.owner_id.choices = _user_choices("rep", "leader", "admin")
    # "" (not None, which would render value="None") is the empty choice; the form's
    # coerce turns it back into None.
    form.presales_id.choices = [("", "—")] + _user_choices("presales")
    return form


HAND_OVER_ROLES = ("leader", "admin")


def _hand_over_refused(form: OpportunityForm, opportunity: Opportunity) -> bool:
    """Only the owner, a leader or an admin may change who owns or presells a deal."""
    if current_user.role in HAND_OVER_ROLES or opportunity.owner_id == current_user.id:
        return False
    refused = False
    if form.owner_id.data != opportunity.owner_id:
        form.owner_id.errors.append(_("Only the owner, a leader or an admin can change the owner."))
        refused = True
    if form.presales_id.data != opportunity.presales_id:
        form.presales_id.errors.append(
            _("Only the owner, a leader or an admin can change the presales.")
        )
        refused = True
    return refused


@bp.route("/opportunities/new", methods=["GET", "POST"])
@allowed(*CREATE_ROLES)
def create():
    form = _opportunity_form(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.version.data = 0
        form.request_token.data = new_token()
        form.owner_id.data = current_user.id
        form.currency.data = "CNY"
        form.account_id.data = request.args.get("account", type=int)
    elif form.validate():
        if current_user.role == "rep" and form.owner_id.data != current_user.id:
            form.owner_id.errors.append(_("A rep creates opportunities they own."))
        else:

            def make() -> int:
                opportunity = Opportunity(updated_by_id=current_user.id)
                for name in OpportunityForm.EDITABLE:
                    setattr(opportunity, name, form[name].data)
                opportunity.status_reason = opportunity.status_reason or ""
                opportunity.description = opportunity.description or ""
                db.session.add(opportunity)
                db.session.flush()
                return opportunity.id

            new_id, created = create_once(form.request_token.data, "opportunity", make)
            if created:
                flash(_("Opportunity created."), "success")
            return redirect(url_for("deals.detail", opportunity_id=new_id))
    status = 422 if request.method == "POST" else 200
    return render_template("deals/edit.html", form=form, opportunity=None), status


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def edit(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    if request.method == "GET":
        form = _opportunity_form(obj=opportunity)
        return render_template("deals/edit.html", form=form, opportunity=opportunity)
    form = _opportunity_form(formdata=request.form)
    valid = form.validate()
    if valid and not _amount_follows_bid(opportunity, form):
        valid = False
    if not valid:
        return render_template("deals/edit.html", form=form, opportunity=opportunity), 422
    if form.version.data != opportunity.version:
        return _opportunity_conflict(form, opportunity)
    if _hand_over_refused(form, opportunity):
        return render_template("deals/edit.html", form=form, opportunity=opportunity), 422
    for name in OpportunityForm.EDITABLE:
        setattr(opportunity, name, form[name].data)
    opportunity.status_reason = opportunity.status_reason or ""
    opportunity.description = opportunity.description or ""
    opportunity.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _opportunity_conflict(form, db.session.get(Opportunity, opportunity_id))
    flash(_("Opportunity saved."), "success")
    return redirect(url_for("deals.detail", opportunity_id=opportunity.id))


def _amount_follows_bid(opportunity: Opportunity, form: OpportunityForm) -> bool:
    """Once the bid has a price, the amount is that price: another amount is refused at
    the field (the price is changed on the official price-score scenario)."""
    from portal.bid.truth import official_scenario

    scenario = official_scenario(opportunity.id)
    if scenario is None or not scenario.chosen_price or form.amount.data == scenario.chosen_price:
        return True
    form.amount.errors.append(
        _(
            "The amount follows the bid price %(price)s of the official price-score scenario "
            "“%(name)s”: change the price there.",
            price=f"{scenario.chosen_price:,.2f}",
            name=scenario.name,
        )
    )
    return False


def _opportunity_conflict(form: OpportunityForm, opportunity: Opportunity):
    conflicts = differing_fields(form, opportunity, OpportunityForm.EDITABLE)
    rebase(form, opportunity.version)
    return render_template(
        "deals/edit.html", form=form, opportunity=opportunity, conflicts=conflicts
    ), 409


# --- decision chain (stakeholders) ---------------------------------------------------------


def _new_stakeholder_form(formdata=None) -> StakeholderForm:
    # Prefixed so its field ids never clash with a stakeholder being edited on the same page.
    form = StakeholderForm(formdata=formdata, prefix="new")
    if formdata is None:
        form.version.data = 0
        form.influence.data = 3
        form.attitude.data = "neutral"
    return form


def _stakeholder_or_404(opportunity: Opportunity, stakeholder_id: int) -> Stakeholder:
    stakeholder = db.session.get(Stakeholder, stakeholder_id)
    if stakeholder is None or stakeholder.opportunity_id != opportunity.id:
        abort(404)
    return stakeholder


def _chain(opportunity: Opportunity, status: int = 200, **ctx):
    """The decision-chain block (htmx) or the whole detail page (direct load / no JS)."""
    if not wants_fragment():
        if status == 200 and request.method == "POST":
            return redirect(url_for("deals.detail", opportunity_id=opportunity.id))
        return render_template(
            "deals/detail.html",
            opportunity=opportunity,
            action_form=EmptyForm(),
            new_form=ctx.pop("new_form", None) or _new_stakeholder_form(),
            **ctx,
        ), status
    ctx.setdefault("new_form", _new_stakeholder_form())
    return render_template(
        "deals/_stakeholders.html", opportunity=opportunity, action_form=EmptyForm(), **ctx
    ), status


def _apply(form: StakeholderForm, stakeholder: Stakeholder) -> None:
    for name in StakeholderForm.EDITABLE:
        setattr(stakeholder, name, form.clean(name))


@bp.post("/opportunities/<int:opportunity_id>/stakeholders")
@allowed(*EDIT_ROLES)
def add_stakeholder(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    form = _new_stakeholder_form(request.form)
    if not form.validate():
        return _chain(opportunity, 422, new_form=form, adding=True)
    stakeholder = Stakeholder(opportunity=opportunity)
    _apply(form, stakeholder)
    db.session.add(stakeholder)
    db.session.commit()
    return _chain(opportunity, flash_message=_("Stakeholder added."))


@bp.route(
    "/opportunities/<int:opportunity_id>/stakeholders/<int:stakeholder_id>", methods=["GET", "POST"]
)
@allowed(*EDIT_ROLES)
def stakeholder(opportunity_id: int, stakeholder_id: int):
    """GET: the row (also "cancel editing"). POST: save an edit, checking the version."""
    opportunity = get_opportunity_or_404(opportunity_id)
    stakeholder = _stakeholder_or_404(opportunity, stakeholder_id)
    if request.method == "GET":
        return _chain(opportunity)
    form = StakeholderForm(request.form)
    if not form.validate():
        return _chain(opportunity, 422, editing=stakeholder.id, edit_form=form)
    if form.version.data != stakeholder.version:
        return _stakeholder_conflict(opportunity, stakeholder, form)
    _apply(form, stakeholder)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _stakeholder_conflict(opportunity, db.session.get(Stakeholder, stakeholder_id), form)
    return _chain(opportunity, flash_message=_("Stakeholder saved."))


def _stakeholder_conflict(opportunity, stakeholder, form):
    conflicts = differing_fields(form, stakeholder, StakeholderForm.EDITABLE)
    rebase(form, stakeholder.version)
    return _chain(opportunity, 409, editing=stakeholder.id, edit_form=form, conflicts=conflicts)


@bp.get("/opportunities/<int:opportunity_id>/stakeholders/<int:stakeholder_id>/edit")
@allowed(*EDIT_ROLES)
def edit_stakeholder(opportunity_id: int, stakeholder_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    stakeholder = _stakeholder_or_404(opportunity, stakeholder_id)
    return _chain(opportunity, editing=stakeholder.id, edit_form=StakeholderForm(obj=stakeholder))


@bp.post("/opportunities/<int:opportunity_id>/stakeholders/<int:stakeholder_id>/delete")
@allowed(*EDIT_ROLES)
def delete_stakeholder(opportunity_id: int, stakeholder_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    stakeholder = _stakeholder_or_404(opportunity, stakeholder_id)
    if not EmptyForm().validate():
        abort(400)
    db.session.delete(stakeholder)
    db.session.commit()
    db.session.refresh(opportunity)
    return _chain(opportunity, flash_message=_("Stakeholder removed."))
