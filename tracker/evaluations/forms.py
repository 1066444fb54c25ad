"""The grid form, built for a cohort's scale and a track's competences."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from tracker.evaluations.models import Grid, Review
from tracker.evaluations.service import RatingInput
from tracker.forms import BaseForm, MultiCheckboxField
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
            level = _as_input(self[f"c{competence_id}"].data)
            result[competence_id] = RatingInput(
                level=level.level,
                not_observed=level.not_observed,
                comment=self[f"c{competence_id}_comment"].data or "",
            )
        return result


def grid_data(grid: Grid) -> dict[str, Any]:
    data: dict[str, Any] = {"version": grid.version, "general_comment": grid.general_comment}
    for rating in grid.ratings:
        data[f"c{rating.competence_id}"] = _as_choice(rating.level, rating.not_observed)
        data[f"c{rating.competence_id}_comment"] = rating.comment
    return data


def _scale_choices(cohort: Cohort) -> list[SelectChoice]:
    choices = [SelectChoice(str(value), f"{value} — {label}") for value, label in cohort.levels]
    choices.append(SelectChoice(NOT_OBSERVED, cohort.not_observed_label))
    return choices


def _as_input(value: str | None) -> RatingInput:
    return RatingInput(
        level=int(value) if value and value != NOT_OBSERVED else None,
        not_observed=value == NOT_OBSERVED,
    )


def _as_choice(level: int | None, not_observed: bool) -> str | None:
    return NOT_OBSERVED if not_observed else (None if level is None else str(level))


def make_grid_form(
    cohort: Cohort,
    competences: list[Competence],
    *,
    formdata: MultiDict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> GridForm:
    choices = _scale_choices(cohort)
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


# --- The three-way review ------------------------------------------------------------------


class ReviewForm(BaseForm):
    """The academic tutor's agreed levels: a field ``a<id>`` per competence."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    comment = TextAreaField(_l("Commentaire du bilan"), validators=[Optional(), Length(max=5000)])

    competence_ids: list[int]

    def agreed_field(self, competence: Competence) -> RadioField:
        return self[f"a{competence.id}"]  # type: ignore[return-value]

    def inputs(self) -> dict[int, RatingInput]:
        return {cid: _as_input(self[f"a{cid}"].data) for cid in self.competence_ids}


def review_data(review: Review | None, suggestions: dict[int, RatingInput]) -> dict[str, Any]:
    """The saved agreed levels; where none is saved yet, the suggestion (both tutors gave
    the same answer)."""
    data: dict[str, Any] = {
        "version": review.version if review is not None else 0,
        "comment": review.comment if review is not None else "",
    }
    for competence_id, suggestion in suggestions.items():
        data[f"a{competence_id}"] = _as_choice(suggestion.level, suggestion.not_observed)
    for agreed in review.agreed if review is not None else []:
        if agreed.answered:
            data[f"a{agreed.competence_id}"] = _as_choice(agreed.level, agreed.not_observed)
    return data


def make_review_form(
    cohort: Cohort,
    competences: list[Competence],
    *,
    formdata: MultiDict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> ReviewForm:
    choices = _scale_choices(cohort)
    attributes: dict[str, Any] = {"competence_ids": [c.id for c in competences]}
    for competence in competences:
        attributes[f"a{competence.id}"] = RadioField(
            _l("Niveau retenu pour %(code)s", code=competence.code),
            choices=choices,
            validators=[Optional()],
        )
    form_class = type("CohortReviewForm", (ReviewForm,), attributes)
    return form_class(formdata=formdata, data=data)  # type: ignore[no-any-return]


class SignForm(BaseForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    comment = TextAreaField(
        _l("Votre remarque sur ce bilan (facultatif)"), validators=[Optional(), Length(max=2000)]
    )


class ReopenForm(BaseForm):
    reason = TextAreaField(
        _l("Raison de la réouverture"), validators=[InputRequired(), Length(min=10, max=2000)]
    )
    grids = MultiCheckboxField(
        _l("Grilles à rouvrir aussi (elles repassent en brouillon)"), validators=[Optional()]
    )
