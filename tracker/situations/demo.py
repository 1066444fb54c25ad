"""Demonstration work situations (called by ``tracker.demo``): a few realistic missions
of a mechanical-engineering apprentice per contract, in past semesters, linked to the
competences of the track their text speaks of, with a small picture and tutor comments."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from tracker.evaluations.service import track_competences
from tracker.people.models import Apprenticeship, Semester
from tracker.permissions import situation_period
from tracker.referentials.models import Competence
from tracker.situations import service, storage
from tracker.situations.models import WorkSituation


@dataclass(frozen=True)
class DemoSituation:
    title: str
    context: str
    done: str
    weeks: int
    # Words (without accents) looked for in the competences' statements.
    keywords: tuple[str, ...]
    comment: str


CATALOGUE = (
    DemoSituation(
        "Reprise de la gamme d'usinage d'un carter",
        "Atelier d'usinage 5 axes (12 personnes). Carter de réducteur en aluminium 7075 "
        "pour un train d'atterrissage : 8 % de rebut sur l'alésage principal depuis le "
        "changement de fournisseur de bruts.",
        "Analyse des non-conformités des trois derniers mois (Pareto, relevés MMT), puis "
        "reprise de la gamme : ordre des phases, bridage en deux prises, choix d'un alésoir "
        "à plaquettes. Essai sur une série de 20 pièces avec le régleur : rebut ramené à "
        "1,5 %. Mise à jour de la fiche suiveuse et présentation au chef d'atelier.",
        6,
        (
            "usinage",
            "fabrication",
            "industrialis",
            "procede",
            "amelioration continue",
            "outils de production",
        ),
        "Démarche rigoureuse et bien documentée. La prochaine fois, associe plus tôt le "
        "contrôle qualité pour valider le plan de surveillance.",
    ),
    DemoSituation(
        "Analyse AMDEC de la ligne d'assemblage",
        "Ligne d'assemblage de vérins hydrauliques, trois postes, 40 pièces par jour ; deux "
        "réclamations clients en six mois pour des fuites au joint de tige.",
        "Animation de quatre séances d'AMDEC processus avec les méthodes, la qualité et deux "
        "opérateurs : 27 modes de défaillance cotés (gravité, occurrence, détection). Plan "
        "d'actions priorisé : détrompeur au montage du joint, clé dynamométrique "
        "connectée, contrôle d'étanchéité à 100 %. Suivi des actions en réunion "
        "hebdomadaire.",
        5,
        ("risque", "fiabilit", "defaillance", "qualite", "animer", "reunion"),
        "Très bonne animation des séances : tout le monde a pu s'exprimer. Les cotations "
        "de détection sont encore un peu optimistes.",
    ),
    DemoSituation(
        "Dimensionnement d'un support de banc d'essai",
        "Banc d'essai de fatigue pour pièces de structure ; le support existant fissurait "
        "après quelques milliers de cycles.",
        "Calcul analytique des efforts, puis simulation par éléments finis et comparaison "
        "avec les jauges posées sur l'ancien support. Choix d'une nuance S355, ajout de "
        "raidisseurs, mise en plan avec cotation ISO GPS et validation en revue de "
        "conception avec le bureau d'études.",
        8,
        ("dimensionn", "modelis", "simul", "calcul", "concevoir des systemes", "mecani"),
        "Bon travail de modélisation, et la corrélation avec les mesures rassure l'équipe "
        "essais. Pense à chiffrer la solution avant la revue.",
    ),
    DemoSituation(
        "Chiffrage et lancement d'une présérie de brides",
        "Nouvelle famille de brides inox pour un client du secteur agroalimentaire ; "
        "délai ferme de six semaines.",
        "Chiffrage matière et temps de cycle, consultation de deux sous-traitants pour le "
        "polissage, planning de la présérie de 50 pièces, puis suivi des jalons avec "
        "l'acheteuse et le client jusqu'à la livraison, dans le délai.",
        6,
        ("pilotage projet", "couts", "client", "fournisseur", "planifi", "delai"),
        "Le client a apprécié le suivi régulier. Bonne tenue du budget.",
    ),
)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _pick(competences: Sequence[Competence], keywords: tuple[str, ...], seed: int) -> list[int]:
    """Two to four competences whose statement speaks of the situation, completed by
    others of the track when too few do."""
    scored = sorted(
        ((sum(word in _plain(c.statement) for word in keywords), c.id) for c in competences),
        key=lambda pair: (-pair[0], pair[1]),
    )
    chosen = [cid for score, cid in scored if score > 0][:4]
    index = seed
    while len(chosen) < 2 and len(chosen) < len(competences):
        candidate = competences[index % len(competences)].id
        if candidate not in chosen:
            chosen.append(candidate)
        index += 3
    return chosen


def demo_picture() -> bytes:
    """A small PNG drawn on the fly: the sketch of a part on its fixture."""
    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 110, 220, 140), outline="black", width=3)  # fixture plate
    draw.rectangle((60, 40, 180, 110), outline="navy", width=3)  # part
    draw.ellipse((100, 55, 140, 95), outline="darkred", width=3)  # bore
    draw.line((120, 10, 120, 150), fill="gray", width=1)  # axis
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _slots(apprenticeship: Apprenticeship, today: date) -> list[tuple[date, date]]:
    """Where situations fit: in each semester already over, or else early in the current
    one; each slot starts three weeks into its semester and ends before today."""
    semesters: list[Semester] = [
        s for s in apprenticeship.cohort.semesters if s.ends_on < today
    ] or [s for s in apprenticeship.cohort.semesters if s.starts_on < today][:1]
    slots = []
    for semester in semesters:
        start = max(semester.starts_on, apprenticeship.starts_on) + timedelta(weeks=3)
        end = min(semester.ends_on, apprenticeship.ends_on, today - timedelta(days=1))
        if start < end:
            slots.append((start, end))
    return slots


def seed_demo_situations(
    session: Session,
    apprenticeships: Sequence[Apprenticeship],
    today: date,
    *,
    store: storage.FileStore | None = None,
) -> list[WorkSituation]:
    """Two to four situations per contract (fewer when few semesters are over), through
    the same service as the pages, so the audit log shows them too. The first one of each
    contract carries a small PNG; the tutors of the period have commented all but the
    latest. Returns the situations created."""
    store = store or storage.get_store()
    picture = demo_picture()
    created: list[WorkSituation] = []
    for position, apprenticeship in enumerate(apprenticeships):
        slots = _slots(apprenticeship, today)
        count = min(2 + position % 3, len(slots), len(CATALOGUE))
        if count == 0:
            continue
        competences = track_competences(apprenticeship.cohort)
        # Spread over the semesters that are over, oldest first.
        chosen_slots = [
            slots[round(i * (len(slots) - 1) / max(count - 1, 1))] for i in range(count)
        ]
        apprentice = apprenticeship.apprentice
        for index, (plan, (start, end)) in enumerate(
            zip(CATALOGUE[position % 2 :] + CATALOGUE[: position % 2], chosen_slots, strict=False)
        ):
            ends_on = min(start + timedelta(weeks=plan.weeks), end)
            situation = service.create_situation(
                session,
                apprenticeship,
                service.SituationInput(
                    title=plan.title,
                    starts_on=start,
                    ends_on=ends_on,
                    company_context=plan.context,
                    what_was_done=plan.done,
                    competence_ids=frozenset(_pick(competences, plan.keywords, position + index)),
                ),
                actor=apprentice,
            )
            if index == 0:
                service.add_file(
                    session,
                    situation,
                    filename="schema-montage.png",
                    stream=io.BytesIO(picture),
                    max_bytes=len(picture),
                    actor=apprentice,
                    store=store,
                )
            if index < count - 1:
                tutor = situation_period(apprenticeship, ends_on).company_tutor
                service.add_comment(session, situation, plan.comment, actor=tutor)
            created.append(situation)
    return created
