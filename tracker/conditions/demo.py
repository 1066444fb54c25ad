"""Demonstration evidence of the conditions of award (called by ``tracker.demo``).

Through the same service as the pages, so the audit log shows it too. Per cohort, what its
certification asks for and what its calendar allows: English certificates (one validated,
one waiting for validation, one refused with its reason, one too low), mobility periods in
the summers already over (one stay of 12 weeks validated, another split in two with the
second half waiting), the defence of the third-year apprentice scheduled by the academic
tutor, and company opinions for the CQPM (validated, waiting, refused). The third
apprentice of most cohorts has entered nothing yet. Proofs are a small PNG or PDF made on
the fly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from tracker.conditions import service
from tracker.conditions.models import EvidenceKind
from tracker.people.models import Apprenticeship
from tracker.situations import storage

LEA_REFUSAL = (
    "L'attestation jointe est une capture d'écran du site de l'organisme, sans numéro de "
    "vérification : joignez le certificat officiel (PDF) qui porte le numéro de session."
)
OPINION_REFUSAL = (
    "L'avis ne s'appuie sur aucune activité précise : citez les projets menés et les "
    "capacités du référentiel (C1 à C6) que vous avez observées."
)

# (test, score, level): what each apprentice of a cohort passed, by position.
CERTIFICATES = (
    ("TOEIC Listening and Reading", "850/990", "B2"),
    ("TOEFL iBT", "94/120", "B2"),
    ("IELTS Academic", "6,5", "B2"),
)
TOO_LOW = ("TOEIC Listening and Reading", "705/990", "B1")

# (country, host) of the stays abroad.
STAYS = (
    ("Allemagne", "Fraunhofer IPA, Stuttgart"),
    ("Espagne", "Universidad Politécnica de Madrid"),
    ("Canada", "Bombardier, Mirabel (Québec)"),
    ("Suède", "SKF, Göteborg"),
)


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with one line of text, cross-reference table included."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 40 150 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj".encode() + body + b"endobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def demo_certificate_png() -> bytes:
    """A small PNG: the sketch of a test certificate with its seal."""
    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 232, 152), outline="navy", width=3)
    for y in (40, 60, 80, 100):
        draw.line((24, y, 150, y), fill="gray", width=2)
    draw.ellipse((165, 95, 215, 145), outline="darkred", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _proof(name: str, data: bytes) -> service.ProofUpload:
    return service.ProofUpload(name, io.BytesIO(data), len(data))


def _validate(session: Session, row: object, apprenticeship: Apprenticeship, today: date) -> None:
    if service.validation_problem(row, today) is None:  # type: ignore[arg-type]
        service.validate_record(
            session,
            row,
            version=row.version,  # type: ignore[attr-defined]
            actor=apprenticeship.current_period.academic_tutor,
            today=today,
        )


def _years(apprenticeship: Apprenticeship, today: date) -> int:
    """Academic years begun since the contract's cohort started (0 in the first year)."""
    current = today.year if today.month >= 9 else today.year - 1
    return current - apprenticeship.cohort.start_year


def _english(
    session: Session,
    apprenticeship: Apprenticeship,
    position: int,
    today: date,
    store: storage.FileStore,
) -> None:
    """First apprentice: validated (Léa Bernard's cohort: refused for its proof); second:
    validated (B1 only in a second-year cohort); third: waiting for validation in the
    third year, nothing before."""
    years = _years(apprenticeship, today)
    if position == 2 and years < 2:
        return
    start = apprenticeship.starts_on
    taken_on = max(start, min(start + timedelta(days=200 + 30 * position), today))
    test, score, level = CERTIFICATES[position % len(CERTIFICATES)]
    if position == 1 and years == 1:
        test, score, level = TOO_LOW
    refused = position == 0 and years >= 2
    proof = (
        _proof("capture-resultat-toeic.png", demo_certificate_png())
        if refused
        else _proof(f"attestation {test}.pdf", demo_pdf(f"{test} - {score} - CECRL {level}"))
    )
    row = service.create_record(
        session,
        apprenticeship,
        service.EnglishInput(test, score, level, taken_on),
        actor=apprenticeship.apprentice,
        today=today,
        proof=proof,
        store=store,
    )
    if refused:
        service.refuse_record(
            session,
            row,
            LEA_REFUSAL,
            version=row.version,
            actor=apprenticeship.current_period.academic_tutor,
        )
    elif position != 2:
        _validate(session, row, apprenticeship, today)


def _mobility(
    session: Session,
    apprenticeship: Apprenticeship,
    position: int,
    today: date,
    store: storage.FileStore,
) -> None:
    if position == 2:
        return
    summer = date(apprenticeship.starts_on.year + 1, 6, 2)
    apprentice = apprenticeship.apprentice
    if position == 0:
        stays = [(STAYS[0], summer, summer + timedelta(days=83))]  # 84 days: 12 weeks
    else:
        first_end = summer + timedelta(days=41)  # 6 weeks
        second = summer + timedelta(days=49)
        stays = [
            (STAYS[1], summer, first_end),
            (STAYS[2 + apprenticeship.id % 2], second, second + timedelta(days=41)),
        ]
    for index, ((country, host), starts_on, ends_on) in enumerate(stays):
        if ends_on > apprenticeship.ends_on:
            return
        ended = ends_on < today
        row = service.create_record(
            session,
            apprenticeship,
            service.MobilityInput(country, host, starts_on, ends_on),
            actor=apprentice,
            today=today,
            # A stay still to come has no certificate of attendance yet.
            proof=_proof(f"attestation de séjour {country}.pdf", demo_pdf(f"{host}"))
            if ended
            else None,
            store=store,
        )
        if ended and index == 0:
            _validate(session, row, apprenticeship, today)


def _final(session: Session, apprenticeship: Apprenticeship, position: int, today: date) -> None:
    """The third-year apprentice's defence is scheduled by the academic tutor."""
    if position != 0 or _years(apprenticeship, today) < 2:
        return
    defence_on = date(apprenticeship.ends_on.year, 6, 24)
    if defence_on <= today:
        return
    service.create_record(
        session,
        apprenticeship,
        service.FinalAssessmentInput(
            report_submitted_on=None,
            defence_on=defence_on,
            comment="Soutenance devant le jury de fin d'études, salle du conseil.",
        ),
        actor=apprenticeship.current_period.academic_tutor,
        today=today,
    )


def _opinion(session: Session, apprenticeship: Apprenticeship, position: int, today: date) -> None:
    given_on = max(apprenticeship.starts_on, today - timedelta(days=20 + 5 * position))
    if given_on > today:
        return
    tutor = apprenticeship.current_period.company_tutor
    texts = (
        "Conception complète d'un outillage de perçage sous CAO paramétrique, maquette "
        "numérique validée en revue, mises en plan conformes : capacités C1 à C4 observées.",
        "Modélisation d'un ensemble soudé et de sa nomenclature, reprise des plans selon nos "
        "normes internes ; autonomie croissante sur le logiciel de CAO.",
        "Bon apprenti.",
    )
    row = service.create_record(
        session,
        apprenticeship,
        service.OpinionInput("favourable", given_on, texts[position % len(texts)]),
        actor=tutor,
        today=today,
    )
    if position == 0:
        _validate(session, row, apprenticeship, today)
    elif position == 2:
        service.refuse_record(
            session,
            row,
            OPINION_REFUSAL,
            version=row.version,
            actor=apprenticeship.current_period.academic_tutor,
        )


def seed_demo_conditions(
    session: Session,
    apprenticeships: Sequence[Apprenticeship],
    today: date,
    *,
    store: storage.FileStore | None = None,
) -> None:
    """Evidence for the contracts of one cohort, by what its certification requires."""
    if not apprenticeships:
        return
    store = store or service.proof_store()
    kinds = service.required_kinds(service.requirements_of(session, apprenticeships[0].cohort))
    for position, apprenticeship in enumerate(apprenticeships):
        if EvidenceKind.ENGLISH in kinds:
            _english(session, apprenticeship, position, today, store)
        if EvidenceKind.MOBILITY in kinds:
            _mobility(session, apprenticeship, position, today, store)
        if EvidenceKind.FINAL_ASSESSMENT in kinds:
            _final(session, apprenticeship, position, today)
        if EvidenceKind.COMPANY_OPINION in kinds:
            _opinion(session, apprenticeship, position, today)
