"""Reminder e-mails: one per person and cohort semester, every pending item with its link.

Written in the site's default language (French), like invitations: a reminder is often
the first message a busy company tutor reads from Livret, so it says what to do, for whom,
by when, and gives the one link that leads there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale, format_date
from sqlalchemy.orm import Session

from tracker.auth.mail import SIGNATURE, Email
from tracker.campaigns.links import item_url
from tracker.campaigns.service import PendingItem, PendingKind, Reminder, record_reminder
from tracker.evaluations.models import RaterRole
from tracker.i18n import _
from tracker.mailer import MailNotSent


def _action(item: PendingItem) -> str:
    """What to do, in the words of the person who does it."""
    when = format_date(item.deadline, "long") if item.deadline else ""
    own = item.role == RaterRole.APPRENTICE
    if item.kind == PendingKind.GRID and item.started:
        if own:
            return _(
                "terminer et soumettre votre auto-évaluation (un brouillon est enregistré), "
                "au plus tard le %(date)s.",
                date=when,
            )
        return _(
            "terminer et soumettre votre grille d'évaluation (un brouillon est enregistré), "
            "au plus tard le %(date)s.",
            date=when,
        )
    if item.kind == PendingKind.GRID:
        if own:
            return _(
                "remplir et soumettre votre auto-évaluation, au plus tard le %(date)s.", date=when
            )
        return _(
            "remplir et soumettre votre grille d'évaluation, au plus tard le %(date)s.", date=when
        )
    if item.kind == PendingKind.LEAD_REVIEW:
        return _(
            "conduire le bilan tripartite du semestre : fixer les niveaux retenus avec "
            "l'apprenti·e et le maître d'apprentissage, puis le signer."
        )
    if own:
        return _("prendre connaissance du bilan tripartite de votre semestre et le confirmer.")
    return _("relire et signer le bilan tripartite du semestre.")


def compose_reminder(reminder: Reminder, *, sender_name: str | None = None) -> Email:
    """The reminder of one person for one cohort semester (needs a request context, or a
    ``SERVER_NAME``, for its absolute links)."""
    person, semester = reminder.person, reminder.semester
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        paragraphs = [_("Bonjour %(name)s,", name=person.name)]
        if sender_name:
            paragraphs.append(
                _(
                    "%(sender)s, responsable de formation, vous adresse ce rappel.",
                    sender=sender_name,
                )
            )
        paragraphs.append(
            _(
                "Pour le semestre %(s)s de la promotion « %(cohort)s », le livret de suivi "
                "attend encore de votre part :",
                s=semester.label,
                cohort=reminder.cohort.name,
            )
        )
        for item, apprenticeship in reminder.items:
            action = _action(item)
            line = (
                f"- {action}"
                if item.role == RaterRole.APPRENTICE
                else f"- {apprenticeship.apprentice.name} : {action}"
            )
            paragraphs.append(f"{line}\n  {item_url(item, external=True)}")
        if any(item.kind == PendingKind.GRID for item, _a in reminder.items):
            paragraphs.append(
                _(
                    "La fenêtre d'évaluation du semestre se ferme le %(date)s : passé ce jour, "
                    "les grilles ne peuvent plus être modifiées.",
                    date=format_date(semester.window_closes_on, "long"),
                )
            )
        paragraphs += [
            _(
                "Chaque lien ouvre directement la bonne page, après connexion avec votre "
                "adresse e-mail (%(email)s). Mot de passe oublié ? Utilisez le lien « Mot de "
                "passe oublié ? » de la page de connexion.",
                email=person.email,
            ),
            _(
                "Merci pour votre contribution. Pour toute question, adressez-vous au "
                "responsable de formation de la promotion."
            ),
            SIGNATURE,
        ]
        return Email(
            subject=_(
                "Livret : rappel pour le semestre %(s)s — %(cohort)s",
                s=semester.label,
                cohort=reminder.cohort.name,
            ),
            recipients=[person.email],
            body="\n\n".join(paragraphs) + "\n",
        )


@dataclass
class Delivery:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)


def send_reminders(
    session: Session,
    reminders: Iterable[Reminder],
    *,
    actor_id: int | None,
    sender_name: str | None = None,
) -> Delivery:
    """Send each reminder, and write to the audit log those the mail server accepted
    (the caller commits). A refused message is reported, never raised: the others go on.

    The log is written after sending, not before: a "reminder.sent" event then always
    means a message left, and the cron's "at most one every N days" counts real ones.
    """
    delivery = Delivery()
    for reminder in reminders:
        try:
            compose_reminder(reminder, sender_name=sender_name).send()
        except MailNotSent:
            delivery.failed.append(reminder)
            continue
        record_reminder(session, reminder, actor_id=actor_id)
        delivery.sent.append(reminder)
    return delivery
