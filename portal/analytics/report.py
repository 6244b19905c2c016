"""The analytics page's tables as plain rows of cells: one shape for the page, the charts
and the CSV export, so the three always show the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import labels
from portal.analytics import queries as q
from portal.locale import ui_locale
from portal.pricescore.labels import SHORT_METHODS
from proposals import svgcharts


@dataclass(frozen=True)
class Cell:
    """``raw`` goes to the CSV (numbers unformatted), ``text`` to the page; ``href`` is the
    list of the opportunities behind the figure."""

    raw: object
    text: str
    href: str | None = None
    num: bool = True


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    chart: str = ""


TABLES = (
    "form",
    "method",
    "grade",
    "industry",
    "rival",
    "pipeline",
    "cycle",
    "coverage",
    "pricing",
)
DIM_TITLES = {
    "form": _l("Win rate by procurement form"),
    "method": _l("Win rate by scoring method"),
    "grade": _l("Win rate by account grade"),
    "industry": _l("Win rate by industry"),
    "rival": _l("Win rate against each rival"),
}
DIM_HEADERS = {
    "form": _l("Procurement form"),
    "method": _l("Scoring method"),
    "grade": _l("Grade"),
    "industry": _l("Industry"),
    "rival": _l("Rival"),
}


def pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def points(value: float | None) -> str:
    return "—" if value is None else _("%(points)s pts", points=f"{value:.1f}")


def _round(value, digits=4):
    return "" if value is None else round(value, digits)


class Report:
    """Builds the tables for one user and one set of filters."""

    def __init__(self, user, filters: q.Filters, page_rows: int | None = None):
        self.user = user
        self.filters = filters
        self.locale = ui_locale()
        # The page shows the most frequent rows of long tables; the CSV has them all.
        self.page_rows = page_rows
        # Hundreds of links per page: the route is built once, the query strings by hand.
        self._base = url_for("analytics.opportunities")
        self._filter_args = self.filters.args()

    def link(self, dim: str, key="", result: str | None = None) -> str:
        piece = q.Slice(dim, str(key), result)
        return f"{self._base}?{urlencode({**self._filter_args, **piece.args()})}"

    def table(self, key: str) -> Table:
        if key in q.DIMENSIONS:
            return self._rates(key)
        return {"pipeline": self._pipeline, "cycle": self._cycle, "coverage": self._coverage}.get(
            key, self._pricing
        )()

    def tables(self) -> list[Table]:
        results = q.by_result(self.user, self.filters)
        rates = q.all_win_rates(self.user, self.filters)
        out = [self._rates(dim, rates[dim]) for dim in q.DIMENSIONS]
        out.append(self._pipeline())
        out.extend((self._cycle(results), self._coverage(results), self._pricing(results)))
        return out

    # --- win rates ---------------------------------------------------------------------

    def _label(self, dim: str, key: str, label: str) -> str:
        if dim == "form":
            return str(labels.PROCUREMENT_FORMS.get(key, key))
        if dim == "method":
            return str(SHORT_METHODS.get(key, key)) if key else _("Not scored")
        if dim == "grade":
            return str(labels.ACCOUNT_GRADES.get(key, key))
        return label or "—"

    def _rates(self, dim: str, rows: list | None = None) -> Table:
        if rows is None:
            rows = q.win_rates(self.user, self.filters, dim)
        hidden = 0
        if self.page_rows is not None and len(rows) > self.page_rows:
            hidden = len(rows) - self.page_rows
            rows = rows[: self.page_rows]
        table = Table(
            dim,
            str(DIM_TITLES[dim]),
            [
                str(DIM_HEADERS[dim]),
                _("Closed"),
                _("Won"),
                _("Lost"),
                _("Win rate"),
                _("Interval (95 %)"),
            ],
            note=_("Win rate = won / (won + lost); the interval is Wilson's, honest for few bids."),
        )
        if hidden:
            table.note += " " + _(
                "Showing the %(shown)d met most often; %(hidden)d more in the CSV.",
                shown=len(rows),
                hidden=hidden,
            )
        bars = []
        for row in rows:
            name = self._label(dim, row.key, row.label)
            lo, hi = row.interval or (None, None)
            table.rows.append(
                [
                    Cell(name, name, num=False),
                    Cell(row.closed, number(row.closed), self.link(dim, row.key)),
                    Cell(row.won, number(row.won), self.link(dim, row.key, "won")),
                    Cell(
                        row.decided - row.won,
                        number(row.decided - row.won),
                        self.link(dim, row.key, "lost"),
                    ),
                    Cell(_round(row.rate), pct(row.rate), self.link(dim, row.key, "won")),
                    Cell(
                        f"{_round(lo)}–{_round(hi)}" if lo is not None else "",
                        f"{pct(lo)} – {pct(hi)}" if lo is not None else "—",
                    ),
                ]
            )
            bars.append(
                svgcharts.Bar(
                    name,
                    row.rate,
                    row.interval,
                    self.link(dim, row.key),
                    _("%(won)d won of %(decided)d decided", won=row.won, decided=row.decided),
                )
            )
        table.chart = svgcharts.bar_chart(
            bars[:12], title=table.title, ident=f"chart-{dim}", desc=table.note
        )
        return table

    # --- pipeline ----------------------------------------------------------------------

    def _pipeline(self) -> Table:
        rows = q.pipeline(self.user, self.filters)
        table = Table(
            "pipeline",
            _("Pipeline conversion by stage"),
            [
                _("Stage"),
                _("Reached"),
                _("Went on"),
                _("Conversion to next stage"),
                _("Won"),
                _("Median days in stage"),
                _("Stays measured"),
            ],
            note=_(
                "Opportunities created in the period; one in a later stage (or closed there) "
                "has reached every stage before it. Days in stage from the recorded stage moves."
            ),
        )
        for row in rows:
            name = row.name(self.locale)
            table.rows.append(
                [
                    Cell(name, name, num=False),
                    Cell(row.reached, number(row.reached), self.link("reached", row.position)),
                    Cell(
                        row.next_reached if row.next_reached is not None else "",
                        number(row.next_reached),
                        self.link("reached", row.position + 1)
                        if row.next_reached is not None
                        else None,
                    ),
                    Cell(_round(row.conversion), pct(row.conversion)),
                    Cell(row.won, number(row.won), self.link("reached", row.position, "won")),
                    Cell(
                        _round(row.median_days, 1),
                        number(row.median_days, 1),
                        self.link("stage", row.position),
                    ),
                    Cell(row.stays, number(row.stays), self.link("stage", row.position)),
                ]
            )
        table.chart = svgcharts.bar_chart(
            [
                svgcharts.Bar(
                    row.name(self.locale),
                    row.conversion,
                    None,
                    self.link("reached", row.position),
                    _(
                        "%(next)s of %(reached)d went on",
                        next=number(row.next_reached),
                        reached=row.reached,
                    ),
                )
                for row in rows[:-1]
            ],
            title=_("Conversion to the next stage"),
            ident="chart-pipeline",
        )
        days = svgcharts.line_chart(
            [(row.name(self.locale), row.median_days) for row in rows],
            title=_("Median days in stage"),
            ident="chart-days",
            unit=" " + _("d"),
        )
        table.chart += days
        return table

    # --- won vs lost -------------------------------------------------------------------

    def _result_name(self, result: str) -> str:
        return _("Won") if result == "won" else _("Lost")

    def _cycle(self, results=None) -> Table:
        results = results or q.by_result(self.user, self.filters)
        table = Table(
            "cycle",
            _("Cycle length"),
            [_("Result"), _("Bids"), _("Median days"), _("Mean days")],
            note=_("From the opportunity's creation to the recorded close."),
        )
        for result, row in results.items():
            link = self.link("result", result)
            table.rows.append(
                [
                    Cell(self._result_name(result), self._result_name(result), num=False),
                    Cell(row.count, number(row.count), link),
                    Cell(_round(row.median_days, 1), number(row.median_days, 1), link),
                    Cell(_round(row.mean_days, 1), number(row.mean_days, 1), link),
                ]
            )
        return table

    def _coverage(self, results=None) -> Table:
        results = results or q.by_result(self.user, self.filters)
        table = Table(
            "coverage",
            _("Decision-maker coverage at close"),
            [
                _("Result"),
                _("Bids"),
                _("MAP roles with a supporter"),
                _("Coverage"),
                _("With a coach"),
            ],
            note=_("Money, authority and product roles won over (of 3), as the desk counts them."),
        )
        for result, row in results.items():
            link = self.link("result", result)
            table.rows.append(
                [
                    Cell(self._result_name(result), self._result_name(result), num=False),
                    Cell(row.count, number(row.count), link),
                    Cell(_round(row.supported_roles, 2), number(row.supported_roles, 2), link),
                    Cell(_round(row.coverage_share), pct(row.coverage_share), link),
                    Cell(_round(row.with_coach), pct(row.with_coach), link),
                ]
            )
        table.chart = svgcharts.bar_chart(
            [
                svgcharts.Bar(
                    self._result_name(r), row.coverage_share, None, self.link("result", r)
                )
                for r, row in results.items()
            ],
            title=table.title,
            ident="chart-coverage",
        )
        return table

    def _pricing(self, results=None) -> Table:
        results = results or q.by_result(self.user, self.filters)
        table = Table(
            "pricing",
            _("Discount, margin and concessions"),
            [
                _("Result"),
                _("Quotes at close"),
                _("Mean discount from list"),
                _("Mean margin"),
                _("Negotiated bids"),
                _("Planned price concessions"),
                _("Conceded at the table"),
            ],
            note=_(
                "Discount and margin of the quote linked to the official scenario when the "
                "outcome was recorded. Planned: discount points in the concession plan; "
                "conceded: how far the last offer at the table fell below the first, as a "
                "percentage of the first (means over the negotiated bids)."
            ),
        )
        for result, row in results.items():
            link = self.link("result", result)
            table.rows.append(
                [
                    Cell(self._result_name(result), self._result_name(result), num=False),
                    Cell(row.quotes, number(row.quotes), link),
                    Cell(
                        _round(row.discount_pct, 2),
                        pct(row.discount_pct / 100 if row.discount_pct is not None else None, 1),
                        link,
                    ),
                    Cell(
                        _round(row.margin_pct, 2),
                        pct(row.margin_pct / 100 if row.margin_pct is not None else None, 1),
                        link,
                    ),
                    Cell(row.sheets, number(row.sheets), link),
                    Cell(_round(row.planned_pct, 2), points(row.planned_pct), link),
                    Cell(
                        _round(row.conceded_pct, 2),
                        pct(row.conceded_pct / 100 if row.conceded_pct is not None else None, 1),
                        link,
                    ),
                ]
            )
        return table
