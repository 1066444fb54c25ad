"""Who may reach what: every role, and an anonymous visitor, over every route.

Every route of the app must appear in ROUTES (a test checks it), so each new route is
walked by every role as soon as it exists. Outside a role's rights the answer is never
data: 403 for a signed-in user, the login page for an anonymous visitor, 404 for objects
that do not exist or are not the user's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tracker.auth import service as auth_service
from tracker.auth.models import Role, TokenPurpose
from tracker.people import service as people_service
from tracker.referentials import service

EVERYONE = {None, *Role}
SIGNED_IN = set(Role)
STAFF = {Role.MANAGER, Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR, Role.JURY}
MANAGERS = {Role.MANAGER}
TUTORS = {Role.COMPANY_TUTOR, Role.ACADEMIC_TUTOR}
# Who may read the contract of "my" apprentice (MINE): the apprentice and their tutors.
MINE_READERS = {Role.MANAGER, Role.APPRENTICE, *TUTORS}

# Without a password just checked, the second-factor page sends everyone back to sign in.
BACK_TO_LOGIN = {"auth.login_code"}

# (endpoint, method, path, roles allowed). In paths, {mine} is the apprenticeship of the
# world's apprentice (followed by the world's tutors), {other} one of strangers, {cohort}
# a cohort, {person} a stranger's account, {me} the signed-in user's own account, {reset}
# and {invitation} the links e-mailed to a stranger.
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
    ("people.my_apprentices", "GET", "/apprentis", TUTORS),
    ("people.people", "GET", "/personnes/", MANAGERS),
    ("people.new_person", "GET", "/personnes/nouvelle", MANAGERS),
    ("people.person", "GET", "/personnes/{person}", MANAGERS),
    ("people.invite_person", "POST", "/personnes/{person}/invitation", MANAGERS),
    ("people.set_active", "POST", "/personnes/{person}/activation", MANAGERS),
    ("people.anonymise", "POST", "/personnes/{person}/anonymiser", MANAGERS),
    ("people.export", "GET", "/personnes/{person}/donnees", MANAGERS),
    ("people.export", "GET", "/personnes/{me}/donnees", SIGNED_IN),
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
    }
    return users, places


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
        "/contrats/999999",
        "/contrats/999999/changement",
        "/personnes/999999",
        "/personnes/999999/donnees",
    ],
)
def test_unknown_objects_answer_404(client, login, world, path) -> None:  # type: ignore[no-untyped-def]
    users, _places = world
    login(users[Role.MANAGER])
    assert client.get(path).status_code == 404
