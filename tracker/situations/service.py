"""Recording work situations, their files and the tutors' comments.

A situation links competences of the cohort's track only, happens within the contract,
and ends on or after the day it starts. Every edit carries the version the form was loaded
with: a stale edit is refused with ``StaleSituation``, never applied over a newer one.
Files are accepted from their content only (PDF, PNG, JPEG), written under generated
names, and removed from disk once their deletion is committed. Every change is written to
the audit log (object type ``work_situation``) with ids and values, never names.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.audit.service import record
from tracker.auth.models import User
from tracker.db import utcnow
from tracker.errors import DomainError, NotFound
from tracker.evaluations.service import track_competences
from tracker.i18n import _
from tracker.people.models import Apprenticeship
from tracker.permissions import has_full_view, may_view_situation_ending
from tracker.referentials.models import Block, Competence
from tracker.situations import storage
from tracker.situations.models import (
    SituationComment,
    SituationFile,
    WorkSituation,
    situation_competences,
)

OBJECT_TYPE = "work_situation"
TITLE_MAX = 200
TEXT_MAX = 10_000
COMMENT_MAX = 5_000
FILENAME_MAX = 120
MAX_FILES = 20


class StaleSituation(DomainError):
    """Someone saved the situation after this form was loaded: nothing is applied."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Cette situation a été modifiée pendant que vous la modifiiez : vos "
                "changements n'ont pas été enregistrés. Relisez la version enregistrée "
                "ci-dessous, puis enregistrez de nouveau si vous le souhaitez."
            )
        )


@dataclass(frozen=True)
class SituationInput:
    """What the form says of a situation."""

    title: str
    starts_on: date
    ends_on: date
    company_context: str = ""
    what_was_done: str = ""
    competence_ids: frozenset[int] = field(default_factory=frozenset)


# --- Reading --------------------------------------------------------------------------------


def _with_details(query: Any) -> Any:
    return query.options(
        selectinload(WorkSituation.competences),
        selectinload(WorkSituation.files),
        selectinload(WorkSituation.comments).selectinload(SituationComment.author),
    )


def list_situations(
    session: Session, apprenticeship: Apprenticeship, *, competence_id: int | None = None
) -> list[WorkSituation]:
    """The situations of a contract, latest first, with their competences, files and
    comments (a fixed number of queries, whatever their number)."""
    query = select(WorkSituation).where(WorkSituation.apprenticeship_id == apprenticeship.id)
    if competence_id is not None:
        query = query.where(
            WorkSituation.id.in_(
                select(situation_competences.c.situation_id).where(
                    situation_competences.c.competence_id == competence_id
                )
            )
        )
    query = query.order_by(WorkSituation.ends_on.desc(), WorkSituation.id.desc())
    return list(session.scalars(_with_details(query)))


def get_situation(
    session: Session, apprenticeship: Apprenticeship, situation_id: int
) -> WorkSituation:
    """The situation ``situation_id`` of this contract (another contract's is not found)."""
    situation = session.scalar(
        _with_details(
            select(WorkSituation).where(
                WorkSituation.id == situation_id,
                WorkSituation.apprenticeship_id == apprenticeship.id,
            )
        )
    )
    if situation is None:
        raise NotFound(_("Situation professionnelle introuvable."))
    return situation


def get_file(situation: WorkSituation, file_id: int) -> SituationFile:
    found = next((f for f in situation.files if f.id == file_id), None)
    if found is None:
        raise NotFound(_("Fichier introuvable."))
    return found


def linked_by_block(
    situation: WorkSituation, blocks: Sequence[Block]
) -> list[tuple[Block, list[Competence]]]:
    """The situation's competences grouped by block, in the fiche's order."""
    linked = {competence.id for competence in situation.competences}
    groups = []
    for block in blocks:
        competences = [c for c in block.competences if c.id in linked]
        if competences:
            groups.append((block, competences))
    return groups


def counts_by_competence(
    session: Session, apprenticeship_id: int, visible_to: User | None = None
) -> dict[int, int]:
    """How many situations of the contract are linked to each competence (absent: none).

    With ``visible_to``, only the situations that person may read are counted (a former
    tutor: those of their periods). One query, whatever the number of competences.
    """
    apprenticeship = session.get(Apprenticeship, apprenticeship_id)
    if apprenticeship is None:
        return {}
    link = situation_competences.c
    if visible_to is None or has_full_view(visible_to, apprenticeship):
        rows = session.execute(
            select(link.competence_id, func.count())
            .join(WorkSituation, WorkSituation.id == link.situation_id)
            .where(WorkSituation.apprenticeship_id == apprenticeship_id)
            .group_by(link.competence_id)
        )
        return dict(rows.tuples().all())
    counts: dict[int, int] = {}
    for competence_id, ends_on in session.execute(
        select(link.competence_id, WorkSituation.ends_on)
        .join(WorkSituation, WorkSituation.id == link.situation_id)
        .where(WorkSituation.apprenticeship_id == apprenticeship_id)
    ):
        if may_view_situation_ending(visible_to, apprenticeship, ends_on):
            counts[competence_id] = counts.get(competence_id, 0) + 1
    return counts


# --- Situations -----------------------------------------------------------------------------


def _state(situation: WorkSituation) -> dict[str, Any]:
    return {
        "title": situation.title,
        "starts_on": situation.starts_on.isoformat(),
        "ends_on": situation.ends_on.isoformat(),
        "company_context": situation.company_context,
        "what_was_done": situation.what_was_done,
        "competence_ids": sorted(c.id for c in situation.competences),
    }


def _checked(
    apprenticeship: Apprenticeship, data: SituationInput
) -> tuple[SituationInput, list[Competence]]:
    """The input cleaned and checked against the contract and the track; raises
    ``DomainError`` with the first problem found."""
    title = data.title.strip()
    if not title:
        raise DomainError(_("Donnez un titre à la situation."))
    if len(title) > TITLE_MAX:
        raise DomainError(_("Le titre dépasse %(n)s caractères.", n=TITLE_MAX))
    context, done = data.company_context.strip(), data.what_was_done.strip()
    if len(context) > TEXT_MAX or len(done) > TEXT_MAX:
        raise DomainError(_("Un texte dépasse %(n)s caractères.", n=TEXT_MAX))
    if data.ends_on < data.starts_on:
        raise DomainError(_("La fin de la situation doit être le jour de son début ou après."))
    if data.starts_on < apprenticeship.starts_on or data.ends_on > apprenticeship.ends_on:
        raise DomainError(
            _(
                "La situation doit se dérouler pendant le contrat (du %(start)s au %(end)s).",
                start=apprenticeship.starts_on.strftime("%d/%m/%Y"),
                end=apprenticeship.ends_on.strftime("%d/%m/%Y"),
            )
        )
    allowed = {c.id: c for c in track_competences(apprenticeship.cohort)}
    if not data.competence_ids:
        raise DomainError(_("Reliez la situation à au moins une compétence."))
    if any(competence_id not in allowed for competence_id in data.competence_ids):
        raise DomainError(_("Cette compétence n'est pas évaluée dans ce parcours."))
    cleaned = SituationInput(
        title=title,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        company_context=context,
        what_was_done=done,
        competence_ids=frozenset(data.competence_ids),
    )
    return cleaned, sorted((allowed[i] for i in cleaned.competence_ids), key=lambda c: c.id)


def create_situation(
    session: Session, apprenticeship: Apprenticeship, data: SituationInput, *, actor: User
) -> WorkSituation:
    cleaned, competences = _checked(apprenticeship, data)
    situation = WorkSituation(
        apprenticeship=apprenticeship,
        title=cleaned.title,
        starts_on=cleaned.starts_on,
        ends_on=cleaned.ends_on,
        company_context=cleaned.company_context,
        what_was_done=cleaned.what_was_done,
        competences=competences,
    )
    session.add(situation)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="situation.created",
        object_type=OBJECT_TYPE,
        object_id=situation.id,
        after={"apprenticeship_id": apprenticeship.id, **_state(situation)},
    )
    return situation


def update_situation(
    session: Session, situation: WorkSituation, data: SituationInput, *, version: int, actor: User
) -> None:
    """Apply an edit made on ``version``; refused, changing nothing, when the situation
    changed since (``StaleSituation``) or the input breaks a rule (``DomainError``)."""
    if version != situation.version:
        raise StaleSituation()
    cleaned, competences = _checked(situation.apprenticeship, data)
    before = _state(situation)
    situation.title = cleaned.title
    situation.starts_on = cleaned.starts_on
    situation.ends_on = cleaned.ends_on
    situation.company_context = cleaned.company_context
    situation.what_was_done = cleaned.what_was_done
    situation.competences = competences
    after = _state(situation)
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return
    # Touch the row even when only the links changed: the version then moves on every
    # edit, and a concurrent edit of the same version finds no row to update.
    situation.updated_at = utcnow()
    session.flush()
    apprenticeship_id = situation.apprenticeship_id
    record(
        session,
        actor_id=actor.id,
        action="situation.updated",
        object_type=OBJECT_TYPE,
        object_id=situation.id,
        before={"apprenticeship_id": apprenticeship_id, **{k: before[k] for k in changed}},
        after={"apprenticeship_id": apprenticeship_id, **{k: after[k] for k in changed}},
    )


def delete_situation(
    session: Session, situation: WorkSituation, *, actor: User, store: storage.FileStore
) -> None:
    """Delete a situation with its files and comments; its files leave the disk once the
    deletion is committed."""
    before = {
        "apprenticeship_id": situation.apprenticeship_id,
        **_state(situation),
        "file_ids": [f.id for f in situation.files],
        "comment_ids": [c.id for c in situation.comments],
    }
    stored = [f.stored_name for f in situation.files]
    situation_id = situation.id
    session.delete(situation)
    session.flush()
    for name in stored:
        storage.delete_after_commit(session, store, name)
    record(
        session,
        actor_id=actor.id,
        action="situation.deleted",
        object_type=OBJECT_TYPE,
        object_id=situation_id,
        before=before,
    )


# --- Files ----------------------------------------------------------------------------------


def display_filename(name: str, media_type: str) -> str:
    """A file name safe to show and to offer on download: no folders, no control or
    invisible characters, a bounded length, and the extension of what the file really is."""
    name = unicodedata.normalize("NFC", name or "")
    # Browsers may send a full path (old Internet Explorer): keep its last part only.
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") else ch
        for ch in name
        if unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split())
    extension = storage.ACCEPTED[media_type][1]
    stem = name
    lowered = name.lower()
    for known in (".pdf", ".png", ".jpg", ".jpeg"):
        if lowered.endswith(known):
            stem = name[: -len(known)]
            break
    stem = stem.strip(" .")[:FILENAME_MAX] or _("fichier")
    return f"{stem}{extension}"


def add_file(
    session: Session,
    situation: WorkSituation,
    *,
    filename: str,
    stream: IO[bytes],
    max_bytes: int,
    actor: User,
    store: storage.FileStore,
) -> SituationFile:
    """Attach a file, accepted from its content only: a PDF, a PNG or a JPEG image of at
    most ``max_bytes``. Refused, storing nothing: any other content (whatever its name),
    an empty or oversized file, the same file twice, one file too many."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(
            _(
                "Ce fichier dépasse la taille autorisée (%(mb)s Mo par fichier).",
                mb=max_bytes // (1024 * 1024),
            )
        )
    if not data:
        raise DomainError(_("Ce fichier est vide."))
    media_type = storage.sniff_media_type(data)
    if media_type is None:
        raise DomainError(
            _(
                "Ce fichier n'est ni un PDF, ni une image PNG ou JPEG (son contenu a été "
                "vérifié, quel que soit son nom) : il n'a pas été ajouté."
            )
        )
    if len(situation.files) >= MAX_FILES:
        raise DomainError(
            _("Une situation a au plus %(n)s fichiers : retirez-en un d'abord.", n=MAX_FILES)
        )
    digest = hashlib.sha256(data).hexdigest()
    if any(existing.sha256 == digest for existing in situation.files):
        raise DomainError(_("Ce fichier est déjà joint à cette situation."))
    stored_name = store.save(data)
    storage.discard_unless_committed(session, store, stored_name)
    attached = SituationFile(
        original_name=display_filename(filename, media_type),
        stored_name=stored_name,
        media_type=media_type,
        size=len(data),
        sha256=digest,
        uploaded_by_id=actor.id,
    )
    situation.files.append(attached)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="situation.file_added",
        object_type=OBJECT_TYPE,
        object_id=situation.id,
        after={"apprenticeship_id": situation.apprenticeship_id, **_file_state(attached)},
    )
    return attached


def _file_state(attached: SituationFile) -> dict[str, Any]:
    # The name is left out: a file name may well contain a person's name.
    return {
        "file_id": attached.id,
        "media_type": attached.media_type,
        "size": attached.size,
        "sha256": attached.sha256,
    }


def remove_file(
    session: Session,
    situation: WorkSituation,
    attached: SituationFile,
    *,
    actor: User,
    store: storage.FileStore,
) -> None:
    before = {"apprenticeship_id": situation.apprenticeship_id, **_file_state(attached)}
    situation.files.remove(attached)
    session.flush()
    storage.delete_after_commit(session, store, attached.stored_name)
    record(
        session,
        actor_id=actor.id,
        action="situation.file_removed",
        object_type=OBJECT_TYPE,
        object_id=situation.id,
        before=before,
    )


# --- Comments -------------------------------------------------------------------------------


def add_comment(
    session: Session, situation: WorkSituation, body: str, *, actor: User
) -> SituationComment:
    """A tutor's comment; comments are never edited afterwards."""
    body = body.strip()
    if not body:
        raise DomainError(_("Écrivez votre commentaire avant de l'envoyer."))
    if len(body) > COMMENT_MAX:
        raise DomainError(_("Le commentaire dépasse %(n)s caractères.", n=COMMENT_MAX))
    comment = SituationComment(author_id=actor.id, body=body)
    situation.comments.append(comment)
    session.flush()
    record(
        session,
        actor_id=actor.id,
        action="situation.commented",
        object_type=OBJECT_TYPE,
        object_id=situation.id,
        after={
            "apprenticeship_id": situation.apprenticeship_id,
            "comment_id": comment.id,
            "body": body,
        },
    )
    return comment
