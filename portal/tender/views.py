"""Tender response: the requirement table of a proposal (import, answer, assign, review,
suggestions, the submission gate, Word export), section assignments, comments with
@mentions, each user's inbox and the library review cycle.

Presales (and leaders/admins) edit; reps read and comment; leaders accept deviations.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.models import User
from portal.drafts.models import LibraryBlock
from portal.drafts.queries import get_proposal_or_404
from portal.extensions import db
from portal.forms import EmptyForm
from portal.pages import navigate, wants_fragment
from portal.security import ALL_ROLES, allowed
from portal.tender import labels as tl
from portal.tender import service, suggest
from portal.tender.forms import (
    AssignForm,
    CommentForm,
    ImportForm,
    RequirementForm,
)
from portal.tender.models import Requirement, SectionAssignment
from portal.timeutil import today, utcnow
from proposals.content import render_markdown
from proposals.requirements import (
    DEFAULT_LIMITS,
    ImportedRow,
    ImportProblem,
    parse_pasted,
    parse_upload,
)

bp = Blueprint(
    "tender",
    __name__,
    url_prefix="/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>/requirements",
)

EDIT_ROLES = ("presales", "leader", "admin")
LEADERS = ("leader", "admin")


def _can_edit(proposal) -> bool:
    return current_user.role in EDIT_ROLES and proposal.editable


def _index_url(opportunity, proposal, row_id: int | None = None) -> str:
    """The table, at the page showing `row_id` when given."""
    return url_for(
        "tender.index", opportunity_id=opportunity.id, proposal_id=proposal.id, row=row_id
    )


def _row_or_404(proposal, requirement_id: int) -> Requirement:
    row = db.session.get(Requirement, requirement_id)
    if row is None or row.proposal_id != proposal.id:
        abort(404)
    return row


def _locked(proposal):
    if proposal.editable:
        return None
    return render_template(
        "tender/_message.html",
        message=_("This proposal is frozen. Start a new draft to change its requirements."),
    ), 423


def _people():
    return db.session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name)
    ).all()


def _section_choices(proposal):
    return [(0, "—")] + [(s.id, s.title) for s in proposal.sections]


def _page_context(opportunity, proposal, page: int = 1, **extra):
    rows, total, page, pages = service.requirements_page(proposal.id, page)
    ctx = dict(
        opportunity=opportunity,
        proposal=proposal,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        editable=_can_edit(proposal),
        import_form=ImportForm(),
        new_form=_new_form(proposal),
        people=_people(),
        today=today(),
        tl=tl,
        blockers=service.proposal_blockers(proposal.id),
        assignments={a.section_id: a for a in _assignments(proposal)},
        action_form=EmptyForm(),
        limits=DEFAULT_LIMITS,
    )
    ctx.update(extra)
    return ctx


def _new_form(proposal, formdata=None):
    form = RequirementForm(formdata=formdata, prefix="new")
    form.section_id.choices = _section_choices(proposal)
    if formdata is None:
        form.version.data = 0
    return form


def _assignments(proposal):
    return db.session.scalars(
        select(SectionAssignment).where(SectionAssignment.proposal_id == proposal.id)
    ).all()


@bp.get("")
@allowed(*ALL_ROLES)
def index(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    # A link to one row (gate, inbox) opens the page that shows it.
    row_id = request.args.get("row", type=int)
    page = service.page_of(proposal.id, row_id) if row_id else request.args.get("page", 1, type=int)
    return render_template("tender/index.html", **_page_context(opportunity, proposal, page))


def _table(opportunity, proposal, status=200, **extra):
    ctx = _page_context(opportunity, proposal, **extra)
    if not wants_fragment():
        if status == 200 and request.method == "POST":
            return redirect(
                url_for("tender.index", opportunity_id=opportunity.id, proposal_id=proposal.id)
            )
        return render_template("tender/index.html", **ctx), status
    return render_template("tender/_table.html", **ctx), status


@bp.post("")
@allowed(*EDIT_ROLES)
def add_row(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    if (locked := _locked(proposal)) is not None:
        return locked
    form = _new_form(proposal, request.form)
    if not form.validate():
        return _table(opportunity, proposal, 422, new_form=form, show_new=True)
    row = Requirement(proposal_id=proposal.id, position=service.next_position(proposal.id))
    _fill(row, form, proposal)
    db.session.add(row)
    db.session.commit()
    return _table(
        opportunity,
        proposal,
        page=service.page_of(proposal.id, row.id),
        flash_message=_("Requirement added."),
    )


def _fill(row: Requirement, form: RequirementForm, proposal) -> None:
    row.number = form.number.data or ""
    row.clause = form.clause.data or ""
    row.text = form.text.data
    row.kind = form.kind.data
    row.mandatory = bool(form.mandatory.data)
    row.scoring_item = form.scoring_item.data or ""
    row.points = form.points.data
    if row.verdict != form.verdict.data or row.response != (form.response.data or ""):
        row.changed_in_import = False
        if row.deviation_accepted_at is not None and form.verdict.data != row.verdict:
            row.deviation_accepted_at = None  # an acceptance holds for the verdict it saw
            row.deviation_accepted_by_id = None
    row.verdict = form.verdict.data
    row.response = form.response.data or ""
    row.note = form.note.data or ""
    section_ids = {s.id for s in proposal.sections}
    row.section_id = form.section_id.data if form.section_id.data in section_ids else None
    row.updated_by_id = current_user.id


def _row_fragment(opportunity, proposal, row, editing=False, form=None, status=200, **ctx):
    if not wants_fragment():
        if request.method == "POST" and status == 200:
            return redirect(_index_url(opportunity, proposal, row.id) + f"#req-{row.id}")
        return render_template(
            "tender/index.html",
            **_page_context(
                opportunity,
                proposal,
                service.page_of(proposal.id, row.id),
                editing=row.id if editing else None,
                row_form=form or _edit_form(proposal, row),
                **ctx,
            ),
        ), status
    return render_template(
        "tender/_row.html",
        opportunity=opportunity,
        proposal=proposal,
        row=row,
        editing=row.id if editing else None,
        row_form=form,
        editable=_can_edit(proposal),
        people=_people(),
        today=today(),
        tl=tl,
        action_form=EmptyForm(),
        **ctx,
    ), status


@bp.get("/<int:requirement_id>")
@allowed(*ALL_ROLES)
def row(opportunity_id: int, proposal_id: int, requirement_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    return _row_fragment(opportunity, proposal, _row_or_404(proposal, requirement_id))


def _edit_form(proposal, row, formdata=None):
    form = RequirementForm(formdata=formdata, obj=None if formdata else row)
    form.section_id.choices = _section_choices(proposal)
    if formdata is None:
        form.section_id.data = row.section_id or 0
    return form


def _valid_edit(form: RequirementForm, row: Requirement) -> bool:
    """Validate an edit of a saved row. Lifting a ★ mark would let an unanswered mandatory
    requirement through the submission gate, so only a leader or admin may do it."""
    valid = form.validate()
    if row.mandatory and not form.mandatory.data and current_user.role not in LEADERS:
        form.mandatory.errors = [
            *form.mandatory.errors,
            _("Only a leader can lift the ★ mark of a requirement."),
        ]
        valid = False
    return valid


@bp.get("/<int:requirement_id>/edit")
@allowed(*EDIT_ROLES)
def edit_row(opportunity_id: int, proposal_id: int, requirement_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    return _row_fragment(opportunity, proposal, row, True, _edit_form(proposal, row))


@bp.post("/<int:requirement_id>")
@allowed(*EDIT_ROLES)
def save_row(opportunity_id: int, proposal_id: int, requirement_id: int):
    """Save a requirement and its answer. A version other than the saved one answers 409
    with the user's text kept and the saved row beside it (the conflict view)."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    form = _edit_form(proposal, row, request.form)
    if not _valid_edit(form, row):
        return _row_fragment(opportunity, proposal, row, True, form, 422)
    base = form.overwrite_version.data or form.version.data
    if base != row.version:
        return _row_fragment(opportunity, proposal, row, True, form, 409, conflict=True)
    _fill(row, form, proposal)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        row = db.session.get(Requirement, requirement_id)
        return _row_fragment(opportunity, proposal, row, True, form, 409, conflict=True)
    return _row_fragment(opportunity, proposal, row, flash_message=_("Saved."))


@bp.post("/<int:requirement_id>/delete")
@allowed(*EDIT_ROLES)
def delete_row(opportunity_id: int, proposal_id: int, requirement_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    db.session.delete(row)
    db.session.commit()
    return _table(opportunity, proposal, flash_message=_("Requirement removed."))


# --- suggestions ----------


@bp.get("/<int:requirement_id>/suggestions")
@allowed(*EDIT_ROLES)
def suggestions(opportunity_id: int, proposal_id: int, requirement_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    row = _row_or_404(proposal, requirement_id)
    if not wants_fragment():
        return redirect(_index_url(opportunity, proposal, row.id) + f"#req-{row.id}")
    return render_template(
        "tender/_suggestions.html",
        opportunity=opportunity,
        proposal=proposal,
        row=row,
        items=suggest.suggestions(row, today()),
        render_markdown=render_markdown,
    )


@bp.post("/<int:requirement_id>/suggestions")
@allowed(*EDIT_ROLES)
def use_suggestion(opportunity_id: int, proposal_id: int, requirement_id: int):
    """Copy a suggested text after the response being typed (sent along, so nothing is
    lost), save, and record which library block (and version) or past answer was used."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    kind, _sep, ref = (request.form.get("use") or "").partition(":")
    if kind not in ("block", "answer") or not ref.isdigit():
        abort(400)
    form = _edit_form(proposal, row, request.form)
    if not _valid_edit(form, row):
        return _row_fragment(opportunity, proposal, row, True, form, 422)
    if (form.overwrite_version.data or form.version.data) != row.version:
        return _row_fragment(opportunity, proposal, row, True, form, 409, conflict=True)
    if kind == "block":
        block = db.session.get(LibraryBlock, int(ref)) or abort(404)
        text, used = block.body, block
    else:
        source = db.session.get(Requirement, int(ref)) or abort(404)
        if not any(s.ref_id == source.id for s in suggest.suggestions(row, today(), 40)):
            abort(404)  # only answers the user may see
        text, used = source.response, source
    typed = (form.response.data or "").rstrip()
    form.response.data = (typed + "\n\n" if typed else "") + text.strip()
    if form.verdict.data == "open":
        form.verdict.data = "comply"
    _fill(row, form, proposal)
    if kind == "block":
        row.block_id, row.block_version, row.source_requirement_id = used.id, used.version, None
    else:
        row.source_requirement_id, row.block_id, row.block_version = used.id, None, None
    db.session.commit()
    return _row_fragment(
        opportunity,
        proposal,
        row,
        True,
        _edit_form(proposal, row),
        flash_message=_("Suggestion copied into the response."),
    )


# --- assignment, review, deviation acceptance ----------


def _assign_form(formdata, obj=None):
    form = AssignForm(formdata=formdata, obj=obj)
    choices = [(0, "—")] + [(u.id, u.display_name) for u in _people()]
    form.owner_id.choices = choices
    form.reviewer_id.choices = choices
    return form


def _user_or_none(user_id):
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    return user.id if user is not None and user.active else None


@bp.route("/<int:requirement_id>/assignment", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def assign_row(opportunity_id: int, proposal_id: int, requirement_id: int):
    """GET: the assignment form (loaded when the row's "Assign" opens, so a long table
    does not carry a form per row). POST: save owner, reviewer, due date, review state."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    if request.method == "GET":
        if not wants_fragment():
            return redirect(_index_url(opportunity, proposal, row.id) + f"#req-{row.id}")
        return render_template(
            "tender/_row_assign.html",
            opportunity=opportunity,
            proposal=proposal,
            row=row,
            people=_people(),
            tl=tl,
        )
    form = _assign_form(request.form)
    if not form.validate():
        return _row_fragment(opportunity, proposal, row, status=422, assign_form_open=True)
    if form.version.data != row.version:
        return _row_fragment(
            opportunity,
            proposal,
            row,
            status=409,
            assign_form_open=True,
            flash_message=_(
                "Someone else changed this requirement meanwhile. Check it and try again."
            ),
        )
    row.owner_id = _user_or_none(form.owner_id.data)
    row.reviewer_id = _user_or_none(form.reviewer_id.data)
    row.due_date = form.due_date.data
    row.review_state = form.review_state.data
    row.updated_by_id = current_user.id
    db.session.commit()
    return _row_fragment(opportunity, proposal, row, flash_message=_("Assignment saved."))


@bp.post("/<int:requirement_id>/acceptance")
@allowed(*LEADERS)
def accept_deviation(opportunity_id: int, proposal_id: int, requirement_id: int):
    """A leader records (or withdraws) acceptance of a ★ row's partial/deviate answer."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    row = _row_or_404(proposal, requirement_id)
    if (locked := _locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    if request.form.get("version", type=int) != row.version:
        return _row_fragment(
            opportunity,
            proposal,
            row,
            status=409,
            flash_message=_(
                "Someone else changed this requirement meanwhile. Check it and try again."
            ),
        )
    if request.form.get("withdraw"):
        row.deviation_accepted_at, row.deviation_accepted_by_id = None, None
    elif row.verdict in ("partial", "deviate"):
        row.deviation_accepted_at, row.deviation_accepted_by_id = utcnow(), current_user.id
    db.session.commit()
    return _row_fragment(opportunity, proposal, row)


# --- comments on a requirement ----------


def _comments(opportunity, proposal, form=None, status=200, *, row=None, section=None):
    comments = service.comments_on(
        section_id=section.id if section else None, requirement_id=row.id if row else None
    )
    return render_template(
        "tender/_comments.html",
        opportunity=opportunity,
        proposal=proposal,
        row=row,
        section=section,
        comments=comments,
        form=form or CommentForm(formdata=None),
    ), status


@bp.route("/<int:requirement_id>/comments", methods=["GET", "POST"])
@allowed(*ALL_ROLES)
def row_comments(opportunity_id: int, proposal_id: int, requirement_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    row = _row_or_404(proposal, requirement_id)
    if request.method == "GET":
        if not wants_fragment():  # the list lives inside the table
            return redirect(_index_url(opportunity, proposal, row.id) + f"#req-{row.id}")
        return _comments(opportunity, proposal, row=row)
    form = CommentForm(request.form)
    if not form.validate():
        return _comments(opportunity, proposal, form, 422, row=row)
    service.post_comment(proposal, form.body.data, requirement_id=row.id)
    db.session.commit()
    return _comments(opportunity, proposal, row=row)


# --- import ----------


def _read_import(form: ImportForm):
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(DEFAULT_LIMITS.max_bytes + 1)
        return parse_upload(upload.filename, data, form.kind.data)
    if form.pasted.data and form.pasted.data.strip():
        return parse_pasted(form.pasted.data, form.kind.data)
    raise ImportProblem("no_rows")


@bp.post("/import")
@allowed(*EDIT_ROLES)
def import_preview(opportunity_id: int, proposal_id: int):
    """Read the pasted or uploaded table and show what applying it would change. Nothing
    is saved here; a bad file answers 422 with the row at fault."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    if (locked := _locked(proposal)) is not None:
        return locked
    form = ImportForm(request.form)
    if not form.validate():
        return _import_fragment(opportunity, proposal, form, status=422)
    try:
        imported = _read_import(form)
    except ImportProblem as problem:
        return _import_fragment(
            opportunity, proposal, form, error=tl.problem_message(problem), status=422
        )
    diff = service.import_diff(proposal, imported)
    payload = json.dumps([r.as_json() for r in imported], ensure_ascii=False)
    return _import_fragment(opportunity, proposal, form, diff=diff, payload=payload)


def _import_fragment(opportunity, proposal, form, status=200, **ctx):
    if not wants_fragment():
        return render_template(
            "tender/index.html", **_page_context(opportunity, proposal, import_form=form, **ctx)
        ), status
    return render_template(
        "tender/_import.html",
        opportunity=opportunity,
        proposal=proposal,
        import_form=form,
        limits=DEFAULT_LIMITS,
        tl=tl,
        **ctx,
    ), status


@bp.post("/import/apply")
@allowed(*EDIT_ROLES)
def apply_import(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    if (locked := _locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    raw = request.form.get("payload") or ""
    try:
        data = json.loads(raw)
        if not isinstance(data, list) or len(data) > DEFAULT_LIMITS.max_rows:
            raise ValueError
        imported = [ImportedRow.from_json(item) for item in data]
        if len({row.key for row in imported}) != len(imported):
            raise ValueError("duplicate rows")
    except (ValueError, TypeError, AttributeError, ImportProblem):
        return _import_fragment(
            opportunity,
            proposal,
            ImportForm(formdata=None),
            error=_("The import could not be applied. Read the table again."),
            status=422,
        )
    diff = service.apply_import(proposal, imported)
    db.session.commit()
    message = _(
        "Import applied: %(a)d added, %(c)d changed, %(r)d removed, %(u)d unchanged.",
        a=len(diff.added),
        c=len(diff.changed),
        r=len(diff.removed),
        u=len(diff.unchanged),
    )
    if wants_fragment():
        from flask import flash

        flash(message, "success")
        return navigate(
            url_for("tender.index", opportunity_id=opportunity.id, proposal_id=proposal.id)
        )
    from flask import flash

    flash(message, "success")
    return redirect(url_for("tender.index", opportunity_id=opportunity.id, proposal_id=proposal.id))


# --- gate and export ----------


@bp.get("/gate")
@allowed(*ALL_ROLES)
def gate(opportunity_id: int, proposal_id: int):
    """The requirements that stop submission, each linked to its row."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    return render_template(
        "tender/gate.html",
        opportunity=opportunity,
        proposal=proposal,
        blockers=service.proposal_blockers(proposal.id),
        tl=tl,
    )


@bp.get("/export.docx")
@allowed(*ALL_ROLES)
def docx_export(opportunity_id: int, proposal_id: int):
    """The proposal (sections, quote), deviation tables and requirement response as Word."""
    from portal.tender.documents import proposal_docx

    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    data = proposal_docx(opportunity, proposal)
    from portal.exports.rendering import safe_filename

    name = safe_filename("proposal", proposal.title, suffix=".docx")
    import io

    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        as_attachment=True,
        download_name=name,
    )
