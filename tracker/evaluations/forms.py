"""The grid form, built for a cohort's scale and a track's competences."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker.evaluations.models import Grid
from tracker.evaluations.service import RatingInput
from tracker.forms import BaseForm
from tracker.i18n import _l
from tracker.people.models import Cohort
from tracker.referentials.models import Competence

NOT_OBSERVED = "nr"


class GridForm(BaseForm):
    """Fields ``c<id>`` (level or "nr") and ``c<id>_comment`` are added per competence."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    general_comment = TextAreaField(
        _l("Commentaire général"), validators=[Optional(), Length(max=5000)]
    )

    competence_ids: list[int]

    def level_field(self, competence: Competence) -> RadioField:
        return self[f"c{competence.id}"]  # type: ignore[return-value]

    def comment_field(self, competence: Competence) -> TextAreaField:
        return self[f"c{competence.id}_comment"]  # type: ignore[return-value]

    def inputs(self) -> dict[int, RatingInput]:
        result = {}
        for competence_id in self.competence_ids:
            value = self[f"c{competence_id}"].data
            result[competence_id] = RatingInput(
                level=int(value) if value and value != NOT_OBSERVED else None,
                not_observed=value == NOT_OBSERVED,
                comment=self[f"c{competence_id}_comment"].data or "",
            )
        return result


def grid_data(grid: Grid) -> dict[str, Any]:
    data: dict[str, Any] = {"version": grid.version, "general_comment": grid.general_comment}
    for rating in grid.ratings:
        value = NOT_OBSERVED if rating.not_observed else rating.level
        data[f"c{rating.competence_id}"] = None if value is None else str(value)
        data[f"c{rating.competence_id}_comment"] = rating.comment
    return data


def make_grid_form(
    cohort: Cohort,
    competences: list[Competence],
    *,
    formdata: MultiDict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> GridForm:
    choices = [SelectChoice(str(value), f"{value} — {label}") for value, label in cohort.levels]
    choices.append(SelectChoice(NOT_OBSERVED, cohort.not_observed_label))
    attributes: dict[str, Any] = {"competence_ids": [c.id for c in competences]}
    for competence in competences:
        attributes[f"c{competence.id}"] = RadioField(
            f"{competence.code} — {competence.statement}",
            choices=choices,
            validators=[Optional()],
        )
        attributes[f"c{competence.id}_comment"] = TextAreaField(
            _l("Commentaire sur cette compétence (facultatif)"),
            validators=[Optional(), Length(max=2000)],
            render_kw={"rows": 2},
        )
    form_class = type("CohortGridForm", (GridForm,), attributes)
    return form_class(formdata=formdata, data=data)  # type: ignore[no-any-return]
