"""Forms of the conditions-of-award pages: one per kind of evidence (with its proof for a
certificate or a mobility period), the refusal's reason, the validation and the deletion
(which carry the version the page showed)."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.conditions import service
from tracker.conditions.models import (
    CompanyOpinion,
    DefenceResult,
    EnglishCertificate,
    EvidenceKind,
    FinalAssessment,
    MobilityPeriod,
    Opinion,
)
from tracker.forms import BaseForm
from tracker.i18n import _, _l
from tracker.referentials.records import CECRL_LEVELS

PROOF_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
# Offered in a list of suggestions; any other certified test may be typed.
ENGLISH_TESTS = (
    "TOEIC Listening and Reading",
    "TOEFL iBT",
    "IELTS Academic",
    "Linguaskill Business",
    "Cambridge English B2 First",
    "Cambridge English C1 Advanced",
    "Bright English",
    "CLES",
)


class VersionedForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    @property
    def version_value(self) -> int:
        """The version the page showed (-1 when missing: a stale save)."""
        return self.version.data if self.version.data is not None else -1


class EnglishForm(VersionedForm):
    test_name = StringField(
        _l("Test passé"),
        validators=[DataRequired(), Length(max=service.TEST_NAME_MAX)],
        render_kw={"list": "tests-anglais", "autocomplete": "off"},
    )
    score = StringField(
        _l("Score obtenu"), validators=[DataRequired(), Length(max=service.SCORE_MAX)]
    )
    level = RadioField(
        _l("Niveau CECRL attesté"),
        choices=[SelectChoice(level, level) for level in CECRL_LEVELS],
        validators=[InputRequired(message=_l("Choisissez le niveau attesté."))],
    )
    taken_on = DateField(_l("Date du test"), validators=[InputRequired()])
    proof = FileField(
        _l("Attestation du test (PDF, PNG ou JPEG)"), render_kw={"accept": PROOF_ACCEPT}
    )

    def to_input(self) -> service.EnglishInput:
        return service.EnglishInput(
            test_name=self.test_name.data or "",
            score=self.score.data or "",
            level=self.level.data or "",
            taken_on=self.taken_on.data,  # type: ignore[arg-type]
        )


class MobilityForm(VersionedForm):
    country = StringField(_l("Pays"), validators=[DataRequired(), Length(max=service.COUNTRY_MAX)])
    host = StringField(
        _l("Organisme d'accueil"), validators=[DataRequired(), Length(max=service.HOST_MAX)]
    )
    starts_on = DateField(_l("Premier jour"), validators=[InputRequired()])
    ends_on = DateField(_l("Dernier jour"), validators=[InputRequired()])
    proof = FileField(
        _l("Attestation de séjour (PDF, PNG ou JPEG)"), render_kw={"accept": PROOF_ACCEPT}
    )

    def validate_ends_on(self, field: DateField) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_("Le dernier jour doit être le premier jour ou après."))

    def to_input(self) -> service.MobilityInput:
        return service.MobilityInput(
            country=self.country.data or "",
            host=self.host.data or "",
            starts_on=self.starts_on.data,  # type: ignore[arg-type]
            ends_on=self.ends_on.data,  # type: ignore[arg-type]
        )


class FinalAssessmentForm(VersionedForm):
    report_submitted_on = DateField(_l("Rapport remis le"), validators=[Optional()])
    defence_on = DateField(_l("Soutenance le"), validators=[Optional()])
    result = RadioField(
        _l("Résultat de la soutenance"),
        choices=[
            SelectChoice(DefenceResult.PENDING.value, _l("En attente")),
            SelectChoice(DefenceResult.PASSED.value, _l("Réussie")),
            SelectChoice(DefenceResult.FAILED.value, _l("Non réussie")),
        ],
        default=DefenceResult.PENDING.value,
        validators=[InputRequired(message=_l("Choisissez le résultat de la soutenance."))],
    )
    comment = TextAreaField(
        _l("Commentaire"),
        validators=[Optional(), Length(max=service.COMMENT_MAX)],
        render_kw={"rows": 4},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Both dates are optional fields (their own checks stop on an empty value): one
        # of them at least is needed, said on the first.
        dates = (self.report_submitted_on, self.defence_on)
        if all(f.data is None and not f.errors for f in dates):
            self.report_submitted_on.errors = [
                *self.report_submitted_on.errors,
                _("Indiquez la date de remise du rapport ou celle de la soutenance."),
            ]
            valid = False
        return valid

    def validate_result(self, field: RadioField) -> None:
        if field.data != DefenceResult.PENDING.value and self.defence_on.data is None:
            raise ValidationError(_("Un résultat ne se saisit qu'avec la date de la soutenance."))

    def to_input(self) -> service.FinalAssessmentInput:
        return service.FinalAssessmentInput(
            report_submitted_on=self.report_submitted_on.data,
            defence_on=self.defence_on.data,
            result=self.result.data or DefenceResult.PENDING.value,
            comment=self.comment.data or "",
        )


class OpinionForm(VersionedForm):
    opinion = RadioField(
        _l("Avis de l'entreprise"),
        choices=[
            SelectChoice(Opinion.FAVOURABLE.value, _l("Favorable")),
            SelectChoice(Opinion.UNFAVOURABLE.value, _l("Défavorable")),
        ],
        validators=[InputRequired(message=_l("Choisissez l'avis : favorable ou défavorable."))],
    )
    given_on = DateField(_l("Date de l'avis"), validators=[InputRequired()])
    comment = TextAreaField(
        _l("Commentaire"),
        validators=[Optional(), Length(max=service.COMMENT_MAX)],
        render_kw={"rows": 5},
    )

    def to_input(self) -> service.OpinionInput:
        return service.OpinionInput(
            opinion=self.opinion.data or "",
            given_on=self.given_on.data,  # type: ignore[arg-type]
            comment=self.comment.data or "",
        )


FORMS: dict[EvidenceKind, type[VersionedForm]] = {
    EvidenceKind.ENGLISH: EnglishForm,
    EvidenceKind.MOBILITY: MobilityForm,
    EvidenceKind.FINAL_ASSESSMENT: FinalAssessmentForm,
    EvidenceKind.COMPANY_OPINION: OpinionForm,
}


def record_data(row: Any) -> dict[str, Any]:
    """The values of a saved record, to fill its form."""
    data: dict[str, Any] = {"version": row.version}
    if isinstance(row, EnglishCertificate):
        fields: tuple[str, ...] = ("test_name", "score", "level", "taken_on")
    elif isinstance(row, MobilityPeriod):
        fields = ("country", "host", "starts_on", "ends_on")
    elif isinstance(row, FinalAssessment):
        fields = ("report_submitted_on", "defence_on", "result", "comment")
    elif isinstance(row, CompanyOpinion):
        fields = ("opinion", "given_on", "comment")
    else:
        fields = ()
    data.update({name: getattr(row, name) for name in fields})
    return data


class DecisionForm(VersionedForm):
    """The validation button: the version the page showed, and CSRF."""


class RefuseForm(VersionedForm):
    reason = TextAreaField(
        _l("Motif du refus"),
        validators=[DataRequired(), Length(max=service.REASON_MAX)],
        render_kw={"rows": 4, "maxlength": service.REASON_MAX},
    )


class DeleteForm(VersionedForm):
    confirm = BooleanField(
        _l("Je confirme : la pièce et son justificatif seront supprimés."),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer."))],
    )
