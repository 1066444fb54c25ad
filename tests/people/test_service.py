"""Cohorts, apprenticeships, tutor changes, people, anonymisation, export, the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.conftest import VALID_SIRET
from tracker.audit.models import AuditEvent
from tracker.audit.service import events_for
from tracker.auth.models import Role
from tracker.errors import DomainError
from tracker.people import service
from tracker.people.privacy import export_person
from tracker.permissions import may_view_apprenticeship, may_view_period, may_view_semester


def test_a_new_cohort_gets_the_default_scale_calendar_and_trajectory(make_cohort) -> None:
    cohort = make_cohort(start_year=2025)
    assert cohort.scale_labels == ["Non acquis", "En cours d'acquisition", "Acquis", "Maîtrisé"]
    assert cohort.not_observed_label == "Non observé"
    assert cohort.threshold == 3
    assert [s.expected_level for s in cohort.semesters] == [1, 2, 2, 2, 3, 3]
    s1, s2, *_rest, s6 = cohort.semesters
    assert (s1.starts_on, s1.ends_on) == (date(2025, 9, 1), date(2026, 1, 31))
    assert (s2.starts_on, s2.ends_on) == (date(2026, 2, 1), date(2026, 8, 31))
    assert s6.ends_on == date(2028, 8, 31)
    assert s1.window_opens_on < s1.ends_on < s1.window_closes_on
    assert cohort.level_label(3) == "Acquis"
    assert cohort.level_label(None) == "Non observé"


def test_cohort_names_are_unique(make_cohort) -> None:
    make_cohort(name="Mécanique 2025")
    with pytest.raises(DomainError, match="porte déjà ce nom"):
        make_cohort(name="mécanique 2025")


def _plans(cohort, **changes):  # type: ignore[no-untyped-def]
    plans = service.semester_plans(cohort)
    for number, values in changes.items():
        for key, value in values.items():
            setattr(plans[int(number[1:]) - 1], key, value)
    return plans


@pytest.mark.parametrize(
    ("labels", "threshold", "changes", "message"),
    [
        (["Seul"], 1, {}, "de 2 à 10 niveaux"),
        (["A", "a", "B"], 2, {}, "même libellé"),
        (["A", "B", "C"], 4, {}, "seuil de maîtrise"),
        (["A", "B", "C", "D"], 3, {"s2": {"starts_on": date(2026, 1, 15)}}, "après la fin de S1"),
        (["A", "B", "C", "D"], 3, {"s1": {"ends_on": date(2025, 8, 1)}}, "la fin doit suivre"),
        (["A", "B", "C", "D"], 3, {"s3": {"expected_level": 1}}, "ne peut pas baisser"),
        (["A", "B", "C", "D"], 3, {"s6": {"expected_level": 5}}, "niveau de l'échelle"),
        (
            ["A", "B", "C", "D"],
            3,
            {"s1": {"window_closes_on": date(2025, 12, 1), "window_opens_on": date(2026, 1, 1)}},
            "se fermer après",
        ),
    ],
)
def test_incoherent_settings_are_refused_and_change_nothing(
    db_session, make_cohort, labels, threshold, changes, message
) -> None:  # type: ignore[no-untyped-def]
    cohort = make_cohort(start_year=2025)
    with pytest.raises(DomainError, match=message):
        service.update_cohort(
            db_session,
            cohort,
            name=cohort.name,
            scale_labels=labels,
            not_observed_label="Non observé",
            threshold=threshold,
            plans=_plans(cohort, **changes),
            actor=make_cohort.manager,
        )
    assert cohort.scale_labels == list(service.DEFAULT_SCALE)


def test_updating_a_cohort_is_audited_with_before_and_after(db_session, make_cohort) -> None:
    cohort = make_cohort(start_year=2025)
    plans = _plans(cohort, s1={"window_closes_on": date(2026, 3, 15)})
    service.update_cohort(
        db_session,
        cohort,
        name="Mécanique 2025",
        scale_labels=["Débutant", "Intermédiaire", "Confirmé"],
        not_observed_label="Pas vu",
        threshold=2,
        plans=[
            *plans[:3],
            *(service.SemesterPlan(**{**vars(p), "expected_level": 2}) for p in plans[3:]),
        ],
        actor=make_cohort.manager,
    )
    assert cohort.level_label(2) == "Intermédiaire"
    assert cohort.semesters[0].window_closes_on == date(2026, 3, 15)
    event = events_for(db_session, "cohort", cohort.id)[-1]
    assert event.action == "cohort.updated"
    assert event.actor_id == make_cohort.manager.id
    assert event.before["threshold"] == 3
    assert event.after["threshold"] == 2


def test_a_tutor_change_closes_a_period_and_keeps_earlier_semesters(
    db_session, make_user, make_apprenticeship
) -> None:
    first_tutor = make_user(Role.COMPANY_TUTOR)
    apprenticeship = make_apprenticeship(company_tutor=first_tutor)
    cohort = apprenticeship.cohort
    new_tutor = make_user(Role.COMPANY_TUTOR)
    service.change_placement(
        db_session,
        apprenticeship,
        effective_on=date(cohort.start_year + 1, 9, 1),
        placement=service.Placement(
            "Aérotech Systèmes",
            VALID_SIRET,
            new_tutor,
            apprenticeship.current_period.academic_tutor,
        ),
        actor=new_tutor,
    )
    old, current = apprenticeship.periods
    assert old.ends_on == date(cohort.start_year + 1, 8, 31)
    assert current.is_current
    assert current.company_tutor_id == new_tutor.id
    by_semester = {s.number: apprenticeship.period_of(s) for s in cohort.semesters}
    assert [by_semester[n].company_tutor_id for n in range(1, 7)] == [first_tutor.id] * 2 + [
        new_tutor.id
    ] * 4
    # The former tutor reads their two semesters, and nothing of the new period.
    assert may_view_apprenticeship(first_tutor, apprenticeship)
    assert [may_view_semester(first_tutor, apprenticeship, s) for s in cohort.semesters] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert not may_view_period(first_tutor, apprenticeship, current)
    assert all(may_view_semester(new_tutor, apprenticeship, s) for s in cohort.semesters)
    event = events_for(db_session, "apprenticeship", apprenticeship.id)[-1]
    assert event.action == "apprenticeship.placement_changed"
    assert event.before["company_tutor_id"] == first_tutor.id


@pytest.mark.parametrize(
    ("effective", "siret", "same", "message"),
    [
        (0, VALID_SIRET, False, "après le début"),
        (400, "73282932000075", False, "n'est pas valide"),
        (400, VALID_SIRET, True, "Rien ne change"),
        (5000, VALID_SIRET, False, "avant la fin du contrat"),
    ],
)
def test_bad_tutor_changes_are_refused(
    db_session, make_user, make_apprenticeship, effective, siret, same, message
) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    current = apprenticeship.current_period
    tutor = current.company_tutor if same else make_user(Role.COMPANY_TUTOR)
    with pytest.raises(DomainError, match=message):
        service.change_placement(
            db_session,
            apprenticeship,
            effective_on=apprenticeship.starts_on + timedelta(days=effective),
            placement=service.Placement(current.company_name, siret, tutor, current.academic_tutor),
            actor=tutor,
        )
    assert len(apprenticeship.periods) == 1


def test_an_apprentice_joins_a_cohort_once(make_apprenticeship) -> None:
    first = make_apprenticeship()
    with pytest.raises(DomainError, match="fait déjà partie"):
        make_apprenticeship(first.cohort, apprentice=first.apprentice)


def test_the_academic_tutor_must_hold_that_role(make_user, make_apprenticeship) -> None:
    with pytest.raises(DomainError, match="n'a pas ce rôle"):
        make_apprenticeship(academic_tutor=make_user(Role.COMPANY_TUTOR))


def test_an_existing_account_is_reused_and_given_the_role(db_session, make_user) -> None:
    manager = make_user(Role.MANAGER)
    academic = make_user(Role.ACADEMIC_TUTOR, email="double@exemple.fr")
    user, created = service.find_or_create_person(
        db_session,
        name="Autre nom",
        email=" Double@Exemple.fr ",
        role=Role.COMPANY_TUTOR,
        actor=manager,
    )
    assert user.id == academic.id
    assert not created
    assert user.roles == {Role.ACADEMIC_TUTOR, Role.COMPANY_TUTOR}
    event = events_for(db_session, "user", user.id)[-1]
    assert (event.before, event.after) == (
        {"roles": ["academic_tutor"]},
        {"roles": ["academic_tutor", "company_tutor"]},
    )


def test_a_manager_cannot_remove_their_own_manager_role(db_session, make_user) -> None:
    manager = make_user(Role.MANAGER)
    with pytest.raises(DomainError, match="propre rôle"):
        service.update_person(
            db_session,
            manager,
            name=manager.name,
            email=manager.email,
            roles={Role.JURY},
            actor=manager,
        )


def test_anonymisation_erases_identity_but_keeps_the_history(
    db_session, make_user, make_apprenticeship
) -> None:
    tutor = make_user(Role.COMPANY_TUTOR, name="Sophie Martin", email="sophie@exemple.fr")
    apprenticeship = make_apprenticeship(company_tutor=tutor)
    manager = make_user(Role.MANAGER)
    token = tutor.session_token
    service.anonymise_person(db_session, tutor, actor=manager)
    assert tutor.name == f"Personne anonymisée n° {tutor.id}"
    assert "sophie" not in tutor.email
    assert tutor.password_hash is None
    assert not tutor.active
    assert tutor.session_token != token
    assert apprenticeship.current_period.company_tutor_id == tutor.id
    exported = export_person(db_session, tutor)
    assert "Sophie" not in str(exported)
    with pytest.raises(DomainError, match="déjà anonymisée"):
        service.anonymise_person(db_session, tutor, actor=manager)
    with pytest.raises(DomainError, match="propre compte"):
        service.anonymise_person(db_session, manager, actor=manager)


def test_the_export_holds_the_persons_contracts_and_tutoring(
    db_session, make_user, make_apprenticeship
) -> None:
    apprentice = make_user(Role.APPRENTICE, name="Léa Bernard")
    tutor = make_user(Role.COMPANY_TUTOR, name="Sophie Martin")
    make_apprenticeship(apprentice=apprentice, company_tutor=tutor)
    mine = export_person(db_session, apprentice)
    assert mine["compte"]["nom"] == "Léa Bernard"
    assert mine["contrats_apprentissage"][0]["periodes"][0]["maitre_apprentissage"] == (
        "Sophie Martin"
    )
    assert mine["contrats_apprentissage"][0]["periodes"][0]["siret"] == VALID_SIRET
    theirs = export_person(db_session, tutor)
    assert theirs["tutorats"][0]["apprenti"] == "Léa Bernard"
    assert theirs["tutorats"][0]["role"] == "maitre_apprentissage"


def test_the_audit_log_refuses_updates_and_deletes(db_session, make_cohort) -> None:
    cohort = make_cohort()
    event_id = db_session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.object_type == "cohort", AuditEvent.object_id == cohort.id
        )
    )
    for statement in (
        f"UPDATE audit_events SET action = 'forged' WHERE id = {event_id}",
        f"DELETE FROM audit_events WHERE id = {event_id}",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db_session.begin_nested():
            db_session.execute(sa.text(statement))


def test_the_scale_is_fixed_once_a_grid_holds_ratings(db_session, make_apprenticeship) -> None:
    from tracker.evaluations import service as evaluations
    from tracker.evaluations.models import RaterRole

    apprenticeship = make_apprenticeship()
    cohort = apprenticeship.cohort
    tutor = apprenticeship.current_period.company_tutor
    semester = cohort.semester(1)
    grid = evaluations.open_grid(
        db_session, apprenticeship, semester, RaterRole.COMPANY_TUTOR, tutor
    )

    def update(labels: list[str], threshold: int = 3, window: date | None = None) -> None:
        service.update_cohort(
            db_session,
            cohort,
            name=cohort.name,
            scale_labels=labels,
            not_observed_label=cohort.not_observed_label,
            threshold=threshold,
            plans=_plans(cohort, s1={"window_closes_on": window or semester.window_closes_on}),
            actor=tutor,
        )

    update([*service.DEFAULT_SCALE[:3], "Expert"])  # no rating yet: free to change
    assert cohort.level_label(4) == "Expert"
    first = evaluations.track_competences(cohort)[0]
    evaluations.save_grid(
        db_session,
        grid,
        version=grid.version,
        ratings={first.id: evaluations.RatingInput(level=2)},
        general_comment="",
        actor=tutor,
        today=semester.window_opens_on,
    )
    with pytest.raises(DomainError, match="échelle ne peut plus changer"):
        update(["Débutant", "En progrès", "Acquis", "Expert"])  # renamed levels
    assert cohort.level_label(4) == "Expert"
    # The threshold and the calendar (extending a window) stay editable.
    update([*service.DEFAULT_SCALE[:3], "Expert"], threshold=2, window=date(2026, 3, 31))
    assert cohort.threshold == 2
    assert semester.window_closes_on == date(2026, 3, 31)
