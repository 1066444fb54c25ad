"""The benchmark of QUALITY.md: ``flask --app wsgi bench [--apprentices 500] [--requests 30]
[--database-url URL]``.

It seeds one cohort of ``--apprentices`` apprentices × 6 semesters × 3 raters × the 33
competences of RNCP39303 into a throwaway database (a SQLite file in a temporary folder, or
a fresh schema of the PostgreSQL database given, built by the real migrations so that the
triggers on signed rows exist), then requests each main page ``--requests`` times through
the test client as the person who reads it, and prints the status, the number of SQL
statements and the p50/p95 server time of each page. The application's own database is
never opened; what the benchmark created is dropped at the end.

Seeding writes rows with bulk Core inserts (no ORM object per row) in the order the
triggers accept: grids and ratings, then the review (open) and its agreed levels, then the
review frozen with its signed content, the signatures, and the lock.
"""

from __future__ import annotations

import gc
import math
import random
import secrets
import tempfile
import time as clock
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, got_request_exception
from sqlalchemy import bindparam, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tracker.auth.models import Role, User, UserRole
from tracker.evaluations.models import (
    AgreedLevel,
    Grid,
    GridStatus,
    RaterRole,
    Rating,
    Review,
    ReviewStatus,
    Signature,
)
from tracker.evaluations.service import (
    CONTENT_FORMAT,
    canonical_json,
    sha256_hex,
    track_competences,
)
from tracker.livret.models import RetainedLevel
from tracker.people.models import SEMESTER_COUNT, Apprenticeship, ApprenticeshipPeriod, Cohort
from tracker.people.models import Semester as SemesterRow
from tracker.people.service import (
    DEFAULT_NOT_OBSERVED,
    DEFAULT_SCALE,
    DEFAULT_THRESHOLD,
    DEFAULT_TRAJECTORY,
    WINDOW_CLOSES_AFTER_END,
    WINDOW_OPENS_BEFORE_END,
)
from tracker.progress.rules import SignedSemester, standings

CERTIFICATION = "RNCP39303"  # bundled: 4 blocks, 33 competences
APPRENTICES_PER_TUTOR = 10  # company tutors and academic tutors alike
BENCH_PASSWORD = "banc-d-essai-livret"  # noqa: S105 - every bench account, throwaway data
CHUNK = 50  # apprenticeships written per batch of inserts
SEMESTER_DAYS = 182
COPY_FROM = 1000  # rows from which PostgreSQL gets a COPY instead of INSERTs
PAGE_BUDGET_SECONDS = 30.0  # a page slower than this gets fewer requests


# --- Pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page measured: ``path`` with ``{cohort}`` and ``{contract}`` placeholders, read by
    ``user`` (a key of ``BenchWorld.users``); ``target_ms`` is its p95 budget (None: just
    printed)."""

    name: str
    path: str
    user: str
    target_ms: float | None

    def url(self, world: BenchWorld) -> str:
        return self.path.format(cohort=world.cohort_id, contract=world.apprenticeship_id)


PAGES: tuple[Page, ...] = (
    Page("Tableau de bord de promotion", "/promotions/{cohort}/tableau", "manager", 150),
    Page("Livret", "/contrats/{contract}/livret", "manager", 100),
    Page("Livret", "/contrats/{contract}/livret", "apprentice", 100),
    Page("Export CSV", "/promotions/{cohort}/tableau/export.csv", "manager", None),
    Page("Suivi de campagne", "/promotions/{cohort}/S6/suivi", "manager", 150),
    Page("Suivi, semestre signé", "/promotions/{cohort}/S5/suivi", "manager", 150),
    Page("Semestre", "/contrats/{contract}/S6", "company_tutor", 150),
    Page("Accueil", "/", "company_tutor", 150),
    Page("Bilan", "/contrats/{contract}/S5/bilan", "academic_tutor", 150),
)


# --- Seeding --------------------------------------------------------------------------------


@dataclass
class BenchWorld:
    """What ``seed`` created: the cohort, one sample contract (the pages' ``{contract}``)
    and the people who read the pages (user ids by role key), row counts and the time."""

    cohort_id: int
    apprenticeship_id: int
    users: dict[str, int]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


FIRST_NAMES = (
    *("Léa", "Hugo", "Chloé", "Nathan", "Manon", "Enzo", "Camille", "Louis", "Sarah", "Gabriel"),
    *("Inès", "Théo", "Jade", "Adam", "Zoé", "Yanis", "Emma", "Maxime", "Lina", "Paul"),
    *("Julie", "Karim", "Sofia", "Noah", "Clara", "Rayan", "Alice", "Tom", "Mila", "Lucas"),
)
LAST_NAMES = (
    *("Bernard", "Rousseau", "Lambert", "Petit", "Garnier", "Benali", "Chevalier", "Mercier"),
    *("Dupuis", "Faure", "Robin", "Gauthier", "Perrin", "Renaud", "Marchand", "Lemoine"),
    *("Carpentier", "Girardin", "Martin", "Roche", "Colin", "Saïdi", "Brun", "Noël"),
    *("Picard", "Masson", "Roy", "Barbier", "Arnaud", "Lefort"),
)
COMPANIES = (
    "Aérotech Systèmes",
    "Hydraulique Sud-Ouest",
    "Alpes Usinage",
    "Cobot France",
    "Énergies Marines Bretagne",
    "Transmission Auto Lorraine",
)
SIRET = "73282932000074"
COMMENTS = (
    "Progrès visibles, la démarche reste à structurer.",
    "Autonome sur les cas courants, justifie ses choix.",
    "A besoin d'être guidé·e sur les cas nouveaux.",
    "Référence dans l'équipe sur ce sujet.",
)
GENERAL_COMMENTS = {
    RaterRole.APPRENTICE: "Semestre riche : j'ai pris en charge un sujet complet.",
    RaterRole.COMPANY_TUTOR: "Bonne intégration dans l'équipe, fiable et curieux·se.",
    RaterRole.ACADEMIC_TUTOR: "Progression conforme à la trajectoire attendue.",
}
REVIEW_COMMENT = "Bilan partagé par les trois parties. Objectif : conduire une étude complète."
SIGN_ORDER = (RaterRole.ACADEMIC_TUTOR, RaterRole.COMPANY_TUTOR, RaterRole.APPRENTICE)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _person(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES) + index) % len(LAST_NAMES)]
    return f"{first} {last}"


def _calendar(today: date, *, finished: bool = False) -> list[dict[str, Any]]:
    """Six semesters of about six months, S6 running ``today`` with its evaluation window
    open, S1–S5 over and their windows closed (so they are signed and locked); with
    ``finished``, all six are over and closed (the contract has just ended)."""
    if finished:
        last_end = today - WINDOW_CLOSES_AFTER_END - timedelta(days=1)
    else:
        last_end = today + timedelta(days=14)
    rows = []
    for number in range(1, SEMESTER_COUNT + 1):
        ends_on = last_end - timedelta(days=SEMESTER_DAYS * (SEMESTER_COUNT - number))
        rows.append(
            {
                "number": number,
                "starts_on": ends_on - timedelta(days=SEMESTER_DAYS - 1),
                "ends_on": ends_on,
                "window_opens_on": ends_on - WINDOW_OPENS_BEFORE_END,
                "window_closes_on": ends_on + WINDOW_CLOSES_AFTER_END,
                "expected_level": DEFAULT_TRAJECTORY[number - 1],
            }
        )
    return rows


def _insert_ids(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert returning the new ids in the order of ``rows``."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(session.scalars(statement, rows))


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Bulk insert; on PostgreSQL, large batches go through COPY (triggers still fire)."""
    if not rows:
        return
    connection = session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    if connection.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(table.c[name].name for name in columns)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    # Table and column names come from the models, never from input.
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _users(
    session: Session, names: list[tuple[str, str, Role]], password_hash: str, now: datetime
) -> list[int]:
    ids = _insert_ids(
        session,
        User,
        [
            {
                "email": email,
                "name": name,
                "password_hash": password_hash,
                "session_token": secrets.token_urlsafe(32),
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for name, email, _role in names
        ],
    )
    _insert(
        session,
        UserRole,
        [{"user_id": i, "role": role.value} for i, (_n, _e, role) in zip(ids, names, strict=True)],
    )
    return ids


class _Story:
    """The levels of one apprentice: a drift of their own on the expected trajectory, noise,
    an optimistic self-assessment, and "non observé" where a tutor could not see it."""

    def __init__(self, rng: random.Random, levels: int) -> None:
        self.rng = rng
        self.drift = rng.choice((-1, 0, 0, 1))
        self.levels = levels

    def level(self, expected: int, role: RaterRole, number: int) -> int | None:
        unseen = 0.12 if role is RaterRole.COMPANY_TUTOR and number <= 2 else 0.02
        if self.rng.random() < unseen:
            return None
        base = expected + self.drift + self.rng.choice((-1, 0, 0, 0, 1))
        if role is RaterRole.APPRENTICE:
            base += self.rng.choice((0, 0, 1))
        return max(1, min(self.levels, base))

    def comment(self, level: int | None) -> str:
        if level is None or self.rng.random() > 0.08:
            return ""
        return self.rng.choice(COMMENTS)


@dataclass
class _Semester:
    id: int
    number: int
    window_opens_on: date
    window_closes_on: date
    expected_level: int


@dataclass
class _Contract:
    id: int
    index: int
    apprentice_id: int
    raters: dict[RaterRole, int]
    story: _Story


@dataclass
class _GridPlan:
    contract: _Contract
    semester: _Semester
    role: RaterRole
    submitted: bool
    ratings: dict[int, tuple[int | None, bool, str]]  # competence id → level, n.o., comment
    day: date


@dataclass
class _ReviewPlan:
    contract: _Contract
    semester: _Semester
    grids: dict[RaterRole, _GridPlan]
    agreed: dict[int, int | None]
    signers: tuple[RaterRole, ...]  # who signed (all three: locked)


class _Seeder:
    """Builds the rows of a batch of contracts and writes them in the triggers' order."""

    def __init__(
        self,
        session: Session,
        *,
        cohort: Cohort,
        semesters: list[_Semester],
        competences: list[tuple[int, str]],
        today: date,
    ) -> None:
        self.session = session
        self.cohort = cohort
        self.semesters = semesters
        self.competences = competences
        self.today = today
        self.certification = f"{cohort.certification.code} v{cohort.certification.version}"
        self.counts: Counter[str] = Counter()
        self.agreed_by_contract: dict[int, list[SignedSemester]] = {}

    # What each grid says

    def _grid(
        self,
        contract: _Contract,
        semester: _Semester,
        role: RaterRole,
        *,
        submitted: bool = True,
        share: float = 1.0,
    ) -> _GridPlan:
        ratings = {}
        answered = self.competences[: math.ceil(len(self.competences) * share)]
        for competence_id, _code in answered:
            level = contract.story.level(semester.expected_level, role, semester.number)
            ratings[competence_id] = (level, level is None, contract.story.comment(level))
        offset = list(RaterRole).index(role)
        day = semester.window_opens_on + timedelta(days=2 + 3 * offset)
        return _GridPlan(contract, semester, role, submitted, ratings, min(day, self.today))

    @staticmethod
    def _agreed(grids: dict[RaterRole, _GridPlan]) -> dict[int, int | None]:
        """The tutors' level where they agree, else the higher one after discussion; "non
        observé" only where neither tutor observed it."""
        company = grids[RaterRole.COMPANY_TUTOR].ratings
        academic = grids[RaterRole.ACADEMIC_TUTOR].ratings
        agreed = {}
        for competence_id, (level, _no, _comment) in academic.items():
            other = company[competence_id][0]
            given = [x for x in (level, other) if x is not None]
            agreed[competence_id] = max(given) if given else None
        return agreed

    def plan(self, contract: _Contract) -> tuple[list[_GridPlan], list[_ReviewPlan]]:
        grids: list[_GridPlan] = []
        reviews: list[_ReviewPlan] = []
        for semester in self.semesters:
            if semester.window_closes_on < self.today:
                three = {role: self._grid(contract, semester, role) for role in RaterRole}
                grids.extend(three.values())
                reviews.append(
                    _ReviewPlan(contract, semester, three, self._agreed(three), SIGN_ORDER)
                )
                continue
            # The semester running today: each contract at a step of the campaign.
            step = contract.index % 5
            if step == 0:
                continue  # nothing yet
            if step == 1:  # the company tutor's grid is half done
                grids.append(
                    self._grid(
                        contract, semester, RaterRole.COMPANY_TUTOR, submitted=False, share=0.5
                    )
                )
                continue
            if step == 2:  # two grids in, the academic tutor's still a draft
                grids.append(self._grid(contract, semester, RaterRole.APPRENTICE))
                grids.append(self._grid(contract, semester, RaterRole.COMPANY_TUTOR))
                grids.append(
                    self._grid(
                        contract, semester, RaterRole.ACADEMIC_TUTOR, submitted=False, share=0.7
                    )
                )
                continue
            three = {role: self._grid(contract, semester, role) for role in RaterRole}
            grids.extend(three.values())
            # step 3: the review is being led; step 4: signed by the academic tutor
            signers = () if step == 3 else (RaterRole.ACADEMIC_TUTOR,)
            reviews.append(_ReviewPlan(contract, semester, three, self._agreed(three), signers))
        return grids, reviews

    # What the parties sign (tracker.evaluations.service.signed_content, from plain values)

    def _content(self, review: _ReviewPlan) -> str:
        def grid(plan: _GridPlan) -> dict[str, Any]:
            return {
                "rater": plan.contract.raters[plan.role],
                "status": GridStatus.SUBMITTED.value if plan.submitted else GridStatus.DRAFT.value,
                "submitted_at": _at(plan.day, 10).isoformat() if plan.submitted else None,
                "general_comment": GENERAL_COMMENTS[plan.role] if plan.submitted else "",
                "ratings": {
                    code: (
                        {"level": r[0], "not_observed": r[1], "comment": r[2]}
                        if (r := plan.ratings.get(competence_id)) is not None
                        else None
                    )
                    for competence_id, code in self.competences
                },
            }

        content = {
            "format": CONTENT_FORMAT,
            "apprenticeship": review.contract.id,
            "apprentice": review.contract.apprentice_id,
            "cohort": self.cohort.id,
            "certification": self.certification,
            "track": self.cohort.track_id,
            "semester": review.semester.number,
            "scale": list(self.cohort.scale_labels),
            "not_observed_label": self.cohort.not_observed_label,
            "revision": 1,
            "grids": {
                role.value: grid(review.grids[role]) if role in review.grids else None
                for role in RaterRole
            },
            "agreed": {
                code: {
                    "level": review.agreed.get(competence_id),
                    "not_observed": review.agreed.get(competence_id) is None,
                }
                for competence_id, code in self.competences
            },
            "comment": REVIEW_COMMENT,
        }
        return canonical_json(content)

    # Writing, in the order the triggers accept

    def write(self, contracts: list[_Contract]) -> None:
        grids: list[_GridPlan] = []
        reviews: list[_ReviewPlan] = []
        for contract in contracts:
            more_grids, more_reviews = self.plan(contract)
            grids += more_grids
            reviews += more_reviews
        self._write_grids(grids)
        self._write_reviews(reviews)

    def _write_grids(self, grids: list[_GridPlan]) -> None:
        ids = _insert_ids(
            self.session,
            Grid,
            [
                {
                    "apprenticeship_id": g.contract.id,
                    "semester_id": g.semester.id,
                    "rater_role": g.role.value,
                    "rater_id": g.contract.raters[g.role],
                    "status": (GridStatus.SUBMITTED if g.submitted else GridStatus.DRAFT).value,
                    "general_comment": GENERAL_COMMENTS[g.role] if g.submitted else "",
                    "version": 3 if g.submitted else 2,
                    "updated_at": _at(g.day, 10),
                    "submitted_at": _at(g.day, 10) if g.submitted else None,
                }
                for g in grids
            ],
        )
        ratings = [
            {
                "grid_id": grid_id,
                "competence_id": competence_id,
                "level": level,
                "not_observed": not_observed,
                "comment": comment,
            }
            for grid_id, g in zip(ids, grids, strict=True)
            for competence_id, (level, not_observed, comment) in g.ratings.items()
        ]
        _insert(self.session, Rating, ratings)
        self.counts["grids"] += len(ids)
        self.counts["ratings"] += len(ratings)

    def _write_reviews(self, reviews: list[_ReviewPlan]) -> None:
        table = Review.__table__
        ids = _insert_ids(
            self.session,
            Review,
            [
                {
                    "apprenticeship_id": r.contract.id,
                    "semester_id": r.semester.id,
                    "status": ReviewStatus.OPEN.value,
                    "comment": REVIEW_COMMENT,
                    "revision": 1,
                    "version": 2,
                    "updated_at": _at(
                        min(r.semester.window_closes_on, self.today) - timedelta(days=6), 15
                    ),
                }
                for r in reviews
            ],
        )
        _insert(
            self.session,
            AgreedLevel,
            [
                {
                    "review_id": review_id,
                    "competence_id": competence_id,
                    "level": level,
                    "not_observed": level is None,
                }
                for review_id, r in zip(ids, reviews, strict=True)
                for competence_id, level in r.agreed.items()
            ],
        )
        signed = [(i, r) for i, r in zip(ids, reviews, strict=True) if r.signers]
        if signed:
            frozen = []
            for review_id, r in signed:
                text = self._content(r)
                frozen.append(
                    {"b_id": review_id, "b_text": text, "b_hash": sha256_hex(text), "b_v": 3}
                )
            # Frozen by the first signature: its content and hash, status 'signing'.
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    status=ReviewStatus.SIGNING.value,
                    signed_content=bindparam("b_text"),
                    content_sha256=bindparam("b_hash"),
                    version=bindparam("b_v"),
                ),
                frozen,
            )
            hashes = {row["b_id"]: row["b_hash"] for row in frozen}
            signatures = []
            for review_id, r in signed:
                first = _at(r.semester.window_closes_on - timedelta(days=5), 15)
                if r.semester.window_closes_on >= self.today:
                    first = _at(self.today - timedelta(days=1), 15)
                for offset, role in enumerate(r.signers):
                    signatures.append(
                        {
                            "review_id": review_id,
                            "revision": 1,
                            "role": role.value,
                            "signer_id": r.contract.raters[role],
                            "signed_at": first + timedelta(days=offset),
                            "content_sha256": hashes[review_id],
                            "comment": "Bilan fidèle à mon semestre."
                            if role is RaterRole.APPRENTICE
                            else "",
                        }
                    )
            _insert(self.session, Signature, signatures)
            self.counts["signatures"] += len(signatures)
            locked = [
                {
                    "b_id": review_id,
                    "b_at": _at(r.semester.window_closes_on - timedelta(days=5), 15)
                    + timedelta(days=len(r.signers) - 1),
                    "b_v": 6,
                }
                for review_id, r in signed
                if len(r.signers) == len(RaterRole)
            ]
            if locked:
                self.session.execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values(
                        status=ReviewStatus.LOCKED.value,
                        locked_at=bindparam("b_at"),
                        version=bindparam("b_v"),
                    ),
                    locked,
                )
        for r in reviews:
            if len(r.signers) == len(RaterRole):
                self.agreed_by_contract.setdefault(r.contract.id, []).append(
                    SignedSemester(r.semester.number, r.agreed)
                )
        self.counts["reviews"] += len(ids)
        self.counts["agreed levels"] += sum(len(r.agreed) for r in reviews)

    def write_retained(self, contracts: list[_Contract]) -> None:
        rows = [
            {
                "apprenticeship_id": contract.id,
                "competence_id": competence_id,
                "level": s.level,
                "semester": s.semester,
                "best": s.best,
                "best_semester": s.best_semester,
            }
            for contract in contracts
            for competence_id, s in standings(self.agreed_by_contract.get(contract.id, [])).items()
        ]
        _insert(self.session, RetainedLevel, rows)
        self.counts["retained levels"] += len(rows)


def _certification(session: Session):  # type: ignore[no-untyped-def]
    """RNCP39303 through the ordinary importer (the bundled RNCP extract and its profile)."""
    from tracker.referentials.service import bundled_records, save_certification

    record = next(r for r in bundled_records() if r.code == CERTIFICATION)
    return save_certification(
        session, record, source="rncp", source_name=f"bundled/{CERTIFICATION}.xml"
    ).certification


def seed(
    session: Session,
    apprentices: int,
    *,
    today: date,
    password_hash: str | None = None,
    random_seed: int = 2026,
    finished: bool = False,
) -> BenchWorld:
    """Fill an empty database with one cohort of ``apprentices`` apprentices, as of
    ``today``: S1–S5 rated, reviewed, signed and locked, S6 running with grids and reviews
    at every step (with ``finished``: all six signed and locked, the contracts just over,
    as when the jury sits). Flushes, never commits. ``password_hash``: the one hash every
    account gets (hashed from ``BENCH_PASSWORD`` when not given: hashing is slow)."""
    if apprentices < 1:
        raise ValueError("at least one apprentice")
    from tracker.auth.service import hash_password

    started = clock.perf_counter()
    rng = random.Random(random_seed)  # noqa: S311 - benchmark data, not secrets
    now = _at(today, 8)
    password_hash = password_hash or hash_password(BENCH_PASSWORD)

    certification = _certification(session)
    track = certification.tracks[0]
    calendar = _calendar(today, finished=finished)
    cohort = Cohort(
        name=f"Promotion de banc d'essai ({apprentices} apprentis)",
        certification=certification,
        track=track,
        start_year=calendar[0]["starts_on"].year,
        scale_labels=list(DEFAULT_SCALE),
        not_observed_label=DEFAULT_NOT_OBSERVED,
        threshold=DEFAULT_THRESHOLD,
        semesters=[SemesterRow(**plan) for plan in calendar],
    )
    session.add(cohort)
    session.flush()
    competences = [(c.id, c.code) for c in track_competences(cohort)]
    semesters = [
        _Semester(s.id, s.number, s.window_opens_on, s.window_closes_on, s.expected_level)
        for s in cohort.semesters
    ]

    tutors = math.ceil(apprentices / APPRENTICES_PER_TUTOR)
    people: list[tuple[str, str, Role]] = [
        ("Claire Dubois", "responsable@banc.livret.test", Role.MANAGER)
    ]
    people += [
        (_person(i), f"apprenti{i}@banc.livret.test", Role.APPRENTICE) for i in range(apprentices)
    ]
    people += [
        (_person(7 * i + 3), f"maitre{i}@banc.livret.test", Role.COMPANY_TUTOR)
        for i in range(tutors)
    ]
    people += [
        (_person(11 * i + 5), f"tuteur{i}@banc.livret.test", Role.ACADEMIC_TUTOR)
        for i in range(tutors)
    ]
    ids = _users(session, people, password_hash, now)
    manager_id = ids[0]
    apprentice_ids = ids[1 : 1 + apprentices]
    company_ids = ids[1 + apprentices : 1 + apprentices + tutors]
    academic_ids = ids[1 + apprentices + tutors :]

    starts_on, ends_on = calendar[0]["starts_on"], calendar[-1]["ends_on"]
    contract_ids = _insert_ids(
        session,
        Apprenticeship,
        [
            {
                "apprentice_id": apprentice_id,
                "cohort_id": cohort.id,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "created_at": now,
                "updated_at": now,
            }
            for apprentice_id in apprentice_ids
        ],
    )
    contracts = [
        _Contract(
            id=contract_id,
            index=i,
            apprentice_id=apprentice_ids[i],
            raters={
                RaterRole.APPRENTICE: apprentice_ids[i],
                RaterRole.COMPANY_TUTOR: company_ids[i // APPRENTICES_PER_TUTOR],
                RaterRole.ACADEMIC_TUTOR: academic_ids[i % tutors],
            },
            story=_Story(random.Random(rng.random()), len(DEFAULT_SCALE)),  # noqa: S311
        )
        for i, contract_id in enumerate(contract_ids)
    ]
    _insert(
        session,
        ApprenticeshipPeriod,
        [
            {
                "apprenticeship_id": c.id,
                "starts_on": starts_on,
                "ends_on": None,
                "company_name": COMPANIES[c.index // APPRENTICES_PER_TUTOR % len(COMPANIES)],
                "siret": SIRET,
                "company_tutor_id": c.raters[RaterRole.COMPANY_TUTOR],
                "academic_tutor_id": c.raters[RaterRole.ACADEMIC_TUTOR],
            }
            for c in contracts
        ],
    )

    seeder = _Seeder(
        session,
        cohort=cohort,
        semesters=semesters,
        competences=competences,
        today=today,
    )
    for start in range(0, len(contracts), CHUNK):
        seeder.write(contracts[start : start + CHUNK])
    seeder.write_retained(contracts)
    session.flush()

    sample = contracts[min(1, len(contracts) - 1)]
    counts = {
        "apprentices": apprentices,
        "users": len(ids),
        "competences": len(competences),
        **seeder.counts,
    }
    return BenchWorld(
        cohort_id=cohort.id,
        apprenticeship_id=sample.id,
        users={
            "manager": manager_id,
            "apprentice": sample.apprentice_id,
            "company_tutor": sample.raters[RaterRole.COMPANY_TUTOR],
            "academic_tutor": sample.raters[RaterRole.ACADEMIC_TUTOR],
        },
        counts=counts,
        seconds=clock.perf_counter() - started,
    )


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class PageFigures:
    """One page's requests: status, SQL statements and server time of each."""

    page: Page
    url: str
    statuses: list[int] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    error: str | None = None  # the first exception the page raised, in one line
    requested: int = 0  # requests asked for (fewer were made if the page ran out of time)

    @property
    def status(self) -> int:
        return Counter(self.statuses).most_common(1)[0][0]

    @property
    def query_count(self) -> int:
        """The statements of one request (the largest, should requests differ)."""
        return max(self.queries)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the server times, in milliseconds."""
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def verdict(self) -> str:
        if self.status != 200:
            return "n/a"
        if self.page.target_ms is None:
            return "-"
        return "OK" if self.p95 <= self.page.target_ms else "over"


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1


def _client(app: Flask, session_token: str):  # type: ignore[no-untyped-def]
    """A test client signed in as the owner of ``session_token`` (the Flask-Login session
    the login form would have set)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_token
        session["_fresh"] = True
    return client


def measure(
    app: Flask,
    world: BenchWorld,
    pages: Sequence[Page] = PAGES,
    requests: int = 30,
    *,
    warmup: int = 2,
    budget_seconds: float = PAGE_BUDGET_SECONDS,
) -> list[PageFigures]:
    """Request each page ``requests`` times (after ``warmup`` unmeasured requests) as its
    reader; record status, SQL statements (``before_cursor_execute``) and server time. A
    page that has taken ``budget_seconds`` already gets no more requests (one measured
    request at least): the table shows how many it got.

    Call it outside any application context of ``app``: each request then has its own, as
    when served, so nothing is cached from one request to the next."""
    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
        tokens = dict(
            db.session.execute(
                select(User.id, User.session_token).where(User.id.in_(world.users.values()))
            ).all()
        )
        db.session.remove()
    clients = {key: _client(app, tokens[user_id]) for key, user_id in world.users.items()}
    # As wsgi.py does once the app is built: what exists now is not scanned again by each
    # full garbage collection (the seeding's garbage is collected first).
    gc.collect()
    gc.freeze()
    counter = _StatementCounter()
    errors: list[BaseException] = []

    def keep_error(_sender: Flask, exception: BaseException, **_extra: object) -> None:
        errors.append(exception)

    def get(client, url: str) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
        """Status, SQL statements and seconds of one request."""
        counter.count = 0
        started = clock.perf_counter()
        response = client.get(url)
        response.get_data()  # a streamed body is produced here
        elapsed = clock.perf_counter() - started
        response.close()
        return response.status_code, counter.count, elapsed

    event.listen(engine, "before_cursor_execute", counter)
    got_request_exception.connect(keep_error, app)
    # A page that fails would log its traceback on every request: the table says it once.
    logger_was_disabled, app.logger.disabled = app.logger.disabled, True
    try:
        figures = []
        for page in pages:
            client, url = clients[page.user], page.url(world)
            result = PageFigures(page, url, requested=requests)
            errors.clear()
            spent = 0.0
            for _ in range(warmup):
                if spent > budget_seconds:
                    break
                spent += get(client, url)[2]
            while len(result.times_ms) < requests and (
                not result.times_ms or spent <= budget_seconds
            ):
                status, queries, elapsed = get(client, url)
                spent += elapsed
                result.statuses.append(status)
                result.queries.append(queries)
                result.times_ms.append(elapsed * 1000)
            if errors:
                result.error = f"{type(errors[0]).__name__}: {errors[0]}".splitlines()[0][:200]
            figures.append(result)
        return figures
    finally:
        app.logger.disabled = logger_was_disabled
        got_request_exception.disconnect(keep_error, app)
        event.remove(engine, "before_cursor_execute", counter)
        gc.unfreeze()


USER_LABELS = {
    "manager": "responsable",
    "apprentice": "apprenti·e",
    "company_tutor": "maître d'app.",
    "academic_tutor": "tuteur acad.",
}


def table(figures: Sequence[PageFigures]) -> str:
    """The figures as a plain-text table."""
    header = ("Page", "As", "Requests", "Status", "Queries", "p50 ms", "p95 ms", "Target", "Result")
    rows = [
        (
            f.page.name,
            USER_LABELS.get(f.page.user, f.page.user),
            str(len(f.times_ms)) + (f"/{f.requested}" if len(f.times_ms) < f.requested else ""),
            str(f.status),
            str(f.query_count) + ("*" if len(set(f.queries)) > 1 else ""),
            f"{f.p50:.1f}",
            f"{f.p95:.1f}",
            f"{f.page.target_ms:.0f}" if f.page.target_ms is not None else "-",
            f.verdict,
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6, 7}

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    lines = [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
    if any(len(set(f.queries)) > 1 for f in figures):
        lines.append("* the number of queries varied between requests: the largest is shown")
    if any(len(f.times_ms) < f.requested for f in figures):
        lines.append(f"n/N: the page took over {PAGE_BUDGET_SECONDS:.0f} s, it got n requests")
    lines += [f"{f.page.name} ({f.url}): {f.error}" for f in figures if f.error]
    return "\n".join(lines)


# --- Throwaway databases and the command ----------------------------------------------------


class BenchError(click.ClickException):
    """A database the benchmark refuses to use."""


@contextmanager
def throwaway_database(database_url: str | None) -> Iterator[str]:
    """The URL of a database of the benchmark's own, dropped afterwards: a SQLite file in a
    temporary folder (no URL), a new SQLite file (a SQLite URL naming a file that does not
    exist yet), or a new schema ``bench_<random>`` of the PostgreSQL database given."""
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="livret-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        return
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BenchError("Give a SQLite file (sqlite:///path): an in-memory one is not shared.")
        path = Path(url.database)
        if path.exists():
            raise BenchError(f"{path} exists: the benchmark only writes to a new database file.")
        try:
            yield database_url
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        return
    if backend != "postgresql":
        raise BenchError("The benchmark runs on SQLite or PostgreSQL.")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        options = " ".join(filter(None, [url.query.get("options"), f"-csearch_path={schema}"]))
        try:
            yield url.update_query_dict({"options": options}).render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


def bench_app(database_url: str, folder: str) -> Flask:
    """The application as served (no testing mode), on the benchmark's database. Rate
    limits stay on, as served: the pages measured are not limited, and turning them off
    here would turn them off for every app of the process (one shared limiter)."""
    from tracker import create_app

    return create_app(
        {
            "ENV_NAME": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "TOTP_REQUIRED_ROLES": (),
            "MAIL_SUPPRESS_SEND": True,
            "UPLOAD_DIR": str(Path(folder) / "uploads"),
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def run(
    apprentices: int,
    requests: int,
    database_url: str | None = None,
    *,
    pages: Sequence[Page] = PAGES,
    echo: Callable[[str], None] = click.echo,
    today: date | None = None,
) -> tuple[BenchWorld, list[PageFigures]]:
    """Create the throwaway database, migrate, seed, measure, drop; print as it goes."""
    from flask_migrate import upgrade

    from tracker.extensions import db

    today = today or date.today()
    with (
        throwaway_database(database_url) as url,
        tempfile.TemporaryDirectory(prefix="livret-bench-files-") as folder,
    ):
        app = bench_app(url, folder)
        shown = make_url(url).render_as_string(hide_password=True)
        echo(f"Database: {shown}")
        try:
            with app.app_context():
                started = clock.perf_counter()
                upgrade()
                echo(f"Migrations: {clock.perf_counter() - started:.1f} s")
                world = seed(db.session, apprentices, today=today)
                started = clock.perf_counter()
                db.session.commit()
                world.seconds += clock.perf_counter() - started
                db.session.remove()
            counts = ", ".join(f"{n} {what}" for what, n in world.counts.items())
            echo(f"Seeded in {world.seconds:.1f} s: {counts}")
            echo(f"Measuring {len(pages)} pages × {requests} requests (after 2 warm-up ones)...")
            figures = measure(app, world, pages, requests)
            echo(table(figures))
            return world, figures
        finally:
            with app.app_context():
                db.engine.dispose()


# Both benchmarks (pages here, PDFs in tracker.jobs.bench) take the same database option.
database_url_option = click.option(
    "--database-url",
    default=None,
    help="PostgreSQL URL: the benchmark works in a new schema of it and drops it at the end "
    "(default: a SQLite file in a temporary folder). Never the application's database.",
)


@click.command("bench")
@click.option(
    "--apprentices", default=500, show_default=True, type=click.IntRange(min=1), help="Cohort size."
)
@click.option(
    "--requests",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Measured requests per page.",
)
@database_url_option
def bench_command(apprentices: int, requests: int, database_url: str | None) -> None:
    """Seed a throwaway cohort and print, per main page, SQL queries and p50/p95 time."""
    run(apprentices, requests, database_url)
