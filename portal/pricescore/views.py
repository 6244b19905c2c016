"""Price-score strategy pages: saved scenarios per opportunity, edited in place.

Who may do what (decided here, tested in tests/portal/test_access.py):
- reps (owner or team), leaders and admins edit scenarios of the opportunities they see;
- presales assigned to the opportunity read them (the price is the rep's call; presales
  see the numbers they need for the proposal but cannot change them).
Every change is saved at once (the form posts on each change) and answers the editor
fragment with fresh results; invalid input answers 422 with the input kept and a
message at the field; a save over someone else's newer save answers 409.
"""

from __future__ import annotations

from decimal import Decimal

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

from portal.bid import service as bid_service
from portal.conflicts import FieldConflict, rebase
from portal.extensions import db
from portal.forms import EmptyForm, db_int_or_none
from portal.pages import navigate, wants_fragment
from portal.pricescore import history_models, inputs, labels, links
from portal.pricescore.chart import compact_price, sensitivity_bars, strategy_chart
from portal.pricescore.forms import CompetitorForm, NewScenarioForm, ScenarioForm
from portal.pricescore.models import DEFAULT_RULES, PriceCompetitor, PriceScenario
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.timeutil import utcnow
from proposals.bidvalue import OUR_NAME, candidate_grid, strategy_report, what_discount_buys
from proposals.scoring import (
    METHOD_EXPLANATIONS,
    REASON_TEXT,
    RULE_EXPLANATIONS,
    Bid,
    rank_reversals,
    validate_scenario,
)

bp = Blueprint("pricescore", __name__)

EDIT_ROLES = ("rep", "leader", "admin")
READ_ROLES = ALL_ROLES
TRIALS = 2000
# The page stays interactive (about a second per change) up to this many competitors.
PAGE_MAX_COMPETITORS = 50


def can_edit() -> bool:
    return current_user.role in EDIT_ROLES


def _scenario_or_404(opportunity, scenario_id: int) -> PriceScenario:
    scenario = db.session.scalars(
        select(PriceScenario)
        .where(PriceScenario.id == scenario_id, PriceScenario.opportunity_id == opportunity.id)
        .options(selectinload(PriceScenario.competitors))
    ).first()
    if scenario is None:
        abort(404)
    return scenario


def _scenarios(opportunity) -> list[PriceScenario]:
    return list(
        db.session.scalars(
            select(PriceScenario)
            .where(PriceScenario.opportunity_id == opportunity.id)
            .options(selectinload(PriceScenario.competitors))
            .order_by(PriceScenario.id)
        )
    )


def _touch(scenario: PriceScenario) -> None:
    """Competitor rows have no version: any change to them bumps the scenario's."""
    scenario.updated_at = utcnow()
    scenario.updated_by_id = current_user.id


# --- list, compare, create -------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>/price-scores")
@allowed(*READ_ROLES)
def index(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenarios = _scenarios(opportunity)
    compared = []
    for s in scenarios:
        report = _report(s)
        compared.append((s, report))
    return render_template(
        "pricescore/index.html",
        opportunity=opportunity,
        compared=compared,
        incomplete={s.id for s in scenarios if inputs.missing(s)},
        new_form=NewScenarioForm(),
        can_edit=can_edit(),
        labels_ps=labels,
    )


@bp.post("/opportunities/<int:opportunity_id>/price-scores")
@allowed(*EDIT_ROLES)
def create(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    form = NewScenarioForm(request.form)
    if not form.validate():
        scenarios = _scenarios(opportunity)
        return render_template(
            "pricescore/index.html",
            opportunity=opportunity,
            compared=[(s, _report(s)) for s in scenarios],
            incomplete={s.id for s in scenarios if inputs.missing(s)},
            new_form=form,
            can_edit=True,
            labels_ps=labels,
        ), 422
    scenario = new_scenario(opportunity, form.name.data.strip())
    scenario.updated_by_id = current_user.id
    db.session.add(scenario)
    db.session.commit()
    flash(_("Scenario created. Enter the tender's rules and your competitors."), "success")
    return redirect(
        url_for("pricescore.scenario", opportunity_id=opportunity.id, scenario_id=scenario.id)
    )


def new_scenario(opportunity, name: str) -> PriceScenario:
    """A new scenario from the opportunity's own figures, never from invented ones: the
    tender's published rules and ceiling (control price included) when its official
    scenario holds them, the prices to test around its bid price (else its amount), our
    technical points from the competition matrix when we are scored there, and the
    opportunity's rivals with the technical points the matrix gives them. Everything else
    (our cost, the rivals' prices, unscored technical points) starts empty and the page
    asks for it. Demo rules are not carried into a new scenario."""
    official = bid_service.official_of(opportunity.id)
    published = official is not None and official.figures_origin != "demo"
    rules = {**DEFAULT_RULES, **official.rules} if published else dict(DEFAULT_RULES)
    ceiling = official.ceiling if published else None
    grid_min, grid_max = _tested_prices(_price_base(opportunity, official), ceiling)
    scenario = PriceScenario(
        opportunity_id=opportunity.id,
        name=name,
        rules=rules,
        ceiling=ceiling,
        our_cost=None,
        grid_min=grid_min,
        grid_max=grid_max,
        grid_steps=60,
        seed=1,
        figures_origin="typed",
    )
    tech_max = Decimal(str(rules["tech_max"]))
    ours = bid_service.matrix_tech(opportunity.id, tech_max)
    if ours is not None:
        scenario.tech_source = "matrix"
        scenario.our_tech_low, scenario.our_tech_likely, scenario.our_tech_high = ours
    theirs = bid_service.matrix_rival_tech(opportunity.id, tech_max)
    for i, rival in enumerate(bid_service.rivals(opportunity.id)[:PAGE_MAX_COMPETITORS]):
        scenario.competitors.append(_empty_row(rival, i, theirs.get(rival.id)))
    return scenario


def _price_base(opportunity, official: PriceScenario | None) -> Decimal | None:
    """The price the tested range is centred on: the bid price (the official scenario's
    chosen price), else the opportunity amount; None when it has neither."""
    if official is not None and official.chosen_price:
        return official.chosen_price
    return opportunity.amount if opportunity.amount and opportunity.amount > 0 else None


def _tested_prices(base: Decimal | None, ceiling: Decimal | None):
    """From 70 % to 110 % of `base`, not above the tender's ceiling (bids above it are
    invalid); (None, None) without a base, and the page asks for the range."""
    if not base:
        return None, None
    low = (base * Decimal("0.70")).quantize(Decimal(1))
    high = (base * Decimal("1.10")).quantize(Decimal(1))
    if ceiling and low < ceiling < high:
        high = ceiling.quantize(Decimal(1))
    return low, high


def _empty_row(rival, position: int, tech=None) -> PriceCompetitor:
    """A rival's row with nothing invented: its price empty, its technical points from the
    competition matrix when it is scored there (else empty)."""
    low, likely, high = tech if tech is not None else (None, None, None)
    return PriceCompetitor(
        position=position,
        competitor=rival,
        tech_low=low,
        tech_likely=likely,
        tech_high=high,
    )


# --- one scenario -----------------------------------------------------------------------


@bp.get("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>")
@allowed(*READ_ROLES)
def scenario(opportunity_id: int, scenario_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    form, comp_forms = _forms_from(scenario)
    return _editor(opportunity, scenario, form, comp_forms, report=_report(scenario))


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>")
@allowed(*EDIT_ROLES)
def save(opportunity_id: int, scenario_id: int):
    """Save every input of the scenario form (posted on each change) and recompute."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    form = ScenarioForm(request.form)
    comp_forms = _competitor_forms(scenario, request.form)
    matrix_error = _tech_from_matrix(opportunity, form)
    valid = form.validate()
    if matrix_error:
        form.tech_source.errors.append(matrix_error)
        valid = False
    valid = all([cf.validate() for _c, cf in comp_forms]) and valid
    if valid:
        valid = history_models.fill(
            comp_forms, form.ceiling.data, form.rules_dict().get("control_price")
        )
    warnings: dict = {}
    if valid:
        valid = _engine_check(form, comp_forms, warnings)
    if not valid:
        return _editor(opportunity, scenario, form, comp_forms, status=422, warnings=warnings)
    if form.version.data != scenario.version:
        return _conflict(opportunity, scenario, form, comp_forms)
    reversals = _reversals(scenario, form, comp_forms)
    _apply(scenario, form, comp_forms)
    bid_service.sync_amount(scenario)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        scenario = _scenario_or_404(opportunity, scenario_id)
        return _conflict(opportunity, scenario, form, _competitor_forms(scenario, request.form))
    if not wants_fragment():
        flash(_("Scenario saved."), "success")
        return redirect(
            url_for("pricescore.scenario", opportunity_id=opportunity.id, scenario_id=scenario.id)
        )
    form, comp_forms = _forms_from(scenario)
    return _editor(
        opportunity,
        scenario,
        form,
        comp_forms,
        report=_report(scenario),
        reversals=reversals,
        warnings=warnings,
        saved=True,
    )


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/competitors")
@allowed(*EDIT_ROLES)
def add_competitor(opportunity_id: int, scenario_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    if len(scenario.competitors) >= PAGE_MAX_COMPETITORS:
        form, comp_forms = _forms_from(scenario)
        message = _(
            "At most %(n)d competitors per scenario: merge the smallest ones into one "
            '"others" row.',
            n=PAGE_MAX_COMPETITORS,
        )
        return _editor(
            opportunity,
            scenario,
            form,
            comp_forms,
            status=422,
            report=_report(scenario),
            competitors_error=message,
        )
    rival, error = _rival_to_add(opportunity, scenario)
    if error is not None:
        form, comp_forms = _forms_from(scenario)
        return _editor(
            opportunity,
            scenario,
            form,
            comp_forms,
            status=422,
            report=_report(scenario),
            competitors_error=error,
            new_rival_name=(request.form.get("new_rival") or "").strip()[:200],
        )
    position = max((c.position for c in scenario.competitors), default=-1) + 1
    tech = bid_service.matrix_rival_tech(
        opportunity.id, Decimal(str(scenario.rules["tech_max"]))
    ).get(rival.id)
    scenario.competitors.append(_empty_row(rival, position, tech))
    _touch(scenario)
    db.session.commit()
    return _after_change(opportunity, scenario)


def _rival_to_add(opportunity, scenario: PriceScenario):
    """The rival chosen from the opportunity's list, or a new name (which joins the list);
    (None, message) when neither is usable or the rival is in the scenario already."""
    new_name = (request.form.get("new_rival") or "").strip()
    if new_name:
        if (problem := bid_service.rival_name_problem(new_name)) is not None:
            return None, problem
        rival = bid_service.competitor_named(new_name)
        bid_service.add_rival(opportunity.id, rival)
    else:
        raw = request.form.get("rival_id", type=int)
        rival = bid_service.rival_of(opportunity.id, raw)
        if rival is None:
            return None, _("Choose one of the opportunity's rivals or type a new name.")
    if any(c.competitor_id == rival.id for c in scenario.competitors):
        return None, _("%(name)s is in this scenario already.", name=rival.name)
    return rival, None


@bp.post(
    "/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/competitors/<int:competitor_id>/delete"
)
@allowed(*EDIT_ROLES)
def delete_competitor(opportunity_id: int, scenario_id: int, competitor_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    competitor = next((c for c in scenario.competitors if c.id == competitor_id), None)
    if competitor is None:
        abort(404)
    scenario.competitors.remove(competitor)
    _touch(scenario)
    db.session.commit()
    return _after_change(opportunity, scenario)


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/choose")
@allowed(*EDIT_ROLES)
def choose(opportunity_id: int, scenario_id: int):
    """ "Use this price": store the recommended price as our chosen bid price."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    try:
        price = Decimal(request.form.get("use_price", "")).quantize(Decimal("0.01"))
    except ArithmeticError:
        price = None
    if price is None or not 0 < price < Decimal(10) ** 12:
        form, comp_forms = _forms_from(scenario)
        form.chosen_price.errors = [_("A bid price must be above zero.")]
        return _editor(
            opportunity, scenario, form, comp_forms, status=422, report=_report(scenario)
        )
    scenario.chosen_price = price
    scenario.updated_by_id = current_user.id
    bid_service.sync_amount(scenario)
    db.session.commit()
    return _after_change(opportunity, scenario)


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/link-option")
@allowed(*EDIT_ROLES)
def link_option(opportunity_id: int, scenario_id: int):
    """Link the scenario's price to a quote option of a proposal of the same opportunity
    (an empty choice removes the link). Another opportunity's option answers 404."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    raw = (request.form.get("option_id") or "").strip()
    if not raw:
        scenario.linked_option_id = None
        message = _("The scenario is no longer linked to a quote option.")
    else:
        if db_int_or_none(raw) is None:
            abort(404)
        option = links.option_of_opportunity(opportunity.id, int(raw))
        if option is None:
            abort(404)
        scenario.linked_option_id = option.id
        message = _(
            "Linked to the quote option %(option)s of %(proposal)s: its approval request now "
            "states what the discount buys.",
            option=option.name,
            proposal=option.proposal.title,
        )
    scenario.updated_by_id = current_user.id
    db.session.commit()
    if not wants_fragment():
        flash(message, "success")
    return _after_change(opportunity, scenario)


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/official")
@allowed(*EDIT_ROLES)
def official(opportunity_id: int, scenario_id: int):
    """Mark the scenario as the official one (the rules the buyer published), or make it a
    what-if again. The bid desk, bid pack, approvals and negotiation read only this one."""
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    make_official = request.form.get("official") == "1"
    bid_service.mark_official(scenario, make_official)
    db.session.commit()
    message = (
        _(
            "%(name)s is now the official scenario: the bid price is its chosen price.",
            name=scenario.name,
        )
        if make_official
        else _("%(name)s is a what-if scenario again.", name=scenario.name)
    )
    if not wants_fragment():
        flash(message, "success")
    return _after_change(opportunity, scenario)


@bp.app_template_global("price_effects")
def price_effects(proposal) -> list:
    """What the discount of the quote option linked to the opportunity's official scenario
    buys (templates of the approval request and the approval queue)."""
    return links.effects_for_proposal(proposal)


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/copy")
@allowed(*EDIT_ROLES)
def copy(opportunity_id: int, scenario_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    twin = PriceScenario(
        opportunity_id=opportunity.id,
        name=_("%(name)s (copy)", name=scenario.name)[:120],
        rules=dict(scenario.rules),
        updated_by_id=current_user.id,
        figures_origin=scenario.figures_origin,  # a copy of demo data still is demo data
        **{k: getattr(scenario, k) for k in ScenarioForm.COLUMNS if k != "name"},
    )  # a copy is a what-if: the official mark stays where it is
    for c in scenario.competitors:
        twin.competitors.append(
            PriceCompetitor(
                position=c.position,
                competitor_id=c.competitor_id,
                **{k: getattr(c, k) for k in CompetitorForm.EDITABLE},
            )
        )
    db.session.add(twin)
    db.session.commit()
    flash(_("Scenario copied: change what you want to compare."), "success")
    return navigate(
        url_for("pricescore.scenario", opportunity_id=opportunity.id, scenario_id=twin.id)
    )


@bp.post("/opportunities/<int:opportunity_id>/price-scores/<int:scenario_id>/delete")
@allowed(*EDIT_ROLES)
def delete(opportunity_id: int, scenario_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    scenario = _scenario_or_404(opportunity, scenario_id)
    if not EmptyForm(request.form).validate():
        abort(400)
    db.session.delete(scenario)
    db.session.commit()
    flash(_("Scenario deleted."), "success")
    return navigate(url_for("pricescore.index", opportunity_id=opportunity.id))


# --- helpers --------------------------------------------------------------------------------


def _after_change(opportunity, scenario):
    if not wants_fragment():
        return redirect(
            url_for("pricescore.scenario", opportunity_id=opportunity.id, scenario_id=scenario.id)
        )
    form, comp_forms = _forms_from(scenario)
    return _editor(opportunity, scenario, form, comp_forms, report=_report(scenario), saved=True)


def _forms_from(scenario: PriceScenario):
    form = ScenarioForm(formdata=None)
    form.load(scenario)
    comp_forms = []
    for c in scenario.competitors:
        cf = CompetitorForm(formdata=None, prefix=f"c{c.id}")
        cf.load(c)
        comp_forms.append((c, cf))
    return form, comp_forms


def _competitor_forms(scenario: PriceScenario, formdata):
    out = []
    for c in scenario.competitors:
        prefix = f"c{c.id}"
        posted = any(key.startswith(prefix + "-") for key in formdata)
        # A row added elsewhere since this form was loaded is kept as saved.
        cf = CompetitorForm(formdata=formdata if posted else None, prefix=prefix)
        if not posted:
            cf.load(c)
        out.append((c, cf))
    return out


def _comp_inputs(comp_forms):
    return [
        inputs.CompetitorInput(
            c.name,
            (cf.price_low.data, cf.price_likely.data, cf.price_high.data),
            (cf.tech_low.data, cf.tech_likely.data, cf.tech_high.data),
            cf.price_model.data,
            inputs.parse_numbers(cf.past_ratios.data),  # checked by the form
            cf.value("sme_deduction_pct"),
            cf.value("preference_margin_pct"),
        )
        for c, cf in comp_forms
    ]


# Engine issue field → the form field that shows it.
_RULE_FIELD = {
    "price_weight": "price_weight",
    "tech_max": "tech_max",
    "benchmark.method": "method",
    "benchmark.alpha": "alpha",
    "benchmark.deductions": "deduct_above",
    "benchmark.floor": "floor",
    "benchmark.trim": "trim_n",
    "benchmark.trim_tiers": "trim_tiers",
    "benchmark.above_pieces": "above_pieces",
    "benchmark.below_pieces": "below_pieces",
    "benchmark.round_above": "round_places",
    "benchmark.round_below": "round_places",
    "benchmark.source": "source",
    "benchmark.fixed_price": "fixed_price",
    "benchmark.control_price": "control_price",
    "benchmark.blend": "blend_a",
    "abnormal_low.threshold": "al_threshold",
    "floor_price": "floor_price",
    "below_benchmark_limit": "below_limit",
    "min_tech": "min_tech",
    "tie_order": "tie_order",
    "our_sme_deduction": "our_sme_deduction_pct",
    "our_preference_margin": "our_preference_margin_pct",
    "ceiling": "ceiling",
    "decimals": "decimals",
    "our_tech": "our_tech_low",
    "our_cost": "our_cost",
    "candidate_prices": "grid_min",
}


def _engine_check(form: ScenarioForm, comp_forms, warnings: dict) -> bool:
    """Run the engine's validation and put each issue at its field; False on any error."""
    ok = True
    rules = form.rules_dict()
    estimate = inputs.engine_scenario(
        rules,
        form.ceiling.data,
        form.our_cost.data,
        (form.our_tech_low.data, form.our_tech_likely.data, form.our_tech_high.data),
        _comp_inputs(comp_forms),
        (_pct(form.our_sme_deduction_pct.data), _pct(form.our_preference_margin_pct.data)),
    )
    grid = tuple(None if v is None else float(v) for v in (form.grid_min.data, form.grid_max.data))
    issues = validate_scenario(estimate, grid, TRIALS)
    zh = _locale() == "zh_CN"
    for key, issue in issues.items():
        if issue.code == "missing":
            continue  # saved as empty; the page asks for it instead of showing a P(win)
        text = issue.zh_CN if zh else issue.en
        if key == "benchmark.k":
            field = form.k_set if (form.k.data is None and form.k_set.data) else form.k
        elif key.startswith("competitors["):
            index = int(key[len("competitors[") : key.index("]")])
            cf = comp_forms[index][1]
            attr = key[key.index("]") + 2 :]
            if attr == "price":
                field = {"empirical": cf.past_ratios, "history": cf.price_model}.get(
                    cf.price_model.data, cf.price_low
                )
            elif attr in ("sme_deduction", "preference_margin"):
                field = cf[attr + "_pct"]
            else:
                field = cf.tech_low
        elif key == "competitors":
            field = form.name  # cannot happen below PAGE_MAX_COMPETITORS; shown at the top
        else:
            field = form[_RULE_FIELD.get(key, "name")]
        if issue.severity == "warning":
            warnings[field.id] = text
        else:
            field.errors.append(text)
            ok = False
    return ok


def _pct(value: Decimal | None) -> Decimal:
    """A blank percentage is 0."""
    return Decimal(0) if value is None else value


def _locale() -> str:
    from flask_babel import get_locale

    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"


def _tech_from_matrix(opportunity, form: ScenarioForm) -> str | None:
    """With "from the competition matrix" chosen, our technical points are the matrix's
    weighted total rescaled to the technical maximum (whatever was typed); an unscored
    matrix is said at the field."""
    if form.tech_source.data != "matrix":
        return None
    tech_max = form.tech_max.data
    if tech_max is None or not tech_max.is_finite() or tech_max <= 0:
        return None  # the field's own message says what is wrong with it
    tech = bid_service.matrix_tech(opportunity.id, tech_max)
    if tech is None:
        return _(
            "The competition matrix has no scores for us yet: score us there, or type the points."
        )
    form.our_tech_low.data, form.our_tech_likely.data, form.our_tech_high.data = tech
    for f in (form.our_tech_low, form.our_tech_likely, form.our_tech_high):
        f.raw_data = [str(f.data)]
    return None


def _apply(scenario: PriceScenario, form: ScenarioForm, comp_forms) -> None:
    scenario.rules = form.rules_dict()
    for name in ScenarioForm.COLUMNS:
        value = form[name].data
        if name in ("our_sme_deduction_pct", "our_preference_margin_pct"):
            value = _pct(value)
        setattr(scenario, name, value.strip() if isinstance(value, str) else value)
    for c, cf in comp_forms:
        for name in CompetitorForm.EDITABLE:
            setattr(c, name, cf.value(name))
    _touch(scenario)


def _reversals(scenario: PriceScenario, form: ScenarioForm, comp_forms):
    """Rank reversals caused by this one change: when exactly one bidder's likely price moved
    (a competitor's, or our chosen price), did two OTHER bidders swap places?"""
    if not scenario.chosen_price and not form.chosen_price.data:
        return ()
    before = [(OUR_NAME, scenario.chosen_price, scenario.our_tech_likely)]
    before += [(c.name, c.price_likely, c.tech_likely) for c in scenario.competitors]
    after = [(OUR_NAME, form.chosen_price.data, form.our_tech_likely.data)]
    after += [(c.name, cf.price_likely.data, cf.tech_likely.data) for c, cf in comp_forms]
    if [(n, t) for n, _p, t in before] != [(n, t) for n, _p, t in after]:
        return ()  # names or technical scores changed too: not a single price move
    moved = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if b[1] != a[1]]
    if len(moved) != 1 or any(p is None for _n, p, _t in before + after):
        return ()
    i = moved[0]
    rules = inputs.scoring_rules(form.rules_dict(), form.ceiling.data)
    bids = [Bid(n, p, t) for n, p, t in before]
    us = _("our bid")
    # The engine words the explanation with bidder names; ours is an internal marker.
    return [
        (r.was_ahead, r.was_behind, r.explanation[_locale()].replace(OUR_NAME, us))
        for r in rank_reversals(rules, bids, before[i][0], after[i][1])
    ]


def _conflict(opportunity, scenario, form, comp_forms):
    conflicts = []
    for name in ScenarioForm.COLUMNS:
        mine, saved = form[name].data, getattr(scenario, name)
        if _differs(mine, saved):
            conflicts.append(FieldConflict(name, form[name].label.text, mine, saved))
    if form.rules_dict() != {**DEFAULT_RULES, **scenario.rules}:
        conflicts.append(FieldConflict("rules", _("Tender rules"), _("changed"), _("changed")))
    for c, cf in comp_forms:
        for name in CompetitorForm.EDITABLE:
            if _differs(cf[name].data, getattr(c, name)):
                conflicts.append(
                    FieldConflict(
                        name, f"{c.name}: {cf[name].label.text}", cf[name].data, getattr(c, name)
                    )
                )
    rebase(form, scenario.version)
    return _editor(opportunity, scenario, form, comp_forms, status=409, conflicts=conflicts)


def _differs(a, b) -> bool:
    def norm(v):
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return str(v.normalize())
        return str(v).strip()

    return norm(a) != norm(b)


def _report(scenario: PriceScenario):
    """The strategy report of a saved scenario at its chosen price (or, before a price is
    chosen, at the price with the best expected margin); None while inputs are missing."""
    if inputs.missing(scenario):
        return None
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return None  # saved rows passed this check; kept so a bad row never breaks the page
    grid = candidate_grid(scenario.grid_min, scenario.grid_max, scenario.grid_steps)
    chosen = float(scenario.chosen_price) if scenario.chosen_price else None
    if chosen is None:
        first = strategy_report(estimate, grid, float(grid[-1]), TRIALS, scenario.seed)
        chosen = first.result.best_for_margin
    return strategy_report(estimate, grid, chosen, TRIALS, scenario.seed)


def _recommendations(scenario, report):
    """The two optimal prices and what moving to each buys from the chosen price."""
    if report is None:
        return []
    estimate = report.scenario
    out = []
    for kind, price in (
        ("win", report.result.best_for_win),
        ("margin", report.result.best_for_margin),
    ):
        row = report.row_at(price)
        effect = what_discount_buys(
            estimate.rules, estimate, report.chosen_price, price, TRIALS, scenario.seed
        )
        out.append(
            {
                "kind": kind,
                "price": price,
                "row": row,
                "effect": effect,
                "same": bool(scenario.chosen_price) and abs(price - report.chosen_price) < 0.005,
                "moves": abs(price - report.chosen_price) >= 0.005,
            }
        )
    return out


def _explanations(rules: dict, report, locale: str):
    method = rules["method"]
    keys = []
    if rules.get("abnormal_low"):
        keys.append(f"abnormal_low_{rules['al_action']}")
    tie = {"price": "tie_break", "tech": "tie_break_tech", "shared": "tie_break_shared"}
    keys += ["ceiling", "single_bidder", "rounding", tie[rules.get("tie_order", "price")]]
    if rules.get("min_tech") is not None:
        keys.append("min_tech")
    if report is not None and (
        report.scenario.our_factor() != 1
        or any(c.factor() != 1 for c in report.scenario.competitors)
    ):
        keys.append("adjustments")
    if method in ("average", "trimmed", "composite"):
        keys.append("floor")
    if method != "lowest" or rules.get("abnormal_low"):
        keys.append("rank_reversal")
    return {
        "method": METHOD_EXPLANATIONS[method][locale],
        "rules": [RULE_EXPLANATIONS[k][locale] for k in keys],
        "reversal": RULE_EXPLANATIONS["rank_reversal"][locale],
    }


def _editor(opportunity, scenario, form, comp_forms, status: int = 200, report=None, **ctx):
    locale = _locale()
    # What is still empty in the saved scenario (not on a refused or conflicting save,
    # where the form shows the typed input rather than what was saved).
    ctx["missing"] = labels.missing_prompts(scenario) if status < 400 else []
    ctx["missing_ids"] = {f for m in ctx["missing"] for f in m["fields"]}
    if report is not None:
        ctx["chart"] = strategy_chart(report, locale)
        ctx["bars"] = sensitivity_bars(report.sensitivity, report.scenario.rules.price_weight)
        ctx["recommendations"] = _recommendations(scenario, report)
    ctx["explanations"] = _explanations(scenario.rules, report, locale)
    ctx.setdefault("warnings", {})
    ctx["history_counts"] = history_models.history_counts(comp_forms)
    history_models.offer(comp_forms, ctx["history_counts"])
    ctx["history_min"] = history_models.MIN_PAST_BIDS
    ctx["link_choices"] = links.option_choices(opportunity.id)
    in_scenario = {c.competitor_id for c in scenario.competitors}
    ctx["rival_choices"] = [
        r for r in bid_service.rivals(opportunity.id) if r.id not in in_scenario
    ]
    ctx["linked"] = (
        links.effect_for(scenario, scenario.linked_option) if scenario.linked_option else None
    )
    template = "pricescore/_editor.html" if wants_fragment() else "pricescore/scenario.html"
    return render_template(
        template,
        opportunity=opportunity,
        scenario=scenario,
        form=form,
        comp_forms=comp_forms,
        report=report,
        can_edit=can_edit(),
        action_form=EmptyForm(),
        labels_ps=labels,
        our_name=OUR_NAME,
        reason_text=REASON_TEXT,
        compact=lambda x: compact_price(x, locale),
        siblings=_scenarios(opportunity) if not wants_fragment() else [],
        max_competitors=PAGE_MAX_COMPETITORS,
        **ctx,
    ), status


from portal.pricescore import planner as _planner  # noqa: E402, F401  (registers the planner routes on bp)
