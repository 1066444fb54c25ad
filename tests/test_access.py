"""Who may reach what: every role, and an anonymous visitor, over every route.

Every route of the app must appear in ROUTES (a test checks it), so each new route is
walked by every role as soon as it exists. Outside a role's rights the answer is never
data: 403 for a signed-in user, the login page for an anonymous visitor, 404 for objects
that do not exist or are not the user's.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tracker.auth.models import Role
from tracker.referentials import service
from tracker.referentials.records import BlockRecord, CertificationRecord, CompetenceRecord

EVERYONE = {None, *Role}
SIGNED_IN = set(Role)
STAFF = {Role.MANAGER, Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR, Role.JURY}
MANAGERS = {Role.MANAGER}

# (endpoint, method, path, roles allowed)
ROUTES = [
    ("core.home", "GET", "/", EVERYONE),
    ("core.accessibility", "GET", "/accessibilite", EVERYONE),
    ("core.set_language", "POST", "/langue", EVERYONE),
    ("auth.login", "GET", "/connexion", EVERYONE),
    ("auth.logout", "POST", "/deconnexion", SIGNED_IN),
    ("referentials.index", "GET", "/referentiels/", STAFF),
    ("referentials.detail", "GET", "/referentiels/RNCPTEST", STAFF),
    ("referentials.detail", "GET", "/referentiels/RNCPTEST/v1", STAFF),
    ("referentials.export", "GET", "/referentiels/RNCPTEST/v1/export/case", MANAGERS),
    ("referentials.start_import", "GET", "/referentiels/importer", MANAGERS),
    ("referentials.review", "GET", "/referentiels/importer/DRAFT", MANAGERS),
]


def test_every_route_is_in_the_access_table(app: Flask) -> None:
    routed = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routed == {endpoint for endpoint, *_ in ROUTES}


@pytest.fixture
def world(db_session, make_user):  # type: ignore[no-untyped-def]
    """One user per role, a certification, and an import draft of the manager."""
    users = {role: make_user(role) for role in Role}
    service.save_certification(
        db_session,
        CertificationRecord(
            code="RNCPTEST",
            title="Certification de test",
            blocks=[BlockRecord("RNCPTESTBC01", "Bloc", [CompetenceRecord("Faire")])],
        ),
        source="rncp",
    )
    draft = service.create_draft(
        db_session,
        user_id=users[Role.MANAGER].id,
        proposals=[
            service.Proposal(service.to_record(service.get_certification(db_session, "RNCPTEST")))
        ],
        source="rncp",
        source_name="x.xml",
    )
    return users, draft.token


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(("endpoint", "method", "path", "allowed"), ROUTES, ids=lambda v: str(v))
def test_role_over_route(client, login, world, role, endpoint, method, path, allowed) -> None:  # type: ignore[no-untyped-def]
    users, token = world
    if role is not None:
        login(users[role])
    response = client.open(path.replace("DRAFT", token), method=method)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/connexion")
    elif role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/connexion")
    else:
        assert response.status_code == 403


def test_another_managers_draft_is_not_found(client, login, world, make_user) -> None:  # type: ignore[no-untyped-def]
    _users, token = world
    login(make_user(Role.MANAGER))
    assert client.get(f"/referentiels/importer/{token}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/referentiels/RNCP00000",
        "/referentiels/RNCPTEST/v9",
        "/referentiels/RNCPTEST/v1/export/pdf",
    ],
)
def test_unknown_objects_answer_404(client, login, world, path) -> None:  # type: ignore[no-untyped-def]
    users, _token = world
    login(users[Role.MANAGER])
    assert client.get(path).status_code == 404
