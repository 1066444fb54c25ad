"""Forms of the referential pages: upload a file, review the proposed split."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from tracker.errors import DomainError
from tracker.forms import BaseForm
from tracker.i18n import _l
from tracker.referentials.review import (
    competences_from_text,
    competences_to_text,
    tracks_from_text,
    tracks_to_text,
)
from tracker.referentials.service import Proposal

FORMAT_CHOICES = [
    SelectChoice("auto", _l("Reconnaître automatiquement")),
    SelectChoice("rncp", _l("Fiche RNCP de France Compétences (XML, ou ZIP contenant le XML)")),
    SelectChoice("case", _l("Paquet CASE 1.0 (JSON)")),
    SelectChoice("moodle", _l("Référentiel de compétences Moodle (CSV)")),
]


class ImportForm(BaseForm):
    file = FileField(_l("Fichier à importer"), validators=[FileRequired()])
    fmt = SelectField(_l("Format du fichier"), choices=FORMAT_CHOICES, default="auto")
    fiches = StringField(
        _l("Numéros des fiches à importer"),
        validators=[
            Optional(),
            Length(max=500),
            Regexp(
                r"^\s*(?:RNCP)?\d{1,6}(?:[\s,;]+(?:RNCP)?\d{1,6})*\s*$",
                flags=2,  # re.IGNORECASE
                message=_l(
                    "Indiquez des numéros de fiche comme RNCP39303, séparés par des espaces."
                ),
            ),
        ],
    )

    def fiche_numbers(self) -> list[str]:
        text = (self.fiches.data or "").replace(",", " ").replace(";", " ")
        return [n.upper() if n.upper().startswith("RNCP") else f"RNCP{n}" for n in text.split()]


def block_field_names(proposal_index: int, block_index: int) -> tuple[str, str]:
    stem = f"p{proposal_index}_b{block_index}"
    return f"{stem}_competences", f"{stem}_methods"


def tracks_field_name(proposal_index: int) -> str:
    return f"p{proposal_index}_tracks"


def make_review_form(proposals: list[Proposal], formdata=None) -> BaseForm:  # type: ignore[no-untyped-def]
    """A form with, per block, the proposed competences (one per line) and assessment
    methods, and per certification its tracks; pre-filled from the proposals."""

    class ReviewForm(BaseForm):
        pass

    defaults: dict[str, str] = {}
    for p_index, proposal in enumerate(proposals):
        for b_index, block in enumerate(proposal.record.blocks):
            competences, methods = block_field_names(p_index, b_index)
            setattr(
                ReviewForm,
                competences,
                TextAreaField(
                    _l("Compétences du bloc %(code)s", code=block.code),
                    validators=[Length(max=50_000)],
                    render_kw={"rows": max(4, len(block.competences) + 2)},
                ),
            )
            setattr(
                ReviewForm,
                methods,
                TextAreaField(
                    _l("Modalités d'évaluation du bloc %(code)s", code=block.code),
                    validators=[Length(max=50_000)],
                    render_kw={"rows": 3},
                ),
            )
            defaults[competences] = competences_to_text(block.competences)
            defaults[methods] = block.assessment_methods
        name = tracks_field_name(p_index)
        setattr(
            ReviewForm,
            name,
            TextAreaField(
                _l("Parcours de %(code)s", code=proposal.record.code),
                validators=[Length(max=10_000)],
                render_kw={"rows": max(2, len(proposal.record.tracks) + 1)},
            ),
        )
        defaults[name] = tracks_to_text(proposal.record.tracks)
    return ReviewForm(formdata=formdata, data=defaults)


def apply_review(form, proposals: list[Proposal]) -> bool:  # type: ignore[no-untyped-def]
    """Apply the edited texts to the proposals; False (with field errors) if any is wrong."""
    valid = True
    for p_index, proposal in enumerate(proposals):
        record = proposal.record
        for b_index, block in enumerate(record.blocks):
            competences_name, methods_name = block_field_names(p_index, b_index)
            # Browsers send textareas back with CRLF line ends: compare lines, not bytes.
            text = "\n".join((form[competences_name].data or "").splitlines()).strip()
            if text != competences_to_text(block.competences).strip():
                try:
                    block.competences = competences_from_text(text)
                except DomainError as error:
                    form[competences_name].errors.append(str(error))
                    valid = False
                else:
                    proposal.suspected_assessment.pop(block.code, None)
            block.assessment_methods = (form[methods_name].data or "").strip()
        name = tracks_field_name(p_index)
        try:
            record.tracks = tracks_from_text(
                form[name].data or "", [b.code for b in record.blocks], record.tracks
            )
        except DomainError as error:
            form[name].errors.append(str(error))
            valid = False
    return valid
