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


@users_cli.command("reset-totp")
@click.option("--email", required=True)
def reset_totp_command(email: str) -> None:
    """Remove a person's second factor (lost phone): they enrol again at next sign-in."""
    from sqlalchemy import select

    from tracker.audit.service import record
    from tracker.auth.models import User
    from tracker.auth.service import normalise_email, revoke_sessions

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email}.")
    user.totp_secret = None
    user.totp_last_step = None
    revoke_sessions(user)
    record(
        db.session, actor_id=None, action="person.totp_reset", object_type="user", object_id=user.id
    )
    db.session.commit()
    click.echo(f"Second factor removed for account {user.id}; its sessions are signed out.")


def register(app: Flask) -> None:
    from tracker.bench import bench_command
    from tracker.campaigns.cli import campaigns_cli
    from tracker.demo import demo_cli
    from tracker.jobs.bench import bench_dossiers_command
    from tracker.jobs.cli import jobs_cli
    from tracker.referentials.cli import referentials_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(referentials_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(campaigns_cli)  # reminders, for a daily cron
    app.cli.add_command(bench_command)  # performance figures on a throwaway database
    app.cli.add_command(jobs_cli)  # RQ workers, running and resuming jobs, purging zips
    app.cli.add_command(bench_dossiers_command)  # PDF dossiers: one, then a batch
