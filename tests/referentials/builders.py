"""A realistic certification record shared by the CASE and Moodle exchange tests."""

from __future__ import annotations

from datetime import date

from tracker.referentials.records import (
    BlockRecord,
    CertificationRecord,
    CompetenceRecord,
    RequirementKind,
    RequirementRecord,
    TrackRecord,
)

CODE = "RNCP39303"

LONG_STATEMENT = (
    "Concevoir, dimensionner et valider un produit ou un système mécanique complexe en "
    "intégrant les contraintes fonctionnelles, réglementaires, environnementales et "
    "économiques, depuis l'expression du besoin jusqu'à l'industrialisation"
)


def _block(number: int, title: str, statements: list[str], methods: str) -> BlockRecord:
    code = f"{CODE}BC{number:02d}"
    return BlockRecord(
        code=code,
        title=title,
        assessment_methods=methods,
        competences=[
            CompetenceRecord(statement=statement, code=f"{code}.C{position:02d}")
            for position, statement in enumerate(statements, start=1)
        ],
    )


def make_certification() -> CertificationRecord:
    """An engineering degree in mechanics: 3 blocks of 4 competences, 2 tracks, 3 conditions."""
    blocks = [
        _block(
            1,
            "Concevoir des produits et systèmes mécaniques innovants",
            [
                LONG_STATEMENT,
                "Modéliser le comportement mécanique d'une structure (éléments finis, "
                "méthodes analytiques)",
                "Choisir les matériaux et les procédés adaptés à un cahier des charges",
                "Rédiger un cahier des charges fonctionnel, « CdCF », avec le client",
            ],
            "Projet de conception en équipe évalué sur dossier et soutenance ; "
            "évaluation en entreprise par le tuteur.\nÉtude de cas écrite.",
        ),
        _block(
            2,
            "Piloter l'industrialisation et la production",
            [
                "Définir un processus de fabrication et ses gammes",
                "Mettre en œuvre une démarche d'amélioration continue (Lean, 5S, SMED)",
                "Garantir la qualité des produits : AMDEC, MSP, plans de surveillance",
                'Conduire un projet de transformation numérique de l\'atelier ("usine 4.0")',
            ],
            "Mise en situation professionnelle évaluée par le maître d'apprentissage.",
        ),
        _block(
            3,
            "Manager des équipes et des projets dans un contexte international",
            [
                "Planifier, budgéter et suivre un projet industriel",
                "Animer une équipe pluridisciplinaire",
                "Communiquer en anglais dans un contexte professionnel",
                "Intégrer les enjeux de responsabilité sociétale et environnementale",
            ],
            "",
        ),
    ]
    blocks[1].competences[0].sub_skills = [
        "Choisir les moyens de production",
        "Chiffrer les temps et les coûts de fabrication",
        "Rédiger les gammes, y compris « contrôle »",
    ]
    return CertificationRecord(
        code=CODE,
        title="Ingénieur diplômé de l'École nationale supérieure d'arts et métiers, "
        "spécialité Mécanique",
        level="NIV7",
        certifiers=["École nationale supérieure d'arts et métiers (ENSAM)", "Cnam; Paris"],
        active=True,
        registration_end=date(2029, 8, 31),
        blocks=blocks,
        tracks=[
            TrackRecord(
                name="Campus d'Angers",
                block_codes=[f"{CODE}BC01", f"{CODE}BC02", f"{CODE}BC03"],
                description="Apprentissage, rythme 3 semaines / 3 semaines",
            ),
            TrackRecord(name="Campus de Bordeaux", block_codes=[f"{CODE}BC03", f"{CODE}BC01"]),
        ],
        requirements=[
            RequirementRecord(
                kind=RequirementKind.ENGLISH,
                label="Anglais B2 (CECRL) certifié par un test reconnu",
                params={"min_level": "B2"},
            ),
            RequirementRecord(
                kind=RequirementKind.MOBILITY,
                label="Mobilité internationale de 12 semaines",
                params={"min_weeks": 12},
            ),
            RequirementRecord(kind=RequirementKind.REPORT, label="Rapport de fin d'études"),
        ],
        jury_composition="Le jury comprend au moins 4 membres, dont la moitié de "
        "professionnels ; il est présidé par le directeur général.",
        status="Publiée",
    )
