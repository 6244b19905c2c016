"""`flask` commands: schema, users, reference and demo data."""

from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from portal.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the schema (Alembic) and load the reference data."""
        upgrade()
        from portal.seed import load_reference_data

        load_reference_data()
        db.session.commit()
        click.echo("Schema is at the latest revision; reference data loaded.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option(
        "--role", type=click.Choice(["presales", "rep", "leader", "admin"]), required=True
    )
    @click.option("--name", "display_name", default=None, help="Display name (default: username)")
    @click.option("--locale", type=click.Choice(["en", "zh_CN"]), default="en")
    @click.password_option()
    def create_user(username, role, display_name, locale, password) -> None:
        """Create a user with a password (prompted twice unless --password is given)."""
        from portal.auth.models import User

        if db.session.scalars(select(User).where(User.username == username)).first():
            raise click.ClickException(f"user {username!r} exists")
        if len(password) < 10:
            raise click.ClickException("the password needs at least 10 characters")
        user = User(
            username=username, display_name=display_name or username, role=role, locale=locale
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"created {role} {username}")

    @app.cli.command("grant-app-role")
    @click.argument("role")
    def grant_app_role(role: str) -> None:
        """PostgreSQL: give ROLE (the role the portal connects as) what it needs, with the
        audit log append-only: SELECT and INSERT on audit_event, never UPDATE, DELETE or
        TRUNCATE. Run as the owner of the tables (the role that ran init-db), again after
        each upgrade that adds tables. See docs/operations.md."""
        from sqlalchemy import text

        if db.engine.dialect.name != "postgresql":
            raise click.ClickException("grant-app-role is for PostgreSQL")
        quoted = db.engine.dialect.identifier_preparer.quote(role)
        for statement in grant_statements(quoted):
            db.session.execute(text(statement))
        db.session.commit()
        click.echo(f"{role}: read/write on the portal's tables; audit_event append-only")

    @app.cli.command("recompute-bid-summaries")
    @click.option("--all", "everything", is_flag=True, help="Also the fresh ones")
    def recompute_bid_summaries(everything: bool) -> None:
        """Store the bid summaries (desk P(win), ranks, margin) of every open bid with an
        official scenario that has none or a stale one, e.g. after an upgrade: otherwise
        each is computed when a page first shows it."""
        from portal.bid.summary import recompute_open_bids

        done, total = recompute_open_bids(everything)
        click.echo(f"{done} bid summaries computed ({total} open bids with an official scenario)")

    @app.cli.command("load-demo")
    @click.option("--reset", is_flag=True, help="Delete the existing demo data set first")
    def load_demo(reset: bool) -> None:
        """Load the bilingual demo data set and print the demo logins."""
        from portal.demo import load_demo_data

        logins = load_demo_data(reset=reset)
        click.echo("Demo logins (username / password / role):")
        for username, password, role in logins:
            click.echo(f"  {username:<10} {password:<16} {role}")


def grant_statements(role: str) -> list[str]:
    """The GRANTs of `grant-app-role` for an already quoted role name."""
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
