"""What goes into the negotiation-sheet PDF and the internal bid pack of one opportunity.

Each builder reads the rows of the other areas through their own query and analysis
functions (negotiation.analysis.analyse, workspace.queries.load_matrix/coverage, the
price-score engine via proposals.bidvalue.strategy_report) and returns the template
context; no rule is decided here. Call the builders inside `force_locale(language)`: the
titles they make are translated when built.

`proposal_parts(opportunity)` returns the sections of the opportunity's latest revision (a
submitted one preferred) and a "pricing with margins and approval trail" section; the bid
pack prints them between the summary and the price-score analysis, listed in the
contents. Without any revision it returns [] and the summary says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.bid.truth import bid_state
from portal.deals.models import Opportunity
from portal.drafts.models import Approval, ProposalRevision
from portal.extensions import db
from portal.negotiation import labels as nlabels
from portal.negotiation.analysis import SheetAnalysis, analyse
from portal.negotiation.models import NegotiationSheet
from portal.objections import labels as olabels
from portal.objections.models import Objection
from portal.pricescore import inputs
from portal.pricescore.chart import StrategyChart, strategy_chart
from portal.pricescore.labels import missing_prompts
from portal.pricescore.models import PriceScenario
from portal.timeutil import today
from portal.workspace.queries import Matrix, coverage, load_matrix
from proposals import stages
from proposals.biddesk import days_left
from proposals.bidvalue import OUR_NAME, StrategyReport, candidate_grid, strategy_report
from proposals.documents import DocumentSection
from proposals.negotiation import SITUATIONS
from proposals.scoring import REASON_TEXT, validate_scenario

#: As on the price-score page (portal/pricescore/views.py TRIALS): same seed, same figures.
TRIALS = 2000
#: Rows the one-page negotiation sheet prints per list before "and N more".
SHEET_ROWS = 6


def latest_revisions(opportunity_ids: Sequence[int]) -> dict[int, ProposalRevision]:
    """Each opportunity's latest proposal revision, a submitted one preferred over later
    working versions (what the customer has is what the pack should show); one query."""
    if not opportunity_ids:
        return {}
    ranked = (
        select(
            ProposalRevision.id,
            func.row_number()
            .over(
                partition_by=ProposalRevision.opportunity_id,
                order_by=(
                    case((ProposalRevision.kind == "submitted", 0), else_=1),
                    ProposalRevision.created_at.desc(),
                    ProposalRevision.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(ProposalRevision.opportunity_id.in_(list(opportunity_ids)))
        .subquery()
    )
    rows = db.session.scalars(
        select(ProposalRevision)
        .join(ranked, ranked.c.id == ProposalRevision.id)
        .where(ranked.c.rank == 1)
    )
    return {r.opportunity_id: r for r in rows}


def _approval_trail(proposal_id: int) -> list[Approval]:
    return list(
        db.session.scalars(
            select(Approval)
            .where(Approval.proposal_id == proposal_id)
            .options(selectinload(Approval.requested_by), selectinload(Approval.decided_by))
            .order_by(Approval.requested_at, Approval.id)
        )
    )


def proposal_parts(opportunity: Opportunity) -> list[DocumentSection]:
    """The proposal and its pricing for the bid pack, from the opportunity's latest
    revision (a submitted one preferred); [] without any revision.

    Returns the revision's sections (Markdown rendered and sanitised), then one section
    "Pricing with margins and approval trail": per option list price, discount vs list,
    net, cost, margin and TCO (priced from the snapshot with proposals.pricing), and each
    approval request of the proposal with who asked, who decided, when, the decision and
    the comment. Call inside force_locale: the titles are translated when built.
    """
    from flask import render_template

    from portal import labels as plabels
    from portal.drafts import labels as dlabels
    from portal.exports.revision_pdfs import labels as pdf_labels
    from proposals.content import render_markdown
    from proposals.drafting import options_from_snapshot
    from proposals.pricing import quote_totals
    from proposals.proposal_pdf import margins_table_html

    revision = latest_revisions([opportunity.id]).get(opportunity.id)
    if revision is None:
        return []
    snap = revision.snapshot or {}
    parts = [
        DocumentSection(
            s.get("title") or "", render_markdown(s.get("body") or ""), anchor=f"proposal-{i}"
        )
        for i, s in enumerate(snap.get("sections") or [], start=1)
    ]
    totals = quote_totals(options_from_snapshot(snap))
    html = render_template(
        "pdf/_pack_pricing.html",
        revision=revision,
        snap=snap,
        margins_html=margins_table_html(totals.options, pdf_labels(), snap.get("currency") or "CNY")
        if totals.options
        else "",
        approvals=_approval_trail(revision.proposal_id),
        dl=dlabels,
        roles=plabels.ROLES,
    )
    parts.append(
        DocumentSection(
            _("Pricing with margins and approval trail"), html, anchor="pricing-approvals"
        )
    )
    return parts


# --- negotiation sheet --------------------------------------------------------------------


def load_sheet(opportunity_id: int) -> NegotiationSheet | None:
    return db.session.scalars(
        select(NegotiationSheet)
        .where(NegotiationSheet.opportunity_id == opportunity_id)
        .options(
            selectinload(NegotiationSheet.goals),
            selectinload(NegotiationSheet.interests),
            selectinload(NegotiationSheet.concessions),
            selectinload(NegotiationSheet.rounds),
        )
    ).first()


@dataclass
class SheetContent:
    sheet: NegotiationSheet | None
    analysis: SheetAnalysis | None
    situation: str
    limit: int = SHEET_ROWS

    def more(self, rows: Sequence) -> int:
        return max(0, len(rows) - self.limit)


def negotiation_content(opportunity: Opportunity, locale: str) -> SheetContent:
    sheet = load_sheet(opportunity.id)
    info = SITUATIONS.get(sheet.situation) if sheet and sheet.situation else None
    situation = (info.label_zh if locale == "zh_CN" else info.label_en) if info else ""
    return SheetContent(sheet, analyse(sheet), situation)


def negotiation_context(opportunity: Opportunity, locale: str) -> dict:
    return {
        "opportunity": opportunity,
        "negotiation": negotiation_content(opportunity, locale),
        "nlabels": nlabels,
        "locale_code": locale,
        "printed_on": today().isoformat(),
        "doc_title": _("Negotiation sheet"),
        "confidentiality": _("Not for the customer"),
    }


# --- price score --------------------------------------------------------------------------


@dataclass
class PriceAnalysis:
    scenario: PriceScenario
    report: StrategyReport | None
    chart: StrategyChart | None
    suggested: bool  # no chosen price yet: shown at the best expected margin
    # What the scenario still lacks (pricescore.labels.missing_prompts): no report then.
    missing: list = field(default_factory=list)

    @property
    def our_row(self):
        return self.report.sheet.by_name(OUR_NAME) if self.report else None


def price_analysis(scenario: PriceScenario | None, locale: str) -> PriceAnalysis | None:
    """The strategy report of the official scenario at its chosen price, the bid price
    (before one is chosen: at the best expected margin, as the price-score page shows it)."""
    if scenario is None:
        return None
    missing = missing_prompts(scenario)
    if missing:
        return PriceAnalysis(scenario, None, None, False, missing)
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return PriceAnalysis(scenario, None, None, False)
    grid = candidate_grid(scenario.grid_min, scenario.grid_max, scenario.grid_steps)
    suggested = not scenario.chosen_price
    if suggested:
        first = strategy_report(estimate, grid, float(grid[-1]), TRIALS, scenario.seed)
        chosen = first.result.best_for_margin
    else:
        chosen = float(scenario.chosen_price)
    report = strategy_report(estimate, grid, chosen, TRIALS, scenario.seed)
    return PriceAnalysis(scenario, report, strategy_chart(report, locale), suggested)


# --- the bid pack --------------------------------------------------------------------------


@dataclass(frozen=True)
class PackSection:
    """One numbered part of the bid pack; `template` prints its body (None: `html`)."""

    anchor: str
    title: str
    template: str | None = None
    html: str = ""


def _stakeholders_by_map_role(opportunity: Opportunity, locale: str):
    """[(role label, [stakeholders by influence, then name])], unmapped people last."""
    groups = []
    for role in [*stages.MAP_ROLES, None]:
        people = sorted(
            (s for s in opportunity.stakeholders if s.map_role == role),
            key=lambda s: (-s.influence, s.name),
        )
        label = stages.MAP_ROLES[role][locale] if role else _("No MAP role")
        if people or role is not None:
            groups.append((role, label, people))
    return groups


def open_objections(opportunity_id: int) -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection)
            .where(Objection.opportunity_id == opportunity_id, Objection.status == "open")
            .options(selectinload(Objection.steps), selectinload(Objection.stakeholder))
            .order_by(Objection.raised_on, Objection.id)
        )
    )


def bid_pack_context(opportunity: Opportunity, locale: str) -> dict:
    """Everything pdf/bid_pack.html prints, in the language of the enclosing force_locale."""
    from portal.exports.desk import approval_states, quote_margins

    bid = bid_state(opportunity)
    price = price_analysis(bid.scenario, locale)
    margin = quote_margins([opportunity.id]).get(opportunity.id)
    approval = approval_states([opportunity.id]).get(opportunity.id)
    negotiation = negotiation_content(opportunity, locale)
    matrix: Matrix = load_matrix(opportunity.id)
    chain = coverage(opportunity, today())
    parts = proposal_parts(opportunity)
    sections = [PackSection("summary", _("Summary and recommendation"), "pdf/_pack_summary.html")]
    # Proposal sections without text get no page of their own: the contents list them.
    empty_parts = [p.title for p in parts if not p.html.strip()]
    sections += [
        PackSection(p.anchor or f"proposal-{i}", p.title, None, p.html)
        for i, p in enumerate(parts, start=1)
        if p.html.strip()
    ]
    sections += [
        PackSection("price-score", _("Price-score analysis"), "pdf/_pack_price.html"),
        PackSection("competition", _("Competition matrix"), "pdf/_pack_matrix.html"),
        PackSection("decision-chain", _("Decision-chain map"), "pdf/_pack_chain.html"),
        PackSection("objections", _("Open objections"), "pdf/_pack_objections.html"),
        PackSection("negotiation", _("Negotiation sheet"), "pdf/_negotiation.html"),
    ]
    stage = opportunity.stage
    return {
        "opportunity": opportunity,
        "stage_name": stage.name_zh if locale == "zh_CN" else stage.name_en,
        "procurement_form": stages.PROCUREMENT_FORMS.get(opportunity.procurement_form, {}).get(
            locale, opportunity.procurement_form
        ),
        "days_left": days_left(opportunity.bid_deadline, today()),
        "sections": sections,
        "has_proposal": bool(parts),
        "empty_parts": empty_parts,
        "price": price,
        "bid": bid,
        "margin": margin,
        "approval_state": approval,
        "reason_text": REASON_TEXT,
        "our_name": OUR_NAME,
        "negotiation": negotiation,
        "matrix": matrix,
        "coverage": chain,
        "chain_groups": _stakeholders_by_map_role(opportunity, locale),
        "map_roles": stages.MAP_ROLES,
        "buying_roles": stages.BUYING_ROLES,
        "decision_types": stages.DECISION_TYPES,
        "attitudes": stages.ATTITUDES,
        "objections": open_objections(opportunity.id),
        "olabels": olabels,
        "nlabels": nlabels,
        "locale_code": locale,
        "printed_on": today().isoformat(),
        "doc_title": _("Bid pack: %(name)s", name=opportunity.name),
        "confidentiality": _("Not for the customer"),
    }
