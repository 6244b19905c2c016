"""Procurement-criteria planner pages, on the price-strategy blueprint.

The page loads at once and asks for the heat map with htmx (a progress note shows while
the grid of weight × method × abnormal-low rule is computed); the computed plan is cached
per scenario version, so it is recomputed only when an input of the scenario changes.
Saving the recommendation records it as the evidence of the NSABC activity "influence the
procurement criteria" (stage "business", element "needs"), which cannot be ticked done
without one (see :func:`evidence_problem`, used by the workspace).

Who: everyone who sees the opportunity reads; reps (owner or team), leaders and admins
save a recommendation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from decimal import Decimal

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.forms import EmptyForm
from portal.pages import wants_fragment
from portal.pricescore import inputs, labels
from portal.pricescore.chart import compact_price
from portal.pricescore.models import CriteriaEvidence
from portal.pricescore.views import (
    EDIT_ROLES,
    READ_ROLES,
    _locale,
    _scenario_or_404,
    _scenarios,
    bp,
    can_edit,
)
from portal.security import allowed, get_opportunity_or_404
from proposals.bidvalue import candidate_grid
from proposals.planner import PLANNER_WEIGHTS, CriteriaPlan, plan_criteria, recommend
from proposals.scoring import METHODS, validate_scenario

PLANNER_TRIALS = 500
PLANNER_PRICES = 40
# The activity this planner gives evidence for (stable codes; its title is admin-editable).
CRITERIA_ACTIVITY = ("business", "needs")

_cache: OrderedDict[tuple, CriteriaPlan] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 32


def _plan(scenario) -> tuple[CriteriaPlan | None, bool]:
    """The plan of a saved scenario and whether it came from the cache; None if the saved
    inputs do not pass the engine's checks. Keyed by the scenario's version, so any saved
    change of its inputs computes afresh."""
    key = (
        current_app.config.get("SQLALCHEMY_DATABASE_URI"),
        scenario.id,
        scenario.version,
        scenario.updated_at.isoformat() if scenario.updated_at else "",
    )
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key], True
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return None, False
    steps = min(PLANNER_PRICES, scenario.grid_steps)
    prices = candidate_grid(scenario.grid_min, scenario.grid_max, steps)
    plan = plan_criteria(estimate, prices, trials=PLANNER_TRIALS, seed=scenario.seed)
    with _cache_lock:
        _cache[key] = plan
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return plan, False


def matrix_lead(opportunity_id: int) -> float | None:
    """Our lead in the competition matrix: our weighted total minus the best rival's
    (points out of 100); None without criteria or without a scored rival."""
    from portal.workspace.queries import load_matrix

    result = load_matrix(opportunity_id).result
    ours = result.us.total_100
    rivals = [c.total_100 for c in result.competitors if c.total_100 is not None]
    if ours is None or not rivals:
        return None
    return float(ours) - max(rivals)


def _heat(plan: CriteriaPlan, value: str) -> dict:
    """Geometry and colours of one heat map (rows: method × rule, columns: weights)."""
    cell_w, cell_h, left, top = 46, 24, 190, 28
    values = [getattr(c, value) for c in plan.cells]
    lo, hi = min(values), max(values)
    span = hi - lo if hi > lo else 1.0
    rows = []
    for r, (al, method) in enumerate((al, m) for al in (False, True) for m in plan.methods):
        cells = []
        for col, w in enumerate(plan.weights):
            c = plan.cell(w, method, al)
            share = (getattr(c, value) - lo) / span
            # light yellow (low) to deep green (high), readable text on both
            red = int(250 - share * 190)
            green = int(245 - share * 95)
            blue = int(210 - share * 130)
            cells.append(
                {
                    "x": left + col * cell_w,
                    "y": top + r * cell_h,
                    "fill": f"rgb({red},{green},{blue})",
                    "dark": share > 0.6,
                    "cell": c,
                    "current": (
                        abs(w - plan.current[0]) < 1e-9
                        and method == plan.current[1]
                        and al == plan.current[2]
                    ),
                }
            )
        rows.append({"y": top + r * cell_h, "method": method, "al": al, "cells": cells})
    return {
        "rows": rows,
        "cols": [(left + i * cell_w, w) for i, w in enumerate(plan.weights)],
        "cell_w": cell_w,
        "cell_h": cell_h,
        "left": left,
        "top": top,
        "width": left + cell_w * len(plan.weights) + 8,
        "height": top + cell_h * len(rows) + 8,
        "value": value,
    }


def _latest_evidence(opportunity_id: int) -> CriteriaEvidence | None:
    return db.session.scalars(
        select(CriteriaEvidence)
        .where(CriteriaEvidence.opportunity_id == opportunity_id)
        .order_by(CriteriaEvidence.id.desc())
        .limit(1)
    ).first()


def _context(opportunity, scenario, **extra) -> dict:
    locale = _locale()
    return {
        "opportunity": opportunity,
        "scenario": scenario,
        "can_edit": can_edit(),
        "action_form": EmptyForm(),
        "labels_ps": labels,
        "methods": METHODS,
        "compact": lambda x: compact_price(x, locale),
        "evidence": _latest_evidence(opportunity.id),
        "combinations": len(PLANNER_WEIGHTS) * len(METHODS) * 2,
        **extra,
    }


@bp.get("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/planner")
@allowed(*READ_ROLES)
def planner(opportunity_id: int, scenario_id: int):
    """The planner page; the grid itself arrives from :func:`planner_grid`."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    return render_template(
        "pricescore/planner.html",
        siblings=_scenarios(opportunity),
        **_context(opportunity, scenario),
    )


@bp.get("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/planner/grid")
@allowed(*READ_ROLES)
def planner_grid(opportunity_id: int, scenario_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    return _grid(opportunity, scenario)


def _grid(opportunity, scenario, status: int = 200, **extra):
    plan, cached = _plan(scenario)
    ctx = _context(opportunity, scenario, plan=plan, cached=cached, **extra)
    if plan is not None:
        lead = matrix_lead(opportunity.id)
        ctx["recommendation"] = recommend(plan, lead)
        ctx["heat_win"] = _heat(plan, "p_win")
        ctx["heat_margin"] = _heat(plan, "expected_margin")
    template = "pricescore/_planner_grid.html"
    if not wants_fragment():
        template = "pricescore/planner.html"
        ctx["siblings"] = _scenarios(opportunity)
        ctx["inline_grid"] = True
    return render_template(template, **ctx), status


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/planner/save")
@allowed(*EDIT_ROLES)
def save_recommendation(opportunity_id: int, scenario_id: int):
    """Record the current recommendation as the evidence of "influence the procurement
    criteria". The figures are recomputed here (from the cache), never taken from the form."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        return _grid(opportunity, scenario, 400, planner_error=_("The form expired: try again."))
    if request.form.get("version", type=int) != scenario.version:
        return _grid(
            opportunity,
            scenario,
            409,
            planner_error=_(
                "The scenario changed since this grid was shown: check the new recommendation "
                "and save again."
            ),
        )
    plan, _cached = _plan(scenario)
    if plan is None:
        return _grid(
            opportunity,
            scenario,
            422,
            planner_error=_("Fix the scenario's inputs first: there is nothing to recommend."),
        )
    lead = matrix_lead(opportunity.id)
    rec = recommend(plan, lead)

    def money(x: float | None) -> Decimal | None:
        return None if x is None else Decimal(str(round(x, 2)))

    db.session.add(
        CriteriaEvidence(
            opportunity_id=opportunity.id,
            scenario_id=scenario.id,
            kind="recommendation",
            position=rec.position,
            lead=None if lead is None else Decimal(str(round(lead, 2))),
            price_weight=Decimal(str(rec.ask.weight)),
            method=rec.ask.method,
            abnormal_low=rec.ask.abnormal_low,
            price=money(rec.ask.price),
            p_win_pct=Decimal(str(round(rec.ask.p_win * 100, 2))),
            expected_margin=money(rec.ask.expected_margin),
            current_margin=money(rec.current.expected_margin if rec.current else None),
            created_by_id=current_user.id,
        )
    )
    db.session.commit()
    return _grid(
        opportunity,
        scenario,
        saved_message=_(
            "Recommendation saved as the evidence for “influence the procurement criteria”."
        ),
    )


def evidence_problem(template, opportunity_id: int, status: str, evidence_text: str) -> str | None:
    """Why ``status`` cannot be set on this activity, or None. Only the activity "influence
    the procurement criteria" is checked: done needs a saved planner recommendation, not
    applicable needs a reason in the evidence text."""
    if (template.stage.code, template.element) != CRITERIA_ACTIVITY:
        return None
    if status == "done" and _latest_recommendation(opportunity_id) is None:
        return _(
            "Save a recommendation in the procurement-criteria planner (price strategy) first, "
            "or mark the activity not applicable with the reason."
        )
    if status == "not_applicable" and not (evidence_text or "").strip():
        return _("Give the reason the procurement criteria cannot be influenced here.")
    return None


def _latest_recommendation(opportunity_id: int) -> CriteriaEvidence | None:
    return db.session.scalars(
        select(CriteriaEvidence)
        .where(
            CriteriaEvidence.opportunity_id == opportunity_id,
            CriteriaEvidence.kind == "recommendation",
        )
        .order_by(CriteriaEvidence.id.desc())
        .limit(1)
    ).first()
