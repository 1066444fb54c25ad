"""CASE 1.0 (1EdTech Competencies and Academic Standards Exchange) export and import.

A referential goes out as one CASE package, ``{"CFDocument": {...}, "CFItems": [...],
"CFAssociations": [...]}``, and comes back through :func:`from_case`, which also accepts
packages written by other CASE servers (bare or wrapped as ``{"CFPackage": {...}}``).

Identifiers
    Every identifier is a lowercase UUID v5 derived from :data:`CASE_NAMESPACE` and
    ``<certification code>/v<version>/...`` plus the code of the node (the identifier of an
    association is derived from its type and the identifiers of its two ends). Exporting the
    same version twice therefore gives the same identifiers, and :func:`dumps_case` (sorted
    keys, fixed indentation) gives byte-identical JSON; a new version gets new identifiers.
    URIs are ``<base_uri>/CFDocuments/<id>``, ``<base_uri>/CFItems/<id>`` and
    ``<base_uri>/CFAssociations/<id>``: pass the CASE service root, e.g.
    ``https://livret.example.fr/ims/case/v1p0``.

Tree
    ``isChildOf`` associations, origin = child, destination = parent, ordered by
    ``sequenceNumber`` (1, 2, ... among the siblings; ``listEnumeration`` repeats it):

    ======================= ============================= =================================
    CFItemType              humanCodingScheme             parent
    ======================= ============================= =================================
    Bloc de compétences     block code (RNCP39303BC01)    the document
    Compétence              competence code (...BC01.C01) its block
    Sous-compétence         ``<competence code>.S01``     its competence
    Parcours                ``<certification code>.P1``   the document
    Condition de délivrance ``<certification code>.R1``   the document
    ======================= ============================= =================================

    ``fullStatement`` holds the block title, the competence statement, the sub-skill text,
    the track name or the requirement label. A block's ``notes`` holds its assessment
    methods; a track's ``notes`` its description; a requirement's ``notes`` the JSON
    ``{"kind": ..., "params": {...}, "rule": ...}`` of :class:`RequirementRecord`. The
    blocks of a track are ``isPartOf`` associations, origin = block, destination = track,
    ``sequenceNumber`` = position of the block in the track.

Certification metadata (CFDocument)
    ``humanCodingScheme`` = certification code (not a CASE 1.0 CFDocument field, read back
    first); ``title``; ``creator`` = certifiers joined with ``"; "`` (``"Livret"`` when there
    is none); ``adoptionStatus`` = ``"Adopted"`` when the registration is active,
    ``"Deprecated"`` otherwise; ``statusEndDate`` = registration end date (YYYY-MM-DD);
    ``version`` = referential version; ``language`` = ``"fr"``; ``officialSourceURL`` = the
    France Compétences page for RNCP codes; ``notes`` = JSON object holding what CASE has no
    field for: ``certifiers`` (exact list), ``level`` (NIV3..NIV8), ``status`` (ETAT_FICHE)
    and ``jury_composition``. ``lastChangeDateTime`` is ``last_change`` in UTC with a ``Z``
    (a naive datetime is taken as UTC).

Import rules (:func:`from_case`)
    CASE-required fields must be present with the right JSON types; identifiers must be
    unique; every item needs exactly one ``isChildOf`` parent that exists, and the tree must
    reach the document without cycles. Items whose ``CFItemType`` is not one of ours (or
    absent) take their kind from their depth: child of the document = block, child of a
    block = competence, deeper = sub-skill (flattened, in tree order, into the sub-skills
    of their competence). Missing codes are minted: ``<document code>BC01`` for blocks,
    ``<block code>.C01`` for competences; a document without ``humanCodingScheme`` gets
    ``CASE`` + the first 8 hex digits of its identifier. Siblings are ordered by
    ``sequenceNumber``, then by a numeric ``listEnumeration``, then by file order.
    Association types other than ``isChildOf`` and ``isPartOf`` (towards a ``Parcours``
    item) are ignored. ``BlockRecord.raw_competences`` (the RNCP source text) is not
    exported and comes back empty.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tracker.errors import ImportFileError
from tracker.i18n import _
from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
    RequirementRecord,
    TrackRecord,
    mint_competence_codes,
)

# Never change: every exported identifier is derived from it.
CASE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:livret:referentials:case:1.0")

TYPE_BLOCK = "Bloc de compétences"
TYPE_COMPETENCE = "Compétence"
TYPE_SUB_SKILL = "Sous-compétence"
TYPE_TRACK = "Parcours"
TYPE_REQUIREMENT = "Condition de délivrance"

DEFAULT_CREATOR = "Livret"
ADOPTED = "Adopted"
DEPRECATED = "Deprecated"

# CASE 1.0 association vocabulary
ASSOCIATION_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
    }
)

_UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89abcd][0-9a-f]{3}-[0-9a-f]{12}$"
)
_RNCP_RE = re.compile(r"^RNCP(\d+)$")

# Node kinds while rebuilding the tree
_DOC, _BLOCK, _COMP, _SUB, _TRACK, _REQ = "doc", "block", "comp", "sub", "track", "req"
_KNOWN_TYPES = {
    TYPE_BLOCK.casefold(): _BLOCK,
    TYPE_COMPETENCE.casefold(): _COMP,
    TYPE_SUB_SKILL.casefold(): _SUB,
    TYPE_TRACK.casefold(): _TRACK,
    TYPE_REQUIREMENT.casefold(): _REQ,
}
# Kinds a typed item may have as parent
_ALLOWED_PARENTS = {
    _BLOCK: {_DOC},
    _COMP: {_BLOCK},
    _SUB: {_COMP, _SUB},
    _TRACK: {_DOC},
    _REQ: {_DOC},
}


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def to_case(
    cert: CertificationRecord, *, version: int, base_uri: str, last_change: datetime
) -> dict[str, Any]:
    """Return the CASE 1.0 package of version ``version`` of ``cert``.

    The result is deterministic: the same arguments always give the same package (and no
    two places of it share a mutable object). Codes
    missing on competences are minted as ``<block code>.C01`` without changing ``cert``.
    Raises ``ValueError`` when a track names a block the certification does not have.
    """
    stamp = _format_stamp(last_change)
    base = base_uri.rstrip("/")
    prefix = f"{cert.code}/v{version}"

    def derive(*parts: str) -> str:
        return str(uuid.uuid5(CASE_NAMESPACE, "/".join((prefix, *parts))))

    doc_id = derive("document")
    doc_link = _link(cert.title, doc_id, f"{base}/CFDocuments/{doc_id}")
    meta = {
        "certifiers": list(cert.certifiers),
        "jury_composition": cert.jury_composition,
        "level": cert.level,
        "status": cert.status,
    }
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": doc_link["uri"],
        "creator": "; ".join(cert.certifiers) or DEFAULT_CREATOR,
        "title": cert.title,
        "lastChangeDateTime": stamp,
        "humanCodingScheme": cert.code,
        "version": str(version),
        "language": "fr",
        "adoptionStatus": ADOPTED if cert.active else DEPRECATED,
        "notes": json.dumps(meta, ensure_ascii=False, sort_keys=True),
    }
    if cert.registration_end is not None:
        document["statusEndDate"] = cert.registration_end.isoformat()
    match = _RNCP_RE.match(cert.code)
    if match:
        document["officialSourceURL"] = (
            f"https://www.francecompetences.fr/recherche/rncp/{match.group(1)}/"
        )

    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def add_item(
        code: str, item_type: str, statement: str, position: int, notes: str = ""
    ) -> dict[str, str]:
        identifier = derive("item", code)
        item: dict[str, Any] = {
            "identifier": identifier,
            "uri": f"{base}/CFItems/{identifier}",
            "CFDocumentURI": dict(doc_link),
            "fullStatement": statement,
            "humanCodingScheme": code,
            "CFItemType": item_type,
            "listEnumeration": str(position),
            "language": "fr",
            "lastChangeDateTime": stamp,
        }
        if notes:
            item["notes"] = notes
        items.append(item)
        return _link(statement, identifier, item["uri"])

    def associate(
        kind: str, origin: dict[str, str], destination: dict[str, str], sequence: int
    ) -> None:
        identifier = derive("association", kind, origin["identifier"], destination["identifier"])
        associations.append(
            {
                "identifier": identifier,
                "uri": f"{base}/CFAssociations/{identifier}",
                "CFDocumentURI": dict(doc_link),
                "associationType": kind,
                "originNodeURI": dict(origin),
                "destinationNodeURI": dict(destination),
                "sequenceNumber": sequence,
                "lastChangeDateTime": stamp,
            }
        )

    block_links: dict[str, dict[str, str]] = {}
    top = 0  # sequence among the children of the document
    for block_position, block in enumerate(cert.blocks, start=1):
        top += 1
        block_link = add_item(
            block.code, TYPE_BLOCK, block.title, block_position, block.assessment_methods
        )
        block_links[block.code] = block_link
        associate("isChildOf", block_link, doc_link, top)
        for position, competence in enumerate(block.competences, start=1):
            code = competence.code or f"{block.code}.C{position:02d}"
            competence_link = add_item(code, TYPE_COMPETENCE, competence.statement, position)
            associate("isChildOf", competence_link, block_link, position)
            for sub_position, sub_skill in enumerate(competence.sub_skills, start=1):
                sub_link = add_item(
                    f"{code}.S{sub_position:02d}", TYPE_SUB_SKILL, sub_skill, sub_position
                )
                associate("isChildOf", sub_link, competence_link, sub_position)

    for position, track in enumerate(cert.tracks, start=1):
        top += 1
        track_link = add_item(
            f"{cert.code}.P{position}", TYPE_TRACK, track.name, position, track.description
        )
        associate("isChildOf", track_link, doc_link, top)
        for block_position, block_code in enumerate(track.block_codes, start=1):
            if block_code not in block_links:
                raise ValueError(f"track {track.name!r} names unknown block {block_code!r}")
            associate("isPartOf", block_links[block_code], track_link, block_position)

    for position, requirement in enumerate(cert.requirements, start=1):
        top += 1
        notes = json.dumps(
            {"kind": str(requirement.kind), "params": requirement.params, "rule": requirement.rule},
            ensure_ascii=False,
            sort_keys=True,
        )
        requirement_link = add_item(
            f"{cert.code}.R{position}", TYPE_REQUIREMENT, requirement.label, position, notes
        )
        associate("isChildOf", requirement_link, doc_link, top)

    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def dumps_case(package: Mapping[str, Any]) -> str:
    """Serialise a package as stable JSON: sorted keys, 2-space indent, UTF-8 text."""
    return json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _format_stamp(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, to the second; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(title: str, identifier: str, uri: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": uri}


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    message: str
    field: str | None = None

    def error(self) -> ImportFileError:
        return ImportFileError(self.message, field=self.field)

    def __str__(self) -> str:
        return str(self.error())


def validate_case(package: Mapping[str, Any]) -> list[str]:
    """Return the problems of ``package`` against CASE 1.0; an empty list means valid.

    Checked: the three collections and their JSON types; the required fields of
    CFDocument (identifier, uri, creator, title, lastChangeDateTime), CFItem (identifier,
    fullStatement, uri, lastChangeDateTime) and CFAssociation (identifier, associationType,
    uri, originNodeURI and destinationNodeURI each with title/identifier/uri,
    lastChangeDateTime); identifiers are lowercase UUIDs, unique in the package;
    date-times are ISO 8601; ``statusStartDate``/``statusEndDate`` are YYYY-MM-DD;
    ``associationType`` is in the CASE 1.0 vocabulary; ``sequenceNumber`` is an integer;
    ``isChildOf`` ends exist in the package. A ``{"CFPackage": ...}`` wrapper is accepted.
    """
    if isinstance(package, Mapping) and isinstance(package.get("CFPackage"), Mapping):
        package = package["CFPackage"]
    if not isinstance(package, Mapping):
        return [_("Le paquet CASE doit être un objet JSON.")]
    problems = _check_package(package, strict=True)
    if not problems:
        problems = _check_references(package)
    return [str(problem) for problem in problems]


def _check_package(package: Mapping[str, Any], *, strict: bool) -> list[_Problem]:
    """Required fields and JSON types; ``strict`` adds the format checks of CASE 1.0."""
    problems: list[_Problem] = []
    document = package.get("CFDocument")
    if not isinstance(document, Mapping):
        problems.append(
            _Problem(_("Le paquet CASE doit contenir un objet CFDocument."), "CFDocument")
        )
    else:
        where = _("Document")
        _check_fields(
            document,
            where,
            ("identifier", "uri", "creator", "title", "lastChangeDateTime"),
            strict,
            problems,
        )
        for name in ("humanCodingScheme", "version", "language", "adoptionStatus", "notes"):
            _check_optional_string(document, name, where, problems)
        for name in ("statusStartDate", "statusEndDate"):
            _check_optional_string(document, name, where, problems)
            value = document.get(name)
            if strict and isinstance(value, str) and not _is_date(value):
                problems.append(
                    _Problem(_("%(where)s : date AAAA-MM-JJ attendue.", where=where), name)
                )

    items = package.get("CFItems", [])
    if not isinstance(items, list):
        problems.append(_Problem(_("CFItems doit être une liste."), "CFItems"))
        items = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(
                _Problem(_("CFItems n° %(index)s doit être un objet.", index=index + 1), "CFItems")
            )
            continue
        where = _("Élément %(item)s", item=_item_label(item, index))
        _check_fields(
            item,
            where,
            ("identifier", "fullStatement", "uri", "lastChangeDateTime"),
            strict,
            problems,
        )
        for name in ("humanCodingScheme", "CFItemType", "listEnumeration", "notes", "language"):
            _check_optional_string(item, name, where, problems)

    associations = package.get("CFAssociations", [])
    if not isinstance(associations, list):
        problems.append(_Problem(_("CFAssociations doit être une liste."), "CFAssociations"))
        associations = []
    for index, association in enumerate(associations):
        if not isinstance(association, Mapping):
            problems.append(
                _Problem(
                    _("CFAssociations n° %(index)s doit être un objet.", index=index + 1),
                    "CFAssociations",
                )
            )
            continue
        where = _("Association %(item)s", item=_association_label(association, index))
        _check_fields(
            association,
            where,
            ("identifier", "associationType", "uri", "lastChangeDateTime"),
            strict,
            problems,
        )
        kind = association.get("associationType")
        if strict and isinstance(kind, str) and kind and kind not in ASSOCIATION_TYPES:
            problems.append(
                _Problem(
                    _(
                        "%(where)s : type d'association inconnu « %(value)s ».",
                        where=where,
                        value=kind,
                    ),
                    "associationType",
                )
            )
        for end in ("originNodeURI", "destinationNodeURI"):
            node = association.get(end)
            if not isinstance(node, Mapping):
                problems.append(
                    _Problem(
                        _(
                            "%(where)s : un objet {title, identifier, uri} est attendu.",
                            where=where,
                        ),
                        end,
                    )
                )
                continue
            for name in ("title", "identifier", "uri"):
                _check_required_string(node, name, where, problems, field=f"{end}.{name}")
        sequence = association.get("sequenceNumber")
        if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool)):
            problems.append(
                _Problem(
                    _("%(where)s : un nombre entier est attendu.", where=where), "sequenceNumber"
                )
            )
    return problems


def _check_fields(
    obj: Mapping[str, Any],
    where: str,
    required: tuple[str, ...],
    strict: bool,
    problems: list[_Problem],
) -> None:
    for name in required:
        if not _check_required_string(obj, name, where, problems) or not strict:
            continue
        value = obj[name]
        if name == "identifier" and not _UUID_RE.match(value):
            problems.append(
                _Problem(
                    _("%(where)s : l'identifiant doit être un UUID en minuscules.", where=where),
                    name,
                )
            )
        if name == "lastChangeDateTime" and not _is_datetime(value):
            problems.append(
                _Problem(_("%(where)s : date et heure ISO 8601 attendues.", where=where), name)
            )


def _check_required_string(
    obj: Mapping[str, Any],
    name: str,
    where: str,
    problems: list[_Problem],
    *,
    field: str | None = None,
) -> bool:
    """Record a problem unless ``obj[name]`` is a non-empty string; return whether it is."""
    value = obj.get(name)
    if value is None or value == "":
        problems.append(
            _Problem(
                _("%(where)s : champ obligatoire manquant ou vide.", where=where), field or name
            )
        )
        return False
    if not isinstance(value, str):
        problems.append(
            _Problem(
                _("%(where)s : une chaîne de caractères est attendue.", where=where), field or name
            )
        )
        return False
    return True


def _check_optional_string(
    obj: Mapping[str, Any], name: str, where: str, problems: list[_Problem]
) -> None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        problems.append(
            _Problem(_("%(where)s : une chaîne de caractères est attendue.", where=where), name)
        )


def _check_references(package: Mapping[str, Any]) -> list[_Problem]:
    """Unique identifiers, ``isChildOf`` ends that exist (run on a well-typed package)."""
    problems: list[_Problem] = []
    document = package["CFDocument"]
    items = package.get("CFItems", [])
    associations = package.get("CFAssociations", [])
    seen: set[str] = set()
    for obj in [document, *items, *associations]:
        identifier = obj["identifier"]
        if identifier in seen:
            problems.append(
                _Problem(_("Identifiant en double : %(value)s.", value=identifier), "identifier")
            )
        seen.add(identifier)
    nodes = {document["identifier"]} | {item["identifier"] for item in items}
    children: set[str] = set()
    for index, association in enumerate(associations):
        if association["associationType"] != "isChildOf":
            continue
        where = _("Association %(item)s", item=_association_label(association, index))
        for end in ("originNodeURI", "destinationNodeURI"):
            if association[end]["identifier"] not in nodes:
                problems.append(
                    _Problem(
                        _("%(where)s : nœud inconnu dans le paquet.", where=where),
                        f"{end}.identifier",
                    )
                )
        children.add(association["originNodeURI"]["identifier"])
    for index, item in enumerate(items):
        if item["identifier"] not in children:
            problems.append(
                _Problem(
                    _(
                        "Élément %(item)s : aucun parent (association isChildOf).",
                        item=_item_label(item, index),
                    ),
                    "CFAssociations",
                )
            )
    return problems


def _is_datetime(value: str) -> bool:
    if "T" not in value:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _item_label(item: Mapping[str, Any], index: int) -> str:
    for name in ("humanCodingScheme", "identifier"):
        value = item.get(name)
        if isinstance(value, str) and value:
            return f"« {value} »"
    return f"n° {index + 1}"


def _association_label(association: Mapping[str, Any], index: int) -> str:
    value = association.get("identifier")
    if isinstance(value, str) and value:
        return f"« {value} »"
    return f"n° {index + 1}"


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def from_case(data: bytes | str | Mapping[str, Any]) -> CertificationRecord:
    """Rebuild a certification from a CASE 1.0 package (JSON bytes, text or parsed).

    Raises :class:`ImportFileError` naming the item (code or identifier) and the field for
    invalid JSON, a package that is not an object, missing required fields, wrong JSON
    types, duplicate identifiers or codes, an association to an unknown node, an item with
    no parent or several, a cycle, an item under the wrong kind of parent (a competence not
    under a block, ...), a malformed requirement, a bad ``statusEndDate`` or no block at all.
    See the module docstring for the mapping and the tolerance rules.
    """
    package = _load(data)
    problems = _check_package(package, strict=False)
    if problems:
        raise problems[0].error()
    return _Reader(package).read()


def _load(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _(
                    "Le fichier n'est pas encodé en UTF-8 (octet invalide en position %(pos)s).",
                    pos=exc.start,
                )
            ) from None
    if isinstance(data, str):
        try:
            data = json.loads(data.removeprefix("\ufeff"))
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                _(
                    "JSON invalide : paquet CASE illisible (colonne %(col)s).",
                    col=exc.colno,
                ),
                line=exc.lineno,
            ) from None
        except RecursionError:
            raise ImportFileError(_("JSON invalide : imbrication trop profonde.")) from None
    if not isinstance(data, Mapping):
        raise ImportFileError(_("Le paquet CASE doit être un objet JSON."))
    if "CFPackage" in data:
        data = data["CFPackage"]
        if not isinstance(data, Mapping):
            raise ImportFileError(_("CFPackage doit être un objet JSON."), field="CFPackage")
    return data


class _Reader:
    """Rebuilds the record from a package whose fields have the right types."""

    def __init__(self, package: Mapping[str, Any]) -> None:
        self.document: Mapping[str, Any] = package["CFDocument"]
        self.doc_id: str = self.document["identifier"]
        self.items: list[Mapping[str, Any]] = list(package.get("CFItems") or [])
        self.associations: list[Mapping[str, Any]] = list(package.get("CFAssociations") or [])
        self.by_id: dict[str, Mapping[str, Any]] = {}
        self.parent: dict[str, str] = {}
        self.children: dict[str, list[tuple[tuple[float, int], str]]] = defaultdict(list)
        self.kind: dict[str, str] = {self.doc_id: _DOC}
        self.block_codes: dict[str, str] = {}  # item identifier -> block code

    # -- helpers ---------------------------------------------------------------------

    def label(self, identifier: str) -> str:
        item = self.by_id.get(identifier)
        if item is None:
            return f"« {identifier} »"
        return _item_label(item, 0)

    def ordered_children(self, identifier: str) -> list[str]:
        return [child for _key, child in sorted(self.children.get(identifier, []))]

    # -- steps -----------------------------------------------------------------------

    def read(self) -> CertificationRecord:
        self.index_items()
        self.link_tree()
        self.classify()
        code = self.document_code()
        blocks = self.read_blocks(code)
        return CertificationRecord(
            code=code,
            title=self.document["title"],
            level=self.meta_string("level"),
            certifiers=self.certifiers(),
            active=str(self.document.get("adoptionStatus") or "").casefold()
            != DEPRECATED.casefold(),
            registration_end=self.registration_end(),
            blocks=blocks,
            tracks=self.read_tracks(),
            requirements=self.read_requirements(),
            jury_composition=self.meta_string("jury_composition") or "",
            status=self.meta_string("status") or "",
        )

    def index_items(self) -> None:
        seen_associations: set[str] = set()
        for item in self.items:
            identifier = item["identifier"]
            if identifier in self.by_id or identifier == self.doc_id:
                raise ImportFileError(
                    _("Identifiant en double : %(value)s.", value=identifier), field="identifier"
                )
            self.by_id[identifier] = item
        for association in self.associations:
            identifier = association["identifier"]
            if identifier in seen_associations or identifier in self.by_id:
                raise ImportFileError(
                    _("Identifiant d'association en double : %(value)s.", value=identifier),
                    field="identifier",
                )
            seen_associations.add(identifier)

    def link_tree(self) -> None:
        for index, association in enumerate(self.associations):
            if association["associationType"] != "isChildOf":
                continue
            origin = association["originNodeURI"]["identifier"]
            destination = association["destinationNodeURI"]["identifier"]
            where = _association_label(association, index)
            if origin not in self.by_id:
                raise ImportFileError(
                    _(
                        "Association %(item)s : l'enfant %(node)s n'est pas un élément du paquet.",
                        item=where,
                        node=f"« {origin} »",
                    ),
                    field="originNodeURI",
                )
            if destination != self.doc_id and destination not in self.by_id:
                raise ImportFileError(
                    _(
                        "Association %(item)s : le parent %(node)s n'existe pas dans le paquet.",
                        item=where,
                        node=f"« {destination} »",
                    ),
                    field="destinationNodeURI",
                )
            if origin == destination:
                raise ImportFileError(
                    _("Élément %(item)s : il est son propre parent.", item=self.label(origin)),
                    field="destinationNodeURI",
                )
            known = self.parent.get(origin)
            if known == destination:
                continue  # the same link twice says nothing new
            if known is not None:
                raise ImportFileError(
                    _(
                        "Élément %(item)s : plusieurs parents (un seul isChildOf est accepté).",
                        item=self.label(origin),
                    ),
                    field="CFAssociations",
                )
            self.parent[origin] = destination
            self.children[destination].append((self.order_key(association, index), origin))
        for identifier in self.by_id:
            if identifier not in self.parent:
                raise ImportFileError(
                    _(
                        "Élément %(item)s : aucun parent (association isChildOf manquante).",
                        item=self.label(identifier),
                    ),
                    field="CFAssociations",
                )

    def order_key(self, association: Mapping[str, Any], index: int) -> tuple[float, int]:
        sequence = association.get("sequenceNumber")
        if isinstance(sequence, int):
            return (float(sequence), index)
        origin = self.by_id[association["originNodeURI"]["identifier"]]
        enumeration = origin.get("listEnumeration")
        if isinstance(enumeration, str) and enumeration.strip().isdigit():
            return (float(enumeration.strip()), index)
        return (math.inf, index)

    def classify(self) -> None:
        """Give each item its kind, walking down from the document (no recursion)."""
        stack = [self.doc_id]
        while stack:
            node = stack.pop()
            for child in self.ordered_children(node):
                self.kind[child] = self.kind_of(child, self.kind[node])
                stack.append(child)
        for identifier in self.by_id:
            if identifier not in self.kind:
                raise ImportFileError(
                    _(
                        "Élément %(item)s : cycle dans l'arborescence, il n'est pas rattaché "
                        "au document.",
                        item=self.label(identifier),
                    ),
                    field="CFAssociations",
                )

    def kind_of(self, identifier: str, parent_kind: str) -> str:
        item = self.by_id[identifier]
        declared = item.get("CFItemType")
        kind = _KNOWN_TYPES.get(declared.strip().casefold()) if isinstance(declared, str) else None
        if kind is None:  # foreign or missing type: infer from depth
            if parent_kind in (_TRACK, _REQ):
                raise ImportFileError(
                    _(
                        "Élément %(item)s : un parcours ou une condition de délivrance ne peut "
                        "pas contenir d'élément.",
                        item=self.label(identifier),
                    ),
                    field="CFAssociations",
                )
            return {_DOC: _BLOCK, _BLOCK: _COMP}.get(parent_kind, _SUB)
        if parent_kind not in _ALLOWED_PARENTS[kind]:
            messages = {
                _BLOCK: _("Le bloc %(item)s doit être rattaché directement au document."),
                _COMP: _("La compétence %(item)s n'est pas rattachée à un bloc de compétences."),
                _SUB: _("La sous-compétence %(item)s n'est pas rattachée à une compétence."),
                _TRACK: _("Le parcours %(item)s doit être rattaché directement au document."),
                _REQ: _(
                    "La condition de délivrance %(item)s doit être rattachée directement "
                    "au document."
                ),
            }
            raise ImportFileError(
                messages[kind] % {"item": self.label(identifier)}, field="CFItemType"
            )
        return kind

    def document_code(self) -> str:
        code = self.document.get("humanCodingScheme")
        if isinstance(code, str) and code.strip():
            return code.strip()
        return "CASE" + self.doc_id.replace("-", "")[:8].upper()

    def read_blocks(self, doc_code: str) -> list[BlockRecord]:
        blocks: list[BlockRecord] = []
        codes: set[str] = set()
        for block_id in self.ordered_children(self.doc_id):
            if self.kind[block_id] != _BLOCK:
                continue
            item = self.by_id[block_id]
            block = BlockRecord(
                code=_code(item) or f"{doc_code}BC{len(blocks) + 1:02d}",
                title=item["fullStatement"],
                assessment_methods=item.get("notes") or "",
            )
            for competence_id in self.ordered_children(block_id):
                competence = self.by_id[competence_id]
                block.competences.append(
                    CompetenceRecord(
                        statement=competence["fullStatement"],
                        sub_skills=self.sub_skills(competence_id),
                        code=_code(competence),
                    )
                )
            mint_competence_codes(block)
            self.block_codes[block_id] = block.code
            for code in [block.code, *(c.code for c in block.competences if c.code)]:
                if code in codes:
                    raise ImportFileError(
                        _("Code en double : « %(code)s ».", code=code), field="humanCodingScheme"
                    )
                codes.add(code)
            blocks.append(block)
        if not blocks:
            raise ImportFileError(
                _("Le paquet CASE ne contient aucun bloc de compétences."), field="CFItems"
            )
        return blocks

    def sub_skills(self, competence_id: str) -> list[str]:
        """Every descendant of a competence, in tree order (deeper levels are flattened)."""
        found: list[str] = []
        stack = list(reversed(self.ordered_children(competence_id)))
        while stack:
            node = stack.pop()
            found.append(self.by_id[node]["fullStatement"])
            stack.extend(reversed(self.ordered_children(node)))
        return found

    def read_tracks(self) -> list[TrackRecord]:
        block_code_of = self.block_codes
        members: dict[str, list[tuple[tuple[float, int], str]]] = defaultdict(list)
        for index, association in enumerate(self.associations):
            if association["associationType"] != "isPartOf":
                continue
            destination = association["destinationNodeURI"]["identifier"]
            if self.kind.get(destination) != _TRACK:
                continue  # only "block isPartOf track" means something to us
            origin = association["originNodeURI"]["identifier"]
            if origin not in block_code_of:
                raise ImportFileError(
                    _(
                        "Association %(item)s : seul un bloc de compétences peut faire partie "
                        "d'un parcours (%(node)s n'en est pas un).",
                        item=_association_label(association, index),
                        node=self.label(origin),
                    ),
                    field="originNodeURI",
                )
            sequence = association.get("sequenceNumber")
            key = (float(sequence) if isinstance(sequence, int) else math.inf, index)
            members[destination].append((key, block_code_of[origin]))
        tracks: list[TrackRecord] = []
        for track_id in self.ordered_children(self.doc_id):
            if self.kind[track_id] != _TRACK:
                continue
            item = self.by_id[track_id]
            codes = list(dict.fromkeys(code for _key, code in sorted(members[track_id])))
            tracks.append(
                TrackRecord(
                    name=item["fullStatement"],
                    block_codes=codes,
                    description=item.get("notes") or "",
                )
            )
        return tracks

    def read_requirements(self) -> list[RequirementRecord]:
        requirements: list[RequirementRecord] = []
        for identifier in self.ordered_children(self.doc_id):
            if self.kind[identifier] != _REQ:
                continue
            item = self.by_id[identifier]
            where = self.label(identifier)
            try:
                notes = json.loads(item.get("notes") or "")
            except json.JSONDecodeError:
                notes = None
            if not isinstance(notes, dict):
                raise ImportFileError(
                    _(
                        "Condition de délivrance %(item)s : le champ notes doit contenir le JSON "
                        '{"kind": ..., "params": {...}}.',
                        item=where,
                    ),
                    field="notes",
                )
            try:
                kind = RequirementKind(notes.get("kind"))
            except ValueError:
                raise ImportFileError(
                    _(
                        "Condition de délivrance %(item)s : type « %(kind)s » inconnu (attendu : "
                        "%(known)s).",
                        item=where,
                        kind=notes.get("kind"),
                        known=", ".join(k.value for k in RequirementKind),
                    ),
                    field="notes",
                ) from None
            params = notes.get("params", {})
            if not isinstance(params, dict):
                raise ImportFileError(
                    _(
                        "Condition de délivrance %(item)s : « params » doit être un objet.",
                        item=where,
                    ),
                    field="notes",
                )
            requirements.append(
                RequirementRecord(
                    kind=kind,
                    label=item["fullStatement"],
                    params=params,
                    rule=str(notes.get("rule") or ""),
                )
            )
        return requirements

    def meta(self) -> dict[str, Any]:
        """Our JSON object in the document ``notes``; foreign free text gives ``{}``."""
        try:
            value = json.loads(self.document.get("notes") or "")
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    def meta_string(self, name: str) -> str | None:
        value = self.meta().get(name)
        if value is not None and not isinstance(value, str):
            raise ImportFileError(
                _(
                    "Document : « %(name)s » doit être une chaîne de caractères dans notes.",
                    name=name,
                ),
                field="notes",
            )
        return value

    def certifiers(self) -> list[str]:
        meta = self.meta()
        if "certifiers" in meta:
            value = meta["certifiers"]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ImportFileError(
                    _("Document : « certifiers » doit être une liste de textes dans notes."),
                    field="notes",
                )
            return list(value)
        return [name.strip() for name in self.document["creator"].split(";") if name.strip()]

    def registration_end(self) -> date | None:
        value = self.document.get("statusEndDate")
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise ImportFileError(
                _(
                    "Document : date de fin « %(value)s » invalide (AAAA-MM-JJ attendu).",
                    value=value,
                ),
                field="statusEndDate",
            ) from None


def _code(item: Mapping[str, Any]) -> str | None:
    value = item.get("humanCodingScheme")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
