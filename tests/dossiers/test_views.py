"""The dossier pages: status, preparing (a job), download of the current dossier only, and
the public verification page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import page
from tests.dossiers.helpers import change_signed_level
from tracker.auth.models import Role
from tracker.dossiers import service
from tracker.jobs.models import Job
from tracker.jury import service as jury

pytestmark = pytest.mark.usefixtures("fresh_limiter")


def test_without_a_dossier_the_page_offers_to_prepare_it(client, login, typical) -> None:  # type: ignore[no-untyped-def]
    login(typical.apprentice)
    response = client.get(f"/contrats/{typical.id}/dossier")
    assert response.status_code == 200
    text = page(response)
    assert "Aucun dossier n'a encore été préparé" in text
    assert "Préparer le dossier" in text
    assert f"/contrats/{typical.id}/dossier.pdf" not in text
    # Nothing to download yet: back to the status page.
    response = client.get(f"/contrats/{typical.id}/dossier.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contrats/{typical.id}/dossier")


def test_preparing_starts_a_job_and_follows_it(client, login, db_session, typical) -> None:  # type: ignore[no-untyped-def]
    tutor = typical.current_period.academic_tutor
    login(tutor)
    response = client.post(f"/contrats/{typical.id}/dossier/preparer")
    assert response.status_code == 302
    job = db_session.scalars(select(Job).where(Job.requested_by_id == tutor.id)).one()
    assert response.headers["Location"].endswith(f"/taches/{job.id}")


def test_a_ready_dossier_is_downloaded(client, login, db_session, typical) -> None:  # type: ignore[no-untyped-def]
    rendered = service.render_dossier(db_session, typical.id)
    db_session.flush()
    login(typical.current_period.company_tutor)
    text = page(client.get(f"/contrats/{typical.id}/dossier"))
    assert "Le dossier est prêt" in text
    assert rendered.code in text
    assert "https://livret.example.org/verify/" + rendered.code in text
    response = client.get(f"/contrats/{typical.id}/dossier.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == rendered.path.read_bytes()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert rendered.filename in disposition
    assert response.headers["Cache-Control"] == "no-store"
    # Preparing a dossier that is ready starts nothing.
    response = client.post(f"/contrats/{typical.id}/dossier/preparer")
    assert response.headers["Location"].endswith(f"/contrats/{typical.id}/dossier")
    assert db_session.scalar(select(Job.id)) is None


def test_after_a_change_only_a_new_dossier_is_served(  # type: ignore[no-untyped-def]
    client, login, db_session, typical, make_user
) -> None:
    old = service.render_dossier(db_session, typical.id)
    change_signed_level(db_session, typical, 4, make_user(Role.MANAGER))
    login(typical.apprentice)
    text = page(client.get(f"/contrats/{typical.id}/dossier"))
    assert "ne correspond plus" in text
    assert old.code in text
    assert "Préparer le dossier" in text
    response = client.get(f"/contrats/{typical.id}/dossier.pdf")
    assert response.status_code == 302


def test_the_verification_page(client, db_session, typical, make_user) -> None:  # type: ignore[no-untyped-def]
    rendered = service.render_dossier(db_session, typical.id)
    db_session.flush()
    response = client.get(f"/verify/{rendered.code}")
    assert response.status_code == 200
    text = page(response)
    assert "Ce dossier correspond aux données du livret" in text
    assert "Léa Bernard" in text
    assert "RNCP39303" in text
    assert rendered.fingerprint in text
    # Nothing the dossier's cover does not carry: no company, tutor, e-mail or level.
    for private in ("Aérotech", "32601815908303", "Sophie Martin", "Marc Lefèvre", "@exemple.fr"):
        assert private not in text
    assert "BC01" not in text
    # Typed loosely, the code still works.
    code = rendered.code.lower().replace("-", " ")
    assert client.get(f"/verify/{code}").status_code == 200

    change_signed_level(db_session, typical, 2, make_user(Role.MANAGER))
    text = page(client.get(f"/verify/{rendered.code}"))
    assert "ne correspond plus aux données du livret" in text


def test_an_unknown_code_is_a_clear_404(client, db_session) -> None:  # type: ignore[no-untyped-def]
    for code in ("ZZZZZ-ZZZZZ", "pas-un-code", "%3Cscript%3E"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        text = page(response)
        assert "Code de vérification inconnu" in text
    assert "<script>" not in client.get("/verify/%3Cscript%3E").get_data(as_text=True)


def test_the_verification_page_is_rate_limited(client, app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "VERIFY_LIMITS", "3 per minute")
    answers = [client.get(f"/verify/AAAAA-AAAA{n}").status_code for n in range(5)]
    assert answers[:3] == [404, 404, 404]
    assert answers[3:] == [429, 429]


def test_a_jury_member_reads_the_dossiers_of_their_session_only(  # type: ignore[no-untyped-def]
    client, login, db_session, typical, make_user, make_apprenticeship
) -> None:
    manager = make_user(Role.MANAGER)
    member = make_user(Role.JURY)
    sitting = jury.create_session(
        db_session,
        jury.SessionInput(typical.cohort.certification_id, typical.ends_on, "Salle du conseil"),
        actor=manager,
    )
    jury.add_member(db_session, sitting, member, jury.MemberInput("academic"), actor=manager)
    login(member)
    assert client.get(f"/contrats/{typical.id}/dossier").status_code == 404
    jury.add_candidates(db_session, sitting, [typical.id], actor=manager)
    db_session.flush()
    assert client.get(f"/contrats/{typical.id}/dossier").status_code == 200
    other = make_apprenticeship()
    assert client.get(f"/contrats/{other.id}/dossier").status_code == 404
    # Another jury member, who sits on no session with this candidate, sees nothing.
    client.post("/deconnexion")
    login(make_user(Role.JURY))
    assert client.get(f"/contrats/{typical.id}/dossier").status_code == 404


def test_the_livret_links_to_the_dossier(client, login, typical) -> None:  # type: ignore[no-untyped-def]
    login(typical.apprentice)
    text = page(client.get(f"/contrats/{typical.id}/livret"))
    assert f'href="/contrats/{typical.id}/dossier"' in text
    assert "Dossier du jury (PDF)" in text
