"""Splitting the free text of an RNCP LISTE_COMPETENCES into competences (FORMATS.md §1)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.referentials.splitting import SplitResult, clean_text, split_competences


def statements(result: SplitResult) -> list[str]:
    return [competence.statement for competence in result.competences]


def subs(result: SplitResult) -> list[list[str]]:
    return [competence.sub_skills for competence in result.competences]


# Each case: raw text, expected statements, expected sub-skills per competence (None: all
# empty), expected ignored texts, expected source codes (None: all None).
SPLIT_CASES = [
    pytest.param(
        "Le titulaire est capable de :  * Analyser le besoin d'un client  o identifier les "
        "contraintes  o rédiger les exigences  * Concevoir une solution technique  o modéliser "
        "en CAO",
        ["Analyser le besoin d'un client", "Concevoir une solution technique"],
        [["identifier les contraintes", "rédiger les exigences"], ["modéliser en CAO"]],
        ["Le titulaire est capable de :"],
        None,
        id="star-and-o-with-preamble",
    ),
    pytest.param(
        "* Dimensionner une structure  o  choisir le matériau  o calculer  les contraintes "
        "admissibles  *  Valider le dimensionnement",
        ["Dimensionner une structure", "Valider le dimensionnement"],
        [["choisir le matériau", "calculer les contraintes admissibles"], []],
        [],
        None,
        id="marker-followed-by-a-run-of-spaces",
    ),
    pytest.param(
        "o Rédiger un rapport technique  o Présenter ses résultats",
        ["Rédiger un rapport technique", "Présenter ses résultats"],
        None,
        [],
        None,
        id="sub-marker-without-parent-is-a-competence",
    ),
    pytest.param(
        "- Recueillir les besoins techniques afin d’établir les spécifications.  -  Rédiger le "
        "cahier des charges.  - Identifier les composants adaptés à  la réalisation de "
        "l’architecture.  - Analyser les exigences réglementaires  applicables  afin d'établir "
        "une stratégie.",
        [
            "Recueillir les besoins techniques afin d’établir les spécifications.",
            "Rédiger le cahier des charges.",
            "Identifier les composants adaptés à la réalisation de l’architecture.",
            "Analyser les exigences réglementaires applicables afin d'établir une stratégie.",
        ],
        None,
        [],
        None,
        id="dash-with-runs-of-spaces-inside-items",
    ),
    pytest.param(
        "-Planifier la production  – Suivre les indicateurs  — Animer les réunions d'équipe",
        ["Planifier la production", "Suivre les indicateurs", "Animer les réunions d'équipe"],
        None,
        [],
        None,
        id="dash-variants",
    ),
    pytest.param(
        "  • Réaliser un audit énergétique.  •Proposer un plan d'actions.  ▪ Suivre les "
        "indicateurs. ",
        [
            "Réaliser un audit énergétique.",
            "Proposer un plan d'actions.",
            "Suivre les indicateurs.",
        ],
        None,
        [],
        None,
        id="bullets",
    ),
    pytest.param(
        "Ce bloc de compétences reprend les capacités professionnelles suivantes :  C1. Réaliser "
        "l’analyse fonctionnelle d’un produit.  C2. Elaborer tout ou partie d’un cahier des "
        "charges.  C4. Concevoir une solution technique sur un logiciel de C.A.O.",
        [
            "Réaliser l’analyse fonctionnelle d’un produit.",
            "Elaborer tout ou partie d’un cahier des charges.",
            "Concevoir une solution technique sur un logiciel de C.A.O.",
        ],
        None,
        ["Ce bloc de compétences reprend les capacités professionnelles suivantes :"],
        ["C1", "C2", "C4"],
        id="numbered-C1-dot",
    ),
    pytest.param(
        "C1 - Identifier les gisements de progrès  C2 : Conduire un chantier Kaizen  C3) Mesurer "
        "les gains",
        ["Identifier les gisements de progrès", "Conduire un chantier Kaizen", "Mesurer les gains"],
        None,
        [],
        ["C1", "C2", "C3"],
        id="numbered-C1-dash-colon-paren",
    ),
    pytest.param(
        "A1C1. Collecter les données de production.  A1C2. Analyser les écarts.  A2.C1 Présenter "
        "le diagnostic.",
        [
            "Collecter les données de production.",
            "Analyser les écarts.",
            "Présenter le diagnostic.",
        ],
        None,
        [],
        ["A1C1", "A1C2", "A2.C1"],
        id="numbered-A1C1",
    ),
    pytest.param(
        "1.1 Organiser le travail de l'équipe.  1.2 Animer les points quotidiens.  2) Évaluer les "
        "compétences des collaborateurs.  3. Construire le plan de formation.  a) Rendre compte",
        [
            "Organiser le travail de l'équipe.",
            "Animer les points quotidiens.",
            "Évaluer les compétences des collaborateurs.",
            "Construire le plan de formation.",
            "Rendre compte",
        ],
        None,
        [],
        ["1.1", "1.2", "2", "3", "a"],
        id="numbered-1.1-1)-1.-a)",
    ),
    pytest.param(
        "- C1. Réaliser l'analyse fonctionnelle.  - C2. Rédiger le cahier des charges.",
        ["Réaliser l'analyse fonctionnelle.", "Rédiger le cahier des charges."],
        None,
        [],
        ["C1", "C2"],
        id="bullet-then-code",
    ),
    pytest.param(
        "- Rencontrer et analyser la demande d'un client afin d'identifier les fonctions "
        "techniques concernées. - Assurer une veille technique, règlementaire, de propriété "
        "intellectuelle. - Piloter la mise en service - essais et réglages - d'un système "
        "pluri-disciplinaire. - Assurer la maintenance (changements de pièces, évolution des "
        "logiciels,) et / ou des adaptations. - Suivre les évolutions (hygiène, recyclage, …). "
        "- Rédiger le bilan (RETEX).",
        [
            "Rencontrer et analyser la demande d'un client afin d'identifier les fonctions "
            "techniques concernées.",
            "Assurer une veille technique, règlementaire, de propriété intellectuelle.",
            "Piloter la mise en service - essais et réglages - d'un système pluri-disciplinaire.",
            "Assurer la maintenance (changements de pièces, évolution des logiciels,) et / ou "
            "des adaptations.",
            "Suivre les évolutions (hygiène, recyclage, …).",
            "Rédiger le bilan (RETEX).",
        ],
        None,
        [],
        None,
        id="packed-single-line-RNCP39056",
    ),
    pytest.param(
        "- analyser le besoin du client ; - rédiger le cahier des charges ; - piloter le projet",
        ["analyser le besoin du client ;", "rédiger le cahier des charges ;", "piloter le projet"],
        None,
        [],
        None,
        id="packed-with-semicolons",
    ),
    pytest.param(
        "C1. Réaliser l’analyse fonctionnelle d’un produit. C2. Elaborer un cahier des charges. "
        "C3. Concevoir une solution sur un logiciel de C.A.O. C4. Etablir un planning.",
        [
            "Réaliser l’analyse fonctionnelle d’un produit.",
            "Elaborer un cahier des charges.",
            "Concevoir une solution sur un logiciel de C.A.O.",
            "Etablir un planning.",
        ],
        None,
        [],
        ["C1", "C2", "C3", "C4"],
        id="packed-letter-codes",
    ),
    pytest.param(
        "Compétences attestées  Définir la politique de maintenance d'un parc  Élaborer les "
        "plans de maintenance préventive et conditionnelle des  équipements critiques  Organiser "
        "les interventions en respectant les règles  d'hygiène et de sécurité  Analyser les "
        "défaillances (AMDEC,  arbres de causes) et proposer des améliorations,  durables",
        [
            "Définir la politique de maintenance d'un parc",
            "Élaborer les plans de maintenance préventive et conditionnelle des équipements "
            "critiques",
            "Organiser les interventions en respectant les règles d'hygiène et de sécurité",
            "Analyser les défaillances (AMDEC, arbres de causes) et proposer des améliorations, "
            "durables",
        ],
        None,
        ["Compétences attestées"],
        None,
        id="no-marker-with-continuations",
    ),
    pytest.param(
        "analyser le besoin  rédiger le cahier des charges  piloter le projet",
        ["analyser le besoin", "rédiger le cahier des charges", "piloter le projet"],
        None,
        [],
        None,
        id="no-marker-all-lowercase",
    ),
    pytest.param(
        "Compétences techniques :  - Analyser le besoin  - Concevoir la solution  Compétences "
        "managériales :  - Piloter le projet",
        ["Analyser le besoin", "Concevoir la solution", "Piloter le projet"],
        None,
        ["Compétences techniques :", "Compétences managériales :"],
        None,
        id="headings-between-marked-items",
    ),
    pytest.param(
        "* Maîtriser les outils numériques suivants :  o CAO  o FAO  * Piloter le projet  o "
        "Compétences :",
        ["Maîtriser les outils numériques suivants :", "Piloter le projet"],
        [["CAO", "FAO"], []],
        ["Compétences :"],
        None,
        id="colon-item-with-sub-skills-is-a-competence",
    ),
    pytest.param(
        "C1. Réaliser l’analyse fonctionnelle d’un produit ou d’un système\nmécanique.\nC2. "
        "Elaborer tout ou partie d’un cahier des charges fonctionnel d’un\nproduit.\r\nC3. "
        "Rechercher des solutions",
        [
            "Réaliser l’analyse fonctionnelle d’un produit ou d’un système mécanique.",
            "Elaborer tout ou partie d’un cahier des charges fonctionnel d’un produit.",
            "Rechercher des solutions",
        ],
        None,
        [],
        ["C1", "C2", "C3"],
        id="hard-wrapped-lines",
    ),
    pytest.param(
        "Le titulaire est capable de\u00a0:\t-\u00a0Analyser\u00a0le besoin\t- Concevoir\u202fla "
        "solution\u200b",
        ["Analyser le besoin", "Concevoir la solution"],
        None,
        ["Le titulaire est capable de :"],
        None,
        id="tabs-and-non-breaking-spaces",
    ),
    pytest.param(
        "Le titulaire de la certification est capable de  Analyser le besoin  Concevoir une "
        "solution",
        ["Analyser le besoin", "Concevoir une solution"],
        None,
        ["Le titulaire de la certification est capable de"],
        None,
        id="preamble-without-colon",
    ),
    pytest.param(
        "<p>Le titulaire est capable de&nbsp;:</p><ul><li>Piloter un projet de R&amp;D</li>"
        "<li>Concevoir un banc d&#39;essais<ul><li>choisir les capteurs</li><li>r&eacute;aliser "
        "l&rsquo;acquisition</li></ul></li><li>R&#233;diger<br>un rapport d&#x2019;essais</li>"
        "</ul>",
        ["Piloter un projet de R&D", "Concevoir un banc d'essais", "Rédiger un rapport d’essais"],
        [[], ["choisir les capteurs", "réaliser l’acquisition"], []],
        ["Le titulaire est capable de :"],
        None,
        id="html-list-nested-list-entities",
    ),
    pytest.param(
        "<ul><li>Compétences techniques :<ul><li>Analyser le besoin</li><li>Concevoir</li></ul>"
        "</li><li>Compétences transversales :<ul><li>Communiquer en anglais</li></ul></li></ul>",
        ["Analyser le besoin", "Concevoir", "Communiquer en anglais"],
        None,
        ["Compétences techniques :", "Compétences transversales :"],
        None,
        id="html-heading-items-promote-their-children",
    ),
    pytest.param(
        "<P>Analyser les risques d&#39;un poste</P><p>Proposer des mesures de pr&eacute;vention"
        "</p><p>Sensibiliser les op&eacute;rateurs<br/>aux bonnes pratiques</p>",
        [
            "Analyser les risques d'un poste",
            "Proposer des mesures de prévention",
            "Sensibiliser les opérateurs aux bonnes pratiques",
        ],
        None,
        [],
        None,
        id="html-paragraphs",
    ),
    pytest.param(
        "<p>- Analyser le besoin</p><p>- Concevoir la solution</p><p>Ces compétences sont "
        "évaluées en entreprise.</p>",
        [
            "Analyser le besoin",
            "Concevoir la solution",
            "Ces compétences sont évaluées en entreprise.",
        ],
        None,
        [],
        None,
        id="html-paragraphs-with-markers",
    ),
    pytest.param(
        "Analyser le besoin &amp; les contraintes  Concevoir la solution",
        ["Analyser le besoin & les contraintes", "Concevoir la solution"],
        None,
        [],
        None,
        id="entities-in-plain-text",
    ),
]


@pytest.mark.parametrize(("raw", "expected", "expected_subs", "ignored", "codes"), SPLIT_CASES)
def test_split_competences(
    raw: str,
    expected: list[str],
    expected_subs: list[list[str]] | None,
    ignored: list[str],
    codes: list[str | None] | None,
) -> None:
    result = split_competences(raw)
    assert statements(result) == expected
    assert subs(result) == (expected_subs or [[] for _ in expected])
    assert result.ignored == ignored
    assert result.source_codes == (codes or [None] * len(expected))
    assert all(competence.code is None for competence in result.competences)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t\u00a0", "<p> </p>", None])
def test_split_of_nothing_is_empty(raw: str | None) -> None:
    assert split_competences(raw) == SplitResult()


def test_mixed_competences_and_assessment_bullets_are_flagged_not_dropped() -> None:
    raw = (
        "  • Examiner le cycle de développement du système.  • Évaluer la fiabilité et la "
        "sécurité d'un système, en utilisant des outils de type AMDEC.  • Communiquer en anglais "
        "pour évaluer la meilleure solution.  • Les connaissances acquises sont évaluées par des "
        "épreuves obligatoires, écrites (devoirs surveillés) ou orales.  • Des études de cas "
        "spécifiques viennent compléter ces modalités.  • Les activités en entreprise sont "
        "évaluées à travers une grille de montée en compétences."
    )
    result = split_competences(raw)
    assert len(result.competences) == 6
    assert result.suspected_assessment == [3, 4, 5]
    assert result.competences[4].statement == (
        "Des études de cas spécifiques viennent compléter ces modalités."
    )


@pytest.mark.parametrize(
    ("statement", "flagged"),
    [
        ("Mise en situation dans le cadre de TP : travail en équipe.", True),
        ("Étude de cas en groupe", True),
        ("Etudes de cas", True),
        ("Évaluation individuelle (soutenance)", True),
        ("L'évaluation se fait en contrôle continu", True),
        ("Soutenance orale devant un jury", True),
        ("Rapport de stage", True),
        ("Projet tutoré", True),
        ("Dossier professionnel", True),
        ("Contrôle continu", True),
        ("Examen sur table", True),
        ("Épreuve écrite de 3 heures", True),
        ("QCM en ligne", True),
        ("Oral de synthèse", True),
        ("Simulation de situation professionnelle - Évaluation individuelle", True),
        ("Des jeux sérieux sont organisés pour les apprenants.", True),
        ("Le processus pédagogique peut recourir à des projets pluridisciplinaires.", True),
        ("De situations de travail en entreprise, évaluées semestriellement.", True),
        ("Ces activités font l'objet de présentations orales et de rapports écrits.", True),
        ("Évaluer la fiabilité d'un système", False),
        ("Contrôler la conformité des pièces", False),
        ("Rapporter les écarts à la direction", False),
        ("Projeter les besoins en ressources", False),
        ("Présenter ses travaux à un comité de pilotage", False),
        ("Analyser le système en réalisant des études de sûreté de fonctionnement", False),
        ("Communiquer en anglais pour pouvoir évaluer la meilleure solution", False),
        ("Se connaître, s'autoévaluer et développer ses compétences", False),
        ("Valider une solution technique", False),
    ],
)
def test_suspected_assessment(statement: str, flagged: bool) -> None:
    result = split_competences(f"- Analyser le besoin  - {statement}")
    assert statements(result)[1] == statement
    assert result.suspected_assessment == ([1] if flagged else [])


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("  Ingénieur   diplômé\u00a0 de l'École  ", False, "Ingénieur diplômé de l'École"),
        ("Ingénieur <b>diplômé</b> de l&#39;&Eacute;cole", False, "Ingénieur diplômé de l'École"),
        ("<p>Étude de cas</p><p>Soutenance</p>", True, "Étude de cas\nSoutenance"),
        ("<p>Étude de cas</p><p>Soutenance</p>", False, "Étude de cas Soutenance"),
        (
            "<p>Le jury est composé :</p><ul><li>du directeur ;</li><li>de deux enseignants "
            "&amp; deux professionnels.</li></ul>",
            True,
            "Le jury est composé :\n- du directeur ;\n- de deux enseignants & deux professionnels.",
        ),
        (
            "Présentation des projets réalisés en milieu\nprofessionnel.\nAvis de l'entreprise.",
            True,
            "Présentation des projets réalisés en milieu professionnel.\nAvis de l'entreprise.",
        ),
        (
            "Il comprend a minima :\n\n\net pour les 2 sites",
            True,
            "Il comprend a minima :\net pour les 2 sites",
        ),
        ("R&amp;D &eacute;quipe", True, "R&D équipe"),
        ("", True, ""),
        (None, True, ""),
    ],
)
def test_clean_text(raw: str | None, multiline: bool, expected: str) -> None:
    assert clean_text(raw, multiline=multiline) == expected


# --------------------------------------------------------------------------------------
# Properties

_VERBS = ["Analyser", "Concevoir", "Piloter", "Rédiger", "Évaluer", "Établir", "Mettre", "Gérer"]
_WORDS = [
    "le", "la", "les", "besoin", "client", "système", "mécanique", "de", "des", "afin", "et",
    "mise", "en", "service", "-", "pluri-disciplinaire", "(CAO)", "ISO", "9001", "à", "l’équipe",
    "d'un", "coût", "/", "qualité,", "délais", "Kaizen", "2", "o", "C1", "1.1", "B2",
]  # fmt: skip

_statement = st.builds(
    lambda verb, words, end: " ".join([verb, *words]) + end,
    st.sampled_from(_VERBS),
    st.lists(st.sampled_from(_WORDS), max_size=12),
    st.sampled_from(["", ".", " ;", " !"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_statement, min_size=1, max_size=8), st.sampled_from(["-", "*", "•", "–", "C"]))
def test_marked_lists_split_back_into_their_statements(items: list[str], marker: str) -> None:
    if marker == "C":
        raw = "  ".join(f"C{position}. {item}" for position, item in enumerate(items, start=1))
    else:
        raw = "  ".join(f"{marker} {item}" for item in items)
    result = split_competences("Le titulaire est capable de :  " + raw)
    assert statements(result) == items
    assert result.ignored == ["Le titulaire est capable de :"]


@settings(max_examples=200, deadline=None)
@given(st.lists(_statement.map(lambda text: text.rstrip(" ;!.") + "."), min_size=1, max_size=8))
def test_packed_lists_split_back_into_their_statements(items: list[str]) -> None:
    result = split_competences("- " + " - ".join(items))
    assert statements(result) == items


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAé -*•o.:;C1)\u00a0\t\n<>/lip&;#")), max_size=80))
def test_any_text_gives_a_clean_deterministic_split(raw: str) -> None:
    result = split_competences(raw)
    assert result == split_competences(raw)
    assert len(result.source_codes) == len(result.competences)
    assert all(0 <= index < len(result.competences) for index in result.suspected_assessment)
    for text in [*statements(result), *result.ignored, *(s for c in subs(result) for s in c)]:
        assert text
        assert text == text.strip()
        assert not re.search(r"\s{2,}", text)
