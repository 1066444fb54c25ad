"""The cohort export: rows and their order, drafts kept private, CSV and XLSX read back, the
restriction to some contracts and a query count that does not grow with the cohort."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import QueryCounter
from tracker.auth.models import Role
from tracker.evaluations import service
from tracker.evaluations.models import RaterRole
from tracker.evaluations.service import RatingInput
from tracker.livret.exports import (
    HEADERS,
    cohort_rating_rows,
    export_filename,
    write_csv,
    write_xlsx,
)

IN_WINDOW = date(2026, 1, 20)  # S1 of a 2025 cohort: window 10/01/2026 – 28/02/2026
INJECTION = "=cmd|' /C calc'!A0"


def people_of(apprenticeship) -> dict[RaterRole, object]:  # type: ignore[no-untyped-def]
    period = apprenticeship.current_period
    return {
        RaterRole.APPRENTICE: apprenticeship.apprentice,
        RaterRole.COMPANY_TUTOR: period.company_tutor,
        RaterRole.ACADEMIC_TUTOR: period.academic_tutor,
    }


def fill(session, apprenticeship, role, answers, *, submit=True) -> None:  # type: ignore[no-untyped-def]
    """Save (and submit) ``role``'s S1 grid: one RatingInput per competence, in order."""
    semester = apprenticeship.cohort.semester(1)
    rater = people_of(apprenticeship)[role]
    grid = service.open_grid(session, apprenticeship, semester, role, rater)
    competences = service.track_competences(apprenticeship.cohort)
    service.save_grid(
        session,
        grid,
        version=grid.version,
        ratings={c.id: a for c, a in zip(competences, answers, strict=False)},
        general_comment="",
        actor=rater,
        today=IN_WINDOW,
        submit=submit,
    )


def agree(session, apprenticeship, answers, *, sign=True):  # type: ignore[no-untyped-def]
    semester = apprenticeship.cohort.semester(1)
    people = people_of(apprenticeship)
    competences = service.track_competences(apprenticeship.cohort)
    review = service.open_review(session, apprenticeship, semester)
    service.save_review(
        session,
        review,
        version=review.version,
        agreed={c.id: a for c, a in zip(competences, answers, strict=True)},
        comment="Bilan.",
        actor=people[RaterRole.ACADEMIC_TUTOR],
    )
    if sign:
        for role in (RaterRole.ACADEMIC_TUTOR, RaterRole.COMPANY_TUTOR, RaterRole.APPRENTICE):
            service.sign_review(
                session, review, role=role, signer=people[role], version=review.version
            )
    return review


def level(n: int, comment: str = "") -> RatingInput:
    return RatingInput(level=n, comment=comment)


NOT_OBSERVED = RatingInput(not_observed=True)


@pytest.fixture
def cohort_setup(db_session, make_user, make_cohort, make_apprenticeship):  # type: ignore[no-untyped-def]
    """Élodie (S1 signed, her comment an injection attempt) and Zoé (a draft only). Zoé is
    created first and "É" sorts after "Z" in a binary collation: the order is by name."""
    cohort = make_cohort()
    zoe = make_apprenticeship(cohort, apprentice=make_user(Role.APPRENTICE, name="Zoé Martin"))
    elodie = make_apprenticeship(
        cohort,
        apprentice=make_user(Role.APPRENTICE, name="Élodie Bernard", email="elodie@exemple.fr"),
        company_tutor=make_user(Role.COMPANY_TUTOR, name="Marc Dupont"),
        academic_tutor=make_user(Role.ACADEMIC_TUTOR, name="Anne Lefèvre"),
    )
    fill(db_session, elodie, RaterRole.APPRENTICE, [level(4, INJECTION), NOT_OBSERVED])
    fill(db_session, elodie, RaterRole.COMPANY_TUTOR, [level(2), level(3, "Rigoureuse")])
    fill(db_session, elodie, RaterRole.ACADEMIC_TUTOR, [level(3), level(2)])
    agree(db_session, elodie, [level(3), NOT_OBSERVED])
    fill(db_session, zoe, RaterRole.APPRENTICE, [level(2, "Secret")], submit=False)
    first, second = service.track_competences(cohort)
    return cohort, elodie, zoe, first, second


def expected_rows(cohort_setup) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The export as text cells, as the CSV shows them."""
    _cohort, elodie, zoe, first, second = cohort_setup
    block = first.block.code
    e = ["Élodie Bernard", "elodie@exemple.fr", str(elodie.id), "S1", block]
    z = ["Zoé Martin", zoe.apprentice.email, str(zoe.id), "S1", block]
    c1 = [first.code, first.statement]
    c2 = [second.code, second.statement]
    auto, company = "Auto-évaluation", "Maître d'apprentissage"
    academic, agreed = "Tuteur académique", "Niveau retenu"
    return [
        [*e, *c1, auto, "4", "Maîtrisé", "non", "'" + INJECTION, "soumise", "Élodie Bernard"],
        [*e, *c1, company, "2", "En cours d'acquisition", "non", "", "soumise", "Marc Dupont"],
        [*e, *c1, academic, "3", "Acquis", "non", "", "soumise", "Anne Lefèvre"],
        [*e, *c1, agreed, "3", "Acquis", "non", "", "verrouillé", ""],
        [*e, *c2, auto, "", "Non observé", "oui", "", "soumise", "Élodie Bernard"],
        [*e, *c2, company, "3", "Acquis", "non", "Rigoureuse", "soumise", "Marc Dupont"],
        [*e, *c2, academic, "2", "En cours d'acquisition", "non", "", "soumise", "Anne Lefèvre"],
        [*e, *c2, agreed, "", "Non observé", "oui", "", "verrouillé", ""],
        # A draft: listed so the manager sees it started, its content withheld.
        [*z, *c1, auto, "", "", "", "", "brouillon", "Zoé Martin"],
    ]


def test_rows_are_ordered_and_drafts_keep_their_content_private(db_session, cohort_setup) -> None:
    cohort, _elodie, _zoe, first, _second = cohort_setup
    rows = list(cohort_rating_rows(db_session, cohort))
    assert [(r.apprentice, r.competence, r.rater) for r in rows[:2]] == [
        ("Élodie Bernard", first.code, "Auto-évaluation"),
        ("Élodie Bernard", first.code, "Maître d'apprentissage"),
    ]
    assert rows[0].level == 4
    assert rows[0].comment == INJECTION  # neutralised by the writers, not in the data
    draft = rows[-1]
    assert (draft.level, draft.comment, draft.state) == (None, "", "brouillon")
    assert "Secret" not in {r.comment for r in rows}


def test_an_open_review_is_exported_as_open(db_session, make_apprenticeship) -> None:
    apprenticeship = make_apprenticeship()
    for role in RaterRole:
        fill(db_session, apprenticeship, role, [level(1), level(2)])
    agree(db_session, apprenticeship, [level(2), level(2)], sign=False)
    rows = list(cohort_rating_rows(db_session, apprenticeship.cohort))
    agreed = [r for r in rows if r.rater == "Niveau retenu"]
    assert [(r.level, r.state, r.rated_by) for r in agreed] == [(2, "ouvert", "")] * 2


def test_the_csv_opens_in_a_french_excel(db_session, cohort_setup) -> None:
    cohort = cohort_setup[0]
    stream = io.BytesIO()
    write_csv(cohort_rating_rows(db_session, cohort), stream)
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(HEADERS)
    assert "\r\n" in text
    assert text.count("\r\n") == text.count("\n")  # CRLF everywhere, no bare LF
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert table[0] == list(HEADERS)
    assert table[1:] == expected_rows(cohort_setup)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_is_neutralised_in_the_csv(db_session, trigger) -> None:
    from tracker.livret.exports import ExportRow

    row = ExportRow(
        f"{trigger}Nom", "", 1, "S1", "B", "C", "", "", 2, "", "non", f"{trigger}1+1", "", ""
    )
    stream = io.BytesIO()
    write_csv([row], stream)
    (cells,) = list(
        csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"), newline=""), delimiter=";")
    )[1:]
    assert cells[0] == f"'{trigger}Nom"
    assert cells[11] == f"'{trigger}1+1"
    assert cells[8] == "2"


def test_the_xlsx_has_typed_cells_a_frozen_header_and_a_filter(db_session, cohort_setup) -> None:
    cohort = cohort_setup[0]
    stream = io.BytesIO()
    write_xlsx(cohort_rating_rows(db_session, cohort), stream, cohort_name=cohort.name)
    stream.seek(0)
    workbook = load_workbook(stream)
    assert workbook.sheetnames == ["Évaluations"]
    sheet = workbook["Évaluations"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.auto_filter.ref == "A1:N10"
    assert workbook.properties.title == f"Évaluations — {cohort.name}"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(HEADERS)
    expected = [
        [
            (int(cell) if cell else None) if column in (2, 8) else (cell or None)
            for column, cell in enumerate(row)
        ]
        for row in expected_rows(cohort_setup)
    ]
    expected[0][11] = INJECTION  # a string cell: never run, so kept as typed
    assert values[1:] == expected
    injected = sheet.cell(row=2, column=12)
    assert injected.data_type == "s"
    assert isinstance(sheet.cell(row=2, column=9).value, int)


def test_the_export_can_be_restricted_to_some_contracts(
    db_session, cohort_setup, make_apprenticeship
) -> None:
    cohort, elodie, zoe, _first, _second = cohort_setup
    elsewhere = make_apprenticeship()
    fill(db_session, elsewhere, RaterRole.APPRENTICE, [level(1), level(1)])
    only_zoe = list(cohort_rating_rows(db_session, cohort, [zoe.id]))
    assert {r.apprenticeship_id for r in only_zoe} == {zoe.id}
    # Another cohort's contract is ignored, whoever asks for it.
    assert list(cohort_rating_rows(db_session, cohort, [elsewhere.id])) == []
    assert list(cohort_rating_rows(db_session, cohort, [])) == []
    assert len(list(cohort_rating_rows(db_session, cohort, [elodie.id, zoe.id]))) == 9


def test_an_empty_cohort_gives_the_header_alone(db_session, make_cohort) -> None:
    cohort = make_cohort()
    stream = io.BytesIO()
    write_csv(cohort_rating_rows(db_session, cohort), stream)
    assert stream.getvalue().decode("utf-8-sig") == ";".join(HEADERS) + "\r\n"
    stream = io.BytesIO()
    write_xlsx(cohort_rating_rows(db_session, cohort), stream, cohort_name=cohort.name)
    stream.seek(0)
    rows = list(load_workbook(stream).active.iter_rows(values_only=True))
    assert rows == [tuple(HEADERS)]


def count_export_queries(db_session, cohort) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(queries, rows) of one export of ``cohort``."""
    with QueryCounter(db_session) as counter:
        rows = list(cohort_rating_rows(db_session, cohort))
    return counter.count, len(rows)


def test_the_number_of_queries_does_not_grow_with_the_cohort(
    db_session, make_cohort, make_apprenticeship
) -> None:
    figures = []
    for size in (2, 6):
        cohort = make_cohort()
        for _ in range(size):
            apprenticeship = make_apprenticeship(cohort)
            for role in RaterRole:
                fill(db_session, apprenticeship, role, [level(2), NOT_OBSERVED])
            agree(db_session, apprenticeship, [level(2), level(3)], sign=False)
        db_session.flush()
        figures.append(count_export_queries(db_session, cohort))
    (small_queries, small_rows), (large_queries, large_rows) = figures
    assert (small_rows, large_rows) == (2 * 8, 6 * 8)
    assert small_queries == large_queries == 3


def test_the_file_name_is_plain_ascii(make_cohort) -> None:
    cohort = make_cohort(name="Promotion Île-de-France 2025/2028 « Alpha »")
    assert (
        export_filename(cohort, "csv", today=date(2026, 11, 21))
        == "promotion-ile-de-france-2025-2028-alpha-evaluations-2026-11-21.csv"
    )
    other = make_cohort(name="« »")
    assert export_filename(other, "xlsx", today=date(2026, 11, 21)) == (
        f"promotion-{other.id}-evaluations-2026-11-21.xlsx"
    )
    with pytest.raises(ValueError, match="format"):
        export_filename(cohort, "pdf")


@pytest.mark.parametrize("inline_table", [True, False])
def test_both_ways_of_ordering_by_name_give_the_same_rows(
    db_session, cohort_setup, inline_table
) -> None:
    """PostgreSQL joins the name order as a VALUES table, SQLite reads it from a CASE:
    both are checked on every backend."""
    from tracker.livret.exports import _rows_query

    _cohort, elodie, zoe, _first, _second = cohort_setup
    query = _rows_query({elodie.id: 0, zoe.id: 1}, inline_table=inline_table)
    rows = db_session.connection().execute(query).all()
    assert [(r.apprenticeship_id, r.rater) for r in rows[:5]] == [
        (elodie.id, "apprentice"),
        (elodie.id, "company_tutor"),
        (elodie.id, "academic_tutor"),
        (elodie.id, "agreed"),
        (elodie.id, "apprentice"),
    ]
    assert [r.apprenticeship_id for r in rows] == [elodie.id] * 8 + [zoe.id]
