"""The CSV of a whole cohort, as a programme manager exports it from a spreadsheet.

One line per apprentice: the apprentice, the company (name and SIRET), the company tutor
("maître d'apprentissage"), the academic tutor and the contract dates, in the columns of
:data:`COLUMNS`. :data:`TEMPLATE_CSV` is a ready-to-fill example.

The file
    UTF-8 text, with or without BOM (anything else is refused with a hint on how to save
    it); cells separated by ``;`` (French spreadsheets) or ``,``, whichever makes the header
    line name the known columns; quoted cells may hold the separator or line breaks; blank
    lines are skipped. The first non-blank line is the header. Header cells are matched
    ignoring case, accents, surrounding spaces and ``e-mail``/``email`` spelling, spaces and
    hyphens counting as ``_`` (``Apprenti nom``, ``APPRENTI_EMAIL``, ``Début`` all match).
    Unknown columns and empty header cells are ignored; a missing or duplicated column, an
    empty file or more than ``max_rows`` data lines make the whole file unreadable
    (:class:`ImportFileError`).

Line numbers
    Are those the spreadsheet shows: the n-th CSV record is line n (the header is line 1
    when nothing precedes it), blank records included; a quoted cell spanning several text
    lines stays one line, as in the spreadsheet.

Each line
    Every problem of every line is reported (at most one per cell): a missing value (all ten
    are required), a name or company longer than 200 characters, an e-mail longer than 254
    characters or not valid (``email_validator``, ASCII before the ``@`` so that invitation
    mails can be sent), an invalid SIRET (:mod:`tracker.people.siret`), a date not written
    ``2026-09-01``, ``01/09/2026``, ``1/9/2026`` or ``01/09/26`` (two-digit years are
    20xx), a year outside 2000–2100, an end not after the start, a company tutor who is also
    the academic tutor. A line with more non-empty cells than the header has columns gets
    one error only (its values are shifted: checking them would mislead).

Across lines
    An apprentice e-mail given twice, an e-mail used both by an apprentice and a tutor, and
    one e-mail given with two different names are reported on the later line, mentioning
    the earlier one. Only values that passed their own checks take part.

What comes back
    :class:`ParseResult` ``rows`` holds only the lines without any error, normalised (names
    with their runs of spaces collapsed, e-mails stripped and lower-cased, SIRET as 14
    digits). Among them, apprentice e-mails are unique, no e-mail is both an apprentice's
    and a tutor's, and each e-mail always comes with the same name.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from tracker.errors import ImportFileError
from tracker.i18n import _
from tracker.people.siret import SIRET_LENGTH, is_valid_siret, normalise_siret

COLUMNS = (
    "apprenti_nom",
    "apprenti_email",
    "entreprise",
    "siret",
    "maitre_nom",
    "maitre_email",
    "tuteur_nom",
    "tuteur_email",
    "debut",
    "fin",
)
DELIMITERS = (";", ",")
DEFAULT_MAX_ROWS = 2000
NAME_MAX = 200
EMAIL_MAX = 254
YEAR_MIN = 2000
YEAR_MAX = 2100

TEMPLATE_CSV = (
    ";".join(COLUMNS)
    + "\r\n"
    + "Camille Martin;camille.martin@etu.ecole.exemple.fr;Atelier Mécanique du Rhône;"
    "412 857 302 00019;Jean-Pierre Dubois;jp.dubois@amr.exemple.fr;Claire Rousseau;"
    "claire.rousseau@ecole.exemple.fr;01/09/2026;31/08/2029\r\n"
    + "Yanis Benali;yanis.benali@etu.ecole.exemple.fr;Énergies Nouvelles de Bretagne;"
    "523 918 464 00026;Sophie Le Gall;sophie.legall@enb.exemple.fr;Claire Rousseau;"
    "claire.rousseau@ecole.exemple.fr;01/09/2026;31/08/2029\r\n"
)

_NAME_COLUMNS = ("apprenti_nom", "entreprise", "maitre_nom", "tuteur_nom")
_EMAIL_COLUMNS = ("apprenti_email", "maitre_email", "tuteur_email")
_DATE_COLUMNS = ("debut", "fin")
_COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_FRENCH_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", re.ASCII)
_HEADER_SEPARATORS_RE = re.compile(r"[\s\-_\u2010-\u2015]+")
_QUOTE_MAX = 60


@dataclass(frozen=True)
class CohortRow:
    """One clean line of the file (see the module docstring for the normalisation)."""

    line: int
    apprentice_name: str
    apprentice_email: str
    company_name: str
    siret: str
    company_tutor_name: str
    company_tutor_email: str
    academic_tutor_name: str
    academic_tutor_email: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class LineError:
    """A problem on one line; ``column`` is a name of :data:`COLUMNS`, or None when the
    problem concerns the whole line. ``message`` is already translated."""

    line: int
    column: str | None
    message: str


@dataclass(frozen=True)
class ParseResult:
    """Clean lines in file order, and every error sorted by line then column."""

    rows: list[CohortRow]
    errors: list[LineError]


def parse_cohort_csv(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> ParseResult:
    """Read a cohort CSV; raises :class:`ImportFileError` when the file as a whole is
    unreadable, otherwise reports line problems in ``errors`` (see the module docstring)."""
    text = _decode(data)
    delimiter, header_line, width, positions = _read_header(text)

    errors: list[LineError] = []
    checked: list[tuple[int, dict[str, object]]] = []
    failed: set[int] = set()
    count = 0
    for line, fields in _records(text, delimiter):
        if line <= header_line or _blank(fields):
            continue
        count += 1
        if count > max_rows:
            raise ImportFileError(
                _(
                    "Le fichier dépasse %(max)s lignes de données : découpez-le en plusieurs "
                    "fichiers.",
                    max=max_rows,
                ),
                line=line,
            )
        if len(fields) > width and not _blank(fields[width:]):
            errors.append(
                LineError(
                    line,
                    None,
                    _(
                        "Cette ligne a %(count)s cellules pour %(expected)s colonnes dans "
                        "l'en-tête : une valeur contient sans doute le séparateur "
                        "« %(delimiter)s » sans être entre guillemets.",
                        count=len(fields),
                        expected=width,
                        delimiter=delimiter,
                    ),
                )
            )
            failed.add(line)
            continue
        cells = {
            column: fields[index] if index < len(fields) else ""
            for column, index in positions.items()
        }
        values, line_errors = _check_line(line, cells)
        errors.extend(line_errors)
        if line_errors:
            failed.add(line)
        checked.append((line, values))

    cross_errors = _check_across(checked)
    errors.extend(cross_errors)
    failed.update(error.line for error in cross_errors)
    if count == 0:
        raise ImportFileError(
            _("Le fichier ne contient que l'en-tête : ajoutez une ligne par apprenti·e."),
            line=header_line,
        )

    rows = [_row(line, values) for line, values in checked if line not in failed]
    errors.sort(
        key=lambda error: (
            error.line,
            -1 if error.column is None else _COLUMN_ORDER[error.column],
        )
    )
    return ParseResult(rows=rows, errors=errors)


# --------------------------------------------------------------------------------------
# The file and its header
# --------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    raw = bytes(data)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "Le fichier n'est pas encodé en UTF-8, les accents seraient mal lus : "
                "enregistrez-le depuis le tableur au format « CSV UTF-8 » (Excel : "
                "Enregistrer sous > CSV UTF-8 ; LibreOffice : jeu de caractères "
                "« Unicode (UTF-8) »)."
            ),
            line=raw[: exc.start].count(b"\n") + 1,
        ) from None
    if "\x00" in text:
        raise ImportFileError(
            _(
                "Le fichier contient des caractères nuls (UTF-16 ?) : enregistrez-le depuis "
                "le tableur au format « CSV UTF-8 »."
            ),
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    return text


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records numbered as spreadsheet lines (1, 2, …), blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 0
    try:
        for fields in reader:
            line += 1
            yield line, fields
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            message = _("Une cellule est beaucoup trop longue : ce fichier n'est pas lisible.")
        else:
            message = _("CSV mal formé : un guillemet est mal placé ou n'est pas fermé.")
        raise ImportFileError(message, line=line + 1) from None


def _blank(fields: list[str]) -> bool:
    return all(not field.strip() for field in fields)


def _normalise_header(cell: str) -> str:
    text = unicodedata.normalize("NFKD", cell)
    text = "".join(
        char
        for char in text
        if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )
    text = _HEADER_SEPARATORS_RE.sub("_", text.strip().casefold())
    return text.replace("e_mail", "email")


def _first_record(text: str, delimiter: str) -> tuple[int, list[str]] | None:
    for line, fields in _records(text, delimiter):
        if not _blank(fields):
            return line, fields
    return None


def _read_header(text: str) -> tuple[str, int, int, dict[str, int]]:
    """(delimiter, header line, header width, column → cell index)."""
    best: tuple[int, str, int, list[str]] | None = None
    failure: ImportFileError | None = None
    for delimiter in DELIMITERS:
        try:
            first = _first_record(text, delimiter)
        except ImportFileError as exc:
            failure = failure or exc
            continue
        if first is None:
            raise ImportFileError(_("Le fichier est vide."))
        line, fields = first
        names = [_normalise_header(field) for field in fields]
        score = sum(name in _COLUMN_ORDER for name in names)
        if best is None or score > best[0]:
            best = (score, delimiter, line, names)
    if best is None:
        assert failure is not None
        raise failure
    score, delimiter, line, names = best
    if score == 0:
        raise ImportFileError(
            _(
                "La première ligne doit être l'en-tête des colonnes, séparées par « ; » ou "
                "« , » : %(columns)s. Partez du modèle à télécharger.",
                columns=", ".join(COLUMNS),
            ),
            line=line,
        )
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name not in _COLUMN_ORDER:
            continue
        if name in positions:
            raise ImportFileError(
                _("La colonne « %(column)s » figure deux fois dans l'en-tête.", column=name),
                line=line,
                field=name,
            )
        positions[name] = index
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            _(
                "Colonne(s) manquante(s) dans l'en-tête : %(missing)s. Les colonnes "
                "attendues sont : %(columns)s.",
                missing=", ".join(missing),
                columns=", ".join(COLUMNS),
            ),
            line=line,
        )
    return delimiter, line, len(names), positions


# --------------------------------------------------------------------------------------
# One line
# --------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    return value if len(value) <= _QUOTE_MAX else value[: _QUOTE_MAX - 1] + "…"


def _check_line(line: int, cells: dict[str, str]) -> tuple[dict[str, object], list[LineError]]:
    """Valid values by column, and the errors of the cells that are not."""
    values: dict[str, object] = {}
    errors: list[LineError] = []
    for column in COLUMNS:
        raw = cells[column].strip()
        if not raw:
            message: str | None = _("Valeur manquante : cette colonne est obligatoire.")
            value: object = None
        elif column in _NAME_COLUMNS:
            value, message = _check_name(raw)
        elif column in _EMAIL_COLUMNS:
            value, message = _check_email(raw)
        elif column == "siret":
            value, message = _check_siret(raw)
        else:
            value, message = _check_date(raw)
        if message is None:
            values[column] = value
        else:
            errors.append(LineError(line, column, message))
    starts_on, ends_on = values.get("debut"), values.get("fin")
    if isinstance(starts_on, date) and isinstance(ends_on, date) and ends_on <= starts_on:
        errors.append(
            LineError(
                line,
                "fin",
                _(
                    "La fin du contrat (%(end)s) doit être après son début (%(start)s).",
                    end=ends_on.strftime("%d/%m/%Y"),
                    start=starts_on.strftime("%d/%m/%Y"),
                ),
            )
        )
    company_tutor, academic_tutor = values.get("maitre_email"), values.get("tuteur_email")
    if company_tutor is not None and company_tutor == academic_tutor:
        errors.append(
            LineError(
                line,
                "tuteur_email",
                _(
                    "Le tuteur académique doit être une autre personne que le maître "
                    "d'apprentissage (même adresse « %(email)s »).",
                    email=academic_tutor,
                ),
            )
        )
    return values, errors


def _too_long(value: str, limit: int) -> str | None:
    if len(value) <= limit:
        return None
    return _(
        "Trop long : %(length)s caractères pour %(max)s au plus.",
        length=len(value),
        max=limit,
    )


def _check_name(raw: str) -> tuple[str, str | None]:
    name = " ".join(raw.split())
    message = _too_long(name, NAME_MAX)
    if message is None and any(unicodedata.category(char) == "Cc" for char in name):
        message = _("Caractère de contrôle non autorisé.")
    return name, message


def _check_email(raw: str) -> tuple[str, str | None]:
    email = raw.lower()
    message = _too_long(email, EMAIL_MAX)
    if message is None:
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            message = _("Adresse e-mail invalide : « %(value)s ».", value=_quote(raw))
    return email, message


def _check_siret(raw: str) -> tuple[str, str | None]:
    digits = normalise_siret(raw)
    if is_valid_siret(digits):
        return digits, None
    if re.search(r"\d[eE]\+?\d", raw):
        message = _(
            "Le tableur a transformé le SIRET en nombre (« %(value)s ») : mettez la colonne "
            "au format Texte et saisissez de nouveau les 14 chiffres.",
            value=_quote(raw),
        )
    elif not (digits.isascii() and digits.isdigit()):
        message = _(
            "Le SIRET ne doit contenir que des chiffres : « %(value)s ».", value=_quote(raw)
        )
    elif len(digits) == SIRET_LENGTH - 1 and is_valid_siret("0" + digits):
        message = _(
            "Le SIRET doit compter 14 chiffres, pas 13 : le tableur a sans doute supprimé le "
            "zéro initial (mettez la colonne au format Texte)."
        )
    elif len(digits) != SIRET_LENGTH:
        message = _("Le SIRET doit compter 14 chiffres, pas %(count)s.", count=len(digits))
    else:
        message = _(
            "SIRET invalide : sa clé de contrôle ne correspond pas, vérifiez les 14 chiffres."
        )
    return digits, message


def _check_date(raw: str) -> tuple[date | None, str | None]:
    iso = _ISO_DATE_RE.fullmatch(raw)
    french = _FRENCH_DATE_RE.fullmatch(raw)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif french is not None:
        day, month, year = (int(part) for part in french.groups())
        if len(french.group(3)) == 2:
            year += 2000
    else:
        return None, _(
            "Date illisible « %(value)s » : écrivez-la JJ/MM/AAAA (01/09/2026) ou "
            "AAAA-MM-JJ (2026-09-01).",
            value=_quote(raw),
        )
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None, _(
            "Année %(year)s improbable pour un contrat : elle doit être entre %(min)s et %(max)s.",
            year=year,
            min=YEAR_MIN,
            max=YEAR_MAX,
        )
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("La date « %(value)s » n'existe pas.", value=_quote(raw))


# --------------------------------------------------------------------------------------
# Across lines
# --------------------------------------------------------------------------------------

# (e-mail column, name column, is the apprentice)
_PEOPLE = (
    ("apprenti_email", "apprenti_nom", True),
    ("maitre_email", "maitre_nom", False),
    ("tuteur_email", "tuteur_nom", False),
)


def _check_across(checked: list[tuple[int, dict[str, object]]]) -> list[LineError]:
    """Duplicate apprentices, apprentice/tutor mix-ups and inconsistent names.

    Only the first occurrence that raised no error is remembered, which is what makes the
    clean lines consistent with each other (see the module docstring).
    """
    apprentices: dict[str, int] = {}
    tutors: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    errors: list[LineError] = []
    for line, values in checked:
        for email_column, name_column, is_apprentice in _PEOPLE:
            email = values.get(email_column)
            if not isinstance(email, str):
                continue
            message = (
                _apprentice_conflict(email, apprentices, tutors)
                if is_apprentice
                else _tutor_conflict(email, line, apprentices)
            )
            if message is not None:
                errors.append(LineError(line, email_column, message))
            else:
                (apprentices if is_apprentice else tutors).setdefault(email, line)

            name = values.get(name_column)
            if not isinstance(name, str):
                continue
            known = names.get(email)
            if known is None:
                names[email] = (name, line)
            elif known[0] != name:
                errors.append(
                    LineError(
                        line,
                        name_column,
                        _(
                            "L'adresse « %(email)s » porte le nom « %(other)s » ligne "
                            "%(first)s : une même personne doit avoir le même nom sur toutes "
                            "les lignes.",
                            email=email,
                            other=known[0],
                            first=known[1],
                        ),
                    )
                )
    return errors


def _apprentice_conflict(
    email: str, apprentices: dict[str, int], tutors: dict[str, int]
) -> str | None:
    if email in apprentices:
        return _(
            "L'apprenti·e « %(email)s » figure déjà ligne %(first)s.",
            email=email,
            first=apprentices[email],
        )
    if email in tutors:
        return _(
            "« %(email)s » est l'adresse d'un tuteur ligne %(first)s : un·e apprenti·e doit "
            "avoir sa propre adresse.",
            email=email,
            first=tutors[email],
        )
    return None


def _tutor_conflict(email: str, line: int, apprentices: dict[str, int]) -> str | None:
    if email not in apprentices:
        return None
    if apprentices[email] == line:
        return _(
            "« %(email)s » est l'adresse de l'apprenti·e de cette même ligne : un tuteur doit "
            "avoir sa propre adresse.",
            email=email,
        )
    return _(
        "« %(email)s » est l'adresse de l'apprenti·e de la ligne %(first)s : un tuteur doit "
        "avoir sa propre adresse.",
        email=email,
        first=apprentices[email],
    )


def _row(line: int, values: dict[str, object]) -> CohortRow:
    def text(column: str) -> str:
        value = values[column]
        assert isinstance(value, str)
        return value

    def day(column: str) -> date:
        value = values[column]
        assert isinstance(value, date)
        return value

    return CohortRow(
        line=line,
        apprentice_name=text("apprenti_nom"),
        apprentice_email=text("apprenti_email"),
        company_name=text("entreprise"),
        siret=text("siret"),
        company_tutor_name=text("maitre_nom"),
        company_tutor_email=text("maitre_email"),
        academic_tutor_name=text("tuteur_nom"),
        academic_tutor_email=text("tuteur_email"),
        starts_on=day("debut"),
        ends_on=day("fin"),
    )
