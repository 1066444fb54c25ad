"""Plain-data records of a referential, independent of the database.

Every source of a referential (RNCP open-data XML, CASE 1.0 JSON, Moodle CSV, the bundled
seeds) is parsed into a :class:`CertificationRecord`; every export is written from one.
The service layer turns records into ORM rows and back, so parsers and writers stay pure
functions that are easy to test and never touch Flask or a session.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum


class RequirementKind(StrEnum):
    """Conditions of award besides the blocks ("conditions de délivrance")."""

    ENGLISH = "english"  # params: {"min_level": "B2"} (CECRL A1..C2, certified test)
    MOBILITY = "mobility"  # params: {"min_weeks": 12} or {"min_weeks": 9, "max_weeks": 12}
    REPORT = "report"  # end-of-studies report ("mémoire" / "rapport de fin d'études")
    DEFENCE = "defence"  # oral defence ("soutenance")
    FINAL_PROJECT = "final_project"  # "projet de fin d'études"
    COMPANY_OPINION = "company_opinion"  # "avis de l'entreprise" (CQPM)


CECRL_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


@dataclass
class CompetenceRecord:
    """One rated competence. ``code`` is minted (``<block code>.C01``) when missing."""

    statement: str
    sub_skills: list[str] = field(default_factory=list)
    code: str | None = None


@dataclass
class BlockRecord:
    code: str  # e.g. RNCP39303BC01
    title: str
    competences: list[CompetenceRecord] = field(default_factory=list)
    assessment_methods: str = ""  # MODALITES_EVALUATION, plain text
    raw_competences: str = ""  # LISTE_COMPETENCES exactly as imported


@dataclass
class TrackRecord:
    """A "parcours": the subset of blocks a cohort is rated on."""

    name: str
    block_codes: list[str]
    description: str = ""


@dataclass
class RequirementRecord:
    kind: RequirementKind
    label: str  # French text shown to users, e.g. "Anglais B2 (CECRL) certifié"
    params: dict[str, object] = field(default_factory=dict)
    rule: str = ""  # the fiche's own wording this condition comes from


@dataclass
class CertificationRecord:
    code: str  # NUMERO_FICHE, e.g. RNCP39303
    title: str
    level: str | None = None  # NIV3..NIV8
    certifiers: list[str] = field(default_factory=list)
    active: bool = True
    registration_end: date | None = None
    blocks: list[BlockRecord] = field(default_factory=list)
    tracks: list[TrackRecord] = field(default_factory=list)
    requirements: list[RequirementRecord] = field(default_factory=list)
    jury_composition: str = ""  # SI_JURY_CA/COMPOSITION (apprenticeship route), plain text
    status: str = ""  # ETAT_FICHE, e.g. "Publiée"


def mint_competence_codes(block: BlockRecord) -> None:
    """Give every competence of ``block`` without a code the next ``<block>.Cnn`` code."""
    for position, competence in enumerate(block.competences, start=1):
        if not competence.code:
            competence.code = f"{block.code}.C{position:02d}"


DEFAULT_TRACK_NAME = "Parcours unique"


def ensure_track(record: CertificationRecord) -> None:
    """A certification without tracks gets one track holding all its blocks."""
    if not record.tracks:
        record.tracks = [TrackRecord(DEFAULT_TRACK_NAME, [block.code for block in record.blocks])]


def record_to_dict(record: CertificationRecord) -> dict[str, object]:
    """JSON-ready form of a record (for import drafts kept between two requests)."""
    data = asdict(record)
    data["registration_end"] = (
        record.registration_end.isoformat() if record.registration_end else None
    )
    return data


def record_from_dict(data: dict[str, object]) -> CertificationRecord:
    values = dict(data)
    end = values.get("registration_end")
    values["registration_end"] = date.fromisoformat(str(end)) if end else None
    values["blocks"] = [
        BlockRecord(
            **{
                **block,
                "competences": [CompetenceRecord(**c) for c in block["competences"]],
            }
        )
        for block in values.get("blocks", [])  # type: ignore[union-attr]
    ]
    values["tracks"] = [TrackRecord(**t) for t in values.get("tracks", [])]  # type: ignore[union-attr]
    values["requirements"] = [
        RequirementRecord(**{**r, "kind": RequirementKind(r["kind"])})
        for r in values.get("requirements", [])  # type: ignore[union-attr]
    ]
    return CertificationRecord(**values)  # type: ignore[arg-type]
