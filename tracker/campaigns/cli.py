"""``flask --app wsgi campaigns ...``: reminders for a daily cron.

    flask --app wsgi campaigns remind [--dry-run] [--every DAYS] [--today YYYY-MM-DD]
                                     [--base-url https://livret.example.org]

Every cohort semester whose evaluation window is open, or has closed (a review may still
be due), is looked at; each person with pending items gets one e-mail per cohort semester,
at most once every DAYS days (counting the reminders sent from the follow-up page too, read
from the audit log). Output names people by id only: cron output ends up in mailboxes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.campaigns import service
from tracker.campaigns.mail import send_reminders
from tracker.extensions import db
from tracker.i18n import _

campaigns_cli = AppGroup("campaigns", help="Evaluation campaigns: reminders by e-mail.")


def _base_url(given: str | None) -> str:
    """Where the site is served, for the links of the e-mails: ``--base-url``, else
    ``TRACKER_PUBLIC_URL``, else ``TRACKER_SERVER_NAME`` (with the preferred scheme)."""
    config = current_app.config
    base = given or config.get("PUBLIC_URL")
    if not base and config.get("SERVER_NAME"):
        base = f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}"
    if not base:
        raise click.ClickException(
            "The e-mails need the site's public address for their links: give "
            "--base-url https://livret.example.org (or set TRACKER_PUBLIC_URL)."
        )
    if not base.startswith(("http://", "https://")):
        raise click.ClickException(f"--base-url must start with http:// or https:// ({base}).")
    return base


def _describe(reminder: service.Reminder) -> str:
    items = ", ".join(sorted({item.kind.value for item, _a in reminder.items}))
    return (
        f"  {reminder.semester.label} « {reminder.cohort.name} » → "
        f"{_('personne')} {reminder.person.id} : {items}"
    )


@campaigns_cli.command("remind")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    metavar="DAYS",
    help="Remind each person at most once every DAYS days per cohort semester.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Run as if on this day (YYYY-MM-DD); default: today.",
)
@click.option(
    "--base-url",
    default=None,
    help="Public address of the site for the links (default: TRACKER_PUBLIC_URL, "
    "else TRACKER_SERVER_NAME).",
)
def remind_command(dry_run: bool, every: int, today: datetime | None, base_url: str | None) -> None:
    """E-mail everyone who has grids to fill or reviews to conduct or sign."""
    day: date = today.date() if today else date.today()
    # Counted in days: reminded on day D, a person is reminded again from day D + every.
    since = datetime.combine(day - timedelta(days=every - 1), time.min, tzinfo=UTC)
    recent = service.last_reminders(db.session, since=since)
    due: list[service.Reminder] = []
    throttled = 0
    for follow_up in service.load_campaigns(db.session, day):
        for reminder in service.reminders(follow_up):
            key = (reminder.person.id, follow_up.cohort.id, follow_up.semester.number)
            if key in recent:
                throttled += 1
            else:
                due.append(reminder)
    if dry_run:
        for reminder in due:
            click.echo(_describe(reminder))
        click.echo(
            _(
                "Essai : %(n)s relance(s) à envoyer, %(m)s déjà relancé(s) il y a moins de "
                "%(days)s jours. Rien n'a été envoyé ni enregistré.",
                n=len(due),
                m=throttled,
                days=every,
            )
        )
        return
    if due:
        with current_app.test_request_context(base_url=_base_url(base_url)):
            delivery = send_reminders(db.session, due, actor_id=None)
        db.session.commit()
    else:
        delivery = None
    sent = delivery.sent if delivery else []
    failed = delivery.failed if delivery else []
    for reminder in sent:
        click.echo(_describe(reminder))
    click.echo(
        _(
            "%(n)s relance(s) envoyée(s), %(m)s déjà relancé(s) il y a moins de %(days)s jours.",
            n=len(sent),
            m=throttled,
            days=every,
        )
    )
    if failed:
        raise click.ClickException(
            _(
                "%(n)s relance(s) non envoyée(s) : le serveur de messagerie les a refusées "
                "(personnes %(ids)s). Elles repartiront au prochain passage.",
                n=len(failed),
                ids=", ".join(str(r.person.id) for r in failed),
            )
        )
