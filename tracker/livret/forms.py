"""The cohort dashboard's filter and sort (a GET form: it changes nothing)."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from tracker.forms import BaseForm
from tracker.i18n import _l

FILTERS = {
    "": _l("Tous les apprentis"),
    "retard": _l("En retard sur la trajectoire attendue"),
    "non-prets": _l("Pas encore prêts pour le jury"),
    "grilles": _l("Grilles manquantes pour la dernière campagne"),
}
SORTS = {
    "nom": _l("Nom"),
    "progression": _l("Progression (la plus faible d'abord)"),
    "retard": _l("Retard (le plus grand d'abord)"),
}


class DashboardForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    filtre = SelectField(
        _l("Afficher"),
        choices=[SelectChoice(value, label) for value, label in FILTERS.items()],
        default="",
        validators=[Optional()],
    )
    tri = SelectField(
        _l("Trier par"),
        choices=[SelectChoice(value, label) for value, label in SORTS.items()],
        default="nom",
        validators=[Optional()],
    )

    def choice(self) -> tuple[str, str]:
        """The filter and the sort asked for; the defaults for anything unknown."""
        if not self.validate():
            return "", "nom"
        return self.filtre.data or "", self.tri.data or "nom"
