"""Jury sessions through the service: members and composition, candidates and their
readiness, decisions and their audit, closing and what it locks, the procès-verbal's data."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import QueryCounter
from tests.jury.conftest import (
    HELD_ON,
    ONE_BELOW,
    TODAY,
    president,
    ready,
    seat,
)
from tests.livret.helpers import sign_semester
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role
from tracker.conditions.service import requirements_met_of
from tracker.errors import DomainError
from tracker.jury import service
from tracker.jury.models import BlockDecision, Candidate, JuryMember, JurySession
from tracker.livret.service import cohort_dashboard, dashboard_apprenticeships
from tracker.people.service import load_track_blocks


def events(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def decide_all(session, jury_session, actor, outcome="awarded", block="acquired") -> None:  # type: ignore[no-untyped-def]
    """Every candidate: every block ``block``, overall ``outcome``."""
    for candidate in jury_session.candidates:
        track = load_track_blocks(session, candidate.apprenticeship.cohort)
        service.record_decisions(
            session,
            candidate,
            track=track,
            blocks={b.id: service.BlockChoice(block) for b in track},
            decision=outcome,
            comment="",
            version=candidate.version,
            actor=actor,
        )


# --- Who sits where ---------------------------------------------------------------------------


def test_sits_on_jury_of(db_session, jury_session, make_contract, manager, make_jury_user) -> None:  # type: ignore[no-untyped-def]
    contract = make_contract("Léa Bernard")
    member = president(jury_session)
    assert not service.sits_on_jury_of(db_session, member.id, contract.id)
    service.add_candidates(db_session, jury_session, [contract.id], actor=manager)
    assert service.sits_on_jury_of(db_session, member.id, contract.id)
    stranger = make_jury_user("Paul Roux")
    assert not service.sits_on_jury_of(db_session, stranger.id, contract.id)
    other = make_contract("Hugo Petit")
    assert not service.sits_on_jury_of(db_session, member.id, other.id)


def test_list_sessions_shows_a_jury_member_only_theirs(  # type: ignore[no-untyped-def]
    db_session, jury_session, cohort, manager, make_jury_user
) -> None:
    other = service.create_session(
        db_session,
        service.SessionInput(cohort.certification_id, HELD_ON, "Paris"),
        actor=manager,
    )
    assert {s.jury_session.id for s in service.list_sessions(db_session)} >= {
        jury_session.id,
        other.id,
    }
    mine = service.list_sessions(db_session, member_id=president(jury_session).id)
    assert [s.jury_session.id for s in mine] == [jury_session.id]
    assert mine[0].members == 3
    assert mine[0].candidates == 0


# --- Session and members ----------------------------------------------------------------------


def test_creating_and_editing_a_session_is_audited(db_session, cohort, manager) -> None:  # type: ignore[no-untyped-def]
    created = service.create_session(
        db_session,
        service.SessionInput(cohort.certification_id, HELD_ON, "  Bordeaux  "),
        actor=manager,
    )
    assert created.place == "Bordeaux"
    assert created.status == "open"
    assert events(db_session, "jury_session.created")[-1].after == {
        "certification_id": cohort.certification_id,
        "held_on": HELD_ON.isoformat(),
        "place": "Bordeaux",
    }
    changed = service.update_session(
        db_session,
        created,
        service.SessionInput(cohort.certification_id, HELD_ON, "Talence"),
        version=created.version,
        actor=manager,
    )
    assert changed
    event = events(db_session, "jury_session.updated")[-1]
    assert (event.before, event.after) == ({"place": "Bordeaux"}, {"place": "Talence"})
    assert not service.update_session(
        db_session,
        created,
        service.SessionInput(cohort.certification_id, HELD_ON, "Talence"),
        version=created.version,
        actor=manager,
    )


def test_a_stale_session_edit_is_refused(db_session, jury_session, manager) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(service.StaleJury):
        service.update_session(
            db_session,
            jury_session,
            service.SessionInput(jury_session.certification_id, HELD_ON, "Ailleurs"),
            version=jury_session.version - 1,
            actor=manager,
        )


def test_the_certification_does_not_change_once_there_are_candidates(  # type: ignore[no-untyped-def]
    db_session, jury_session, make_contract, make_cohort, manager
) -> None:
    other = make_cohort()
    service.add_candidates(db_session, jury_session, [make_contract("Léa").id], actor=manager)
    with pytest.raises(DomainError, match="déjà des candidats"):
        service.update_session(
            db_session,
            jury_session,
            service.SessionInput(other.certification_id, HELD_ON, "Bordeaux"),
            version=jury_session.version,
            actor=manager,
        )


def test_only_jury_accounts_sit_once(db_session, jury_session, manager, make_user) -> None:  # type: ignore[no-untyped-def]
    tutor = make_user(Role.ACADEMIC_TUTOR, name="Jean Tuteur")
    with pytest.raises(DomainError, match="Jean Tuteur n'en est pas un"):
        service.add_member(db_session, jury_session, tutor, seat(), actor=manager)
    with pytest.raises(DomainError, match="siège déjà"):
        service.add_member(db_session, jury_session, president(jury_session), seat(), actor=manager)


def test_one_president_at_a_time(db_session, jury_session, manager, make_jury_user) -> None:  # type: ignore[no-untyped-def]
    former = president(jury_session)
    newcomer = make_jury_user("Anne Vidal")
    service.add_member(db_session, jury_session, newcomer, seat(is_president=True), actor=manager)
    assert president(jury_session) == newcomer
    assert [m.user for m in jury_session.members if m.is_president] == [newcomer]
    # and back, through an edit
    seat_of_former = service.member_of(jury_session, former.id)
    service.update_member(
        db_session,
        seat_of_former,
        seat("academic", is_president=True, capacity="Directrice des formations"),
        actor=manager,
    )
    assert president(jury_session) == former
    demoted, event = events(db_session, "jury_session.member_updated")[-2:]
    assert demoted.before == {"user_id": newcomer.id, "is_president": True}
    assert demoted.after == {"user_id": newcomer.id, "is_president": False}
    assert event.before == {"user_id": former.id, "is_president": False}
    assert event.after == {"user_id": former.id, "is_president": True}


def test_the_database_keeps_one_president(db_session, jury_session) -> None:  # type: ignore[no-untyped-def]
    other = next(m for m in jury_session.members if not m.is_president)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(
            update(JuryMember).where(JuryMember.id == other.id).values(is_president=True)
        )


def test_the_head_of_school_is_a_president_of_a_rule_that_asks_for_one(  # type: ignore[no-untyped-def]
    db_session, make_jury_cohort, manager, make_jury_user
) -> None:
    cnam = make_jury_cohort("RNCP39056")
    created = service.create_session(
        db_session, service.SessionInput(cnam.certification_id, HELD_ON, "Paris"), actor=manager
    )
    head = service.add_member(
        db_session,
        created,
        make_jury_user("Directeur EICnam"),
        seat("academic", is_president=True, represents_head=True),
        actor=manager,
    )
    plain = service.add_member(
        db_session, created, make_jury_user("Membre"), seat(represents_head=True), actor=manager
    )
    assert head.represents_head
    assert not plain.represents_head
    assert "Directeur de l'EICnam" in service.rule_of(created).head_label
    # The general rule asks for no head of school.
    general = service.create_session(
        db_session,
        service.SessionInput(make_jury_cohort().certification_id, HELD_ON, "Paris"),
        actor=manager,
    )
    chair = service.add_member(
        db_session,
        general,
        make_jury_user("Présidente"),
        seat("academic", is_president=True, represents_head=True),
        actor=manager,
    )
    assert not chair.represents_head


def test_cqpm_members_sit_for_a_college(
    db_session, make_jury_cohort, manager, make_jury_user
) -> None:  # type: ignore[no-untyped-def]
    cqpm = make_jury_cohort("RNCP21806")
    created = service.create_session(
        db_session, service.SessionInput(cqpm.certification_id, HELD_ON, "Lyon"), actor=manager
    )
    service.add_member(
        db_session,
        created,
        make_jury_user("Employeur"),
        seat(representation="employer", is_president=True),
        actor=manager,
    )
    assert not service.composition_of(created).valid
    service.add_member(
        db_session,
        created,
        make_jury_user("Salarié"),
        seat(representation="employee"),
        actor=manager,
    )
    assert service.composition_of(created).valid
    # Elsewhere the college is not kept.
    other = service.add_member(
        db_session,
        service.create_session(
            db_session,
            service.SessionInput(make_jury_cohort().certification_id, HELD_ON, "Lyon"),
            actor=manager,
        ),
        make_jury_user("Autre"),
        seat(representation="employer"),
        actor=manager,
    )
    assert other.representation is None


def test_composition_of_the_fixture_session(db_session, jury_session, manager) -> None:  # type: ignore[no-untyped-def]
    composition = service.composition_of(jury_session)
    assert composition.valid
    member = next(m for m in jury_session.members if not m.is_president)
    service.remove_member(db_session, member, actor=manager)
    assert list(service.composition_of(jury_session).missing) == [
        "Le jury compte 2 membre(s) : il en faut au moins 3, président compris (il en manque 1)."
    ]
    assert events(db_session, "jury_session.member_removed")[-1].before["user_id"] == member.user_id


# --- Candidates and readiness -----------------------------------------------------------------


def test_candidates_come_from_cohorts_of_the_certification(  # type: ignore[no-untyped-def]
    db_session, jury_session, make_contract, make_apprenticeship, make_cohort, manager
) -> None:
    lea = make_contract("Léa Bernard")
    stranger = make_apprenticeship(make_cohort())
    with pytest.raises(DomainError, match="promotions de la certification RNCPJURY"):
        service.add_candidates(db_session, jury_session, [lea.id, stranger.id], actor=manager)
    assert service.add_candidates(db_session, jury_session, [lea.id], actor=manager) == 1
    assert service.add_candidates(db_session, jury_session, [lea.id], actor=manager) == 0
    event = events(db_session, "jury_candidate.added")[-1]
    assert event.after == {"apprenticeship_id": lea.id, "jury_session_id": jury_session.id}
    with pytest.raises(DomainError, match="Cochez au moins"):
        service.add_candidates(db_session, jury_session, [], actor=manager)


def test_eligible_candidates_leave_out_those_already_in(  # type: ignore[no-untyped-def]
    db_session, jury_session, make_contract, make_jury_cohort, manager
) -> None:
    lea, hugo = make_contract("Léa Bernard"), make_contract("Hugo Petit")
    later = make_jury_cohort(start_year=2026)
    ines = make_contract("Inès Morel", later)
    service.add_candidates(db_session, jury_session, [lea.id], actor=manager)
    groups = service.eligible_candidates(db_session, jury_session, TODAY)
    assert [[a.id for a, _s in g.lines] for g in groups] == [[hugo.id], [ines.id]]


def test_readiness_and_why_not(
    db_session, jury_session, make_contract, manager, upload_dir
) -> None:  # type: ignore[no-untyped-def]
    lea, hugo, ines = (make_contract(n) for n in ("Léa Bernard", "Hugo Petit", "Inès Morel"))
    ready(db_session, lea, manager, upload_dir)
    sign_semester(db_session, hugo, 1, ONE_BELOW)
    service.add_candidates(db_session, jury_session, [lea.id, hugo.id, ines.id], actor=manager)
    lines = {
        line.apprenticeship.id: line
        for line in service.candidate_lines(db_session, jury_session, TODAY)
    }
    assert lines[lea.id].status.readiness.ready
    assert not lines[hugo.id].status.readiness.ready
    assert lines[hugo.id].status.blocks_missing == ["BC01"]
    assert lines[hugo.id].status.requirements_missing == ["Anglais B2 (CECRL)"]
    assert lines[ines.id].status.blocks_missing == ["BC01", "BC02"]
    # The names, in order.
    assert [line.apprenticeship.apprentice.name for line in lines.values()] != []
    names = [
        line.apprenticeship.apprentice.name
        for line in service.candidate_lines(db_session, jury_session, TODAY)
    ]
    assert names == ["Hugo Petit", "Inès Morel", "Léa Bernard"]


def test_readiness_agrees_with_the_cohort_dashboard(  # type: ignore[no-untyped-def]
    db_session, jury_session, cohort, make_contract, manager, upload_dir
) -> None:
    lea, hugo, ines = (make_contract(n) for n in ("Léa Bernard", "Hugo Petit", "Inès Morel"))
    ready(db_session, lea, manager, upload_dir)
    sign_semester(db_session, hugo, 1, ONE_BELOW)
    contracts = dashboard_apprenticeships(db_session, cohort, with_periods=False)
    dashboard = cohort_dashboard(
        db_session,
        cohort,
        contracts,
        requirements=requirements_met_of(db_session, contracts, TODAY),
        today=TODAY,
    )
    ours = service.formative_statuses(db_session, [lea, hugo, ines], TODAY)
    for row in dashboard.rows:
        assert ours[row.apprenticeship.id].readiness == row.readiness


def test_candidate_lines_issue_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    db_session, jury_session, make_contract, make_jury_cohort, manager, upload_dir
) -> None:
    def count() -> int:
        db_session.flush()
        db_session.expire_all()
        with QueryCounter(db_session) as counter:
            reloaded = db_session.get(JurySession, jury_session.id)
            lines = service.candidate_lines(db_session, reloaded, TODAY)
            for line in lines:  # what the page reads
                _ = (
                    line.apprenticeship.apprentice.name,
                    line.apprenticeship.cohort.name,
                    line.status.blocks_missing,
                    line.decided_blocks,
                )
        return counter.count

    first = make_contract("Léa Bernard")
    ready(db_session, first, manager, upload_dir)
    service.add_candidates(db_session, jury_session, [first.id], actor=manager)
    few = count()
    later = make_jury_cohort(start_year=2026)
    more = [make_contract(f"Apprenti {n}", later if n % 2 else None) for n in range(6)]
    for contract in more[:2]:
        ready(db_session, contract, manager, upload_dir)
    service.add_candidates(db_session, jury_session, [c.id for c in more], actor=manager)
    assert count() == few


# --- Decisions --------------------------------------------------------------------------------


@pytest.fixture
def candidate(db_session, jury_session, make_contract, manager):  # type: ignore[no-untyped-def]
    contract = make_contract("Léa Bernard")
    service.add_candidates(db_session, jury_session, [contract.id], actor=manager)
    return jury_session.candidates[0]


def track(session, candidate):  # type: ignore[no-untyped-def]
    return load_track_blocks(session, candidate.apprenticeship.cohort)


def test_recording_decisions_is_audited_with_before_and_after(  # type: ignore[no-untyped-def]
    db_session, jury_session, candidate
) -> None:
    chair = president(jury_session)
    bc01, bc02 = track(db_session, candidate)
    assert service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={
            bc01.id: service.BlockChoice("acquired", " Très bon dossier. "),
            bc02.id: service.BlockChoice("deferred", "Compléter le rapport."),
        },
        decision="deferred",
        comment="Repasse en septembre.",
        version=candidate.version,
        actor=chair,
    )
    decisions = {d.block_id: d for d in candidate.block_decisions}
    assert decisions[bc01.id].decision == "acquired"
    assert decisions[bc01.id].comment == "Très bon dossier."
    assert decisions[bc01.id].decided_by_id == chair.id
    assert candidate.decision == "deferred"
    assert candidate.decided_by_id == chair.id
    event = events(db_session, "jury_candidate.decided")[-1]
    assert event.object_type == "jury_candidate"
    assert event.actor_id == chair.id
    assert event.before == {
        "apprenticeship_id": candidate.apprenticeship_id,
        "jury_session_id": jury_session.id,
        "blocks": {bc01.code: None, bc02.code: None},
        "decision": None,
        "comment": "",
    }
    assert event.after["blocks"]["RNCPJURYBC02"] == {
        "decision": "deferred",
        "comment": "Compléter le rapport.",
    }
    assert event.after["decision"] == "deferred"

    # A second save: only what changed is logged; the version moved on.
    version = candidate.version
    assert service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={
            bc01.id: service.BlockChoice("acquired", "Très bon dossier."),
            bc02.id: service.BlockChoice("acquired", "Rapport complété."),
        },
        decision="awarded",
        comment="",
        version=version,
        actor=chair,
    )
    assert candidate.version > version
    event = events(db_session, "jury_candidate.decided")[-1]
    assert set(event.after) == {
        "apprenticeship_id",
        "jury_session_id",
        "blocks",
        "decision",
        "comment",
    }
    assert set(event.after["blocks"]) == {"RNCPJURYBC02"}
    # Nothing changed: nothing logged.
    count = len(events(db_session, "jury_candidate.decided"))
    assert not service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={
            bc01.id: service.BlockChoice("acquired", "Très bon dossier."),
            bc02.id: service.BlockChoice("acquired", "Rapport complété."),
        },
        decision="awarded",
        comment="",
        version=candidate.version,
        actor=chair,
    )
    assert len(events(db_session, "jury_candidate.decided")) == count


def test_a_block_decision_can_be_taken_back_before_closing(
    db_session, jury_session, candidate
) -> None:  # type: ignore[no-untyped-def]
    chair = president(jury_session)
    bc01, bc02 = track(db_session, candidate)
    service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={bc01.id: service.BlockChoice("acquired")},
        decision="",
        comment="",
        version=candidate.version,
        actor=chair,
    )
    service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={bc01.id: service.BlockChoice("")},
        decision="",
        comment="",
        version=candidate.version,
        actor=chair,
    )
    assert candidate.block_decisions == []
    assert (
        db_session.scalar(
            select(BlockDecision.id).where(BlockDecision.candidate_id == candidate.id)
        )
        is None
    )


def test_awarding_needs_every_block_acquired(db_session, jury_session, candidate) -> None:  # type: ignore[no-untyped-def]
    bc01, bc02 = track(db_session, candidate)
    with pytest.raises(DomainError, match="ce n'est pas le cas de BC02"):
        service.record_decisions(
            db_session,
            candidate,
            track=[bc01, bc02],
            blocks={
                bc01.id: service.BlockChoice("acquired"),
                bc02.id: service.BlockChoice("not_acquired"),
            },
            decision="awarded",
            comment="",
            version=candidate.version,
            actor=president(jury_session),
        )


@pytest.mark.parametrize(
    ("blocks", "decision", "message"),
    [
        ({"x": "maybe"}, "", "acquis, non acquis ou ajourné"),
        ({}, "perhaps", "décision du jury sur la certification"),
        ({"x": "acquired", "comment": "x" * 5001}, "", "dépasse 5000 caractères"),
    ],
)
def test_decisions_are_checked(
    db_session, jury_session, candidate, blocks, decision, message
) -> None:  # type: ignore[no-untyped-def]
    bc01, bc02 = track(db_session, candidate)
    choices = {}
    if "x" in blocks:
        choices[bc01.id] = service.BlockChoice(blocks["x"], blocks.get("comment", ""))
    with pytest.raises(DomainError, match=message):
        service.record_decisions(
            db_session,
            candidate,
            track=[bc01, bc02],
            blocks=choices,
            decision=decision,
            comment="",
            version=candidate.version,
            actor=president(jury_session),
        )


def test_a_block_outside_the_track_is_refused(
    db_session, jury_session, candidate, make_cohort
) -> None:  # type: ignore[no-untyped-def]
    foreign = load_track_blocks(db_session, make_cohort())[0]
    with pytest.raises(DomainError, match="parcours du candidat"):
        service.record_decisions(
            db_session,
            candidate,
            track=track(db_session, candidate),
            blocks={foreign.id: service.BlockChoice("acquired")},
            decision="",
            comment="",
            version=candidate.version,
            actor=president(jury_session),
        )


def test_a_stale_decision_is_refused(db_session, jury_session, candidate) -> None:  # type: ignore[no-untyped-def]
    bc01, bc02 = track(db_session, candidate)
    stale = candidate.version
    service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={bc01.id: service.BlockChoice("acquired")},
        decision="",
        comment="",
        version=stale,
        actor=president(jury_session),
    )
    with pytest.raises(service.StaleJury):
        service.record_decisions(
            db_session,
            candidate,
            track=[bc01, bc02],
            blocks={bc01.id: service.BlockChoice("not_acquired")},
            decision="",
            comment="",
            version=stale,
            actor=president(jury_session),
        )


def test_removing_a_candidate_keeps_their_decisions_in_the_log(  # type: ignore[no-untyped-def]
    db_session, jury_session, candidate, manager
) -> None:
    bc01, bc02 = track(db_session, candidate)
    service.record_decisions(
        db_session,
        candidate,
        track=[bc01, bc02],
        blocks={bc01.id: service.BlockChoice("acquired")},
        decision="",
        comment="",
        version=candidate.version,
        actor=manager,
    )
    candidate_id = candidate.id
    service.remove_candidate(db_session, candidate, actor=manager)
    assert db_session.get(Candidate, candidate_id) is None
    event = events(db_session, "jury_candidate.removed")[-1]
    assert event.object_id == candidate_id
    assert event.before["blocks"] == {"RNCPJURYBC01": {"decision": "acquired", "comment": ""}}


# --- Closing ----------------------------------------------------------------------------------


def test_closing_says_what_is_missing(db_session, jury_session, candidate, manager) -> None:  # type: ignore[no-untyped-def]
    problems = service.close_problems(db_session, jury_session)
    assert problems == [
        "Des blocs restent sans décision pour : Léa Bernard.",
        "La décision sur la certification manque pour : Léa Bernard.",
    ]
    with pytest.raises(DomainError, match="ne peut pas être close : Des blocs restent"):
        service.close_session(db_session, jury_session, version=jury_session.version, actor=manager)
    member = next(m for m in jury_session.members if not m.is_president)
    service.remove_member(db_session, member, actor=manager)
    assert service.close_problems(db_session, jury_session)[0].startswith(
        "La composition du jury n'est pas conforme à la règle de la certification : Le jury "
        "compte 2 membre(s)"
    )


def test_an_empty_session_does_not_close(db_session, jury_session, manager) -> None:  # type: ignore[no-untyped-def]
    assert service.close_problems(db_session, jury_session) == ["La session n'a aucun candidat."]


@pytest.fixture
def closed(db_session, jury_session, candidate):  # type: ignore[no-untyped-def]
    chair = president(jury_session)
    decide_all(db_session, jury_session, chair)
    service.close_session(db_session, jury_session, version=jury_session.version, actor=chair)
    db_session.flush()
    return jury_session


def test_closing_is_audited(db_session, closed) -> None:  # type: ignore[no-untyped-def]
    assert closed.closed
    assert closed.closed_by_id == president(closed).id
    event = events(db_session, "jury_session.closed")[-1]
    assert event.after == {"status": "closed", "decisions": {"awarded": 1}}


def test_a_closed_session_refuses_every_change(  # type: ignore[no-untyped-def]
    db_session, closed, manager, make_contract, make_jury_user
) -> None:
    candidate = closed.candidates[0]
    bc01, bc02 = track(db_session, candidate)
    member = next(m for m in closed.members if not m.is_president)
    attempts = [
        lambda: service.record_decisions(
            db_session,
            candidate,
            track=[bc01, bc02],
            blocks={bc01.id: service.BlockChoice("not_acquired")},
            decision="not_awarded",
            comment="",
            version=candidate.version,
            actor=manager,
        ),
        lambda: service.update_session(
            db_session,
            closed,
            service.SessionInput(closed.certification_id, HELD_ON, "Ailleurs"),
            version=closed.version,
            actor=manager,
        ),
        lambda: service.add_member(
            db_session, closed, make_jury_user("Tardif"), seat(), actor=manager
        ),
        lambda: service.update_member(db_session, member, seat("academic"), actor=manager),
        lambda: service.remove_member(db_session, member, actor=manager),
        lambda: service.add_candidates(
            db_session, closed, [make_contract("Nouveau").id], actor=manager
        ),
        lambda: service.remove_candidate(db_session, candidate, actor=manager),
        lambda: service.close_session(db_session, closed, version=closed.version, actor=manager),
    ]
    for attempt in attempts:
        with pytest.raises(service.SessionClosed) as refused:
            attempt()
        assert "est close : ses décisions sont définitives" in str(refused.value)
    assert service.close_problems(db_session, closed) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE jury_block_decisions SET decision = 'not_acquired'",
        "DELETE FROM jury_block_decisions",
        "UPDATE jury_candidates SET decision = 'not_awarded'",
        "DELETE FROM jury_candidates",
        "UPDATE jury_members SET capacity = 'x'",
        "DELETE FROM jury_members",
        "UPDATE jury_sessions SET place = 'x'",
        "DELETE FROM jury_sessions",
    ],
)
def test_the_database_refuses_changes_to_a_closed_session(db_session, closed, statement) -> None:  # type: ignore[no-untyped-def]
    table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[2]
    key = {
        "jury_block_decisions": (
            "candidate_id IN (SELECT id FROM jury_candidates WHERE jury_session_id = :s)"
        ),
        "jury_candidates": "jury_session_id = :s",
        "jury_members": "jury_session_id = :s",
        "jury_sessions": "id = :s",
    }[table]
    with (
        pytest.raises(DBAPIError, match="closed jury session is read-only"),
        db_session.begin_nested(),
    ):
        db_session.execute(text(f"{statement} WHERE {key}"), {"s": closed.id})


def test_an_open_session_takes_raw_changes(db_session, jury_session) -> None:  # type: ignore[no-untyped-def]
    db_session.execute(
        text("UPDATE jury_sessions SET place = 'Talence' WHERE id = :s"), {"s": jury_session.id}
    )


# --- Procès-verbal ----------------------------------------------------------------------------


def test_pv_context_is_plain_data(db_session, jury_session, candidate) -> None:  # type: ignore[no-untyped-def]
    import json

    context = service.pv_context(db_session, jury_session)
    json.dumps(context)  # plain data
    assert context["provisional"] is True
    assert context["session"]["held_on"] == "27/06/2028"
    assert context["president"] == "Claire Dumas"
    assert [m["name"] for m in context["members"]] == [
        "Claire Dumas",
        "Marc Lefèvre",
        "Sophie Garnier",
    ]
    assert context["members"][0]["president"] is True
    assert context["composition"]["valid"] is True
    [lea] = context["candidates"]
    assert lea["name"] == "Léa Bernard"
    assert [b["code"] for b in lea["blocks"]] == ["BC01", "BC02"]
    assert lea["blocks"][0]["decision_label"] == "Pas encore de décision"
    assert service.pv_fingerprint(context) == service.pv_fingerprint(
        service.pv_context(db_session, jury_session)
    )


def test_pv_context_once_closed(db_session, closed) -> None:  # type: ignore[no-untyped-def]
    context = service.pv_context(db_session, closed)
    assert context["provisional"] is False
    assert context["session"]["closed_by"] == "Claire Dumas"
    [lea] = context["candidates"]
    assert lea["decision_label"] == "Certification délivrée"
    assert [b["decision_label"] for b in lea["blocks"]] == ["Acquis", "Acquis"]
    assert context["counts"]["Certification délivrée"] == 1


def test_pv_cache(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = service.PvCache(tmp_path / "pv")
    key = "a" * 64
    assert cache.get(key) is None
    cache.put(key, b"%PDF")
    assert cache.get(key) == b"%PDF"
    with pytest.raises(ValueError, match="not a fingerprint"):
        cache.path("../../etc/passwd")
