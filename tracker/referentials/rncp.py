"""Streaming reader of the France Compétences RNCP open-data export (XML, flux V4.1).

Public API
==========

- :func:`iter_fiches` yields one :class:`ParsedFiche` per ``FICHE`` of the file, in file
  order, while reading it as a stream: a 500 MB export runs in bounded memory.
- :func:`read_fiches` is the convenience used by importers: the list of parsed fiches, or
  an :class:`~tracker.errors.ImportFileError` when a requested fiche is absent or when the
  file holds no fiche.

A :class:`ParsedFiche` carries the :class:`~tracker.referentials.records.CertificationRecord`
*and*, for every block, the :class:`~tracker.referentials.splitting.SplitResult` that
produced its competences (keyed by block code), so the caller can show the proposed split
(ignored headings, items that look like assessment methods) to the person importing before
anything is saved. ``record.blocks[i].competences`` holds every proposed competence,
suspected assessment methods included; competence codes are left ``None`` (they are minted
with :func:`~tracker.referentials.records.mint_competence_codes` once the split is
accepted); ``raw_competences`` keeps ``LISTE_COMPETENCES`` exactly as the file has it.

Rules
=====

*Input.* ``source`` is a path (``str`` or :class:`os.PathLike`) or a binary file object
(seekable or not). It is a plain XML file or a zip archive holding one XML file; zips are
recognised by their magic bytes, never by the file name. A zip must hold exactly one file,
or exactly one ``*.xml`` file besides others (``__MACOSX/`` entries are ignored); only
stored and deflated members are read (bzip2/lzma members could expand without bound).

*Safety.* The XML is parsed by defusedxml's parser with DTDs forbidden: a ``<!DOCTYPE>``
(hence every external entity, XXE, and every entity-expansion bomb, "billion laughs") is
refused before anything is resolved. ``max_bytes`` bounds the *uncompressed* stream: a
plain file larger than it, a zip member declaring more, or any stream that turns out to
produce more while being read (a lying zip header) is refused.

*Streaming.* defusedxml's ``iterparse`` is ``DefusedXMLParser`` feeding an element
builder; we drive ``DefusedXMLParser`` ourselves (``feed`` in 64 KiB chunks) with a target
that builds one ``FICHE`` at a time and forgets it once converted, knows the line of every
element (so errors say where), and, when ``numbers`` selects fiches, stops building a fiche
as soon as its ``NUMERO_FICHE`` (the second child) is not wanted. Reading stops as soon as
every requested fiche has been yielded: the rest of the file is neither read nor checked.

*Errors* (all :class:`~tracker.errors.ImportFileError`, with a French message and the line
when known): empty file; not XML (or PDF, gzip, ...); bytes that are not UTF-8 in a file
declared (or defaulting to) UTF-8; malformed or truncated XML; a root element other than
``FICHES``; a DTD; a ``FICHE`` without ``NUMERO_FICHE`` (checked for every fiche, wanted or
not) or without ``INTITULE``; a malformed number, date, level or ``ACTIF`` value; a block
without ``CODE`` or ``LIBELLE``; a block code or a fiche number appearing twice; a file too
large; a broken, encrypted or unsupported zip.

*Mapping* (direct children of ``FICHE`` unless a path is given):

=======================================================  ====================================
``NUMERO_FICHE`` (``RNCP`` + digits, upper-cased)        ``code``
``INTITULE``                                             ``title`` (clean text, one line)
``NOMENCLATURE_EUROPE/NIVEAU`` (``NIV7``, ``7``, ...)    ``level`` (``NIV1`` .. ``NIV8``)
``CERTIFICATEURS/CERTIFICATEUR/NOM_CERTIFICATEUR``       ``certifiers`` (in order, no repeats)
``ACTIF`` (``Oui``/``Non``; *not* ``SI_JURY_*/ACTIF``)   ``active`` (``True`` when absent)
``DATE_FIN_ENREGISTREMENT`` (``DD/MM/YYYY``)             ``registration_end``
``ETAT_FICHE``                                           ``status``
``SI_JURY_CA/COMPOSITION``                               ``jury_composition`` (clean text)
``BLOCS_COMPETENCES/BLOC_COMPETENCES``                   ``blocks`` (*not* the code-only
                                                         blocks inside ``CORRESPONDANCES``)
``  CODE`` / ``LIBELLE``                                 block ``code`` / ``title``
``  LISTE_COMPETENCES``                                  ``raw_competences`` (exact) and
                                                         ``competences`` (split)
``  MODALITES_EVALUATION``                               ``assessment_methods`` (clean text)
=======================================================  ====================================

Repeated children are normalised to lists: one or many ``CERTIFICATEUR`` or
``BLOC_COMPETENCES`` work the same, wrapped in their plural element or not. A free-text
field holding real child elements (XHTML written as markup instead of escaped text) is
read back as HTML.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from tracker.errors import ImportFileError
from tracker.i18n import _, _l
from tracker.referentials.records import BlockRecord, CertificationRecord
from tracker.referentials.splitting import SplitResult, clean_text, split_competences

__all__ = ["DEFAULT_MAX_BYTES", "ParsedFiche", "iter_fiches", "read_fiches"]

DEFAULT_MAX_BYTES = 2_000_000_000
_CHUNK_SIZE = 64 * 1024
_ROOT = "FICHES"
_FICHE = "FICHE"
_NUMBER_RE = re.compile(r"^RNCP\d{1,6}$")
_LEVEL_RE = re.compile(r"^(?:NIV(?:EAU)?\s*)?([1-8])$", re.IGNORECASE)
_ENCODING_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF_SIZE = 256
_MAX_LEADING_SPACE = 1024 * 1024


@dataclass
class ParsedFiche:
    """One fiche of the export: the record, the proposed split of each block, its line.

    ``splits`` maps each block code to the :class:`SplitResult` of its
    ``LISTE_COMPETENCES``; ``splits[code].competences`` are the very objects listed in the
    block's ``competences``. ``line`` is the line of the ``<FICHE>`` tag in the XML file.
    """

    record: CertificationRecord
    splits: dict[str, SplitResult] = field(default_factory=dict)
    line: int | None = None


# --------------------------------------------------------------------------------------
# Public functions


def iter_fiches(
    source: str | os.PathLike[str] | IO[bytes],
    numbers: Iterable[str] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[ParsedFiche]:
    """Yield the fiches of an RNCP export, streaming; see the module docstring for rules.

    ``numbers`` selects fiches by ``NUMERO_FICHE`` (``"RNCP39303"``; bare digits such as
    ``"39303"`` are accepted); ``None`` or empty means every fiche. Raises
    :class:`ImportFileError` on any bad input, possibly after some fiches were yielded: an
    importer must save nothing until the iteration has ended.
    """
    wanted = _normalise_numbers(numbers)
    with ExitStack() as stack:
        stream = _open_stream(source, max_bytes, stack)
        yield from _parse(stream, wanted)


def read_fiches(
    source: str | os.PathLike[str] | IO[bytes],
    numbers: Iterable[str] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[ParsedFiche]:
    """All the (selected) fiches of ``source``, checked to be present.

    Raises :class:`ImportFileError` when the file holds no fiche, or when a requested
    number is not in the file (the message lists the missing numbers).
    """
    wanted = _normalise_numbers(numbers)
    fiches = list(iter_fiches(source, wanted, max_bytes=max_bytes))
    if wanted:
        missing = sorted(wanted - {fiche.record.code for fiche in fiches})
        if missing:
            raise ImportFileError(
                _(
                    "Aucune fiche trouvée dans le fichier pour : %(numbers)s.",
                    numbers=", ".join(missing),
                ),
                field="NUMERO_FICHE",
            )
    elif not fiches:
        raise ImportFileError(_("Aucune fiche RNCP trouvée dans le fichier (aucun élément FICHE)."))
    return fiches


def _normalise_numbers(numbers: Iterable[str] | None) -> frozenset[str] | None:
    """Upper-cased numbers, ``RNCP`` added to bare digits; ``None`` when nothing is selected."""
    if numbers is None:
        return None
    if isinstance(numbers, str | bytes):
        raise TypeError("numbers must be a collection of fiche numbers, not one string")
    result = set()
    for number in numbers:
        value = number.strip().upper().replace(" ", "")
        result.add(f"RNCP{value}" if value.isdigit() else value)
    return frozenset(result) or None


# --------------------------------------------------------------------------------------
# Opening the source: plain file or zip, with size limits


def _human_size(size: int) -> str:
    for unit, factor in (("Go", 10**9), ("Mo", 10**6), ("ko", 10**3)):
        if size >= factor:
            return f"{size / factor:.3g}".replace(".", ",") + f" {unit}"
    return f"{size} octets"


def _too_large(max_bytes: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Le fichier est trop volumineux : une fois décompressé, il dépasse la limite de "
            "%(limit)s.",
            limit=_human_size(max_bytes),
        )
    )


# What zipfile raises on a damaged archive (a bad offset gives ValueError "negative seek").
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    OSError,
)


def _corrupt_zip(error: Exception) -> ImportFileError:
    return ImportFileError(_("L'archive ZIP est corrompue : %(detail)s", detail=str(error)))


class _CountingReader:
    """Read a binary stream and refuse it once it has produced more than ``max_bytes``."""

    def __init__(self, raw: Any, max_bytes: int, *, zipped: bool = False) -> None:
        self._raw = raw
        self._max_bytes = max_bytes
        self._zipped = zipped
        self.count = 0

    def read(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except _ZIP_ERRORS as error:
            if self._zipped:
                raise _corrupt_zip(error) from error
            if isinstance(error, OSError):
                raise ImportFileError(
                    _("Impossible de lire le fichier : %(detail)s", detail=str(error))
                ) from error
            raise
        if not isinstance(data, bytes):
            raise TypeError("iter_fiches needs a binary file object (open it with 'rb')")
        self.count += len(data)
        if self.count > self._max_bytes:
            raise _too_large(self._max_bytes)
        return data


class _PrefixedReader:
    """A non-seekable stream whose first bytes were already read to sniff its type."""

    def __init__(self, prefix: bytes, raw: IO[bytes]) -> None:
        self._prefix = prefix
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0:
                data, self._prefix = self._prefix + self._raw.read(), b""
                return data
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._raw.read(size)


def _open_stream(
    source: str | os.PathLike[str] | IO[bytes], max_bytes: int, stack: ExitStack
) -> _CountingReader:
    """A size-bounded binary stream of the XML document held by ``source``."""
    if isinstance(source, str | os.PathLike):
        try:
            raw: Any = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            size = os.fstat(raw.fileno()).st_size
        except OSError as error:
            raise ImportFileError(
                _("Impossible d'ouvrir le fichier : %(detail)s", detail=error.strerror or error)
            ) from error
        head = raw.read(4)
        raw.seek(0)
        if not head.startswith(_ZIP_MAGIC) and size > max_bytes:
            raise _too_large(max_bytes)
    elif hasattr(source, "read"):
        raw = source
        seekable = getattr(raw, "seekable", lambda: False)()
        if seekable:
            position = raw.tell()
            head = raw.read(4)
            raw.seek(position)
        else:
            head = raw.read(4)
            raw = _PrefixedReader(head, raw)
        if not isinstance(head, bytes):
            raise TypeError("iter_fiches needs a binary file object (open it with 'rb')")
        if head.startswith(_ZIP_MAGIC) and not seekable:
            raw = _spool(raw, max_bytes, stack)
    else:
        raise TypeError(f"unsupported source for iter_fiches: {type(source).__name__}")
    if head.startswith(_ZIP_MAGIC):
        return _open_zip_member(raw, max_bytes, stack)
    return _CountingReader(raw, max_bytes)


def _spool(raw: Any, max_bytes: int, stack: ExitStack) -> IO[bytes]:
    """Copy a non-seekable zip into a temporary file (zipfile needs to seek)."""
    spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by stack
    shutil.copyfileobj(_CountingReader(raw, max_bytes), spool, _CHUNK_SIZE)
    spool.seek(0)
    return spool


def _open_zip_member(raw: Any, max_bytes: int, stack: ExitStack) -> _CountingReader:
    try:
        archive = stack.enter_context(zipfile.ZipFile(raw))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        ]
    except _ZIP_ERRORS as error:
        raise _corrupt_zip(error) from error
    xml_members = [info for info in members if info.filename.lower().endswith(".xml")]
    if len(members) == 1:
        member = members[0]
    elif len(xml_members) == 1:
        member = xml_members[0]
    elif not members:
        raise ImportFileError(_("L'archive ZIP est vide : elle doit contenir l'export XML."))
    else:
        raise ImportFileError(
            _(
                "L'archive ZIP contient plusieurs fichiers (%(names)s) : elle doit contenir un "
                "seul fichier XML, l'export RNCP.",
                names=", ".join(info.filename for info in members[:5]),
            )
        )
    if member.flag_bits & 0x1:
        raise ImportFileError(
            _("L'archive ZIP est protégée par un mot de passe : fournissez-la sans chiffrement.")
        )
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ImportFileError(
            _(
                "La méthode de compression de l'archive ZIP n'est pas prise en charge : "
                "recompressez-la en ZIP standard (« deflate »)."
            )
        )
    if member.file_size > max_bytes:
        raise _too_large(max_bytes)
    try:
        stream = stack.enter_context(archive.open(member))
    except _ZIP_ERRORS as error:
        raise _corrupt_zip(error) from error
    return _CountingReader(stream, max_bytes, zipped=True)


# --------------------------------------------------------------------------------------
# Parsing


_EXPAT_MESSAGES = {
    expat.errors.XML_ERROR_SYNTAX: _l("erreur de syntaxe"),
    expat.errors.XML_ERROR_INVALID_TOKEN: _l("caractère ou balise invalide"),
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: _l("balise non terminée"),
    expat.errors.XML_ERROR_PARTIAL_CHAR: _l("caractère incomplet"),
    expat.errors.XML_ERROR_TAG_MISMATCH: _l(
        "balise fermante qui ne correspond pas à la balise ouverte"
    ),
    expat.errors.XML_ERROR_DUPLICATE_ATTRIBUTE: _l("attribut en double"),
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: _l("contenu après la fin de l'élément racine"),
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: _l(
        "entité non définie (en XML, seules &amp; &lt; &gt; &quot; &apos; et les références "
        "numériques comme &#233; existent)"
    ),
    expat.errors.XML_ERROR_BAD_CHAR_REF: _l("référence à un caractère invalide"),
    expat.errors.XML_ERROR_MISPLACED_XML_PI: _l("déclaration XML mal placée"),
    expat.errors.XML_ERROR_UNKNOWN_ENCODING: _l("encodage inconnu"),
    expat.errors.XML_ERROR_INCORRECT_ENCODING: _l("l'encodage déclaré est incorrect"),
    expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION: _l("section CDATA non terminée"),
    expat.errors.XML_ERROR_XML_DECL: _l("déclaration XML mal formée"),
    expat.errors.XML_ERROR_UNBOUND_PREFIX: _l("préfixe d'espace de noms non déclaré"),
}
_TRUNCATION_ERRORS = frozenset(
    {
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    }
)


def _expat_message(error: ET.ParseError) -> str | None:
    """The expat message of a ParseError: one of the ``expat.errors.XML_ERROR_*`` strings."""
    code = getattr(error, "code", None)
    return expat.ErrorString(code) if isinstance(code, int) else None


class _FicheBuilder:
    """Parser target: builds one ``FICHE`` element at a time and records element lines.

    Completed fiches wait in :attr:`completed` as ``(element, lines, fiche_line)`` where
    ``lines`` maps each element of the fiche to the line of its start tag.
    """

    def __init__(self, wanted: frozenset[str] | None) -> None:
        self.wanted = wanted
        self.expat: Any = None  # the expat parser, for CurrentLineNumber
        self.depth = 0
        self.root_seen = False
        self.completed: deque[tuple[ET.Element, dict[ET.Element, int], int | None]] = deque()
        self._builder: ET.TreeBuilder | None = None
        self._lines: dict[ET.Element, int] = {}
        self._fiche_line: int | None = None
        self._in_fiche = False
        self._number_seen = False

    def line(self) -> int | None:
        return self.expat.CurrentLineNumber if self.expat is not None else None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            if tag != _ROOT:
                raise ImportFileError(
                    _(
                        "L'élément racine est <%(tag)s> : un export RNCP de France "
                        "Compétences commence par <FICHES>.",
                        tag=tag,
                    ),
                    line=self.line(),
                )
            self.root_seen = True
            return
        if self.depth == 2 and tag == _FICHE:
            self._in_fiche = True
            self._number_seen = False
            self._fiche_line = self.line()
            self._lines = {}
            self._builder = ET.TreeBuilder()
        if self._builder is not None:
            element = self._builder.start(tag, attrib)
            self._lines[element] = self.line() or 0

    def data(self, text: str) -> None:
        if self._builder is not None:
            self._builder.data(text)

    def end(self, tag: str) -> None:
        depth = self.depth
        self.depth -= 1
        if not self._in_fiche:
            return
        if self._builder is not None:
            element = self._builder.end(tag)
            if depth == 3 and tag == "NUMERO_FICHE":
                self._number_seen = True
                number = (element.text or "").strip().upper()
                if self.wanted is not None and number not in self.wanted:
                    self._builder = None  # not wanted: stop building, skip cheaply
                    self._lines = {}
        if depth == 2:
            self._in_fiche = False
            if not self._number_seen:
                raise ImportFileError(
                    _("Une fiche n'a pas de numéro (élément NUMERO_FICHE manquant)."),
                    line=self._fiche_line,
                    field="NUMERO_FICHE",
                )
            if self._builder is not None:
                fiche = self._builder.close()
                self.completed.append((fiche, self._lines, self._fiche_line))
            self._builder = None
            self._lines = {}

    def close(self) -> None:
        return None


def _not_xml() -> ImportFileError:
    return ImportFileError(
        _("Ce fichier n'est pas un fichier XML : il ne commence pas par « < »."), line=1
    )


def _sniff(head: bytes) -> bool:
    """Check the first bytes look like XML; return whether to check UTF-8 ourselves."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return False  # UTF-16 (or 32): expat decodes and checks it
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body.startswith(b"%PDF"):
        raise ImportFileError(_("Ce fichier est un PDF, pas un export XML RNCP."))
    if body.startswith(b"\x1f\x8b"):
        raise ImportFileError(
            _("Ce fichier est compressé en gzip : fournissez le XML ou une archive ZIP.")
        )
    if not body.startswith(b"<"):
        raise _not_xml()
    declared = _declared_encoding(body)
    return declared is None or declared.lower() in _UTF8_NAMES


def _declared_encoding(head: bytes) -> str | None:
    """The encoding named by the XML declaration at the start of ``head``, if any."""
    match = _ENCODING_DECL_RE.match(head.removeprefix(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii") if match else None


def _parse(stream: _CountingReader, wanted: frozenset[str] | None) -> Iterator[ParsedFiche]:
    target = _FicheBuilder(wanted)
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.expat = parser.parser
    remaining = set(wanted) if wanted else None
    seen_numbers: set[str] = set()
    head = b""
    decoder: codecs.IncrementalDecoder | None = None
    sniffed = False
    lines_before = 0

    while chunk := stream.read(_CHUNK_SIZE):
        if not sniffed:
            # Decide on the first bytes: enough of them to hold the XML declaration.
            head += chunk
            if len(head) < _SNIFF_SIZE or not head.strip():
                if len(head) > _MAX_LEADING_SPACE:
                    raise _not_xml()
                continue
            sniffed = True
            chunk, head = head, b""
            if _sniff(chunk):
                decoder = codecs.getincrementaldecoder("utf-8")()
        if decoder is not None:
            _check_utf8(decoder, chunk, lines_before)
        _feed(parser, target, chunk)
        lines_before += chunk.count(b"\n")
        for fiche in _drain(target, seen_numbers):
            yield fiche
            if remaining is not None:
                remaining.discard(fiche.record.code)
                if not remaining:
                    return  # every requested fiche found: do not read the rest

    if not sniffed:
        if not head:
            raise ImportFileError(_("Le fichier est vide."))
        if not head.strip():
            raise ImportFileError(_("Le fichier ne contient que des espaces : il est vide."))
        if _sniff(head):
            decoder = codecs.getincrementaldecoder("utf-8")()
            _check_utf8(decoder, head, 0)
        _feed(parser, target, head)
    if decoder is not None:
        _check_utf8(decoder, b"", lines_before, final=True)
    try:
        parser.close()
    except ET.ParseError as error:
        raise _parse_error(error, target, at_end=True) from None
    except DefusedXmlException as error:  # pragma: no cover - raised while feeding
        raise _defused_error(error, target) from None
    yield from _drain(target, seen_numbers)


def _feed(parser: DefusedXMLParser, target: _FicheBuilder, chunk: bytes) -> None:
    try:
        parser.feed(chunk)
    except ET.ParseError as error:
        raise _parse_error(error, target, at_end=False) from None
    except DefusedXmlException as error:
        raise _defused_error(error, target) from None
    except (LookupError, ValueError):
        # An encoding name Python does not know (LookupError) or a multi-byte one that
        # expat cannot use (ValueError "multi-byte encodings are not supported").
        raise ImportFileError(
            _(
                "Le fichier déclare un encodage inconnu ou non pris en charge (%(encoding)s) : "
                "enregistrez-le en UTF-8.",
                encoding=_declared_encoding(chunk) or "?",
            ),
            line=target.line(),
        ) from None


def _check_utf8(
    decoder: codecs.IncrementalDecoder, chunk: bytes, lines_before: int, *, final: bool = False
) -> None:
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as error:
        if final and error.reason == "unexpected end of data":
            return  # the file stops inside a character: reported as a truncated file
        offset = max(error.start - pending, 0)
        bad = error.object[error.start : error.start + 1]
        raise ImportFileError(
            _(
                "Le fichier n'est pas en UTF-8 valide (octet %(byte)s inattendu) alors qu'il est "
                "déclaré en UTF-8 ou ne déclare aucun encodage : il a sans doute été enregistré "
                "en Latin-1 ou Windows-1252. Réenregistrez-le en UTF-8.",
                byte=f"0x{bad.hex().upper()}" if bad else "?",
            ),
            line=lines_before + chunk[:offset].count(b"\n") + 1,
        ) from None


def _parse_error(error: ET.ParseError, target: _FicheBuilder, *, at_end: bool) -> ImportFileError:
    line = error.position[0] if getattr(error, "position", None) else None
    message = _expat_message(error)
    if at_end and (target.depth > 0 or message in _TRUNCATION_ERRORS):
        if not target.root_seen:
            return ImportFileError(_("Le fichier ne contient aucun élément XML."), line=line)
        return ImportFileError(
            _(
                "Le fichier XML est incomplet : il s'arrête avant la fin de l'élément <FICHES> "
                "(fichier tronqué, téléchargement interrompu ?)."
            ),
            line=line,
        )
    detail = _EXPAT_MESSAGES.get(message or "", message or str(error))
    return ImportFileError(
        _("Le fichier XML est mal formé : %(detail)s.", detail=detail), line=line
    )


def _defused_error(error: DefusedXmlException, target: _FicheBuilder) -> ImportFileError:
    if isinstance(error, DTDForbidden) and (error.name or "").lower() == "html":
        message = _("Ce fichier est une page HTML, pas un export XML RNCP.")
    elif isinstance(error, DTDForbidden):
        message = _(
            "Le fichier contient une déclaration de type de document (<!DOCTYPE>) : elle est "
            "refusée par sécurité, car elle peut charger des fichiers externes ou déclencher "
            "une expansion d'entités. Un export RNCP n'en contient pas."
        )
    elif isinstance(error, EntitiesForbidden):  # pragma: no cover - DTDs are refused first
        message = _("Le fichier déclare des entités XML : elles sont refusées par sécurité.")
    else:  # pragma: no cover - DTDs are refused first
        message = _("Le fichier fait référence à une ressource externe : refusé par sécurité.")
    return ImportFileError(message, line=target.line())


def _drain(target: _FicheBuilder, seen_numbers: set[str]) -> Iterator[ParsedFiche]:
    while target.completed:
        element, lines, line = target.completed.popleft()
        fiche = _convert(element, lines, line)
        if fiche.record.code in seen_numbers:
            raise ImportFileError(
                _(
                    "La fiche %(number)s apparaît deux fois dans le fichier.",
                    number=fiche.record.code,
                ),
                line=line,
                field="NUMERO_FICHE",
            )
        seen_numbers.add(fiche.record.code)
        yield fiche


# --------------------------------------------------------------------------------------
# From a FICHE element to records


class _Fiche:
    """Read helpers over one FICHE element and the lines of its elements."""

    def __init__(self, element: ET.Element, lines: dict[ET.Element, int], line: int | None):
        self.element = element
        self.lines = lines
        self.line = line

    def where(self, element: ET.Element | None) -> int | None:
        if element is None:
            return self.line
        return self.lines.get(element) or self.line

    def error(self, message: str, element: ET.Element | None, field: str) -> ImportFileError:
        return ImportFileError(message, line=self.where(element), field=field)


def _inner(element: ET.Element | None) -> str:
    """The text content of a free-text field; child elements are serialised back as markup."""
    if element is None:
        return ""
    if len(element) == 0:
        return element.text or ""
    parts = [element.text or ""]
    parts += [ET.tostring(child, encoding="unicode") for child in element]
    return "".join(parts)


def _single_line(element: ET.Element | None) -> str:
    return clean_text(_inner(element), multiline=False)


def _convert(element: ET.Element, lines: dict[ET.Element, int], line: int | None) -> ParsedFiche:
    fiche = _Fiche(element, lines, line)

    number_element = element.find("NUMERO_FICHE")
    code = (number_element.text or "").strip().upper() if number_element is not None else ""
    if not code:
        raise fiche.error(
            _("Une fiche a un numéro vide (élément NUMERO_FICHE)."), number_element, "NUMERO_FICHE"
        )
    if not _NUMBER_RE.match(code):
        raise fiche.error(
            _(
                "Numéro de fiche « %(value)s » invalide : un numéro RNCP s'écrit RNCP suivi de "
                "chiffres (par exemple RNCP39303).",
                value=code,
            ),
            number_element,
            "NUMERO_FICHE",
        )

    title_element = element.find("INTITULE")
    title = _single_line(title_element)
    if not title:
        raise fiche.error(
            _("La fiche %(number)s n'a pas d'intitulé (élément INTITULE).", number=code),
            title_element,
            "INTITULE",
        )

    blocks, splits = _blocks(fiche, code)
    record = CertificationRecord(
        code=code,
        title=title,
        level=_level(fiche, code),
        certifiers=_certifiers(element),
        active=_active(fiche, code),
        registration_end=_date(fiche, code, "DATE_FIN_ENREGISTREMENT"),
        blocks=blocks,
        jury_composition=clean_text(_inner(element.find("SI_JURY_CA/COMPOSITION"))),
        status=_single_line(element.find("ETAT_FICHE")),
    )
    return ParsedFiche(record=record, splits=splits, line=line)


def _level(fiche: _Fiche, code: str) -> str | None:
    level_element = fiche.element.find("NOMENCLATURE_EUROPE/NIVEAU")
    value = _single_line(level_element)
    if not value:
        return None
    match = _LEVEL_RE.match(value)
    if not match:
        raise fiche.error(
            _(
                "Fiche %(number)s : niveau de qualification « %(value)s » inconnu (attendu NIV1 "
                "à NIV8).",
                number=code,
                value=value,
            ),
            level_element,
            "NOMENCLATURE_EUROPE/NIVEAU",
        )
    return f"NIV{match.group(1)}"


def _certifiers(element: ET.Element) -> list[str]:
    names: list[str] = []
    certifiers = element.findall("CERTIFICATEURS/CERTIFICATEUR") + element.findall("CERTIFICATEUR")
    for certifier in certifiers:
        name = _single_line(certifier.find("NOM_CERTIFICATEUR"))
        if name and name not in names:
            names.append(name)
    return names


def _active(fiche: _Fiche, code: str) -> bool:
    active_element = fiche.element.find("ACTIF")  # direct child only, never SI_JURY_*/ACTIF
    value = _single_line(active_element).casefold()
    if not value:
        return True
    if value in {"oui", "true", "1", "o", "yes"}:
        return True
    if value in {"non", "false", "0", "n", "no"}:
        return False
    raise fiche.error(
        _(
            "Fiche %(number)s : valeur « %(value)s » inattendue pour ACTIF (attendu Oui ou Non).",
            number=code,
            value=value,
        ),
        active_element,
        "ACTIF",
    )


def _date(fiche: _Fiche, code: str, tag: str) -> date | None:
    date_element = fiche.element.find(tag)
    value = _single_line(date_element)
    if not value:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise fiche.error(
        _(
            "Fiche %(number)s : date « %(value)s » invalide dans %(field)s (attendu JJ/MM/AAAA).",
            number=code,
            value=value,
            field=tag,
        ),
        date_element,
        tag,
    )


def _blocks(fiche: _Fiche, code: str) -> tuple[list[BlockRecord], dict[str, SplitResult]]:
    """Blocks of ``BLOCS_COMPETENCES`` (or bare ``BLOC_COMPETENCES``), never CORRESPONDANCES."""
    elements = fiche.element.findall("BLOCS_COMPETENCES/BLOC_COMPETENCES")
    elements += fiche.element.findall("BLOC_COMPETENCES")
    blocks: list[BlockRecord] = []
    splits: dict[str, SplitResult] = {}
    for element in elements:
        code_element = element.find("CODE")
        block_code = (code_element.text or "").strip().upper() if code_element is not None else ""
        if not block_code:
            raise fiche.error(
                _("Fiche %(number)s : un bloc de compétences n'a pas de code.", number=code),
                element,
                "BLOC_COMPETENCES/CODE",
            )
        if block_code in splits:
            raise fiche.error(
                _(
                    "Fiche %(number)s : le bloc %(block)s apparaît deux fois.",
                    number=code,
                    block=block_code,
                ),
                code_element,
                "BLOC_COMPETENCES/CODE",
            )
        title_element = element.find("LIBELLE")
        title = _single_line(title_element)
        if not title:
            raise fiche.error(
                _(
                    "Fiche %(number)s : le bloc %(block)s n'a pas d'intitulé (LIBELLE).",
                    number=code,
                    block=block_code,
                ),
                title_element if title_element is not None else element,
                "BLOC_COMPETENCES/LIBELLE",
            )
        raw = _inner(element.find("LISTE_COMPETENCES"))
        split = split_competences(raw)
        splits[block_code] = split
        blocks.append(
            BlockRecord(
                code=block_code,
                title=title,
                competences=list(split.competences),
                assessment_methods=clean_text(_inner(element.find("MODALITES_EVALUATION"))),
                raw_competences=raw,
            )
        )
    return blocks, splits
