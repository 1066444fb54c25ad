"""Referentials: read files into proposals, save versions, export, bundled seeds, drafts.

Every source goes through the same path: a file is parsed into
:class:`~tracker.referentials.records.CertificationRecord` proposals, the proposal is
checked, then saved as a new *version* of its certification unless the latest version is
identical. Saved versions are never modified. Services flush; callers commit once.
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import IO, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.errors import DomainError, ImportFileError, NotFound
from tracker.i18n import _
from tracker.referentials import case, moodle, rncp
from tracker.referentials.models import (
    Block,
    Certification,
    Competence,
    ImportDraft,
    Requirement,
    Track,
)
from tracker.referentials.records import (
    CECRL_LEVELS,
    DEFAULT_TRACK_NAME,
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
    RequirementRecord,
    TrackRecord,
    ensure_track,
    mint_competence_codes,
    record_from_dict,
    record_to_dict,
)

Format = Literal["rncp", "case", "moodle"]
FORMATS: tuple[Format, ...] = ("rncp", "case", "moodle")
EXPORT_FORMATS = ("case", "moodle")
DRAFT_LIFETIME = timedelta(days=2)
MAX_REVIEW_FICHES = 10


# --- Reading files ------------------------------------------------------------------------


@dataclass
class Proposal:
    """A certification read from a file, with what the person importing must review."""

    record: CertificationRecord
    # per block code: text the splitter set aside (headings, preambles) ...
    ignored: dict[str, list[str]] = field(default_factory=dict)
    # ... and positions (0-based) of items that look like assessment methods
    suspected_assessment: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "record": record_to_dict(self.record),
            "ignored": self.ignored,
            "suspected_assessment": self.suspected_assessment,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Proposal:
        return cls(
            record=record_from_dict(data["record"]),  # type: ignore[arg-type]
            ignored=dict(data.get("ignored") or {}),  # type: ignore[call-overload]
            suspected_assessment=dict(data.get("suspected_assessment") or {}),  # type: ignore[call-overload]
        )


def detect_format(head: bytes) -> Format:
    """Guess the format from the first bytes: zip or XML is RNCP, JSON is CASE, else CSV."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"PK") or stripped.startswith(b"<"):
        return "rncp"
    if stripped.startswith(b"{"):
        return "case"
    return "moodle"


@dataclass(frozen=True)
class ReadResult:
    format: Format  # as given, or detected from the content
    proposals: list[Proposal]


def read_file(
    session: Session,
    source: IO[bytes],
    *,
    fmt: Format | Literal["auto"] = "auto",
    numbers: list[str] | None = None,
    max_bytes: int = rncp.DEFAULT_MAX_BYTES,
) -> ReadResult:
    """Parse ``source`` into proposals; raises ImportFileError on any bad input.

    RNCP XML and Moodle CSV carry no tracks nor conditions of award: a fiche that already
    has a version keeps those of its latest version (see :func:`inherit_from_latest`).
    """
    head = source.read(64)
    source.seek(0)
    if not head.strip():
        raise ImportFileError(_("Le fichier est vide."))
    if fmt == "auto":
        fmt = detect_format(head)
    if fmt == "rncp":
        proposals = [
            Proposal(
                record=fiche.record,
                ignored={
                    code: split.ignored for code, split in fiche.splits.items() if split.ignored
                },
                suspected_assessment={
                    code: split.suspected_assessment
                    for code, split in fiche.splits.items()
                    if split.suspected_assessment
                },
            )
            for fiche in rncp.read_fiches(source, numbers or None, max_bytes=max_bytes)
        ]
    else:
        data = source.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ImportFileError(_("Le fichier est trop volumineux."))
        record = case.from_case(data) if fmt == "case" else moodle.from_moodle_csv(data)
        if numbers and record.code not in {n.strip().upper() for n in numbers}:
            raise ImportFileError(
                _("Le fichier contient la fiche %(code)s, pas celle demandée.", code=record.code)
            )
        proposals = [Proposal(record=record)]
    for proposal in proposals:
        inherit_from_latest(session, proposal.record, fmt)
        ensure_track(proposal.record)
    return ReadResult(fmt, proposals)


def inherit_from_latest(session: Session, record: CertificationRecord, fmt: Format) -> None:
    """Complete a new version with what its format cannot carry, from the latest version.

    RNCP XML and Moodle CSV carry no conditions of award nor tracks: conditions are kept
    when the file brings none, and a track is kept when every block it names still exists
    (the single default track of a Moodle file is replaced by them). Moodle CSV carries no
    certification metadata either (level, certifiers, status, dates, jury). Competence
    lists kept as imported (``raw_competences``) stay when a format drops them. The person
    importing sees the result before saving. CASE packages carry everything: kept as is.
    """
    latest = latest_version(session, record.code)
    if latest is None or fmt == "case":
        return
    previous = to_record(latest)
    if fmt == "moodle":
        record.level = record.level or previous.level
        record.certifiers = record.certifiers or previous.certifiers
        record.active = previous.active
        record.registration_end = record.registration_end or previous.registration_end
        record.status = record.status or previous.status
        record.jury_composition = record.jury_composition or previous.jury_composition
    if not record.requirements:
        record.requirements = previous.requirements
    codes = {block.code for block in record.blocks}
    kept = [track for track in previous.tracks if set(track.block_codes) <= codes]
    if kept and (not record.tracks or [t.name for t in record.tracks] == [DEFAULT_TRACK_NAME]):
        record.tracks = kept


# --- Checking and saving ------------------------------------------------------------------


def check_record(record: CertificationRecord) -> None:
    """Refuse a referential that cannot be rated: every rule says what to fix."""
    if not record.title.strip():
        raise DomainError(_("La fiche %(code)s n'a pas d'intitulé.", code=record.code))
    if not record.blocks:
        raise DomainError(_("La fiche %(code)s n'a aucun bloc de compétences.", code=record.code))
    block_codes = [block.code for block in record.blocks]
    duplicates = sorted({code for code in block_codes if block_codes.count(code) > 1})
    if duplicates:
        raise DomainError(_("Code de bloc en double : %(codes)s.", codes=", ".join(duplicates)))
    for block in record.blocks:
        if not block.competences:
            raise DomainError(
                _("Le bloc %(code)s n'a aucune compétence à évaluer.", code=block.code)
            )
        for competence in block.competences:
            if not competence.statement.strip():
                raise DomainError(_("Le bloc %(code)s a une compétence vide.", code=block.code))
        codes = [c.code for c in block.competences if c.code]
        if len(codes) != len(set(codes)):
            raise DomainError(_("Code de compétence en double dans %(code)s.", code=block.code))
    names = [track.name for track in record.tracks]
    if len(names) != len(set(names)):
        raise DomainError(_("Deux parcours portent le même nom."))
    for track in record.tracks:
        if not track.block_codes:
            raise DomainError(_("Le parcours « %(name)s » n'a aucun bloc.", name=track.name))
        unknown = [code for code in track.block_codes if code not in block_codes]
        if unknown:
            raise DomainError(
                _(
                    "Le parcours « %(name)s » cite des blocs inconnus : %(codes)s.",
                    name=track.name,
                    codes=", ".join(unknown),
                )
            )
    for requirement in record.requirements:
        check_requirement(requirement)


def check_requirement(requirement: RequirementRecord) -> None:
    params = requirement.params
    if requirement.kind == RequirementKind.ENGLISH and params.get("min_level") not in CECRL_LEVELS:
        raise DomainError(
            _(
                "Le niveau d'anglais exigé doit être l'un de %(levels)s.",
                levels=", ".join(CECRL_LEVELS),
            )
        )
    if requirement.kind == RequirementKind.MOBILITY:
        low, high = params.get("min_weeks"), params.get("max_weeks", params.get("min_weeks"))
        if not isinstance(low, int) or not isinstance(high, int) or not 0 < low <= high <= 104:
            raise DomainError(
                _("La durée de mobilité doit être un nombre de semaines entre 1 et 104.")
            )


@dataclass(frozen=True)
class SaveOutcome:
    certification: Certification
    created: bool  # False: the latest version already had exactly this content


def latest_version(session: Session, code: str) -> Certification | None:
    return session.scalar(
        select(Certification)
        .where(Certification.code == code)
        .order_by(Certification.version.desc())
        .limit(1)
    )


def save_certification(
    session: Session,
    record: CertificationRecord,
    *,
    source: Format,
    source_name: str = "",
    user_id: int | None = None,
) -> SaveOutcome:
    """Save ``record`` as the next version of its certification, or keep the latest one
    when its content is identical (importing the same file twice creates nothing)."""
    for block in record.blocks:
        mint_competence_codes(block)
    ensure_track(record)
    check_record(record)
    latest = latest_version(session, record.code)
    if latest is not None:
        previous = to_record(latest)
        _keep_raw_text(record, previous)
        if previous == record:
            return SaveOutcome(latest, created=False)
    certification = Certification(
        code=record.code,
        version=(latest.version + 1) if latest else 1,
        title=record.title,
        level=record.level,
        certifiers=list(record.certifiers),
        active=record.active,
        registration_end=record.registration_end,
        status=record.status,
        jury_composition=record.jury_composition,
        source=source,
        source_name=source_name[:255],
        imported_by_id=user_id,
    )
    blocks_by_code: dict[str, Block] = {}
    for position, block_record in enumerate(record.blocks, start=1):
        block = Block(
            code=block_record.code,
            title=block_record.title,
            position=position,
            assessment_methods=block_record.assessment_methods,
            raw_competences=block_record.raw_competences,
            competences=[
                Competence(
                    code=competence.code,
                    statement=competence.statement,
                    position=index,
                    sub_skills=list(competence.sub_skills),
                )
                for index, competence in enumerate(block_record.competences, start=1)
            ],
        )
        blocks_by_code[block.code] = block
        certification.blocks.append(block)
    certification.tracks = [
        Track(
            name=track.name,
            description=track.description,
            position=position,
            blocks=[blocks_by_code[code] for code in track.block_codes],
        )
        for position, track in enumerate(record.tracks, start=1)
    ]
    certification.requirements = [
        Requirement(
            kind=str(requirement.kind),
            label=requirement.label,
            params=dict(requirement.params),
            rule=requirement.rule,
            position=position,
        )
        for position, requirement in enumerate(record.requirements, start=1)
    ]
    session.add(certification)
    session.flush()
    return SaveOutcome(certification, created=True)


def _keep_raw_text(record: CertificationRecord, previous: CertificationRecord) -> None:
    """CASE and Moodle files do not carry the RNCP source text of a block: a block whose
    competences are unchanged keeps the text they were split from."""
    previous_blocks = {block.code: block for block in previous.blocks}
    for block in record.blocks:
        before = previous_blocks.get(block.code)
        if not block.raw_competences and before and before.competences == block.competences:
            block.raw_competences = before.raw_competences


def to_record(certification: Certification) -> CertificationRecord:
    """The plain-data form of a saved version (exports, comparisons)."""
    return CertificationRecord(
        code=certification.code,
        title=certification.title,
        level=certification.level,
        certifiers=list(certification.certifiers),
        active=certification.active,
        registration_end=certification.registration_end,
        blocks=[
            BlockRecord(
                code=block.code,
                title=block.title,
                competences=[
                    CompetenceRecord(
                        statement=competence.statement,
                        sub_skills=list(competence.sub_skills),
                        code=competence.code,
                    )
                    for competence in block.competences
                ],
                assessment_methods=block.assessment_methods,
                raw_competences=block.raw_competences,
            )
            for block in certification.blocks
        ],
        tracks=[
            TrackRecord(track.name, [block.code for block in track.blocks], track.description)
            for track in certification.tracks
        ],
        requirements=[
            RequirementRecord(
                RequirementKind(requirement.kind),
                requirement.label,
                dict(requirement.params),
                requirement.rule,
            )
            for requirement in certification.requirements
        ],
        jury_composition=certification.jury_composition,
        status=certification.status,
    )


# --- Reading saved versions -----------------------------------------------------------------


def _with_tree():  # type: ignore[no-untyped-def]
    return (
        selectinload(Certification.blocks).selectinload(Block.competences),
        selectinload(Certification.tracks).selectinload(Track.blocks),
        selectinload(Certification.requirements),
    )


@dataclass(frozen=True)
class CertificationSummary:
    latest: Certification
    versions: int


def list_certifications(session: Session) -> list[CertificationSummary]:
    """The latest version of every certification, by code, with its version count."""
    counts = (
        select(Certification.code, func.max(Certification.version).label("latest"))
        .group_by(Certification.code)
        .subquery()
    )
    rows = session.execute(
        select(Certification, counts.c.latest)
        .join(
            counts,
            (Certification.code == counts.c.code) & (Certification.version == counts.c.latest),
        )
        .options(selectinload(Certification.blocks).selectinload(Block.competences))
        .order_by(Certification.code)
    ).all()
    return [CertificationSummary(cert, versions) for cert, versions in rows]


def get_certification(session: Session, code: str, version: int | None = None) -> Certification:
    """A version with its whole tree loaded (the latest when ``version`` is None)."""
    query = select(Certification).where(Certification.code == code).options(*_with_tree())
    if version is None:
        query = query.order_by(Certification.version.desc()).limit(1)
    else:
        query = query.where(Certification.version == version)
    certification = session.scalar(query)
    if certification is None:
        raise NotFound(_("Aucune certification %(code)s dans ce référentiel.", code=code))
    return certification


def versions_of(session: Session, code: str) -> list[Certification]:
    return list(
        session.scalars(
            select(Certification)
            .where(Certification.code == code)
            .order_by(Certification.version.desc())
        )
    )


def all_certifications(session: Session) -> list[Certification]:
    """Every version with its tree (``referentials list --json``)."""
    return list(
        session.scalars(
            select(Certification)
            .options(*_with_tree())
            .order_by(Certification.code, Certification.version)
        )
    )


# --- Export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: str


def export(certification: Certification, fmt: str, *, base_uri: str) -> ExportFile:
    record = to_record(certification)
    stem = f"{certification.code}-v{certification.version}"
    if fmt == "case":
        package = case.to_case(
            record,
            version=certification.version,
            base_uri=base_uri,
            last_change=certification.imported_at,
        )
        return ExportFile(f"{stem}-case.json", "application/json", case.dumps_case(package))
    if fmt == "moodle":
        return ExportFile(f"{stem}-moodle.csv", "text/csv", moodle.to_moodle_csv(record))
    raise DomainError(_("Format d'export inconnu : %(fmt)s.", fmt=fmt))


# --- Bundled seeds --------------------------------------------------------------------------

BUNDLED = resources.files("tracker.referentials") / "bundled"


def bundled_records() -> list[CertificationRecord]:
    """The five seed certifications: RNCP XML extracts completed by profiles.toml."""
    profiles = tomllib.loads((BUNDLED / "profiles.toml").read_text(encoding="utf-8"))
    records = []
    for entry in sorted(BUNDLED.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".xml"):
            continue
        with entry.open("rb") as stream:
            for fiche in rncp.read_fiches(stream):
                apply_profile(fiche.record, profiles.get(fiche.record.code, {}))
                records.append(fiche.record)
    return records


def apply_profile(record: CertificationRecord, profile: dict[str, object]) -> None:
    """Add the tracks and conditions of award that the RNCP XML does not carry."""
    record.tracks = [
        TrackRecord(t["name"], list(t["blocks"]), t.get("description", ""))
        for t in profile.get("tracks", [])  # type: ignore[union-attr]
    ]
    record.requirements = [
        RequirementRecord(
            RequirementKind(r["kind"]), r["label"], dict(r.get("params", {})), r.get("rule", "")
        )
        for r in profile.get("requirements", [])  # type: ignore[union-attr]
    ]


def load_bundled(session: Session, *, user_id: int | None = None) -> list[SaveOutcome]:
    return [
        save_certification(
            session,
            record,
            source="rncp",
            source_name=f"bundled/{record.code}.xml",
            user_id=user_id,
        )
        for record in bundled_records()
    ]


# --- Import drafts (review in the browser before saving) ------------------------------------


def create_draft(
    session: Session, *, user_id: int, proposals: list[Proposal], source: Format, source_name: str
) -> ImportDraft:
    if len(proposals) > MAX_REVIEW_FICHES:
        raise ImportFileError(
            _(
                "Le fichier contient %(count)s fiches : indiquez les numéros des fiches à "
                "importer (%(max)s au plus à la fois), par exemple %(examples)s.",
                count=len(proposals),
                max=MAX_REVIEW_FICHES,
                examples=", ".join(p.record.code for p in proposals[:3]),
            )
        )
    purge_stale_drafts(session)
    draft = ImportDraft(
        token=secrets.token_urlsafe(24),
        user_id=user_id,
        source=source,
        source_name=source_name[:255],
        payload={"proposals": [proposal.to_dict() for proposal in proposals]},
    )
    session.add(draft)
    session.flush()
    return draft


def get_draft(session: Session, token: str, user_id: int) -> ImportDraft:
    """The user's own draft; anyone else's token answers 404 like an unknown one."""
    draft = session.scalar(
        select(ImportDraft).where(ImportDraft.token == token, ImportDraft.user_id == user_id)
    )
    if draft is None or draft.created_at < datetime.now(UTC) - DRAFT_LIFETIME:
        raise NotFound(_("Cet import n'existe pas ou a expiré : déposez le fichier à nouveau."))
    return draft


def draft_proposals(draft: ImportDraft) -> list[Proposal]:
    return [Proposal.from_dict(p) for p in draft.payload["proposals"]]  # type: ignore[union-attr]


def update_draft(draft: ImportDraft, proposals: list[Proposal]) -> None:
    draft.payload = {"proposals": [proposal.to_dict() for proposal in proposals]}


def confirm_draft(session: Session, draft: ImportDraft) -> list[SaveOutcome]:
    """Save every proposal of the draft (all or nothing), then forget the draft."""
    outcomes = [
        save_certification(
            session,
            proposal.record,
            source=draft.source,  # type: ignore[arg-type]
            source_name=draft.source_name,
            user_id=draft.user_id,
        )
        for proposal in draft_proposals(draft)
    ]
    session.delete(draft)
    session.flush()
    return outcomes


def purge_stale_drafts(session: Session) -> None:
    for draft in session.scalars(
        select(ImportDraft).where(ImportDraft.created_at < datetime.now(UTC) - DRAFT_LIFETIME)
    ):
        session.delete(draft)
