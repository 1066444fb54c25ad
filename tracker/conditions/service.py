"""Recording the evidence of the conditions of award, validating or refusing it, and the
checklist of what is still missing.

Who enters what (``tracker.permissions``): the apprentice their English certificates and
mobility periods (the programme manager may too), the academic tutor or the programme
manager the final assessment (report and defence), the company tutor or the programme
manager the company's opinion. A record saved by someone who may validate it (the current
academic tutor, the programme manager) is validated by that save, when it can be; any
other save leaves it ``submitted``, so an edit of a validated record sends it back for
validation. A validator validates a record, or refuses it with a reason.

Every edit and decision carries the version the page was loaded with: a stale one is
refused with ``StaleCondition``, never applied. Proofs are accepted from their content
only (PDF, PNG, JPEG; ``tracker.situations.storage``), written under generated names and
removed from disk once their replacement or deletion is committed. Every change is written
to the audit log (object types ``english_certificate``, ``mobility_period``,
``final_assessment``, ``company_opinion``) with ids and values, never names.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.conditions.models import (
    MODELS,
    CompanyOpinion,
    ConditionProof,
    DefenceResult,
    EnglishCertificate,
    EvidenceKind,
    FinalAssessment,
    MobilityPeriod,
    Opinion,
    ReviewMixin,
    ReviewStatus,
)
from tracker.conditions.wording import day, missing_text, note_text, rule_text, summary
from tracker.db import in_ids, utcnow
from tracker.errors import DomainError, NotFound
from tracker.i18n import _
from tracker.people.models import Apprenticeship, Cohort
from tracker.permissions import may_validate_conditions
from tracker.progress import conditions as rules
from tracker.referentials.models import Requirement
from tracker.referentials.records import CECRL_LEVELS
from tracker.situations import storage
from tracker.situations.service import display_filename

OBJECT_TYPES = {
    EvidenceKind.ENGLISH: "english_certificate",
    EvidenceKind.MOBILITY: "mobility_period",
    EvidenceKind.FINAL_ASSESSMENT: "final_assessment",
    EvidenceKind.COMPANY_OPINION: "company_opinion",
}
# The evidence kind that answers each requirement kind.
ANSWERED_BY = {
    "english": EvidenceKind.ENGLISH,
    "mobility": EvidenceKind.MOBILITY,
    "report": EvidenceKind.FINAL_ASSESSMENT,
    "defence": EvidenceKind.FINAL_ASSESSMENT,
    "final_project": EvidenceKind.FINAL_ASSESSMENT,
    "company_opinion": EvidenceKind.COMPANY_OPINION,
}
WITH_PROOF = (EvidenceKind.ENGLISH, EvidenceKind.MOBILITY)

TEST_NAME_MAX = 80
SCORE_MAX = 40
COUNTRY_MAX = 100
HOST_MAX = 200
COMMENT_MAX = 5_000
REASON_MAX = 2_000
EARLIEST = date(1990, 1, 1)


class StaleCondition(DomainError):
    """Someone changed the record after this page was loaded: nothing is applied."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Cette pièce a été modifiée pendant que vous la consultiez : votre action "
                "n'a pas été enregistrée. Relisez la version enregistrée, puis "
                "recommencez si vous le souhaitez."
            )
        )


class ProofRefused(DomainError):
    """The proof given is refused (its type, its size): nothing is stored."""


# --- Inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnglishInput:
    test_name: str
    score: str
    level: str
    taken_on: date


@dataclass(frozen=True)
class MobilityInput:
    country: str
    host: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class FinalAssessmentInput:
    report_submitted_on: date | None
    defence_on: date | None
    result: str = DefenceResult.PENDING.value
    comment: str = ""


@dataclass(frozen=True)
class OpinionInput:
    opinion: str
    given_on: date
    comment: str = ""


EvidenceInput = EnglishInput | MobilityInput | FinalAssessmentInput | OpinionInput
INPUT_KINDS: dict[type, EvidenceKind] = {
    EnglishInput: EvidenceKind.ENGLISH,
    MobilityInput: EvidenceKind.MOBILITY,
    FinalAssessmentInput: EvidenceKind.FINAL_ASSESSMENT,
    OpinionInput: EvidenceKind.COMPANY_OPINION,
}


@dataclass(frozen=True)
class ProofUpload:
    """A proof as uploaded: read up to ``max_bytes`` (one more byte means too large)."""

    filename: str
    stream: IO[bytes]
    max_bytes: int


def proof_store() -> storage.FileStore:
    """The store of the running app's proofs: ``<UPLOAD_DIR>/conditions``."""
    return storage.FileStore(storage.upload_root() / "conditions")


# --- Reading --------------------------------------------------------------------------------


@dataclass
class ConditionRecords:
    """Everything recorded for one contract, oldest first, with proofs and reviewers."""

    english: list[EnglishCertificate] = field(default_factory=list)
    mobility: list[MobilityPeriod] = field(default_factory=list)
    final: FinalAssessment | None = None
    opinions: list[CompanyOpinion] = field(default_factory=list)

    def of(self, kind: EvidenceKind) -> list[Any]:
        if kind == EvidenceKind.ENGLISH:
            return list(self.english)
        if kind == EvidenceKind.MOBILITY:
            return list(self.mobility)
        if kind == EvidenceKind.FINAL_ASSESSMENT:
            return [self.final] if self.final is not None else []
        return list(self.opinions)


def requirements_of(session: Session, cohort: Cohort) -> list[Requirement]:
    """The conditions of award of the cohort's certification, in the fiche's order."""
    return list(
        session.scalars(
            select(Requirement)
            .where(Requirement.certification_id == cohort.certification_id)
            .order_by(Requirement.position)
        )
    )


def required_kinds(requirements: Iterable[Requirement]) -> list[EvidenceKind]:
    """The kinds of evidence the requirements ask for, in the fiche's order."""
    kinds: list[EvidenceKind] = []
    for requirement in requirements:
        kind = ANSWERED_BY.get(requirement.kind)
        if kind is not None and kind not in kinds:
            kinds.append(kind)
    return kinds


def _ordering(model: type[ReviewMixin]) -> tuple[Any, ...]:
    if model is EnglishCertificate:
        return (EnglishCertificate.taken_on, EnglishCertificate.id)
    if model is MobilityPeriod:
        return (MobilityPeriod.starts_on, MobilityPeriod.id)
    if model is CompanyOpinion:
        return (CompanyOpinion.given_on, CompanyOpinion.id)
    return (FinalAssessment.id,)


def _with_details(model: type[ReviewMixin]) -> list[Any]:
    options: list[Any] = [selectinload(model.reviewed_by)]  # type: ignore[arg-type]
    if model in (EnglishCertificate, MobilityPeriod):
        options.append(selectinload(model.proof))  # type: ignore[attr-defined]
    if model is CompanyOpinion:
        options.append(selectinload(CompanyOpinion.author))
    return options


def load_records(session: Session, apprenticeship: Apprenticeship) -> ConditionRecords:
    """The contract's records of every kind (a fixed number of queries)."""
    found: dict[EvidenceKind, list[Any]] = {}
    for kind, model in MODELS.items():
        found[kind] = list(
            session.scalars(
                select(model)
                .where(model.apprenticeship_id == apprenticeship.id)
                .options(*_with_details(model))
                .order_by(*_ordering(model))
            )
        )
    finals = found[EvidenceKind.FINAL_ASSESSMENT]
    return ConditionRecords(
        english=found[EvidenceKind.ENGLISH],
        mobility=found[EvidenceKind.MOBILITY],
        final=finals[0] if finals else None,
        opinions=found[EvidenceKind.COMPANY_OPINION],
    )


def get_record(
    session: Session, apprenticeship: Apprenticeship, kind: EvidenceKind, record_id: int
) -> Any:
    """The record ``record_id`` of this kind and contract (another contract's is not found)."""
    model = MODELS[kind]
    found = session.scalar(
        select(model)
        .where(model.id == record_id, model.apprenticeship_id == apprenticeship.id)
        .options(*_with_details(model))
    )
    if found is None:
        raise NotFound(_("Pièce introuvable."))
    return found


def final_assessment_of(session: Session, apprenticeship: Apprenticeship) -> FinalAssessment | None:
    return session.scalar(
        select(FinalAssessment).where(FinalAssessment.apprenticeship_id == apprenticeship.id)
    )


# --- Checklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One condition of award for one contract.

    ``missing`` says in French what is still missing ("" when met); ``evidence`` lists the
    records that speak to it, each with its state; ``state`` is "met", "awaiting" (what
    would meet it waits for validation) or "missing"; ``rule`` says how it is decided and
    ``note`` adds what is worth knowing about a met condition."""

    requirement_id: int
    kind: str
    label: str
    met: bool
    missing: str
    evidence: list[str]
    state: str = "missing"
    rule: str = ""
    note: str = ""


def checklist(session: Session, apprenticeship: Apprenticeship, today: date) -> list[ChecklistItem]:
    """The conditions of award of one contract, met or not, in the fiche's order."""
    return checklists(session, apprenticeship.cohort, [apprenticeship.id], today)[apprenticeship.id]


def checklists(
    session: Session, cohort: Cohort, apprenticeship_ids: Iterable[int], today: date
) -> dict[int, list[ChecklistItem]]:
    """The checklist of every contract of ``apprenticeship_ids`` (of ``cohort``), in at
    most five queries whatever their number: the requirements, then one per kind of
    evidence the requirements ask for."""
    ids = list(dict.fromkeys(apprenticeship_ids))
    return _checklists(session, dict.fromkeys(ids, cohort.certification_id), today)


def checklists_of(
    session: Session, apprenticeships: Iterable[Apprenticeship], today: date
) -> dict[int, list[ChecklistItem]]:
    """The checklists of contracts of any cohorts (a tutor's apprentices), still in at
    most five queries: the requirements of all their certifications at once, then one
    per kind of evidence."""
    return _checklists(session, {a.id: a.cohort.certification_id for a in apprenticeships}, today)


def requirements_met_of(
    session: Session, apprenticeships: Iterable[Apprenticeship], today: date
) -> dict[int, dict[str, bool]]:
    """Whether each condition of award is met (label → met), per contract of any cohorts,
    in the same queries as ``checklists_of`` but without the wording: what dashboards and
    alerts need for hundreds of contracts."""
    found = _evidence_of(
        session, {a.id: a.cohort.certification_id for a in apprenticeships}, plain=True
    )
    return {
        apprenticeship_id: {
            requirement.label: rules.assess(
                requirement.kind, requirement.params or {}, evidence, today
            ).met
            for requirement in requirements
        }
        for apprenticeship_id, (requirements, evidence, _rows) in found.items()
    }


def _evidence_of(
    session: Session, certification_of: dict[int, int], *, plain: bool = False
) -> dict[int, tuple[list[Requirement], rules.Evidence, dict[EvidenceKind, list[Any]]]]:
    """Per contract (``certification_of`` maps them to their certification): the
    requirements of its certification, its evidence as plain values, and the rows:
    ORM objects, or with ``plain`` bare table rows (same attribute names, a fraction of
    the cost for the hundreds of contracts of a dashboard)."""
    if not certification_of:
        return {}
    requirements: dict[int, list[Requirement]] = defaultdict(list)
    for requirement in session.scalars(
        select(Requirement)
        .where(Requirement.certification_id.in_(set(certification_of.values())))
        .order_by(Requirement.certification_id, Requirement.position)
    ):
        requirements[requirement.certification_id].append(requirement)
    kinds = required_kinds(r for group in requirements.values() for r in group)
    ids = list(certification_of)
    rows: dict[EvidenceKind, dict[int, list[Any]]] = {}
    for kind in kinds:
        model = MODELS[kind]
        grouped: dict[int, list[Any]] = defaultdict(list)
        result = session.execute(
            select(model.__table__ if plain else model)
            .where(in_ids(model.apprenticeship_id, ids))
            .order_by(*_ordering(model))
        )
        for row in result if plain else result.scalars():
            grouped[row.apprenticeship_id].append(row)
        rows[kind] = grouped
    result = {}
    for apprenticeship_id, certification_id in certification_of.items():
        found = {kind: rows[kind].get(apprenticeship_id, []) for kind in kinds}
        result[apprenticeship_id] = (
            requirements.get(certification_id, []),
            _evidence(found),
            found,
        )
    return result


def _checklists(
    session: Session, certification_of: dict[int, int], today: date
) -> dict[int, list[ChecklistItem]]:
    """Checklists of the contracts ``certification_of`` maps to their certification."""
    return {
        apprenticeship_id: [
            _item(requirement, evidence, found.get(ANSWERED_BY.get(requirement.kind), []), today)  # type: ignore[arg-type]
            for requirement in requirements
        ]
        for apprenticeship_id, (requirements, evidence, found) in _evidence_of(
            session, certification_of
        ).items()
    }


def _status(row: ReviewMixin) -> rules.Status:
    return rules.Status(row.status)


def _evidence(found: dict[EvidenceKind, list[Any]]) -> rules.Evidence:
    finals = found.get(EvidenceKind.FINAL_ASSESSMENT, [])
    final = finals[0] if finals else None
    return rules.Evidence(
        english=tuple(
            rules.EnglishEvidence(c.level, _status(c), c.proof_id is not None)
            for c in found.get(EvidenceKind.ENGLISH, [])
        ),
        mobility=tuple(
            rules.MobilityEvidence(p.starts_on, p.ends_on, _status(p), p.proof_id is not None)
            for p in found.get(EvidenceKind.MOBILITY, [])
        ),
        final=rules.FinalEvidence(
            _status(final),
            final.report_submitted_on,
            final.defence_on,
            rules.Result(final.result),
        )
        if final is not None
        else None,
        opinions=tuple(
            rules.OpinionEvidence(o.favourable, o.given_on, _status(o))
            for o in found.get(EvidenceKind.COMPANY_OPINION, [])
        ),
    )


def _item(
    requirement: Requirement, evidence: rules.Evidence, rows: list[Any], today: date
) -> ChecklistItem:
    params = requirement.params or {}
    outcome = rules.assess(requirement.kind, params, evidence, today)
    if outcome.met:
        state = "met"
    elif outcome.missing == rules.Missing.AWAITING_VALIDATION:
        state = "awaiting"
    else:
        state = "missing"
    return ChecklistItem(
        requirement_id=requirement.id,
        kind=requirement.kind,
        label=requirement.label,
        met=outcome.met,
        missing="" if outcome.met else missing_text(requirement.kind, outcome),
        evidence=[line for row in rows if (line := summary(requirement.kind, row))],
        state=state,
        rule=rule_text(requirement.kind, params),
        note=note_text(outcome),
    )


# --- Checks ---------------------------------------------------------------------------------


def _clean(text: str, limit: int, empty: str | None, too_long: str) -> str:
    text = " ".join((text or "").split()) if empty is not None else (text or "").strip()
    if empty is not None and not text:
        raise DomainError(empty)
    if len(text) > limit:
        raise DomainError(too_long)
    return text


def _not_future(day_: date, today: date, message: str) -> None:
    if day_ > today:
        raise DomainError(message)
    if day_ < EARLIEST:
        raise DomainError(_("Cette date n'est pas plausible : vérifiez l'année."))


def _checked(
    session: Session,
    apprenticeship: Apprenticeship,
    data: EvidenceInput,
    today: date,
    current: ReviewMixin | None,
) -> dict[str, Any]:
    """The input's values cleaned and checked; raises ``DomainError`` with the first
    problem found."""
    if isinstance(data, EnglishInput):
        values: dict[str, Any] = {
            "test_name": _clean(
                data.test_name,
                TEST_NAME_MAX,
                _("Indiquez le test passé (TOEIC, TOEFL, IELTS...)."),
                _("Le nom du test dépasse %(n)s caractères.", n=TEST_NAME_MAX),
            ),
            "score": _clean(
                data.score,
                SCORE_MAX,
                _("Indiquez le score obtenu, tel qu'il figure sur l'attestation."),
                _("Le score dépasse %(n)s caractères.", n=SCORE_MAX),
            ),
        }
        if data.level not in CECRL_LEVELS:
            raise DomainError(
                _("Le niveau doit être l'un de %(levels)s.", levels=", ".join(CECRL_LEVELS))
            )
        _not_future(data.taken_on, today, _("La date du test ne peut pas être dans le futur."))
        return {**values, "level": data.level, "taken_on": data.taken_on}
    if isinstance(data, MobilityInput):
        values = {
            "country": _clean(
                data.country,
                COUNTRY_MAX,
                _("Indiquez le pays de la mobilité."),
                _("Le pays dépasse %(n)s caractères.", n=COUNTRY_MAX),
            ),
            "host": _clean(
                data.host,
                HOST_MAX,
                _("Indiquez l'organisme d'accueil (entreprise, université, laboratoire)."),
                _("L'organisme d'accueil dépasse %(n)s caractères.", n=HOST_MAX),
            ),
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
        }
        if data.ends_on < data.starts_on:
            raise DomainError(_("La fin de la période doit être le jour de son début ou après."))
        if data.starts_on < apprenticeship.starts_on or data.ends_on > apprenticeship.ends_on:
            raise DomainError(
                _(
                    "La mobilité doit se dérouler pendant le contrat (du %(start)s au %(end)s).",
                    start=day(apprenticeship.starts_on),
                    end=day(apprenticeship.ends_on),
                )
            )
        for other in session.scalars(
            select(MobilityPeriod).where(
                MobilityPeriod.apprenticeship_id == apprenticeship.id,
                MobilityPeriod.starts_on <= data.ends_on,
                MobilityPeriod.ends_on >= data.starts_on,
            )
        ):
            if current is None or other.id != current.id:
                raise DomainError(
                    _(
                        "Cette période chevauche celle du %(start)s au %(end)s : modifiez "
                        "plutôt celle-ci.",
                        start=day(other.starts_on),
                        end=day(other.ends_on),
                    )
                )
        return values
    if isinstance(data, FinalAssessmentInput):
        if data.result not in {r.value for r in DefenceResult}:
            raise DomainError(_("Choisissez le résultat de la soutenance."))
        if data.report_submitted_on is None and data.defence_on is None:
            raise DomainError(_("Indiquez la date de remise du rapport ou celle de la soutenance."))
        if data.report_submitted_on is not None:
            _not_future(
                data.report_submitted_on,
                today,
                _("La date de remise du rapport ne peut pas être dans le futur."),
            )
        if data.result != DefenceResult.PENDING:
            if data.defence_on is None:
                raise DomainError(_("Un résultat ne se saisit qu'avec la date de la soutenance."))
            if data.defence_on > today:
                raise DomainError(
                    _("La soutenance n'a pas encore eu lieu : son résultat reste « en attente ».")
                )
        if data.defence_on is not None and data.defence_on < EARLIEST:
            raise DomainError(_("Cette date n'est pas plausible : vérifiez l'année."))
        comment = _clean(
            data.comment,
            COMMENT_MAX,
            None,
            _("Le commentaire dépasse %(n)s caractères.", n=COMMENT_MAX),
        )
        return {
            "report_submitted_on": data.report_submitted_on,
            "defence_on": data.defence_on,
            "result": data.result,
            "comment": comment,
        }
    if data.opinion not in {o.value for o in Opinion}:
        raise DomainError(_("Choisissez l'avis de l'entreprise : favorable ou défavorable."))
    _not_future(data.given_on, today, _("La date de l'avis ne peut pas être dans le futur."))
    if data.given_on < apprenticeship.starts_on:
        raise DomainError(
            _(
                "L'avis porte sur le travail fait pendant le contrat : il est donné après son "
                "début (le %(start)s).",
                start=day(apprenticeship.starts_on),
            )
        )
    comment = _clean(
        data.comment,
        COMMENT_MAX,
        None,
        _("Le commentaire dépasse %(n)s caractères.", n=COMMENT_MAX),
    )
    return {"opinion": data.opinion, "given_on": data.given_on, "comment": comment}


def validation_problem(row: ReviewMixin, today: date) -> str | None:
    """Why this record cannot be validated (yet), or None."""
    if row.kind in WITH_PROOF and getattr(row, "proof", None) is None:
        return _("Il faut le justificatif pour valider cette pièce : il n'est pas encore joint.")
    if isinstance(row, MobilityPeriod) and row.ends_on > today:
        return _(
            "Cette période de mobilité n'est pas terminée (fin le %(end)s) : elle se valide "
            "une fois achevée.",
            end=day(row.ends_on),
        )
    return None


# --- Audit ------------------------------------------------------------------------------------


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


STATE_FIELDS = {
    EvidenceKind.ENGLISH: ("test_name", "score", "level", "taken_on"),
    EvidenceKind.MOBILITY: ("country", "host", "starts_on", "ends_on"),
    EvidenceKind.FINAL_ASSESSMENT: ("report_submitted_on", "defence_on", "result", "comment"),
    EvidenceKind.COMPANY_OPINION: ("opinion", "given_on", "comment"),
}


def _state(row: ReviewMixin) -> dict[str, Any]:
    state = {name: _value(getattr(row, name)) for name in STATE_FIELDS[row.kind]}
    if row.kind in WITH_PROOF:
        proof = row.proof  # type: ignore[attr-defined]
        # The file's name is left out: it may well hold a person's name.
        state["proof_sha256"] = proof.sha256 if proof is not None else None
    state["status"] = row.status
    if row.refusal_reason:
        state["reason"] = row.refusal_reason
    return state


def _audit(
    session: Session,
    row: ReviewMixin,
    action: str,
    *,
    actor: User,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    record_id: int | None = None,
) -> None:
    ids = {"apprenticeship_id": row.apprenticeship_id}
    record(
        session,
        actor_id=actor.id,
        action=f"{OBJECT_TYPES[row.kind]}.{action}",
        object_type=OBJECT_TYPES[row.kind],
        object_id=record_id if record_id is not None else row.id,
        before={**ids, **before} if before is not None else None,
        after={**ids, **after} if after is not None else None,
    )


# --- Writing ----------------------------------------------------------------------------------


def _read_proof(proof: ProofUpload) -> tuple[bytes, str]:
    data = proof.stream.read(proof.max_bytes + 1)
    if len(data) > proof.max_bytes:
        raise ProofRefused(
            _(
                "Ce fichier dépasse la taille autorisée (%(mb)s Mo par fichier).",
                mb=proof.max_bytes // (1024 * 1024),
            )
        )
    if not data:
        raise ProofRefused(_("Ce fichier est vide."))
    media_type = storage.sniff_media_type(data)
    if media_type is None:
        raise ProofRefused(
            _(
                "Ce fichier n'est ni un PDF, ni une image PNG ou JPEG (son contenu a été "
                "vérifié, quel que soit son nom) : il n'a pas été ajouté."
            )
        )
    return data, media_type


def _attach(
    session: Session,
    row: Any,
    proof: ProofUpload,
    content: tuple[bytes, str],
    *,
    actor: User,
    store: storage.FileStore,
) -> bool:
    """Attach (or replace) the proof of ``row``; False when it is the same file."""
    data, media_type = content
    digest = hashlib.sha256(data).hexdigest()
    if row.proof is not None and row.proof.sha256 == digest:
        return False
    stored_name = store.save(data)
    storage.discard_unless_committed(session, store, stored_name)
    if row.proof is not None:
        storage.delete_after_commit(session, store, row.proof.stored_name)
    row.proof = ConditionProof(
        original_name=display_filename(proof.filename, media_type),
        stored_name=stored_name,
        media_type=media_type,
        size=len(data),
        sha256=digest,
        uploaded_by_id=actor.id,
    )
    return True


def _review_on_save(row: ReviewMixin, *, actor: User, today: date) -> None:
    """A save by a validator validates the record when it can be; any other save leaves it
    waiting for validation."""
    if (
        may_validate_conditions(actor, row.apprenticeship)
        and validation_problem(row, today) is None
    ):
        row.status = ReviewStatus.VALIDATED.value
        row.reviewed_by_id = actor.id
        row.reviewed_at = utcnow()
    else:
        row.status = ReviewStatus.SUBMITTED.value
        row.reviewed_by_id = None
        row.reviewed_at = None
    row.refusal_reason = ""


def _prepare_proof(kind: EvidenceKind, proof: ProofUpload | None) -> tuple[bytes, str] | None:
    if proof is None:
        return None
    if kind not in WITH_PROOF:
        raise ProofRefused(_("Cette pièce ne prend pas de justificatif."))
    return _read_proof(proof)


def create_record(
    session: Session,
    apprenticeship: Apprenticeship,
    data: EvidenceInput,
    *,
    actor: User,
    today: date,
    proof: ProofUpload | None = None,
    store: storage.FileStore | None = None,
) -> Any:
    """Record a new piece of evidence (with its proof, for a certificate or a mobility
    period); refused, storing nothing, when the input breaks a rule."""
    kind = INPUT_KINDS[type(data)]
    if kind == EvidenceKind.FINAL_ASSESSMENT and final_assessment_of(session, apprenticeship):
        raise DomainError(
            _("Le rapport et la soutenance de ce contrat sont déjà saisis : modifiez-les.")
        )
    values = _checked(session, apprenticeship, data, today, None)
    content = _prepare_proof(kind, proof)
    model = MODELS[kind]
    row: Any = model(apprenticeship=apprenticeship, **values)
    if isinstance(row, CompanyOpinion):
        period = apprenticeship.current_period
        row.author_id = period.company_tutor_id
        row.company_name = period.company_name
    if content is not None and proof is not None:
        _attach(session, row, proof, content, actor=actor, store=store or proof_store())
    _review_on_save(row, actor=actor, today=today)
    session.add(row)
    session.flush()
    _audit(session, row, "created", actor=actor, after=_state(row))
    return row


def update_record(
    session: Session,
    row: Any,
    data: EvidenceInput,
    *,
    version: int,
    actor: User,
    today: date,
    proof: ProofUpload | None = None,
    store: storage.FileStore | None = None,
) -> bool:
    """Apply an edit made on ``version`` (and replace the proof when one is given).
    Refused, changing nothing, when the record changed since (``StaleCondition``) or the
    input breaks a rule (``DomainError``). Returns whether anything changed."""
    if version != row.version:
        raise StaleCondition()
    if INPUT_KINDS[type(data)] != row.kind:
        raise DomainError(_("Cette saisie ne correspond pas à cette pièce."))
    values = _checked(session, row.apprenticeship, data, today, row)
    content = _prepare_proof(row.kind, proof)
    before = _state(row)
    for name, value in values.items():
        setattr(row, name, value)
    replaced = False
    if content is not None and proof is not None:
        replaced = _attach(session, row, proof, content, actor=actor, store=store or proof_store())
    changed_fields = [name for name in values if _value(values[name]) != before[name]]
    if not changed_fields and not replaced:
        return False
    _review_on_save(row, actor=actor, today=today)
    row.updated_at = utcnow()
    session.flush()
    after = _state(row)
    keys = [key for key in after.keys() | before.keys() if after.get(key) != before.get(key)]
    _audit(
        session,
        row,
        "updated",
        actor=actor,
        before={key: before.get(key) for key in sorted(keys)},
        after={key: after.get(key) for key in sorted(keys)},
    )
    return True


def delete_record(
    session: Session, row: Any, *, version: int, actor: User, store: storage.FileStore | None = None
) -> None:
    """Delete a record with its proof; the file leaves the disk once the deletion is
    committed."""
    if version != row.version:
        raise StaleCondition()
    before = _state(row)
    stored = row.proof.stored_name if getattr(row, "proof", None) is not None else None
    record_id = row.id
    _audit(session, row, "deleted", actor=actor, before=before, record_id=record_id)
    session.delete(row)
    session.flush()
    if stored is not None:
        storage.delete_after_commit(session, store or proof_store(), stored)


def validate_record(session: Session, row: Any, *, version: int, actor: User, today: date) -> None:
    """The validator accepts the record as seen on ``version``."""
    if version != row.version:
        raise StaleCondition()
    if row.status == ReviewStatus.VALIDATED:
        raise DomainError(_("Cette pièce est déjà validée."))
    problem = validation_problem(row, today)
    if problem is not None:
        raise DomainError(problem)
    before = _state(row)
    row.status = ReviewStatus.VALIDATED.value
    row.reviewed_by_id = actor.id
    row.reviewed_at = utcnow()
    row.refusal_reason = ""
    session.flush()
    after = _state(row)
    _audit(
        session,
        row,
        "validated",
        actor=actor,
        before={k: before.get(k) for k in ("status", "reason") if k in before},
        after={"status": after["status"]},
    )


def refuse_record(session: Session, row: Any, reason: str, *, version: int, actor: User) -> None:
    """The validator refuses the record as seen on ``version``, saying why."""
    if version != row.version:
        raise StaleCondition()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Expliquez le refus : l'apprenti·e doit savoir quoi corriger."))
    if len(reason) > REASON_MAX:
        raise DomainError(_("Le motif dépasse %(n)s caractères.", n=REASON_MAX))
    if row.status == ReviewStatus.REFUSED and row.refusal_reason == reason:
        raise DomainError(_("Cette pièce est déjà refusée pour ce motif."))
    before = _state(row)
    row.status = ReviewStatus.REFUSED.value
    row.reviewed_by_id = actor.id
    row.reviewed_at = utcnow()
    row.refusal_reason = reason
    session.flush()
    _audit(
        session,
        row,
        "refused",
        actor=actor,
        before={k: before.get(k) for k in ("status", "reason") if k in before},
        after={"status": row.status, "reason": reason},
    )
