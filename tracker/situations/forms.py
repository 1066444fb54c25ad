"""Forms of the work-situation pages: the situation (competences as one checkbox group per
block of the track), a file, a comment, the deletion's confirmation."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from tracker.forms import BaseForm
from tracker.i18n import _, _l
from tracker.referentials.models import Block
from tracker.situations.models import WorkSituation
from tracker.situations.service import COMMENT_MAX, TEXT_MAX, TITLE_MAX, SituationInput


class CompetenceCheckboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SituationForm(BaseForm):
    """Fields ``b<block id>`` (the competences of that block) are added per block."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    starts_on = DateField(_l("Début"), validators=[InputRequired()])
    ends_on = DateField(_l("Fin"), validators=[InputRequired()])
    company_context = TextAreaField(
        _l("Contexte dans l'entreprise"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    what_was_done = TextAreaField(
        _l("Ce que j'ai fait"), validators=[DataRequired(), Length(max=TEXT_MAX)]
    )

    block_ids: list[int]

    def block_field(self, block: Block) -> CompetenceCheckboxes:
        return self[f"b{block.id}"]  # type: ignore[return-value]

    def validate_ends_on(self, field: DateField) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_("La fin doit être le jour du début ou après."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.block_ids and not self.competence_ids():
            first = self[f"b{self.block_ids[0]}"]
            first.errors = [*first.errors, _("Cochez au moins une compétence.")]
            valid = False
        return valid

    def competence_ids(self) -> frozenset[int]:
        chosen: set[int] = set()
        for block_id in self.block_ids:
            chosen.update(int(value) for value in self[f"b{block_id}"].data or [])
        return frozenset(chosen)

    def to_input(self) -> SituationInput:
        return SituationInput(
            title=self.title.data or "",
            starts_on=self.starts_on.data,  # type: ignore[arg-type]
            ends_on=self.ends_on.data,  # type: ignore[arg-type]
            company_context=self.company_context.data or "",
            what_was_done=self.what_was_done.data or "",
            competence_ids=self.competence_ids(),
        )


def situation_data(situation: WorkSituation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": situation.version,
        "title": situation.title,
        "starts_on": situation.starts_on,
        "ends_on": situation.ends_on,
        "company_context": situation.company_context,
        "what_was_done": situation.what_was_done,
    }
    for competence in situation.competences:
        data.setdefault(f"b{competence.block_id}", []).append(str(competence.id))
    return data


def make_situation_form(
    blocks: list[Block],
    *,
    formdata: MultiDict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> SituationForm:
    attributes: dict[str, Any] = {"block_ids": [block.id for block in blocks]}
    for block in blocks:
        attributes[f"b{block.id}"] = CompetenceCheckboxes(
            f"{block.code} — {block.title}",
            choices=[
                SelectChoice(str(c.id), f"{c.code} — {c.statement}") for c in block.competences
            ],
            validators=[Optional()],
        )
    form_class = type("TrackSituationForm", (SituationForm,), attributes)
    return form_class(formdata=formdata, data=data)  # type: ignore[no-any-return]


class FileForm(BaseForm):
    file = FileField(
        _l("Fichier (PDF, PNG ou JPEG)"),
        validators=[FileRequired(message=_l("Choisissez un fichier."))],
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Votre commentaire"),
        validators=[DataRequired(), Length(max=COMMENT_MAX)],
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
    )


class DeleteForm(BaseForm):
    confirm = BooleanField(
        _l("Je confirme : la situation, ses fichiers et ses commentaires seront supprimés."),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer."))],
    )


class FilterForm(BaseForm):
    """The list's filter (a GET form: it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    competence = SelectField(_l("Compétence"), validators=[Optional()])

    def __init__(self, blocks: list[Block], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competence.choices = [
            SelectChoice("", _("Toutes les compétences")),
            *(
                SelectChoice(
                    str(c.id), f"{c.code} — {_short(c.statement)}", optgroup=f"{block.code}"
                )
                for block in blocks
                for c in block.competences
            ),
        ]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
