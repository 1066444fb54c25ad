"""Moodle competency framework CSV export and import (tracker.referentials.moodle)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest

from tracker.errors import ImportFileError
from tracker.referentials.moodle import (
    DEFAULT_SCALE,
    HEADERS,
    SINGLE_TRACK_NAME,
    MoodleScale,
    from_moodle_csv,
    parse_moodle_scale,
    shorten_text,
    to_moodle_csv,
)
from tracker.referentials.records import CertificationRecord, TrackRecord

from .builders import CODE, LONG_STATEMENT, make_certification

EXPECTED_HEADERS = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
]
# A whole file where every field is quoted, 14 per record, records ended by CRLF
QUOTED_FILE = re.compile(r'(?:(?:"(?:[^"]|"")*",){13}"(?:[^"]|"")*"\r\n)+')


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def moodle_view(cert: CertificationRecord) -> CertificationRecord:
    """What survives a trip through Moodle: the blocks, codes and texts only."""
    blocks = [replace(block, raw_competences="") for block in cert.blocks]
    return CertificationRecord(
        code=cert.code,
        title=cert.title,
        blocks=blocks,
        tracks=[TrackRecord(SINGLE_TRACK_NAME, [block.code for block in blocks])],
    )


def line(*fields: str) -> str:
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields) + "\r\n"


def framework_line(idnumber: str = "FW", **overrides: str) -> str:
    fields = [
        "",
        idnumber,
        "Référentiel",
        "Référentiel de test",
        "2",
        DEFAULT_SCALE.values,
        DEFAULT_SCALE.configuration(),
        "",
        "",
        "",
        "",
        "",
        "1",
        "domain,competency",
    ]
    for index, value in overrides.items():
        fields[int(index.removeprefix("c"))] = value
    return line(*fields)


def competency_line(
    parent: str, idnumber: str, description: str = "", shortname: str = "", is_framework: str = "0"
) -> str:
    return line(
        parent,
        idnumber,
        shortname or idnumber,
        description,
        "2",
        "",
        "",
        "",
        "0",
        "null",
        "",
        "",
        is_framework,
        "",
    )


HEADER = line(*EXPECTED_HEADERS)
VALID = (
    HEADER
    + framework_line()
    + competency_line("", "B1", "Bloc un")
    + competency_line("B1", "B1.C1", "Compétence un")
)


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def test_header_and_fourteen_columns_in_moodle_order() -> None:
    rows = rows_of(to_moodle_csv(make_certification()))
    assert rows[0] == EXPECTED_HEADERS == list(HEADERS)
    assert all(len(row) == 14 for row in rows)
    assert len(rows) == 1 + 1 + 3 + 12  # header, framework, blocks, competences


def test_every_field_is_quoted_and_records_end_with_crlf() -> None:
    text = to_moodle_csv(make_certification())
    assert QUOTED_FILE.fullmatch(text)
    assert text.endswith('""\r\n')
    assert '\\"' not in text  # quotes are doubled, never backslash-escaped
    assert '""usine 4.0""' in text


def test_framework_row() -> None:
    cert = make_certification()
    framework = rows_of(to_moodle_csv(cert))[1]
    assert framework[0] == ""
    assert framework[1] == CODE
    assert framework[2] == cert.title  # 90 characters: not shortened
    assert framework[3] == cert.title
    assert framework[4] == "2"
    assert framework[5] == "Non acquis,En cours d'acquisition,Acquis,Maîtrisé"
    assert framework[12] == "1"
    assert framework[13] == "domain,competency"


def test_scale_configuration_is_moodle_json_with_default_and_proficient() -> None:
    config = json.loads(rows_of(to_moodle_csv(make_certification()))[1][6])
    assert config[0] == {"scaleid": "1"}
    assert config[1:] == [
        {"id": 1, "scaledefault": 1, "proficient": 0},
        {"id": 2, "scaledefault": 0, "proficient": 0},
        {"id": 3, "scaledefault": 0, "proficient": 1},
        {"id": 4, "scaledefault": 0, "proficient": 1},
    ]
    assert sum(entry["scaledefault"] for entry in config[1:]) == 1
    assert any(entry["proficient"] for entry in config[1:])


def test_custom_scale() -> None:
    scale = MoodleScale(
        ("Insuffisant", "Satisfaisant", "Excellent"), default_level=2, proficient_level=2
    )
    framework = rows_of(to_moodle_csv(make_certification(), scale))[1]
    assert framework[5] == "Insuffisant,Satisfaisant,Excellent"
    assert json.loads(framework[6])[1:] == [
        {"id": 1, "scaledefault": 0, "proficient": 0},
        {"id": 2, "scaledefault": 1, "proficient": 1},
        {"id": 3, "scaledefault": 0, "proficient": 1},
    ]
    assert parse_moodle_scale(framework[5], framework[6]) == scale
    assert parse_moodle_scale(DEFAULT_SCALE.values, DEFAULT_SCALE.configuration()) == (
        DEFAULT_SCALE
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"labels": ()},
        {"labels": ("Non acquis", "")},
        {"labels": ("A, B", "C")},
        {"default_level": 0},
        {"default_level": 5},
        {"proficient_level": 5},
    ],
)
def test_invalid_scale_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (any invalid argument)
        MoodleScale(**kwargs)  # type: ignore[arg-type]


def test_block_and_competence_rows() -> None:
    cert = make_certification()
    rows = {row[1]: row for row in rows_of(to_moodle_csv(cert))[2:]}
    block = rows[f"{CODE}BC01"]
    assert block[0] == ""
    assert block[3] == (
        f"{cert.blocks[0].title}\n\nModalités d'évaluation :\n{cert.blocks[0].assessment_methods}"
    )
    assert rows[f"{CODE}BC03"][3] == cert.blocks[2].title  # no methods, no heading
    competence = rows[f"{CODE}BC02.C03"]
    assert competence[0] == f"{CODE}BC02"
    assert competence[3] == cert.blocks[1].competences[2].statement
    for row in rows.values():
        assert row[4] == "2"
        assert row[5:8] == ["", "", ""]
        assert row[8:10] == ["0", "null"]
        assert row[12] == "0"


def test_sub_skills_are_dash_lines_of_the_description() -> None:
    rows = {row[1]: row for row in rows_of(to_moodle_csv(make_certification()))}
    assert rows[f"{CODE}BC02.C01"][3] == (
        "Définir un processus de fabrication et ses gammes\n"
        "- Choisir les moyens de production\n"
        "- Chiffrer les temps et les coûts de fabrication\n"
        "- Rédiger les gammes, y compris « contrôle »"
    )
    assert rows[f"{CODE}BC02.C01"][2] == "Définir un processus de fabrication et ses gammes"


def test_short_names_fit_moodle_and_full_text_is_in_description() -> None:
    cert = make_certification()
    cert.title = "Ingénieur " * 20
    rows = rows_of(to_moodle_csv(cert))
    assert all(len(row[2]) <= 100 for row in rows[1:])
    long_row = next(row for row in rows if row[1] == f"{CODE}BC01.C01")
    assert len(LONG_STATEMENT) > 100
    assert long_row[2].endswith("…")
    assert LONG_STATEMENT.startswith(long_row[2].removesuffix("…"))
    assert long_row[2].removesuffix("…")[-1] != " "
    assert long_row[3] == LONG_STATEMENT
    assert len(rows[1][2]) <= 100
    assert rows[1][3] == cert.title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Court", "Court"),
        ("  espaces   multiples \n ligne  ", "espaces multiples ligne"),
        ("a" * 100, "a" * 100),
        ("a" * 101, "a" * 99 + "…"),
        ("mot " * 30, ("mot " * 25).strip() + "…"),
        ("x" * 60 + ", " + "y" * 60, "x" * 60 + "…"),
    ],
)
def test_shorten_text(text: str, expected: str) -> None:
    assert shorten_text(text) == expected
    assert len(shorten_text(text)) <= 100


def test_export_is_deterministic() -> None:
    assert to_moodle_csv(make_certification()) == to_moodle_csv(make_certification())


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def test_round_trip_keeps_what_moodle_can_carry() -> None:
    cert = make_certification()
    back = from_moodle_csv(to_moodle_csv(cert).encode("utf-8"))
    assert back == moodle_view(cert)
    assert back.blocks[1].competences[0].sub_skills == cert.blocks[1].competences[0].sub_skills
    assert back.blocks[0].competences[0].statement == LONG_STATEMENT


def test_round_trip_of_text_input() -> None:
    cert = make_certification()
    assert from_moodle_csv(to_moodle_csv(cert)) == moodle_view(cert)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + VALID.encode("utf-8"), id="bytes"),
        pytest.param("\ufeff" + VALID, id="text"),
    ],
)
def test_bom_is_accepted(data: bytes | str) -> None:
    record = from_moodle_csv(data)
    assert record.code == "FW"
    assert record.title == "Référentiel de test"
    assert [b.code for b in record.blocks] == ["B1"]


def test_tracks_and_metadata_are_defaults() -> None:
    record = from_moodle_csv(VALID)
    assert record.tracks == [TrackRecord(SINGLE_TRACK_NAME, ["B1"])]
    assert record.requirements == []
    assert record.level is None
    assert record.certifiers == []
    assert record.active is True


def test_translated_headers_lf_endings_and_any_row_order() -> None:
    french = [
        "Numéro d'identification parent",
        "Numéro d'identification",
        "Nom abrégé",
        "Description",
        "Format",
        "Valeurs",
        "Configuration",
        "Règle",
        "Résultat",
        "Config",
        "Liées",
        "ID exporté",
        "Est un référentiel",
        "Taxonomie",
    ]
    text = (
        line(*french)
        + competency_line("B1", "B1.C2", "Deuxième")
        + competency_line("B1", "B1.C1", "", shortname="Première (nom abrégé)")
        + framework_line()
        + "\r\n"  # a blank line is skipped
        + competency_line("", "B1", "", shortname="Bloc")
    ).replace("\r\n", "\n")
    record = from_moodle_csv(text)
    assert record.blocks[0].title == "Bloc"
    assert [(c.code, c.statement) for c in record.blocks[0].competences] == [
        ("B1.C2", "Deuxième"),
        ("B1.C1", "Première (nom abrégé)"),
    ]


def test_parent_equal_to_framework_is_top_level_and_depth_three_is_a_sub_skill() -> None:
    text = (
        HEADER
        + framework_line("FW")
        + competency_line("FW", "B1", "Bloc")
        + competency_line("B1", "C1", "Compétence\n- sous-compétence écrite")
        + competency_line("C1", "S1", "Sous-compétence\nsur deux lignes")
    )
    record = from_moodle_csv(text)
    assert record.blocks[0].code == "B1"
    assert record.blocks[0].competences[0].sub_skills == [
        "sous-compétence écrite",
        "Sous-compétence sur deux lignes",
    ]


def test_html_description_is_turned_into_text() -> None:
    row = line(
        "",
        "B1",
        "Bloc",
        "<p>Concevoir &amp; réaliser</p>",
        "1",
        "",
        "",
        "",
        "0",
        "null",
        "",
        "",
        "0",
        "",
    )
    child = line(
        "B1",
        "C1",
        "C",
        "<p>Compétence</p><ul><li>un</li><li>deux</li></ul>",
        "1",
        "",
        "",
        "",
        "0",
        "null",
        "",
        "",
        "0",
        "",
    )
    record = from_moodle_csv(HEADER + framework_line() + row + child)
    assert record.blocks[0].title == "Concevoir & réaliser"
    assert record.blocks[0].competences[0].statement == "Compétence"
    assert record.blocks[0].competences[0].sub_skills == ["un", "deux"]


# --------------------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------------------

FW = framework_line()
B1 = competency_line("", "B1", "Bloc un")
C1 = competency_line("B1", "B1.C1", "Compétence un")


@pytest.mark.parametrize(
    ("data", "fragment", "line_number"),
    [
        pytest.param("", "vide", None, id="empty"),
        pytest.param(b"  \r\n\r\n", "vide", None, id="blank lines"),
        pytest.param(
            HEADER.encode() + "\n\n\n".join([FW, B1]).encode("latin-1"), "UTF-8", 2, id="latin-1"
        ),
        pytest.param(
            (HEADER + B1 + C1).encode() + "\u00e9".encode("latin-1"),
            "UTF-8",
            4,
            id="latin-1 at the end",
        ),
        pytest.param(
            "\ufeff".encode("utf-16") + VALID.encode("utf-16-le"), "UTF-8", 1, id="utf-16"
        ),
        pytest.param(VALID.replace('","', '";"'), "Séparateur « ; »", 1, id="semicolons quoted"),
        pytest.param(
            VALID.replace('","', ";").replace('"', ""), "Séparateur « ; »", 1, id="semicolons bare"
        ),
        pytest.param(VALID.replace('","', "\t").replace('"', ""), "Tabulations", 1, id="tabs"),
        pytest.param(
            HEADER + FW + B1.replace(',"0",""\r\n', ',"0"\r\n'),
            "13 colonne(s)",
            3,
            id="missing column",
        ),
        pytest.param(
            HEADER + FW + B1.replace("\r\n", ',""\r\n'), "15 colonne(s)", 3, id="extra column"
        ),
        pytest.param(line(*EXPECTED_HEADERS[:12]) + FW + B1, "12 colonne(s)", 1, id="short header"),
        pytest.param(FW + B1 + C1, "en-têtes", 1, id="no header"),
        pytest.param(HEADER, "aucune ligne de référentiel", None, id="header only"),
        pytest.param(HEADER + B1 + C1, "Aucune ligne de référentiel", None, id="no framework"),
        pytest.param(
            HEADER + FW + B1 + framework_line("FW2"), "première est ligne 2", 4, id="two frameworks"
        ),
        pytest.param(HEADER + FW, "aucun bloc", None, id="framework only"),
        pytest.param(
            HEADER + FW + B1 + competency_line("B9", "B9.C1"),
            "« B9 » introuvable",
            4,
            id="missing parent",
        ),
        pytest.param(
            HEADER + FW + B1 + C1 + competency_line("B1", "B1.C1"),
            "« B1.C1 » en double (déjà utilisé ligne 4)",
            5,
            id="duplicate id",
        ),
        pytest.param(
            HEADER + FW + B1 + competency_line("B1", "  "), "ID number vide", 4, id="empty id"
        ),
        pytest.param(
            HEADER + FW + B1 + competency_line("B1", "C", is_framework="peut-être"),
            "Is framework",
            4,
            id="bad framework flag",
        ),
        pytest.param(
            HEADER + FW + B1 + C1 + competency_line("B1.C1", "S1") + competency_line("S1", "X1"),
            "niveau 4",
            6,
            id="too deep",
        ),
        pytest.param(
            HEADER + FW + competency_line("B2", "B1") + competency_line("B1", "B2"),
            "Cycle",
            3,
            id="cycle",
        ),
        pytest.param(
            HEADER + framework_line(c0="X") + B1,
            "pas avoir de parent",
            2,
            id="framework with parent",
        ),
        pytest.param(
            HEADER + framework_line(c6="[{scaleid") + B1,
            "JSON invalide",
            2,
            id="scale config not JSON",
        ),
        pytest.param(
            HEADER + framework_line(c6='[{"id":1}]') + B1,
            "scaleid",
            2,
            id="scale config without scaleid",
        ),
        pytest.param(
            HEADER
            + framework_line(c6='[{"scaleid":"1"},{"id":1,"scaledefault":0,"proficient":1}]')
            + B1,
            "par défaut",
            2,
            id="scale without default",
        ),
        pytest.param(
            HEADER
            + framework_line(c6='[{"scaleid":"1"},{"id":1,"scaledefault":1,"proficient":0}]')
            + B1,
            "compétent",
            2,
            id="scale without proficient",
        ),
        pytest.param(
            HEADER
            + framework_line(c6='[{"scaleid":"1"},{"id":9,"scaledefault":1,"proficient":1}]')
            + B1,
            "hors de l'échelle",
            2,
            id="scale level out of range",
        ),
        pytest.param(
            HEADER + framework_line(c5="Non acquis,,Acquis") + B1,
            "échelle",
            2,
            id="empty scale value",
        ),
        pytest.param(
            HEADER + FW + '"","B1","Bloc ""un"" sans fin\r\n', "guillemet", 3, id="unclosed quote"
        ),
        pytest.param(HEADER + FW + '"","B1"x,"Bloc"\r\n', "guillemet", 3, id="text after quote"),
    ],
)
def test_malformed_csv_is_refused(
    data: str | bytes, fragment: str, line_number: int | None
) -> None:
    with pytest.raises(ImportFileError) as caught:
        from_moodle_csv(data)
    assert fragment.casefold() in caught.value.message.casefold()
    assert caught.value.line == line_number


def test_error_gives_line_and_column_in_its_text() -> None:
    with pytest.raises(ImportFileError) as caught:
        from_moodle_csv(HEADER + FW + B1 + competency_line("B9", "B9.C1"))
    assert caught.value.field == "Parent ID number"
    assert str(caught.value).endswith("(ligne 4, champ Parent ID number)")


def test_line_numbers_count_physical_lines_of_multiline_fields() -> None:
    text = to_moodle_csv(make_certification())
    text += competency_line("NOPE", "X")
    physical_line = text.count("\n")
    with pytest.raises(ImportFileError) as caught:
        from_moodle_csv(text)
    assert caught.value.line == physical_line


def test_file_written_by_moodle_itself() -> None:
    """Moodle writes PHP false as an empty "Is framework" and fills Exported ID."""
    text = (
        HEADER
        + line(
            "",
            "FW",
            "Référentiel",
            "<p>Référentiel Moodle</p>",
            "1",
            DEFAULT_SCALE.values,
            '[{"scaleid":"7"},{"id":1,"scaledefault":1,"proficient":0},'
            '{"id":3,"scaledefault":0,"proficient":1}]',
            "",
            "",
            "",
            "",
            "",
            "1",
            "domain,competency",
        )
        + line("", "D1", "Domaine", "", "1", "", "", "", "0", "null", "", "12", "", "")
        + line("D1", "D1.1", "Savoir-faire", "", "1", "", "", "", "0", "null", "D1", "13", "", "")
    )
    record = from_moodle_csv(text)
    assert record.title == "Référentiel Moodle"
    assert record.blocks[0].title == "Domaine"
    assert record.blocks[0].competences[0].statement == "Savoir-faire"
