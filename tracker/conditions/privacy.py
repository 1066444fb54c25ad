"""The conditions-of-award section of a person's data export (RGPD): the evidence recorded
for the contracts of an apprentice (certificates, mobility, report and defence, company
opinions), with the proofs' names and fingerprints and the validators' decisions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.auth.models import User
from tracker.conditions.models import (
    CompanyOpinion,
    EnglishCertificate,
    FinalAssessment,
    MobilityPeriod,
)
from tracker.people.models import Apprenticeship
from tracker.people.privacy import export_section


def _review(row: Any) -> dict[str, Any]:
    return {
        "contrat_id": row.apprenticeship_id,
        "etat": row.status,
        "decide_le": row.reviewed_at,
        "motif_refus": row.refusal_reason,
    }


def _proof(row: Any) -> dict[str, Any] | None:
    if row.proof is None:
        return None
    return {
        "nom": row.proof.original_name,
        "type": row.proof.media_type,
        "taille": row.proof.size,
        "sha256": row.proof.sha256,
        "ajoute_le": row.proof.uploaded_at,
    }


@export_section("conditions_de_delivrance")
def _conditions(session: Session, user: User) -> dict[str, list[dict[str, Any]]]:
    contracts = select(Apprenticeship.id).where(Apprenticeship.apprentice_id == user.id)

    def rows(model: Any) -> list[Any]:
        query = select(model).where(model.apprenticeship_id.in_(contracts)).order_by(model.id)
        if hasattr(model, "proof"):
            query = query.options(selectinload(model.proof))
        return list(session.scalars(query))

    return {
        "certifications_anglais": [
            {
                **_review(c),
                "test": c.test_name,
                "score": c.score,
                "niveau": c.level,
                "date": c.taken_on,
                "justificatif": _proof(c),
            }
            for c in rows(EnglishCertificate)
        ],
        "mobilites": [
            {
                **_review(p),
                "pays": p.country,
                "organisme": p.host,
                "debut": p.starts_on,
                "fin": p.ends_on,
                "semaines": p.weeks,
                "justificatif": _proof(p),
            }
            for p in rows(MobilityPeriod)
        ],
        "rapport_et_soutenance": [
            {
                **_review(f),
                "rapport_remis_le": f.report_submitted_on,
                "soutenance_le": f.defence_on,
                "resultat": f.result,
                "commentaire": f.comment,
            }
            for f in rows(FinalAssessment)
        ],
        "avis_entreprise": [
            {
                **_review(o),
                "avis": o.opinion,
                "date": o.given_on,
                "entreprise": o.company_name,
                "commentaire": o.comment,
            }
            for o in rows(CompanyOpinion)
        ],
    }
