"""From the dossier's plain data to what its templates show: the cells of the matrices,
the charts, the table of contents, dates written the French way.

Only presentation here: every fact and every rule outcome is in the data
(``tracker.dossiers.service.dossier_data``), so the PDF never says more than what is
hashed and embedded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime

from tracker.dossiers.render import PdfMetadata
from tracker.evaluations.models import RaterRole
from tracker.i18n import _
from tracker.progress.charts import (
    Series,
    TrajectoryChart,
    mean_level,
    trajectory_chart,
)
from tracker.progress.rules import divergence

# The bundled font, for the SVG charts' text (templates/_macros/charts.html).
CHART_FONT = "Livret Sans"
RATERS = (RaterRole.APPRENTICE, RaterRole.COMPANY_TUTOR, RaterRole.ACADEMIC_TUTOR)


@dataclass(frozen=True)
class SemesterView:
    """A semester as ``templates/livret/_rules.html`` reads it."""

    number: int
    expected_level: int
    signed: bool
    locked_at: str | None

    @property
    def label(self) -> str:
        return f"S{self.number}"


@dataclass(frozen=True)
class ScaleView:
    """The cohort's scale, shaped like the ``Cohort`` the shared rules macros read."""

    scale_labels: Sequence[str]
    not_observed_label: str
    threshold: int
    semesters: Sequence[SemesterView]

    def level_label(self, level: int | None) -> str:
        if level is None or not 1 <= level <= len(self.scale_labels):
            return self.not_observed_label
        return self.scale_labels[level - 1]

    @property
    def levels(self) -> list[tuple[int, str]]:
        return list(enumerate(self.scale_labels, start=1))

    @property
    def threshold_label(self) -> str:
        return f"{self.threshold} – {self.level_label(self.threshold)}"


@dataclass(frozen=True)
class StatusView:
    """A block's status as the shared ``block_state``/``block_why`` macros read it (the
    lists hold codes, shown through an identity ``codes`` mapping)."""

    state: str
    below: Sequence[str]
    unrated: Sequence[str]


@dataclass(frozen=True)
class CellView:
    """One competence in one semester: nothing (not signed), or the agreed level and the
    three raters' levels ("–" no grid, ``None`` non observé)."""

    signed: bool
    agreed: int | None = None
    raters: Sequence[tuple[str, int | str | None]] = ()
    behind: bool = False
    gap: int | None = None
    diverges: bool = False


@dataclass(frozen=True)
class RowView:
    code: str
    statement: str
    cells: Sequence[CellView]
    retained: Mapping[str, int] | None
    situations: int


@dataclass(frozen=True)
class BlockView:
    anchor: str
    code: str
    full_code: str
    title: str
    status: StatusView
    acquired: int
    total: int
    rows: Sequence[RowView]
    chart: TrajectoryChart | None
    divergent: int  # cells flagged, for the sentence under the matrix
    behind: int


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int = 1


@dataclass
class DossierView:
    data: Mapping[str, Any]
    scale: ScaleView
    blocks: list[BlockView]
    trajectory: TrajectoryChart | None
    toc: list[TocEntry] = field(default_factory=list)

    @property
    def codes(self) -> dict[str, str]:
        """Competence codes to themselves: the shared ``block_why`` macro maps ids to
        codes, and the dossier's lists hold codes already."""
        return {row.code: row.code for block in self.blocks for row in block.rows}


NO_GRID = "–"


def _cell(raw: Mapping[str, Any] | None, expected: int, apart: int) -> CellView:
    """``apart``: the gap between two raters from which a divergence is flagged."""
    if raw is None:
        return CellView(signed=False)
    given = raw["raters"]
    raters: list[tuple[str, int | str | None]] = [
        (role.value, given.get(role.value, NO_GRID)) for role in RATERS
    ]
    gap = divergence(given.get(role.value) for role in RATERS)
    agreed = raw["agreed"]
    return CellView(
        signed=True,
        agreed=agreed,
        raters=raters,
        behind=agreed is not None and agreed < expected,
        gap=gap,
        diverges=(gap or 0) >= apart,
    )


def _block_chart(
    block: Mapping[str, Any], semesters: Sequence[SemesterView], scale: Sequence[str]
) -> TrajectoryChart | None:
    """The block's progression: per signed semester, the mean agreed level and the mean
    level each rater gave, against the expected trajectory. Lines, not bars: the matrix
    above already gives every rater's level of every competence."""
    signed = [i for i, s in enumerate(semesters) if s.signed]
    if not signed:
        return None

    def mean(index: int, role: str | None) -> float | None:
        cells = [c["cells"][index] for c in block["competences"] if c["cells"][index]]
        if role is None:
            return mean_level(cell["agreed"] for cell in cells)
        return mean_level(cell["raters"].get(role) for cell in cells)

    labels = {
        RaterRole.APPRENTICE: _("Auto-évaluation"),
        RaterRole.COMPANY_TUTOR: _("Maître d'apprentissage"),
        RaterRole.ACADEMIC_TUTOR: _("Tuteur académique"),
    }
    series = [Series(_("Niveau retenu"), {semesters[i].number: mean(i, None) for i in signed})]
    series += [
        Series(labels[role], {semesters[i].number: mean(i, role.value) for i in signed})
        for role in RATERS
    ]
    return trajectory_chart(
        [s.number for s in semesters],
        {s.number: s.expected_level for s in semesters},
        series,
        scale,
        _(
            "%(code)s : progression du niveau moyen, retenu et donné par chaque évaluateur",
            code=block["code"],
        ),
    )


def _trajectory(
    blocks: Sequence[Mapping[str, Any]], semesters: Sequence[SemesterView], scale: Sequence[str]
) -> TrajectoryChart | None:
    signed = [i for i, s in enumerate(semesters) if s.signed]
    if not signed or not blocks:
        return None
    return trajectory_chart(
        [s.number for s in semesters],
        {s.number: s.expected_level for s in semesters},
        [
            Series(
                block["code"],
                {
                    semesters[i].number: mean_level(
                        c["cells"][i]["agreed"] for c in block["competences"] if c["cells"][i]
                    )
                    for i in signed
                },
            )
            for block in blocks
        ],
        scale,
        _("Niveau moyen retenu par bloc et trajectoire attendue"),
    )


def dossier_view(data: Mapping[str, Any]) -> DossierView:
    semesters = [
        SemesterView(s["number"], s["expected"], s["signed"], s["locked_at"])
        for s in data["semesters"]
    ]
    scale = ScaleView(
        data["scale"]["levels"],
        data["scale"]["not_observed"],
        data["scale"]["threshold"],
        semesters,
    )
    divergence_threshold = data["scale"]["divergence"]
    blocks = []
    for index, block in enumerate(data["blocks"], start=1):
        rows = [
            RowView(
                c["code"],
                c["statement"],
                [
                    _cell(raw, semester.expected_level, divergence_threshold)
                    for raw, semester in zip(c["cells"], semesters, strict=True)
                ],
                c["retained"],
                c["situations"],
            )
            for c in block["competences"]
        ]
        cells = [cell for row in rows for cell in row.cells]
        blocks.append(
            BlockView(
                anchor=f"bloc-{index}",
                code=block["code"],
                full_code=block["full_code"],
                title=block["title"],
                status=StatusView(block["state"], block["below"], block["unrated"]),
                acquired=block["acquired"],
                total=len(block["competences"]),
                rows=rows,
                chart=_block_chart(block, semesters, scale.scale_labels),
                divergent=sum(1 for cell in cells if cell.diverges),
                behind=sum(1 for cell in cells if cell.behind),
            )
        )
    toc = [TocEntry("synthese", _("Synthèse"))]
    toc += [TocEntry(b.anchor, f"{b.code} — {b.title}", 2) for b in blocks]
    toc += [
        TocEntry("appreciations", _("Appréciations des tuteurs")),
        TocEntry("situations", _("Situations professionnelles")),
        TocEntry("conditions", _("Conditions de délivrance")),
        TocEntry("signatures", _("Signatures des bilans")),
    ]
    return DossierView(
        data=data,
        scale=scale,
        blocks=blocks,
        trajectory=_trajectory(data["blocks"], semesters, scale.scale_labels),
        toc=toc,
    )


# --- Dates -----------------------------------------------------------------------------------


def day(value: str | date | None) -> str:
    """12/09/2025 (an ISO date or datetime string, or a date)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "dd/MM/yyyy")


def moment(value: str | datetime | None) -> str:
    """12/09/2025 14:03, in the app's time zone (Europe/Paris)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "dd/MM/yyyy HH:mm")


def long_day(value: str | date | datetime | None) -> str:
    """12 septembre 2025."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM yyyy")
    return format_date(value, "d MMMM yyyy")


# --- The whole context ------------------------------------------------------------------------


def dossier_metadata(data: Mapping[str, Any], rendered_at: datetime) -> PdfMetadata:
    certification = data["certification"]
    certifiers = ", ".join(certification["certifiers"])
    return PdfMetadata(
        title=_(
            "Dossier du jury — %(name)s — %(code)s",
            name=data["apprentice"]["name"],
            code=certification["code"],
        ),
        author=certifiers or _("Livret de suivi de l'apprentissage"),
        subject=_(
            "Dossier de présentation au jury de %(name)s pour la certification %(code)s "
            "(%(title)s) : progression des blocs de compétences, situations "
            "professionnelles, conditions de délivrance et signatures des bilans.",
            name=data["apprentice"]["name"],
            code=certification["code"],
            title=certification["title"],
        ),
        lang="fr",
        created=rendered_at,
    )


def dossier_context(
    data: Mapping[str, Any], *, fingerprint: str, code: str, url: str, rendered_at: datetime
) -> dict[str, Any]:
    """Everything ``templates/pdf/dossier.html`` reads."""
    return {
        "d": data,
        "view": dossier_view(data),
        "fingerprint": fingerprint,
        "code": code,
        "verification_url": url,
        "rendered_at": rendered_at,
        "chart_font": CHART_FONT,
        "day": day,
        "moment": moment,
        "long_day": long_day,
    }
