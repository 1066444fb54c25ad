"""The dossier's data, fingerprint and verification code, and the cache of rendered PDFs."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from tests.dossiers.builders import typical_apprenticeship
from tests.dossiers.helpers import change_signed_level, review_of
from tests.livret.helpers import sign_semester
from tracker.auth.models import Role
from tracker.dossiers import service
from tracker.dossiers.models import DossierRecord
from tracker.evaluations.models import RaterRole


def test_the_verification_code_is_short_and_forgiving() -> None:
    fingerprint = "f" * 64
    code = service.verification_code(fingerprint)
    assert code == "ZZZZZZZZZZ"
    assert service.verification_code("0" * 64) == "0000000000"
    code = service.verification_code("0123456789abcdef" * 4)
    assert len(code) == 10
    assert set(code) <= set(service.CROCKFORD)
    assert service.format_code(code) == f"{code[:5]}-{code[5:]}"
    assert service.normalise_code(service.format_code(code).lower()) == code
    assert service.normalise_code(" 0O1IL-abcde ") == "00111ABCDE"
    for wrong in ("", "ABCDE", "ABCDE-FGHJKM", "ABCDE-FGHJU", "<script>", "../../etc"):
        assert service.normalise_code(wrong) is None


def test_the_data_of_a_typical_dossier(db_session, typical) -> None:  # type: ignore[no-untyped-def]
    data = service.dossier_data(db_session, typical)
    json.dumps(data)  # plain values only
    assert data["apprentice"]["name"] == "Léa Bernard"
    assert data["certification"]["code"] == "RNCP39303"
    assert [b["code"] for b in data["blocks"]] == ["BC01", "BC02", "BC03", "BC04"]
    assert sum(len(b["competences"]) for b in data["blocks"]) == 33
    assert [s["signed"] for s in data["semesters"]] == [True] * 6
    assert [p["company_tutor"] for p in data["periods"]] == ["Thomas Girard", "Sophie Martin"]
    assert data["periods"][0]["siret"] == "32601815908303"
    cell = data["blocks"][0]["competences"][0]["cells"][0]
    assert set(cell["raters"]) == {role.value for role in RaterRole}
    assert len(data["reviews"]) == 6
    assert all(len(r["signatures"]) == 3 for r in data["reviews"])
    assert {c["role"] for c in data["comments"]} == {"company_tutor", "academic_tutor", "review"}
    assert data["situations"]
    assert data["conditions"]
    assert data["summary"]["progression"]["total"] == 33


def test_levels_come_from_signed_semesters_only(db_session, make_apprenticeship) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = make_apprenticeship()
    sign_semester(db_session, apprenticeship, 1, (2, 1))
    # S2: the three grids are in, but the review is not signed: nothing of it shows.
    from tests.livret.helpers import submit

    for role in RaterRole:
        submit(db_session, apprenticeship, 2, role, (3, 3))
    data = service.dossier_data(db_session, apprenticeship)
    cells = data["blocks"][0]["competences"][0]["cells"]
    assert cells[0] == {
        "agreed": 2,
        "raters": {"apprentice": 2, "company_tutor": 2, "academic_tutor": 2},
    }
    assert cells[1:] == [None] * 5
    assert [s["signed"] for s in data["semesters"]] == [True] + [False] * 5


def test_the_fingerprint_is_stable_and_follows_the_signed_levels(  # type: ignore[no-untyped-def]
    db_session, typical, make_user
) -> None:
    data = service.dossier_data(db_session, typical)
    first = service.fingerprint(data)
    assert service.fingerprint(service.dossier_data(db_session, typical)) == first
    assert first == service.fingerprint(json.loads(service.canonical_json(data)))
    # Whoever asks, in whatever language, the dossier's words are French.
    with force_locale("en"):
        assert service.fingerprint(service.dossier_data(db_session, typical)) == first

    change_signed_level(db_session, typical, 3, make_user(Role.MANAGER))
    changed = service.dossier_data(db_session, typical)
    assert service.fingerprint(changed) != first
    review = next(r for r in changed["reviews"] if r["semester"] == 3)
    assert review["revision"] == 2
    assert len(review["reopenings"]) == 1
    assert review["content_sha256"] == review_of(db_session, typical, 3).content_sha256


def test_render_stores_the_pdf_under_its_fingerprint_and_reuses_it(  # type: ignore[no-untyped-def]
    db_session, typical, upload_dir, monkeypatch
) -> None:
    assert service.cached_dossier(db_session, typical) is None
    status = service.dossier_status(db_session, typical)
    assert not status.ready
    assert status.previous is None

    rendered = service.render_dossier(db_session, typical.id)
    data = service.dossier_data(db_session, typical)
    assert rendered.fingerprint == service.fingerprint(data)
    assert rendered.code == service.format_code(service.verification_code(rendered.fingerprint))
    assert rendered.path == upload_dir / "dossiers" / f"{rendered.fingerprint}.pdf"
    assert rendered.path.read_bytes().startswith(b"%PDF-")
    assert rendered.filename == f"dossier-jury-RNCP39303-lea-bernard-{rendered.code}.pdf"
    row = db_session.query(DossierRecord).one()
    assert (row.apprentice_name, row.certification_code) == ("Léa Bernard", "RNCP39303")
    assert row.size == rendered.path.stat().st_size
    assert row.page_count >= 1

    # The cache answers; nothing is rendered again.
    def no_render(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("rendered again")

    monkeypatch.setattr("tracker.dossiers.render.render_document", no_render)
    assert service.cached_dossier(db_session, typical) == rendered
    assert service.render_dossier(db_session, typical.id) == rendered


def test_a_dossier_whose_file_went_missing_is_not_ready(db_session, typical) -> None:  # type: ignore[no-untyped-def]
    rendered = service.render_dossier(db_session, typical.id)
    rendered.path.unlink()
    assert service.cached_dossier(db_session, typical) is None
    status = service.dossier_status(db_session, typical)
    assert not status.ready
    assert status.previous is not None
    again = service.render_dossier(db_session, typical.id)
    assert again.path.is_file()
    assert db_session.query(DossierRecord).count() == 1


def test_verification_follows_the_data(db_session, typical, make_user) -> None:  # type: ignore[no-untyped-def]
    rendered = service.render_dossier(db_session, typical.id)
    row = service.record_by_code(db_session, rendered.code.lower())
    assert row is not None
    assert row.fingerprint == rendered.fingerprint
    assert service.verify(db_session, row).matches
    change_signed_level(db_session, typical, 6, make_user(Role.MANAGER))
    assert not service.verify(db_session, row).matches
    assert service.record_by_code(db_session, "ZZZZZ-ZZZZZ") is None


@pytest.mark.parametrize("text", ["", "not a code", "ABCDE-FGHJ"])
def test_record_by_code_ignores_what_cannot_be_a_code(db_session, text) -> None:  # type: ignore[no-untyped-def]
    assert service.record_by_code(db_session, text) is None


def test_the_builder_also_makes_a_contract_without_situations(db_session, upload_dir) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = typical_apprenticeship(db_session, situations=False, conditions=False)
    data = service.dossier_data(db_session, apprenticeship)
    assert data["situations"] == []


def test_the_apprentices_data_export_lists_their_dossiers(db_session, typical) -> None:  # type: ignore[no-untyped-def]
    from tracker.dossiers import privacy  # noqa: F401 - registers the section
    from tracker.people.privacy import export_person

    rendered = service.render_dossier(db_session, typical.id)
    exported = export_person(db_session, typical.apprentice)["dossiers_du_jury"]
    assert [d["code_de_verification"] for d in exported] == [rendered.code]
    assert exported[0]["empreinte_sha256"] == rendered.fingerprint
    tutor = export_person(db_session, typical.current_period.company_tutor)
    assert tutor["dossiers_du_jury"] == []


def test_the_data_takes_a_fixed_number_of_queries(db_session, typical) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import QueryCounter
    from tests.dossiers.helpers import hostile_situation

    db_session.expire_all()
    with QueryCounter(db_session) as before:
        service.dossier_data(db_session, typical)
    for _ in range(3):
        hostile_situation(db_session, typical)
    db_session.expire_all()
    with QueryCounter(db_session) as after:
        data = service.dossier_data(db_session, typical)
    assert len(data["situations"]) == 5
    assert after.count == before.count


def test_anonymising_the_apprentice_erases_their_name_from_the_dossiers(  # type: ignore[no-untyped-def]
    db_session, typical, make_user
) -> None:
    from tracker.people.service import anonymise_person

    rendered = service.render_dossier(db_session, typical.id)
    anonymise_person(db_session, typical.apprentice, actor=make_user(Role.MANAGER))
    db_session.commit()
    row = db_session.query(DossierRecord).one()
    assert row.apprentice_name == typical.apprentice.name
    assert row.apprentice_name.startswith("Personne anonymisée n° ")
    assert not rendered.path.exists()  # the PDF printed the real name
