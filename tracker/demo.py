"""Demonstration data for the Quickstart: ``flask --app wsgi demo load``.

Every capability adds its part here, so that a newcomer who runs the Quickstart sees each
feature at work on realistic French data. Refused in production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from tracker.auth.models import Role, User
from tracker.auth.service import create_user
from tracker.extensions import db

DEMO_PASSWORD = "livret-demo-2026"  # noqa: S105 - documented demonstration password


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[Role, ...]


ACCOUNTS = (
    DemoAccount("responsable@demo.livret.fr", "Claire Dubois", (Role.MANAGER,)),
    DemoAccount("tuteur.academique@demo.livret.fr", "Marc Lefèvre", (Role.ACADEMIC_TUTOR,)),
    DemoAccount("maitre.apprentissage@demo.livret.fr", "Sophie Martin", (Role.COMPANY_TUTOR,)),
    DemoAccount("apprentie@demo.livret.fr", "Léa Bernard", (Role.APPRENTICE,)),
    DemoAccount("jury@demo.livret.fr", "Jean Moreau", (Role.JURY,)),
)


def load_demo() -> list[DemoAccount]:
    """Fill an empty database with the demonstration data; returns the accounts."""
    from tracker.referentials.service import load_bundled

    load_bundled(db.session)
    for account in ACCOUNTS:
        create_user(
            db.session,
            email=account.email,
            name=account.name,
            roles=set(account.roles),
            password=DEMO_PASSWORD,
        )
    return list(ACCOUNTS)


demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
@click.option("--json", "as_json", is_flag=True, help="Print the demo accounts as JSON.")
def load_command(if_empty: bool, as_json: bool) -> None:
    """Load the demonstration data into an empty database."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demonstration data are never loaded in production.")
    has_accounts = bool(db.session.scalar(select(func.count()).select_from(User)))
    if has_accounts and not if_empty:
        raise click.ClickException("The database is not empty: demo data go into an empty one.")
    if not has_accounts:
        load_demo()
        db.session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "password": DEMO_PASSWORD,
                    "accounts": [
                        {"email": a.email, "name": a.name, "roles": [r.value for r in a.roles]}
                        for a in ACCOUNTS
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    elif has_accounts:
        click.echo("Demonstration data already present: nothing loaded.")
    else:
        click.echo(f"Demonstration data loaded. Password of every account: {DEMO_PASSWORD}")
        for account in ACCOUNTS:
            roles = ", ".join(role.label for role in account.roles)
            click.echo(f"  {account.email:40} {account.name} ({roles})")
