"""CASE 1.0 export and import of a referential (tracker.referentials.case)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from tracker.errors import ImportFileError
from tracker.referentials.case import (
    TYPE_BLOCK,
    TYPE_COMPETENCE,
    TYPE_REQUIREMENT,
    TYPE_SUB_SKILL,
    TYPE_TRACK,
    dumps_case,
    from_case,
    to_case,
    validate_case,
)
from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
)

from .builders import CODE, make_certification

BASE = "https://livret.example.fr/ims/case/v1p0"
STAMP = datetime(2025, 3, 14, 9, 30, 15, tzinfo=UTC)


def export(cert: CertificationRecord | None = None, version: int = 1) -> dict[str, Any]:
    return to_case(cert or make_certification(), version=version, base_uri=BASE, last_change=STAMP)


def items_by_code(package: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["humanCodingScheme"]: item for item in package["CFItems"]}


def parent_of(package: dict[str, Any]) -> dict[str, str]:
    """identifier of child -> identifier of parent, from isChildOf associations."""
    return {
        a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def test_export_is_valid_case() -> None:
    assert validate_case(export()) == []


def test_export_is_deterministic_byte_for_byte() -> None:
    first = dumps_case(export())
    second = dumps_case(export())
    assert first == second
    assert "Mécanique" in first  # UTF-8 text, not \u escapes
    assert json.loads(first) == export()


def test_a_new_version_gets_new_identifiers() -> None:
    one, two = export(version=1), export(version=2)
    assert one["CFDocument"]["identifier"] != two["CFDocument"]["identifier"]
    assert {i["identifier"] for i in one["CFItems"]}.isdisjoint(
        {i["identifier"] for i in two["CFItems"]}
    )
    assert two["CFDocument"]["version"] == "2"


def test_identifiers_are_lowercase_uuid5_and_unique() -> None:
    package = export()
    identifiers = [
        package["CFDocument"]["identifier"],
        *(item["identifier"] for item in package["CFItems"]),
        *(assoc["identifier"] for assoc in package["CFAssociations"]),
    ]
    assert len(identifiers) == len(set(identifiers))
    for identifier in identifiers:
        assert identifier == identifier.lower()
        assert uuid.UUID(identifier).version == 5
        assert str(uuid.UUID(identifier)) == identifier


def test_document_fields_and_metadata() -> None:
    document = export()["CFDocument"]
    assert document["humanCodingScheme"] == CODE
    assert (
        document["creator"] == "École nationale supérieure d'arts et métiers (ENSAM); Cnam; Paris"
    )
    assert document["language"] == "fr"
    assert document["version"] == "1"
    assert document["adoptionStatus"] == "Adopted"
    assert document["statusEndDate"] == "2029-08-31"
    assert document["lastChangeDateTime"] == "2025-03-14T09:30:15Z"
    assert document["uri"] == f"{BASE}/CFDocuments/{document['identifier']}"
    assert document["officialSourceURL"] == "https://www.francecompetences.fr/recherche/rncp/39303/"
    meta = json.loads(document["notes"])
    assert meta["level"] == "NIV7"
    assert meta["status"] == "Publiée"
    assert meta["jury_composition"].startswith("Le jury comprend au moins 4 membres")


def test_last_change_is_written_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    package = to_case(
        make_certification(),
        version=1,
        base_uri=BASE + "/",
        last_change=datetime(2025, 6, 1, 10, 0, 0, 123456, tzinfo=paris),
    )
    assert package["CFDocument"]["lastChangeDateTime"] == "2025-06-01T08:00:00Z"
    assert all(i["lastChangeDateTime"] == "2025-06-01T08:00:00Z" for i in package["CFItems"])
    assert not package["CFDocument"]["uri"].startswith(BASE + "//")
    naive = to_case(
        make_certification(), version=1, base_uri=BASE, last_change=datetime(2025, 6, 1, 10)
    )
    assert naive["CFDocument"]["lastChangeDateTime"] == "2025-06-01T10:00:00Z"


def test_inactive_certification_is_deprecated() -> None:
    cert = replace(make_certification(), active=False, registration_end=None)
    document = export(cert)["CFDocument"]
    assert document["adoptionStatus"] == "Deprecated"
    assert "statusEndDate" not in document


def test_items_carry_our_codes_types_and_texts() -> None:
    cert = make_certification()
    items = items_by_code(export(cert))
    block = items[f"{CODE}BC01"]
    assert block["CFItemType"] == TYPE_BLOCK
    assert block["fullStatement"] == cert.blocks[0].title
    assert block["notes"] == cert.blocks[0].assessment_methods
    assert "notes" not in items[f"{CODE}BC03"]  # no assessment methods
    competence = items[f"{CODE}BC01.C01"]
    assert competence["CFItemType"] == TYPE_COMPETENCE
    assert competence["fullStatement"] == cert.blocks[0].competences[0].statement
    assert competence["listEnumeration"] == "1"
    sub_skill = items[f"{CODE}BC02.C01.S02"]
    assert sub_skill["CFItemType"] == TYPE_SUB_SKILL
    assert sub_skill["fullStatement"] == "Chiffrer les temps et les coûts de fabrication"
    assert items[f"{CODE}.P1"]["CFItemType"] == TYPE_TRACK
    assert items[f"{CODE}.P1"]["fullStatement"] == "Campus d'Angers"
    requirement = items[f"{CODE}.R2"]
    assert requirement["CFItemType"] == TYPE_REQUIREMENT
    assert requirement["fullStatement"] == "Mobilité internationale de 12 semaines"
    assert json.loads(requirement["notes"]) == {
        "kind": "mobility",
        "params": {"min_weeks": 12},
        "rule": "",
    }
    for item in items.values():
        assert item["uri"] == f"{BASE}/CFItems/{item['identifier']}"


def test_tree_is_ischildof_from_child_to_parent() -> None:
    package = export()
    items = items_by_code(package)
    parents = parent_of(package)
    doc_id = package["CFDocument"]["identifier"]
    ident = {code: item["identifier"] for code, item in items.items()}
    assert parents[ident[f"{CODE}BC01"]] == doc_id
    assert parents[ident[f"{CODE}BC02.C03"]] == ident[f"{CODE}BC02"]
    assert parents[ident[f"{CODE}BC02.C01.S01"]] == ident[f"{CODE}BC02.C01"]
    assert parents[ident[f"{CODE}.P2"]] == doc_id
    assert parents[ident[f"{CODE}.R1"]] == doc_id
    assert set(parents) == {item["identifier"] for item in package["CFItems"]}
    for association in package["CFAssociations"]:
        for end in ("originNodeURI", "destinationNodeURI"):
            assert set(association[end]) == {"title", "identifier", "uri"}
        assert isinstance(association["sequenceNumber"], int)


def test_competence_order_is_the_sequence_number() -> None:
    package = export()
    items = items_by_code(package)
    block_id = items[f"{CODE}BC01"]["identifier"]
    children = sorted(
        (a["sequenceNumber"], a["originNodeURI"]["identifier"])
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf" and a["destinationNodeURI"]["identifier"] == block_id
    )
    codes = {item["identifier"]: code for code, item in items.items()}
    assert [codes[i] for _seq, i in children] == [f"{CODE}BC01.C0{n}" for n in range(1, 5)]


def test_tracks_are_ispartof_from_block_to_track() -> None:
    package = export()
    items = items_by_code(package)
    codes = {item["identifier"]: code for code, item in items.items()}
    part_of = sorted(
        (
            codes[a["destinationNodeURI"]["identifier"]],
            a["sequenceNumber"],
            codes[a["originNodeURI"]["identifier"]],
        )
        for a in package["CFAssociations"]
        if a["associationType"] == "isPartOf"
    )
    assert part_of == [
        (f"{CODE}.P1", 1, f"{CODE}BC01"),
        (f"{CODE}.P1", 2, f"{CODE}BC02"),
        (f"{CODE}.P1", 3, f"{CODE}BC03"),
        (f"{CODE}.P2", 1, f"{CODE}BC03"),
        (f"{CODE}.P2", 2, f"{CODE}BC01"),
    ]


def test_missing_competence_codes_are_minted_without_changing_the_record() -> None:
    cert = make_certification()
    cert.blocks[0].competences[1].code = None
    items = items_by_code(export(cert))
    assert f"{CODE}BC01.C02" in items
    assert cert.blocks[0].competences[1].code is None


def test_track_naming_an_unknown_block_is_a_programming_error() -> None:
    cert = make_certification()
    cert.tracks[0].block_codes.append("RNCP1BC09")
    with pytest.raises(ValueError, match="RNCP1BC09"):
        export(cert)


# --------------------------------------------------------------------------------------
# Round trip and import
# --------------------------------------------------------------------------------------


def test_round_trip_gives_back_an_equal_record() -> None:
    cert = make_certification()
    assert from_case(export(cert)) == cert


@pytest.mark.parametrize(
    "encode",
    [lambda s: s, lambda s: s.encode("utf-8"), lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")],
    ids=["text", "bytes", "bytes-with-bom"],
)
def test_round_trip_through_json_text(encode: Callable[[str], str | bytes]) -> None:
    cert = make_certification()
    assert from_case(encode(dumps_case(export(cert)))) == cert


def test_cfpackage_wrapper_is_accepted() -> None:
    cert = make_certification()
    wrapped = {"CFPackage": export(cert)}
    assert from_case(wrapped) == cert
    assert from_case(json.dumps(wrapped)) == cert
    assert validate_case(wrapped) == []


def test_round_trip_of_a_minimal_record() -> None:
    cert = CertificationRecord(
        code="RNCP21806",
        title="CQPM Concepteur modélisateur numérique",
        blocks=[
            BlockRecord(
                code="RNCP21806BC01",
                title="Bloc 1",
                competences=[CompetenceRecord("C1", code="RNCP21806BC01.C01")],
            )
        ],
    )
    package = export(cert)
    assert package["CFDocument"]["creator"] == "Livret"
    assert validate_case(package) == []
    assert from_case(package) == cert


def test_raw_competences_text_is_not_exported() -> None:
    cert = make_certification()
    cert.blocks[0].raw_competences = "* Concevoir  * Modéliser"
    back = from_case(export(cert))
    assert back.blocks[0].raw_competences == ""
    assert back.blocks[0].competences == cert.blocks[0].competences


def test_order_follows_sequence_number_not_file_order() -> None:
    cert = make_certification()
    package = export(cert)
    package["CFItems"].reverse()
    package["CFAssociations"].reverse()
    assert from_case(package) == cert


def test_foreign_package_without_codes_or_types() -> None:
    """A framework from another CASE server: codes minted, kinds inferred from depth."""
    doc_id = str(uuid.uuid4())
    doc = {
        "identifier": doc_id,
        "uri": f"https://case.example.org/doc/{doc_id}",
        "creator": "Académie A; Académie B",
        "title": "Référentiel importé",
        "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
        "notes": "Texte libre, pas du JSON",
        "adoptionStatus": "Adopted",
    }
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def add(
        statement: str, parent: str, sequence: int | None = None, enumeration: str | None = None
    ) -> str:
        identifier = str(uuid.uuid4())
        item = {
            "identifier": identifier,
            "uri": f"https://case.example.org/i/{identifier}",
            "fullStatement": statement,
            "lastChangeDateTime": "2024-01-01T00:00:00Z",
            "CFItemType": "Competency",
        }
        if enumeration:
            item["listEnumeration"] = enumeration
        items.append(item)
        association = {
            "identifier": str(uuid.uuid4()),
            "associationType": "isChildOf",
            "uri": "https://case.example.org/a",
            "lastChangeDateTime": "2024-01-01",
            "originNodeURI": {"title": statement, "identifier": identifier, "uri": "u"},
            "destinationNodeURI": {"title": "p", "identifier": parent, "uri": "u"},
        }
        if sequence is not None:
            association["sequenceNumber"] = sequence
        associations.append(association)
        return identifier

    block_b = add("Domaine B", doc_id, sequence=2)
    block_a = add("Domaine A", doc_id, sequence=1)
    add("Compétence A2", block_a, enumeration="2")
    competence = add("Compétence A1", block_a, enumeration="1")
    sub = add("Sous-compétence 1", competence)
    add("Sous-sous-compétence 1.1", sub)
    add("Sous-compétence 2", competence)
    add("Compétence B1", block_b)
    associations.append(  # a link to another framework is ignored
        {
            "identifier": str(uuid.uuid4()),
            "associationType": "exactMatchOf",
            "uri": "u",
            "lastChangeDateTime": "2024-01-01T00:00:00Z",
            "originNodeURI": {"title": "x", "identifier": competence, "uri": "u"},
            "destinationNodeURI": {"title": "y", "identifier": str(uuid.uuid4()), "uri": "u"},
        }
    )

    record = from_case({"CFDocument": doc, "CFItems": items, "CFAssociations": associations})
    code = "CASE" + doc_id.replace("-", "")[:8].upper()
    assert record.code == code
    assert record.certifiers == ["Académie A", "Académie B"]
    assert record.level is None
    assert record.active is True
    assert [b.code for b in record.blocks] == [f"{code}BC01", f"{code}BC02"]
    assert [b.title for b in record.blocks] == ["Domaine A", "Domaine B"]
    first = record.blocks[0]
    assert [c.statement for c in first.competences] == ["Compétence A1", "Compétence A2"]
    assert [c.code for c in first.competences] == [f"{code}BC01.C01", f"{code}BC01.C02"]
    assert first.competences[0].sub_skills == [
        "Sous-compétence 1",
        "Sous-sous-compétence 1.1",
        "Sous-compétence 2",
    ]
    assert record.tracks == []
    assert record.requirements == []


def test_document_metadata_round_trip_from_standard_fields() -> None:
    package = export(replace(make_certification(), active=False))
    record = from_case(package)
    assert record.active is False
    assert record.registration_end == date(2029, 8, 31)
    assert record.level == "NIV7"


# --------------------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------------------


def _item(package: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in package["CFItems"] if i.get("humanCodingScheme") == code)


def _child_link(package: dict[str, Any], code: str) -> dict[str, Any]:
    identifier = _item(package, code)["identifier"]
    return next(
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf" and a["originNodeURI"]["identifier"] == identifier
    )


def _drop_field(obj: dict[str, Any], name: str) -> None:
    del obj[name]


def _set(obj: dict[str, Any], name: str, value: Any) -> None:
    obj[name] = value


def _duplicate_identifier(p: dict[str, Any]) -> None:
    _item(p, f"{CODE}BC02")["identifier"] = _item(p, f"{CODE}BC01")["identifier"]


def _unknown_parent(p: dict[str, Any]) -> None:
    _child_link(p, f"{CODE}BC01.C02")["destinationNodeURI"]["identifier"] = str(uuid.uuid4())


def _unknown_child(p: dict[str, Any]) -> None:
    _child_link(p, f"{CODE}BC01.C02")["originNodeURI"]["identifier"] = str(uuid.uuid4())


def _orphan(p: dict[str, Any]) -> None:
    p["CFAssociations"].remove(_child_link(p, f"{CODE}BC01.C03"))


def _competence_under_document(p: dict[str, Any]) -> None:
    link = _child_link(p, f"{CODE}BC01.C01")
    link["destinationNodeURI"] = dict(_child_link(p, f"{CODE}BC01")["destinationNodeURI"])


def _block_under_block(p: dict[str, Any]) -> None:
    link = _child_link(p, f"{CODE}BC02")
    link["destinationNodeURI"]["identifier"] = _item(p, f"{CODE}BC01")["identifier"]


def _two_parents(p: dict[str, Any]) -> None:
    link = copy.deepcopy(_child_link(p, f"{CODE}BC01.C01"))
    link["identifier"] = str(uuid.uuid4())
    link["destinationNodeURI"]["identifier"] = _item(p, f"{CODE}BC02")["identifier"]
    p["CFAssociations"].append(link)


def _cycle(p: dict[str, Any]) -> None:
    _child_link(p, f"{CODE}BC02.C01.S01")["destinationNodeURI"]["identifier"] = _item(
        p, f"{CODE}BC02.C01.S02"
    )["identifier"]
    _child_link(p, f"{CODE}BC02.C01.S02")["destinationNodeURI"]["identifier"] = _item(
        p, f"{CODE}BC02.C01.S01"
    )["identifier"]


def _duplicate_code(p: dict[str, Any]) -> None:
    _item(p, f"{CODE}BC01.C02")["humanCodingScheme"] = f"{CODE}BC01.C01"


def _no_blocks(p: dict[str, Any]) -> None:
    p["CFItems"] = [i for i in p["CFItems"] if i["CFItemType"] == TYPE_REQUIREMENT]
    keep = {i["identifier"] for i in p["CFItems"]}
    p["CFAssociations"] = [
        a for a in p["CFAssociations"] if a["originNodeURI"]["identifier"] in keep
    ]


def _bad_requirement_kind(p: dict[str, Any]) -> None:
    _item(p, f"{CODE}.R1")["notes"] = json.dumps({"kind": "sport", "params": {}})


def _requirement_without_json(p: dict[str, Any]) -> None:
    _item(p, f"{CODE}.R1")["notes"] = "Anglais B2"


def _track_holding_a_competence(p: dict[str, Any]) -> None:
    link = next(a for a in p["CFAssociations"] if a["associationType"] == "isPartOf")
    link["originNodeURI"]["identifier"] = _item(p, f"{CODE}BC01.C01")["identifier"]


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str, str | None]] = [
    ("no document", lambda p: _drop_field(p, "CFDocument"), "CFDocument", "CFDocument"),
    ("document not an object", lambda p: _set(p, "CFDocument", []), "CFDocument", "CFDocument"),
    (
        "document without title",
        lambda p: _drop_field(p["CFDocument"], "title"),
        "obligatoire",
        "title",
    ),
    (
        "document without creator",
        lambda p: _set(p["CFDocument"], "creator", ""),
        "obligatoire",
        "creator",
    ),
    ("items not a list", lambda p: _set(p, "CFItems", {}), "CFItems", "CFItems"),
    ("item not an object", lambda p: p["CFItems"].append("BC01"), "doit être un objet", "CFItems"),
    (
        "item without fullStatement",
        lambda p: _drop_field(_item(p, f"{CODE}BC01.C02"), "fullStatement"),
        f"{CODE}BC01.C02",
        "fullStatement",
    ),
    (
        "item without uri",
        lambda p: _drop_field(_item(p, f"{CODE}BC01"), "uri"),
        f"{CODE}BC01",
        "uri",
    ),
    (
        "identifier is a number",
        lambda p: _set(_item(p, f"{CODE}BC01"), "identifier", 12),
        "chaîne de caractères",
        "identifier",
    ),
    (
        "statement is a list",
        lambda p: _set(_item(p, f"{CODE}BC01"), "fullStatement", ["a"]),
        "chaîne de caractères",
        "fullStatement",
    ),
    (
        "type is a number",
        lambda p: _set(_item(p, f"{CODE}BC01"), "CFItemType", 1),
        "chaîne de caractères",
        "CFItemType",
    ),
    (
        "association without type",
        lambda p: _drop_field(p["CFAssociations"][0], "associationType"),
        "obligatoire",
        "associationType",
    ),
    (
        "association end not an object",
        lambda p: _set(p["CFAssociations"][0], "originNodeURI", "x"),
        "title, identifier, uri",
        "originNodeURI",
    ),
    (
        "association end without uri",
        lambda p: _drop_field(p["CFAssociations"][0]["destinationNodeURI"], "uri"),
        "obligatoire",
        "destinationNodeURI.uri",
    ),
    (
        "sequence number as text",
        lambda p: _set(p["CFAssociations"][0], "sequenceNumber", "1"),
        "entier",
        "sequenceNumber",
    ),
    ("duplicate identifier", _duplicate_identifier, "double", "identifier"),
    ("unknown parent", _unknown_parent, "n'existe pas", "destinationNodeURI"),
    ("unknown child", _unknown_child, "n'est pas un élément", "originNodeURI"),
    ("item without parent", _orphan, f"{CODE}BC01.C03", "CFAssociations"),
    (
        "competence under the document",
        _competence_under_document,
        f"compétence « {CODE}BC01.C01 » n'est pas rattachée à un bloc",
        "CFItemType",
    ),
    ("block under a block", _block_under_block, f"« {CODE}BC02 »", "CFItemType"),
    ("two parents", _two_parents, "plusieurs parents", "CFAssociations"),
    ("cycle", _cycle, "cycle", "CFAssociations"),
    ("duplicate code", _duplicate_code, f"{CODE}BC01.C01", "humanCodingScheme"),
    ("no blocks", _no_blocks, "aucun bloc", "CFItems"),
    ("unknown requirement kind", _bad_requirement_kind, "sport", "notes"),
    ("requirement notes not JSON", _requirement_without_json, f"{CODE}.R1", "notes"),
    ("track holding a competence", _track_holding_a_competence, "seul un bloc", "originNodeURI"),
    (
        "bad end date",
        lambda p: _set(p["CFDocument"], "statusEndDate", "31/08/2029"),
        "31/08/2029",
        "statusEndDate",
    ),
    (
        "certifiers not a list",
        lambda p: _set(p["CFDocument"], "notes", json.dumps({"certifiers": "ENSAM"})),
        "certifiers",
        "notes",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "fragment", "field"),
    [pytest.param(m, f, fi, id=name) for name, m, f, fi in MALFORMED],
)
def test_malformed_package_is_refused(
    mutate: Callable[[dict[str, Any]], None], fragment: str, field: str | None
) -> None:
    package = export()
    mutate(package)
    with pytest.raises(ImportFileError) as caught:
        from_case(package)
    assert fragment.casefold() in caught.value.message.casefold()
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("data", "fragment", "line"),
    [
        pytest.param('{"CFDocument": {', "JSON invalide", 1, id="truncated JSON"),
        pytest.param('{\n  "CFDocument": {},\n  oops\n}', "JSON invalide", 3, id="bad token"),
        pytest.param("[1, 2]", "objet JSON", None, id="array"),
        pytest.param('"CASE"', "objet JSON", None, id="string"),
        pytest.param(b'{"title": "M\xe9canique"}', "UTF-8", None, id="latin-1 bytes"),
        pytest.param('{"CFPackage": []}', "CFPackage", None, id="wrapper not an object"),
    ],
)
def test_unreadable_input_is_refused(data: str | bytes, fragment: str, line: int | None) -> None:
    with pytest.raises(ImportFileError) as caught:
        from_case(data)
    assert fragment in caught.value.message
    assert caught.value.line == line


def test_error_message_names_item_and_field() -> None:
    package = export()
    _drop_field(_item(package, f"{CODE}BC01.C02"), "fullStatement")
    with pytest.raises(ImportFileError) as caught:
        from_case(package)
    assert str(caught.value) == (
        f"Élément « {CODE}BC01.C02 » : champ obligatoire manquant ou vide. (champ fullStatement)"
    )


# --------------------------------------------------------------------------------------
# validate_case
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        pytest.param(lambda p: _set(p["CFDocument"], "identifier", "ABC"), "UUID", id="not uuid"),
        pytest.param(
            lambda p: _set(
                _item(p, f"{CODE}BC01"), "identifier", _item(p, f"{CODE}BC01")["identifier"].upper()
            ),
            "minuscules",
            id="uppercase uuid",
        ),
        pytest.param(
            lambda p: _set(p["CFDocument"], "lastChangeDateTime", "14/03/2025"),
            "ISO 8601",
            id="bad date-time",
        ),
        pytest.param(
            lambda p: _set(p["CFDocument"], "statusEndDate", "2029-8-31"),
            "AAAA-MM-JJ",
            id="bad date",
        ),
        pytest.param(
            lambda p: _set(p["CFAssociations"][0], "associationType", "isParentOf"),
            "isParentOf",
            id="unknown association type",
        ),
        pytest.param(
            lambda p: _drop_field(_item(p, f"{CODE}.P1"), "lastChangeDateTime"),
            f"{CODE}.P1",
            id="missing field",
        ),
        pytest.param(_duplicate_identifier, "double", id="duplicate identifier"),
        pytest.param(_unknown_parent, "nœud inconnu", id="dangling association"),
        pytest.param(_orphan, "aucun parent", id="orphan"),
    ],
)
def test_validate_case_reports_problems(
    mutate: Callable[[dict[str, Any]], None], fragment: str
) -> None:
    package = export()
    mutate(package)
    problems = validate_case(package)
    assert problems
    assert any(fragment in problem for problem in problems), problems


def test_validate_case_on_something_else() -> None:
    assert validate_case([]) != []  # type: ignore[arg-type]
    assert validate_case({}) != []


def test_requirement_kinds_survive() -> None:
    record = from_case(export())
    assert [r.kind for r in record.requirements] == [
        RequirementKind.ENGLISH,
        RequirementKind.MOBILITY,
        RequirementKind.REPORT,
    ]
    assert record.requirements[0].params == {"min_level": "B2"}
