"""Changes that keep one bid consistent: the official scenario, the opportunity amount that
follows the bid price, the opportunity's rivals, and our technical points from the matrix.

Callers commit; every change here is a model change, so the audit log records it.
"""

from __future__ import annotations

from decimal import Decimal

from flask_login import current_user
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.pricescore.models import PriceScenario
from portal.timeutil import utcnow
from portal.workspace.models import Competitor, MatrixCompetitor
from proposals.onebid import tech_range_from_matrix


def mark_official(scenario: PriceScenario, official: bool) -> None:
    """Make `scenario` the opportunity's official one (any other loses the mark), or a
    what-if again. The opportunity amount then follows its chosen price."""
    if official:
        for other in db.session.scalars(
            select(PriceScenario).where(
                PriceScenario.opportunity_id == scenario.opportunity_id,
                PriceScenario.official.is_(True),
                PriceScenario.id != scenario.id,
            )
        ):
            other.official = False
            other.updated_by_id = current_user.id
        # The partial unique index holds at every statement: clear before setting.
        db.session.flush()
    scenario.official = official
    scenario.updated_by_id = current_user.id
    sync_amount(scenario)


def sync_amount(scenario: PriceScenario) -> None:
    """Once the bid has a price (the official scenario's chosen price), the opportunity
    amount is that price; the audit log keeps the amounts it had before."""
    if not scenario.official or not scenario.chosen_price:
        return
    opportunity = scenario.opportunity
    if opportunity.amount != scenario.chosen_price:
        opportunity.amount = scenario.chosen_price
        opportunity.updated_by_id = current_user.id


def mark_quote_changed(proposal_id: int) -> None:
    """Record when the quote of a proposal changed, without touching its version."""
    from portal.drafts.models import Proposal

    table = Proposal.__table__
    db.session.execute(
        update(table).where(table.c.id == proposal_id).values(quote_changed_at=utcnow())
    )
    from portal.bid.summary import mark_stale

    # The bid's stored margin and position are recomputed after the commit.
    mark_stale(db.session.scalars(select(table.c.opportunity_id).where(table.c.id == proposal_id)))


# --- rivals ------------------------------------------------------------------------------


def rivals(opportunity_id: int) -> list[Competitor]:
    """The opportunity's rivals (its competition matrix entries), in matrix order."""
    return list(
        db.session.scalars(
            select(Competitor)
            .join(MatrixCompetitor, MatrixCompetitor.competitor_id == Competitor.id)
            .where(MatrixCompetitor.opportunity_id == opportunity_id)
            .order_by(MatrixCompetitor.position, MatrixCompetitor.id)
        )
    )


def rival_of(opportunity_id: int, competitor_id: int | None) -> Competitor | None:
    """The competitor when it is one of the opportunity's rivals, else None."""
    if not competitor_id:
        return None
    return db.session.scalars(
        select(Competitor)
        .join(MatrixCompetitor, MatrixCompetitor.competitor_id == Competitor.id)
        .where(
            MatrixCompetitor.opportunity_id == opportunity_id,
            Competitor.id == competitor_id,
        )
    ).first()


#: Competitor names are String(120).
RIVAL_NAME_MAX = 120


def rival_name_problem(name: str) -> str | None:
    """Why a typed rival name (already stripped, not empty) cannot be stored, or None."""
    from flask_babel import gettext as _

    from portal.forms import control_characters

    if control_characters(name):
        return _("Remove the invisible control characters from this text.")
    if len(name) > RIVAL_NAME_MAX:
        return _("At most %(max)d characters.", max=RIVAL_NAME_MAX)
    return None


def competitor_named(name: str) -> Competitor:
    """The shared competitor record of that name (case-insensitive), created if new and
    brought back to the shared list if it had been deleted."""
    competitor = db.session.scalars(
        select(Competitor).where(func.lower(Competitor.name) == name.lower())
    ).first()
    if competitor is None:
        competitor = Competitor(name=name, notes="")
        db.session.add(competitor)
        db.session.flush()
    elif competitor.deleted_at is not None:
        competitor.deleted_at = None  # named again on purpose: back on the shared list
    return competitor


def add_rival(opportunity_id: int, competitor: Competitor) -> MatrixCompetitor:
    """Put the competitor on the opportunity's rival list (no-op when it is there)."""
    entry = db.session.scalars(
        select(MatrixCompetitor).where(
            MatrixCompetitor.opportunity_id == opportunity_id,
            MatrixCompetitor.competitor_id == competitor.id,
        )
    ).first()
    if entry is None:
        count = db.session.scalar(
            select(func.count(MatrixCompetitor.id)).where(
                MatrixCompetitor.opportunity_id == opportunity_id
            )
        )
        entry = MatrixCompetitor(
            opportunity_id=opportunity_id, competitor_id=competitor.id, position=count + 1
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def scenarios_using(opportunity_id: int, competitor_id: int) -> list[PriceScenario]:
    from portal.pricescore.models import PriceCompetitor

    return list(
        db.session.scalars(
            select(PriceScenario)
            .join(PriceCompetitor, PriceCompetitor.scenario_id == PriceScenario.id)
            .where(
                PriceScenario.opportunity_id == opportunity_id,
                PriceCompetitor.competitor_id == competitor_id,
            )
            .order_by(PriceScenario.id)
        ).unique()
    )


# --- our technical points from the matrix -------------------------------------------------


def matrix_tech(opportunity_id: int, tech_max: Decimal) -> tuple[Decimal, Decimal, Decimal] | None:
    """Our technical points (low, likely, high) from the matrix's weighted total, or None
    while we are scored on no criterion."""
    from portal.workspace.queries import load_matrix

    total = load_matrix(opportunity_id).result.us.total_10
    if total is None:
        return None
    return tech_range_from_matrix(Decimal(str(round(total, 4))), tech_max)


def matrix_rival_tech(
    opportunity_id: int, tech_max: Decimal
) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Each rival's technical points (low, likely, high) from the matrix's weighted total,
    by competitor id; rivals scored on no criterion are left out (nothing is guessed)."""
    from portal.workspace.queries import load_matrix

    return {
        c.party_id: tech_range_from_matrix(Decimal(str(round(c.total_10, 4))), tech_max)
        for c in load_matrix(opportunity_id).result.competitors
        if c.total_10 is not None
    }


def official_of(opportunity_id: int) -> PriceScenario | None:
    """The opportunity's official scenario (the published rules, the bid price), if any."""
    return db.session.scalars(
        select(PriceScenario).where(
            PriceScenario.opportunity_id == opportunity_id, PriceScenario.official.is_(True)
        )
    ).first()


def refresh_matrix_tech(opportunity_id: int) -> None:
    """After a matrix change: scenarios that take our points from the matrix follow it."""
    scenarios = db.session.scalars(
        select(PriceScenario).where(
            PriceScenario.opportunity_id == opportunity_id,
            PriceScenario.tech_source == "matrix",
        )
    ).all()
    for scenario in scenarios:
        tech = matrix_tech(opportunity_id, Decimal(str(scenario.rules["tech_max"])))
        if tech is None:
            continue
        low, likely, high = tech
        if (scenario.our_tech_low, scenario.our_tech_likely, scenario.our_tech_high) != tech:
            scenario.our_tech_low, scenario.our_tech_likely, scenario.our_tech_high = (
                low,
                likely,
                high,
            )
            scenario.updated_by_id = current_user.id
