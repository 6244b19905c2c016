"""Tasks raised from decision-chain coverage warnings: create one from a warning on the
chain map, mark it done, and each user's own list of open tasks.

Who may do what (tests/portal/test_access.py): everyone who sees the opportunity may raise
and close its tasks (presales work the technical people, leaders the executives); every
user sees their own task list; admins tune the coverage rules by stage.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.models import User
from portal.deals.models import Stakeholder
from portal.extensions import db
from portal.notifications import events
from portal.security import ALL_ROLES, allowed
from portal.timeutil import today, utcnow
from portal.workspace import tasks
from portal.workspace.models import TASK_LEVEL_CODES, ChainTask
from portal.workspace.views import _chain, _csrf_ok, _load, bp
from proposals.coverage import PLAN_WARNINGS, rule_title_name
from proposals.workspace import COVERAGE_WARNINGS

TASK_CODES = set(PLAN_WARNINGS) | set(COVERAGE_WARNINGS)


def _task_input(opportunity, form) -> tuple[dict, dict]:
    """The typed task and the errors per field (empty when valid)."""
    typed = {
        "warning_code": form.get("warning_code", ""),
        "stakeholder_id": form.get("stakeholder_id", ""),
        "level": form.get("level", "manager"),
        "title": (form.get("title") or "").strip(),
        "assignee_id": form.get("assignee_id", ""),
        "due_date": (form.get("due_date") or "").strip(),
    }
    errors = {}
    if typed["warning_code"] not in TASK_CODES or typed["level"] not in TASK_LEVEL_CODES:
        abort(400)  # hidden fields: only a forged form gets here
    if typed["stakeholder_id"]:
        person = db.session.get(Stakeholder, int(typed["stakeholder_id"]) if
                                typed["stakeholder_id"].isdigit() else 0)  # fmt: skip
        if person is None or person.opportunity_id != opportunity.id:
            abort(400)
    if not typed["title"]:
        errors["title"] = _("Say what is to be done.")
    elif len(typed["title"]) > 300:
        errors["title"] = _("At most 300 characters.")
    assignee = (
        db.session.get(User, int(typed["assignee_id"])) if typed["assignee_id"].isdigit() else None
    )
    if assignee is None or not assignee.active:
        errors["assignee_id"] = _("Choose a person on our side.")
    try:
        due = date.fromisoformat(typed["due_date"])
    except ValueError:
        errors["due_date"] = _("Enter a date (YYYY-MM-DD).")
    else:
        if due < today():
            errors["due_date"] = _("The due date cannot be in the past.")
    return typed, errors


@bp.post("/opportunities/<int:opportunity_id>/chain/tasks")
@allowed(*ALL_ROLES)
def add_chain_task(opportunity_id: int):
    """Raise a dated task for a named person from a coverage warning."""
    opportunity = _load(opportunity_id)
    _csrf_ok()
    typed, errors = _task_input(opportunity, request.form)
    if errors:
        return _chain(opportunity, 422, task_input=typed, task_errors=errors)
    # The warning's own wording is stored as its code and the person it names, so every
    # reader sees it in their language; a title the user rewrote is kept as typed.
    from_rule, name = rule_title_name(typed["warning_code"], typed["title"])
    task = ChainTask(
        opportunity_id=opportunity.id,
        stakeholder_id=int(typed["stakeholder_id"]) if typed["stakeholder_id"] else None,
        warning_code=typed["warning_code"],
        title=None if from_rule else typed["title"],
        title_params=({"name": name} if name else {}) if from_rule else None,
        level=typed["level"],
        assignee_id=int(typed["assignee_id"]),
        due_date=date.fromisoformat(typed["due_date"]),
        created_by_id=current_user.id,
    )
    db.session.add(task)
    events.task_assigned(task)
    db.session.commit()
    return _chain(opportunity, chain_notice=_("Task created."))


@bp.post("/opportunities/<int:opportunity_id>/chain/tasks/<int:task_id>/done")
@allowed(*ALL_ROLES)
def finish_chain_task(opportunity_id: int, task_id: int):
    opportunity = _load(opportunity_id)
    task = db.session.get(ChainTask, task_id)
    if task is None or task.opportunity_id != opportunity.id:
        abort(404)
    _csrf_ok()
    stale = _("Someone else changed this task meanwhile; it is shown as saved now.")
    if request.form.get("version", type=int) != task.version:
        return _chain(opportunity, 409, chain_error=stale)
    if task.done_at is None:
        task.done_at = utcnow()
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return _chain(_load(opportunity_id), 409, chain_error=stale)
    return _chain(opportunity)


@bp.get("/tasks")
@allowed(*ALL_ROLES)
def my_tasks():
    """The signed-in user's open decision-chain tasks, earliest due first."""
    return render_template(
        "workspace/tasks.html", tasks=tasks.tasks_of(current_user.id), today=today()
    )


# --- the coverage rules by stage (admin) ------------------------------------------------


@bp.route("/workspace/coverage-rules", methods=["GET", "POST"])
@allowed("admin")
def coverage_rules():
    """The decision-chain coverage rules per stage of the default model; stored as portal
    settings, the defaults of proposals.coverage.STAGE_RULES until changed."""
    from portal.bid.models import PortalSetting
    from proposals.coverage import (
        STAGE_RULES,
        StageRule,
        format_rule,
        rules_with_overrides,
    )

    current = rules_with_overrides(tasks.stored_rules())
    stamp = "|".join(format_rule(current[code]) for code in STAGE_RULES)
    if request.method == "GET":
        return render_template("workspace/coverage_rules.html", rules=current, stamp=stamp,
                               typed=None, errors={})  # fmt: skip
    _csrf_ok()
    typed, errors, new = {}, {}, {}
    for code in STAGE_RULES:
        contacts = (request.form.get(f"{code}-contacts") or "").strip()
        window = (request.form.get(f"{code}-window") or "").strip()
        typed[code] = {"support": bool(request.form.get(f"{code}-support")),
                       "plan": bool(request.form.get(f"{code}-plan")),
                       "contacts": contacts, "window": window}  # fmt: skip
        if not contacts.isdigit() or not 0 <= int(contacts) <= 20:
            errors[f"{code}-contacts"] = _("A whole number from 0 to 20.")
        if not window.isdigit() or not 1 <= int(window) <= 365:
            errors[f"{code}-window"] = _("A whole number of days from 1 to 365.")
        if not errors:
            new[code] = StageRule(typed[code]["support"], typed[code]["plan"], int(contacts),
                                  int(window))  # fmt: skip
    if errors:
        return render_template("workspace/coverage_rules.html", rules=current, stamp=stamp,
                               typed=typed, errors=errors), 422  # fmt: skip
    if request.form.get("stamp") != stamp:
        return render_template(
            "workspace/coverage_rules.html", rules=current, stamp=stamp, typed=typed, errors={},
            conflict=_(
                "Someone else changed the rules meanwhile. Your input is kept; save again "
                "to overwrite theirs."
            ),
        ), 409  # fmt: skip
    rows = {
        row.key: row
        for row in db.session.scalars(
            select(PortalSetting).where(PortalSetting.key.startswith(tasks.RULE_KEY))
        )
    }
    for code, rule in new.items():
        key = tasks.RULE_KEY + code
        row = rows.get(key) or PortalSetting(key=key, value="")
        row.value = format_rule(rule)
        db.session.add(row)
    db.session.commit()
    flash(_("Coverage rules saved."), "success")
    return redirect(url_for("workspace.coverage_rules"))
