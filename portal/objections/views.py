"""Objections of an opportunity worked through LSCPA, the playbook, and the leaders' view."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.models import User
from portal.bid.service import rivals as bid_rivals
from portal.conflicts import differing_fields, rebase
from portal.deals.models import Opportunity
from portal.drafts.models import LibraryBlock, Proposal, ProposalSection
from portal.extensions import db
from portal.forms import EmptyForm, db_int, db_int_or_none
from portal.objections import labels as olabels
from portal.objections import queries
from portal.objections.forms import (
    CloseForm,
    ObjectionForm,
    PlaybookForm,
    ReusableAnswerForm,
    StepForm,
)
from portal.objections.models import Objection, ObjectionStep, PlaybookResponse, ReusableAnswer
from portal.pages import navigate, render_page_or_fragment, wants_fragment
from portal.security import (
    ALL_ROLES,
    SEE_ALL_ROLES,
    allowed,
    get_opportunity_or_404,
    opportunity_scope,
)
from portal.timeutil import today, utcnow
from proposals.drafting import parse_tags
from proposals.objections import (
    STEP_ORDER,
    AgeBucket,
    CloseOutcome,
    LscpaStep,
    ObjectionType,
    OpenObjection,
    can_complete,
    objection_age_buckets,
    validate_close,
    validate_step,
)

bp = Blueprint("objections", __name__)

# Reps (owner or team, through the opportunity scope) work objections; presales and
# leaders read them; leaders and admins keep the playbook.
EDIT_ROLES = ("rep", "admin")
PLAYBOOK_EDITORS = SEE_ALL_ROLES


def _locale() -> str:
    from flask_babel import get_locale

    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def _can_edit(opportunity: Opportunity) -> bool:
    return current_user.role in EDIT_ROLES


def _stakeholder_choices(opportunity: Opportunity, blank: str):
    return [(None, blank)] + [
        (s.id, f"{s.name}{' · ' + s.title if s.title else ''}") for s in opportunity.stakeholders
    ]


# --- per opportunity -----------------------------------------------------------------


def _new_form(opportunity: Opportunity, formdata=None) -> ObjectionForm:
    form = ObjectionForm(formdata=formdata, prefix="new")
    form.stakeholder_id.choices = _stakeholder_choices(opportunity, _("— not recorded —"))
    # "Competitor X offered…": one of the opportunity's rivals (shared with the matrix).
    form.competitor_id.choices = [(None, _("— none —"))] + [
        (r.id, r.name) for r in bid_rivals(opportunity.id)
    ]
    if formdata is None:
        form.raised_on.data = today()
    return form


def _objection_list(opportunity: Opportunity):
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.opportunity_id == opportunity.id)
            .options(selectinload(Objection.steps), selectinload(Objection.stakeholder))
            .order_by(Objection.status != "open", Objection.raised_on.desc(), Objection.id.desc())
        )
    )


def _render_index(opportunity: Opportunity, form: ObjectionForm, status: int = 200):
    objections = _objection_list(opportunity)
    counts = objection_age_buckets(
        [OpenObjection(o.objection_type, o.raised_on) for o in objections if o.is_open],
        today(),
    )
    return render_page_or_fragment(
        "objections/index.html",
        "objections/_list.html",
        opportunity=opportunity,
        objections=objections,
        form=form,
        counts=counts,
        types=list(ObjectionType),
        buckets=list(AgeBucket),
        can_edit=_can_edit(opportunity),
        olabels=olabels,
        today=today(),
    ), status


@bp.get("/opportunities/<int:opportunity_id>/objections")
@allowed(*ALL_ROLES)
def index(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    return _render_index(opportunity, _new_form(opportunity))


@bp.post("/opportunities/<int:opportunity_id>/objections")
@allowed(*EDIT_ROLES)
def create(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    form = _new_form(opportunity, request.form)
    if not form.validate():
        return _render_index(opportunity, form, 422)
    objection = Objection(
        opportunity_id=opportunity.id,
        stakeholder_id=form.stakeholder_id.data,
        objection_type=form.objection_type.data,
        competitor_id=form.competitor_id.data,
        customer_words=form.customer_words.data.strip(),
        severity=form.severity.data,
        raised_on=form.raised_on.data or today(),
        created_by_id=current_user.id,
    )
    db.session.add(objection)
    db.session.commit()
    flash(_("Objection logged. Work it through the five steps below."), "success")
    return redirect(
        url_for("objections.detail", opportunity_id=opportunity.id, objection_id=objection.id)
    )


def _objection_or_404(opportunity: Opportunity, objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.opportunity_id != opportunity.id:
        abort(404)
    return objection


def _team_users(opportunity: Opportunity):
    ids = {opportunity.owner_id, opportunity.presales_id, current_user.id}
    ids |= {m.user_id for m in opportunity.team}
    users = db.session.scalars(
        select(User).where(User.id.in_([i for i in ids if i])).order_by(User.display_name)
    )
    return [(u.id, u.display_name) for u in users]


def _step_form(
    opportunity: Opportunity, objection: Objection, step: LscpaStep | None, formdata=None
):
    saved = objection.step(step.value) if step else None
    form = StepForm(formdata=formdata, obj=saved, prefix="step")
    form.stakeholder_id.choices = _stakeholder_choices(opportunity, _("— not recorded —"))
    form.owner_id.choices = [(None, "—")] + _team_users(opportunity)
    playbook = queries.ranked_playbook_for(objection)
    if formdata is None:
        form.objection_type.data = objection.objection_type
        if step:
            form.step.data = step.value
        if step is LscpaStep.LISTEN:
            form.stakeholder_id.data = objection.stakeholder_id
            if not saved:
                form.notes.data = objection.customer_words
        if saved and saved.response_id:
            form.response.data = str(saved.response_id)
        elif saved and step is LscpaStep.PROCESS:
            form.response.data = "custom"
    return form, playbook


def _section_choices(opportunity: Opportunity):
    """The opportunity's proposals with their sections, for the "answered in" select."""
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.opportunity_id == opportunity.id)
        .options(selectinload(Proposal.sections))
        .order_by(Proposal.id)
    ).all()
    return [
        (p, sorted(p.sections, key=lambda s: (s.position, s.id))) for p in proposals if p.sections
    ]


def _render_detail(
    opportunity,
    objection,
    step=None,
    form=None,
    status=200,
    errors=None,
    close_form=None,
    section_error=None,
):
    current = step or objection.next_step
    if form is None:
        form, (playbook, ranked_for) = _step_form(opportunity, objection, current)
    else:
        playbook, ranked_for = queries.ranked_playbook_for(objection)
    return render_page_or_fragment(
        "objections/detail.html",
        "objections/_flow.html",
        opportunity=opportunity,
        objection=objection,
        current=current,
        form=form,
        playbook=playbook,
        ranked_for=ranked_for,
        steps=STEP_ORDER,
        step_errors=errors or {},
        close_form=close_form or CloseForm(),
        can_edit=_can_edit(opportunity),
        olabels=olabels,
        locale_code=_locale(),
        section_choices=_section_choices(opportunity),
        section_error=section_error,
    ), status


def _saved(opportunity, objection):
    """After a save: htmx swaps the flow in place; a plain form post (no script, or a click
    before htmx bound the form) is redirected to the detail page, so a reload does not post
    the form again and the address stays the objection's."""
    if wants_fragment():
        return _render_detail(opportunity, objection)
    return redirect(
        url_for("objections.detail", opportunity_id=opportunity.id, objection_id=objection.id)
    )


@bp.get("/opportunities/<int:opportunity_id>/objections/<int:objection_id>")
@allowed(*ALL_ROLES)
def detail(opportunity_id: int, objection_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    objection = _objection_or_404(opportunity, objection_id)
    step = None
    if request.args.get("step") in {s.value for s in STEP_ORDER}:
        step = LscpaStep(request.args["step"])
    return _render_detail(opportunity, objection, step)


def _step_errors(step: LscpaStep, form: StepForm, objection_type: str) -> dict[str, str]:
    """Domain rules for the step, as messages keyed by form field."""
    data = {
        "notes": form.notes.data or "",
        "customer_confirmed": bool(form.customer_confirmed.data),
        "response_key": form.response.data or "",
        "commitment": form.commitment.data or "",
        "owner": str(form.owner_id.data or ""),
        "due_date": form.due_date.data
        or form.due_date.raw_data
        and form.due_date.raw_data[0]
        or "",
    }
    out: dict[str, str] = {}
    if step is LscpaStep.PROCESS and data["response_key"] not in ("", "custom"):
        allowed_ids = {str(r.id) for r, _rank in queries.ranked_playbook(objection_type)}
        if data["response_key"] not in allowed_ids:
            out["response"] = _("Choose one of the listed responses.")
            return out
    for key, error in validate_step(step, data, today=today()).items():
        field = {"response_key": "response", "owner": "owner_id"}.get(key, key)
        if error.code == "required":
            message = olabels.FIELD_REQUIRED.get("listen" if step is LscpaStep.LISTEN else key)
        else:
            message = olabels.ERRORS.get(error.code)
        out[field] = str(message or error.message)
    return out


@bp.post("/opportunities/<int:opportunity_id>/objections/<int:objection_id>/lscpa")
@allowed(*EDIT_ROLES)
def complete_step(opportunity_id: int, objection_id: int):
    """Mark one LSCPA step done (or save it again). Steps go in order; input is kept on errors."""
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    objection = _objection_or_404(opportunity, objection_id)
    try:
        step = LscpaStep(request.form.get("step-step", ""))
    except ValueError:
        abort(400)
    form, _playbook = _step_form(opportunity, objection, step, request.form)
    form.step.data = step.value
    errors: dict[str, str] = {}
    if not objection.is_open:
        errors["step"] = _("This objection is closed; reopen it to change its steps.")
    check = can_complete(step, objection.done_steps)
    if not check:
        errors["step"] = _(
            "Finish the “%(step)s” step first: the steps go in order.",
            step=olabels.STEPS[check.missing.value],
        )
    form_valid = form.validate()
    retype = form.objection_type.data if step is LscpaStep.CONFIRM else None
    if retype and retype not in olabels.TYPES:
        errors["objection_type"] = _("Choose one of the listed types.")
    if not errors:
        errors = _step_errors(step, form, objection.objection_type)
    if errors or not form_valid:
        return _render_detail(opportunity, objection, step, form, 422, errors)

    row = objection.step(step.value)
    if row is None:
        row = ObjectionStep(objection=objection, opportunity_id=opportunity.id, step=step.value)
        db.session.add(row)
    row.notes = (form.notes.data or "").strip()
    row.done_at = utcnow()
    row.done_by_id = current_user.id
    if step is LscpaStep.LISTEN:
        objection.stakeholder_id = form.stakeholder_id.data
    if step is LscpaStep.CONFIRM:
        row.customer_confirmed = True
        if retype and retype != objection.objection_type:
            # The type it had before stays on the step (and in the audit log).
            row.retyped_from = objection.objection_type
            objection.objection_type = retype
    if step is LscpaStep.PROCESS:
        row.response_id = None if form.response.data == "custom" else int(form.response.data)
        row.evidence = (form.evidence.data or "").strip()
    if step is LscpaStep.ASSURE:
        row.commitment = form.commitment.data.strip()
        row.owner_id = form.owner_id.data
        row.due_date = form.due_date.data
    db.session.commit()
    db.session.refresh(objection)
    return _saved(opportunity, objection)


@bp.post("/opportunities/<int:opportunity_id>/objections/<int:objection_id>/close")
@allowed(*EDIT_ROLES)
def close(opportunity_id: int, objection_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    objection = _objection_or_404(opportunity, objection_id)
    form = CloseForm(request.form)
    if not form.validate():
        return _render_detail(opportunity, objection, close_form=form, status=422)
    problems = validate_close(CloseOutcome(form.outcome.data), objection.done_steps)
    if problems:
        form.outcome.errors.append(olabels.ERRORS["steps_incomplete"])
        return _render_detail(opportunity, objection, close_form=form, status=422)
    objection.status = form.outcome.data
    objection.close_note = (form.close_note.data or "").strip()
    objection.closed_at = utcnow()
    db.session.commit()
    return _saved(opportunity, objection)


@bp.post("/opportunities/<int:opportunity_id>/objections/<int:objection_id>/section")
@allowed(*EDIT_ROLES)
def link_section(opportunity_id: int, objection_id: int):
    """Point the objection at the proposal section that answers it (empty: none). Only a
    section of a proposal of the same opportunity; any other id answers 404."""
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    objection = _objection_or_404(opportunity, objection_id)
    if not EmptyForm().validate():
        abort(400)
    raw = (request.form.get("proposal_section_id") or "").strip()
    section_id = None
    if raw:
        if db_int_or_none(raw) is None:
            abort(404)
        section = db.session.scalars(
            select(ProposalSection)
            .join(Proposal, Proposal.id == ProposalSection.proposal_id)
            .where(ProposalSection.id == int(raw), Proposal.opportunity_id == opportunity.id)
        ).first()
        if section is None:
            abort(404)
        section_id = section.id
    if request.form.get("version", type=db_int) not in (None, objection.version):
        return _render_detail(
            opportunity,
            objection,
            status=409,
            section_error=_(
                "Someone else changed this objection meanwhile: the saved section is shown. "
                "Choose again to change it."
            ),
        )
    objection.proposal_section_id = section_id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        objection = _objection_or_404(opportunity, objection_id)
        return _render_detail(
            opportunity,
            objection,
            status=409,
            section_error=_("Someone else changed this objection meanwhile: choose again."),
        )
    db.session.refresh(objection)
    return _saved(opportunity, objection)


@bp.post("/opportunities/<int:opportunity_id>/objections/<int:objection_id>/reopen")
@allowed(*EDIT_ROLES)
def reopen(opportunity_id: int, objection_id: int):
    opportunity = get_opportunity_or_404(opportunity_id, selectinload(Opportunity.stakeholders))
    objection = _objection_or_404(opportunity, objection_id)
    if not EmptyForm().validate():
        abort(400)
    objection.status = "open"
    objection.closed_at = None
    db.session.commit()
    return _saved(opportunity, objection)


# --- playbook ------------------------------------------------------------------------


def _playbook_page(status=200, **ctx):
    by_type = {t: queries.ranked_playbook(t.value, active_only=False) for t in ObjectionType}
    reusable = list(
        db.session.scalars(select(ReusableAnswer).order_by(ReusableAnswer.created_at.desc()))
    )
    return render_template(
        "objections/playbook.html",
        by_type=by_type,
        olabels=olabels,
        can_edit=current_user.role in PLAYBOOK_EDITORS,
        locale_code=_locale(),
        new_form=ctx.pop("new_form", None) or _new_playbook_form(),
        reusable=reusable,
        **ctx,
    ), status


def _new_playbook_form(formdata=None) -> PlaybookForm:
    form = PlaybookForm(formdata=formdata, prefix="new")
    if formdata is None:
        form.version.data = 0
        form.active.data = True
        form.objection_type.data = request.args.get("type", "price")
    return form


@bp.get("/objections/playbook")
@allowed(*ALL_ROLES)
def playbook():
    return _playbook_page()


@bp.post("/objections/playbook")
@allowed(*PLAYBOOK_EDITORS)
def add_response():
    form = _new_playbook_form(request.form)
    if not form.validate():
        return _playbook_page(422, new_form=form, adding=True)
    response = PlaybookResponse(updated_by_id=current_user.id)
    for name in PlaybookForm.EDITABLE:
        value = form[name].data
        setattr(response, name, value.strip() if isinstance(value, str) else value)
    db.session.add(response)
    db.session.commit()
    flash(_("Response added to the playbook."), "success")
    return redirect(url_for("objections.playbook") + f"#response-{response.id}")


@bp.route("/objections/playbook/<int:response_id>", methods=["GET", "POST"])
@allowed(*PLAYBOOK_EDITORS)
def edit_response(response_id: int):
    response = db.session.get(PlaybookResponse, response_id)
    if response is None:
        abort(404)
    if request.method == "GET":
        return render_template(
            "objections/response_edit.html", form=PlaybookForm(obj=response), response=response
        )
    form = PlaybookForm(request.form)
    if not form.validate():
        return render_template("objections/response_edit.html", form=form, response=response), 422
    if form.version.data != response.version:
        return _response_conflict(form, response)
    for name in PlaybookForm.EDITABLE:
        value = form[name].data
        setattr(response, name, value.strip() if isinstance(value, str) else value)
    response.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _response_conflict(form, db.session.get(PlaybookResponse, response_id))
    flash(_("Playbook response saved."), "success")
    return redirect(url_for("objections.playbook") + f"#response-{response.id}")


def _response_conflict(form, response):
    conflicts = differing_fields(form, response, PlaybookForm.EDITABLE)
    rebase(form, response.version)
    return render_template(
        "objections/response_edit.html", form=form, response=response, conflicts=conflicts
    ), 409


# --- leaders: the pipeline ------------------------------------------------------------


# The recurring objections worth answering are the open ones of the last months; "all"
# widens to every objection ever logged (closed ones included).
RECENT_DAYS = 180
QUOTES_SHOWN = 8
GROUPS_SHOWN = 20


def _recent_since():
    """The first day counted as recent, or None when the reader widened to every objection."""
    if request.args.get("recurring") == "all":
        return None
    return today() - timedelta(days=RECENT_DAYS)


def _pipeline_page():
    scope = opportunity_scope(current_user)
    counts = queries.open_objection_counts(scope, today())
    since = _recent_since()
    # The groups were formed when the objections were saved: the page counts the most
    # recurring ones and quotes them; each answer form is fetched when its group is opened.
    groups = queries.recurring_groups(scope, since, GROUPS_SHOWN, QUOTES_SHOWN)
    totals = {t: sum(row.values()) for t, row in counts.items()}
    return render_template(
        "objections/pipeline.html",
        counts=counts,
        totals=totals,
        types=list(ObjectionType),
        buckets=list(AgeBucket),
        groups=groups,
        olabels=olabels,
        widened=since is None,
        recent_days=RECENT_DAYS,
    )


@bp.get("/objections/pipeline")
@allowed(*SEE_ALL_ROLES)
def pipeline():
    return _pipeline_page()


def _group_or_404(group_id: int) -> queries.RecurringGroup:
    """The group as the pipeline shows it to this reader; 404 unless some objection of it
    is in their scope (never reveal a group they cannot see)."""
    group = queries.group_seen_by(
        group_id, opportunity_scope(current_user), _recent_since(), QUOTES_SHOWN
    )
    if group is None:
        abort(404)
    return group


def _answer_form(group: queries.RecurringGroup, formdata=None) -> ReusableAnswerForm:
    form = ReusableAnswerForm(formdata=formdata, prefix=f"g{group.group_id}")
    if formdata is None:
        form.objection_type.data = group.objection_type.value
        form.title.data = group.quotes[0].text[:120] if group.quotes else ""
        form.language.data = _locale()
        form.source_words.data = "\n".join(q.text for q in group.quotes)
        form.opportunity_count.data = group.opportunity_count
    return form


def _render_answer_form(group: queries.RecurringGroup, form: ReusableAnswerForm, status=200):
    return render_page_or_fragment(
        "objections/answer_form.html",
        "objections/_answer_form.html",
        group=group,
        form=form,
        olabels=olabels,
        widened=_recent_since() is None,
    ), status


@bp.get("/objections/groups/<int:group_id>/answer-form")
@allowed(*SEE_ALL_ROLES)
def answer_form(group_id: int):
    """The "turn into a reusable answer" form of one group, prefilled from what the
    pipeline shows: htmx loads it into the group when opened; without JavaScript it is a
    page of its own."""
    group = _group_or_404(group_id)
    return _render_answer_form(group, _answer_form(group))


@bp.post("/objections/groups/<int:group_id>/reusable-answer")
@allowed(*SEE_ALL_ROLES)
def make_reusable(group_id: int):
    """Turn a recurring objection into a content-library block with one action (the
    reusable-answer row keeps where it came from and links to the block)."""
    group = _group_or_404(group_id)
    form = _answer_form(group, request.form)
    if not form.validate():
        return _render_answer_form(group, form, 422)
    title, body = form.title.data.strip(), form.body.data.strip()
    # The content-library block the next proposal inserts (reviewed today, owned by the
    # leader who wrote it, tagged with the objection type so a search finds it).
    block = LibraryBlock(
        title=title,
        body=body + "\n",
        language=form.language.data,
        tags=",".join(parse_tags(f"objection, {form.objection_type.data}")),
        owner_id=current_user.id,
        last_reviewed=today(),
    )
    answer = ReusableAnswer(
        objection_type=form.objection_type.data,
        title=title,
        body=body,
        language=form.language.data,
        source_words=form.source_words.data or "",
        opportunity_count=form.opportunity_count.data or 0,
        created_by_id=current_user.id,
        library_block=block,
    )
    db.session.add_all([block, answer])
    db.session.commit()
    flash(
        _(
            "Saved as a content-library block: the next proposal can answer this before "
            "it is raised."
        ),
        "success",
    )
    return navigate(url_for("library.edit", block_id=block.id))
