"""The three-way review: agreed levels, signatures, locking, the database guards and
reopening."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tracker.audit.service import events_for
from tracker.errors import DomainError
from tracker.evaluations import service
from tracker.evaluations.models import AgreedLevel, RaterRole, Rating, Signature
from tracker.evaluations.service import RatingInput, StaleGrid

IN_WINDOW = date(2026, 1, 20)  # S1 of a 2025 cohort: window 10/01/2026 – 28/02/2026
AFTER_WINDOW = date(2026, 3, 15)


class Semester:
    """An apprenticeship's S1 with its three people and their submitted grids."""

    def __init__(self, db_session, apprenticeship) -> None:  # type: ignore[no-untyped-def]
        self.session = db_session
        self.apprenticeship = apprenticeship
        self.semester = apprenticeship.cohort.semester(1)
        period = apprenticeship.current_period
        self.people = {
            RaterRole.APPRENTICE: apprenticeship.apprentice,
            RaterRole.COMPANY_TUTOR: period.company_tutor,
            RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
        }
        self.competences = service.track_competences(apprenticeship.cohort)

    def submit(self, role: RaterRole, levels: tuple[int | None, ...]) -> None:
        grid = service.open_grid(
            self.session, self.apprenticeship, self.semester, role, self.people[role]
        )
        ratings = {
            c.id: RatingInput(level=level, not_observed=level is None)
            for c, level in zip(self.competences, levels, strict=True)
        }
        service.save_grid(
            self.session,
            grid,
            version=grid.version,
            ratings=ratings,
            general_comment="",
            actor=self.people[role],
            today=IN_WINDOW,
            submit=True,
        )

    def review(self, levels: tuple[int | None, ...] = (3, 2), comment: str = "Bilan."):  # type: ignore[no-untyped-def]
        review = service.open_review(self.session, self.apprenticeship, self.semester)
        service.save_review(
            self.session,
            review,
            version=review.version,
            agreed={
                c.id: RatingInput(level=level, not_observed=level is None)
                for c, level in zip(self.competences, levels, strict=True)
            },
            comment=comment,
            actor=self.people[RaterRole.ACADEMIC_TUTOR],
        )
        return review

    def sign(self, review, role: RaterRole, comment: str = "") -> None:  # type: ignore[no-untyped-def]
        service.sign_review(
            self.session,
            review,
            role=role,
            signer=self.people[role],
            version=review.version,
            comment=comment,
        )


@pytest.fixture
def s1(db_session, make_apprenticeship) -> Semester:  # type: ignore[no-untyped-def]
    semester = Semester(db_session, make_apprenticeship())
    semester.submit(RaterRole.APPRENTICE, (4, 3))
    semester.submit(RaterRole.COMPANY_TUTOR, (2, None))
    semester.submit(RaterRole.ACADEMIC_TUTOR, (3, 2))
    return semester


@pytest.fixture
def locked(s1):  # type: ignore[no-untyped-def]
    review = s1.review()
    for role in (RaterRole.ACADEMIC_TUTOR, RaterRole.COMPANY_TUTOR, RaterRole.APPRENTICE):
        s1.sign(review, role, comment="D'accord." if role is RaterRole.APPRENTICE else "")
    return s1, review


def test_the_review_is_available_once_three_grids_are_in_or_the_window_closed(
    db_session, make_apprenticeship
) -> None:
    s = Semester(db_session, make_apprenticeship())
    s.submit(RaterRole.APPRENTICE, (3, 3))
    grids = service.grids_of(db_session, s.apprenticeship, s.semester)
    assert not service.review_available(grids, s.semester, IN_WINDOW)
    assert service.review_available(grids, s.semester, AFTER_WINDOW)
    s.submit(RaterRole.COMPANY_TUTOR, (3, 3))
    s.submit(RaterRole.ACADEMIC_TUTOR, (3, 3))
    grids = service.grids_of(db_session, s.apprenticeship, s.semester)
    assert service.review_available(grids, s.semester, IN_WINDOW)


def test_agreed_levels_are_saved_and_audited(s1) -> None:
    review = s1.review((3, None), comment="Progrès nets.")
    first, second = s1.competences
    assert review.agreed_for(first.id).level == 3
    assert review.agreed_for(second.id).not_observed
    assert service.missing_agreed(review, s1.competences) == []
    (event,) = events_for(s1.session, "review", review.id)
    assert event.action == "review.saved"
    assert event.after[first.code] == {"level": 3, "not_observed": False}
    assert event.after["commentaire"] == "Progrès nets."


def test_a_stale_review_save_is_refused(s1) -> None:
    review = s1.review()
    with pytest.raises(StaleGrid):
        service.save_review(
            s1.session,
            review,
            version=review.version - 1,
            agreed={},
            comment="Autre",
            actor=s1.people[RaterRole.ACADEMIC_TUTOR],
        )


def test_signing_needs_every_agreed_level(s1) -> None:
    review = s1.review((3, 2))
    # Remove one agreed level: the review can no longer be signed.
    service.save_review(
        s1.session,
        review,
        version=review.version,
        agreed={s1.competences[1].id: RatingInput()},
        comment="Bilan.",
        actor=s1.people[RaterRole.ACADEMIC_TUTOR],
    )
    with pytest.raises(DomainError, match="1 compétence"):
        s1.sign(review, RaterRole.ACADEMIC_TUTOR)
    assert review.current_signatures == {}


def test_three_signatures_lock_the_semester_with_one_hash(locked) -> None:
    s1, review = locked
    assert review.locked
    assert review.locked_at is not None
    signatures = review.current_signatures
    assert set(signatures) == set(RaterRole)
    hashes = {signature.content_sha256 for signature in signatures.values()}
    assert hashes == {review.content_sha256}
    assert signatures[RaterRole.APPRENTICE].comment == "D'accord."
    assert service.content_matches(s1.session, review)
    content = json.loads(review.signed_content)
    first, second = s1.competences
    assert content["agreed"][first.code] == {"level": 3, "not_observed": False}
    # Self-assessment stays its own column in what is signed.
    assert content["grids"]["apprentice"]["ratings"][first.code]["level"] == 4
    assert content["grids"]["company_tutor"]["ratings"][second.code]["not_observed"]
    actions = [e.action for e in events_for(s1.session, "review", review.id)]
    assert actions.count("review.signed") == 3
    assert actions[-1] == "review.locked"


def test_the_hash_is_of_the_canonical_content(locked) -> None:
    _s1, review = locked
    text_ = review.signed_content
    assert service.sha256_hex(text_) == review.content_sha256
    assert service.canonical_json(json.loads(text_)) == text_


def test_nobody_signs_twice_and_nothing_changes_once_signed(s1) -> None:
    review = s1.review()
    with pytest.raises(DomainError, match="tuteur académique signe le bilan en premier"):
        s1.sign(review, RaterRole.COMPANY_TUTOR)
    s1.sign(review, RaterRole.ACADEMIC_TUTOR)
    with pytest.raises(DomainError, match="déjà signé"):
        s1.sign(review, RaterRole.ACADEMIC_TUTOR)
    with pytest.raises(DomainError, match="signé"):
        service.save_review(
            s1.session,
            review,
            version=review.version,
            agreed={},
            comment="Changé après signature",
            actor=s1.people[RaterRole.ACADEMIC_TUTOR],
        )


def test_a_signer_signs_the_version_they_read(s1) -> None:
    review = s1.review()
    seen = review.version
    s1.review((2, 2))  # another tab changes an agreed level meanwhile
    with pytest.raises(StaleGrid):
        service.sign_review(
            s1.session,
            review,
            role=RaterRole.ACADEMIC_TUTOR,
            signer=s1.people[RaterRole.ACADEMIC_TUTOR],
            version=seen,
        )


def test_a_draft_grid_of_a_signed_semester_is_refused_by_the_service(
    db_session, make_apprenticeship
) -> None:
    # The window closed with the apprentice's grid still a draft: the review went ahead.
    s = Semester(db_session, make_apprenticeship())
    s.submit(RaterRole.COMPANY_TUTOR, (3, 3))
    s.submit(RaterRole.ACADEMIC_TUTOR, (3, 3))
    draft = service.open_grid(
        db_session,
        s.apprenticeship,
        s.semester,
        RaterRole.APPRENTICE,
        s.people[RaterRole.APPRENTICE],
    )
    review = s.review()
    s.sign(review, RaterRole.ACADEMIC_TUTOR)
    with pytest.raises(DomainError, match="signé"):
        service.save_grid(
            db_session,
            draft,
            version=draft.version,
            ratings={},
            general_comment="Trop tard",
            actor=s.people[RaterRole.APPRENTICE],
            today=IN_WINDOW,  # even if the window were extended
        )


# --- The database itself refuses changes to signed rows ------------------------------------


def _refused(session, change) -> None:  # type: ignore[no-untyped-def]
    def attempt() -> None:
        with session.begin_nested():
            change()
            session.flush()

    with pytest.raises(DatabaseError, match="read-only"):
        attempt()


ORM_CHANGES = {
    "rating level": lambda s, r: setattr(_rating(s, r), "level", 1),
    "rating deleted": lambda s, r: s.delete(_rating(s, r)),
    "rating added": lambda s, r: s.add(
        Rating(grid_id=_rating(s, r).grid_id, competence_id=_other_competence(s, r), level=1)
    ),
    "grid comment": lambda s, r: setattr(_grid(s, r), "general_comment", "réécrit"),
    "grid deleted": lambda s, r: s.delete(_grid(s, r)),
    "agreed level": lambda s, r: setattr(r.agreed[0], "level", 1),
    "agreed deleted": lambda s, r: s.delete(r.agreed[0]),
    "agreed added": lambda s, r: s.add(
        AgreedLevel(review_id=r.id, competence_id=_other_competence(s, r), level=1)
    ),
    "review comment": lambda s, r: setattr(r, "comment", "réécrit"),
    "review unlocked": lambda s, r: setattr(r, "status", "open"),
    "review deleted": lambda s, r: s.delete(r),
    "signature hash": lambda s, r: setattr(r.signatures[0], "content_sha256", "0" * 64),
    "signature deleted": lambda s, r: s.delete(r.signatures[0]),
    "signature added": lambda s, r: s.add(
        Signature(
            review_id=r.id,
            revision=r.revision + 1,
            role="company_tutor",
            signer_id=r.signatures[0].signer_id,
            content_sha256=r.content_sha256,
        )
    ),
}


def _grid(session, review):  # type: ignore[no-untyped-def]
    return service.grids_of(session, review.apprenticeship, review.semester)[
        RaterRole.COMPANY_TUTOR
    ]


def _rating(session, review):  # type: ignore[no-untyped-def]
    return _grid(session, review).ratings[0]


def _other_competence(session, review):  # type: ignore[no-untyped-def]
    from tracker.referentials.models import Competence

    # Any competence without a row yet: the guard refuses before uniqueness is checked.
    return session.query(Competence.id).order_by(Competence.id.desc()).first()[0] + 0


@pytest.mark.parametrize("change", ORM_CHANGES.values(), ids=ORM_CHANGES.keys())
def test_signed_rows_are_refused_through_the_orm(locked, change) -> None:
    s1, review = locked
    _refused(s1.session, lambda: change(s1.session, review))
    s1.session.expire_all()
    assert service.content_matches(s1.session, review)


RAW_SQL = {
    "rating level": "UPDATE ratings SET level = 1",
    "rating deleted": "DELETE FROM ratings",
    "grid back to draft": "UPDATE grids SET status = 'draft'",
    "grid deleted": "DELETE FROM grids",
    "agreed level": "UPDATE agreed_levels SET level = 1",
    "agreed deleted": "DELETE FROM agreed_levels",
    "review comment": "UPDATE reviews SET comment = 'réécrit'",
    "review reopened without a trace": (
        "UPDATE reviews SET status = 'open', revision = revision + 1"
    ),
    "review deleted": "DELETE FROM reviews",
    "signature hash": "UPDATE signatures SET content_sha256 = 'x'",
    "signature deleted": "DELETE FROM signatures",
}


@pytest.mark.parametrize("statement", RAW_SQL.values(), ids=RAW_SQL.keys())
def test_signed_rows_are_refused_through_raw_sql(locked, statement) -> None:
    s1, review = locked
    _refused(s1.session, lambda: s1.session.execute(text(statement)))
    s1.session.expire_all()
    assert review.locked
    assert service.content_matches(s1.session, review)


def test_a_partly_signed_review_is_frozen_too(s1) -> None:
    review = s1.review()
    s1.sign(review, RaterRole.ACADEMIC_TUTOR)
    _refused(s1.session, lambda: s1.session.execute(text("UPDATE agreed_levels SET level = 1")))
    _refused(s1.session, lambda: s1.session.execute(text("UPDATE reviews SET status = 'locked'")))


# --- Reopening -------------------------------------------------------------------------------


def test_only_a_reason_reopens_and_the_signed_version_is_kept(locked, make_user) -> None:
    from tracker.auth.models import Role

    s1, review = locked
    manager = make_user(Role.MANAGER)
    signed_hash, signed_text = review.content_sha256, review.signed_content
    with pytest.raises(DomainError, match="raison"):
        service.reopen_review(s1.session, review, reason="  ", grid_roles=[], actor=manager)
    reopening = service.reopen_review(
        s1.session,
        review,
        reason="Erreur de saisie sur C02 signalée par le tuteur.",
        grid_roles=[RaterRole.COMPANY_TUTOR],
        actor=manager,
    )
    assert reopening.content_sha256 == signed_hash
    assert reopening.signed_content == signed_text
    assert review.status == "open"
    assert review.revision == 2
    assert review.current_signatures == {}
    assert len(review.signatures) == 3  # the first revision's signatures stay
    grids = service.grids_of(s1.session, s1.apprenticeship, s1.semester)
    assert not grids[RaterRole.COMPANY_TUTOR].submitted
    assert grids[RaterRole.ACADEMIC_TUTOR].submitted
    (event,) = [e for e in events_for(s1.session, "review", review.id) if "reopened" in e.action]
    assert event.before["sha256"] == signed_hash
    assert event.after["reason"].startswith("Erreur")
    # The reopening record itself is read-only.
    _refused(
        s1.session,
        lambda: s1.session.execute(text("UPDATE review_reopenings SET reason = 'autre'")),
    )
    # The new revision is agreed and signed again, with its own hash.
    s1.review((2, 2))
    for role in (RaterRole.ACADEMIC_TUTOR, RaterRole.APPRENTICE, RaterRole.COMPANY_TUTOR):
        s1.sign(review, role)
    assert review.locked
    assert review.revision == 2
    assert review.content_sha256 != signed_hash


def test_an_open_review_cannot_be_reopened(s1, make_user) -> None:
    from tracker.auth.models import Role

    review = s1.review()
    with pytest.raises(DomainError, match="rien à rouvrir"):
        service.reopen_review(
            s1.session,
            review,
            reason="Une raison suffisante",
            grid_roles=[],
            actor=make_user(Role.MANAGER),
        )
