"""Sending invitations after a programme manager created accounts (a view helper: it
commits the invitation links, then e-mails them, and tells the manager what failed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, flash
from flask_login import current_user

from tracker.auth.mail import send_invitation
from tracker.auth.models import User
from tracker.auth.service import invite
from tracker.extensions import db
from tracker.i18n import _
from tracker.mailer import MailNotSent
from tracker.people.service import followed_apprentices


def send_invitations(users: Iterable[User]) -> int:
    """Invite each person (a new link replaces any earlier one); returns how many left."""
    lifetime = timedelta(days=current_app.config["INVITATION_TOKEN_DAYS"])
    sent = 0
    for user in users:
        token = invite(db.session, user, invited_by=current_user, lifetime=lifetime)
        db.session.commit()
        apprentices = followed_apprentices(db.session, user)
        try:
            send_invitation(user, token, inviter_name=current_user.name, apprentices=apprentices)
        except MailNotSent:
            flash(
                _(
                    "Invitation de %(name)s non envoyée : renvoyez-la depuis sa fiche.",
                    name=user.name,
                ),
                "error",
            )
        else:
            sent += 1
    if sent:
        flash(_("%(n)s invitation(s) envoyée(s) par e-mail.", n=sent), "info")
    return sent
