"""The progression charts as geometry: plain values in, shapes with their coordinates out.

Charts are drawn on the server as SVG so that the page and the PDF show the same picture
(``templates/_macros/charts.html`` only writes these shapes out). Every coordinate is in
the chart's own ``viewBox`` units and rounded to one decimal. No Flask here: the texts
(title, series and scale labels) come from the caller, already translated; the few fixed
words (legend of the expected trajectory, table headers) are written by the template.

Nothing rests on colour alone (RGAA 3.2, WCAG 1.4.1): each block of the trajectory chart
has its own marker shape and dash pattern, each rater of the raters chart its own fill
pattern, and every colour keeps 3:1 against white (1.4.11), so a chart printed in black
and white still reads. Every chart has a table equivalent built from the same values.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

# Sizes in viewBox units: a 640-wide chart keeps its text readable when scaled to a column
# of the page or of an A4 sheet.
WIDTH = 640.0
PLOT_HEIGHT = 240.0
TITLE_SIZE = 15.0
TEXT_SIZE = 12.0
CHAR_WIDTH = 0.62  # average advance of DejaVu Sans, in em: enough to lay out labels
LEFT_EDGE = 16.0  # the title and the legend start here
RIGHT_MARGIN = 16.0
TOP = 46.0  # below the title
TICK_WRAP = 16  # characters per line of a scale label beside the axis
TITLE_LINE = 19.0
LEGEND_ROW = 24.0
LINE_HEIGHT = TEXT_SIZE + 3

# Room kept in the legend for the expected trajectory's words, which the template writes
# (translated): the longest of them, in characters.
EXPECTED_LABEL_ROOM = 22


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: its label and a value per semester number (``None``:
    not signed, not rated, or no grid)."""

    label: str
    values: Mapping[int, float | None]


@dataclass(frozen=True)
class Style:
    """How a series is told apart without its colour: a marker shape and a dash pattern
    (lines), a fill pattern (bars)."""

    colour: str
    dash: str  # stroke-dasharray; "" is a solid line
    marker: str  # circle, square, triangle, diamond, triangle-down, ...
    hollow: bool  # a marker drawn white inside, outlined in the colour
    pattern: str  # bars: solid, hatch, dots, grid, ...


# Colour-blind-safe hues, all at 3:1 or more against white; the shape, dash and pattern
# differ at every position, so order matters more than hue.
LINE_STYLES = (
    Style("#1f4e79", "", "circle", False, "solid"),
    Style("#a85000", "9 4", "square", False, "hatch"),
    Style("#1e6b34", "2 3", "triangle", False, "dots"),
    Style("#6a3d9a", "10 3 2 3", "diamond", True, "grid"),
    Style("#b00020", "5 5", "triangle-down", True, "solid"),
    Style("#00727a", "14 4", "square", True, "hatch"),
    Style("#6b4226", "2 2 8 2", "circle", True, "dots"),
    Style("#333333", "6 2 2 2 2 2", "triangle", True, "grid"),
)


class Rater(StrEnum):
    """The bars of the raters chart, in their order. The first three are the grid roles
    (same values as ``evaluations.models``); the agreed level is the review's."""

    APPRENTICE = "apprentice"
    COMPANY_TUTOR = "company_tutor"
    ACADEMIC_TUTOR = "academic_tutor"
    AGREED = "agreed"


# Each rater keeps its look whoever else is shown; the agreed level is the solid, darkest bar.
RATER_STYLES = {
    Rater.APPRENTICE: Style("#a85000", "", "square", False, "hatch"),
    Rater.COMPANY_TUTOR: Style("#00727a", "", "square", False, "dots"),
    Rater.ACADEMIC_TUTOR: Style("#6a3d9a", "", "square", False, "grid"),
    Rater.AGREED: Style("#1f4e79", "", "square", False, "solid"),
}


def mean_level(levels: Iterable[int | None]) -> float | None:
    """The mean of the levels given, ``None`` ("not rated") left out; ``None`` when no
    level is given at all, never 0."""
    given = [level for level in levels if level is not None]
    return sum(given) / len(given) if given else None


def _r(value: float) -> float:
    return round(value, 1)


def _text_width(text: str, size: float = TEXT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


@dataclass(frozen=True)
class Label:
    """One line of text: ``anchor`` is SVG's text-anchor (start, middle, end)."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    size: float = TEXT_SIZE
    bold: bool = False
    muted: bool = False


@dataclass(frozen=True)
class Gridline:
    level: int
    y: float


@dataclass(frozen=True)
class Frame:
    """What both charts share: the canvas, the plot area, the semester bands along X, the
    levels along Y with their gridlines, and every fixed text (title, axis labels)."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    gridlines: tuple[Gridline, ...]
    labels: tuple[Label, ...]


@dataclass(frozen=True)
class _Axes:
    """The scales of a chart being built (not part of the geometry handed out)."""

    left: float
    right: float
    top: float
    bottom: float
    semesters: tuple[int, ...]
    low: float
    high: float

    @property
    def band(self) -> float:
        return (self.right - self.left) / len(self.semesters)

    def centre(self, semester: int) -> float:
        return self.left + self.band * (self.semesters.index(semester) + 0.5)

    def band_start(self, semester: int) -> float:
        return self.left + self.band * self.semesters.index(semester)

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def _tick_lines(level: int, label: str) -> list[str]:
    return textwrap.wrap(f"{level} — {label}", TICK_WRAP, break_on_hyphens=False) or [str(level)]


def _title_lines(title: str) -> list[str]:
    room = int((WIDTH - LEFT_EDGE - RIGHT_MARGIN) / (TITLE_SIZE * CHAR_WIDTH))
    return textwrap.wrap(title, room) or [""]


def _axes(
    semesters: Sequence[int], scale: Sequence[str], title: str, low: float, high: float
) -> _Axes:
    if not semesters:
        raise ValueError("a chart needs at least one semester")
    if not scale:
        raise ValueError("a chart needs a scale of at least one level")
    widest = max(
        _text_width(line) for i, lab in enumerate(scale, 1) for line in _tick_lines(i, lab)
    )
    left = min(max(widest + 14, 48.0), 190.0)
    top = TOP + (len(_title_lines(title)) - 1) * TITLE_LINE
    return _Axes(left, WIDTH - RIGHT_MARGIN, top, top + PLOT_HEIGHT, tuple(semesters), low, high)


def _frame(axes: _Axes, scale: Sequence[str], title: str, height: float) -> Frame:
    labels = [
        Label(LEFT_EDGE, 22.0 + i * TITLE_LINE, line, size=TITLE_SIZE, bold=True)
        for i, line in enumerate(_title_lines(title))
    ]
    gridlines = []
    line_height = TEXT_SIZE + 1
    for level, name in enumerate(scale, start=1):
        y = axes.y(level)
        gridlines.append(Gridline(level, _r(y)))
        lines = _tick_lines(level, name)
        # Centred on the gridline, each line's baseline a third of a size below its middle.
        first = y - (len(lines) - 1) * line_height / 2 + TEXT_SIZE / 3
        labels.extend(
            Label(_r(axes.left - 8), _r(first + i * line_height), line, "end", muted=True)
            for i, line in enumerate(lines)
        )
    labels.extend(
        Label(_r(axes.centre(s)), _r(axes.bottom + 20), f"S{s}", "middle", bold=True)
        for s in axes.semesters
    )
    return Frame(
        width=WIDTH,
        height=_r(height),
        left=_r(axes.left),
        top=_r(axes.top),
        right=_r(axes.right),
        bottom=_r(axes.bottom),
        gridlines=tuple(gridlines),
        labels=tuple(labels),
    )


def _check(series: Series, scale: Sequence[str]) -> None:
    for semester, value in series.values.items():
        if value is not None and not 0 <= value <= len(scale):
            raise ValueError(f"{series.label} S{semester}: {value} is outside the scale")


@dataclass(frozen=True)
class LegendEntry:
    """A legend entry: the sample drawn at (``x``, ``y``) with the series' style, its text
    starting at (``text_x``, ``text_y``), one line per item of ``lines`` (a long label is
    wrapped), ``LINE_HEIGHT`` apart. ``kind`` is "series" (the label is the series'), or
    "expected" (the template writes the translated words; ``label`` is empty)."""

    kind: str
    label: str
    lines: tuple[str, ...]
    style: Style | None
    x: float
    y: float
    width: float
    text_x: float
    text_y: float
    marker: str = ""  # the marker's path, trajectory chart only
    line_height: float = LINE_HEIGHT


def _legend(
    entries: Sequence[tuple[str, str, Style | None]],
    top: float,
    sample: float,
    marker_size: float = 0,
) -> tuple[list[LegendEntry], float]:
    """Lays entries out in as many equal columns as the widest label allows, left to right
    then down, wrapping a label too long for the whole width; returns them and the y below
    the last row."""
    char = TEXT_SIZE * CHAR_WIDTH
    room = int((WIDTH - LEFT_EDGE - RIGHT_MARGIN - sample - 8) / char)
    wrapped = [
        textwrap.wrap(label, room) or [""] if kind == "series" else [""]
        for kind, label, _ in entries
    ]
    widths = [
        max(len(line) for line in lines) if kind == "series" else EXPECTED_LABEL_ROOM
        for lines, (kind, _, _) in zip(wrapped, entries, strict=True)
    ]
    column = sample + 8 + max(widths) * char + 20
    columns = max(1, min(len(entries), int((WIDTH - RIGHT_MARGIN - LEFT_EDGE) // column)))
    result = []
    y = top
    for start in range(0, len(entries), columns):
        row = range(start, min(start + columns, len(entries)))
        for col, index in enumerate(row):
            kind, label, style = entries[index]
            x = LEFT_EDGE + col * column
            marker = ""
            if style is not None and marker_size:
                marker = marker_path(style.marker, x + sample / 2, y, marker_size)
            result.append(
                LegendEntry(
                    kind,
                    label,
                    tuple(wrapped[index]),
                    style,
                    _r(x),
                    _r(y),
                    sample,
                    _r(x + sample + 8),
                    _r(y + 4),
                    marker,
                )
            )
        y += LEGEND_ROW + (max(len(wrapped[i]) for i in row) - 1) * LINE_HEIGHT
    return result, y - LEGEND_ROW + 16


def marker_path(shape: str, x: float, y: float, size: float = 5.0) -> str:
    """An SVG path for a marker centred on (``x``, ``y``); ``size`` is about its radius.
    Shapes of equal visual weight, so no block looks more important than another."""
    if shape == "circle":
        return (
            f"M{_r(x - size)},{_r(y)}a{size},{size} 0 1,0 {_r(2 * size)},0"
            f"a{size},{size} 0 1,0 {_r(-2 * size)},0Z"
        )
    if shape == "square":
        s = size * 0.9
        corners = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    elif shape == "triangle":
        s = size * 1.2
        corners = [(x, y - s), (x + s, y + s * 0.75), (x - s, y + s * 0.75)]
    elif shape == "triangle-down":
        s = size * 1.2
        corners = [(x, y + s), (x + s, y - s * 0.75), (x - s, y - s * 0.75)]
    elif shape == "diamond":
        s = size * 1.25
        corners = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    else:
        raise ValueError(f"unknown marker shape {shape!r}")
    return "M" + "L".join(f"{_r(cx)},{_r(cy)}" for cx, cy in corners) + "Z"


# --- Blocks against the expected trajectory ---------------------------------------------


@dataclass(frozen=True)
class Point:
    semester: int
    value: float
    x: float
    y: float
    marker: str  # the marker's path


@dataclass(frozen=True)
class Line:
    """One block: its points, and the runs of consecutive semesters with a value, each
    drawn as one polyline (a semester without a value breaks the line)."""

    label: str
    style: Style
    points: tuple[Point, ...]
    runs: tuple[str, ...]  # polyline "points" attributes, one per unbroken run


@dataclass(frozen=True)
class TrajectoryChart:
    kind = "trajectory"
    title: str
    frame: Frame
    expected_path: str  # the expected level as steps, one per semester band
    lines: tuple[Line, ...]
    legend: tuple[LegendEntry, ...]
    # The values, for the table equivalent.
    semesters: tuple[int, ...]
    expected: Mapping[int, int]
    series: tuple[Series, ...]
    scale: tuple[str, ...]


MARKER_SIZE = 5.0
DODGE = 5.0  # blocks at the same level on the same semester stand side by side, not on top


def trajectory_chart(
    semesters: Sequence[int],
    expected: Mapping[int, int],
    series: Sequence[Series],
    scale: Sequence[str],
    title: str,
) -> TrajectoryChart:
    """The mean agreed level of each block per signed semester (``series``, one per
    block), against the level expected at the end of each semester (``expected``, drawn as
    dashed steps). ``scale`` holds the level labels, level 1 first. A semester without a
    value leaves a gap in the block's line. At most ``len(LINE_STYLES)`` (8) blocks: past
    that, lines could no longer be told apart."""
    if len(series) > len(LINE_STYLES):
        raise ValueError(f"at most {len(LINE_STYLES)} series can be told apart")
    for s in series:
        _check(s, scale)
    axes = _axes(semesters, scale, title, 0.5, len(scale) + 0.3)

    # Steps as (start, end, level) bands; a band continuing the previous one at the same
    # level extends it, a touching one at another level is joined by a riser.
    steps: list[list[float]] = []
    for semester in axes.semesters:
        level = expected.get(semester)
        if level is None:
            continue
        x0, x1, y = axes.band_start(semester), axes.band_start(semester) + axes.band, axes.y(level)
        if steps and math.isclose(steps[-1][1], x0) and math.isclose(steps[-1][2], y):
            steps[-1][1] = x1
        else:
            steps.append([x0, x1, y])
    expected_path = ""
    for index, (x0, x1, y) in enumerate(steps):
        joined = index > 0 and math.isclose(steps[index - 1][1], x0)
        expected_path += f"{'L' if joined else 'M'}{_r(x0)},{_r(y)}H{_r(x1)}"

    lines = []
    for index, s in enumerate(series):
        style = LINE_STYLES[index]
        offset = (index - (len(series) - 1) / 2) * DODGE
        points, runs, run = [], [], []
        for semester in axes.semesters:
            value = s.values.get(semester)
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            x, y = _r(axes.centre(semester) + offset), _r(axes.y(value))
            point = Point(semester, value, x, y, marker_path(style.marker, x, y, MARKER_SIZE))
            points.append(point)
            run.append(point)
        if run:
            runs.append(run)
        lines.append(
            Line(
                s.label,
                style,
                tuple(points),
                tuple(" ".join(f"{p.x},{p.y}" for p in r) for r in runs if len(r) > 1),
            )
        )

    entries = [("expected", "", None)] + [
        ("series", s.label, LINE_STYLES[i]) for i, s in enumerate(series)
    ]
    legend, end = _legend(entries, axes.bottom + 48, 40.0, MARKER_SIZE)
    return TrajectoryChart(
        title=title,
        frame=_frame(axes, scale, title, end + 8),
        expected_path=expected_path,
        lines=tuple(lines),
        legend=tuple(legend),
        semesters=axes.semesters,
        expected=dict(expected),
        series=tuple(series),
        scale=tuple(scale),
    )


# --- The three raters side by side ----------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One rater's bar in one semester: from the baseline (level 0) up to ``value``;
    without a value (``value`` None, ``height`` 0), a "–" is written at (``x`` + half the
    width, ``y``) so the empty slot does not read as a level."""

    semester: int
    value: float | None
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return _r(self.x + self.width / 2)


@dataclass(frozen=True)
class BarSeries:
    rater: Rater
    label: str
    style: Style
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class RatersChart:
    kind = "raters"
    title: str
    frame: Frame
    baseline: float
    groups: tuple[BarSeries, ...]
    legend: tuple[LegendEntry, ...]
    semesters: tuple[int, ...]
    series: tuple[Series, ...]
    scale: tuple[str, ...]


GROUP_SHARE = 0.8  # of a semester band taken by its bars; the rest separates semesters
BAR_GAP = 1.5


def raters_chart(
    semesters: Sequence[int],
    series: Mapping[Rater | str, Series],
    scale: Sequence[str],
    title: str,
) -> RatersChart:
    """Per semester, one bar per rater side by side (apprentice's self-assessment, company
    tutor, academic tutor, agreed level: always in this order, each with its own fill
    pattern), as tall as the mean level the rater gave: level 0 at the baseline, so heights
    are proportional to levels. A rater left out of ``series`` has no bar at all; a
    semester without a value (no grid) leaves the rater's slot empty, marked with a "–"."""
    given = {Rater(key): s for key, s in series.items()}
    shown = [(rater, given[rater]) for rater in Rater if rater in given]
    for _, s in shown:
        _check(s, scale)
    axes = _axes(semesters, scale, title, 0.0, len(scale) + 0.25)
    baseline = axes.y(0)
    slot = axes.band * GROUP_SHARE / max(len(shown), 1)
    groups = []
    for index, (rater, s) in enumerate(shown):
        bars = []
        for semester in axes.semesters:
            x = axes.centre(semester) - axes.band * GROUP_SHARE / 2 + index * slot + BAR_GAP / 2
            value = s.values.get(semester)
            if value is None:
                bars.append(Bar(semester, None, _r(x), _r(baseline - 5), _r(slot - BAR_GAP), 0.0))
                continue
            top = axes.y(value)
            bars.append(
                Bar(semester, value, _r(x), _r(top), _r(slot - BAR_GAP), _r(baseline - top))
            )
        groups.append(BarSeries(rater, s.label, RATER_STYLES[rater], tuple(bars)))

    entries = [("series", s.label, RATER_STYLES[rater]) for rater, s in shown]
    legend, end = _legend(entries, axes.bottom + 48, 24.0)
    return RatersChart(
        title=title,
        frame=_frame(axes, scale, title, end + 8),
        baseline=_r(baseline),
        groups=tuple(groups),
        legend=tuple(legend),
        semesters=axes.semesters,
        series=tuple(s for _, s in shown),
        scale=tuple(scale),
    )
