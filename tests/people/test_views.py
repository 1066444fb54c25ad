"""The programme manager's pages, the contract page per role, and the cohort CSV import."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import VALID_SIRET, page
from tracker.auth.models import AccountToken, Role, User
from tracker.extensions import mail
from tracker.people.csv_import import TEMPLATE_CSV
from tracker.people.models import Apprenticeship, Cohort


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def manager(make_user, login):  # type: ignore[no-untyped-def]
    user = make_user(Role.MANAGER, name="Claire Dubois")
    login(user)
    return user


def test_a_manager_creates_a_cohort_with_the_default_calendar(
    client, db_session, manager, make_cohort
) -> None:
    make_cohort()  # makes sure a certification exists
    form = page(client.get("/promotions/nouvelle"))
    track = re.search(r'<option value="([0-9]+:[0-9]+)"', form).group(1)
    response = client.post(
        "/promotions/nouvelle",
        data={"track": track, "name": "Mécanique — rentrée 2026", "start_year": "2026"},
        follow_redirects=True,
    )
    text = page(response)
    assert "Promotion « Mécanique — rentrée 2026 » créée" in text
    assert "01/09/2026" in text  # S1 starts in September of the start year
    assert "En cours d'acquisition" in text


def test_an_incoherent_calendar_is_explained_and_nothing_changes(
    client, db_session, manager, make_cohort
) -> None:
    cohort = make_cohort(start_year=2025)
    form = {
        "name": cohort.name,
        "scale": "Non acquis\nAcquis",
        "not_observed_label": "Non observé",
        "threshold": "3",
    }
    for index, semester in enumerate(cohort.semesters):
        for key in ("starts_on", "ends_on", "window_opens_on", "window_closes_on"):
            form[f"semesters-{index}-{key}"] = getattr(semester, key).isoformat()
        form[f"semesters-{index}-expected_level"] = str(semester.expected_level)
    response = client.post(f"/promotions/{cohort.id}/modifier", data=form)
    text = page(response)
    assert response.status_code == 200
    assert "Rien n'a été enregistré" in text
    assert "Le seuil de maîtrise doit être un niveau de l'échelle (1 à 2)." in text
    db_session.refresh(cohort)
    assert cohort.threshold == 3
    assert len(cohort.scale_labels) == 4
    form.update({"scale": "Non acquis\nEn cours\nAcquis\nMaîtrisé\nExpert", "threshold": "4"})
    form["semesters-5-expected_level"] = "4"
    assert client.post(f"/promotions/{cohort.id}/modifier", data=form).status_code == 302
    db_session.refresh(cohort)
    assert cohort.scale_labels[-1] == "Expert"
    assert cohort.semesters[5].expected_level == 4


def _new_apprenticeship_form(academic: User, **changes: str) -> dict[str, str]:
    return {
        "apprentice_name": "Léa Bernard",
        "apprentice_email": "lea.bernard@exemple.fr",
        "starts_on": "2025-09-01",
        "ends_on": "2028-08-31",
        "company_name": "Aérotech Systèmes",
        "siret": "732 829 320 00074",
        "company_tutor_name": "Sophie Martin",
        "company_tutor_email": "sophie.martin@aerotech.example",
        "academic_tutor": str(academic.id),
        **changes,
    }


def test_adding_an_apprentice_invites_the_new_accounts(
    client, db_session, manager, make_cohort, make_user
) -> None:
    cohort = make_cohort(start_year=2025)
    academic = make_user(Role.ACADEMIC_TUTOR, name="Marc Lefèvre")
    with mail.record_messages() as outbox:
        response = client.post(
            f"/promotions/{cohort.id}/apprentis/nouveau",
            data=_new_apprenticeship_form(academic),
            follow_redirects=True,
        )
    text = page(response)
    assert "Léa Bernard ajouté·e à la promotion." in text
    assert "Sophie Martin" in text
    assert "732 829 320 00074" in text
    assert sorted(m.recipients[0] for m in outbox) == [
        "lea.bernard@exemple.fr",
        "sophie.martin@aerotech.example",
    ]
    tutor_mail = next(m for m in outbox if m.recipients == ["sophie.martin@aerotech.example"])
    assert "Léa Bernard" in tutor_mail.body  # the tutor is told whom they follow
    assert "/invitation/" in tutor_mail.body
    assert count(db_session, AccountToken) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"siret": "73282932000075"}, "SIRET non valide"),
        ({"ends_on": "2025-08-01"}, "La fin du contrat doit suivre son début."),
        ({"company_tutor_email": "pas-une-adresse"}, "Adresse électronique non valide."),
        ({"company_tutor_email": "lea.bernard@exemple.fr"}, "son propre tuteur"),
    ],
)
def test_bad_apprenticeship_input_is_explained_and_saves_nothing(
    client, db_session, manager, make_cohort, make_user, changes, message
) -> None:
    cohort = make_cohort(start_year=2025)
    academic = make_user(Role.ACADEMIC_TUTOR)
    users_before = count(db_session, User)
    with mail.record_messages() as outbox:
        response = client.post(
            f"/promotions/{cohort.id}/apprentis/nouveau",
            data=_new_apprenticeship_form(academic, **changes),
        )
    assert response.status_code == 200
    assert message in page(response)
    assert count(db_session, Apprenticeship) == 0
    assert count(db_session, User) == users_before
    assert outbox == []


def test_a_tutor_change_through_the_page(
    client, db_session, manager, make_apprenticeship, make_user
) -> None:
    apprenticeship = make_apprenticeship()
    academic = apprenticeship.current_period.academic_tutor
    with mail.record_messages() as outbox:
        response = client.post(
            f"/contrats/{apprenticeship.id}/changement",
            data={
                "effective_on": date(apprenticeship.cohort.start_year + 1, 2, 1).isoformat(),
                "company_name": "Aérotech Systèmes",
                "siret": VALID_SIRET,
                "company_tutor_name": "Thomas Girard",
                "company_tutor_email": "thomas.girard@aerotech.example",
                "academic_tutor": str(academic.id),
            },
            follow_redirects=True,
        )
    text = page(response)
    assert "Nouvelle période ouverte" in text
    assert "Thomas Girard" in text
    db_session.expire_all()
    assert len(apprenticeship.periods) == 2
    assert [m.recipients for m in outbox] == [["thomas.girard@aerotech.example"]]


def test_a_former_tutor_sees_only_their_period_and_semesters(
    client, db_session, login, make_apprenticeship, make_user
) -> None:
    former = make_user(Role.COMPANY_TUTOR, name="Thomas Girard")
    apprenticeship = make_apprenticeship(company_tutor=former)
    successor = make_user(Role.COMPANY_TUTOR, name="Sophie Martin")
    from tracker.people import service

    service.change_placement(
        db_session,
        apprenticeship,
        effective_on=date(apprenticeship.cohort.start_year + 1, 9, 1),
        placement=service.Placement(
            "Nouvelle Entreprise", VALID_SIRET, successor, apprenticeship.periods[0].academic_tutor
        ),
        actor=successor,
    )
    login(former)
    text = page(client.get(f"/contrats/{apprenticeship.id}"))
    assert "vous n'êtes plus tuteur" in text
    assert ">S1<" in text
    assert ">S2<" in text
    assert ">S3<" not in text
    assert "Nouvelle Entreprise" not in text
    assert "Sophie Martin" not in text
    listing = page(client.get("/apprentis"))
    assert "Apprentis suivis auparavant" in listing


def test_the_apprentice_reaches_their_contract_from_the_navigation(
    client, login, make_apprenticeship, make_user
) -> None:
    apprentice = make_user(Role.APPRENTICE, name="Léa Bernard")
    apprenticeship = make_apprenticeship(apprentice=apprentice)
    login(apprentice)
    response = client.get("/mon-contrat")
    assert response.headers["Location"].endswith(f"/contrats/{apprenticeship.id}")
    text = page(client.get(response.headers["Location"]))
    assert "Aérotech Systèmes" in text
    assert "Changer d'entreprise" not in text  # managers only


# --- CSV import -----------------------------------------------------------------------


def _upload(client, cohort, content: bytes, name: str = "promotion.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/promotions/{cohort.id}/importer",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_valid_file_is_previewed_then_saved_with_invitations(
    client, db_session, manager, make_cohort, make_user
) -> None:
    cohort = make_cohort(start_year=2025)
    response = _upload(client, cohort, ("\ufeff" + TEMPLATE_CSV).encode())
    assert response.status_code == 302
    preview = page(client.get(response.headers["Location"]))
    assert "Fichier valide" in preview
    assert count(db_session, Apprenticeship) == 0  # nothing before confirmation
    with mail.record_messages() as outbox:
        saved = client.post(
            response.headers["Location"], data={"action": "save"}, follow_redirects=True
        )
    text = page(saved)
    assert "2 apprenti·e(s) ajouté·e(s) à la promotion." in text
    assert count(db_session, Apprenticeship) == 2
    assert len(outbox) >= 4  # two apprentices, their tutors (shared tutors once)
    assert all("/invitation/" in m.body for m in outbox)


BAD_CSV = (
    "apprenti_nom;apprenti_email;entreprise;siret;maitre_nom;maitre_email;"
    "tuteur_nom;tuteur_email;debut;fin\n"
    "Léa Bernard;lea@exemple.fr;Aérotech;73282932000074;Sophie Martin;sophie@exemple.fr;"
    "Marc Lefèvre;marc@exemple.fr;01/09/2025;31/08/2028\n"
    "Hugo Petit;hugo@exemple.fr;Cobot;12345678901234;Karim Saïdi;karim@exemple.fr;"
    "Marc Lefèvre;marc@exemple.fr;01/09/2025;31/08/2028\n"
)


def test_a_file_with_an_error_saves_nothing(client, db_session, manager, make_cohort) -> None:
    cohort = make_cohort(start_year=2025)
    users_before = count(db_session, User)
    response = _upload(client, cohort, BAD_CSV.encode())
    preview = page(client.get(response.headers["Location"]))
    assert "1 erreur(s) : rien ne sera enregistré" in preview
    assert re.search(r"<th scope=\"row\">3</th>\s*<td><span class=\"code\">siret</span>", preview)
    assert 'value="save"' not in preview
    # Even a forged save request saves nothing while the file has errors.
    client.post(response.headers["Location"], data={"action": "save"})
    assert count(db_session, Apprenticeship) == 0
    assert count(db_session, User) == users_before


def test_a_conflict_found_at_save_time_rolls_everything_back(
    client, db_session, manager, make_cohort, make_apprenticeship, make_user
) -> None:
    cohort = make_cohort(start_year=2025)
    response = _upload(client, cohort, TEMPLATE_CSV.encode())
    preview_url = response.headers["Location"]
    # Meanwhile someone adds the file's second apprentice to the cohort by hand.
    second_email = TEMPLATE_CSV.splitlines()[2].split(";")[1]
    make_apprenticeship(cohort, apprentice=make_user(Role.APPRENTICE, email=second_email))
    users_before = count(db_session, User)
    text = page(client.post(preview_url, data={"action": "save"}, follow_redirects=True))
    assert "Rien n'a été enregistré." in text
    assert count(db_session, Apprenticeship) == 1
    assert count(db_session, User) == users_before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("apprenti_nom;fin\nLéa;2028-08-31\n".encode(), "apprenti_email"),
        (BAD_CSV.encode("latin-1", "replace").replace(b"?", b"\xe9"), "UTF-8"),
        (b"", "vide"),
    ],
)
def test_unreadable_files_are_refused_on_the_form(
    client, db_session, manager, make_cohort, content, message
) -> None:
    cohort = make_cohort()
    response = _upload(client, cohort, content)
    assert response.status_code == 200
    assert message in page(response)
    assert count(db_session, Cohort) == 1


# --- People ---------------------------------------------------------------------------


def test_people_search_and_role_change(client, db_session, manager, make_user) -> None:
    person = make_user(Role.COMPANY_TUTOR, name="Sophie Martin", email="sophie@exemple.fr")
    make_user(Role.ACADEMIC_TUTOR, name="Marc Lefèvre")
    listing = page(client.get("/personnes/?q=sophie"))
    assert "Sophie Martin" in listing
    assert "Marc Lefèvre" not in listing
    assert "Marc Lefèvre" in page(client.get("/personnes/?role=academic_tutor"))
    response = client.post(
        f"/personnes/{person.id}",
        data={
            "name": "Sophie Martin",
            "email": "sophie@exemple.fr",
            "roles": ["company_tutor", "jury"],
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert person.roles == {Role.COMPANY_TUTOR, Role.JURY}


def test_a_new_account_gets_an_invitation(client, db_session, manager) -> None:
    with mail.record_messages() as outbox:
        response = client.post(
            "/personnes/nouvelle",
            data={"name": "Nadia Haddad", "email": "nadia@exemple.fr", "roles": ["academic_tutor"]},
            follow_redirects=True,
        )
    assert "Compte créé pour Nadia Haddad." in page(response)
    assert [m.recipients for m in outbox] == [["nadia@exemple.fr"]]


def test_anonymisation_needs_the_confirmation(client, db_session, manager, make_user) -> None:
    person = make_user(Role.APPRENTICE, name="Léa Bernard")
    client.post(f"/personnes/{person.id}/anonymiser", data={})
    assert person.name == "Léa Bernard"
    response = client.post(
        f"/personnes/{person.id}/anonymiser", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Personne anonymisée" in page(response)
    db_session.expire_all()
    assert person.anonymised_at is not None


def test_a_person_downloads_their_own_data_and_nobody_elses(
    client, login, make_user, make_apprenticeship
) -> None:
    apprentice = make_user(Role.APPRENTICE, name="Léa Bernard")
    make_apprenticeship(apprentice=apprentice)
    stranger = make_user(Role.APPRENTICE)
    login(apprentice)
    response = client.get(f"/personnes/{apprentice.id}/donnees")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(response.data)["compte"]["nom"] == "Léa Bernard"
    assert client.get(f"/personnes/{stranger.id}/donnees").status_code == 404
