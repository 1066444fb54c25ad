"""Cohort CSV reader (tracker.people.csv_import)."""

from __future__ import annotations

import csv
import io
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import ImportFileError
from tracker.people.csv_import import (
    COLUMNS,
    TEMPLATE_CSV,
    CohortRow,
    LineError,
    ParseResult,
    parse_cohort_csv,
)

ACADEMIC = {"tuteur_nom": "Claire Rousseau", "tuteur_email": "claire.rousseau@ecole.exemple.fr"}


def row(number: int = 1, **overrides: str) -> dict[str, str]:
    """A valid line; apprentices and company tutors differ by ``number``, the academic
    tutor is shared."""
    values = {
        "apprenti_nom": f"Apprenti {number}",
        "apprenti_email": f"apprenti{number}@etu.ecole.exemple.fr",
        "entreprise": "Atelier Mécanique du Rhône",
        "siret": "41285730200019",
        "maitre_nom": f"Maître {number}",
        "maitre_email": f"maitre{number}@amr.exemple.fr",
        **ACADEMIC,
        "debut": "01/09/2026",
        "fin": "31/08/2029",
    }
    values.update(overrides)
    return values


def make_csv(
    *rows: dict[str, str],
    header: list[str] | tuple[str, ...] = COLUMNS,
    delimiter: str = ";",
    newline: str = "\n",
    bom: bool = False,
) -> bytes:
    """Write ``rows`` (dicts keyed by COLUMNS, in ``header`` order) as a CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in COLUMNS])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def raw_csv(*lines: str, newline: str = "\n") -> bytes:
    return newline.join(lines).encode()


def header_line(delimiter: str = ";") -> str:
    return delimiter.join(COLUMNS)


def data_line(values: dict[str, str], delimiter: str = ";") -> str:
    return delimiter.join(values[column] for column in COLUMNS)


def error_places(result: ParseResult) -> list[tuple[int, str | None]]:
    return [(error.line, error.column) for error in result.errors]


# --------------------------------------------------------------------------------------
# Whole file
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_reads_a_clean_file(bom: bool, delimiter: str, newline: str) -> None:
    data = make_csv(row(1), row(2), delimiter=delimiter, newline=newline, bom=bom)

    result = parse_cohort_csv(data)

    assert result.errors == []
    assert result.rows == [
        CohortRow(
            line=number + 1,
            apprentice_name=f"Apprenti {number}",
            apprentice_email=f"apprenti{number}@etu.ecole.exemple.fr",
            company_name="Atelier Mécanique du Rhône",
            siret="41285730200019",
            company_tutor_name=f"Maître {number}",
            company_tutor_email=f"maitre{number}@amr.exemple.fr",
            academic_tutor_name="Claire Rousseau",
            academic_tutor_email="claire.rousseau@ecole.exemple.fr",
            starts_on=date(2026, 9, 1),
            ends_on=date(2029, 8, 31),
        )
        for number in (1, 2)
    ]


def test_result_types_are_frozen() -> None:
    result = parse_cohort_csv(make_csv(row(siret="1")))
    with pytest.raises(FrozenInstanceError):
        result.rows = []  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        result.errors[0].line = 3  # type: ignore[misc]
    assert isinstance(result.errors[0], LineError)


@pytest.mark.parametrize(
    "header",
    [
        [
            "Apprenti nom",
            "APPRENTI_EMAIL",
            "Entreprise",
            " SIRET ",
            "Maître nom",
            "Maître e-mail",
            "Tuteur-Nom",
            "tuteur  email",
            "Début",
            "FIN",
        ],
        [
            "apprenti_nom",
            "Apprenti E-mail",
            "ENTREPRISE",
            "siret",
            "MAÎTRE_NOM",
            "maitre-email",
            "Tuteur_Nom",
            "Tuteur e-mail",
            "\ufeffdébut",
            " Fin",
        ],
    ],
)
def test_header_variants(header: list[str]) -> None:
    result = parse_cohort_csv(make_csv(row(), header=header))
    assert result.errors == []
    assert len(result.rows) == 1


def test_columns_in_any_order_with_extra_and_empty_header_cells() -> None:
    order = ["Remarques", *reversed(COLUMNS), "", ""]
    values = row()
    lines = [
        ";".join(order),
        ";".join(["à rappeler", *(values[column] for column in reversed(COLUMNS)), "", ""]),
    ]
    result = parse_cohort_csv(raw_csv(*lines))
    assert result.errors == []
    assert result.rows[0].apprentice_email == "apprenti1@etu.ecole.exemple.fr"
    assert result.rows[0].ends_on == date(2029, 8, 31)


def test_delimiter_inside_quoted_cells() -> None:
    with_semicolon = make_csv(row(entreprise="Dupont; Fils et Cie"), delimiter=";")
    with_comma = make_csv(row(entreprise="Dupont, Fils et Cie"), delimiter=",")
    assert b'"Dupont; Fils et Cie"' in with_semicolon
    assert b'"Dupont, Fils et Cie"' in with_comma

    assert parse_cohort_csv(with_semicolon).rows[0].company_name == "Dupont; Fils et Cie"
    assert parse_cohort_csv(with_comma).rows[0].company_name == "Dupont, Fils et Cie"


def test_quoted_line_break_counts_as_one_spreadsheet_line() -> None:
    data = make_csv(row(1, entreprise="Atelier\nMécanique"), row(2, siret="1"), newline="\r\n")
    result = parse_cohort_csv(data)
    assert result.rows[0].company_name == "Atelier Mécanique"
    assert result.rows[0].line == 2
    assert error_places(result) == [(3, "siret")]


def test_blank_lines_are_skipped_and_keep_their_line_numbers() -> None:
    lines = [
        "",
        header_line(),
        "",
        data_line(row(1)),
        ";;;;;;;;;",
        "   ",
        data_line(row(2, siret="123")),
        "",
    ]
    result = parse_cohort_csv(raw_csv(*lines, newline="\r\n"))
    assert [r.line for r in result.rows] == [4]
    assert error_places(result) == [(7, "siret")]


def test_template_parses_without_error() -> None:
    assert TEMPLATE_CSV.splitlines()[0] == ";".join(COLUMNS)
    for data in (TEMPLATE_CSV.encode(), TEMPLATE_CSV.encode("utf-8-sig")):
        result = parse_cohort_csv(data)
        assert result.errors == []
        assert len(result.rows) == 2
        assert len({r.siret for r in result.rows}) == 2


@pytest.mark.parametrize(
    "data",
    [
        TEMPLATE_CSV.encode("latin-1"),
        TEMPLATE_CSV.encode("cp1252"),
        TEMPLATE_CSV.encode("utf-16"),
        b"\xff\xfe\x00",
    ],
)
def test_non_utf8_is_refused_with_a_hint(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="CSV UTF-8") as info:
        parse_cohort_csv(data)
    assert info.value.line is not None


def test_utf16_without_bom_is_refused() -> None:
    data = TEMPLATE_CSV.encode("utf-16-le")
    with pytest.raises(ImportFileError, match="CSV UTF-8"):
        parse_cohort_csv(data)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n", b"  \r\n\r\n", b";;;\n ; ;\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="vide"):
        parse_cohort_csv(data)


def test_header_only() -> None:
    with pytest.raises(ImportFileError, match="que l'en-tête") as info:
        parse_cohort_csv(raw_csv(header_line(), "", ""))
    assert info.value.line == 1


@pytest.mark.parametrize(
    "first_line",
    [
        data_line(row()),
        "nom\tprenom\temail",
        "\t".join(COLUMNS),
        "bonjour",
    ],
)
def test_no_header(first_line: str) -> None:
    with pytest.raises(ImportFileError, match="en-tête") as info:
        parse_cohort_csv(raw_csv("", first_line, data_line(row())))
    assert info.value.line == 2


def test_missing_columns_are_listed() -> None:
    header = [column for column in COLUMNS if column not in ("siret", "fin")]
    with pytest.raises(ImportFileError) as info:
        parse_cohort_csv(raw_csv(";".join(header)))
    assert "manquante" in info.value.message
    assert "siret, fin" in info.value.message
    assert info.value.line == 1


def test_duplicated_column() -> None:
    header = [*COLUMNS, "Début"]
    with pytest.raises(ImportFileError, match="deux fois") as info:
        parse_cohort_csv(raw_csv(";".join(header)))
    assert info.value.field == "debut"


def test_malformed_quotes() -> None:
    lines = [header_line(), data_line(row(1)), '"Jean "JJ" Dupont;' + data_line(row(2))]
    with pytest.raises(ImportFileError, match="guillemet") as info:
        parse_cohort_csv(raw_csv(*lines))
    assert info.value.line == 3


def test_field_too_large() -> None:
    values = row(apprenti_nom="x" * 200_000)
    lines = [
        header_line(),
        data_line(values).replace(values["apprenti_nom"], '"x' + "x" * 200_000 + '"'),
    ]
    with pytest.raises(ImportFileError, match="trop longue"):
        parse_cohort_csv(raw_csv(*lines))


@pytest.mark.parametrize(
    ("count", "max_rows", "refused"),
    [(3, 3, False), (4, 3, True), (2000, 2000, False), (2001, 2000, True)],
)
def test_max_rows(count: int, max_rows: int, refused: bool) -> None:
    lines = [header_line(), *(data_line(row(n)) + "\n" for n in range(1, count + 1))]
    data = raw_csv(*lines)
    if refused:
        with pytest.raises(ImportFileError, match=str(max_rows)) as info:
            parse_cohort_csv(data, max_rows=max_rows)
        # the header, then data lines each followed by a blank line (not counted)
        assert info.value.line == 2 * (max_rows + 1)
    else:
        result = parse_cohort_csv(data, max_rows=max_rows)
        assert len(result.rows) == count


# --------------------------------------------------------------------------------------
# One line
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        *((column, "", "manquante") for column in COLUMNS),
        *((column, "   ", "manquante") for column in COLUMNS),
        ("apprenti_nom", "A" * 201, "201 caractères"),
        ("entreprise", "Société " * 30, "caractères"),
        ("maitre_nom", "Jean\x07Dupont", "contrôle"),
        ("tuteur_nom", "x" * 201, "200 au plus"),
        ("apprenti_email", "camille.martin", "e-mail invalide"),
        ("apprenti_email", "camille@", "e-mail invalide"),
        ("maitre_email", "jean dupont@exemple.fr", "e-mail invalide"),
        ("maitre_email", "jean..dupont@exemple.fr", "e-mail invalide"),
        ("tuteur_email", "claire@localhost", "e-mail invalide"),
        ("tuteur_email", "clairé@exemple.fr", "e-mail invalide"),
        ("tuteur_email", "Claire Rousseau <claire@exemple.fr>", "e-mail invalide"),
        ("apprenti_email", "a" * 64 + "@" + "b" * 187 + ".fr", "254 au plus"),
        ("siret", "73282932000075", "clé de contrôle"),
        ("siret", "7328293200007", "14 chiffres, pas 13"),
        ("siret", "12345", "14 chiffres, pas 5"),
        ("siret", "7,3282932E+13", "format Texte"),
        ("siret", "7.33E13", "format Texte"),
        ("siret", "3282932000079", "zéro initial"),
        ("siret", "SIRET inconnu", "que des chiffres"),
        ("debut", "2026/09/01", "Date illisible"),
        ("debut", "1er septembre 2026", "Date illisible"),
        ("debut", "01-09-2026", "Date illisible"),
        ("debut", "45170", "Date illisible"),
        ("fin", "31/02/2029", "n'existe pas"),
        ("fin", "2029-13-01", "n'existe pas"),
        ("fin", "31/08/3029", "improbable"),
        ("debut", "01/09/1926", "improbable"),
        ("fin", "01/09/2026", "après son début"),
        ("fin", "2026-08-31", "après son début"),
    ],
)
def test_line_errors(column: str, value: str, fragment: str) -> None:
    data = make_csv(row(1), row(2, **{column: value}), row(3))
    result = parse_cohort_csv(data)
    assert [r.line for r in result.rows] == [2, 4]
    assert error_places(result) == [(3, column)]
    assert fragment in result.errors[0].message


def test_company_tutor_cannot_be_the_academic_tutor() -> None:
    data = make_csv(row(1, tuteur_email="maitre1@amr.exemple.fr", tuteur_nom="Maître 1"), row(2))
    result = parse_cohort_csv(data)
    assert error_places(result) == [(2, "tuteur_email")]
    assert "autre personne" in result.errors[0].message
    assert [r.line for r in result.rows] == [3]


def test_leading_zero_siret_with_all_14_digits_is_accepted() -> None:
    result = parse_cohort_csv(make_csv(row(siret="03282932000079")))
    assert result.errors == []
    assert result.rows[0].siret == "03282932000079"


def test_every_problem_of_every_line_is_reported() -> None:
    data = make_csv(
        row(1, apprenti_nom="", siret="123", debut="demain", fin="hier"),
        row(2),
        row(3, maitre_email="pas-une-adresse", fin="01/01/2020"),
    )
    result = parse_cohort_csv(data)
    assert error_places(result) == [
        (2, "apprenti_nom"),
        (2, "siret"),
        (2, "debut"),
        (2, "fin"),
        (4, "maitre_email"),
        (4, "fin"),
    ]
    assert [r.line for r in result.rows] == [3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-01", date(2026, 9, 1)),
        ("01/09/2026", date(2026, 9, 1)),
        ("1/9/2026", date(2026, 9, 1)),
        ("01/09/26", date(2026, 9, 1)),
        (" 1/09/2026 ", date(2026, 9, 1)),
        ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_date_formats(text: str, expected: date) -> None:
    result = parse_cohort_csv(make_csv(row(debut=text, fin="2030-01-01")))
    assert result.errors == []
    assert result.rows[0].starts_on == expected


def test_values_are_normalised() -> None:
    data = make_csv(
        row(
            apprenti_nom="  Camille   Martin ",
            apprenti_email=" Camille.MARTIN@Etu.Ecole.Exemple.FR ",
            entreprise="Atelier\u00a0 Mécanique",
            siret="412\u00a0857\u00a0302 000-19",
            maitre_email="MAITRE1@AMR.EXEMPLE.FR",
        )
    )
    result = parse_cohort_csv(data)
    assert result.errors == []
    clean = result.rows[0]
    assert clean.apprentice_name == "Camille Martin"
    assert clean.apprentice_email == "camille.martin@etu.ecole.exemple.fr"
    assert clean.company_name == "Atelier Mécanique"
    assert clean.siret == "41285730200019"
    assert clean.company_tutor_email == "maitre1@amr.exemple.fr"


def test_too_many_cells_is_one_error_for_the_line() -> None:
    shifted = data_line(row(2)).replace("Atelier Mécanique", "Atelier; Mécanique")
    lines = [header_line(), data_line(row(1)), shifted, data_line(row(3))]
    result = parse_cohort_csv(raw_csv(*lines))
    assert error_places(result) == [(3, None)]
    assert "11 cellules pour 10" in result.errors[0].message
    assert [r.line for r in result.rows] == [2, 4]


def test_empty_trailing_cells_are_ignored() -> None:
    lines = [header_line(), data_line(row(1)) + ";;;", data_line(row(2)) + "; "]
    result = parse_cohort_csv(raw_csv(*lines))
    assert result.errors == []
    assert len(result.rows) == 2


def test_short_line_reports_missing_values() -> None:
    values = row()
    short = ";".join(values[column] for column in COLUMNS[:8])
    result = parse_cohort_csv(raw_csv(header_line(), short))
    assert error_places(result) == [(2, "debut"), (2, "fin")]


# --------------------------------------------------------------------------------------
# Across lines
# --------------------------------------------------------------------------------------


def test_same_apprentice_twice() -> None:
    data = make_csv(
        row(1),
        row(2),
        row(3, apprenti_email="APPRENTI1@etu.ecole.exemple.fr", apprenti_nom="Apprenti 1"),
        row(4, apprenti_email="apprenti1@etu.ecole.exemple.fr", apprenti_nom="Apprenti 1"),
    )
    result = parse_cohort_csv(data)
    assert error_places(result) == [(4, "apprenti_email"), (5, "apprenti_email")]
    assert all("ligne 2" in error.message for error in result.errors)
    assert [r.line for r in result.rows] == [2, 3]


def test_apprentice_email_used_by_a_later_tutor() -> None:
    data = make_csv(row(1), row(2, maitre_email="apprenti1@etu.ecole.exemple.fr"))
    result = parse_cohort_csv(data)
    assert error_places(result) == [(3, "maitre_nom"), (3, "maitre_email")]
    assert "« Apprenti 1 » ligne 2" in result.errors[0].message
    assert "apprenti·e de la ligne 2" in result.errors[1].message


def test_tutor_email_used_by_a_later_apprentice() -> None:
    data = make_csv(
        row(1),
        row(2, apprenti_email="claire.rousseau@ecole.exemple.fr", apprenti_nom="Claire Rousseau"),
    )
    result = parse_cohort_csv(data)
    assert error_places(result) == [(3, "apprenti_email")]
    assert "tuteur ligne 2" in result.errors[0].message
    assert [r.line for r in result.rows] == [2]


def test_apprentice_and_tutor_on_the_same_line() -> None:
    data = make_csv(
        row(1, tuteur_email="apprenti1@etu.ecole.exemple.fr", tuteur_nom="Apprenti 1"), row(2)
    )
    result = parse_cohort_csv(data)
    assert error_places(result) == [(2, "tuteur_email")]
    assert "cette même ligne" in result.errors[0].message
    assert [r.line for r in result.rows] == [3]


def test_one_email_with_two_names() -> None:
    data = make_csv(
        row(1),
        row(2, tuteur_nom="Claire Rousseau"),
        row(3, tuteur_nom="Claire Rouseau"),
        row(4, tuteur_nom="Claire  Rousseau"),
        row(5, maitre_nom="Maître 1", maitre_email="maitre1@amr.exemple.fr"),
        row(6, maitre_nom="M. Maître", maitre_email="maitre1@amr.exemple.fr"),
    )
    result = parse_cohort_csv(data)
    assert error_places(result) == [(4, "tuteur_nom"), (7, "maitre_nom")]
    assert "« Claire Rousseau » ligne 2" in result.errors[0].message
    assert "« Maître 1 » ligne 2" in result.errors[1].message
    assert [r.line for r in result.rows] == [2, 3, 5, 6]


def test_same_person_as_company_tutor_and_academic_tutor_on_different_lines() -> None:
    data = make_csv(
        row(1),
        row(
            2,
            maitre_email="claire.rousseau@ecole.exemple.fr",
            maitre_nom="Claire Rousseau",
            tuteur_email="paul.henry@ecole.exemple.fr",
            tuteur_nom="Paul Henry",
        ),
    )
    result = parse_cohort_csv(data)
    assert result.errors == []
    assert len(result.rows) == 2


def test_cross_checks_ignore_values_that_failed_their_own_check() -> None:
    data = make_csv(
        row(1, tuteur_nom="x" * 201),
        row(2, siret="1"),
        row(3, apprenti_email="apprenti2@etu.ecole.exemple.fr", apprenti_nom="Apprenti 2"),
    )
    result = parse_cohort_csv(data)
    # line 2's academic tutor name is invalid, so line 3's is not compared with it;
    # line 3 has an invalid SIRET but its apprentice still counts as a duplicate.
    assert error_places(result) == [(2, "tuteur_nom"), (3, "siret"), (4, "apprenti_email")]
    assert "ligne 3" in result.errors[2].message
    assert result.rows == []


def test_clean_rows_are_consistent_with_each_other() -> None:
    data = make_csv(
        row(1, maitre_email="x@exemple.fr", maitre_nom="X"),
        row(2, apprenti_email="x@exemple.fr", apprenti_nom="X"),
        row(3, maitre_email="x@exemple.fr", maitre_nom="Y"),
        row(4, tuteur_email="x@exemple.fr", tuteur_nom="X"),
    )
    result = parse_cohort_csv(data)
    assert [r.line for r in result.rows] == [2, 5]
    assert error_places(result) == [(3, "apprenti_email"), (4, "maitre_nom")]


# --------------------------------------------------------------------------------------
# Fuzzing: only a ParseResult or an ImportFileError, never anything else
# --------------------------------------------------------------------------------------


def _parse_or_refuse(data: bytes, max_rows: int = 2000) -> None:
    try:
        result = parse_cohort_csv(data, max_rows=max_rows)
    except ImportFileError as exc:
        refusal = exc
    else:
        refusal = None
        assert isinstance(result, ParseResult)
        assert len(result.rows) <= max_rows
        for error in result.errors:
            assert error.column is None or error.column in COLUMNS
            assert error.message
        assert {r.line for r in result.rows}.isdisjoint(error.line for error in result.errors)
    if refusal is not None:
        assert refusal.message
        assert str(refusal)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_bytes(data: bytes) -> None:
    _parse_or_refuse(data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=1000))
def test_fuzz_text(text: str) -> None:
    _parse_or_refuse(text.encode())


_cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Jean Dupont",
            "jean@exemple.fr",
            "JEAN@exemple.fr",
            "41285730200019",
            "35600000000048",
            "7,3E+13",
            "01/09/2026",
            "2029-08-31",
            "31/02/2026",
            '"',
            ";",
            ",",
            "\n",
            "\r\n",
        ]
    ),
    st.emails().map(str),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delimiter=st.sampled_from([";", ","]),
    header=st.permutations([*COLUMNS, "autre"]),
    lines=st.lists(st.lists(_cell, max_size=13), max_size=8),
    max_rows=st.integers(min_value=1, max_value=10),
)
def test_fuzz_structured(
    delimiter: str, header: list[str], lines: list[list[str]], max_rows: int
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(lines)
    _parse_or_refuse(buffer.getvalue().encode("utf-8", "replace"), max_rows=max_rows)
