"""The outcome of a bid, recorded on its opportunity, and each rival's bid history.

Who may do what (decided here, tested in tests/portal/test_access.py):
- the rep (owner or team), leaders and admins record and edit the outcome of the
  opportunities they see; presales assigned to it read it;
- everyone reads a rival's history; the opportunities behind it are named and linked
  only where the reader may see them.
Reading a pasted notice and adding or removing a row save nothing: they answer the form
again with the rows filled in, so the rep confirms before saving. Invalid input answers
422 with the input kept; a save over a newer save answers 409.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.conflicts import FieldConflict
from portal.extensions import db
from portal.forms import db_int_or_none
from portal.outcomes import labels, service
from portal.outcomes.forms import MAX_BIDDERS, BidderForm, OutcomeForm
from portal.outcomes.history import rival_history
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.workspace.models import Competitor
from proposals.award_notice import parse_notice
from proposals.outcomes import best_match
from proposals.rival_history import MIN_PAST_BIDS

bp = Blueprint("outcomes", __name__)

EDIT_ROLES = ("rep", "leader", "admin")

_CONFLICT_FIELDS = ("result", "reason_code", "reason_text", "closed_on", "our_price",
                    "control_price", "budget")  # fmt: skip


def can_edit() -> bool:
    return current_user.role in EDIT_ROLES


@bp.app_template_global("outcome_of")
def outcome_of(opportunity):
    return service.outcome_of(opportunity.id)


@bp.app_template_global("outcome_result_label")
def outcome_result_label(code: str) -> str:
    return str(labels.RESULTS.get(code, code))


def _competitor_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Competitor.id, Competitor.name)
        .where(Competitor.deleted_at.is_(None))
        .order_by(Competitor.name)
    ).all()
    return [("", _("New record, named as published"))] + [(str(i), n) for i, n in rows]


def _bidder_form(prefix: str, formdata=None, choices=None) -> BidderForm:
    form = BidderForm(formdata=formdata, prefix=prefix)
    form.competitor_id.choices = choices if choices is not None else _competitor_choices()
    return form


def _posted_bidders(choices) -> list[BidderForm]:
    count = max(0, min(db_int_or_none(request.form.get("rows")) or 0, MAX_BIDDERS))
    return [_bidder_form(f"b{i}", request.form, choices) for i in range(count)]


def _forms_from(outcome, opportunity_id: int):
    choices = _competitor_choices()
    form = OutcomeForm(formdata=None)
    if outcome is not None:
        for name in _CONFLICT_FIELDS:
            form[name].data = getattr(outcome, name)
        form.version.data = outcome.version
    else:
        from portal.timeutil import today

        form.closed_on.data = today()
        for name, value in service.starting_figures(opportunity_id).items():
            form[name].data = value
    bidders = []
    winner = None
    for i, b in enumerate(outcome.bidders if outcome is not None else []):
        bf = _bidder_form(f"b{i}", None, choices)
        bf.name.data = b.name_as_published
        bf.competitor_id.data = str(b.competitor_id) if b.competitor_id else ""
        bf.is_us.data = b.is_us
        for name in ("price", "tech_score", "price_score", "total_score", "rank"):
            bf[name].data = getattr(b, name)
        if outcome.winner_competitor_id and b.competitor_id == outcome.winner_competitor_id:
            winner = i
        if outcome.result == "won" and b.is_us:
            winner = i
        bidders.append(bf)
    if not bidders:
        bidders = [_bidder_form("b0", None, choices)]
    _set_rows(form, len(bidders))
    return form, bidders, winner


def _renumbered(old: BidderForm, index: int, choices) -> BidderForm:
    """The row as typed (raw input, even an invalid number), moved to position `index`."""
    from werkzeug.datastructures import MultiDict

    typed = MultiDict()
    for field in old:
        for value in field.raw_data or ():
            typed.add(f"b{index}-{field.short_name}", value)
    return _bidder_form(f"b{index}", typed, choices)


def _set_rows(form, count: int) -> None:
    # The posted count would be rendered otherwise (fields show their raw input first).
    form.rows.data = count
    form.rows.raw_data = [str(count)]


def _render(opportunity, outcome, form, bidders, winner, status=200, **ctx):
    return render_template(
        "outcomes/page.html",
        opportunity=opportunity,
        outcome=outcome,
        form=form,
        bidders=bidders,
        winner=winner,
        can_edit=can_edit(),
        labels_oc=labels,
        **ctx,
    ), status


@bp.get("/opportunities/<int:opportunity_id>/outcome")
@allowed(*ALL_ROLES)
def outcome(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    recorded = service.outcome_of(opportunity.id)
    form, bidders, winner = _forms_from(recorded, opportunity.id)
    return _render(opportunity, recorded, form, bidders, winner)


def _winner_posted() -> int | None:
    return db_int_or_none(request.form.get("winner"))


@bp.post("/opportunities/<int:opportunity_id>/outcome/notice")
@allowed(*EDIT_ROLES)
def read_notice(opportunity_id: int):
    """Fill the bidder rows from the pasted notice; nothing is saved."""
    opportunity = get_opportunity_or_404(opportunity_id)
    recorded = service.outcome_of(opportunity.id)
    form = OutcomeForm(request.form)
    form.validate()  # for the notice's own checks; the rest is judged when saving
    for field in form:
        if field.name != "notice":
            field.errors = []
    choices = _competitor_choices()
    if form.notice.errors:
        bidders = _posted_bidders(choices)
        return _render(opportunity, recorded, form, bidders, _winner_posted(), 422)
    notice = parse_notice(form.notice.data or "")
    warnings = [labels.notice_warning(w) for w in notice.warnings]
    if not notice.ok:
        bidders = _posted_bidders(choices) or [_bidder_form("b0", None, choices)]
        _set_rows(form, len(bidders))
        return _render(
            opportunity,
            recorded,
            form,
            bidders,
            _winner_posted(),
            422,
            notice_warnings=warnings,
            notice_failed=True,
        )
    records = {int(v): n for v, n in choices if v}
    our_price = form.our_price.data
    bidders = []
    winner = None
    for i, row in enumerate(notice.rows[:MAX_BIDDERS]):
        bf = _bidder_form(f"b{i}", None, choices)
        bf.name.data = row.name
        bf.price.data = row.price
        bf.tech_score.data = row.tech_score
        bf.price_score.data = row.price_score
        bf.total_score.data = row.total_score
        bf.rank.data = row.rank
        # Our own row: the price we submitted. A suggestion the rep confirms.
        bf.is_us.data = our_price is not None and row.price == our_price
        match = None if bf.is_us.data else best_match(row.name, records)
        bf.competitor_id.data = str(match) if match else ""
        if row.rank == 1 and winner is None:
            winner = i
        bidders.append(bf)
    _set_rows(form, len(bidders))
    return _render(
        opportunity,
        recorded,
        form,
        bidders,
        winner,
        200,
        notice_warnings=warnings,
        notice_read=len(bidders),
    )


@bp.post("/opportunities/<int:opportunity_id>/outcome/rows")
@allowed(*EDIT_ROLES)
def edit_rows(opportunity_id: int):
    """Add an empty bidder row, or remove one; nothing is saved."""
    opportunity = get_opportunity_or_404(opportunity_id)
    recorded = service.outcome_of(opportunity.id)
    form = OutcomeForm(request.form)
    choices = _competitor_choices()
    bidders = _posted_bidders(choices)
    winner = _winner_posted()
    remove = db_int_or_none(request.form.get("remove"))
    if remove is not None and 0 <= remove < len(bidders):
        kept = [b for i, b in enumerate(bidders) if i != remove]
        if winner == remove:
            winner = None
        elif winner is not None and winner > remove:
            winner -= 1
        bidders = [_renumbered(old, i, choices) for i, old in enumerate(kept)]
    elif len(bidders) < MAX_BIDDERS:
        bidders.append(_bidder_form(f"b{len(bidders)}", None, choices))
    _set_rows(form, len(bidders))
    return _render(opportunity, recorded, form, bidders, winner)


@bp.post("/opportunities/<int:opportunity_id>/outcome")
@allowed(*EDIT_ROLES)
def save(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    recorded = service.outcome_of(opportunity.id)
    form = OutcomeForm(request.form)
    choices = _competitor_choices()
    bidders = _posted_bidders(choices)
    winner = _winner_posted()
    valid = form.validate()
    valid = all([bf.validate() for bf in bidders]) and valid
    rows = [(i, bf) for i, bf in enumerate(bidders) if not bf.is_blank()]
    table_errors = _table_problems(form, rows, winner)
    if not valid or table_errors:
        return _render(opportunity, recorded, form, bidders, winner, 422, table_errors=table_errors)
    posted_version = form.version.data or 0
    current_version = recorded.version if recorded is not None else 0
    if posted_version != current_version:
        conflicts = _conflicts(form, recorded)
        return _render(opportunity, recorded, form, bidders, winner, 409, conflicts=conflicts)
    known = {int(v) for v, _n in choices if v}
    inputs = [
        service.BidderInput(
            name=(bf.name.data or "").strip(),
            is_us=bool(bf.is_us.data),
            competitor_id=(
                db_int_or_none(bf.competitor_id.data)
                if db_int_or_none(bf.competitor_id.data) in known
                else None
            ),
            price=bf.price.data,
            tech_score=bf.tech_score.data,
            price_score=bf.price_score.data,
            total_score=bf.total_score.data,
            rank=bf.rank.data,
            winner=(i == winner),
        )
        for i, bf in rows
    ]
    data = service.OutcomeInput(
        result=form.result.data,
        reason_code=form.reason_code.data,
        reason_text=(form.reason_text.data or "").strip(),
        closed_on=form.closed_on.data,
        our_price=form.our_price.data,
        control_price=form.control_price.data,
        budget=form.budget.data,
    )
    service.record(opportunity, recorded, data, inputs)
    db.session.commit()
    flash(
        _(
            "Outcome saved. The opportunity is closed as %(status)s.",
            status=labels.RESULTS[data.result],
        ),
        "success",
    )
    return redirect(url_for("outcomes.outcome", opportunity_id=opportunity.id))


def _table_problems(form, rows, winner) -> list[str]:
    """Problems of the bidders table as a whole (each row's own are at its fields)."""
    from portal.bid.service import rival_name_problem

    problems = []
    us = [i for i, bf in rows if bf.is_us.data]
    if len(us) > 1:
        problems.append(_("Only one row can be us."))
    row_ids = {i for i, _bf in rows}
    if winner is not None and winner not in row_ids:
        winner = None
    if form.result.data == "won":
        if winner is not None and winner not in us:
            problems.append(
                _("The result says we won: mark our row as the winner, or change the result.")
            )
    elif form.result.data == "lost":
        if winner is None:
            problems.append(
                _("Mark the winning bidder in the table (add its row if it is missing).")
            )
        elif winner in us:
            problems.append(_("The result says we lost: the winner cannot be our row."))
    for _i, bf in rows:
        name = (bf.name.data or "").strip()
        if name and not bf.is_us.data and not bf.competitor_id.data:
            problem = rival_name_problem(name)
            if problem:
                bf.name.errors = [*bf.name.errors, problem]
                problems.append(problem)
    return problems


def _conflicts(form, recorded):
    from portal.conflicts import Conflicts, saved_by_me

    out = Conflicts()
    if recorded is None:
        return out
    out.by_me = saved_by_me(recorded)
    for name in _CONFLICT_FIELDS:
        mine, saved = form[name].data, getattr(recorded, name)
        if (mine or "") != (saved or "") and str(mine) != str(saved):
            out.append(FieldConflict(name, form[name].label.text, mine, saved))
    # Save again over it knowingly: the form now carries the version it has seen.
    form.version.data = recorded.version
    return out


# --- rival history ---------------------------------------------------------------------


@bp.get("/competitors/<int:competitor_id>/history")
@allowed(*ALL_ROLES)
def rival(competitor_id: int):
    competitor = db.session.get(Competitor, competitor_id)
    if competitor is None:
        abort(404)
    history = rival_history(competitor.id, current_user)
    from portal.pricescore.labels import METHODS

    return render_template(
        "outcomes/rival.html",
        competitor=competitor,
        history=history,
        labels_oc=labels,
        method_labels=METHODS,
        min_bids=MIN_PAST_BIDS,
    )
