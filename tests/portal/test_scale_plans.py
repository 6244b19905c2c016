"""On PostgreSQL, with enough rows for the planner to care (bench/scale_data.py, 50,000
opportunities), the desk's page, the board's totals and cards, the approval queue and the
objections pipeline read the big tables through indexes: no sequential scan of
opportunities, approvals, quotes or objections."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import event

BIG_TABLES = ("opportunity", "proposal_approval", "proposal_option", "proposal_line", "objection")


@pytest.mark.long
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL plans"
)
def test_desk_board_queue_and_pipeline_queries_use_indexes(tmp_path):
    from portal.extensions import db
    from tests.portal.test_migrations import scale_database

    with scale_database(tmp_path, 50_000) as app, app.app_context():
        from portal.auth.models import User
        from portal.deals.models import StageModel
        from portal.drafts.models import Approval
        from portal.exports.desk import DeskCriteria, desk_page
        from portal.workspace import queries

        leader = db.session.query(User).filter_by(username="leader01").one()
        model = db.session.query(StageModel).filter_by(key="default").one()
        app.config["BID_SUMMARY_EXECUTOR"] = "off"
        statements = []

        def record(_conn, _cursor, statement, parameters, _context, _many):
            if not statement.startswith("EXPLAIN"):
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            first = desk_page(leader, date.today(), "en")
            desk_page(leader, date.today(), "en", after=first.next_after)
            for sort in ("-amount", "name", "-deadline"):
                desk_page(leader, date.today(), "en", DeskCriteria(sort=sort))
            queries.board(leader, model, per_column=40)
            db.session.scalars(
                db.select(Approval)
                .where(Approval.state == "pending")
                .order_by(Approval.requested_at, Approval.id)
                .limit(21)
            ).all()
            # The objections pipeline: the age grid, the recurring groups (recent and
            # widened) with their quotes, and one group's answer form.
            from sqlalchemy import true

            from portal.objections import queries as objections

            objections.open_objection_counts(true(), date.today())
            since = date.today().replace(day=1)
            shown = objections.recurring_groups(true(), since, 20, 8)
            assert shown and shown[0].opportunity_count >= 2
            objections.recurring_groups(true(), None, 20, 8)
            objections.group_seen_by(shown[0].group_id, true(), since, 8)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        connection = db.session.connection()
        for statement, parameters in statements:
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            )
            for table in BIG_TABLES:
                assert f"Seq Scan on {table} " not in plan + " ", (statement, plan)
