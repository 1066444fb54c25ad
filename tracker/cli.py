"""Command groups of ``flask --app wsgi ...``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from tracker.auth.models import Role
from tracker.errors import DomainError
from tracker.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles.",
)
@click.password_option(help="At least 12 characters.")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an account (e.g. the first programme manager)."""
    from tracker.auth.service import create_user

    try:
        user = create_user(
            db.session, email=email, name=name, roles={Role(r) for r in roles}, password=password
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Account {user.id} created for {user.email}.")


def register(app: Flask) -> None:
    from tracker.demo import demo_cli
    from tracker.referentials.cli import referentials_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(referentials_cli)
    app.cli.add_command(demo_cli)
