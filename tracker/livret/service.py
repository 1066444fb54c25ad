"""From the rows to the plain values of ``tracker.progress.rules``: one contract's livret,
a cohort's dashboard and the alerts of a tutor's home page.

The rules never see a row: this module reads the locked reviews (and the submitted grids
of those semesters) in a fixed number of queries and hands plain values to them. Cohort
pages read the table of retained levels (``tracker.livret.retained``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, lazyload, selectinload

from tracker.auth.models import User
from tracker.db import in_ids
from tracker.evaluations.models import (
    Grid,
    GridStatus,
    RaterRole,
    Rating,
    Review,
    ReviewStatus,
)
from tracker.i18n import _, _l
from tracker.livret.retained import (
    BlockCounts,
    block_counts,
    retained_standings,
    signed_semesters,
)
from tracker.people.models import Apprenticeship, ApprenticeshipPeriod, Cohort, Semester
from tracker.people.service import load_track_blocks
from tracker.progress.charts import (
    Rater,
    RatersChart,
    Series,
    TrajectoryChart,
    mean_level,
    raters_chart,
    trajectory_chart,
)
from tracker.progress.rules import (
    DIVERGENCE,
    BlockState,
    BlockStatus,
    Level,
    Progression,
    Readiness,
    Standing,
    behind_now,
    block_state,
    block_status,
    divergence,
    progression,
    readiness,
    standings,
)
from tracker.referentials.models import Block, Competence

# --- One contract's livret ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One competence in one signed semester: the agreed level and the three raters'
    levels (``None``: "non observé", or no submitted grid)."""

    agreed: Level
    raters: Mapping[RaterRole, Level]
    expected: int

    @property
    def gap(self) -> int | None:
        return divergence(self.raters.values())

    @property
    def diverges(self) -> bool:
        return (self.gap or 0) >= DIVERGENCE

    @property
    def behind(self) -> bool:
        return self.agreed is not None and self.agreed < self.expected


@dataclass(frozen=True)
class CompetenceLine:
    id: int
    code: str
    short: str  # without the certification's prefix: BC01.C02
    statement: str
    cells: Mapping[int, Cell]  # by semester number, signed semesters only
    standing: Standing | None
    situations: int  # linked work situations the viewer may read


@dataclass(frozen=True)
class BlockLine:
    id: int
    code: str
    title: str
    competences: list[CompetenceLine]
    status: BlockStatus

    def mean_agreed(self, number: int) -> float | None:
        return mean_level(
            line.cells[number].agreed for line in self.competences if number in line.cells
        )

    def mean_rater(self, number: int, role: RaterRole) -> float | None:
        return mean_level(
            line.cells[number].raters.get(role) for line in self.competences if number in line.cells
        )


@dataclass(frozen=True)
class SemesterColumn:
    number: int
    expected: int
    signed: bool  # locked: its agreed levels count
    locked_at: datetime | None
    review_status: str | None  # None: no review yet


@dataclass(frozen=True)
class Livret:
    apprenticeship_id: int
    semesters: list[SemesterColumn]
    blocks: list[BlockLine]
    threshold: int
    progression: Progression
    # The latest signed semester, and the competences behind the level it expects.
    latest_signed: int | None
    behind: tuple[int, ...]

    @property
    def signed_numbers(self) -> list[int]:
        return [s.number for s in self.semesters if s.signed]

    def readiness(self, requirements: Mapping[str, bool]) -> Readiness:
        return readiness({b.code: b.status for b in self.blocks}, requirements)

    @property
    def codes(self) -> dict[int, str]:
        """Competence codes by id: how the rules' lists of ids are shown."""
        return {line.id: line.short for block in self.blocks for line in block.competences}


def load_livret(
    session: Session, apprenticeship: Apprenticeship, *, situations: Mapping[int, int]
) -> Livret:
    """Everything the livret shows of one contract, from its locked semesters, in a fixed
    number of queries: the reviews, the agreed levels, and the levels of the grids
    submitted for those semesters. Semesters not yet locked show no level: the grids of a
    semester in progress stay with their raters until its review (independence)."""
    cohort = apprenticeship.cohort
    blocks = load_track_blocks(session, cohort)
    by_id = {s.id: s for s in cohort.semesters}
    reviews = {
        by_id[semester_id].number: (status, locked_at)
        for semester_id, status, locked_at in session.execute(
            select(Review.semester_id, Review.status, Review.locked_at).where(
                Review.apprenticeship_id == apprenticeship.id
            )
        )
    }
    signed = signed_semesters(session, [apprenticeship.id])[apprenticeship.id]
    locked_ids = [s.id for s in cohort.semesters if reviews.get(s.number, ("",))[0] == "locked"]
    rater_levels: dict[tuple[int, int], dict[RaterRole, Level]] = defaultdict(dict)
    for semester_id, role, competence_id, level in session.execute(
        select(Grid.semester_id, Grid.rater_role, Rating.competence_id, Rating.level)
        .join(Rating, Rating.grid_id == Grid.id)
        .where(
            Grid.apprenticeship_id == apprenticeship.id,
            Grid.semester_id.in_(locked_ids),
            Grid.status == GridStatus.SUBMITTED.value,
        )
    ):
        rater_levels[by_id[semester_id].number, competence_id][RaterRole(role)] = level

    expected = {s.number: s.expected_level for s in cohort.semesters}
    standing = standings(signed)
    agreed = {(s.number, c): level for s in signed for c, level in s.agreed.items()}
    lines = []
    for block in blocks:
        competences = [
            CompetenceLine(
                id=c.id,
                code=c.code,
                short=short_code(c.code, cohort),
                statement=c.statement,
                cells={
                    s.number: Cell(
                        agreed.get((s.number, c.id)),
                        rater_levels.get((s.number, c.id), {}),
                        expected[s.number],
                    )
                    for s in signed
                },
                standing=standing.get(c.id),
                situations=situations.get(c.id, 0),
            )
            for c in block.competences
        ]
        status = block_status([c.id for c in competences], standing, cohort.threshold)
        lines.append(BlockLine(block.id, block.code, block.title, competences, status))

    competence_ids = [c.id for b in lines for c in b.competences]
    latest = signed[-1].number if signed else None
    return Livret(
        apprenticeship_id=apprenticeship.id,
        semesters=[
            SemesterColumn(
                s.number,
                s.expected_level,
                reviews.get(s.number, ("",))[0] == "locked",
                reviews.get(s.number, (None, None))[1],
                reviews.get(s.number, (None,))[0],
            )
            for s in cohort.semesters
        ],
        blocks=lines,
        threshold=cohort.threshold,
        progression=progression(competence_ids, standing, cohort.threshold),
        latest_signed=latest,
        behind=behind_now(competence_ids, standing, expected[latest]) if latest else (),
    )


RATER_LABELS = {
    RaterRole.APPRENTICE: _l("Auto-évaluation"),
    RaterRole.COMPANY_TUTOR: _l("Maître d'apprentissage"),
    RaterRole.ACADEMIC_TUTOR: _l("Tuteur académique"),
}


def short_code(code: str, cohort: Cohort) -> str:
    """A block or competence code without its certification's prefix (BC01, BC01.C02)."""
    return code.removeprefix(cohort.certification.code) or code


def trajectory_of(livret: Livret, cohort: Cohort) -> TrajectoryChart:
    """The chart of the blocks' mean agreed level per signed semester against the
    expected trajectory (the mean only draws the picture: the rules read each competence)."""
    numbers = [s.number for s in livret.semesters]
    return trajectory_chart(
        numbers,
        {s.number: s.expected for s in livret.semesters},
        [
            Series(
                short_code(block.code, cohort),
                {n: block.mean_agreed(n) for n in livret.signed_numbers},
            )
            for block in livret.blocks
        ],
        cohort.scale_labels,
        _("Niveau moyen retenu par bloc et trajectoire attendue"),
    )


def raters_of(livret: Livret, block: BlockLine, cohort: Cohort) -> RatersChart:
    """The three raters' mean levels and the agreed one, per signed semester, for a block."""
    signed = livret.signed_numbers
    series = {
        Rater(role.value): Series(
            str(RATER_LABELS[role]), {n: block.mean_rater(n, role) for n in signed}
        )
        for role in RaterRole
    }
    series[Rater.AGREED] = Series(_("Niveau retenu"), {n: block.mean_agreed(n) for n in signed})
    return raters_chart(
        [s.number for s in livret.semesters],
        series,
        cohort.scale_labels,
        _(
            "%(code)s : niveau moyen donné par chaque évaluateur",
            code=short_code(block.code, cohort),
        ),
    )


# --- A cohort's dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    """One apprentice on the cohort dashboard."""

    apprenticeship: Apprenticeship
    blocks: Mapping[int, BlockStatus]  # by block id (the state; the lists stay on the livret)
    to_acquire: Mapping[int, int]  # by block id: competences not acquired yet
    progression: Progression
    latest_signed: int | None
    behind: int  # competences behind the trajectory (progress.rules.behind_now)
    # Grids of the campaign's semester not submitted yet (0 to 3), None without campaign.
    grids_missing: int | None
    requirements: Mapping[str, bool]  # label → met
    readiness: Readiness


@dataclass(frozen=True)
class Dashboard:
    blocks: list[Block]
    rows: list[DashboardRow]
    # The semester of the latest campaign: the last whose evaluation window has opened.
    campaign: Semester | None
    codes: Mapping[int, str]
    # The conditions of award by their short kind name ("Anglais"), label → name: the
    # dashboard's jury column stays narrow; the livret gives the whole label.
    requirement_names: Mapping[str, str]

    def missing_conditions(self, row: DashboardRow) -> list[str]:
        """The short names of the conditions ``row`` still misses."""
        names = self.requirement_names
        return [names.get(label, label) for label in row.readiness.requirements_missing]


def dashboard_apprenticeships(
    session: Session, cohort: Cohort, *, with_periods: bool
) -> list[Apprenticeship]:
    """A cohort's contracts by apprentice name, loaded lean for a dashboard of hundreds:
    of the apprentices only their name (no roles, no credentials), and no periods unless
    ``with_periods`` (needed to tell an academic tutor's apprentices; the programme manager
    sees all)."""
    periods = (
        selectinload(Apprenticeship.periods).options(
            lazyload(ApprenticeshipPeriod.company_tutor),
            lazyload(ApprenticeshipPeriod.academic_tutor),
        )
        if with_periods
        else lazyload(Apprenticeship.periods)
    )
    return list(
        session.scalars(
            select(Apprenticeship)
            .join(Apprenticeship.apprentice)
            .where(Apprenticeship.cohort_id == cohort.id)
            .order_by(User.name)
            .options(
                contains_eager(Apprenticeship.apprentice)
                .load_only(User.id, User.name)
                .lazyload(User.role_rows),
                periods,
            )
        )
    )


def latest_signed(session: Session, apprenticeship_ids: Sequence[int]) -> dict[int, int]:
    """The number of the latest locked semester of each contract that has one (one grouped
    query: a row per contract, not one per semester)."""
    return dict(
        session.execute(
            select(Review.apprenticeship_id, func.max(Semester.number))
            .join(Semester, Semester.id == Review.semester_id)
            .where(
                in_ids(Review.apprenticeship_id, apprenticeship_ids),
                Review.status == ReviewStatus.LOCKED.value,
            )
            .group_by(Review.apprenticeship_id)
        )
        .tuples()
        .all()
    )


def _campaign_progress(
    session: Session, apprenticeship_ids: Sequence[int], semester: Semester
) -> tuple[set[int], dict[int, int]]:
    """For one semester: the contracts whose review is locked, and the number of
    submitted grids of each contract (two queries)."""
    locked = set(
        session.scalars(
            select(Review.apprenticeship_id).where(
                in_ids(Review.apprenticeship_id, apprenticeship_ids),
                Review.semester_id == semester.id,
                Review.status == ReviewStatus.LOCKED.value,
            )
        )
    )
    submitted = dict(
        session.execute(
            select(Grid.apprenticeship_id, func.count())
            .where(
                in_ids(Grid.apprenticeship_id, apprenticeship_ids),
                Grid.semester_id == semester.id,
                Grid.status == GridStatus.SUBMITTED.value,
            )
            .group_by(Grid.apprenticeship_id)
        )
        .tuples()
        .all()
    )
    return locked, submitted


def campaign_semester(cohort: Cohort, today: date) -> Semester | None:
    """The semester of the cohort's latest campaign: the last whose window has opened."""
    opened = [s for s in cohort.semesters if s.window_opens_on <= today]
    return opened[-1] if opened else None


def cohort_dashboard(
    session: Session,
    cohort: Cohort,
    apprenticeships: Sequence[Apprenticeship],
    *,
    requirements: Mapping[int, Mapping[str, bool]],
    today: date,
) -> Dashboard:
    """The dashboard of ``apprenticeships`` (of one cohort), from the retained levels
    table: a fixed number of queries whatever the number of apprentices. ``requirements``
    gives, per apprenticeship, whether each condition of award is met."""
    blocks = load_track_blocks(session, cohort)
    ids = [a.id for a in apprenticeships]
    expected = {s.number: s.expected_level for s in cohort.semesters}
    counts = block_counts(session, ids, cohort.threshold, expected.values())
    latest = latest_signed(session, ids)
    campaign = campaign_semester(cohort, today)
    campaign_locked, submitted = (
        _campaign_progress(session, ids, campaign) if campaign is not None else (set(), {})
    )

    sizes = {b.id: len(b.competences) for b in blocks}
    total = sum(sizes.values())
    empty = BlockCounts(0, 0, {})
    # The dashboard states a block without its "why": one status per state serves all.
    status_of = {state: BlockStatus(state) for state in BlockState}
    rows = []
    for apprenticeship in apprenticeships:
        mine = {b: counts[apprenticeship.id].get(b, empty) for b in sizes}
        statuses = {
            b: status_of[block_state(sizes[b], c.rated, c.below_threshold)] for b, c in mine.items()
        }
        last = latest.get(apprenticeship.id)
        met = requirements.get(apprenticeship.id, {})
        missing = None
        if campaign is not None and apprenticeship.covers(campaign):
            locked_now = apprenticeship.id in campaign_locked
            missing = 0 if locked_now else len(RaterRole) - submitted.get(apprenticeship.id, 0)
        acquired = sum(c.rated - c.below_threshold for c in mine.values())
        rows.append(
            DashboardRow(
                apprenticeship=apprenticeship,
                blocks=statuses,
                to_acquire={b: sizes[b] - c.rated + c.below_threshold for b, c in mine.items()},
                progression=Progression(acquired, total),
                latest_signed=last,
                behind=sum(c.below.get(expected[last], 0) for c in mine.values()) if last else 0,
                grids_missing=missing,
                requirements=met,
                readiness=readiness({b.code: statuses[b.id] for b in blocks}, met),
            )
        )
    codes = {c.id: c.code for b in blocks for c in b.competences}
    names = {r.label: r.kind_label for r in cohort.certification.requirements}
    return Dashboard(blocks, rows, campaign, codes, names)


# --- Alerts on a tutor's home page ----------------------------------------------------------


class AlertKind(StrEnum):
    BEHIND = "behind"  # competences behind the expected trajectory
    DIVERGENCE = "divergence"  # raters 2+ levels apart in the latest signed semester
    CONDITIONS = "conditions"  # conditions of award not met, in the last year


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    semester: int | None  # the semester it is about (S4 ...), None for conditions
    items: tuple[str, ...]  # competence codes, or condition labels


def alerts(
    session: Session,
    apprenticeships: Sequence[Apprenticeship],
    *,
    requirements: Mapping[int, Mapping[str, bool]],
    today: date,
) -> dict[int, list[Alert]]:
    """What a tutor should look at, per apprenticeship, in a fixed number of queries:

    - behind the trajectory: competences whose retained level is below the level expected
      at the latest signed semester (``progress.rules.behind_now``);
    - large divergences: competences of the latest signed semester on which two raters
      were ``DIVERGENCE`` levels apart or more;
    - conditions of award not met, from the start of the fifth semester (the last year:
      before that, nobody expects them yet).
    """
    ids = [a.id for a in apprenticeships]
    standing = retained_standings(session, ids)
    semesters = {s.id: s for a in apprenticeships for s in a.cohort.semesters}
    numbers = latest_signed(session, ids)
    latest = {
        a.id: s.id
        for a in apprenticeships
        if a.id in numbers and (s := a.cohort.semester(numbers[a.id])) is not None
    }
    levels: dict[tuple[int, int], list[Level]] = defaultdict(list)
    for apprenticeship_id, semester_id, competence_id, level in session.execute(
        select(Grid.apprenticeship_id, Grid.semester_id, Rating.competence_id, Rating.level)
        .join(Rating, Rating.grid_id == Grid.id)
        .where(
            in_ids(Grid.apprenticeship_id, ids),
            Grid.semester_id.in_(set(latest.values())),
            Grid.status == GridStatus.SUBMITTED.value,
        )
    ):
        if latest.get(apprenticeship_id) == semester_id:
            levels[apprenticeship_id, competence_id].append(level)
    codes = dict(
        session.execute(
            select(Competence.id, Competence.code).where(
                Competence.id.in_({c for i in ids for c in standing[i]} | {c for _, c in levels})
            )
        )
        .tuples()
        .all()
    )

    result: dict[int, list[Alert]] = {}
    for apprenticeship in apprenticeships:
        found = []
        semester_id = latest.get(apprenticeship.id)
        if semester_id is not None:
            semester = semesters[semester_id]
            mine = standing[apprenticeship.id]
            behind = behind_now(sorted(mine), mine, semester.expected_level)
            if behind:
                found.append(
                    Alert(AlertKind.BEHIND, semester.number, tuple(codes[c] for c in behind))
                )
            apart = sorted(
                codes[c]
                for (i, c), given in levels.items()
                if i == apprenticeship.id and (divergence(given) or 0) >= DIVERGENCE
            )
            if apart:
                found.append(Alert(AlertKind.DIVERGENCE, semester.number, tuple(apart)))
        fifth = apprenticeship.cohort.semester(5)
        if fifth is not None and today >= fifth.starts_on:
            missing = tuple(
                label for label, met in requirements.get(apprenticeship.id, {}).items() if not met
            )
            if missing:
                found.append(Alert(AlertKind.CONDITIONS, None, missing))
        result[apprenticeship.id] = found
    return result
