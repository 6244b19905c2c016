"""Opportunity workspace: pipeline board, NSABC activities, decision-chain map,
competition matrix and account grading."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from portal import labels
from portal.accounts.models import Account
from portal.auth.models import User
from portal.bid import service as bid_service
from portal.conflicts import FieldConflict, differing_fields, rebase
from portal.deals.models import (
    ATTITUDE_CODES,
    PROCUREMENT_FORM_CODES,
    STATUS_CODES,
    Opportunity,
    Stage,
    StageModel,
    Stakeholder,
)
from portal.extensions import db
from portal.forms import EmptyForm, db_int
from portal.pages import render_page_or_fragment, wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.timeutil import today, utcnow
from portal.workspace import queries
from portal.workspace.forms import (
    ActivityForm,
    CompetitorForm,
    CriterionInput,
    LikelihoodForm,
    TemplateForm,
)
from portal.workspace.models import (
    ActivityTemplate,
    Competitor,
    Likelihood,
    MatrixCompetitor,
    MatrixCriterion,
    MatrixScore,
    OpportunityActivity,
    StageMove,
)
from proposals import pipeline
from proposals.coverage import actionable_warnings
from proposals.workspace import suggest_account_grade

bp = Blueprint("workspace", __name__)

REFERENCE_DELETERS = ("leader", "admin")
STALE_MOVE = _l(
    "Someone else changed this opportunity meanwhile. It is shown as saved now; "
    "move it again if you still want to."
)
# Cards shown per column before "Show all": totals always cover every card. A column of
# hundreds of cards is unreadable, and rendering them is most of the board's cost.
CARDS_PER_COLUMN = 40


@bp.context_processor
def _reference_tables() -> dict:
    from flask_babel import lazy_gettext as _l

    from proposals import stages

    return {
        "nsabc_elements": stages.NSABC_ELEMENTS,
        "activity_statuses": stages.ACTIVITY_STATUSES,
        "map_roles": stages.MAP_ROLES,
        "map_role_descriptions": stages.MAP_ROLE_DESCRIPTIONS,
        "buying_roles": stages.BUYING_ROLES,
        "decision_types": stages.DECISION_TYPES,
        "decision_concerns": stages.DECISION_TYPE_CONCERNS,
        "grade_descriptions": stages.ACCOUNT_GRADE_DESCRIPTIONS,
        "value_dimensions": {
            "current": _l("Current"),
            "potential": _l("Potential"),
            "relationship": _l("Relationship"),
            "strategic": _l("Strategic"),
        },
        "today": today(),
    }


def _locale() -> str:
    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def _csrf_ok() -> None:
    if not EmptyForm().validate():
        abort(400)


# --- pipeline board ------------------------------------------------------------------------


def _board_filters(source) -> dict:
    """Filters from the query string (GET) or the form (a move): invalid values are dropped."""

    def int_or_none(name):
        try:
            return int(source.get(name) or 0) or None
        except ValueError:
            return None

    form = source.get("form") or None
    status = source.get("status", "open")
    return {
        "expand": int_or_none("expand"),
        "model": int_or_none("model"),
        "owner": int_or_none("owner"),
        "account": _account_filter(source) or int_or_none("account"),
        "procurement_form": form if form in PROCUREMENT_FORM_CODES else None,
        "status": status if status in STATUS_CODES else (None if status == "" else "open"),
    }


def _account_filter(source) -> int | None:
    """The account chosen in the autocomplete, by its (unique) name; a name that is no
    account's matches nothing (-1, never an id)."""
    name = (source.get("account_name") or "").strip()[:200]
    if not name:
        return None
    return db.session.scalar(select(Account.id).where(Account.name == name)) or -1


def _board_context(filters: dict, **extra) -> dict:
    owners, models = queries.board_choices(current_user)
    account_name = (
        db.session.scalar(select(Account.name).where(Account.id == filters["account"]))
        if filters["account"]
        else None
    ) or (request.args.get("account_name") or "").strip()
    model = next((m for m in models if m.id == filters["model"]), None) or next(
        (m for m in models if m.key == "default"), models[0] if models else None
    )
    if model is None:
        abort(404)
    board = queries.board(
        current_user,
        model,
        per_column=CARDS_PER_COLUMN,
        expand=filters["expand"],
        owner=filters["owner"],
        account=filters["account"],
        procurement_form=filters["procurement_form"],
        status=filters["status"],
    )
    # Translated once, not once per card; the template fills in who and when.
    form_labels = {code: str(label) for code, label in labels.PROCUREMENT_FORMS.items()}
    moved_by = _("Moved by %(who)s on %(when)s")
    filter_args = {
        "model": filters["model"],
        "owner": filters["owner"],
        "account": filters["account"],
        "form": filters["procurement_form"],
        "status": filters["status"] or "",
    }
    return {
        "board": board,
        "filters": filters,
        "owners": owners,
        "account_name": account_name,
        "models": models,
        "action_form": EmptyForm(),
        "form_labels": form_labels,
        "moved_by": moved_by,
        "card_limit": CARDS_PER_COLUMN,
        "filter_args": {k: v for k, v in filter_args.items() if v is not None},
        **extra,
    }


@bp.get("/board")
@allowed(*ALL_ROLES)
def board():
    context = _board_context(_board_filters(request.args))
    return render_page_or_fragment("workspace/board.html", "workspace/_board.html", **context)


# --- stage moves (board and workspace) ---------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/move")
@allowed(*ALL_ROLES)
def move(opportunity_id: int):
    """Move one stage forward or back; a forward move leaving open activities asks first."""
    opportunity = get_opportunity_or_404(opportunity_id, joinedload(Opportunity.stage))
    _csrf_ok()
    on_board = request.form.get("view") == "board"
    grid = queries.load_grid(opportunity, today())
    try:
        plan = pipeline.plan_stage_move(
            grid.activities, grid.current_index, request.form.get("direction", ""), len(grid.stages)
        )
    except ValueError:
        return _after_move(opportunity, on_board, 422, move_error=_("This move is not possible."))
    if request.form.get("version", type=db_int) != opportunity.version:
        return _after_move(
            opportunity,
            on_board,
            409,
            move_error=STALE_MOVE,
        )
    confirmed = request.form.get("confirm") == "1"
    if plan.needs_confirmation and not confirmed:
        return _after_move(
            opportunity,
            on_board,
            200,
            confirming=opportunity.id,
            undone=[grid.templates[a.id] for a in plan.undone],
            direction=plan.direction.value,
        )
    from_stage = opportunity.stage_id
    opportunity.stage_id = grid.stages[plan.to_index].id
    opportunity.updated_by_id = current_user.id
    db.session.add(
        StageMove(
            opportunity_id=opportunity.id,
            from_stage_id=from_stage,
            to_stage_id=opportunity.stage_id,
            moved_by_id=current_user.id,
            moved_at=utcnow(),
            overridden=[{"template_id": a.id, "title": a.title} for a in plan.undone],
        )
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        opportunity = get_opportunity_or_404(opportunity_id, joinedload(Opportunity.stage))
        return _after_move(
            opportunity,
            on_board,
            409,
            move_error=STALE_MOVE,
        )
    db.session.refresh(opportunity)
    return _after_move(opportunity, on_board, 200, moved=opportunity.id)


def _after_move(opportunity, on_board: bool, status: int, **extra):
    if on_board:
        if not wants_fragment():
            if status == 200 and "moved" in extra:
                return redirect(
                    url_for(
                        "workspace.board",
                        **{
                            k: v
                            for k, v in request.form.items()
                            if k in ("model", "owner", "account", "form", "status")
                        },
                    )
                )
            return render_template(
                "workspace/board.html", **_board_context(_board_filters(request.form), **extra)
            ), status
        return render_template(
            "workspace/_board.html", **_board_context(_board_filters(request.form), **extra)
        ), status
    return _progress(opportunity, status, **extra)


# --- the workspace page ---------------------------------------------------------------------


def _load(opportunity_id: int):
    return get_opportunity_or_404(
        opportunity_id,
        joinedload(Opportunity.account),
        joinedload(Opportunity.stage),
        selectinload(Opportunity.stakeholders),
    )


def _progress_context(opportunity, **extra) -> dict:
    from portal.workspace.evidence import grid_evidence

    grid = queries.load_grid(opportunity, today())
    return {
        "opportunity": opportunity,
        "grid": grid,
        "evidence": grid_evidence(opportunity, grid.templates.values()),
        "moves": queries.stage_moves(opportunity.id),
        "action_form": EmptyForm(),
        **extra,
    }


def _chain_context(opportunity, **extra) -> dict:
    from portal.workspace import tasks

    cov = queries.coverage(opportunity, today())
    open_tasks = tasks.open_tasks(opportunity.id)
    plan = tasks.chain_plan(opportunity, open_tasks, today())
    people = [queries._person(s) for s in opportunity.stakeholders]
    return {
        "opportunity": opportunity,
        "coverage": cov,
        "plan": plan,
        "actionable": actionable_warnings(cov.warnings, plan, people),
        "chain_tasks": open_tasks,
        "task_users": tasks.assignable_users(),
        "suggested_assignee": lambda level: tasks.suggested_assignee(opportunity, level),
        "default_due": today() + timedelta(days=7),
        "today": today(),
        "action_form": EmptyForm(),
        **extra,
    }


def _matrix_context(opportunity, **extra) -> dict:
    return {
        "opportunity": opportunity,
        "matrix": queries.load_matrix(opportunity.id),
        "action_form": EmptyForm(),
        **extra,
    }


def _outlook_context(opportunity, form=None, **extra) -> dict:
    likelihood = queries.likelihood_of(opportunity.id)
    if form is None:
        form = LikelihoodForm(formdata=None, obj=likelihood)
        if likelihood is None:
            form.version.data = 0
    grade = None
    if likelihood is not None:
        grade = suggest_account_grade(opportunity.close_date, likelihood.percent, today())
    from portal.bid.truth import official_scenario
    from portal.workspace import grading, tasks
    from portal.workspace.forms import QualificationForm

    qualification = grading.qualification_of(opportunity.id)
    qualification_form = extra.pop("qualification_form", None)
    if qualification_form is None:
        qualification_form = QualificationForm(formdata=None, obj=qualification)
        if qualification is None:
            qualification_form.version.data = 0
    plan = tasks.chain_plan(opportunity, tasks.open_tasks(opportunity.id), today())
    return {
        "opportunity": opportunity,
        "likelihood": likelihood,
        "likelihood_form": form,
        "suggested_grade": grade,
        "qualification_form": qualification_form,
        "evidence_grade": grading.grade_suggestion(
            opportunity, queries.load_grid(opportunity, today()), plan
        ),
        # its P(win) is one factor: labelled when it comes from demo figures
        "official_scenario": official_scenario(opportunity.id),
        **extra,
    }


def _page(opportunity, status=200, **extra):
    context = {}
    for build in (_progress_context, _chain_context, _matrix_context):
        context.update(build(opportunity))
    # The likelihood form comes back with the user's input when its save failed.
    context.update(_outlook_context(opportunity, form=extra.pop("form", None)))
    context.update(extra)
    return render_template("workspace/page.html", **context), status


def _section(opportunity, status, fragment, build, **extra):
    if wants_fragment():
        return render_template(fragment, **build(opportunity, **extra)), status
    if status == 200 and request.method == "POST" and "confirming" not in extra:
        return redirect(url_for("workspace.page", opportunity_id=opportunity.id))
    return _page(opportunity, status, **extra)


def _progress(opportunity, status=200, **extra):
    return _section(opportunity, status, "workspace/_progress.html", _progress_context, **extra)


def _chain(opportunity, status=200, **extra):
    return _section(opportunity, status, "workspace/_chain_map.html", _chain_context, **extra)


def _matrix(opportunity, status=200, **extra):
    return _section(opportunity, status, "workspace/_matrix.html", _matrix_context, **extra)


def _outlook(opportunity, status=200, **extra):
    return _section(opportunity, status, "workspace/_outlook.html", _outlook_context, **extra)


@bp.get("/opportunities/<int:opportunity_id>/workspace")
@allowed(*ALL_ROLES)
def page(opportunity_id: int):
    opportunity = _load(opportunity_id)
    template_id = request.args.get("activity", type=int)
    if template_id:  # the activity editor opened without htmx
        return activity(opportunity_id, template_id)
    return _page(opportunity)[0]


# --- NSABC activities ------------------------------------------------------------------------


def _template_or_404(opportunity, template_id: int) -> ActivityTemplate:
    template = db.session.get(ActivityTemplate, template_id)
    if template is None:
        abort(404)
    stage = db.session.get(Stage, template.stage_id)
    if stage.model_id != opportunity.stage.model_id:
        abort(404)
    return template


def _activity_row(opportunity_id: int, template_id: int) -> OpportunityActivity | None:
    return db.session.scalars(
        select(OpportunityActivity).where(
            OpportunityActivity.opportunity_id == opportunity_id,
            OpportunityActivity.template_id == template_id,
        )
    ).first()


def _assignable_users(opportunity):
    return db.session.execute(
        select(User.id, User.display_name).where(User.active).order_by(User.display_name)
    ).all()


def _activity_form(opportunity, formdata=None, obj=None) -> ActivityForm:
    form = ActivityForm(formdata=formdata, obj=obj)
    form.fill_choices(_locale(), _assignable_users(opportunity))
    return form


@bp.post("/opportunities/<int:opportunity_id>/activities/<int:template_id>/tick")
@allowed(*ALL_ROLES)
def tick_activity(opportunity_id: int, template_id: int):
    """Mark an activity done, or back to not started if it was done."""
    opportunity = _load(opportunity_id)
    template = _template_or_404(opportunity, template_id)
    _csrf_ok()
    row = _activity_row(opportunity.id, template.id)
    version = request.form.get("version", type=db_int)
    if version != (row.version if row else 0):
        return _progress(
            opportunity,
            409,
            progress_error=_(
                "Someone else updated this activity meanwhile; it is shown as saved now."
            ),
        )
    new_status = "not_started" if row is not None and row.status == "done" else "done"
    problem = evidence_problem(template, opportunity, new_status, row.evidence if row else "", "")
    if problem:
        return _progress(opportunity, 422, progress_error=problem)
    if row is None:
        row = OpportunityActivity(
            opportunity_id=opportunity.id, template_id=template.id, evidence=""
        )
        db.session.add(row)
    row.status = new_status
    row.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _progress(
            _load(opportunity_id),
            409,
            progress_error=_(
                "Someone else updated this activity meanwhile; it is shown as saved now."
            ),
        )
    return _progress(opportunity)


@bp.route(
    "/opportunities/<int:opportunity_id>/activities/<int:template_id>", methods=["GET", "POST"]
)
@allowed(*ALL_ROLES)
def activity(opportunity_id: int, template_id: int):
    """GET: the editor of one activity. POST: save status, owner, due date and evidence."""
    opportunity = _load(opportunity_id)
    template = _template_or_404(opportunity, template_id)
    row = _activity_row(opportunity.id, template.id)
    if request.method == "GET":
        form = _activity_form(opportunity, obj=row)
        if row is None:
            form.version.data = 0
            form.status.data = "not_started"
        return _progress(opportunity, editing=template.id, activity_form=form)
    form = _activity_form(opportunity, formdata=request.form)
    valid = form.validate()
    problem = evidence_problem(
        template, opportunity, form.status.data, form.evidence.data, form.override_reason.data
    )
    if problem:
        form.status.errors = [*form.status.errors, problem]
        valid = False
    if not valid:
        return _progress(opportunity, 422, editing=template.id, activity_form=form)
    if form.version.data != (row.version if row else 0):
        return _activity_conflict(opportunity, template, row, form)
    if row is None:
        row = OpportunityActivity(opportunity_id=opportunity.id, template_id=template.id)
        db.session.add(row)
    row.status = form.status.data
    row.owner_id = form.owner_id.data
    row.due_date = form.due_date.data
    row.evidence = (form.evidence.data or "").strip()
    row.override_reason = (form.override_reason.data or "").strip()
    row.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _activity_conflict(
            _load(opportunity_id), template, _activity_row(opportunity_id, template_id), form
        )
    return _progress(opportunity, flash_message=_("Activity saved."))


def evidence_problem(template, opportunity, status: str, evidence: str | None, reason: str | None):
    """Why ``status`` cannot be saved on this activity, or None. Activities the portal can
    judge (portal.workspace.evidence) are done only when the records say so, or with a
    recorded reason (kept, audited, on the activity); the procurement-criteria activity
    also keeps the planner's own rule for "not applicable"."""
    from portal.pricescore.planner import evidence_problem as criteria_problem
    from portal.workspace.evidence import activity_problem

    if status == "done" and (reason or "").strip():
        return None
    problem = criteria_problem(template, opportunity.id, status, evidence or "")
    return problem or activity_problem(template, opportunity, status, reason or "")


def _activity_conflict(opportunity, template, row, form):
    conflicts = differing_fields(form, row, ActivityForm.EDITABLE) if row else []
    rebase(form, row.version if row else 0)
    return _progress(opportunity, 409, editing=template.id, activity_form=form, conflicts=conflicts)


# --- decision chain ----------------------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/chain/<int:stakeholder_id>/attitude")
@allowed(*ALL_ROLES)
def set_attitude(opportunity_id: int, stakeholder_id: int):
    opportunity = _load(opportunity_id)
    stakeholder = db.session.get(Stakeholder, stakeholder_id)
    if stakeholder is None or stakeholder.opportunity_id != opportunity.id:
        abort(404)
    _csrf_ok()
    attitude = request.form.get("attitude")
    if attitude not in ATTITUDE_CODES:
        return _chain(opportunity, 422, chain_error=_("Choose one of the listed attitudes."))
    if request.form.get("version", type=db_int) != stakeholder.version:
        return _chain(
            opportunity,
            409,
            chain_error=_(
                "Someone else changed %(name)s meanwhile; the saved attitude is shown now.",
                name=stakeholder.name,
            ),
        )
    stakeholder.attitude = attitude
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _chain(
            _load(opportunity_id),
            409,
            chain_error=_(
                "Someone else changed %(name)s meanwhile; the saved attitude is shown now.",
                name=stakeholder.name,
            ),
        )
    db.session.refresh(opportunity)
    return _chain(opportunity)


# --- competition matrix ------------------------------------------------------------------------


def _criterion_or_404(opportunity, criterion_id: int) -> MatrixCriterion:
    criterion = db.session.get(MatrixCriterion, criterion_id)
    if criterion is None or criterion.opportunity_id != opportunity.id:
        abort(404)
    return criterion


@bp.post("/opportunities/<int:opportunity_id>/matrix/criteria")
@allowed(*ALL_ROLES)
def add_criterion(opportunity_id: int):
    opportunity = _load(opportunity_id)
    _csrf_ok()
    typed = CriterionInput(request.form, [], _locale())
    if not typed.ok:
        return _matrix(opportunity, 422, new_input=typed)
    position = (
        db.session.scalar(
            select(func.coalesce(func.max(MatrixCriterion.position), 0)).where(
                MatrixCriterion.opportunity_id == opportunity.id
            )
        )
        + 1
    )
    db.session.add(
        MatrixCriterion(
            opportunity_id=opportunity.id,
            name=typed.name,
            weight=typed.weight,
            our_score=typed.our_score,
            position=position,
        )
    )
    db.session.flush()
    bid_service.refresh_matrix_tech(opportunity.id)
    db.session.commit()
    return _matrix(opportunity, matrix_message=_("Criterion added."))


@bp.post("/opportunities/<int:opportunity_id>/matrix/criteria/<int:criterion_id>")
@allowed(*ALL_ROLES)
def save_criterion(opportunity_id: int, criterion_id: int):
    """Save one matrix row (name, weight, our score, each competitor's score)."""
    opportunity = _load(opportunity_id)
    criterion = _criterion_or_404(opportunity, criterion_id)
    _csrf_ok()
    entries = db.session.scalars(
        select(MatrixCompetitor.competitor_id).where(
            MatrixCompetitor.opportunity_id == opportunity.id
        )
    ).all()
    typed = CriterionInput(request.form, entries, _locale())
    if not typed.ok:
        return _matrix(opportunity, 422, row_input={criterion.id: typed})
    if typed.version != criterion.version:
        return _criterion_conflict(opportunity, criterion, typed)
    criterion.name, criterion.weight, criterion.our_score = (
        typed.name,
        typed.weight,
        typed.our_score,
    )
    existing = {s.competitor_id: s for s in criterion.scores}
    for competitor_id, value in typed.scores.items():
        score = existing.get(competitor_id)
        if value is None and score is not None:
            db.session.delete(score)
        elif value is not None and score is None:
            criterion.scores.append(
                MatrixScore(opportunity_id=opportunity.id, competitor_id=competitor_id, score=value)
            )
        elif value is not None and score.score != value:
            score.score = value
    # A score change alone must still bump the row's version, so concurrent edits collide.
    flag_modified(criterion, "name")
    try:
        db.session.flush()
        bid_service.refresh_matrix_tech(opportunity.id)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _criterion_conflict(
            _load(opportunity_id), db.session.get(MatrixCriterion, criterion_id), typed
        )
    return _matrix(opportunity)


def _criterion_conflict(opportunity, criterion, typed: CriterionInput):
    conflicts = []
    for key, label, saved in (
        ("name", _("Criterion"), criterion.name),
        ("weight", _("Weight"), criterion.weight),
        ("our_score", _("Our score"), criterion.our_score),
    ):
        if str(typed.raw[key]).strip() != str(saved):
            conflicts.append(FieldConflict(key, label, typed.raw[key], saved))
    typed.raw["version"] = str(criterion.version)
    return _matrix(opportunity, 409, row_input={criterion.id: typed}, conflicts=conflicts)


@bp.post("/opportunities/<int:opportunity_id>/matrix/criteria/<int:criterion_id>/delete")
@allowed(*ALL_ROLES)
def delete_criterion(opportunity_id: int, criterion_id: int):
    opportunity = _load(opportunity_id)
    criterion = _criterion_or_404(opportunity, criterion_id)
    _csrf_ok()
    db.session.delete(criterion)
    db.session.flush()
    bid_service.refresh_matrix_tech(opportunity.id)
    db.session.commit()
    return _matrix(opportunity, matrix_message=_("Criterion removed."))


@bp.post("/opportunities/<int:opportunity_id>/matrix/competitors")
@allowed(*ALL_ROLES)
def add_matrix_competitor(opportunity_id: int):
    """Add a competitor to this matrix: one from the shared list, or a new name."""
    opportunity = _load(opportunity_id)
    _csrf_ok()
    new_name = (request.form.get("new_name") or "").strip()
    if new_name:
        if (problem := bid_service.rival_name_problem(new_name)) is not None:
            return _matrix(opportunity, 422, competitor_error=problem, new_name=new_name)
        competitor = bid_service.competitor_named(new_name)
    else:
        competitor = db.session.get(Competitor, request.form.get("competitor_id", type=db_int) or 0)
        if competitor is None or competitor.deleted_at is not None:
            return _matrix(
                opportunity, 422, competitor_error=_("Choose a competitor or type a new name.")
            )
    bid_service.add_rival(opportunity.id, competitor)
    db.session.commit()
    return _matrix(
        opportunity, matrix_message=_("%(name)s added to the matrix.", name=competitor.name)
    )


@bp.post("/opportunities/<int:opportunity_id>/matrix/competitors/<int:competitor_id>/rename")
@allowed(*ALL_ROLES)
def rename_rival(opportunity_id: int, competitor_id: int):
    """Rename a rival of this opportunity: the shared competitor record, so the matrix,
    every scenario, the negotiation sheet and objections show the new name."""
    opportunity = _load(opportunity_id)
    _csrf_ok()
    rival = bid_service.rival_of(opportunity.id, competitor_id)
    if rival is None:
        abort(404)
    name = (request.form.get("name") or "").strip()
    error = None
    if not name:
        error = _("This field is required.")
    elif (problem := bid_service.rival_name_problem(name)) is not None:
        error = problem
    elif db.session.scalars(
        select(Competitor).where(
            func.lower(Competitor.name) == name.lower(), Competitor.id != rival.id
        )
    ).first():
        error = _("Another competitor already has this name.")
    if error:
        return _matrix(opportunity, 422, rename_error=error, renaming=rival.id, rename_value=name)
    old = rival.name
    rival.name = name
    db.session.commit()
    return _matrix(
        opportunity,
        matrix_message=_("%(old)s is now called %(new)s everywhere.", old=old, new=name),
    )


@bp.post("/opportunities/<int:opportunity_id>/matrix/competitors/<int:competitor_id>/remove")
@allowed(*ALL_ROLES)
def remove_matrix_competitor(opportunity_id: int, competitor_id: int):
    opportunity = _load(opportunity_id)
    _csrf_ok()
    entry = db.session.scalars(
        select(MatrixCompetitor).where(
            MatrixCompetitor.opportunity_id == opportunity.id,
            MatrixCompetitor.competitor_id == competitor_id,
        )
    ).first()
    if entry is None:
        abort(404)
    used = bid_service.scenarios_using(opportunity.id, competitor_id)
    if used:
        return _matrix(
            opportunity,
            409,
            competitor_error=_(
                "%(name)s is a rival in the price-score scenarios %(scenarios)s: remove it "
                "there first, so no scenario prices a rival the matrix no longer has.",
                name=entry.competitor.name,
                scenarios=", ".join(f"“{s.name}”" for s in used),
            ),
        )
    for score in db.session.scalars(
        select(MatrixScore).where(
            MatrixScore.opportunity_id == opportunity.id, MatrixScore.competitor_id == competitor_id
        )
    ):
        db.session.delete(score)
    db.session.delete(entry)
    db.session.commit()
    return _matrix(opportunity, matrix_message=_("Competitor removed from this matrix."))


# --- likelihood -------------------------------------------------------------------------------


@bp.post("/opportunities/<int:opportunity_id>/likelihood")
@allowed(*ALL_ROLES)
def set_likelihood(opportunity_id: int):
    opportunity = _load(opportunity_id)
    form = LikelihoodForm(request.form)
    if not form.validate():
        return _outlook(opportunity, 422, form=form)
    likelihood = queries.likelihood_of(opportunity.id)
    if form.version.data != (likelihood.version if likelihood else 0):
        rebase(form, likelihood.version if likelihood else 0)
        return _outlook(
            opportunity,
            409,
            form=form,
            outlook_error=_(
                "Someone else changed the likelihood meanwhile (now %(p)s %%). "
                "Save again to overwrite it.",
                p=likelihood.percent if likelihood else "—",
            ),
        )
    if likelihood is None:
        likelihood = Likelihood(opportunity_id=opportunity.id)
        db.session.add(likelihood)
    likelihood.percent = form.percent.data
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _outlook(
            _load(opportunity_id),
            409,
            form=form,
            outlook_error=_(
                "Someone else changed the likelihood meanwhile. Save again to overwrite it."
            ),
        )
    return _outlook(opportunity)


@bp.post("/opportunities/<int:opportunity_id>/qualification")
@allowed(*ALL_ROLES)
def set_qualification(opportunity_id: int):
    """Save the qualification inputs; the suggested grade beside the rep's is recomputed."""
    from portal.workspace.forms import QualificationForm
    from portal.workspace.grading import qualification_of
    from portal.workspace.models import Qualification

    opportunity = _load(opportunity_id)
    form = QualificationForm(request.form)
    if not form.validate():
        return _outlook(opportunity, 422, qualification_form=form)
    row = qualification_of(opportunity.id)
    stale = _("Someone else changed the qualification meanwhile. Save again to overwrite it.")
    if form.version.data != (row.version if row else 0):
        rebase(form, row.version if row else 0)
        return _outlook(opportunity, 409, qualification_form=form, outlook_error=stale)
    if row is None:
        row = Qualification(opportunity_id=opportunity.id)
        db.session.add(row)
    for name in QualificationForm.EDITABLE:
        setattr(row, name, form[name].data)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _outlook(_load(opportunity_id), 409, qualification_form=form, outlook_error=stale)
    return _outlook(opportunity)


# --- account grading (shown on the account page) ------------------------------------------------


@bp.get("/accounts/<int:account_id>/grading")
@allowed(*ALL_ROLES)
def account_grading(account_id: int):
    from proposals.workspace import customer_value_scores

    account = db.session.get(Account, account_id) or abort(404)
    rows, suggestion = queries.account_outlook(current_user, account.id, today())
    value = customer_value_scores(
        account.value_current,
        account.value_potential,
        account.value_relationship,
        account.value_strategic,
    )
    return render_page_or_fragment(
        "workspace/account_grading.html",
        "workspace/_account_grading.html",
        account=account,
        rows=rows,
        suggestion=suggestion,
        value=value,
    )


# --- competitors (shared reference data) ----------------------------------------------------------


def _competitors_page(status=200, **extra):
    competitors = db.session.scalars(select(Competitor).order_by(Competitor.name)).all()
    extra.setdefault("form", CompetitorForm(formdata=None))
    return render_template(
        "workspace/competitors.html",
        competitors=competitors,
        usage=queries.competitor_usage(),
        action_form=EmptyForm(),
        can_delete=current_user.role in REFERENCE_DELETERS,
        **extra,
    ), status


@bp.get("/competitors")
@allowed(*ALL_ROLES)
def competitors():
    return _competitors_page()


@bp.post("/competitors")
@allowed(*ALL_ROLES)
def add_competitor():
    form = CompetitorForm(request.form)
    if not form.validate():
        return _competitors_page(422, form=form)
    name = form.name.data.strip()
    existing = db.session.scalars(
        select(Competitor).where(func.lower(Competitor.name) == name.lower())
    ).first()
    if existing is not None and existing.deleted_at is None:
        form.name.errors.append(_("This competitor is already on the list."))
        return _competitors_page(422, form=form)
    if existing is not None:
        existing.deleted_at = None
        existing.notes = (form.notes.data or "").strip() or existing.notes
    else:
        db.session.add(Competitor(name=name, notes=(form.notes.data or "").strip()))
    db.session.commit()
    flash(_("Competitor added."), "success")
    return redirect(url_for("workspace.competitors"))


@bp.post("/competitors/<int:competitor_id>/delete")
@allowed(*REFERENCE_DELETERS)
def delete_competitor(competitor_id: int):
    """Soft delete: matrices that use the competitor keep it and its scores (history)."""
    competitor = db.session.get(Competitor, competitor_id) or abort(404)
    _csrf_ok()
    used = queries.competitor_usage().get(competitor.id, 0)
    if used and request.form.get("confirm") != "1":
        return _competitors_page(confirming=competitor, used=used)
    competitor.deleted_at = utcnow()
    db.session.commit()
    flash(
        _("%(name)s deleted from the list. Matrices that used it keep it.", name=competitor.name),
        "success",
    )
    return redirect(url_for("workspace.competitors"))


# --- NSABC activity templates (admin reference data) ----------------------------------


def _templates_page(model_id=None, status=200, **extra):
    models = db.session.scalars(select(StageModel).order_by(StageModel.id)).all()
    model = next((m for m in models if m.id == model_id), None) or models[0]
    queries.ensure_templates(model.id)
    stages = db.session.scalars(
        select(Stage).where(Stage.model_id == model.id).order_by(Stage.position)
    ).all()
    templates = db.session.scalars(
        select(ActivityTemplate)
        .where(ActivityTemplate.stage_id.in_([s.id for s in stages]))
        .order_by(ActivityTemplate.position, ActivityTemplate.id)
    ).all()
    form = extra.pop("form", None)
    if form is None:
        form = TemplateForm(formdata=None)
        form.version.data = 0
    form.fill_choices(_locale(), stages)
    return render_template(
        "workspace/templates.html",
        models=models,
        model=model,
        stages=stages,
        templates=templates,
        form=form,
        **extra,
    ), status


@bp.get("/workspace/activity-templates")
@allowed("admin")
def templates():
    return _templates_page(request.args.get("model", type=int))


@bp.post("/workspace/activity-templates")
@allowed("admin")
def add_template():
    model_id = request.form.get("model", type=db_int)
    form = TemplateForm(request.form)
    stages = db.session.scalars(select(Stage).where(Stage.model_id == (model_id or 0))).all()
    form.fill_choices(_locale(), stages)
    if not form.validate():
        return _templates_page(model_id, 422, form=form)
    position = (
        db.session.scalar(
            select(func.coalesce(func.max(ActivityTemplate.position), -1)).where(
                ActivityTemplate.stage_id == form.stage_id.data,
                ActivityTemplate.element == form.element.data,
            )
        )
        + 1
    )
    template = ActivityTemplate(
        stage_id=form.stage_id.data, element=form.element.data, position=position
    )
    for name in TemplateForm.EDITABLE:
        setattr(template, name, (form[name].data or "").strip())
    db.session.add(template)
    db.session.commit()
    flash(_("Activity added."), "success")
    return redirect(url_for("workspace.templates", model=model_id))


@bp.post("/workspace/activity-templates/<int:template_id>")
@allowed("admin")
def rename_template(template_id: int):
    template = db.session.get(ActivityTemplate, template_id) or abort(404)
    model_id = db.session.get(Stage, template.stage_id).model_id
    form = TemplateForm(request.form)
    # Only the texts change here; stage and element stay where they are.
    form.stage_id.data, form.element.data = template.stage_id, template.element
    if not all(form[name].validate(form) for name in (*TemplateForm.EDITABLE, "version")):
        return _templates_page(model_id, 422, edit_form=form, editing=template.id)
    if form.version.data != template.version:
        conflicts = differing_fields(form, template, TemplateForm.EDITABLE)
        rebase(form, template.version)
        return _templates_page(
            model_id, 409, edit_form=form, editing=template.id, conflicts=conflicts
        )
    for name in TemplateForm.EDITABLE:
        setattr(template, name, (form[name].data or "").strip())
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        abort(409)
    flash(_("Activity renamed."), "success")
    return redirect(url_for("workspace.templates", model=model_id))


# The decision-chain tasks' routes live beside, on this blueprint.
from portal.workspace import task_views  # noqa: E402, F401
