"""Leadership analytics (win rates, pipeline, won vs lost), the opportunities behind each
figure, CSV exports, and the calibration of the portal's own predictions."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal.analytics import queries as q
from portal.analytics.report import TABLES, Report, pct
from portal.auth.models import User
from portal.extensions import db
from portal.fragment_cache import fragment_cache
from portal.locale import ui_locale
from portal.pages import wants_fragment
from portal.security import allowed
from proposals import svgcharts

bp = Blueprint("analytics", __name__, url_prefix="/analytics")

LEADERS = ("leader", "admin")
PAGE_ROWS = 25  # rows of a win-rate table on the page (rivals, industries); the CSV has all


def _filter_choices() -> dict:
    return {
        "periods": [
            ("3m", _("Last 3 months")),
            ("6m", _("Last 6 months")),
            ("12m", _("Last 12 months")),
            ("24m", _("Last 24 months")),
            ("all", _("All time")),
        ],
        "people": db.session.execute(
            select(User.id, User.display_name)
            .where(User.role.in_(("rep", "presales", "leader")), User.active)
            .order_by(User.display_name)
        ).all(),
    }


def _svg(markup: str) -> Markup:
    # Our own output: proposals.svgcharts escapes every text it draws, and cached bodies
    # come from our autoescaped templates.
    return Markup(markup)  # noqa: S704


@bp.get("")
@allowed(*LEADERS)
def index():
    filters = q.Filters.from_args(request.args)

    def body() -> str:
        tables = Report(current_user, filters, page_rows=PAGE_ROWS).tables()
        for table in tables:
            table.chart = _svg(table.chart)
        return render_template("analytics/_body.html", filters=filters, tables=tables)

    # Leaders and admins all see every opportunity, so one rendering per language and
    # filter serves them all until the next change of business data (portal/generation.py).
    key = ("analytics.index", ui_locale(), filters)
    html = fragment_cache().get_or_render(key, body)
    if wants_fragment():
        # The filter bar stays in place; its account message follows out of band.
        return html + render_template("analytics/_account_error.html", filters=filters, oob=True)
    return render_template(
        "analytics/index.html", filters=filters, body=_svg(html), **_filter_choices()
    )


@bp.get("/export/<key>.csv")
@allowed(*LEADERS)
def export(key: str):
    if key not in TABLES:
        abort(404)
    filters = q.Filters.from_args(request.args)
    table = Report(current_user, filters).table(key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([cell.raw for cell in row])
    # A byte-order mark so spreadsheet programs read the Chinese labels as UTF-8.
    body = "\ufeff" + out.getvalue()
    filename = f"biddesk-{key}-{filters.period}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/opportunities")
@allowed(*LEADERS)
def opportunities():
    filters = q.Filters.from_args(request.args)
    piece = q.Slice.from_args(request.args)
    page = request.args.get("page", default=1, type=int)
    page = page if 1 <= page <= 100_000 else 1
    rows, total = q.drill_down(current_user, filters, piece, page)
    pages = max(1, -(-total // 50))
    return render_template(
        "analytics/opportunities.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        piece=piece,
        back=url_for("analytics.index", **filters.args()),
        result_labels={
            "won": _("Won"),
            "lost": _("Lost"),
            "abandoned": _("Abandoned"),
            "no_decision": _("No decision"),
        },
    )


@bp.get("/calibration")
@allowed("rep", "leader", "admin")
def calibration():
    filters = q.Filters.from_args(request.args)
    figures = q.calibration_figures(current_user, filters)
    points = [
        svgcharts.Point(
            b.mean_predicted,
            b.observed_rate,
            b.count,
            _(
                "%(low)s–%(high)s: predicted %(pred)s, won %(wins)d of %(count)d",
                low=pct(b.lower),
                high=pct(b.upper),
                pred=pct(b.mean_predicted),
                wins=b.wins,
                count=b.count,
            ),
        )
        for b in figures.buckets
        if b.count
    ]
    chart = svgcharts.reliability_chart(
        points,
        title=_("Reliability of P(win)"),
        desc=_(
            "Each dot is a P(win) band: predicted on the x axis, won on the y axis; "
            "on the diagonal the predictions came true."
        ),
        x_label=_("Predicted P(win)"),
        y_label=_("Won"),
    )
    band_bars = [
        svgcharts.Bar(
            name,
            hits.rate,
            hits.interval,
            None,
            _("%(inside)d of %(count)d inside", inside=hits.inside, count=hits.count),
        )
        for _cid, name, hits in figures.rivals[:12]
    ]
    band_chart = svgcharts.bar_chart(
        band_bars,
        title=_("Real rival prices inside the 80 % band"),
        ident="chart-bands",
    )
    context = {
        "filters": filters,
        "figures": figures,
        "chart": _svg(chart),
        "band_chart": _svg(band_chart),
    }
    if wants_fragment():
        return render_template("analytics/_calibration.html", **context) + render_template(
            "analytics/_account_error.html", filters=filters, oob=True
        )
    choices = (
        _filter_choices()
        if current_user.role in LEADERS
        else {"periods": _filter_choices()["periods"]}
    )
    return render_template("analytics/calibration.html", **context, **choices)
