"""A whole cohort's ratings and agreed levels as one table, written as CSV or XLSX.

One row per rating of the cohort's grids and per agreed level of its reviews, for the
programme manager's spreadsheets (or an academic tutor's, restricted to their apprentices).
The table is read in three queries whatever the cohort size, as plain columns streamed
from the database (never ORM objects), and written row by row: a 500-apprentice cohort
(≈ 360,000 rows) never sits in memory (the process grows by about 10 MB). Measured on the
2-core machine with that cohort: the rows in 2–3 s (SQLite and PostgreSQL), the CSV
(44 MB) in 5–8 s, the XLSX (17 MB) in about 50 s, nearly all of it inside XlsxWriter.

Rows and their meaning:

- Grids in draft are listed ("brouillon" in État) so the table shows who has started which
  semester, but their content (level, "non observé", comment) is left empty: a draft is
  read by its author alone, the programme manager included (``permissions.may_read_grid``).
- Agreed levels are listed whatever the state of their review: "ouvert" (the academic
  tutor is still recording them), "en signature" (frozen, being signed), "verrouillé".
- A competence a rater has not touched yet has no row; a rating left empty has one, with
  Niveau and Libellé du niveau empty (Non observé: "non").
- Libellé du niveau is the cohort's own scale label, or its "non observé" label.

The columns are French and fixed, like the import template: spreadsheets and scripts that
read the file rely on them, whatever the interface language.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import IO, Any, NamedTuple

import xlsxwriter
from sqlalchemy import (
    Integer,
    Select,
    String,
    case,
    cast,
    column,
    literal,
    null,
    select,
    union_all,
    values,
)
from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.db import in_ids
from tracker.evaluations.models import (
    AgreedLevel,
    Grid,
    GridStatus,
    RaterRole,
    Rating,
    Review,
    ReviewStatus,
)
from tracker.people.models import Apprenticeship, Cohort, Semester
from tracker.referentials.models import Block, Competence

HEADERS = (
    "Apprenti·e",
    "Adresse e-mail",
    "Contrat",
    "Semestre",
    "Bloc",
    "Compétence",
    "Intitulé de la compétence",
    "Évaluateur",
    "Niveau",
    "Libellé du niveau",
    "Non observé",
    "Commentaire",
    "État",
    "Évalué par",
)

AGREED = "agreed"
RATER_LABELS = {
    RaterRole.APPRENTICE.value: "Auto-évaluation",
    RaterRole.COMPANY_TUTOR.value: "Maître d'apprentissage",
    RaterRole.ACADEMIC_TUTOR.value: "Tuteur académique",
    AGREED: "Niveau retenu",
}
GRID_STATES = {GridStatus.DRAFT.value: "brouillon", GridStatus.SUBMITTED.value: "soumise"}
REVIEW_STATES = {
    ReviewStatus.OPEN.value: "ouvert",
    ReviewStatus.SIGNING.value: "en signature",
    ReviewStatus.LOCKED.value: "verrouillé",
}
# Self-assessment, company tutor, academic tutor, then what the three agreed on.
RATER_ORDER = {
    RaterRole.APPRENTICE.value: 0,
    RaterRole.COMPANY_TUTOR.value: 1,
    RaterRole.ACADEMIC_TUTOR.value: 2,
}
AGREED_ORDER = 3

YIELD_PER = 2_000
CSV_CHUNK_ROWS = 500
SHEET_NAME = "Évaluations"
XLSX_MAX_ROWS = 1_048_576
# Widths in characters, in the order of HEADERS.
XLSX_WIDTHS = (28, 30, 9, 10, 16, 16, 60, 22, 8, 22, 12, 50, 14, 28)
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ExportRow(NamedTuple):
    """One line of the export, display-ready, in the order of ``HEADERS``."""

    apprentice: str
    email: str
    apprenticeship_id: int
    semester: str
    block: str
    competence: str
    statement: str
    rater: str
    level: int | None
    level_label: str
    not_observed: str
    comment: str
    state: str
    rated_by: str


class ExportTooLarge(ValueError):
    """More rows than a spreadsheet holds."""


def _sort_name(name: str) -> str:
    """Names in dictionary order whatever the database collation ("Élodie" before "Zoé")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _apprentices(
    session: Session, cohort_id: int, apprenticeship_ids: Sequence[int] | None
) -> list[tuple[int, str, str]]:
    """(contract id, name, e-mail) of the exported contracts, in name order (one query)."""
    query = (
        select(Apprenticeship.id, User.name, User.email)
        .join(User, User.id == Apprenticeship.apprentice_id)
        .where(Apprenticeship.cohort_id == cohort_id)
    )
    if apprenticeship_ids is not None:
        query = query.where(in_ids(Apprenticeship.id, apprenticeship_ids))
    rows = session.execute(query).tuples().all()
    return sorted(rows, key=lambda r: (_sort_name(r[1]), r[1], r[0]))


def _competences(session: Session, certification_id: int) -> dict[int, tuple[str, str, str]]:
    """Block code, competence code and statement of every competence of the certification
    (one query): the rows carry ids only, so the database sorts narrow rows."""
    rows = session.execute(
        select(Competence.id, Block.code, Competence.code, Competence.statement)
        .join(Block, Block.id == Competence.block_id)
        .where(Block.certification_id == certification_id)
    )
    return {i: (block, code, statement) for i, block, code, statement in rows}


def _rows_query(positions: Mapping[int, int], *, inline_table: bool) -> Select[Any]:
    """Ratings and agreed levels of the contracts ``positions`` maps (contract id → its
    place in name order), as one ordered union.

    The contracts are selected with IN, so both halves walk the grids and reviews through
    their ``apprenticeship_id`` index. The name order, computed in Python so that it does
    not depend on the database's collation ("Élodie" before "Zoé"), reaches the database
    as an inline VALUES table joined to the rows (``inline_table``: PostgreSQL hashes it)
    or as a CASE over the ids (SQLite, which would scan a joined VALUES table per row).
    """
    ids = list(positions)
    ratings = (
        select(
            Grid.apprenticeship_id.label("apprenticeship_id"),
            Semester.number.label("semester"),
            Block.position.label("block_position"),
            Competence.position.label("competence_position"),
            Rating.competence_id.label("competence_id"),
            case(RATER_ORDER, value=Grid.rater_role).label("rater_order"),
            Grid.rater_role.label("rater"),
            Rating.level.label("level"),
            Rating.not_observed.label("not_observed"),
            Rating.comment.label("comment"),
            Grid.status.label("state"),
            User.name.label("rated_by"),
        )
        .select_from(Rating)
        .join(Grid, Grid.id == Rating.grid_id)
        .join(Semester, Semester.id == Grid.semester_id)
        .join(Competence, Competence.id == Rating.competence_id)
        .join(Block, Block.id == Competence.block_id)
        .join(User, User.id == Grid.rater_id)
        .where(in_ids(Grid.apprenticeship_id, ids))
    )
    agreed = (
        select(
            Review.apprenticeship_id,
            Semester.number,
            Block.position,
            Competence.position,
            AgreedLevel.competence_id,
            literal(AGREED_ORDER, Integer),
            literal(AGREED, String),
            AgreedLevel.level,
            AgreedLevel.not_observed,
            literal("", String),
            Review.status,
            cast(null(), String),
        )
        .select_from(AgreedLevel)
        .join(Review, Review.id == AgreedLevel.review_id)
        .join(Semester, Semester.id == Review.semester_id)
        .join(Competence, Competence.id == AgreedLevel.competence_id)
        .join(Block, Block.id == Competence.block_id)
        .where(in_ids(Review.apprenticeship_id, ids))
    )
    both = union_all(ratings, agreed).subquery("export_rows")
    c = both.c
    query = select(
        c.apprenticeship_id,
        c.semester,
        c.competence_id,
        c.rater,
        c.level,
        c.not_observed,
        c.comment,
        c.state,
        c.rated_by,
    )
    if inline_table:
        order = (
            values(
                column("apprenticeship_id", Integer),
                column("position", Integer),
                name="apprentice_order",
            )
            .data(list(positions.items()))
            .cte("apprentice_order")
        )
        query = query.join(order, order.c.apprenticeship_id == c.apprenticeship_id)
        apprentice_position: Any = order.c.position
    else:
        apprentice_position = case(dict(positions), value=c.apprenticeship_id)
    return query.order_by(
        apprentice_position, c.semester, c.block_position, c.competence_position, c.rater_order
    )


def cohort_rating_rows(
    session: Session, cohort: Cohort, apprenticeship_ids: Sequence[int] | None = None
) -> Iterator[ExportRow]:
    """Every rating of the cohort's grids and every agreed level of its reviews, ordered by
    apprentice name, semester, block, competence and rater (self-assessment, company tutor,
    academic tutor, agreed level); see the module docstring for drafts and empty answers.

    ``apprenticeship_ids`` restricts the export to those contracts (ids of other cohorts are
    ignored). Three queries whatever the cohort size: the contracts, the competences, then
    the rows, streamed from the database (``yield_per``) as plain tuples; consume the
    iterator while the session's transaction is open (in a view: ``stream_with_context``).
    """
    scale = list(cohort.scale_labels)
    not_observed_label = cohort.not_observed_label
    apprentices = _apprentices(session, cohort.id, apprenticeship_ids)
    if not apprentices:
        return
    people = {i: (name, email) for i, name, email in apprentices}
    positions = {i: position for position, (i, _name, _email) in enumerate(apprentices)}
    competences = _competences(session, cohort.certification_id)
    # Core execution on the session's connection: plain rows, no ORM loading layer.
    connection = session.connection()
    query = _rows_query(positions, inline_table=connection.dialect.name == "postgresql")
    result = connection.execute(query.execution_options(yield_per=YIELD_PER))
    submitted = GridStatus.SUBMITTED.value
    for (
        apprenticeship_id,
        number,
        competence_id,
        rater,
        level,
        not_observed,
        comment,
        status,
        rated_by,
    ) in result:
        name, email = people[apprenticeship_id]
        block, code, statement = competences[competence_id]
        if rater == AGREED:
            state, shown = REVIEW_STATES.get(status, status), True
        else:
            # A draft is read by its author alone: its content stays out of the export.
            state, shown = GRID_STATES.get(status, status), status == submitted
        if not shown:
            level, label, observed, comment = None, "", "", ""
        elif not_observed:
            label, observed = not_observed_label, "oui"
        elif level is not None:
            label, observed = (scale[level - 1] if 1 <= level <= len(scale) else ""), "non"
        else:
            label, observed = "", "non"
        yield ExportRow(
            name,
            email,
            apprenticeship_id,
            f"S{number}",
            block,
            code,
            statement,
            RATER_LABELS.get(rater, rater),
            level,
            label,
            observed,
            comment or "",
            state,
            rated_by or "",
        )


# --- CSV ------------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would not run as a formula (leading apostrophe, OWASP)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _csv_cells(row: Iterable[object]) -> list[str]:
    cells = []
    for value in row:
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(neutralise(value))
        else:
            cells.append(str(value))
    return cells


def iter_csv(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    """The CSV file in chunks of bytes (for a streamed response): UTF-8 with a BOM, ``;``
    between cells and CRLF line ends, as Excel in a French locale expects."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_cells(row))
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(rows: Iterable[ExportRow], stream: IO[bytes]) -> None:
    """Write the CSV file (see ``iter_csv``) to a binary stream."""
    for chunk in iter_csv(rows):
        stream.write(chunk)


# --- XLSX -----------------------------------------------------------------------------------


def write_xlsx(rows: Iterable[ExportRow], stream: IO[bytes], *, cohort_name: str) -> None:
    """Write one sheet "Évaluations": a bold header row, frozen, with an autofilter; levels
    and contract ids as numbers, every text as a string (never a formula nor a link).

    XlsxWriter's constant-memory mode flushes each row to a temporary file as it is written,
    so memory stays flat whatever the number of rows. Raises ``ExportTooLarge`` beyond the
    1,048,576 rows of a sheet.
    """
    workbook = xlsxwriter.Workbook(
        stream,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        workbook.set_properties(
            {"title": f"Évaluations — {cohort_name}", "subject": cohort_name, "author": "Livret"}
        )
        sheet = workbook.add_worksheet(SHEET_NAME)
        bold = workbook.add_format({"bold": True})
        for column, width in enumerate(XLSX_WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        for column, header in enumerate(HEADERS):
            sheet.write_string(0, column, header, bold)
        last = 0
        for last, row in enumerate(rows, start=1):
            if last >= XLSX_MAX_ROWS:
                raise ExportTooLarge(f"More than {XLSX_MAX_ROWS - 1} rows")
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(last, column, value)
                else:
                    sheet.write_number(last, column, value)
        sheet.autofilter(0, 0, last, len(HEADERS) - 1)
    finally:
        workbook.close()


# --- File name ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def export_filename(cohort: Cohort, ext: str, *, today: date | None = None) -> str:
    """``promotion-<slug>-evaluations-<yyyy-mm-dd>.<ext>``: ASCII letters, digits and
    hyphens only, safe in a Content-Disposition header and on every file system."""
    if ext not in {"csv", "xlsx"}:
        raise ValueError(f"Unknown export format: {ext!r}")
    slug = _slug(cohort.name).removeprefix("promotion-") or str(cohort.id)
    if slug == "promotion":
        slug = str(cohort.id)
    day = (today or date.today()).isoformat()
    return f"promotion-{slug}-evaluations-{day}.{ext}"
