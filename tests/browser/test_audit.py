"""The audit log in Chromium: the programme manager reads a contract's journal, filters
it, and opens one semester's journal; every page passes axe-core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

MANAGER = "responsable@demo.livret.fr"
APPRENTICE = "apprentie@demo.livret.fr"


@pytest.fixture(scope="module")
def contract_id(live_app) -> int:  # type: ignore[no-untyped-def]
    """Léa Bernard's contract, with known events in a past semester (S1): a grid save by
    her former company tutor on 20 January 2026 at 09:30 UTC, and S1's evaluation window
    moved by the programme manager. (The demonstration data may hold S1's grids already,
    signed and locked: an existing grid is used then, never changed.)"""
    from tracker.audit.service import record
    from tracker.auth.models import User
    from tracker.evaluations.models import Grid, RaterRole
    from tracker.extensions import db
    from tracker.people import service as people
    from tracker.people.models import Apprenticeship

    with live_app.app_context():
        lea = db.session.scalar(select(User).where(User.email == APPRENTICE))
        contract = db.session.scalar(
            select(Apprenticeship).where(Apprenticeship.apprentice_id == lea.id)
        )
        manager = db.session.scalar(select(User).where(User.email == MANAGER))
        first_period = contract.periods[0]
        s1 = contract.cohort.semester(1)
        grid = db.session.scalar(
            select(Grid).where(
                Grid.apprenticeship_id == contract.id,
                Grid.semester_id == s1.id,
                Grid.rater_role == RaterRole.COMPANY_TUTOR.value,
            )
        )
        if grid is None:
            grid = Grid(
                apprenticeship=contract,
                semester=s1,
                rater_role=RaterRole.COMPANY_TUTOR.value,
                rater_id=first_period.company_tutor_id,
            )
            db.session.add(grid)
            db.session.flush()
        competence = contract.cohort.track.blocks[0].competences[0]
        event = record(
            db.session,
            actor_id=first_period.company_tutor_id,
            action="grid.saved",
            object_type="grid",
            object_id=grid.id,
            before={competence.code: {"level": None, "not_observed": False, "comment": ""}},
            after={
                competence.code: {"level": 3, "not_observed": False, "comment": "Autonome"},
                "commentaire": "Premier semestre solide.",
            },
        )
        event.at = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)
        plans = people.semester_plans(contract.cohort)
        plans[0].window_closes_on += timedelta(days=7)
        people.update_cohort(
            db.session,
            contract.cohort,
            name=contract.cohort.name,
            scale_labels=contract.cohort.scale_labels,
            not_observed_label=contract.cohort.not_observed_label,
            threshold=contract.cohort.threshold,
            plans=plans,
            actor=manager,
        )
        db.session.commit()
        return contract.id


def test_manager_reads_a_contract_and_a_semester_journal(  # type: ignore[no-untyped-def]
    page, base_url, sign_in, check_a11y, contract_id
) -> None:
    sign_in(MANAGER)
    page.goto(f"{base_url}/contrats/{contract_id}")
    page.get_by_role("link", name="Journal des modifications").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Journal des modifications — Léa Bernard"
    )
    expect(page.get_by_role("heading", name="Fenêtre d'évaluation modifiée").first).to_be_visible()
    check_a11y()

    page.get_by_label("Type d'événement").select_option(
        label="Contrat : dates, entreprise, tuteurs"
    )
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("heading", name="Contrat créé")).to_be_visible()
    expect(page.get_by_role("heading", name="Changement d'entreprise ou de tuteur")).to_be_visible()
    expect(page.get_by_role("cell", name="Thomas Girard").first).to_be_visible()
    assert page.get_by_role("heading", name="Fenêtre d'évaluation modifiée").count() == 0
    check_a11y()

    page.get_by_role("link", name="Journal de S1").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Journal des modifications de S1 — Léa Bernard"
    )
    saved = page.locator("li").filter(has_text="20 janv. 2026, 10:30:00")  # 09:30 UTC in Paris
    assert saved.get_by_role("heading", name="Grille enregistrée (brouillon)").is_visible()
    assert saved.get_by_text("(2026-01-20 09:30:00 UTC)").is_visible()
    assert saved.get_by_role("cell", name="3 — Acquis").is_visible()
    expect(page.get_by_role("heading", name="Fenêtre d'évaluation modifiée").first).to_be_visible()
    assert page.get_by_role(
        "rowheader", name="S1 — fermeture de la fenêtre d'évaluation"
    ).first.is_visible()
    check_a11y()


def test_the_semester_page_links_to_its_journal(page, base_url, sign_in, contract_id) -> None:  # type: ignore[no-untyped-def]
    sign_in(MANAGER)
    page.goto(f"{base_url}/contrats/{contract_id}/S1")
    page.get_by_role("link", name="Journal des modifications de S1").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Journal des modifications de S1 — Léa Bernard"
    )


def test_the_apprentice_has_no_journal(page, base_url, sign_in, contract_id) -> None:  # type: ignore[no-untyped-def]
    sign_in(APPRENTICE)
    page.goto(f"{base_url}/contrats/{contract_id}")
    assert page.get_by_role("link", name="Journal des modifications").count() == 0
    response = page.goto(f"{base_url}/contrats/{contract_id}/journal")
    assert response is not None
    assert response.status == 403
