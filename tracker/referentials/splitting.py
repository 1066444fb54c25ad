"""Split the free text of an RNCP ``LISTE_COMPETENCES`` into competences.

France Compétences gives a block's competences as one free text with no element and no
code of their own (FORMATS.md §1, trap 3 and 4). :func:`split_competences` proposes a split
that the person importing reviews before anything is saved; it never drops text silently:
what is not a competence goes to :attr:`SplitResult.ignored`, and what looks like an
assessment method stays a competence but is flagged in
:attr:`SplitResult.suspected_assessment`.

Everything here is pure and deterministic: the same text always gives the same split.

How the text is cut
===================

1. **Lines.** Older data carries HTML: when the text contains HTML tags it is parsed
   (entities such as ``&amp;``, ``&eacute;``, ``&#233;`` are decoded). ``<li>`` items are
   items of their own (an ``<li>`` nested in a list inside another ``<li>`` is a sub-skill);
   ``<p>``, ``<br>``, ``<div>`` and headings end a line (inside an ``<li>`` they only separate
   chunks of the same item). Plain text is cut into lines at its newlines, if any, and its
   HTML entities are decoded too.
2. **Chunks.** Each line is cut into chunks at every run of two or more whitespace
   characters (or a tab). The first chunk of a line follows a *hard* boundary, the others a
   *soft* one.
3. **Markers.** A chunk may start with a marker:

   - a bullet ``*``, ``-``, ``–``, ``—``, ``•``, ``·``, ``▪``, ``■``, ``►``, ``➢``, ``‣``
     → a competence;
   - ``o``, ``◦``, ``○``, ``▫`` → a sub-skill of the competence above it (a sub-skill with
     no competence above it, or right after a heading, is promoted to a competence, and so
     are the sub-skills that follow it: a list of ``o`` items alone is a flat list);
   - a code: letters and digits (``C1``, ``A1C1``, ``A1.C1``, ``CP2``), digits (``1``,
     ``12``), or a dotted number (``1.1``, ``C1.2``) followed by ``.``, ``)``, ``:`` or
     `` - ``; a dotted number may also be followed by a plain space; a single lowercase
     letter followed by ``)`` (``a)``) → a competence. The code is kept out of the
     statement and reported in :attr:`SplitResult.source_codes`.

   Markers are only recognised at the start of a chunk, so a hyphen or a code inside a
   sentence never splits it.
4. **Marked text** (at least one marker or ``<li>``): items start only at markers.

   - Chunks before the first marker are a preamble: they are ignored (hard-wrapped lines
     of it are joined first, so it is reported as one sentence).
   - A chunk after a soft boundary continues the current item (runs of spaces also occur
     inside an item), except a chunk ending with ``:``, which is a heading and is ignored.
   - A chunk after a hard boundary (a new line or paragraph) continues the current item
     when it looks like the rest of a sentence (see *continuation* below); otherwise it is
     an item of its own (a competence, unless it is a heading or a preamble).

5. **Unmarked text**: each chunk is an item, unless it looks like the rest of the previous
   item's sentence, in which case it is joined to it. A chunk *continues* the previous one
   when:

   - it starts with ``, ; : . ) ] } » %`` or ``…``; or
   - it starts with a lowercase letter, *and* the text's style is to start items with a
     capital (the first item that is not a heading starts with an uppercase letter; when
     every item starts lowercase, case says nothing and this rule is off); or
   - the previous chunk ends with ``, ( [ « / - – — ' ’ & +``, has an unclosed
     parenthesis, or ends with a word that cannot end a statement (an article, a
     preposition, a conjunction: ``de``, ``la``, ``des``, ``à``, ``et``, ``pour``, ...);
   - but never after a heading or a preamble (rule 7): ``"Le titulaire est capable de"``
     ends with ``de`` yet is not continued by the first competence.

6. **Packed lists** (RNCP39056): inside any item, a bullet (``-``, ``–``, ``—``, ``•``,
   ``*``, ...) surrounded by single spaces starts a new competence only when the text
   before it ends a sentence (``.``, ``;``, ``!``, ``?``, ``…``): ``"… concernées. -
   Assurer …"`` splits, ``"mise en service - essais"`` and ``"pluri-disciplinaire"`` do
   not. In an item introduced by a letter code, a letter code after a sentence end
   (``"… mécanique. C2. Elaborer …"``) starts a new competence the same way.
7. **Headings and preambles** are not competences and go to ``ignored``: an item ending
   with ``:`` (``"Le titulaire est capable de :"``, ``"Compétences :"``), unless it is
   followed by sub-skills and does not read like a heading (``"* Maîtriser les outils
   suivants :  o CAO  o FAO"`` is a competence with two sub-skills); a known heading word
   alone (``"Compétences attestées"``); a sentence about the holder that leads into the list
   (``"Le titulaire est capable de"``) or that ends with ``suivantes``/``ci-dessous``.
8. **Statements** keep their text word for word: markers and codes are removed, every run
   of whitespace (including non-breaking spaces) becomes one space, and ends are trimmed.
   Empty items are dropped.
9. **Suspected assessment methods** (RNCP39303/RNCP39304 mix competences and assessment
   bullets in one list): a competence is flagged when it starts, after an optional
   article, with an assessment noun (``Mise en situation``, ``Étude de cas``,
   ``Évaluation``, ``Soutenance``, ``Rapport``, ``Projet``, ``Dossier``, ``Contrôle``,
   ``Examen``, ``Épreuve``, ``QCM``, ``Oral``, ``Simulation``, ``Travaux pratiques``,
   ``Jeux sérieux``, ...) or when it says that something *is assessed* (``sont évaluées``,
   ``évalués par``), mentions ``épreuves``, ``devoirs surveillés``, the teaching process
   (``pédagogique``), ``présentations orales`` or ``rapports écrits``. Competences start
   with a verb (``Évaluer la fiabilité …``), which never matches. Flagged items are kept:
   the UI proposes to move them to the assessment methods.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from tracker.referentials.records import CompetenceRecord

__all__ = ["SplitResult", "clean_text", "split_competences"]


@dataclass
class SplitResult:
    """The proposed split of one ``LISTE_COMPETENCES`` text.

    ``competences`` hold statements and sub-skills (codes are left ``None``: they are minted
    once the person importing has accepted the split). ``source_codes[i]`` is the code the
    certifier wrote before competence ``i`` (``"C5"``), or ``None``. ``ignored`` keeps the
    headings and preamble sentences, in order. ``suspected_assessment`` lists the indexes in
    ``competences`` of items that look like assessment methods.
    """

    competences: list[CompetenceRecord] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    suspected_assessment: list[int] = field(default_factory=list)
    source_codes: list[str | None] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Text helpers


_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HTML_TAG_RE = re.compile(
    r"</?(?:p|li|br|ul|ol|div|span|strong|b|i|em|u|h[1-6]|table|tbody|thead|tr|td|th|a|font"
    r"|sup|sub|blockquote|section|dl|dt|dd)\b[^<>]*>",
    re.IGNORECASE,
)
_NEWLINE_RE = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_BOUNDARY_RE = re.compile(r"\s{2,}|\t")


def _normalise(text: str) -> str:
    """Collapse every whitespace run (incl. non-breaking spaces) to one space and trim."""
    return " ".join(_INVISIBLE_RE.sub("", text).split())


def _fold(text: str) -> str:
    """Lowercase ASCII for matching: accents and other non-ASCII letters dropped, "’" → "'"."""
    straight = text.replace("’", "'").replace("ʼ", "'")
    return unicodedata.normalize("NFKD", straight).encode("ascii", "ignore").decode().lower()


def _looks_like_html(text: str) -> bool:
    return _HTML_TAG_RE.search(text) is not None


class _HtmlLines(HTMLParser):
    """Turn an HTML fragment into lines ``(text, li_depth)``.

    ``li_depth`` is the nesting depth of the list of an ``<li>`` line (1 for a top-level
    item), or ``None`` for a paragraph or a line break. Inside an ``<li>``, block tags and
    ``<br>`` become a soft boundary (two spaces) instead of a new line.
    """

    _LISTS = frozenset({"ul", "ol", "dl"})
    _BLOCKS = frozenset(
        {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "tbody",
         "thead", "blockquote", "section", "dt", "dd", "td", "th"}
    )  # fmt: skip
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, int | None]] = []
        self._buffer: list[str] = []
        self._list_depth = 0
        self._li_depth: int | None = None  # depth of the <li> whose text is being collected
        self._open_li = 0
        self._skipping = 0

    def _flush(self) -> None:
        text = "".join(self._buffer)
        self._buffer = []
        if text.strip():
            self.lines.append((text, self._li_depth))
        # Text after a nested list, still inside the outer <li>, is a plain line.
        self._li_depth = None

    def _boundary(self) -> None:
        if self._li_depth is not None:
            self._buffer.append("  ")
        else:
            self._flush()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._LISTS:
            self._flush()
            self._list_depth += 1
        elif tag == "li":
            self._flush()
            self._open_li += 1
            self._li_depth = max(self._list_depth, 1)
        elif tag in self._BLOCKS:
            self._boundary()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._boundary()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in self._LISTS:
            self._flush()
            self._list_depth = max(self._list_depth - 1, 0)
        elif tag == "li":
            self._flush()
            self._open_li = max(self._open_li - 1, 0)
        elif tag in self._BLOCKS and tag != "br":
            self._boundary()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _lines(raw: str) -> list[tuple[str, int | None]]:
    """Lines ``(text, li_depth)`` of ``raw``: HTML is parsed, plain text cut at newlines."""
    if _looks_like_html(raw):
        parser = _HtmlLines()
        parser.feed(raw)
        parser.close()
        return parser.lines
    return [(line, None) for line in _NEWLINE_RE.split(html.unescape(raw)) if line.strip()]


def clean_text(raw: str | None, *, multiline: bool = True) -> str:
    """Plain text of an RNCP free-text field (titles, ``MODALITES_EVALUATION``, jury text).

    HTML tags are removed and entities decoded; ``<p>``, ``<li>``, ``<br>`` and newlines
    become line breaks (``<li>`` items are written ``"- item"``), except that a line reading
    as the rest of the previous line's sentence (it starts with a lowercase letter, or the
    previous line ends with a comma or an article, ...) is joined back to it, which undoes
    hard wrapping; inside a line every whitespace run, runs of two or more spaces included,
    becomes one space; empty lines are dropped and the ends are trimmed. With
    ``multiline=False`` the lines are joined with a space (for titles).
    """
    if not raw:
        return ""
    lines: list[str] = []
    previous_is_item = False
    for text, li_depth in _lines(raw):
        line = _normalise(text)
        if not line:
            continue
        if li_depth is not None:
            lines.append(f"- {line}")
        elif lines and not previous_is_item and _continues(lines[-1], line, lowercase_rule=True):
            lines[-1] = f"{lines[-1]} {line}"  # a hard-wrapped sentence
        else:
            lines.append(line)
        previous_is_item = li_depth is not None
    return ("\n" if multiline else " ").join(lines)


# --------------------------------------------------------------------------------------
# Markers

_BULLET_CHARS = "*•·▪■►➢‣"
_DASH_CHARS = "-–—"
_SUB_CHARS = "o◦○▫"
_UPPER = "A-ZÀ-ÖØ-Þ"
_LETTER_CODE = r"[A-Z]{1,3}\d{1,3}(?:[.\-]?[A-Z]{1,3}\d{1,3})*(?:\.\d{1,3})*"
_NUMBER_CODE = r"\d{1,2}(?:\.\d{1,3})*"

_SUB_RE = re.compile(rf"[{_SUB_CHARS}](?:\s+|$)")
_BULLET_RE = re.compile(rf"[{re.escape(_BULLET_CHARS)}]\s*")
_DASH_RE = re.compile(rf"[{_DASH_CHARS}](?:\s+|$|(?=[{_UPPER}]))")
_CODE_RE = re.compile(
    rf"(?P<code>{_LETTER_CODE}|{_NUMBER_CODE})"
    rf"(?:(?P<punct>\s*[.):])|(?P<dash>\s+[{_DASH_CHARS}](?=\s|$)))?"
    r"(?P<space>\s*)"
)
_LETTER_PAREN_RE = re.compile(r"(?P<code>[a-z])\)\s*")

_SENTENCE_END = r"(?<=[.;!?…])"
_PACKED_BULLET_RE = re.compile(
    rf"{_SENTENCE_END}\s+[{re.escape(_BULLET_CHARS + _DASH_CHARS)}]\s+(?=\S)"
)
_PACKED_CODE_RE = re.compile(
    rf"{_SENTENCE_END}\s+(?=(?:{_LETTER_CODE})(?:\s*[.):]|\s+[{_DASH_CHARS}]\s))"
)


@dataclass
class _Marker:
    kind: str  # "comp" or "sub"
    code: str | None
    letter_code: bool
    body: str


def _match_marker(chunk: str) -> _Marker | None:
    """The marker at the start of ``chunk`` (already stripped), if any."""
    if match := _SUB_RE.match(chunk):
        return _Marker("sub", None, False, chunk[match.end() :])
    if match := _BULLET_RE.match(chunk):
        inner = chunk[match.end() :]
        coded = _match_code(inner)  # "- C1. Réaliser ..." keeps both markers out
        return coded or _Marker("comp", None, False, inner)
    if match := _DASH_RE.match(chunk):
        inner = chunk[match.end() :]
        coded = _match_code(inner)
        return coded or _Marker("comp", None, False, inner)
    return _match_code(chunk)


def _match_code(chunk: str) -> _Marker | None:
    if match := _LETTER_PAREN_RE.match(chunk):
        return _Marker("comp", match["code"], False, chunk[match.end() :])
    match = _CODE_RE.match(chunk)
    if not match:
        return None
    code = match["code"]
    rest = chunk[match.end() :]
    letter = code[0].isalpha()
    if match["punct"] or match["dash"]:
        # "1." and "C1." must not be glued to the next word ("1.5m", "C1.Réaliser" is fine).
        if not match["space"] and rest and not rest[0].isupper():
            return None
    elif "." in code and match["space"] and rest:
        pass  # "1.1 Analyser", "C1.2 Analyser"
    else:
        return None
    return _Marker("comp", code, letter, rest)


# --------------------------------------------------------------------------------------
# Headings, preambles and continuation


_HEADING_WORDS = frozenset(
    {
        "competences", "competence", "competences attestees", "liste des competences",
        "liste de competences", "capacites", "capacites attestees",
        "capacites professionnelles", "savoir-faire", "savoir faire", "savoirs",
        "savoir-etre", "descriptif", "activites", "activites visees",
        "competences professionnelles", "competences transversales",
        "competences techniques", "aptitudes",
    }
)  # fmt: skip
_HEADING_START_RE = re.compile(
    r"^(?:competences?|capacites?|savoirs?|savoir-faire|savoir-etre|activites?|aptitudes?"
    r"|connaissances?|blocs?|domaines?|axes?|modules?|parties?|liste|descriptif)\b"
)
_HOLDER_RE = re.compile(
    r"^(?:le|la|les|l'|chaque|tout|toute)\s*(?:titulaire|candidat|candidate|personne"
    r"|apprenant|apprenante|apprenti|apprentie|diplome|diplomee|ingenieur|beneficiaire"
    r"|stagiaire|professionnel|professionnelle|eleve|etudiant|etudiante)s?\b"
)
_LEADS_IN_RE = re.compile(r"(?:\bde|\bd'|\ba|\bpour|\bsuivantes?|\bsuivants?)\W*$")
_LIST_INTRO_END_RE = re.compile(r"\b(?:suivantes|suivants|ci-dessous|ci-apres)\W*$")

_JOINING_WORDS = frozenset(
    {
        "de", "du", "des", "d'", "la", "le", "les", "l'", "un", "une", "et", "ou", "a", "au",
        "aux", "en", "pour", "par", "avec", "sur", "dans", "sans", "sous", "vers", "chez",
        "entre", "afin", "que", "qu'", "qui", "dont", "ses", "son", "sa", "leur", "leurs",
        "ce", "cet", "cette", "ces", "ni", "mais", "car", "donc", "selon", "notamment",
        "tout", "tous", "toute", "toutes", "plus", "moins", "tant", "comme", "lors",
        "ainsi", "y", "compris", "notre", "nos", "votre", "vos", "the", "of", "and", "or",
        "to", "in",
    }
)  # fmt: skip
_CONTINUES_WITH = tuple(",;:.)]}»%…")
_OPEN_ENDINGS = tuple(",([«/-–—'’&+")


def _is_heading(text: str, *, has_children: bool = False) -> bool:
    """Whether a (normalised) item is a heading or a preamble rather than a competence."""
    folded = _fold(text).strip()
    bare = folded.rstrip(" :.…")
    if folded.endswith(":"):
        if has_children:
            # "* Maîtriser les outils suivants :  o CAO" is a competence with sub-skills;
            # "Compétences techniques :" over a nested list is a heading.
            return bool(
                bare in _HEADING_WORDS or _HEADING_START_RE.match(bare) or _HOLDER_RE.match(bare)
            )
        return True
    if bare in _HEADING_WORDS:
        return True
    if _HOLDER_RE.match(folded) and _LEADS_IN_RE.search(folded):
        return True
    return bool(_LIST_INTRO_END_RE.search(folded)) and len(folded.split()) <= 25


def _last_word(text: str) -> str:
    words = _fold(text).split()
    if not words:
        return ""
    word = words[-1]
    if len(word) >= 2 and word[1] == "'" and len(word) > 2:
        word = word[2:]  # "d'un" -> "un"
    return word


def _continues(previous: str, chunk: str, *, lowercase_rule: bool) -> bool:
    """Whether ``chunk`` reads as the rest of the sentence ``previous``."""
    previous = previous.rstrip()
    if not previous or previous.endswith(":"):
        return False
    if chunk.startswith(_CONTINUES_WITH):
        return True
    if lowercase_rule and chunk[:1].islower():
        return True
    if previous.endswith(_OPEN_ENDINGS):
        return True
    if previous.count("(") > previous.count(")"):
        return True
    return _last_word(previous) in _JOINING_WORDS


# --------------------------------------------------------------------------------------
# Assessment methods


_ASSESSMENT_START_RE = re.compile(
    r"^(?:(?:le|la|les|l'|un|une|des|de|du|d'|ces|cette|ce|en)\s*)?"
    r"(?:mises? en situation|etudes? de cas|cas pratiques?|(?:auto-?)?evaluations?"
    r"|soutenances?|rapports?|projets?|dossiers?|controles?|examens?|epreuves?|qcm|quiz"
    r"|oral|orale|oraux|orales|simulations?|travaux pratiques|tp|devoirs?|questionnaires?"
    r"|jeux serieux|jeu serieux|presentations?|memoires?|grilles?|entretiens?|partiels?"
    r"|exposes?|comptes? rendus?|mises? en pratique|livrets?|portfolios?|observations?"
    r"|validations?|certifications?|tests? ecrits?)\b"
)
_ASSESSMENT_ANYWHERE_RE = re.compile(
    r"\bevalue(?:e|s|es)?\b|\bepreuves?\b|\bdevoirs? surveilles?\b|\bpedagogique"
    r"|\bpresentations? orales?\b|\brapports? ecrits?\b|\bmodalites? d'evaluation\b"
    r"|\bcriteres? d'evaluation\b|\bgrilles? d'evaluation\b"
)


def _looks_like_assessment(statement: str) -> bool:
    folded = _fold(statement)
    return bool(_ASSESSMENT_START_RE.match(folded) or _ASSESSMENT_ANYWHERE_RE.search(folded))


# --------------------------------------------------------------------------------------
# The split


@dataclass
class _Chunk:
    text: str
    hard: bool
    li_depth: int | None
    marker: _Marker | None


@dataclass
class _Item:
    kind: str  # "comp", "sub", "plain" (unmarked, competence unless heading), "heading"
    parts: list[str]
    code: str | None = None
    letter_code: bool = False

    @property
    def text(self) -> str:
        return _normalise(" ".join(self.parts))


def _chunks(raw: str) -> list[_Chunk]:
    chunks = []
    for line, li_depth in _lines(raw):
        first_in_line = True
        for piece in _BOUNDARY_RE.split(line):
            text = _normalise(piece)
            if not text:
                continue
            chunks.append(
                _Chunk(
                    text=text,
                    hard=first_in_line,
                    li_depth=li_depth if first_in_line else None,
                    marker=_match_marker(text),
                )
            )
            first_in_line = False
    return chunks


def _assemble_marked(chunks: list[_Chunk]) -> list[_Item]:
    items: list[_Item] = []
    current: _Item | None = None
    seen_marker = False
    for chunk in chunks:
        if chunk.li_depth is not None or chunk.marker is not None:
            seen_marker = True
            marker = chunk.marker
            if chunk.li_depth is not None:
                kind = "sub" if chunk.li_depth > 1 else "comp"
            else:
                kind = marker.kind if marker else "comp"
            body = marker.body if marker else chunk.text
            current = _Item(
                kind,
                [body],
                code=marker.code if marker else None,
                letter_code=marker.letter_code if marker else False,
            )
            items.append(current)
            continue
        if not seen_marker:  # preamble: its wrapped lines are joined, then it is ignored
            if items and _continues(items[-1].text, chunk.text, lowercase_rule=True):
                items[-1].parts.append(chunk.text)
            else:
                items.append(_Item("heading", [chunk.text]))
            continue
        if current is not None and not chunk.hard:
            if chunk.text.endswith(":"):
                items.append(_Item("heading", [chunk.text]))
                current = None
            else:
                current.parts.append(chunk.text)
            continue
        if current is not None and _continues(current.text, chunk.text, lowercase_rule=True):
            current.parts.append(chunk.text)
            continue
        current = _Item("plain", [chunk.text])
        items.append(current)
    return items


def _assemble_unmarked(chunks: list[_Chunk]) -> list[_Item]:
    candidates = [c.text for c in chunks if not _is_heading(c.text)]
    lowercase_rule = bool(candidates) and candidates[0][:1].isupper()
    items: list[_Item] = []
    for chunk in chunks:
        if (
            items
            and _continues(items[-1].text, chunk.text, lowercase_rule=lowercase_rule)
            and not _is_heading(items[-1].text)  # "Le titulaire est capable de" leads in
        ):
            items[-1].parts.append(chunk.text)
        else:
            items.append(_Item("plain", [chunk.text]))
    return items


def _unpack(item: _Item) -> list[_Item]:
    """Split an item that packs several competences on one line (FORMATS.md trap 4)."""
    pieces = _PACKED_BULLET_RE.split(item.text)
    result = [_Item(item.kind, [pieces[0]], item.code, item.letter_code)]
    result += [_Item("comp", [piece]) for piece in pieces[1:]]
    if item.letter_code:
        coded: list[_Item] = []
        for part in result:
            sub_pieces = _PACKED_CODE_RE.split(part.text)
            coded.append(_Item(part.kind, [sub_pieces[0]], part.code, part.letter_code))
            for piece in sub_pieces[1:]:
                marker = _match_code(piece)
                if marker is None:  # pragma: no cover - the lookahead guarantees a code
                    coded[-1].parts.append(piece)
                else:
                    coded.append(_Item("comp", [marker.body], marker.code, True))
        result = coded
    return result


def split_competences(raw: str | None) -> SplitResult:
    """Propose a split of a ``LISTE_COMPETENCES`` text; see the module docstring for rules."""
    result = SplitResult()
    if not raw or not raw.strip():
        return result
    chunks = _chunks(raw)
    marked = any(c.li_depth is not None or c.marker is not None for c in chunks)
    assembled = _assemble_marked(chunks) if marked else _assemble_unmarked(chunks)
    items = [piece for item in assembled for piece in _unpack(item)]
    items = [item for item in items if item.text]

    parent: CompetenceRecord | None = None
    for index, item in enumerate(items):
        text = item.text
        has_children = index + 1 < len(items) and items[index + 1].kind == "sub"
        if item.kind == "heading" or _is_heading(text, has_children=has_children):
            result.ignored.append(text)
            parent = None
        elif item.kind == "sub" and parent is not None:
            parent.sub_skills.append(text)
        else:
            competence = CompetenceRecord(statement=text)
            result.competences.append(competence)
            result.source_codes.append(item.code)
            # A promoted sub-skill is not a parent: a list of "o" items is a flat list.
            parent = competence if item.kind != "sub" else None
    result.suspected_assessment = [
        index
        for index, competence in enumerate(result.competences)
        if _looks_like_assessment(competence.statement)
    ]
    return result
