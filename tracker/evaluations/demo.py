"""Demonstration evaluations: three years of grids, reviews and signatures.

Every past semester of the demo's apprentices has its three submitted grids and a review
signed by the three parties; the semester running today shows a campaign in progress:
grids to fill or finish, a review to lead, a review waiting for signatures. One review
was reopened by the programme manager and signed again. Levels follow the cohort's
expected trajectory with a person-specific drift, so the progression has a shape.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.evaluations import service
from tracker.evaluations.models import RaterRole, Review
from tracker.evaluations.service import RatingInput
from tracker.people.models import Apprenticeship, Semester
from tracker.referentials.models import Competence

COMMENTS = {
    1: [
        "Notion encore découverte ce semestre ; à reprendre avec un cas concret.",
        "Pas encore d'autonomie : a besoin d'être guidé·e pas à pas.",
    ],
    2: [
        "Progrès visibles, mais la démarche reste à structurer.",
        "Réalise la tâche avec un appui régulier du tuteur.",
        "Bonne compréhension ; manque encore de pratique sur des cas variés.",
    ],
    3: [
        "Autonome sur les cas courants, justifie ses choix.",
        "Travail fiable, livré dans les délais.",
        "Mène l'activité seul·e et sait demander de l'aide à bon escient.",
    ],
    4: [
        "Référence dans l'équipe sur ce sujet ; forme les nouveaux arrivants.",
        "Va au-delà de l'attendu et propose des améliorations.",
    ],
}
GENERAL_COMMENTS = {
    RaterRole.APPRENTICE: "Semestre riche : j'ai pris en charge un sujet complet et je mesure "
    "mieux ce qu'il me reste à travailler.",
    RaterRole.COMPANY_TUTOR: "Bonne intégration dans l'équipe, fiable et curieux·se. Doit "
    "encore gagner en prise de recul sur les choix techniques.",
    RaterRole.ACADEMIC_TUTOR: "Progression conforme à la trajectoire attendue ; le lien entre "
    "les enseignements et les missions en entreprise est bien fait.",
}
REVIEW_COMMENT = (
    "Bilan partagé par les trois parties. Points forts : rigueur et implication. Objectif "
    "du semestre suivant : conduire une étude de bout en bout en présentant ses choix à "
    "l'équipe."
)
REOPEN_REASON = (
    "Le niveau retenu d'une compétence du BC02 a été mal reporté pendant le bilan ; "
    "correction demandée par le tuteur académique."
)


@dataclass(frozen=True)
class Raters:
    apprentice: User
    company_tutor: User
    academic_tutor: User

    def of(self, role: RaterRole) -> User:
        return getattr(self, role.value)  # type: ignore[no-any-return]


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class Story:
    """The levels of one apprentice: a drift of their own on top of the trajectory, and
    a few competences that come harder to them (a lag that lasts)."""

    def __init__(self, apprenticeship: Apprenticeship) -> None:
        self.random = random.Random(apprenticeship.apprentice.email)  # noqa: S311 - demo data
        self.drift = self.random.choice([-1, 0, 0, 1])
        self.levels = len(apprenticeship.cohort.scale_labels)
        self.lags: dict[int, int] = {}

    def lag(self, competence_id: int) -> int:
        if competence_id not in self.lags:
            self.lags[competence_id] = self.random.choice([-1, 0, 0, 0])
        return self.lags[competence_id]

    def level(self, expected: int, role: RaterRole, number: int, competence_id: int) -> int | None:
        """Company tutors do not observe everything in the first semesters."""
        if role is RaterRole.COMPANY_TUTOR and number <= 2 and self.random.random() < 0.12:
            return None
        base = expected + self.drift + self.lag(competence_id)
        base += self.random.choice([-1, 0, 0, 0, 1])
        if role is RaterRole.APPRENTICE:
            base += self.random.choice([0, 0, 1])  # a little optimistic, as often
        return max(1, min(self.levels, base))

    def comment(self, level: int | None) -> str:
        if level is None or self.random.random() > 0.25:
            return ""
        return self.random.choice(COMMENTS.get(level, COMMENTS[3]))


def _submit(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    role: RaterRole,
    rater: User,
    ratings: dict[int, RatingInput],
    *,
    day: date,
    submit: bool = True,
) -> None:
    grid = service.open_grid(session, apprenticeship, semester, role, rater)
    service.save_grid(
        session,
        grid,
        version=grid.version,
        ratings=ratings,
        general_comment=GENERAL_COMMENTS[role] if submit else "",
        actor=rater,
        today=max(semester.window_opens_on, min(day, semester.window_closes_on)),
        submit=submit,
        now=_moment(day, 10),
    )


def _grids(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    raters: Raters,
    story: Story,
    competences: list[Competence],
    roles: tuple[RaterRole, ...] = tuple(RaterRole),
) -> dict[RaterRole, dict[int, RatingInput]]:
    given: dict[RaterRole, dict[int, RatingInput]] = {}
    for offset, role in enumerate(roles):
        ratings = {}
        for competence in competences:
            level = story.level(semester.expected_level, role, semester.number, competence.id)
            ratings[competence.id] = RatingInput(
                level=level, not_observed=level is None, comment=story.comment(level)
            )
        given[role] = ratings
        day = semester.window_opens_on + timedelta(days=3 + 4 * offset)
        _submit(session, apprenticeship, semester, role, raters.of(role), ratings, day=day)
    return given


def _agreed(given: dict[RaterRole, dict[int, RatingInput]]) -> dict[int, RatingInput]:
    """The tutors' answer where they agree, else the academic tutor's after discussion."""
    company, academic = given[RaterRole.COMPANY_TUTOR], given[RaterRole.ACADEMIC_TUTOR]
    agreed = {}
    for competence_id, answer in academic.items():
        other = company[competence_id]
        agreed[competence_id] = RatingInput(level=answer.level or other.level)
    return agreed


def _review(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    raters: Raters,
    agreed: dict[int, RatingInput],
    *,
    signers: tuple[RaterRole, ...],
) -> Review:
    review = service.open_review(session, apprenticeship, semester)
    service.save_review(
        session,
        review,
        version=review.version,
        agreed=agreed,
        comment=REVIEW_COMMENT,
        actor=raters.academic_tutor,
    )
    _sign(
        session,
        review,
        raters,
        signers,
        first=_moment(semester.window_closes_on - timedelta(days=5), 15),
        remark="Bilan fidèle à mon semestre, merci.",
    )
    return review


def _sign(
    session: Session,
    review: Review,
    raters: Raters,
    roles: tuple[RaterRole, ...],
    *,
    first: datetime,
    remark: str = "",
) -> None:
    """Each role signs in turn, a day apart; the apprentice adds ``remark``."""
    for offset, role in enumerate(roles):
        service.sign_review(
            session,
            review,
            role=role,
            signer=raters.of(role),
            version=review.version,
            comment=remark if role is RaterRole.APPRENTICE else "",
            now=first + timedelta(days=offset),
        )


SIGN_ORDER = (RaterRole.ACADEMIC_TUTOR, RaterRole.COMPANY_TUTOR, RaterRole.APPRENTICE)


def seed_evaluations(
    session: Session,
    apprenticeships: list[Apprenticeship],
    today: date,
    manager: User,
    *,
    reopen: Apprenticeship | None = None,
) -> None:
    """Grids and reviews for ``apprenticeships`` (one cohort), as of ``today``.

    Past semesters are signed and locked; the semester running today shows, in turn for
    each apprentice, a campaign just started, a review to lead and a review waiting for
    signatures. ``reopen``'s S2 was reopened by ``manager`` and signed again.
    """
    for index, apprenticeship in enumerate(apprenticeships):
        cohort = apprenticeship.cohort
        competences = service.track_competences(cohort)
        story = Story(apprenticeship)
        for semester in cohort.semesters:
            if semester.window_opens_on > today:
                break
            period = apprenticeship.period_of(semester)
            raters = Raters(apprenticeship.apprentice, period.company_tutor, period.academic_tutor)
            if semester.window_closes_on < today:
                given = _grids(session, apprenticeship, semester, raters, story, competences)
                review = _review(
                    session,
                    apprenticeship,
                    semester,
                    raters,
                    _agreed(given),
                    signers=SIGN_ORDER,
                )
                if apprenticeship is reopen and semester.number == 2:
                    _reopen_and_sign_again(session, review, raters, manager, competences)
            else:
                _campaign(session, apprenticeship, semester, raters, story, competences, index)


def _campaign(
    session: Session,
    apprenticeship: Apprenticeship,
    semester: Semester,
    raters: Raters,
    story: Story,
    competences: list[Competence],
    index: int,
) -> None:
    """The semester running today, at a different step for each apprentice."""
    step = index % 3
    if step == 0:
        # Just started: the company tutor's grid is half done, nothing else yet.
        half = {
            c.id: RatingInput(
                level=story.level(semester.expected_level, RaterRole.COMPANY_TUTOR, 3, c.id)
            )
            for c in competences[: len(competences) // 2]
        }
        _submit(
            session,
            apprenticeship,
            semester,
            RaterRole.COMPANY_TUTOR,
            raters.company_tutor,
            half,
            day=semester.window_opens_on + timedelta(days=5),
            submit=False,
        )
        return
    given = _grids(session, apprenticeship, semester, raters, story, competences)
    if step == 2:
        # Reviewed and signed by the academic tutor; the other two still to sign.
        _review(
            session,
            apprenticeship,
            semester,
            raters,
            _agreed(given),
            signers=(RaterRole.ACADEMIC_TUTOR,),
        )


def _reopen_and_sign_again(
    session: Session,
    review: Review,
    raters: Raters,
    manager: User,
    competences: list[Competence],
) -> None:
    day = review.semester.window_closes_on + timedelta(days=8)
    service.reopen_review(
        session,
        review,
        reason=REOPEN_REASON,
        grid_roles=[],
        actor=manager,
        now=_moment(day, 9),
    )
    corrected = next(c for c in competences if ".BC02" in c.code or "BC02" in c.code)
    row = review.agreed_for(corrected.id)
    level = row.level if row is not None and row.level is not None else 2
    service.save_review(
        session,
        review,
        version=review.version,
        agreed={corrected.id: RatingInput(level=max(1, level - 1))},
        comment=review.comment,
        actor=raters.academic_tutor,
    )
    _sign(session, review, raters, SIGN_ORDER, first=_moment(day + timedelta(days=2), 11))
