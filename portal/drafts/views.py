"""Proposal drafts: sections edited in place, quote options with live totals, workflow,
revisions and comments. Presales (and leaders/admins) edit; reps read and comment.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal.drafts import labels
from portal.drafts.forms import (
    CommentForm,
    NewSectionForm,
    OptionForm,
    ProposalForm,
    RevisionForm,
    SectionForm,
    StatusForm,
)
from portal.drafts.models import (
    LibraryBlock,
    Proposal,
    ProposalComment,
    ProposalLine,
    ProposalOption,
    ProposalRevision,
    ProposalSection,
    SectionBlockUse,
)
from portal.drafts.queries import child_or_404, get_proposal_or_404, line_or_404
from portal.drafts.workflow import (
    after_quote_change,
    allowed_steps,
    change_status,
    freeze_revision,
    load_options,
    new_proposal,
    quote_state,
    section_title,
    snapshot,
)
from portal.extensions import db
from portal.forms import EmptyForm, db_int, db_int_or_none
from portal.idempotency import create_once, new_token
from portal.notifications import events as notify
from portal.pages import navigate, wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.timeutil import today, utcnow
from proposals.content import plain_text, render_markdown
from proposals.drafting import is_stale, price_diffs, section_diffs
from proposals.pricing import MAX_OPTIONS, validate_line

bp = Blueprint("drafts", __name__, url_prefix="/opportunities/<int:opportunity_id>/proposals")

EDIT_ROLES = ("presales", "leader", "admin")
PICKER_LIMIT = 8


def can_edit(proposal: Proposal | None = None) -> bool:
    return current_user.role in EDIT_ROLES and (proposal is None or proposal.editable)


def _locked(proposal: Proposal):
    """Answer an edit of a frozen (submitted, won, lost) proposal: 423, nothing changed."""
    message = _(
        "This proposal is %(status)s and frozen. Start a new draft to change it.",
        status=labels.STATUSES[proposal.status],
    )
    template = "drafts/_locked.html" if wants_fragment() else "drafts/locked.html"
    return render_template(
        template, message=message, proposal=proposal, opportunity=proposal.opportunity
    ), 423


def _editable_or_locked(proposal: Proposal):
    return None if proposal.editable else _locked(proposal)


# --- proposals of an opportunity -----------------------------------------------------------


@bp.get("")
@allowed(*ALL_ROLES)
def index(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.opportunity_id == opportunity.id)
        .order_by(Proposal.id.desc())
    ).all()
    form = ProposalForm()
    form.version.data = 0
    form.request_token.data = new_token()
    form.currency.data = opportunity.currency
    form.language.data = (
        "zh_CN" if any("\u4e00" <= ch <= "\u9fff" for ch in opportunity.name) else "en"
    )
    return render_template(
        "drafts/index.html",
        opportunity=opportunity,
        proposals=proposals,
        form=form,
        can_create=can_edit(),
    )


@bp.post("")
@allowed(*EDIT_ROLES)
def create(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    form = ProposalForm(request.form)
    if not form.validate():
        proposals = db.session.scalars(
            select(Proposal)
            .where(Proposal.opportunity_id == opportunity.id)
            .order_by(Proposal.id.desc())
        ).all()
        return render_template(
            "drafts/index.html",
            opportunity=opportunity,
            proposals=proposals,
            form=form,
            can_create=True,
        ), 422

    def make() -> int:
        proposal = new_proposal(
            opportunity, form.title.data.strip(), form.language.data, form.currency.data
        )
        db.session.flush()
        return proposal.id

    proposal_id, created = create_once(form.request_token.data, "proposal", make)
    if created:
        flash(
            _("Proposal created with the standard sections. Start with the executive summary."),
            "success",
        )
    return redirect(
        url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal_id)
    )


def _detail_context(opportunity, proposal, **extra):
    options = load_options(proposal)
    state = quote_state(proposal, options)
    # Not filled from the request: after an add the title box starts empty again.
    new_section = NewSectionForm(formdata=None, prefix="new-section")
    ctx = dict(
        opportunity=opportunity,
        proposal=proposal,
        options=options,
        state=state,
        editable=can_edit(proposal),
        editor_role=can_edit(),
        steps=allowed_steps(proposal, state),
        action_form=EmptyForm(),
        new_section_form=new_section,
        comment_form=CommentForm(),
        revision_form=RevisionForm(),
        render_markdown=render_markdown,
        editing=None,
        section_form=None,
    )
    ctx.update(extra)
    return ctx


@bp.get("/<int:proposal_id>")
@allowed(*ALL_ROLES)
def detail(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    return render_template("drafts/detail.html", **_detail_context(opportunity, proposal))


@bp.route("/<int:proposal_id>/settings", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def settings(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    if request.method == "GET":
        return render_template(
            "drafts/settings.html",
            opportunity=opportunity,
            proposal=proposal,
            form=ProposalForm(obj=proposal),
        )
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    form = ProposalForm(request.form)
    if not form.validate():
        return render_template(
            "drafts/settings.html", opportunity=opportunity, proposal=proposal, form=form
        ), 422
    if form.version.data != proposal.version:
        return _settings_conflict(opportunity, proposal, form)
    for name in ProposalForm.EDITABLE:
        setattr(proposal, name, form[name].data.strip() if name == "title" else form[name].data)
    proposal.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _settings_conflict(opportunity, db.session.get(Proposal, proposal_id), form)
    flash(_("Proposal settings saved."), "success")
    return redirect(
        url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
    )


def _settings_conflict(opportunity, proposal, form):
    from portal.conflicts import differing_fields, rebase

    conflicts = differing_fields(form, proposal, ProposalForm.EDITABLE)
    rebase(form, proposal.version)
    return render_template(
        "drafts/settings.html",
        opportunity=opportunity,
        proposal=proposal,
        form=form,
        conflicts=conflicts,
    ), 409


# --- sections ---------------------------------------------------------------------------------


def _section_fragment(opportunity, proposal, section, editing=False, form=None, status=200, **ctx):
    if ctx.get("conflict") and form is not None:
        ctx["diff"] = section_diffs(
            [{"kind": section.kind, "title": section.title, "body": section.body}],
            [{"kind": section.kind, "title": form.title.data or "", "body": form.body.data or ""}],
        )
    if not wants_fragment():
        if request.method == "POST" and status == 200:
            return redirect(
                url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
                + f"#section-{section.id}"
            )
        return render_template(
            "drafts/detail.html",
            **_detail_context(
                opportunity,
                proposal,
                editing=section.id if editing else None,
                section_form=form,
                **ctx,
            ),
        ), status
    return render_template(
        "drafts/_section.html",
        opportunity=opportunity,
        proposal=proposal,
        section=section,
        editing=editing,
        section_form=form,
        editable=can_edit(proposal),
        render_markdown=render_markdown,
        action_form=EmptyForm(),
        **ctx,
    ), status


@bp.get("/<int:proposal_id>/sections/<int:section_id>")
@allowed(*ALL_ROLES)
def section(opportunity_id: int, proposal_id: int, section_id: int):
    """The section as read (also "done editing")."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    return _section_fragment(opportunity, proposal, section)


@bp.get("/<int:proposal_id>/sections/<int:section_id>/edit")
@allowed(*EDIT_ROLES)
def edit_section(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    return _section_fragment(
        opportunity, proposal, section, editing=True, form=SectionForm(formdata=None, obj=section)
    )


@bp.post("/<int:proposal_id>/sections/<int:section_id>")
@allowed(*EDIT_ROLES)
def save_section(opportunity_id: int, proposal_id: int, section_id: int):
    """Autosave target. htmx: answers the save-state badge plus out-of-band updates (new
    version, preview), never the textarea, so text typed meanwhile is never replaced."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    form = SectionForm(request.form)
    if not form.validate():
        return _save_state(opportunity, proposal, section, form, 422)
    base = (
        form.overwrite_version.data
        if form.overwrite_version.data is not None
        else form.version.data
    )
    if base != section.version:
        return _save_state(opportunity, proposal, section, form, 409)
    section.title = form.title.data.strip()
    section.body = form.body.data or ""
    section.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        section = db.session.get(ProposalSection, section_id)
        return _save_state(opportunity, proposal, section, form, 409)
    if request.form.get("done") and wants_fragment():
        # "Done" saves first, then shows the section as read, in place of the editor.
        response = make_response(_section_fragment(opportunity, proposal, section)[0])
        response.headers["HX-Retarget"] = f"#section-{section.id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return _save_state(opportunity, proposal, section, form, 200)


def _save_state(opportunity, proposal, section, form, status):
    if not wants_fragment():
        return _section_fragment(
            opportunity,
            proposal,
            section,
            editing=status != 200,
            form=form,
            status=status,
            conflict=status == 409,
        )
    diff = None
    if status == 409:
        diff = section_diffs(
            [{"kind": section.kind, "title": section.title, "body": section.body}],
            [{"kind": section.kind, "title": form.title.data or "", "body": form.body.data or ""}],
        )
    return render_template(
        "drafts/_save_state.html",
        opportunity=opportunity,
        proposal=proposal,
        section=section,
        form=form,
        status=status,
        saved_at=utcnow(),
        render_markdown=render_markdown,
        diff=diff,
    ), status


@bp.post("/<int:proposal_id>/sections")
@allowed(*EDIT_ROLES)
def add_section(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    form = NewSectionForm(request.form, prefix="new-section")
    if not form.validate():
        return _sections_block(opportunity, proposal, 422, new_section_form=form)
    title = (form.title.data or "").strip() or section_title(form.kind.data, proposal.language)
    position = max((s.position for s in proposal.sections), default=-1) + 1
    section = ProposalSection(
        proposal=proposal,
        position=position,
        kind=form.kind.data,
        title=title,
        body="",
        updated_by_id=current_user.id,
    )
    db.session.add(section)
    db.session.commit()
    return _sections_block(
        opportunity,
        proposal,
        editing=section.id,
        section_form=SectionForm(formdata=None, obj=section),
    )


def _sections_block(opportunity, proposal, status=200, **ctx):
    db.session.refresh(proposal)
    if not wants_fragment():
        if status == 200:
            return redirect(
                url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
            )
        return render_template(
            "drafts/detail.html", **_detail_context(opportunity, proposal, **ctx)
        ), status
    context = _detail_context(opportunity, proposal, outline_oob=True, **ctx)
    return render_template("drafts/_sections.html", **context), status


@bp.post("/<int:proposal_id>/sections/<int:section_id>/move")
@allowed(*EDIT_ROLES)
def move_section(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    ordered = list(proposal.sections)
    index = ordered.index(section)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        # Renumber everything: positions are a plain order, gaps and duplicates are healed.
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
        db.session.commit()
    return _sections_block(opportunity, proposal)


@bp.post("/<int:proposal_id>/sections/order")
@allowed(*EDIT_ROLES)
def reorder_sections(opportunity_id: int, proposal_id: int):
    """Drag and drop: the whole new order (`order`) and the order the editor started from
    (`was`), as section ids. When the sections changed meanwhile (added, removed or moved by
    someone else), nothing moves and the current list comes back (409)."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    try:
        ids, was = (
            [int(part) for part in request.form.get(name, "").split(",") if part.strip()]
            for name in ("order", "was")
        )
    except ValueError:
        abort(400)
    by_id = {item.id: item for item in proposal.sections}
    if was != list(by_id) or sorted(ids) != sorted(was):  # a permutation of what is
        return _sections_block(
            opportunity,
            proposal,
            409,
            flash_message=_(
                "Someone else changed the sections meanwhile, so nothing moved. "
                "This is the current list: drag again."
            ),
            flash_kind="warning",
        )
    for position, section_id in enumerate(ids):
        if by_id[section_id].position != position:
            by_id[section_id].position = position
    db.session.commit()
    return _sections_block(opportunity, proposal, flash_message=_("New order saved."))


@bp.post("/<int:proposal_id>/sections/<int:section_id>/delete")
@allowed(*EDIT_ROLES)
def delete_section(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    # The text is not lost: the audit log keeps the deleted body, and revisions keep theirs.
    db.session.delete(section)
    db.session.commit()
    return _sections_block(opportunity, proposal, flash_message=_("Section removed."))


# --- content library inside the editor ----------------------------------------------------------


def search_blocks(query: str, language: str | None = None, limit: int | None = None):
    """Blocks whose title, tags or text contain every word typed (case-insensitive)."""
    stmt = select(LibraryBlock)
    for word in query.split()[:6]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                LibraryBlock.title.ilike(like),
                LibraryBlock.tags.ilike(like),
                LibraryBlock.body.ilike(like),
            )
        )
    if language:
        stmt = stmt.order_by((LibraryBlock.language == language).desc())
    stmt = stmt.order_by(LibraryBlock.last_reviewed.desc().nulls_last(), LibraryBlock.title)
    if limit:
        stmt = stmt.limit(limit)
    return db.session.scalars(stmt).all()


@bp.get("/<int:proposal_id>/sections/<int:section_id>/library")
@allowed(*EDIT_ROLES)
def block_picker(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    query = (request.args.get("q") or "")[:100]
    if not wants_fragment():
        # The picker lives inside the section editor; opened on its own, show the library.
        return redirect(url_for("library.index", q=query or None))
    blocks = search_blocks(query, proposal.language, PICKER_LIMIT)
    return render_template(
        "drafts/_block_picker.html",
        opportunity=opportunity,
        proposal=proposal,
        section=section,
        blocks=blocks,
        query=query,
        today=today(),
        is_stale=is_stale,
        plain_text=plain_text,
    )


@bp.post("/<int:proposal_id>/sections/<int:section_id>/insert")
@allowed(*EDIT_ROLES)
def insert_block(opportunity_id: int, proposal_id: int, section_id: int):
    """Append a library block to the text in the editor (sent along, so nothing typed is
    lost), save, and record which block version was used."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    block_id = request.form.get("block_id", type=db_int)
    if block_id is None:
        abort(400)
    block = db.session.get(LibraryBlock, block_id) or abort(404)
    form = SectionForm(request.form)
    if not form.validate():
        return _section_fragment(
            opportunity, proposal, section, editing=True, form=form, status=422
        )
    base = (
        form.overwrite_version.data
        if form.overwrite_version.data is not None
        else form.version.data
    )
    if base != section.version:
        return _section_fragment(
            opportunity, proposal, section, editing=True, form=form, status=409, conflict=True
        )
    text = (form.body.data or "").rstrip()
    section.body = (text + "\n\n" if text else "") + block.body.strip() + "\n"
    section.title = form.title.data.strip()
    section.updated_by_id = current_user.id
    db.session.add(
        SectionBlockUse(
            section=section,
            block_id=block.id,
            block_version=block.version,
            inserted_by_id=current_user.id,
        )
    )
    db.session.commit()
    return _section_fragment(
        opportunity,
        proposal,
        section,
        editing=True,
        form=SectionForm(formdata=None, obj=section),
        inserted=block,
    )


# --- quote: options and lines ---------------------------------------------------------------------


def _quote_block(opportunity, proposal, status=200, **ctx):
    if not wants_fragment():
        if status == 200:
            if ctx.get("flash_message"):
                flash(ctx["flash_message"], "warning")
            return redirect(
                url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
                + "#quote"
            )
        return render_template(
            "drafts/detail.html", **_detail_context(opportunity, proposal, **ctx)
        ), status
    options = load_options(proposal)
    context = dict(
        opportunity=opportunity,
        proposal=proposal,
        options=options,
        state=quote_state(proposal, options),
        editable=can_edit(proposal),
        action_form=EmptyForm(),
        steps_oob=True,
    )
    context.update(ctx)
    context["steps"] = allowed_steps(proposal, context["state"])
    return render_template("drafts/_quote.html", **context), status


@bp.get("/<int:proposal_id>/quote")
@allowed(*ALL_ROLES)
def quote(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    return _quote_block(opportunity, proposal)


@bp.post("/<int:proposal_id>/options")
@allowed(*EDIT_ROLES)
def add_option(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    form = OptionForm(request.form, prefix="new-option")
    count = db.session.scalar(select(func.count()).where(ProposalOption.proposal_id == proposal.id))
    if count >= MAX_OPTIONS:
        return _quote_block(
            opportunity,
            proposal,
            422,
            flash_message=_(
                "Offer at most 3 options: 2–3 let the buyer choose which, not whether."
            ),
        )
    if not form.validate():
        return _quote_block(opportunity, proposal, 422, new_option_form=form)
    option = ProposalOption(
        proposal_id=proposal.id,
        position=count,
        name=form.name.data,
        recommended=form.recommended.data or count == 0,
        maintenance_years=form.maintenance_years.data,
    )
    if option.recommended:
        for other in load_options(proposal):
            other.recommended = False
    db.session.add(option)
    db.session.flush()
    message = after_quote_change(proposal)
    db.session.commit()
    return _quote_block(opportunity, proposal, flash_message=message)


@bp.post("/<int:proposal_id>/options/<int:option_id>")
@allowed(*EDIT_ROLES)
def save_option(opportunity_id: int, proposal_id: int, option_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    option = child_or_404(ProposalOption, option_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    form = OptionForm(request.form, prefix=f"option-{option.id}")
    if not form.validate():
        return _quote_block(opportunity, proposal, 422, option_forms={option.id: form})
    if form.version.data != option.version:
        return _quote_block(
            opportunity, proposal, 409, option_forms={option.id: form}, option_conflict=option.id
        )
    option.name = form.name.data
    option.maintenance_years = form.maintenance_years.data
    if form.recommended.data and not option.recommended:
        for other in load_options(proposal):
            if other.id != option.id and other.recommended:
                other.recommended = False
    option.recommended = bool(form.recommended.data)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        return _quote_block(
            opportunity, proposal, 409, option_forms={option.id: form}, option_conflict=option.id
        )
    message = after_quote_change(proposal)
    db.session.commit()
    return _quote_block(opportunity, proposal, flash_message=message)


@bp.post("/<int:proposal_id>/options/<int:option_id>/delete")
@allowed(*EDIT_ROLES)
def delete_option(opportunity_id: int, proposal_id: int, option_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    option = child_or_404(ProposalOption, option_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    db.session.delete(option)
    db.session.flush()
    remaining = load_options(proposal)
    for position, other in enumerate(remaining):
        other.position = position
    if remaining and not any(o.recommended for o in remaining):
        remaining[0].recommended = True
    message = after_quote_change(proposal)
    db.session.commit()
    return _quote_block(opportunity, proposal, flash_message=message or _("Option removed."))


def _line_input(form) -> dict:
    return {
        # Cut far above every limit (a 10 MB paste is not kept in memory twice), never at
        # one: validate_line then answers "too long" instead of storing a shortened text.
        name: (form.get(name) or "")[:2000]
        for name in ("part", "description", "quantity", "unit_price", "unit_cost", "discount_pct")
    }


def _line_errors(errors) -> dict:
    return {field: labels.field_error(error) for field, error in errors.items()}


@bp.post("/<int:proposal_id>/options/<int:option_id>/lines")
@allowed(*EDIT_ROLES)
def add_line(opportunity_id: int, proposal_id: int, option_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    option = child_or_404(ProposalOption, option_id, proposal)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    raw = _line_input(request.form)
    line, errors = validate_line(raw)
    if errors:
        return _quote_block(
            opportunity, proposal, 422, new_line={option.id: (raw, _line_errors(errors))}
        )
    position = max((item.position for item in option.lines), default=-1) + 1
    db.session.add(
        ProposalLine(
            option_id=option.id,
            position=position,
            part=line.part.value,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            unit_cost=line.unit_cost,
            discount_pct=line.discount_pct,
        )
    )
    db.session.flush()
    message = after_quote_change(proposal)
    db.session.commit()
    # The new-line form starts over, part included: keeping the last part chosen made
    # the next line land in the wrong part unnoticed.
    return _quote_block(opportunity, proposal, flash_message=message)


@bp.post("/<int:proposal_id>/lines/<int:line_id>")
@allowed(*EDIT_ROLES)
def save_line(opportunity_id: int, proposal_id: int, line_id: int):
    """Autosave of one line as it is typed. Answers out-of-band pieces only (version, line
    amount, field errors, the totals panel), so the inputs being typed in are never replaced."""
    opportunity, proposal, line_row = line_or_404(opportunity_id, proposal_id, line_id)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    raw = _line_input(request.form)
    raw["part"] = line_row.part  # a line stays in its part; move = remove + add
    version = request.form.get("version", type=db_int)
    overwrite = request.form.get("overwrite_version", type=db_int)
    line, errors = validate_line(raw)
    ctx = dict(opportunity=opportunity, proposal=proposal, line=line_row, raw=raw)
    if errors:
        return render_template("drafts/_line_saved.html", errors=_line_errors(errors), **ctx), 422
    if (overwrite if overwrite is not None else version) != line_row.version:
        return render_template("drafts/_line_saved.html", errors={}, conflict=True, **ctx), 409
    line_row.description = line.description
    line_row.quantity = line.quantity
    line_row.unit_price = line.unit_price
    line_row.unit_cost = line.unit_cost
    line_row.discount_pct = line.discount_pct
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        line_row = db.session.get(ProposalLine, line_id)
        ctx["line"] = line_row
        return render_template("drafts/_line_saved.html", errors={}, conflict=True, **ctx), 409
    message = after_quote_change(proposal)
    # The totals are read inside the transaction, after the flush: the same figures the
    # commit makes durable. Nothing is expired at commit, so the answer needs no re-reads.
    state = quote_state(proposal)
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    key = state.workflow_key(proposal)
    show_workflow = key != request.form.get("workflow_key")
    return render_template(
        "drafts/_line_saved.html",
        errors={},
        state=state,
        workflow_key=key,
        show_workflow=show_workflow,
        steps=allowed_steps(proposal, state) if show_workflow else (),
        flash_message=message,
        line_amount=line.net_amount,
        **ctx,
    )


@bp.post("/<int:proposal_id>/lines/<int:line_id>/delete")
@allowed(*EDIT_ROLES)
def delete_line(opportunity_id: int, proposal_id: int, line_id: int):
    opportunity, proposal, line_row = line_or_404(opportunity_id, proposal_id, line_id)
    if (locked := _editable_or_locked(proposal)) is not None:
        return locked
    if not EmptyForm().validate():
        abort(400)
    db.session.delete(line_row)
    db.session.flush()
    message = after_quote_change(proposal)
    db.session.commit()
    return _quote_block(opportunity, proposal, flash_message=message)


# --- workflow -------------------------------------------------------------------------------------
# A workflow button ends in a full navigation (portal.pages.navigate), failures included:
# the flash says why, and the page shows the current state.


@bp.post("/<int:proposal_id>/status")
@allowed(*EDIT_ROLES)
def change(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    form = StatusForm(request.form)
    back = url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
    if not form.validate():
        flash(_("Choose a status."), "error")
        return navigate(back)
    if form.version.data != proposal.version:
        flash(_proposal_changed(proposal), "error")
        return navigate(back)
    state = quote_state(proposal)
    error = change_status(proposal, form.target.data, state)
    if error == "requirements_open":  # the refusal lists the rows, each linked
        flash(_("Not submitted: these tender requirements are not ready."), "error")
        gate = url_for("tender.gate", opportunity_id=opportunity.id, proposal_id=proposal.id)
        return navigate(gate)
    if error:
        flash(str(labels.TRANSITION_ERRORS.get(error, error)), "error")
        return navigate(back)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_proposal_changed(db.session.get(Proposal, proposal_id)), "error")
        return navigate(back)
    messages = {
        "in_review": _("Sent for review.")
        + (
            " "
            + _(
                "A %(role)s must approve this quote.", role=_role_name(state.decision.required_role)
            )
            if state.needs_approval and not state.approval_valid
            else ""
        ),
        "submitted": _("Submitted. Revision frozen; it can no longer change."),
        "draft": _("Back to draft: the new draft continues from the last revision."),
    }
    flash(
        messages.get(
            form.target.data, _("Status changed to %(s)s.", s=labels.STATUSES[form.target.data])
        ),
        "success",
    )
    return navigate(back)


def _proposal_changed(proposal: Proposal) -> str:
    from portal.conflicts import saved_by_me

    if saved_by_me(proposal):
        return _("You changed this proposal in another window meanwhile. Check it and try again.")
    return _("Someone else changed this proposal meanwhile. Check it and try again.")


def _role_name(role):
    from portal import labels as common

    return common.ROLES.get(role, role) if role else ""


@bp.post("/<int:proposal_id>/revisions")
@allowed(*EDIT_ROLES)
def save_version(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    form = RevisionForm(request.form)
    back = url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
    if not form.validate():
        flash(" ".join(form.note.errors), "error")
        return navigate(back)
    revision = freeze_revision(proposal, "version", (form.note.data or "").strip())
    db.session.commit()
    flash(
        _("Version %(n)d saved. It can be viewed and compared, never changed.", n=revision.number),
        "success",
    )
    return navigate(back)


@bp.get("/<int:proposal_id>/revisions")
@allowed(*ALL_ROLES)
def revisions(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    rows = db.session.scalars(
        select(ProposalRevision)
        .where(ProposalRevision.proposal_id == proposal.id)
        .order_by(ProposalRevision.number.desc())
    ).all()
    return render_template(
        "drafts/revisions.html", opportunity=opportunity, proposal=proposal, revisions=rows
    )


@bp.get("/<int:proposal_id>/revisions/<int:revision_id>")
@allowed(*ALL_ROLES)
def revision(opportunity_id: int, proposal_id: int, revision_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    rev = child_or_404(ProposalRevision, revision_id, proposal)
    from proposals.drafting import options_from_snapshot
    from proposals.pricing import quote_totals

    totals = quote_totals(options_from_snapshot(rev.snapshot))
    return render_template(
        "drafts/revision.html",
        opportunity=opportunity,
        proposal=proposal,
        revision=rev,
        snap=rev.snapshot,
        totals=totals,
        render_markdown=render_markdown,
    )


@bp.get("/<int:proposal_id>/compare")
@allowed(*ALL_ROLES)
def compare(opportunity_id: int, proposal_id: int):
    """Compare two revisions, or a revision with the current draft (`to=current`)."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    rows = db.session.scalars(
        select(ProposalRevision)
        .where(ProposalRevision.proposal_id == proposal.id)
        .order_by(ProposalRevision.number.desc())
    ).all()
    by_id = {r.id: r for r in rows}
    old_id = request.args.get("from", type=int)
    new_raw = request.args.get("to", "current")
    old = by_id.get(old_id) or (rows[0] if rows else None)
    if old is None:
        return render_template(
            "drafts/compare.html",
            opportunity=opportunity,
            proposal=proposal,
            revisions=rows,
            old=None,
            new=None,
            sections=(),
            prices=(),
        )
    if new_raw == "current":
        new, new_snap = None, snapshot(proposal)
    else:
        new = by_id.get(db_int_or_none(new_raw))
        if new is None:
            abort(404)
        new_snap = new.snapshot
    return render_template(
        "drafts/compare.html",
        opportunity=opportunity,
        proposal=proposal,
        revisions=rows,
        old=old,
        new=new,
        sections=section_diffs(old.snapshot["sections"], new_snap["sections"]),
        prices=price_diffs(old.snapshot, new_snap),
        currency=new_snap["currency"],
    )


# --- comments -------------------------------------------------------------------------------------


@bp.post("/<int:proposal_id>/comments")
@allowed(*ALL_ROLES)
def add_comment(opportunity_id: int, proposal_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    form = CommentForm(request.form)
    status = 200
    if form.validate():
        comment = ProposalComment(
            proposal=proposal,
            opportunity_id=opportunity.id,
            author_id=current_user.id,
            body=form.body.data.strip(),
        )
        db.session.add(comment)
        notify.proposal_commented(comment)
        db.session.commit()
        db.session.refresh(proposal)
        form = CommentForm(formdata=None)
    else:
        status = 422
    if not wants_fragment():
        if status == 200:
            return redirect(
                url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
                + "#comments"
            )
        return render_template(
            "drafts/detail.html", **_detail_context(opportunity, proposal, comment_form=form)
        ), status
    return render_template(
        "drafts/_comments.html", opportunity=opportunity, proposal=proposal, comment_form=form
    ), status


# --- template filters (numbers are formatted here, never computed in templates) ------------------


@bp.app_context_processor
def drafts_labels():
    return {"dl": labels}


@bp.app_template_filter("drafts_money")
def money_filter(amount) -> str:
    if amount is None:
        return "—"
    return f"{amount:,.2f}"


@bp.app_template_filter("pct_number")
def pct_number_filter(value) -> str:
    """The one way a percentage figure is shown: 1 decimal, half up (display_pct), "—"
    for none. Takes a Decimal, an int or the text an approval request stores. For
    messages that put the "%" themselves; drafts_pct adds it."""
    from decimal import Decimal, InvalidOperation

    from proposals.pricing import display_pct

    if value is not None and not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return "—"
    shown = display_pct(value) if value is None or value.is_finite() else None
    return "—" if shown is None else str(shown)


@bp.app_template_filter("drafts_pct")
def pct_filter(value) -> str:
    """A percentage with its sign, as quote cards, approval reasons and the queue print it."""
    shown = pct_number_filter(value)
    return shown if shown == "—" else f"{shown}%"


@bp.app_template_filter("drafts_number")
def number_filter(value) -> str:
    """A stored quantity/price as typed, digits grouped: 180000.5000 → 180,000.5, 3.0000 → 3.
    The quote inputs show it so when not focused; every number parser reads it back."""
    from decimal import Decimal

    if value is None:
        return ""
    value = Decimal(value)
    return "0" if value == 0 else format(value.normalize(), ",f")
