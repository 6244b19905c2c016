"""The negotiation preparation sheet: edit its parts, see the zone and plan checks, print it."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.models import User
from portal.bid.models import SheetAlternative
from portal.bid.service import rivals as bid_rivals
from portal.conflicts import differing_fields, rebase
from portal.deals.models import Opportunity
from portal.extensions import db
from portal.forms import EmptyForm
from portal.negotiation import labels as nlabels
from portal.negotiation.analysis import analyse, default_direction
from portal.negotiation.forms import (
    ConcessionForm,
    GoalEditForm,
    GoalForm,
    InterestForm,
    RoundForm,
    SheetForm,
)
from portal.negotiation.models import (
    CounterpartInterest,
    NegotiationGoal,
    NegotiationRoundLog,
    NegotiationSheet,
    PlannedConcession,
    SheetVersion,
)
from portal.negotiation.snapshot import record_version, snapshot_diff
from portal.pages import wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.timeutil import today
from proposals.negotiation import (
    SITUATIONS,
    TECHNIQUE_AREA_LABELS,
    TECHNIQUE_CHECKLIST,
    Concession,
    ConcessionKind,
    Goal,
    Term,
    validate_concession,
    validate_goal,
)
from proposals.pricing import QuotePart

bp = Blueprint("negotiation", __name__)

# Reps (owner or team, via the opportunity scope) prepare the sheet; presales and leaders read.
EDIT_ROLES = ("rep", "admin")


def _locale() -> str:
    from flask_babel import get_locale

    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def _load(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    sheet = db.session.scalars(
        select(NegotiationSheet)
        .where(NegotiationSheet.opportunity_id == opportunity.id)
        .options(
            selectinload(NegotiationSheet.goals),
            selectinload(NegotiationSheet.interests),
            selectinload(NegotiationSheet.concessions),
            selectinload(NegotiationSheet.rounds),
        )
    ).first()
    return opportunity, sheet


def _blank_sheet(opportunity: Opportunity) -> NegotiationSheet:
    """An unsaved sheet with the defaults a new one starts from (not added to the session)."""
    currency = opportunity.currency
    return NegotiationSheet(
        opportunity_id=opportunity.id,
        situation="win_win",
        currency=currency,
        our_batna_currency=currency,
        buyer_currency=currency,
        solution_net=opportunity.amount,
        services_net=Decimal(0),
        maintenance_net_per_year=Decimal(0),
        maintenance_years=0,
        contract_cost=Decimal(0),
        annual_maintenance_cost=Decimal(0),
        training_day_cost=Decimal(0),
        cost_of_capital_pct=Decimal(0),
        checklist=[],
        version=0,
        intended_outcome="",
        our_batna="",
        buyer_batna="",
        lead_id=opportunity.owner_id,
        technical_id=opportunity.presales_id,
    )


def _sheet_for_edit(
    opportunity: Opportunity, sheet: NegotiationSheet | None, fill=None
) -> NegotiationSheet:
    """The sheet to change, started from the defaults if there is none yet.

    A new sheet gets `fill` applied before its first insert, so its first save is version 1.
    """
    if sheet is not None:
        if fill:
            fill(sheet)
        return sheet
    sheet = _blank_sheet(opportunity)
    sheet.version = None  # let the version counter start at 1
    sheet.updated_by_id = current_user.id
    if fill:
        fill(sheet)
    db.session.add(sheet)
    db.session.flush()
    if not fill:
        record_version(sheet, "created", current_user.id)
    return sheet


def _user_choices():
    users = db.session.execute(
        select(User.id, User.display_name).where(User.active).order_by(User.display_name)
    ).all()
    return [(None, "—")] + [(uid, name) for uid, name in users]


def _sheet_form(opportunity, sheet, formdata=None) -> SheetForm:
    source = sheet if sheet is not None else _blank_sheet(opportunity)
    form = SheetForm(formdata=formdata, obj=None if formdata else source, prefix="sheet")
    form.situation.choices = [
        (s.value, info.label_zh if _locale() == "zh_CN" else info.label_en)
        for s, info in SITUATIONS.items()
    ]
    users = _user_choices()
    for name in ("lead_id", "technical_id", "finance_id", "sponsor_id"):
        form[name].choices = users
    form.checklist.choices = [
        (item.key, item.label_zh if _locale() == "zh_CN" else item.label_en)
        for item in TECHNIQUE_CHECKLIST
    ]
    form.alternatives.choices = [(r.id, r.name) for r in bid_rivals(opportunity.id)]
    if formdata is None:
        form.version.data = source.version or 0
        form.checklist.data = list(source.checklist or [])
        form.alternatives.data = [a.competitor_id for a in getattr(source, "alternatives", [])]
    return form


def _goal_form(formdata=None):
    return GoalForm(formdata=formdata, prefix="goal")


def _interest_form(opportunity, formdata=None):
    form = InterestForm(formdata=formdata, prefix="interest")
    form.stakeholder_id.choices = [(None, "—")] + [(s.id, s.name) for s in opportunity.stakeholders]
    return form


def _concession_form(sheet, formdata=None):
    form = ConcessionForm(formdata=formdata, prefix="concession")
    if formdata is None:
        form.position.data = (
            (max((c.position for c in sheet.concessions), default=0) + 1) if sheet else 1
        )
    return form


def _round_form(sheet, formdata=None):
    form = RoundForm(formdata=formdata, prefix="round")
    if formdata is None:
        form.number.data = (max((r.number for r in sheet.rounds), default=0) + 1) if sheet else 1
        form.held_on.data = today()
    return form


def _latest_version(sheet) -> int | None:
    if sheet is None:
        return None
    return db.session.scalar(
        select(func.max(SheetVersion.number)).where(SheetVersion.sheet_id == sheet.id)
    )


def _render(opportunity, sheet, status=200, **forms):
    """The whole sheet page, or the #sheet block for htmx; forms passed in keep user input."""
    ctx = dict(
        latest_version=_latest_version(sheet),
        opportunity=opportunity,
        sheet=sheet,
        shown=sheet or _blank_sheet(opportunity),
        analysis=analyse(sheet),
        can_edit=current_user.role in EDIT_ROLES,
        sheet_form=forms.get("sheet_form") or _sheet_form(opportunity, sheet),
        goal_form=forms.get("goal_form") or _goal_form(),
        interest_form=forms.get("interest_form") or _interest_form(opportunity),
        concession_form=forms.get("concession_form") or _concession_form(sheet),
        round_form=forms.get("round_form") or _round_form(sheet),
        conflicts=forms.get("conflicts"),
        open_section=forms.get("open_section"),
        editing_goal=forms.get("editing_goal"),
        goal_edit_form=forms.get("goal_edit_form"),
        goal_conflicts=forms.get("goal_conflicts"),
        nlabels=nlabels,
        situations=SITUATIONS,
        checklist=TECHNIQUE_CHECKLIST,
        areas=TECHNIQUE_AREA_LABELS,
        locale_code=_locale(),
        action_form=EmptyForm(),
    )
    template = "negotiation/_sheet.html" if wants_fragment() else "negotiation/sheet.html"
    return render_template(template, **ctx), status


def _saved(opportunity):
    """After a change: the refreshed block for htmx, a redirect (post/redirect/get) otherwise."""
    if not wants_fragment():
        return redirect(url_for("negotiation.sheet", opportunity_id=opportunity.id))
    db.session.expire_all()
    opportunity, sheet = _load(opportunity.id)
    return _render(opportunity, sheet)


@bp.get("/opportunities/<int:opportunity_id>/negotiation")
@allowed(*ALL_ROLES)
def sheet(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    return _render(opportunity, sheet)


@bp.post("/opportunities/<int:opportunity_id>/negotiation")
@allowed(*EDIT_ROLES)
def save(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    form = _sheet_form(opportunity, sheet, request.form)
    if not form.validate():
        return _render(opportunity, sheet, 422, sheet_form=form, open_section="sheet")
    current_version = sheet.version if sheet else 0
    if form.version.data != current_version:
        return _sheet_conflict(opportunity, sheet, form)

    def fill(row: NegotiationSheet) -> None:
        for name in SheetForm.EDITABLE:
            value = form[name].data
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        row.checklist = list(form.checklist.data or [])
        row.updated_by_id = current_user.id
        chosen = list(dict.fromkeys(form.alternatives.data or []))
        for alternative in [a for a in row.alternatives if a.competitor_id not in chosen]:
            row.alternatives.remove(alternative)
        kept = {a.competitor_id for a in row.alternatives}
        for competitor_id in chosen:
            if competitor_id not in kept:
                row.alternatives.append(
                    SheetAlternative(opportunity_id=opportunity.id, competitor_id=competitor_id)
                )

    try:
        sheet = _sheet_for_edit(opportunity, sheet, fill)
        db.session.flush()
        record_version(sheet, "sheet", current_user.id)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        opportunity, sheet = _load(opportunity_id)
        return _sheet_conflict(opportunity, sheet, form)
    return _saved(opportunity)


def _sheet_conflict(opportunity, sheet, form):
    fields = tuple(n for n in SheetForm.EDITABLE if n != "checklist")
    conflicts = differing_fields(form, sheet, fields) if sheet else []
    rebase(form, sheet.version if sheet else 0)
    return _render(
        opportunity, sheet, 409, sheet_form=form, conflicts=conflicts, open_section="sheet"
    )


# --- goals ----------------------------------------------------------------------------


def _goal_errors(form: GoalForm, sheet, editing: NegotiationGoal | None = None) -> bool:
    term = form.term.data
    existing = sheet.goal(term) if sheet is not None and term != "other" else None
    if existing is not None and existing is not editing:
        form.term.errors.append(
            _("There is already a goal for this term: use Edit on it to change it.")
        )
        return True
    higher = (
        default_direction(term)
        if form.direction.data == "auto"
        else form.direction.data == "higher"
    )
    goal = Goal(
        Term(term),
        form.best.data,
        form.expected.data,
        form.walk_away.data,
        form.core.data == "core",
        higher,
    )
    errors = validate_goal(goal)
    for key, error in errors.items():
        form[key].errors.append(str(nlabels.GOAL_ERRORS.get(error.code, error.message)))
    return bool(errors)


@bp.post("/opportunities/<int:opportunity_id>/negotiation/goals")
@allowed(*EDIT_ROLES)
def add_goal(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    form = _goal_form(request.form)
    if not form.validate() or _goal_errors(form, sheet):
        return _render(opportunity, sheet, 422, goal_form=form, open_section="goals")
    sheet = _sheet_for_edit(opportunity, sheet)
    term = form.term.data
    db.session.add(
        NegotiationGoal(
            sheet=sheet,
            opportunity_id=opportunity.id,
            term=term,
            label=(form.label.data or "").strip(),
            unit=(form.unit.data or "").strip(),
            best=form.best.data,
            expected=form.expected.data,
            walk_away=form.walk_away.data,
            core=form.core.data == "core",
            higher_is_better=default_direction(term)
            if form.direction.data == "auto"
            else form.direction.data == "higher",
        )
    )
    db.session.flush()
    record_version(sheet, "goal_added", current_user.id)
    db.session.commit()
    return _saved(opportunity)


def _goal_edit_form(goal: NegotiationGoal, formdata=None) -> GoalEditForm:
    form = GoalEditForm(formdata=formdata, obj=None if formdata else goal, prefix=f"goal-{goal.id}")
    if formdata is None:
        form.core.data = "core" if goal.core else "tradeable"
        form.direction.data = "higher" if goal.higher_is_better else "lower"
    form.term.data = goal.term  # the term is what the goal is about: it does not change
    return form


@bp.get("/opportunities/<int:opportunity_id>/negotiation/goals/<int:goal_id>/edit")
@allowed(*EDIT_ROLES)
def edit_goal(opportunity_id: int, goal_id: int):
    opportunity, sheet = _load(opportunity_id)
    goal = _child_or_404(NegotiationGoal, sheet, goal_id)
    return _render(opportunity, sheet, editing_goal=goal.id, goal_edit_form=_goal_edit_form(goal))


@bp.post("/opportunities/<int:opportunity_id>/negotiation/goals/<int:goal_id>")
@allowed(*EDIT_ROLES)
def save_goal(opportunity_id: int, goal_id: int):
    """Change a goal in place. A save started from an older version of the goal (changed
    meanwhile in another window or by someone else) is a conflict: nothing is saved, both
    versions are shown, the input is kept, and saving again overwrites knowingly."""
    opportunity, sheet = _load(opportunity_id)
    goal = _child_or_404(NegotiationGoal, sheet, goal_id)
    form = _goal_edit_form(goal, request.form)

    def again(status, **extra):
        return _render(
            opportunity, sheet, status, editing_goal=goal.id, goal_edit_form=form, **extra
        )

    if not form.validate() or _goal_errors(form, sheet, editing=goal):
        return again(422)

    def conflict():
        conflicts = differing_fields(form, goal, GoalEditForm.EDITABLE)
        # Goals keep no saver of their own: the sheet's latest version says who saved last.
        last_saver = db.session.scalar(
            select(SheetVersion.saved_by_id)
            .where(SheetVersion.sheet_id == sheet.id)
            .order_by(SheetVersion.number.desc())
            .limit(1)
        )
        conflicts.by_me = last_saver == current_user.id
        rebase(form, goal.version)
        return again(409, goal_conflicts=conflicts)

    if form.version.data != goal.version:
        return conflict()
    goal.label = (form.label.data or "").strip()
    goal.unit = (form.unit.data or "").strip()
    goal.best = form.best.data
    goal.expected = form.expected.data
    goal.walk_away = form.walk_away.data
    goal.core = form.core.data == "core"
    goal.higher_is_better = (
        default_direction(goal.term)
        if form.direction.data == "auto"
        else form.direction.data == "higher"
    )
    try:
        db.session.flush()
        record_version(sheet, "goal_changed", current_user.id)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        opportunity, sheet = _load(opportunity_id)
        goal = _child_or_404(NegotiationGoal, sheet, goal_id)
        return conflict()
    return _saved(opportunity)


def _child_or_404(model, sheet, child_id):
    row = db.session.get(model, child_id)
    if row is None or sheet is None or row.sheet_id != sheet.id:
        abort(404)
    return row


def _delete_child(opportunity_id: int, model, child_id: int, change: str):
    opportunity, sheet = _load(opportunity_id)
    row = _child_or_404(model, sheet, child_id)
    if not EmptyForm().validate():
        abort(400)
    db.session.delete(row)
    db.session.flush()
    db.session.expire(sheet)
    record_version(sheet, change, current_user.id)
    db.session.commit()
    return _saved(opportunity)


@bp.post("/opportunities/<int:opportunity_id>/negotiation/goals/<int:goal_id>/delete")
@allowed(*EDIT_ROLES)
def delete_goal(opportunity_id: int, goal_id: int):
    return _delete_child(opportunity_id, NegotiationGoal, goal_id, "goal_removed")


# --- counterpart interests -------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/negotiation/interests")
@allowed(*EDIT_ROLES)
def add_interest(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    form = _interest_form(opportunity, request.form)
    if not form.validate():
        return _render(opportunity, sheet, 422, interest_form=form, open_section="interests")
    sheet = _sheet_for_edit(opportunity, sheet)
    db.session.add(
        CounterpartInterest(
            sheet=sheet,
            opportunity_id=opportunity.id,
            stakeholder_id=form.stakeholder_id.data,
            position=form.position.data.strip(),
            interest=form.interest.data.strip(),
        )
    )
    db.session.flush()
    record_version(sheet, "interest_added", current_user.id)
    db.session.commit()
    return _saved(opportunity)


@bp.post("/opportunities/<int:opportunity_id>/negotiation/interests/<int:interest_id>/delete")
@allowed(*EDIT_ROLES)
def delete_interest(opportunity_id: int, interest_id: int):
    return _delete_child(opportunity_id, CounterpartInterest, interest_id, "interest_removed")


# --- concession plan ------------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/negotiation/concessions")
@allowed(*EDIT_ROLES)
def add_concession(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    form = _concession_form(sheet, request.form)
    valid = form.validate()
    if valid:
        concession = Concession(
            form.position.data,
            QuotePart(form.part.data),
            ConcessionKind(form.kind.data),
            form.amount.data,
            form.value_to_buyer.data or "",
            form.condition.data or "",
        )
        for key, error in validate_concession(concession).items():
            field = {"order": "position"}.get(key, key)
            form[field].errors.append(str(nlabels.CONCESSION_ERRORS.get(error.code, error.message)))
            valid = False
    if not valid:
        return _render(opportunity, sheet, 422, concession_form=form, open_section="concessions")
    if sheet is not None and any(c.position == form.position.data for c in sheet.concessions):
        # Another concession took this place meanwhile (the opportunity's row lock makes this
        # read current): the plan as it is now, and the next free place offered.
        taken = form.position.data
        form.position.errors.append(
            _("Place %(n)d was just taken; the next free place is offered.", n=taken)
        )
        form.position.raw_data = None
        form.position.data = max(c.position for c in sheet.concessions) + 1
        return _render(opportunity, sheet, 409, concession_form=form, open_section="concessions")
    sheet = _sheet_for_edit(opportunity, sheet)
    db.session.add(
        PlannedConcession(
            sheet=sheet,
            opportunity_id=opportunity.id,
            position=form.position.data,
            kind=form.kind.data,
            part=form.part.data,
            amount=form.amount.data,
            value_to_buyer=(form.value_to_buyer.data or "").strip(),
            condition=(form.condition.data or "").strip(),
        )
    )
    db.session.flush()
    record_version(sheet, "concession_added", current_user.id)
    db.session.commit()
    return _saved(opportunity)


@bp.post("/opportunities/<int:opportunity_id>/negotiation/concessions/<int:concession_id>/delete")
@allowed(*EDIT_ROLES)
def delete_concession(opportunity_id: int, concession_id: int):
    return _delete_child(opportunity_id, PlannedConcession, concession_id, "concession_removed")


# --- negotiation log ------------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/negotiation/rounds")
@allowed(*EDIT_ROLES)
def add_round(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    form = _round_form(sheet, request.form)
    valid = form.validate()
    if not valid:
        return _render(opportunity, sheet, 422, round_form=form, open_section="rounds")
    if sheet is not None and any(r.number == form.number.data for r in sheet.rounds):
        # Logged by someone else (maybe a moment ago): a conflict, answered with the log as it is.
        form.number.errors.append(_("Round %(n)d is already logged.", n=form.number.data))
        return _render(opportunity, sheet, 409, round_form=form, open_section="rounds")
    sheet = _sheet_for_edit(opportunity, sheet)
    db.session.add(
        NegotiationRoundLog(
            sheet=sheet,
            opportunity_id=opportunity.id,
            number=form.number.data,
            held_on=form.held_on.data,
            their_ask=form.their_ask.data,
            our_offer=form.our_offer.data,
            given=(form.given.data or "").strip(),
            received=(form.received.data or "").strip(),
            notes=(form.notes.data or "").strip(),
            created_by_id=current_user.id,
        )
    )
    db.session.flush()
    record_version(sheet, "round_logged", current_user.id)
    db.session.commit()
    return _saved(opportunity)


@bp.post("/opportunities/<int:opportunity_id>/negotiation/rounds/<int:round_id>/delete")
@allowed(*EDIT_ROLES)
def delete_round(opportunity_id: int, round_id: int):
    return _delete_child(opportunity_id, NegotiationRoundLog, round_id, "round_removed")


# --- print view and history -------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>/negotiation/print")
@allowed(*ALL_ROLES)
def print_sheet(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    return render_template(
        "negotiation/print.html",
        opportunity=opportunity,
        sheet=sheet,
        shown=sheet or _blank_sheet(opportunity),
        analysis=analyse(sheet),
        nlabels=nlabels,
        situations=SITUATIONS,
        checklist=TECHNIQUE_CHECKLIST,
        areas=TECHNIQUE_AREA_LABELS,
        locale_code=_locale(),
        printed_on=today(),
        latest_version=_latest_version(sheet),
    )


@bp.get("/opportunities/<int:opportunity_id>/negotiation/history")
@allowed(*ALL_ROLES)
def history(opportunity_id: int):
    opportunity, sheet = _load(opportunity_id)
    versions = list(sheet.versions) if sheet else []
    diffs = {
        v.id: snapshot_diff(versions[i + 1].data if i + 1 < len(versions) else None, v.data)
        for i, v in enumerate(versions)
    }
    return render_template(
        "negotiation/history.html",
        opportunity=opportunity,
        sheet=sheet,
        versions=versions,
        diffs=diffs,
        nlabels=nlabels,
    )


@bp.get("/opportunities/<int:opportunity_id>/negotiation/history/<int:version_id>")
@allowed(*ALL_ROLES)
def version(opportunity_id: int, version_id: int):
    opportunity, sheet = _load(opportunity_id)
    row = db.session.get(SheetVersion, version_id)
    if row is None or sheet is None or row.sheet_id != sheet.id:
        abort(404)
    count = db.session.scalar(
        select(func.count(SheetVersion.id)).where(SheetVersion.sheet_id == sheet.id)
    )
    return render_template(
        "negotiation/version.html",
        opportunity=opportunity,
        sheet=sheet,
        row=row,
        data=row.data,
        count=count,
        nlabels=nlabels,
        situations=SITUATIONS,
        locale_code=_locale(),
    )
