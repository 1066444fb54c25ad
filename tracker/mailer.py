"""Sending e-mail: through SMTP when ``TRACKER_MAIL_SERVER`` is set, printed to the
console otherwise (development), recorded without leaving the machine under tests."""

from __future__ import annotations

import logging
import smtplib

import click
from flask import current_app
from flask_mail import Message

from tracker.errors import DomainError
from tracker.extensions import mail
from tracker.i18n import _

log = logging.getLogger(__name__)


class MailNotSent(DomainError):
    """The SMTP server refused or could not be reached; the change itself stands."""

    status_code = 502


def send(subject: str, recipients: list[str], body: str) -> None:
    """Send a plain-text message (user text is never rendered as HTML)."""
    config = current_app.config
    message = Message(subject=subject, recipients=recipients, body=body)
    if not config.get("MAIL_SERVER") and not config.get("MAIL_SUPPRESS_SEND"):
        click.echo(
            f"\n--- e-mail (not sent: TRACKER_MAIL_SERVER is not set) ---\n"
            f"To: {', '.join(recipients)}\nSubject: {subject}\n\n{body}\n--- end ---\n",
            err=True,
        )
        return
    try:
        mail.send(message)
    except (smtplib.SMTPException, OSError) as error:
        # Logged without the address: no personal data in logs beyond ids.
        log.error("e-mail not sent: %s", type(error).__name__)
        raise MailNotSent(_("Le message n'a pas pu être envoyé ; réessayez plus tard.")) from None
