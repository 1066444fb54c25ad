"""Domain exceptions and their HTTP handlers.

Services raise these; views and CLI commands turn them into a clear message in the user's
language. A domain error never leaves the database changed: the caller rolls back.
"""

from __future__ import annotations

from tracker.i18n import _


class DomainError(Exception):
    """A rule of the domain refused an action; ``message`` is already translated."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    status_code = 404


class ImportFileError(DomainError):
    """A file given to an importer is malformed, hostile or too large.

    ``line`` and ``field`` locate the problem when they are known, so that the person
    importing can fix the file; nothing is saved when this is raised.
    """

    status_code = 422

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(_("ligne %(line)s", line=self.line))
        if self.field:
            where.append(_("champ %(field)s", field=self.field))
        return f"{self.message} ({', '.join(where)})" if where else str(self.message)


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Error pages in the user's language, in the site layout."""
    from flask import render_template
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    titles = {
        400: lambda: _("Requête invalide"),
        403: lambda: _("Accès refusé"),
        404: lambda: _("Page introuvable"),
        405: lambda: _("Méthode non autorisée"),
        413: lambda: _("Fichier trop volumineux"),
        429: lambda: _("Trop de tentatives"),
        500: lambda: _("Erreur interne"),
    }
    explanations = {
        400: lambda: _("La requête n'a pas pu être comprise. Revenez en arrière et réessayez."),
        403: lambda: _("Votre compte ne permet pas d'accéder à cette page."),
        404: lambda: _("Cette page n'existe pas ou vous n'y avez pas accès."),
        405: lambda: _("Cette action n'est pas possible à cette adresse."),
        413: lambda: _(
            "Le fichier envoyé dépasse la taille autorisée (%(mb)s Mo).",
            mb=app.config["MAX_UPLOAD_MB"],
        ),
        429: lambda: _(
            "Trop de tentatives en peu de temps : attendez quelques minutes avant de "
            "réessayer. Rien n'a été enregistré."
        ),
        500: lambda: _(
            "Une erreur inattendue s'est produite. Rien n'a été enregistré ; "
            "réessayez dans un instant."
        ),
    }

    def render(code: int, message: str | None = None):  # type: ignore[no-untyped-def]
        code = code if code in titles else 500
        return (
            render_template(
                "errors/error.html",
                code=code,
                title=titles[code](),
                message=message or explanations[code](),
            ),
            code,
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error):  # type: ignore[no-untyped-def]
        return render(
            400,
            _(
                "Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et "
                "renvoyez-le : rien n'a été enregistré."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if error.code is None or error.code < 400:
            return error
        if error.code not in titles:
            return error
        return render(error.code)

    @app.errorhandler(NotFound)
    def domain_not_found(error: NotFound):  # type: ignore[no-untyped-def]
        return render(404, error.message)

    @app.errorhandler(500)
    def internal_error(_error):  # type: ignore[no-untyped-def]
        from tracker.extensions import db

        db.session.rollback()
        return render(500)
