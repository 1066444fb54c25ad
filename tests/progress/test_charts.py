"""The progression charts: their geometry from plain values, then the SVG and tables the
macros write from it, and WeasyPrint drawing both without a warning."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import xml.etree.ElementTree as ET

import pytest
import weasyprint
from flask import Flask, render_template_string

from tracker.evaluations.models import RaterRole
from tracker.progress.charts import (
    LINE_STYLES,
    RATER_STYLES,
    WIDTH,
    Rater,
    Series,
    mean_level,
    raters_chart,
    trajectory_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
SCALE = ("Non acquis", "En cours d'acquisition", "Acquis", "Maîtrisé")
SEMESTERS = range(1, 7)
EXPECTED = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4}
RATERS = {
    Rater.APPRENTICE: Series("Apprenti·e (auto-évaluation)", {1: 2.0, 2: 2.5, 3: 3.0}),
    Rater.COMPANY_TUTOR: Series("Maître d'apprentissage", {1: 1.0, 2: None, 3: 3.0}),
    Rater.ACADEMIC_TUTOR: Series("Tuteur académique", {1: 1.5, 2: 2.0}),
    Rater.AGREED: Series("Niveau retenu", {1: 1.5, 2: 2.0, 3: 3.0}),
}


def trajectory(*series: Series, semesters=SEMESTERS, expected=EXPECTED):  # type: ignore[no-untyped-def]
    return trajectory_chart(semesters, expected, series, SCALE, "Progression des blocs")


def raters(series=RATERS):  # type: ignore[no-untyped-def]
    return raters_chart(SEMESTERS, series, SCALE, "Les trois évaluateurs")


def gridline(chart, level: int) -> float:  # type: ignore[no-untyped-def]
    return next(g.y for g in chart.frame.gridlines if g.level == level)


def semester_x(chart, semester: int) -> float:  # type: ignore[no-untyped-def]
    return next(label.x for label in chart.frame.labels if label.text == f"S{semester}")


def numbers(value: object):  # type: ignore[no-untyped-def]
    """Every float and every number in a path or points string of a geometry object."""
    if isinstance(value, float):
        yield value
    elif isinstance(value, str):
        yield from (float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", value))
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name not in ("values", "expected", "series", "scale", "label", "text", "title"):
                yield from numbers(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from numbers(item)


# --- mean level -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "mean"),
    [
        ([], None),
        ([None, None], None),  # "not rated" is no level, and no mean is not 0
        ([3], 3.0),
        ([2, None, 3], 2.5),
        ([1, 2, 2, 4], 2.25),
    ],
)
def test_mean_level_leaves_not_rated_out(levels, mean) -> None:  # type: ignore[no-untyped-def]
    assert mean_level(levels) == mean


# --- trajectory chart ---------------------------------------------------------------------


def test_points_sit_on_their_semester_and_level() -> None:
    chart = trajectory(Series("BC01", {1: 1.0, 2: 2.0, 4: 3.0, 6: 4.0}))
    (line,) = chart.lines
    assert [(p.semester, p.value) for p in line.points] == [(1, 1.0), (2, 2.0), (4, 3.0), (6, 4.0)]
    for point in line.points:
        assert point.x == semester_x(chart, point.semester)
        assert point.y == gridline(chart, int(point.value))
    half = next(p for p in trajectory(Series("BC01", {3: 2.5})).lines[0].points)
    assert half.y == pytest.approx((gridline(chart, 2) + gridline(chart, 3)) / 2, abs=0.1)
    # Six equal semester bands across the plot, higher levels higher up.
    xs = [semester_x(chart, s) for s in SEMESTERS]
    steps = {round(b - a, 1) for a, b in itertools.pairwise(xs)}
    assert max(steps) - min(steps) <= 0.1
    assert gridline(chart, 1) > gridline(chart, 2) > gridline(chart, 3) > gridline(chart, 4)


def test_a_semester_without_value_breaks_the_line() -> None:
    chart = trajectory(Series("BC01", {1: 1.0, 2: 2.0, 3: None, 4: 3.0, 5: 3.0, 6: None}))
    (line,) = chart.lines
    assert len(line.points) == 4
    assert len(line.runs) == 2
    first, second = (run.split() for run in line.runs)
    assert first == [f"{p.x},{p.y}" for p in line.points[:2]]
    assert second == [f"{p.x},{p.y}" for p in line.points[2:]]


def test_a_lone_point_has_its_marker_but_no_line() -> None:
    (line,) = trajectory(Series("BC03", {1: 2.0, 2: None, 3: 3.0})).lines
    assert len(line.points) == 2
    assert line.runs == ()
    assert all(p.marker.startswith("M") for p in line.points)


def test_expected_trajectory_is_drawn_as_steps() -> None:
    chart = trajectory(semesters=(1, 2, 3), expected={1: 1, 2: 1, 3: 2})
    f = chart.frame
    middle = round(f.left + (f.right - f.left) * 2 / 3, 1)
    y1, y2 = gridline(chart, 1), gridline(chart, 2)
    # S1 and S2 share one step at level 1, a riser, then S3 at level 2.
    assert chart.expected_path == f"M{f.left},{y1}H{middle}L{middle},{y2}H{f.right}"


def test_a_semester_without_expected_level_leaves_a_gap_in_the_steps() -> None:
    chart = trajectory(semesters=(1, 2, 3), expected={1: 1, 3: 2})
    assert chart.expected_path.count("M") == 2
    assert "L" not in chart.expected_path


def test_blocks_differ_by_marker_and_dash_not_only_by_colour() -> None:
    chart = trajectory(*(Series(f"BC0{i}", {1: 2.0}) for i in range(1, 7)))
    looks = [(line.style.marker, line.style.hollow) for line in chart.lines]
    assert len(set(looks)) == 6
    assert len({line.style.dash for line in chart.lines}) == 6
    assert len({line.style.colour for line in chart.lines}) == 6
    assert len({(s.marker, s.hollow, s.dash) for s in LINE_STYLES}) == len(LINE_STYLES)
    # Blocks at the same level in the same semester stand side by side, centred.
    xs = [line.points[0].x for line in chart.lines]
    assert xs == sorted(xs)
    assert len(set(xs)) == 6
    assert (xs[0] + xs[-1]) / 2 == pytest.approx(semester_x(chart, 1), abs=0.1)


def test_legend_names_the_expected_trajectory_then_every_block() -> None:
    chart = trajectory(Series("BC01", {}), Series("BC02", {1: 1.0}))
    assert [(e.kind, e.label) for e in chart.legend] == [
        ("expected", ""),
        ("series", "BC01"),
        ("series", "BC02"),
    ]
    assert chart.legend[1].style == chart.lines[0].style
    assert all(e.marker for e in chart.legend[1:])
    assert min(e.y for e in chart.legend) > chart.frame.bottom


def test_long_labels_wrap_inside_the_chart() -> None:
    title = "Niveau moyen retenu par bloc de compétences et par semestre signé, " * 2
    label = (
        "BC01 — Concevoir et piloter un projet d'ingénierie en contexte industriel "
        "international, en intégrant les enjeux de transition"
    )
    chart = trajectory_chart(SEMESTERS, EXPECTED, [Series(label, {1: 1.0})], SCALE, title)
    titles = [label for label in chart.frame.labels if label.bold and label.size > 12]
    assert len(titles) == 3
    assert len(chart.legend[1].lines) == 2
    assert " ".join(chart.legend[1].lines) == label
    # An estimate of the text's width (0.62 em a character) stays inside the chart.
    assert all(
        entry.text_x + len(line) * 12 * 0.62 <= WIDTH
        for entry in chart.legend
        for line in entry.lines
    )
    ticks = [label.text for label in chart.frame.labels if label.anchor == "end"]
    assert ticks == [
        "1 — Non acquis",
        "2 — En cours",
        "d'acquisition",
        "3 — Acquis",
        "4 — Maîtrisé",
    ]


@pytest.mark.parametrize("chart", [trajectory(Series("BC01", {1: 1.0, 2: 3.5})), raters()])
def test_geometry_is_rounded_and_inside_the_view_box(chart) -> None:  # type: ignore[no-untyped-def]
    values = list(numbers(chart))
    assert values
    assert all(round(v, 1) == v for v in values)
    xs = [p.x for line in getattr(chart, "lines", ()) for p in line.points]
    assert all(0 <= x <= chart.frame.width for x in xs)
    assert all(0 <= label.y <= chart.frame.height for label in chart.frame.labels)
    assert all(0 <= e.y <= chart.frame.height for e in chart.legend)


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([Series("BC01", {1: 5.0})], "outside the scale"),
        ([Series(f"BC{i}", {}) for i in range(9)], "at most 8"),
    ],
)
def test_values_that_cannot_be_drawn_are_refused(series, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        trajectory(*series)


# --- raters chart -------------------------------------------------------------------------


def test_bar_heights_are_proportional_to_levels() -> None:
    chart = raters()
    bars = {(g.rater, b.semester): b for g in chart.groups for b in g.bars}
    one, two, three = (
        bars[Rater.COMPANY_TUTOR, 1],
        bars[Rater.APPRENTICE, 1],
        bars[Rater.APPRENTICE, 3],
    )
    assert two.height == pytest.approx(2 * one.height, abs=0.2)
    assert three.height == pytest.approx(3 * one.height, abs=0.2)
    for bar in (one, two, three):
        assert bar.y + bar.height == pytest.approx(chart.baseline, abs=0.1)
        assert bar.y == gridline(chart, int(bar.value))


def test_bars_of_a_semester_stand_side_by_side_in_the_raters_order() -> None:
    chart = raters(dict(reversed(RATERS.items())))  # the order given does not matter
    assert [g.rater for g in chart.groups] == list(Rater)
    assert [g.label for g in chart.groups] == [s.label for s in RATERS.values()]
    first = [g.bars[0] for g in chart.groups]
    assert [b.x for b in first] == sorted(b.x for b in first)
    assert all(a.x + a.width < b.x for a, b in itertools.pairwise(first))
    centre = (first[0].x + first[-1].x + first[-1].width) / 2
    assert centre == pytest.approx(semester_x(chart, 1), abs=0.2)


def test_a_missing_grid_leaves_an_empty_slot() -> None:
    chart = raters()
    bars = {(g.rater, b.semester): b for g in chart.groups for b in g.bars}
    empty = bars[Rater.COMPANY_TUTOR, 2]
    assert empty.value is None
    assert empty.height == 0
    assert empty.y < chart.baseline
    assert bars[Rater.ACADEMIC_TUTOR, 3].value is None
    assert bars[Rater.ACADEMIC_TUTOR, 6].value is None


def test_raters_differ_by_pattern_and_keep_their_look() -> None:
    assert len({s.pattern for s in RATER_STYLES.values()}) == len(Rater)
    alone = raters({"agreed": RATERS[Rater.AGREED]})  # role names are accepted too
    assert [g.rater for g in alone.groups] == [Rater.AGREED]
    assert alone.groups[0].style == RATER_STYLES[Rater.AGREED]
    assert [e.label for e in alone.legend] == ["Niveau retenu"]
    # The grid roles of the evaluations are raters of the chart as they are.
    assert {Rater(role.value) for role in RaterRole} == set(Rater) - {Rater.AGREED}


# --- rendering ----------------------------------------------------------------------------


def render(app: Flask, source: str, **context: object) -> str:
    with app.test_request_context():
        return render_template_string(
            "{% from '_macros/charts.html' import chart_svg, chart_table, chart_with_table, "
            "level_text %}" + source,
            **context,
        )


def svg_of(html: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", html, re.DOTALL)
    assert match
    return ET.fromstring(match.group())  # noqa: S314 - our own markup


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_on_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


TRAJECTORY = trajectory(
    Series("BC01", {1: 1.0, 2: 2.5, 3: None, 4: 3.0}), Series("BC02 <Gérer>", {1: 2.0})
)


@pytest.mark.parametrize(("chart", "prefix"), [(TRAJECTORY, "traj"), (raters(), "eval")])
def test_svg_is_a_labelled_image_without_style(app: Flask, chart, prefix) -> None:  # type: ignore[no-untyped-def]
    html = render(app, "{{ chart_svg(chart, prefix) }}", chart=chart, prefix=prefix)
    svg = svg_of(html)
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == f"0 0 {chart.frame.width} {chart.frame.height}"
    assert svg.get("width") == "100%"
    assert "DejaVu Sans" in svg.get("font-family", "")
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == chart.title
    assert desc.text
    assert len(desc.text) > 40
    elements = list(svg.iter())
    assert all("style" not in e.attrib for e in elements)
    assert not [e for e in elements if e.tag in (f"{SVG}style", f"{SVG}script")]
    assert not [name for e in elements for name in e.attrib if name.startswith("on")]


@pytest.mark.parametrize("chart", [TRAJECTORY, raters()])
def test_colours_keep_their_contrast_on_white(app: Flask, chart) -> None:  # type: ignore[no-untyped-def]
    svg = svg_of(render(app, "{{ chart_svg(chart, 'c') }}", chart=chart))
    for element in svg.iter():
        for name in ("fill", "stroke"):
            colour = element.get(name, "none")
            # White is the paper; the light gridlines only guide the eye (values: the table).
            if colour in ("none", "#ffffff", "#c9ced6") or colour.startswith("url("):
                continue
            wanted = 4.5 if element.tag == f"{SVG}text" else 3
            assert contrast_on_white(colour) >= wanted, (element.tag, name, colour)


def test_trajectory_svg_draws_every_line_marker_and_legend(app: Flask) -> None:
    svg = svg_of(render(app, "{{ chart_svg(chart, 't') }}", chart=TRAJECTORY))
    polylines = svg.findall(f".//{SVG}polyline")
    assert [p.get("points") for p in polylines] == [
        run for ln in TRAJECTORY.lines for run in ln.runs
    ]
    markers = {p.get("d") for p in svg.iter(f"{SVG}path")}
    assert {p.marker for line in TRAJECTORY.lines for p in line.points} <= markers
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"S1", "S6", "3 — Acquis", "Trajectoire attendue", "BC01", "BC02 <Gérer>"} <= set(texts)
    dashed = [e for e in svg.iter() if e.get("stroke-dasharray")]
    assert dashed  # the expected trajectory and the second block


def test_raters_svg_fills_bars_with_patterns_and_marks_missing_grids(app: Flask) -> None:
    chart = raters()
    html = render(app, "{{ chart_svg(chart, 'e') }}{{ chart_svg(chart, 'f') }}", chart=chart)
    svg = svg_of(html)
    patterns = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
    assert len(patterns) == 3  # the agreed level is a solid fill
    fills = {g.get("fill") for g in svg.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None}
    assert {f"url(#{p})" for p in patterns} <= fills
    drawn = sum(1 for g in chart.groups for b in g.bars if b.value is not None)
    legend = len(chart.legend)
    # The background, a tile per pattern, the bars drawn, the legend's swatches.
    assert len(svg.findall(f".//{SVG}rect")) == 1 + 3 + drawn + legend
    missing = sum(1 for g in chart.groups for b in g.bars if b.value is None)
    assert [t.text for t in svg.iter(f"{SVG}text")].count("–") == missing
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two charts on a page, no id twice


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (3, "3 — Acquis"),
        (3.0, "3 — Acquis"),
        (2.5, "2,5 — entre En cours d'acquisition et Acquis"),
        (1.04, "1 — Non acquis"),
        (3.66, "3,7 — entre Acquis et Maîtrisé"),
    ],
)
def test_levels_read_as_words(app: Flask, value, text) -> None:  # type: ignore[no-untyped-def]
    html = render(app, "{{ level_text(value, scale) }}", value=value, scale=SCALE)
    assert html.replace("&#39;", "'") == text


def test_table_equivalents_hold_the_values(app: Flask) -> None:
    html = render(
        app,
        "<div>{{ chart_with_table(t, 'traj') }}{{ chart_with_table(r, 'eval') }}</div>",
        t=TRAJECTORY,
        r=raters(),
    )
    page = ET.fromstring(html.replace("&#39;", "'"))  # noqa: S314 - well-formed on purpose
    details = page.findall(".//details")
    assert [d.find("summary").text for d in details] == ["Tableau des données"] * 2
    trajectory_table, raters_table = (d.find(".//table") for d in details)

    assert trajectory_table.find("caption").text == TRAJECTORY.title
    head = [(th.get("scope"), th.text) for th in trajectory_table.find("thead").iter("th")]
    assert head == [
        ("col", "Semestre"),
        ("col", "Niveau attendu"),
        ("col", "BC01"),
        ("col", "BC02 <Gérer>"),
    ]
    rows = [
        [row.find("th").text] + [td.text for td in row.findall("td")]
        for row in trajectory_table.find("tbody").iter("tr")
    ]
    assert all(
        row.find("th").get("scope") == "row"
        for row in trajectory_table.iter("tr")
        if row.find("td") is not None
    )
    assert rows[0] == ["S1", "1 — Non acquis", "1 — Non acquis", "2 — En cours d'acquisition"]
    assert rows[1] == [
        "S2",
        "2 — En cours d'acquisition",
        "2,5 — entre En cours d'acquisition et Acquis",
        "—",
    ]
    assert rows[2][2] == "—"
    assert len(rows) == 6

    assert raters_table.find("caption").text == "Les trois évaluateurs"
    head = [th.text for th in raters_table.find("thead").iter("th")]
    assert head == ["Semestre", *(s.label for s in RATERS.values())]
    second = [td.text for td in raters_table.find("tbody").findall("tr")[1].findall("td")]
    assert second == [
        "2,5 — entre En cours d'acquisition et Acquis",
        "—",
        "2 — En cours d'acquisition",
        "2 — En cours d'acquisition",
    ]


def test_weasyprint_draws_both_charts_without_a_warning(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    body = render(
        app,
        "{{ chart_with_table(t, 'traj') }}{{ chart_with_table(r, 'eval') }}",
        t=TRAJECTORY,
        r=raters(),
    )
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Graphiques</title>'
        f"</head><body>{body}</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = weasyprint.HTML(string=html).render()
        pdf = document.write_pdf()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert pdf.startswith(b"%PDF")
    assert len(document.pages) >= 1
    # Both SVGs are laid out as pictures keeping their viewBox's proportions, not dropped
    # (read from the layout: WeasyPrint has no public API for it; the version is pinned).
    pictures = [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if str(getattr(box, "element_tag", "")).endswith("}svg")
    ]
    frames = [TRAJECTORY.frame, raters().frame]
    assert [round(b.width / b.height, 2) for b in pictures] == [
        round(f.width / f.height, 2) for f in frames
    ]
