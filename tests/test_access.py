"""Who may reach what: every role, and an anonymous visitor, over every route.

Every route of the app must appear in ROUTES (a test checks it), so each new route is
walked by every role as soon as it exists. Outside a role's rights the answer is never
data: 403 for a signed-in user, the login page for an anonymous visitor, 404 for objects
that do not exist or are not the user's.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from flask import Flask

from tracker.auth import service as auth_service
from tracker.auth.models import Role, TokenPurpose
from tracker.conditions import service as conditions
from tracker.dossiers import service as dossiers
from tracker.dossiers.models import DossierRecord
from tracker.evaluations.models import Review
from tracker.jury import service as jury
from tracker.people import service as people_service
from tracker.referentials import service
from tracker.situations import service as situations
from tracker.situations.storage import get_store

from .jobs.helpers import finished_job

EVERYONE = {None, *Role}
SIGNED_IN = set(Role)
STAFF = {Role.MANAGER, Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR, Role.JURY}
MANAGERS = {Role.MANAGER}
TUTORS = {Role.COMPANY_TUTOR, Role.ACADEMIC_TUTOR}
# Who may read the contract of "my" apprentice (MINE): the apprentice and their tutors.
MINE_READERS = {Role.MANAGER, Role.APPRENTICE, *TUTORS}
# A cohort's dashboard: the manager, and the academic tutor of an apprentice of it.
DASHBOARD_READERS = {Role.MANAGER, Role.ACADEMIC_TUTOR}
# A jury session: the programme manager, and its members (the world's jury member presides).
JURY_READERS = {Role.MANAGER, Role.JURY}
# MINE's jury dossier: its readers, and the jury member sitting on MINE's session.
DOSSIER_READERS = {*MINE_READERS, Role.JURY}

# Without a password just checked, the second-factor page sends everyone back to sign in.
BACK_TO_LOGIN = {"auth.login_code"}

# (endpoint, method, path, roles allowed). In paths, {mine} is the apprenticeship of the
# world's apprentice (followed by the world's tutors), {other} one of strangers, {cohort}
# a cohort, {person} a stranger's account, {me} the signed-in user's own account, {reset}
# and {invitation} the links e-mailed to a stranger, {situation} and {file} a work situation
# of MINE and its file, {english} an English certificate of MINE (submitted, with its proof).
ROUTES = [
    ("core.home", "GET", "/", EVERYONE),
    ("core.accessibility", "GET", "/accessibilite", EVERYONE),
    ("core.set_language", "POST", "/langue", EVERYONE),
    ("auth.login", "GET", "/connexion", EVERYONE),
    ("auth.logout", "POST", "/deconnexion", SIGNED_IN),
    ("auth.login_code", "GET", "/connexion/code", EVERYONE),
    ("auth.forgot_password", "GET", "/mot-de-passe-oublie", EVERYONE),
    ("auth.reset_password", "GET", "/mot-de-passe/{reset}", EVERYONE),
    ("auth.invitation", "GET", "/invitation/{invitation}", EVERYONE),
    ("auth.account", "GET", "/compte", SIGNED_IN),
    ("auth.change_password", "POST", "/compte/mot-de-passe", SIGNED_IN),
    ("auth.enrol_totp", "GET", "/compte/double-authentification", SIGNED_IN),
    ("auth.disable_totp", "POST", "/compte/double-authentification/desactiver", SIGNED_IN),
    ("auth.export_data", "GET", "/compte/donnees", SIGNED_IN),
    ("referentials.index", "GET", "/referentiels/", STAFF),
    ("referentials.detail", "GET", "/referentiels/RNCPTEST", STAFF),
    ("referentials.detail", "GET", "/referentiels/RNCPTEST/v1", STAFF),
    ("referentials.export", "GET", "/referentiels/RNCPTEST/v1/export/case", MANAGERS),
    ("referentials.start_import", "GET", "/referentiels/importer", MANAGERS),
    ("referentials.review", "GET", "/referentiels/importer/{draft}", MANAGERS),
    ("people.cohorts", "GET", "/promotions/", MANAGERS),
    ("people.new_cohort", "GET", "/promotions/nouvelle", MANAGERS),
    ("people.cohort", "GET", "/promotions/{cohort}", MANAGERS),
    ("people.edit_cohort", "GET", "/promotions/{cohort}/modifier", MANAGERS),
    ("campaigns.follow_up", "GET", "/promotions/{cohort}/S1/suivi", MANAGERS),
    ("campaigns.remind", "POST", "/promotions/{cohort}/S1/relances", MANAGERS),
    ("people.new_apprenticeship", "GET", "/promotions/{cohort}/apprentis/nouveau", MANAGERS),
    ("people.import_template", "GET", "/promotions/modele-import.csv", MANAGERS),
    ("people.import_cohort", "GET", "/promotions/{cohort}/importer", MANAGERS),
    ("people.import_preview", "GET", "/promotions/{cohort}/importer/{import}", MANAGERS),
    ("people.apprenticeship", "GET", "/contrats/{mine}", MINE_READERS),
    ("people.apprenticeship", "GET", "/contrats/{other}", MANAGERS),
    ("people.edit_contract_dates", "GET", "/contrats/{mine}/dates", MANAGERS),
    ("people.change_placement", "GET", "/contrats/{mine}/changement", MANAGERS),
    ("people.my_contract", "GET", "/mon-contrat", {Role.APPRENTICE}),
    ("evaluations.semester", "GET", "/contrats/{mine}/S1", MINE_READERS),
    ("evaluations.semester", "GET", "/contrats/{other}/S1", MANAGERS),
    ("evaluations.grid", "GET", "/contrats/{mine}/S1/grille/auto-evaluation", {Role.APPRENTICE}),
    ("evaluations.grid", "GET", "/contrats/{mine}/S1/grille/entreprise", {Role.COMPANY_TUTOR}),
    ("evaluations.grid", "GET", "/contrats/{mine}/S1/grille/ecole", {Role.ACADEMIC_TUTOR}),
    ("evaluations.grid", "GET", "/contrats/{other}/S1/grille/ecole", set()),
    # S1 has no grid in yet; S2 is signed and locked (a save there is refused, redirected).
    ("evaluations.review", "GET", "/contrats/{mine}/S1/bilan", MINE_READERS),
    ("evaluations.review", "GET", "/contrats/{mine}/S2/bilan", MINE_READERS),
    ("evaluations.review", "GET", "/contrats/{other}/S2/bilan", MANAGERS),
    ("evaluations.review", "POST", "/contrats/{mine}/S2/bilan", {Role.ACADEMIC_TUTOR}),
    ("evaluations.review", "POST", "/contrats/{other}/S1/bilan", set()),
    ("evaluations.sign_review", "POST", "/contrats/{mine}/S1/bilan/signature", set()),
    ("evaluations.sign_review", "POST", "/contrats/{other}/S2/bilan/signature", set()),
    ("evaluations.reopen_review", "GET", "/contrats/{mine}/S2/rouvrir", MANAGERS),
    ("evaluations.reopen_review", "GET", "/contrats/{mine}/S1/rouvrir", set()),
    ("livret.livret", "GET", "/contrats/{mine}/livret", MINE_READERS),
    ("livret.livret", "GET", "/contrats/{other}/livret", MANAGERS),
    ("livret.dashboard", "GET", "/promotions/{cohort}/tableau", DASHBOARD_READERS),
    ("livret.export", "GET", "/promotions/{cohort}/tableau/export.csv", MANAGERS),
    ("livret.export", "GET", "/promotions/{cohort}/tableau/export.xlsx", MANAGERS),
    ("audit.apprenticeship_journal", "GET", "/contrats/{mine}/journal", MANAGERS),
    ("audit.apprenticeship_journal", "GET", "/contrats/{other}/journal", MANAGERS),
    ("audit.semester_journal", "GET", "/contrats/{mine}/S1/journal", MANAGERS),
    ("audit.semester_journal", "GET", "/contrats/{other}/S6/journal", MANAGERS),
    ("situations.index", "GET", "/contrats/{mine}/situations", MINE_READERS),
    ("situations.index", "GET", "/contrats/{other}/situations", MANAGERS),
    ("situations.new", "GET", "/contrats/{mine}/situations/nouvelle", {Role.APPRENTICE}),
    ("situations.detail", "GET", "/contrats/{mine}/situations/{situation}", MINE_READERS),
    ("situations.detail", "GET", "/contrats/{other}/situations/{situation}", set()),
    (
        "situations.edit",
        "GET",
        "/contrats/{mine}/situations/{situation}/modifier",
        {Role.APPRENTICE},
    ),
    (
        "situations.delete",
        "POST",
        "/contrats/{mine}/situations/{situation}/supprimer",
        {Role.APPRENTICE},
    ),
    (
        "situations.upload",
        "POST",
        "/contrats/{mine}/situations/{situation}/fichiers",
        {Role.APPRENTICE},
    ),
    (
        "situations.download",
        "GET",
        "/contrats/{mine}/situations/{situation}/fichiers/{file}",
        MINE_READERS,
    ),
    (
        "situations.remove_file",
        "POST",
        "/contrats/{mine}/situations/{situation}/fichiers/{file}/supprimer",
        {Role.APPRENTICE},
    ),
    (
        "situations.comment",
        "POST",
        "/contrats/{mine}/situations/{situation}/commentaires",
        TUTORS,
    ),
    ("conditions.index", "GET", "/contrats/{mine}/conditions", MINE_READERS),
    ("conditions.index", "GET", "/contrats/{other}/conditions", MANAGERS),
    (
        "conditions.new",
        "GET",
        "/contrats/{mine}/conditions/anglais/ajouter",
        {Role.APPRENTICE, Role.MANAGER},
    ),
    (
        "conditions.new",
        "GET",
        "/contrats/{mine}/conditions/rapport-soutenance/ajouter",
        {Role.ACADEMIC_TUTOR, Role.MANAGER},
    ),
    (
        "conditions.new",
        "GET",
        "/contrats/{mine}/conditions/avis-entreprise/ajouter",
        {Role.COMPANY_TUTOR, Role.MANAGER},
    ),
    (
        "conditions.edit",
        "GET",
        "/contrats/{mine}/conditions/anglais/{english}/modifier",
        {Role.APPRENTICE, Role.MANAGER},
    ),
    ("conditions.edit", "GET", "/contrats/{other}/conditions/anglais/{english}/modifier", set()),
    (
        "conditions.delete",
        "POST",
        "/contrats/{mine}/conditions/anglais/{english}/supprimer",
        {Role.APPRENTICE, Role.MANAGER},
    ),
    (
        "conditions.validate",
        "POST",
        "/contrats/{mine}/conditions/anglais/{english}/valider",
        {Role.ACADEMIC_TUTOR, Role.MANAGER},
    ),
    (
        "conditions.refuse",
        "GET",
        "/contrats/{mine}/conditions/anglais/{english}/refuser",
        {Role.ACADEMIC_TUTOR, Role.MANAGER},
    ),
    (
        "conditions.proof",
        "GET",
        "/contrats/{mine}/conditions/anglais/{english}/justificatif",
        MINE_READERS,
    ),
    (
        "conditions.proof",
        "GET",
        "/contrats/{other}/conditions/anglais/{english}/justificatif",
        set(),
    ),
    ("people.my_apprentices", "GET", "/apprentis", TUTORS),
    ("people.people", "GET", "/personnes/", MANAGERS),
    ("people.new_person", "GET", "/personnes/nouvelle", MANAGERS),
    ("people.person", "GET", "/personnes/{person}", MANAGERS),
    ("people.invite_person", "POST", "/personnes/{person}/invitation", MANAGERS),
    ("people.set_active", "POST", "/personnes/{person}/activation", MANAGERS),
    ("people.anonymise", "POST", "/personnes/{person}/anonymiser", MANAGERS),
    ("people.export", "GET", "/personnes/{person}/donnees", MANAGERS),
    ("people.export", "GET", "/personnes/{me}/donnees", SIGNED_IN),
    # {job}: a finished zip of dossiers, asked for by the academic tutor.
    ("jobs.show", "GET", "/taches/{job}", {Role.ACADEMIC_TUTOR, Role.MANAGER}),
    ("jobs.status", "GET", "/taches/{job}/etat", {Role.ACADEMIC_TUTOR, Role.MANAGER}),
    ("jobs.download", "GET", "/taches/{job}/archive.zip", {Role.ACADEMIC_TUTOR, Role.MANAGER}),
    # {jury}: a session where the world's jury member presides, with MINE as {candidate}
    # and {member} a seat; {jury_other}: a session they do not sit on (404 for them).
    ("jury.index", "GET", "/jury/", JURY_READERS),
    ("jury.new", "GET", "/jury/sessions/nouvelle", MANAGERS),
    ("jury.show", "GET", "/jury/sessions/{jury}", JURY_READERS),
    ("jury.show", "GET", "/jury/sessions/{jury_other}", MANAGERS),
    ("jury.edit", "GET", "/jury/sessions/{jury}/modifier", MANAGERS),
    ("jury.add_member", "POST", "/jury/sessions/{jury}/membres", MANAGERS),
    ("jury.invite_member", "POST", "/jury/sessions/{jury}/membres/inviter", MANAGERS),
    ("jury.edit_member", "GET", "/jury/sessions/{jury}/membres/{member}", MANAGERS),
    ("jury.remove_member", "POST", "/jury/sessions/{jury}/membres/{member}/retirer", MANAGERS),
    ("jury.candidates", "GET", "/jury/sessions/{jury}/candidats", MANAGERS),
    ("jury.candidate", "GET", "/jury/sessions/{jury}/candidats/{candidate}", JURY_READERS),
    ("jury.candidate", "GET", "/jury/sessions/{jury_other}/candidats/{other_candidate}", MANAGERS),
    (
        "jury.remove_candidate",
        "POST",
        "/jury/sessions/{jury}/candidats/{candidate}/retirer",
        MANAGERS,
    ),
    ("jury.close", "GET", "/jury/sessions/{jury}/clore", JURY_READERS),
    ("jury.close", "GET", "/jury/sessions/{jury_other}/clore", MANAGERS),
    ("jury.dossiers", "POST", "/jury/sessions/{jury}/dossiers", JURY_READERS),
    ("jury.dossiers", "POST", "/jury/sessions/{jury_other}/dossiers", MANAGERS),
    ("jury.pv", "GET", "/jury/sessions/{jury}/proces-verbal.pdf", JURY_READERS),
    ("jury.pv", "GET", "/jury/sessions/{jury_other}/proces-verbal.pdf", MANAGERS),
    # Jury dossiers: MINE's is read by its readers and by the world's jury member, who sits
    # on a session with MINE as a candidate; {dossier} is the code of a dossier of MINE.
    ("dossiers.show", "GET", "/contrats/{mine}/dossier", DOSSIER_READERS),
    ("dossiers.show", "GET", "/contrats/{other}/dossier", MANAGERS),
    ("dossiers.prepare", "POST", "/contrats/{mine}/dossier/preparer", DOSSIER_READERS),
    ("dossiers.prepare", "POST", "/contrats/{other}/dossier/preparer", MANAGERS),
    ("dossiers.download", "GET", "/contrats/{mine}/dossier.pdf", DOSSIER_READERS),
    ("dossiers.download", "GET", "/contrats/{other}/dossier.pdf", MANAGERS),
    ("dossiers.verify", "GET", "/verify/{dossier}", EVERYONE),
]


def test_every_route_is_in_the_access_table(app: Flask) -> None:
    routed = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routed == {endpoint for endpoint, *_ in ROUTES}


@pytest.fixture
def world(db_session, make_user, make_cohort, make_apprenticeship):  # type: ignore[no-untyped-def]
    """One user per role (the apprentice, tutors and manager tied together by one
    apprenticeship), strangers with an apprenticeship of their own, and drafts."""
    users = {role: make_user(role) for role in Role}
    cohort = make_cohort()
    mine = make_apprenticeship(
        cohort,
        apprentice=users[Role.APPRENTICE],
        company_tutor=users[Role.COMPANY_TUTOR],
        academic_tutor=users[Role.ACADEMIC_TUTOR],
    )
    other = make_apprenticeship(cohort)
    draft = service.create_draft(
        db_session,
        user_id=users[Role.MANAGER].id,
        proposals=[
            service.Proposal(service.to_record(service.get_certification(db_session, "RNCPTEST")))
        ],
        source="rncp",
        source_name="x.xml",
    )
    import_draft = people_service.create_import_draft(
        db_session,
        cohort,
        user=users[Role.MANAGER],
        source_name="p.csv",
        plan=people_service.ImportPlan(),
    )
    stranger = other.apprentice
    # Locked S2 reviews (rows as the signing leaves them) for the review and reopen pages.
    for apprenticeship in (mine, other):
        db_session.add(
            Review(
                apprenticeship=apprenticeship,
                semester=cohort.semester(2),
                status="locked",
                signed_content="{}",
                content_sha256="0" * 64,
            )
        )
    situation = situations.create_situation(
        db_session,
        mine,
        situations.SituationInput(
            title="Analyse AMDEC de la ligne d'assemblage",
            starts_on=mine.starts_on,
            ends_on=mine.starts_on + timedelta(days=30),
            what_was_done="Quatre séances d'AMDEC.",
            competence_ids=frozenset({mine.cohort.track.blocks[0].competences[0].id}),
        ),
        actor=users[Role.APPRENTICE],
    )
    attached = situations.add_file(
        db_session,
        situation,
        filename="preuve.pdf",
        stream=BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        max_bytes=1024 * 1024,
        actor=users[Role.APPRENTICE],
        store=get_store(),
    )
    certificate = conditions.create_record(
        db_session,
        mine,
        conditions.EnglishInput("TOEIC Listening and Reading", "850/990", "B2", mine.starts_on),
        actor=users[Role.APPRENTICE],
        today=mine.starts_on,
        proof=conditions.ProofUpload(
            "toeic.pdf", BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 1024
        ),
    )
    jury_session = jury.create_session(
        db_session,
        jury.SessionInput(cohort.certification_id, mine.ends_on, "Salle du conseil"),
        actor=users[Role.MANAGER],
    )
    seat = jury.add_member(
        db_session,
        jury_session,
        users[Role.JURY],
        jury.MemberInput("academic", is_president=True),
        actor=users[Role.MANAGER],
    )
    jury.add_candidates(db_session, jury_session, [mine.id], actor=users[Role.MANAGER])
    jury_other = jury.create_session(
        db_session,
        jury.SessionInput(cohort.certification_id, mine.ends_on, "Autre salle"),
        actor=users[Role.MANAGER],
    )
    jury.add_candidates(db_session, jury_other, [other.id], actor=users[Role.MANAGER])
    places = {
        "reset": auth_service.issue_token(
            db_session, stranger, TokenPurpose.RESET, lifetime=timedelta(hours=1)
        ),
        "invitation": auth_service.invite(
            db_session, stranger, invited_by=None, lifetime=timedelta(days=1)
        ),
        "draft": draft.token,
        "import": import_draft.token,
        "cohort": str(cohort.id),
        "mine": str(mine.id),
        "other": str(other.id),
        "person": str(other.apprentice_id),
        "situation": str(situation.id),
        "file": str(attached.id),
        "english": str(certificate.id),
        "jury": str(jury_session.id),
        "member": str(seat.id),
        "candidate": str(jury_session.candidates[0].id),
        "jury_other": str(jury_other.id),
        "other_candidate": str(jury_other.candidates[0].id),
        "dossier": _dossier_code(db_session, mine),
        "job": str(
            finished_job(
                db_session,
                requested_by_id=users[Role.ACADEMIC_TUTOR].id,
                apprenticeship_ids=[mine.id, other.id],
            ).id
        ),
    }
    return users, places


def _dossier_code(db_session, apprenticeship) -> str:  # type: ignore[no-untyped-def]
    """A rendered dossier of ``apprenticeship`` (its row only: nothing is rendered)."""
    fingerprint = "ab" * 32
    row = DossierRecord(
        code=dossiers.verification_code(fingerprint),
        fingerprint=fingerprint,
        apprenticeship_id=apprenticeship.id,
        page_count=9,
        size=120_000,
        stored_name=f"{fingerprint}.pdf",
        apprentice_name=apprenticeship.apprentice.name,
        certification_code="RNCPTEST",
        certification_title="Certification de test",
    )
    db_session.add(row)
    db_session.flush()
    return dossiers.format_code(row.code)


def _path(template: str, places: dict[str, str], user) -> str:  # type: ignore[no-untyped-def]
    me = str(user.id) if user is not None else places["person"]
    return template.format(me=me, **places)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(("endpoint", "method", "path", "allowed"), ROUTES, ids=lambda v: str(v))
def test_role_over_route(client, login, world, role, endpoint, method, path, allowed) -> None:  # type: ignore[no-untyped-def]
    users, places = world
    user = users[role] if role is not None else None
    if user is not None:
        login(user)
    response = client.open(_path(path, places, user), method=method)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302 and endpoint not in BACK_TO_LOGIN:
            assert not response.headers["Location"].startswith("/connexion")
    elif role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion")
    else:
        # Outside a role's rights or scope, never data: 403, or 404 for an object
        # whose very existence is not theirs to know.
        assert response.status_code in (403, 404), response.status_code


def test_another_managers_draft_is_not_found(client, login, world, make_user) -> None:  # type: ignore[no-untyped-def]
    _users, places = world
    login(make_user(Role.MANAGER))
    assert client.get(f"/referentiels/importer/{places['draft']}").status_code == 404
    assert (
        client.get(f"/promotions/{places['cohort']}/importer/{places['import']}").status_code == 404
    )


@pytest.mark.parametrize(
    "path",
    [
        "/referentiels/RNCP00000",
        "/referentiels/RNCPTEST/v9",
        "/referentiels/RNCPTEST/v1/export/pdf",
        "/promotions/999999",
        "/promotions/999999/modifier",
        "/promotions/999999/S1/suivi",
        "/promotions/{cohort}/S9/suivi",
        "/contrats/999999",
        "/contrats/999999/changement",
        "/contrats/999999/S1/bilan",
        "/contrats/{mine}/S7/bilan",
        "/contrats/999999/journal",
        "/contrats/999999/S1/journal",
        "/contrats/999999/situations",
        "/contrats/999999/conditions",
        "/contrats/999999/livret",
        "/promotions/999999/tableau",
        "/promotions/999999/tableau/export.csv",
        "/promotions/{cohort}/tableau/export.pdf",
        "/contrats/{mine}/conditions/inconnu/ajouter",
        "/contrats/{mine}/conditions/anglais/999999/modifier",
        "/personnes/999999",
        "/personnes/999999/donnees",
        "/contrats/999999/dossier",
        "/contrats/999999/dossier.pdf",
        "/verify/ZZZZZ-ZZZZZ",
        "/verify/pas-un-code",
        "/taches/999999",
        "/taches/999999/etat",
        "/taches/999999/archive.zip",
        "/jury/sessions/999999",
        "/jury/sessions/999999/proces-verbal.pdf",
        "/jury/sessions/{jury}/candidats/999999",
        "/jury/sessions/{jury}/candidats/{other_candidate}",
        "/jury/sessions/{jury}/membres/999999",
    ],
)
def test_unknown_objects_answer_404(client, login, world, path) -> None:  # type: ignore[no-untyped-def]
    users, places = world
    login(users[Role.MANAGER])
    assert client.get(path.format(**places)).status_code == 404
