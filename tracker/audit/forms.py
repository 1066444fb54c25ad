"""The journal's filter: which kind of event to show."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from tracker.forms import BaseForm
from tracker.i18n import _, _l

KIND_LABELS = {
    "grilles": _l("Évaluations (grilles des trois évaluateurs)"),
    "bilan": _l("Bilan tripartite, signatures, verrouillage et réouvertures"),
    "calendrier": _l("Calendrier et fenêtres d'évaluation"),
    "contrat": _l("Contrat : dates, entreprise, tuteurs"),
    "relances": _l("Relances des campagnes d'évaluation"),
    "situations": _l("Situations professionnelles"),
    "conditions": _l("Conditions de délivrance"),
    "jury": _l("Jury : candidature et décisions"),
}


class JournalFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    type = SelectField(_l("Type d'événement"), default="", validators=[Optional()])

    def __init__(self, *args: object, kinds: Iterable[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [
            SelectChoice("", _("Tous les événements")),
            *(SelectChoice(kind, KIND_LABELS[kind]) for kind in kinds),
        ]

    def kinds(self) -> list[str] | None:
        """The kinds asked for; None (every kind) when none or an unknown one is given."""
        if not self.validate() or not self.type.data:
            return None
        return [self.type.data]
