"""Moodle competency framework CSV (``tool_lpimportcsv``) export and import.

The file is comma-separated UTF-8 text (no BOM written, a BOM accepted), every field
quoted, rows ended by ``\\r\\n`` (RFC 4180, Python's ``csv`` default; line breaks inside a
quoted Description are a bare ``\\n``). A header row comes first, then 14 columns in the
order of :data:`HEADERS`; Moodle maps them by position and so do we (header texts may be
translated).

Rows written
    * one framework row: empty parent, ``ID number`` = certification code, ``Short name``
      = title shortened to 100 characters, ``Description`` = full title, ``Scale values``
      = the scale labels worst → best, ``Scale configuration`` = the JSON of
      :meth:`MoodleScale.configuration`, ``Is framework`` = ``1``, ``Taxonomy`` =
      ``domain,competency`` (blocks are domains, competences are competencies);
    * one row per block: empty parent, ``ID number`` = block code, ``Short name`` = title
      shortened on a word boundary with "…" (Moodle keeps 100 characters), ``Description``
      = full title, then when there are assessment methods a blank line, the line
      ``Modalités d'évaluation :`` and the methods;
    * one row per competence: parent = block code, ``ID number`` = competence code,
      ``Description`` = full statement followed by one line ``- <sub-skill>`` per sub-skill
      (line breaks inside a sub-skill become spaces).

    Every Description is plain text (format ``2``); competency rows carry ``Rule outcome``
    ``0``, ``Rule config`` ``null`` and ``Is framework`` ``0``. Scale columns are empty on
    competency rows (they use the framework scale).

Reading back (:func:`from_moodle_csv`)
    Full texts come from Description (Short name only when Description is empty); the
    trailing ``- `` lines of a competence Description are its sub-skills; HTML descriptions
    (format ``1``) are turned into text first. Rows may come in any order. Depth 1 rows are
    blocks, depth 2 competences, depth 3 rows (written by other tools) become sub-skills of
    their competence; deeper rows are refused. A parent equal to the framework ID number
    counts as no parent. Moodle has no tracks, requirements or certification metadata: the
    record gets one track named :data:`SINGLE_TRACK_NAME` holding every block, no
    requirement, and default metadata (no level, no certifier, active).

Unlike Moodle, which silently drops rows whose parent does not exist, every such row is
reported; so are a wrong column count, an empty or non-UTF-8 file, a missing header, zero
or several framework rows, duplicate ID numbers, cycles and an invalid scale, each with its
line number (physical line where the record starts, the header being line 1).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from tracker.errors import ImportFileError
from tracker.i18n import _
from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    TrackRecord,
)

HEADERS = (
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
)
COLUMN_COUNT = len(HEADERS)
(
    COL_PARENT,
    COL_IDNUMBER,
    COL_SHORTNAME,
    COL_DESCRIPTION,
    COL_FORMAT,
    COL_SCALE_VALUES,
    COL_SCALE_CONFIG,
    COL_RULE_TYPE,
    COL_RULE_OUTCOME,
    COL_RULE_CONFIG,
    COL_RELATED,
    COL_EXPORT_ID,
    COL_IS_FRAMEWORK,
    COL_TAXONOMY,
) = range(COLUMN_COUNT)

SHORT_NAME_MAX = 100  # Moodle cuts Short name at 100 characters
FORMAT_PLAIN = "2"  # Moodle FORMAT_PLAIN
FORMAT_HTML = "1"  # Moodle FORMAT_HTML
TAXONOMY = "domain,competency"
METHODS_HEADING = "Modalités d'évaluation :"
SUB_SKILL_PREFIX = "- "
SINGLE_TRACK_NAME = "Parcours unique"
DEFAULT_LABELS = ("Non acquis", "En cours d'acquisition", "Acquis", "Maîtrisé")

_METHODS_RE = re.compile(r"\n[ \t]*Modalités d'évaluation[ \t]*:[ \t]*(?:\n|$)")
_TRUE = frozenset({"1", "true", "oui", "yes"})
_FALSE = frozenset({"", "0", "false", "non", "no"})


@dataclass(frozen=True)
class MoodleScale:
    """A Moodle rating scale: ``labels`` worst → best; levels are numbered from 1.

    ``default_level`` is the level Moodle proposes first; every level from
    ``proficient_level`` up counts as proficient. Labels must be non-empty and contain no
    comma (Moodle stores a scale as one comma-separated text). Raises ``ValueError``.
    """

    labels: tuple[str, ...] = DEFAULT_LABELS
    default_level: int = 1
    proficient_level: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        if not self.labels:
            raise ValueError("a scale needs at least one level")
        for label in self.labels:
            if not label.strip() or "," in label:
                raise ValueError(f"invalid scale label {label!r}: empty or with a comma")
        for name in ("default_level", "proficient_level"):
            level = getattr(self, name)
            if not 1 <= level <= len(self.labels):
                raise ValueError(f"{name} {level} is not between 1 and {len(self.labels)}")

    @property
    def values(self) -> str:
        """The ``Scale values`` column: labels joined by commas, worst first."""
        return ",".join(self.labels)

    def configuration(self) -> str:
        """The ``Scale configuration`` column, as Moodle writes it (compact JSON).

        ``[{"scaleid":"1"},{"id":1,"scaledefault":1,"proficient":0},...]``: one entry per
        level; Moodle replaces the scale id with the one of the scale it creates or finds.
        """
        entries: list[dict[str, Any]] = [{"scaleid": "1"}]
        for level in range(1, len(self.labels) + 1):
            entries.append(
                {
                    "id": level,
                    "scaledefault": int(level == self.default_level),
                    "proficient": int(level >= self.proficient_level),
                }
            )
        return json.dumps(entries, separators=(",", ":"))


DEFAULT_SCALE = MoodleScale()


def parse_moodle_scale(values: str, configuration: str) -> MoodleScale:
    """Read a scale from the ``Scale values`` and ``Scale configuration`` columns.

    The default level is the first with ``scaledefault`` set; the proficient threshold is
    the lowest level with ``proficient`` set. Levels absent from the configuration are
    neither. Raises :class:`ImportFileError` (with its field) when the values are empty,
    the JSON is invalid, an ``id`` is outside the scale, or no level is default or
    proficient.
    """
    labels = [label.strip() for label in values.split(",")]
    if not values.strip() or not all(labels):
        raise ImportFileError(
            _("Valeurs de l'échelle vides ou incomplètes : « %(values)s ».", values=values),
            field=HEADERS[COL_SCALE_VALUES],
        )
    field = HEADERS[COL_SCALE_CONFIG]
    try:
        entries = json.loads(configuration)
    except json.JSONDecodeError:
        raise ImportFileError(
            _("Configuration de l'échelle : JSON invalide."), field=field
        ) from None
    if (
        not isinstance(entries, list)
        or not entries
        or not isinstance(entries[0], dict)
        or "scaleid" not in entries[0]
    ):
        raise ImportFileError(
            _(
                'Configuration de l\'échelle : une liste commençant par {"scaleid": ...} est '
                "attendue."
            ),
            field=field,
        )
    default: int | None = None
    proficient: int | None = None
    for entry in entries[1:]:
        level = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= len(labels):
            raise ImportFileError(
                _(
                    "Configuration de l'échelle : niveau « %(level)s » hors de l'échelle "
                    "(1 à %(count)s).",
                    level=level,
                    count=len(labels),
                ),
                field=field,
            )
        if _flag(entry.get("scaledefault")) and default is None:
            default = level
        if _flag(entry.get("proficient")):
            proficient = level if proficient is None else min(proficient, level)
    if default is None:
        raise ImportFileError(
            _("Configuration de l'échelle : aucun niveau par défaut (scaledefault)."), field=field
        )
    if proficient is None:
        raise ImportFileError(
            _("Configuration de l'échelle : aucun niveau « compétent » (proficient)."),
            field=field,
        )
    try:
        return MoodleScale(tuple(labels), default, proficient)
    except ValueError:
        raise ImportFileError(
            _("Valeurs de l'échelle invalides : « %(values)s ».", values=values),
            field=HEADERS[COL_SCALE_VALUES],
        ) from None


def _flag(value: object) -> bool:
    return value in (1, True, "1")


def shorten_text(text: str, limit: int = SHORT_NAME_MAX) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters, ``…`` included.

    The cut falls on the last word boundary when one exists in the second half of the
    allowed length, otherwise inside the word; trailing punctuation before ``…`` is dropped.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    cut = cut[:space] if space >= limit // 2 else text[: limit - 1]
    return cut.rstrip(" ,;:.-–—") + "…"


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def to_moodle_csv(cert: CertificationRecord, scale: MoodleScale = DEFAULT_SCALE) -> str:
    """Return the Moodle framework CSV of ``cert`` (text; encode it as UTF-8).

    Tracks, requirements and certification metadata have no place in Moodle and are not
    written; competences without a code get ``<block code>.C01`` (``cert`` is unchanged).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    framework = [""] * COLUMN_COUNT
    framework[COL_IDNUMBER] = cert.code
    framework[COL_SHORTNAME] = shorten_text(cert.title) or cert.code
    framework[COL_DESCRIPTION] = cert.title
    framework[COL_FORMAT] = FORMAT_PLAIN
    framework[COL_SCALE_VALUES] = scale.values
    framework[COL_SCALE_CONFIG] = scale.configuration()
    framework[COL_IS_FRAMEWORK] = "1"
    framework[COL_TAXONOMY] = TAXONOMY
    writer.writerow(framework)
    for block in cert.blocks:
        description = block.title
        if block.assessment_methods.strip():
            description += f"\n\n{METHODS_HEADING}\n{block.assessment_methods.strip()}"
        writer.writerow(_competency_row("", block.code, block.title, description))
        for position, competence in enumerate(block.competences, start=1):
            code = competence.code or f"{block.code}.C{position:02d}"
            description = competence.statement + "".join(
                f"\n{SUB_SKILL_PREFIX}{' '.join(sub_skill.split())}"
                for sub_skill in competence.sub_skills
            )
            writer.writerow(_competency_row(block.code, code, competence.statement, description))
    return buffer.getvalue()


def _competency_row(parent: str, idnumber: str, text: str, description: str) -> list[str]:
    row = [""] * COLUMN_COUNT
    row[COL_PARENT] = parent
    row[COL_IDNUMBER] = idnumber
    row[COL_SHORTNAME] = shorten_text(text) or idnumber
    row[COL_DESCRIPTION] = description
    row[COL_FORMAT] = FORMAT_PLAIN
    row[COL_RULE_OUTCOME] = "0"
    row[COL_RULE_CONFIG] = "null"
    row[COL_IS_FRAMEWORK] = "0"
    return row


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    parent: str
    idnumber: str
    shortname: str
    description: str  # plain text
    scale_values: str
    scale_config: str
    is_framework: bool


def from_moodle_csv(data: bytes | str) -> CertificationRecord:
    """Rebuild a certification from a Moodle competency framework CSV.

    Accepts UTF-8 with or without BOM. Raises :class:`ImportFileError` with the line number
    for every problem listed in the module docstring; nothing is partially returned.
    """
    text = _decode(data)
    records = _read_records(text)
    if not records:
        raise ImportFileError(_("Le fichier est vide."))
    header_line, header = records[0]
    if len(header) != COLUMN_COUNT:
        raise _column_error(header_line, header, text)
    if header[COL_IS_FRAMEWORK].strip().casefold() in _TRUE:
        raise ImportFileError(
            _(
                "La première ligne doit être la ligne d'en-têtes (Parent ID number, ID number, "
                "…) : elle contient des données."
            ),
            line=header_line,
        )

    rows: list[_Row] = []
    seen: dict[str, int] = {}
    framework: _Row | None = None
    for line, fields in records[1:]:
        if len(fields) != COLUMN_COUNT:
            raise _column_error(line, fields, text)
        row = _parse_row(line, fields)
        if row.idnumber in seen:
            raise ImportFileError(
                _(
                    "ID number « %(id)s » en double (déjà utilisé ligne %(first)s).",
                    id=row.idnumber,
                    first=seen[row.idnumber],
                ),
                line=line,
                field=HEADERS[COL_IDNUMBER],
            )
        seen[row.idnumber] = line
        if row.is_framework:
            if framework is not None:
                raise ImportFileError(
                    _(
                        "Une seule ligne de référentiel (Is framework = 1) est permise ; la "
                        "première est ligne %(first)s.",
                        first=framework.line,
                    ),
                    line=line,
                    field=HEADERS[COL_IS_FRAMEWORK],
                )
            framework = row
        else:
            rows.append(row)
    if framework is None:
        raise ImportFileError(
            _("Aucune ligne de référentiel : une ligne doit avoir « Is framework » = 1."),
            field=HEADERS[COL_IS_FRAMEWORK],
        )
    if framework.parent:
        raise ImportFileError(
            _("La ligne du référentiel ne doit pas avoir de parent."),
            line=framework.line,
            field=HEADERS[COL_PARENT],
        )
    for row in [framework, *rows]:
        if row.scale_values or row.scale_config:
            try:
                parse_moodle_scale(row.scale_values, row.scale_config)
            except ImportFileError as exc:
                raise ImportFileError(exc.message, line=row.line, field=exc.field) from None
    if not rows:
        raise ImportFileError(_("Le référentiel ne contient aucun bloc de compétences."))
    return _build(framework, rows)


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le au format « CSV UTF-8 »."),
                line=raw[: exc.start].count(b"\n") + 1,
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportFileError(
            _(
                "Le fichier contient des caractères nuls (UTF-16 ?) : enregistrez-le au format "
                "« CSV UTF-8 »."
            ),
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    return text


def _read_records(text: str) -> list[tuple[int, list[str]]]:
    """CSV records with the physical line they start on; blank records are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            message = _("Champ trop long : le fichier n'est pas un référentiel Moodle lisible.")
        elif _semicolons(text, start):
            message = _(
                "Séparateur « ; » détecté : les colonnes doivent être séparées par des virgules."
            )
        else:
            message = _("CSV mal formé : guillemet mal placé ou non fermé.")
        raise ImportFileError(message, line=start) from None
    return records


def _semicolons(text: str, line: int) -> bool:
    lines = text.splitlines()
    physical = lines[line - 1] if 0 < line <= len(lines) else ""
    return physical.count(";") >= COLUMN_COUNT - 1 and physical.count(",") < COLUMN_COUNT - 1


def _column_error(line: int, fields: list[str], text: str) -> ImportFileError:
    if len(fields) < COLUMN_COUNT and (_semicolons(text, line) or any(";" in f for f in fields)):
        message = _(
            "Séparateur « ; » détecté : les colonnes doivent être séparées par des "
            "virgules (%(expected)s colonnes attendues, %(count)s trouvée(s)).",
            expected=COLUMN_COUNT,
            count=len(fields),
        )
    elif len(fields) < COLUMN_COUNT and any("\t" in f for f in fields):
        message = _(
            "Tabulations détectées : les colonnes doivent être séparées par des "
            "virgules (%(expected)s colonnes attendues, %(count)s trouvée(s)).",
            expected=COLUMN_COUNT,
            count=len(fields),
        )
    else:
        message = _(
            "%(count)s colonne(s) au lieu des %(expected)s attendues, dans cet ordre : %(names)s.",
            count=len(fields),
            expected=COLUMN_COUNT,
            names=", ".join(HEADERS),
        )
    return ImportFileError(message, line=line)


def _parse_row(line: int, fields: list[str]) -> _Row:
    flag = fields[COL_IS_FRAMEWORK].strip().casefold()
    if flag not in _TRUE | _FALSE:
        raise ImportFileError(
            _(
                "« Is framework » doit valoir 1 ou 0, pas « %(value)s ».",
                value=fields[COL_IS_FRAMEWORK],
            ),
            line=line,
            field=HEADERS[COL_IS_FRAMEWORK],
        )
    idnumber = fields[COL_IDNUMBER].strip()
    if not idnumber:
        raise ImportFileError(
            _("ID number vide : chaque ligne doit avoir un code."),
            line=line,
            field=HEADERS[COL_IDNUMBER],
        )
    description = fields[COL_DESCRIPTION].replace("\r\n", "\n").replace("\r", "\n")
    if fields[COL_FORMAT].strip() == FORMAT_HTML:
        description = _html_to_text(description)
    return _Row(
        line=line,
        parent=fields[COL_PARENT].strip(),
        idnumber=idnumber,
        shortname=" ".join(fields[COL_SHORTNAME].split()),
        description=description.strip(),
        scale_values=fields[COL_SCALE_VALUES].strip(),
        scale_config=fields[COL_SCALE_CONFIG].strip(),
        is_framework=flag in _TRUE,
    )


def _html_to_text(markup: str) -> str:
    """Plain text of a Moodle HTML description: paragraphs and breaks become lines,
    list items become ``- `` lines."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    text = re.sub(r"(?i)<li\b[^>]*>", "\n" + SUB_SKILL_PREFIX, text)
    text = re.sub(r"(?i)</(?:p|div|li|h[1-6])\s*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _build(framework: _Row, rows: list[_Row]) -> CertificationRecord:
    by_id = {row.idnumber: row for row in rows}
    top = {"", framework.idnumber}
    for row in rows:
        if row.parent not in top and row.parent not in by_id:
            raise ImportFileError(
                _(
                    "Parent « %(parent)s » introuvable pour « %(id)s » (Moodle ignorerait cette "
                    "ligne sans le signaler).",
                    parent=row.parent,
                    id=row.idnumber,
                ),
                line=row.line,
                field=HEADERS[COL_PARENT],
            )
    depth: dict[str, int] = {}
    for row in rows:
        path: list[_Row] = []
        on_path: set[str] = set()
        node = row
        while node.idnumber not in depth:
            if node.idnumber in on_path:
                raise ImportFileError(
                    _("Cycle de parents autour de « %(id)s ».", id=node.idnumber),
                    line=row.line,
                    field=HEADERS[COL_PARENT],
                )
            if node.parent in top:
                depth[node.idnumber] = 1
                break
            path.append(node)
            on_path.add(node.idnumber)
            node = by_id[node.parent]
        for child in reversed(path):
            depth[child.idnumber] = depth[child.parent] + 1
        if depth[row.idnumber] > 3:
            raise ImportFileError(
                _(
                    "« %(id)s » est au niveau %(depth)s : un référentiel a au plus trois niveaux "
                    "(bloc > compétence > sous-compétence).",
                    id=row.idnumber,
                    depth=depth[row.idnumber],
                ),
                line=row.line,
                field=HEADERS[COL_PARENT],
            )

    blocks: dict[str, BlockRecord] = {}
    competences: dict[str, CompetenceRecord] = {}
    for row in rows:
        if depth[row.idnumber] == 1:
            title, methods = _split_methods(row.description)
            blocks[row.idnumber] = BlockRecord(
                code=row.idnumber, title=title or row.shortname, assessment_methods=methods
            )
    for row in rows:
        if depth[row.idnumber] == 2:
            statement, sub_skills = _split_sub_skills(row.description)
            competence = CompetenceRecord(
                statement=statement or row.shortname, sub_skills=sub_skills, code=row.idnumber
            )
            competences[row.idnumber] = competence
            blocks[row.parent].competences.append(competence)
    for row in rows:
        if depth[row.idnumber] == 3:
            text = " ".join(row.description.split()) or row.shortname
            competences[row.parent].sub_skills.append(text)

    return CertificationRecord(
        code=framework.idnumber,
        title=framework.description or framework.shortname,
        blocks=list(blocks.values()),
        tracks=[TrackRecord(name=SINGLE_TRACK_NAME, block_codes=list(blocks))],
    )


def _split_methods(description: str) -> tuple[str, str]:
    """Block Description → (title, assessment methods) around the methods heading."""
    match = _METHODS_RE.search(description)
    if match is None:
        return description.strip(), ""
    return description[: match.start()].strip(), description[match.end() :].strip()


def _split_sub_skills(description: str) -> tuple[str, list[str]]:
    """Competence Description → (statement, sub-skills from its trailing ``- `` lines)."""
    lines = description.split("\n")
    sub_skills: list[str] = []
    while lines and lines[-1].startswith(SUB_SKILL_PREFIX):
        sub_skills.insert(0, lines.pop()[len(SUB_SKILL_PREFIX) :].strip())
    return "\n".join(lines).strip(), sub_skills
