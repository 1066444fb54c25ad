"""``flask --app wsgi campaigns remind``: the daily reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.campaigns.conftest import only_first_open
from tracker.audit.models import AuditEvent
from tracker.evaluations.models import RaterRole
from tracker.extensions import mail


def reminders_logged(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reminder.sent")
    )


@pytest.fixture
def contract(db_session, make_cohort, make_apprenticeship, add_grid):  # type: ignore[no-untyped-def]
    """A cohort whose S1 window is open today and whose other semesters are still to come
    (it starts this year): the apprentice has submitted, the two tutors have not."""
    cohort = make_cohort(start_year=date.today().year)
    only_first_open(cohort)
    apprenticeship = make_apprenticeship(cohort)
    add_grid(apprenticeship, RaterRole.APPRENTICE, submitted=True)
    db_session.flush()
    return apprenticeship


def run(app, *arguments: str):  # type: ignore[no-untyped-def]
    with mail.record_messages() as outbox:
        result = app.test_cli_runner().invoke(args=["campaigns", "remind", *arguments])
    return result, outbox


def test_dry_run_sends_and_records_nothing(app, db_session, contract) -> None:  # type: ignore[no-untyped-def]
    result, outbox = run(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Essai : 2 relance(s) à envoyer, 0 déjà relancé(s)" in result.output
    assert f"personne {contract.current_period.company_tutor.id} : grid" in result.output
    assert contract.current_period.company_tutor.email not in result.output  # ids only
    assert outbox == []
    assert reminders_logged(db_session) == 0


def test_each_person_is_reminded_at_most_once_every_n_days(app, db_session, contract) -> None:  # type: ignore[no-untyped-def]
    result, outbox = run(app)
    assert result.exit_code == 0, result.output
    assert "2 relance(s) envoyée(s), 0 déjà relancé(s) il y a moins de 7 jours." in result.output
    tutors = contract.current_period
    assert sorted(m.recipients[0] for m in outbox) == sorted(
        [tutors.company_tutor.email, tutors.academic_tutor.email]
    )
    body = outbox[0].body
    assert f"http://localhost/contrats/{contract.id}/S1/grille/" in body
    assert "Ce rappel" not in body  # no manager sent it
    assert reminders_logged(db_session) == 2

    again, outbox = run(app)
    assert "0 relance(s) envoyée(s), 2 déjà relancé(s) il y a moins de 7 jours." in again.output
    assert outbox == []

    def on(days: int) -> str:
        return (date.today() + timedelta(days=days)).isoformat()

    assert run(app, "--today", on(6))[1] == []
    week, outbox = run(app, "--today", on(7))
    assert "2 relance(s) envoyée(s)" in week.output
    assert len(outbox) == 2
    longer, outbox = run(app, "--every", "30", "--today", on(20))
    assert "0 relance(s) envoyée(s), 2 déjà relancé(s) il y a moins de 30 jours." in longer.output
    assert outbox == []
    assert len(run(app, "--every", "1", "--today", on(1))[1]) == 2
    assert reminders_logged(db_session) == 6


def test_a_reminder_from_the_page_counts(
    app, client, db_session, contract, make_cohort, login
) -> None:  # type: ignore[no-untyped-def]
    login(make_cohort.manager)
    tutor = contract.current_period.company_tutor
    with mail.record_messages():
        client.post(
            f"/promotions/{contract.cohort_id}/S1/relances",
            data={"action": "selected", "person": str(tutor.id)},
        )
    result, outbox = run(app)
    assert "1 relance(s) envoyée(s), 1 déjà relancé(s)" in result.output
    assert [m.recipients for m in outbox] == [[contract.current_period.academic_tutor.email]]


def test_nothing_pending_nothing_sent(app, db_session, make_cohort) -> None:  # type: ignore[no-untyped-def]
    make_cohort(start_year=date.today().year + 1)
    result, outbox = run(app, "--today", date.today().isoformat())
    assert result.exit_code == 0, result.output
    assert "0 relance(s) envoyée(s)" in result.output
    assert outbox == []


def test_a_refused_mail_fails_the_run_and_is_not_logged(
    app, db_session, contract, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import smtplib

    def refuse(message) -> None:  # type: ignore[no-untyped-def]
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(mail, "send", refuse)
    result, _outbox = run(app)
    assert result.exit_code == 1
    assert "2 relance(s) non envoyée(s)" in result.output
    assert reminders_logged(db_session) == 0
