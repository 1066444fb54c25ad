"""Reading the France Compétences RNCP open-data export (FORMATS.md §1)."""

from __future__ import annotations

import gc
import io
import struct
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.errors import ImportFileError
from tracker.referentials.records import mint_competence_codes
from tracker.referentials.rncp import ParsedFiche, iter_fiches, read_fiches

FILES = Path(__file__).parent / "files"


def only(source: object, numbers: set[str] | None = None) -> ParsedFiche:
    fiches = read_fiches(source, numbers)  # type: ignore[arg-type]
    assert len(fiches) == 1
    return fiches[0]


def fiche_by_number(path: Path, number: str) -> ParsedFiche:
    return only(path, {number})


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def set_declared_size(archive: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size in the local and central headers of a one-file zip."""
    data = bytearray(archive)
    local = data.index(b"PK\x03\x04")
    data[local + 22 : local + 26] = struct.pack("<I", size)
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(data)


class NonSeekable(io.RawIOBase):
    """A pipe-like binary stream (an upload streamed from a socket, stdin, ...)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def fiche_xml(number: str, *, blocks: str = "", extra: str = "", title: str = "Ingénieur") -> str:
    return (
        f"<FICHE><ID_FICHE>1</ID_FICHE><NUMERO_FICHE>{number}</NUMERO_FICHE>"
        f"<INTITULE>{title}</INTITULE>{extra}"
        f"<BLOCS_COMPETENCES>{blocks}</BLOCS_COMPETENCES><ACTIF>Oui</ACTIF></FICHE>"
    )


def export_xml(*fiches: str) -> bytes:
    body = "".join(fiches)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<FICHES><VERSION_FLUX>4.1</VERSION_FLUX>'
        f"{body}</FICHES>\n"
    ).encode()


# --------------------------------------------------------------------------------------
# One fiche per list style: the proposed split of each block

STYLE_CASES = [
    pytest.param(
        "rncp_style_star.xml",
        "RNCP90101BC01",
        [
            "Analyser le besoin d'un client interne ou externe",
            "Concevoir une solution technique répondant au cahier des charges",
            "Industrialiser le produit en lien avec les services méthodes et production",
        ],
        {
            0: [
                "identifier les contraintes fonctionnelles et réglementaires",
                "formaliser les exigences dans un cahier des charges",
            ],
            1: [
                "modéliser le produit en CAO",
                "dimensionner les composants critiques",
                "valider la solution par la simulation numérique",
            ],
        },
        ["Le titulaire est capable de :"],
        [],
        id="star-and-o",
    ),
    pytest.param(
        "rncp_style_dash.xml",
        "RNCP39055BC01",
        [
            "Recueillir et analyser les besoins techniques afin d’établir les spécifications "
            "d'un système mécatronique.",
            "Rédiger le cahier des charges d'un système mécatronique, en se basant sur les "
            "spécifications système.",
            "Identifier et sélectionner les composants adaptés à la réalisation de l’architecture "
            "définie, afin d'assurer une faisabilité technique et économique du système.",
            "Effectuer la conception détaillée en s’appuyant sur les moyens de calcul appropriés "
            "pour optimiser le système.",
        ],
        {},
        [],
        [],
        id="dash",
    ),
    pytest.param(
        "rncp_style_dash.xml",
        "RNCP39055BC02",
        [
            "Analyser les exigences techniques et réglementaires applicables afin d'établir une "
            "stratégie de qualification d'un système mécatronique.",
            "Déterminer et mettre en œuvre les moyens de test et de mesure conformément aux "
            "exigences du système qualité.",
            "Réaliser les plans de test et de qualification et analyser les résultats obtenus.",
        ],
        {},
        ["Compétences techniques :", "Compétences transversales :"],
        [],
        id="dash-with-headings",
    ),
    pytest.param(
        "rncp_style_bullet.xml",
        "RNCP90102BC01",
        [
            "Réaliser un audit énergétique d'un site industriel en s'appuyant sur les normes en "
            "vigueur (ISO 50001).",
            "Proposer un plan d'actions chiffré de réduction des consommations, en hiérarchisant "
            "les gains et les investissements.",
            "Conduire le déploiement des actions retenues avec les équipes de maintenance et de "
            "production.",
            "Suivre les indicateurs de performance énergétique et rendre compte à la direction.",
        ],
        {},
        [],
        [],
        id="bullet",
    ),
    pytest.param(
        "rncp_style_numbered.xml",
        "RNCP21806BC01",
        [
            "Réaliser l’analyse fonctionnelle d’un produit ou d’un système mécanique.",
            "Elaborer tout ou partie d’un cahier des charges fonctionnel d’un produit ou d’un "
            "système mécanique.",
            "Rechercher des solutions techniques répondant au besoin fonctionnel.",
            "Concevoir une solution technique d’un produit ou un système mécanique sur un "
            "logiciel de C.A.O.",
        ],
        {},
        ["Ce bloc de compétences reprend les capacités professionnelles suivantes :"],
        [],
        id="numbered-C1",
    ),
    pytest.param(
        "rncp_style_numbered.xml",
        "RNCP21806BC02",
        [
            "Etablir un planning d’avancement d’un produit ou d’un système mécanique.",
            "Mener tout ou partie d'une étude en assurance qualité et en tenant compte du profil "
            "environnemental du produit ou du système mécanique.",
        ],
        {},
        ["Ce bloc de compétences reprend les capacités professionnelles suivantes :"],
        [],
        id="numbered-C5-hard-wrapped",
    ),
    pytest.param(
        "rncp_style_numbered.xml",
        "RNCP90104BC01",
        [
            "Collecter les données de production (TRS, rebuts, arrêts) auprès des équipes.",
            "Analyser les écarts de performance à l'aide des outils de la qualité (Pareto, 5 "
            "pourquoi, Ishikawa).",
            "Présenter le diagnostic à la direction du site.",
        ],
        {},
        [],
        [],
        id="numbered-A1C1",
    ),
    pytest.param(
        "rncp_style_numbered.xml",
        "RNCP90104BC02",
        [
            "Organiser le travail de l'équipe en tenant compte des compétences et des contraintes "
            "de sécurité.",
            "Animer les points de performance quotidiens.",
            "Évaluer les compétences de ses collaborateurs et construire leur plan de "
            "développement.",
        ],
        {},
        [],
        [],
        id="numbered-1.1",
    ),
    pytest.param(
        "rncp_style_numbered.xml",
        "RNCP90104BC03",
        [
            "Identifier les gisements de progrès d'un atelier.",
            "Conduire un chantier Kaizen avec l'équipe de production.",
            "Mesurer les gains obtenus et les pérenniser par des standards.",
        ],
        {},
        [],
        [],
        id="numbered-C1-dash-and-3)",
    ),
    pytest.param(
        "rncp_style_plain.xml",
        "RNCP90105BC01",
        [
            "Définir la politique de maintenance d'un parc d'équipements en fonction de leur "
            "criticité",
            "Élaborer les plans de maintenance préventive et conditionnelle des équipements "
            "critiques",
            "Organiser les interventions de maintenance en coordination avec la production, en "
            "respectant les règles d'hygiène et de sécurité",
            "Analyser les défaillances (AMDEC, arbres de causes) et proposer des améliorations "
            "durables",
        ],
        {},
        ["Compétences attestées"],
        [],
        id="no-marker",
    ),
    pytest.param(
        "rncp_style_html.xml",
        "RNCP90106BC01",
        [
            "Piloter un projet de R&D en mécanique",
            "Concevoir un banc d'essais",
            "Rédiger un rapport d’essais",
        ],
        {1: ["choisir les capteurs", "réaliser l’acquisition des mesures"]},
        ["Le titulaire est capable de :"],
        [],
        id="html-escaped",
    ),
    pytest.param(
        "rncp_style_html.xml",
        "RNCP90106BC02",
        [
            "Analyser les risques professionnels d'un poste d'essai",
            "Proposer des mesures de prévention adaptées",
            "Sensibiliser les opérateurs aux bonnes pratiques",
        ],
        {},
        [],
        [],
        id="html-cdata-paragraphs",
    ),
    pytest.param(
        "rncp_style_html.xml",
        "RNCP90106BC03",
        ["Encadrer une équipe de techniciens d'essais", "Conduire les entretiens annuels"],
        {},
        [],
        [],
        id="html-as-xml-elements",
    ),
    pytest.param(
        "rncp_style_packed.xml",
        "RNCP39056BC01",
        [
            "Rencontrer et analyser la demande d'un client interne ou externe afin d'identifier "
            "les contraintes du client et les fonctions techniques concernées.",
            "Assurer une veille technique, règlementaire, de propriété intellectuelle afin "
            "d’affiner la problématique à traiter et les besoins du client.",
            "Réaliser une veille concurrentielle afin d’intégrer les innovations scientifiques et "
            "techniques et de déterminer la faisabilité du produit industriel au prix du marché.",
            "Organiser et animer des réunions avec les services commercial, bureau d’études, "
            "production et méthodes afin de définir et caractériser la solution technique.",
            "Rédiger les cahiers de charges fonctionnel et technique du produit ou du système "
            "industriel.",
            "Valider la solution répondant au besoin du client la plus avantageuse à partir de la "
            "classification de solutions selon des critères fonctionnels, de coût, innovation, "
            "développement durable.",
        ],
        {},
        [],
        [],
        id="packed-single-line",
    ),
    pytest.param(
        "rncp_style_mixed.xml",
        "RNCP39304BC02",
        [
            "Évaluer la fiabilité, la maintenabilité, la disponibilité et la sécurité d'un "
            "système, d'un produit, d'un moyen ou d’un service, en utilisant des outils de type "
            "AMDEC ou équivalent, pour en assurer la sûreté de fonctionnement.",
            "Déployer une stratégie d’intégration, de validation et de qualification, en "
            "réalisant une phase de tests et recettes, pour valider et certifier la solution "
            "technologique globale",
            "Le processus pédagogique peut recourir à des projets pluridisciplinaires pour "
            "illustrer le lien entre les différents modules.",
            "Mise en situation dans le cadre de TP : travail en équipe avec évaluation collective "
            "(compte rendu écrit).",
            "Soutenance orale devant un jury composé de professionnels.",
        ],
        {},
        [],
        [2, 3, 4],
        id="mixed-with-assessment",
    ),
]


@pytest.mark.parametrize(
    ("filename", "block_code", "expected", "expected_subs", "ignored", "suspected"), STYLE_CASES
)
def test_blocks_are_split_per_list_style(
    filename: str,
    block_code: str,
    expected: list[str],
    expected_subs: dict[int, list[str]],
    ignored: list[str],
    suspected: list[int],
) -> None:
    fiches = read_fiches(FILES / filename)
    fiche = next(f for f in fiches if block_code in f.splits)
    block = next(b for b in fiche.record.blocks if b.code == block_code)
    split = fiche.splits[block_code]

    assert [c.statement for c in block.competences] == expected
    assert [c.sub_skills for c in block.competences] == [
        expected_subs.get(index, []) for index in range(len(expected))
    ]
    assert split.ignored == ignored
    assert split.suspected_assessment == suspected
    # The block lists the very competences of the split, codes still to be minted.
    assert all(a is b for a, b in zip(block.competences, split.competences, strict=True))
    assert all(c.code is None for c in block.competences)


def test_raw_competences_are_kept_exactly() -> None:
    path = FILES / "rncp_style_dash.xml"
    tree = SafeET.parse(path)  # an independent reading of the expected raw text
    expected = {
        bloc.findtext("CODE"): bloc.findtext("LISTE_COMPETENCES")
        for bloc in tree.iterfind("FICHE/BLOCS_COMPETENCES/BLOC_COMPETENCES")
    }
    fiche = only(path)
    assert {b.code: b.raw_competences for b in fiche.record.blocks} == expected
    assert "à  la réalisation" in fiche.record.blocks[0].raw_competences


def test_mixed_block_of_rncp39304_flags_the_assessment_bullets() -> None:
    fiche = only(FILES / "rncp_style_mixed.xml")
    block = fiche.record.blocks[0]
    split = fiche.splits["RNCP39304BC01"]
    assert len(block.competences) == 10  # 7 competences + 3 assessment bullets, all kept
    assert split.suspected_assessment == [7, 8, 9]
    assert block.competences[9].statement.startswith("Les activités en entreprise sont évaluées")


def test_codes_are_minted_after_review() -> None:
    fiche = only(FILES / "rncp_style_numbered.xml", {"RNCP21806"})
    block = fiche.record.blocks[1]
    assert fiche.splits[block.code].source_codes == ["C5", "C6"]
    mint_competence_codes(block)
    assert [c.code for c in block.competences] == ["RNCP21806BC02.C01", "RNCP21806BC02.C02"]


# --------------------------------------------------------------------------------------
# Fiche fields


@pytest.mark.parametrize(
    ("filename", "number", "fields"),
    [
        (
            "rncp_style_star.xml",
            "RNCP90101",
            {
                "title": "Titre ingénieur - Ingénieur diplômé de l'École supérieure d'ingénieurs "
                "de Mauges, spécialité génie industriel",
                "level": "NIV7",
                "certifiers": ["ÉCOLE SUPÉRIEURE D'INGÉNIEURS DE MAUGES"],
                "active": True,
                "registration_end": date(2027, 8, 31),
                "status": "Publiée",
                "jury_composition": "Le jury est présidé par le directeur de l'école. Il "
                "comprend au moins 4 membres, dont la moitié de professionnels.",
            },
        ),
        (
            "rncp_style_numbered.xml",
            "RNCP21806",
            {
                "level": None,
                "certifiers": [
                    "Commission paritaire nationale de l'emploi (CPNE) de la métallurgie",
                    "Union des industries et métiers de la métallurgie (UIMM)",
                ],
                "active": False,
                "registration_end": date(2021, 1, 1),
                "jury_composition": "",
            },
        ),
        ("rncp_style_bullet.xml", "RNCP90102", {"registration_end": date(2028, 8, 31)}),
        ("rncp_style_plain.xml", "RNCP90105", {"level": "NIV7"}),
        (
            "rncp_style_html.xml",
            "RNCP90106",
            {
                "title": "Ingénieur diplômé de l'École départementale d'ingénierie des essais",
                "jury_composition": "Le jury est composé :\n- du directeur des études, président "
                ";\n- de deux enseignants & deux professionnels.",
            },
        ),
    ],
)
def test_fiche_fields(filename: str, number: str, fields: dict[str, object]) -> None:
    record = fiche_by_number(FILES / filename, number).record
    assert record.code == number
    for name, value in fields.items():
        assert getattr(record, name) == value, name


def test_assessment_methods_are_cleaned_text() -> None:
    fiche = only(FILES / "rncp_style_html.xml")
    methods = {b.code: b.assessment_methods for b in fiche.record.blocks}
    assert methods == {
        "RNCP90106BC01": "- Soutenance\n- Rapport & grille d'évaluation",
        "RNCP90106BC02": "Étude de cas",
        "RNCP90106BC03": "Mise en situation.",
    }
    numbered = fiche_by_number(FILES / "rncp_style_numbered.xml", "RNCP21806").record
    assert numbered.blocks[1].assessment_methods == (
        "Présentation des projets ou activités réalisés en milieu professionnel."
    )


def test_multi_fiche_export_traps() -> None:
    fiches = read_fiches(FILES / "rncp_export_multi.xml")
    assert [f.record.code for f in fiches] == ["RNCP90201", "RNCP90202", "RNCP90203"]
    assert [f.line for f in fiches] == [4, 86, 137]
    first, second, third = (f.record for f in fiches)

    # ACTIF: the direct child, not the SI_JURY_*/ACTIF placed before it.
    assert (first.active, second.active, third.active) == (False, True, True)
    # Blocks: only BLOCS_COMPETENCES/BLOC_COMPETENCES, never the CORRESPONDANCES ones.
    assert [b.code for b in first.blocks] == ["RNCP90201BC01", "RNCP90201BC02"]
    assert [b.code for b in second.blocks] == ["RNCP90202BC01"]
    assert third.blocks == []
    assert set(fiches[0].splits) == {"RNCP90201BC01", "RNCP90201BC02"}
    # Repeated certifiers, one certifier, no certifier.
    assert first.certifiers == [
        "ÉCOLE D'INGÉNIEURS DE PICARDIE",
        "UNIVERSITÉ DE PICARDIE JULES VERNE",
    ]
    assert second.certifiers == ["ÉCOLE D'INGÉNIEURS DE PICARDIE"]
    assert third.certifiers == []
    # The apprenticeship jury (SI_JURY_CA), not another route's.
    assert first.jury_composition == (
        "Le jury comprend au moins quatre membres : le directeur de l'école, président ; des "
        "enseignants-chercheurs et des professionnels à parité."
    )
    assert (third.status, third.level, third.registration_end) == (
        "Modifications à valider",
        "NIV5",
        None,
    )
    # A hyphen inside a statement does not split it.
    assert [c.statement for c in first.blocks[1].competences][2] == (
        "Conduire la mise en service - essais et réglages - d'une nouvelle ligne "
        "pluri-technologique."
    )


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ({"RNCP90202"}, ["RNCP90202"]),
        ({"90202", " rncp90203 "}, ["RNCP90202", "RNCP90203"]),
        (["RNCP90203", "RNCP90201"], ["RNCP90201", "RNCP90203"]),
        (set(), ["RNCP90201", "RNCP90202", "RNCP90203"]),
        (None, ["RNCP90201", "RNCP90202", "RNCP90203"]),
    ],
)
def test_select_fiches_by_number(numbers: object, expected: list[str]) -> None:
    fiches = read_fiches(FILES / "rncp_export_multi.xml", numbers)  # type: ignore[arg-type]
    assert [f.record.code for f in fiches] == expected


def test_missing_requested_numbers_are_listed() -> None:
    with pytest.raises(ImportFileError) as caught:
        read_fiches(FILES / "rncp_export_multi.xml", {"RNCP90202", "RNCP39303", "RNCP12"})
    assert "Aucune fiche" in caught.value.message
    assert "RNCP12, RNCP39303" in caught.value.message
    assert caught.value.field == "NUMERO_FICHE"


def test_one_string_is_not_a_selection() -> None:
    with pytest.raises(TypeError):
        read_fiches(FILES / "rncp_export_multi.xml", "RNCP90202")  # type: ignore[arg-type]


def test_unwanted_fiches_are_skipped_without_being_read() -> None:
    bad_date = "<DATE_FIN_ENREGISTREMENT>31 août 2026</DATE_FIN_ENREGISTREMENT>"
    data = export_xml(
        fiche_xml("RNCP90301", extra=bad_date, title=""),
        fiche_xml("RNCP90302"),
    )
    assert [f.record.code for f in read_fiches(io.BytesIO(data), {"RNCP90302"})] == ["RNCP90302"]
    with pytest.raises(ImportFileError, match="RNCP90301"):
        read_fiches(io.BytesIO(data))


def test_reading_stops_once_every_requested_fiche_is_found() -> None:
    data = export_xml(fiche_xml("RNCP90401"), fiche_xml("RNCP90402"))
    truncated = data[: data.index(b"RNCP90402") + 40]
    fiches = list(iter_fiches(io.BytesIO(truncated), {"RNCP90401"}))
    assert [f.record.code for f in fiches] == ["RNCP90401"]
    with pytest.raises(ImportFileError, match="incomplet"):
        read_fiches(io.BytesIO(truncated))


def test_blocks_and_certifier_not_wrapped() -> None:
    block = (
        "<BLOC_COMPETENCES><CODE>RNCP90501BC01</CODE><LIBELLE>Concevoir</LIBELLE>"
        "<LISTE_COMPETENCES>- Analyser le besoin.  - Concevoir la solution.</LISTE_COMPETENCES>"
        "</BLOC_COMPETENCES>"
    )
    fiche = (
        "<FICHE><NUMERO_FICHE>RNCP90501</NUMERO_FICHE><INTITULE>Ingénieur</INTITULE>"
        "<CERTIFICATEUR><NOM_CERTIFICATEUR>ÉCOLE A</NOM_CERTIFICATEUR></CERTIFICATEUR>"
        f"{block}</FICHE>"
    )
    record = only(io.BytesIO(export_xml(fiche))).record
    assert record.certifiers == ["ÉCOLE A"]
    assert [b.code for b in record.blocks] == ["RNCP90501BC01"]
    assert len(record.blocks[0].competences) == 2


@pytest.mark.parametrize(
    ("value", "expected"), [("NIV7", "NIV7"), ("niv6", "NIV6"), ("5", "NIV5"), ("", None)]
)
def test_levels(value: str, expected: str | None) -> None:
    extra = f"<NOMENCLATURE_EUROPE><NIVEAU>{value}</NIVEAU></NOMENCLATURE_EUROPE>"
    record = only(io.BytesIO(export_xml(fiche_xml("RNCP90601", extra=extra)))).record
    assert record.level == expected


@pytest.mark.parametrize(("value", "expected"), [("Oui", True), ("NON", False), (" non ", False)])
def test_active_values(value: str, expected: bool) -> None:
    fiche = fiche_xml("RNCP90602").replace("<ACTIF>Oui</ACTIF>", f"<ACTIF>{value}</ACTIF>")
    assert only(io.BytesIO(export_xml(fiche))).record.active is expected


# --------------------------------------------------------------------------------------
# Sources: paths, file objects, zips


def test_sources_path_str_and_file_objects() -> None:
    path = FILES / "rncp_style_star.xml"
    data = path.read_bytes()
    with path.open("rb") as handle:
        from_handle = only(handle)
    for source in (path, str(path), io.BytesIO(data), NonSeekable(data)):
        assert only(source).record == from_handle.record


def test_text_file_object_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="binary"):
        read_fiches(io.StringIO("<FICHES/>"))  # type: ignore[arg-type]


def test_committed_zip_extract() -> None:
    fiche = only(FILES / "rncp_one_fiche.zip")
    assert fiche.record == only(FILES / "rncp_style_star.xml").record


@pytest.mark.parametrize("seekable", [True, False])
def test_zip_is_detected_by_content_not_name(tmp_path: Path, seekable: bool) -> None:
    archive = make_zip({"export.xml": (FILES / "rncp_export_multi.xml").read_bytes()})
    disguised = tmp_path / "export.xml"  # a zip named .xml
    disguised.write_bytes(archive)
    assert len(read_fiches(disguised)) == 3
    stream = io.BytesIO(archive) if seekable else NonSeekable(archive)
    assert len(read_fiches(stream)) == 3
    plain = tmp_path / "export.zip"  # an XML named .zip
    plain.write_bytes((FILES / "rncp_export_multi.xml").read_bytes())
    assert len(read_fiches(plain)) == 3


def test_zip_with_one_xml_among_other_files() -> None:
    archive = make_zip(
        {
            "LISEZMOI.txt": b"Export RNCP du jour",
            "__MACOSX/._export.xml": b"\x00\x05\x16\x07",
            "export_fiches_RNCP_V4_1_2025-01-06.xml": (FILES / "rncp_style_star.xml").read_bytes(),
        }
    )
    assert only(io.BytesIO(archive)).record.code == "RNCP90101"


def test_stored_zip() -> None:
    archive = make_zip({"x.xml": (FILES / "rncp_style_star.xml").read_bytes()}, zipfile.ZIP_STORED)
    assert only(io.BytesIO(archive)).record.code == "RNCP90101"


def zip_with_encryption_flag() -> bytes:
    data = bytearray(make_zip({"x.xml": b"<FICHES/>"}, zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.index(signature) + offset
        data[position] |= 0x1
    return bytes(data)


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (make_zip({}), "vide"),
        (make_zip({"a.xml": b"<FICHES/>", "b.xml": b"<FICHES/>"}), "plusieurs fichiers"),
        (make_zip({"a.xml": b"<FICHES/>"})[:30], "corrompue"),
        (make_zip({"a.xml": b"<FICHES/>"}, zipfile.ZIP_BZIP2), "compression"),
        (zip_with_encryption_flag(), "mot de passe"),
        (make_zip({"a.csv": b"RNCP39303;Ingenieur"}), "pas un fichier XML"),
    ],
    ids=["empty", "two-files", "cut", "bzip2", "encrypted", "csv-inside"],
)
def test_bad_zips(archive: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_fiches(io.BytesIO(archive))


def test_zip_bomb_is_refused_by_its_declared_size() -> None:
    archive = make_zip({"export.xml": b"<FICHES>" + b" " * 30_000_000 + b"</FICHES>"})
    assert len(archive) < 100_000
    with pytest.raises(ImportFileError, match="trop volumineux"):
        read_fiches(io.BytesIO(archive), max_bytes=10_000_000)
    lying = set_declared_size(make_zip({"export.xml": b"<FICHES/>"}), 3_000_000_000)
    with pytest.raises(ImportFileError, match="2 Go"):
        read_fiches(io.BytesIO(lying))


def test_zip_header_understating_its_size_is_refused() -> None:
    content = export_xml(fiche_xml("RNCP90701")) + b" " * 100_000
    lying = set_declared_size(make_zip({"export.xml": content}), 200)
    with pytest.raises(ImportFileError, match="corrompue"):
        read_fiches(io.BytesIO(lying))


def test_max_bytes_applies_to_plain_files_and_streams(tmp_path: Path) -> None:
    data = export_xml(*(fiche_xml(f"RNCP9080{n}") for n in range(5)))
    path = tmp_path / "export.xml"
    path.write_bytes(data)
    limit = len(data) - 1
    for source in (path, io.BytesIO(data), NonSeekable(data)):
        with pytest.raises(ImportFileError, match="trop volumineux"):
            read_fiches(source, max_bytes=limit)
    assert len(read_fiches(path, max_bytes=len(data))) == 5


def test_missing_path() -> None:
    with pytest.raises(ImportFileError, match="Impossible d'ouvrir"):
        read_fiches(FILES / "absent.xml")


# --------------------------------------------------------------------------------------
# Encodings


def test_declared_latin1_and_utf16_files_are_read() -> None:
    text = export_xml(fiche_xml("RNCP90901", title="Ingénieur d’études")).decode()
    latin = text.replace("UTF-8", "windows-1252").encode("cp1252")
    utf16 = text.replace("UTF-8", "UTF-16").encode("utf-16")
    for data in (latin, utf16, b"\xef\xbb\xbf" + text.encode()):
        assert only(io.BytesIO(data)).record.title == "Ingénieur d’études"


# --------------------------------------------------------------------------------------
# Hostile and malformed files: a clean French error, with the line when known

HOSTILE_FILES = [
    ("rncp_bad_xxe.xml", "DOCTYPE", 2),
    ("rncp_bad_billion_laughs.xml", "expansion d'entités", 2),
    ("rncp_bad_truncated.xml", "tronqué", 32),
    ("rncp_bad_empty.xml", "vide", None),
    ("rncp_bad_not_xml.csv", "pas un fichier XML", 1),
    ("rncp_bad_latin1.xml", "UTF-8", 5),
    ("rncp_bad_wrong_root.xml", "<CERTIFICATIONS>", 2),
    ("rncp_bad_missing_numero.xml", "NUMERO_FICHE", 9),
    ("rncp_bad_missing_intitule.xml", "INTITULE", 11),
]


@pytest.mark.parametrize(("filename", "message", "line"), HOSTILE_FILES)
def test_hostile_and_malformed_files(filename: str, message: str, line: int | None) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_fiches(FILES / filename)
    assert message in caught.value.message
    assert caught.value.line == line
    if line is not None:
        assert f"ligne {line}" in str(caught.value)


def test_xxe_is_never_resolved() -> None:
    with pytest.raises(ImportFileError) as caught:
        list(iter_fiches(FILES / "rncp_bad_xxe.xml"))
    assert "root:" not in str(caught.value)
    assert "sécurité" in caught.value.message


def test_latin1_error_names_the_byte() -> None:
    with pytest.raises(ImportFileError, match="0xE9"):
        read_fiches(FILES / "rncp_bad_latin1.xml")


BLOCK = (
    "<BLOC_COMPETENCES><CODE>{code}</CODE><LIBELLE>{title}</LIBELLE>"
    "<LISTE_COMPETENCES>- Analyser.</LISTE_COMPETENCES></BLOC_COMPETENCES>"
)

MALFORMED = [
    pytest.param(b"   \n  ", "que des espaces", None, None, id="blank"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3", "PDF", None, None, id="pdf"),
    pytest.param(b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip", None, None, id="gzip"),
    pytest.param(b"<!DOCTYPE html><html><body></body></html>", "HTML", 1, None, id="html"),
    pytest.param(b'<?xml version="1.0"?>', "aucun élément", 1, None, id="declaration-only"),
    pytest.param(
        b'<?xml version="1.0" encoding="UTF8-BOM"?>\n<FICHES/>',
        "encodage inconnu ou non pris en charge (UTF8-BOM)",
        1,
        None,
        id="unknown-encoding",
    ),
    pytest.param(
        b'<?xml version="1.0" encoding="shift_jis"?>\n<FICHES/>',
        "non pris en charge (shift_jis)",
        1,
        None,
        id="multibyte-encoding",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1", title="caf&eacute;")),
        "entité non définie",
        2,
        None,
        id="html-entity-in-xml",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1")).replace(b"</INTITULE>", b"</TITRE>"),
        "balise fermante",
        2,
        None,
        id="mismatched-tag",
    ),
    pytest.param(export_xml() + b"<FICHES/>", "après la fin", 3, None, id="junk-after-root"),
    pytest.param(
        export_xml(fiche_xml("RNCP1"))[:-30] + b"\xc3",
        "incomplet",
        2,
        None,
        id="cut-inside-a-character",
    ),
    pytest.param(
        export_xml(fiche_xml("39303")),
        "RNCP suivi de chiffres",
        2,
        "NUMERO_FICHE",
        id="bad-number",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1").replace("<NUMERO_FICHE>RNCP1", "<NUMERO_FICHE>")),
        "numéro vide",
        2,
        "NUMERO_FICHE",
        id="empty-number",
    ),
    pytest.param(
        export_xml(
            fiche_xml(
                "RNCP1", extra="<DATE_FIN_ENREGISTREMENT>2026/08/31</DATE_FIN_ENREGISTREMENT>"
            )
        ),
        "JJ/MM/AAAA",
        2,
        "DATE_FIN_ENREGISTREMENT",
        id="bad-date",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1").replace("<ACTIF>Oui</ACTIF>", "<ACTIF>Peut-être</ACTIF>")),
        "ACTIF",
        2,
        "ACTIF",
        id="bad-actif",
    ),
    pytest.param(
        export_xml(
            fiche_xml(
                "RNCP1", extra="<NOMENCLATURE_EUROPE><NIVEAU>NIV9</NIVEAU></NOMENCLATURE_EUROPE>"
            )
        ),
        "NIV9",
        2,
        "NOMENCLATURE_EUROPE/NIVEAU",
        id="bad-level",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1", blocks=BLOCK.format(code=" ", title="Concevoir"))),
        "pas de code",
        2,
        "BLOC_COMPETENCES/CODE",
        id="block-without-code",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1", blocks=BLOCK.format(code="RNCP1BC01", title=""))),
        "RNCP1BC01 n'a pas d'intitulé",
        2,
        "BLOC_COMPETENCES/LIBELLE",
        id="block-without-title",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1", blocks=BLOCK.format(code="RNCP1BC01", title="A") * 2)),
        "apparaît deux fois",
        2,
        "BLOC_COMPETENCES/CODE",
        id="duplicate-block",
    ),
    pytest.param(
        export_xml(fiche_xml("RNCP1"), fiche_xml("RNCP1")),
        "RNCP1 apparaît deux fois",
        2,
        "NUMERO_FICHE",
        id="duplicate-fiche",
    ),
    pytest.param(export_xml(), "Aucune fiche RNCP", None, None, id="no-fiche"),
]


@pytest.mark.parametrize(("data", "message", "line", "field"), MALFORMED)
def test_malformed_input(data: bytes, message: str, line: int | None, field: str | None) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_fiches(io.BytesIO(data))
    assert message in caught.value.message
    assert caught.value.line == line
    assert caught.value.field == field


_FUZZ_BASES = [
    (FILES / name).read_bytes()
    for name in ("rncp_export_multi.xml", "rncp_style_html.xml", "rncp_one_fiche.zip")
]
_FUZZ_INSERTS = [
    b"<", b"&", b"]]>", b"<!DOCTYPE x>", b"\x00", b"\xff", b"\xc3", b"<FICHE>", b"</FICHE>",
    b"<BLOC_COMPETENCES>", b"<?xml version='1.0'?>", b"<![CDATA[", b"  - ", b"&#0;",
    b'<?xml version="1.0" encoding="x"?>', b"PK\x03\x04",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(_FUZZ_BASES),
    position=st.floats(min_value=0, max_value=1),
    operation=st.sampled_from(["cut", "flip", "insert", "delete"]),
    value=st.integers(min_value=0, max_value=255),
    insert=st.sampled_from(_FUZZ_INSERTS),
)
def test_damaged_files_give_a_clean_error_or_a_result(
    base: bytes, position: float, operation: str, value: int, insert: bytes
) -> None:
    at = int(position * (len(base) - 1))
    data = bytearray(base)
    if operation == "cut":
        data = data[:at]
    elif operation == "flip":
        data[at] = value
    elif operation == "insert":
        data[at:at] = insert
    else:
        del data[at : at + value // 4 + 1]
    fiches = None
    message = None
    try:
        fiches = read_fiches(io.BytesIO(bytes(data)))
    except ImportFileError as error:  # any other exception fails the test
        message = error.message
    assert message or (fiches and all(f.record.code.startswith("RNCP") for f in fiches))


def test_error_lines_point_at_the_element() -> None:
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n<FICHE>\n'
        b"<NUMERO_FICHE>RNCP1</NUMERO_FICHE>\n<INTITULE>Ingenieur</INTITULE>\n"
        b"<ACTIF>Oui</ACTIF>\n<DATE_FIN_ENREGISTREMENT>demain</DATE_FIN_ENREGISTREMENT>\n"
        b"</FICHE>\n</FICHES>\n"
    )
    with pytest.raises(ImportFileError) as caught:
        read_fiches(io.BytesIO(data))
    assert caught.value.line == 7
    assert "demain" in caught.value.message


# --------------------------------------------------------------------------------------
# Streaming in bounded memory


def write_large_export(path: Path, target_size: int) -> int:
    """Write a realistic export of about ``target_size`` bytes; return its fiche count."""
    source = (FILES / "rncp_style_mixed.xml").read_text(encoding="utf-8")
    fiche = source[source.index("<FICHE>") : source.index("</FICHE>") + len("</FICHE>")]
    activities = (
        "<ACTIVITES_VISEES>"
        + "Analyser le besoin technique d'un client en termes de produits ou systèmes "
        "mécaniques industriels.  " * 60 + "</ACTIVITES_VISEES>"
    )
    fiche = fiche.replace("<ACTIF>", activities + "<ACTIF>")
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n')
        out.write("<VERSION_FLUX>4.1</VERSION_FLUX>\n")
        written = 0
        while written < target_size:
            count += 1
            text = fiche.replace("RNCP39304", f"RNCP{count:06d}")
            written += out.write(text)
        out.write("</FICHES>\n")
    return count


@pytest.mark.slow
def test_a_50_mb_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "export_rncp.xml"
    count = write_large_export(path, 50_000_000)
    size = path.stat().st_size
    assert size > 50_000_000

    gc.collect()
    tracemalloc.start()
    try:
        seen = 0
        last = None
        for fiche in iter_fiches(path):
            seen += 1
            last = fiche
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == count
    assert last is not None
    assert last.record.code == f"RNCP{count:06d}"
    assert len(last.record.blocks[0].competences) == 10
    assert peak < 20_000_000, f"peak {peak} bytes for a {size}-byte file"

    # Selecting one fiche at the end of the file builds no other fiche.
    assert [f.record.code for f in iter_fiches(path, {f"RNCP{count:06d}"})] == [f"RNCP{count:06d}"]
