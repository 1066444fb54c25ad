"""The e-mails of accounts: password reset and invitation (plain text, absolute links).

``compose_*`` build a message without sending it (the reset view sends it once the
answer has left, so that its timing does not tell whether the address has an account);
``send_*`` compose and send at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale, format_timedelta

from tracker import mailer
from tracker.auth.models import User
from tracker.i18n import _

SIGNATURE = "-- \nLivret"


@dataclass(frozen=True)
class Email:
    subject: str
    recipients: list[str]
    body: str

    def send(self) -> None:
        mailer.send(self.subject, self.recipients, self.body)


def duration(delta: timedelta) -> str:
    """The lifetime of a link in words: "1 heure", "2 semaines"."""
    return format_timedelta(delta, threshold=1)


def reset_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["RESET_TOKEN_HOURS"])


def invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_TOKEN_DAYS"])


def compose_reset(user: User, raw_token: str) -> Email:
    link = url_for("auth.reset_password", token=raw_token, _external=True)
    paragraphs = [
        _("Bonjour %(name)s,", name=user.name),
        _(
            "Une demande de nouveau mot de passe a été faite pour votre compte Livret "
            "(%(email)s). Pour choisir votre nouveau mot de passe, ouvrez ce lien :",
            email=user.email,
        ),
        link,
        _(
            "Ce lien est valable %(duration)s et ne fonctionne qu'une seule fois. Passé ce "
            "délai, demandez-en un nouveau depuis la page de connexion "
            "(« Mot de passe oublié ? »).",
            duration=duration(reset_lifetime()),
        ),
        _(
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre "
            "mot de passe actuel reste valable."
        ),
        SIGNATURE,
    ]
    return Email(
        subject=_("Livret : choisir un nouveau mot de passe"),
        recipients=[user.email],
        body="\n\n".join(paragraphs) + "\n",
    )


def send_reset(user: User, raw_token: str) -> None:
    compose_reset(user, raw_token).send()


def compose_invitation(
    user: User, raw_token: str, *, inviter_name: str, apprentices: Iterable[str] = ()
) -> Email:
    """Written in the site's default language (French): the invited person has not chosen
    a language yet, and the inviter's own choice says nothing of theirs."""
    apprentices = list(apprentices)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        link = url_for("auth.invitation", token=raw_token, _external=True)
        roles = [role.label for role in sorted(user.roles)]
        paragraphs = [
            _("Bonjour %(name)s,", name=user.name),
            _(
                "%(inviter)s vous a ouvert un compte sur Livret, le livret de suivi des "
                "apprentis ingénieurs.",
                inviter=inviter_name,
            ),
        ]
        if len(roles) == 1:
            paragraphs.append(_("Votre rôle : %(roles)s.", roles=roles[0]))
        elif roles:
            paragraphs.append(_("Vos rôles : %(roles)s.", roles=", ".join(roles)))
        if len(apprentices) == 1:
            paragraphs.append(
                _("Vous êtes invité·e à suivre %(apprentice)s.", apprentice=apprentices[0])
            )
        elif apprentices:
            paragraphs.append(
                _("Vous êtes invité·e à suivre :")
                + "\n"
                + "\n".join(f"- {apprentice}" for apprentice in apprentices)
            )
        paragraphs += [
            _("Pour activer votre compte, choisissez votre mot de passe en ouvrant ce lien :"),
            link,
            _(
                "Ce lien est valable %(duration)s et ne fonctionne qu'une seule fois. Passé "
                "ce délai, demandez une nouvelle invitation à votre responsable de formation.",
                duration=duration(invitation_lifetime()),
            ),
            _(
                "Ensuite, vous vous connecterez avec votre adresse e-mail (%(email)s) et ce "
                "mot de passe.",
                email=user.email,
            ),
            SIGNATURE,
        ]
        return Email(
            subject=_("Livret : votre invitation"),
            recipients=[user.email],
            body="\n\n".join(paragraphs) + "\n",
        )


def send_invitation(
    user: User, raw_token: str, *, inviter_name: str, apprentices: list[str]
) -> None:
    """Send the invitation; call after the commit that stored the token."""
    compose_invitation(user, raw_token, inviter_name=inviter_name, apprentices=apprentices).send()
