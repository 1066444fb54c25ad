"""Forms of the programme manager's pages: cohorts, people, apprenticeships, CSV import."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.form import Form
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from tracker.auth.models import Role
from tracker.forms import BaseForm, MultiCheckboxField
from tracker.i18n import _, _l
from tracker.people.models import SEMESTER_COUNT
from tracker.people.service import MAX_LEVELS, SemesterPlan
from tracker.people.siret import is_valid_siret, normalise_siret


class CohortCreateForm(BaseForm):
    track = SelectField(_l("Certification et parcours"), validators=[InputRequired()])
    name = StringField(_l("Nom de la promotion"), validators=[DataRequired(), Length(max=200)])
    start_year = IntegerField(
        _l("Année de rentrée"), validators=[InputRequired(), NumberRange(2000, 2100)]
    )


class SemesterForm(Form):
    """One row of the calendar table (a sub-form: the CSRF token is the parent's)."""

    starts_on = DateField(_l("Début"), validators=[InputRequired()])
    ends_on = DateField(_l("Fin"), validators=[InputRequired()])
    window_opens_on = DateField(_l("Ouverture des évaluations"), validators=[InputRequired()])
    window_closes_on = DateField(_l("Clôture des évaluations"), validators=[InputRequired()])
    expected_level = IntegerField(
        _l("Niveau attendu"), validators=[InputRequired(), NumberRange(1, MAX_LEVELS)]
    )


class CohortEditForm(BaseForm):
    name = StringField(_l("Nom de la promotion"), validators=[DataRequired(), Length(max=200)])
    scale = TextAreaField(
        _l("Niveaux de l'échelle"),
        validators=[DataRequired(), Length(max=2000)],
        render_kw={"rows": 5},
    )
    not_observed_label = StringField(
        _l("Libellé « non observé »"), validators=[DataRequired(), Length(max=60)]
    )
    threshold = IntegerField(
        _l("Seuil de maîtrise"), validators=[InputRequired(), NumberRange(1, MAX_LEVELS)]
    )
    semesters = FieldList(
        FormField(SemesterForm),
        label=_l("Semestre"),
        min_entries=SEMESTER_COUNT,
        max_entries=SEMESTER_COUNT,
    )

    def scale_labels(self) -> list[str]:
        return [line.strip() for line in (self.scale.data or "").splitlines() if line.strip()]

    def plans(self) -> list[SemesterPlan]:
        return [
            SemesterPlan(number=number, **entry)
            for number, entry in enumerate(self.semesters.data, start=1)
        ]


def _siret(form: BaseForm, field: StringField) -> None:
    if not is_valid_siret(normalise_siret(field.data or "")):
        raise ValidationError(_("SIRET non valide : 14 chiffres dont une clé de contrôle."))


class PlacementFields(BaseForm):
    """Company and tutors: shared by the new-apprenticeship and the change forms."""

    company_name = StringField(_l("Entreprise"), validators=[DataRequired(), Length(max=200)])
    siret = StringField(
        _l("SIRET de l'établissement"),
        validators=[DataRequired(), Length(max=20), _siret],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    company_tutor_name = StringField(
        _l("Nom du maître d'apprentissage"), validators=[DataRequired(), Length(max=200)]
    )
    company_tutor_email = EmailField(
        _l("E-mail du maître d'apprentissage"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    academic_tutor = SelectField(_l("Tuteur académique"), coerce=int, validators=[InputRequired()])


class ApprenticeshipForm(PlacementFields):
    apprentice_name = StringField(
        _l("Nom de l'apprenti·e"), validators=[DataRequired(), Length(max=200)]
    )
    apprentice_email = EmailField(
        _l("E-mail de l'apprenti·e"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    starts_on = DateField(_l("Début du contrat"), validators=[InputRequired()])
    ends_on = DateField(_l("Fin du contrat"), validators=[InputRequired()])

    def validate_ends_on(self, field: DateField) -> None:
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError(_("La fin du contrat doit suivre son début."))


class PlacementChangeForm(PlacementFields):
    effective_on = DateField(_l("Date du changement"), validators=[InputRequired()])


class ContractDatesForm(BaseForm):
    starts_on = DateField(_l("Début du contrat"), validators=[InputRequired()])
    ends_on = DateField(_l("Fin du contrat"), validators=[InputRequired()])


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, role.label) for role in Role]


class PersonForm(BaseForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    roles = MultiCheckboxField(
        _l("Rôles"), validators=[DataRequired(message=_l("Choisissez au moins un rôle."))]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = _role_choices()

    def role_values(self) -> set[Role]:
        return {Role(value) for value in self.roles.data or []}


class PeopleSearchForm(BaseForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Nom ou adresse e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Rôle"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _("Tous les rôles")), *_role_choices()]


class AnonymiseForm(BaseForm):
    confirm = BooleanField(
        _l("Je confirme : le nom et l'adresse e-mail seront effacés définitivement."),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer."))],
    )


class ConfirmForm(BaseForm):
    """A bare POST form (its buttons carry the action): only the CSRF check."""


class CohortImportForm(BaseForm):
    file = FileField(_l("Fichier CSV de la promotion"), validators=[FileRequired()])


def contract_defaults(start_year: int) -> dict[str, date]:
    """A three-year contract from September of the cohort's first year."""
    return {"starts_on": date(start_year, 9, 1), "ends_on": date(start_year + 3, 8, 31)}
