"""The jury dossier of one apprenticeship: its data, its fingerprint and verification code,
and the cache of rendered PDFs.

``dossier_data`` reads the database into plain JSON-able data: what the PDF shows, what
is embedded in it as ``dossier.json``, and what is hashed. Its SHA-256 over the canonical
JSON (sorted keys, no spaces, UTF-8 as is) is the dossier's ``fingerprint``; the short
verification code printed on every page is derived from it. The data holds facts read
from the rows and the outcomes of the rules the dossier states (block status, readiness,
conditions), never the date it is rendered on, so the same data always gives the same
fingerprint, and any change to what the dossier says gives another one.

PDFs are rendered by the workers only (``render_dossier``) and stored under their
fingerprint; web pages only look them up (``cached_dossier``, ``dossier_status``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.conditions import service as conditions
from tracker.conditions.wording import summary
from tracker.db import utcnow
from tracker.dossiers.models import DossierRecord
from tracker.evaluations.models import (
    Grid,
    GridStatus,
    RaterRole,
    Reopening,
    Review,
    ReviewStatus,
    Signature,
)
from tracker.i18n import _
from tracker.livret.service import load_livret, short_code
from tracker.people.models import Apprenticeship
from tracker.people.service import get_apprenticeship
from tracker.progress.rules import DIVERGENCE
from tracker.situations import storage
from tracker.situations.models import SituationComment, WorkSituation
from tracker.situations.service import counts_by_competence

FORMAT = "livret-dossier/1"
TEMPLATE = "pdf/dossier.html"
ATTACHMENT_NAME = "dossier.json"
# Crockford's base32: no I, L, O, U, so a code read aloud or retyped is not misread.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits of the fingerprint
FINGERPRINT = re.compile(r"[0-9a-f]{64}")
LANGUAGE = "fr"  # the dossier is written for a French jury, whoever asks for it

TUTOR_ROLES = (RaterRole.COMPANY_TUTOR, RaterRole.ACADEMIC_TUTOR)


# --- Fingerprint and verification code -------------------------------------------------------


def canonical_json(data: Mapping[str, Any]) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(data: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the dossier's canonical JSON."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def verification_code(fingerprint_hex: str) -> str:
    """The first 50 bits of the fingerprint as ten Crockford base32 characters."""
    bits = int(fingerprint_hex[:13], 16) >> 2  # 52 bits read, 50 kept
    return "".join(CROCKFORD[(bits >> shift) & 31] for shift in range(45, -1, -5))


def format_code(code: str) -> str:
    """ABCDE-FGHJK: how the code is printed and typed."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str | None:
    """A code as typed back to its stored form: case, spaces and hyphens ignored, and the
    letters Crockford's alphabet leaves out read as the digits they look like (O → 0,
    I and L → 1). None when it cannot be a code."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(c not in CROCKFORD for c in cleaned):
        return None
    return cleaned


def verification_url(code: str) -> str:
    """Where the printed code is checked: ``PUBLIC_URL``/verify/<code>, or the path alone
    when the site's address is not configured."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/verify/{format_code(code)}"


# --- The data -----------------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def dossier_data(
    session: Session, apprenticeship: Apprenticeship, *, today: date | None = None
) -> dict[str, Any]:
    """Everything the dossier of ``apprenticeship`` says, as plain JSON-able values, in a
    fixed number of queries. Levels come from the signed (locked) semesters only; the
    conditions of award are assessed on ``today`` (the rules' outcome is part of the data,
    the date is not). Texts the rules produce are in French whatever the caller's language,
    so the fingerprint does not depend on who asks."""
    with force_locale(LANGUAGE):
        return _data(session, apprenticeship, today or date.today())


def _data(session: Session, apprenticeship: Apprenticeship, today: date) -> dict[str, Any]:
    cohort = apprenticeship.cohort
    certification = cohort.certification
    livret = load_livret(
        session, apprenticeship, situations=counts_by_competence(session, apprenticeship.id)
    )
    codes = livret.codes
    checklist = conditions.checklist(session, apprenticeship, today)
    readiness = livret.readiness({item.label: item.met for item in checklist})
    numbers = [s.number for s in livret.semesters]
    short = {block.code: short_code(block.code, cohort) for block in livret.blocks}

    blocks = []
    for block in livret.blocks:
        competences = []
        for line in block.competences:
            cells = []
            for number in numbers:
                cell = line.cells.get(number)
                cells.append(
                    None
                    if cell is None
                    else {
                        "agreed": cell.agreed,
                        "raters": {role.value: level for role, level in cell.raters.items()},
                    }
                )
            competences.append(
                {
                    "code": line.short,
                    "statement": line.statement,
                    "cells": cells,
                    "retained": (
                        {
                            "level": line.standing.level,
                            "semester": line.standing.semester,
                            "best": line.standing.best,
                            "best_semester": line.standing.best_semester,
                        }
                        if line.standing is not None
                        else None
                    ),
                    "situations": line.situations,
                }
            )
        status = block.status
        blocks.append(
            {
                "code": short[block.code],
                "full_code": block.code,
                "title": block.title,
                "state": status.state.value,
                "below": [codes[c] for c in status.below],
                "unrated": [codes[c] for c in status.unrated],
                "acquired": sum(
                    1
                    for line in block.competences
                    if line.standing is not None and line.standing.best >= cohort.threshold
                ),
                "competences": competences,
            }
        )

    return {
        "format": FORMAT,
        "apprenticeship": {
            "id": apprenticeship.id,
            "starts_on": _iso(apprenticeship.starts_on),
            "ends_on": _iso(apprenticeship.ends_on),
        },
        "apprentice": {"id": apprenticeship.apprentice_id, "name": apprenticeship.apprentice.name},
        "certification": {
            "code": certification.code,
            "version": certification.version,
            "title": certification.title,
            "level": certification.level,
            "certifiers": list(certification.certifiers or []),
            "track": cohort.track.name,
        },
        "cohort": {"id": cohort.id, "name": cohort.name, "start_year": cohort.start_year},
        "periods": [
            {
                "starts_on": _iso(period.starts_on),
                "ends_on": _iso(period.ends_on),
                "company": period.company_name,
                "siret": period.siret,
                "company_tutor": period.company_tutor.name,
                "academic_tutor": period.academic_tutor.name,
            }
            for period in apprenticeship.periods
        ],
        "scale": {
            "levels": list(cohort.scale_labels),
            "not_observed": cohort.not_observed_label,
            "threshold": cohort.threshold,
            "divergence": DIVERGENCE,
        },
        "semesters": [
            {
                "number": column.number,
                "starts_on": _iso(semester.starts_on),
                "ends_on": _iso(semester.ends_on),
                "expected": column.expected,
                "signed": column.signed,
                "locked_at": _iso(column.locked_at),
            }
            for column, semester in zip(livret.semesters, cohort.semesters, strict=True)
        ],
        "summary": {
            "progression": {
                "acquired": livret.progression.acquired,
                "total": livret.progression.total,
            },
            "latest_signed": livret.latest_signed,
            "behind": [codes[c] for c in livret.behind],
            "ready": readiness.ready,
            "blocks_missing": [short[code] for code in readiness.blocks_missing],
            "requirements_missing": list(readiness.requirements_missing),
        },
        "blocks": blocks,
        "comments": _comments(session, apprenticeship, livret.signed_numbers),
        "situations": _situations(session, apprenticeship, codes),
        "conditions": _conditions(session, apprenticeship, checklist),
        "reviews": _reviews(session, apprenticeship),
    }


def _comments(
    session: Session, apprenticeship: Apprenticeship, signed: list[int]
) -> list[dict[str, Any]]:
    """The tutors' general comments of the signed semesters' grids, and the comment of
    each signed review, by semester."""
    semesters = {s.id: s.number for s in apprenticeship.cohort.semesters if s.number in signed}
    if not semesters:
        return []
    rows = session.execute(
        select(Grid.semester_id, Grid.rater_role, User.name, Grid.general_comment)
        .join(User, User.id == Grid.rater_id)
        .where(
            Grid.apprenticeship_id == apprenticeship.id,
            Grid.semester_id.in_(semesters),
            Grid.status == GridStatus.SUBMITTED.value,
            Grid.rater_role.in_([role.value for role in TUTOR_ROLES]),
        )
    ).all()
    reviews = session.execute(
        select(Review.semester_id, Review.comment).where(
            Review.apprenticeship_id == apprenticeship.id,
            Review.semester_id.in_(semesters),
            Review.status == ReviewStatus.LOCKED.value,
        )
    ).all()
    order = {role.value: index for index, role in enumerate(TUTOR_ROLES)}
    found = [
        {
            "semester": semesters[semester_id],
            "role": role,
            "author": name,
            "text": text.strip(),
        }
        for semester_id, role, name, text in rows
        if text and text.strip()
    ] + [
        {"semester": semesters[semester_id], "role": "review", "author": None, "text": text.strip()}
        for semester_id, text in reviews
        if text and text.strip()
    ]
    found.sort(key=lambda c: (c["semester"], order.get(c["role"], len(order))))
    return found


def _situations(
    session: Session, apprenticeship: Apprenticeship, codes: Mapping[int, str]
) -> list[dict[str, Any]]:
    """The work situations, oldest first, with their competences (in the fiche's order),
    files (names and SHA-256) and tutors' comments."""
    position = {competence_id: index for index, competence_id in enumerate(codes)}
    situations = session.scalars(
        select(WorkSituation)
        .where(WorkSituation.apprenticeship_id == apprenticeship.id)
        .order_by(WorkSituation.starts_on, WorkSituation.id)
        .options(
            selectinload(WorkSituation.competences),
            selectinload(WorkSituation.files),
            selectinload(WorkSituation.comments).selectinload(SituationComment.author),
        )
    )
    return [
        {
            "title": situation.title,
            "starts_on": _iso(situation.starts_on),
            "ends_on": _iso(situation.ends_on),
            "competences": [
                codes[c.id]
                for c in sorted(situation.competences, key=lambda c: position.get(c.id, 0))
                if c.id in codes
            ],
            "context": situation.company_context,
            "done": situation.what_was_done,
            "files": [{"name": f.original_name, "sha256": f.sha256} for f in situation.files],
            "comments": [
                {"author": c.author.name, "at": _iso(c.created_at), "text": c.body}
                for c in situation.comments
            ],
        }
        for situation in situations
    ]


def _conditions(
    session: Session, apprenticeship: Apprenticeship, checklist: list[conditions.ChecklistItem]
) -> list[dict[str, Any]]:
    """The checklist of the conditions of award, each with the records that speak to it:
    what they say, who validated (or refused) them and when, and their proof's name and
    SHA-256."""
    records = conditions.load_records(session, apprenticeship)
    items = []
    for item in checklist:
        kind = conditions.ANSWERED_BY.get(item.kind)
        evidence = []
        for row in records.of(kind) if kind is not None else []:
            line = summary(item.kind, row)
            if not line:
                continue
            proof = getattr(row, "proof", None)
            evidence.append(
                {
                    "text": line,
                    "status": row.status,
                    "reviewed_by": row.reviewed_by.name if row.reviewed_by is not None else None,
                    "reviewed_at": _iso(row.reviewed_at),
                    "refusal_reason": row.refusal_reason or "",
                    "proof": (
                        {"name": proof.original_name, "sha256": proof.sha256}
                        if proof is not None
                        else None
                    ),
                }
            )
        items.append(
            {
                "label": item.label,
                "kind": item.kind,
                "state": item.state,
                "met": item.met,
                "missing": item.missing,
                "rule": item.rule,
                "note": item.note,
                "evidence": evidence,
            }
        )
    return items


def _reviews(session: Session, apprenticeship: Apprenticeship) -> list[dict[str, Any]]:
    """The signature record of each semester review ever signed: its current state and
    revision, the hash of the signed content, every signature (of every revision) and
    every reopening with its reason."""
    reviews = session.scalars(
        select(Review)
        .where(Review.apprenticeship_id == apprenticeship.id)
        .options(
            selectinload(Review.signatures).selectinload(Signature.signer),
            selectinload(Review.reopenings).selectinload(Reopening.reopened_by),
            selectinload(Review.semester),
        )
    )
    found = []
    for review in reviews:
        if not review.signatures and not review.reopenings:
            continue
        found.append(
            {
                "semester": review.semester.number,
                "status": review.status,
                "revision": review.revision,
                "locked_at": _iso(review.locked_at),
                "content_sha256": review.content_sha256,
                "signatures": [
                    {
                        "revision": s.revision,
                        "role": s.role,
                        "name": s.signer.name,
                        "signed_at": _iso(s.signed_at),
                        "sha256": s.content_sha256,
                        "comment": s.comment,
                    }
                    for s in review.signatures
                ],
                "reopenings": [
                    {
                        "revision": r.revision,
                        "reason": r.reason,
                        "by": r.reopened_by.name,
                        "at": _iso(r.reopened_at),
                        "sha256": r.content_sha256,
                    }
                    for r in review.reopenings
                ],
            }
        )
    found.sort(key=lambda r: r["semester"])
    return found


# --- Cache of rendered PDFs ---------------------------------------------------------------------


class DossierStore:
    """A folder of rendered PDFs (dossiers, procès-verbaux), each file named by the
    fingerprint of its data."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, fingerprint_hex: str) -> Path:
        if not FINGERPRINT.fullmatch(fingerprint_hex):
            raise ValueError("not a fingerprint")
        return self.root / f"{fingerprint_hex}.pdf"

    def exists(self, fingerprint_hex: str) -> bool:
        return self.path(fingerprint_hex).is_file()

    def delete(self, fingerprint_hex: str) -> None:
        self.path(fingerprint_hex).unlink(missing_ok=True)

    def write(self, fingerprint_hex: str, data: bytes) -> Path:
        """Write atomically (a temporary file, then a rename): a reader never sees half a
        PDF, and two workers rendering the same dossier leave one whole file."""
        target = self.path(fingerprint_hex)
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=".render-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return target


def dossier_store() -> DossierStore:
    """The running app's store: ``<UPLOAD_DIR>/dossiers``."""
    return DossierStore(storage.upload_root() / "dossiers")


@dataclass(frozen=True)
class RenderedDossier:
    fingerprint: str
    code: str  # as printed: ABCDE-FGHJK
    path: Path
    filename: str  # the name offered on download


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "dossier"


def download_name(row: DossierRecord) -> str:
    """dossier-jury-RNCP39303-lea-bernard-ABCDE-FGHJK.pdf"""
    return (
        f"dossier-jury-{_slug(row.certification_code).upper()}-{_slug(row.apprentice_name)}-"
        f"{format_code(row.code)}.pdf"
    )


def _rendered(row: DossierRecord, store: DossierStore) -> RenderedDossier:
    return RenderedDossier(
        row.fingerprint, format_code(row.code), store.path(row.fingerprint), download_name(row)
    )


def _record_of(session: Session, fingerprint_hex: str) -> DossierRecord | None:
    return session.scalar(select(DossierRecord).where(DossierRecord.fingerprint == fingerprint_hex))


@dataclass(frozen=True)
class DossierStatus:
    """What the dossier page shows: the dossier of the current data when it is rendered
    (``current``), else the latest one rendered for this contract (``previous``: its data
    has changed since)."""

    fingerprint: str
    current: DossierRecord | None
    previous: DossierRecord | None

    @property
    def ready(self) -> bool:
        return self.current is not None


def dossier_status(session: Session, apprenticeship: Apprenticeship) -> DossierStatus:
    """A cache lookup for the current data of ``apprenticeship`` (never a render)."""
    found = fingerprint(dossier_data(session, apprenticeship))
    current = _record_of(session, found)
    if current is not None and not dossier_store().exists(found):
        current = None
    previous = None
    if current is None:
        previous = session.scalar(
            select(DossierRecord)
            .where(DossierRecord.apprenticeship_id == apprenticeship.id)
            .order_by(DossierRecord.rendered_at.desc(), DossierRecord.id.desc())
            .limit(1)
        )
    return DossierStatus(found, current, previous)


def cached_dossier(session: Session, apprenticeship: Apprenticeship) -> RenderedDossier | None:
    """The rendered PDF of the current data of ``apprenticeship``, if there is one."""
    status = dossier_status(session, apprenticeship)
    return _rendered(status.current, dossier_store()) if status.current is not None else None


def render_dossier(session: Session, apprenticeship_id: int) -> RenderedDossier:
    """Render the dossier of the current data (or reuse the cached PDF), store it under its
    fingerprint and record its verification code; flushes. Meant for the workers: a
    typical dossier takes about a second."""
    from tracker.dossiers.context import dossier_context, dossier_metadata
    from tracker.dossiers.render import Attachment, render_document

    apprenticeship = get_apprenticeship(session, apprenticeship_id)
    data = dossier_data(session, apprenticeship)
    found = fingerprint(data)
    code = verification_code(found)
    store = dossier_store()
    row = _record_of(session, found)
    if row is not None and store.exists(found):
        return _rendered(row, store)

    rendered_at = utcnow()
    with force_locale(LANGUAGE):
        pdf = render_document(
            TEMPLATE,
            dossier_context(
                data,
                fingerprint=found,
                code=format_code(code),
                url=verification_url(code),
                rendered_at=rendered_at,
            ),
            metadata=dossier_metadata(data, rendered_at),
            attachments=[
                Attachment(
                    ATTACHMENT_NAME,
                    canonical_json(data).encode("utf-8"),
                    "application/json",
                    _(
                        "Données du dossier (JSON canonique) ; leur SHA-256 est "
                        "l'empreinte %(sha)s.",
                        sha=found,
                    ),
                )
            ],
        )
    store.write(found, pdf.data)
    facts = {
        "page_count": pdf.pages,
        "size": len(pdf.data),
        "rendered_at": rendered_at,
        "stored_name": store.path(found).name,
    }
    if row is None:
        row = DossierRecord(
            code=code,
            fingerprint=found,
            apprenticeship_id=apprenticeship.id,
            apprentice_name=data["apprentice"]["name"],
            certification_code=data["certification"]["code"],
            certification_title=data["certification"]["title"],
            **facts,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another worker recorded the same dossier meanwhile: its row stands.
            existing = _record_of(session, found)
            if existing is None:
                raise
            return _rendered(existing, store)
    else:
        # The file had gone from the cache: the row now describes the new file.
        for name, value in facts.items():
            setattr(row, name, value)
    session.flush()
    record(
        session,
        actor_id=None,
        action="dossier.rendered",
        object_type="dossier",
        object_id=row.id,
        after={
            "apprenticeship_id": apprenticeship.id,
            "fingerprint": found,
            "code": code,
            "pages": pdf.pages,
        },
    )
    session.flush()
    return _rendered(row, store)


def record_by_code(session: Session, text: str) -> DossierRecord | None:
    """The dossier a typed verification code names, if any."""
    code = normalise_code(text)
    if code is None:
        return None
    return session.scalar(select(DossierRecord).where(DossierRecord.code == code))


@dataclass(frozen=True)
class Verification:
    row: DossierRecord
    matches: bool  # the data in the database still gives the dossier's fingerprint


def verify(session: Session, row: DossierRecord) -> Verification:
    """Whether the dossier ``row`` still says what the database says."""
    current = fingerprint(dossier_data(session, row.apprenticeship))
    return Verification(row, current == row.fingerprint)
