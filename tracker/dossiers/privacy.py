"""The jury-dossier section of a person's data export (RGPD): the dossiers rendered for the
contracts of an apprentice, with their verification code and the facts the public
verification page shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.dossiers.models import DossierRecord
from tracker.dossiers.service import dossier_store, format_code
from tracker.people.models import Apprenticeship
from tracker.people.privacy import export_section, on_anonymise
from tracker.situations.storage import delete_after_commit


@export_section("dossiers_du_jury")
def _dossiers(session: Session, user: User) -> list[dict[str, Any]]:
    contracts = select(Apprenticeship.id).where(Apprenticeship.apprentice_id == user.id)
    rows = session.scalars(
        select(DossierRecord)
        .where(DossierRecord.apprenticeship_id.in_(contracts))
        .order_by(DossierRecord.rendered_at, DossierRecord.id)
    )
    return [
        {
            "contrat_id": row.apprenticeship_id,
            "code_de_verification": format_code(row.code),
            "empreinte_sha256": row.fingerprint,
            "etabli_le": row.rendered_at,
            "pages": row.page_count,
            "nom_imprime": row.apprentice_name,
            "certification": f"{row.certification_code} — {row.certification_title}",
        }
        for row in rows
    ]


@on_anonymise
def _erase(session: Session, user: User) -> None:
    """An anonymised apprentice's dossiers: the verification page then shows the anonymous
    name, and the rendered PDFs, which print the real one, are deleted once this commits."""
    contracts = select(Apprenticeship.id).where(Apprenticeship.apprentice_id == user.id)
    store = dossier_store()
    for row in session.scalars(
        select(DossierRecord).where(DossierRecord.apprenticeship_id.in_(contracts))
    ):
        row.apprentice_name = user.name
        delete_after_commit(session, store, row.fingerprint)  # type: ignore[arg-type]
