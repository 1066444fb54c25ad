"""Conditions of award: recording evidence, validation and refusal, stale versions refused,
edits sending a record back for validation, proofs accepted from their content only, the
database's own checks, the checklist (its words and its fixed number of queries), audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conditions.conftest import (
    TODAY,
    academic,
    company,
    english_input,
    mobility_input,
    proof,
    stored_files,
)
from tests.conftest import QueryCounter
from tests.situations.conftest import PDF, image_bytes
from tracker.audit.service import events_for
from tracker.auth.models import Role
from tracker.conditions import service
from tracker.conditions.models import (
    CompanyOpinion,
    ConditionProof,
    EnglishCertificate,
    FinalAssessment,
    MobilityPeriod,
)
from tracker.errors import DomainError
from tracker.permissions import (
    may_delete_condition,
    may_enter_condition,
    may_validate_conditions,
    may_view_conditions,
)
from tracker.referentials.records import RequirementKind, RequirementRecord

MB = 1024 * 1024


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(model))


def items(db_session, contract, today=TODAY):  # type: ignore[no-untyped-def]
    return {item.kind: item for item in service.checklist(db_session, contract, today)}


def validate(db_session, row, actor, today=TODAY) -> None:  # type: ignore[no-untyped-def]
    service.validate_record(db_session, row, version=row.version, actor=actor, today=today)


# --- Recording and validating ------------------------------------------------------------------


def test_the_apprentice_records_a_certificate_and_the_academic_tutor_validates_it(
    db_session, contract, add, upload_dir
) -> None:
    row = add(english_input())
    assert row.status == "submitted"
    assert row.reviewed_by_id is None
    assert row.version == 1
    (stored,) = stored_files(upload_dir)
    assert row.proof.stored_name == stored.name
    assert row.proof.media_type == "image/png"
    assert items(db_session, contract)["english"].state == "awaiting"
    (created,) = events_for(db_session, "english_certificate", row.id)
    assert created.action == "english_certificate.created"
    assert created.actor_id == contract.apprentice_id
    assert created.after["apprenticeship_id"] == contract.id
    assert created.after["level"] == "B2"
    assert created.after["taken_on"] == "2026-05-12"
    assert created.after["status"] == "submitted"
    assert created.after["proof_sha256"] == row.proof.sha256
    assert contract.apprentice.name not in str(created.after)
    assert "attestation" not in str(created.after)  # a file name may hold a person's name

    tutor = academic(contract)
    validate(db_session, row, tutor)
    assert row.status == "validated"
    assert row.reviewed_by_id == tutor.id
    assert row.reviewed_at is not None
    assert row.version == 2
    english = items(db_session, contract)["english"]
    assert english.met
    assert english.missing == ""
    assert english.evidence == [
        "TOEIC Listening and Reading 850/990 — niveau B2, le 12/05/2026 : validée"
    ]
    validated = events_for(db_session, "english_certificate", row.id)[-1]
    assert validated.action == "english_certificate.validated"
    assert validated.actor_id == tutor.id
    assert validated.before == {"apprenticeship_id": contract.id, "status": "submitted"}
    assert validated.after == {"apprenticeship_id": contract.id, "status": "validated"}
    with pytest.raises(DomainError, match="déjà validée"):
        validate(db_session, row, tutor)


def test_a_certificate_without_proof_waits_for_it(db_session, contract, add, manager) -> None:
    row = add(english_input(), with_proof=False)
    assert items(db_session, contract)["english"].missing.startswith(
        "Une certification de niveau B2 ou plus est saisie sans justificatif"
    )
    with pytest.raises(DomainError, match="Il faut le justificatif"):
        validate(db_session, row, manager)
    assert row.status == "submitted"
    # Even the programme manager's own entry stays waiting without its proof.
    mine = add(english_input(level="C1"), actor=manager, with_proof=False)
    assert mine.status == "submitted"


def test_a_validator_s_entry_is_validated_by_its_save(db_session, contract, add, manager) -> None:
    tutor = academic(contract)
    final = add(
        service.FinalAssessmentInput(date(2027, 3, 1), date(2027, 3, 10), "passed"), actor=tutor
    )
    assert final.status == "validated"
    assert final.reviewed_by_id == tutor.id
    english = add(english_input(), actor=manager)
    assert english.status == "validated"
    assert english.reviewed_by_id == manager.id
    checklist = items(db_session, contract)
    assert checklist["report"].met
    assert checklist["report"].evidence == ["Remis le 01/03/2027 : validé"]
    assert checklist["defence"].met
    assert checklist["defence"].evidence == ["Soutenance du 10/03/2027 réussie : validée"]
    assert checklist["english"].met


def test_an_edit_sends_a_validated_record_back_for_validation(db_session, contract, add) -> None:
    row = add(english_input())
    tutor = academic(contract)
    validate(db_session, row, tutor)
    changed = service.update_record(
        db_session,
        row,
        english_input(score="905/990", level="C1"),
        version=2,
        actor=contract.apprentice,
        today=TODAY,
    )
    assert changed
    assert row.status == "submitted"
    assert row.reviewed_by_id is None
    assert row.reviewed_at is None
    assert row.version == 3
    assert not items(db_session, contract)["english"].met
    updated = events_for(db_session, "english_certificate", row.id)[-1]
    assert updated.action == "english_certificate.updated"
    assert updated.before == {
        "apprenticeship_id": contract.id,
        "level": "B2",
        "score": "850/990",
        "status": "validated",
    }
    assert updated.after == {
        "apprenticeship_id": contract.id,
        "level": "C1",
        "score": "905/990",
        "status": "submitted",
    }
    # The academic tutor's own correction keeps it validated, in their name.
    service.update_record(
        db_session,
        row,
        english_input(score="910/990", level="C1"),
        version=3,
        actor=tutor,
        today=TODAY,
    )
    assert row.status == "validated"
    assert row.reviewed_by_id == tutor.id


def test_an_unchanged_save_changes_and_logs_nothing(db_session, contract, add) -> None:
    row = add(english_input())
    validate(db_session, row, academic(contract))
    assert not service.update_record(
        db_session, row, english_input(), version=2, actor=contract.apprentice, today=TODAY
    )
    assert row.status == "validated"
    assert row.version == 2
    assert len(events_for(db_session, "english_certificate", row.id)) == 2


def test_stale_edits_and_decisions_are_refused_and_change_nothing(
    db_session, contract, add
) -> None:
    row = add(english_input())
    tutor = academic(contract)
    service.update_record(
        db_session,
        row,
        english_input(score="860/990"),
        version=1,
        actor=contract.apprentice,
        today=TODAY,
    )
    for action in (
        lambda: service.update_record(
            db_session,
            row,
            english_input(score="1/990"),
            version=1,
            actor=contract.apprentice,
            today=TODAY,
        ),
        lambda: service.validate_record(db_session, row, version=1, actor=tutor, today=TODAY),
        lambda: service.refuse_record(db_session, row, "Illisible", version=1, actor=tutor),
        lambda: service.delete_record(db_session, row, version=1, actor=contract.apprentice),
    ):
        with pytest.raises(service.StaleCondition, match="modifiée pendant que vous la consultiez"):
            action()
    assert row.score == "860/990"
    assert row.status == "submitted"
    assert row.version == 2
    assert count(db_session, EnglishCertificate) == 1


def test_a_refusal_needs_a_reason_and_a_correction_resubmits(db_session, contract, add) -> None:
    row = add(english_input())
    tutor = academic(contract)
    with pytest.raises(DomainError, match="Expliquez le refus"):
        service.refuse_record(db_session, row, "   ", version=1, actor=tutor)
    with pytest.raises(DomainError, match="dépasse 2000 caractères"):
        service.refuse_record(db_session, row, "x" * 2001, version=1, actor=tutor)
    assert row.status == "submitted"
    service.refuse_record(
        db_session,
        row,
        "  Attestation illisible : joignez le PDF officiel.  ",
        version=1,
        actor=tutor,
    )
    assert row.status == "refused"
    assert row.refusal_reason == "Attestation illisible : joignez le PDF officiel."
    assert row.reviewed_by_id == tutor.id
    refused = events_for(db_session, "english_certificate", row.id)[-1]
    assert refused.action == "english_certificate.refused"
    assert refused.after == {
        "apprenticeship_id": contract.id,
        "status": "refused",
        "reason": "Attestation illisible : joignez le PDF officiel.",
    }
    english = items(db_session, contract)["english"]
    assert english.missing.startswith("La certification saisie a été refusée")
    assert english.evidence[0].endswith(": refusée")
    service.update_record(
        db_session,
        row,
        english_input(),
        version=row.version,
        actor=contract.apprentice,
        today=TODAY,
        proof=proof(PDF, "certificat officiel.pdf"),
    )
    assert row.status == "submitted"
    assert row.refusal_reason == ""
    assert row.proof.original_name == "certificat officiel.pdf"


def test_a_mobility_period_is_validated_once_over(db_session, contract, add) -> None:
    tutor = academic(contract)
    coming = add(mobility_input(weeks=6, start=date(2027, 3, 1)))
    with pytest.raises(DomainError, match="pas terminée \\(fin le 11/04/2027\\)"):
        validate(db_session, coming, tutor)
    validate(db_session, coming, tutor, today=date(2027, 4, 12))
    assert coming.status == "validated"


def test_mobility_weeks_add_up_to_the_requirement(db_session, contract, add) -> None:
    tutor = academic(contract)
    first = add(mobility_input(weeks=6, start=date(2026, 6, 1)))
    validate(db_session, first, tutor)
    mobility = items(db_session, contract)["mobility"]
    assert not mobility.met
    assert mobility.missing == "Semaines validées : 6 sur les 9 exigées. Il manque 3 semaines."
    second = add(mobility_input(weeks=6, start=date(2026, 7, 13), country="Espagne"))
    mobility = items(db_session, contract)["mobility"]
    assert mobility.state == "awaiting"
    assert "En attente de validation : 6 semaines." in mobility.missing
    validate(db_session, second, tutor)
    mobility = items(db_session, contract)["mobility"]
    assert mobility.met
    assert mobility.evidence == [
        "Allemagne, Fraunhofer IPA, Stuttgart, du 01/06/2026 au 12/07/2026 (6 semaines) : validée",
        "Espagne, Fraunhofer IPA, Stuttgart, du 13/07/2026 au 23/08/2026 (6 semaines) : validée",
    ]
    assert mobility.note == ""  # 12 weeks: the most the fiche expects, not beyond
    assert "divisés par 7" in mobility.rule


def test_more_weeks_than_the_maximum_are_noted(db_session, contract, add) -> None:
    row = add(mobility_input(weeks=14))
    validate(db_session, row, academic(contract))
    mobility = items(db_session, contract)["mobility"]
    assert mobility.met
    assert mobility.note == (
        "14 semaines validées, au-delà des 12 semaines prévues par la fiche (pour information)."
    )


def test_the_company_opinion_is_given_by_the_current_company_tutor(
    db_session, contract, add
) -> None:
    tutor = company(contract)
    row = add(
        service.OpinionInput("favourable", date(2027, 2, 1), "Conception d'outillages."),
        actor=tutor,
    )
    assert isinstance(row, CompanyOpinion)
    assert row.status == "submitted"
    assert row.author_id == tutor.id
    assert row.company_name == "Aérotech Systèmes"
    assert items(db_session, contract)["company_opinion"].state == "awaiting"
    validate(db_session, row, academic(contract))
    opinion = items(db_session, contract)["company_opinion"]
    assert opinion.met
    assert opinion.evidence == ["Avis favorable du 01/02/2027 (Aérotech Systèmes) : validé"]
    # Five years later it has expired.
    later = items(db_session, contract, today=date(2032, 2, 1))["company_opinion"]
    assert later.missing == (
        "Le dernier avis favorable (01/02/2027) n'était valable que jusqu'au 31/01/2032 : "
        "il faut un nouvel avis."
    )


def test_the_final_assessment_is_one_per_contract(db_session, contract, add) -> None:
    tutor = academic(contract)
    final = add(service.FinalAssessmentInput(None, date(2027, 6, 24)), actor=tutor)
    assert isinstance(final, FinalAssessment)
    checklist = items(db_session, contract)
    assert checklist["report"].missing == "Le rapport n'est pas encore remis."
    assert checklist["defence"].missing == "Soutenance prévue le 24/06/2027."
    assert checklist["defence"].evidence == ["Soutenance le 24/06/2027, résultat en attente"]
    assert checklist["report"].evidence == []
    with pytest.raises(DomainError, match="déjà saisis"):
        add(service.FinalAssessmentInput(date(2027, 3, 1), None), actor=tutor)
    assert count(db_session, FinalAssessment) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (english_input(test_name="  "), "Indiquez le test passé"),
        (english_input(score=""), "Indiquez le score obtenu"),
        (english_input(score="x" * 41), "Le score dépasse 40 caractères"),
        (english_input(level="B3"), "Le niveau doit être l'un de A1, A2, B1, B2, C1, C2"),
        (english_input(taken_on=TODAY + timedelta(days=1)), "ne peut pas être dans le futur"),
        (english_input(taken_on=date(1900, 1, 1)), "pas plausible"),
        (mobility_input(country=" "), "Indiquez le pays"),
        (mobility_input(host="x" * 201), "dépasse 200 caractères"),
        (
            mobility_input(starts_on=date(2026, 6, 1), ends_on=date(2026, 5, 1)),
            "La fin de la période doit être",
        ),
        (
            mobility_input(start=date(2025, 8, 1)),
            "pendant le contrat \\(du 01/09/2025 au 31/08/2028\\)",
        ),
        (service.FinalAssessmentInput(None, None), "la date de remise du rapport ou celle"),
        (service.FinalAssessmentInput(None, None, "passed"), "la date de remise du rapport"),
        (service.FinalAssessmentInput(TODAY, None, "passed"), "qu'avec la date de la soutenance"),
        (
            service.FinalAssessmentInput(TODAY, TODAY + timedelta(days=3), "passed"),
            "n'a pas encore eu lieu",
        ),
        (service.FinalAssessmentInput(TODAY, None, "maybe"), "Choisissez le résultat"),
        (
            service.FinalAssessmentInput(TODAY + timedelta(days=1), None),
            "remise du rapport ne peut pas être dans le futur",
        ),
        (service.OpinionInput("neutral", TODAY), "favorable ou défavorable"),
        (service.OpinionInput("favourable", TODAY + timedelta(days=1)), "dans le futur"),
        (service.OpinionInput("favourable", date(2025, 8, 31)), "après son début"),
        (service.OpinionInput("favourable", TODAY, "x" * 5001), "dépasse 5000 caractères"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    db_session, contract, add, manager, upload_dir, data, message
) -> None:
    models = (EnglishCertificate, MobilityPeriod, FinalAssessment, CompanyOpinion, ConditionProof)
    before = [count(db_session, model) for model in models]
    with pytest.raises(DomainError, match=message):
        add(data, actor=manager)
    assert [count(db_session, model) for model in models] == before
    assert stored_files(upload_dir) == []


def test_mobility_periods_never_overlap(db_session, contract, add) -> None:
    first = add(mobility_input(weeks=6, start=date(2026, 6, 1)))
    with pytest.raises(DomainError, match="chevauche celle du 01/06/2026 au 12/07/2026"):
        add(mobility_input(weeks=2, start=date(2026, 7, 12)))
    # Its own dates are no overlap when it is edited.
    service.update_record(
        db_session,
        first,
        mobility_input(weeks=7, start=date(2026, 6, 1)),
        version=1,
        actor=contract.apprentice,
        today=TODAY,
    )
    assert first.weeks == 7


# --- Proofs -----------------------------------------------------------------------------------


HOSTILE = {
    "renamed exe": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "a.pdf"),
    "HTML named .pdf": (b"<!doctype html><html><script>alert(1)</script></html>", "cv.pdf"),
    "SVG named .png": (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "logo.png"),
    "GIF": (image_bytes("GIF"), "scan.png"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_a_disguised_proof_is_refused_and_nothing_is_stored(
    db_session, contract, store, upload_dir, case
) -> None:
    data, name = HOSTILE[case]
    with pytest.raises(service.ProofRefused, match="ni un PDF, ni une image PNG ou JPEG"):
        service.create_record(
            db_session,
            contract,
            english_input(),
            actor=contract.apprentice,
            today=TODAY,
            proof=proof(data, name),
            store=store,
        )
    assert stored_files(upload_dir) == []
    assert count(db_session, EnglishCertificate) == 0


def test_an_oversized_or_empty_proof_is_refused(db_session, contract, store, upload_dir) -> None:
    for data, message in ((PDF + b"%" * MB, "dépasse la taille autorisée \\(1 Mo"), (b"", "vide")):
        with pytest.raises(service.ProofRefused, match=message):
            service.create_record(
                db_session,
                contract,
                english_input(),
                actor=contract.apprentice,
                today=TODAY,
                proof=proof(data, max_bytes=MB),
                store=store,
            )
    assert stored_files(upload_dir) == []


def test_no_proof_for_a_final_assessment(db_session, contract, store) -> None:
    with pytest.raises(service.ProofRefused, match="ne prend pas de justificatif"):
        service.create_record(
            db_session,
            contract,
            service.FinalAssessmentInput(TODAY, None),
            actor=academic(contract),
            today=TODAY,
            proof=proof(),
            store=store,
        )


def test_a_replaced_proof_leaves_the_disk_once_committed(
    db_session, contract, add, store, upload_dir
) -> None:
    row = add(english_input())
    validate(db_session, row, academic(contract))
    db_session.commit()
    (old,) = stored_files(upload_dir)
    service.update_record(
        db_session,
        row,
        english_input(),
        version=row.version,
        actor=contract.apprentice,
        today=TODAY,
        proof=proof(PDF, "nouvelle attestation.pdf"),
        store=store,
    )
    assert row.status == "submitted"  # a new proof is checked again
    assert old.exists()
    db_session.commit()
    assert not old.exists()
    (new,) = stored_files(upload_dir)
    assert row.proof.stored_name == new.name
    assert count(db_session, ConditionProof) == 1
    updated = events_for(db_session, "english_certificate", row.id)[-1]
    assert set(updated.after) == {"apprenticeship_id", "proof_sha256", "status"}


def test_deleting_a_record_removes_its_proof_once_committed(
    db_session, contract, add, store, upload_dir
) -> None:
    row = add(mobility_input())
    db_session.commit()
    (path,) = stored_files(upload_dir)
    row_id = row.id
    service.delete_record(db_session, row, version=1, actor=contract.apprentice, store=store)
    assert path.exists()
    db_session.commit()
    assert not path.exists()
    assert count(db_session, MobilityPeriod) == 0
    assert count(db_session, ConditionProof) == 0
    deleted = events_for(db_session, "mobility_period", row_id)[-1]
    assert deleted.action == "mobility_period.deleted"
    assert deleted.before["apprenticeship_id"] == contract.id
    assert deleted.before["country"] == "Allemagne"


def test_a_proof_written_in_a_transaction_that_does_not_commit_is_removed(
    db_session, contract, add, upload_dir
) -> None:
    add(english_input())
    assert len(stored_files(upload_dir)) == 1
    db_session.rollback()
    assert stored_files(upload_dir) == []


# --- The database's own checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"status": "validated"},  # validated by no one
        {"status": "refused", "reviewed_by_id": None},
        {"status": "submitted", "refusal_reason": "Illisible"},
        {"status": "accepted"},
        {"level": "B3"},
    ],
)
def test_the_database_refuses_an_incomplete_review_state(db_session, contract, add, values) -> None:  # type: ignore[no-untyped-def]
    row = add(english_input())
    db_session.commit()
    table = EnglishCertificate.__table__
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa.update(table).where(table.c.id == row.id).values(**values))


# --- Permissions ---------------------------------------------------------------------------


def test_who_may_do_what(db_session, contract, make_user, manager) -> None:
    people = {
        "apprentice": contract.apprentice,
        "company": company(contract),
        "academic": academic(contract),
        "manager": manager,
        "other academic": make_user(Role.ACADEMIC_TUTOR),
        "other apprentice": make_user(Role.APPRENTICE),
        "jury": make_user(Role.JURY),
    }
    readers = {name for name, user in people.items() if may_view_conditions(user, contract)}
    assert readers == {"apprentice", "company", "academic", "manager"}
    validators = {name for name, user in people.items() if may_validate_conditions(user, contract)}
    assert validators == {"academic", "manager"}
    enterers = {
        kind: {name for name, user in people.items() if may_enter_condition(user, contract, kind)}
        for kind in ("english", "mobility", "final_assessment", "company_opinion")
    }
    assert enterers == {
        "english": {"apprentice", "manager"},
        "mobility": {"apprentice", "manager"},
        "final_assessment": {"academic", "manager"},
        "company_opinion": {"company", "manager"},
    }
    assert may_delete_condition(people["apprentice"], contract, "english", validated=False)
    assert not may_delete_condition(people["apprentice"], contract, "english", validated=True)
    assert may_delete_condition(people["manager"], contract, "english", validated=True)
    assert not may_delete_condition(people["company"], contract, "company_opinion", validated=True)


# --- The checklist -------------------------------------------------------------------------


def test_a_new_contract_misses_everything_with_words_for_each(db_session, contract) -> None:
    checklist = service.checklist(db_session, contract, TODAY)
    assert [item.kind for item in checklist] == [
        "english",
        "mobility",
        "report",
        "defence",
        "company_opinion",
    ]
    assert [item.label for item in checklist][:2] == [
        "Anglais B2 (CECRL)",
        "Mobilité de 9 à 12 semaines",
    ]
    assert all(
        not item.met and item.state == "missing" and item.evidence == [] for item in checklist
    )
    assert {item.kind: item.missing for item in checklist} == {
        "english": "Aucune certification d'anglais validée : il faut un test certifiant "
        "attestant le niveau B2 (CECRL) ou plus.",
        "mobility": "Aucune période de mobilité internationale : il en faut 9 semaines au moins.",
        "report": "Le rapport n'est pas encore remis.",
        "defence": "La soutenance n'est pas encore programmée.",
        "company_opinion": "Aucun avis de l'entreprise n'est encore saisi.",
    }
    assert all(item.requirement_id for item in checklist)


def test_a_certification_without_conditions_has_an_empty_checklist(
    db_session, make_apprenticeship
) -> None:
    assert service.checklist(db_session, make_apprenticeship(), TODAY) == []


def test_another_contract_s_evidence_does_not_count(
    db_session, contract, add, make_apprenticeship
) -> None:
    neighbour = make_apprenticeship(contract.cohort)
    row = add(english_input(), apprenticeship=neighbour)
    validate(db_session, row, academic(neighbour))
    lists = service.checklists(db_session, contract.cohort, [contract.id, neighbour.id], TODAY)
    assert not {i.kind: i for i in lists[contract.id]}["english"].met
    assert {i.kind: i for i in lists[neighbour.id]}["english"].met
    with pytest.raises(DomainError, match="Pièce introuvable"):
        service.get_record(db_session, contract, row.kind, row.id)


def test_a_cohort_s_checklists_take_a_fixed_number_of_queries(
    db_session, make_conditions_cohort, make_apprenticeship, store
) -> None:
    cohort = make_conditions_cohort()
    contracts = [make_apprenticeship(cohort) for _ in range(10)]
    for index, contract in enumerate(contracts):
        tutor = academic(contract)
        english = service.create_record(
            db_session,
            contract,
            english_input(),
            actor=contract.apprentice,
            today=TODAY,
            proof=proof(),
            store=store,
        )
        if index % 2:
            validate(db_session, english, tutor)
        service.create_record(
            db_session,
            contract,
            mobility_input(weeks=index + 1),
            actor=contract.apprentice,
            today=TODAY,
            proof=proof(),
            store=store,
        )
        service.create_record(
            db_session,
            contract,
            service.FinalAssessmentInput(TODAY, None),
            actor=tutor,
            today=TODAY,
        )
        service.create_record(
            db_session,
            contract,
            service.OpinionInput("favourable", TODAY),
            actor=company(contract),
            today=TODAY,
        )
    db_session.flush()
    db_session.expire_all()
    assert cohort.certification_id  # the cohort itself is loaded by the page already

    def queries(ids: list[int]) -> int:
        with QueryCounter(db_session) as counter:
            lists = service.checklists(db_session, cohort, ids, TODAY)
        assert set(lists) == set(ids)
        return counter.count

    two = queries([c.id for c in contracts[:2]])
    ten = queries([c.id for c in contracts])
    assert two == ten <= 5
    lists = service.checklists(db_session, cohort, [c.id for c in contracts], TODAY)
    assert [{i.kind: i for i in lists[c.id]}["english"].met for c in contracts] == [
        bool(index % 2) for index in range(10)
    ]
    assert service.checklists(db_session, cohort, [], TODAY) == {}


def test_only_the_kinds_asked_for_are_read(
    db_session, make_conditions_cohort, make_apprenticeship
) -> None:
    cohort = make_conditions_cohort(
        [
            RequirementRecord(
                RequirementKind.COMPANY_OPINION, "Avis de l'entreprise", {"validity_years": 5}
            )
        ]
    )
    contract = make_apprenticeship(cohort)
    (item,) = service.checklist(db_session, contract, TODAY)
    assert item.kind == "company_opinion"
    assert item.rule == (
        "Remplie par le dernier avis validé de l'entreprise, s'il est favorable et date de "
        "moins de 5 ans."
    )


def test_checklists_across_cohorts_take_a_fixed_number_of_queries(
    db_session, make_conditions_cohort, make_apprenticeship, store
) -> None:
    opinion_only = [
        RequirementRecord(
            RequirementKind.COMPANY_OPINION, "Avis de l'entreprise", {"validity_years": 5}
        )
    ]
    contracts = [
        make_apprenticeship(make_conditions_cohort(None if index % 2 else opinion_only))
        for index in range(6)
    ]
    for contract in contracts:
        service.create_record(
            db_session,
            contract,
            service.OpinionInput("favourable", TODAY),
            actor=academic(contract),
            today=TODAY,
        )
    db_session.flush()

    def queries(chosen) -> int:  # type: ignore[no-untyped-def]
        with QueryCounter(db_session) as counter:
            lists = service.checklists_of(db_session, chosen, TODAY)
        assert set(lists) == {c.id for c in chosen}
        return counter.count

    assert queries(contracts[:2]) == queries(contracts) <= 5
    lists = service.checklists_of(db_session, contracts, TODAY)
    assert [len(lists[c.id]) for c in contracts] == [1, 5, 1, 5, 1, 5]
    assert all(lists[c.id][-1].met for c in contracts)  # the validated opinion, everywhere
    assert lists == {
        **service.checklists(db_session, contracts[0].cohort, [contracts[0].id], TODAY),
        **{c.id: service.checklist(db_session, c, TODAY) for c in contracts[1:]},
    }
