"""Forms of the jury pages: the session (certification, date, place), a member's seat (an
existing jury account, or a new one invited by e-mail), the candidates to add, the
decisions on one candidate (one radio group per block of the track) and the closing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.forms import BaseForm, MultiCheckboxField
from tracker.i18n import _l
from tracker.jury import service
from tracker.jury.models import (
    BLOCK_OUTCOME_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REPRESENTATION_LABELS,
    BlockOutcome,
    MemberKind,
    Outcome,
    Representation,
)
from tracker.referentials.models import Block


class VersionedForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    @property
    def version_value(self) -> int:
        """The version the page showed (-1 when missing: a stale save)."""
        return self.version.data if self.version.data is not None else -1


class SessionForm(VersionedForm):
    certification_id = SelectField(
        _l("Certification"),
        coerce=int,
        validators=[InputRequired(message=_l("Choisissez la certification du jury."))],
    )
    held_on = DateField(_l("Date de la session"), validators=[InputRequired()])
    place = StringField(_l("Lieu"), validators=[DataRequired(), Length(max=service.PLACE_MAX)])

    def to_input(self) -> service.SessionInput:
        return service.SessionInput(
            certification_id=self.certification_id.data,  # type: ignore[arg-type]
            held_on=self.held_on.data,  # type: ignore[arg-type]
            place=self.place.data or "",
        )


class SeatForm(BaseForm):
    """How a member sits: professional or academic, the CQPM college, the president."""

    kind = RadioField(
        _l("Milieu"),
        choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in MemberKind],
        validators=[
            InputRequired(
                message=_l("Indiquez si le membre est un professionnel ou un académique.")
            )
        ],
    )
    representation = RadioField(
        _l("Collège (jury paritaire)"),
        choices=[SelectChoice(r.value, REPRESENTATION_LABELS[r]) for r in Representation],
        validators=[Optional()],
    )
    capacity = StringField(
        _l("Qualité (fonction, entreprise ou établissement)"),
        validators=[Optional(), Length(max=service.CAPACITY_MAX)],
    )
    is_president = BooleanField(_l("Préside le jury"))
    represents_head = BooleanField(_l("Siège comme chef d'établissement ou son représentant"))

    def seat(self) -> service.MemberInput:
        return service.MemberInput(
            kind=self.kind.data or "",
            representation=self.representation.data or None,
            capacity=self.capacity.data or "",
            is_president=bool(self.is_president.data),
            represents_head=bool(self.represents_head.data),
        )


class AddMemberForm(SeatForm):
    """Seat an existing jury account (prefixed: it shares the page with the invitation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "compte")
        super().__init__(*args, **kwargs)

    user_id = SelectField(
        _l("Compte de membre du jury"),
        coerce=int,
        validators=[InputRequired(message=_l("Choisissez un compte de membre du jury."))],
    )


class InviteMemberForm(SeatForm):
    """Create a jury account, invite it by e-mail and seat it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "nouveau")
        super().__init__(*args, **kwargs)

    name = StringField(_l("Nom et prénom"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class CandidatesForm(BaseForm):
    apprenticeship_ids = MultiCheckboxField(_l("Apprentis à présenter"), coerce=int)


class ActionForm(BaseForm):
    """A button that changes something: CSRF only."""


class CloseForm(VersionedForm):
    confirm = BooleanField(
        _l(
            "Je confirme : la session sera close, ses décisions deviendront définitives et le "
            "procès-verbal aussi."
        ),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer."))],
    )


NO_DECISION = ""


def block_field(block_id: int) -> str:
    return f"bloc_{block_id}"


def comment_field(block_id: int) -> str:
    return f"commentaire_{block_id}"


class DecisionBase(VersionedForm):
    decision = RadioField(
        _l("Décision du jury sur la certification"),
        choices=[
            SelectChoice(NO_DECISION, _l("Pas encore de décision")),
            *(SelectChoice(o.value, OUTCOME_LABELS[o]) for o in Outcome),
        ],
        default=NO_DECISION,
        validators=[Optional()],
    )
    comment = TextAreaField(
        _l("Commentaire du jury sur la décision"),
        validators=[Optional(), Length(max=service.COMMENT_MAX)],
        render_kw={"rows": 3},
    )

    blocks: Sequence[Block] = ()

    def block_choices(self) -> dict[int, service.BlockChoice]:
        return {
            block.id: service.BlockChoice(
                self[block_field(block.id)].data or NO_DECISION,
                self[comment_field(block.id)].data or "",
            )
            for block in self.blocks
        }


def decision_form_class(blocks: Sequence[Block], short: dict[int, str]) -> type[DecisionBase]:
    """A form with one radio group and one comment per block of the candidate's track."""
    attributes: dict[str, Any] = {"blocks": list(blocks)}
    for block in blocks:
        attributes[block_field(block.id)] = RadioField(
            _l("Décision du jury — %(code)s", code=short[block.id]),
            choices=[
                SelectChoice(NO_DECISION, _l("Pas encore de décision")),
                *(SelectChoice(o.value, BLOCK_OUTCOME_LABELS[o]) for o in BlockOutcome),
            ],
            default=NO_DECISION,
            validators=[Optional()],
        )
        attributes[comment_field(block.id)] = TextAreaField(
            _l("Commentaire du jury — %(code)s", code=short[block.id]),
            validators=[Optional(), Length(max=service.COMMENT_MAX)],
            render_kw={"rows": 2},
        )
    return type("DecisionForm", (DecisionBase,), attributes)


def decision_data(candidate: Any) -> dict[str, Any]:
    """The saved decisions of a candidate, to fill the form."""
    data: dict[str, Any] = {
        "version": candidate.version,
        "decision": candidate.decision or NO_DECISION,
        "comment": candidate.comment,
    }
    for row in candidate.block_decisions:
        data[block_field(row.block_id)] = row.decision
        data[comment_field(row.block_id)] = row.comment
    return data
