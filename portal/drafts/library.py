"""The content library: reusable proposal blocks, searched as you type, flagged when stale."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal.conflicts import differing_fields, rebase
from portal.drafts.forms import LibraryBlockForm
from portal.drafts.models import LibraryBlock
from portal.drafts.views import EDIT_ROLES, search_blocks
from portal.extensions import db
from portal.pages import render_page_or_fragment
from portal.security import ALL_ROLES, allowed
from portal.timeutil import today
from proposals.content import plain_text, render_markdown
from proposals.drafting import STALE_AFTER_DAYS, is_stale, parse_tags

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("")
@allowed(*ALL_ROLES)
def index():
    query = (request.args.get("q") or "")[:100]
    stale_only = request.args.get("stale") == "1"
    blocks = search_blocks(query)
    if stale_only:
        blocks = [b for b in blocks if is_stale(b.last_reviewed, today())]
    return render_page_or_fragment(
        "drafts/library.html",
        "drafts/_library_results.html",
        blocks=blocks,
        query=query,
        stale_only=stale_only,
        today=today(),
        is_stale=is_stale,
        plain_text=plain_text,
        stale_days=STALE_AFTER_DAYS,
        can_edit=current_user.role in EDIT_ROLES,
    )


def _save(form: LibraryBlockForm, block: LibraryBlock) -> None:
    block.title = form.title.data.strip()
    block.tags = ",".join(parse_tags(form.tags.data))
    block.language = form.language.data
    block.body = form.body.data.strip() + "\n"
    block.last_reviewed = form.last_reviewed.data


@bp.route("/new", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def create():
    form = LibraryBlockForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.version.data = 0
        form.last_reviewed.data = today()
        form.language.data = "zh_CN" if current_user.locale == "zh_CN" else "en"
    elif form.validate():
        block = LibraryBlock(owner_id=current_user.id)
        _save(form, block)
        db.session.add(block)
        db.session.commit()
        flash(_("Library block saved."), "success")
        return redirect(url_for("library.index"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "drafts/library_edit.html", form=form, block=None, preview=render_markdown(form.body.data)
    ), status


@bp.route("/<int:block_id>", methods=["GET", "POST"])
@allowed(*EDIT_ROLES)
def edit(block_id: int):
    block = db.session.get(LibraryBlock, block_id) or abort(404)
    if request.method == "GET":
        form = LibraryBlockForm(obj=block)
        form.tags.data = ", ".join(block.tag_list)
        return render_template(
            "drafts/library_edit.html", form=form, block=block, preview=render_markdown(block.body)
        )
    form = LibraryBlockForm(request.form)
    if not form.validate():
        return render_template(
            "drafts/library_edit.html",
            form=form,
            block=block,
            preview=render_markdown(form.body.data),
        ), 422
    if form.version.data != block.version:
        return _conflict(form, block)
    _save(form, block)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _conflict(form, db.session.get(LibraryBlock, block_id))
    flash(_("Library block saved (now version %(v)d).", v=block.version), "success")
    return redirect(url_for("library.index"))


def _conflict(form, block):
    conflicts = differing_fields(form, block, ("title", "language", "body", "last_reviewed"))
    rebase(form, block.version)
    return render_template(
        "drafts/library_edit.html",
        form=form,
        block=block,
        conflicts=conflicts,
        preview=render_markdown(form.body.data),
    ), 409
