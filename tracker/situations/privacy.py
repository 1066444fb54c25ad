"""The work-situation sections of a person's data export (RGPD): the situations an
apprentice recorded, with their files and the comments received, and the comments a
person wrote on someone else's situations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.auth.models import User
from tracker.people.models import Apprenticeship
from tracker.people.privacy import export_section
from tracker.situations.models import SituationComment, WorkSituation


@export_section("situations_professionnelles")
def _situations(session: Session, user: User) -> list[dict[str, Any]]:
    situations = session.scalars(
        select(WorkSituation)
        .join(Apprenticeship, Apprenticeship.id == WorkSituation.apprenticeship_id)
        .where(Apprenticeship.apprentice_id == user.id)
        .options(
            selectinload(WorkSituation.competences),
            selectinload(WorkSituation.files),
            selectinload(WorkSituation.comments).selectinload(SituationComment.author),
        )
        .order_by(WorkSituation.starts_on, WorkSituation.id)
    )
    return [
        {
            "id": s.id,
            "contrat_id": s.apprenticeship_id,
            "titre": s.title,
            "debut": s.starts_on,
            "fin": s.ends_on,
            "contexte": s.company_context,
            "realisation": s.what_was_done,
            "competences": [c.code for c in s.competences],
            "cree_le": s.created_at,
            "modifie_le": s.updated_at,
            "fichiers": [
                {
                    "nom": f.original_name,
                    "type": f.media_type,
                    "taille": f.size,
                    "sha256": f.sha256,
                    "ajoute_le": f.uploaded_at,
                }
                for f in s.files
            ],
            "commentaires": [
                {"auteur": c.author.name, "le": c.created_at, "texte": c.body} for c in s.comments
            ],
        }
        for s in situations
    ]


@export_section("commentaires_situations")
def _comments(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SituationComment, WorkSituation.title, WorkSituation.apprenticeship_id)
        .join(WorkSituation, WorkSituation.id == SituationComment.situation_id)
        .where(SituationComment.author_id == user.id)
        .order_by(SituationComment.created_at, SituationComment.id)
    )
    return [
        {
            "situation_id": comment.situation_id,
            "situation": title,
            "contrat_id": apprenticeship_id,
            "le": comment.created_at,
            "texte": comment.body,
        }
        for comment, title, apprenticeship_id in rows
    ]
