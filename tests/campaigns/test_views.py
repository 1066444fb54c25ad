"""The follow-up page of a cohort semester and the reminders sent from it."""

from __future__ import annotations

import re
import smtplib

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.campaigns.conftest import open_window
from tests.conftest import page
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role
from tracker.evaluations.models import RaterRole
from tracker.extensions import db, mail

APPRENTICE, COMPANY, ACADEMIC = (
    RaterRole.APPRENTICE,
    RaterRole.COMPANY_TUTOR,
    RaterRole.ACADEMIC_TUTOR,
)


@pytest.fixture
def campaign(db_session, make_cohort, make_apprenticeship, make_user, add_grid, add_review):  # type: ignore[no-untyped-def]
    """S1 open today: Sophie Martin tutors Léa (company grid submitted) and Hugo (nothing
    yet); Marc Lefèvre is both apprentices' academic tutor; Zoé's review is signing."""
    cohort = make_cohort(name="Mécanique 2025")
    open_window(cohort)
    sophie = make_user(Role.COMPANY_TUTOR, name="Sophie Martin")
    marc = make_user(Role.ACADEMIC_TUTOR, name="Marc Lefèvre")
    lea = make_apprenticeship(
        cohort,
        apprentice=make_user(Role.APPRENTICE, name="Léa Bernard"),
        company_tutor=sophie,
        academic_tutor=marc,
    )
    hugo = make_apprenticeship(
        cohort,
        apprentice=make_user(Role.APPRENTICE, name="Hugo Petit"),
        company_tutor=sophie,
        academic_tutor=marc,
    )
    zoe = make_apprenticeship(cohort, apprentice=make_user(Role.APPRENTICE, name="Zoé Marchand"))
    add_grid(lea, COMPANY, submitted=True)
    add_grid(lea, APPRENTICE)
    for role in RaterRole:
        add_grid(zoe, role, submitted=True)
    add_review(zoe, "signing", signed_by=(ACADEMIC,))
    return cohort, {"lea": lea, "hugo": hugo, "zoe": zoe, "sophie": sophie, "marc": marc}


def url(cohort, what: str = "suivi", number: int = 1) -> str:  # type: ignore[no-untyped-def]
    return f"/promotions/{cohort.id}/S{number}/{what}"


@pytest.fixture
def manager(make_cohort, login):  # type: ignore[no-untyped-def]
    login(make_cohort.manager)
    return make_cohort.manager


def reminder_events(db_session) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reminder.sent").order_by(AuditEvent.id)
        )
    )


def test_the_follow_up_page_shows_every_apprentice_in_text(client, campaign, manager) -> None:  # type: ignore[no-untyped-def]
    cohort, _who = campaign
    text = page(client.get(url(cohort)))
    assert "Suivi de campagne S1" in text
    assert "4 grilles sur 9 soumises" in text
    assert "0 bilans signés sur 3" in text
    row = re.search(r"Léa Bernard</a></th>(.*?)</tr>", text, re.S).group(1)
    assert "brouillon" in row
    assert "soumise" in row
    assert "pas commencée" in row
    assert "non ouvert" in row
    assert "Sophie Martin" in row
    assert "Marc Lefèvre" in row
    assert "auto-évaluation à terminer" in row
    assert "grille à remplir" in row  # Marc's
    zoe = re.search(r"Zoé Marchand</a></th>(.*?)</tr>", text, re.S).group(1)
    assert "en signature" in zoe
    assert "Signé : Tuteur académique" in zoe
    assert "Manque : Apprenti·e, Maître d'apprentissage" in zoe
    assert "bilan à prendre en compte" in zoe
    assert "bilan à signer" in zoe


def test_the_filter_keeps_those_with_something_pending(
    client, db_session, campaign, manager, add_grid, add_review
) -> None:  # type: ignore[no-untyped-def]
    cohort, who = campaign
    done = who["zoe"]
    # Hugo: everything in and signed.
    for role in RaterRole:
        add_grid(who["hugo"], role, submitted=True)
    add_review(who["hugo"], "locked", signed_by=(ACADEMIC, COMPANY, APPRENTICE))
    text = page(client.get(url(cohort) + "?en_attente=1"))
    assert "1 bilans signés sur 3" in text
    assert "2 apprenti·e(s) affiché(s) sur 3" in text
    assert "Hugo Petit</a></th>" not in text
    assert f"{done.apprentice.name}</a></th>" in text
    everyone = page(client.get(url(cohort)))
    assert "Hugo Petit</a></th>" in everyone
    assert "verrouillé" in everyone


def test_a_finished_semester_has_nobody_to_remind(
    client, make_cohort, make_apprenticeship, add_grid, add_review, manager
) -> None:  # type: ignore[no-untyped-def]
    cohort = make_cohort(name="Mécanique 2024")
    open_window(cohort)
    done = make_apprenticeship(cohort)
    for role in RaterRole:
        add_grid(done, role, submitted=True)
    add_review(done, "locked", signed_by=(ACADEMIC, COMPANY, APPRENTICE))
    text = page(client.get(url(cohort)))
    assert "1 bilans signés sur 1" in text
    assert "Signé par les trois." in text
    assert "il n'y a personne à relancer" in text
    assert "Relancer les personnes cochées" not in text
    assert "Relancer toutes les personnes" not in text


def test_the_follow_up_is_paged_and_a_reminder_comes_back_to_its_page(
    client, db_session, campaign, manager, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    cohort, who = campaign
    monkeypatch.setattr("tracker.pagination.PER_PAGE", 2)
    first = page(client.get(url(cohort)))
    assert "3 apprenti·e(s) affiché(s) sur 3 — page 1 sur 2" in first
    assert "Hugo Petit</a></th>" in first
    assert "Zoé Marchand</a></th>" not in first  # by name: Hugo, Léa | Zoé
    second = page(client.get(url(cohort) + "?page=2"))
    assert "Zoé Marchand</a></th>" in second
    assert "Hugo Petit</a></th>" not in second
    assert 'name="page" value="2"' in second
    zoe = who["zoe"].apprentice
    response = client.post(
        url(cohort, "relances"), data={"person": str(zoe.id), "page": "2", "action": "selected"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(cohort) + "?page=2")


@pytest.mark.parametrize(
    "role", [Role.COMPANY_TUTOR, Role.ACADEMIC_TUTOR, Role.APPRENTICE, Role.JURY]
)
def test_only_the_programme_manager_follows_a_campaign(
    client, campaign, make_user, login, role
) -> None:  # type: ignore[no-untyped-def]
    cohort, _who = campaign
    login(make_user(role))
    assert client.get(url(cohort)).status_code == 403
    assert client.post(url(cohort, "relances"), data={"action": "all"}).status_code == 403


def test_unknown_cohort_or_semester_is_not_found(client, campaign, manager) -> None:  # type: ignore[no-untyped-def]
    cohort, _who = campaign
    assert client.get(f"/promotions/{cohort.id + 1000}/S1/suivi").status_code == 404
    assert client.get(url(cohort, number=7)).status_code == 404
    assert client.post(url(cohort, "relances", number=7), data={"action": "all"}).status_code == 404


def test_a_reminder_groups_a_persons_items_in_one_mail_and_is_logged(
    client, db_session, campaign, manager
) -> None:  # type: ignore[no-untyped-def]
    cohort, who = campaign
    sophie, hugo = who["sophie"], who["hugo"]
    with mail.record_messages() as outbox:
        response = client.post(
            url(cohort, "relances"),
            data={"action": "selected", "person": [str(sophie.id), str(sophie.id)]},
            follow_redirects=True,
        )
    assert response.status_code == 200
    assert "1 relance(s) envoyée(s) par e-mail : Sophie Martin." in page(response)
    (message,) = outbox
    assert message.recipients == [sophie.email]
    assert "S1" in message.subject
    assert "Mécanique 2025" in message.subject
    body = message.body
    assert body.startswith("Bonjour Sophie Martin,")
    assert "Responsable des fixtures, responsable de formation, vous adresse ce rappel." in body
    assert "Hugo Petit : remplir et soumettre votre grille d'évaluation" in body
    assert f"http://localhost/contrats/{hugo.id}/S1/grille/entreprise" in body
    assert "Léa Bernard" not in body  # her grid is submitted
    assert "La fenêtre d'évaluation du semestre se ferme le" in body
    (event,) = reminder_events(db_session)
    assert event.object_type == "apprenticeship"
    assert event.object_id == hugo.id
    assert event.actor_id == manager.id
    assert event.after == {
        "to": sophie.id,
        "role": "company_tutor",
        "items": ["grid"],
        "semester": 1,
    }
    # The page now tells when Sophie was last reminded.
    assert "relancé·e le" in page(client.get(url(cohort)))


def test_remind_everyone_pending(client, db_session, campaign, manager) -> None:  # type: ignore[no-untyped-def]
    cohort, who = campaign
    with mail.record_messages() as outbox:
        response = client.post(
            url(cohort, "relances"), data={"action": "all"}, follow_redirects=True
        )
    assert response.status_code == 200
    recipients = sorted(m.recipients[0] for m in outbox)
    zoe = who["zoe"]
    expected = {
        who["sophie"],  # Hugo's grid
        who["marc"],  # both grids
        who["lea"].apprentice,
        who["hugo"].apprentice,
        zoe.apprentice,  # acknowledge the review
        zoe.current_period.company_tutor,  # sign the review
    }
    assert recipients == sorted(p.email for p in expected)
    marc = next(m for m in outbox if m.recipients == [who["marc"].email])
    assert marc.body.count("remplir et soumettre votre grille d'évaluation") == 2
    zoe_mail = next(m for m in outbox if m.recipients == [zoe.apprentice.email])
    assert "prendre connaissance du bilan tripartite de votre semestre" in zoe_mail.body
    assert f"http://localhost/contrats/{zoe.id}/S1/bilan" in zoe_mail.body
    # Marc: one event per apprenticeship.
    events = reminder_events(db_session)
    assert len([e for e in events if e.after["to"] == who["marc"].id]) == 2
    assert len(events) == 7


def test_nothing_chosen_sends_nothing(client, db_session, campaign, manager) -> None:  # type: ignore[no-untyped-def]
    cohort, _who = campaign
    with mail.record_messages() as outbox:
        response = client.post(
            url(cohort, "relances"), data={"action": "selected"}, follow_redirects=True
        )
    assert "Cochez au moins une personne à relancer." in page(response)
    assert outbox == []
    assert reminder_events(db_session) == []


def test_a_mail_server_failure_is_shown_and_not_logged(
    client, db_session, campaign, manager, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    cohort, who = campaign

    def refuse(message) -> None:  # type: ignore[no-untyped-def]
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(mail, "send", refuse)
    response = client.post(
        url(cohort, "relances"),
        data={"action": "selected", "person": str(who["sophie"].id)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Le serveur de messagerie n'a pas accepté 1 relance(s) : Sophie Martin." in page(
        response
    )
    assert reminder_events(db_session) == []


def _count_queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements)


def test_the_follow_up_page_issues_the_same_queries_for_3_or_30_apprentices(
    client, db_session, make_cohort, make_apprenticeship, add_grid, add_review, manager
) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for size in (3, 30):
        cohort = make_cohort()
        open_window(cohort)
        for index in range(size):
            apprenticeship = make_apprenticeship(cohort)
            add_grid(apprenticeship, APPRENTICE, submitted=index % 2 == 0)
            if index % 3 == 0:
                add_grid(apprenticeship, COMPANY, submitted=True)
                add_grid(apprenticeship, ACADEMIC, submitted=True)
                add_grid(apprenticeship, APPRENTICE, submitted=True, number=2)
                add_review(apprenticeship, "signing", signed_by=(ACADEMIC,))
        db_session.flush()
        counts.append(_count_queries(client, url(cohort)))
        assert "Suivi de campagne S1" in page(client.get(url(cohort)))
    assert counts[0] == counts[1], counts
