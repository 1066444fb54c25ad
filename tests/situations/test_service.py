"""Work situations: recording, editing (stale versions refused), the track and the
contract as bounds, files accepted from their content only, comments, counts, audit."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.conftest import VALID_SIRET
from tests.situations.conftest import PDF, image_bytes, situation_input, stored_files
from tracker.audit.models import AuditEvent
from tracker.audit.service import events_for
from tracker.auth.models import Role
from tracker.errors import DomainError
from tracker.evaluations.service import track_competences
from tracker.people import service as people
from tracker.referentials import service as referentials
from tracker.referentials.records import BlockRecord, CertificationRecord, CompetenceRecord
from tracker.situations import service
from tracker.situations.models import SituationFile, WorkSituation

MB = 1024 * 1024


def add(db_session, situation, data: bytes, store, name: str = "preuve.pdf"):  # type: ignore[no-untyped-def]
    return service.add_file(
        db_session,
        situation,
        filename=name,
        stream=io.BytesIO(data),
        max_bytes=10 * MB,
        actor=situation.apprenticeship.apprentice,
        store=store,
    )


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(model))


# --- Situations -----------------------------------------------------------------------------


def test_a_situation_is_recorded_with_its_competences_and_audited(
    db_session, contract, make_situation
) -> None:
    competences = track_competences(contract.cohort)
    situation = make_situation(competence_ids=frozenset(c.id for c in competences))
    assert situation.version == 1
    assert [c.id for c in situation.competences] == sorted(c.id for c in competences)
    (created,) = events_for(db_session, "work_situation", situation.id)
    assert created.action == "situation.created"
    assert created.actor_id == contract.apprentice_id
    assert created.after["apprenticeship_id"] == contract.id
    assert created.after["competence_ids"] == sorted(c.id for c in competences)
    assert created.after["starts_on"] == f"{contract.cohort.start_year}-10-06"
    # ids and values only: no one's name or e-mail address
    assert contract.apprentice.name not in str(created.after)
    assert contract.apprentice.email not in str(created.after)


def test_an_edit_moves_the_version_and_logs_only_what_changed(
    db_session, contract, make_situation
) -> None:
    situation = make_situation()
    second = track_competences(contract.cohort)[1]
    service.update_situation(
        db_session,
        situation,
        situation_input(contract, title="Gamme d'usinage du carter v2", competence_ids={second.id}),
        version=1,
        actor=contract.apprentice,
    )
    assert situation.version == 2
    assert situation.title == "Gamme d'usinage du carter v2"
    assert [c.id for c in situation.competences] == [second.id]
    updated = events_for(db_session, "work_situation", situation.id)[-1]
    assert updated.action == "situation.updated"
    assert set(updated.after) == {"apprenticeship_id", "title", "competence_ids"}
    assert updated.before["title"] == "Reprise de la gamme d'usinage d'un carter"
    assert updated.after["competence_ids"] == [second.id]


def test_an_edit_of_the_links_alone_moves_the_version(db_session, contract, make_situation) -> None:
    situation = make_situation()
    both = frozenset(c.id for c in track_competences(contract.cohort))
    service.update_situation(
        db_session,
        situation,
        situation_input(contract, competence_ids=both),
        version=1,
        actor=contract.apprentice,
    )
    assert situation.version == 2


def test_an_unchanged_save_changes_and_logs_nothing(db_session, contract, make_situation) -> None:
    situation = make_situation()
    service.update_situation(
        db_session, situation, situation_input(contract), version=1, actor=contract.apprentice
    )
    assert situation.version == 1
    assert len(events_for(db_session, "work_situation", situation.id)) == 1


def test_a_stale_edit_is_refused_and_changes_nothing(db_session, contract, make_situation) -> None:
    situation = make_situation()
    service.update_situation(
        db_session,
        situation,
        situation_input(contract, title="Première modification"),
        version=1,
        actor=contract.apprentice,
    )
    with pytest.raises(service.StaleSituation, match="modifiée pendant que vous la modifiiez"):
        service.update_situation(
            db_session,
            situation,
            situation_input(contract, title="Modification sur une vieille page"),
            version=1,
            actor=contract.apprentice,
        )
    assert situation.title == "Première modification"
    assert situation.version == 2


def other_track_competence(db_session) -> int:  # type: ignore[no-untyped-def]
    certification = referentials.save_certification(
        db_session,
        CertificationRecord(
            code="RNCPAUTRE",
            title="Une autre certification",
            blocks=[BlockRecord("RNCPAUTREBC01", "Gérer", [CompetenceRecord("Piloter")])],
        ),
        source="rncp",
    ).certification
    return certification.blocks[0].competences[0].id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Donnez un titre"),
        ({"title": "x" * 201}, "dépasse 200 caractères"),
        ({"ends_on": date(2025, 10, 1)}, "La fin de la situation doit être"),
        ({"starts_on": date(2025, 8, 31)}, "pendant le contrat (du 01/09/2025 au 31/08/2028)"),
        ({"ends_on": date(2028, 9, 1)}, "pendant le contrat"),
        ({"competence_ids": frozenset()}, "au moins une compétence"),
        ({"what_was_done": "x" * 10_001}, "dépasse 10000 caractères"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    db_session, contract, make_situation, changes, message
) -> None:
    before = count(db_session, WorkSituation)
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_situation(**changes)
    assert count(db_session, WorkSituation) == before


def test_a_competence_outside_the_track_is_refused(db_session, contract, make_situation) -> None:
    foreign = other_track_competence(db_session)
    with pytest.raises(DomainError, match="n'est pas évaluée dans ce parcours"):
        make_situation(competence_ids=frozenset({foreign}))
    situation = make_situation()
    with pytest.raises(DomainError, match="n'est pas évaluée dans ce parcours"):
        service.update_situation(
            db_session,
            situation,
            situation_input(contract, competence_ids=frozenset({foreign})),
            version=situation.version,
            actor=contract.apprentice,
        )
    assert len(situation.competences) == 1


def test_a_one_day_situation_is_fine(db_session, contract, make_situation) -> None:
    day = date(contract.cohort.start_year, 12, 3)
    situation = make_situation(starts_on=day, ends_on=day)
    assert situation.starts_on == situation.ends_on


def test_deleting_removes_files_only_once_committed(
    db_session, contract, make_situation, store, upload_dir, png
) -> None:
    situation = make_situation()
    add(db_session, situation, png, store, "photo.png")
    db_session.commit()
    (path,) = stored_files(upload_dir)
    situation_id = situation.id
    service.delete_situation(db_session, situation, actor=contract.apprentice, store=store)
    assert path.exists()  # not before the commit: a rollback would need it
    db_session.commit()
    assert not path.exists()
    assert db_session.get(WorkSituation, situation_id) is None
    assert count(db_session, SituationFile) == 0
    deleted = events_for(db_session, "work_situation", situation_id)[-1]
    assert deleted.action == "situation.deleted"
    assert deleted.before["apprenticeship_id"] == contract.id
    assert len(deleted.before["file_ids"]) == 1


def test_a_rolled_back_deletion_keeps_the_file(
    db_session, make_situation, store, upload_dir, png
) -> None:
    situation = make_situation()
    add(db_session, situation, png, store, "photo.png")
    db_session.commit()
    service.delete_situation(
        db_session, situation, actor=situation.apprenticeship.apprentice, store=store
    )
    db_session.rollback()
    assert len(stored_files(upload_dir)) == 1


# --- Files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "media_type", "shown"),
    [
        ("pdf", "Rapport d'étape.pdf", "application/pdf", "Rapport d'étape.pdf"),
        ("png", "Photo montage.PNG", "image/png", "Photo montage.png"),
        ("jpeg", "banc.jpeg", "image/jpeg", "banc.jpg"),
        ("png", "sans-extension", "image/png", "sans-extension.png"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_from_their_content(
    db_session, make_situation, store, upload_dir, kind, name, media_type, shown
) -> None:
    data = {"pdf": PDF, "png": image_bytes("PNG"), "jpeg": image_bytes("JPEG")}[kind]
    situation = make_situation()
    attached = add(db_session, situation, data, store, name)
    db_session.commit()
    assert attached.media_type == media_type
    assert attached.original_name == shown
    assert attached.size == len(data)
    (path,) = stored_files(upload_dir)
    assert path.name == attached.stored_name
    assert len(path.name) == 32
    assert path.read_bytes() == data
    event = events_for(db_session, "work_situation", situation.id)[-1]
    assert event.action == "situation.file_added"
    assert event.after["media_type"] == media_type
    assert event.after["sha256"] == attached.sha256
    assert name not in str(event.after)  # a file name may hold a person's name


HOSTILE = {
    "text named .pdf": (b"Ceci n'est pas un PDF.\n" * 20, "rapport.pdf"),
    "HTML named .pdf": (b"<!doctype html><html><script>alert(1)</script></html>", "cv.pdf"),
    "HTML": (b"<html><body onload=alert(1)>", "page.html"),
    "SVG named .png": (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "logo.png"),
    "renamed exe": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "a.pdf"),
    "zip": (b"PK\x03\x04" + b"\x00" * 100, "archive.pdf"),
    "PNG signature then garbage": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "faux.png"),
    "GIF": (image_bytes("GIF"), "anim.png"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_anything_else_is_refused_and_nothing_is_stored(
    db_session, make_situation, store, upload_dir, case
) -> None:
    data, name = HOSTILE[case]
    situation = make_situation()
    with pytest.raises(DomainError, match="ni un PDF, ni une image PNG ou JPEG"):
        add(db_session, situation, data, store, name)
    assert stored_files(upload_dir) == []
    assert situation.files == []


def test_an_oversized_or_empty_file_is_refused(db_session, make_situation, store, upload_dir):  # type: ignore[no-untyped-def]
    situation = make_situation()
    big = PDF + b"%" * (10 * MB)
    with pytest.raises(DomainError, match="dépasse la taille autorisée \\(10 Mo par fichier\\)"):
        add(db_session, situation, big, store)
    with pytest.raises(DomainError, match="vide"):
        add(db_session, situation, b"", store)
    assert stored_files(upload_dir) == []


def test_the_same_file_twice_is_refused(db_session, make_situation, store, upload_dir, png) -> None:
    situation = make_situation()
    add(db_session, situation, png, store, "a.png")
    with pytest.raises(DomainError, match="déjà joint"):
        add(db_session, situation, png, store, "b.png")
    assert len(stored_files(upload_dir)) == 1


def test_a_file_written_in_a_transaction_that_does_not_commit_is_removed(
    db_session, make_situation, store, upload_dir, png
) -> None:
    situation = make_situation()
    add(db_session, situation, png, store)
    assert len(stored_files(upload_dir)) == 1
    db_session.rollback()
    assert stored_files(upload_dir) == []


def test_removing_a_file_deletes_it_after_commit(
    db_session, make_situation, store, upload_dir, jpeg
) -> None:
    situation = make_situation()
    attached = add(db_session, situation, jpeg, store, "banc.jpg")
    db_session.commit()
    service.remove_file(
        db_session, situation, attached, actor=situation.apprenticeship.apprentice, store=store
    )
    assert len(stored_files(upload_dir)) == 1
    db_session.commit()
    assert stored_files(upload_dir) == []
    assert situation.files == []
    event = events_for(db_session, "work_situation", situation.id)[-1]
    assert event.action == "situation.file_removed"
    assert event.before["file_id"] == attached.id


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("C:\\Users\\lea\\Documents\\bilan.pdf", "bilan.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("rapport\x00\x1b[31m.pdf", "rapport[31m.pdf"),
        ("  .pdf  ", "fichier.pdf"),
        ("", "fichier.pdf"),
        ("photo.png.exe", "photo.png.exe.pdf"),
        ("a\u202egnp.pdf", "agnp.pdf"),  # no right-to-left override
        ("x" * 300 + ".pdf", "x" * 120 + ".pdf"),
    ],
)
def test_display_names_are_sanitised(given: str, shown: str) -> None:
    assert service.display_filename(given, "application/pdf") == shown


# --- Comments, counts ------------------------------------------------------------------------


def test_a_comment_is_recorded_and_audited(db_session, contract, make_situation) -> None:
    situation = make_situation()
    tutor = contract.current_period.company_tutor
    comment = service.add_comment(db_session, situation, "  Très bon travail.  ", actor=tutor)
    assert comment.body == "Très bon travail."
    assert comment.author_id == tutor.id
    event = events_for(db_session, "work_situation", situation.id)[-1]
    assert event.action == "situation.commented"
    assert event.actor_id == tutor.id
    assert event.after == {
        "apprenticeship_id": contract.id,
        "comment_id": comment.id,
        "body": "Très bon travail.",
    }
    with pytest.raises(DomainError, match="Écrivez votre commentaire"):
        service.add_comment(db_session, situation, "   ", actor=tutor)
    with pytest.raises(DomainError, match="dépasse 5000 caractères"):
        service.add_comment(db_session, situation, "x" * 5001, actor=tutor)


@pytest.fixture
def handed_over(db_session, contract, make_user):  # type: ignore[no-untyped-def]
    """The contract's company tutor hands over a year after the start: returns the former
    tutor, and two situations, one in each period."""
    former = contract.current_period.company_tutor
    successor = make_user(Role.COMPANY_TUTOR)
    people.change_placement(
        db_session,
        contract,
        effective_on=date(contract.cohort.start_year + 1, 9, 1),
        placement=people.Placement(
            "Nouvelle Entreprise", VALID_SIRET, successor, contract.current_period.academic_tutor
        ),
        actor=successor,
    )
    return former


def test_counts_by_competence_in_one_query_and_by_viewer(
    app, db_session, contract, make_situation, handed_over, make_user
) -> None:
    first, second = track_competences(contract.cohort)
    year = contract.cohort.start_year
    make_situation(competence_ids=frozenset({first.id, second.id}))
    make_situation(competence_ids=frozenset({first.id}))
    make_situation(
        starts_on=date(year + 1, 10, 1),
        ends_on=date(year + 1, 10, 20),
        competence_ids=frozenset({first.id}),
    )
    db_session.flush()
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        counts = service.counts_by_competence(db_session, contract.id)
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    assert counts == {first.id: 3, second.id: 1}
    assert len(statements) == 1
    assert (
        service.counts_by_competence(db_session, contract.id, visible_to=contract.apprentice)
        == counts
    )
    # The former tutor counts only the situations of their period (the first year).
    former = service.counts_by_competence(db_session, contract.id, visible_to=handed_over)
    assert former == {first.id: 2, second.id: 1}
    stranger = make_user(Role.COMPANY_TUTOR)
    assert service.counts_by_competence(db_session, contract.id, visible_to=stranger) == {}
    assert service.counts_by_competence(db_session, 999_999) == {}


def test_a_situation_belongs_to_the_period_running_when_it_ends(
    db_session, contract, make_situation, handed_over
) -> None:
    from tracker.permissions import may_comment_situation, may_view_situation

    year = contract.cohort.start_year
    straddling = make_situation(starts_on=date(year + 1, 7, 1), ends_on=date(year + 1, 9, 15))
    earlier = make_situation(starts_on=date(year + 1, 7, 1), ends_on=date(year + 1, 8, 31))
    assert not may_view_situation(handed_over, contract, straddling)
    assert may_view_situation(handed_over, contract, earlier)
    assert may_comment_situation(handed_over, contract, earlier)
    assert not may_comment_situation(handed_over, contract, straddling)
    assert may_comment_situation(contract.current_period.company_tutor, contract, earlier)
    assert not may_comment_situation(contract.apprentice, contract, earlier)


def test_no_audit_event_is_written_by_a_refused_action(db_session, make_situation, store) -> None:
    situation = make_situation()
    before = count(db_session, AuditEvent)
    with pytest.raises(DomainError):
        add(db_session, situation, b"plain text", store)
    assert count(db_session, AuditEvent) == before


def test_dates_of_demo_like_situations_stay_in_past_semesters(db_session, contract, store) -> None:
    from tracker.situations.demo import seed_demo_situations

    today = date(contract.cohort.start_year + 2, 11, 21)
    created = seed_demo_situations(db_session, [contract], today, store=store)
    assert 2 <= len(created) <= 4
    assert all(s.ends_on < today and s.starts_on >= contract.starts_on for s in created)
    assert all(2 <= len(s.competences) <= 4 for s in created)
    assert [len(s.files) for s in created] == [1] + [0] * (len(created) - 1)
    assert created[0].files[0].media_type == "image/png"
    assert all(s.comments for s in created[:-1])
    assert not created[-1].comments
    assert created[0].ends_on - created[0].starts_on <= timedelta(weeks=8)
