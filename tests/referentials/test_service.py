"""Referential service: bundled seeds, versions, round trips, drafts (on every database)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.referentials.builders import make_certification
from tracker.errors import DomainError, ImportFileError, NotFound
from tracker.referentials import service
from tracker.referentials.models import Certification, Competence
from tracker.referentials.records import RequirementKind

EXPECTED = json.loads(
    (Path(__file__).parent / "files" / "seed_expected.json").read_text(encoding="utf-8")
)

# DESIGN.md §2: the exact shape of the five seed certifications.
SHAPES = {
    "RNCP39056": [6, 5, 8, 6],
    "RNCP39055": [6, 3, 4, 5, 3, 4],
    "RNCP39303": [10, 8, 8, 7],
    "RNCP39304": [7, 8, 11],
    "RNCP21806": [4, 2],
}


@pytest.fixture
def seeds(db_session):  # type: ignore[no-untyped-def]
    outcomes = service.load_bundled(db_session)
    return {outcome.certification.code: outcome.certification for outcome in outcomes}


def test_bundled_seeds_have_the_exact_shape_of_the_design(seeds) -> None:
    assert {code: [len(b.competences) for b in cert.blocks] for code, cert in seeds.items()} == (
        SHAPES
    )
    assert {code: cert.competence_count for code, cert in seeds.items()} == {
        "RNCP39056": 25,
        "RNCP39055": 25,
        "RNCP39303": 33,
        "RNCP39304": 26,
        "RNCP21806": 6,
    }


def test_bundled_statements_are_word_for_word(seeds) -> None:
    for code, cert in seeds.items():
        for block, expected in zip(cert.blocks, EXPECTED[code]["blocks"], strict=True):
            assert block.code == expected["code"]
            assert [" ".join(c.statement.split()) for c in block.competences] == [
                " ".join(c["statement"].split()) for c in expected["competences"]
            ]


def test_competence_codes_are_minted_from_block_codes(seeds) -> None:
    block = seeds["RNCP39303"].blocks[0]
    assert [c.code for c in block.competences][:3] == [
        "RNCP39303BC01.C01",
        "RNCP39303BC01.C02",
        "RNCP39303BC01.C03",
    ]
    assert seeds["RNCP21806"].blocks[1].competences[-1].code == "RNCP21806BC02.C02"


def test_tracks_and_requirements_of_the_seeds(seeds) -> None:
    tracks = {t.name: [b.code[-4:] for b in t.blocks] for t in seeds["RNCP39055"].tracks}
    assert tracks == {
        "Angoulême / Poitiers": ["BC01", "BC02", "BC03", "BC04", "BC05"],
        "Paris / Saint-Denis": ["BC01", "BC02", "BC03", "BC04", "BC06"],
    }
    kinds = {code: [r.kind for r in cert.requirements] for code, cert in seeds.items()}
    assert kinds["RNCP39303"] == ["english", "mobility", "report", "defence"]
    assert kinds["RNCP39304"] == ["english", "mobility", "report", "defence"]
    assert kinds["RNCP39056"] == ["english", "mobility"]
    assert kinds["RNCP39055"] == ["mobility"]
    assert kinds["RNCP21806"] == ["company_opinion"]
    english = seeds["RNCP39303"].requirements[0]
    assert english.params == {"min_level": "B2"}
    assert seeds["RNCP39303"].requirements[1].params == {"min_weeks": 12}
    assert seeds["RNCP39056"].requirements[1].params == {"min_weeks": 9, "max_weeks": 12}


def test_assessment_methods_are_kept_apart_from_competences(seeds) -> None:
    """RNCP39304 mixes them in one list in the source: none became a competence."""
    for block in seeds["RNCP39304"].blocks:
        assert block.assessment_methods
        assert not any(c.statement in block.assessment_methods for c in block.competences)


def test_loading_the_seeds_twice_creates_nothing(db_session, seeds) -> None:
    outcomes = service.load_bundled(db_session)
    assert not any(outcome.created for outcome in outcomes)
    assert db_session.scalar(select(func.count()).select_from(Certification)) == 5


def test_a_changed_fiche_becomes_a_new_version_and_the_old_one_stays(db_session, seeds) -> None:
    old = seeds["RNCP39303"]
    old_ids = [c.id for c in old.blocks[0].competences]
    record = service.to_record(old)
    record.blocks[0].competences[0].statement = "Concevoir autrement."
    outcome = service.save_certification(db_session, record, source="rncp")
    assert outcome.created
    assert outcome.certification.version == 2
    db_session.expire_all()
    assert service.get_certification(db_session, "RNCP39303").version == 2
    first = service.get_certification(db_session, "RNCP39303", 1)
    assert [c.id for c in first.blocks[0].competences] == old_ids
    assert first.blocks[0].competences[0].statement != "Concevoir autrement."


@pytest.mark.parametrize("fmt", ["case", "moodle"])
def test_export_then_import_gives_the_same_referential(db_session, seeds, fmt: str) -> None:
    for code, cert in seeds.items():
        exported = service.export(cert, fmt, base_uri="https://livret.test/case")
        result = service.read_file(db_session, io.BytesIO(exported.content.encode()))
        assert result.format == fmt
        assert len(result.proposals) == 1
        outcome = service.save_certification(db_session, result.proposals[0].record, source=fmt)
        assert not outcome.created, f"{code} changed through {fmt}"


def test_case_export_is_stable(db_session, seeds) -> None:
    cert = seeds["RNCP39055"]
    first = service.export(cert, "case", base_uri="https://livret.test/case").content
    assert first == service.export(cert, "case", base_uri="https://livret.test/case").content


def test_reimporting_an_rncp_fiche_keeps_tracks_and_requirements(db_session, seeds) -> None:
    path = Path(service.BUNDLED / "RNCP39055.xml")
    with path.open("rb") as stream:
        (proposal,) = service.read_file(db_session, stream).proposals
    assert [t.name for t in proposal.record.tracks] == [
        "Angoulême / Poitiers",
        "Paris / Saint-Denis",
    ]
    assert [r.kind for r in proposal.record.requirements] == [RequirementKind.MOBILITY]
    assert not service.save_certification(db_session, proposal.record, source="rncp").created


def test_a_new_rncp_fiche_gets_one_track_with_all_blocks(db_session) -> None:
    path = Path(service.BUNDLED / "RNCP39304.xml")
    with path.open("rb") as stream:
        (proposal,) = service.read_file(db_session, stream).proposals
    assert [(t.name, len(t.block_codes)) for t in proposal.record.tracks] == [
        ("Parcours unique", 3)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: setattr(r.blocks[0], "competences", []), "aucune compétence"),
        (lambda r: setattr(r, "blocks", []), "aucun bloc"),
        (lambda r: setattr(r.blocks[1], "code", r.blocks[0].code), "Code de bloc en double"),
        (lambda r: r.tracks[0].block_codes.append("RNCP39303BC99"), "blocs inconnus"),
        (lambda r: setattr(r.requirements[0], "params", {"min_level": "B3"}), "niveau d'anglais"),
        (lambda r: setattr(r.requirements[1], "params", {"min_weeks": 0}), "semaines"),
        (lambda r: setattr(r, "title", "  "), "intitulé"),
    ],
)
def test_invalid_referentials_are_refused_and_nothing_is_saved(db_session, change, message) -> None:
    record = make_certification()
    change(record)
    with pytest.raises(DomainError, match=message):
        service.save_certification(db_session, record, source="case")
    assert db_session.scalar(select(func.count()).select_from(Competence)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"   \n", "vide"),
        (b"<FICHES><FICHE>", "XML"),
        (b'{"CFDocument": 3}', "CFDocument"),
        (b"a;b;c\n1;2;3\n", "colonne"),
    ],
)
def test_bad_files_get_a_clear_error(db_session, content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        service.read_file(db_session, io.BytesIO(content))


def test_drafts_belong_to_their_author(db_session, make_user) -> None:
    from tracker.auth.models import Role

    author, other = make_user(Role.MANAGER), make_user(Role.MANAGER)
    draft = service.create_draft(
        db_session,
        user_id=author.id,
        proposals=[service.Proposal(make_certification())],
        source="case",
        source_name="x.json",
    )
    assert service.get_draft(db_session, draft.token, author.id) is draft
    with pytest.raises(NotFound):
        service.get_draft(db_session, draft.token, other.id)
    outcomes = service.confirm_draft(db_session, draft)
    assert outcomes[0].certification.code == "RNCP39303"
    with pytest.raises(NotFound):
        service.get_draft(db_session, draft.token, author.id)
